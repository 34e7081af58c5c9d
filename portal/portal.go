// Package portal is passthrough's worker portal: the web pages people use all day to see
// every order that passed through (the "Pass Through Orders" list), the feeds and
// their runs, the mapping files, and the stock sent to Shopify, and to act on them (retry
// or skip an order, run a feed now, save a mapping, sync stock now).
//
// It is server-rendered html/template with htmx for partial updates; every page works
// without JavaScript. The portal declares the small interfaces it needs (Ledger, Feeds,
// Orders, Mappings, Stock) and takes them in one Deps; the application's wiring passes the
// real things, tests pass fakes.
//
// A deployment may have several stores (Deps.Stores): every page shows one, chosen with the
// switcher in the header (remembered in a cookie, or named by ?store= in the address), and
// every form says which store it was shown for, so a form sent from another tab acts on its
// own store. A user may be limited to some stores (config.User.Stores); the others do not
// exist for them.
//
// Security, in one place:
//   - Users come from the configuration with bcrypt hashes and a role: viewer reads,
//     operator also retries, skips, runs feeds and syncs stock, admin also edits mappings
//     and users. Roles are checked on the server for every route; the wrong role gets 403.
//     An admin may set a user's password or role in the portal (the users page); that wins
//     over the configuration, in every replica (Deps.Accounts).
//   - The session is a cookie sealed with AES-GCM under a key derived from Deps.SessionKey
//     (so it can be neither read nor forged), HttpOnly, SameSite=Strict, Secure when the
//     portal is reached over https, with an absolute expiry. A signed-in session is also a
//     row in the database every replica shares, and holds only while that row does: a
//     logout, a password change, a role change or an admin's "sign out everywhere" ends it
//     in every replica and after a restart.
//   - Every state-changing request carries the session's CSRF token (form field _csrf in
//     the body, or header X-CSRF-Token; never the address), compared in constant time;
//     without it the answer is 403. Echo's CSRF middleware is not used: it lets a
//     same-origin Sec-Fetch-Site through without a token and answers 400 for a missing one.
//   - Login attempts are limited per client address (the peer's: e.IPExtractor is
//     ExtractIPDirect, so X-Forwarded-For cannot spoof it) and per name tried. Only real
//     attempts count: a request refused for CSRF is not one, so no page elsewhere can lock
//     an office out. The limits are per process.
//   - What admins do to users and mappings goes to the audit log (Deps.Audit).
//   - Responses carry a Content-Security-Policy allowing only the portal's own scripts and
//     styles (htmx is served from the binary), X-Frame-Options DENY and nosniff.
//   - POST /webhooks/shopify (Deps.Webhooks) is open too, and outside CSRF: Shopify cannot
//     log in. The receiver refuses whatever its shop's secret did not sign.
//   - /healthz is open (a load balancer cannot log in; it shows nothing). /metrics needs a
//     session like every page, or the scrape token (Deps.MetricsToken, from the
//     environment) as a bearer token, which is how a Prometheus scraper gets in.
package portal

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/config"
	"github.com/passthrough-dev/passthrough/feeds"
	"github.com/passthrough-dev/passthrough/ledger"
	"github.com/passthrough-dev/passthrough/mapping"
	"github.com/passthrough-dev/passthrough/record"
	"github.com/passthrough-dev/passthrough/webhooks"
)

