package feeds_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/shopify"
	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
	"github.com/passthrough-dev/passthrough/feeds"
	"github.com/passthrough-dev/passthrough/ledger"
	"github.com/passthrough-dev/passthrough/mapping"
	"github.com/passthrough-dev/passthrough/record"
)

// shipBundle is the shipments feed wired to real parts: the simulator over HTTP through the
// real client, a real database, the shipped mappings. The shop has two locations; T-shirts
// are stocked at Main Warehouse and mugs at East Coast DC, so an order of both gets two
// fulfillment orders.
type shipBundle struct {
	sim    *shopifytest.Server
	client *shopify.Client
	store  erp.Store
	db     *sql.DB
	feed   *feeds.Shipments
	live   atomic.Bool
}

func newShipBundle(t *testing.T, open storeOpener) *shipBundle {
	t.Helper()
	sim := shopifytest.NewServer(shopifytest.WithShop(shop), shopifytest.WithoutRateLimits())
	t.Cleanup(sim.Close)
	main, east := sim.AddLocation("Main Warehouse"), sim.AddLocation("East Coast DC")
	_, err := sim.AddProduct([]byte(`{"title":"T-shirt","variants":[{"sku":"TS-001","title":"M"},{"sku":"TS-002","title":"L"}]}`))
	require.NoError(t, err)
	_, err = sim.AddProduct([]byte(`{"title":"Mug","variants":[{"sku":"MUG-002","title":"Blue"}]}`))
	require.NoError(t, err)
	for _, v := range sim.Variants() {
		at, other := main, east
		if strings.HasPrefix(v.SKU, "MUG") {
			at, other = east, main
		}
		require.NoError(t, sim.SetInventoryLevel(v.InventoryItemID, at, 50))
		require.NoError(t, sim.SetInventoryLevel(v.InventoryItemID, other, 0))
	}
	client := testClient(t, sim)
	set, err := mapping.LoadDir("../mappings")
	require.NoError(t, err)
	store, db := open(t)
	b := &shipBundle{sim: sim, client: client, store: store, db: db}
	b.live.Store(true)
	b.feed = &feeds.Shipments{Shop: shop, Shopify: client, Store: store, Log: testLogger(t),
		Mappings: func() *mapping.Set { return set }, Live: b.live.Load}
	return b
}

// testClient is a client for the simulator that never really sleeps: its back-off waits run
// on a virtual clock, and it gives up after two attempts.
func testClient(t testing.TB, sim *shopifytest.Server) *shopify.Client {
	t.Helper()
	client, err := shopify.New(shopify.Config{Shop: shop, BaseURL: sim.URL, APIVersion: "2026-07", AccessToken: sim.Token,
		DisablePacing: true, MaxAttempts: 2, Clock: shopify.NewVirtualClock(time.Now()), Logger: testLogger(t)})
	require.NoError(t, err)
	return client
}

// testLoggerTB logs to the test; a benchmark's runs are not logged.
// order adds a paid order with lines given as "SKU×quantity" and returns its id.
func (b *shipBundle) order(t *testing.T, lines ...string) int64 {
	t.Helper()
	ids := map[string]int64{}
	for _, v := range b.sim.Variants() {
		ids[v.SKU] = v.ID
	}
	var items []string
	for _, l := range lines {
		sku, qty, ok := strings.Cut(l, "×")
		require.True(t, ok, l)
		items = append(items, fmt.Sprintf(`{"variant_id":%d,"sku":%q,"quantity":%s,"price":"10.00","requires_shipping":true}`, ids[sku], sku, qty))
	}
	id, err := b.sim.AddOrder([]byte(`{"financial_status":"paid","email":"ann@example.com","line_items":[` + strings.Join(items, ",") + `]}`))
	require.NoError(t, err)
	return id
}

// exec runs the test's own SQL, written with ? placeholders, on either database.
func execSQL(t testing.TB, store erp.Store, db *sql.DB, q string, args ...any) {
	t.Helper()
	if store.Dialect() == erp.DialectPostgres {
		for n := 1; strings.Contains(q, "?"); n++ {
			q = strings.Replace(q, "?", "$"+strconv.Itoa(n), 1)
		}
	}
	_, err := db.ExecContext(context.Background(), q, args...)
	require.NoError(t, err, q)
}

