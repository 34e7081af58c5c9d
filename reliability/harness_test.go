package reliability_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	_ "github.com/microsoft/go-mssqldb" // registers sqlserver

	_ "github.com/passthrough-dev/passthrough/adapters/erp/erppostgres" // registers pgx
	_ "github.com/passthrough-dev/passthrough/adapters/erp/erpsqlite"   // registers sqlite
	"github.com/passthrough-dev/passthrough/adapters/erp/erptest"
	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
	"github.com/passthrough-dev/passthrough/internal/ordertruth"
	"github.com/passthrough-dev/passthrough/ledger"
	"github.com/passthrough-dev/passthrough/mappings"
)

const shop = "acme"

// longForm reports whether the long form of the suite runs (make test-reliability).
func longForm() bool { return os.Getenv("PASSTHROUGH_RELIABILITY") == "long" }

// sized picks the short or the long form's number.
func sized(short, long int) int {
	if longForm() {
		return long
	}
	return short
}

// binary is the passthrough command, built once per test process into a folder that
// TestMain removes.
var binary struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binary.dir != "" {
		_ = os.RemoveAll(binary.dir)
	}
	os.Exit(code)
}

// passthroughBinary builds cmd/passthrough (without -race: the child is the program as
// shipped, and the race detector stays on the test process) and returns its path.
func passthroughBinary(t testing.TB) string {
	t.Helper()
	binary.once.Do(func() {
		binary.dir, binary.err = os.MkdirTemp("", "passthrough-reliability-")
		if binary.err != nil {
			return
		}
		goTool, err := exec.LookPath("go")
		if err != nil {
			binary.err = fmt.Errorf("find the go command: %w", err)
			return
		}
		binary.path = filepath.Join(binary.dir, "passthrough")
		cmd := exec.Command(goTool, "build", "-o", binary.path, "../cmd/passthrough")
		if out, err := cmd.CombinedOutput(); err != nil {
			binary.err = fmt.Errorf("go build ./cmd/passthrough: %w\n%s", err, out)
		}
	})
	require.NoError(t, binary.err)
	return binary.path
}

// testLogger sends log lines to the test's output.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// copyMappings writes the shipped mapping files into dir/mappings and returns that folder.
func copyMappings(t testing.TB, dir string) string {
	t.Helper()
	out := filepath.Join(dir, "mappings")
	require.NoError(t, os.MkdirAll(out, 0o755))
	for _, n := range []string{"orders.yaml", "shipments.yaml", "inventory.yaml"} {
		b, err := mappings.Files.ReadFile(n)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(out, n), b, 0o644))
	}
	return out
}

// erpDB is an ERP database a test uses: what the child process is told (driver, DSN) and
// a handle of the test's own for checking what landed.
type erpDB struct {
	driver string
	dsn    string
	db     *sql.DB
}

type dbOpener func(t testing.TB, dir string) erpDB

// sqliteDB is a SQLite file in dir.
func sqliteDB(t testing.TB, dir string) erpDB {
	t.Helper()
	path := filepath.Join(dir, "erp.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return erpDB{driver: "sqlite", dsn: "file:" + path, db: db}
}

// postgresDB is a schema of its own on the test server, dropped at the end.
func postgresDB(t testing.TB, _ string) erpDB {
	t.Helper()
	dsn := erptest.PostgresDSN(t)
	db, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return erpDB{driver: "postgres", dsn: dsn, db: db}
}

// testLease is the feed locks' lease in the children: a killed child holds its feed for
// up to this long, which the next run waits out (--wait).
const testLease = 2 * time.Second

// sqlserverDB is a database of its own on the SQL Server PASSTHROUGH_TEST_MSSQL_DSN names,
// dropped at the end. Tests offer it only when the variable is set.
func sqlserverDB(t testing.TB, _ string) erpDB {
	t.Helper()
	dsn := os.Getenv("PASSTHROUGH_TEST_MSSQL_DSN")
	require.NotEmpty(t, dsn, "PASSTHROUGH_TEST_MSSQL_DSN names no SQL Server")
	admin, err := sql.Open("sqlserver", dsn)
	require.NoError(t, err)
	name := fmt.Sprintf("pt_rel_%d", time.Now().UnixNano())
	_, err = admin.ExecContext(t.Context(), "CREATE DATABASE ["+name+"]")
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = admin.ExecContext(context.Background(), "ALTER DATABASE ["+name+"] SET SINGLE_USER WITH ROLLBACK IMMEDIATE; DROP DATABASE ["+name+"];")
		admin.Close()
	})
	u, err := url.Parse(dsn)
	require.NoError(t, err, "PASSTHROUGH_TEST_MSSQL_DSN is a sqlserver:// URL")
	q := u.Query()
	q.Set("database", name)
	u.RawQuery = q.Encode()
	db, err := sql.Open("sqlserver", u.String())
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return erpDB{driver: "sqlserver", dsn: u.String(), db: db}
}

