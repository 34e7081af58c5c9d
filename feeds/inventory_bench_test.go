package feeds_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/erp/erpsqlite"
	"github.com/passthrough-dev/passthrough/adapters/shopify"
	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
	"github.com/passthrough-dev/passthrough/feeds"
	"github.com/passthrough-dev/passthrough/mapping"
)

// benchMapping maps the generated shop's three warehouses onto its three locations.
const benchMapping = `
lookups:
  locations:
    W1: "Main Warehouse"
    W2: "East Coast DC"
    W3: "Lager Köln"
level:
  location: lookup("locations", stock.warehouse_code)
  quantity: units(stock.qty_available)
`

// restSetter sets every level with its own REST inventory_levels/set call: the yardstick
// the batched GraphQL path is measured against, through the same feed.
type restSetter struct{ *shopify.Client }

func (r restSetter) SetInventory(ctx context.Context, qs []shopify.InventoryQuantity) ([]shopify.InventoryResult, error) {
	return r.SetInventoryREST(ctx, qs)
}

// benchShop is a generated store of 10,000 SKUs at 3 locations on a standard plan's budget,
// on a virtual clock, and an ERP (SQLite) whose stock differs from Shopify's everywhere.
type benchShop struct {
	sim    *shopifytest.Server
	clock  *shopify.VirtualClock
	client *shopify.Client
	db     *sql.DB
	feed   *feeds.Inventory
	skus   []string
}

func newBenchShop(b *testing.B, skus int, rest bool, costPerQuantity int) *benchShop {
	b.Helper()
	clock := shopify.NewVirtualClock(time.Date(2026, 11, 2, 2, 0, 0, 0, time.UTC))
	sim := shopifytest.NewServer(shopifytest.WithShop(shop), shopifytest.WithClock(clock),
		shopifytest.WithGenerated(shopifytest.GenOptions{SKUs: skus, Locations: 3, Seed: 1}),
		shopifytest.WithRequestLogSize(4*skus*3)) // every request of a pass, to tell the sets apart
	b.Cleanup(sim.Close)
	sim.SetInventoryCost(10, costPerQuantity)
	client, err := shopify.New(shopify.Config{Shop: shop, BaseURL: sim.URL, APIVersion: "2026-07", AccessToken: sim.Token, Clock: clock})
	require.NoError(b, err)

	path := filepath.Join(b.TempDir(), "erp.db")
	store, err := erpsqlite.Open(b.Context(), "file:"+path)
	require.NoError(b, err)
	b.Cleanup(func() { store.Close() })
	_, err = store.Migrate(b.Context())
	require.NoError(b, err)
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	require.NoError(b, err)
	b.Cleanup(func() { db.Close() })

	s := &benchShop{sim: sim, clock: clock, client: client, db: db}
	for _, v := range sim.Variants() {
		if v.Tracked {
			s.skus = append(s.skus, v.SKU)
		}
	}
	rng := rand.New(rand.NewPCG(7, 7))
	tx, err := db.Begin()
	require.NoError(b, err)
	ins, err := tx.Prepare(`INSERT INTO product_qty_in_stock (item_code, warehouse_code, qty_on_hand, qty_committed, qty_available) VALUES (?, ?, ?, ?, ?)`)
	require.NoError(b, err)
	for _, sku := range s.skus {
		for _, wh := range []string{"W1", "W2", "W3"} {
			q := decimal.NewFromInt(int64(150 + rng.IntN(500))) // never what the generator stocked (0–149)
			_, err := ins.Exec(sku, wh, q, decimal.Zero, q)
			require.NoError(b, err)
		}
	}
	require.NoError(b, ins.Close())
	require.NoError(b, tx.Commit())

	set, err := mapping.Load(mapFS("inventory.yaml", benchMapping))
	require.NoError(b, err)
	var sh feeds.InventoryShopify = client
	if rest {
		sh = restSetter{client}
	}
	s.feed = &feeds.Inventory{Shop: shop, Shopify: sh, Store: store, Log: testLogger(b),
		Mappings: func() *mapping.Set { return set }, Live: func() bool { return true }}
	return s
}

// passFigures is what one run cost in Shopify's terms.
type passFigures struct {
	calls int64         // every call to Shopify
	sets  int64         // of them, the calls that set levels
	sim   time.Duration // simulated time on the store's budget
}

// pass runs the feed once and says what it cost.
func (s *benchShop) pass(b *testing.B, full bool) passFigures {
	b.Helper()
	s.sim.ResetRequests()
	before, at := s.client.Stats(), s.clock.Now()
	x, err := s.feed.Run(b.Context(), feeds.InventoryRun{Full: full})
	require.NoError(b, err)
	require.Equal(b, erp.OutcomeFinished, x.Outcome)
	after := s.client.Stats()
	require.Zero(b, after.Total().TooMany-before.Total().TooMany, "paced within the budget: no 429")
	require.Zero(b, after.Total().Throttled-before.Total().Throttled, "paced within the budget: not throttled")
	var sets int64
	for _, r := range s.sim.Requests() {
		if r.GraphQL == "mutation inventorySetQuantities" || strings.HasSuffix(r.Path, "/inventory_levels/set.json") {
			sets++
		}
	}
	require.EqualValues(b, s.sim.RequestCount(), len(s.sim.Requests()), "the log holds the whole pass")
	return passFigures{calls: after.Total().Calls - before.Total().Calls, sets: sets, sim: s.clock.Now().Sub(at)}
}

