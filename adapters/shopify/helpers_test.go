package shopify_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/shopify"
	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
)

// start is where every virtual clock begins.
var start = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// bundle is a simulator and a go-shopify-based client talking to it over HTTP, on one
// virtual clock, with the client's log kept for inspection.
type bundle struct {
	srv    *shopifytest.Server
	clock  *shopify.VirtualClock
	client *shopify.Client
	logs   *syncBuffer
	sent   *recorder
}

// syncBuffer is a bytes.Buffer safe for the client's logger.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// recorder remembers what went over the wire: hosts and access tokens.
type recorder struct {
	mu      sync.Mutex
	next    http.RoundTripper
	hosts   []string // Host header → URL host
	tokens  map[string]bool
	noToken []string // paths requested without an access token
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.hosts = append(r.hosts, req.Host+" → "+req.URL.Host)
	if tok := req.Header.Get("X-Shopify-Access-Token"); tok != "" {
		r.tokens[tok] = true
	} else {
		r.noToken = append(r.noToken, req.URL.Path)
	}
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

func (r *recorder) withoutToken() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.noToken)
}

func (r *recorder) seenTokens() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for t := range r.tokens {
		out = append(out, t)
	}
	return out
}

// setup starts a simulator with opts on a virtual clock and a client for it; tweak may
// change the client's configuration.
func setup(t testing.TB, tweak func(*shopify.Config), opts ...shopifytest.Option) *bundle {
	t.Helper()
	clock := shopify.NewVirtualClock(start)
	srv := shopifytest.NewServer(append([]shopifytest.Option{shopifytest.WithClock(clock)}, opts...)...)
	t.Cleanup(srv.Close)
	logs := &syncBuffer{}
	var out io.Writer = logs
	if tt, ok := t.(*testing.T); ok {
		out = io.MultiWriter(logs, tt.Output())
	}
	rec := &recorder{next: http.DefaultTransport, tokens: map[string]bool{}}
	cfg := shopify.Config{
		Shop: srv.Shop, BaseURL: srv.URL, APIVersion: "2026-07", AccessToken: srv.Token,
		Clock: clock, Logger: slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelDebug})), Transport: rec,
	}
	if tweak != nil {
		tweak(&cfg)
	}
	client, err := shopify.New(cfg)
	require.NoError(t, err)
	return &bundle{srv: srv, clock: clock, client: client, logs: logs, sent: rec}
}

// statuses counts the simulator's answers by status, for requests whose path ends with suffix.
func (b *bundle) statuses(suffix string) map[int]int {
	out := map[int]int{}
	for _, r := range b.srv.Requests() {
		if strings.HasSuffix(r.Path, suffix) {
			out[r.Status]++
		}
	}
	return out
}

// smallShop is a store with locations A and B, SKUs X (stocked at B) and Y (at A), and
// an order for 3 × X and 1 × Y.
type smallShop struct {
	*bundle
	locA, locB   int64
	itemX, itemY int64
	order        int64
}

func newSmallShop(t *testing.T, tweak func(*shopify.Config), opts ...shopifytest.Option) *smallShop {
	t.Helper()
	b := setup(t, tweak, append([]shopifytest.Option{shopifytest.WithoutRateLimits()}, opts...)...)
	s := &smallShop{bundle: b, locA: b.srv.AddLocation("A"), locB: b.srv.AddLocation("B")}
	_, err := b.srv.AddProduct([]byte(`{"title":"Mug","variants":[{"sku":"X","title":"Red"},{"sku":"Y","title":"Blue"}]}`))
	require.NoError(t, err)
	var vx, vy int64
	for _, v := range b.srv.Variants() {
		switch v.SKU {
		case "X":
			vx, s.itemX = v.ID, v.InventoryItemID
		case "Y":
			vy, s.itemY = v.ID, v.InventoryItemID
		}
	}
	require.NoError(t, b.srv.SetInventoryLevel(s.itemX, s.locA, 0))
	require.NoError(t, b.srv.SetInventoryLevel(s.itemX, s.locB, 10))
	require.NoError(t, b.srv.SetInventoryLevel(s.itemY, s.locA, 5))
	require.NoError(t, b.srv.SetInventoryLevel(s.itemY, s.locB, 0))
	s.order, err = b.srv.AddOrder([]byte(`{"financial_status":"paid","line_items":[` +
		`{"variant_id":` + itoa(vx) + `,"sku":"X","quantity":3,"price":"4.00"},` +
		`{"variant_id":` + itoa(vy) + `,"sku":"Y","quantity":1,"price":"5.00"}]}`))
	require.NoError(t, err)
	return s
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