// child runs the passthrough binary against the simulator and an ERP database, with a
// configuration file whose secrets come from the environment, as in production.
type child struct {
	bin    string
	config string
	env    []string
}

func newChild(t testing.TB, dir string, sim *shopifytest.Server, db erpDB, extra string) *child {
	t.Helper()
	cfg := filepath.Join(dir, "passthrough.yaml")
	src := fmt.Sprintf(`shopify: {shop: %s, base_url: %q, access_token: "${PT_SHOPIFY_TOKEN}"}
erp: {driver: %s, dsn: "${PT_ERP_DSN}"}
mappings: %q
feeds: {orders: {daily_days: 31}}
locks: {lease: %s}
%s`, sim.Shop, sim.URL, db.driver, copyMappings(t, dir), testLease, extra)
	require.NoError(t, os.WriteFile(cfg, []byte(src), 0o600))
	return &child{bin: passthroughBinary(t), config: cfg,
		env: append(os.Environ(), "PT_SHOPIFY_TOKEN="+sim.Token, "PT_ERP_DSN="+db.dsn)}
}

// command is `passthrough ARGS… --config FILE`, its output kept.
func (c *child) command(ctx context.Context, args ...string) (*exec.Cmd, *bytes.Buffer) {
	cmd := exec.CommandContext(ctx, c.bin, append(args, "--config", c.config)...)
	cmd.Env = c.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	return cmd, &out
}

// run runs a command to its end and returns its exit code and output.
func (c *child) run(t testing.TB, args ...string) (int, string) {
	t.Helper()
	cmd, out := c.command(t.Context(), args...)
	err := cmd.Run()
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			require.NoError(t, err)
		}
	}
	return cmd.ProcessState.ExitCode(), out.String()
}

// --- The simulator's truth --------------------------------------------------------------

// truth is what the simulator says should be staged now: order id → lines.
func truth(t testing.TB, sim *shopifytest.Server) map[int64]int {
	t.Helper()
	want, err := ordertruth.Staged(sim)
	require.NoError(t, err)
	return want
}

// cancelledInShopify lists the simulator's cancelled orders.
func cancelledInShopify(t testing.TB, sim *shopifytest.Server) map[int64]bool {
	t.Helper()
	out := map[int64]bool{}
	for _, id := range sim.OrderIDs() {
		raw, _ := sim.Order(id)
		var o struct {
			CancelledAt *string `json:"cancelled_at"`
		}
		require.NoError(t, json.Unmarshal(raw, &o))
		if o.CancelledAt != nil {
			out[id] = true
		}
	}
	return out
}

// latestUpdate is the newest updated_at in the simulator. A run's window ends at the wall
// clock, and the simulator may stamp an order a second ahead of it (two changes in one
// second), so a final run waits until the clock has passed it.
func latestUpdate(t testing.TB, sim *shopifytest.Server) time.Time {
	t.Helper()
	var newest time.Time
	for _, id := range sim.OrderIDs() {
		raw, _ := sim.Order(id)
		var o struct {
			UpdatedAt time.Time `json:"updated_at"`
		}
		require.NoError(t, json.Unmarshal(raw, &o))
		if o.UpdatedAt.After(newest) {
			newest = o.UpdatedAt
		}
	}
	return newest
}

func waitPast(ctx context.Context, at time.Time) {
	if d := time.Until(at.Add(time.Second)); d > 0 {
		select {
		case <-time.After(d):
		case <-ctx.Done():
		}
	}
}

// --- What the ERP holds -------------------------------------------------------------------

// stagedOrder is one header in s_orders and the number of its lines.
type stagedOrder struct {
	lines     int
	cancelled bool
}

// ofShop is the SQL condition that keeps a shop's rows. The shop names are the tests' own
// (letters, digits and dashes), so they are written into the SQL, which then reads the same
// on every database.
func ofShop(shopName string) string {
	return "shop = '" + strings.ReplaceAll(shopName, "'", "''") + "'"
}

