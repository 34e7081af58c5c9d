package portal

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/erp/erpsqlite"
	"github.com/passthrough-dev/passthrough/config"
	"github.com/passthrough-dev/passthrough/feeds"
	"github.com/passthrough-dev/passthrough/ledger"
)

const testShop = "acme"

// The test users, one per role; each one's password is its name + "-pw".
var (
	usersOnce sync.Once
	users     []config.User
)

func testUsers(t *testing.T) []config.User {
	usersOnce.Do(func() {
		for _, u := range []struct{ name, role string }{{"vera", "viewer"}, {"otto", "operator"}, {"ada", "admin"}} {
			h, err := bcrypt.GenerateFromPassword([]byte(u.name+"-pw"), bcrypt.MinCost)
			if err != nil {
				panic(err)
			}
			users = append(users, config.User{Name: u.name, PasswordHash: config.Secret(h), Role: u.role})
		}
	})
	// A copy: fixtures append users of their own, and tests run in parallel.
	return slices.Clone(users)
}

// userFor names the test user with a role.
func userFor(role string) string {
	switch role {
	case "viewer":
		return "vera"
	case "operator":
		return "otto"
	case "admin":
		return "ada"
	}
	panic("no test user for role " + role)
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// testClock is a clock tests move by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock {
	return &testClock{t: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// tick is a clock that moves one millisecond each time it is read, so every ledger write
// gets its own updated_at and the list's order is known.
type tick struct {
	mu sync.Mutex
	t  time.Time
}

func (c *tick) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

// newStore opens a migrated SQLite store in the test's folder.
func newStore(t *testing.T) *erpsqlite.Store {
	t.Helper()
	clock := &tick{t: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	return newStoreOn(t, clock.Now)
}

// newStoreOn opens a migrated SQLite store whose own times (the ledger's) come from now.
func newStoreOn(t *testing.T, now func() time.Time) *erpsqlite.Store {
	t.Helper()
	ctx := context.Background()
	st, err := erpsqlite.Open(ctx, "file:"+filepath.Join(t.TempDir(), "pt.db"), erp.WithClock(now), erp.WithLogger(testLogger(t)))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	_, err = st.Migrate(ctx)
	require.NoError(t, err)
	return st
}

// putOrders writes n ledger entries; entry i is order 1000+i ("#1000"+i), written in that
// order, so the list shows the last first. mod may change each entry.
func putOrders(t *testing.T, st erp.Store, n int, mod func(i int, e *ledger.Entry)) []ledger.Entry {
	t.Helper()
	var out []ledger.Entry
	for i := range n {
		e := ledger.Entry{
			Shop: testShop, OrderID: int64(1000 + i), OrderName: fmt.Sprintf("#%d", 1000+i),
			OrderDate:     time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC).AddDate(0, 0, i%30),
			CustomerName:  fmt.Sprintf("Customer %d", i),
			CustomerEmail: fmt.Sprintf("buyer%d@example.com", i),
			Total:         decimal.RequireFromString("10.50").Add(decimal.NewFromInt(int64(i))),
			Currency:      "USD", Status: ledger.StatusWaiting, Severity: passthrough.SeverityRetry,
			Problem: "not paid yet", Payload: []byte(fmt.Sprintf(`{"id":%d,"name":"#%d"}`, 1000+i, 1000+i)),
		}
		if mod != nil {
			mod(i, &e)
		}
		require.NoError(t, st.LedgerPut(context.Background(), e))
		out = append(out, e)
	}
	return out
}

// Fakes, one XxxFunc field per method; a nil field fails the test that reaches it.

type fakeFeeds struct {
	t          *testing.T
	StatusFunc func() []feeds.TaskStatus
	RunNowFunc func(shop, name string) error
}

func (f *fakeFeeds) Status() []feeds.TaskStatus {
	if f.StatusFunc == nil {
		return nil
	}
	return f.StatusFunc()
}

func (f *fakeFeeds) RunNow(shop, name string) error {
	require.NotNil(f.t, f.RunNowFunc, "unexpected RunNow(%q, %q)", shop, name)
	return f.RunNowFunc(shop, name)
}

type fakeOrders struct {
	t           *testing.T
	RetryFunc   func(ctx context.Context, orderID int64, user string) (feeds.Retried, error)
	SkipFunc    func(ctx context.Context, orderID int64, user, reason string) error
	ResolveFunc func(ctx context.Context, orderID int64, user, reason string) error
	StagedFunc  func(ctx context.Context, orderID int64) (*passthrough.OrderRows, error)
	MappedFunc  func(ctx context.Context, orderID int64) (*passthrough.OrderRows, error)
}

func (f *fakeOrders) Retry(ctx context.Context, orderID int64, user string) (feeds.Retried, error) {
	require.NotNil(f.t, f.RetryFunc, "unexpected Retry(%d)", orderID)
	return f.RetryFunc(ctx, orderID, user)
}

func (f *fakeOrders) Skip(ctx context.Context, orderID int64, user, reason string) error {
	require.NotNil(f.t, f.SkipFunc, "unexpected Skip(%d)", orderID)
	return f.SkipFunc(ctx, orderID, user, reason)
}

func (f *fakeOrders) Resolve(ctx context.Context, orderID int64, user, reason string) error {
	require.NotNil(f.t, f.ResolveFunc, "unexpected Resolve(%d)", orderID)
	return f.ResolveFunc(ctx, orderID, user, reason)
}

// Staged and Mapped find nothing unless told otherwise.
func (f *fakeOrders) Staged(ctx context.Context, orderID int64) (*passthrough.OrderRows, error) {
	if f.StagedFunc == nil {
		return nil, erp.ErrNotFound
	}
	return f.StagedFunc(ctx, orderID)
}

func (f *fakeOrders) Mapped(ctx context.Context, orderID int64) (*passthrough.OrderRows, error) {
	if f.MappedFunc == nil {
		return nil, &passthrough.RecordError{Severity: passthrough.SeverityRetry, Message: "not paid yet"}
	}
	return f.MappedFunc(ctx, orderID)
}

// retried is what a fake Retry answers: the order's ledger entry as it is now, having
// written or not.
func retried(t *testing.T, st erp.Store, id int64, wrote bool) feeds.Retried {
	e, err := st.LedgerGet(context.Background(), testShop, id)
	require.NoError(t, err)
	return feeds.Retried{Entry: e, Wrote: wrote}
}

type fakeShipments struct {
	t         *testing.T
	RetryFunc func(ctx context.Context, shipmentID string) (int, error)
}

func (f *fakeShipments) Retry(ctx context.Context, shipmentID string) (int, error) {
	require.NotNil(f.t, f.RetryFunc, "unexpected shipment Retry(%s)", shipmentID)
	return f.RetryFunc(ctx, shipmentID)
}

type fakeMappings struct {
	t            *testing.T
	FilesFunc    func(ctx context.Context) ([]MappingFile, error)
	PreviewFunc  func(ctx context.Context, name string, src, record []byte) (Preview, error)
	CheckFunc    func(ctx context.Context, name string, src []byte) error
	SaveFunc     func(ctx context.Context, m MappingSave) error
	VersionsFunc func(ctx context.Context, name string) ([]MappingVersion, error)
}

func (f *fakeMappings) Files(ctx context.Context) ([]MappingFile, error) {
	if f.FilesFunc == nil {
		return []MappingFile{{Name: "orders.yaml", Source: "header:\n  table: s_orders\n"}}, nil
	}
	return f.FilesFunc(ctx)
}

func (f *fakeMappings) Preview(ctx context.Context, name string, src, record []byte) (Preview, error) {
	require.NotNil(f.t, f.PreviewFunc, "unexpected Preview(%q)", name)
	return f.PreviewFunc(ctx, name, src, record)
}

// Check passes every text unless CheckFunc says otherwise.
func (f *fakeMappings) Check(ctx context.Context, name string, src []byte) error {
	if f.CheckFunc == nil {
		return nil
	}
	return f.CheckFunc(ctx, name, src)
}

func (f *fakeMappings) Save(ctx context.Context, m MappingSave) error {
	require.NotNil(f.t, f.SaveFunc, "unexpected Save(%q)", m.Name)
	return f.SaveFunc(ctx, m)
}

func (f *fakeMappings) Versions(ctx context.Context, name string) ([]MappingVersion, error) {
	if f.VersionsFunc == nil {
		return nil, nil
	}
	return f.VersionsFunc(ctx, name)
}

type fakeStock struct {
	t             *testing.T
	DriftFunc     func(ctx context.Context) (DriftReport, error)
	LocationsFunc func(ctx context.Context) (map[int64]string, error)
	SyncNowFunc   func() error
}

func (f *fakeStock) Drift(ctx context.Context) (DriftReport, error) {
	if f.DriftFunc == nil {
		return DriftReport{}, nil
	}
	return f.DriftFunc(ctx)
}

func (f *fakeStock) Locations(ctx context.Context) (map[int64]string, error) {
	if f.LocationsFunc == nil {
		return map[int64]string{}, nil
	}
	return f.LocationsFunc(ctx)
}

func (f *fakeStock) SyncNow() error {
	require.NotNil(f.t, f.SyncNowFunc, "unexpected SyncNow")
	return f.SyncNowFunc()
}

// fixture is a portal on a real SQLite ledger with fakes for the rest.
type fixture struct {
	t         *testing.T
	store     *erpsqlite.Store
	feeds     *fakeFeeds
	orders    *fakeOrders
	mappings  *fakeMappings
	stock     *fakeStock
	shipments *fakeShipments
	clock     *testClock
	srv       *Server
}

// newFixture builds the portal; mod may change the Deps first.
func newFixture(t *testing.T, mod func(*Deps)) *fixture {
	t.Helper()
	f := &fixture{t: t, store: newStore(t), feeds: &fakeFeeds{t: t}, orders: &fakeOrders{t: t},
		mappings: &fakeMappings{t: t}, stock: &fakeStock{t: t}, shipments: &fakeShipments{t: t}, clock: newTestClock()}
	d := Deps{
		Stores: []Store{{Shop: testShop, Orders: f.orders, Shipments: f.shipments, Mappings: f.mappings, Stock: f.stock, Mode: "test"}},
		Ledger: f.store, Accounts: f.store, Feeds: f.feeds, Audit: f.store, Problems: f.store, Users: testUsers(t), SessionKey: []byte(strings.Repeat("k", 32)),
		Logger: testLogger(t), Clock: f.clock.Now, Metrics: prometheus.NewRegistry(),
		// Tests sign in many times from one address; those of the limits set their own.
		LoginBurst: 1000, LoginUserBurst: 1000,
	}
	if mod != nil {
		mod(&d)
	}
	srv, err := New(d)
	require.NoError(t, err)
	f.srv = srv
	return f
}

// client is a browser without JavaScript: it keeps cookies and reads the CSRF token from
// the pages it gets.
type client struct {
	t       *testing.T
	h       http.Handler
	cookies map[string]*http.Cookie
	token   string
	remote  string
}

func newClient(t *testing.T, h http.Handler) *client {
	return &client{t: t, h: h, cookies: map[string]*http.Cookie{}, remote: "192.0.2.1:4000"}
}

var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func (c *client) do(req *http.Request) *httptest.ResponseRecorder {
	c.t.Helper()
	req.RemoteAddr = c.remote
	for _, ck := range c.cookies {
		req.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, req)
	for _, ck := range rec.Result().Cookies() {
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(c.cookies, ck.Name)
			continue
		}
		c.cookies[ck.Name] = ck
	}
	if m := csrfInput.FindStringSubmatch(rec.Body.String()); m != nil {
		c.token = m[1]
	}
	return rec
}

func (c *client) get(path string, header ...string) *httptest.ResponseRecorder {
	c.t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return c.do(req)
}

// post sends a form as it is: without a CSRF token unless form has one.
func (c *client) post(path string, form url.Values, header ...string) *httptest.ResponseRecorder {
	c.t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return c.do(req)
}

// submit posts a form with the session's CSRF token, as the portal's own forms do.
func (c *client) submit(path string, form url.Values, header ...string) *httptest.ResponseRecorder {
	c.t.Helper()
	require.NotEmpty(c.t, c.token, "no page has given this client a CSRF token yet")
	if form == nil {
		form = url.Values{}
	}
	form.Set("_csrf", c.token)
	return c.post(path, form, header...)
}

// login signs in as the user with role and returns the client.
func login(t *testing.T, h http.Handler, role string) *client {
	t.Helper()
	c := newClient(t, h)
	require.Equal(t, http.StatusOK, c.get("/login").Code)
	name := userFor(role)
	rec := c.submit("/login", url.Values{"name": {name}, "password": {name + "-pw"}})
	require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
	page := c.get("/orders")
	require.Equal(t, http.StatusOK, page.Code)
	return c
}

// regexpFind returns the first group of pattern in page, with &amp; unescaped, or "".
func regexpFind(page, pattern string) string {
	m := regexp.MustCompile(pattern).FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	return strings.ReplaceAll(m[1], "&amp;", "&")
}
