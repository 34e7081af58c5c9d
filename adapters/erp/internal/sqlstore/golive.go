package sqlstore

import (
	"context"
	"fmt"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/record"
)

// maxTestShipments bounds the list going live shows; the release takes them all.
const maxTestShipments = 1000

// ShipmentListTest returns the rows of shipments test mode handled.
func (s *Store) ShipmentListTest(ctx context.Context, shop string) ([]record.ShipmentRow, error) {
	out, err := queryAll(ctx, s, "list test shipments", s.st.ShipmentListTest(shop), scanShipmentRow)
	if err != nil {
		return nil, fmt.Errorf("list test shipments: %w", err)
	}
	return out, nil
}

// ShipmentRelease sets the shipments test mode handled back to unsent.
func (s *Store) ShipmentRelease(ctx context.Context, shop string) (int, error) {
	st := s.st.ShipmentRelease(shop)
	var n int64
	err := s.retry(ctx, "release test shipments", func(ctx context.Context) (err error) {
		n, err = s.exec(ctx, nil, st)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("release test shipments: %w", err)
	}
	return int(n), nil
}

// ShipmentListTest reads the rows of a shop's shipments marked test, oldest first.
func (st Statements) ShipmentListTest(shop string) Stmt {
	p := &params{d: st.d}
	q := "SELECT " + shipmentCols + ", NULL FROM external_order_shipments e WHERE e.sync_status = " + p.add(st.text(erp.ShipmentTest)) +
		" AND e.shop = " + p.add(st.text(shop)) + " ORDER BY e.ship_date, e.shipment_id, e.line_no" + st.d.Limit(p.add(int64(maxTestShipments)))
	return Stmt{SQL: q, Args: p.args}
}

// ShipmentRelease sets a shop's shipments marked test back to unsent.
func (st Statements) ShipmentRelease(shop string) Stmt {
	p := &params{d: st.d}
	q := "UPDATE external_order_shipments SET sync_status = NULL, sync_error = NULL, synced_at = NULL WHERE sync_status = " +
		p.add(st.text(erp.ShipmentTest)) + " AND shop = " + p.add(st.text(shop))
	return st.counted(q, p.args)
}
