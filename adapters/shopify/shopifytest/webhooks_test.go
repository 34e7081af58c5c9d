package shopifytest_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
)

var hookSecret = []byte("app-client-secret")

// receiver records what reaches it and answers with the status answer gives (200 when nil).
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	got    []receivedHook
	answer func(n int, h http.Header) int
}

type receivedHook struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T, answer func(n int, h http.Header) int) *receiver {
	t.Helper()
	r := &receiver{answer: answer}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, receivedHook{req.Header.Clone(), body})
		n := len(r.got)
		r.mu.Unlock()
		status := http.StatusOK
		if r.answer != nil {
			status = r.answer(n, req.Header)
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) hooks() []receivedHook {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]receivedHook(nil), r.got...)
}

func (r *receiver) topics() []string {
	var out []string
	for _, h := range r.hooks() {
		out = append(out, h.header.Get("X-Shopify-Topic"))
	}
	return out
}

func waitHooks(t *testing.T, srv *shopifytest.Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	require.NoError(t, srv.WaitWebhooks(ctx))
}

const createSubscription = `mutation Create($topic: WebhookSubscriptionTopic!, $sub: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $sub) {
    webhookSubscription { id topic uri format apiVersion { handle } }
    userErrors { field message }
  }
}`

func (s *shop) subscribe(t *testing.T, topic, uri string) map[string]any {
	t.Helper()
	out := s.graphql(t, "2026-07", createSubscription, map[string]any{"topic": topic, "sub": map[string]any{"uri": uri, "format": "JSON"}})
	return obj(obj(out["data"])["webhookSubscriptionCreate"])
}

