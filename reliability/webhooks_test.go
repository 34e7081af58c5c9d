package reliability_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
	"github.com/passthrough-dev/passthrough/internal/ordertruth"
	"github.com/passthrough-dev/passthrough/webhooks"
)

// The webhook path through real processes: `passthrough serve` in a child process takes
// deliveries on an address of its own, from the simulator (in the test's process, or in a
// child of its own for the benchmarks), into a real database.

// hookSecret signs the simulator's webhooks; the child reads it from its environment.
const hookSecret = "the-app-client-secret-for-reliability"

// hooked is `passthrough serve` with webhooks, run as a child process.
type hooked struct {
	*child
	portal string // the portal's address, host:port
	hooks  string // webhooks.addr
	url    string // webhooks.url
}

// hookedOptions shape the child's configuration.
type hookedOptions struct {
	// Webhooks switches webhooks on (secret, url, addr); without them orders come with the
	// scheduled run only.
	Webhooks bool
	// Every is the orders feed's interval.
	Every time.Duration
}

// newHooked writes the child's configuration for a store at baseURL with token, and a
// database.
func newHooked(t testing.TB, dir, baseURL, token string, db erpDB, o hookedOptions) *hooked {
	t.Helper()
	h := &hooked{portal: freeAddr(t), hooks: freeAddr(t)}
	h.url = "http://" + h.hooks + webhooks.Path
	secretLine, hooksBlock := "", ""
	if o.Webhooks {
		secretLine = `, webhook_secret: "${PT_WEBHOOK_SECRET}"`
		hooksBlock = fmt.Sprintf("webhooks: {url: %q, addr: %q}\n", h.url, h.hooks)
	}
	cfg := filepath.Join(dir, "passthrough.yaml")
	src := fmt.Sprintf(`shopify: {shop: %s, base_url: %q, access_token: "${PT_SHOPIFY_TOKEN}"%s}
erp: {driver: %s, dsn: "${PT_ERP_DSN}"}
mappings: %q
feeds: {orders: {every: %s, daily_days: 31}}
portal: {addr: %q}
%s`, shop, baseURL, secretLine, db.driver, copyMappings(t, dir), o.Every, h.portal, hooksBlock)
	require.NoError(t, os.WriteFile(cfg, []byte(src), 0o600))
	h.child = &child{bin: passthroughBinary(t), config: cfg,
		env: append(os.Environ(), "PT_SHOPIFY_TOKEN="+token, "PT_ERP_DSN="+db.dsn, "PT_WEBHOOK_SECRET="+hookSecret)}
	return h
}

