package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/ledger"
)

// LedgerStatusCounts counts a shop's entries by status, with those whose header the ERP has
// imported (a blank import status, spaces included, is not imported).
func (st Statements) LedgerStatusCounts(h *Table, shop string) (Stmt, error) {
	c, err := st.headerCols(h, erp.ColShop, erp.ColWebOrderID, erp.ColImportStatus)
	if err != nil {
		return Stmt{}, err
	}
	p := &params{d: st.d}
	q := fmt.Sprintf("SELECT l.status, COUNT(*), SUM(CASE WHEN LTRIM(RTRIM(COALESCE(h.%s, ''))) <> '' THEN 1 ELSE 0 END) FROM %s l "+
		"LEFT JOIN %s h ON h.%s = %s AND h.%s = l.order_id WHERE l.shop = %s GROUP BY l.status",
		c[2], st.name("pt_order_ledger"), st.quote(h.Name), c[0], st.d.Compared(column(h, erp.ColShop, passthrough.KindText), "l.shop"), c[1],
		p.add(st.text(shop)))
	return Stmt{SQL: q, Args: p.args}, nil
}

// LedgerStatusCounts counts a shop's entries by status, and the imported ones.
func (s *Store) LedgerStatusCounts(ctx context.Context, shop string) (erp.LedgerCounts, error) {
	h, err := s.table(ctx, s.header)
	if err != nil {
		return erp.LedgerCounts{}, fmt.Errorf("count ledger: %w", err)
	}
	st, err := s.st.LedgerStatusCounts(h, shop)
	if err != nil {
		return erp.LedgerCounts{}, fmt.Errorf("count ledger: %w", err)
	}
	type row struct {
		status          string
		count, imported int64
	}
	rows, err := queryAll(ctx, s, "count ledger", st, func(r *sql.Rows) (row, error) {
		var x row
		var imported sql.NullInt64
		err := r.Scan(&x.status, &x.count, &imported)
		x.imported = imported.Int64
		return x, err
	})
	if err != nil {
		return erp.LedgerCounts{}, fmt.Errorf("count ledger: %w", err)
	}
	out := erp.LedgerCounts{ByStatus: map[ledger.Status]int{}}
	for _, r := range rows {
		out.ByStatus[ledger.Status(r.status)] = int(r.count)
		out.Imported += int(r.imported)
	}
	return out, nil
}
