package feeds_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
	"github.com/passthrough-dev/passthrough/ledger"
)

// problemOf is the open problem record of an order, or of another feed's record; nil when
// it has none.
func problemOf(t *testing.T, store erp.Store, feed, key string) *erp.ProblemRecord {
	t.Helper()
	recs, err := store.ProblemRecordList(t.Context(), erp.ProblemRecordListParams{Shop: shop, Feed: feed, RecordKey: key})
	require.NoError(t, err)
	if len(recs) == 0 {
		return nil
	}
	return &recs[0]
}

var dropSKUs = func(o map[string]any) {
	for _, l := range o["line_items"].([]any) {
		l.(map[string]any)["sku"] = ""
	}
}

func importable(o map[string]any) bool {
	return o["financial_status"] == "paid" && o["test"] == false && o["cancelled_at"] == nil
}

func TestProblemsAreClassedAndEndWhenTheRecordGoesThrough(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, open storeOpener) {
		b := newOrdersBundle(t, open, shopifytest.GenOptions{Orders: 40, SKUs: 10, Seed: 71})
		id := b.findOrder(t, importable)
		other := b.findOrder(t, func(o map[string]any) bool { return importable(o) && o["id"] != id })
		require.NoError(t, b.sim.UpdateOrder(id, dropSKUs))
		require.NoError(t, b.sim.UpdateOrder(other, dropSKUs))
		x := b.run(t)

		classes, err := b.store.ProblemClassList(t.Context(), erp.ProblemClassListParams{Shop: shop, Feed: "orders", Severity: passthrough.SeverityError})
		require.NoError(t, err)
		require.Len(t, classes, 1, "two orders failing for the same reason are one class")
		require.Equal(t, 2, classes[0].Open)
		require.Contains(t, classes[0].Template, "no SKU: the ERP needs an item code on every line")
		rec := problemOf(t, b.store, "orders", strconv.FormatInt(id, 10))
		require.Equal(t, erp.ProblemOpen, rec.Status)
		require.Equal(t, x.ID, rec.ExecutionID)

		// The SKUs are fixed in Shopify: the next run stages the order, and its problem ends.
		require.NoError(t, b.sim.UpdateOrder(id, func(o map[string]any) {
			for i, l := range o["line_items"].([]any) {
				l.(map[string]any)["sku"] = "FIXED-" + strconv.Itoa(i)
			}
		}))
		x = b.run(t)
		require.Equal(t, ledger.StatusStaged, b.ledger(t, id).Status)
		rec = problemOf(t, b.store, "orders", strconv.FormatInt(id, 10))
		require.Equal(t, erp.ProblemSucceeded, rec.Status)
		require.Empty(t, rec.ResolvedBy, "the feed ended it, no person")
		require.Equal(t, "went through in run "+strconv.FormatInt(x.ID, 10), rec.Resolution)
		c, err := b.store.ProblemClassGet(t.Context(), shop, classes[0].ID)
		require.NoError(t, err)
		require.Equal(t, 1, c.Open, "the other order still has it")

		// The order is found by its SKU.
		page, err := b.store.LedgerList(t.Context(), erp.LedgerListParams{Shop: shop, Search: "fixed-0"})
		require.NoError(t, err)
		require.Len(t, page, 1)
		require.Equal(t, id, page[0].OrderID)
	})
}

func TestRetrySaysWhatItCameTo(t *testing.T) {
	t.Parallel()
	b := newOrdersBundle(t, sqliteStore, shopifytest.GenOptions{Orders: 40, SKUs: 10, Seed: 73})
	b.run(t)
	waiting := b.findOrder(t, func(o map[string]any) bool {
		return o["financial_status"] == "pending" && o["test"] == false && o["cancelled_at"] == nil
	})
	require.Equal(t, ledger.StatusWaiting, b.ledger(t, waiting).Status)

	t.Run("a retry that changes nothing is still in the history, by the operator, and not as a failure", func(t *testing.T) {
		before, err := b.store.LedgerEventList(t.Context(), shop, waiting)
		require.NoError(t, err)
		r, err := b.feed.Retry(t.Context(), waiting, "otto")
		require.NoError(t, err)
		require.False(t, r.Wrote)
		require.False(t, r.Changed)
		require.Equal(t, ledger.StatusWaiting, r.Entry.Status)
		after, err := b.store.LedgerEventList(t.Context(), shop, waiting)
		require.NoError(t, err)
		require.Len(t, after, len(before)+1)
		last := after[len(after)-1]
		require.Equal(t, "otto", last.Actor)
		require.Equal(t, ledger.StatusWaiting, last.Status)
		require.Equal(t, passthrough.SeverityRetry, last.Severity)
		require.True(t, strings.HasPrefix(last.Message, "retried by otto; nothing changed: not paid yet"), last.Message)
	})

	t.Run("a retry of an order the ERP imported writes nothing", func(t *testing.T) {
		staged := b.stagedIDs(t)[0]
		b.importOrder(t, staged)
		r, err := b.feed.Retry(t.Context(), staged, "otto")
		require.NoError(t, err)
		require.False(t, r.Wrote)
		require.Equal(t, "IMPORTED", r.Entry.ImportStatus)
	})

	t.Run("an order cancelled after staging is not retried", func(t *testing.T) {
		e := b.ledger(t, b.stagedIDs(t)[1])
		e.Status = ledger.StatusCancelled
		require.NoError(t, b.store.LedgerPut(t.Context(), e))
		_, err := b.feed.Retry(t.Context(), e.OrderID, "otto")
		sev, ok := passthrough.SeverityOf(err)
		require.True(t, ok, "%v", err)
		require.Equal(t, passthrough.SeverityInfo, sev)
	})
}

