package portal

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/erp/erpsqlite"
	"github.com/passthrough-dev/passthrough/adapters/erp/erptest"
	"github.com/passthrough-dev/passthrough/ledger"
)

// busyStore is a store's database as a busy morning left it. The portal's clock says
// 2026-11-20 09:30 UTC, 10:30 in Berlin: the hour under way is 10:00–11:00 CET.
type busyStore struct {
	store *erpsqlite.Store
	clock *testClock // the store's own: when a ledger event or a problem is written
	now   time.Time
	// class is the error class first seen this morning; failed the runs that failed.
	class  erp.ProblemClass
	failed []int64
}

var berlin = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	return loc
}()

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func utc(day, hour, minute int) time.Time {
	return time.Date(2026, 11, day, hour, minute, 0, 0, time.UTC)
}

func newBusyStore(t *testing.T) *busyStore {
	t.Helper()
	ctx := context.Background()
	b := &busyStore{clock: newTestClock(), now: utc(20, 9, 30)}
	b.store = newStoreOn(t, b.clock.Now)

	// Orders staged: #1 and #2 between 09:00 and 10:00 CET (#1 twice), #3 at 07:30 CET, #4
	// the day before, just outside the 24 hours.
	for _, s := range []struct {
		id int64
		at time.Time
	}{{1, utc(20, 8, 10)}, {2, utc(20, 8, 20)}, {1, utc(20, 8, 30)}, {3, utc(20, 6, 30)}, {4, utc(19, 9, 59)}} {
		b.clock.Set(s.at)
		p := erptest.Order(testShop, s.id, 1)
		p.Ledger = ledger.Entry{Shop: testShop, OrderID: s.id, Status: ledger.StatusStaged}
		require.NoError(t, b.store.OrderStage(ctx, p))
	}
	// An order that failed is no staged order.
	b.clock.Set(utc(20, 8, 40))
	require.NoError(t, b.store.LedgerPut(ctx, ledger.Entry{Shop: testShop, OrderID: 5, Status: ledger.StatusFailed, Severity: passthrough.SeverityError,
		Problem: "unknown SKU X-1"}))

	// Runs: each starts at its time and ends a minute later.
	for _, r := range []struct {
		feed    string
		at      time.Time
		outcome string
		counts  erp.ExecutionCounts
		usage   passthrough.APIUsage
	}{
		{"inventory", utc(18, 12, 0), erp.OutcomeFailed, erp.ExecutionCounts{}, passthrough.APIUsage{}},
		{"orders", utc(18, 12, 30), erp.OutcomeFinished, erp.ExecutionCounts{Seen: 3, Written: 3}, passthrough.APIUsage{}},
		{"shipments", utc(20, 7, 15), erp.OutcomeFailed, erp.ExecutionCounts{}, passthrough.APIUsage{}},
		{"orders", utc(20, 8, 5), erp.OutcomeFinished, erp.ExecutionCounts{Seen: 10, Written: 8, Skipped: 1, Errors: 1}, passthrough.APIUsage{}},
		{"orders", utc(20, 8, 35), erp.OutcomeFinished, erp.ExecutionCounts{Seen: 10, Written: 10}, passthrough.APIUsage{}},
		{"shipments", utc(20, 8, 50), erp.OutcomeFinished, erp.ExecutionCounts{Seen: 5, Written: 5}, passthrough.APIUsage{}},
		{"orders", utc(20, 8, 55), erp.OutcomeFinished, erp.ExecutionCounts{}, passthrough.APIUsage{}},
		{"shipments", utc(20, 8, 57), erp.OutcomeFailed, erp.ExecutionCounts{}, passthrough.APIUsage{}},
		{"orders", utc(20, 9, 20), erp.OutcomeFinished, erp.ExecutionCounts{Seen: 2, Written: 2},
			passthrough.APIUsage{RESTCalls: 40, GraphQLPoints: 120, Wait: 1500 * time.Millisecond, RateLimited: 1}},
	} {
		x, err := b.store.ExecutionStart(ctx, erp.ExecutionStartParams{Feed: r.feed, Shop: testShop, Trigger: "schedule", At: r.at})
		require.NoError(t, err)
		msg := ""
		if r.outcome == erp.OutcomeFailed {
			msg = "Shopify answered 401"
			b.failed = append(b.failed, x.ID)
		}
		require.NoError(t, b.store.ExecutionFinish(ctx, erp.ExecutionFinishParams{ID: x.ID, At: r.at.Add(time.Minute), Outcome: r.outcome,
			Counts: r.counts, Error: msg, Usage: r.usage}))
	}

	// Problem classes: one error class new this morning, a business rule's (info) and an
	// error class from last month, which are no news.
	for _, p := range []erp.Problem{
		{Feed: "orders", RecordKey: "5", Severity: passthrough.SeverityError, Message: "unknown SKU X-1", At: utc(20, 8, 40)},
		{Feed: "orders", RecordKey: "6", Severity: passthrough.SeverityInfo, Message: "a test order", At: utc(20, 8, 41)},
		{Feed: "shipments", RecordKey: "SH-1", Severity: passthrough.SeverityError, Message: "422 already fulfilled", At: utc(1, 8, 0)},
	} {
		p.Shop = testShop
		require.NoError(t, b.store.ProblemAdd(ctx, p))
	}
	classes, err := b.store.ProblemClassList(ctx, erp.ProblemClassListParams{Shop: testShop, Severity: passthrough.SeverityError, Feed: "orders"})
	require.NoError(t, err)
	require.Len(t, classes, 1)
	b.class = classes[0]
	return b
}

