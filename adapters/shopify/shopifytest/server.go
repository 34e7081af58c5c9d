// Package shopifytest is a fake Shopify Admin API, in the spirit of net/http/httptest, for
// the tests of every package that talks to Shopify and for `passthrough demo`.
//
// It is faithful to the rules in shared/reference/shopify-api.md and deliberately not
// lenient, because a lenient fake hides the bugs the real store would show: access tokens
// are checked, paths must carry an API version, orders default to status=open, a page_info
// request may carry nothing but limit and fields, limit is at most 250, pages come newest
// first (not in updated_at order; by id, ascending, with since_id), every answer is dated by
// the store's clock (which may not be the caller's), shop.json gives the store's time zone,
// orders are refunded as Shopify records refunds, the REST leaky bucket answers 429 with Retry-After,
// GraphQL reports its cost and throttles, fulfillment orders follow their state machine and
// answer 422 on over-fulfilment, and the removed orders/{id}/fulfillments.json POST is a 404.
// GraphQL serves productVariants (cursors, 250 a page, Shopify's search syntax with
// sku: and updated_at:, the cost of a connection and the refund of what a page did not
// hold, MAX_COST_EXCEEDED over 1,000 points), productVariantsCount, bulk query operations
// with their JSONL results, inventorySetQuantities, and webhook subscriptions. A product
// holds up to 2,048 variants; REST products.json, kept as a yardstick, shows the first 100.
// Webhooks go, signed, to the app's address and to every subscription of their topic, and
// are retried, dropped or duplicated as a test asks (webhooks.go).
//
// Everything lives in memory and is safe for concurrent use. Tests read the truth directly
// (orders, fulfillment orders, fulfillments, inventory levels, the request log) instead of
// going through HTTP, switch faults on and off while the server runs (429 storms, a 5xx
// rate, slow answers, dropped connections), and may drive time with their own clock.
package shopifytest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Clock tells the simulator the time. The REST bucket leaks, GraphQL points restore and
// tokens expire by it, and orders are stamped with it, so a test that drives a virtual clock
// sees exactly the budget a real store would give over that much time.
type Clock interface {
	Now() time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// Server is a running simulator. URL is where it listens; requests may carry any Host
// (a client that rewrites https://{Shop}.myshopify.com to URL keeps the shop's Host header).
type Server struct {
	URL   string // e.g. http://127.0.0.1:41234
	Shop  string // the shop's short name, as in {Shop}.myshopify.com
	Token string // the static access token every request may use

	http   *http.Server
	client *http.Transport // behind Client(); its idle connections close with the server
	clock  Clock
	zone   *time.Location
	log    *slog.Logger
	ctx    context.Context // cancelled by Close, so slow answers stop waiting
	cancel context.CancelFunc
	closed sync.Once
	hooks  *webhookSender

	oldest, newest string // supported API versions

	mu sync.Mutex // guards everything below
	st store
	// REST and GraphQL budgets.
	rest        restBucket
	gql         costBucket
	invCostBase int // GraphQL points an inventorySetQuantities costs, plus
	invCostPer  int // this many per quantity
	// fault injection
	faults Faults
	storm  int
	rng    *mrand.Rand
	// auth
	clientID, clientSecret string
	tokenTTL               time.Duration
	scopes                 []string             // the app's access scopes (scopes.go)
	issued                 map[string]time.Time // token → expiry
	// GraphQL idempotency keys, oldest first, bounded.
	idem      map[string]idemEntry
	idemOrder []string
	// bulk query operations, the most recent one, and how fast they run
	bulk        map[int64]*bulkOp
	bulkQuery   *bulkOp
	bulkRate    float64
	bulkStart   time.Duration
	bulkFailure string
	// webhook subscriptions made through the API, by id
	subs map[int64]*Subscription
	// uninstalled: the app was uninstalled (UninstallApp) and its tokens are void
	uninstalled bool
	// request log ring
	reqs    []Request
	reqNext int
	reqFull bool
	reqSeq  int64
}

// Request is one request the simulator answered, for assertions.
type Request struct {
	Time   time.Time // by the simulator's clock
	Method string
	Path   string // e.g. /admin/api/2026-07/orders.json
	Query  string // the raw query string
	Status int    // 0 when the connection was dropped on purpose
	// GraphQL is, for a GraphQL request, its operation and root fields: "query
	// productVariants", "mutation inventorySetQuantities".
	GraphQL string
}

type config struct {
	shop          string
	token         string
	clientID      string
	clientSecret  string
	tokenTTL      time.Duration
	clock         Clock
	zone          *time.Location
	oldest        string
	newest        string
	plan          Plan
	restOff       bool
	webhookURL    string
	webhookSecret []byte
	webhookFaults WebhookFaults
	retries       int
	retryWait     time.Duration
	logSize       int
	seed          uint64
	scopes        []string
	gen           *GenOptions
	seedFiles     []string
	logger        *slog.Logger
}

// Option configures a Server.
type Option func(*config)

// WithShop sets the shop's short name (default "passthrough-test").
func WithShop(name string) Option { return func(c *config) { c.shop = name } }

// WithToken sets the static access token (default: a random shpat_ token).
func WithToken(token string) Option { return func(c *config) { c.token = token } }

// WithClientCredentials enables POST /admin/oauth/access_token for the client-credentials
// grant with this client id and secret; tokens it issues expire after ttl (Shopify: 24 h).
func WithClientCredentials(clientID, clientSecret string, ttl time.Duration) Option {
	return func(c *config) { c.clientID, c.clientSecret, c.tokenTTL = clientID, clientSecret, ttl }
}

// WithClock makes the simulator tell time by clock (default: the system clock).
func WithClock(clock Clock) Option { return func(c *config) { c.clock = clock } }

// WithTimeZone sets the shop's time zone, used in every timestamp it writes and given as
// shop.json's iana_timezone (default a fixed UTC-04:00, Etc/GMT+4, so that code which forgets
// offsets is caught).
func WithTimeZone(loc *time.Location) Option { return func(c *config) { c.zone = loc } }

// WithAPIVersions sets the oldest and newest supported API versions (default 2025-01 and
// 2026-10). Older versions fall forward to the oldest, as Shopify does; newer ones are 404.
func WithAPIVersions(oldest, newest string) Option {
	return func(c *config) { c.oldest, c.newest = oldest, newest }
}

// WithPlan sets the REST and GraphQL budgets of a Shopify plan (default PlanStandard).
func WithPlan(p Plan) Option { return func(c *config) { c.plan = p } }

// WithoutRateLimits switches both budgets off: no call-limit header, no 429, no THROTTLED.
func WithoutRateLimits() Option { return func(c *config) { c.restOff = true } }

// WithWebhooks sends a webhook for every order and inventory change, and the privacy
// requests, to url (the app's own address, as its configuration file sets it), signed
// with secret the way Shopify signs them. Subscriptions made through the API are signed
// with secret too; an empty url sends only to those.
func WithWebhooks(url string, secret []byte) Option {
	return func(c *config) { c.webhookURL, c.webhookSecret = url, secret }
}

// WithWebhookFaults drops or duplicates deliveries from the start (see SetWebhookFaults).
func WithWebhookFaults(f WebhookFaults) Option { return func(c *config) { c.webhookFaults = f } }

// WithWebhookRetries sets the retries of a failed delivery and the first wait (see
// SetWebhookRetries).
func WithWebhookRetries(retries int, first time.Duration) Option {
	return func(c *config) { c.retries, c.retryWait = retries, first }
}

// WithRequestLogSize keeps the last n requests in the log (default 10,000), so a long-running
// demo keeps its memory bounded.
func WithRequestLogSize(n int) Option { return func(c *config) { c.logSize = n } }

// WithRandomSeed makes injected faults reproducible (default seed 1).
func WithRandomSeed(seed uint64) Option { return func(c *config) { c.seed = seed } }

// WithGenerated fills the store with generated data at start (see Generate).
func WithGenerated(o GenOptions) Option { return func(c *config) { c.gen = &o } }

// WithSeedFiles loads JSON files in Shopify's REST shapes at start (see Load).
func WithSeedFiles(paths ...string) Option {
	return func(c *config) { c.seedFiles = append(c.seedFiles, paths...) }
}

// WithLogger receives the simulator's own log lines (webhook deliveries that failed).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// NewServer starts a simulator on a free loopback port, like httptest.NewServer. It panics
// when it cannot start, which in a test is the right thing; use Start to get an error.
func NewServer(opts ...Option) *Server {
	s, err := Start("127.0.0.1:0", opts...)
	if err != nil {
		panic(fmt.Sprintf("shopifytest: %v", err))
	}
	return s
}

// Start starts a simulator listening on addr.
func Start(addr string, opts ...Option) (*Server, error) {
	c := config{
		shop:    "passthrough-test",
		clock:   systemClock{},
		zone:    time.FixedZone("-0400", -4*3600),
		oldest:  "2025-01",
		newest:  "2026-10",
		plan:    PlanStandard,
		logSize: 10000,
		seed:    1,
		scopes:  defaultScopes,
	}
	for _, o := range opts {
		o(&c)
	}
	if c.token == "" {
		c.token = "shpat_" + randomHex(16)
	}
	if !shopName.MatchString(c.shop) {
		return nil, fmt.Errorf("shop name %q: use letters, digits and dashes", c.shop)
	}
	if c.logSize < 1 {
		c.logSize = 1
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		Shop:         c.shop,
		Token:        c.token,
		clock:        c.clock,
		zone:         c.zone,
		log:          c.logger,
		ctx:          ctx,
		cancel:       cancel,
		oldest:       c.oldest,
		newest:       c.newest,
		clientID:     c.clientID,
		clientSecret: c.clientSecret,
		tokenTTL:     c.tokenTTL,
		scopes:       slices.Clone(c.scopes),
		issued:       map[string]time.Time{},
		idem:         map[string]idemEntry{},
		bulk:         map[int64]*bulkOp{},
		bulkRate:     defaultBulkRate,
		bulkStart:    defaultBulkStart,
		rng:          mrand.New(mrand.NewPCG(c.seed, c.seed^0x9e3779b97f4a7c15)),
		reqs:         make([]Request, c.logSize),
		st:           newStore(),
		subs:         map[int64]*Subscription{},
		invCostBase:  10,
	}
	s.rest = newRESTBucket(c.plan, c.restOff)
	s.gql = newCostBucket(c.plan, c.restOff, s.clock.Now())
	s.hooks = newWebhookSender(ctx, c.webhookURL, c.webhookSecret, s.log, s.subscriptionTargets, s.subscriptionResult)
	s.SetWebhookFaults(c.webhookFaults)
	if c.retryWait > 0 {
		s.SetWebhookRetries(c.retries, c.retryWait)
	}

	for _, p := range c.seedFiles {
		if err := s.LoadFile(p); err != nil {
			cancel()
			return nil, err
		}
	}
	if c.gen != nil {
		if err := s.Generate(*c.gen); err != nil {
			cancel()
			return nil, err
		}
	}

	l, err := net.Listen("tcp", addr)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	s.http = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelDebug)}
	s.client = &http.Transport{}
	s.URL = "http://" + l.Addr().String()
	go func() { _ = s.http.Serve(l) }()
	return s, nil
}

