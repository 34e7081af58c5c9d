package reliability_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/erp/erpopen"
	"github.com/passthrough-dev/passthrough/adapters/shopify"
	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
	"github.com/passthrough-dev/passthrough/feeds"
	"github.com/passthrough-dev/passthrough/mapping"
)

// trackingPrefix marks the tracking numbers of the shipments these tests write, apart from
// the fulfillments the generator gave older orders.
const trackingPrefix = "1ZREL"

// shipmentsKillFeed is the shipments feed in the kill -9 loop: the ERP keeps writing
// shipments of open orders into external_order_shipments, and the child sends them.
func shipmentsKillFeed() killFeed {
	return killFeed{
		name:       feeds.FeedShipments,
		shortKills: 15,
		config:     "mode: live\n",
		gen:        shopifytest.GenOptions{Orders: sized(300, 600), SKUs: 30, Seed: 59},
		args:       func(*killWorld, int) []string { return nil },
		churn: func(t testing.TB, w *killWorld, rng *rand.Rand) {
			// New orders come in, and the ERP ships some.
			_, err := w.sim.GenerateOrders(10+rng.IntN(20), rng.Uint64())
			require.NoError(t, err)
			shipSome(t, w.sim, w.db, 10+rng.IntN(20))
		},
		consistent: func(t testing.TB, w *killWorld) { requireShipmentsConsistent(t, w.sim, w.db.db) },
		exact:      func(t testing.TB, w *killWorld) { requireShipmentsSent(t, w.sim, w.db.db) },
	}
}

// shipSome writes, as the ERP would, one shipment (a row per open line, its own tracking
// number) for each of up to n orders that have open fulfillment orders and no shipment yet.
func shipSome(t testing.TB, sim *shopifytest.Server, db erpDB, n int) {
	t.Helper()
	ctx := context.Background()
	shipped := map[int64]bool{}
	rows, err := db.db.QueryContext(ctx, `SELECT DISTINCT web_order_id FROM external_order_shipments`)
	require.NoError(t, err)
	for rows.Next() {
		var id int64
		require.NoError(t, rows.Scan(&id))
		shipped[id] = true
	}
	require.NoError(t, rows.Err())
	var next int
	require.NoError(t, db.db.QueryRowContext(ctx, `SELECT COUNT(DISTINCT shipment_id) FROM external_order_shipments`).Scan(&next))

	for _, id := range sim.OrderIDs() {
		if n == 0 {
			return
		}
		if shipped[id] {
			continue
		}
		items := openItems(t, sim, id)
		if len(items) == 0 {
			continue
		}
		next++
		shipment, tracking := fmt.Sprintf("SHP-%05d", next), fmt.Sprintf("%s%08d", trackingPrefix, next)
		insertShipment(t, db, shipment, shop, id, tracking, items)
		n--
	}
}

// shipItem is a SKU and a quantity to ship.
type shipItem struct {
	sku string
	qty int
}

// openItems is what is left to ship of an order, from the simulator: each open fulfillment
// order line with a SKU, and its fulfillable quantity.
func openItems(t testing.TB, sim *shopifytest.Server, id int64) []shipItem {
	t.Helper()
	skus := lineSKUs(t, sim, id)
	var items []shipItem
	for _, fo := range sim.FulfillmentOrders(id) {
		if fo.Status != "open" {
			continue
		}
		for _, l := range fo.LineItems {
			if l.FulfillableQuantity > 0 && skus[l.LineItemID] != "" {
				items = append(items, shipItem{skus[l.LineItemID], l.FulfillableQuantity})
			}
		}
	}
	return items
}

// lineSKUs maps an order's line item ids to their SKUs, from the simulator.
func lineSKUs(t testing.TB, sim *shopifytest.Server, id int64) map[int64]string {
	t.Helper()
	raw, _ := sim.Order(id)
	var o struct {
		Lines []struct {
			ID  int64  `json:"id"`
			SKU string `json:"sku"`
		} `json:"line_items"`
	}
	require.NoError(t, json.Unmarshal(raw, &o))
	out := map[int64]string{}
	for _, l := range o.Lines {
		out[l.ID] = l.SKU
	}
	return out
}

