package reliability_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp/erpopen"
	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
	"github.com/passthrough-dev/passthrough/feeds"
)

// stockMapping maps the ERP's two warehouses onto the generated shop's two locations.
const stockMapping = `defaults:
  safety_stock: 0
lookups:
  locations:
    W1: "Main Warehouse"
    W2: "East Coast DC"
level:
  location: lookup("locations", stock.warehouse_code)
  quantity: units(stock.qty_available - defaults.safety_stock)
`

var warehouses = []string{"W1", "W2"}

// inventoryKillFeed is the stock feed in the kill -9 loop: the ERP's stock keeps changing
// and the child sends the differences (a full pass now and then). A kill between Shopify
// taking a level and passthrough recording it must not make a later run skip that level.
func inventoryKillFeed() killFeed {
	return killFeed{
		name:       feeds.FeedInventory,
		shortKills: 10,
		config:     "mode: live\n",
		mappings:   map[string]string{"inventory.yaml": stockMapping},
		gen:        shopifytest.GenOptions{SKUs: sized(300, 600), Locations: 2, Seed: 67},
		setUp:      func(t testing.TB, w *killWorld) { stockAll(t, w) },
		args: func(_ *killWorld, i int) []string {
			if i%5 == 4 {
				return []string{"--full"}
			}
			return nil
		},
		churn: func(t testing.TB, w *killWorld, rng *rand.Rand) { restock(t, w, rng) },
		exact: func(t testing.TB, w *killWorld) {
			for key, want := range erpStock(t, w) {
				got, ok := w.sim.InventoryLevel(key.item, key.loc)
				require.True(t, ok, "Shopify has no level for %s", key.sku)
				require.Equal(t, want, int64(got), "%s at location %d", key.sku, key.loc)
			}
		},
	}
}

// stockCheckKillFeed is the stock check in the kill -9 loop: after a clean run its drift
// report lists exactly the levels where Shopify and the ERP differ.
func stockCheckKillFeed() killFeed {
	return killFeed{
		name:       feeds.FeedStockCheck,
		shortKills: 10,
		config:     "mode: live\n",
		mappings:   map[string]string{"inventory.yaml": stockMapping},
		gen:        shopifytest.GenOptions{SKUs: sized(300, 600), Locations: 2, Seed: 71},
		setUp:      func(t testing.TB, w *killWorld) { stockAll(t, w) },
		args:       func(*killWorld, int) []string { return nil },
		churn:      func(t testing.TB, w *killWorld, rng *rand.Rand) { restock(t, w, rng) },
		exact: func(t testing.TB, w *killWorld) {
			want := map[stockKey][2]int64{}
			for key, erpQty := range erpStock(t, w) {
				got, _ := w.sim.InventoryLevel(key.item, key.loc)
				if int64(got) != erpQty {
					want[key] = [2]int64{erpQty, int64(got)}
				}
			}
			store, err := erpopen.Open(t.Context(), w.db.driver, w.db.dsn)
			require.NoError(t, err)
			defer store.Close()
			check, err := store.InventoryCheckGet(t.Context(), shop)
			require.NoError(t, err)
			got := map[stockKey][2]int64{}
			for _, d := range check.Drift {
				got[stockKey{d.SKU, d.InventoryItemID, d.LocationID}] = [2]int64{d.ERP, d.Shopify}
			}
			require.Equal(t, want, got, "the drift report lists exactly the levels that differ")
		},
	}
}

// stockKey is one SKU at one Shopify location.
type stockKey struct {
	sku       string
	item, loc int64
}