// Ledger is what the portal reads of passthrough's bookkeeping: the reading half of the
// store's Ledger and Executions roles, the stock last sent, and the feed locks. It writes nothing; actions go
// through Orders. erp.Store satisfies it.
type Ledger interface {
	LedgerList(ctx context.Context, p erp.LedgerListParams) ([]ledger.Entry, error)
	LedgerGet(ctx context.Context, shop string, orderID int64) (ledger.Entry, error)
	LedgerEventList(ctx context.Context, shop string, orderID int64) ([]ledger.Event, error)
	ExecutionList(ctx context.Context, p erp.ExecutionListParams) ([]erp.Execution, error)
	ExecutionGet(ctx context.Context, id int64) (erp.Execution, error)
	ProblemList(ctx context.Context, p erp.ProblemListParams) ([]erp.Problem, error)
	InventorySentList(ctx context.Context, shop string) ([]erp.InventorySent, error)
	// LockList says which process runs which feed of a shop now, in any replica.
	LockList(ctx context.Context, shop string) ([]erp.Lock, error)

	LedgerCount(ctx context.Context, p erp.LedgerListParams) (int, error)
	ProblemClassList(ctx context.Context, p erp.ProblemClassListParams) ([]erp.ProblemClass, error)
	ProblemClassGet(ctx context.Context, shop string, id int64) (erp.ProblemClass, error)
	ProblemRecordList(ctx context.Context, p erp.ProblemRecordListParams) ([]erp.ProblemRecord, error)
	ShipmentList(ctx context.Context, p erp.ShipmentListParams) ([]record.ShipmentRow, error)
	ShipmentFulfillmentList(ctx context.Context, shop string, shipmentIDs []string) ([]erp.ShipmentFulfillment, error)
	AuditList(ctx context.Context, p erp.AuditListParams) ([]erp.AuditEntry, error)
	// LedgerStatusCounts counts a shop's orders by status, and the imported ones: what a
	// mapping change would touch.
	LedgerStatusCounts(ctx context.Context, shop string) (erp.LedgerCounts, error)
	// ExecutionUsageList is what a shop's runs since a time cost of its Shopify budget.
	ExecutionUsageList(ctx context.Context, shop string, since time.Time) ([]erp.RunUsage, error)
}

// The real things satisfy the portal's interfaces.
var (
	_ Ledger    = erp.Store(nil)
	_ Feeds     = (*feeds.Scheduler)(nil)
	_ AuditLog  = erp.Store(nil)
	_ Problems  = erp.Store(nil)
	_ Orders    = (*feeds.Orders)(nil)
	_ Shipments = (*feeds.Shipments)(nil)
)

// Feeds is the scheduler of every store's tasks. *feeds.Scheduler satisfies it.
type Feeds interface {
	Status() []feeds.TaskStatus
	// RunNow starts the named task of a shop in the background. It returns an error
	// wrapping feeds.ErrAlreadyRunning when a run of the same feed of the shop is under way
	// (wrapping an *erp.LockedError that names the process when it is another's), and
	// feeds.ErrUnknownTask for a name it does not know.
	RunNow(shop, name string) error
}

// Orders acts on one order of the ledger; the orders feed implements it for its shop
// (feeds.Orders has Retry and Skip with these signatures).
type Orders interface {
	// Retry handles the order again now, by user, with the mappings as they are; it takes
	// back an exclusion (Skip), and says what it came to. erp.ErrNotFound for an order the
	// ledger does not know; a *passthrough.RecordError, whose message is shown, when it is
	// refused.
	Retry(ctx context.Context, orderID int64, user string) (feeds.Retried, error)
	// Skip excludes the order from import (ledger.StatusExcluded), by user, with the reason
	// given; the feed leaves it alone until it is retried. A *passthrough.RecordError, whose
	// message is shown, when it cannot be skipped (it is staged already).
	Skip(ctx context.Context, orderID int64, user, reason string) error
	// Resolve ends the order's problem, by user, with the reason given
	// (ledger.Entry.Resolve). A *passthrough.RecordError, whose message is shown, when it has
	// none.
	Resolve(ctx context.Context, orderID int64, user, reason string) error
	// Staged reads the order as the staging tables hold it now; erp.ErrNotFound when
	// nothing of it is there.
	Staged(ctx context.Context, orderID int64) (*passthrough.OrderRows, error)
	// Mapped is what the current mapping makes of the order as Shopify last sent it; a
	// *passthrough.RecordError when the mapping refuses it.
	Mapped(ctx context.Context, orderID int64) (*passthrough.OrderRows, error)
}

// Shipments acts on the shipments of external_order_shipments; the shipments feed
// implements it for its shop.
type Shipments interface {
	// Retry sets a shipment marked error or test back to unsent, for the next run, and
	// says how many rows; erp.ErrNotFound when it has none marked so.
	Retry(ctx context.Context, shipmentID string) (int, error)
}

// AuditLog is where every action people take in the portal is written (audit.go): who,
// what, on what, when. erp.Store satisfies it.
type AuditLog interface {
	AuditAdd(ctx context.Context, e erp.AuditEntry) error
}

// Problems ends the open problems of records of feeds other than orders (whose problems an
// order's Resolve ends). erp.Store satisfies it.
type Problems interface {
	ProblemResolve(ctx context.Context, p erp.ProblemResolveParams) (int, error)
}