// insertShipment writes one shipment's rows, as the ERP would, in one transaction.
func insertShipment(t testing.TB, db erpDB, shipment, shop string, orderID int64, tracking string, items []shipItem) {
	t.Helper()
	insert := fmt.Sprintf(`INSERT INTO external_order_shipments (shipment_id, line_no, shop, web_order_id, item_code, quantity, tracking_number, carrier, tracking_url)
		VALUES (%s)`, placeholders(db.driver, 9))
	tx, err := db.db.BeginTx(context.Background(), nil)
	require.NoError(t, err)
	for i, it := range items {
		_, err := tx.ExecContext(context.Background(), insert, shipment, i+1, shop, orderID, it.sku, it.qty, tracking, "UPS", "")
		require.NoError(t, err)
	}
	require.NoError(t, tx.Commit())
}

func placeholders(driver string, n int) string {
	p := make([]string, n)
	for i := range p {
		p[i] = ph(driver, i+1)
	}
	return strings.Join(p, ", ")
}

// erpShipment is one shipment of external_order_shipments.
type erpShipment struct {
	order    int64
	tracking string
	qty      int
	status   map[string]bool // the sync statuses of its rows
}

func erpShipments(t testing.TB, db *sql.DB, shopName string) map[string]*erpShipment {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), `SELECT shipment_id, web_order_id, tracking_number, quantity, COALESCE(sync_status, '') FROM external_order_shipments WHERE `+ofShop(shopName))
	require.NoError(t, err)
	defer rows.Close()
	out := map[string]*erpShipment{}
	for rows.Next() {
		var id, tracking, status string
		var order int64
		var qty int
		require.NoError(t, rows.Scan(&id, &order, &tracking, &qty, &status))
		s := out[id]
		if s == nil {
			s = &erpShipment{order: order, tracking: tracking, status: map[string]bool{}}
			out[id] = s
		}
		s.qty += qty
		s.status[status] = true
	}
	require.NoError(t, rows.Err())
	return out
}

// fulfilled reads, for the given orders, the simulator's fulfillments with our tracking
// numbers: how many there are per tracking number and location (a shipment spanning two
// fulfillment orders is one fulfillment at each location, so more than one per location
// is a duplicate), and the units shipped per tracking number.
func fulfilled(sim *shopifytest.Server, orders map[int64]bool) (perLocation map[string]int, units map[string]int) {
	perLocation, units = map[string]int{}, map[string]int{}
	for id := range orders {
		for _, f := range sim.Fulfillments(id) {
			if !strings.HasPrefix(f.TrackingNumber, trackingPrefix) {
				continue
			}
			perLocation[fmt.Sprintf("%s at location %d", f.TrackingNumber, f.LocationID)]++
			for _, l := range f.LineItems {
				units[f.TrackingNumber] += l.Quantity
			}
		}
	}
	return perLocation, units
}

// requireShipmentsConsistent checks what must hold at every moment: Shopify never has a
// shipment twice (two fulfillments of it at one location, or more units than it ships), a
// shipment is marked on all its rows alike, and one marked sent is in Shopify whole.
func requireShipmentsConsistent(t testing.TB, sim *shopifytest.Server, db *sql.DB) {
	t.Helper()
	ships := erpShipments(t, db, sim.Shop)
	orders := map[int64]bool{}
	for _, s := range ships {
		orders[s.order] = true
	}
	perLocation, units := fulfilled(sim, orders)
	for where, n := range perLocation {
		require.Equal(t, 1, n, "Shopify has %d fulfillments with tracking number %s", n, where)
	}
	for id, s := range ships {
		require.Len(t, s.status, 1, "shipment %s is marked %v: all its rows alike", id, s.status)
		require.LessOrEqual(t, units[s.tracking], s.qty, "Shopify has more units of shipment %s than it ships", id)
		if s.status[erp.ShipmentSent] {
			require.Equal(t, s.qty, units[s.tracking], "shipment %s is marked sent but Shopify does not have all of it", id)
		}
	}
}

