package feeds_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
	"github.com/passthrough-dev/passthrough/ledger"
)

// An order processed at 22:24 on 30 November in Halifax is 02:24 on 1 December in UTC; the
// ERP gets it in November, as the shop's own clock said.
func TestTheOrderDateIsTheShopsBusinessDay(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, open storeOpener) {
		halifax, err := time.LoadLocation("America/Halifax")
		require.NoError(t, err)
		sim := shopifytest.NewServer(shopifytest.WithShop(shop), shopifytest.WithoutRateLimits(), shopifytest.WithTimeZone(halifax),
			shopifytest.WithGenerated(shopifytest.GenOptions{Orders: 5, SKUs: 5, Seed: 71}))
		t.Cleanup(sim.Close)
		b := newOrdersBundleOn(t, sim, open)
		id, err := sim.AddOrder([]byte(`{"financial_status": "paid", "currency": "USD", "processed_at": "2026-12-01T02:24:43Z",
			"created_at": "2026-12-01T02:24:40Z", "total_price": "20.00", "total_line_items_price": "20.00",
			"line_items": [{"sku": "MUG-1", "name": "Mug", "price": "20.00", "quantity": 1, "current_quantity": 1, "requires_shipping": true}]}`))
		require.NoError(t, err)
		b.run(t)

		var date time.Time
		require.NoError(t, b.db.QueryRowContext(t.Context(), `SELECT order_date FROM s_orders WHERE web_order_id = `+itoa(id)).Scan(&date))
		require.Equal(t, "2026-11-30 22:24:43", date.UTC().Format(time.DateTime), "the shop's wall clock, as a DATETIME holds it")
		zone, err := b.store.SettingGet(t.Context(), "shop.timezone:"+shop)
		require.NoError(t, err)
		require.Equal(t, "America/Halifax", zone, "kept for when Shopify cannot say")
		require.Equal(t, time.Date(2026, 12, 1, 2, 24, 43, 0, time.UTC), b.ledger(t, id).OrderDate, "the ledger keeps the instant")
	})
}

func TestAnOrderFulfilledBeforeImportTellsTheERPNotToShipIt(t *testing.T) {
	t.Parallel()
	b := newOrdersBundle(t, sqliteStore, shopifytest.GenOptions{Orders: 200, SKUs: 20, Seed: 73})
	b.run(t)
	fulfilled := b.findOrder(t, func(o map[string]any) bool {
		return o["fulfillment_status"] == "fulfilled" && o["financial_status"] == "paid" && o["test"] == false
	})
	open := b.findOrder(t, func(o map[string]any) bool {
		return o["fulfillment_status"] == nil && o["financial_status"] == "paid" && o["test"] == false && o["cancelled_at"] == nil
	})
	flag := func(id int64) bool {
		var v bool
		require.NoError(t, b.db.QueryRowContext(t.Context(), `SELECT fulfilled_in_shopify FROM s_orders WHERE web_order_id = `+itoa(id)).Scan(&v))
		return v
	}
	require.True(t, flag(fulfilled))
	require.False(t, flag(open))

	// Our own shipment fulfils the open one after staging: that is no edit, and the header
	// the ERP has is left alone.
	require.NoError(t, b.sim.UpdateOrder(open, func(o map[string]any) { o["fulfillment_status"] = "fulfilled" }))
	x := b.run(t)
	require.Zero(t, x.Counts.Written)
	require.False(t, flag(open))
}

// With locations configured, only the lines assigned to them are staged; each order the
// mapping takes costs one read of its fulfillment orders, and only then.
func TestOnlyTheLinesOfTheERPsLocationsAreStaged(t *testing.T) {
	t.Parallel()
	b := newOrdersBundle(t, sqliteStore, shopifytest.GenOptions{Orders: 200, SKUs: 30, Locations: 2, Seed: 79})
	main := b.sim.Locations()[0]
	b.feed.Locations = []string{main.Name}
	x := b.run(t)

	foCalls := 0
	for _, r := range b.sim.Requests() {
		if filepath.Base(r.Path) == "fulfillment_orders.json" {
			foCalls++
		}
	}
	truth := b.truth(t)
	require.Equal(t, len(truth), foCalls, "one read per order the mapping takes, no more")

	staged := b.staged(t)
	elsewhere, partly := 0, 0
	for id, all := range truth {
		ours := 0
		for _, fo := range b.sim.FulfillmentOrders(id) {
			if fo.AssignedLocationID == main.ID {
				ours += len(fo.LineItems)
			}
		}
		e := b.ledger(t, id)
		switch {
		case ours == 0:
			elsewhere++
			require.Equal(t, ledger.StatusSkipped, e.Status, "order %d", id)
			require.Regexp(t, `^no line to import: all \d+ lines are assigned to locations the ERP does not ship from$`, e.Problem)
		case ours < all:
			partly++
			require.Equal(t, ours, staged[id], "order %d", id)
			require.Equal(t, ledger.StatusStaged, e.Status)
			require.Equal(t, passthrough.SeverityInfo, e.Severity)
			require.Contains(t, e.Problem, "not the ERP's to ship, assigned to other locations: line ")
		default:
			require.Equal(t, all, staged[id])
			require.Empty(t, e.Severity)
		}
	}
	require.Positive(t, elsewhere, "the generated shop has orders shipped only from the other location")
	require.Positive(t, partly, "and orders split between the two")
	require.Zero(t, x.Counts.Errors)

	b.sim.ResetRequests()
	b.refetch(t)
	for _, r := range b.sim.Requests() {
		require.NotEqual(t, "fulfillment_orders.json", filepath.Base(r.Path), "orders staged and unchanged are not looked at again")
	}
}
