package app_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp/erpsqlite"
	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
	"github.com/passthrough-dev/passthrough/app"
	"github.com/passthrough-dev/passthrough/config"
	"github.com/passthrough-dev/passthrough/internal/ordertruth"
	"github.com/passthrough-dev/passthrough/mappings"
	"github.com/passthrough-dev/passthrough/webhooks"
)

// freeAddr is a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// webhookApp is the whole application serving, with webhooks on a listener of their own.
type webhookApp struct {
	*app.App
	cfg    config.Config
	sim    *shopifytest.Server // the first store's
	sims   map[string]*shopifytest.Server
	db     *sql.DB
	portal string // the portal's base URL
}

// secretOf is the webhook secret of a store of serveWebhookApp: the app's client secret.
func secretOf(shop string) []byte { return []byte(shop + "-app-client-secret") }

// serveWebhookApp serves one store, in the shopify block, or several, under stores, each a
// simulated shop of its own with its own webhook secret.
func serveWebhookApp(t *testing.T, shops ...string) *webhookApp {
	t.Helper()
	if len(shops) == 0 {
		shops = []string{"acme"}
	}
	dir := t.TempDir()
	mapDir := filepath.Join(dir, "mappings")
	require.NoError(t, os.MkdirAll(mapDir, 0o755))
	for _, n := range []string{"orders.yaml", "shipments.yaml", "inventory.yaml"} {
		b, err := mappings.Files.ReadFile(n)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(mapDir, n), b, 0o644))
	}
	path := filepath.Join(dir, "erp.db")
	store, err := erpsqlite.Open(t.Context(), "file:"+path)
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	_, err = store.Migrate(t.Context())
	require.NoError(t, err)
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })

	hooks := freeAddr(t)
	cfg := config.Default()
	cfg.ERP.DSN = config.Secret("file:" + path)
	cfg.Mappings = mapDir
	cfg.Feeds.Orders.Every = config.Duration(time.Hour) // webhooks bring the orders in this test
	cfg.Webhooks.Addr = hooks
	cfg.Webhooks.URL = "http://" + hooks + webhooks.Path
	sims := map[string]*shopifytest.Server{}
	for i, shop := range shops {
		sim := shopifytest.NewServer(shopifytest.WithShop(shop), shopifytest.WithoutRateLimits(),
			shopifytest.WithGenerated(shopifytest.GenOptions{Orders: 20, SKUs: 10, Seed: uint64(17 + i), Unpaid: true}))
		t.Cleanup(sim.Close)
		sim.SetWebhooks("", secretOf(shop)) // the app's secret signs; subscriptions say where
		sims[shop] = sim
		sc := config.Shopify{Shop: sim.Shop, BaseURL: sim.URL, AccessToken: config.Secret(sim.Token),
			APIVersion: cfg.Shopify.APIVersion, Plan: cfg.Shopify.Plan, WebhookSecret: config.Secret(secretOf(shop))}
		if len(shops) == 1 {
			cfg.Shopify = sc
			continue
		}
		cfg.Stores = append(cfg.Stores, config.Store{Shopify: sc, Mappings: cfg.Mappings, Mode: cfg.Mode, Feeds: cfg.Feeds})
	}
	if len(shops) > 1 {
		cfg.Shopify = config.Shopify{}
	}
	require.NoError(t, cfg.Validate())
	a, err := app.New(t.Context(), cfg, app.Options{Store: store, Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	require.NoError(t, err)
	t.Cleanup(func() { a.Close() })

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- a.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-served)
	})
	return &webhookApp{App: a, cfg: cfg, sim: sims[shops[0]], sims: sims, db: db, portal: "http://" + ln.Addr().String()}
}

func (a *webhookApp) webhooksCommand(t *testing.T, action string, shop ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	r := app.WebhooksRequest{Action: action, Out: &out}
	if len(shop) > 0 {
		r.Shop = shop[0]
	}
	err := app.Webhooks(t.Context(), a.cfg, r)
	return out.String(), err
}

func (a *webhookApp) waitStaged(t *testing.T, want int) {
	t.Helper()
	a.waitStagedFor(t, "", want)
}