// querier is a database or a transaction (a snapshot of it).
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// staged reads a shop's rows of the staging tables, failing on a duplicate header or line
// and on lines without a header.
func staged(t testing.TB, db querier, shopName string) map[int64]stagedOrder {
	t.Helper()
	ctx := context.Background()
	got := map[int64]stagedOrder{}
	rows, err := db.QueryContext(ctx, `SELECT web_order_id, cancelled FROM s_orders WHERE `+ofShop(shopName))
	require.NoError(t, err)
	headers := map[int64]int{}
	for rows.Next() {
		var id int64
		var cancelled bool
		require.NoError(t, rows.Scan(&id, &cancelled))
		headers[id]++
		require.Equal(t, 1, headers[id], "order %d of %s has %d headers", id, shopName, headers[id])
		got[id] = stagedOrder{cancelled: cancelled}
	}
	require.NoError(t, rows.Err())
	rows, err = db.QueryContext(ctx, `SELECT web_order_id, line_no, COUNT(*) FROM s_order_details WHERE `+ofShop(shopName)+` GROUP BY web_order_id, line_no`)
	require.NoError(t, err)
	for rows.Next() {
		var id, line int64
		var n int
		require.NoError(t, rows.Scan(&id, &line, &n))
		require.Equal(t, 1, n, "order %d of %s: line %d is there %d times", id, shopName, line, n)
		o, ok := got[id]
		require.True(t, ok, "order %d of %s has lines but no header", id, shopName)
		o.lines++
		got[id] = o
	}
	require.NoError(t, rows.Err())
	return got
}

// ledgerEntry is one row of pt_order_ledger.
type ledgerEntry struct {
	id      int64
	status  ledger.Status
	problem string
	payload []byte
}

func readLedger(t testing.TB, db querier, shopName string) map[int64]ledgerEntry {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), `SELECT order_id, status, problem, payload FROM pt_order_ledger WHERE `+ofShop(shopName))
	require.NoError(t, err)
	defer rows.Close()
	out := map[int64]ledgerEntry{}
	for rows.Next() {
		var e ledgerEntry
		var payload sql.NullString
		require.NoError(t, rows.Scan(&e.id, &e.status, &e.problem, &payload))
		e.payload = []byte(payload.String)
		out[e.id] = e
	}
	require.NoError(t, rows.Err())
	return out
}

// requireConsistent checks what must hold at every moment, however the process died: the
// staging rows and the ledger are written together, so every staged ledger entry has its
// header and exactly the lines its own stored payload gives, every cancelled one a header
// that says cancelled, and every header a ledger entry that says it is there.
//
// Both are read in one snapshot: a process killed just after it sent COMMIT may see the
// database commit a moment later, and two plain reads could fall on either side of it.
func requireConsistent(t testing.TB, db *sql.DB, shopName string) {
	t.Helper()
	tx, err := db.BeginTx(t.Context(), &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil { // (SQLite's transactions are snapshots whatever they are called)
		tx, err = db.BeginTx(t.Context(), nil)
	}
	require.NoError(t, err)
	defer func() { _ = tx.Rollback() }()
	rows := staged(t, tx, shopName)
	led := readLedger(t, tx, shopName)
	for id, e := range led {
		switch e.status {
		case ledger.StatusStaged:
			o, ok := rows[id]
			require.True(t, ok, "the ledger says order %d is staged but it has no header", id)
			n, _, err := ordertruth.Lines(e.payload)
			require.NoError(t, err)
			require.Equal(t, n, o.lines, "order %d is half-written: %d lines staged, its payload has %d", id, o.lines, n)
			require.False(t, o.cancelled, "order %d is staged but its header says cancelled", id)
		case ledger.StatusCancelled:
			o, ok := rows[id]
			require.True(t, ok, "the ledger says order %d's header was cancelled but it has none", id)
			require.True(t, o.cancelled, "the ledger says order %d was cancelled but its header does not", id)
		}
	}
	for id := range rows {
		e, ok := led[id]
		require.True(t, ok, "order %d has staging rows but no ledger entry", id)
		require.Contains(t, []ledger.Status{ledger.StatusStaged, ledger.StatusCancelled}, e.status, "order %d has staging rows but its ledger says %s", id, e.status)
	}
}

// requireTruth checks, after a clean run, that the ERP holds exactly what the simulator
// says: every importable order once with all its shippable lines, nothing else but the
// headers of orders cancelled after staging, which say so.
func requireTruth(t testing.TB, db *sql.DB, sim *shopifytest.Server) {
	t.Helper()
	want := truth(t, sim)
	cancelled := cancelledInShopify(t, sim)
	got := map[int64]int{}
	for id, o := range staged(t, db, sim.Shop) {
		if cancelled[id] {
			require.True(t, o.cancelled, "order %d was cancelled in Shopify after staging; its header should say so", id)
			continue
		}
		got[id] = o.lines
	}
	require.Equal(t, len(want), len(got), "orders staged")
	require.Equal(t, want, got)
}

// executionsRunning counts feed executions still marked RUNNING: runs whose process died.
func executionsRunning(t testing.TB, db *sql.DB) int {
	t.Helper()
	var n int
	require.NoError(t, db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM pt_feed_executions WHERE outcome = 'RUNNING'`).Scan(&n))
	return n
}

// discard drains r; for a child's pipe nobody reads.
func discard(r io.Reader) { _, _ = io.Copy(io.Discard, r) }