// change moves 1 % of the levels: every warehouse of one SKU in a hundred.
func (s *benchShop) change(b *testing.B) int {
	b.Helper()
	n := 0
	for i := 0; i < len(s.skus); i += 100 {
		_, err := s.db.Exec(`UPDATE product_qty_in_stock SET qty_on_hand = qty_on_hand + 1, qty_available = qty_available + 1 WHERE item_code = ?`, s.skus[i])
		require.NoError(b, err)
		n += 3
	}
	return n
}

// BenchmarkInventoryFeedFullPassAndOnePercentChange runs the inventory feed against the
// simulator with a standard plan's budget (REST 40 requests leaking 2/s, GraphQL 2,000
// points restoring 100/s) on a virtual clock: a full pass of 10,000 SKUs × 3 locations
// (catalog, locations, Shopify's levels, and every level differing), then a delta run after
// 1 % of the levels changed. Side by side, in the same run: the same feed setting each
// level with one REST call, and with GraphQL mutations dearer than the default estimate (10
// points plus 1 per quantity). Times are the simulated time a real store's budget would
// take, not the time the benchmark took.
func BenchmarkInventoryFeedFullPassAndOnePercentChange(b *testing.B) {
	const skus = 10000
	var levels, changed int
	var gqlFull, gqlDelta, dearFull, restFull, restDelta passFigures
	for b.Loop() {
		b.StopTimer()
		gql := newBenchShop(b, skus, false, 0)
		dear := newBenchShop(b, skus, false, 1)
		rest := newBenchShop(b, skus, true, 0)
		levels = len(gql.skus) * 3
		b.StartTimer()

		gqlFull = gql.pass(b, true)
		dearFull = dear.pass(b, true)
		restFull = rest.pass(b, true)
		for _, s := range []*benchShop{gql, rest} {
			changed = s.change(b)
		}
		gqlDelta = gql.pass(b, false)
		restDelta = rest.pass(b, false)

		b.StopTimer()
		require.EqualValues(b, (levels+249)/250, gqlFull.sets, "a full pass sets 250 levels a call")
		require.EqualValues(b, (changed+249)/250, gqlDelta.sets, "a delta run sets only what changed")
		require.EqualValues(b, levels, restFull.sets)
		for i, sku := range gql.skus {
			if i%997 != 0 {
				continue
			}
			var want int64
			require.NoError(b, gql.db.QueryRow(`SELECT CAST(qty_available AS INTEGER) FROM product_qty_in_stock WHERE item_code = ? AND warehouse_code = 'W1'`, sku).Scan(&want))
			got := levelOf(b, gql.sim, sku, "Main Warehouse")
			require.EqualValues(b, want, got, "%s at Main Warehouse", sku)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(levels), "levels")
	b.ReportMetric(float64(gqlFull.calls), "full-calls")
	b.ReportMetric(float64(gqlFull.sets), "full-set-calls")
	b.ReportMetric(gqlFull.sim.Seconds(), "full-sim-s")
	b.ReportMetric(dearFull.sim.Seconds(), "full-dear-sim-s")
	b.ReportMetric(float64(restFull.calls), "full-rest-calls")
	b.ReportMetric(restFull.sim.Seconds(), "full-rest-sim-s")
	b.ReportMetric(float64(restFull.calls)/float64(gqlFull.calls), "full-calls-ratio")
	b.ReportMetric(restFull.sim.Seconds()/gqlFull.sim.Seconds(), "full-time-ratio")
	b.ReportMetric(float64(changed), "delta-levels")
	b.ReportMetric(float64(gqlDelta.calls), "delta-calls")
	b.ReportMetric(gqlDelta.sim.Seconds(), "delta-sim-s")
	b.ReportMetric(float64(restDelta.calls), "delta-rest-calls")
	b.ReportMetric(restDelta.sim.Seconds(), "delta-rest-sim-s")
	b.ReportMetric(float64(restDelta.calls)/float64(max(gqlDelta.calls, 1)), "delta-calls-ratio")
}

func mapFS(name, text string) fstest.MapFS { return fstest.MapFS{name: {Data: []byte(text)}} }

// levelOf is what the simulator holds of sku at the named location.
func levelOf(b *testing.B, sim *shopifytest.Server, sku, location string) int {
	b.Helper()
	var item, loc int64
	for _, v := range sim.Variants() {
		if v.SKU == sku {
			item = v.InventoryItemID
		}
	}
	for _, l := range sim.Locations() {
		if l.Name == location {
			loc = l.ID
		}
	}
	q, ok := sim.InventoryLevel(item, loc)
	require.True(b, ok, fmt.Sprintf("%s at %s", sku, location))
	return q
}
