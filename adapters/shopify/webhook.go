package shopify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"time"
)

// VerifyWebhook reports whether hmacHeader (X-Shopify-Hmac-Sha256) is the base64
// HMAC-SHA256 of the raw request body under secret (the app's client secret), compared in
// constant time. Check it before decoding the body. After a secret rotation, try the old
// secret too for an hour.
func VerifyWebhook(secret []byte, body []byte, hmacHeader string) bool {
	if len(secret) == 0 || hmacHeader == "" {
		return false
	}
	got, err := base64.StdEncoding.DecodeString(strings.TrimSpace(hmacHeader))
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// WebhookHeaders are the X-Shopify-* headers of a webhook delivery.
type WebhookHeaders struct {
	Topic      string // orders/create, orders/updated, …
	ShopDomain string // acme.myshopify.com
	APIVersion string // the version the body is written in
	// WebhookID is the delivery's id, the same on every retry of it: dedupe on it.
	WebhookID string
	// EventID is the event's id, the same for every delivery of one event.
	EventID     string
	TriggeredAt time.Time // zero when absent or unreadable
	HMAC        string
}

// ParseWebhookHeaders reads the X-Shopify-* headers, whatever their case.
func ParseWebhookHeaders(h http.Header) WebhookHeaders {
	get := func(name string) string {
		if v := h.Get(name); v != "" {
			return v
		}
		for k, vs := range h { // a map filled without canonical keys
			if strings.EqualFold(k, name) && len(vs) > 0 {
				return vs[0]
			}
		}
		return ""
	}
	w := WebhookHeaders{
		Topic:      get("X-Shopify-Topic"),
		ShopDomain: get("X-Shopify-Shop-Domain"),
		APIVersion: get("X-Shopify-API-Version"),
		WebhookID:  get("X-Shopify-Webhook-Id"),
		EventID:    get("X-Shopify-Event-Id"),
		HMAC:       get("X-Shopify-Hmac-Sha256"),
	}
	if t, err := time.Parse(time.RFC3339Nano, get("X-Shopify-Triggered-At")); err == nil {
		w.TriggeredAt = t
	}
	return w
}