// Mappings are the mapping files as the feeds use them.
type Mappings interface {
	// Files lists every mapping file, sorted by name, with its source and whether it
	// compiles.
	Files(ctx context.Context) ([]MappingFile, error)
	// Preview maps one record (a Shopify order's JSON for orders.yaml) with the named file
	// and says what the feed would write. With src not nil it uses src, an unsaved draft,
	// instead of the saved file. A draft that does not compile gives *mapping.Diagnostics;
	// a record the mapping refuses is reported in Preview.Rejected, not as an error. Any
	// other error is shown to the person as it is, so it should be about the record
	// ("decode order: …"), never about the database.
	Preview(ctx context.Context, name string, src, record []byte) (Preview, error)
	// Check runs on src the checks a save makes — what `passthrough mapping check
	// --config` runs: it compiles, and its target columns fit the database's tables as
	// they are now — and returns *mapping.Diagnostics listing what they refuse, nil when it
	// passes, or another error when the checks could not be made.
	Check(ctx context.Context, name string, src []byte) error
	// Save runs Check on the text and, when it passes, keeps the current text as an
	// earlier version, writes the new one and makes the feeds use it from their next
	// record, without a restart. A text the checks refuse is *mapping.Diagnostics and
	// nothing changes. A restore is a save of an earlier version's text.
	Save(ctx context.Context, m MappingSave) error
	// Versions lists the saved versions of a file, newest first, the current one included.
	Versions(ctx context.Context, name string) ([]MappingVersion, error)
}

// MappingSave is one save of a mapping file.
type MappingSave struct {
	Name   string
	Source []byte
	User   string
	// RestoredFrom is the version whose text Source is, when an admin restores one.
	RestoredFrom int
}

// MappingFile is one mapping file as it is now.
type MappingFile struct {
	Name   string // orders.yaml
	Source string
	// Problems is the engine's diagnostics (file:line:col, the line, a caret, what was
	// expected) when the file does not compile; nil when it does.
	Problems *mapping.Diagnostics
	Version  int // 0 when the file has never been saved through the portal
	SavedAt  time.Time
	SavedBy  string
}

// MappingVersion is one saved version of a mapping file.
type MappingVersion struct {
	Version int
	SavedAt time.Time
	SavedBy string
	Source  string
	// RestoredFrom is the earlier version this one brought back; 0 for an edit.
	RestoredFrom int
}

// Preview is what a mapping would write for one record.
type Preview struct {
	Tables []passthrough.TableRows
	// Rejected is set when the mapping refuses the record (a when rule, fail(), an
	// expression that failed): its severity and message, as the feed would record them.
	Rejected *passthrough.RecordError
}

// ModeSwitch reads and changes the store's mode.
type ModeSwitch interface {
	Mode() string
	// SetMode changes the mode to "test" or "live", by user; the outbound feeds follow
	// from their next run.
	SetMode(ctx context.Context, mode, user string) error
}

// Stock is the inventory feed's side of the stock page; what was last sent comes from the
// ledger (erp.InventorySent, dry runs being the would-send list in test mode).
type Stock interface {
	// Drift is the last stock check: levels where Shopify differs from what the ERP says.
	Drift(ctx context.Context) (DriftReport, error)
	// Locations names Shopify's locations by id.
	Locations(ctx context.Context) (map[int64]string, error)
	// SyncNow starts a full inventory pass in the background; an error wrapping
	// feeds.ErrAlreadyRunning when one is under way.
	SyncNow() error
}

// DriftReport is the last stock check, as the inventory feed records it.
type DriftReport = feeds.DriftReport

// DriftRow is one level that differs between the ERP and Shopify.
type DriftRow = feeds.DriftRow