// waitStagedFor waits until the headers of shop ("" for every shop) number want.
func (a *webhookApp) waitStagedFor(t *testing.T, shop string, want int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n int
		require.NoError(t, a.db.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM s_orders WHERE shop = ? OR ? = ''", shop, shop).Scan(&n))
		if n >= want {
			require.Equal(t, want, n)
			return
		}
		require.True(t, time.Now().Before(deadline), "%d of %d orders staged", n, want)
		time.Sleep(20 * time.Millisecond)
	}
}

func TestWebhooksRegisteredWithTheCommandStageOrdersInTheServedApp(t *testing.T) {
	t.Parallel()
	a := serveWebhookApp(t)

	out, err := a.webhooksCommand(t, "register")
	require.NoError(t, err)
	require.Contains(t, out, "created    orders/paid\n")
	require.Contains(t, out, "the store sends its webhooks to "+a.cfg.Webhooks.URL)
	out, err = a.webhooksCommand(t, "register")
	require.NoError(t, err)
	require.Contains(t, out, "kept       orders/paid\n", "registering again changes nothing")
	require.Len(t, a.sim.Subscriptions(), len(webhooks.Subscribed()))
	out, err = a.webhooksCommand(t, "list")
	require.NoError(t, err)
	require.Regexp(t, `(?m)^orders/paid +`+a.cfg.Webhooks.URL+` +gid://shopify/WebhookSubscription/\d+$`, out)
	require.Contains(t, out, "7 subscriptions\n")

	out, err = a.webhooksCommand(t, "verify")
	require.NoError(t, err, out)
	require.Contains(t, out, "ok   a signed delivery is taken: answered 200\n")
	require.Contains(t, out, "ok   a delivery signed with another secret is refused: answered 401\n")

	for _, id := range a.sim.OrderIDs() {
		require.NoError(t, a.sim.PayOrder(id))
	}
	want, err := ordertruth.Staged(a.sim)
	require.NoError(t, err)
	a.waitStaged(t, len(want))

	// The portal's own address takes webhooks too, outside its login.
	raw, _ := a.sim.Order(a.sim.OrderIDs()[0])
	require.Equal(t, http.StatusOK, postSigned(t, a.portal+webhooks.Path, "acme", secretOf("acme"), "orders/updated", raw))
	require.Equal(t, http.StatusUnauthorized, postSigned(t, a.portal+webhooks.Path, "acme", []byte("not the secret"), "orders/updated", raw))

	h, err := a.WebhookHealth(t.Context(), "")
	require.NoError(t, err)
	require.Equal(t, webhooks.StateFlowing, h.State, h.Message)
}

func TestAnUninstalledAppStopsItsFeedsUntilItIsRegisteredAgain(t *testing.T) {
	t.Parallel()
	a := serveWebhookApp(t)
	_, err := a.webhooksCommand(t, "register")
	require.NoError(t, err)

	a.sim.UninstallApp()
	require.Eventually(t, func() bool {
		h, err := a.WebhookHealth(t.Context(), "")
		return err == nil && h.State == webhooks.StateUninstalled
	}, 20*time.Second, 20*time.Millisecond)
	h, err := a.WebhookHealth(t.Context(), "")
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(h.Message, "The app was uninstalled from the shop at "), h.Message)

	runs := func() int {
		var n int
		require.NoError(t, a.db.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM pt_feed_executions").Scan(&n))
		return n
	}
	before := runs()
	require.NoError(t, a.Scheduler.RunNow("acme", "orders"))
	time.Sleep(200 * time.Millisecond)
	require.Equal(t, before, runs(), "the orders feed does not run for an uninstalled app")

	a.sim.ReinstallApp()
	out, err := a.webhooksCommand(t, "register")
	require.NoError(t, err)
	require.Contains(t, out, "the store's feeds run again")
	at, err := webhooks.Uninstalled(t.Context(), a.Store, "acme")
	require.NoError(t, err)
	require.True(t, at.IsZero())
	require.Eventually(t, func() bool { return a.Scheduler.RunNow("acme", "orders") == nil }, 10*time.Second, 20*time.Millisecond)
	require.Eventually(t, func() bool { return runs() > before }, 20*time.Second, 20*time.Millisecond, "the feed runs again")
}

