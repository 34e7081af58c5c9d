package feeds_test

import (
	"context"
	"database/sql"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/shopify"
	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
	"github.com/passthrough-dev/passthrough/feeds"
	"github.com/passthrough-dev/passthrough/ledger"
	"github.com/passthrough-dev/passthrough/mapping"
)

// stockMapping is an inventory.yaml as a store would write it: warehouses WH1 and WH2 both
// stock Main Warehouse (several warehouses summed into one location), EAST is East Coast DC, one
// unit of safety stock, 3-packs by the -X suffix, a gift set kit, and a default location
// for staged order lines that name no warehouse.
const stockMapping = `
defaults:
  safety_stock: 1
lookups:
  locations:
    WH1: "Main Warehouse"
    WH2: "Main Warehouse"
    EAST: "East Coast DC"
    BTQ: "Boutique"
when:
  - require: stock.qty_on_hand >= 0
    severity: error
    message: "negative on hand for ${stock.item_code}"
  - require: stock.warehouse_code != "QC"
    severity: info
    message: "quality control stock is not for sale"
level:
  location: lookup("locations", stock.warehouse_code, stock.warehouse_code)
  quantity: units(stock.qty_available - defaults.safety_stock)
bundles:
  suffix: "-X"
kits:
  GIFT-SET-1: {TS-001: 1, MUG-002: 2}
committed:
  default_location: "Main Warehouse"
`

// loadMappings loads the shipped mappings with inventory.yaml replaced by inventory.
func loadMappings(t testing.TB, inventory string) *mapping.Set {
	t.Helper()
	orders, err := os.ReadFile("../mappings/orders.yaml")
	require.NoError(t, err)
	set, err := mapping.Load(fstest.MapFS{
		"orders.yaml":    {Data: orders},
		"inventory.yaml": {Data: []byte(inventory)},
	})
	require.NoError(t, err)
	return set
}

// stockBundle is the inventory feed wired to real parts. The shop has Main Warehouse and
// East Coast DC, and a Boutique opened after the products, so nothing is stocked there.
type stockBundle struct {
	sim      *shopifytest.Server
	client   *shopify.Client
	spy      *setSpy
	store    erp.Store
	db       *sql.DB
	feed     *feeds.Inventory
	live     atomic.Bool
	main     int64
	east     int64
	boutique int64
	items    map[string]int64 // SKU → inventory item, for SKUs on one variant
}

// setSpy records every SetInventory call the feed makes.
type setSpy struct {
	feeds.InventoryShopify
	mu    sync.Mutex
	calls [][]shopify.InventoryQuantity
}

func (s *setSpy) SetInventory(ctx context.Context, qs []shopify.InventoryQuantity) ([]shopify.InventoryResult, error) {
	s.mu.Lock()
	s.calls = append(s.calls, slices.Clone(qs))
	s.mu.Unlock()
	return s.InventoryShopify.SetInventory(ctx, qs)
}

// sent returns what the feed asked Shopify to set since the last call, as SKU@location →
// quantity.
func (b *stockBundle) sent() map[string]int {
	b.spy.mu.Lock()
	defer b.spy.mu.Unlock()
	out := map[string]int{}
	for _, call := range b.spy.calls {
		for _, q := range call {
			out[b.levelName(q.InventoryItemID, q.LocationID)] = q.Quantity
		}
	}
	b.spy.calls = nil
	return out
}

func (b *stockBundle) levelName(item, loc int64) string {
	sku := "?"
	for s, i := range b.items {
		if i == item {
			sku = s
		}
	}
	names := map[int64]string{b.main: "Main", b.east: "East", b.boutique: "Boutique"}
	return sku + "@" + names[loc]
}

