package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/ledger"
)

// maxParams keeps one multi-row INSERT under every database's parameter limit (SQL Server
// takes 2,100).
const maxParams = 2000

// stagePlan is an order checked against the real tables, ready to write.
type stagePlan struct {
	h, l       *Table
	header     row
	key        []passthrough.Column // the header's key columns in the header table
	keyVals    []any
	lineKey    []passthrough.Column // the same columns in the lines table
	lines      [][]row              // runs of lines with the same columns, each one INSERT
	insertOnly []string
	refunds    refundPlan
}

// OrderStage writes one order's header and lines, its ledger entry and a ledger event in
// one transaction.
func (s *Store) OrderStage(ctx context.Context, p erp.OrderStageParams) error {
	// The rows first: a value the ERP's columns cannot hold is what the order's problem
	// should name, before anything the ledger cannot hold.
	plan, err := s.planStage(ctx, p)
	if err != nil {
		return fmt.Errorf("stage order %d: %w", p.Ledger.OrderID, err)
	}
	if err := checkLedger(p.Ledger); err != nil {
		return fmt.Errorf("stage order: %w", err)
	}
	e := p.Ledger
	if e.Status == "" {
		e.Status = ledger.StatusStaged
	}
	message := e.Problem
	if message == "" && e.Status == ledger.StatusStaged {
		message = fmt.Sprintf("staged with %d lines", len(p.LineRows))
	}
	err = s.inTx(ctx, "stage order", func(tx *sql.Tx) error {
		now := s.clock()
		header := row{cols: slices.Clone(plan.header.cols), vals: slices.Clone(plan.header.vals)}
		s.stampHeader(plan.h, &header, now, true)
		st, err := s.st.HeaderStage(plan.h, plan.key, header, plan.insertOnly)
		if err != nil {
			return err
		}
		var written int64
		switch err := s.queryRow(ctx, tx, st).Scan(&written); {
		case errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("the header's import status is set: %w", erp.ErrImported)
		case err != nil:
			return fmt.Errorf("write header: %w", err)
		}
		// Read under the header's lock, which every staging of the order takes first: a
		// newer version another process staged is committed by now, ledger and all.
		if err := s.checkVersion(ctx, tx, e); err != nil {
			return err
		}
		// Deleted even for a new header: an ERP that purges imported headers may leave their
		// lines behind.
		if _, err := s.exec(ctx, tx, s.st.LinesDelete(plan.l, plan.lineKey, plan.keyVals)); err != nil {
			return fmt.Errorf("delete old lines: %w", err)
		}
		for _, run := range plan.lines {
			if _, err := s.exec(ctx, tx, s.st.LinesInsert(plan.l, run)); err != nil {
				return fmt.Errorf("write lines: %w", err)
			}
		}
		if err := s.absorbRefunds(ctx, tx, plan.refunds, e.Shop, e.OrderID, now); err != nil {
			return err
		}
		return s.writeLedger(ctx, tx, e, now, true, message)
	})
	if err != nil {
		return fmt.Errorf("stage order %d: %w", p.Ledger.OrderID, err)
	}
	return nil
}

// checkVersion refuses to stage a version of an order older than the one its ledger entry
// records.
func (s *Store) checkVersion(ctx context.Context, tx *sql.Tx, e ledger.Entry) error {
	if e.ShopifyUpdatedAt.IsZero() {
		return nil
	}
	var recorded sql.NullTime
	switch err := s.queryRow(ctx, tx, s.st.LedgerVersion(e.Shop, e.OrderID)).Scan(&recorded); {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("read ledger: %w", err)
	}
	if at := timeOf(recorded); at.After(Normalize(e.ShopifyUpdatedAt)) {
		return fmt.Errorf("updated in Shopify at %s, the ledger has the version of %s: %w",
			Normalize(e.ShopifyUpdatedAt).Format(time.RFC3339), at.Format(time.RFC3339), erp.ErrOutdated)
	}
	return nil
}

