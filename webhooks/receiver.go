package webhooks

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/shopify"
	"github.com/passthrough-dev/passthrough/record"
)

// Path is where the receiver listens, on the portal's address and on webhooks.addr.
const Path = "/webhooks/shopify"

// MaxBody is the largest delivery the receiver takes: the portal's own limit, and ten times
// an order of 500 lines. A larger one is refused with 413, and its order comes with the
// scheduled run.
const MaxBody = 2 << 20

// storeTimeout bounds storing one delivery: Shopify waits 5 s for an answer, and an answer
// of 503 in time is better than none (it retries either way).
const storeTimeout = 3 * time.Second

// Shop is one store webhooks may come from.
type Shop struct {
	// Name is the shop's short name, as in {name}.myshopify.com and the ledger's keys.
	Name string
	// Secrets are the secrets its deliveries may be signed with: the app's client secret,
	// and for an hour after a rotation the previous one too.
	Secrets [][]byte
	// Orders is the store's orders feed.
	Orders Orders
}

// Orders is one store's orders feed as the worker uses it; *feeds.Orders is one.
type Orders interface {
	// Handle stages one order now through the feed's own handling, and says whether it
	// wrote it; an error means it should be tried again later.
	Handle(ctx context.Context, o record.RawOrder) (bool, error)
	// Refresh fetches an order from Shopify and handles it.
	Refresh(ctx context.Context, orderID int64) (bool, error)
}

// Shops finds a store by its short name: the one store of a single-store configuration,
// or each of many.
type Shops interface {
	Shop(name string) (Shop, bool)
}

// ShopList is Shops for stores known at start.
type ShopList []Shop

// Shop finds a store by name, ignoring case.
func (l ShopList) Shop(name string) (Shop, bool) {
	for _, s := range l {
		if strings.EqualFold(s.Name, name) {
			return s, true
		}
	}
	return Shop{}, false
}

// ShopName reads the shop's short name from X-Shopify-Shop-Domain (acme.myshopify.com).
func ShopName(domain string) (string, bool) {
	name, ok := strings.CutSuffix(strings.ToLower(strings.TrimSpace(domain)), ".myshopify.com")
	return name, ok && name != "" && !strings.ContainsAny(name, "./")
}

// ReceiverStore is where the receiver keeps deliveries: the store's Webhooks role, in part.
type ReceiverStore interface {
	WebhookReceive(ctx context.Context, d erp.WebhookDelivery) (erp.WebhookReceipt, error)
	WebhookIgnore(ctx context.Context, shop, topic string, at time.Time) error
}

// Receiver is POST /webhooks/shopify. It refuses, with 401 and without recording anything,
// a delivery not signed by its shop's secret — and one from a shop it does not know, whose
// signature it cannot check; stores each signed delivery of a topic it handles, once per
// X-Shopify-Webhook-Id, and answers 200 when it is stored (503 when the database cannot
// take it, and Shopify tries again); counts deliveries of other topics and answers 200. It
// does nothing else before answering: the Worker works the deliveries.
type Receiver struct {
	Shops Shops
	Store ReceiverStore
	Log   *slog.Logger
	Now   func() time.Time
	// Stored hears that a delivery was stored, so this process's worker starts at once.
	Stored func()
}

func (rc *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST a webhook here", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		rc.log().Warn("webhook refused: body too large", "limit", MaxBody)
		http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	case err != nil:
		http.Error(w, "could not read the body", http.StatusBadRequest)
		return
	}
	h := shopify.ParseWebhookHeaders(r.Header)
	log := rc.log().With("topic", h.Topic, "webhook_id", h.WebhookID)
	name, ok := ShopName(h.ShopDomain)
	var shop Shop
	if ok {
		shop, ok = rc.Shops.Shop(name)
	}
	if !ok {
		// The signature cannot be checked without the shop's secret: to the sender this is
		// the same as a bad one.
		log.Warn("webhook refused: not from a store passthrough serves", "shop_domain", h.ShopDomain)
		http.Error(w, "unknown shop", http.StatusUnauthorized)
		return
	}
	if !signed(shop.Secrets, body, h.HMAC) {
		log.Warn("webhook refused: bad signature", "shop", shop.Name)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	if h.Topic == "" || h.WebhookID == "" {
		http.Error(w, "X-Shopify-Topic and X-Shopify-Webhook-Id are required", http.StatusBadRequest)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), storeTimeout)
	defer cancel()
	now := rc.now()
	if !Handled(h.Topic) {
		if err := rc.Store.WebhookIgnore(ctx, shop.Name, h.Topic, now); err != nil {
			log.Warn("could not count a webhook of a topic passthrough ignores", "shop", shop.Name, "err", err)
		}
		w.WriteHeader(http.StatusOK)
		return
	}
	receipt, err := rc.Store.WebhookReceive(ctx, erp.WebhookDelivery{
		Shop: shop.Name, WebhookID: h.WebhookID, EventID: h.EventID, Topic: h.Topic, APIVersion: h.APIVersion,
		OrderID: orderOf(h.Topic, body), TriggeredAt: h.TriggeredAt, ReceivedAt: now, Body: body,
	})
	switch {
	case errors.Is(err, erp.ErrInvalidValue):
		log.Warn("webhook refused", "shop", shop.Name, "err", err)
		http.Error(w, "the delivery's headers do not fit", http.StatusBadRequest)
		return
	case err != nil:
		log.Error("webhook not stored; Shopify will send it again", "shop", shop.Name, "err", err)
		http.Error(w, "try again later", http.StatusServiceUnavailable)
		return
	}
	if receipt.Duplicate {
		log.Debug("webhook received again", "shop", shop.Name)
	} else if rc.Stored != nil {
		rc.Stored()
	}
	w.WriteHeader(http.StatusOK)
}

// signed reports whether any of the secrets signed the body.
func signed(secrets [][]byte, body []byte, hmacHeader string) bool {
	for _, s := range secrets {
		if shopify.VerifyWebhook(s, body, hmacHeader) {
			return true
		}
	}
	return false
}

func (rc *Receiver) log() *slog.Logger {
	if rc.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return rc.Log
}

func (rc *Receiver) now() time.Time {
	if rc.Now == nil {
		return time.Now()
	}
	return rc.Now()
}
