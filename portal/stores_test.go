package portal

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/config"
	"github.com/passthrough-dev/passthrough/feeds"
	"github.com/passthrough-dev/passthrough/ledger"
)

const otherShop = "globex"

// twoStores is a portal of two stores, acme and globex, each with orders and runs of its
// own, and gina, an operator who may see globex only.
func twoStores(t *testing.T) (*fixture, *fakeOrders) {
	t.Helper()
	globexOrders := &fakeOrders{t: t}
	f := newFixture(t, func(d *Deps) {
		d.Stores = append(d.Stores, Store{Shop: otherShop, Orders: globexOrders, Mappings: &fakeMappings{t: t}, Stock: &fakeStock{t: t}, Mode: "live"})
		h, err := bcrypt.GenerateFromPassword([]byte("gina-pw"), bcrypt.MinCost)
		require.NoError(t, err)
		d.Users = append(d.Users, config.User{Name: "gina", PasswordHash: config.Secret(h), Role: "operator", Stores: []string{otherShop}})
	})
	putOrders(t, f.store, 3, nil) // #1000 … #1002 of acme
	putOrders(t, f.store, 2, func(i int, e *ledger.Entry) {
		e.Shop, e.OrderID, e.OrderName = otherShop, int64(5000+i), fmt.Sprintf("#G%d", 5000+i)
	})
	f.feeds.StatusFunc = func() []feeds.TaskStatus {
		return []feeds.TaskStatus{
			{Shop: testShop, Name: "orders", Feed: "orders", Schedule: "every 5m0s"},
			{Shop: otherShop, Name: "orders", Feed: "orders", Schedule: "every 1m0s"},
			{Shop: otherShop, Name: "shipments", Feed: "shipments", Schedule: "every 2m0s"},
		}
	}
	return f, globexOrders
}

func signIn(t *testing.T, f *fixture, name string) *client {
	t.Helper()
	c := newClient(t, f.srv)
	require.Equal(t, http.StatusOK, c.get("/login").Code)
	rec := c.submit("/login", url.Values{"name": {name}, "password": {name + "-pw"}})
	require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
	return c
}

func runOf(t *testing.T, st erp.Store, shop, feed string) erp.Execution {
	t.Helper()
	x, err := st.ExecutionStart(context.Background(), erp.ExecutionStartParams{Feed: feed, Shop: shop, Trigger: "schedule"})
	require.NoError(t, err)
	require.NoError(t, st.ExecutionFinish(context.Background(), erp.ExecutionFinishParams{ID: x.ID, Outcome: erp.OutcomeFinished}))
	return x
}

func TestEveryPageShowsTheStoreChosenWithTheSwitcher(t *testing.T) {
	t.Parallel()
	f, _ := twoStores(t)
	acmeRun, globexRun := runOf(t, f.store, testShop, "orders"), runOf(t, f.store, otherShop, "shipments")
	c := signIn(t, f, "vera")

	page := c.get("/orders").Body.String()
	require.Contains(t, page, `<option value="acme" selected>acme</option><option value="globex">globex</option>`,
		"a user of every store gets the switcher, on the first store")
	require.Contains(t, page, "#1002")
	require.NotContains(t, page, "#G5000", "another store's orders are not listed")
	require.Equal(t, http.StatusNotFound, c.get("/orders/5000").Code, "nor shown")

	rec := c.get("/store?store=globex&back=/feeds")
	require.Equal(t, http.StatusSeeOther, rec.Code)
	require.Equal(t, "/feeds", rec.Header().Get("Location"), "back to the section the person was in")

	page = c.get("/feeds").Body.String()
	require.Contains(t, page, `<option value="globex" selected>`, "the choice is remembered")
	require.Contains(t, page, "every 1m0s")
	require.Contains(t, page, "every 2m0s")
	require.NotContains(t, page, "every 5m0s", "acme's tasks are not globex's")
	require.Contains(t, page, fmt.Sprintf(`/feeds/executions/%d`, globexRun.ID))
	require.NotContains(t, page, fmt.Sprintf(`/feeds/executions/%d"`, acmeRun.ID), "nor its runs")
	require.Equal(t, http.StatusNotFound, c.get(fmt.Sprintf("/feeds/executions/%d", acmeRun.ID)).Code)
	require.Equal(t, http.StatusOK, c.get(fmt.Sprintf("/feeds/executions/%d", globexRun.ID)).Code)

	page = c.get("/orders").Body.String()
	require.Contains(t, page, "#G5001")
	require.NotContains(t, page, "#1002")
	require.Contains(t, c.get("/orders?store=acme").Body.String(), "#1002", "an address may name the store")
	require.Contains(t, c.get("/orders").Body.String(), "#1002", "and is remembered too")

	require.Equal(t, "/orders", c.get("/store?store=globex&back=https://evil.example/").Header().Get("Location"),
		"the switcher goes back only to a section of the portal")
	require.Equal(t, http.StatusNotFound, c.get("/orders?store=nope").Code)
}