// mappedTable is a table a mapping names. One the database does not have is the mapping's
// mistake, like a column it lacks (ErrUnknownColumn): it fails the order for a person, and
// is never ErrNotFound, which callers read as "no such order".
func (s *Store) mappedTable(ctx context.Context, name string) (*Table, error) {
	t, err := s.table(ctx, name)
	if errors.Is(err, erp.ErrNotFound) {
		return nil, fmt.Errorf("table %s is not in the database: %w", name, erp.ErrUnknownColumn)
	}
	return t, err
}

func (s *Store) planStage(ctx context.Context, p erp.OrderStageParams) (stagePlan, error) {
	var plan stagePlan
	var err error
	if plan.h, err = s.mappedTable(ctx, p.Header.Name); err != nil {
		return plan, err
	}
	if plan.l, err = s.mappedTable(ctx, p.Lines.Name); err != nil {
		return plan, err
	}
	if _, err := plan.h.Column(erp.ColImportStatus); err != nil {
		return plan, fmt.Errorf("header table %s cannot say whether the ERP imported an order: %w", plan.h.Name, err)
	}
	if plan.header, err = resolve(s.d, plan.h, p.HeaderRow); err != nil {
		return plan, err
	}
	if plan.key, plan.keyVals, err = keyOf(plan.h, plan.header, p.Header.Key); err != nil {
		return plan, err
	}
	if c, err := plan.h.Column(erp.ColCreatedAt); err == nil {
		plan.insertOnly = []string{c.Name}
	}
	plan.lineKey = make([]passthrough.Column, len(plan.key))
	for i, k := range plan.key {
		if plan.lineKey[i], err = plan.l.Column(k.Name); err != nil {
			return plan, fmt.Errorf("lines table %s lacks the header's key column %q: %w", plan.l.Name, k.Name, erp.ErrUnknownColumn)
		}
	}
	for n, in := range p.LineRows {
		r, err := resolve(s.d, plan.l, in)
		if err != nil {
			return plan, fmt.Errorf("line %d: %w", n+1, err)
		}
		// Each line carries its order's key: filled in when the mapping left it out,
		// refused when it names another order (as the column compares: a key that differs
		// only by case is the same key in a case-insensitive column).
		for i, c := range plan.lineKey {
			j := r.index(c.Name)
			if j < 0 {
				r.set(&plan.lineKey[i], plan.keyVals[i])
				continue
			}
			line, header := fmt.Sprint(r.vals[j]), fmt.Sprint(plan.keyVals[i])
			if line != header && !(c.IgnoreCase && strings.EqualFold(line, header)) {
				return plan, fmt.Errorf("line %d: %s is %v, the header's is %v: %w", n+1, c.Name, r.vals[j], plan.keyVals[i], erp.ErrInvalidValue)
			}
		}
		plan.lines = addToRuns(plan.lines, r)
	}
	if plan.refunds, err = s.planRefunds(ctx, p.Refunds); err != nil {
		return plan, err
	}
	return plan, nil
}

// addToRuns adds r to the last run of rows when it has the same columns and the INSERT stays
// under the parameter limit, or starts a new run: each run is one INSERT.
func addToRuns(runs [][]row, r row) [][]row {
	last := len(runs) - 1
	if last >= 0 && slices.Equal(runs[last][0].names(), r.names()) && (len(runs[last])+1)*len(r.cols) <= maxParams {
		runs[last] = append(runs[last], r)
		return runs
	}
	return append(runs, []row{r})
}

// lockHeader locks the order's header key, reports whether the header exists, and refuses
// an order the ERP has imported (CHAR columns come padded, hence the trim).
func (s *Store) lockHeader(ctx context.Context, tx *sql.Tx, h *Table, key []passthrough.Column, vals []any) (bool, error) {
	st, err := s.st.HeaderLock(h, key, vals)
	if err != nil {
		return false, err
	}
	var status sql.NullString
	switch err := s.queryRow(ctx, tx, st).Scan(&status); {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("read import status: %w", err)
	case strings.TrimSpace(status.String) != "":
		return true, fmt.Errorf("import status %q: %w", strings.TrimSpace(status.String), erp.ErrImported)
	}
	return true, nil
}

