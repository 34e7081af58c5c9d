package feeds_test

import (
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
	"github.com/passthrough-dev/passthrough/internal/ordertruth"
	"github.com/passthrough-dev/passthrough/ledger"
)

// refundRows counts the rows of s_order_refunds per refund of an order.
func (b *ordersBundle) refundRows(t *testing.T, orderID int64) map[int64]int {
	t.Helper()
	out, err := ordertruth.Counts(t.Context(), b.db, `SELECT refund_id, COUNT(*) FROM s_order_refunds WHERE web_order_id = `+itoa(orderID)+` GROUP BY refund_id`)
	require.NoError(t, err)
	return out
}

// lineQuantities are the quantities staged per line item of an order.
func (b *ordersBundle) lineQuantities(t *testing.T, orderID int64) map[int64]int {
	t.Helper()
	rows, err := b.db.QueryContext(t.Context(), `SELECT line_item_id, quantity FROM s_order_details WHERE web_order_id = `+itoa(orderID))
	require.NoError(t, err)
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		require.NoError(t, rows.Scan(&id, &n))
		out[id] = n
	}
	require.NoError(t, rows.Err())
	return out
}

// twoLines finds a staged order with two lines of two units or more to ship.
func (b *ordersBundle) twoLineOrder(t *testing.T) (id int64, first, second int64) {
	t.Helper()
	id = b.findOrder(t, func(o map[string]any) bool {
		if o["financial_status"] != "paid" || o["test"] != false || o["cancelled_at"] != nil || o["fulfillment_status"] != nil {
			return false
		}
		n := 0
		for _, l := range o["line_items"].([]any) {
			li := l.(map[string]any)
			if li["gift_card"] == false && li["current_quantity"].(float64) >= 1 {
				n++
			}
		}
		return n >= 2
	})
	q := b.lineQuantities(t, id)
	require.GreaterOrEqual(t, len(q), 2)
	for _, lid := range b.lineItemIDs(t, id) {
		if _, ok := q[lid]; ok {
			if first == 0 {
				first = lid
			} else if second == 0 {
				second = lid
			}
		}
	}
	return id, first, second
}

func (b *ordersBundle) lineItemIDs(t *testing.T, orderID int64) []int64 {
	t.Helper()
	var ids []int64
	for _, fo := range b.sim.FulfillmentOrders(orderID) {
		for _, l := range fo.LineItems {
			ids = append(ids, l.LineItemID)
		}
	}
	return ids
}

func TestARefundAfterStagingReachesTheERPOnce(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, open storeOpener) {
		b := newOrdersBundle(t, open, shopifytest.GenOptions{Orders: 120, SKUs: 20, Seed: 59})
		b.run(t)
		id, first, second := b.twoLineOrder(t)
		lines := b.lineQuantities(t, id)

		refund, err := b.sim.RefundOrder(id, shopifytest.RefundRequest{
			Lines: []shopifytest.RefundLine{{LineItemID: first, Quantity: 1}}, Shipping: decimal.RequireFromString("5.00"), Note: "damaged"})
		require.NoError(t, err)
		x := b.run(t)
		require.Equal(t, 1, x.Counts.Written, "the refund, not the order")
		require.Equal(t, map[int64]int{refund: 2}, b.refundRows(t, id), "its line and its shipping")
		require.Equal(t, lines, b.lineQuantities(t, id), "the order's lines are the ERP's as they were")
		e := b.ledger(t, id)
		require.Equal(t, ledger.StatusStaged, e.Status)
		require.Empty(t, e.Severity)
		events, err := b.store.LedgerEventList(t.Context(), shop, id)
		require.NoError(t, err)
		require.Equal(t, "refund "+itoa(refund)+" staged with 2 rows", events[len(events)-1].Message)

		var item, restock, reason string
		var amount decimal.Decimal
		require.NoError(t, b.db.QueryRowContext(t.Context(), `SELECT item_code, amount, restock_type, reason FROM s_order_refunds
			WHERE refund_id = `+itoa(refund)+` AND line_no = 2`).Scan(&item, &amount, &restock, &reason))
		require.Equal(t, "FREIGHT", item)
		require.True(t, amount.Equal(decimal.RequireFromString("5.00")), amount.String())

		b.refetch(t)
		require.Equal(t, map[int64]int{refund: 2}, b.refundRows(t, id), "read again, it is not staged again")

		// The ERP imports the order; a second refund still goes through: the credit memo is
		// the ERP's to make. The ERP clearing its refunds table changes nothing.
		b.importOrder(t, id)
		_, err = b.db.ExecContext(t.Context(), `DELETE FROM s_order_refunds`)
		require.NoError(t, err)
		again, err := b.sim.RefundOrder(id, shopifytest.RefundRequest{Lines: []shopifytest.RefundLine{{LineItemID: second, Quantity: 1}}})
		require.NoError(t, err)
		x = b.run(t)
		require.Zero(t, x.Counts.Errors)
		require.Equal(t, map[int64]int{again: 1}, b.refundRows(t, id))
		require.Empty(t, b.ledger(t, id).Severity)
	})
}

