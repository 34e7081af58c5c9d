package portal_test

import (
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/erp/erppostgres"
	"github.com/passthrough-dev/passthrough/adapters/erp/erpsqlite"
	"github.com/passthrough-dev/passthrough/adapters/erp/erptest"
	"github.com/passthrough-dev/passthrough/portal"
)

// ledgerRows is how many ledger entries the benchmark's database holds.
const ledgerRows = 1_000_000

// benchStore is a store with a million ledger entries, and its handle for seeding.
type benchStore interface {
	erp.Store
	DB() *sql.DB
}

// The data set, the same on every database: entry g (1…n) is order g, "#g", updated g
// seconds after 2026-01-01 (so the newest is g = n), ordered on day g % 300 of 2026, with
// status staged (70 %), waiting, failed, skipped or cancelled, email cg@example.com,
// customer "Customer g" and one line of SKU sku-(g % 1000): the search terms "customer", "g"
// and the SKU (seedTerms). Every tenth is imported by the ERP as SO-g (seedHeaders).
const (
	seedTerms = `
INSERT INTO pt_order_terms (shop, order_id, term)
SELECT 'acme', order_id, 'customer' FROM pt_order_ledger
UNION ALL SELECT 'acme', order_id, CAST(order_id AS VARCHAR(20)) FROM pt_order_ledger
UNION ALL SELECT 'acme', order_id, 'sku-' || CAST(order_id % 1000 AS VARCHAR(20)) FROM pt_order_ledger`
	seedHeaders = `
INSERT INTO s_orders (shop, web_order_id, erp_order_no, import_status)
SELECT 'acme', order_id, 'SO-' || CAST(order_id AS VARCHAR(20)), 'imported' FROM pt_order_ledger WHERE order_id % 10 = 0`
	seedSQLite = `
WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < %d)
INSERT INTO pt_order_ledger (shop, order_id, order_name, order_date, customer_name, customer_email, search_email,
	total, currency, status, severity, problem, attempts, payload_hash, first_seen_at, updated_at)
SELECT 'acme', g, '#' || g, strftime('%%Y-%%m-%%d %%H:%%M:%%f', '2026-01-01', '+' || (g %% 300) || ' days'),
	'Customer ' || g, 'C' || g || '@example.com', 'c' || g || '@example.com', '10.5', 'USD',
	CASE WHEN g %% 10 < 7 THEN 'staged' ELSE (CASE g %% 10 WHEN 7 THEN 'waiting' WHEN 8 THEN 'failed' ELSE (CASE WHEN g %% 20 = 9 THEN 'skipped' ELSE 'cancelled' END) END) END,
	CASE g %% 10 WHEN 7 THEN 'retry' WHEN 8 THEN 'error' ELSE '' END,
	CASE g %% 10 WHEN 8 THEN 'unknown SKU X-' || g ELSE '' END, 1, '',
	'2026-01-01 00:00:00.000', strftime('%%Y-%%m-%%d %%H:%%M:%%f', '2026-01-01', '+' || g || ' seconds')
FROM s`
	seedPostgres = `
INSERT INTO pt_order_ledger (shop, order_id, order_name, order_date, customer_name, customer_email, search_email,
	total, currency, status, severity, problem, attempts, payload_hash, first_seen_at, updated_at)
SELECT 'acme', g, '#' || g, timestamptz '2026-01-01' + (g %% 300) * interval '1 day',
	'Customer ' || g, 'C' || g || '@example.com', 'c' || g || '@example.com', 10.5, 'USD',
	CASE WHEN g %% 10 < 7 THEN 'staged' ELSE (CASE g %% 10 WHEN 7 THEN 'waiting' WHEN 8 THEN 'failed' ELSE (CASE WHEN g %% 20 = 9 THEN 'skipped' ELSE 'cancelled' END) END) END,
	CASE g %% 10 WHEN 7 THEN 'retry' WHEN 8 THEN 'error' ELSE '' END,
	CASE g %% 10 WHEN 8 THEN 'unknown SKU X-' || g ELSE '' END, 1, '',
	timestamptz '2026-01-01', timestamptz '2026-01-01' + g * interval '1 second'
FROM generate_series(1, %d) g`
)

// cursorAt is the list's "after" position just after entry g.
func cursorAt(g int) string {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	updated, ordered := start.Add(time.Duration(g)*time.Second), start.AddDate(0, 0, g%300)
	return fmt.Sprintf("%d.%d.%d", updated.UnixMilli(), ordered.UnixMilli(), g)
}

