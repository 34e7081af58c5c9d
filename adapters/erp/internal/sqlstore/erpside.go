package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/passthrough-dev/passthrough/adapters/erp"
)

// ShipmentListUnsent returns the rows of the oldest unsent shipments, whole.
func (s *Store) ShipmentListUnsent(ctx context.Context, p erp.ShipmentListUnsentParams) ([]erp.Shipment, error) {
	st := s.st.ShipmentListUnsent(p)
	var out []erp.Shipment
	err := s.retry(ctx, "list unsent shipments", func(ctx context.Context) error {
		out = out[:0]
		rows, err := s.query(ctx, st)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var sh erp.Shipment
			var lineNo, qty int64
			var tracking, carrier, url sql.NullString
			var shipDate sql.NullTime
			if err := rows.Scan(&sh.ShipmentID, &lineNo, &sh.Shop, &sh.WebOrderID, &sh.ItemCode, &qty,
				&tracking, &carrier, &url, &shipDate); err != nil {
				return err
			}
			sh.LineNo, sh.Quantity = int(lineNo), int(qty)
			sh.TrackingNumber, sh.Carrier, sh.TrackingURL, sh.ShipDate = tracking.String, carrier.String, url.String, timeOf(shipDate)
			out = append(out, sh)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("list unsent shipments: %w", err)
	}
	return out, nil
}

// ShipmentMark writes the outcome on every row of one shipment.
func (s *Store) ShipmentMark(ctx context.Context, p erp.ShipmentMarkParams) error {
	if p.Status != "sent" && p.Status != "error" {
		return fmt.Errorf("mark shipment %s: status %q is not sent or error: %w", p.ShipmentID, p.Status, erp.ErrInvalidValue)
	}
	if p.At.IsZero() {
		p.At = s.clock()
	}
	st := s.st.ShipmentMark(p)
	var n int64
	err := s.retry(ctx, "mark shipment", func(ctx context.Context) (err error) {
		n, err = s.exec(ctx, nil, st)
		return err
	})
	if err != nil {
		return fmt.Errorf("mark shipment %s: %w", p.ShipmentID, err)
	}
	if n == 0 {
		return fmt.Errorf("shipment %s: %w", p.ShipmentID, erp.ErrNotFound)
	}
	return nil
}

// StockEach streams stock rows to fn. It is not retried: fn may have acted on rows already.
func (s *Store) StockEach(ctx context.Context, p erp.StockEachParams, fn func(erp.StockRow) error) error {
	st := s.st.StockList(p)
	rows, err := s.query(ctx, st)
	if err != nil {
		return fmt.Errorf("read stock: %w", s.mapErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		var r erp.StockRow
		var onHand, committed, available decimal.NullDecimal
		var updated sql.NullTime
		if err := rows.Scan(&r.ItemCode, &r.WarehouseCode, &onHand, &committed, &available, &updated); err != nil {
			return fmt.Errorf("read stock: %w", s.mapErr(err))
		}
		r.QtyOnHand, r.QtyCommitted, r.QtyAvailable, r.UpdatedAt = onHand.Decimal, committed.Decimal, available.Decimal, timeOf(updated)
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read stock: %w", s.mapErr(err))
	}
	return nil
}