// serve starts `passthrough serve` and waits until its portal answers; the returned
// function stops it as a service manager would (SIGTERM) and says what it printed.
func (h *hooked) serve(t testing.TB) func() string {
	t.Helper()
	cmd, out := h.command(context.Background(), "serve")
	require.NoError(t, cmd.Start())
	stopped := false
	stop := func() string {
		if !stopped {
			stopped = true
			_ = cmd.Process.Signal(syscall.SIGTERM)
			_ = cmd.Wait()
		}
		return out.String()
	}
	t.Cleanup(func() { stop() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + h.portal + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return stop
			}
		}
		if time.Now().After(deadline) || (cmd.ProcessState != nil && cmd.ProcessState.Exited()) {
			t.Fatalf("passthrough serve did not come up: %s", tail(stop()))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// freeAddr is a loopback address nothing listens on.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// waitFor polls cond until it holds or the time is up.
func waitFor(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// headers counts the staged headers: one statement, so it can be read while the child
// writes.
func headers(t testing.TB, db *sql.DB) int {
	t.Helper()
	var n int
	require.NoError(t, db.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM s_orders").Scan(&n))
	return n
}

// stagings counts the times each order was staged, from the ledger's history.
func stagings(t testing.TB, db *sql.DB) map[int64]int {
	t.Helper()
	out, err := ordertruth.Stagings(context.Background(), db)
	require.NoError(t, err)
	return out
}

func requireStagedOnce(t testing.TB, db *sql.DB) {
	t.Helper()
	for id, n := range stagings(t, db) {
		require.Equal(t, 1, n, "order %d was staged %d times", id, n)
	}
}

// TestReliabilityWebhooksBurstWhileTheERPIsDown pays orders while `passthrough serve`
// takes their webhooks, crashes its PostgreSQL in the middle, pays the rest while it is
// down — the receiver answers 503, Shopify keeps each delivery and sends it again, and
// deliveries already stored wait — then starts it again: every order is staged once.
func TestReliabilityWebhooksBurstWhileTheERPIsDown(t *testing.T) {
	t.Parallel()
	pg := startPostgres(t)
	n := sized(90, 400)
	sim := shopifytest.NewServer(shopifytest.WithShop(shop), shopifytest.WithoutRateLimits(),
		shopifytest.WithGenerated(shopifytest.GenOptions{Orders: n, SKUs: 20, Seed: 61, Unpaid: true}),
		shopifytest.WithWebhookRetries(8, 250*time.Millisecond), shopifytest.WithLogger(testLogger(t)))
	t.Cleanup(sim.Close)
	sim.SetWebhooks("", []byte(hookSecret))
	db := erpDB{driver: "postgres", dsn: pg.dsn()}
	check, err := sql.Open("pgx", pg.dsn())
	require.NoError(t, err)
	t.Cleanup(func() { check.Close() })
	check.SetMaxIdleConns(0)

	h := newHooked(t, t.TempDir(), sim.URL, sim.Token, db, hookedOptions{Webhooks: true, Every: time.Hour})
	code, out := h.run(t, "migrate")
	require.Equal(t, 0, code, out)
	code, out = h.run(t, "webhooks", "register")
	require.Equal(t, 0, code, out)
	stop := h.serve(t)

	ids := sim.OrderIDs()
	first := ids[:n/3]
	for _, id := range first {
		require.NoError(t, sim.PayOrder(id))
	}
	want := 0
	for _, id := range first {
		raw, _ := sim.Order(id)
		_, ok, err := ordertruth.Lines(raw)
		require.NoError(t, err)
		if ok {
			want++
		}
	}
	waitFor(t, 60*time.Second, "the first payments to be staged", func() bool { return headers(t, check) == want })

	pg.crash(t)
	for _, id := range ids[n/3:] {
		require.NoError(t, sim.PayOrder(id))
	}
	time.Sleep(2 * time.Second) // the burst meets a receiver without its database
	pg.start(t)

	all := truth(t, sim)
	waitFor(t, 120*time.Second, "every order to be staged", func() bool { return headers(t, check) == len(all) })
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	require.NoError(t, sim.WaitWebhooks(ctx))
	requireTruth(t, check, sim)
	requireConsistent(t, check, shop)
	requireStagedOnce(t, check)
	retried := 0
	for _, d := range sim.Webhooks() {
		require.Equal(t, http.StatusOK, d.Status, "delivery %s of %s was taken in the end", d.WebhookID, d.Topic)
		if d.Attempts > 1 {
			retried++
		}
	}
	require.Positive(t, retried, "deliveries were refused while the database was down and sent again")
	t.Logf("%d orders, %d deliveries retried while the database was down", len(all), retried)
	stop()
}

// TestReliabilityWebhooksDroppedAreStagedByTheScheduledRun has the simulator drop every
// third delivery while new orders arrive; `passthrough serve` stages the rest from their
// webhooks, and its scheduled run, every two seconds, stages the orders whose webhook never
// came — each once.
func TestReliabilityWebhooksDroppedAreStagedByTheScheduledRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sim := shopifytest.NewServer(shopifytest.WithShop(shop), shopifytest.WithoutRateLimits(),
		shopifytest.WithGenerated(shopifytest.GenOptions{SKUs: 20, Seed: 62}),
		shopifytest.WithWebhookFaults(shopifytest.WebhookFaults{DropEvery: 3}), shopifytest.WithLogger(testLogger(t)))
	t.Cleanup(sim.Close)
	db := sqliteDB(t, dir)
	h := newHooked(t, dir, sim.URL, sim.Token, db, hookedOptions{Webhooks: true, Every: 2 * time.Second})
	sim.SetWebhooks(h.url, []byte(hookSecret)) // one delivery per new order: orders/create
	code, out := h.run(t, "migrate")
	require.Equal(t, 0, code, out)
	h.serve(t)

	ids, err := sim.GenerateOrders(sized(90, 600), 62)
	require.NoError(t, err)
	all := truth(t, sim)
	waitFor(t, 90*time.Second, "every order to be staged", func() bool { return headers(t, db.db) == len(all) })
	requireTruth(t, db.db, sim)
	requireConsistent(t, db.db, shop)
	requireStagedOnce(t, db.db)

	dropped := map[int64]bool{}
	for _, d := range sim.Webhooks() {
		if d.Dropped {
			var o struct {
				ID int64 `json:"id"`
			}
			require.NoError(t, json.Unmarshal(d.Body, &o))
			dropped[o.ID] = true
		}
	}
	require.Len(t, dropped, len(ids)/3)
	byRun := 0
	for id := range all {
		var run sql.NullInt64
		require.NoError(t, db.db.QueryRowContext(t.Context(), "SELECT last_run_id FROM pt_order_ledger WHERE order_id = ?", id).Scan(&run))
		if dropped[id] {
			require.True(t, run.Valid, "order %d, whose webhook was dropped, was staged by a run", id)
			byRun++
		}
	}
	t.Logf("%d orders staged, %d of them by the scheduled run after their webhook was dropped", len(all), byRun)
	require.Positive(t, byRun)
}