func newStockBundle(t *testing.T, open storeOpener, inventory string) *stockBundle {
	t.Helper()
	sim := shopifytest.NewServer(shopifytest.WithShop(shop), shopifytest.WithoutRateLimits())
	t.Cleanup(sim.Close)
	b := &stockBundle{sim: sim, main: sim.AddLocation("Main Warehouse"), east: sim.AddLocation("East Coast DC"), items: map[string]int64{}}
	for _, p := range []string{
		`{"title":"T-shirt","variants":[{"sku":"TS-001","title":"Single"},{"sku":"TS-001-X3","title":"3-pack"}]}`,
		`{"title":"Mug","variants":[{"sku":"MUG-002","title":"Blue"}]}`,
		`{"title":"Gift set","variants":[{"sku":"GIFT-SET-1","title":"Default Title"}]}`,
		`{"title":"Socks","variants":[{"sku":"DUP-1","title":"Red"}]}`,
		`{"title":"Scarf","variants":[{"sku":"DUP-1","title":"Red"}]}`,
		`{"title":"E-book","variants":[{"sku":"DIGI-1","title":"PDF","inventory_management":null}]}`,
	} {
		_, err := sim.AddProduct([]byte(p))
		require.NoError(t, err)
	}
	b.boutique = sim.AddLocation("Boutique")
	count := map[string]int{}
	for _, v := range sim.Variants() {
		count[v.SKU]++
		b.items[v.SKU] = v.InventoryItemID
	}
	for sku, n := range count {
		if n > 1 {
			delete(b.items, sku)
		}
	}
	b.client = testClient(t, sim)
	b.spy = &setSpy{InventoryShopify: b.client}
	set := loadMappings(t, inventory)
	b.store, b.db = open(t)
	b.feed = &feeds.Inventory{Shop: shop, Shopify: b.spy, Store: b.store, Log: testLogger(t),
		Mappings: func() *mapping.Set { return set }, Live: b.live.Load}
	b.live.Store(true)
	return b
}

// stock writes a row of product_qty_in_stock as the ERP would: available = on hand −
// committed.
func (b *stockBundle) stock(t *testing.T, item, warehouse string, onHand, committed int) {
	t.Helper()
	execSQL(t, b.store, b.db, `DELETE FROM product_qty_in_stock WHERE item_code = ? AND warehouse_code = ?`, item, warehouse)
	execSQL(t, b.store, b.db, `INSERT INTO product_qty_in_stock (item_code, warehouse_code, qty_on_hand, qty_committed, qty_available) VALUES (?, ?, ?, ?, ?)`,
		item, warehouse, decimal.NewFromInt(int64(onHand)), decimal.NewFromInt(int64(committed)), decimal.NewFromInt(int64(onHand-committed)))
}

// erpStock is the ERP's stock every inventory test starts from.
func (b *stockBundle) erpStock(t *testing.T) {
	t.Helper()
	b.stock(t, "TS-001", "WH1", 13, 0)  // 12 after safety stock
	b.stock(t, "TS-001", "WH2", 5, 1)   // 3 → Main Warehouse holds 15
	b.stock(t, "TS-001", "EAST", 8, 0)  // 7
	b.stock(t, "TS-001", "BTQ", 4, 0)   // not stocked at Boutique in Shopify
	b.stock(t, "MUG-002", "WH1", 21, 0) // 20
	b.stock(t, "MUG-002", "EAST", 3, 0) // 2
	b.stock(t, "MUG-002", "WH9", 10, 0) // WH9 is no location
	b.stock(t, "ERP-ONLY", "WH1", 5, 0) // on no variant
	b.stock(t, "DUP-1", "WH1", 5, 0)    // on two variants
	b.stock(t, "DIGI-1", "WH1", 5, 0)   // not tracked by Shopify
	b.stock(t, "BAD-1", "WH1", -2, 0)   // the mapping refuses it
	b.stock(t, "TS-001", "QC", 100, 0)  // a rule leaves it out; TS-001's other rows count
}

// levels reads what Shopify holds of the SKUs the tests follow.
func (b *stockBundle) levels(t *testing.T) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, sku := range []string{"TS-001", "TS-001-X3", "MUG-002", "GIFT-SET-1"} {
		for _, loc := range []int64{b.main, b.east} {
			q, ok := b.sim.InventoryLevel(b.items[sku], loc)
			require.True(t, ok)
			out[b.levelName(b.items[sku], loc)] = q
		}
	}
	return out
}

func (b *stockBundle) run(t *testing.T, full bool) erp.Execution {
	t.Helper()
	x, err := b.feed.Run(t.Context(), feeds.InventoryRun{Full: full})
	require.NoError(t, err)
	return x
}

