package reliability_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/erp/erpopen"
	"github.com/passthrough-dev/passthrough/adapters/shopify"
	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
	"github.com/passthrough-dev/passthrough/feeds"
	"github.com/passthrough-dev/passthrough/mapping"
)

// shipUnits writes, as the ERP would, up to n shipments of one unit each: one line of an
// order with an open fulfillment order, each its own tracking number. A fulfillment order
// stays open after one of them, so Shopify takes a second fulfillment of the same unit —
// nothing but passthrough stands between a shipment and its being sent twice.
func shipUnits(t testing.TB, sim *shopifytest.Server, db erpDB, shopName string, n int) {
	t.Helper()
	ctx := context.Background()
	insert := fmt.Sprintf(`INSERT INTO external_order_shipments (shipment_id, line_no, shop, web_order_id, item_code, quantity, tracking_number, carrier, tracking_url)
		VALUES (%s)`, placeholders(db.driver, 9))
	next := 0
	for _, id := range sim.OrderIDs() {
		if next == n {
			return
		}
		skus := lineSKUs(t, sim, id)
		for _, fo := range sim.FulfillmentOrders(id) {
			if fo.Status != "open" || next == n {
				continue
			}
			for _, l := range fo.LineItems {
				if l.FulfillableQuantity > 0 && skus[l.LineItemID] != "" {
					next++
					shipment, tracking := fmt.Sprintf("%s-U%05d", shopName, next), fmt.Sprintf("%s%s%07d", trackingPrefix, strings.ToUpper(shopName[:1]), next)
					_, err := db.db.ExecContext(ctx, insert, shipment, 1, shopName, id, skus[l.LineItemID], 1, tracking, "UPS", "")
					require.NoError(t, err)
					break
				}
			}
		}
	}
	require.Equal(t, n, next, "the shop has open lines for %d one-unit shipments", n)
}

// duplicateFulfillments counts, from the simulator's own records, the fulfillments beyond
// the first that carry one of the ERP's tracking numbers at one location: each is a
// shipment sent twice, a customer told twice.
func duplicateFulfillments(sim *shopifytest.Server) (fulfillments, duplicates int) {
	seen := map[string]int{}
	for _, id := range sim.OrderIDs() {
		for _, f := range sim.Fulfillments(id) {
			if !strings.HasPrefix(f.TrackingNumber, trackingPrefix) {
				continue
			}
			fulfillments++
			key := fmt.Sprintf("%s at location %d", f.TrackingNumber, f.LocationID)
			if seen[key]++; seen[key] > 1 {
				duplicates++
			}
		}
	}
	return fulfillments, duplicates
}

// TestReliabilityTwoRunsSendEachShipmentOnce starts two `passthrough run shipments` at the
// same moment against one ERP database, in live mode, with 300 one-unit shipments waiting,
// and again with shipments of whole orders. Each shipment must reach Shopify once, and a
// shipment that reached Shopify must never be marked error. Before the runs shared a lock
// and claimed each shipment, the first case made 315 fulfillments of 300 shipments and the
// second marked a few dozen sent shipments error ("unfulfillable status= closed").
func TestReliabilityTwoRunsSendEachShipmentOnce(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		ship func(t testing.TB, sim *shopifytest.Server, db erpDB)
	}{
		{"one-unit shipments", func(t testing.TB, sim *shopifytest.Server, db erpDB) { shipUnits(t, sim, db, shop, 300) }},
		{"whole-order shipments", func(t testing.TB, sim *shopifytest.Server, db erpDB) { shipSome(t, sim, db, 300) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			sim := shopifytest.NewServer(shopifytest.WithShop(shop), shopifytest.WithoutRateLimits(),
				shopifytest.WithGenerated(shopifytest.GenOptions{Orders: 500, SKUs: 30, Seed: 83}))
			t.Cleanup(sim.Close)
			db := sqliteDB(t, dir)
			c := newChild(t, dir, sim, db, "mode: live\n")
			code, out := c.run(t, "migrate")
			require.Equal(t, 0, code, out)
			tc.ship(t, sim, db)

			// Both wait for the feed's lock: one runs, then the other finds nothing left.
			var wg sync.WaitGroup
			codes, outs := make([]int, 2), make([]string, 2)
			for i := range 2 {
				wg.Go(func() { codes[i], outs[i] = c.run(t, "run", "shipments", "--wait", "1m") })
			}
			wg.Wait()
			fuls, dups := duplicateFulfillments(sim)
			ships := erpShipments(t, db.db, shop)
			errs := 0
			for _, s := range ships {
				if s.status[erp.ShipmentError] {
					errs++
				}
			}
			t.Logf("%s: runs exited %v; %d shipments, %d marked error; %d fulfillments, %d of them duplicates", tc.name, codes, len(ships), errs, fuls, dups)
			for i := range 2 {
				require.Equal(t, 0, codes[i], tail(outs[i]))
			}
			require.Zero(t, dups, "a shipment was sent twice")
			for id, s := range erpShipments(t, db.db, shop) {
				require.Equal(t, map[string]bool{erp.ShipmentSent: true}, s.status, "shipment %s", id)
			}
			requireShipmentsSent(t, sim, db.db)
		})
	}
}