func TestResolveAndSkipEndTheOrdersProblem(t *testing.T) {
	t.Parallel()
	b := newOrdersBundle(t, sqliteStore, shopifytest.GenOptions{Orders: 40, SKUs: 10, Seed: 79})
	failed := b.findOrder(t, importable)
	skipped := b.findOrder(t, func(o map[string]any) bool { return importable(o) && o["id"] != failed })
	require.NoError(t, b.sim.UpdateOrder(failed, dropSKUs))
	require.NoError(t, b.sim.UpdateOrder(skipped, dropSKUs))
	b.run(t)

	require.NoError(t, b.feed.Resolve(t.Context(), failed, "ann", "entered in the ERP by hand"))
	e := b.ledger(t, failed)
	require.Equal(t, ledger.StatusExcluded, e.Status, "the feeds leave it alone now")
	require.Equal(t, "resolved by ann: entered in the ERP by hand", e.Problem)
	rec := problemOf(t, b.store, "orders", strconv.FormatInt(failed, 10))
	require.Equal(t, []string{erp.ProblemResolved, "ann", "entered in the ERP by hand"}, []string{rec.Status, rec.ResolvedBy, rec.Resolution})
	_, ok := passthrough.SeverityOf(b.feed.Resolve(t.Context(), failed, "ann", "again"))
	require.True(t, ok, "an order without a problem has nothing to resolve")

	require.NoError(t, b.feed.Skip(t.Context(), skipped, "ann", "sold in the shop"))
	rec = problemOf(t, b.store, "orders", strconv.FormatInt(skipped, 10))
	require.Equal(t, []string{erp.ProblemResolved, "ann", "skipped: sold in the shop"}, []string{rec.Status, rec.ResolvedBy, rec.Resolution})
	_, ok = passthrough.SeverityOf(b.feed.Skip(t.Context(), skipped, "ann", "again"))
	require.True(t, ok, "an excluded order is not skipped again")

	t.Run("a staged order with a problem stays staged when resolved", func(t *testing.T) {
		id := b.stagedIDs(t)[0]
		b.importOrder(t, id)
		require.NoError(t, b.sim.UpdateOrder(id, func(o map[string]any) { o["email"] = "new.address@example.com" }))
		b.run(t)
		require.Equal(t, passthrough.SeverityError, b.ledger(t, id).Severity)
		require.NoError(t, b.feed.Resolve(t.Context(), id, "ann", "changed in the ERP"))
		e := b.ledger(t, id)
		require.Equal(t, ledger.StatusStaged, e.Status)
		require.Empty(t, e.Severity)
		require.Equal(t, "resolved by ann: changed in the ERP", e.Problem)
	})
}

func TestStagedIsWhatTheTablesHoldAndMappedWhatTheMappingMakes(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, open storeOpener) {
		b := newOrdersBundle(t, open, shopifytest.GenOptions{Orders: 30, SKUs: 10, Seed: 83})
		b.run(t)
		id := b.stagedIDs(t)[0]
		b.useMapping(t, func(src string) string {
			return strings.Replace(src, `payment_terms: defaults.payment_terms`, `payment_terms: '"NET45"'`, 1)
		})
		staged, err := b.feed.Staged(t.Context(), id)
		require.NoError(t, err)
		terms, _ := staged.HeaderRow.Get("payment_terms")
		require.Equal(t, "NET30", terms, "the tables hold what was staged")
		require.Len(t, staged.LineRows, b.staged(t)[id])
		mapped, err := b.feed.Mapped(t.Context(), id)
		require.NoError(t, err)
		terms, _ = mapped.HeaderRow.Get("payment_terms")
		require.Equal(t, "NET45", terms, "the current mapping would stage another value")

		_, err = b.feed.Staged(t.Context(), 4040404)
		require.ErrorIs(t, err, erp.ErrNotFound)
	})
}

func TestAShipmentRetriedGoesThroughAndItsProblemEnds(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, open storeOpener) {
		b := newShipBundle(t, open)
		order := b.order(t, "TS-001×2")
		b.ship(t, "SH-1", 1, order, "TS-999", 1, "1Z1", "UPS")
		b.run(t)
		require.Equal(t, "error", b.state(t, "SH-1").status)
		require.Equal(t, erp.ProblemOpen, problemOf(t, b.store, "shipments", "SH-1").Status)

		// The ERP's clerk corrects the SKU; the operator retries.
		execSQL(t, b.store, b.db, `UPDATE external_order_shipments SET item_code = ? WHERE shipment_id = ?`, "TS-001", "SH-1")
		n, err := b.feed.Retry(t.Context(), "SH-1")
		require.NoError(t, err)
		require.Equal(t, 1, n)
		x := b.run(t)
		require.Equal(t, "sent", b.state(t, "SH-1").status)
		rec := problemOf(t, b.store, "shipments", "SH-1")
		require.Equal(t, erp.ProblemSucceeded, rec.Status)
		require.Equal(t, "went through in run "+strconv.FormatInt(x.ID, 10), rec.Resolution)

		made, err := b.store.ShipmentFulfillmentList(t.Context(), shop, []string{"SH-1"})
		require.NoError(t, err)
		require.Len(t, made, 1, "the fulfillment the shipment made is kept")
		require.Equal(t, b.sim.Fulfillments(order)[0].ID, made[0].FulfillmentID)

		_, err = b.feed.Retry(t.Context(), "SH-1")
		require.ErrorIs(t, err, erp.ErrNotFound, "a sent shipment is not sent again")
	})
}