func (b *stockBundle) problems(t *testing.T, x erp.Execution) map[string]erp.Problem {
	t.Helper()
	list, err := b.store.ProblemList(t.Context(), erp.ProblemListParams{ExecutionID: x.ID, Limit: 1000})
	require.NoError(t, err)
	out := map[string]erp.Problem{}
	for _, p := range list {
		out[p.RecordKey] = p
	}
	return out
}

// expected is what Shopify should hold for erpStock, worked out by hand: Main Warehouse
// sums WH1 and WH2; a 3-pack is a third of the single, rounded down; the gift set is as many
// as both its T-shirt and its two mugs allow.
var expected = map[string]int{
	"TS-001@Main": 15, "TS-001@East": 7,
	"TS-001-X3@Main": 5, "TS-001-X3@East": 2,
	"MUG-002@Main": 20, "MUG-002@East": 2,
	"GIFT-SET-1@Main": 10, "GIFT-SET-1@East": 1,
}

func TestInventoryFeedSendsSumsBundlesAndKitsAndListsWhatItCannotSend(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, open storeOpener) {
		b := newStockBundle(t, open, stockMapping)
		b.erpStock(t)

		x := b.run(t, false)
		require.Equal(t, expected, b.levels(t), "the first run is a full pass")
		require.Equal(t, expected, b.sent())
		require.Equal(t, erp.OutcomeFinishedPartially, x.Outcome)
		require.Equal(t, 11, x.Counts.Seen, "8 levels, and 3 at the Boutique")
		require.Equal(t, 8, x.Counts.Written)

		got := b.problems(t, x)
		want := map[string]struct {
			sev passthrough.Severity
			msg string
		}{
			"ERP-ONLY":            {passthrough.SeverityError, "SKU ERP-ONLY is in the ERP's stock but on no Shopify variant"},
			"DIGI-1":              {passthrough.SeverityInfo, "Shopify does not track the stock of DIGI-1"},
			"BAD-1@WH1":           {passthrough.SeverityError, "stock of BAD-1 in warehouse WH1: negative on hand for BAD-1"},
			"warehouse WH9":       {passthrough.SeverityError, `warehouse WH9 maps to "WH9", which is no Shopify location (they are "Main Warehouse", "East Coast DC", "Boutique")`},
			"DUP-1":               {passthrough.SeverityError, `SKU "DUP-1" is on 2 variants in Shopify`},
			"TS-001@Boutique":     {passthrough.SeverityError, "TS-001 is not stocked at Boutique in Shopify; stock it there (or map its warehouse to another location) to sync it"},
			"TS-001-X3@Boutique":  {passthrough.SeverityError, "TS-001-X3 is not stocked at Boutique in Shopify"},
			"GIFT-SET-1@Boutique": {passthrough.SeverityError, "GIFT-SET-1 is not stocked at Boutique in Shopify"},
			"stock rows":          {passthrough.SeverityInfo, "1 stock row is left out by inventory.yaml's rules (TS-001@QC: quality control stock is not for sale)"},
		}
		require.Len(t, got, len(want))
		for key, w := range want {
			require.Contains(t, got, key)
			require.Equal(t, w.sev, got[key].Severity, key)
			require.Contains(t, got[key].Message, w.msg, key)
		}
		require.Equal(t, erp.ExecutionCounts{Seen: 11, Written: 8, Skipped: 2, Errors: 7}, x.Counts)

		sent, err := b.store.InventorySentList(t.Context(), shop)
		require.NoError(t, err)
		require.Len(t, sent, 8)
		for _, s := range sent {
			require.False(t, s.DryRun)
			require.EqualValues(t, expected[b.levelName(s.InventoryItemID, s.LocationID)], s.Available)
		}
	})
}