// ship writes one row of external_order_shipments as the ERP would.
func (b *shipBundle) ship(t *testing.T, id string, line int, order int64, sku string, qty int, tracking, carrier string) {
	t.Helper()
	execSQL(t, b.store, b.db, `INSERT INTO external_order_shipments (shipment_id, line_no, shop, web_order_id, item_code, quantity, tracking_number, carrier, tracking_url)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, int64(line), shop, order, sku, int64(qty), tracking, carrier, "")
}

type syncState struct {
	status, message string
	synced          bool
}

// state reads back what the feed wrote on a shipment's rows; they must all say the same.
func (b *shipBundle) state(t *testing.T, id string) syncState {
	t.Helper()
	q := `SELECT sync_status, sync_error, synced_at FROM external_order_shipments WHERE shipment_id = ? ORDER BY line_no`
	if b.store.Dialect() == erp.DialectPostgres {
		q = strings.Replace(q, "?", "$1", 1)
	}
	rows, err := b.db.QueryContext(t.Context(), q, id)
	require.NoError(t, err)
	defer rows.Close()
	var out []syncState
	for rows.Next() {
		var status, msg sql.NullString
		var at any
		require.NoError(t, rows.Scan(&status, &msg, &at))
		out = append(out, syncState{status: status.String, message: msg.String, synced: at != nil})
	}
	require.NoError(t, rows.Err())
	require.NotEmpty(t, out, "shipment %s has no rows", id)
	for _, s := range out[1:] {
		require.Equal(t, out[0], s, "every row of shipment %s says the same", id)
	}
	return out[0]
}

func (b *shipBundle) run(t *testing.T) erp.Execution {
	t.Helper()
	x, err := b.feed.Run(t.Context())
	require.NoError(t, err)
	return x
}

// fulfillmentPosts counts the fulfillments the simulator was asked to create.
func fulfillmentPosts(sim *shopifytest.Server) int {
	n := 0
	for _, r := range sim.Requests() {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/fulfillments.json") {
			n++
		}
	}
	return n
}

// shipped sums what the order's fulfillments with tracking number tn ship, by SKU.
func shipped(sim *shopifytest.Server, order int64, tn string) map[string]int {
	out := map[string]int{}
	for _, f := range sim.Fulfillments(order) {
		if f.TrackingNumber != tn {
			continue
		}
		for _, l := range f.LineItems {
			out[l.SKU] += l.Quantity
		}
	}
	return out
}

func TestShipmentsFeedSendsFullAndPartialShipmentsAcrossFulfillmentOrders(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, open storeOpener) {
		b := newShipBundle(t, open)
		order := b.order(t, "TS-001×3", "MUG-002×1")
		require.Len(t, b.sim.FulfillmentOrders(order), 2, "T-shirts ship from Main Warehouse, the mug from East Coast DC")

		// A first parcel with one of three T-shirts, then the rest and the mug: two
		// fulfillment orders under one tracking number, so two fulfillments.
		b.ship(t, "SH-1", 1, order, "TS-001", 1, " 1Z001985YW99744790 ", "ups")
		first := b.run(t)
		require.Equal(t, erp.OutcomeFinished, first.Outcome)
		require.Equal(t, erp.ExecutionCounts{Seen: 1, Written: 1}, first.Counts)
		require.Equal(t, syncState{status: "sent", synced: true}, b.state(t, "SH-1"))
		require.Equal(t, map[string]int{"TS-001": 1}, shipped(b.sim, order, "1Z001985YW99744790"))

		b.ship(t, "SH-2", 1, order, "TS-001", 2, "9400111899223100000000", "USPS")
		b.ship(t, "SH-2", 2, order, "MUG-002", 1, "9400111899223100000000", "USPS")
		second := b.run(t)
		require.Equal(t, erp.ExecutionCounts{Seen: 1, Written: 1}, second.Counts)
		require.Equal(t, syncState{status: "sent", synced: true}, b.state(t, "SH-2"))
		require.Equal(t, map[string]int{"TS-001": 2, "MUG-002": 1}, shipped(b.sim, order, "9400111899223100000000"))

		fuls := b.sim.Fulfillments(order)
		require.Len(t, fuls, 3, "one fulfillment for the first parcel, one per fulfillment order for the second")
		require.Equal(t, "UPS", fuls[0].TrackingCompany, "the carrier code became the company Shopify knows")
		require.Equal(t, "USPS", fuls[1].TrackingCompany)
		for _, fo := range b.sim.FulfillmentOrders(order) {
			require.Equal(t, "closed", fo.Status, "everything is shipped")
		}

		posts := fulfillmentPosts(b.sim)
		third := b.run(t)
		require.Equal(t, erp.ExecutionCounts{}, third.Counts, "nothing is left to send")
		require.Equal(t, posts, fulfillmentPosts(b.sim))
	})
}

func TestAShipmentOfALineTheERPNamesByLineItemIDShipsThatLine(t *testing.T) {
	t.Parallel()
	b := newShipBundle(t, sqliteStore)
	// Two lines of the same SKU (one gift-wrapped): only the line item id says which.
	order := b.order(t, "TS-001×1", "TS-001×2")
	raw, ok := b.sim.Order(order)
	require.True(t, ok)
	o, err := record.DecodeOrder(raw)
	require.NoError(t, err)
	second := o.LineItems[1].ID
	execSQL(t, b.store, b.db, "ALTER TABLE external_order_shipments ADD COLUMN line_item_id BIGINT NULL")
	_, err = b.store.Migrate(t.Context()) // forgets the cached columns
	require.NoError(t, err)
	b.ship(t, "SH-1", 1, order, "TS-001", 2, "1ZLINE", "UPS")
	execSQL(t, b.store, b.db, "UPDATE external_order_shipments SET line_item_id = ? WHERE shipment_id = ?", second, "SH-1")

	x := b.run(t)
	require.Equal(t, erp.ExecutionCounts{Seen: 1, Written: 1}, x.Counts)
	fuls := b.sim.Fulfillments(order)
	require.Len(t, fuls, 1)
	require.Equal(t, []shopifytest.FulfillmentLine{{LineItemID: second, SKU: "TS-001", Quantity: 2}}, fuls[0].LineItems)
}

// crashAfterCreate is Shopify creating the fulfillment and the answer being lost: the
// fulfillment exists, and the feed hears ErrRetryable.
type crashAfterCreate struct {
	feeds.ShipmentShopify
	left atomic.Int32 // creates that go through before the answer is lost
}

func (c *crashAfterCreate) CreateFulfillment(ctx context.Context, req shopify.FulfillmentRequest) (shopify.Fulfillment, error) {
	f, err := c.ShipmentShopify.CreateFulfillment(ctx, req)
	if err == nil && c.left.Add(-1) < 0 {
		return shopify.Fulfillment{}, fmt.Errorf("create fulfillment: POST fulfillments: read: connection reset by peer: %w", shopify.ErrRetryable)
	}
	return f, err
}

// markFails is the ERP database going away just when the feed records a sent shipment.
type markFails struct {
	erp.Store
	fail atomic.Bool
}

func (m *markFails) ShipmentMark(ctx context.Context, p erp.ShipmentMarkParams) error {
	if m.fail.Load() && p.Status == erp.ShipmentSent {
		return errors.New("dial tcp 127.0.0.1:1433: connect: connection refused")
	}
	return m.Store.ShipmentMark(ctx, p)
}

func TestAShipmentIsSentOnceWhateverHappensBetweenShopifyAndTheERP(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, open storeOpener) {
		t.Run("the database fails after Shopify created the fulfillment", func(t *testing.T) {
			b := newShipBundle(t, open)
			order := b.order(t, "TS-001×2")
			b.ship(t, "SH-1", 1, order, "TS-001", 2, "1ZCRASH1", "UPS")
			broken := &markFails{Store: b.store}
			broken.fail.Store(true)
			b.feed.Store = broken

			x, err := b.feed.Run(t.Context())
			require.ErrorContains(t, err, "connection refused")
			require.Equal(t, erp.OutcomeFailed, x.Outcome)
			require.Len(t, b.sim.Fulfillments(order), 1, "Shopify has it")
			require.Equal(t, syncState{}, b.state(t, "SH-1"), "the ERP does not know yet")

			broken.fail.Store(false)
			again := b.run(t)
			require.Equal(t, erp.ExecutionCounts{Seen: 1, Written: 1}, again.Counts)
			require.Equal(t, 1, fulfillmentPosts(b.sim), "the second run created nothing")
			require.Len(t, b.sim.Fulfillments(order), 1)
			require.Equal(t, "sent", b.state(t, "SH-1").status)
		})

		t.Run("Shopify's answer is lost between two fulfillment orders of one shipment", func(t *testing.T) {
			b := newShipBundle(t, open)
			order := b.order(t, "TS-001×1", "MUG-002×2")
			b.ship(t, "SH-1", 1, order, "TS-001", 1, "1ZCRASH2", "UPS")
			b.ship(t, "SH-1", 2, order, "MUG-002", 2, "1ZCRASH2", "UPS")
			lossy := &crashAfterCreate{ShipmentShopify: b.client}
			lossy.left.Store(0) // the very first answer is lost
			b.feed.Shopify = lossy

			x := b.run(t)
			require.Equal(t, erp.ExecutionCounts{Seen: 1, Retry: 1}, x.Counts)
			require.Equal(t, erp.OutcomeFinished, x.Outcome, "a retry is not a person's problem")
			require.Equal(t, syncState{}, b.state(t, "SH-1"), "left unsent for the next run")
			require.Len(t, b.sim.Fulfillments(order), 1, "the first fulfillment order's was created")

			b.feed.Shopify = b.client
			again := b.run(t)
			require.Equal(t, erp.ExecutionCounts{Seen: 1, Written: 1}, again.Counts)
			require.Equal(t, 2, fulfillmentPosts(b.sim), "only the missing fulfillment was created")
			require.Equal(t, map[string]int{"TS-001": 1, "MUG-002": 2}, shipped(b.sim, order, "1ZCRASH2"))
			require.Equal(t, "sent", b.state(t, "SH-1").status)
		})
	})
}

func TestBadShipmentsAreMarkedErrorWithAReasonAndTheOthersGoOn(t *testing.T) {
	t.Parallel()
	b := newShipBundle(t, sqliteStore)
	order := b.order(t, "TS-001×2", "MUG-002×1")
	done := b.order(t, "TS-002×1")
	held := b.order(t, "MUG-002×1")
	b.ship(t, "DONE", 1, done, "TS-002", 1, "1ZDONE", "UPS")
	b.run(t)
	require.Equal(t, "sent", b.state(t, "DONE").status)
	require.NoError(t, b.sim.HoldFulfillmentOrder(b.sim.FulfillmentOrders(held)[0].ID, "awaiting_payment"))
	name := func(id int64) string {
		raw, _ := b.sim.Order(id)
		o, err := record.DecodeOrder(raw)
		require.NoError(t, err)
		return o.Name
	}
	foID := func(id int64) int64 { return b.sim.FulfillmentOrders(id)[0].ID }

	cases := []struct {
		id   string
		rows func(id string)
		want string
	}{
		{"UNKNOWN-ORDER", func(id string) { b.ship(t, id, 1, 999999, "TS-001", 1, "1ZA", "UPS") },
			"order 999999 is not in Shopify; check the shipment's web_order_id"},
		{"UNKNOWN-SKU", func(id string) { b.ship(t, id, 1, order, "NOPE-9", 1, "1ZB", "UPS") },
			"SKU NOPE-9 (line 1) is not on " + name(order)},
		{"TOO-MANY", func(id string) { b.ship(t, id, 1, order, "TS-001", 3, "1ZC", "UPS") },
			"3 × TS-001 (line 1) is more than is still open on " + name(order) + ": 2"},
		{"ALREADY-SHIPPED", func(id string) { b.ship(t, id, 1, done, "TS-002", 1, "1ZD", "UPS") },
			fmt.Sprintf("1 × TS-002 (line 1) cannot ship: nothing of it is open on %s (fulfillment order %d is closed)", name(done), foID(done))},
		{"ON-HOLD", func(id string) { b.ship(t, id, 1, held, "MUG-002", 1, "1ZE", "UPS") },
			fmt.Sprintf("1 × MUG-002 (line 1) cannot ship: fulfillment order %d of %s is on hold; release the hold in Shopify, then send the shipment again", foID(held), name(held))},
		{"NO-TRACKING", func(id string) { b.ship(t, id, 1, order, "TS-001", 1, "  ", "UPS") },
			"shipment NO-TRACKING has no tracking number"},
		{"TWO-PARCELS", func(id string) {
			b.ship(t, id, 1, order, "TS-001", 1, "1ZF1", "UPS")
			b.ship(t, id, 2, order, "MUG-002", 1, "1ZF2", "UPS")
		}, "shipment TWO-PARCELS has 2 tracking numbers (1ZF1, 1ZF2); Shopify takes one per fulfillment, so give each parcel a shipment id of its own"},
		{"ZERO", func(id string) { b.ship(t, id, 1, order, "TS-001", 0, "1ZG", "UPS") },
			"line 1 of shipment ZERO ships 0 × TS-001; a quantity must be at least 1"},
	}
	for _, c := range cases {
		c.rows(c.id)
	}
	b.ship(t, "GOOD", 1, order, "MUG-002", 1, "1ZGOOD", "UPS")
	posts := fulfillmentPosts(b.sim)

	x := b.run(t)
	require.Equal(t, erp.OutcomeFinishedPartially, x.Outcome)
	require.Equal(t, erp.ExecutionCounts{Seen: len(cases) + 1, Written: 1, Errors: len(cases)}, x.Counts)
	require.Equal(t, posts+1, fulfillmentPosts(b.sim), "only the good shipment reached Shopify")
	require.Equal(t, map[string]int{"MUG-002": 1}, shipped(b.sim, order, "1ZGOOD"))
	require.Equal(t, "sent", b.state(t, "GOOD").status)

	problems, err := b.store.ProblemList(t.Context(), erp.ProblemListParams{ExecutionID: x.ID})
	require.NoError(t, err)
	byKey := map[string]erp.Problem{}
	for _, p := range problems {
		byKey[p.RecordKey] = p
	}
	for _, c := range cases {
		t.Run(strings.ToLower(strings.ReplaceAll(c.id, "-", " "))+" is an error on that shipment", func(t *testing.T) {
			got := b.state(t, c.id)
			require.Equal(t, "error", got.status)
			require.True(t, got.synced)
			require.Equal(t, c.want, got.message)
			require.Equal(t, passthrough.SeverityError, byKey[c.id].Severity)
			require.Equal(t, c.want, byKey[c.id].Message, "the portal shows the same reason")
		})
	}

	again := b.run(t)
	require.Equal(t, erp.ExecutionCounts{}, again.Counts, "errors wait for a person; they are not sent again")
}

func TestShopifyFailingLeavesShipmentsUnsentForTheNextRun(t *testing.T) {
	t.Parallel()
	b := newShipBundle(t, sqliteStore)
	order := b.order(t, "TS-001×1", "TS-002×1", "MUG-002×2")
	b.ship(t, "SH-1", 1, order, "TS-001", 1, "1Z1", "UPS")
	b.ship(t, "SH-2", 1, order, "TS-002", 1, "1Z2", "UPS")

	b.sim.SetFaults(shopifytest.Faults{ServerErrorRate: 1})
	x := b.run(t)
	require.Equal(t, erp.ExecutionCounts{Seen: 2, Retry: 2}, x.Counts)
	require.Equal(t, erp.OutcomeFinished, x.Outcome)
	require.Equal(t, syncState{}, b.state(t, "SH-1"))
	problems, err := b.store.ProblemList(t.Context(), erp.ProblemListParams{ExecutionID: x.ID})
	require.NoError(t, err)
	require.Len(t, problems, 2)
	for _, p := range problems {
		require.Equal(t, passthrough.SeverityRetry, p.Severity)
		require.Contains(t, p.Message, "the next run tries again")
	}

	// A third shipment meets Shopify down too: three in a row stop the run.
	b.ship(t, "SH-3", 1, order, "MUG-002", 2, "1Z3", "UPS")
	stopped, err := b.feed.Run(t.Context())
	require.ErrorContains(t, err, "no answer from Shopify for 3 shipments in a row")
	require.Equal(t, erp.OutcomeFailed, stopped.Outcome)

	b.sim.SetFaults(shopifytest.Faults{})
	healed := b.run(t)
	require.Equal(t, erp.ExecutionCounts{Seen: 3, Written: 3}, healed.Counts)
	for _, id := range []string{"SH-1", "SH-2", "SH-3"} {
		require.Equal(t, "sent", b.state(t, id).status)
	}
}

func TestShipmentsInTestModeWriteNothingToShopify(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, open storeOpener) {
		b := newShipBundle(t, open)
		b.live.Store(false)
		order := b.order(t, "TS-001×3", "MUG-002×1")
		fos := b.sim.FulfillmentOrders(order)
		b.ship(t, "SH-1", 1, order, "TS-001", 2, "1ZTEST", "ups")
		b.ship(t, "SH-1", 2, order, "MUG-002", 1, "1ZTEST", "ups")
		b.sim.ResetRequests()

		x := b.run(t)
		require.Equal(t, erp.ExecutionCounts{Seen: 1, Skipped: 1}, x.Counts)
		for _, r := range b.sim.Requests() {
			require.Equal(t, "GET", r.Method, "test mode only reads: %s %s", r.Method, r.Path)
		}
		require.Empty(t, b.sim.Fulfillments(order))

		var tsFO, mugFO int64
		for _, fo := range fos {
			if fo.AssignedLocationID == b.sim.Locations()[0].ID {
				tsFO = fo.ID
			} else {
				mugFO = fo.ID
			}
		}
		raw, _ := b.sim.Order(order)
		o, err := record.DecodeOrder(raw)
		require.NoError(t, err)
		want := fmt.Sprintf("test mode, nothing sent to Shopify: would create 2 fulfillments on %s with tracking 1ZTEST (UPS), notifying the customer; "+
			"fulfillment order %d: 2 × TS-001 (3 open); fulfillment order %d: 1 × MUG-002 (1 open)", o.Name, tsFO, mugFO)
		require.Equal(t, syncState{status: "test", message: want, synced: true}, b.state(t, "SH-1"))
		problems, err := b.store.ProblemList(t.Context(), erp.ProblemListParams{ExecutionID: x.ID})
		require.NoError(t, err)
		require.Len(t, problems, 1)
		require.Equal(t, passthrough.SeverityInfo, problems[0].Severity)
		require.Equal(t, want, problems[0].Message)

		b.live.Store(true)
		again := b.run(t)
		require.Equal(t, erp.ExecutionCounts{}, again.Counts, "a shipment handled in test mode is not sent when the store goes live")
		require.Empty(t, b.sim.Fulfillments(order))
	})
}

func TestTheOrderIsReadFromTheLedgerWhenTheOrdersFeedHasIt(t *testing.T) {
	t.Parallel()
	b := newShipBundle(t, sqliteStore)
	known := b.order(t, "TS-001×1")
	unknown := b.order(t, "TS-002×1")
	edited := b.order(t, "MUG-002×1")
	for _, id := range []int64{known, edited} {
		raw, _ := b.sim.Order(id)
		if id == edited {
			// Stored before an edit replaced the line: its line item id is no more.
			o, err := record.DecodeOrder(raw)
			require.NoError(t, err)
			raw = []byte(strings.ReplaceAll(string(raw), strconv.FormatInt(o.LineItems[0].ID, 10), "42"))
		}
		require.NoError(t, b.store.LedgerPut(t.Context(), ledger.Entry{Shop: shop, OrderID: id, OrderName: "#stored",
			Status: ledger.StatusStaged, Payload: raw}))
	}
	b.ship(t, "SH-1", 1, known, "TS-001", 1, "1Z1", "UPS")
	b.ship(t, "SH-2", 1, unknown, "TS-002", 1, "1Z2", "UPS")
	b.ship(t, "SH-3", 1, edited, "MUG-002", 1, "1Z3", "UPS")
	b.sim.ResetRequests()

	x := b.run(t)
	require.Equal(t, erp.ExecutionCounts{Seen: 3, Written: 3}, x.Counts)
	fetched := map[int64]bool{}
	for _, r := range b.sim.Requests() {
		for _, id := range []int64{known, unknown, edited} {
			if r.Method == "GET" && strings.HasSuffix(r.Path, "/orders/"+strconv.FormatInt(id, 10)+".json") {
				fetched[id] = true
			}
		}
	}
	require.Equal(t, map[int64]bool{unknown: true, edited: true}, fetched,
		"the order the ledger has is not fetched; the one it lacks, and the one whose stored lines no longer match, are")
}
