// Package browsertest drives the worker portal in a real browser (Debian's Chromium through
// chromedp) through the scenarios people do all day: sign in, find an order, open it, retry
// it, run a feed now, break a mapping and fix it. It takes the portal as an http.Handler and
// a description of its data (Target), so the same scenarios run against the portal with
// fakes behind it and against the fully wired application.
//
// The browser is the one named by PASSTHROUGH_TEST_CHROMIUM (make test sets it). Without
// it the tests skip, except under CI=true, where they fail. Every page a scenario reaches
// is saved as a PNG in PASSTHROUGH_SCREENSHOTS, or a new temporary folder; the test log
// says where.
package browsertest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// Login is a user of the portal.
type Login struct {
	Name, Password string
}

// Target is the portal to test and what the scenarios need to know about its data.
type Target struct {
	Handler  http.Handler
	Operator Login // an operator (or admin): retries, runs feeds
	Admin    Login // an admin: edits mappings

	// Orders are order names (#1001) the newest page of Pass Through Orders shows.
	Orders []string
	// OrderID is the Shopify id of an order of the data set that Retry works on and that
	// the mapping preview maps.
	OrderID int64
	// Feed is the task Run now is pressed for.
	Feed string

	// Mapping is the mapping file the admin breaks and fixes (orders.yaml). Break turns
	// its source into one that does not compile; Fix turns it into one that compiles and
	// makes the preview of OrderID show FixedValue, which it did not show before.
	Mapping    string
	Break      func(src string) string
	Fix        func(src string) string
	FixedValue string

	// OtherStore, when set, is a second store of the portal (the operator's first store is
	// the one Orders are of), whose newest page of orders shows OtherOrders: the operator
	// switches to it.
	OtherStore  string
	OtherOrders []string

	// Customer is a word of a customer's name (Müller) that the search finds OrderID by,
	// written otherwise than the customer's name is (muller finds Müller). The operator
	// searches it, opens the order and sees its rows as staged beside the current mapping's,
	// which differ after Fix by FixedValue.
	Customer string
	// FailedOrderID is an order that failed with an error, which the operator resolves with
	// a reason; 0 when the data set has none.
	FailedOrderID int64
	// FailedShipment is a shipment the shipments feed refused (error), which the operator
	// retries after FixShipment has corrected its rows in the ERP; it is then handled again
	// and reaches ShipmentDone (sent, or test in test mode). Empty when there is none.
	FailedShipment string
	FixShipment    func()
	ShipmentDone   string
	// ProblemClass is a phrase of a class of problems with open records, which the operator
	// resolves all at once with a reason. Empty when there is none.
	ProblemClass string
	// Replica, when set, is another instance of the portal on the same database and
	// session key, and Restart makes one more, as a restart would: an admin changes the
	// operator's password on one, and the operator's sign-in ends on all (the operator's
	// password is then changed).
	Replica http.Handler
	Restart func() http.Handler
}

// scenarioTimeout bounds one scenario, browser start included.
const scenarioTimeout = 40 * time.Second