func TestInventoryDeltaSendsOnlyWhatChangedAndAFullPassCorrectsDrift(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, open storeOpener) {
		b := newStockBundle(t, open, stockMapping)
		b.erpStock(t)
		b.run(t, false)
		b.sent()

		// Nothing changed: nothing is sent, and the problems already listed are not
		// listed again.
		quiet := b.run(t, false)
		require.Empty(t, b.sent())
		require.Empty(t, b.problems(t, quiet))
		require.Equal(t, erp.OutcomeFinished, quiet.Outcome)

		// Three T-shirts leave WH1: Main Warehouse's T-shirts and 3-packs change; the gift
		// set is still limited by its mugs, so it is not sent.
		b.stock(t, "TS-001", "WH1", 10, 0)
		b.sim.ResetRequests()
		delta := b.run(t, false)
		require.Equal(t, map[string]int{"TS-001@Main": 12, "TS-001-X3@Main": 4}, b.sent())
		require.Equal(t, 2, delta.Counts.Written)
		graphql := 0
		for _, r := range b.sim.Requests() {
			require.NotEqual(t, "GET", r.Method, "a delta run reads nothing from Shopify: %s", r.Path)
			graphql++
		}
		require.Equal(t, 1, graphql, "one batched call")

		// Someone changes Shopify behind our back: a delta run cannot see it, a full pass
		// reads it, corrects it and reports it as drift.
		require.NoError(t, b.sim.SetInventoryLevel(b.items["MUG-002"], b.east, 9))
		b.run(t, false)
		require.Empty(t, b.sent())
		full := b.run(t, true)
		require.Equal(t, map[string]int{"MUG-002@East": 2}, b.sent())
		require.Equal(t, 1, full.Counts.Written)
		q, _ := b.sim.InventoryLevel(b.items["MUG-002"], b.east)
		require.Equal(t, 2, q)
		report, err := b.feed.Drift(t.Context())
		require.NoError(t, err)
		two := int64(2)
		require.Equal(t, []feeds.DriftRow{{SKU: "MUG-002", LocationID: b.east, Location: "East Coast DC", ERP: 2, Shopify: 9, LastSent: &two}}, report.Rows)
		require.Equal(t, int64(7), report.Rows[0].Difference(), "Shopify offers 7 more than the ERP has")
		require.Equal(t, 8, report.Levels)
		require.Len(t, b.problems(t, full), 9, "a full pass lists every problem again")
	})
}

func TestTheStockCheckReportsDriftAndSendsNothing(t *testing.T) {
	t.Parallel()
	b := newStockBundle(t, sqliteStore, stockMapping)
	b.erpStock(t)
	report, err := b.feed.Drift(t.Context())
	require.NoError(t, err)
	require.True(t, report.CheckedAt.IsZero(), "no check has run yet")

	b.run(t, false)
	b.sent()
	require.NoError(t, b.sim.SetInventoryLevel(b.items["TS-001-X3"], b.main, 0))
	b.sim.ResetRequests()

	x, err := b.feed.Check(t.Context())
	require.NoError(t, err)
	require.Equal(t, feeds.FeedStockCheck, x.Feed)
	require.Empty(t, b.sent())
	for _, r := range b.sim.Requests() {
		require.Equal(t, "GET", r.Method, "a check only reads: %s", r.Path)
	}
	q, _ := b.sim.InventoryLevel(b.items["TS-001-X3"], b.main)
	require.Zero(t, q, "the drift is reported, not corrected")
	report, err = b.feed.Drift(t.Context())
	require.NoError(t, err)
	five := int64(5)
	require.Equal(t, []feeds.DriftRow{{SKU: "TS-001-X3", LocationID: b.main, Location: "Main Warehouse", ERP: 5, Shopify: 0, LastSent: &five}}, report.Rows)
	require.False(t, report.CheckedAt.IsZero())
	names, err := b.feed.Locations(t.Context())
	require.NoError(t, err)
	require.Equal(t, map[int64]string{b.main: "Main Warehouse", b.east: "East Coast DC", b.boutique: "Boutique"}, names)
}

// stageOrder stages an order's lines as the orders feed would, given as SKU, quantity and
// warehouse (nil: none), and marks it imported by the ERP when imported is set.
func stageOrder(t *testing.T, store erp.Store, db *sql.DB, id int64, imported bool, lines ...[3]any) {
	t.Helper()
	p := erp.OrderStageParams{OrderRows: passthrough.OrderRows{
		Header:    passthrough.Table{Name: "s_orders", Key: []string{"shop", "web_order_id"}},
		HeaderRow: passthrough.Row{Columns: []string{"shop", "web_order_id", "order_number"}, Values: []any{shop, id, "#" + strconv.FormatInt(id, 10)}},
		Lines:     passthrough.Table{Name: "s_order_details", Key: []string{"shop", "web_order_id", "line_no"}},
	},
		Ledger: ledger.Entry{Shop: shop, OrderID: id, OrderName: "#x"},
	}
	for i, l := range lines {
		p.LineRows = append(p.LineRows, passthrough.Row{
			Columns: []string{"shop", "web_order_id", "line_no", "item_code", "quantity", "warehouse_code"},
			Values:  []any{shop, id, int64(i + 1), l[0], int64(l[1].(int)), l[2]},
		})
	}
	require.NoError(t, store.OrderStage(t.Context(), p))
	if imported {
		execSQL(t, store, db, "UPDATE s_orders SET import_status = ? WHERE web_order_id = ?", "IMPORTED", id)
	}
}