// Deps is everything the portal needs. Stores (at least one), Ledger and Logger are
// required; a nil Feeds, or a store's nil Orders, Mappings or Stock, leaves its page saying
// so (useful while wiring grows).
type Deps struct {
	// Stores are the deployment's stores, in the order the switcher lists them. Users may
	// be limited to some (config.User.Stores).
	Stores []Store
	Ledger Ledger
	Feeds  Feeds
	// Audit keeps the audit log; nil logs nothing (the actions are logged as lines still).
	Audit AuditLog
	// Problems resolves the problems of records other than orders; nil offers no Resolve
	// for them.
	Problems Problems
	Users    []config.User
	// SessionKey seals session cookies: at least 32 bytes, or empty for a random key (every
	// session ends when the process restarts).
	SessionKey []byte
	// SessionTTL is how long a login lasts; 0 means 12 hours.
	SessionTTL time.Duration
	// Ping says whether the database answers, for /healthz and the health panel; nil asks
	// the ledger for one entry instead.
	Ping func(ctx context.Context) error
	// DBStats are the database pool's figures, for the health panel; nil shows none.
	DBStats func() sql.DBStats
	// Metrics is served at /metrics (to a viewer, or to whoever sends MetricsToken as a
	// bearer token); nil serves nothing there.
	Metrics prometheus.Gatherer
	// MetricsToken lets a scraper read /metrics without a session; empty allows none.
	MetricsToken []byte
	Logger       *slog.Logger
	// Clock is the portal's time (session expiry, "5 minutes ago"); nil means time.Now.
	Clock func() time.Time
	// LoginBurst and LoginEvery limit failed login attempts per client IP: LoginBurst at
	// once, then one more every LoginEvery. 0 means 10 and 6s.
	LoginBurst int
	LoginEvery time.Duration
	// Webhooks, when set, is the webhook receiver, served at POST /webhooks/shopify outside
	// the login and CSRF (Shopify cannot log in; the receiver checks each delivery's HMAC).
	Webhooks http.Handler
	// LoginUserBurst and LoginUserEvery limit failed login attempts per name tried, from
	// any address. 0 means 10 and 1 minute.
	LoginUserBurst int
	LoginUserEvery time.Duration
	// Accounts keeps the logins and what admins changed of users, in the database every
	// replica shares (erp.Store satisfies it). Required.
	Accounts erp.Accounts
	// Overview counts the dashboard's figures and keeps when each user last looked at a
	// store's news, for the bell (erp.Store satisfies it); nil shows neither.
	Overview erp.Overview
}

// Server is the portal: an http.Handler. Serve it with Echo's graceful server,
// echo.StartConfig{Address: addr, GracefulTimeout: 10 * time.Second}.Start(ctx, srv), or any
// http.Server.
type Server struct {
	d        Deps
	stores   []*Store
	e        *echo.Echo
	log      *slog.Logger
	now      func() time.Time
	users    map[string]config.User
	sessions *sessions
	// loginLimits limit sign-in attempts per address and per name.
	loginLimits loginLimits
	// scopes keeps what Shopify said of each store's access scopes, for a while.
	scopes scopeCache
	// pages are the templates with times in UTC, for pages of no store (login, errors
	// before a store is chosen); pagesIn are the templates by the zone they show times in.
	pages   *pages
	pagesIn map[string]*pages
}

// New checks d and builds the portal.
func New(d Deps) (*Server, error) {
	if len(d.Stores) == 0 {
		return nil, errors.New("new portal: Deps.Stores needs a store")
	}
	stores := make([]*Store, len(d.Stores))
	for i := range d.Stores {
		if d.Stores[i].Shop == "" || storeNamed(stores[:i], d.Stores[i].Shop) != nil {
			return nil, fmt.Errorf("new portal: store %d needs a shop name of its own", i)
		}
		stores[i] = &d.Stores[i]
	}
	if d.Ledger == nil {
		return nil, errors.New("new portal: Deps.Ledger is required")
	}
	if d.Logger == nil {
		return nil, errors.New("new portal: Deps.Logger is required")
	}
	if d.Accounts == nil {
		return nil, errors.New("new portal: Deps.Accounts is required")
	}
	if d.Clock == nil {
		d.Clock = time.Now
	}
	if d.SessionTTL <= 0 {
		d.SessionTTL = 12 * time.Hour
	}
	if d.LoginBurst <= 0 {
		d.LoginBurst = 10
	}
	if d.LoginEvery <= 0 {
		d.LoginEvery = 6 * time.Second
	}
	if d.LoginUserBurst <= 0 {
		d.LoginUserBurst = 10
	}
	if d.LoginUserEvery <= 0 {
		d.LoginUserEvery = time.Minute
	}
	switch {
	case len(d.SessionKey) == 0:
		d.SessionKey = make([]byte, 32)
		if _, err := rand.Read(d.SessionKey); err != nil {
			return nil, fmt.Errorf("new portal: make a session key: %w", err)
		}
	case len(d.SessionKey) < 32:
		return nil, errors.New("new portal: the session key must be at least 32 bytes")
	}
	users := make(map[string]config.User, len(d.Users))
	for _, u := range d.Users {
		if roleOf(u.Role) == roleNone {
			return nil, fmt.Errorf("new portal: user %q has role %q, not viewer, operator or admin", u.Name, u.Role)
		}
		users[u.Name] = u
	}
	pg, err := loadPages(time.UTC)
	if err != nil {
		return nil, fmt.Errorf("new portal: %w", err)
	}
	s := &Server{
		d: d, stores: stores, log: d.Logger, now: d.Clock, users: users,
		sessions: newSessions(d.SessionKey, d.SessionTTL, d.Clock), loginLimits: newLoginLimits(d),
		pages: pg, pagesIn: map[string]*pages{time.UTC.String(): pg},
	}
	// Each store's pages show times in its shop's zone: the templates are parsed once per
	// zone, since a template's functions are fixed before it first runs.
	for _, st := range stores {
		if st.Location == nil {
			st.Location = time.UTC
		}
		if s.pagesIn[st.Location.String()] == nil {
			if s.pagesIn[st.Location.String()], err = loadPages(st.Location); err != nil {
				return nil, fmt.Errorf("new portal: %w", err)
			}
		}
	}
	s.e = s.routes()
	return s, nil
}