// Run runs every scenario against target, one after the other (each changes the data the
// next one sees, and two Chromiums on a small machine only slow each other down).
func Run(t *testing.T, target Target) {
	exec := chromium(t)
	srv := httptest.NewServer(target.Handler)
	t.Cleanup(srv.Close)
	shots := screenshotDir(t)

	// Each scenario runs when the target has what it needs; the order matters (each changes
	// the data the next one sees).
	type scenario struct {
		name string
		run  func(s *session, target Target)
		when bool
	}
	all := []scenario{
		{"an operator signs in and finds orders", signInAndFindOrders, true},
		{"an operator opens an order and retries it", openAndRetry, true},
		{"an operator runs a feed now and sees the new run", runFeedNow, true},
		{"an admin breaks a mapping, sees line:col, fixes it and sees the preview change", breakAndFixMapping, true},
		{"an operator looks at the stock", lookAtStock, true},
		{"an operator sees whether webhooks flow and opens the privacy requests", lookAtWebhooks, true},
		{"an operator finds a customer, opens the order and sees its staged rows beside the current mapping's", findCustomerSeeTruth, target.Customer != ""},
		{"an operator resolves an order's error with a reason", resolveOrder, target.FailedOrderID != 0},
		{"an operator retries a failed shipment and sees it go through", retryShipment, target.FailedShipment != ""},
		{"an operator resolves a class of problems at once, and the audit log says who did what", resolveClass, target.ProblemClass != ""},
		{"an operator uses the portal on a phone, 390 px wide, without scrolling sideways", narrowScreen, true},
		{"an operator switches to another store and sees its orders only", switchStore, target.OtherStore != ""},
		{"an integration consultant fixes a typo by its line:col, previews, compares two versions and restores one", consultantEditsAMapping, true},
		{"a manager looks at the health panel and the API budget", managerChecksHealthAndBudget, true},
		{"a manager reads the dashboard, opens the bell and marks it read", managerReadsTheDashboard, true},
		{"a hostile page posting to the login cannot lock the office out", hostilePageCannotLockTheOfficeOut, true},
		// Last: it changes the operator's password.
		{"an admin changes an operator's password and the old sign-in ends on every instance and after a restart",
			passwordChangeEndsTheOldSignIn, target.Replica != nil && target.Restart != nil},
	}
	var scenarios []scenario
	for _, sc := range all {
		if sc.when {
			scenarios = append(scenarios, sc)
		}
	}
	for i, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			s := newSession(t, exec, srv.URL, shots, fmt.Sprintf("%d", i+1))
			sc.run(s, target)
			s.checkConsole()
		})
	}
}

// chromium returns the browser to use, or skips (fails under CI) without one.
func chromium(t *testing.T) string {
	t.Helper()
	missing := func(why string) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("browser tests cannot run: %s", why)
		}
		t.Skipf("browser tests skipped: %s", why)
	}
	p := os.Getenv("PASSTHROUGH_TEST_CHROMIUM")
	if p == "" {
		missing("PASSTHROUGH_TEST_CHROMIUM is not set (make test sets it)")
	}
	if _, err := os.Stat(p); err != nil {
		missing(fmt.Sprintf("PASSTHROUGH_TEST_CHROMIUM names %s, which is not there", p))
	}
	return p
}

func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("PASSTHROUGH_SCREENSHOTS")
	if dir == "" {
		var err error
		dir, err = os.MkdirTemp("", "passthrough-screenshots-")
		require.NoError(t, err)
	} else {
		require.NoError(t, os.MkdirAll(dir, 0o755))
	}
	t.Logf("screenshots of every page go to %s", dir)
	return dir
}

// session is one browser on the portal.
type session struct {
	t      *testing.T
	exec   string // the browser, for a second one in the same scenario
	ctx    context.Context
	base   string
	shots  string
	prefix string
	n      int

	mu      sync.Mutex
	console []string // script errors and policy violations the page reported
}

func newSession(t *testing.T, exec, base, shots, prefix string) *session {
	s := &session{t: t, exec: exec, base: base, shots: shots, prefix: prefix}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exec),
		chromedp.Headless,
		chromedp.NoSandbox, // tests run as root in containers
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 1000),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx, chromedp.WithListener(s.listen))
	ctx, cancelTime := context.WithTimeout(ctx, scenarioTimeout)
	t.Cleanup(func() { cancelTime(); cancelTab(); cancelAlloc() })
	s.ctx = ctx
	return s
}

