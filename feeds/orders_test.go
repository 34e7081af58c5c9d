package feeds_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/erp/erpsqlite"
	"github.com/passthrough-dev/passthrough/adapters/shopify"
	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
	"github.com/passthrough-dev/passthrough/feeds"
	"github.com/passthrough-dev/passthrough/internal/ordertruth"
	"github.com/passthrough-dev/passthrough/ledger"
	"github.com/passthrough-dev/passthrough/mapping"
)

const shop = "acme"

// ordersBundle is the orders feed wired to real parts: the Shopify simulator over HTTP
// through the real client, a real database, the shipped mappings.
type ordersBundle struct {
	sim    *shopifytest.Server
	client *shopify.Client
	store  erp.Store
	db     *sql.DB // the same database, for checking what landed
	feed   *feeds.Orders
}

type storeOpener func(t *testing.T) (erp.Store, *sql.DB)

func sqliteStore(t *testing.T) (erp.Store, *sql.DB) {
	path := filepath.Join(t.TempDir(), "erp.db")
	s, err := erpsqlite.Open(t.Context(), "file:"+path)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	_, err = s.Migrate(t.Context())
	require.NoError(t, err)
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return s, db
}

func newOrdersBundle(t *testing.T, open storeOpener, gen shopifytest.GenOptions) *ordersBundle {
	t.Helper()
	sim := shopifytest.NewServer(shopifytest.WithShop(shop), shopifytest.WithoutRateLimits(), shopifytest.WithGenerated(gen))
	t.Cleanup(sim.Close)
	return newOrdersBundleOn(t, sim, open)
}

// newOrdersBundleOn is newOrdersBundle on a simulator the test made.
func newOrdersBundleOn(t *testing.T, sim *shopifytest.Server, open storeOpener) *ordersBundle {
	t.Helper()
	client, err := shopify.New(shopify.Config{Shop: shop, BaseURL: sim.URL, APIVersion: "2026-07",
		AccessToken: sim.Token, DisablePacing: true, Logger: testLogger(t)})
	require.NoError(t, err)
	set, err := mapping.LoadDir("../mappings")
	require.NoError(t, err)
	store, db := open(t)
	return &ordersBundle{sim: sim, client: client, store: store, db: db, feed: &feeds.Orders{
		Shop: shop, Source: client, Store: store, Log: testLogger(t),
		Mappings:      func() *mapping.Set { return set },
		FirstLookback: 40 * 24 * time.Hour,
		// The simulator stamps updated_at to the second and never twice the same, so the
		// newest orders can be a second ahead of the wall clock: run a minute ahead of it.
		Now: func() time.Time { return time.Now().Add(time.Minute) },
	}}
}

// truth is what the simulator says should be staged: each importable order's shippable
// lines, worked out from the raw payloads without the mapping engine.
func (b *ordersBundle) truth(t *testing.T) map[int64]int {
	t.Helper()
	want, err := ordertruth.Staged(b.sim)
	require.NoError(t, err)
	return want
}

// staged reads back what the ERP tables hold: lines per header, and fails on duplicates.
func (b *ordersBundle) staged(t *testing.T) map[int64]int {
	t.Helper()
	got, err := ordertruth.Held(t.Context(), b.db)
	require.NoError(t, err)
	return got
}

func (b *ordersBundle) run(t *testing.T) erp.Execution {
	t.Helper()
	x, err := b.feed.Run(t.Context(), feeds.OrdersRun{})
	require.NoError(t, err)
	return x
}

func (b *ordersBundle) ledger(t *testing.T, id int64) ledger.Entry {
	t.Helper()
	e, err := b.store.LedgerGet(t.Context(), shop, id)
	require.NoError(t, err)
	return e
}

// findOrder returns the id of a generated order that pred accepts.
func (b *ordersBundle) findOrder(t *testing.T, pred func(o map[string]any) bool) int64 {
	t.Helper()
	for _, id := range b.sim.OrderIDs() {
		raw, _ := b.sim.Order(id)
		var o map[string]any
		require.NoError(t, json.Unmarshal(raw, &o))
		o["id"] = id // as a number the decoder would round it: ids exceed 2^53
		if pred(o) {
			return id
		}
	}
	t.Fatal("no generated order fits")
	return 0
}

func forEachStore(t *testing.T, fn func(t *testing.T, open storeOpener)) {
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); fn(t, sqliteStore) })
	t.Run("postgres", func(t *testing.T) { t.Parallel(); fn(t, postgresStore) })
}

