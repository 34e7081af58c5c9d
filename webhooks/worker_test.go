package webhooks_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
	"github.com/passthrough-dev/passthrough/feeds"
	"github.com/passthrough-dev/passthrough/internal/ordertruth"
	"github.com/passthrough-dev/passthrough/ledger"
	"github.com/passthrough-dev/passthrough/webhooks"
)

func TestOrdersPaidInShopifyAreStagedByTheirWebhooks(t *testing.T) {
	t.Parallel()
	w := newWorld(t, shopifytest.GenOptions{Orders: 40, SKUs: 10, Seed: 2, Unpaid: true})
	w.run(t)
	ids := w.unpaid(t)
	require.Len(t, ids, 40)
	for _, id := range ids {
		require.NoError(t, w.sim.PayOrder(id))
	}
	w.settle(t)
	want := w.truth(t)
	require.NotEmpty(t, want)
	require.Equal(t, want, w.staged(t), "every paid order is staged, without a run")
	for id, n := range w.stagings(t) {
		require.Equal(t, 1, n, "order %d staged once, though orders/paid and orders/updated both carried it", id)
	}

	// The scheduled run meets the same orders and finds nothing new.
	x, err := w.feed.Run(t.Context(), feeds.OrdersRun{})
	require.NoError(t, err)
	require.Zero(t, x.Counts.Written)
	for id, n := range w.stagings(t) {
		require.Equal(t, 1, n, "order %d", id)
	}
	require.Zero(t, w.count(t, "SELECT COUNT(*) FROM pt_webhook_deliveries WHERE body IS NOT NULL"), "a delivery done keeps no body")
}

func TestEveryThirdDeliveryDroppedIsStagedByTheScheduledRun(t *testing.T) {
	t.Parallel()
	w := newWorld(t, shopifytest.GenOptions{Orders: 60, SKUs: 10, Seed: 3, Unpaid: true},
		shopifytest.WithWebhookFaults(shopifytest.WebhookFaults{DropEvery: 3}))
	w.run(t)
	// One delivery per change, so that dropping one loses the change.
	w.sim.SetWebhooks("", secret)
	require.NoError(t, registerPaidOnly(t, w))
	for _, id := range w.unpaid(t) {
		require.NoError(t, w.sim.PayOrder(id))
	}
	w.settle(t)
	want := w.truth(t)
	got := w.staged(t)
	require.Less(t, len(got), len(want), "dropped webhooks left orders behind")
	require.Greater(t, len(got), len(want)/2)

	x, err := w.feed.Run(t.Context(), feeds.OrdersRun{})
	require.NoError(t, err)
	require.Equal(t, len(want)-len(got), x.Counts.Written, "the run stages what the webhooks missed, and only that")
	require.Equal(t, want, w.staged(t))
	for id, n := range w.stagings(t) {
		require.Equal(t, 1, n, "order %d", id)
	}
	dropped := 0
	for _, d := range w.sim.Webhooks() {
		if d.Dropped {
			dropped++
		}
	}
	require.Equal(t, len(w.sim.OrderIDs())/3, dropped)
}

// registerPaidOnly subscribes the receiver to orders/paid alone, through the API.
func registerPaidOnly(t *testing.T, w *world) error {
	t.Helper()
	body, _ := json.Marshal(map[string]any{
		"query":     `mutation { webhookSubscriptionCreate(topic: ORDERS_PAID, webhookSubscription: {uri: "` + w.url + `"}) { userErrors { message } } }`,
		"variables": map[string]any{},
	})
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, w.sim.URL+"/admin/api/2026-07/graphql.json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Shopify-Access-Token", w.sim.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if len(w.sim.Subscriptions()) != 1 {
		return fmt.Errorf("the subscription was not made")
	}
	return nil
}