func TestWebhookSubscriptionsThroughTheAPI(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	recv := newReceiver(t, nil)

	created := s.subscribe(t, "ORDERS_PAID", recv.URL+"/webhooks/shopify")
	require.Empty(t, list(created["userErrors"]))
	sub := obj(created["webhookSubscription"])
	require.Equal(t, "ORDERS_PAID", sub["topic"])
	require.Equal(t, recv.URL+"/webhooks/shopify", sub["uri"])
	require.Equal(t, "JSON", sub["format"])
	require.Equal(t, "2026-07", obj(sub["apiVersion"])["handle"])

	t.Run("the same topic and address are taken once", func(t *testing.T) {
		again := s.subscribe(t, "ORDERS_PAID", recv.URL+"/webhooks/shopify")
		require.Nil(t, again["webhookSubscription"])
		require.Equal(t, []any{map[string]any{"field": []any{"webhookSubscription", "uri"}, "message": "Address for this topic has already been taken"}},
			again["userErrors"])
	})
	t.Run("an address that is not HTTPS is refused unless it is this machine", func(t *testing.T) {
		bad := s.subscribe(t, "ORDERS_CREATE", "http://example.com/webhooks/shopify")
		require.Equal(t, "Address protocol http:// is not supported", obj(list(bad["userErrors"])[0])["message"])
		ok := s.subscribe(t, "ORDERS_CREATE", "https://example.com/webhooks/shopify")
		require.Empty(t, list(ok["userErrors"]))
	})
	t.Run("a topic Shopify does not have, or a privacy topic, is an error", func(t *testing.T) {
		for _, topic := range []string{"ORDERS_PAYED", "CUSTOMERS_REDACT"} {
			out := s.graphql(t, "2026-07", createSubscription, map[string]any{"topic": topic, "sub": map[string]any{"uri": recv.URL}})
			errs := list(out["errors"])
			require.Len(t, errs, 1)
			require.Contains(t, obj(errs[0])["message"], "Expected type 'WebhookSubscriptionTopic!'")
		}
	})
	t.Run("before 2025-10 the address is callbackUrl", func(t *testing.T) {
		out := s.graphql(t, "2025-07", createSubscription, map[string]any{"topic": "REFUNDS_CREATE", "sub": map[string]any{"uri": recv.URL}})
		require.Equal(t, "Address can't be blank", obj(list(obj(obj(out["data"])["webhookSubscriptionCreate"])["userErrors"])[0])["message"])
		out = s.graphql(t, "2025-07", createSubscription, map[string]any{"topic": "REFUNDS_CREATE", "sub": map[string]any{"callbackUrl": recv.URL}})
		require.Empty(t, list(obj(obj(out["data"])["webhookSubscriptionCreate"])["userErrors"]))
	})

	t.Run("subscriptions are listed in pages, filtered by topic", func(t *testing.T) {
		const q = `query List($after: String, $topics: [WebhookSubscriptionTopic!]) {
  webhookSubscriptions(first: 2, after: $after, topics: $topics) {
    nodes { id topic uri } pageInfo { hasNextPage endCursor }
  }
}`
		var seen []string
		var after any
		for range 5 {
			out := s.graphql(t, "2026-07", q, map[string]any{"after": after})
			conn := obj(obj(out["data"])["webhookSubscriptions"])
			for _, n := range list(conn["nodes"]) {
				seen = append(seen, obj(n)["topic"].(string))
			}
			info := obj(conn["pageInfo"])
			if info["hasNextPage"] != true {
				break
			}
			after = info["endCursor"]
		}
		require.Equal(t, []string{"ORDERS_PAID", "ORDERS_CREATE", "REFUNDS_CREATE"}, seen)
		out := s.graphql(t, "2026-07", q, map[string]any{"topics": []string{"REFUNDS_CREATE"}})
		require.Len(t, list(obj(obj(out["data"])["webhookSubscriptions"])["nodes"]), 1)
	})

	t.Run("a subscription moves to another address and is deleted", func(t *testing.T) {
		const update = `mutation U($id: ID!, $sub: WebhookSubscriptionInput!) {
  webhookSubscriptionUpdate(id: $id, webhookSubscription: $sub) { webhookSubscription { uri } userErrors { field message } }
}`
		out := s.graphql(t, "2026-07", update, map[string]any{"id": sub["id"], "sub": map[string]any{"uri": "https://elsewhere.example/hooks"}})
		require.Equal(t, "https://elsewhere.example/hooks", obj(obj(obj(out["data"])["webhookSubscriptionUpdate"])["webhookSubscription"])["uri"])
		const del = `mutation D($id: ID!) { webhookSubscriptionDelete(id: $id) { deletedWebhookSubscriptionId userErrors { message } } }`
		out = s.graphql(t, "2026-07", del, map[string]any{"id": sub["id"]})
		require.Equal(t, sub["id"], obj(obj(out["data"])["webhookSubscriptionDelete"])["deletedWebhookSubscriptionId"])
		out = s.graphql(t, "2026-07", del, map[string]any{"id": sub["id"]})
		require.Equal(t, "Webhook subscription does not exist", obj(list(obj(obj(out["data"])["webhookSubscriptionDelete"])["userErrors"])[0])["message"])
	})
}

func TestWebhooksGoToEachAddressThatAskedForTheirTopic(t *testing.T) {
	t.Parallel()
	app := newReceiver(t, nil)
	sub := newReceiver(t, nil)
	s := newShop(t)
	s.srv.SetWebhooks(app.URL, hookSecret)
	s.subscribe(t, "ORDERS_PAID", sub.URL)
	s.subscribe(t, "REFUNDS_CREATE", sub.URL)

	id := s.order(t)
	require.NoError(t, s.srv.PayOrder(id))
	require.NoError(t, s.srv.RefundWhole(id))
	s.srv.RequestCustomerRedact(7, "ann@example.com", []int64{id})
	waitHooks(t, s.srv)

	require.Equal(t, []string{"orders/create", "orders/paid", "orders/updated", "refunds/create", "orders/updated", "customers/redact"}, app.topics())
	require.Equal(t, []string{"orders/paid", "refunds/create"}, sub.topics(), "a subscription gets its topics; the privacy topics only the app's address")

	paid := app.hooks()[1]
	mac := hmac.New(sha256.New, hookSecret)
	mac.Write(paid.body)
	require.Equal(t, base64.StdEncoding.EncodeToString(mac.Sum(nil)), paid.header.Get("X-Shopify-Hmac-Sha256"))
	require.Equal(t, paid.header.Get("X-Shopify-Event-Id"), sub.hooks()[0].header.Get("X-Shopify-Event-Id"), "one change, one event")
	require.NotEqual(t, paid.header.Get("X-Shopify-Webhook-Id"), sub.hooks()[0].header.Get("X-Shopify-Webhook-Id"), "each address, its own delivery")
	require.Equal(t, "2026-07", sub.hooks()[0].header.Get("X-Shopify-API-Version"), "the subscription's version")

	var refund struct {
		OrderID         int64 `json:"order_id"`
		RefundLineItems []any `json:"refund_line_items"`
	}
	require.NoError(t, json.Unmarshal(sub.hooks()[1].body, &refund))
	require.Equal(t, id, refund.OrderID)
	require.NotEmpty(t, refund.RefundLineItems)
	raw, _ := s.srv.Order(id)
	require.Contains(t, string(raw), `"financial_status":"refunded"`)
	require.Error(t, s.srv.RefundWhole(id), "a refunded order cannot be refunded again")
}