func TestOrdersFeedStagesEveryImportableOrderExactlyOnce(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, open storeOpener) {
		b := newOrdersBundle(t, open, shopifytest.GenOptions{Orders: 600, SKUs: 40, Seed: 7})
		want := b.truth(t)
		require.Greater(t, len(want), 200, "the generated shop should have plenty of importable orders")

		first := b.run(t)
		require.Equal(t, 600, first.Counts.Seen, "every order over several pages was read")
		require.Equal(t, len(want), first.Counts.Written)
		require.Equal(t, want, b.staged(t))

		second := b.run(t)
		require.NotEqual(t, erp.OutcomeFailed, second.Outcome)
		require.Zero(t, second.Counts.Written, "nothing changed, so nothing is staged again")
		require.Equal(t, want, b.staged(t), "a second run adds no header and no line")

		// 600 orders are 3 pages of 250, read in one walk of the window; the second run
		// reads the overlap before its watermark, one page.
		require.Equal(t, 4, b.listCalls(), "one list call per 250 orders")
	})
}

// listCalls counts the simulator's orders.json list calls.
func (b *ordersBundle) listCalls() int {
	n := 0
	for _, r := range b.sim.Requests() {
		if filepath.Base(r.Path) == "orders.json" && r.Method == "GET" {
			n++
		}
	}
	return n
}

func TestOrdersFeedRecordsWhyAnOrderIsNotStaged(t *testing.T) {
	t.Parallel()
	b := newOrdersBundle(t, sqliteStore, shopifytest.GenOptions{Orders: 300, SKUs: 20, Seed: 11})
	x := b.run(t)

	test := b.findOrder(t, func(o map[string]any) bool { return o["test"] == true && o["cancelled_at"] == nil })
	e := b.ledger(t, test)
	require.Equal(t, ledger.StatusSkipped, e.Status)
	require.Equal(t, passthrough.SeverityInfo, e.Severity)
	require.Equal(t, "test order", e.Problem)

	unpaid := b.findOrder(t, func(o map[string]any) bool {
		return o["financial_status"] == "pending" && o["test"] == false && o["cancelled_at"] == nil
	})
	e = b.ledger(t, unpaid)
	require.Equal(t, ledger.StatusWaiting, e.Status)
	require.Equal(t, passthrough.SeverityRetry, e.Severity)
	require.Equal(t, "not paid yet: financial status is pending", e.Problem)
	require.NotEmpty(t, e.Payload)
	require.Equal(t, int64(x.ID), e.RunID)

	cancelled := b.findOrder(t, func(o map[string]any) bool { return o["cancelled_at"] != nil })
	require.Equal(t, ledger.StatusSkipped, b.ledger(t, cancelled).Status)

	problems, err := b.store.ProblemList(t.Context(), erp.ProblemListParams{ExecutionID: x.ID, Limit: 1000})
	require.NoError(t, err)
	require.Equal(t, x.Counts.Skipped+x.Counts.Retry+x.Counts.Errors, len(problems))
}

func TestAnOrderPaidBetweenRunsIsStaged(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, open storeOpener) {
		b := newOrdersBundle(t, open, shopifytest.GenOptions{Orders: 120, SKUs: 20, Seed: 3})
		b.run(t)
		id := b.findOrder(t, func(o map[string]any) bool {
			return o["financial_status"] == "pending" && o["test"] == false && o["cancelled_at"] == nil
		})
		require.Equal(t, ledger.StatusWaiting, b.ledger(t, id).Status)
		_, staged := b.staged(t)[id]
		require.False(t, staged)

		require.NoError(t, b.sim.PayOrder(id))
		x := b.run(t)
		require.Equal(t, 1, x.Counts.Written, "only the order that changed is staged")
		require.Equal(t, ledger.StatusStaged, b.ledger(t, id).Status)
		require.Equal(t, b.truth(t), b.staged(t))
	})
}