// erpStock is what Shopify should hold by the ERP's stock: available units, never below 0.
func erpStock(t testing.TB, w *killWorld) map[stockKey]int64 {
	t.Helper()
	items, locs := catalog(w.sim)
	rows, err := w.db.db.QueryContext(context.Background(), `SELECT item_code, warehouse_code, CAST(qty_available AS VARCHAR(40)) FROM product_qty_in_stock`)
	require.NoError(t, err)
	defer rows.Close()
	out := map[stockKey]int64{}
	for rows.Next() {
		var sku, wh, qty string
		require.NoError(t, rows.Scan(&sku, &wh, &qty))
		d, err := decimal.NewFromString(qty)
		require.NoError(t, err)
		out[stockKey{sku, items[sku], locs[wh]}] = max(0, d.IntPart())
	}
	require.NoError(t, rows.Err())
	return out
}

// catalog maps SKUs to inventory items and warehouses to locations, in the simulator.
func catalog(sim *shopifytest.Server) (items map[string]int64, locs map[string]int64) {
	items, locs = map[string]int64{}, map[string]int64{}
	for _, v := range sim.Variants() {
		if v.Tracked {
			items[v.SKU] = v.InventoryItemID
		}
	}
	byName := map[string]int64{}
	for _, l := range sim.Locations() {
		byName[l.Name] = l.ID
	}
	locs["W1"], locs["W2"] = byName["Main Warehouse"], byName["East Coast DC"]
	return items, locs
}

// stockAll gives the ERP a stock row for every tracked SKU at both warehouses, mostly not
// what Shopify holds.
func stockAll(t testing.TB, w *killWorld) {
	t.Helper()
	ctx := context.Background()
	items, _ := catalog(w.sim)
	rng := rand.New(rand.NewPCG(1, 2))
	tx, err := w.db.db.BeginTx(ctx, nil)
	require.NoError(t, err)
	insert := fmt.Sprintf(`INSERT INTO product_qty_in_stock (item_code, warehouse_code, qty_on_hand, qty_committed, qty_available) VALUES (%s)`, placeholders(w.db.driver, 5))
	for sku := range items {
		for _, wh := range warehouses {
			q := decimal.NewFromInt(int64(rng.IntN(400)))
			_, err := tx.ExecContext(ctx, insert, sku, wh, q, decimal.Zero, q)
			require.NoError(t, err)
		}
	}
	require.NoError(t, tx.Commit())
}

// restock changes the stock of a few percent of the rows, as the ERP's day goes.
func restock(t testing.TB, w *killWorld, rng *rand.Rand) {
	t.Helper()
	ctx := context.Background()
	var skus []string
	rows, err := w.db.db.QueryContext(ctx, `SELECT DISTINCT item_code FROM product_qty_in_stock`)
	require.NoError(t, err)
	for rows.Next() {
		var s string
		require.NoError(t, rows.Scan(&s))
		skus = append(skus, s)
	}
	require.NoError(t, rows.Err())
	update := fmt.Sprintf(`UPDATE product_qty_in_stock SET qty_on_hand = %s, qty_available = %s, updated_at = %s WHERE item_code = %s AND warehouse_code = %s`,
		ph(w.db.driver, 1), ph(w.db.driver, 2), nowSQL(w.db.driver), ph(w.db.driver, 3), ph(w.db.driver, 4))
	for range 1 + len(skus)/50 {
		q := decimal.NewFromInt(int64(rng.IntN(400) - 20)) // now and then below 0: Shopify gets 0
		_, err := w.db.db.ExecContext(ctx, update, q, q, skus[rng.IntN(len(skus))], warehouses[rng.IntN(2)])
		require.NoError(t, err)
	}
}

// ph is the i-th parameter of the tests' own SQL.
func ph(driver string, i int) string {
	switch driver {
	case "postgres":
		return fmt.Sprintf("$%d", i)
	case "sqlserver":
		return fmt.Sprintf("@p%d", i)
	}
	return "?"
}

func nowSQL(driver string) string {
	switch driver {
	case "postgres":
		return "now()"
	case "sqlserver":
		return "SYSUTCDATETIME()"
	}
	return "strftime('%Y-%m-%d %H:%M:%f', 'now')"
}
