package feeds_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
	"github.com/passthrough-dev/passthrough/feeds"
	"github.com/passthrough-dev/passthrough/ledger"
	"github.com/passthrough-dev/passthrough/mapping"
)

// useMapping makes the feed map with the shipped orders.yaml changed by edit.
func (b *ordersBundle) useMapping(t *testing.T, edit func(src string) string) {
	t.Helper()
	src, err := os.ReadFile("../mappings/orders.yaml")
	require.NoError(t, err)
	set, err := mapping.Parse("orders.yaml", []byte(edit(string(src))))
	require.NoError(t, err)
	b.feed.Mappings = func() *mapping.Set { return set }
}

// refetch reads every order again, as the daily re-fetch does.
func (b *ordersBundle) refetch(t *testing.T) erp.Execution {
	t.Helper()
	x, err := b.feed.Run(t.Context(), feeds.OrdersRun{Since: time.Now().Add(-60 * 24 * time.Hour)})
	require.NoError(t, err)
	return x
}

func (b *ordersBundle) header(t *testing.T, id int64, col string) string {
	t.Helper()
	var v *string
	require.NoError(t, b.db.QueryRowContext(t.Context(), `SELECT `+col+` FROM s_orders WHERE web_order_id = `+itoa(id)).Scan(&v))
	if v == nil {
		return ""
	}
	return *v
}

func (b *ordersBundle) importOrder(t *testing.T, id int64) {
	t.Helper()
	_, err := b.db.ExecContext(t.Context(), `UPDATE s_orders SET import_status = 'IMPORTED', erp_order_no = 'SO-`+itoa(id%1000)+`' WHERE web_order_id = `+itoa(id))
	require.NoError(t, err)
}

// stagedIDs lists the orders staged, in a stable order.
func (b *ordersBundle) stagedIDs(t *testing.T) []int64 {
	t.Helper()
	var ids []int64
	for _, id := range b.sim.OrderIDs() {
		if _, ok := b.staged(t)[id]; ok {
			ids = append(ids, id)
		}
	}
	return ids
}

func TestAMappingChangeRemapsOnlyOrdersTheERPHasNotImported(t *testing.T) {
	t.Parallel()
	b := newOrdersBundle(t, sqliteStore, shopifytest.GenOptions{Orders: 120, SKUs: 20, Seed: 41})
	b.run(t)
	ids := b.stagedIDs(t)
	require.Greater(t, len(ids), 20)
	imported, waiting := ids[:10], ids[10:20]
	for _, id := range imported {
		b.importOrder(t, id)
	}

	b.useMapping(t, func(src string) string {
		return strings.Replace(src, `payment_terms: "NET30"`, `payment_terms: "NET45"`, 1)
	})
	x := b.refetch(t)
	require.Zero(t, x.Counts.Errors, "a changed default is not an edit in Shopify")
	for _, id := range imported {
		require.Equal(t, "NET30", b.header(t, id, "payment_terms"), "the ERP's order is left as it imported it")
		e := b.ledger(t, id)
		require.Equal(t, ledger.StatusStaged, e.Status)
		require.Empty(t, e.Severity, e.Problem)
	}
	for _, id := range waiting {
		require.Equal(t, "NET45", b.header(t, id, "payment_terms"), "an order the ERP has not imported is mapped again")
	}
}

// Before, every imported order the next window read again was flagged "edited in Shopify
// after the ERP imported it" when the mapping changed, and stayed so. Such an entry, as the
// old feed left it (its print a hash of the rows alone), clears when the order is read again
// unchanged.
func TestAnOldEditedAfterImportErrorClearsWhenTheOrderIsReadAgainUnchanged(t *testing.T) {
	t.Parallel()
	b := newOrdersBundle(t, sqliteStore, shopifytest.GenOptions{Orders: 80, SKUs: 20, Seed: 43})
	b.run(t)
	id := b.stagedIDs(t)[0]
	b.importOrder(t, id)
	_, err := b.db.ExecContext(t.Context(), `UPDATE pt_order_ledger SET payload_hash = ?, severity = 'error',
		problem = 'edited in Shopify after the ERP imported it: lines or totals differ; change the order in the ERP' WHERE order_id = ?`,
		strings.Repeat("ab", 32), id)
	require.NoError(t, err)

	b.refetch(t)
	e := b.ledger(t, id)
	require.Equal(t, ledger.StatusStaged, e.Status)
	require.Empty(t, e.Severity)
	require.Empty(t, e.Problem)
	b.refetch(t)
	require.Empty(t, b.ledger(t, id).Severity, "and stays clear")
}

