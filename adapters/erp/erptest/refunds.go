package erptest

import (
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
)

// RefundsTable is the default refunds table and its key.
var RefundsTable = passthrough.Table{Name: "s_order_refunds", Key: []string{"shop", "refund_id", "line_no"}}

// Refund builds the rows a refund of n lines of an order gives, as the shipped mapping
// produces them, with the order's ledger entry.
func Refund(shop string, orderID, refundID int64, n int) erp.RefundStageParams {
	p := erp.RefundStageParams{Table: RefundsTable, Shop: shop, OrderID: orderID, RefundID: refundID,
		Ledger: Order(shop, orderID, 1).Ledger}
	at := time.Date(2026, 11, 21, 16, 5, 0, 0, time.UTC)
	for i := 1; i <= n; i++ {
		p.Rows = append(p.Rows, passthrough.Row{
			Columns: []string{"shop", "refund_id", "web_order_id", "line_no", "line_item_id", "item_code", "quantity",
				"amount", "tax_amount", "restock_type", "reason", "created_at"},
			Values: []any{shop, refundID, orderID, int64(i), orderID*100 + int64(i), "SKU-00" + string(rune('0'+i)), int64(1),
				decimal.RequireFromString("19.99"), decimal.RequireFromString("1.20"), "return", "too small", at},
		})
	}
	return p
}

func runRefunds(t *testing.T, open Opener) {
	t.Run("RefundStage writes a refund's rows once, with its record and a ledger event", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		require.NoError(t, b.store.OrderStage(b.ctx, Order("acme", 1001, 3)))
		require.NoError(t, b.store.RefundStage(b.ctx, Refund("acme", 1001, 77, 2)))

		rows := b.rows(t, "SELECT * FROM s_order_refunds WHERE shop = ?1 AND refund_id = ?2 ORDER BY line_no", "acme", int64(77))
		require.Len(t, rows, 2)
		require.EqualValues(t, 1001, integer(t, rows[0]["web_order_id"]))
		require.Equal(t, "SKU-001", str(rows[0]["item_code"]))
		require.True(t, dec(t, rows[1]["amount"]).Equal(decimal.RequireFromString("19.99")))
		require.Empty(t, str(rows[0]["import_status"]), "the ERP sets import_status")
		ids, err := b.store.OrderRefundIDs(b.ctx, "acme", 1001)
		require.NoError(t, err)
		require.Equal(t, []int64{77}, ids)
		events, err := b.store.LedgerEventList(b.ctx, "acme", 1001)
		require.NoError(t, err)
		require.Equal(t, "refund 77 staged with 2 rows", events[len(events)-1].Message)

		require.ErrorIs(t, b.store.RefundStage(b.ctx, Refund("acme", 1001, 77, 2)), erp.ErrDuplicate)
		require.Equal(t, 2, b.count(t, "SELECT COUNT(*) FROM s_order_refunds"))

		// The ERP imports the rows and clears its table: the refund is still not staged twice.
		b.exec(t, "DELETE FROM s_order_refunds")
		require.ErrorIs(t, b.store.RefundStage(b.ctx, Refund("acme", 1001, 77, 2)), erp.ErrDuplicate)
		require.Zero(t, b.count(t, "SELECT COUNT(*) FROM s_order_refunds"))
	})

	t.Run("a refund with nothing to stage is recorded all the same", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		require.NoError(t, b.store.OrderStage(b.ctx, Order("acme", 1001, 1)))
		require.NoError(t, b.store.RefundStage(b.ctx, Refund("acme", 1001, 78, 0)))
		ids, err := b.store.OrderRefundIDs(b.ctx, "acme", 1001)
		require.NoError(t, err)
		require.Equal(t, []int64{78}, ids)
	})

	t.Run("a refund row that does not fit its table writes nothing", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		require.NoError(t, b.store.OrderStage(b.ctx, Order("acme", 1001, 1)))
		bad := Refund("acme", 1001, 79, 2)
		bad.Rows[1].Set("reason", strings.Repeat("x", 256))
		require.ErrorIs(t, b.store.RefundStage(b.ctx, bad), erp.ErrInvalidValue)
		missing := Refund("acme", 1001, 79, 1)
		missing.Rows[0].Set("no_such_column", "x")
		require.ErrorIs(t, b.store.RefundStage(b.ctx, missing), erp.ErrUnknownColumn)
		require.Zero(t, b.count(t, "SELECT COUNT(*) FROM s_order_refunds"))
		ids, err := b.store.OrderRefundIDs(b.ctx, "acme", 1001)
		require.NoError(t, err)
		require.Empty(t, ids, "a refund not staged is not recorded, so it is tried again")
	})

	t.Run("staging an order again absorbs its refunds and withdraws the rows the ERP has not imported", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		require.NoError(t, b.store.OrderStage(b.ctx, Order("acme", 1001, 3)))
		require.NoError(t, b.store.RefundStage(b.ctx, Refund("acme", 1001, 81, 1)))
		require.NoError(t, b.store.RefundStage(b.ctx, Refund("acme", 1001, 82, 2)))
		b.exec(t, "UPDATE s_order_refunds SET import_status = 'IMPORTED' WHERE refund_id = ?1", int64(82))

		again := Order("acme", 1001, 2)
		again.Refunds = erp.OrderRefunds{Table: RefundsTable, IDs: []int64{81, 82, 83}}
		require.NoError(t, b.store.OrderStage(b.ctx, again))

		require.Zero(t, b.count(t, "SELECT COUNT(*) FROM s_order_refunds WHERE refund_id = ?1", int64(81)), "withdrawn: the order's lines count it now")
		require.Equal(t, 2, b.count(t, "SELECT COUNT(*) FROM s_order_refunds WHERE refund_id = ?1", int64(82)), "the ERP has it: kept")
		ids, err := b.store.OrderRefundIDs(b.ctx, "acme", 1001)
		require.NoError(t, err)
		require.Equal(t, []int64{81, 82, 83}, ids)
		got := map[int64]string{}
		for _, r := range b.rows(t, "SELECT refund_id, disposition FROM pt_order_refunds WHERE shop = ?1", "acme") {
			got[integer(t, r["refund_id"])] = strings.TrimSpace(str(r["disposition"]))
		}
		require.Equal(t, map[int64]string{81: "absorbed", 82: "staged", 83: "absorbed"}, got)
		require.ErrorIs(t, b.store.RefundStage(b.ctx, Refund("acme", 1001, 83, 1)), erp.ErrDuplicate, "an absorbed refund is never staged")
	})

	t.Run("an order staged without a refunds table records its refunds", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		p := Order("acme", 1001, 1)
		p.Refunds = erp.OrderRefunds{IDs: []int64{91}}
		require.NoError(t, b.store.OrderStage(b.ctx, p))
		ids, err := b.store.OrderRefundIDs(b.ctx, "acme", 1001)
		require.NoError(t, err)
		require.Equal(t, []int64{91}, ids)
	})

	t.Run("CompletenessPut replaces a day's counts and CompletenessList gives the newest day first", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		at := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
		require.NoError(t, b.store.CompletenessPut(b.ctx, []erp.CompletenessDay{
			{Shop: "acme", Day: "2026-11-20", CheckedAt: at, ShopifyOrders: 40, Missing: 1, Late: 0, Imported: 1},
			{Shop: "acme", Day: "2026-11-21", CheckedAt: at, ShopifyOrders: 52, Missing: 2, Late: 1, Imported: 3},
			{Shop: "other", Day: "2026-11-21", CheckedAt: at, ShopifyOrders: 9},
		}))
		later := at.Add(24 * time.Hour)
		require.NoError(t, b.store.CompletenessPut(b.ctx, []erp.CompletenessDay{
			{Shop: "acme", Day: "2026-11-21", CheckedAt: later, ShopifyOrders: 53},
		}))
		days, err := b.store.CompletenessList(b.ctx, "acme", 0)
		require.NoError(t, err)
		require.Equal(t, []erp.CompletenessDay{
			{Shop: "acme", Day: "2026-11-21", CheckedAt: later, ShopifyOrders: 53},
			{Shop: "acme", Day: "2026-11-20", CheckedAt: at, ShopifyOrders: 40, Missing: 1, Imported: 1},
		}, days)
		days, err = b.store.CompletenessList(b.ctx, "acme", 1)
		require.NoError(t, err)
		require.Len(t, days, 1)
		require.ErrorIs(t, b.store.CompletenessPut(b.ctx, []erp.CompletenessDay{{Shop: "acme", Day: "21 Nov"}}), erp.ErrInvalidValue)
	})
}

