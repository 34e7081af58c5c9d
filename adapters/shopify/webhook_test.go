package shopify_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/shopify"
	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
)

func sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func TestVerifyWebhook(t *testing.T) {
	t.Parallel()
	secret, body := []byte("client-secret"), []byte(`{"id":820982911946154508,"name":"#9999"}`)
	good := sign(secret, body)
	cases := []struct {
		name   string
		secret []byte
		body   []byte
		header string
		ok     bool
	}{
		{"the body signed with the secret verifies", secret, body, good, true},
		{"surrounding spaces in the header are ignored", secret, body, " " + good + "\n", true},
		{"a changed body does not verify", secret, []byte(`{"id":820982911946154508,"name":"#9998"}`), good, false},
		{"another secret does not verify", []byte("old-secret"), body, good, false},
		{"a header that is not base64 does not verify", secret, body, "not base64!", false},
		{"a missing header does not verify", secret, body, "", false},
		{"an empty secret never verifies", nil, body, sign(nil, body), false},
		{"a hex digest is not Shopify's format", secret, body, "deadbeef", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.ok, shopify.VerifyWebhook(tc.secret, tc.body, tc.header))
		})
	}
}

func FuzzVerifyWebhook(f *testing.F) {
	f.Add([]byte("secret"), []byte(`{"id":1}`), "")
	f.Add([]byte("s"), []byte{}, "AAAA")
	f.Fuzz(func(t *testing.T, secret, body []byte, header string) {
		// Never panics; verifies exactly when the header is the right signature.
		got := shopify.VerifyWebhook(secret, body, header)
		if got {
			require.NotEmpty(t, secret)
		}
		if len(secret) > 0 {
			require.True(t, shopify.VerifyWebhook(secret, body, sign(secret, body)))
		}
	})
}

func TestParseWebhookHeaders(t *testing.T) {
	t.Parallel()
	want := shopify.WebhookHeaders{
		Topic: "orders/create", ShopDomain: "acme.myshopify.com", APIVersion: "2026-07", WebhookID: "b54557e4",
		EventID: "98880550", TriggeredAt: time.Date(2026, 11, 2, 9, 0, 0, 123000000, time.UTC), HMAC: "c2lnbmF0dXJl",
	}
	cases := []struct {
		name   string
		header http.Header
	}{
		{"canonical names", http.Header{
			"X-Shopify-Topic": {"orders/create"}, "X-Shopify-Shop-Domain": {"acme.myshopify.com"}, "X-Shopify-Api-Version": {"2026-07"},
			"X-Shopify-Webhook-Id": {"b54557e4"}, "X-Shopify-Event-Id": {"98880550"}, "X-Shopify-Triggered-At": {"2026-11-02T09:00:00.123Z"},
			"X-Shopify-Hmac-Sha256": {"c2lnbmF0dXJl"},
		}},
		{"names in any case", http.Header{
			"x-shopify-topic": {"orders/create"}, "X-SHOPIFY-SHOP-DOMAIN": {"acme.myshopify.com"}, "X-Shopify-API-Version": {"2026-07"},
			"x-shopify-webhook-id": {"b54557e4"}, "x-shopify-event-id": {"98880550"}, "x-shopify-triggered-at": {"2026-11-02T09:00:00.123Z"},
			"x-shopify-hmac-sha256": {"c2lnbmF0dXJl"},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, want, shopify.ParseWebhookHeaders(tc.header))
		})
	}
	require.True(t, shopify.ParseWebhookHeaders(http.Header{"X-Shopify-Triggered-At": {"soon"}}).TriggeredAt.IsZero())
}

func TestWebhooksFromTheSimulatorVerify(t *testing.T) {
	t.Parallel()
	secret := []byte("client-secret")
	var mu sync.Mutex
	var got []shopify.WebhookHeaders
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		h := shopify.ParseWebhookHeaders(r.Header)
		if err != nil || !shopify.VerifyWebhook(secret, body, h.HMAC) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		mu.Lock()
		got = append(got, h)
		mu.Unlock()
	}))
	t.Cleanup(recv.Close)
	s := newSmallShop(t, nil, shopifytest.WithWebhooks(recv.URL, secret))
	require.NoError(t, s.srv.CancelOrder(s.order, "customer"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, s.srv.WaitWebhooks(ctx))

	mu.Lock()
	defer mu.Unlock()
	var topics []string
	for _, h := range got {
		topics = append(topics, h.Topic)
		require.Equal(t, "passthrough-test.myshopify.com", h.ShopDomain)
		require.NotEmpty(t, h.WebhookID)
		require.False(t, h.TriggeredAt.IsZero())
	}
	require.Contains(t, topics, "orders/cancelled")
	for _, d := range s.srv.Webhooks() {
		require.Equal(t, http.StatusOK, d.Status, "%s was verified by the receiver", d.Topic)
	}
}