func TestTheWebhooksCommandSaysWhatIsMissing(t *testing.T) {
	t.Parallel()
	cfg := config.Default()
	cfg.Shopify.Shop, cfg.Shopify.AccessToken = "acme", "shpat_x"
	for _, action := range []string{"register", "verify"} {
		err := app.Webhooks(t.Context(), cfg, app.WebhooksRequest{Action: action, Out: &bytes.Buffer{}})
		require.ErrorIs(t, err, app.ErrWebhooksNotConfigured)
	}
	require.EqualError(t, app.Webhooks(t.Context(), cfg, app.WebhooksRequest{Action: "delete", Out: &bytes.Buffer{}}),
		`unknown webhooks action "delete": use register, list or verify`)
}

func postSigned(t *testing.T, url, shop string, key []byte, topic string, body []byte) int {
	t.Helper()
	mac := hmac.New(sha256.New, key)
	mac.Write(body)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("X-Shopify-Topic", topic)
	req.Header.Set("X-Shopify-Shop-Domain", shop+".myshopify.com")
	req.Header.Set("X-Shopify-Webhook-Id", "by-hand-"+time.Now().Format(time.RFC3339Nano))
	req.Header.Set("X-Shopify-Hmac-Sha256", base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

func TestEachStoresWebhooksAreCheckedWithItsSecretAndStagedForIt(t *testing.T) {
	t.Parallel()
	a := serveWebhookApp(t, "acme", "globex")

	out, err := a.webhooksCommand(t, "register")
	require.NoError(t, err)
	require.Contains(t, out, "store acme:\n")
	require.Contains(t, out, "store globex:\n")
	for shop, sim := range a.sims {
		require.Len(t, sim.Subscriptions(), len(webhooks.Subscribed()), shop)
	}
	out, err = a.webhooksCommand(t, "list", "globex")
	require.NoError(t, err)
	require.NotContains(t, out, "store acme:", "--store names one store")
	require.Contains(t, out, "7 subscriptions\n")
	_, err = a.webhooksCommand(t, "list", "initech")
	require.ErrorIs(t, err, app.ErrUnknownStore)

	for _, sim := range a.sims {
		for _, id := range sim.OrderIDs() {
			require.NoError(t, sim.PayOrder(id))
		}
	}
	for shop, sim := range a.sims {
		want, err := ordertruth.Staged(sim)
		require.NoError(t, err)
		a.waitStagedFor(t, shop, len(want))
	}

	raw, _ := a.sims["globex"].Order(a.sims["globex"].OrderIDs()[0])
	require.Equal(t, http.StatusUnauthorized, postSigned(t, a.portal+webhooks.Path, "globex", secretOf("acme"), "orders/updated", raw),
		"a delivery for globex signed with acme's secret")
	require.Equal(t, http.StatusOK, postSigned(t, a.portal+webhooks.Path, "globex", secretOf("globex"), "orders/updated", raw))

	// Uninstalled from globex: globex's feeds stop, acme's run on.
	a.sims["globex"].UninstallApp()
	require.Eventually(t, func() bool {
		h, err := a.WebhookHealth(t.Context(), "globex")
		return err == nil && h.State == webhooks.StateUninstalled
	}, 20*time.Second, 20*time.Millisecond)
	h, err := a.WebhookHealth(t.Context(), "acme")
	require.NoError(t, err)
	require.Equal(t, webhooks.StateFlowing, h.State, h.Message)
	runs := func(shop string) int {
		var n int
		require.NoError(t, a.db.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM pt_feed_executions WHERE shop = ?", shop).Scan(&n))
		return n
	}
	globexRuns, acmeRuns := runs("globex"), runs("acme")
	require.NoError(t, a.Scheduler.RunNow("globex", "orders"))
	require.NoError(t, a.Scheduler.RunNow("acme", "orders"))
	require.Eventually(t, func() bool { return runs("acme") > acmeRuns }, 20*time.Second, 20*time.Millisecond)
	require.Equal(t, globexRuns, runs("globex"), "globex's orders feed does not run")
	_, err = a.WebhookHealth(t.Context(), "initech")
	require.ErrorIs(t, err, app.ErrUnknownStore)
}
