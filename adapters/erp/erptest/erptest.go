// Package erptest is the conformance suite every erp.Store implementation runs, in the
// manner of river's riverdrivertest: one set of cases, written once against the erp
// contract, that each dialect package calls from its own tests with a way to open a fresh,
// empty store. Where databases really differ the suite branches on Dialect() and fails on a
// dialect it does not know, so a new dialect has to declare itself here.
package erptest

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/ledger"
)

// Store is an erp.Store that also hands out its database handle, so the suite can create
// tables of its own and look at rows the store does not return, migrates to a given
// version, so the suite can build a database as an earlier passthrough left it, and says
// which schema it works in, so the suite's own SQL finds the same tables.
type Store interface {
	erp.Store
	DB() *sql.DB
	MigrateTo(ctx context.Context, version int64) (erp.MigrateResult, error)
	Schema() string
}

// Opener opens a fresh, empty, not yet migrated store for one test, and closes and removes
// it when the test ends. On a server, each test's store works in a schema of its own.
type Opener func(t testing.TB, opts ...erp.Option) Store

// Run runs every case against stores from open. Cases run in parallel, each on a store of
// its own.
func Run(t *testing.T, open Opener) {
	t.Helper()
	runSchema(t, open)
	runStaging(t, open)
	runValues(t, open)
	runCustomerTables(t, open)
	runWidths(t, open)
	runLedger(t, open)
	runBookkeeping(t, open)
	runERPSide(t, open)
	runWebhooks(t, open)
	runRefunds(t, open)
	runGoingLive(t, open)
	runLocks(t, open)
	runOperator(t, open)
	runAccounts(t, open)
	runCounts(t, open)
	runColumnsNow(t, open)
	runAlerts(t, open)
	runOverview(t, open)
}

// bundle is what one case works with.
type bundle struct {
	ctx   context.Context
	store Store
	d     erp.Dialect
	clock *Clock
	// applied and version are what migrating the fresh database did.
	applied []string
	version int64
}

// setup opens a store on a fake clock, logging to the test, and migrates it.
func setup(t testing.TB, open Opener, opts ...erp.Option) *bundle {
	t.Helper()
	clock := NewClock(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := open(t, append([]erp.Option{erp.WithClock(clock.Now), erp.WithLogger(log)}, opts...)...)
	b := newBundle(t, s)
	b.clock = clock
	res, err := s.Migrate(b.ctx)
	require.NoError(t, err)
	require.NotEmpty(t, res.Applied, "a fresh database gets every migration")
	b.applied, b.version = res.Applied, res.Version
	return b
}

// Clock is a fake clock that moves one second forward each time it is read, so times the
// store sets are distinct and ordered.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock starts a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the current time and moves the clock on by a second.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.t
	c.t = c.t.Add(time.Second)
	return now
}

// newBundle is the bundle of a store opened by the case itself.
func newBundle(t testing.TB, s Store) *bundle {
	return &bundle{ctx: t.Context(), store: s, d: s.Dialect()}
}

// ph is the dialect's i-th placeholder, for the suite's own SQL.
func (b *bundle) ph(t testing.TB, i int) string {
	switch b.d {
	case erp.DialectSQLite:
		return "?"
	case erp.DialectPostgres:
		return "$" + strconv.Itoa(i)
	case erp.DialectSQLServer:
		return "@p" + strconv.Itoa(i)
	}
	t.Fatalf("the suite does not know dialect %q", b.d)
	return ""
}

// sql replaces ?1, ?2 … in q with the dialect's placeholders and, on SQL Server, puts the
// tables q names in the store's schema (PostgreSQL finds them through its search_path;
// SQL Server has no such setting).
func (b *bundle) sql(t testing.TB, q string) string {
	for i := 9; i >= 1; i-- {
		q = strings.ReplaceAll(q, "?"+strconv.Itoa(i), b.ph(t, i))
	}
	if schema := b.store.Schema(); schema != "" && b.d == erp.DialectSQLServer {
		q = tableRef.ReplaceAllStringFunc(q, func(m string) string {
			g := tableRef.FindStringSubmatch(m)
			if g[2] == "inserted" || g[2] == "deleted" { // a trigger's own rows
				return m
			}
			return g[1] + " [" + schema + "]." + g[2] + g[3]
		})
	}
	return q
}