func TestAnOrderCancelledAfterStaging(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, open storeOpener) {
		b := newOrdersBundle(t, open, shopifytest.GenOptions{Orders: 120, SKUs: 20, Seed: 5})
		b.run(t)
		want := b.truth(t)
		var ids []int64
		for id := range want {
			ids = append(ids, id)
			if len(ids) == 2 {
				break
			}
		}
		notImported, imported := ids[0], ids[1]
		_, err := b.db.ExecContext(t.Context(), `UPDATE s_orders SET import_status = 'IMPORTED', erp_order_no = 'SO-0042' WHERE web_order_id = `+itoa(imported))
		require.NoError(t, err)

		require.NoError(t, b.sim.CancelOrder(notImported, "customer"))
		require.NoError(t, b.sim.CancelOrder(imported, "customer"))
		b.run(t)

		var cancelled bool
		require.NoError(t, b.db.QueryRowContext(t.Context(), `SELECT cancelled FROM s_orders WHERE web_order_id = `+itoa(notImported)).Scan(&cancelled))
		require.True(t, cancelled, "the header of an order the ERP has not imported says cancelled")
		e := b.ledger(t, notImported)
		require.Equal(t, ledger.StatusCancelled, e.Status)

		require.NoError(t, b.db.QueryRowContext(t.Context(), `SELECT cancelled FROM s_orders WHERE web_order_id = `+itoa(imported)).Scan(&cancelled))
		require.False(t, cancelled, "an imported order's staged rows are left alone")
		e = b.ledger(t, imported)
		require.Equal(t, passthrough.SeverityError, e.Severity)
		require.Equal(t, "cancelled in Shopify after the ERP imported it as SO-0042: cancel the order in the ERP", e.Problem)
	})
}

func TestAnOrderEditedAfterStagingIsStagedAgainUntilImported(t *testing.T) {
	t.Parallel()
	b := newOrdersBundle(t, sqliteStore, shopifytest.GenOptions{Orders: 80, SKUs: 20, Seed: 9})
	b.run(t)
	id := b.findOrder(t, func(o map[string]any) bool {
		lines, _ := o["line_items"].([]any)
		return o["financial_status"] == "paid" && o["test"] == false && o["cancelled_at"] == nil && len(lines) >= 2
	})
	before := b.staged(t)[id]
	require.Positive(t, before)

	// The customer drops the first line: it stays with a current quantity of 0.
	editFirstLine := func(o map[string]any) {
		lines := o["line_items"].([]any)
		lines[0].(map[string]any)["current_quantity"] = 0
	}
	require.NoError(t, b.sim.UpdateOrder(id, editFirstLine))
	x := b.run(t)
	require.Equal(t, 1, x.Counts.Written)
	require.Equal(t, before-1, b.staged(t)[id], "the lines are replaced, never added to")

	_, err := b.db.ExecContext(t.Context(), `UPDATE s_orders SET import_status = 'IMPORTED' WHERE web_order_id = `+itoa(id))
	require.NoError(t, err)
	require.NoError(t, b.sim.UpdateOrder(id, func(o map[string]any) {
		o["line_items"].([]any)[1].(map[string]any)["current_quantity"] = 0
	}))
	b.run(t)
	require.Equal(t, before-1, b.staged(t)[id], "an imported order is not staged again")
	e := b.ledger(t, id)
	require.Equal(t, passthrough.SeverityError, e.Severity)
	require.Contains(t, e.Problem, "edited in Shopify after the ERP imported it")
}

// cancelAfter wraps the source so that the run's context is cancelled after a number of
// pages, and counts the pages handed out.
type cancelAfter struct {
	feeds.OrderSource
	pages  atomic.Int32
	after  int32
	cancel context.CancelFunc
}

func (c *cancelAfter) OrderPages(ctx context.Context, q shopify.OrderQuery, fn func(shopify.OrderPage) error) error {
	return c.OrderSource.OrderPages(ctx, q, func(page shopify.OrderPage) error {
		if c.pages.Add(1) > c.after {
			c.cancel()
		}
		return fn(page)
	})
}

func TestRunsStoppedAtRandomPointsLeaveNothingHalfWritten(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, open storeOpener) {
		b := newOrdersBundle(t, open, shopifytest.GenOptions{Orders: 700, SKUs: 30, Seed: 13})
		src := b.feed.Source
		rng := rand.New(rand.NewPCG(1, 2))
		want := b.truth(t)
		for i := range 25 {
			ctx, cancel := context.WithCancel(t.Context())
			if i%2 == 0 {
				// Stop after a random time: anywhere, between or inside pages.
				time.AfterFunc(time.Duration(rng.IntN(40))*time.Millisecond, cancel)
			}
			b.feed.Source = &cancelAfter{OrderSource: src, after: int32(rng.IntN(4)), cancel: cancel}
			x, err := b.feed.Run(ctx, feeds.OrdersRun{})
			if err != nil {
				require.ErrorIs(t, err, context.Canceled)
				if x.ID != 0 { // (stopped before it even started: nothing to record)
					require.Equal(t, erp.OutcomeFailed, x.Outcome)
				}
			}
			cancel()
			// Whatever happened, every header written has all its lines.
			for id, n := range b.staged(t) {
				require.Equal(t, want[id], n, "order %d is half-written", id)
			}
		}
		b.feed.Source = src
		x := b.run(t)
		require.Equal(t, erp.OutcomeFinished, x.Outcome)
		require.Equal(t, b.truth(t), b.staged(t))
	})
}

