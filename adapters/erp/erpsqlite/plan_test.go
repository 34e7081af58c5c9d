package erpsqlite_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp/erpsqlite"
	"github.com/passthrough-dev/passthrough/adapters/erp/erptest"
)

// fillLedger writes n ledger entries the way erptest.LedgerPages expects, and analyzes.
func fillLedger(t testing.TB, s erptest.Store, n int) {
	t.Helper()
	_, err := s.Migrate(t.Context())
	require.NoError(t, err)
	_, err = s.DB().ExecContext(t.Context(), fmt.Sprintf(`
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < %d)
INSERT INTO pt_order_ledger (shop, order_id, order_name, order_date, customer_name, customer_email, search_email,
	total, currency, status, severity, problem, attempts, payload_hash, first_seen_at, updated_at)
SELECT 'acme', n, '#' || n, strftime('%%Y-%%m-%%d %%H:%%M:%%f', '2026-01-01', '+' || (n %% 300) || ' days'), 'Customer ' || n,
	'C' || n || '@example.com', 'c' || n || '@example.com', '10', 'USD',
	CASE n %% 5 WHEN 0 THEN 'staged' WHEN 1 THEN 'waiting' WHEN 2 THEN 'failed' WHEN 3 THEN 'skipped' ELSE 'cancelled' END,
	CASE WHEN n %% 50 = 0 THEN 'error' WHEN n %% 7 = 0 THEN 'retry' ELSE '' END, '', 1, '',
	'2026-01-01 00:00:00.000', strftime('%%Y-%%m-%%d %%H:%%M:%%f', '2026-01-01', '+' || n || ' seconds')
FROM g`, n))
	require.NoError(t, err)
	for _, q := range []string{`INSERT INTO pt_order_terms (shop, order_id, term)
SELECT 'acme', order_id, 'customer' FROM pt_order_ledger
UNION ALL SELECT 'acme', order_id, CAST(order_id AS TEXT) FROM pt_order_ledger
UNION ALL SELECT 'acme', order_id, 'sku-' || (order_id % 100) FROM pt_order_ledger`, `INSERT INTO s_orders (shop, web_order_id, erp_order_no, import_status) SELECT 'acme', order_id, 'SO-' || order_id, 'imported'
FROM pt_order_ledger WHERE order_id % 10 = 0`} {
		_, err = s.DB().ExecContext(t.Context(), q)
		require.NoError(t, err)
	}
	_, err = s.DB().ExecContext(t.Context(), "ANALYZE")
	require.NoError(t, err)
}

// TestEveryLedgerFilterIsServedByAnIndex reads SQLite's query plan for each page the
// portal asks for over 5,000 entries (the shape of the statistics decides the plan, not
// their size; BenchmarkLedgerList times a million): no table is scanned whole, and every
// page but a search's comes in index order, unsorted (a search sorts what its order name,
// email and ERP number lookups find, never the entries of a word, which may be most).
func TestEveryLedgerFilterIsServedByAnIndex(t *testing.T) {
	t.Parallel()
	s := open(t)
	fillLedger(t, s, 5000)
	for name, p := range erptest.LedgerPages() {
		st := erptest.LedgerPageStmt(t, s, erpsqlite.Dialect{}, p)
		rows, err := s.DB().QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+st.SQL, st.Args...)
		require.NoError(t, err)
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			require.NoError(t, rows.Scan(&id, &parent, &unused, &detail))
			plan = append(plan, detail)
		}
		require.NoError(t, rows.Err())
		rows.Close()
		search := p.Search != ""
		for i, step := range plan {
			// No table is read whole: every scan walks an index (a search's lookups are
			// read through co-routines, x, which are their results, not tables).
			if strings.HasPrefix(step, "SCAN ") && step != "SCAN x" {
				require.Contains(t, step, "USING", "%s: %v", name, plan)
				require.NotContains(t, step, "PRIMARY KEY", "%s reads a whole table: %v", name, plan)
			}
			if !search {
				require.NotContains(t, step, "TEMP B-TREE", "%s sorts: %v", name, plan)
			}
			// A word's lookup, which may match most of the ledger, walks the terms index in
			// order id order and stops after a page: it never sorts.
			if strings.Contains(step, "pt_order_terms_term") {
				require.Contains(t, plan[i+1], "SEARCH s USING PRIMARY KEY", "%s: %v", name, plan)
				require.Equal(t, "SCAN x", plan[i+2], "%s sorts the words' entries: %v", name, plan)
			}
		}
		page, err := s.LedgerList(t.Context(), p)
		require.NoError(t, err, name)
		require.NotEmpty(t, page, "%s finds entries", name)
	}
}

// BenchmarkLedgerList pages through a million ledger entries under each filter.
func BenchmarkLedgerList(b *testing.B) {
	s := open(b)
	fillLedger(b, s, 1000000)
	erptest.LedgerListBenchmark(b, s)
}
