package app_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/erp/erpsqlite"
	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
	"github.com/passthrough-dev/passthrough/app"
	"github.com/passthrough-dev/passthrough/config"
	"github.com/passthrough-dev/passthrough/feeds"
	"github.com/passthrough-dev/passthrough/ledger"
	"github.com/passthrough-dev/passthrough/mappings"
	"github.com/passthrough-dev/passthrough/portal/browsertest"
)

type testApp struct {
	*app.App
	sim   *shopifytest.Server
	dir   string
	store *erpsqlite.Store
}

func user(t *testing.T, name, password, role string) config.User {
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	require.NoError(t, err)
	return config.User{Name: name, PasswordHash: config.Secret(h), Role: role}
}

// newApp wires the whole application as serve does, against the simulator and SQLite.
func newApp(t *testing.T, gen shopifytest.GenOptions) *testApp {
	t.Helper()
	sim := shopifytest.NewServer(shopifytest.WithShop("acme"), shopifytest.WithoutRateLimits(), shopifytest.WithGenerated(gen))
	t.Cleanup(sim.Close)
	dir := t.TempDir()
	mapDir := filepath.Join(dir, "mappings")
	require.NoError(t, os.MkdirAll(mapDir, 0o755))
	for _, n := range []string{"orders.yaml", "shipments.yaml", "inventory.yaml"} {
		b, err := mappings.Files.ReadFile(n)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(mapDir, n), b, 0o644))
	}
	store, err := erpsqlite.Open(t.Context(), "file:"+filepath.Join(dir, "erp.db"))
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	_, err = store.Migrate(t.Context())
	require.NoError(t, err)

	cfg := config.Default()
	cfg.Shopify.Shop, cfg.Shopify.BaseURL, cfg.Shopify.AccessToken = sim.Shop, sim.URL, config.Secret(sim.Token)
	cfg.Mappings = mapDir
	cfg.Feeds.Orders.DailyDays = 40
	cfg.Portal.Users = []config.User{user(t, "olga", "olga-secret", "operator"), user(t, "adam", "adam-secret", "admin")}
	cfg.Portal.MetricsToken = "scrape-token-for-tests"
	cfg.Portal.SessionKey = "a session key every replica of the test shares"
	require.NoError(t, cfg.Validate())
	a, err := app.New(t.Context(), cfg, app.Options{Store: store, Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	require.NoError(t, err)
	t.Cleanup(func() { a.Close() })
	return &testApp{App: a, sim: sim, dir: dir, store: store}
}

// replica is another process of the deployment on the same database and configuration
// (another replica, or this one restarted): its portal.
func (a *testApp) replica(t *testing.T) http.Handler {
	t.Helper()
	other, err := app.New(t.Context(), a.Config, app.Options{Store: a.store, Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	require.NoError(t, err)
	t.Cleanup(func() { other.Close() })
	return other.Portal
}

func TestTheWiredAppStagesOrdersAndServesThePortal(t *testing.T) {
	t.Parallel()
	a := newApp(t, shopifytest.GenOptions{Orders: 120, SKUs: 20, Seed: 41})
	x, err := a.RunFeed(t.Context(), "orders", app.RunRequest{})
	require.NoError(t, err)
	require.Equal(t, erp.OutcomeFinished, x.Outcome)
	require.Positive(t, x.Counts.Written)

	srv := httptest.NewServer(a.Portal)
	t.Cleanup(srv.Close)
	res, err := http.Get(srv.URL + "/healthz")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode)
	res.Body.Close()

	req, err := http.NewRequest(http.MethodGet, srv.URL+"/metrics", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer scrape-token-for-tests")
	res, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	require.NoError(t, err)
	require.Contains(t, string(body), `passthrough_feed_executions_total{feed="orders",outcome="FINISHED",shop="acme"} 1`)
	require.Contains(t, string(body), `passthrough_shopify_requests_total{endpoint="GET orders",shop="acme"}`)
	require.Contains(t, string(body), `go_sql_open_connections{db_name="erp"}`)
	require.NotContains(t, string(body), a.sim.Token, "no secret in the metrics")
}

func TestAMappingSavedInThePortalMapsTheFailedOrdersAgain(t *testing.T) {
	t.Parallel()
	a := newApp(t, shopifytest.GenOptions{Orders: 60, SKUs: 10, Seed: 43})
	var id int64
	for _, oid := range a.sim.OrderIDs() {
		raw, _ := a.sim.Order(oid)
		var o map[string]any
		require.NoError(t, json.Unmarshal(raw, &o))
		if o["financial_status"] == "paid" && o["test"] == false && o["cancelled_at"] == nil {
			id = oid
			break
		}
	}
	require.NoError(t, a.sim.UpdateOrder(id, func(o map[string]any) {
		for _, l := range o["line_items"].([]any) {
			l.(map[string]any)["sku"] = ""
		}
	}))
	x, err := a.RunFeed(t.Context(), "orders", app.RunRequest{})
	require.NoError(t, err)
	require.Equal(t, erp.OutcomeFinishedPartially, x.Outcome)
	e, err := a.Store.LedgerGet(t.Context(), "acme", id)
	require.NoError(t, err)
	require.Equal(t, ledger.StatusFailed, e.Status)

	src, err := os.ReadFile(filepath.Join(a.dir, "mappings", "orders.yaml"))
	require.NoError(t, err)
	fixed := strings.Replace(string(src), `fail("no SKU: the ERP needs an item code on every line")`, `"NOSKU"`, 1)
	require.NoError(t, a.Shops[0].Mappings.Save("orders.yaml", []byte(fixed), "adam", time.Now()))

	x, err = a.RunFeed(t.Context(), "orders", app.RunRequest{})
	require.NoError(t, err)
	require.Equal(t, erp.OutcomeFinished, x.Outcome)
	e, err = a.Store.LedgerGet(t.Context(), "acme", id)
	require.NoError(t, err)
	require.Equal(t, ledger.StatusStaged, e.Status, "the next run mapped the failed order again")
	require.Equal(t, x.ID, e.RunID, "and the ledger says which run did")
}

// The portal's browser scenarios, against the fully wired application. The data set has a
// customer Jörg Müller, three orders failing alike (lines without SKU) and a shipment the
// ERP wrote with a SKU the order lacks.
func TestThePortalInABrowser(t *testing.T) {
	a := newApp(t, shopifytest.GenOptions{Orders: 80, SKUs: 15, Seed: 47})
	var importable []int64
	skus := map[int64]string{}
	for _, oid := range a.sim.OrderIDs() {
		raw, _ := a.sim.Order(oid)
		var o map[string]any
		require.NoError(t, json.Unmarshal(raw, &o))
		lines := o["line_items"].([]any)
		if o["financial_status"] == "paid" && o["test"] == false && o["cancelled_at"] == nil && len(lines) > 0 {
			sku, _ := lines[0].(map[string]any)["sku"].(string)
			if sku != "" {
				importable = append(importable, oid)
				skus[oid] = sku
			}
		}
	}
	require.GreaterOrEqual(t, len(importable), 4)
	muller, failed := importable[0], importable[1:4]
	for _, id := range failed {
		require.NoError(t, a.sim.UpdateOrder(id, func(o map[string]any) {
			for _, l := range o["line_items"].([]any) {
				l.(map[string]any)["sku"] = ""
			}
		}))
	}
	_, err := a.RunFeed(context.Background(), "orders", app.RunRequest{})
	require.NoError(t, err)
	// The customer's name is corrected in Shopify since: the order is staged again, and is
	// the newest activity of the list.
	require.NoError(t, a.sim.UpdateOrder(muller, func(o map[string]any) {
		if c, ok := o["customer"].(map[string]any); ok {
			c["first_name"], c["last_name"] = "Jörg", "Müller"
		}
		if b, ok := o["billing_address"].(map[string]any); ok {
			b["first_name"], b["last_name"], b["name"] = "Jörg", "Müller", "Jörg Müller"
		}
	}))
	_, err = a.RunFeed(context.Background(), "orders", app.RunRequest{})
	require.NoError(t, err)
	require.Equal(t, ledger.StatusStaged, ledgerOf(t, a, muller).Status)
	require.Equal(t, ledger.StatusFailed, ledgerOf(t, a, failed[0]).Status)

	db := a.Store.(interface{ DB() *sql.DB }).DB()
	_, err = db.ExecContext(t.Context(), `INSERT INTO external_order_shipments (shipment_id, line_no, shop, web_order_id, item_code, quantity,
		tracking_number, carrier) VALUES ('SH-100', 1, 'acme', ?, 'NO-SUCH-SKU', 1, '1Z100', 'UPS')`, muller)
	require.NoError(t, err)
	_, err = a.RunFeed(context.Background(), "shipments", app.RunRequest{})
	require.NoError(t, err)

	page, err := a.Store.LedgerList(t.Context(), erp.LedgerListParams{Shop: "acme", Limit: 5})
	require.NoError(t, err)
	var names []string
	for _, e := range page {
		names = append(names, e.OrderName)
	}

	const from, to = `payment_terms: "NET30"`, `payment_terms: "NET45"`
	browsertest.Run(t, browsertest.Target{
		Handler:  a.Portal,
		Operator: browsertest.Login{Name: "olga", Password: "olga-secret"},
		Admin:    browsertest.Login{Name: "adam", Password: "adam-secret"},
		Orders:   names,
		OrderID:  muller,
		Feed:     "orders",
		Mapping:  "orders.yaml",
		Break:    func(src string) string { return strings.Replace(src, "order.name", "order.nmae", 1) },
		Fix: func(src string) string {
			return strings.Replace(strings.Replace(src, "order.nmae", "order.name", 1), from, to, 1)
		},
		FixedValue: "NET45",

		Customer:       "MULLER",
		FailedOrderID:  failed[0],
		FailedShipment: "SH-100",
		FixShipment: func() {
			// The ERP's clerk corrects the item code.
			_, err := db.ExecContext(context.Background(), `UPDATE external_order_shipments SET item_code = ? WHERE shipment_id = 'SH-100'`, skus[muller])
			require.NoError(t, err)
		},
		ShipmentDone: "test", // test mode: matched and recorded, nothing sent
		ProblemClass: "no SKU",
		Replica:      a.replica(t),
		Restart:      func() http.Handler { return a.replica(t) },
	})
}

func ledgerOf(t *testing.T, a *testApp, id int64) ledger.Entry {
	t.Helper()
	e, err := a.Store.LedgerGet(t.Context(), "acme", id)
	require.NoError(t, err)
	return e
}

func TestServeRunsTheScheduleAndThePortalUntilStopped(t *testing.T) {
	t.Parallel()
	a := newApp(t, shopifytest.GenOptions{Orders: 20, SKUs: 5, Seed: 53})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	served := make(chan error, 1)
	go func() { served <- a.Serve(ctx, ln) }()

	res, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.NoError(t, a.Scheduler.RunNow("acme", "orders"))
	require.Eventually(t, func() bool {
		xs, err := a.Store.ExecutionList(t.Context(), erp.ExecutionListParams{Feed: "orders", Limit: 1})
		return err == nil && len(xs) == 1 && xs[0].Outcome == erp.OutcomeFinished
	}, 20*time.Second, 20*time.Millisecond)

	cancel()
	select {
	case err := <-served:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("Serve did not return after its context ended")
	}
	_, err = http.Get("http://" + ln.Addr().String() + "/healthz")
	require.Error(t, err, "the portal stopped listening")
}

// syncWriter is a buffer the demo may write to while the test reads it.
type syncWriter struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func TestTheDemoStagesOrdersWithinOneInterval(t *testing.T) {
	t.Parallel()
	out := &syncWriter{}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- app.Demo(ctx, app.DemoOptions{Addr: "127.0.0.1:0", Dir: t.TempDir(), Orders: 60, Every: time.Second, Out: out})
	}()
	require.Eventually(t, func() bool {
		select {
		case err := <-done:
			t.Fatalf("the demo stopped: %v\n%s", err, out.String())
		default:
		}
		return strings.Contains(out.String(), "orders    FINISHED")
	}, time.Minute, 20*time.Millisecond, out.String()) // seconds alone; a minute for a loaded machine under -race
	require.Regexp(t, `portal: http://127\.0\.0\.1:\d+   login: admin / [0-9a-f]{12}`, out.String())
	require.Regexp(t, `orders    FINISHED\s+\d+ seen\s+[1-9]\d* written`, out.String(), "orders landed in s_orders")
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("the demo did not stop")
	}
}

func TestTheModeSwitchedInThePortalSurvivesARestart(t *testing.T) {
	t.Parallel()
	a := newApp(t, shopifytest.GenOptions{Orders: 10, SKUs: 5, Seed: 59})
	require.Equal(t, "test", a.Shops[0].Mode.Mode())
	require.False(t, a.Shops[0].Mode.Live())
	require.NoError(t, a.Shops[0].Mode.SetMode(t.Context(), "live", "adam"))
	require.True(t, a.Shops[0].Mode.Live())
	require.Error(t, a.Shops[0].Mode.SetMode(t.Context(), "loud", "adam"))

	again, err := app.New(t.Context(), a.Config, app.Options{Store: a.Store})
	require.NoError(t, err)
	require.Equal(t, "live", again.Shops[0].Mode.Mode(), "the portal's switch is kept in the database")

	dry, err := app.New(t.Context(), a.Config, app.Options{Store: a.Store, DryRun: true})
	require.NoError(t, err)
	require.False(t, dry.Shops[0].Mode.Live(), "a dry run never writes to Shopify")
}

func TestEveryFeedRunsThroughTheWiredApp(t *testing.T) {
	t.Parallel()
	a := newApp(t, shopifytest.GenOptions{Orders: 40, SKUs: 8, Seed: 61})
	for _, feed := range app.FeedNames {
		x, err := a.RunFeed(t.Context(), feed, app.RunRequest{})
		require.NoError(t, err, feed)
		require.NotEqual(t, erp.OutcomeFailed, x.Outcome, feed)
		require.Equal(t, feed, x.Feed)
	}
	var names []string
	for _, st := range a.Scheduler.Status() {
		names = append(names, st.Name)
	}
	require.Equal(t, []string{"inventory", "inventory-full", "orders", "shipments"}, names,
		"the default schedule: orders, shipments, live stock with its nightly full pass")
}

func TestEveryScheduledTaskRunsItsFeed(t *testing.T) {
	t.Parallel()
	a := newApp(t, shopifytest.GenOptions{Orders: 10, SKUs: 4, Seed: 67})
	finished := func(feed string) int {
		xs, err := a.Store.ExecutionList(t.Context(), erp.ExecutionListParams{Feed: feed, Limit: 100})
		require.NoError(t, err)
		n := 0
		for _, x := range xs {
			if !x.FinishedAt.IsZero() {
				require.Equal(t, "manual", x.Trigger)
				n++
			}
		}
		return n
	}
	// A task is done when its feed's lock is free again: the scheduler lets it go after the
	// run has recorded its end, and the next task of the same feed needs it.
	locked := func(shop, feed string) bool {
		locks, err := a.Store.LockList(t.Context(), shop)
		require.NoError(t, err)
		for _, l := range locks {
			if l.Name == feeds.LockName(feed) {
				return true
			}
		}
		return false
	}
	tasks := a.Scheduler.Status()
	require.NotEmpty(t, tasks)
	for _, st := range tasks {
		before := finished(st.Feed)
		require.NoError(t, a.Scheduler.RunNow(st.Shop, st.Name))
		require.Eventually(t, func() bool { return finished(st.Feed) == before+1 && !locked(st.Shop, st.Feed) }, 20*time.Second, 20*time.Millisecond,
			"task %s runs feed %s", st.Name, st.Feed)
	}
}
