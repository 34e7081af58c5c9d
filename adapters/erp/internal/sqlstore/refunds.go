package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
)

// Refunds and the completeness check: the store's side of issue 14. A refund that comes after
// its order was staged is written once, in one transaction with the record of it
// (pt_order_refunds) and a ledger event; the record, not the ERP's refunds table (which the ERP
// may clear after import), is what keeps it from being written twice.

// Dispositions of a refund in pt_order_refunds.
const (
	refundStaged   = "staged"   // its rows went to the refunds table
	refundAbsorbed = "absorbed" // the order's staged rows already leave out what it refunded
)

// refundPlan is what staging an order does with its refunds, checked against the real
// refunds table.
type refundPlan struct {
	t   *Table // nil when the mapping stages no refunds
	ids []int64
}

func (s *Store) planRefunds(ctx context.Context, r erp.OrderRefunds) (refundPlan, error) {
	p := refundPlan{ids: r.IDs}
	if r.Table.Name == "" || len(r.IDs) == 0 {
		return p, nil
	}
	t, err := s.refundTable(ctx, r.Table.Name)
	if err != nil {
		return p, err
	}
	p.t = t
	return p, nil
}

// refundTable is the real refunds table, with the columns the store reads and writes.
func (s *Store) refundTable(ctx context.Context, name string) (*Table, error) {
	t, err := s.table(ctx, name)
	if errors.Is(err, erp.ErrNotFound) {
		return nil, fmt.Errorf("refunds table %s is not in the database (run passthrough migrate): %w", name, erp.ErrUnknownColumn)
	}
	if err != nil {
		return nil, err
	}
	for _, c := range []string{erp.ColShop, erp.ColWebOrderID, erp.ColRefundID, erp.ColImportStatus} {
		if _, err := t.Column(c); err != nil {
			return nil, fmt.Errorf("refunds table %s: %w", name, err)
		}
	}
	return t, nil
}

