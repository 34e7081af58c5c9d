// Package shopify is passthrough's side of the Shopify Admin API: orders in, fulfillments
// and stock out, a catalog of the store's variants and locations, and webhook checks.
//
// The catalog (SKU → inventory item) comes from GraphQL productVariants, never from REST
// products.json, which is deprecated and shows at most 100 variants of a product where
// Shopify allows 2,048. The client keeps the catalog it read: later reads ask only for the
// variants updated since (updated_at search), a full read (on a full stock pass, and at
// least daily) catches deletions, and a full read of a large store runs as one bulk
// operation, which costs a few points where pages cost about 3 a variant.
//
// Every REST and GraphQL call goes through github.com/bold-commerce/go-shopify (v4), with a
// transport beneath it that adds what that library leaves out (shared/reference/
// shopify-api.md §9): pacing within the store's budget instead of bumping into it, retries
// of 429, THROTTLED, 5xx and lost connections with back-off, token refresh for the
// client-credentials grant, routing to shopify.base_url, and counts per endpoint. Callers
// see only this package's small types and sentinel errors, never go-shopify's.
//
// A Client is safe for concurrent use; its calls run one at a time, because go-shopify's
// client is not safe for concurrent use and because one budget is paced best by one queue.
// Share one Client per shop.
package shopify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	goshopify "github.com/bold-commerce/go-shopify/v4"
)

// Sentinel errors. Use errors.Is.
var (
	// ErrNotFound: Shopify has no such resource (404).
	ErrNotFound = errors.New("shopify: not found")
	// ErrUnauthorized: the token or the app's credentials were refused (401), or the app
	// lacks a scope (403). A person must fix the credentials.
	ErrUnauthorized = errors.New("shopify: unauthorized")
	// ErrRetryable: the call failed for a reason that passes (429 or THROTTLED after every
	// retry, 5xx, a lost connection, a timeout). Trying again later is right. Any other
	// failure is permanent for that request (a 4xx such as a 422 with Shopify's message).
	ErrRetryable = errors.New("shopify: temporary failure")
)

// APIError is an answer from Shopify that is an error. Message is Shopify's own message,
// verbatim (a 422's "Invalid fulfillment order line item quantity requested.").
type APIError struct {
	Endpoint string // e.g. "POST fulfillments"
	Status   int    // HTTP status; 200 for a GraphQL error, 0 when there was no usable answer
	Message  string

	refused   bool // the token endpoint refused the credentials
	retryable bool // e.g. THROTTLED
}

func (e *APIError) Error() string {
	if e.Status == http.StatusOK || e.Status == 0 {
		return fmt.Sprintf("%s: %s", e.Endpoint, e.Message)
	}
	return fmt.Sprintf("%s: %d %s", e.Endpoint, e.Status, e.Message)
}

// Is maps the status onto the package's sentinels.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	case ErrUnauthorized:
		return e.refused || e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden
	case ErrRetryable:
		return e.retryable || e.Status == http.StatusTooManyRequests || e.Status >= 500
	}
	return false
}

// Config says how to reach one store.
type Config struct {
	// Shop is the shop's name: "acme" or "acme.myshopify.com".
	Shop string
	// BaseURL, when set, receives every call instead of https://{shop}.myshopify.com (the
	// simulator, a proxy); the Host header stays the shop's.
	BaseURL string
	// APIVersion is the pinned version, YYYY-MM or "unstable". Required: go-shopify would
	// silently fall back to unversioned paths.
	APIVersion string
	// AccessToken is a static token (a legacy custom app). Or use ClientID and
	// ClientSecret for the client-credentials grant.
	AccessToken  string
	ClientID     string
	ClientSecret string
	// Plan sets the REST budget the client paces itself within (default standard).
	Plan Plan
	// DisablePacing sends without waiting for the bucket (retries still happen).
	DisablePacing bool
	// MaxAttempts bounds the attempts of one call (default 8).
	MaxAttempts int
	// AttemptTimeout bounds one attempt (default 30 s); the whole call is bounded by ctx.
	AttemptTimeout time.Duration
	// CatalogFullEvery is how old the last full read of the catalog may get before Catalog
	// reads every variant again instead of only what changed (default 24 h): the read that
	// notices deleted variants. CatalogFull reads everything whenever asked.
	CatalogFullEvery time.Duration
	// CatalogBulkFrom is the number of variants from which a full read of the catalog runs
	// a bulk operation instead of reading pages (default 1,000; negative: never). See
	// CatalogFull.
	CatalogBulkFrom int
	// Clock paces waits (default the system clock); see VirtualClock.
	Clock Clock
	// Logger receives retries and token refreshes (default: discarded).
	Logger *slog.Logger
	// Transport carries the HTTP requests (default: a clone of http.DefaultTransport).
	Transport http.RoundTripper
}

// Client talks to one store.
type Client struct {
	gs      *goshopify.Client
	tr      *transport
	sem     chan struct{} // one call at a time
	shop    string
	version string
	clock   Clock
	log     *slog.Logger

	cat              catalogState
	catalogFullEvery time.Duration
	catalogBulkFrom  int
}

// defaultCatalogBulkFrom is where a bulk operation starts to read a whole catalog faster
// than pages on a standard plan: BenchmarkCatalogRead measures the crossover.
const defaultCatalogBulkFrom = 1000