func TestAUserLimitedToSomeStoresSeesNoOther(t *testing.T) {
	t.Parallel()
	f, _ := twoStores(t)
	c := signIn(t, f, "gina")
	page := c.get("/orders").Body.String()
	require.Contains(t, page, "#G5000", "gina's one store is her default")
	require.NotContains(t, page, "#1002")
	require.NotContains(t, page, `<select name="store"`, "one store, no switcher")
	require.Contains(t, page, `<span class="shop">globex</span>`)

	require.Equal(t, http.StatusNotFound, c.get("/orders?store=acme").Code, "another store does not exist for her")
	require.Equal(t, http.StatusNotFound, c.get("/store?store=acme").Code)
	// Even a remembered choice from another user of the same browser is not hers.
	c.cookies[storeCookie] = &http.Cookie{Name: storeCookie, Value: testShop}
	require.Contains(t, c.get("/orders").Body.String(), "#G5000")
	require.Equal(t, http.StatusNotFound, c.submit("/feeds/orders/run", url.Values{"store": {testShop}}).Code)
}

func TestAFormActsOnTheStoreItWasShownFor(t *testing.T) {
	t.Parallel()
	f, globexOrders := twoStores(t)
	var asked []string
	f.feeds.RunNowFunc = func(shop, name string) error { asked = append(asked, shop+"/"+name); return nil }
	c := signIn(t, f, "otto")

	page := c.get("/feeds?store=globex").Body.String()
	require.Contains(t, page, `<input type="hidden" name="store" value="globex">`, "every form says which store it is for")
	c.get("/store?store=acme") // another tab switched to acme since
	rec := c.submit("/feeds/orders/run", url.Values{"store": {otherShop}})
	require.Equal(t, http.StatusSeeOther, rec.Code)
	require.Equal(t, []string{"globex/orders"}, asked, "the run is globex's, as the form was")

	var retried []int64
	globexOrders.RetryFunc = func(_ context.Context, id int64, user string) (feeds.Retried, error) {
		retried = append(retried, id)
		return feeds.Retried{Entry: ledger.Entry{OrderID: id, Status: ledger.StatusWaiting}}, nil
	}
	c.get("/orders/5001?store=globex")
	rec = c.submit("/orders/5001/retry", url.Values{"store": {otherShop}})
	require.Equal(t, http.StatusSeeOther, rec.Code)
	require.Equal(t, []int64{5001}, retried, "globex's orders feed retried it")
}

func TestRunNowSaysWhichProcessRunsTheFeed(t *testing.T) {
	t.Parallel()
	f, _ := twoStores(t)
	since := time.Date(2026, 11, 20, 8, 59, 0, 0, time.UTC)
	f.feeds.RunNowFunc = func(shop, name string) error {
		return fmt.Errorf("%w: %w", feeds.ErrAlreadyRunning, &erp.LockedError{Holder: erp.Lock{Shop: shop, Name: name,
			Owner: erp.Owner{ID: "1f3a9c02-aaaa", Host: "web-2", PID: 4711}, AcquiredAt: since}})
	}
	c := signIn(t, f, "otto")
	c.get("/feeds")
	c.submit("/feeds/orders/run", nil)
	page := c.get("/feeds").Body.String()
	require.Contains(t, page, "orders is already running in web-2 pid 4711 (instance 1f3a9c02) since 2026-11-20 08:59:00 UTC; nothing new was started.")
	require.NotContains(t, page, "reason has been logged", "a feed running elsewhere is no failure")
}

func TestTheFeedsPageSaysWhichProcessRunsAFeed(t *testing.T) {
	t.Parallel()
	f, _ := twoStores(t)
	replica := erp.Owner{ID: "77aa66bb-0000-4000-8000-000000000001", Host: "web-3", PID: 5150}
	_, err := f.store.LockAcquire(context.Background(), erp.LockParams{Shop: otherShop, Name: "shipments", Owner: replica, Token: "t", TTL: time.Hour})
	require.NoError(t, err)
	c := signIn(t, f, "vera")
	page := c.get("/feeds?store=globex").Body.String()
	require.Contains(t, page, "in web-3 pid 5150 (instance 77aa66bb) since", "the replica running globex's shipments is named")
	require.Contains(t, page, `hx-trigger="every 2s"`, "the page follows the run")
	require.NotContains(t, c.get("/feeds?store=acme").Body.String(), "web-3", "acme's shipments are not running")
}