// listen keeps what the page says went wrong: an uncaught exception, a console error, a
// Content-Security-Policy violation. A status code the portal answers on purpose (422 for
// a refused mapping) is not a problem, so network entries are left out.
func (s *session) listen(ev any) {
	var msg string
	switch e := ev.(type) {
	case *runtime.EventExceptionThrown:
		msg = "exception"
		if d := e.ExceptionDetails; d != nil {
			msg += ": " + d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
		}
	case *log.EventEntryAdded:
		if e.Entry.Level == log.EntryLevelError && e.Entry.Source != log.EntrySourceNetwork {
			msg = fmt.Sprintf("%s: %s", e.Entry.Source, e.Entry.Text)
		}
	}
	if msg != "" {
		s.mu.Lock()
		s.console = append(s.console, msg)
		s.mu.Unlock()
	}
}

func (s *session) checkConsole() {
	s.mu.Lock()
	defer s.mu.Unlock()
	require.Empty(s.t, s.console, "the pages reported script errors or policy violations")
}

func (s *session) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	s.t.Helper()
	require.NoError(s.t, chromedp.Do(s.ctx, steps...), what)
}

// open loads a page of the portal.
func (s *session) open(path string) {
	s.t.Helper()
	s.do("open "+path, chromedp.Navigate(s.base+path))
}

// follow clicks something that loads a new page, and waits for it.
func (s *session) follow(sel string) int64 {
	s.t.Helper()
	resp, err := chromedp.RunResponse(s.ctx, chromedp.Click(chromedp.CSS(sel)))
	require.NoError(s.t, err, "click %s", sel)
	require.NotNil(s.t, resp, "clicking %s loaded no page", sel)
	return resp.Status
}

func (s *session) text(sel string) string {
	s.t.Helper()
	got, err := chromedp.Run(s.ctx, chromedp.Text(chromedp.CSS(sel)))
	require.NoError(s.t, err, "read %s", sel)
	return got
}

func (s *session) location() string {
	s.t.Helper()
	got, err := chromedp.Run(s.ctx, chromedp.Location())
	require.NoError(s.t, err)
	return strings.TrimPrefix(got, s.base)
}

// waitFor polls a JavaScript condition until it is true (an htmx swap has happened).
func (s *session) waitFor(what, expr string) {
	s.t.Helper()
	_, err := chromedp.Run(s.ctx, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(100*time.Millisecond),
		chromedp.WithPollingTimeout(15*time.Second)))
	require.NoError(s.t, err, "wait until %s", what)
}

// shot saves the page as it looks now.
func (s *session) shot(name string) {
	s.t.Helper()
	png, err := chromedp.Run(s.ctx, chromedp.FullScreenshot(100))
	require.NoError(s.t, err, "screenshot %s", name)
	s.n++
	file := filepath.Join(s.shots, fmt.Sprintf("%s.%d-%s.png", s.prefix, s.n, name))
	require.NoError(s.t, os.WriteFile(file, png, 0o644))
	s.t.Logf("screenshot %s", file)
}

// signIn goes to a page, is sent to the login form, signs in and is sent back.
func (s *session) signIn(who Login, path string) {
	s.t.Helper()
	s.open(path)
	require.True(s.t, strings.HasPrefix(s.location(), "/login"), "an anonymous visit goes to the login form, not %s", s.location())
	s.do("fill the login form",
		chromedp.WaitVisible(chromedp.ID("name")),
		chromedp.SendKeys(chromedp.ID("name"), who.Name),
		chromedp.SendKeys(chromedp.ID("password"), who.Password),
	)
	s.shot("login")
	require.EqualValues(s.t, http.StatusOK, s.follow(`section.login button[type="submit"]`))
	require.Equal(s.t, path, s.location(), "after login the visit goes on where it started")
	require.Contains(s.t, s.text("#who"), who.Name)
}

