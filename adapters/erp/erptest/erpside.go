package erptest

import (
	"errors"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/ledger"
	"github.com/passthrough-dev/passthrough/record"
)

// addShipmentRow inserts a row as the ERP would.
func (b *bundle) addShipmentRow(t *testing.T, id string, line int, shop string, date time.Time, status any) {
	t.Helper()
	var shipDate any
	if !date.IsZero() {
		shipDate = b.timeArg(date)
	}
	b.exec(t, `INSERT INTO external_order_shipments (shipment_id, line_no, shop, web_order_id, item_code, quantity, tracking_number, carrier, tracking_url, ship_date, sync_status)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, `+b.ph(t, 10)+`, `+b.ph(t, 11)+`)`,
		id, int64(line), shop, int64(450789469), "SKU-"+id, int64(line), "1Z"+id, "UPS", "https://ups.example/"+id, shipDate, status)
}

func runERPSide(t *testing.T, open Opener) {
	t.Run("unsent shipments come oldest first and whole, never split by the limit", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		day := func(d int) time.Time { return time.Date(2026, 11, d, 8, 0, 0, 0, time.UTC) }
		for line := 1; line <= 3; line++ {
			b.addShipmentRow(t, "S1", line, "acme", day(10), nil)
		}
		b.addShipmentRow(t, "S2", 1, "acme", day(11), nil)
		b.addShipmentRow(t, "S3", 1, "acme", day(9), "sent")
		b.addShipmentRow(t, "S4", 2, "acme", time.Time{}, nil)
		b.addShipmentRow(t, "S4", 1, "acme", time.Time{}, nil)
		b.addShipmentRow(t, "S5", 1, "other", day(1), nil)
		b.addShipmentRow(t, "S6", 1, "acme", day(10), nil)
		b.addShipmentRow(t, "S6", 2, "acme", day(10), "sent")

		type key struct {
			id   string
			line int
		}
		keys := func(rows []record.ShipmentRow) []key {
			out := []key{}
			for _, r := range rows {
				out = append(out, key{r.ShipmentID, r.LineNo})
			}
			return out
		}
		got, err := b.store.ShipmentListUnsent(b.ctx, erp.ShipmentListUnsentParams{Shop: "acme", Limit: 2})
		require.NoError(t, err)
		require.Equal(t, []key{{"S4", 1}, {"S4", 2}, {"S1", 1}, {"S1", 2}, {"S1", 3}}, keys(got), "undated counts as oldest")
		require.Equal(t, record.ShipmentRow{ShipmentID: "S1", LineNo: 2, Shop: "acme", WebOrderID: 450789469, ItemCode: "SKU-S1", Quantity: 2,
			TrackingNumber: "1ZS1", Carrier: "UPS", TrackingURL: "https://ups.example/S1", ShipDate: day(10)}, got[3])

		got, err = b.store.ShipmentListUnsent(b.ctx, erp.ShipmentListUnsentParams{Shop: "acme"})
		require.NoError(t, err)
		require.Equal(t, []key{{"S4", 1}, {"S4", 2}, {"S1", 1}, {"S1", 2}, {"S1", 3}, {"S6", 1}, {"S2", 1}}, keys(got))
		got, err = b.store.ShipmentListUnsent(b.ctx, erp.ShipmentListUnsentParams{})
		require.NoError(t, err)
		require.Len(t, got, 8, "every shop when none is given")

		at := mustTime("2026-11-22T12:00:00.042Z")
		require.NoError(t, b.store.ShipmentMark(b.ctx, erp.ShipmentMarkParams{ShipmentID: "S1", Status: "sent", At: at}))
		require.NoError(t, b.store.ShipmentMark(b.ctx, erp.ShipmentMarkParams{ShipmentID: "S4", Status: "error", Error: "422 over-fulfilment: line 2", At: at}))
		got, err = b.store.ShipmentListUnsent(b.ctx, erp.ShipmentListUnsentParams{Shop: "acme"})
		require.NoError(t, err)
		require.Equal(t, []key{{"S6", 1}, {"S2", 1}}, keys(got))

		rows := b.rows(t, "SELECT sync_status, sync_error, synced_at FROM external_order_shipments WHERE shipment_id = ?1 ORDER BY line_no", "S4")
		require.Len(t, rows, 2)
		for _, r := range rows {
			require.Equal(t, "error", str(r["sync_status"]))
			require.Equal(t, "422 over-fulfilment: line 2", str(r["sync_error"]))
			require.True(t, at.Equal(tm(t, r["synced_at"])))
		}
		sent := b.rows(t, "SELECT sync_status, sync_error FROM external_order_shipments WHERE shipment_id = ?1", "S1")
		require.Len(t, sent, 3)
		require.Nil(t, sent[0]["sync_error"])

		require.ErrorIs(t, b.store.ShipmentMark(b.ctx, erp.ShipmentMarkParams{ShipmentID: "S404", Status: "sent"}), erp.ErrNotFound)
		require.ErrorIs(t, b.store.ShipmentMark(b.ctx, erp.ShipmentMarkParams{ShipmentID: "S2", Status: "done"}), erp.ErrInvalidValue)
	})

	t.Run("a line_item_id column the ERP adds to the shipments table is read", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		switch b.d {
		case erp.DialectSQLite, erp.DialectPostgres:
			b.exec(t, "ALTER TABLE external_order_shipments ADD COLUMN line_item_id BIGINT NULL")
		case erp.DialectSQLServer:
			b.exec(t, "ALTER TABLE external_order_shipments ADD line_item_id bigint NULL")
		default:
			t.Fatalf("the suite does not know dialect %q", b.d)
		}
		b.addShipmentRow(t, "S1", 1, "acme", time.Time{}, nil)
		b.addShipmentRow(t, "S1", 2, "acme", time.Time{}, nil)
		b.exec(t, "UPDATE external_order_shipments SET line_item_id = ?1 WHERE line_no = ?2", int64(866550311766439020), int64(2))
		got, err := b.store.ShipmentListUnsent(b.ctx, erp.ShipmentListUnsentParams{Shop: "acme"})
		require.NoError(t, err)
		require.Len(t, got, 2)
		require.Zero(t, got[0].LineItemID, "a row without one reads 0")
		require.Equal(t, int64(866550311766439020), got[1].LineItemID)
	})

	t.Run("a shipment handled in test mode is marked test and not listed again", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		b.addShipmentRow(t, "S1", 1, "acme", time.Time{}, nil)
		got, err := b.store.ShipmentListUnsent(b.ctx, erp.ShipmentListUnsentParams{Shop: "acme"})
		require.NoError(t, err)
		require.Len(t, got, 1)
		require.Zero(t, got[0].LineItemID, "the default table has no line_item_id column")
		plan := "test mode: would create a fulfillment on fulfillment order 1 with 1 × SKU-S1"
		require.NoError(t, b.store.ShipmentMark(b.ctx, erp.ShipmentMarkParams{ShipmentID: "S1", Status: erp.ShipmentTest, Error: plan}))
		got, err = b.store.ShipmentListUnsent(b.ctx, erp.ShipmentListUnsentParams{Shop: "acme"})
		require.NoError(t, err)
		require.Empty(t, got)
		rows := b.rows(t, "SELECT sync_status, sync_error FROM external_order_shipments WHERE shipment_id = ?1", "S1")
		require.Equal(t, "test", str(rows[0]["sync_status"]))
		require.Equal(t, plan, str(rows[0]["sync_error"]))
	})

	t.Run("committed lines are those of staged orders the ERP has not imported", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		require.NoError(t, b.store.OrderStage(b.ctx, Order("acme", 1001, 2)))
		mark := b.clock.Now()
		for _, id := range []int64{1002, 1003, 1004, 1005} {
			require.NoError(t, b.store.OrderStage(b.ctx, Order("acme", id, 1)))
		}
		require.NoError(t, b.store.OrderStage(b.ctx, Order("other", 1006, 1)))
		// 1003 is imported (spaces are blank, anything else is imported); 1004 was cancelled
		// in Shopify after staging; 1005's import status is only spaces.
		b.exec(t, "UPDATE s_orders SET import_status = ?1 WHERE web_order_id = ?2", "IMPORTED", int64(1003))
		b.exec(t, "UPDATE s_orders SET import_status = ?1 WHERE web_order_id = ?2", "   ", int64(1005))
		cancel := Order("acme", 1004, 1)
		require.NoError(t, b.store.OrderHeaderUpdate(b.ctx, erp.OrderHeaderUpdateParams{Header: cancel.Header,
			Row:    passthrough.Row{Columns: []string{"shop", "web_order_id", "cancelled"}, Values: []any{"acme", int64(1004), true}},
			Ledger: ledger.Entry{Shop: "acme", OrderID: 1004, Status: ledger.StatusCancelled}}))

		type line struct {
			order   int64
			sku, wh string
			qty     string
		}
		lines := func(got []erp.CommittedLine) []line {
			out := []line{}
			for _, c := range got {
				out = append(out, line{c.OrderID, c.SKU, c.Warehouse, c.Quantity.String()})
			}
			return out
		}
		got, err := b.store.OrderCommittedList(b.ctx, erp.OrderCommittedListParams{Shop: "acme"})
		require.NoError(t, err)
		require.Equal(t, []line{{1001, "SKU-001", "000", "1"}, {1001, "SKU-002", "000", "2"}, {1002, "SKU-001", "000", "1"},
			{1005, "SKU-001", "000", "1"}}, lines(got))

		got, err = b.store.OrderCommittedList(b.ctx, erp.OrderCommittedListParams{Shop: "acme", Since: mark})
		require.NoError(t, err)
		require.Equal(t, []line{{1002, "SKU-001", "000", "1"}, {1005, "SKU-001", "000", "1"}}, lines(got), "only ledger entries updated since the mark")

		got, err = b.store.OrderCommittedList(b.ctx, erp.OrderCommittedListParams{Shop: "acme", Since: mark, Warehouse: "description"})
		require.NoError(t, err)
		require.Equal(t, "Item number 1", got[0].Warehouse, "the columns can be named")
		// A lines table of the ERP's own, without a warehouse column.
		b.exec(t, "CREATE TABLE web_lines (shop VARCHAR(100) NOT NULL, web_order_id BIGINT NOT NULL, sku VARCHAR(30) NOT NULL, qty INTEGER NOT NULL)")
		b.exec(t, "INSERT INTO web_lines (shop, web_order_id, sku, qty) VALUES (?1, ?2, ?3, ?4)", "acme", int64(1002), "TS-001", int64(4))
		got, err = b.store.OrderCommittedList(b.ctx, erp.OrderCommittedListParams{Shop: "acme", Lines: "web_lines", SKU: "sku", Quantity: "qty"})
		require.NoError(t, err)
		require.Equal(t, []line{{1002, "TS-001", "", "4"}}, lines(got), "no warehouse column: lines without a warehouse")
		_, err = b.store.OrderCommittedList(b.ctx, erp.OrderCommittedListParams{Shop: "acme", Lines: "web_lines", SKU: "sku", Quantity: "qty", Warehouse: "site"})
		require.ErrorIs(t, err, erp.ErrUnknownColumn, "a warehouse column named but missing is an error")
		_, err = b.store.OrderCommittedList(b.ctx, erp.OrderCommittedListParams{Shop: "acme", SKU: "no_such_column"})
		require.ErrorIs(t, err, erp.ErrUnknownColumn)
		_, err = b.store.OrderCommittedList(b.ctx, erp.OrderCommittedListParams{Shop: "acme", Lines: "no_such_table"})
		require.ErrorIs(t, err, erp.ErrNotFound)
	})

	t.Run("StockEach streams every row, or those changed at or after a mark", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		t1, t2, t3 := mustTime("2026-11-22T01:00:00.001Z"), mustTime("2026-11-22T02:00:00.002Z"), mustTime("2026-11-22T03:00:00.003Z")
		add := func(item, wh string, onHand string, at time.Time) {
			b.exec(t, "INSERT INTO product_qty_in_stock (item_code, warehouse_code, qty_on_hand, qty_committed, qty_available, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
				item, wh, decimal.RequireFromString(onHand), decimal.RequireFromString("1.5"),
				decimal.RequireFromString(onHand).Sub(decimal.RequireFromString("1.5")), b.timeArg(at))
		}
		add("TS-001", "MAIN", "10", t2)
		add("AB-9", "MAIN", "0.1", t1)
		add("TS-001", "EAST", "7.25", t3)

		var all []record.Stock
		require.NoError(t, b.store.StockEach(b.ctx, erp.StockEachParams{}, func(r record.Stock) error {
			all = append(all, r)
			return nil
		}))
		require.Len(t, all, 3)
		require.Equal(t, []string{"AB-9/MAIN", "TS-001/EAST", "TS-001/MAIN"},
			[]string{all[0].ItemCode + "/" + all[0].WarehouseCode, all[1].ItemCode + "/" + all[1].WarehouseCode, all[2].ItemCode + "/" + all[2].WarehouseCode})
		require.True(t, all[0].QtyAvailable.Equal(decimal.RequireFromString("-1.4")), "got %v", all[0].QtyAvailable)
		require.True(t, all[1].QtyOnHand.Equal(decimal.RequireFromString("7.25")))
		require.Equal(t, t1, all[0].UpdatedAt)

		var changed []string
		require.NoError(t, b.store.StockEach(b.ctx, erp.StockEachParams{ChangedSince: t2}, func(r record.Stock) error {
			changed = append(changed, r.ItemCode+"/"+r.WarehouseCode)
			return nil
		}))
		require.Equal(t, []string{"TS-001/EAST", "TS-001/MAIN"}, changed, "a row changed at the mark itself is included")

		stop := errors.New("stop here")
		calls := 0
		err := b.store.StockEach(b.ctx, erp.StockEachParams{}, func(record.Stock) error {
			calls++
			return stop
		})
		require.ErrorIs(t, err, stop)
		require.Equal(t, 1, calls)
	})
}