func TestAPaidOrderPartlyRefundedBeforeImportIsStagedWithoutWhatWasRefunded(t *testing.T) {
	t.Parallel()
	b := newOrdersBundle(t, sqliteStore, shopifytest.GenOptions{Orders: 300, SKUs: 20, Seed: 61})
	b.run(t)
	id := b.findOrder(t, func(o map[string]any) bool {
		return o["financial_status"] == "partially_refunded" && o["test"] == false && o["cancelled_at"] == nil && len(o["line_items"].([]any)) >= 2
	})
	want := b.truth(t)
	require.Contains(t, want, id)
	require.Equal(t, want[id], b.staged(t)[id])
	require.Empty(t, b.refundRows(t, id), "its refund is in its lines already")
	ids, err := b.store.OrderRefundIDs(t.Context(), shop, id)
	require.NoError(t, err)
	require.Len(t, ids, 1, "and recorded, so it is never staged")
	b.refetch(t)
	require.Empty(t, b.refundRows(t, id))

	refunded := b.findOrder(t, func(o map[string]any) bool {
		return o["financial_status"] == "refunded" && o["test"] == false && o["cancelled_at"] == nil
	})
	e := b.ledger(t, refunded)
	require.Equal(t, ledger.StatusSkipped, e.Status)
	require.Equal(t, "refunded in full before import", e.Problem)
}

// An order staged, then refunded, then edited before the ERP imported it is staged again
// whole: its new lines leave the refunded unit out, so the refund's rows are withdrawn.
func TestAnEditBeforeImportTakesTheRefundsSinceStagingIntoTheLines(t *testing.T) {
	t.Parallel()
	b := newOrdersBundle(t, sqliteStore, shopifytest.GenOptions{Orders: 120, SKUs: 20, Seed: 67})
	b.run(t)
	id, first, _ := b.twoLineOrder(t)
	lines := b.lineQuantities(t, id)
	refund, err := b.sim.RefundOrder(id, shopifytest.RefundRequest{Lines: []shopifytest.RefundLine{{LineItemID: first, Quantity: 1}}})
	require.NoError(t, err)
	b.run(t)
	require.Equal(t, map[int64]int{refund: 1}, b.refundRows(t, id))

	require.NoError(t, b.sim.UpdateOrder(id, func(o map[string]any) {
		o["billing_address"].(map[string]any)["address1"] = "2 Other Street"
	}))
	b.run(t)
	require.Empty(t, b.refundRows(t, id), "withdrawn: the lines count it now")
	want := lines
	want[first]--
	if want[first] == 0 {
		delete(want, first)
	}
	require.Equal(t, want, b.lineQuantities(t, id))
	b.refetch(t)
	require.Empty(t, b.refundRows(t, id), "and never staged again")
}