// requireShipmentsSent checks, after a clean run, that every shipment is marked sent and is
// in Shopify exactly once, with every unit it ships.
func requireShipmentsSent(t testing.TB, sim *shopifytest.Server, db *sql.DB) {
	t.Helper()
	requireShipmentsConsistent(t, sim, db)
	ships := erpShipments(t, db, sim.Shop)
	orders := map[int64]bool{}
	for _, s := range ships {
		orders[s.order] = true
	}
	_, units := fulfilled(sim, orders)
	for id, s := range ships {
		require.Equal(t, map[string]bool{erp.ShipmentSent: true}, s.status, "shipment %s", id)
		require.Equal(t, s.qty, units[s.tracking], "shipment %s ships every unit, once", id)
	}
	require.Len(t, units, len(ships), "Shopify has no fulfillment the ERP did not ask for")
}

// TestReliabilityShipmentsStoppedAtRandomPoints runs the shipments feed in this process
// and stops it at random moments (15 times in the short form, 100 in the long one) — in
// the middle of a Shopify call too, so that Shopify may create a fulfillment whose answer
// is lost — while the ERP keeps writing shipments. Shopify must never get a shipment
// twice, and after a clean run every shipment is sent, once. The kill -9 loop runs the
// same checks against the real binary.
func TestReliabilityShipmentsStoppedAtRandomPoints(t *testing.T) {
	t.Parallel()
	for _, store := range []struct {
		name string
		open dbOpener
	}{{"sqlite", sqliteDB}, {"postgres", postgresDB}} {
		t.Run("on "+store.name, func(t *testing.T) {
			t.Parallel()
			sim := shopifytest.NewServer(shopifytest.WithShop(shop), shopifytest.WithoutRateLimits(),
				shopifytest.WithGenerated(shopifytest.GenOptions{Orders: sized(300, 600), SKUs: 30, Seed: 61}))
			t.Cleanup(sim.Close)
			dir := t.TempDir()
			db := store.open(t, dir)
			st, err := erpopen.Open(t.Context(), db.driver, db.dsn)
			require.NoError(t, err)
			t.Cleanup(func() { st.Close() })
			_, err = st.Migrate(t.Context())
			require.NoError(t, err)
			client, err := shopify.New(shopify.Config{Shop: shop, BaseURL: sim.URL, APIVersion: "2026-07", AccessToken: sim.Token,
				DisablePacing: true, Logger: testLogger(t)})
			require.NoError(t, err)
			set, err := mapping.LoadDir(copyMappings(t, dir))
			require.NoError(t, err)
			feed := &feeds.Shipments{Shop: shop, Shopify: client, Store: st, Log: testLogger(t),
				Mappings: func() *mapping.Set { return set }, Live: func() bool { return true }}

			seed := uint64(time.Now().UnixNano())
			t.Logf("random seed %d", seed)
			rng := rand.New(rand.NewPCG(seed, 3))
			stops, midRun := sized(15, 100), 0
			for range stops {
				shipSome(t, sim, db, 3+rng.IntN(10))
				ctx, cancel := context.WithTimeout(t.Context(), time.Duration(rng.IntN(200))*time.Millisecond)
				x, err := feed.Run(ctx)
				cancel()
				if err != nil {
					require.ErrorIs(t, err, context.DeadlineExceeded)
					midRun++
				} else {
					require.NotEqual(t, erp.OutcomeFailed, x.Outcome)
				}
				requireShipmentsConsistent(t, sim, db.db)
			}
			t.Logf("%d runs, %d of them stopped in the middle", stops, midRun)
			require.Positive(t, midRun, "no run was stopped while under way")
			for range 2 {
				x, err := feed.Run(t.Context())
				require.NoError(t, err)
				require.NotEqual(t, erp.OutcomeFailed, x.Outcome)
				requireShipmentsSent(t, sim, db.db)
			}
		})
	}
}
