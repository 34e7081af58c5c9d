package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/record"
)

// ShipmentListUnsent returns the rows of the oldest unsent shipments, whole.
func (s *Store) ShipmentListUnsent(ctx context.Context, p erp.ShipmentListUnsentParams) ([]record.ShipmentRow, error) {
	t, err := s.table(ctx, "external_order_shipments")
	if err != nil {
		return nil, fmt.Errorf("list unsent shipments: %w", err)
	}
	st := s.st.ShipmentListUnsent(t, p)
	out, err := queryAll(ctx, s, "list unsent shipments", st, scanShipmentRow)
	if err != nil {
		return nil, fmt.Errorf("list unsent shipments: %w", err)
	}
	return out, nil
}

// scanShipmentRow reads one row of shipmentCols and the line item id.
func scanShipmentRow(rows *sql.Rows) (record.ShipmentRow, error) {
	var sh record.ShipmentRow
	var lineNo, qty int64
	var tracking, carrier, url sql.NullString
	var shipDate sql.NullTime
	var lineItem sql.NullInt64
	if err := rows.Scan(&sh.ShipmentID, &lineNo, &sh.Shop, &sh.WebOrderID, &sh.ItemCode, &qty,
		&tracking, &carrier, &url, &shipDate, &lineItem); err != nil {
		return sh, err
	}
	sh.LineNo, sh.Quantity, sh.LineItemID = int(lineNo), int(qty), lineItem.Int64
	sh.TrackingNumber, sh.Carrier, sh.TrackingURL, sh.ShipDate = tracking.String, carrier.String, url.String, timeOf(shipDate)
	return sh, nil
}

// ShipmentMark writes the outcome on every row of one shipment.
func (s *Store) ShipmentMark(ctx context.Context, p erp.ShipmentMarkParams) error {
	switch p.Status {
	case erp.ShipmentSent, erp.ShipmentError, erp.ShipmentSkipped, erp.ShipmentTest:
	default:
		return fmt.Errorf("mark shipment %s: status %q is not sent, error, skipped or test: %w", p.ShipmentID, p.Status, erp.ErrInvalidValue)
	}
	if p.At.IsZero() {
		p.At = s.clock()
	}
	t, err := s.table(ctx, "external_order_shipments")
	if err != nil {
		return fmt.Errorf("mark shipment %s: %w", p.ShipmentID, err)
	}
	if c, err := t.Column("sync_error"); err == nil {
		p.Error = cut(s.d, c, p.Error) // a message for people: the start of it is enough
	}
	st := s.st.ShipmentMark(t, p)
	var n int64
	err = s.retry(ctx, "mark shipment", func(ctx context.Context) (err error) {
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
func (s *Store) StockEach(ctx context.Context, p erp.StockEachParams, fn func(record.Stock) error) error {
	t, err := s.table(ctx, "product_qty_in_stock")
	if err != nil {
		return fmt.Errorf("read stock: %w", err)
	}
	st := s.st.StockList(t, p)
	rows, err := s.query(ctx, st)
	if err != nil {
		return fmt.Errorf("read stock: %w", s.mapErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		var r record.Stock
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

// OrderCommittedList reads the lines of staged orders the ERP has not imported yet.
func (s *Store) OrderCommittedList(ctx context.Context, p erp.OrderCommittedListParams) ([]erp.CommittedLine, error) {
	h, err := s.table(ctx, s.header)
	if err != nil {
		return nil, fmt.Errorf("list committed lines: %w", err)
	}
	lines := p.Lines
	if lines == "" {
		lines = "s_order_details"
	}
	l, err := s.table(ctx, lines)
	if err != nil {
		return nil, fmt.Errorf("list committed lines: %w", err)
	}
	// column is the lines table's column of that name, or of the default name when none is
	// given; a missing default warehouse column is no error (lines without a warehouse).
	column := func(name, def string, optional bool) (string, error) {
		if name == "" {
			name = def
		} else {
			optional = false
		}
		c, err := l.Column(name)
		if err != nil && optional {
			return "", nil
		}
		return c.Name, err
	}
	var cols CommittedColumns
	if cols.SKU, err = column(p.SKU, "item_code", false); err != nil {
		return nil, fmt.Errorf("list committed lines: %w", err)
	}
	if cols.Quantity, err = column(p.Quantity, "quantity", false); err != nil {
		return nil, fmt.Errorf("list committed lines: %w", err)
	}
	if cols.Warehouse, err = column(p.Warehouse, "warehouse_code", true); err != nil {
		return nil, fmt.Errorf("list committed lines: %w", err)
	}
	st, err := s.st.OrderCommittedList(h, l, cols, p)
	if err != nil {
		return nil, fmt.Errorf("list committed lines: %w", err)
	}
	out, err := queryAll(ctx, s, "list committed lines", st, func(rows *sql.Rows) (erp.CommittedLine, error) {
		var c erp.CommittedLine
		var sku, wh sql.NullString
		var qty decimal.NullDecimal
		if err := rows.Scan(&c.OrderID, &sku, &wh, &qty); err != nil {
			return c, err
		}
		c.SKU, c.Warehouse, c.Quantity = strings.TrimSpace(sku.String), strings.TrimSpace(wh.String), qty.Decimal
		return c, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list committed lines: %w", err)
	}
	return out, nil
}