func signInAndFindOrders(s *session, target Target) {
	s.signIn(target.Operator, "/orders")
	s.do("wait for the orders", chromedp.WaitVisible(chromedp.ID("orders")))
	list := s.text("#orders")
	for _, name := range target.Orders {
		require.Contains(s.t, list, name)
	}
	s.shot("orders")

	// Search narrows the list in place (htmx), without a page load.
	want := target.Orders[0]
	s.do("search", chromedp.SendKeys(chromedp.ID("q"), want))
	s.waitFor("the search result replaces the list",
		`document.querySelectorAll('#orders tbody tr[data-order-id]').length === 1`)
	require.Contains(s.t, s.text("#orders"), want)
	loc, err := url.Parse(s.location())
	require.NoError(s.t, err)
	require.Equal(s.t, want, loc.Query().Get("q"), "the search is in the address, to share or reload")
	s.shot("orders-search")
}

func openAndRetry(s *session, target Target) {
	path := fmt.Sprintf("/orders/%d", target.OrderID)
	s.signIn(target.Operator, "/orders")
	s.follow(fmt.Sprintf(`tr[data-order-id="%d"] a`, target.OrderID))
	require.Equal(s.t, path, s.location())
	s.do("wait for the payload", chromedp.WaitVisible(chromedp.ID("payload")))
	require.Contains(s.t, s.text("#payload"), fmt.Sprint(target.OrderID), "the Shopify payload is shown")
	s.shot("order")

	s.follow("#retry")
	require.Equal(s.t, path+"/retry", s.location(), "Retry asks first")
	s.shot("order-retry-confirm")
	s.follow("#confirm")
	require.Equal(s.t, path, s.location())
	// What the retry came to, never more than happened; and the history says who retried.
	require.Regexp(s.t, `is staged now|was staged again|Nothing changed|Nothing was staged`, s.text("#flash"))
	require.Contains(s.t, s.text("#history"), target.Operator.Name)
	s.shot("order-retried")
}

var executionIDs = `Array.from(document.querySelectorAll('#executions tr[data-execution-id]')).map(e => Number(e.dataset.executionId))`

func runFeedNow(s *session, target Target) {
	s.signIn(target.Operator, "/feeds")
	s.do("wait for the tasks", chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`button[data-run="%s"]`, target.Feed))))
	before, err := chromedp.Run(s.ctx, chromedp.Evaluate[[]int64](executionIDs))
	require.NoError(s.t, err)
	newest := int64(0)
	for _, id := range before {
		newest = max(newest, id)
	}
	s.shot("feeds")

	s.do("press Run now", chromedp.Click(chromedp.CSS(fmt.Sprintf(`button[data-run="%s"]`, target.Feed))))
	s.waitFor("the answer to Run now is shown", `document.querySelector('#flash') !== null`)
	require.Regexp(s.t, `Started|already running`, s.text("#flash"))
	// The feeds page polls while a run is under way or was just started.
	s.waitFor("the new run appears in the history",
		fmt.Sprintf(`%s.some(id => id > %d) && !document.querySelector('#executions').textContent.includes('RUNNING')`, executionIDs, newest))
	s.shot("feeds-after-run-now")

	s.follow(`#executions tbody tr[data-execution-id] a`)
	require.Regexp(s.t, `^/feeds/executions/\d+$`, s.location())
	require.Regexp(s.t, `FINISHED|FINISHED_PARTIALLY|FAILED`, s.text("#outcome"))
	s.shot("execution")
}

