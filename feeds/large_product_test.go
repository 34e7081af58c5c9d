package feeds_test

import (
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/shopify"
	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
	"github.com/passthrough-dev/passthrough/feeds"
	"github.com/passthrough-dev/passthrough/mapping"
)

// A product with 2,000 variants, where REST's products.json shows only the first 100: every
// one of its SKUs gets its stock into Shopify through the inventory feed, on a standard
// plan's budget, and shipments of its last variants find their lines.
func TestAProductWith2000VariantsIsSyncedWhole(t *testing.T) {
	t.Parallel()
	clock := shopify.NewVirtualClock(time.Date(2026, 11, 2, 2, 0, 0, 0, time.UTC))
	sim := shopifytest.NewServer(shopifytest.WithShop(shop), shopifytest.WithClock(clock),
		shopifytest.WithGenerated(shopifytest.GenOptions{SKUs: 20, Locations: 3, Seed: 9, LargeProducts: []int{2000}}))
	t.Cleanup(sim.Close)
	client, err := shopify.New(shopify.Config{Shop: shop, BaseURL: sim.URL, APIVersion: "2026-07", AccessToken: sim.Token,
		Clock: clock, Logger: testLogger(t)})
	require.NoError(t, err)
	store, db := sqliteStore(t)

	var shades []shopifytest.Variant
	for _, v := range sim.Variants() {
		if strings.HasPrefix(v.SKU, "CCD-01-") {
			shades = append(shades, v)
		}
	}
	require.Len(t, shades, 2000)
	warehouses := map[string]string{"W1": "Main Warehouse", "W2": "East Coast DC", "W3": "Lager Köln"}
	locations := map[string]int64{}
	for _, l := range sim.Locations() {
		locations[l.Name] = l.ID
	}
	// The ERP holds 200 + n of shade n in W1, 300 + n in W2, 400 + n in W3: never what the
	// generator stocked (0–149).
	tx, err := db.Begin()
	require.NoError(t, err)
	for i, v := range shades {
		for k, wh := range []string{"W1", "W2", "W3"} {
			q := decimal.NewFromInt(int64(200 + 100*k + i))
			_, err := tx.Exec(`INSERT INTO product_qty_in_stock (item_code, warehouse_code, qty_on_hand, qty_committed, qty_available) VALUES (?, ?, ?, ?, ?)`,
				v.SKU, wh, q, decimal.Zero, q)
			require.NoError(t, err)
		}
	}
	require.NoError(t, tx.Commit())

	set, err := mapping.Load(mapFS("inventory.yaml", benchMapping))
	require.NoError(t, err)
	inv := &feeds.Inventory{Shop: shop, Shopify: client, Store: store, Log: testLogger(t), Now: clock.Now,
		Mappings: func() *mapping.Set { return set }, Live: func() bool { return true }}
	x, err := inv.Run(t.Context(), feeds.InventoryRun{Full: true})
	require.NoError(t, err)
	require.Equal(t, erp.OutcomeFinished, x.Outcome)
	require.Equal(t, 3*2000, x.Counts.Written, "every level of every shade")
	for i, v := range shades {
		for k, wh := range []string{"W1", "W2", "W3"} {
			q, ok := sim.InventoryLevel(v.InventoryItemID, locations[warehouses[wh]])
			require.True(t, ok)
			require.Equal(t, 200+100*k+i, q, "%s at %s", v.SKU, warehouses[wh])
		}
	}
	stats := client.Stats()
	require.Zero(t, stats.Total().Throttled+stats.Total().TooMany, "within the budget")
	for _, r := range sim.Requests() {
		require.NotContains(t, r.Path, "/products", "REST products.json is not used")
	}

	// A shade is renamed in Shopify, and its new SKU is the ERP's too: the next refresh of
	// the catalog finds it by what changed.
	clock.Advance(2 * time.Hour)
	last := shades[1999]
	require.NoError(t, sim.SetVariantSKU(last.ID, "CCD-01-2000-NEW"))
	_, err = db.Exec(`UPDATE product_qty_in_stock SET item_code = 'CCD-01-2000-NEW' WHERE item_code = ?`, last.SKU)
	require.NoError(t, err)
	_, err = db.Exec(`UPDATE product_qty_in_stock SET qty_on_hand = 7, qty_available = 7 WHERE item_code = 'CCD-01-2000-NEW' AND warehouse_code = 'W1'`)
	require.NoError(t, err)
	clock.Advance(2 * time.Hour)
	x, err = inv.Run(t.Context(), feeds.InventoryRun{})
	require.NoError(t, err)
	require.Equal(t, erp.OutcomeFinished, x.Outcome)
	q, _ := sim.InventoryLevel(last.InventoryItemID, locations["Main Warehouse"])
	require.Equal(t, 7, q)

	// Shipments of shades far past the 100th find their order lines.
	b := &shipBundle{sim: sim, client: client, store: store, db: db}
	b.live.Store(true)
	ships, err := mapping.LoadDir("../mappings")
	require.NoError(t, err)
	b.feed = &feeds.Shipments{Shop: shop, Shopify: client, Store: store, Log: testLogger(t), Now: clock.Now,
		Mappings: func() *mapping.Set { return ships }, Live: b.live.Load}
	order := b.order(t, "CCD-01-1500×2", "CCD-01-1999×1")
	b.ship(t, "SH-CCD", 1, order, "CCD-01-1500", 2, "1Z999AA10123456784", "UPS")
	b.ship(t, "SH-CCD", 2, order, "CCD-01-1999", 1, "1Z999AA10123456784", "UPS")
	sx := b.run(t)
	require.Equal(t, erp.OutcomeFinished, sx.Outcome)
	require.Equal(t, syncState{status: "sent", synced: true}, b.state(t, "SH-CCD"))
	require.Equal(t, map[string]int{"CCD-01-1500": 2, "CCD-01-1999": 1}, shipped(sim, order, "1Z999AA10123456784"))
}