// tableRef finds a table the suite's SQL names without a schema.
var tableRef = regexp.MustCompile(`(?i)\b(FROM|JOIN|INTO|UPDATE|TABLE)\s+(\w+)([^.\w(]|$)`)

// table is name in the store's schema, for the suite's SQL where sql cannot tell a name.
func (b *bundle) table(name string) string {
	if schema := b.store.Schema(); schema != "" {
		switch b.d {
		case erp.DialectSQLServer:
			return "[" + schema + "]." + name
		case erp.DialectPostgres:
			return `"` + schema + `".` + name
		}
	}
	return name
}

// timeArg binds a time for the suite's own SQL: SQLite keeps times as sortable UTC text.
func (b *bundle) timeArg(t time.Time) any {
	if b.d == erp.DialectSQLite {
		return t.UTC().Format("2006-01-02 15:04:05.000")
	}
	return t.UTC()
}

func (b *bundle) exec(t testing.TB, q string, args ...any) {
	t.Helper()
	_, err := b.store.DB().ExecContext(b.ctx, b.sql(t, q), args...)
	require.NoError(t, err, q)
}

// rows reads every row of q as column → value maps.
func (b *bundle) rows(t testing.TB, q string, args ...any) []map[string]any {
	t.Helper()
	rows, err := b.store.DB().QueryContext(b.ctx, b.sql(t, q), args...)
	require.NoError(t, err, q)
	defer rows.Close()
	cols, err := rows.Columns()
	require.NoError(t, err)
	var out []map[string]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		require.NoError(t, rows.Scan(ptrs...))
		m := map[string]any{}
		for i, c := range cols {
			m[strings.ToLower(c)] = vals[i]
		}
		out = append(out, m)
	}
	require.NoError(t, rows.Err())
	return out
}

func (b *bundle) count(t testing.TB, q string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, b.store.DB().QueryRowContext(b.ctx, b.sql(t, q), args...).Scan(&n), q)
	return n
}

func (b *bundle) header(t *testing.T, shop string, id int64) map[string]any {
	t.Helper()
	rows := b.rows(t, "SELECT * FROM s_orders WHERE shop = ?1 AND web_order_id = ?2", shop, id)
	require.Len(t, rows, 1, "one header for order %d", id)
	return rows[0]
}

func (b *bundle) lines(t *testing.T, shop string, id int64) []map[string]any {
	t.Helper()
	return b.rows(t, "SELECT * FROM s_order_details WHERE shop = ?1 AND web_order_id = ?2 ORDER BY line_no", shop, id)
}

// Readers of values as the drivers return them.

func str(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case []byte:
		return string(x)
	case string:
		return x
	}
	return fmt.Sprint(v)
}

func dec(t *testing.T, v any) decimal.Decimal {
	t.Helper()
	switch x := v.(type) {
	case float64:
		t.Fatalf("a decimal came back as the float %v", x)
	case int64:
		return decimal.New(x, 0)
	}
	d, err := decimal.NewFromString(str(v))
	require.NoError(t, err)
	return d
}

func tm(t *testing.T, v any) time.Time {
	t.Helper()
	switch x := v.(type) {
	case time.Time:
		return x.UTC()
	case string:
		p, err := time.Parse("2006-01-02 15:04:05.999999999", x)
		require.NoError(t, err)
		return p
	}
	t.Fatalf("%v (%T) is not a time", v, v)
	return time.Time{}
}

func boolean(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case int64:
		return x != 0
	}
	return false
}