func breakAndFixMapping(s *session, target Target) {
	path := "/mappings/" + target.Mapping
	s.signIn(target.Admin, "/mappings")
	s.shot("mappings")
	s.follow(fmt.Sprintf(`a[href="%s"]`, path))
	require.Equal(s.t, path, s.location())
	original, err := chromedp.Run(s.ctx, chromedp.Value(chromedp.ID("src")))
	require.NoError(s.t, err)

	preview := func(name string) string {
		s.do("preview the order",
			chromedp.SetValue(chromedp.ID("preview-order"), fmt.Sprint(target.OrderID)),
			chromedp.Click(chromedp.ID("preview-button")),
			chromedp.WaitVisible(chromedp.ID("preview-rows")),
		)
		s.shot(name)
		return s.text("#preview-rows")
	}
	before := preview("mapping-preview")
	require.NotContains(s.t, before, target.FixedValue)

	// Break it: the save is refused, the diagnostics name file:line:col, the draft stays.
	broken := target.Break(original)
	require.NotEqual(s.t, original, broken, "Break changes the file")
	s.do("type a broken mapping", chromedp.SetValue(chromedp.ID("src"), broken))
	require.EqualValues(s.t, http.StatusUnprocessableEntity, s.follow("#save"))
	diag := s.text("#diagnostics")
	require.Regexp(s.t, regexp.QuoteMeta(target.Mapping)+`:\d+:\d+: `, diag)
	require.Contains(s.t, s.text("#flash"), "Not saved")
	kept, err := chromedp.Run(s.ctx, chromedp.Value(chromedp.ID("src")))
	require.NoError(s.t, err)
	require.Equal(s.t, broken, strings.ReplaceAll(kept, "\r\n", "\n"), "the refused draft stays in the editor")
	s.shot("mapping-broken")

	// Fix it: saved, and the preview of the same order changes.
	s.do("type the fixed mapping", chromedp.SetValue(chromedp.ID("src"), target.Fix(original)))
	require.EqualValues(s.t, http.StatusOK, s.follow("#save"))
	require.Contains(s.t, s.text("#flash"), "Saved")
	require.Equal(s.t, "compiles", s.text("#compiles"))
	after := preview("mapping-fixed-preview")
	require.Contains(s.t, after, target.FixedValue)
	require.NotEqual(s.t, before, after)

	s.follow(`a[href="` + path + `/versions"]`)
	s.shot("mapping-versions")
}

func lookAtStock(s *session, target Target) {
	s.signIn(target.Operator, "/stock")
	s.shot("stock")
	n, err := chromedp.Run(s.ctx, chromedp.Evaluate[int](`document.querySelectorAll('#sync-now').length`))
	require.NoError(s.t, err)
	if n == 0 {
		return // this instance has no inventory feed
	}
	s.follow("#sync-now")
	require.Regexp(s.t, `has started|already running`, s.text("#flash"))
	s.shot("stock-sync-now")
}

func lookAtWebhooks(s *session, target Target) {
	s.signIn(target.Operator, "/feeds")
	n, err := chromedp.Run(s.ctx, chromedp.Evaluate[int](`document.querySelectorAll('.webhooks').length`))
	require.NoError(s.t, err)
	if n == 0 {
		return // this instance shows no webhook health
	}
	state, err := chromedp.Run(s.ctx, chromedp.Evaluate[string](`document.querySelector('.webhooks').dataset.webhooks`))
	require.NoError(s.t, err)
	require.Regexp(s.t, `^(off|waiting|flowing|missing|stopped|uninstalled)$`, state)
	require.NotEmpty(s.t, s.text(".webhooks .flash"), "the state is said in words")
	s.shot("feeds-webhooks")
	require.EqualValues(s.t, http.StatusOK, s.follow(`.webhooks a[href="/privacy"]`))
	require.Equal(s.t, "/privacy", s.location())
	require.Contains(s.t, s.text("h1"), "Privacy requests")
	s.shot("privacy")
}

func switchStore(s *session, target Target) {
	s.signIn(target.Operator, "/orders")
	s.do("wait for the orders", chromedp.WaitVisible(chromedp.ID("orders")))
	require.Contains(s.t, s.text("#orders"), target.Orders[0])
	s.do("choose the other store", chromedp.SetValue(chromedp.ID("store"), target.OtherStore))
	require.EqualValues(s.t, http.StatusOK, s.follow("#switch-store"))
	require.Equal(s.t, "/orders", s.location(), "the switcher stays in the section")
	list := s.text("#orders")
	for _, name := range target.OtherOrders {
		require.Contains(s.t, list, name)
	}
	require.NotContains(s.t, list, target.Orders[0], "the first store's orders are not listed")
	s.shot("other-store-orders")

	s.open("/feeds")
	s.do("wait for the feeds", chromedp.WaitVisible(chromedp.ID("tasks")))
	got, err := chromedp.Run(s.ctx, chromedp.Value(chromedp.ID("store")))
	require.NoError(s.t, err)
	require.Equal(s.t, target.OtherStore, got, "the choice is kept from page to page")
	s.shot("other-store-feeds")
}