func TestUnitsOfOrdersTheERPHasNotImportedAreNotOfferedAgain(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, open storeOpener) {
		t.Run("a line takes its units from its warehouse's location or the default location", func(t *testing.T) {
			b := newStockBundle(t, open, stockMapping)
			b.erpStock(t)
			stageOrder(t, b.store, b.db, 1001, false,
				[3]any{"TS-001", 2, "EAST"},     // East Coast DC
				[3]any{"MUG-002", 1, "000"},     // a warehouse that maps nowhere: the default location
				[3]any{"TS-001-X3", 1, nil},     // a 3-pack, no warehouse: 3 T-shirts from the default location
				[3]any{"GIFT-SET-1", 1, "EAST"}, // a kit: a T-shirt and two mugs at East Coast DC
			)
			stageOrder(t, b.store, b.db, 1002, true, [3]any{"TS-001", 5, "WH1"}) // imported: the ERP's stock counts it

			b.run(t, false)
			want := map[string]int{
				"TS-001@Main": 15 - 3, "TS-001@East": 7 - 2 - 1,
				"TS-001-X3@Main": 4, "TS-001-X3@East": 1,
				"MUG-002@Main": 20 - 1, "MUG-002@East": 0, // 2 − 2, never below 0
				"GIFT-SET-1@Main": 9, "GIFT-SET-1@East": 0,
			}
			require.Equal(t, want, b.levels(t))
		})

		t.Run("without a default location a line takes its units where the SKU has the most stock", func(t *testing.T) {
			b := newStockBundle(t, open, strings.Replace(stockMapping, "committed:\n  default_location: \"Main Warehouse\"\n", "", 1))
			b.erpStock(t)
			stageOrder(t, b.store, b.db, 1001, false, [3]any{"MUG-002", 4, nil}, [3]any{"TS-001", 1, "000"})
			b.run(t, false)
			got := b.levels(t)
			require.Equal(t, 16, got["MUG-002@Main"], "Main Warehouse has the most mugs")
			require.Equal(t, 2, got["MUG-002@East"])
			require.Equal(t, 14, got["TS-001@Main"])
			require.Equal(t, 7, got["TS-001@East"])
		})
	})
}

func TestInventoryInTestModeRecordsWhatItWouldSendAndWritesNothing(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, open storeOpener) {
		b := newStockBundle(t, open, stockMapping)
		b.live.Store(false)
		b.erpStock(t)
		before := b.levels(t)
		b.sim.ResetRequests()

		x := b.run(t, false)
		for _, r := range b.sim.Requests() {
			if r.Method == "POST" {
				require.True(t, strings.HasPrefix(r.GraphQL, "query "), "test mode only reads: %s %s %s", r.Method, r.Path, r.GraphQL)
				continue
			}
			require.Equal(t, "GET", r.Method, "test mode only reads: %s %s", r.Method, r.Path)
		}
		require.Empty(t, b.sent())
		require.Equal(t, before, b.levels(t))
		require.Equal(t, 10, x.Counts.Skipped, "8 would-send levels, the untracked SKU and the rows left out")
		require.Zero(t, x.Counts.Written)
		would, err := b.store.InventorySentList(t.Context(), shop)
		require.NoError(t, err)
		require.Len(t, would, 8)
		for _, l := range would {
			require.True(t, l.DryRun, "recorded as would-send")
			require.EqualValues(t, expected[b.levelName(l.InventoryItemID, l.LocationID)], l.Available)
		}
		report, err := b.feed.Drift(t.Context())
		require.NoError(t, err)
		require.Len(t, report.Rows, 8, "the difference from Shopify now")
		for _, r := range report.Rows {
			require.Zero(t, r.Shopify)
			require.Nil(t, r.LastSent, "nothing was really sent")
		}

		// Going live sends what was only recorded.
		b.live.Store(true)
		b.run(t, false)
		require.Equal(t, expected, b.sent())
		require.Equal(t, expected, b.levels(t))
		live, err := b.store.InventorySentList(t.Context(), shop)
		require.NoError(t, err)
		for _, l := range live {
			require.False(t, l.DryRun)
		}
	})
}

