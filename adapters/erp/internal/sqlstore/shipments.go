package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/record"
)

// ShipmentList reads rows of external_order_shipments with what passthrough wrote on them.
func (s *Store) ShipmentList(ctx context.Context, p erp.ShipmentListParams) ([]record.ShipmentRow, error) {
	if p.Shop == "" {
		return nil, fmt.Errorf("list shipments: no shop given: %w", erp.ErrInvalidValue)
	}
	t, err := s.table(ctx, "external_order_shipments")
	if err != nil {
		return nil, fmt.Errorf("list shipments: %w", err)
	}
	out, err := queryAll(ctx, s, "list shipments", s.st.ShipmentList(t, p), func(rows *sql.Rows) (record.ShipmentRow, error) {
		var sh record.ShipmentRow
		var lineNo, qty int64
		var tracking, carrier, url, status, syncErr sql.NullString
		var shipDate, synced sql.NullTime
		var lineItem sql.NullInt64
		if err := rows.Scan(&sh.ShipmentID, &lineNo, &sh.Shop, &sh.WebOrderID, &sh.ItemCode, &qty,
			&tracking, &carrier, &url, &shipDate, &lineItem, &status, &syncErr, &synced); err != nil {
			return sh, err
		}
		sh.LineNo, sh.Quantity, sh.LineItemID = int(lineNo), int(qty), lineItem.Int64
		sh.TrackingNumber, sh.Carrier, sh.TrackingURL, sh.ShipDate = tracking.String, carrier.String, url.String, timeOf(shipDate)
		sh.SyncStatus, sh.SyncError, sh.SyncedAt = strings.TrimSpace(status.String), syncErr.String, timeOf(synced)
		return sh, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list shipments: %w", err)
	}
	return out, nil
}

// ShipmentRetry sets a shipment marked error or test back to unsent.
func (s *Store) ShipmentRetry(ctx context.Context, shop, shipmentID string) (int, error) {
	t, err := s.table(ctx, "external_order_shipments")
	if err != nil {
		return 0, fmt.Errorf("retry shipment %s: %w", shipmentID, err)
	}
	st := s.st.ShipmentRetry(t, shop, shipmentID)
	var n int64
	err = s.retry(ctx, "retry shipment", func(ctx context.Context) (err error) {
		n, err = s.exec(ctx, nil, st)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("retry shipment %s: %w", shipmentID, err)
	}
	if n == 0 {
		return 0, fmt.Errorf("shipment %s of %s marked error or test: %w", shipmentID, shop, erp.ErrNotFound)
	}
	return int(n), nil
}

// ShipmentFulfillmentAdd records a fulfillment created for a shipment.
func (s *Store) ShipmentFulfillmentAdd(ctx context.Context, f erp.ShipmentFulfillment) error {
	if f.Shop == "" || f.ShipmentID == "" || f.FulfillmentID == 0 {
		return fmt.Errorf("record fulfillment: it needs a shop, a shipment and a fulfillment id: %w", erp.ErrInvalidValue)
	}
	if f.At.IsZero() {
		f.At = s.clock()
	}
	if r := []rune(f.Name); len(r) > 100 {
		f.Name = string(r[:100])
	}
	st := s.st.ShipmentFulfillmentAdd(f)
	if err := s.inTx(ctx, "record fulfillment", func(tx *sql.Tx) error {
		_, err := s.exec(ctx, tx, st)
		return err
	}); err != nil {
		return fmt.Errorf("record fulfillment %d of shipment %s: %w", f.FulfillmentID, f.ShipmentID, err)
	}
	return nil
}

// ShipmentFulfillmentList reads the fulfillments created for some shipments.
func (s *Store) ShipmentFulfillmentList(ctx context.Context, shop string, shipmentIDs []string) ([]erp.ShipmentFulfillment, error) {
	var out []erp.ShipmentFulfillment
	for len(shipmentIDs) > 0 {
		n := min(len(shipmentIDs), 500)
		page, err := queryAll(ctx, s, "list fulfillments", s.st.ShipmentFulfillmentList(shop, shipmentIDs[:n]),
			func(rows *sql.Rows) (erp.ShipmentFulfillment, error) {
				var f erp.ShipmentFulfillment
				var at sql.NullTime
				if err := rows.Scan(&f.Shop, &f.ShipmentID, &f.FulfillmentID, &f.Name, &at); err != nil {
					return f, err
				}
				f.At = timeOf(at)
				return f, nil
			})
		if err != nil {
			return nil, fmt.Errorf("list fulfillments: %w", err)
		}
		out = append(out, page...)
		shipmentIDs = shipmentIDs[n:]
	}
	return out, nil
}

// --- statements ---------------------------------------------------------------------------

// ShipmentList picks at most lp.Limit shipments of a shop by the filters, highest id first,
// then reads all their rows, so a shipment is never cut in two. Values are bound as t's
// columns are, so its indexes (by sync status, by order) serve the filters.
func (st Statements) ShipmentList(t *Table, lp erp.ShipmentListParams) Stmt {
	p := &params{d: st.d}
	shopCol := column(t, "shop", passthrough.KindText)
	lineCol := "NULL"
	if c, err := t.Column("line_item_id"); err == nil {
		lineCol = "e." + st.d.Quote(c.Name)
	}
	where := []string{"shop = " + p.add(st.value(shopCol, lp.Shop))}
	switch lp.Status {
	case "":
	case erp.ShipmentUnsent:
		where = append(where, "sync_status IS NULL")
	default:
		where = append(where, "sync_status = "+p.add(st.value(column(t, "sync_status", passthrough.KindText), lp.Status)))
	}
	if lp.OrderID != 0 {
		where = append(where, "web_order_id = "+p.add(st.value(column(t, "web_order_id", passthrough.KindInteger), lp.OrderID)))
	}
	if lp.ShipmentID != "" {
		where = append(where, "shipment_id = "+p.add(st.value(column(t, "shipment_id", passthrough.KindText), lp.ShipmentID)))
	}
	if lp.Before != "" {
		where = append(where, "shipment_id < "+p.add(st.value(column(t, "shipment_id", passthrough.KindText), lp.Before)))
	}
	n := p.add(st.int64(int64(limit(lp.Limit, 50, 500))))
	q := "SELECT " + shipmentCols + ", " + lineCol + ", e.sync_status, e.sync_error, e.synced_at FROM " + st.name("external_order_shipments") +
		" e JOIN (SELECT shipment_id FROM " + st.name("external_order_shipments") + " WHERE " + strings.Join(where, " AND ") +
		" GROUP BY shipment_id ORDER BY shipment_id DESC" + st.d.Limit(n) + ") f ON f.shipment_id = e.shipment_id" +
		" WHERE e.shop = " + p.add(st.value(shopCol, lp.Shop)) + " ORDER BY e.shipment_id DESC, e.line_no"
	return Stmt{SQL: q, Args: p.args}
}

// ShipmentRetry sets a shop's shipment marked error or test back to unsent, answering how
// many rows it changed.
func (st Statements) ShipmentRetry(t *Table, shop, shipmentID string) Stmt {
	p := &params{d: st.d}
	status := column(t, "sync_status", passthrough.KindText)
	update := "UPDATE " + st.name("external_order_shipments") + " SET sync_status = NULL, sync_error = NULL, synced_at = NULL"
	where := "shipment_id = " + p.add(st.value(column(t, "shipment_id", passthrough.KindText), shipmentID)) +
		" AND shop = " + p.add(st.value(column(t, "shop", passthrough.KindText), shop)) +
		" AND sync_status IN (" + p.add(st.value(status, erp.ShipmentError)) + ", " + p.add(st.value(status, erp.ShipmentTest)) + ")"
	return st.counted(update, where, p.args)
}

// ShipmentFulfillmentAdd records a fulfillment of a shipment, once.
func (st Statements) ShipmentFulfillmentAdd(f erp.ShipmentFulfillment) Stmt {
	return Stmt{SQL: st.upsert(st.name("pt_shipment_fulfillments"), []string{"shop", "shipment_id", "fulfillment_id"},
		[]string{"shop", "shipment_id", "fulfillment_id", "name", "created_at"}, []string{"name", "created_at"}),
		Args: []any{st.text(f.Shop), st.text(f.ShipmentID), st.int64(f.FulfillmentID), st.text(f.Name), st.time(f.At)}}
}

// ShipmentFulfillmentList reads the fulfillments of some shipments of a shop.
func (st Statements) ShipmentFulfillmentList(shop string, ids []string) Stmt {
	p := &params{d: st.d}
	in := make([]string, len(ids))
	shopPh := p.add(st.text(shop))
	for i, id := range ids {
		in[i] = p.add(st.text(id))
	}
	return Stmt{SQL: "SELECT shop, shipment_id, fulfillment_id, name, created_at FROM " + st.name("pt_shipment_fulfillments") +
		" WHERE shop = " + shopPh + " AND shipment_id IN (" + strings.Join(in, ", ") + ") ORDER BY shipment_id, fulfillment_id", Args: p.args}
}