var (
	shopPattern    = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9-]*$`)
	versionPattern = regexp.MustCompile(`^(\d{4}-\d{2}|unstable)$`)
)

// New makes a client. It checks the configuration but makes no call.
func New(cfg Config) (*Client, error) {
	shop := strings.TrimSuffix(strings.TrimSpace(cfg.Shop), ".myshopify.com")
	if !shopPattern.MatchString(shop) {
		return nil, fmt.Errorf("shopify: shop %q is not a shop name ({shop}.myshopify.com)", cfg.Shop)
	}
	if !versionPattern.MatchString(cfg.APIVersion) {
		return nil, fmt.Errorf("shopify: api version %q is not YYYY-MM or unstable", cfg.APIVersion)
	}
	static := cfg.AccessToken != ""
	grant := cfg.ClientID != "" || cfg.ClientSecret != ""
	switch {
	case static && grant:
		return nil, errors.New("shopify: give an access token or a client id and secret, not both")
	case !static && !grant:
		return nil, errors.New("shopify: an access token, or a client id and secret, is required")
	case grant && (cfg.ClientID == "" || cfg.ClientSecret == ""):
		return nil, errors.New("shopify: client id and client secret go together")
	}
	var base *url.URL
	if cfg.BaseURL != "" {
		u, err := url.Parse(cfg.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("shopify: base url %q is not an http(s) URL", cfg.BaseURL)
		}
		base = u
	}
	plan := cfg.Plan
	if plan.Bucket == 0 {
		plan = PlanStandard
	}
	clock := cfg.Clock
	if clock == nil {
		clock = SystemClock()
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("shop", shop)
	next := cfg.Transport
	if next == nil {
		next = http.DefaultTransport.(*http.Transport).Clone()
	}
	attempts := cfg.MaxAttempts
	if attempts <= 0 {
		attempts = 8
	}
	timeout := cfg.AttemptTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}

	var tokens tokenSource = staticToken(cfg.AccessToken)
	if grant {
		tokens = &clientCredentials{
			endpoint: "https://" + shop + ".myshopify.com/admin/oauth/access_token",
			id:       cfg.ClientID, secret: cfg.ClientSecret,
			http:  &http.Client{Transport: hostRewrite{base: base, next: next}, Timeout: timeout},
			clock: clock, log: log,
		}
	}
	tr := &transport{
		base: base, next: next, tokens: tokens, pacer: newPacer(plan, cfg.DisablePacing), clock: clock, log: log,
		maxAttempts: attempts, attemptTimeout: timeout,
		rand:  mrand.New(mrand.NewPCG(uint64(time.Now().UnixNano()), 0x2545f4914f6cdd1d)),
		stats: map[string]*EndpointStats{},
	}
	// The token goes in through the transport, so go-shopify gets none (and sends none).
	gs, err := goshopify.NewClient(goshopify.App{}, shop, "",
		goshopify.WithVersion(cfg.APIVersion), goshopify.WithHTTPClient(&http.Client{Transport: tr}))
	if err != nil {
		return nil, fmt.Errorf("shopify: make client: %w", err)
	}
	fullEvery := cfg.CatalogFullEvery
	if fullEvery <= 0 {
		fullEvery = 24 * time.Hour
	}
	bulkFrom := cfg.CatalogBulkFrom
	if bulkFrom == 0 {
		bulkFrom = defaultCatalogBulkFrom
	}
	return &Client{
		gs: gs, tr: tr, sem: make(chan struct{}, 1), shop: shop, version: cfg.APIVersion, clock: clock, log: log,
		catalogFullEvery: fullEvery, catalogBulkFrom: bulkFrom,
	}, nil
}

// Shop is the shop's short name.
func (c *Client) Shop() string { return c.shop }

// APIVersion is the pinned API version.
func (c *Client) APIVersion() string { return c.version }

// Stats returns the counts per endpoint so far.
func (c *Client) Stats() Stats { return c.tr.snapshot() }

// call runs fn alone (go-shopify's client is not safe for concurrent use) and turns its
// error into this package's.
func (c *Client) call(ctx context.Context, endpoint string, fn func() error) error {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-c.sem }()
	if err := ctx.Err(); err != nil {
		return err
	}
	return mapError(endpoint, fn())
}

// mapError turns go-shopify's and the transport's errors into APIError and the sentinels.
func mapError(endpoint string, err error) error {
	if err == nil {
		return nil
	}
	var apiErr *APIError
	var rle goshopify.RateLimitError
	var re goshopify.ResponseError
	var rde goshopify.ResponseDecodingError
	switch {
	case errors.As(err, &apiErr):
		return err
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded), errors.Is(err, ErrRetryable):
		return fmt.Errorf("%s: %w", endpoint, err)
	case errors.As(err, &rle):
		return &APIError{Endpoint: endpoint, Status: rle.Status, Message: rle.Error(), retryable: true}
	case errors.As(err, &re):
		return &APIError{Endpoint: endpoint, Status: re.Status, Message: re.Error()}
	case errors.As(err, &rde):
		if rde.Status >= 300 || rde.Status == 0 {
			return &APIError{Endpoint: endpoint, Status: rde.Status, Message: "unreadable answer: " + rde.Message}
		}
		return fmt.Errorf("%s: unreadable answer: %s", endpoint, rde.Message)
	}
	return fmt.Errorf("%s: %w", endpoint, err)
}