// stampHeader sets the header's created_at and updated_at when the table has them; the
// store owns those columns, whatever the mapping says.
func (s *Store) stampHeader(h *Table, r *row, now time.Time, created bool) {
	names := []string{erp.ColUpdatedAt}
	if created {
		names = append(names, erp.ColCreatedAt)
	}
	for _, n := range names {
		if c, err := h.Column(n); err == nil {
			r.set(&c, s.d.Bind(c, now))
		}
	}
}

// OrderHeaderUpdate sets some columns of a staged header and writes the ledger entry.
func (s *Store) OrderHeaderUpdate(ctx context.Context, p erp.OrderHeaderUpdateParams) error {
	if err := checkLedger(p.Ledger); err != nil {
		return fmt.Errorf("update order header: %w", err)
	}
	if p.Ledger.Status == "" {
		return fmt.Errorf("update order header %d: the ledger entry needs a status: %w", p.Ledger.OrderID, erp.ErrInvalidValue)
	}
	h, err := s.mappedTable(ctx, p.Header.Name)
	if err != nil {
		return fmt.Errorf("update order header %d: %w", p.Ledger.OrderID, err)
	}
	r, err := resolve(s.d, h, p.Row)
	if err != nil {
		return fmt.Errorf("update order header %d: %w", p.Ledger.OrderID, err)
	}
	key, keyVals, err := keyOf(h, r, p.Header.Key)
	if err != nil {
		return fmt.Errorf("update order header %d: %w", p.Ledger.OrderID, err)
	}
	var set row
	for i, c := range r.cols {
		if !slices.ContainsFunc(key, func(k passthrough.Column) bool { return k.Name == c.Name }) {
			set.set(c, r.vals[i])
		}
	}
	if len(set.cols) == 0 {
		return fmt.Errorf("update order header %d: no columns to set besides the key: %w", p.Ledger.OrderID, erp.ErrInvalidValue)
	}
	err = s.inTx(ctx, "update order header", func(tx *sql.Tx) error {
		now := s.clock()
		exists, err := s.lockHeader(ctx, tx, h, key, keyVals)
		if err != nil {
			return err
		}
		if !exists {
			return fmt.Errorf("no staged header: %w", erp.ErrNotFound)
		}
		upd := row{cols: slices.Clone(set.cols), vals: slices.Clone(set.vals)}
		s.stampHeader(h, &upd, now, false)
		if _, err := s.exec(ctx, tx, s.st.HeaderUpdate(h, key, keyVals, upd)); err != nil {
			return fmt.Errorf("write header: %w", err)
		}
		return s.writeLedger(ctx, tx, p.Ledger, now, true, p.Ledger.Problem)
	})
	if err != nil {
		return fmt.Errorf("update order header %d: %w", p.Ledger.OrderID, err)
	}
	return nil
}

// OrderImportStatusList reads back what the ERP wrote on the headers of some orders, in
// the order asked; orders without a header are left out.
func (s *Store) OrderImportStatusList(ctx context.Context, p erp.OrderImportStatusListParams) ([]erp.OrderImportStatus, error) {
	name := p.Header.Name
	if name == "" {
		name = s.header
	}
	h, err := s.table(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("list import status: %w", err)
	}
	found := map[int64]erp.OrderImportStatus{}
	for ids := range slices.Chunk(p.OrderIDs, 500) {
		st, err := s.st.ImportStatusList(h, p.Shop, ids)
		if err != nil {
			return nil, fmt.Errorf("list import status: %w", err)
		}
		err = s.retry(ctx, "list import status", func(ctx context.Context) error {
			rows, err := s.query(ctx, st)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var o erp.OrderImportStatus
				var status, msg, no sql.NullString
				if err := rows.Scan(&o.OrderID, &status, &msg, &no); err != nil {
					return err
				}
				o.ImportStatus, o.ImportError, o.ERPOrderNo = strings.TrimSpace(status.String), msg.String, strings.TrimSpace(no.String)
				found[o.OrderID] = o
			}
			return rows.Err()
		})
		if err != nil {
			return nil, fmt.Errorf("list import status: %w", err)
		}
	}
	out := make([]erp.OrderImportStatus, 0, len(found))
	for _, id := range p.OrderIDs {
		if o, ok := found[id]; ok {
			out = append(out, o)
			delete(found, id)
		}
	}
	return out, nil
}