// failingStore is the ERP database going away after a number of staged orders.
type failingStore struct {
	erp.Store
	left atomic.Int32
}

func (s *failingStore) OrderStage(ctx context.Context, p erp.OrderStageParams) error {
	if s.left.Add(-1) < 0 {
		return errors.New("dial tcp 127.0.0.1:1433: connect: connection refused")
	}
	return s.Store.OrderStage(ctx, p)
}

func TestAnERPThatGoesAwayFailsTheRunAndLosesNothing(t *testing.T) {
	t.Parallel()
	b := newOrdersBundle(t, sqliteStore, shopifytest.GenOptions{Orders: 300, SKUs: 20, Seed: 17})
	healthy := b.feed.Store
	broken := &failingStore{Store: b.store}
	broken.left.Store(40)
	b.feed.Store = broken

	x, err := b.feed.Run(t.Context(), feeds.OrdersRun{})
	require.ErrorContains(t, err, "connection refused")
	require.Equal(t, erp.OutcomeFailed, x.Outcome)
	got, err := b.store.ExecutionGet(t.Context(), x.ID)
	require.NoError(t, err)
	require.Equal(t, erp.OutcomeFailed, got.Outcome)
	require.Contains(t, got.Error, "connection refused")

	// The watermark stayed before every order that was not written.
	wm, err := b.store.WatermarkGet(t.Context(), shop, feeds.FeedOrders)
	if err == nil {
		staged := b.staged(t)
		for id := range b.truth(t) {
			if _, ok := staged[id]; ok {
				continue
			}
			raw, _ := b.sim.Order(id)
			var o struct {
				UpdatedAt time.Time `json:"updated_at"`
			}
			require.NoError(t, json.Unmarshal(raw, &o))
			require.False(t, o.UpdatedAt.Before(wm), "order %d (updated %s) is behind the watermark %s but not staged", id, o.UpdatedAt, wm)
		}
	} else {
		require.ErrorIs(t, err, erp.ErrNotFound)
	}

	b.feed.Store = healthy
	x = b.run(t)
	require.Equal(t, erp.OutcomeFinished, x.Outcome)
	require.Equal(t, b.truth(t), b.staged(t))
}

func TestShopifyFailingThirtyPercentStillStagesEveryOrder(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, open storeOpener) {
		b := newOrdersBundle(t, open, shopifytest.GenOptions{Orders: 600, SKUs: 30, Seed: 19})
		b.sim.SetFaults(shopifytest.Faults{ServerErrorRate: 0.2, TooManyRequestsRate: 0.1, RetryAfter: 10 * time.Millisecond})
		var last erp.Execution
		for range 10 {
			x, err := b.feed.Run(t.Context(), feeds.OrdersRun{})
			last = x
			if err == nil {
				break
			}
			require.ErrorIs(t, err, shopify.ErrRetryable)
		}
		require.Equal(t, erp.OutcomeFinished, last.Outcome)
		require.Equal(t, b.truth(t), b.staged(t))
	})
}