var shopName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9-]*$`)

// Domain is the shop's myshopify domain, the Host every request to the real store carries.
func (s *Server) Domain() string { return s.Shop + ".myshopify.com" }

// Client returns an HTTP client that sends every request, whatever its URL, to the
// simulator, keeping the Host header: point any Shopify client at
// https://{Shop}.myshopify.com with it.
func (s *Server) Client() *http.Client {
	target, _ := url.Parse(s.URL)
	return &http.Client{Transport: redirectTransport{target: target, next: s.client}}
}

type redirectTransport struct {
	target *url.URL
	next   http.RoundTripper
}

func (t redirectTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	if r.Host == "" {
		r.Host = r.URL.Host
	}
	r.URL.Scheme, r.URL.Host = t.target.Scheme, t.target.Host
	return t.next.RoundTrip(r)
}

// Close stops the server: it stops listening, cuts slow answers short, waits for the
// requests in flight to be answered, and stops the webhook sender.
func (s *Server) Close() {
	s.closed.Do(func() {
		s.cancel()
		_ = s.http.Shutdown(context.Background())
		s.client.CloseIdleConnections()
		s.hooks.close()
	})
}

// ServeHTTP answers one request. Exposed so the simulator can also be mounted in another
// server; NewServer and Start already serve it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rw := &statusWriter{ResponseWriter: w}
	logged := s.logRequest(r)
	defer func() { s.updateLogged(logged, func(r *Request) { r.Status = rw.status }) }()

	if !s.injectFaults(rw, r) {
		return
	}
	if r.URL.Path == "/admin/oauth/access_token" {
		s.handleAccessToken(rw, r)
		return
	}
	if r.URL.Path == "/admin/oauth/access_scopes.json" {
		s.handleAccessScopes(rw, r)
		return
	}
	if strings.HasPrefix(r.URL.Path, "/bulk-results/") {
		s.handleBulkResult(rw, r)
		return
	}
	version, rest, ok := splitVersion(r.URL.Path)
	if !ok {
		writeErrors(rw, http.StatusNotFound, "Not Found")
		return
	}
	if !s.authorized(r) {
		writeErrors(rw, http.StatusUnauthorized, "[API] Invalid API key or access token (unrecognized login or wrong password)")
		return
	}
	served, ok := s.servedVersion(version)
	if !ok {
		writeErrors(rw, http.StatusNotFound, "Not Found")
		return
	}
	rw.Header().Set("X-Shopify-API-Version", served)
	// The store's clock, which may not be the caller's (net/http would write its own).
	rw.Header().Set("Date", s.clock.Now().UTC().Format(http.TimeFormat))
	rw.Header().Set("X-Request-Id", randomHex(8))
	req := &apiRequest{Request: r, version: served, path: rest, seq: logged}

	if rest == "graphql.json" {
		if r.Method != http.MethodPost {
			writeErrors(rw, http.StatusNotFound, "Not Found")
			return
		}
		s.handleGraphQL(rw, req)
		return
	}
	if !s.takeREST(rw) {
		return
	}
	if (r.Method == http.MethodPost || r.Method == http.MethodPut) && !isJSON(r.Header.Get("Content-Type")) {
		writeErrors(rw, http.StatusBadRequest, "Content-Type must be application/json")
		return
	}
	s.route(rw, req)
}

// apiRequest is a request under /admin/api/{version}/, with the version it is served as and
// the path after the version.
type apiRequest struct {
	*http.Request
	version string
	path    string
	seq     int64 // in the request log
}

// link builds an absolute URL on the shop's own host, as Shopify writes Link headers.
func (s *Server) link(r *apiRequest, resource string, q url.Values) string {
	return "https://" + s.Domain() + "/admin/api/" + r.version + "/" + resource + "?" + q.Encode()
}

func (s *Server) route(w http.ResponseWriter, r *apiRequest) {
	seg := strings.Split(strings.TrimSuffix(r.path, ".json"), "/")
	if !strings.HasSuffix(r.path, ".json") {
		writeErrors(w, http.StatusNotFound, "Not Found")
		return
	}
	if s.missingScope(w, restScope(r.Method, seg)) {
		return
	}
	get, post := r.Method == http.MethodGet, r.Method == http.MethodPost
	id := func(i int) (int64, bool) {
		if i >= len(seg) {
			return 0, false
		}
		n, err := strconv.ParseInt(seg[i], 10, 64)
		return n, err == nil && n > 0
	}
	switch {
	case get && len(seg) == 1 && seg[0] == "shop":
		s.handleShop(w, r)
	case get && len(seg) == 1 && seg[0] == "orders":
		s.handleListOrders(w, r)
	case get && len(seg) == 2 && seg[0] == "orders" && seg[1] == "count":
		s.handleCountOrders(w, r)
	case get && len(seg) == 2 && seg[0] == "orders":
		if n, ok := id(1); ok {
			s.handleGetOrder(w, r, n)
			return
		}
		writeErrors(w, http.StatusNotFound, "Not Found")
	case get && len(seg) == 3 && seg[0] == "orders" && seg[2] == "fulfillment_orders":
		n, _ := id(1)
		s.handleListFulfillmentOrders(w, r, n)
	case get && len(seg) == 3 && seg[0] == "orders" && seg[2] == "fulfillments":
		n, _ := id(1)
		s.handleListFulfillments(w, r, n)
	case get && len(seg) == 2 && seg[0] == "fulfillment_orders":
		n, _ := id(1)
		s.handleGetFulfillmentOrder(w, r, n)
	case post && len(seg) == 3 && seg[0] == "fulfillment_orders" && (seg[2] == "hold" || seg[2] == "release_hold"):
		n, _ := id(1)
		s.handleHold(w, r, n, seg[2] == "hold")
	case post && len(seg) == 1 && seg[0] == "fulfillments":
		s.handleCreateFulfillment(w, r)
	case post && len(seg) == 3 && seg[0] == "fulfillments" && seg[2] == "update_tracking":
		n, _ := id(1)
		s.handleUpdateTracking(w, r, n)
	case post && len(seg) == 3 && seg[0] == "orders" && seg[2] == "transactions":
		if n, ok := id(1); ok {
			s.handleCreateTransaction(w, r, n)
			return
		}
		writeErrors(w, http.StatusNotFound, "Not Found")
	case get && len(seg) == 1 && seg[0] == "locations":
		s.handleListLocations(w, r)
	case get && len(seg) == 2 && seg[0] == "locations":
		n, _ := id(1)
		s.handleGetLocation(w, r, n)
	case get && len(seg) == 1 && seg[0] == "products":
		s.handleListProducts(w, r)
	case get && len(seg) == 1 && seg[0] == "inventory_levels":
		s.handleListInventoryLevels(w, r)
	case post && len(seg) == 2 && seg[0] == "inventory_levels" && seg[1] == "set":
		s.handleSetInventoryLevel(w, r)
	default:
		// Includes POST orders/{id}/fulfillments.json: removed from the API in 2022-07.
		writeErrors(w, http.StatusNotFound, "Not Found")
	}
}

var versionPath = regexp.MustCompile(`^/admin/api/([^/]+)/(.+)$`)

func splitVersion(p string) (version, rest string, ok bool) {
	m := versionPath.FindStringSubmatch(p)
	if m == nil {
		return "", "", false
	}
	return m[1], m[2], true
}

var versionName = regexp.MustCompile(`^\d{4}-(01|04|07|10)$`)

// servedVersion says which version answers a request for v: v itself when supported, the
// oldest supported one when v is older (Shopify "falls forward"), none when v is not a
// release name or not released yet.
func (s *Server) servedVersion(v string) (string, bool) {
	if v == "unstable" {
		return v, true
	}
	if !versionName.MatchString(v) || v > s.newest {
		return "", false
	}
	if v < s.oldest {
		return s.oldest, true
	}
	return v, true
}

// versionAtLeast compares API versions; unstable is newer than every release.
func versionAtLeast(v, min string) bool {
	if v == "unstable" {
		return true
	}
	return v >= min
}

func isJSON(ct string) bool {
	ct = strings.ToLower(strings.TrimSpace(strings.Split(ct, ";")[0]))
	return ct == "application/json"
}

// takeREST charges one request to the REST bucket and writes the call-limit header, or
// answers 429 when the bucket is full.
func (s *Server) takeREST(w http.ResponseWriter) bool {
	s.mu.Lock()
	ok, level, size, retry := s.rest.take(s.clock.Now())
	s.mu.Unlock()
	if size == 0 { // limits off
		return true
	}
	w.Header().Set("X-Shopify-Shop-Api-Call-Limit", fmt.Sprintf("%d/%d", int(math.Ceil(level)), size))
	if !ok {
		w.Header().Set("Retry-After", formatSeconds(retry))
		writeErrors(w, http.StatusTooManyRequests, "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service.")
		return false
	}
	return true
}

// formatSeconds writes a Retry-After value the way Shopify does: seconds with a fraction.
func formatSeconds(d time.Duration) string {
	sec := d.Seconds()
	if sec < 0.1 {
		sec = 0.1
	}
	return strconv.FormatFloat(math.Ceil(sec*10)/10, 'f', 1, 64)
}

// statusWriter remembers the status for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"errors":"Internal Server Error"}`)
	}
	writeRaw(w, status, b)
}