// ServeHTTP serves the portal.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.e.ServeHTTP(w, r) }

func (s *Server) routes() *echo.Echo {
	e := echo.NewWithConfig(echo.Config{Logger: s.log, HTTPErrorHandler: s.handleError})
	// The peer address, never X-Forwarded-For: the login limiter keys on it.
	e.IPExtractor = echo.ExtractIPDirect()

	e.Use(s.logRequests)
	e.Use(middleware.Recover()) // inside the logger, so a panic is logged as the 500 it becomes
	e.Use(middleware.SecureWithConfig(middleware.SecureConfig{
		ContentTypeNosniff: "nosniff",
		XFrameOptions:      "DENY",
		ReferrerPolicy:     "same-origin",
		// Sent only over https (or behind a proxy that says so): half a year, this host only.
		HSTSMaxAge:            180 * 24 * 3600,
		HSTSExcludeSubdomains: true,
		ContentSecurityPolicy: "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
			"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
	}))
	e.Use(middleware.BodyLimit(2 << 20))
	e.Use(s.loadSession)

	// Open: health, static files, login; metrics to a viewer or the scrape token.
	e.GET("/healthz", s.healthz)
	if s.d.Metrics != nil {
		e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(s.d.Metrics, promhttp.HandlerOpts{})),
			s.scrapeToken(s.requireRole(roleViewer)))
	}
	e.GET("/static/*", s.static)
	e.GET("/favicon.ico", func(c *echo.Context) error { return c.NoContent(http.StatusNoContent) })
	e.GET("/login", s.loginPage)
	e.POST("/login", s.login, s.checkCSRF)
	if s.d.Webhooks != nil {
		e.POST(webhooks.Path, echo.WrapHandler(s.d.Webhooks))
	}

	// Each route names the least role that may use it. Not an Echo group: a group with
	// middleware claims every unknown path too, which would turn 404s into 403s.
	route := func(method, path string, least role, h echo.HandlerFunc) {
		e.Add(method, path, h, s.requireRole(least), s.checkCSRF, s.chooseStore)
	}
	get, post := http.MethodGet, http.MethodPost

	e.Add(post, "/logout", s.logout, s.requireRole(roleViewer), s.checkCSRF)
	route(get, "/store", roleViewer, s.switchStore)
	route(get, "/", roleViewer, s.home)
	route(get, "/dashboard", roleViewer, s.dashboardPage)
	route(get, "/notifications", roleViewer, s.notificationsPage)
	route(post, "/notifications/read", roleViewer, s.markRead)

	route(get, "/orders", roleViewer, s.orderList)
	route(get, "/orders.csv", roleViewer, s.orderExport)
	route(get, "/orders/:id", roleViewer, s.orderPage)
	route(get, "/orders/:id/retry", roleOperator, s.retryConfirm)
	route(post, "/orders/:id/retry", roleOperator, s.retry)
	route(get, "/orders/:id/skip", roleOperator, s.skipConfirm)
	route(post, "/orders/:id/skip", roleOperator, s.skip)
	route(get, "/orders/:id/resolve", roleOperator, s.resolveConfirm)
	route(post, "/orders/:id/resolve", roleOperator, s.resolve)

	route(get, "/problems", roleViewer, s.problemsPage)
	route(get, "/problems/:id", roleViewer, s.problemClassPage)
	route(post, "/problems/:id/retry", roleOperator, s.problemClassRetry)
	route(post, "/problems/:id/resolve", roleOperator, s.problemClassResolve)

	route(get, "/shipments", roleViewer, s.shipmentsPage)
	route(post, "/shipments/:id/retry", roleOperator, s.shipmentRetry)

	route(get, "/audit", roleOperator, s.auditPage)

	route(get, "/feeds", roleViewer, s.feedsPage)
	route(get, "/feeds/executions/:id", roleViewer, s.executionPage)
	route(post, "/feeds/:name/run", roleOperator, s.runNow)
	route(get, "/mode", roleAdmin, s.modeConfirm)
	route(post, "/mode", roleAdmin, s.setMode)

	route(get, "/mappings", roleViewer, s.mappingList)
	route(get, "/mappings/:name", roleViewer, s.mappingPage)
	route(post, "/mappings/:name/preview", roleViewer, s.mappingPreview)
	route(post, "/mappings/:name/check", roleAdmin, s.mappingCheck)
	route(get, "/mappings/:name/versions", roleViewer, s.mappingVersions)
	route(post, "/mappings/:name/restore", roleAdmin, s.mappingRestore)
	route(post, "/mappings/:name", roleAdmin, s.mappingSave)

	route(get, "/privacy", roleViewer, s.privacyPage)
	route(get, "/completeness", roleViewer, s.completenessPage)
	route(post, "/completeness/:day", roleOperator, s.completenessImport)

	route(get, "/health", roleViewer, s.healthPage)
	route(get, "/budget", roleViewer, s.budgetPage)
	route(get, "/stock", roleViewer, s.stockPage)
	route(post, "/stock/sync", roleOperator, s.syncNow)

	route(get, "/account", roleViewer, s.accountPage)
	route(post, "/account/password", roleViewer, s.changePassword)
	route(post, "/account/signout", roleViewer, s.signOutOthers)
	route(get, "/users", roleAdmin, s.usersPage)
	route(post, "/users/:name/password", roleAdmin, s.setUserPassword)
	route(post, "/users/:name/role", roleAdmin, s.setUserRole)
	route(post, "/users/:name/signout", roleAdmin, s.signOutUser)
	return e
}

