package sqlstore

import (
	"context"
	"fmt"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/record"
)

// maxTestShipments bounds the list going live shows; the release takes them all.
const maxTestShipments = 1000

// ShipmentListTest returns the rows of shipments test mode handled.
func (s *Store) ShipmentListTest(ctx context.Context, shop string) ([]record.ShipmentRow, error) {
	t, err := s.table(ctx, "external_order_shipments")
	if err != nil {
		return nil, fmt.Errorf("list test shipments: %w", err)
	}
	out, err := queryAll(ctx, s, "list test shipments", s.st.ShipmentListTest(t, shop), scanShipmentRow)
	if err != nil {
		return nil, fmt.Errorf("list test shipments: %w", err)
	}
	return out, nil
}

// ShipmentRelease sets the shipments test mode handled back to unsent.
func (s *Store) ShipmentRelease(ctx context.Context, shop string) (int, error) {
	t, err := s.table(ctx, "external_order_shipments")
	if err != nil {
		return 0, fmt.Errorf("release test shipments: %w", err)
	}
	st := s.st.ShipmentRelease(t, shop)
	var n int64
	err = s.retry(ctx, "release test shipments", func(ctx context.Context) (err error) {
		n, err = s.exec(ctx, nil, st)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("release test shipments: %w", err)
	}
	return int(n), nil
}

// ShipmentListTest reads the rows of a shop's shipments of t (external_order_shipments)
// marked test, oldest first, with the line item id when t has that column (as
// ShipmentListUnsent reads them).
func (st Statements) ShipmentListTest(t *Table, shop string) Stmt {
	p := &params{d: st.d}
	lineCol := "NULL"
	if c, err := t.Column("line_item_id"); err == nil {
		lineCol = "e." + st.d.Quote(c.Name)
	}
	q := "SELECT " + shipmentCols + ", " + lineCol + " FROM " + st.name("external_order_shipments") + " e WHERE e.sync_status = " +
		p.add(st.value(column(t, "sync_status", passthrough.KindText), erp.ShipmentTest)) +
		" AND e.shop = " + p.add(st.value(column(t, "shop", passthrough.KindText), shop)) +
		" ORDER BY e.ship_date, e.shipment_id, e.line_no" + st.d.Limit(p.add(st.int64(maxTestShipments)))
	return Stmt{SQL: q, Args: p.args}
}

// ShipmentRelease sets a shop's shipments of t (external_order_shipments) marked test back
// to unsent, answering how many rows it changed.
func (st Statements) ShipmentRelease(t *Table, shop string) Stmt {
	p := &params{d: st.d}
	update := "UPDATE " + st.name("external_order_shipments") + " SET sync_status = NULL, sync_error = NULL, synced_at = NULL"
	where := "sync_status = " + p.add(st.value(column(t, "sync_status", passthrough.KindText), erp.ShipmentTest)) +
		" AND shop = " + p.add(st.value(column(t, "shop", passthrough.KindText), shop))
	return st.counted(update, where, p.args)
}