func TestALateOlderDeliveryChangesNothing(t *testing.T) {
	t.Parallel()
	w := newWorld(t, shopifytest.GenOptions{Orders: 10, SKUs: 5, Seed: 4, Unpaid: true})
	w.sim.SetWebhooks("", secret) // the test delivers by hand
	id := w.unpaid(t)[0]
	before, _ := w.sim.Order(id)
	require.NoError(t, w.sim.PayOrder(id))
	after, _ := w.sim.Order(id)

	require.Equal(t, http.StatusOK, post(t, w.url, secret, headers("orders/paid", "paid-1"), after))
	_, err := w.worker.Drain(t.Context())
	require.NoError(t, err)
	staged, err := w.store.LedgerGet(t.Context(), shop, id)
	require.NoError(t, err)
	require.Equal(t, ledger.StatusStaged, staged.Status)

	// orders/create, sent before the payment, comes last (Shopify does not keep order).
	require.Equal(t, http.StatusOK, post(t, w.url, secret, headers("orders/create", "create-1"), before))
	_, err = w.worker.Drain(t.Context())
	require.NoError(t, err)
	again, err := w.store.LedgerGet(t.Context(), shop, id)
	require.NoError(t, err)
	require.Equal(t, staged, again, "the older version changes nothing")
	require.Equal(t, 2, w.count(t, "SELECT COUNT(*) FROM pt_webhook_deliveries WHERE state = 'done'"))
}

func TestARefundOrAnEditFetchesTheOrderFromShopify(t *testing.T) {
	t.Parallel()
	w := newWorld(t, shopifytest.GenOptions{Orders: 10, SKUs: 5, Seed: 5, Unpaid: true})
	w.run(t)
	id := w.unpaid(t)[0]
	require.NoError(t, w.sim.PayOrder(id))
	w.settle(t)
	w.sim.ResetRequests()
	require.NoError(t, w.sim.RefundWhole(id))
	w.settle(t)
	fetched := 0
	for _, r := range w.sim.Requests() {
		if r.Method == http.MethodGet && r.Path == fmt.Sprintf("/admin/api/2026-07/orders/%d.json", id) {
			fetched++
		}
	}
	require.Equal(t, 1, fetched, "refunds/create names the order; the worker fetches it")
	refunds, err := w.store.OrderRefundIDs(t.Context(), shop, id)
	require.NoError(t, err)
	require.Len(t, refunds, 1, "the refund the fetched order has is recorded: the ERP hears of it once")

	require.Equal(t, http.StatusOK, post(t, w.url, secret, headers("orders/edited", "edit-1"),
		[]byte(fmt.Sprintf(`{"order_edit":{"id":1,"order_id":%d,"committed_at":"2026-11-22T10:00:00Z"}}`, id))))
	require.Equal(t, http.StatusOK, post(t, w.url, secret, headers("refunds/create", "refund-2"), []byte(`{"id":9,"order_id":404}`)))
	w.settle(t)
	b, err := w.store.WebhookBacklog(t.Context(), shop)
	require.NoError(t, err)
	require.Equal(t, 1, b.Failed, "a refund of an order Shopify does not have is given up on")
	require.Contains(t, b.LastError, "no order 404 in Shopify any more")
}

func TestARefundOfAStagedOrderReachesTheRefundsTableOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t, shopifytest.GenOptions{Orders: 30, SKUs: 10, Seed: 12, Unpaid: true})
	w.run(t)
	id := w.unpaid(t)[0]
	require.NoError(t, w.sim.PayOrder(id))
	w.settle(t)
	require.Equal(t, 1, w.stagings(t)[id])

	var order struct {
		LineItems []struct {
			ID int64 `json:"id"`
		} `json:"line_items"`
	}
	raw, _ := w.sim.Order(id)
	require.NoError(t, json.Unmarshal(raw, &order))
	refund, err := w.sim.RefundOrder(id, shopifytest.RefundRequest{Lines: []shopifytest.RefundLine{{LineItemID: order.LineItems[0].ID, Quantity: 1}}})
	require.NoError(t, err)
	w.settle(t)
	rows := func() map[int64]int {
		out, err := ordertruth.Counts(t.Context(), w.db, fmt.Sprintf(`SELECT refund_id, COUNT(*) FROM s_order_refunds WHERE web_order_id = %d GROUP BY refund_id`, id))
		require.NoError(t, err)
		return out
	}
	require.Equal(t, map[int64]int{refund: 1}, rows(), "refunds/create staged the refund's line, through the orders feed")
	orderStagings := func() int {
		return w.count(t, fmt.Sprintf(`SELECT COUNT(*) FROM pt_ledger_events WHERE order_id = %d AND message LIKE 'staged with %%'`, id))
	}
	require.Equal(t, 1, orderStagings(), "the order itself is not staged again")

	// The same refund again (Shopify's retry under a new id) and the scheduled run change nothing.
	body, err := json.Marshal(map[string]any{"id": refund, "order_id": id})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, post(t, w.url, secret, headers("refunds/create", "refund-again"), body))
	w.settle(t)
	_, err = w.feed.Run(t.Context(), feeds.OrdersRun{})
	require.NoError(t, err)
	require.Equal(t, map[int64]int{refund: 1}, rows())
	require.Equal(t, 1, orderStagings())
	require.Equal(t, 1, w.count(t, fmt.Sprintf(`SELECT COUNT(*) FROM pt_order_refunds WHERE refund_id = %d`, refund)))
}

