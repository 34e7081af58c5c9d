package erppostgres_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp/erppostgres"
	"github.com/passthrough-dev/passthrough/adapters/erp/erptest"
	"github.com/passthrough-dev/passthrough/adapters/erp/internal/sqlstore"
)

// fillLedger writes n ledger entries the way erptest.LedgerPages expects, and analyzes.
func fillLedger(t testing.TB, s erptest.Store, n int) {
	t.Helper()
	_, err := s.Migrate(t.Context())
	require.NoError(t, err)
	_, err = s.DB().ExecContext(t.Context(), fmt.Sprintf(`
INSERT INTO pt_order_ledger (shop, order_id, order_name, order_date, customer_name, customer_email, search_email,
	total, currency, status, severity, problem, attempts, payload_hash, first_seen_at, updated_at)
SELECT 'acme', g, '#' || g, timestamptz '2026-01-01' + (g %% 300) * interval '1 day', 'Customer ' || g,
	'C' || g || '@example.com', 'c' || g || '@example.com', 10, 'USD',
	(ARRAY['staged','waiting','failed','skipped','cancelled'])[1 + g %% 5],
	CASE WHEN g %% 50 = 0 THEN 'error' WHEN g %% 7 = 0 THEN 'retry' ELSE '' END, '', 1, '',
	timestamptz '2026-01-01', timestamptz '2026-01-01' + g * interval '1 second'
FROM generate_series(1, %d) g`, n))
	require.NoError(t, err)
	for _, q := range []string{`INSERT INTO pt_order_terms (shop, order_id, term)
SELECT 'acme', order_id, 'customer' FROM pt_order_ledger
UNION ALL SELECT 'acme', order_id, order_id::text FROM pt_order_ledger
UNION ALL SELECT 'acme', order_id, 'sku-' || (order_id % 100) FROM pt_order_ledger`, `INSERT INTO s_orders (shop, web_order_id, erp_order_no, import_status) SELECT 'acme', order_id, 'SO-' || order_id, 'imported'
FROM pt_order_ledger WHERE order_id % 10 = 0`} {
		_, err = s.DB().ExecContext(t.Context(), q)
		require.NoError(t, err)
	}
	_, err = s.DB().ExecContext(t.Context(), "ANALYZE pt_order_ledger, pt_order_terms, s_orders")
	require.NoError(t, err)
}

// seqScans lists the relations a plan reads whole.
func seqScans(node map[string]any) []string {
	var out []string
	if node["Node Type"] == "Seq Scan" {
		out = append(out, fmt.Sprint(node["Relation Name"]))
	}
	children, _ := node["Plans"].([]any)
	for _, c := range children {
		out = append(out, seqScans(c.(map[string]any))...)
	}
	return out
}

// TestEveryLedgerFilterIsServedByAnIndex reads the plan PostgreSQL picks for each page the
// portal asks for over 200,000 entries: none may read the ledger, the search terms or the
// headers whole.
func TestEveryLedgerFilterIsServedByAnIndex(t *testing.T) {
	t.Parallel()
	s := open(t)
	fillLedger(t, s, 200000)
	for name, p := range erptest.LedgerPages() {
		st := erptest.LedgerPageStmt(t, s, erppostgres.Dialect{}, p)
		var raw []byte
		require.NoError(t, s.DB().QueryRowContext(t.Context(), "EXPLAIN (FORMAT JSON) "+st.SQL, st.Args...).Scan(&raw), name)
		var plan []map[string]any
		require.NoError(t, json.Unmarshal(raw, &plan))
		for _, table := range []string{"pt_order_ledger", "pt_order_terms", "s_orders"} {
			require.NotContains(t, seqScans(plan[0]["Plan"].(map[string]any)), table, "%s: %s", name, raw)
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

// TestStagingLookupsByKeyUseTheKeyIndex reads the plans PostgreSQL makes for the store's
// lookups of orders by key in a filled s_orders (varchar keys, as on SQL Server): the text
// parameters pgx sends compare with varchar without converting the column, so the key
// index serves them. (SQL Server needs varchar parameters for that: see erpmssql's
// TestVarcharParametersSeekAVarcharIndexWhereNvarcharOnesScanIt.)
func TestStagingLookupsByKeyUseTheKeyIndex(t *testing.T) {
	t.Parallel()
	s := open(t)
	_, err := s.Migrate(t.Context())
	require.NoError(t, err)
	_, err = s.DB().ExecContext(t.Context(), `
INSERT INTO s_orders (shop, web_order_id, order_number)
SELECT 'shop' || (g % 50), g, '#' || g FROM generate_series(1, 50000) g`)
	require.NoError(t, err)
	_, err = s.DB().ExecContext(t.Context(), "ANALYZE s_orders")
	require.NoError(t, err)
	cols, err := s.TableColumns(t.Context(), "s_orders")
	require.NoError(t, err)
	h := sqlstore.NewTable("s_orders", cols)
	st := sqlstore.NewStatements(erppostgres.Dialect{}).InSchema(s.Schema())
	shop, _ := h.Column("shop")
	id, _ := h.Column("web_order_id")
	lock, err := st.HeaderLock(h, []passthrough.Column{shop, id}, []any{"shop7", int64(107)})
	require.NoError(t, err)
	status, err := st.ImportStatusList(h, "shop7", []int64{107, 157})
	require.NoError(t, err)
	for name, stmt := range map[string]sqlstore.Stmt{"HeaderLock": lock, "ImportStatusList": status} {
		var raw []byte
		require.NoError(t, s.DB().QueryRowContext(t.Context(), "EXPLAIN (FORMAT JSON) "+stmt.SQL, stmt.Args...).Scan(&raw), name)
		var plan []map[string]any
		require.NoError(t, json.Unmarshal(raw, &plan))
		require.NotContains(t, seqScans(plan[0]["Plan"].(map[string]any)), "s_orders", "%s: %s", name, raw)
	}
}