// absorbRefunds records the refunds an order's new rows account for, within the order's
// staging transaction: rows of them the ERP has not imported are withdrawn from the refunds
// table, and each is recorded as absorbed unless rows of it the ERP imported remain (then it
// stays staged: the ERP has that credit).
func (s *Store) absorbRefunds(ctx context.Context, tx *sql.Tx, p refundPlan, shop string, orderID int64, now time.Time) error {
	if len(p.ids) == 0 {
		return nil
	}
	kept := map[int64]bool{}
	if p.t != nil {
		st := s.st.RefundImportedList(p.t, shop, orderID)
		rows, err := tx.QueryContext(ctx, st.SQL, st.Args...)
		if err != nil {
			return fmt.Errorf("read imported refunds: %w", err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("read imported refunds: %w", err)
			}
			kept[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read imported refunds: %w", err)
		}
		if _, err := s.exec(ctx, tx, s.st.RefundRowsWithdraw(p.t, shop, orderID)); err != nil {
			return fmt.Errorf("withdraw refund rows: %w", err)
		}
	}
	for _, id := range p.ids {
		disposition := refundAbsorbed
		if kept[id] {
			disposition = refundStaged
		}
		if _, err := s.exec(ctx, tx, s.st.RefundRecord(shop, id, orderID, disposition, now)); err != nil {
			return fmt.Errorf("record refund %d: %w", id, err)
		}
	}
	return nil
}

// RefundStage writes a refund's rows, its record and a ledger event in one transaction.
func (s *Store) RefundStage(ctx context.Context, p erp.RefundStageParams) error {
	if p.Shop == "" || p.OrderID == 0 || p.RefundID == 0 {
		return fmt.Errorf("stage refund: shop, order id and refund id are needed: %w", erp.ErrInvalidValue)
	}
	var runs [][]row
	var t *Table
	if len(p.Rows) > 0 {
		var err error
		if t, err = s.refundTable(ctx, p.Table.Name); err != nil {
			return fmt.Errorf("stage refund %d: %w", p.RefundID, err)
		}
		for n, in := range p.Rows {
			r, err := resolve(s.d, t, in)
			if err != nil {
				return fmt.Errorf("stage refund %d: row %d: %w", p.RefundID, n+1, err)
			}
			runs = addToRuns(runs, r)
		}
	}
	// The rows before the ledger entry, as OrderStage checks them: a value the ERP's columns
	// cannot hold is what the problem should name.
	if err := checkLedger(p.Ledger); err != nil {
		return fmt.Errorf("stage refund: %w", err)
	}
	e := p.Ledger
	message := fmt.Sprintf("refund %d staged with %d rows", p.RefundID, len(p.Rows))
	err := s.inTx(ctx, "stage refund", func(tx *sql.Tx) error {
		now := s.clock()
		if _, err := s.exec(ctx, tx, s.st.RefundInsert(p.Shop, p.RefundID, p.OrderID, refundStaged, now)); err != nil {
			if errors.Is(s.mapErr(err), erp.ErrDuplicate) {
				return fmt.Errorf("refund %d was dealt with before: %w", p.RefundID, erp.ErrDuplicate)
			}
			return fmt.Errorf("record refund: %w", err)
		}
		for _, run := range runs {
			if _, err := s.exec(ctx, tx, s.st.LinesInsert(t, run)); err != nil {
				return fmt.Errorf("write refund rows: %w", err)
			}
		}
		return s.writeLedger(ctx, tx, e, now, true, message)
	})
	if err != nil {
		return fmt.Errorf("stage refund %d of order %d: %w", p.RefundID, p.OrderID, err)
	}
	return nil
}

// OrderRefundIDs lists the refunds of an order that were staged or absorbed.
func (s *Store) OrderRefundIDs(ctx context.Context, shop string, orderID int64) ([]int64, error) {
	ids, err := queryAll(ctx, s, "list order refunds", s.st.RefundIDList(shop, orderID), func(r *sql.Rows) (int64, error) {
		var id int64
		return id, r.Scan(&id)
	})
	if err != nil {
		return nil, fmt.Errorf("list refunds of order %d: %w", orderID, err)
	}
	return ids, nil
}

// CompletenessPut records checked days.
func (s *Store) CompletenessPut(ctx context.Context, days []erp.CompletenessDay) error {
	for _, d := range days {
		if d.Shop == "" || len(d.Day) != len("2006-01-02") {
			return fmt.Errorf("record completeness: a day needs a shop and a date (YYYY-MM-DD): %w", erp.ErrInvalidValue)
		}
	}
	err := s.inTx(ctx, "record completeness", func(tx *sql.Tx) error {
		for _, d := range days {
			if _, err := s.exec(ctx, tx, s.st.CompletenessPut(d)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record completeness: %w", err)
	}
	return nil
}

// CompletenessList reads a shop's checked days, the most recent first.
func (s *Store) CompletenessList(ctx context.Context, shop string, limit int) ([]erp.CompletenessDay, error) {
	if limit <= 0 {
		limit = 31
	}
	days, err := queryAll(ctx, s, "list completeness", s.st.CompletenessList(shop, limit), func(r *sql.Rows) (erp.CompletenessDay, error) {
		d := erp.CompletenessDay{Shop: shop}
		var at sql.NullTime
		var n [4]int64
		err := r.Scan(&d.Day, &at, &n[0], &n[1], &n[2], &n[3])
		d.CheckedAt = timeOf(at)
		d.ShopifyOrders, d.Missing, d.Late, d.Imported = int(n[0]), int(n[1]), int(n[2]), int(n[3])
		d.Day = strings.TrimSpace(d.Day)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("list completeness: %w", err)
	}
	return days, nil
}

// --- statements ----------------------------------------------------------------------------

// RefundInsert records a refund passthrough has dealt with; a duplicate key when it already
// did.
func (st Statements) RefundInsert(shop string, refundID, orderID int64, disposition string, at time.Time) Stmt {
	p := &params{d: st.d}
	return Stmt{SQL: fmt.Sprintf("INSERT INTO %s (shop, refund_id, order_id, disposition, recorded_at) VALUES (%s, %s, %s, %s, %s)",
		st.name("pt_order_refunds"), p.add(st.text(shop)), p.add(st.int64(refundID)), p.add(st.int64(orderID)),
		p.add(st.text(disposition)), p.add(st.time(at))), Args: p.args}
}

// RefundRecord writes a refund's record, whether or not there is one.
func (st Statements) RefundRecord(shop string, refundID, orderID int64, disposition string, at time.Time) Stmt {
	return Stmt{SQL: st.upsert(st.name("pt_order_refunds"), []string{"shop", "refund_id"}, []string{"shop", "refund_id", "order_id", "disposition", "recorded_at"}, nil),
		Args: []any{st.text(shop), st.int64(refundID), st.int64(orderID), st.text(disposition), st.time(at)}}
}

// RefundIDList lists an order's recorded refunds.
func (st Statements) RefundIDList(shop string, orderID int64) Stmt {
	p := &params{d: st.d}
	return Stmt{SQL: "SELECT refund_id FROM " + st.name("pt_order_refunds") + " WHERE shop = " + p.add(st.text(shop)) +
		" AND order_id = " + p.add(st.int64(orderID)) + " ORDER BY refund_id", Args: p.args}
}

// refundWhere is the refunds table's columns refund_id and import_status, quoted, and the
// condition that picks an order's rows, its values bound as the table's columns are.
func (st Statements) refundWhere(t *Table, p *params, shop string, orderID int64) (refund, status, where string) {
	q := func(name string) (passthrough.Column, string) {
		c, _ := t.Column(name) // refundTable checked they are there
		return c, st.d.Quote(c.Name)
	}
	shopCol, sh := q(erp.ColShop)
	orderCol, order := q(erp.ColWebOrderID)
	_, refund = q(erp.ColRefundID)
	_, status = q(erp.ColImportStatus)
	return refund, status, sh + " = " + p.add(st.value(shopCol, shop)) + " AND " + order + " = " + p.add(st.value(orderCol, orderID))
}

// RefundImportedList lists the refunds of an order whose rows the ERP has imported.
func (st Statements) RefundImportedList(t *Table, shop string, orderID int64) Stmt {
	p := &params{d: st.d}
	refund, status, where := st.refundWhere(t, p, shop, orderID)
	return Stmt{SQL: fmt.Sprintf("SELECT DISTINCT %s FROM %s WHERE %s AND COALESCE(%s, '') <> ''",
		refund, st.quote(t.Name), where, status), Args: p.args}
}

// RefundRowsWithdraw deletes an order's refund rows the ERP has not imported.
func (st Statements) RefundRowsWithdraw(t *Table, shop string, orderID int64) Stmt {
	p := &params{d: st.d}
	_, status, where := st.refundWhere(t, p, shop, orderID)
	return Stmt{SQL: fmt.Sprintf("DELETE FROM %s WHERE %s AND COALESCE(%s, '') = ''",
		st.quote(t.Name), where, status), Args: p.args}
}

// CompletenessPut writes one checked day.
func (st Statements) CompletenessPut(d erp.CompletenessDay) Stmt {
	return Stmt{SQL: st.upsert(st.name("pt_completeness"), []string{"shop", "day"},
		[]string{"shop", "day", "checked_at", "shopify_orders", "missing", "late", "imported"}, nil),
		Args: []any{st.text(d.Shop), st.text(d.Day), st.time(d.CheckedAt), st.int64(int64(d.ShopifyOrders)), st.int64(int64(d.Missing)),
			st.int64(int64(d.Late)), st.int64(int64(d.Imported))}}
}

// CompletenessList reads a shop's checked days, the most recent first.
func (st Statements) CompletenessList(shop string, limit int) Stmt {
	p := &params{d: st.d}
	w := p.add(st.text(shop))
	return Stmt{SQL: "SELECT day, checked_at, shopify_orders, missing, late, imported FROM " + st.name("pt_completeness") + " WHERE shop = " + w +
		" ORDER BY day DESC" + st.d.Limit(p.add(st.int64(int64(limit)))), Args: p.args}
}