func TestDeliveriesWaitWhileTheERPIsAwayAndAreStagedWhenItReturns(t *testing.T) {
	t.Parallel()
	w := newWorld(t, shopifytest.GenOptions{Orders: 30, SKUs: 10, Seed: 6, Unpaid: true},
		shopifytest.WithWebhookRetries(10, 20*time.Millisecond))
	w.run(t)
	ids := w.unpaid(t)
	// Half the burst is stored and waits for the ERP; the other half is refused with 503
	// and kept by Shopify, which sends it again.
	for _, id := range ids[:15] {
		require.NoError(t, w.sim.PayOrder(id))
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	require.NoError(t, w.sim.WaitWebhooks(ctx))
	w.store.down.Store(true)
	for _, id := range ids[15:] {
		require.NoError(t, w.sim.PayOrder(id))
	}
	time.Sleep(300 * time.Millisecond) // deliveries are refused and retried meanwhile
	require.Less(t, len(w.staged(t)), len(w.truth(t)))
	w.store.down.Store(false)
	w.settle(t)
	require.Equal(t, w.truth(t), w.staged(t), "every order is staged once the ERP is back")
	for id, n := range w.stagings(t) {
		require.Equal(t, 1, n, "order %d", id)
	}
	refused := 0
	for _, d := range w.sim.Webhooks() {
		require.Equal(t, http.StatusOK, d.Status, "every delivery was taken in the end")
		if d.Attempts > 1 {
			refused++
		}
	}
	require.Positive(t, refused, "some deliveries were refused while the ERP was away")
}

func TestTwoWorkersOnOneTableWorkEachDeliveryOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t, shopifytest.GenOptions{Orders: 60, SKUs: 10, Seed: 7, Unpaid: true})
	for _, id := range w.unpaid(t) {
		require.NoError(t, w.sim.PayOrder(id))
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	require.NoError(t, w.sim.WaitWebhooks(ctx))

	shops := webhooks.ShopList{{Name: shop, Secrets: [][]byte{secret}, Orders: w.feed}}
	var wg sync.WaitGroup
	worked := make([]int, 2)
	for i := range 2 {
		wk := webhooks.NewWorker(webhooks.Worker{Store: w.store, Shops: shops, Log: testLogger(t), Name: fmt.Sprintf("replica-%d", i), Batch: 3})
		wg.Go(func() {
			n, err := wk.Drain(t.Context())
			require.NoError(t, err)
			worked[i] = n
		})
	}
	wg.Wait()
	require.Equal(t, w.count(t, "SELECT COUNT(*) FROM pt_webhook_deliveries"), worked[0]+worked[1], "every delivery worked once")
	require.Equal(t, w.truth(t), w.staged(t))
	for id, n := range w.stagings(t) {
		require.Equal(t, 1, n, "order %d", id)
	}
}

func TestADeliveryClaimedByAWorkerThatDiedIsWorkedByAnother(t *testing.T) {
	t.Parallel()
	w := newWorld(t, shopifytest.GenOptions{Orders: 5, SKUs: 5, Seed: 8, Unpaid: true})
	id := w.unpaid(t)[0]
	require.NoError(t, w.sim.PayOrder(id))
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	require.NoError(t, w.sim.WaitWebhooks(ctx))

	start := time.Now()
	got, err := w.store.WebhookClaim(t.Context(), erp.WebhookClaimParams{Worker: "died", Limit: 10, Now: start, Until: start.Add(2 * time.Minute)})
	require.NoError(t, err)
	require.NotEmpty(t, got)

	shops := webhooks.ShopList{{Name: shop, Secrets: [][]byte{secret}, Orders: w.feed}}
	soon := webhooks.NewWorker(webhooks.Worker{Store: w.store, Shops: shops, Name: "soon"})
	n, err := soon.Drain(t.Context())
	require.NoError(t, err)
	require.Zero(t, n, "the claim still holds")
	later := webhooks.NewWorker(webhooks.Worker{Store: w.store, Shops: shops, Name: "later",
		Now: func() time.Time { return time.Now().Add(3 * time.Minute) }})
	n, err = later.Drain(t.Context())
	require.NoError(t, err)
	require.Equal(t, len(got), n)
	require.Equal(t, w.truth(t), w.staged(t))
}

