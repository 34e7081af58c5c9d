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
	_, err = s.DB().ExecContext(t.Context(), "ANALYZE")
	require.NoError(t, err)
}

// TestEveryLedgerFilterIsServedByAnIndex reads SQLite's query plan for each page the
// portal asks for over 5,000 entries (the shape of the statistics decides the plan, not
// their size; BenchmarkLedgerList times a million): the ledger is never scanned whole, and
// every page but a search's comes in index order, unsorted (a search sorts the few entries
// its indexes find).
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
		for _, step := range plan {
			if strings.HasPrefix(step, "SCAN l") {
				require.Contains(t, step, "USING", "%s: %v", name, plan)
				require.NotContains(t, step, "PRIMARY KEY", "%s reads the whole ledger: %v", name, plan)
			}
			if !strings.HasPrefix(name, "order name") && !strings.HasPrefix(name, "email prefix") {
				require.NotContains(t, step, "TEMP B-TREE", "%s sorts: %v", name, plan)
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
