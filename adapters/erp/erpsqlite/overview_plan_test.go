package erpsqlite_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/erp/erpsqlite"
	"github.com/passthrough-dev/passthrough/adapters/erp/internal/sqlstore"
	"github.com/passthrough-dev/passthrough/ledger"
)

// TestTheDashboardsTalliesReadAnIndexRange reads SQLite's query plan for the dashboard's
// counts: each walks one range of an index led by the shop (its ledger events of a status,
// its runs by start), never a whole table, so the dashboard costs the same on a store with
// years of history.
func TestTheDashboardsTalliesReadAnIndexRange(t *testing.T) {
	t.Parallel()
	s := open(t)
	_, err := s.Migrate(t.Context())
	require.NoError(t, err)
	st := sqlstore.NewStatements(erpsqlite.Dialect{})
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	var bounds []time.Time
	for i := range 25 {
		bounds = append(bounds, now.Add(time.Duration(i-24)*time.Hour))
	}
	for name, c := range map[string]struct {
		stmt  sqlstore.Stmt
		index string
	}{
		"orders staged": {st.LedgerEventTally(erp.TallyParams{Shop: "acme", Status: ledger.StatusStaged, Bounds: bounds}), "pt_ledger_events_status_at"},
		"runs":          {st.ExecutionTally(erp.TallyParams{Shop: "acme", Bounds: bounds}), "pt_feed_executions_started"},
	} {
		rows, err := s.DB().QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+c.stmt.SQL, c.stmt.Args...)
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
		joined := strings.Join(plan, "\n")
		require.Contains(t, joined, "SEARCH", "%s: %v", name, plan)
		require.Contains(t, joined, "USING INDEX "+c.index, "%s: %v", name, plan)
		require.NotRegexp(t, `SCAN pt_`, joined, "%s reads a whole table: %v", name, plan)
	}
}