// deps wires the portal to the busy store, in Berlin.
func (b *busyStore) deps(d *Deps) {
	d.Ledger, d.Accounts, d.Audit, d.Problems, d.Overview = b.store, b.store, b.store, b.store, b.store
	d.Stores[0].Location = berlin
	d.Stores[0].Expect = []FeedExpectation{{Feed: "orders", Every: 5 * time.Minute}, {Feed: "shipments", Every: 30 * time.Minute},
		{Feed: "inventory", Every: time.Hour}}
}

// barTitled finds the bar with a title in a page and says its total.
func barTitled(t *testing.T, page, chartID, title string) string {
	t.Helper()
	i := strings.Index(page, `id="`+chartID+`"`)
	require.GreaterOrEqual(t, i, 0, "no chart %s", chartID)
	fig := page[i:]
	fig = fig[:strings.Index(fig, "</figure>")]
	m := regexp.MustCompile(`<g class="bar" data-total="([^"]*)"><title>` + regexp.QuoteMeta(title) + `</title>`).FindStringSubmatch(fig)
	require.NotNil(t, m, "no bar %q in %s", title, chartID)
	return m[1]
}

func TestTheDashboard(t *testing.T) {
	t.Parallel()
	b := newBusyStore(t)
	f := newFixture(t, b.deps)
	f.clock.Set(b.now)
	c := login(t, f.srv, "viewer")

	home := c.get("/")
	require.Equal(t, http.StatusSeeOther, home.Code)
	require.Equal(t, "/dashboard", home.Header().Get("Location"), "the front page is the dashboard")

	rec := c.get("/dashboard")
	require.Equal(t, http.StatusOK, rec.Code)
	page := rec.Body.String()

	t.Run("the last 24 hours add up", func(t *testing.T) {
		require.Contains(t, page, `<strong id="total-staged">3</strong>`, "#1, #2 and #3; #1 once however often; #4 is older")
		require.Contains(t, page, `<strong id="total-rate">3.7%</strong>`, "1 of 27 records")
		require.Contains(t, page, `1 of 27 records`)
		require.Contains(t, page, `<strong id="total-runs">7</strong>`)
		require.Contains(t, page, `id="total-failed">2 failed</span>`)
		require.Contains(t, page, "hours and days in Europe/Berlin (CET)")
	})

	t.Run("orders staged per hour, in the store's hours", func(t *testing.T) {
		require.Equal(t, "2", barTitled(t, page, "chart-staged", "Fri 20 Nov 09:00–10:00 CET: 2 staged"))
		require.Equal(t, "1", barTitled(t, page, "chart-staged", "Fri 20 Nov 07:00–08:00 CET: 1 staged"))
		require.Equal(t, "0", barTitled(t, page, "chart-staged", "Fri 20 Nov 10:00–11:00 CET: 0 staged"), "the hour under way is the last bar")
		require.Equal(t, "0", barTitled(t, page, "chart-staged", "Thu 19 Nov 11:00–12:00 CET: 0 staged"), "the first bar")
		require.Contains(t, page, "by hour, Europe/Berlin (CET)")
		require.Contains(t, page, "3 orders staged in the last 24 hours; at most 2 in an hour.")
	})

	t.Run("the error rate per hour is the records with errors of those handled", func(t *testing.T) {
		require.Equal(t, "4", barTitled(t, page, "chart-errors", "Fri 20 Nov 09:00–10:00 CET: 1 of 25 records with errors (4%)"))
		require.Equal(t, "0", barTitled(t, page, "chart-errors", "Fri 20 Nov 10:00–11:00 CET: 0 of 2 records with errors (0%)"))
		require.Equal(t, "0", barTitled(t, page, "chart-errors", "Fri 20 Nov 08:00–09:00 CET: no records handled"))
	})

	t.Run("runs by outcome over 24 hours and 7 days", func(t *testing.T) {
		require.Equal(t, "5", barTitled(t, page, "chart-runs", "Fri 20 Nov 09:00–10:00 CET: 4 finished, 1 failed"))
		require.Equal(t, "1", barTitled(t, page, "chart-runs", "Fri 20 Nov 08:00–09:00 CET: 1 failed"))
		require.Equal(t, "7", barTitled(t, page, "chart-week", "Fri 2026-11-20: 5 finished, 2 failed"))
		require.Equal(t, "2", barTitled(t, page, "chart-week", "Wed 2026-11-18: 1 finished, 1 failed"))
		require.Equal(t, "0", barTitled(t, page, "chart-week", "Sat 2026-11-14: no runs"), "seven days back, today included")
		require.Contains(t, page, "9 runs in the last 7 days, 3 of them failed.")
	})

	t.Run("the feeds that need attention: stale, or their last run failed", func(t *testing.T) {
		require.Contains(t, page, `<tr data-feed="shipments">`)
		require.Regexp(t, `data-feed="shipments">[^/]*/feeds\?feed=shipments">shipments</a></td>\s*<td data-label="Why" class="problem">its last run failed</td>`, page)
		require.Contains(t, page, "no successful run yet; it should succeed every 1h0m0s", "inventory never succeeded")
		require.NotContains(t, page, `data-feed="orders"`, "orders last succeeded 9 minutes ago, and runs every 5")
	})

	t.Run("the Shopify budget of the hour under way", func(t *testing.T) {
		require.Regexp(t, `id="budget-hour">[^<]*<span[^>]*>[^<]*</span>\s*<strong>40 REST</strong>`, page)
		require.Contains(t, page, "120 GraphQL points; waited 1.5s; 1 × 429")
	})

	t.Run("the dashboard is first in the navigation", func(t *testing.T) {
		require.Regexp(t, `<nav>\s*<a href="/dashboard" aria-current="page">Dashboard</a>`, page)
	})
}