func TestABackfillResumesWhereItStopped(t *testing.T) {
	t.Parallel()
	b := newOrdersBundle(t, sqliteStore, shopifytest.GenOptions{Orders: 400, SKUs: 20, Seed: 23})
	now := b.feed.Now().UTC()
	window := feeds.OrdersRun{Since: now.Add(-35 * 24 * time.Hour), Resume: true}

	ctx, cancel := context.WithCancel(t.Context())
	var seen []feeds.OrdersProgress
	stopAt := window
	stopAt.Progress = func(p feeds.OrdersProgress) {
		seen = append(seen, p)
		cancel() // after the first page
	}
	_, err := b.feed.Run(ctx, stopAt)
	require.ErrorIs(t, err, context.Canceled)
	require.Len(t, seen, 1)
	require.Equal(t, feeds.OrdersProgress{Seen: 250, Total: 400}, seen[0])
	require.Equal(t, 0.625, seen[0].Fraction())

	b.sim.ResetRequests()
	var resumed []feeds.OrdersProgress
	again := window
	again.Progress = func(p feeds.OrdersProgress) { resumed = append(resumed, p) }
	x, err := b.feed.Run(t.Context(), again)
	require.NoError(t, err)
	require.Equal(t, erp.OutcomeFinished, x.Outcome)
	require.Equal(t, 150, x.Counts.Seen, "the finished page is not read again")
	last := resumed[len(resumed)-1]
	require.True(t, last.Done)
	require.Equal(t, 150, last.Total)
	require.Equal(t, 1.0, last.Fraction())
	require.Equal(t, b.truth(t), b.staged(t))
	_, err = b.store.WatermarkGet(t.Context(), shop, feeds.FeedOrders)
	require.ErrorIs(t, err, erp.ErrNotFound, "a backfill leaves the schedule's watermark alone")

	// Asked again, a finished backfill runs whole: nothing is written twice.
	x, err = b.feed.Run(t.Context(), window)
	require.NoError(t, err)
	require.Equal(t, 400, x.Counts.Seen)
	require.Zero(t, x.Counts.Written)
	var rows int
	require.NoError(t, b.db.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM pt_settings WHERE name LIKE 'orders.backfill:%'`).Scan(&rows))
	require.Equal(t, 1, rows, "one window, one row of progress, however often it runs")
}

// However long ago a backfill starts, it costs one list call per 250 orders (and one count
// for its progress), not one per slice of time.
func TestABackfillFromTheYear2000CostsAboutOneCallPer250Orders(t *testing.T) {
	t.Parallel()
	b := newOrdersBundle(t, sqliteStore, shopifytest.GenOptions{Orders: 600, SKUs: 20, Seed: 37})
	since := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	x, err := b.feed.Run(t.Context(), feeds.OrdersRun{Since: since, Resume: true, Progress: func(feeds.OrdersProgress) {}})
	require.NoError(t, err)
	require.Equal(t, 600, x.Counts.Seen)
	require.Equal(t, 3, b.listCalls(), "⌈600/250⌉ list calls")
	require.Equal(t, b.truth(t), b.staged(t))
}

func TestOperatorRetrySkipAndReprocess(t *testing.T) {
	t.Parallel()
	b := newOrdersBundle(t, sqliteStore, shopifytest.GenOptions{Orders: 60, SKUs: 10, Seed: 29})
	importable := func(o map[string]any) bool {
		return o["financial_status"] == "paid" && o["test"] == false && o["cancelled_at"] == nil
	}
	dropSKUs := func(o map[string]any) {
		for _, l := range o["line_items"].([]any) {
			l.(map[string]any)["sku"] = ""
		}
	}
	id := b.findOrder(t, importable)
	other := b.findOrder(t, func(o map[string]any) bool { return importable(o) && o["id"] != id })
	require.NoError(t, b.sim.UpdateOrder(id, dropSKUs))
	require.NoError(t, b.sim.UpdateOrder(other, dropSKUs))

	// A line without a SKU fails the order with severity error.
	x := b.run(t)
	require.Equal(t, erp.OutcomeFinishedPartially, x.Outcome)
	e := b.ledger(t, id)
	require.Equal(t, ledger.StatusFailed, e.Status)
	require.Equal(t, passthrough.SeverityError, e.Severity)
	require.Contains(t, e.Problem, "no SKU: the ERP needs an item code on every line")

	// The operator skips it; runs leave it alone, even when it changes.
	require.NoError(t, b.feed.Skip(t.Context(), id, "ann", "sold in the shop"))
	require.NoError(t, b.sim.UpdateOrder(id, func(o map[string]any) { o["note"] = "changed" }))
	b.run(t)
	e = b.ledger(t, id)
	require.Equal(t, ledger.StatusExcluded, e.Status)
	require.Equal(t, "ann", e.Actor)
	require.Equal(t, "skipped by ann: sold in the shop", e.Problem)

	// The status keeps runs away, not the words: a reworded message changes nothing.
	_, err := b.db.ExecContext(t.Context(), `UPDATE pt_order_ledger SET problem = 'not for the ERP (ann)' WHERE order_id = ?`, id)
	require.NoError(t, err)
	require.NoError(t, b.sim.UpdateOrder(id, func(o map[string]any) { o["note"] = "changed again" }))
	b.run(t)
	require.Equal(t, ledger.StatusExcluded, b.ledger(t, id).Status)

	// Someone fixes the SKUs in Shopify; the operator retries.
	require.NoError(t, b.sim.UpdateOrder(id, func(o map[string]any) {
		for i, l := range o["line_items"].([]any) {
			l.(map[string]any)["sku"] = "FIXED-" + itoa(int64(i))
		}
	}))
	r, err := b.feed.Retry(t.Context(), id, "bob")
	require.NoError(t, err)
	require.True(t, r.Wrote)
	require.True(t, r.Changed)
	require.Equal(t, ledger.StatusStaged, r.Entry.Status)
	e = b.ledger(t, id)
	require.Equal(t, ledger.StatusStaged, e.Status)
	require.Equal(t, "bob", e.Actor, "the retry staged it")
	require.Zero(t, e.RunID)
	events, err := b.store.LedgerEventList(t.Context(), shop, id)
	require.NoError(t, err)
	var who []string
	for _, ev := range events {
		who = append(who, fmt.Sprintf("%s by %q run %t", ev.Status, ev.Actor, ev.RunID != 0))
	}
	require.Equal(t, []string{`failed by "" run true`, `excluded by "ann" run false`, `staged by "bob" run false`}, who,
		"the retry is one step of the history, never a failure of its own")

	// A mapping change: orders that failed are mapped again from their stored payloads.
	require.Equal(t, ledger.StatusFailed, b.ledger(t, other).Status)
	src, err := os.ReadFile("../mappings/orders.yaml")
	require.NoError(t, err)
	const failing = `fail("no SKU: the ERP needs an item code on every line")`
	require.Contains(t, string(src), failing)
	fixed, err := mapping.Parse("orders.yaml", []byte(strings.Replace(string(src), failing, `"NOSKU"`, 1)))
	require.NoError(t, err)
	b.feed.Mappings = func() *mapping.Set { return fixed }
	n, err := b.feed.Reprocess(t.Context())
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Equal(t, ledger.StatusStaged, b.ledger(t, other).Status)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// A mapping that names a table the ERP does not have fails the orders it maps, for a person
// to see, and the run goes on; the operator's Retry says the same, never "not found" (which
// the portal would read as an order missing from the ledger).
func TestAMappingNamingAMissingTableFailsTheOrderNotTheRun(t *testing.T) {
	t.Parallel()
	b := newOrdersBundle(t, sqliteStore, shopifytest.GenOptions{Orders: 20, SKUs: 5, Seed: 31})
	src, err := os.ReadFile("../mappings/orders.yaml")
	require.NoError(t, err)
	const table = "table: s_orders\n"
	require.Contains(t, string(src), table)
	wrong, err := mapping.Parse("orders.yaml", []byte(strings.Replace(string(src), table, "table: s_orderz\n", 1)))
	require.NoError(t, err)
	b.feed.Mappings = func() *mapping.Set { return wrong }

	x := b.run(t)
	require.Equal(t, erp.OutcomeFinishedPartially, x.Outcome, "the run finishes: one order's mapping is not the run's failure")
	failed, err := b.store.LedgerList(t.Context(), erp.LedgerListParams{Shop: shop, Status: ledger.StatusFailed, Limit: 1})
	require.NoError(t, err)
	require.NotEmpty(t, failed)
	id := failed[0].OrderID
	require.Contains(t, failed[0].Problem, "table s_orderz is not in the database")

	_, err = b.feed.Retry(t.Context(), id, "bob")
	require.NotErrorIs(t, err, erp.ErrNotFound)
	require.NoError(t, err, "Retry records the refusal on the order, as a run does")
	e := b.ledger(t, id)
	require.Equal(t, ledger.StatusFailed, e.Status)
	require.Contains(t, e.Problem, "table s_orderz is not in the database")
}

// Each run records what it cost of the store's Shopify budget: here, every REST request the
// simulator answered during the run.
func TestARunRecordsWhatItCostOfTheShopifyBudget(t *testing.T) {
	t.Parallel()
	b := newOrdersBundle(t, sqliteStore, shopifytest.GenOptions{Orders: 600, SKUs: 20, Seed: 37})
	x := b.run(t)
	sent := len(b.sim.Requests())
	require.Positive(t, sent)
	require.Equal(t, int64(sent), x.Usage.RESTCalls)
	require.Zero(t, x.Usage.GraphQLPoints, "the orders feed reads REST only")
	stored, err := b.store.ExecutionGet(t.Context(), x.ID)
	require.NoError(t, err)
	require.Equal(t, x.Usage, stored.Usage)

	again := b.run(t)
	require.Equal(t, int64(len(b.sim.Requests())-sent), again.Usage.RESTCalls, "a run counts its own calls only")
}