// saleMidPass is a sale in Shopify between the full pass reading a level and setting it.
type saleMidPass struct {
	feeds.InventoryShopify
	sale func()
}

func (s *saleMidPass) SetInventory(ctx context.Context, qs []shopify.InventoryQuantity) ([]shopify.InventoryResult, error) {
	s.sale()
	return s.InventoryShopify.SetInventory(ctx, qs)
}

func TestAFullPassDoesNotOverwriteASaleMadeWhileItRan(t *testing.T) {
	t.Parallel()
	b := newStockBundle(t, sqliteStore, stockMapping)
	b.erpStock(t)
	b.feed.Shopify = &saleMidPass{InventoryShopify: b.spy, sale: func() {
		require.NoError(t, b.sim.SetInventoryLevel(b.items["MUG-002"], b.main, 41))
	}}
	x := b.run(t, true)
	require.Equal(t, 7, x.Counts.Written, "every level but the one sold meanwhile")
	q, _ := b.sim.InventoryLevel(b.items["MUG-002"], b.main)
	require.Equal(t, 41, q, "Shopify refused the stale change")
	got := b.problems(t, x)
	require.Equal(t, passthrough.SeverityRetry, got["MUG-002@Main Warehouse"].Severity)
	require.Equal(t, "Shopify's quantity changed while the pass ran (a sale or a count); the next run sends it again", got["MUG-002@Main Warehouse"].Message)

	b.feed.Shopify = b.spy
	b.sent()
	b.run(t, false)
	require.Equal(t, map[string]int{"MUG-002@Main": 20}, b.sent(), "the next run sends it")
}

// catalogSpy counts the feed's catalog reads: refreshes (what changed) and full reads.
type catalogSpy struct {
	feeds.InventoryShopify
	refreshes, full atomic.Int64
}

func (s *catalogSpy) Catalog(ctx context.Context) (*shopify.Catalog, error) {
	s.refreshes.Add(1)
	return s.InventoryShopify.Catalog(ctx)
}

func (s *catalogSpy) CatalogFull(ctx context.Context) (*shopify.Catalog, error) {
	s.full.Add(1)
	return s.InventoryShopify.CatalogFull(ctx)
}

// reads returns the refreshes and full reads since the last call.
func (s *catalogSpy) reads() (refreshes, full int64) {
	return s.refreshes.Swap(0), s.full.Swap(0)
}

func TestTheCatalogIsReadAgainOnlyWhenItIsOld(t *testing.T) {
	t.Parallel()
	b := newStockBundle(t, sqliteStore, stockMapping)
	b.erpStock(t)
	var now atomic.Int64
	now.Store(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC).UnixNano())
	b.feed.Now = func() time.Time { return time.Unix(0, now.Load()) }
	b.feed.CatalogEvery = time.Hour
	spy := &catalogSpy{InventoryShopify: b.spy}
	b.feed.Shopify = spy
	reads := func() [2]int64 {
		r, f := spy.reads()
		return [2]int64{r, f}
	}
	b.run(t, false)
	require.Equal(t, [2]int64{0, 1}, reads(), "the first run (a full pass) reads the catalog whole")
	now.Add(int64(59 * time.Minute))
	b.run(t, false)
	require.Equal(t, [2]int64{0, 0}, reads(), "a delta run within the hour uses the catalog it has")
	now.Add(int64(2 * time.Minute))
	b.run(t, false)
	require.Equal(t, [2]int64{1, 0}, reads(), "an hour on, it asks for what changed")
	b.run(t, true)
	require.Equal(t, [2]int64{0, 1}, reads(), "a full pass always reads it whole")
	require.NoError(t, b.feed.RefreshCatalog(t.Context()))
	require.Equal(t, [2]int64{0, 1}, reads())
	for _, r := range b.sim.Requests() {
		require.NotContains(t, r.Path, "/products", "REST products.json is not used")
	}
}