func integer(t *testing.T, v any) int64 {
	t.Helper()
	switch x := v.(type) {
	case int64:
		return x
	case int32:
		return int64(x)
	}
	n, err := strconv.ParseInt(str(v), 10, 64)
	require.NoError(t, err)
	return n
}

// Order builds a realistic order of n lines for shop, as a mapping would produce it.
func Order(shop string, id int64, n int) erp.OrderStageParams {
	date := time.Date(2026, 11, 20, 14, 3, 9, 0, time.UTC)
	h := passthrough.Row{}
	for _, kv := range []struct {
		c string
		v any
	}{
		{"shop", shop}, {"web_order_id", id}, {"order_number", fmt.Sprintf("#%d", id)}, {"order_date", date},
		{"customer_no", "WEBCUST"}, {"customer_email", fmt.Sprintf("buyer%d@example.com", id)},
		{"bill_to_name", "Bob Norman"}, {"bill_to_address1", "Chestnut Street 92"}, {"bill_to_city", "Louisville"},
		{"bill_to_state", "KY"}, {"bill_to_zip", "40202"}, {"bill_to_country", "United States"}, {"bill_to_phone", "+1 555-555-5555"},
		{"ship_to_name", "Bob Norman"}, {"ship_to_address1", "Chestnut Street 92"}, {"ship_to_city", "Louisville"},
		{"ship_to_state", "KY"}, {"ship_to_zip", "40202"}, {"ship_to_country", "United States"},
		{"payment_terms", "NET30"}, {"salesperson_no", "0100"}, {"customer_division", "01"}, {"order_type", "S"},
		{"hold_code", ""}, {"tax_schedule", "AVATAX"}, {"print_pick_sheet", "Y"}, {"print_sales_order", "N"},
		{"ship_via", "UPS GROUND"}, {"freight_amount", decimal.RequireFromString("5.00")},
		{"discount_amount", decimal.RequireFromString("0.00")}, {"tax_amount", decimal.RequireFromString("11.94")},
		{"order_total", decimal.RequireFromString("254.98")}, {"currency", "USD"}, {"comment", "leave at the door"},
		{"cancelled", false},
	} {
		h.Set(kv.c, kv.v)
	}
	p := erp.OrderStageParams{OrderRows: passthrough.OrderRows{
		Header:    passthrough.Table{Name: "s_orders", Key: []string{"shop", "web_order_id"}},
		HeaderRow: h,
		Lines:     passthrough.Table{Name: "s_order_details", Key: []string{"shop", "web_order_id", "line_no"}},
	},
		Ledger: ledger.Entry{
			Shop: shop, OrderID: id, OrderName: fmt.Sprintf("#%d", id), OrderDate: date,
			CustomerName: "Bob Norman", CustomerEmail: fmt.Sprintf("Buyer%d@Example.com", id),
			Total: decimal.RequireFromString("254.98"), Currency: "USD",
			Payload:     []byte(fmt.Sprintf(`{"id":%d,"name":"#%d","financial_status":"paid"}`, id, id)),
			PayloadHash: fmt.Sprintf("sha256:%064d", id), ShopifyUpdatedAt: date.Add(time.Hour),
		},
	}
	for i := 1; i <= n; i++ {
		p.LineRows = append(p.LineRows, passthrough.Row{
			Columns: []string{"shop", "web_order_id", "line_no", "line_item_id", "item_code", "description", "quantity",
				"unit_price", "discount_amount", "tax_amount", "extension", "warehouse_code"},
			Values: []any{shop, id, int64(i), id*100 + int64(i), fmt.Sprintf("SKU-%03d", i), fmt.Sprintf("Item number %d", i),
				int64(i), decimal.RequireFromString("19.99"), decimal.Zero, decimal.RequireFromString("1.20"),
				decimal.RequireFromString("19.99").Mul(decimal.New(int64(i), 0)), "000"},
		})
	}
	return p
}