// typeInto types text into an empty field, as a person would.
func (s *session) typeInto(id, text string) {
	s.t.Helper()
	s.do("type into #"+id, chromedp.WaitVisible(chromedp.ID(id)), chromedp.SendKeys(chromedp.ID(id), text))
}

func findCustomerSeeTruth(s *session, target Target) {
	s.signIn(target.Operator, "/orders")
	s.typeInto("q", target.Customer)
	row := fmt.Sprintf(`#orders tbody tr[data-order-id="%d"]`, target.OrderID)
	// The search's answer has replaced the list (its address says so) and nothing is on its way.
	s.waitFor("the search finds the customer's order", fmt.Sprintf(`new URLSearchParams(location.search).get('q') === %q && `+
		`document.querySelector('.htmx-request') === null && document.querySelector('%s') !== null`, target.Customer, row))
	require.Regexp(s.t, `^\d+ orders? match`, s.text("#count"))
	s.shot("orders-search-customer")

	s.follow(row + " a")
	require.Equal(s.t, fmt.Sprintf("/orders/%d", target.OrderID), s.location())
	require.Contains(s.t, s.text("#rows-legend"), "As staged: read from")
	if target.FixedValue != "" {
		// The mapping was changed since the order was staged (the admin's Fix): the page shows
		// the staged value beside the one the current mapping makes, marked.
		s.waitFor("a difference is marked", `document.querySelector('#differences.differs') !== null`)
		marked, err := chromedp.Run(s.ctx, chromedp.Evaluate[[]string](
			`Array.from(document.querySelectorAll('#header-rows tr.differs')).map(r => r.textContent)`))
		require.NoError(s.t, err)
		require.True(s.t, slices.ContainsFunc(marked, func(r string) bool { return strings.Contains(r, target.FixedValue) }),
			"a marked row shows %s as the current mapping's: %v", target.FixedValue, marked)
	}
	s.shot("order-staged-beside-current")
}

func resolveOrder(s *session, target Target) {
	path := fmt.Sprintf("/orders/%d", target.FailedOrderID)
	s.signIn(target.Operator, path)
	require.Equal(s.t, "failed", s.text("#order-status"))
	s.shot("order-failed")
	s.follow("#resolve")
	require.Equal(s.t, path+"/resolve", s.location())
	s.typeInto("reason", "entered in the ERP by hand")
	s.shot("order-resolve-confirm")
	s.follow("#confirm")
	require.Equal(s.t, path, s.location())
	require.Contains(s.t, s.text("#flash"), "is resolved")
	require.Equal(s.t, "excluded", s.text("#order-status"), "out of the red")
	require.Contains(s.t, s.text("#problem-record"), "resolved by "+target.Operator.Name)
	require.Contains(s.t, s.text("#history"), "resolved by "+target.Operator.Name+": entered in the ERP by hand")
	s.shot("order-resolved")
}