// TestReliabilityTwoStockPassesAtOnceLeaveShopifyRight runs the stock feed's full pass in
// two processes at once — as if the feed lock were bypassed — again and again while the
// ERP's stock moves. Each pass sets a level only if Shopify still holds what it read
// (compare-and-set), so the slower pass is refused where the faster one got there first,
// and that is a retry, never an error; after a clean pass Shopify holds the ERP's stock.
func TestReliabilityTwoStockPassesAtOnceLeaveShopifyRight(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sim := shopifytest.NewServer(shopifytest.WithShop(shop), shopifytest.WithoutRateLimits(),
		shopifytest.WithGenerated(shopifytest.GenOptions{SKUs: 200, Locations: 2, Seed: 89}))
	t.Cleanup(sim.Close)
	db := sqliteDB(t, dir)
	st, err := erpopen.Open(t.Context(), db.driver, db.dsn)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	_, err = st.Migrate(t.Context())
	require.NoError(t, err)
	w := &killWorld{sim: sim, db: db}
	stockAll(t, w)
	set, err := mapping.Parse("inventory.yaml", []byte(stockMapping))
	require.NoError(t, err)
	process := func() *feeds.Inventory {
		client, err := shopify.New(shopify.Config{Shop: shop, BaseURL: sim.URL, APIVersion: "2026-07", AccessToken: sim.Token,
			DisablePacing: true, Logger: testLogger(t)})
		require.NoError(t, err)
		return &feeds.Inventory{Shop: shop, Shopify: client, Store: st, Log: testLogger(t), Live: func() bool { return true },
			Mappings: func() *mapping.Set { return set }}
	}
	a, b := process(), process()

	rng := rand.New(rand.NewPCG(7, 11))
	refused := 0
	for range 6 {
		restock(t, w, rng)
		var wg sync.WaitGroup
		xs := make([]erp.Execution, 2)
		for i, f := range []*feeds.Inventory{a, b} {
			wg.Go(func() {
				var err error
				xs[i], err = f.Run(t.Context(), feeds.InventoryRun{Full: true})
				require.NoError(t, err)
			})
		}
		wg.Wait()
		for _, x := range xs {
			require.Equal(t, erp.OutcomeFinished, x.Outcome, "a refused level is a retry, not an error: %+v", x.Counts)
			refused += x.Counts.Retry
		}
	}
	t.Logf("levels refused to the slower pass (Shopify had changed since it read them): %d", refused)

	x, err := a.Run(t.Context(), feeds.InventoryRun{Full: true})
	require.NoError(t, err)
	require.Equal(t, erp.OutcomeFinished, x.Outcome)
	for key, want := range erpStock(t, w) {
		got, ok := sim.InventoryLevel(key.item, key.loc)
		require.True(t, ok, "Shopify has no level for %s", key.sku)
		require.Equal(t, want, int64(got), "%s at location %d", key.sku, key.loc)
	}
}
