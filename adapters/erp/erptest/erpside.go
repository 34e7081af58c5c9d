package erptest

import (
	"errors"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp"
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
		keys := func(rows []erp.Shipment) []key {
			out := []key{}
			for _, r := range rows {
				out = append(out, key{r.ShipmentID, r.LineNo})
			}
			return out
		}
		got, err := b.store.ShipmentListUnsent(b.ctx, erp.ShipmentListUnsentParams{Shop: "acme", Limit: 2})
		require.NoError(t, err)
		require.Equal(t, []key{{"S4", 1}, {"S4", 2}, {"S1", 1}, {"S1", 2}, {"S1", 3}}, keys(got), "undated counts as oldest")
		require.Equal(t, erp.Shipment{ShipmentID: "S1", LineNo: 2, Shop: "acme", WebOrderID: 450789469, ItemCode: "SKU-S1", Quantity: 2,
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

		var all []erp.StockRow
		require.NoError(t, b.store.StockEach(b.ctx, erp.StockEachParams{}, func(r erp.StockRow) error {
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
		require.NoError(t, b.store.StockEach(b.ctx, erp.StockEachParams{ChangedSince: t2}, func(r erp.StockRow) error {
			changed = append(changed, r.ItemCode+"/"+r.WarehouseCode)
			return nil
		}))
		require.Equal(t, []string{"TS-001/EAST", "TS-001/MAIN"}, changed, "a row changed at the mark itself is included")

		stop := errors.New("stop here")
		calls := 0
		err := b.store.StockEach(b.ctx, erp.StockEachParams{}, func(erp.StockRow) error {
			calls++
			return stop
		})
		require.ErrorIs(t, err, stop)
		require.Equal(t, 1, calls)
	})
}