// orderListQueries are the lists people ask for: the newest, each filter, a search, and a
// page deep in the ledger.
func orderListQueries() []struct{ name, query string } {
	return []struct{ name, query string }{
		{"newest", ""},
		{"status", "status=failed"},
		{"severity", "severity=error"},
		{"dates", "from=2026-03-01&to=2026-03-07"},
		{"search_name", "q=" + url.QueryEscape("#500000")},
		{"search_email", "q=" + url.QueryEscape("c77777@")},
		{"deep_page", "after=" + cursorAt(ledgerRows/2)},
		{"status_deep_page", "status=waiting&after=" + cursorAt(ledgerRows/2)},
		{"dates_deep_page", "from=2026-03-01&to=2026-03-07&after=" + cursorAt(ledgerRows/2+14)},
		{"search_name_word", "q=customer"},
		{"search_name_two_words", "q=" + url.QueryEscape("Customer 777777")},
		{"search_name_deep_page", "q=customer&after=" + cursorAt(ledgerRows/2)},
		{"search_sku", "q=SKU-42"},
		{"search_sku_status", "q=SKU-48&status=failed"}, // sku-48 is on entries g % 10 = 8: failed
		{"search_shopify_id", "q=654321"},
		{"search_erp_order_no", "q=SO-500000"},
	}
}

// BenchmarkOrderList measures the Pass Through Orders page — request to rendered HTML,
// through the whole portal, the count of the orders that match included — on a million
// ledger entries, per query, and reports the 50th and 99th percentile latency. SQLite always; PostgreSQL too when
// PASSTHROUGH_TEST_PG_DSN is set.
func BenchmarkOrderList(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		st, err := erpsqlite.Open(b.Context(), "file:"+filepath.Join(b.TempDir(), "bench.db"))
		require.NoError(b, err)
		b.Cleanup(func() { st.Close() })
		benchOrderList(b, st, seedSQLite, "ANALYZE")
	})
	b.Run("postgres", func(b *testing.B) {
		st, err := erppostgres.Open(b.Context(), erptest.PostgresDSN(b))
		require.NoError(b, err)
		b.Cleanup(func() { st.Close() })
		benchOrderList(b, st, seedPostgres, "ANALYZE pt_order_ledger, pt_order_terms, s_orders")
	})
}

func benchOrderList(b *testing.B, st benchStore, seed, analyze string) {
	ctx := b.Context()
	_, err := st.Migrate(ctx)
	require.NoError(b, err)
	start := time.Now()
	_, err = st.DB().ExecContext(ctx, fmt.Sprintf(seed, ledgerRows))
	require.NoError(b, err)
	for _, q := range []string{seedTerms, seedHeaders} {
		_, err = st.DB().ExecContext(ctx, q)
		require.NoError(b, err)
	}
	_, err = st.DB().ExecContext(ctx, analyze)
	require.NoError(b, err)
	b.Logf("seeded %d ledger entries in %s", ledgerRows, time.Since(start).Round(time.Millisecond))

	srv, err := portal.New(portal.Deps{Stores: []portal.Store{{Shop: "acme", Mode: "live"}}, Ledger: st, Accounts: st, Users: composedUsers(b),
		Logger: slog.New(slog.DiscardHandler), LoginBurst: 100})
	require.NoError(b, err)
	cookies := benchLogin(b, srv)
	row := regexp.MustCompile(`<tr data-order-id="`)

	for _, q := range orderListQueries() {
		b.Run(q.name, func(b *testing.B) {
			var took []time.Duration
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, "/orders?"+q.query, nil)
				for _, c := range cookies {
					req.AddCookie(c)
				}
				rec := httptest.NewRecorder()
				t0 := time.Now()
				srv.ServeHTTP(rec, req)
				took = append(took, time.Since(t0))
				if rec.Code != http.StatusOK || len(row.FindAllStringIndex(rec.Body.String(), 2)) == 0 {
					b.Fatalf("GET /orders?%s: %d, no rows: %.300s", q.query, rec.Code, rec.Body.String())
				}
			}
			slices.Sort(took)
			pct := func(p float64) float64 {
				return float64(took[min(len(took)-1, int(p*float64(len(took))))].Microseconds()) / 1000
			}
			b.ReportMetric(pct(0.50), "p50-ms")
			b.ReportMetric(pct(0.99), "p99-ms")
		})
	}
}

// benchLogin signs in through the login form and returns the session cookie.
func benchLogin(b *testing.B, h http.Handler) []*http.Cookie {
	b.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/login", nil))
	m := tokenInput.FindStringSubmatch(rec.Body.String())
	require.NotNil(b, m)
	form := url.Values{"_csrf": {m[1]}, "name": {"olga"}, "password": {"olga-secret"}}
	req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range rec.Result().Cookies() {
		req.AddCookie(c)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(b, http.StatusSeeOther, rec.Code)
	return rec.Result().Cookies()
}

// openPostgres opens a store in a schema of its own on the test server, dropped at the end.