func TestWebhookDeliveriesAreRetriedAndCanBeDroppedOrDuplicated(t *testing.T) {
	t.Parallel()
	t.Run("an answer other than 2xx is retried with the same webhook id", func(t *testing.T) {
		t.Parallel()
		recv := newReceiver(t, func(n int, _ http.Header) int {
			if n <= 2 {
				return http.StatusServiceUnavailable
			}
			return http.StatusOK
		})
		s := newShop(t)
		s.srv.SetWebhooks(recv.URL, hookSecret)
		s.srv.SetWebhookRetries(3, 10*time.Millisecond)
		s.order(t)
		waitHooks(t, s.srv)
		hooks := recv.hooks()
		require.Len(t, hooks, 3)
		require.Equal(t, hooks[0].header.Get("X-Shopify-Webhook-Id"), hooks[2].header.Get("X-Shopify-Webhook-Id"))
		d := s.srv.Webhooks()
		require.Len(t, d, 1)
		require.Equal(t, http.StatusOK, d[0].Status)
		require.Equal(t, 3, d[0].Attempts)
	})
	t.Run("every third delivery is dropped, every second sent twice", func(t *testing.T) {
		t.Parallel()
		recv := newReceiver(t, nil)
		s := newShop(t)
		s.srv.SetWebhooks(recv.URL, hookSecret)
		s.srv.SetWebhookFaults(shopifytest.WebhookFaults{DropEvery: 3, DuplicateEvery: 2})
		for range 6 {
			s.order(t)
		}
		waitHooks(t, s.srv)
		// Deliveries 1..6: 3 and 6 dropped; 2 and 4 sent twice.
		require.Len(t, recv.hooks(), 6)
		ids := map[string]int{}
		for _, h := range recv.hooks() {
			ids[h.header.Get("X-Shopify-Webhook-Id")]++
		}
		require.Len(t, ids, 4)
		dropped := 0
		for _, d := range s.srv.Webhooks() {
			if d.Dropped {
				dropped++
			}
		}
		require.Equal(t, 2, dropped)
	})
	t.Run("a subscription whose deliveries fail 8 times in a row is removed", func(t *testing.T) {
		t.Parallel()
		recv := newReceiver(t, func(int, http.Header) int { return http.StatusInternalServerError })
		s := newShop(t)
		s.srv.SetWebhookRetries(0, time.Millisecond)
		s.subscribe(t, "ORDERS_CREATE", recv.URL)
		for range 7 {
			s.order(t)
		}
		waitHooks(t, s.srv)
		require.Len(t, s.srv.Subscriptions(), 1, "7 failures in a row")
		s.order(t)
		waitHooks(t, s.srv)
		require.Empty(t, s.srv.Subscriptions(), "the 8th removes it")
		s.order(t)
		waitHooks(t, s.srv)
		require.Len(t, recv.hooks(), 8, "nothing is sent any more")
	})
}