func TestTheBell(t *testing.T) {
	t.Parallel()
	b := newBusyStore(t)
	var deps Deps
	f := newFixture(t, func(d *Deps) {
		b.deps(d)
		deps = *d
	})
	f.clock.Set(b.now)
	bell := regexp.MustCompile(`id="bell-count">([^<]*)<`)
	count := func(c *client) string {
		t.Helper()
		rec := c.get("/orders")
		require.Equal(t, http.StatusOK, rec.Code)
		return regexpFind(rec.Body.String(), bell.String())
	}

	otto := login(t, f.srv, "operator")
	require.Equal(t, "4", count(otto), "the new error class and the three runs that failed in the week before a first look")

	list := otto.get("/notifications").Body.String()
	require.Contains(t, list, fmt.Sprintf(`<a href="/problems/%d">%s</a>`, b.class.ID, b.class.Template))
	for _, id := range b.failed {
		require.Contains(t, list, fmt.Sprintf(`<a href="/feeds/executions/%d">run %d</a>`, id, id))
	}
	require.NotContains(t, list, "a test order", "a business rule's class is no news")
	require.NotContains(t, list, "already fulfilled", "nor a class older than the first look")
	require.Equal(t, "4", count(otto), "showing the list marks nothing read")

	require.Equal(t, http.StatusForbidden, otto.post("/notifications/read", url.Values{"store": {testShop}}).Code, "not without the CSRF token")
	require.Equal(t, "4", count(otto))

	// A run fails after the list was shown and before "Mark as read": it stays unread.
	otto.get("/notifications")
	f.clock.Advance(time.Minute)
	x, err := b.store.ExecutionStart(t.Context(), erp.ExecutionStartParams{Feed: "orders", Shop: testShop, Trigger: "schedule", At: f.clock.Now().Add(-10 * time.Second)})
	require.NoError(t, err)
	require.NoError(t, b.store.ExecutionFinish(t.Context(), erp.ExecutionFinishParams{ID: x.ID, At: f.clock.Now().Add(-time.Second), Outcome: erp.OutcomeFailed, Error: "timeout"}))
	upto := regexpFind(otto.get("/notifications").Body.String(), `name="upto" value="([^"]+)"`)
	require.Equal(t, "2026-11-20T09:31:00Z", upto, "the list says when it was shown")
	rec := otto.submit("/notifications/read", url.Values{"upto": {"2026-11-20T09:30:00Z"}, "store": {testShop}})
	require.Equal(t, http.StatusSeeOther, rec.Code)
	require.Equal(t, "/notifications", rec.Header().Get("Location"))
	require.Equal(t, "1", count(otto), "the run that failed after the list was shown")
	page := otto.get("/notifications").Body.String()
	require.Contains(t, page, fmt.Sprintf(`<a href="/feeds/executions/%d">run %d</a>`, x.ID, x.ID))

	rec = otto.submit("/notifications/read", url.Values{"upto": {upto}, "store": {testShop}})
	require.Equal(t, http.StatusSeeOther, rec.Code)
	require.Equal(t, "0", count(otto))
	page = otto.get("/notifications").Body.String()
	require.Contains(t, page, `id="no-news"`)
	require.NotContains(t, page, `id="mark-read"`)

	rec = otto.submit("/notifications/read", url.Values{"upto": {"2026-11-20T08:00:00Z"}, "store": {testShop}})
	require.Equal(t, http.StatusSeeOther, rec.Code)
	require.Equal(t, "0", count(otto), "a list left open in another tab does not take the mark back")

	require.Equal(t, "5", count(login(t, f.srv, "viewer")), "each user has their own: vera has not looked")

	replica, err := New(deps)
	require.NoError(t, err)
	require.Equal(t, "0", count(login(t, replica, "operator")), "another replica reads the same marks")
}