func runGoingLive(t *testing.T, open Opener) {
	t.Run("going live lists the shipments test mode handled and sends them on", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		day := func(d int) time.Time { return time.Date(2026, 11, d, 8, 0, 0, 0, time.UTC) }
		b.addShipmentRow(t, "T2", 1, "acme", day(12), "test")
		b.addShipmentRow(t, "T1", 2, "acme", day(11), "test")
		b.addShipmentRow(t, "T1", 1, "acme", day(11), "test")
		b.addShipmentRow(t, "S1", 1, "acme", day(10), "sent")
		b.addShipmentRow(t, "T9", 1, "other", day(10), "test")
		b.exec(t, "UPDATE external_order_shipments SET sync_error = 'would send 1 × SKU-T1' WHERE sync_status = 'test'")

		rows, err := b.store.ShipmentListTest(b.ctx, "acme")
		require.NoError(t, err)
		var got []string
		for _, r := range rows {
			got = append(got, r.ShipmentID+"/"+string(rune('0'+r.LineNo)))
		}
		require.Equal(t, []string{"T1/1", "T1/2", "T2/1"}, got, "oldest first, each shipment whole, this shop only")

		n, err := b.store.ShipmentRelease(b.ctx, "acme")
		require.NoError(t, err)
		require.Equal(t, 3, n)
		unsent, err := b.store.ShipmentListUnsent(b.ctx, erp.ShipmentListUnsentParams{Shop: "acme"})
		require.NoError(t, err)
		require.Len(t, unsent, 3, "the shipments feed sends them next")
		require.Zero(t, b.count(t, "SELECT COUNT(*) FROM external_order_shipments WHERE shop = 'acme' AND sync_error IS NOT NULL"))
		require.Equal(t, 1, b.count(t, "SELECT COUNT(*) FROM external_order_shipments WHERE sync_status = 'test'"), "another shop's are left")
		rows, err = b.store.ShipmentListTest(b.ctx, "acme")
		require.NoError(t, err)
		require.Empty(t, rows)
	})
}