func TestAnEditAfterImportSaysWhatChangedUntilAnOperatorAcceptsIt(t *testing.T) {
	t.Parallel()
	b := newOrdersBundle(t, sqliteStore, shopifytest.GenOptions{Orders: 80, SKUs: 20, Seed: 47})
	b.run(t)
	id := b.findOrder(t, func(o map[string]any) bool {
		return o["financial_status"] == "paid" && o["test"] == false && o["cancelled_at"] == nil && o["shipping_address"] != nil
	})
	b.importOrder(t, id)

	// Our own shipment, a tag: Shopify moves updated_at, the ERP's order is the same.
	require.NoError(t, b.sim.UpdateOrder(id, func(o map[string]any) {
		o["fulfillment_status"], o["tags"], o["note"] = "fulfilled", "shipped", "thanks"
	}))
	x := b.run(t)
	require.Zero(t, x.Counts.Errors)
	require.Empty(t, b.ledger(t, id).Severity)

	require.NoError(t, b.sim.UpdateOrder(id, func(o map[string]any) {
		o["shipping_address"].(map[string]any)["address1"] = "1 New Street"
	}))
	b.run(t)
	e := b.ledger(t, id)
	require.Equal(t, ledger.StatusStaged, e.Status)
	require.Equal(t, passthrough.SeverityError, e.Severity)
	require.Equal(t, "edited in Shopify after the ERP imported it as SO-"+itoa(id%1000)+
		": its addresses changed; change the order in the ERP, then Retry it here", e.Problem)
	b.run(t)
	require.Equal(t, passthrough.SeverityError, b.ledger(t, id).Severity, "read again, it is still so")

	_, err := b.feed.Retry(t.Context(), id, "bob")
	require.NoError(t, err)
	e = b.ledger(t, id)
	require.Equal(t, ledger.StatusStaged, e.Status)
	require.Empty(t, e.Severity)
	require.Equal(t, "the change in Shopify was accepted by bob", e.Problem)
	b.refetch(t)
	require.Empty(t, b.ledger(t, id).Severity, "the accepted version is the ERP's now")
}

// A staged order whose new rows the ERP refuses (a mapping now names a column the table does
// not have) was marked failed while its old rows were still in s_orders, and its units still
// counted as committed. It stays staged now, with the problem, until a later attempt succeeds.
func TestAStagedOrderWhoseNewRowsAreRefusedStaysStaged(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, open storeOpener) {
		b := newOrdersBundle(t, open, shopifytest.GenOptions{Orders: 80, SKUs: 20, Seed: 53})
		b.run(t)
		id := b.stagedIDs(t)[0]
		before := b.staged(t)

		b.useMapping(t, func(src string) string {
			return strings.Replace(src, "    comment: cut(order.note, 250)", "    remarks: cut(order.note, 250)", 1)
		})
		x := b.refetch(t)
		require.Positive(t, x.Counts.Errors)
		e := b.ledger(t, id)
		require.Equal(t, ledger.StatusStaged, e.Status, "the ledger says what the tables hold")
		require.Equal(t, passthrough.SeverityError, e.Severity)
		require.Contains(t, e.Problem, "changed, but the new rows cannot be staged (the ERP refused the rows: ")
		require.Contains(t, e.Problem, "remarks")
		require.Equal(t, before, b.staged(t), "the rows staged before are there")
		committed, err := b.store.OrderCommittedList(t.Context(), erp.OrderCommittedListParams{Shop: shop})
		require.NoError(t, err)
		found := false
		for _, c := range committed {
			found = found || c.OrderID == id
		}
		require.True(t, found, "its units still count as committed, as its rows are there")

		b.useMapping(t, func(src string) string { return src })
		b.refetch(t)
		e = b.ledger(t, id)
		require.Equal(t, ledger.StatusStaged, e.Status)
		require.Empty(t, e.Severity, "the problem clears when a later attempt succeeds")
		require.Equal(t, b.truth(t), b.staged(t))
	})
}

// An order whose header the ERP had imported before the ledger knew it (a lost ledger, an
// earlier install) is recorded as staged, as the tables say.
func TestAnOrderTheERPImportedBeforeTheLedgerKnewItIsRecordedStaged(t *testing.T) {
	t.Parallel()
	b := newOrdersBundle(t, sqliteStore, shopifytest.GenOptions{Orders: 60, SKUs: 10, Seed: 89})
	b.run(t)
	id := b.stagedIDs(t)[0]
	b.importOrder(t, id)
	for _, q := range []string{`DELETE FROM pt_ledger_events WHERE order_id = `, `DELETE FROM pt_order_refunds WHERE order_id = `, `DELETE FROM pt_order_ledger WHERE order_id = `} {
		_, err := b.db.ExecContext(t.Context(), q+itoa(id))
		require.NoError(t, err)
	}
	b.refetch(t)
	e := b.ledger(t, id)
	require.Equal(t, ledger.StatusStaged, e.Status)
	require.Equal(t, passthrough.SeverityInfo, e.Severity)
	require.Equal(t, "the ERP had imported this order already when passthrough saw it", e.Problem)
	require.Equal(t, "SO-"+itoa(id%1000), e.ERPOrderNo)
}