func TestUninstallingTheAppStopsTheStoresFeeds(t *testing.T) {
	t.Parallel()
	w := newWorld(t, shopifytest.GenOptions{Orders: 3, SKUs: 3, Seed: 9})
	w.run(t)
	at, err := webhooks.Uninstalled(t.Context(), w.store, shop)
	require.NoError(t, err)
	require.True(t, at.IsZero())
	w.sim.UninstallApp()
	w.settle(t)
	at, err = webhooks.Uninstalled(t.Context(), w.store, shop)
	require.NoError(t, err)
	require.WithinDuration(t, time.Now(), at, time.Minute)
}

func TestPrivacyRequestsRemoveTheCustomerFromPassthroughsOwnTables(t *testing.T) {
	t.Parallel()
	w := newWorld(t, shopifytest.GenOptions{Orders: 30, SKUs: 5, Seed: 10})
	_, err := w.feed.Run(t.Context(), feeds.OrdersRun{})
	require.NoError(t, err)
	w.run(t)

	// A customer with two orders in the ledger: one named by Shopify, one found by email.
	staged := 0
	var named, byEmail int64
	var email string
	for id := range w.truth(t) {
		e, err := w.store.LedgerGet(t.Context(), shop, id)
		require.NoError(t, err)
		switch staged {
		case 0:
			named, email = id, e.CustomerEmail
		case 1:
			byEmail = id
			_, err := w.db.ExecContext(t.Context(), "UPDATE pt_order_ledger SET customer_email = ?, search_email = ? WHERE order_id = ?", email, email, id)
			require.NoError(t, err)
		}
		staged++
	}
	require.NotEmpty(t, email)
	var headerEmail string
	require.NoError(t, w.db.QueryRowContext(t.Context(), "SELECT customer_email FROM s_orders WHERE web_order_id = ?", named).Scan(&headerEmail))

	w.sim.RequestCustomerData(4242, email, []int64{named})
	w.sim.RequestCustomerRedact(4242, email, []int64{named})
	w.settle(t)

	for _, id := range []int64{named, byEmail} {
		e, err := w.store.LedgerGet(t.Context(), shop, id)
		require.NoError(t, err)
		require.Empty(t, e.CustomerEmail)
		require.Empty(t, e.CustomerName)
		require.NotContains(t, string(e.Payload), email)
		require.Contains(t, string(e.Payload), `"customer":null`)
		require.Equal(t, ledger.StatusStaged, e.Status)
	}
	var after string
	require.NoError(t, w.db.QueryRowContext(t.Context(), "SELECT customer_email FROM s_orders WHERE web_order_id = ?", named).Scan(&after))
	require.Equal(t, headerEmail, after, "the ERP's staging tables are the ERP's")

	rs, err := w.store.RedactionList(t.Context(), shop, 10)
	require.NoError(t, err)
	require.Len(t, rs, 2)
	require.Equal(t, webhooks.TopicCustomersRedact, rs[0].Topic)
	require.Equal(t, int64(4242), rs[0].CustomerID)
	require.Equal(t, []int64{named}, rs[0].OrderIDs)
	require.Equal(t, 2, rs[0].Entries)
	require.Equal(t, webhooks.TopicCustomersDataRequest, rs[1].Topic)
	require.NotEmpty(t, rs[1].RequestID)
	require.Zero(t, rs[1].Entries, "a data request removes nothing")

	w.sim.RequestShopRedact()
	w.settle(t)
	require.Zero(t, w.count(t, "SELECT COUNT(*) FROM pt_order_ledger WHERE payload IS NOT NULL OR customer_email <> ''"))
	rs, err = w.store.RedactionList(t.Context(), shop, 10)
	require.NoError(t, err)
	require.Equal(t, webhooks.TopicShopRedact, rs[0].Topic)
	require.Equal(t, w.count(t, "SELECT COUNT(*) FROM pt_order_ledger"), rs[0].Entries)
	require.Zero(t, w.count(t, "SELECT COUNT(*) FROM pt_webhook_deliveries WHERE topic LIKE '%redact' AND error <> ''"),
		"a redaction is worked to its end, not closed by the redaction of the deliveries it carries out")
}
