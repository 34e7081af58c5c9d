package webhooks_test

import (
	"bytes"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
	"github.com/passthrough-dev/passthrough/webhooks"
)

func TestTheReceiverRefusesWhatShopifyDidNotSign(t *testing.T) {
	t.Parallel()
	w := newWorld(t, shopifytest.GenOptions{Orders: 5, SKUs: 5, Seed: 1})
	id := w.sim.OrderIDs()[0]
	order, _ := w.sim.Order(id)
	nothingRecorded := func(t *testing.T) {
		t.Helper()
		require.Zero(t, w.count(t, "SELECT COUNT(*) FROM pt_webhook_deliveries"), "no delivery is stored")
		require.Zero(t, w.count(t, "SELECT COUNT(*) FROM pt_webhook_topics"), "nothing is counted")
	}

	for _, tc := range []struct {
		name    string
		key     []byte
		headers map[string]string
		body    []byte
		want    int
	}{
		{"a delivery signed with another secret is 401", []byte("someone-elses-secret"), headers("orders/paid", "w-1"), order, http.StatusUnauthorized},
		{"a delivery without a signature is 401", nil, headers("orders/paid", "w-2"), order, http.StatusUnauthorized},
		{"a body changed after signing is 401", secret, headers("orders/paid", "w-3"), nil, http.StatusUnauthorized},
		{"a shop passthrough does not serve is 401", secret, func() map[string]string {
			h := headers("orders/paid", "w-4")
			h["X-Shopify-Shop-Domain"] = "stranger.myshopify.com"
			return h
		}(), order, http.StatusUnauthorized},
		{"a shop domain that is not a myshopify domain is 401", secret, func() map[string]string {
			h := headers("orders/paid", "w-5")
			h["X-Shopify-Shop-Domain"] = shop + ".example.com"
			return h
		}(), order, http.StatusUnauthorized},
		{"a body of 10 MB is 413", secret, headers("orders/paid", "w-6"), bytes.Repeat([]byte("x"), 10<<20), http.StatusRequestEntityTooLarge},
		{"a signed delivery without a webhook id is 400", secret, func() map[string]string {
			h := headers("orders/paid", "")
			delete(h, "X-Shopify-Webhook-Id")
			return h
		}(), order, http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := tc.body
			if body == nil {
				body = order
			}
			status := 0
			if tc.body == nil && tc.key != nil {
				// Sign the order, then send something else under that signature.
				h := tc.headers
				h["X-Shopify-Hmac-Sha256"] = sign(secret, order)
				status = post(t, w.url, nil, h, bytes.Replace(order, []byte(`"test":false`), []byte(`"test":true`), 1))
			} else {
				status = post(t, w.url, tc.key, tc.headers, body)
			}
			require.Equal(t, tc.want, status)
			nothingRecorded(t)
		})
	}
	t.Run("a GET is 405", func(t *testing.T) {
		resp, err := http.Get(w.url)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
		nothingRecorded(t)
	})
}

func TestTheReceiverStoresADeliveryOnceAndCountsWhatItIgnores(t *testing.T) {
	t.Parallel()
	w := newWorld(t, shopifytest.GenOptions{Orders: 5, SKUs: 5, Seed: 1})
	id := w.sim.OrderIDs()[0]
	order, _ := w.sim.Order(id)

	require.Equal(t, http.StatusOK, post(t, w.url, secret, headers("orders/paid", "w-1"), order))
	require.Equal(t, http.StatusOK, post(t, w.url, secret, headers("orders/paid", "w-1"), order), "a replay is answered 200")
	rows := w.count(t, "SELECT COUNT(*) FROM pt_webhook_deliveries")
	require.Equal(t, 1, rows, "and stored once")
	var orderID int64
	require.NoError(t, w.db.QueryRowContext(t.Context(), "SELECT order_id FROM pt_webhook_deliveries").Scan(&orderID))
	require.Equal(t, id, orderID)
	require.EqualValues(t, 1, w.woken.Load(), "the worker is woken for what is new only")

	require.Equal(t, http.StatusOK, post(t, w.url, secret, headers("products/update", "w-2"), []byte(`{"id":1}`)))
	require.Equal(t, http.StatusOK, post(t, w.url, secret, headers("fulfillments/create", "w-3"), []byte(`{"id":2,"order_id":3}`)))
	require.Equal(t, 1, w.count(t, "SELECT COUNT(*) FROM pt_webhook_deliveries"), "a topic not handled is not stored")
	topics, err := w.store.WebhookTopicList(t.Context(), shop)
	require.NoError(t, err)
	counts := map[string][2]int{}
	for _, tp := range topics {
		counts[tp.Topic] = [2]int{tp.Received, tp.Duplicates}
	}
	require.Equal(t, map[string][2]int{"orders/paid": {1, 1}, "products/update": {1, 0}, "fulfillments/create": {1, 0}}, counts)
}

func TestTheReceiverTakesThePreviousSecretDuringARotation(t *testing.T) {
	t.Parallel()
	w := newWorld(t, shopifytest.GenOptions{Orders: 1, SKUs: 2, Seed: 1})
	old := []byte("the-previous-secret")
	h := &webhooks.Receiver{Shops: webhooks.ShopList{{Name: shop, Secrets: [][]byte{secret, old}}}, Store: w.store}
	for i, key := range [][]byte{secret, old, []byte("neither")} {
		order, _ := w.sim.Order(w.sim.OrderIDs()[0])
		rec := newRecorder(t, h, key, headers("orders/paid", fmt.Sprintf("w-%d", i)), order)
		want := http.StatusOK
		if i == 2 {
			want = http.StatusUnauthorized
		}
		require.Equal(t, want, rec)
	}
}

func TestTheReceiverAnswers503WhenTheDatabaseIsAway(t *testing.T) {
	t.Parallel()
	w := newWorld(t, shopifytest.GenOptions{Orders: 1, SKUs: 2, Seed: 1})
	order, _ := w.sim.Order(w.sim.OrderIDs()[0])
	w.store.down.Store(true)
	require.Equal(t, http.StatusServiceUnavailable, post(t, w.url, secret, headers("orders/paid", "w-1"), order),
		"Shopify keeps the delivery and sends it again")
	w.store.down.Store(false)
	require.Equal(t, http.StatusOK, post(t, w.url, secret, headers("orders/paid", "w-1"), order))
	require.Equal(t, 1, w.count(t, "SELECT COUNT(*) FROM pt_webhook_deliveries"))
}
