package webhooks

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/passthrough-dev/passthrough/adapters/shopify"
)

// SubscriptionAPI is Shopify's webhook subscription API; *shopify.Client is one.
type SubscriptionAPI interface {
	WebhookSubscriptions(ctx context.Context) ([]shopify.WebhookSubscription, error)
	CreateWebhookSubscription(ctx context.Context, topic, uri string) (shopify.WebhookSubscription, error)
	UpdateWebhookSubscription(ctx context.Context, id, uri string) (shopify.WebhookSubscription, error)
}

// What Register did with a topic.
const (
	Created = "created" // no subscription had the topic
	Moved   = "moved"   // the topic's subscription pointed elsewhere and now points at the address
	Kept    = "kept"    // the topic's subscription pointed at the address already
)

// Change is what Register did with one topic.
type Change struct {
	Topic  string
	Action string
	From   string // the address a moved subscription had
}

// Register subscribes the store to every topic passthrough acts on (Subscribed), at uri.
// It can run any number of times: a topic already subscribed at uri is kept, and one
// subscribed elsewhere — passthrough's address changed — is moved, since every subscription
// the app's token sees is the app's own. Other subscriptions are left alone.
func Register(ctx context.Context, api SubscriptionAPI, uri string) ([]Change, error) {
	subs, err := api.WebhookSubscriptions(ctx)
	if err != nil {
		return nil, fmt.Errorf("register webhooks: %w", err)
	}
	var out []Change
	for _, topic := range Subscribed() {
		var mine []shopify.WebhookSubscription
		for _, s := range subs {
			if s.Topic == topic {
				mine = append(mine, s)
			}
		}
		switch {
		case slices.ContainsFunc(mine, func(s shopify.WebhookSubscription) bool { return s.URI == uri }):
			out = append(out, Change{Topic: topic, Action: Kept})
		case len(mine) > 0:
			if _, err := api.UpdateWebhookSubscription(ctx, mine[0].ID, uri); err != nil {
				return out, fmt.Errorf("register webhooks: %w", err)
			}
			out = append(out, Change{Topic: topic, Action: Moved, From: mine[0].URI})
		default:
			if _, err := api.CreateWebhookSubscription(ctx, topic, uri); err != nil {
				return out, fmt.Errorf("register webhooks: %w", err)
			}
			out = append(out, Change{Topic: topic, Action: Created})
		}
	}
	return out, nil
}

// VerifyTopic is the topic of Verify's test deliveries: not one Shopify sends, so the
// receiver answers 200, counts it, and keeps nothing.
const VerifyTopic = "passthrough/verify"

// Verified is one thing Verify checked.
type Verified struct {
	What string
	OK   bool
	Got  string // what was found, for people
}

// Verify checks that Shopify can reach passthrough: that every topic is subscribed at uri,
// that the address answers a signed delivery with 200, and that it refuses one signed with
// another secret with 401. client makes the requests (the address as Shopify sees it may
// be reachable only through a proxy).
func Verify(ctx context.Context, api SubscriptionAPI, client *http.Client, uri, shop string, secret []byte) ([]Verified, error) {
	var out []Verified
	subs, err := api.WebhookSubscriptions(ctx)
	if err != nil {
		return nil, fmt.Errorf("verify webhooks: %w", err)
	}
	for _, topic := range Subscribed() {
		c := Verified{What: "subscribed to " + topic}
		var elsewhere []string
		for _, s := range subs {
			switch {
			case s.Topic == topic && s.URI == uri:
				c.OK, c.Got = true, "at "+uri
			case s.Topic == topic:
				elsewhere = append(elsewhere, s.URI)
			}
		}
		if !c.OK {
			c.Got = "not at " + uri
			if len(elsewhere) > 0 {
				c.Got += fmt.Sprintf(" (at %v instead)", elsewhere)
			}
		}
		out = append(out, c)
	}
	other := make([]byte, 32)
	_, _ = rand.Read(other)
	for _, tc := range []struct {
		what   string
		secret []byte
		want   int
	}{
		{"a signed delivery is taken", secret, http.StatusOK},
		{"a delivery signed with another secret is refused", other, http.StatusUnauthorized},
	} {
		status, err := sendTest(ctx, client, uri, shop, tc.secret)
		c := Verified{What: tc.what, OK: err == nil && status == tc.want}
		if err != nil {
			c.Got = err.Error()
		} else {
			c.Got = fmt.Sprintf("answered %d", status)
		}
		out = append(out, c)
	}
	return out, nil
}

// sendTest posts one test delivery, as Shopify would, and says the answer's status.
func sendTest(ctx context.Context, client *http.Client, uri, shop string, secret []byte) (int, error) {
	id := make([]byte, 8)
	_, _ = rand.Read(id)
	body := []byte(fmt.Sprintf(`{"verify":true,"at":%q}`, time.Now().UTC().Format(time.RFC3339)))
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, uri, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("X-Shopify-Topic", VerifyTopic)
	h.Set("X-Shopify-Shop-Domain", shop+".myshopify.com")
	h.Set("X-Shopify-Webhook-Id", "verify-"+hex.EncodeToString(id))
	h.Set("X-Shopify-Triggered-At", time.Now().UTC().Format(time.RFC3339Nano))
	h.Set("X-Shopify-Hmac-Sha256", base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}