// logRequests writes one line per request: method, path (never the query, which may hold
// a customer's email), status, time taken and who asked.
func (s *Server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		start := s.now()
		err := next(c)
		status := http.StatusOK
		if r, _ := echo.UnwrapResponse(c.Response()); r != nil && r.Status != 0 {
			status = r.Status
		}
		var sc echo.HTTPStatusCoder
		if err != nil && errors.As(err, &sc) {
			status = sc.StatusCode()
		} else if err != nil {
			status = http.StatusInternalServerError
		}
		attrs := []slog.Attr{
			slog.String("method", c.Request().Method), slog.String("path", c.Request().URL.Path),
			slog.Int("status", status), slog.Duration("took", s.now().Sub(start)),
		}
		if u := userOf(c); u != nil {
			attrs = append(attrs, slog.String("user", u.Name))
		}
		if st := storeOf(c); st != nil {
			attrs = append(attrs, slog.String("shop", st.Shop))
		}
		level := slog.LevelDebug
		if status >= 500 {
			level = slog.LevelError
			if err != nil {
				attrs = append(attrs, slog.String("err", err.Error()))
			}
		}
		s.log.LogAttrs(c.Request().Context(), level, "request", attrs...)
		return err
	}
}

// healthz says whether the portal runs and its database answers, cheaply: for a load
// balancer or a container's health check.
func (s *Server) healthz(c *echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	err := s.ping(ctx)
	c.Response().Header().Set("Cache-Control", "no-store")
	if err != nil {
		s.log.Warn("health check: database does not answer", "err", err)
		return c.String(http.StatusServiceUnavailable, "database: unavailable\n")
	}
	return c.String(http.StatusOK, "ok\ndatabase: ok\n")
}