func retryShipment(s *session, target Target) {
	path := "/shipments?status=error"
	s.signIn(target.Operator, path)
	row := fmt.Sprintf(`tr[data-shipment-id="%s"]`, target.FailedShipment)
	s.do("wait for the failed shipment", chromedp.WaitVisible(chromedp.CSS(row)))
	require.Contains(s.t, s.text(row), "error")
	s.shot("shipments-failed")
	if target.FixShipment != nil {
		target.FixShipment()
	}
	s.follow(fmt.Sprintf(`button[data-retry-shipment="%s"]`, target.FailedShipment))
	require.Contains(s.t, s.text("#flash"), "is unsent again")
	s.shot("shipment-retried")
	// The shipments feed was started: the shipment is handled again.
	for range 50 {
		s.open("/shipments?shipment=" + target.FailedShipment)
		if strings.Contains(s.text(row), target.ShipmentDone) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	require.Contains(s.t, s.text(row), target.ShipmentDone)
	s.shot("shipment-handled")
}

func resolveClass(s *session, target Target) {
	s.signIn(target.Operator, "/problems")
	link := fmt.Sprintf(`//table[@id="classes"]//a[contains(., %q)]`, target.ProblemClass)
	s.do("wait for the class", chromedp.WaitVisible(chromedp.Search(link)))
	s.shot("problems")
	resp, err := chromedp.RunResponse(s.ctx, chromedp.Click(chromedp.Search(link)))
	require.NoError(s.t, err)
	require.EqualValues(s.t, http.StatusOK, resp.Status)
	require.Regexp(s.t, `^/problems/\d+$`, s.location())
	class := s.location()
	require.NotEqual(s.t, "0", s.text("#open-count"))
	require.NotEmpty(s.t, s.text("#fix"), "the class says what to do")
	s.shot("problem-class")
	s.typeInto("class-reason", "SKUs added in Shopify")
	s.follow("#resolve-class")
	require.Equal(s.t, class, s.location())
	require.Regexp(s.t, `\d+ records resolved: SKUs added in Shopify`, s.text("#flash"))
	require.Equal(s.t, "0", s.text("#open-count"))
	require.Contains(s.t, s.text("#ended-records"), target.Operator.Name)
	s.shot("problem-class-resolved")

	s.open("/audit")
	s.do("wait for the audit log", chromedp.WaitVisible(chromedp.ID("audit")))
	log := s.text("#audit")
	require.Contains(s.t, log, target.Operator.Name)
	require.Contains(s.t, log, "problems.resolve")
	require.Contains(s.t, log, "SKUs added in Shopify")
	if target.FailedOrderID != 0 {
		require.Contains(s.t, log, "order.resolve")
	}
	if target.FailedShipment != "" {
		require.Contains(s.t, log, "shipment.retry")
	}
	s.shot("audit-log")
}

// narrowScreen visits the operator's pages at a phone's width: none may be wider than the
// screen (a wide table of rows keeps a scroll box of its own), and what an order's row
// says — its status and its problem — is on screen.
func narrowScreen(s *session, target Target) {
	s.do("use a phone's screen", chromedp.EmulateViewport(390, 844))
	s.signIn(target.Operator, "/orders")
	for _, page := range []struct{ name, path string }{
		{"orders", "/orders"},
		{"order", fmt.Sprintf("/orders/%d", target.OrderID)},
		{"problems", "/problems?all=1"},
		{"shipments", "/shipments"},
		{"stock", "/stock"},
		{"audit", "/audit"},
	} {
		s.open(page.path)
		s.do("wait for "+page.name, chromedp.WaitVisible(chromedp.CSS("main")))
		wide, err := chromedp.Run(s.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
		require.NoError(s.t, err)
		require.LessOrEqual(s.t, wide, 390, "%s is %d px wide on a 390 px screen", page.path, wide)
		s.shot("narrow-" + page.name)
	}
	s.open("/orders")
	seen, err := chromedp.Run(s.ctx, chromedp.Evaluate[bool](`(() => {
		const cell = document.querySelector('#orders tbody tr[data-order-id] td[data-label="Status"]');
		if (!cell) return false;
		const r = cell.getBoundingClientRect();
		return r.width > 0 && r.right <= window.innerWidth;
	})()`))
	require.NoError(s.t, err)
	require.True(s.t, seen, "an order's status is on screen")
}
