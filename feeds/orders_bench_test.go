package feeds_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp/erpsqlite"
	"github.com/passthrough-dev/passthrough/adapters/shopify"
	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
	"github.com/passthrough-dev/passthrough/feeds"
	"github.com/passthrough-dev/passthrough/mapping"
)

// benchOrders is a generated shop of n orders (spread over 30 days) in the simulator with its
// budget off, the real client, the shipped mappings and a fresh SQLite ERP.
func benchOrders(b *testing.B, n int, opts ...shopifytest.Option) (*shopifytest.Server, *feeds.Orders, *erpsqlite.Store) {
	b.Helper()
	sim := shopifytest.NewServer(append([]shopifytest.Option{shopifytest.WithShop(shop), shopifytest.WithoutRateLimits(),
		shopifytest.WithGenerated(shopifytest.GenOptions{Orders: n, SKUs: 60, Locations: 2, Seed: 97})}, opts...)...)
	b.Cleanup(sim.Close)
	client, err := shopify.New(shopify.Config{Shop: shop, BaseURL: sim.URL, APIVersion: "2026-07", AccessToken: sim.Token, DisablePacing: true})
	require.NoError(b, err)
	set, err := mapping.LoadDir("../mappings")
	require.NoError(b, err)
	store, err := erpsqlite.Open(b.Context(), "file:"+filepath.Join(b.TempDir(), "erp.db"))
	require.NoError(b, err)
	b.Cleanup(func() { store.Close() })
	_, err = store.Migrate(b.Context())
	require.NoError(b, err)
	return sim, &feeds.Orders{Shop: shop, Source: client, Store: store, Mappings: func() *mapping.Set { return set },
		Log: testLogger(b), Now: func() time.Time { return time.Now().Add(time.Minute) }}, store
}

// listCalls counts the orders.json list calls the simulator answered.
func listCalls(sim *shopifytest.Server) (list, other int) {
	for _, r := range sim.Requests() {
		switch filepath.Base(r.Path) {
		case "orders.json":
			list++
		case "shop.json", "count.json":
		default:
			other++
		}
	}
	return list, other
}

// BenchmarkBackfillCalls is `passthrough run orders --since 2000-01-01` on a generated shop:
// the list calls it makes, against the goal of ⌈N/250⌉ + 2 (before, one per ~31-day slice
// since 2000: 323 for 600 orders).
func BenchmarkBackfillCalls(b *testing.B) {
	for _, n := range []int{600, 5000} {
		b.Run(fmt.Sprintf("orders=%d", n), func(b *testing.B) {
			sim, feed, _ := benchOrders(b, n)
			since := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
			var list int
			for b.Loop() {
				sim.ResetRequests()
				x, err := feed.Run(b.Context(), feeds.OrdersRun{Since: since, Resume: true, Progress: func(feeds.OrdersProgress) {}})
				require.NoError(b, err)
				require.Equal(b, n, x.Counts.Seen)
				list, _ = listCalls(sim)
			}
			goal := (n+249)/250 + 2
			require.LessOrEqual(b, list, goal)
			b.ReportMetric(float64(list), "list-calls")
			b.ReportMetric(float64(goal), "goal-calls")
		})
	}
}

// BenchmarkLocationsCost is the price of staging only the ERP's locations' lines: one read of
// its fulfillment orders per order the mapping takes, reported per 1,000 orders read, first
// run and a re-fetch of the same orders.
func BenchmarkLocationsCost(b *testing.B) {
	const n = 1000
	var first, again int
	for b.Loop() {
		b.StopTimer()
		sim, feed, _ := benchOrders(b, n)
		feed.Locations = []string{sim.Locations()[0].Name}
		b.StartTimer()
		since := time.Now().Add(-40 * 24 * time.Hour)
		_, err := feed.Run(b.Context(), feeds.OrdersRun{Since: since})
		require.NoError(b, err)
		_, first = listCalls(sim)
		sim.ResetRequests()
		_, err = feed.Run(b.Context(), feeds.OrdersRun{Since: since})
		require.NoError(b, err)
		_, again = listCalls(sim)
	}
	b.ReportMetric(float64(first)*1000/n, "fo-reads/1000-orders")
	b.ReportMetric(float64(again)*1000/n, "fo-reads-again/1000-orders")
}

// BenchmarkCompletenessCheck is the daily completeness check of 30 days of a shop's orders,
// with 1 % of them missing from the ledger: the calls and the time it costs per day of
// orders, at two sizes of shop.
func BenchmarkCompletenessCheck(b *testing.B) {
	const days = 30
	for _, perDay := range []int{100, 500} {
		b.Run(fmt.Sprintf("orders-per-day=%d", perDay), func(b *testing.B) {
			n := perDay * days
			sim, feed, store := benchOrders(b, n)
			_, err := feed.Run(b.Context(), feeds.OrdersRun{Since: time.Now().Add(-40 * 24 * time.Hour)})
			require.NoError(b, err)
			ids := sim.OrderIDs()
			var list, fetched int
			var took time.Duration
			for b.Loop() {
				b.StopTimer()
				for _, id := range ids[:n/100] { // forget 1 % of the orders
					for _, q := range []string{`DELETE FROM s_order_details WHERE web_order_id = ?`, `DELETE FROM s_orders WHERE web_order_id = ?`,
						`DELETE FROM pt_ledger_events WHERE order_id = ?`, `DELETE FROM pt_order_refunds WHERE order_id = ?`, `DELETE FROM pt_order_ledger WHERE order_id = ?`} {
						_, err := store.DB().ExecContext(b.Context(), q, id)
						require.NoError(b, err)
					}
				}
				sim.ResetRequests()
				b.StartTimer()
				t0 := time.Now()
				_, checked, err := feed.CheckCompleteness(b.Context(), feeds.CompletenessRun{Days: days + 1})
				took += time.Since(t0)
				require.NoError(b, err)
				missing := 0
				for _, d := range checked {
					missing += d.Missing
				}
				require.Equal(b, n/100, missing)
				list, fetched = listCalls(sim)
			}
			b.ReportMetric(float64(list)/days, "list-calls/day")
			b.ReportMetric(float64(fetched)/float64(n/100), "calls/missing-order")
			b.ReportMetric(float64(took.Milliseconds())/float64(b.N*days), "ms/day")
		})
	}
}