func writeRaw(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeErrors writes Shopify's error body, {"errors": …}; errs is a string, a list of
// strings or an object of field → messages, as on the real API.
func writeErrors(w http.ResponseWriter, status int, errs any) {
	writeJSON(w, status, map[string]any{"errors": errs})
}

// logRequest adds r to the ring and returns its sequence number, so its status can be
// filled in when the answer is written.
func (s *Server) logRequest(r *http.Request) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqSeq++
	s.reqs[s.reqNext] = Request{Time: s.clock.Now(), Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery}
	s.reqNext++
	if s.reqNext == len(s.reqs) {
		s.reqNext, s.reqFull = 0, true
	}
	return s.reqSeq
}

// updateLogged changes the logged request seq, if it is still in the log.
func (s *Server) updateLogged(seq int64, fn func(*Request)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// The entry is still in the ring if fewer than len(reqs) requests came since.
	if seq > s.reqSeq || s.reqSeq-seq >= int64(len(s.reqs)) {
		return
	}
	i := (s.reqNext - 1 - int(s.reqSeq-seq)) % len(s.reqs)
	if i < 0 {
		i += len(s.reqs)
	}
	fn(&s.reqs[i])
}

// Requests returns the logged requests, oldest first (at most the log size).
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.reqFull {
		return append([]Request(nil), s.reqs[:s.reqNext]...)
	}
	out := make([]Request, 0, len(s.reqs))
	out = append(out, s.reqs[s.reqNext:]...)
	return append(out, s.reqs[:s.reqNext]...)
}

// RequestCount is the number of requests served since start (or the last ResetRequests),
// including those that fell out of the log.
func (s *Server) RequestCount() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reqSeq
}

// ResetRequests empties the request log and its count.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.reqs)
	s.reqNext, s.reqFull, s.reqSeq = 0, false, 0
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// errNotFound is returned by the truth methods for an id the store does not have.
var errNotFound = errors.New("not found")