func TestUninstallingTheAppSaysSoAndEndsItsAccess(t *testing.T) {
	t.Parallel()
	recv := newReceiver(t, nil)
	s := newShop(t)
	s.srv.SetWebhooks(recv.URL, hookSecret)
	s.subscribe(t, "ORDERS_CREATE", "https://example.com/hooks")
	s.srv.UninstallApp()
	waitHooks(t, s.srv)
	require.Equal(t, []string{"app/uninstalled"}, recv.topics())
	require.Contains(t, string(recv.hooks()[0].body), `"myshopify_domain":"`+s.srv.Domain()+`"`)
	require.Empty(t, s.srv.Subscriptions())
	require.Equal(t, http.StatusUnauthorized, s.call(t, http.MethodGet, "/admin/api/2026-07/orders.json", "").status)
	s.srv.ReinstallApp()
	require.Equal(t, http.StatusOK, s.call(t, http.MethodGet, "/admin/api/2026-07/orders.json", "").status)
}

func TestPrivacyRequestsCarryShopifysFields(t *testing.T) {
	t.Parallel()
	recv := newReceiver(t, nil)
	s := newShop(t)
	s.srv.SetWebhooks(recv.URL, hookSecret)
	req := s.srv.RequestCustomerData(207119551, "ann@example.com", []int64{299938})
	s.srv.RequestShopRedact()
	waitHooks(t, s.srv)
	require.Equal(t, []string{"customers/data_request", "shop/redact"}, recv.topics())
	var data struct {
		ShopDomain      string  `json:"shop_domain"`
		OrdersRequested []int64 `json:"orders_requested"`
		Customer        struct {
			ID    int64  `json:"id"`
			Email string `json:"email"`
		} `json:"customer"`
		DataRequest struct {
			ID int64 `json:"id"`
		} `json:"data_request"`
	}
	require.NoError(t, json.Unmarshal(recv.hooks()[0].body, &data))
	require.Equal(t, s.srv.Domain(), data.ShopDomain)
	require.Equal(t, []int64{299938}, data.OrdersRequested)
	require.Equal(t, int64(207119551), data.Customer.ID)
	require.Equal(t, req, data.DataRequest.ID)
	require.JSONEq(t, fmt.Sprintf(`{"shop_id":548380009,"shop_domain":%q}`, s.srv.Domain()), string(recv.hooks()[1].body))
}

func TestACaptureMarksAnOrderPaid(t *testing.T) {
	t.Parallel()
	recv := newReceiver(t, nil)
	s := newShop(t)
	s.srv.SetWebhooks(recv.URL, hookSecret)
	id, err := s.srv.AddOrder([]byte(`{"financial_status":"pending","line_items":[{"sku":"X","quantity":1,"price":"4.00"}]}`))
	require.NoError(t, err)
	path := "/admin/api/2026-07/orders/" + strconv.FormatInt(id, 10) + "/transactions.json"
	r := s.call(t, http.MethodPost, path, `{"transaction":{"kind":"capture"}}`)
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	require.Equal(t, "success", obj(r.json(t)["transaction"])["status"])
	raw, _ := s.srv.Order(id)
	require.Contains(t, string(raw), `"financial_status":"paid"`)
	r = s.call(t, http.MethodPost, path, `{"transaction":{"kind":"capture"}}`)
	require.Equal(t, http.StatusUnprocessableEntity, r.status, "a paid order has nothing to capture")
	r = s.call(t, http.MethodPost, path, `{"transaction":{"kind":"void"}}`)
	require.Equal(t, http.StatusUnprocessableEntity, r.status)
	waitHooks(t, s.srv)
	require.Equal(t, []string{"orders/create", "orders/paid", "orders/updated"}, recv.topics())
}

func TestGeneratedUnpaidOrdersAllWaitForPayment(t *testing.T) {
	t.Parallel()
	b := setup(t, shopifytest.WithGenerated(shopifytest.GenOptions{Orders: 50, SKUs: 10, Unpaid: true}))
	for _, id := range b.srv.OrderIDs() {
		raw, _ := b.srv.Order(id)
		var o struct {
			Financial   string  `json:"financial_status"`
			Test        bool    `json:"test"`
			CancelledAt *string `json:"cancelled_at"`
		}
		require.NoError(t, json.Unmarshal(raw, &o))
		require.Equal(t, "pending", o.Financial)
		require.False(t, o.Test)
		require.Nil(t, o.CancelledAt)
	}
}
