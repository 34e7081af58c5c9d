package app_test

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
	"github.com/passthrough-dev/passthrough/app"
	"github.com/passthrough-dev/passthrough/config"
	"github.com/passthrough-dev/passthrough/feeds"
)

// browser is a person at the wired app's portal, without JavaScript: it keeps the cookies
// and the CSRF token of the last page.
type browser struct {
	t     *testing.T
	base  string
	c     *http.Client
	token string
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func signInto(t *testing.T, a *testApp, name, password string) *browser {
	t.Helper()
	srv := httptest.NewServer(a.Portal)
	t.Cleanup(srv.Close)
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	b := &browser{t: t, base: srv.URL, c: &http.Client{Jar: jar}}
	b.get("/login")
	require.Contains(t, b.post("/login", url.Values{"name": {name}, "password": {password}}), name, "signed in")
	return b
}

func (b *browser) get(path string) string {
	b.t.Helper()
	res, err := b.c.Get(b.base + path)
	require.NoError(b.t, err)
	return b.read(res)
}

// post sends a form with the token of the last page, and answers the page it leads to.
func (b *browser) post(path string, form url.Values) string {
	b.t.Helper()
	form.Set("_csrf", b.token)
	res, err := b.c.PostForm(b.base+path, form)
	require.NoError(b.t, err)
	return b.read(res)
}

func (b *browser) read(res *http.Response) string {
	b.t.Helper()
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(b.t, err)
	require.Equal(b.t, http.StatusOK, res.StatusCode, string(body))
	if m := csrfField.FindSubmatch(body); m != nil {
		b.token = string(m[1])
	}
	return string(body)
}

// replica is another process of the deployment.
var replica = erp.Owner{ID: "9c1d2e3f-0000-4000-8000-000000000001", Host: "web-9", PID: 99}

func TestImportNowRunsUnderTheOrdersFeedsLock(t *testing.T) {
	t.Parallel()
	a := newApp(t, shopifytest.GenOptions{Orders: 20, SKUs: 5, Seed: 71})
	held, err := a.Store.LockAcquire(t.Context(), erp.LockParams{Shop: "acme", Name: feeds.FeedOrders, Owner: replica, Token: "t", TTL: time.Hour})
	require.NoError(t, err)
	checks := func() []erp.Execution {
		xs, err := a.Store.ExecutionList(t.Context(), erp.ExecutionListParams{Shop: "acme", Feed: feeds.FeedOrdersCheck, Limit: 10})
		require.NoError(t, err)
		return xs
	}

	olga := signInto(t, a, "olga", "olga-secret")
	olga.get("/completeness")
	page := olga.post("/completeness/2026-11-21", url.Values{"store": {"acme"}})
	require.Contains(t, page, "The orders feed is running in web-9 pid 99 (instance 9c1d2e3f)")
	require.Empty(t, checks(), "nothing was checked while another process runs the orders feed")

	require.NoError(t, a.Store.LockRelease(context.Background(), held))
	page = olga.post("/completeness/2026-11-21", url.Values{"store": {"acme"}})
	require.Contains(t, page, `<p class="flash good" role="status" id="flash">2026-11-21: `, "the day was checked")
	xs := checks()
	require.Len(t, xs, 1)
	require.Equal(t, "manual", xs[0].Trigger)
	require.Equal(t, a.Locks.Owner().String(), xs[0].Owner, "the check ran under this process's lock")
}

func TestGoingLiveSendsTheTestShipmentsOnceTheShipmentsFeedIsFree(t *testing.T) {
	t.Parallel()
	a := newApp(t, shopifytest.GenOptions{Orders: 10, SKUs: 5, Seed: 73})
	db := a.Store.(interface{ DB() *sql.DB }).DB()
	_, err := db.ExecContext(t.Context(), `INSERT INTO external_order_shipments
		(shipment_id, line_no, shop, web_order_id, item_code, quantity, tracking_number, carrier, sync_status, sync_error)
		VALUES ('SH-7', 1, 'acme', 450789469, 'TS-001', 2, '1Z999', 'UPS', 'test', 'would send 2 × TS-001')`)
	require.NoError(t, err)
	// Another process is running the shipments feed; it dies, and its lease runs out.
	_, err = a.Store.LockAcquire(t.Context(), erp.LockParams{Shop: "acme", Name: feeds.FeedShipments, Owner: replica, Token: "t", TTL: time.Second})
	require.NoError(t, err)

	adam := signInto(t, a, "adam", "adam-secret")
	require.Contains(t, adam.get("/mode?to=live"), "Shipments recorded in test mode")
	page := adam.post("/mode", url.Values{"store": {"acme"}, "mode": {"live"}, "send_test_shipments": {"yes"}})
	require.Contains(t, page, "with the 1 shipment rows recorded in test mode", "set to send once the feed's lock was free")
	unsent, err := a.Store.ShipmentListUnsent(t.Context(), erp.ShipmentListUnsentParams{Shop: "acme"})
	require.NoError(t, err)
	require.Len(t, unsent, 1)
}

func TestEachStoreHasItsOwnTimeZoneInThePortal(t *testing.T) {
	t.Parallel()
	a := newApp(t, shopifytest.GenOptions{Orders: 5, SKUs: 3, Seed: 79})
	cfg := a.Config
	// The same simulated shop under a second name, with a time zone of its own.
	acme := config.Store{Shopify: cfg.Shopify, Mappings: cfg.Mappings, Mode: cfg.Mode, Feeds: cfg.Feeds}
	globex := acme
	globex.Shop, globex.TimeZone = "globex", "Asia/Tokyo"
	cfg.Shopify, cfg.Stores = config.Shopify{}, []config.Store{acme, globex}
	require.NoError(t, cfg.Validate())
	two, err := app.New(t.Context(), cfg, app.Options{Store: a.Store})
	require.NoError(t, err)
	t.Cleanup(func() { two.Close() })
	require.Equal(t, "Asia/Tokyo", two.Shops[1].Orders.TimeZone, "the store's own setting reaches its orders feed")
	require.Empty(t, two.Shops[0].Orders.TimeZone)

	olga := signInto(t, &testApp{App: two}, "olga", "olga-secret")
	require.Contains(t, olga.get("/completeness?store=globex"), "in the shop's time zone (Asia/Tokyo)")
	require.Contains(t, olga.get("/completeness?store=acme"), "in the shop's time zone (Etc/GMT&#43;4)", "Shopify's zone for the store that sets none")
}
