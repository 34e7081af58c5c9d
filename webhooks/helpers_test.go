package webhooks_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/erp/erpsqlite"
	"github.com/passthrough-dev/passthrough/adapters/shopify"
	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
	"github.com/passthrough-dev/passthrough/feeds"
	"github.com/passthrough-dev/passthrough/internal/ordertruth"
	"github.com/passthrough-dev/passthrough/ledger"
	"github.com/passthrough-dev/passthrough/mapping"
	"github.com/passthrough-dev/passthrough/webhooks"
)

const shop = "acme"

var secret = []byte("the-app-client-secret")

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// world is the webhook path wired to real parts: the simulator delivering over HTTP to the
// receiver, a SQLite ERP, the orders feed with the shipped mappings, and a worker.
type world struct {
	sim    *shopifytest.Server
	store  *outage
	db     *sql.DB
	feed   *feeds.Orders
	url    string // the receiver's address
	worker *webhooks.Worker
	woken  atomic.Int64
}

// outage is the ERP store with a switch that makes every call fail as when the database
// is away.
type outage struct {
	erp.Store
	down atomic.Bool
}

var errAway = errWrap("the database is away: " + erp.ErrRetryable.Error())

type errWrap string

func (e errWrap) Error() string        { return string(e) }
func (e errWrap) Is(target error) bool { return target == erp.ErrRetryable }

func (o *outage) WebhookReceive(ctx context.Context, d erp.WebhookDelivery) (erp.WebhookReceipt, error) {
	if o.down.Load() {
		return erp.WebhookReceipt{}, errAway
	}
	return o.Store.WebhookReceive(ctx, d)
}

func (o *outage) WebhookClaim(ctx context.Context, p erp.WebhookClaimParams) ([]erp.WebhookDelivery, error) {
	if o.down.Load() {
		return nil, errAway
	}
	return o.Store.WebhookClaim(ctx, p)
}

func (o *outage) OrderStage(ctx context.Context, p erp.OrderStageParams) error {
	if o.down.Load() {
		return errAway
	}
	return o.Store.OrderStage(ctx, p)
}

func (o *outage) LedgerGet(ctx context.Context, shop string, id int64) (ledger.Entry, error) {
	if o.down.Load() {
		return ledger.Entry{}, errAway
	}
	return o.Store.LedgerGet(ctx, shop, id)
}

func newWorld(t *testing.T, gen shopifytest.GenOptions, opts ...shopifytest.Option) *world {
	t.Helper()
	sim := shopifytest.NewServer(append([]shopifytest.Option{shopifytest.WithShop(shop), shopifytest.WithoutRateLimits(),
		shopifytest.WithGenerated(gen), shopifytest.WithLogger(testLogger(t))}, opts...)...)
	t.Cleanup(sim.Close)
	client, err := shopify.New(shopify.Config{Shop: shop, BaseURL: sim.URL, APIVersion: "2026-07",
		AccessToken: sim.Token, DisablePacing: true, Logger: testLogger(t)})
	require.NoError(t, err)
	set, err := mapping.LoadDir("../mappings")
	require.NoError(t, err)

	path := filepath.Join(t.TempDir(), "erp.db")
	st, err := erpsqlite.Open(t.Context(), "file:"+path, erp.WithLogger(testLogger(t)))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	_, err = st.Migrate(t.Context())
	require.NoError(t, err)
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })

	w := &world{sim: sim, store: &outage{Store: st}, db: db}
	w.feed = &feeds.Orders{Shop: shop, Source: client, Store: w.store, Log: testLogger(t),
		Mappings: func() *mapping.Set { return set }, FirstLookback: 40 * 24 * time.Hour,
		// The simulator may stamp an order a second ahead of the wall clock.
		Now: func() time.Time { return time.Now().Add(time.Minute) },
	}
	shops := webhooks.ShopList{{Name: shop, Secrets: [][]byte{secret}, Orders: w.feed}}
	w.worker = webhooks.NewWorker(webhooks.Worker{Store: w.store, Shops: shops, Log: testLogger(t), Poll: 10 * time.Millisecond})
	mux := http.NewServeMux()
	mux.Handle(webhooks.Path, &webhooks.Receiver{Shops: shops, Store: w.store, Log: testLogger(t),
		Stored: func() { w.woken.Add(1); w.worker.Wake() }})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	w.url = srv.URL + webhooks.Path
	sim.SetWebhooks(w.url, secret)
	return w
}

// run starts the worker until the test ends.
func (w *world) run(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.worker.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

// settle waits until the simulator has delivered everything and the worker has worked it.
func (w *world) settle(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	require.NoError(t, w.sim.WaitWebhooks(ctx))
	for {
		b, err := w.store.Store.WebhookBacklog(ctx, shop)
		require.NoError(t, err)
		if b.Pending+b.Working == 0 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("deliveries still waiting: %+v", b)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// truth is what the simulator says should be staged now.
func (w *world) truth(t *testing.T) map[int64]int {
	t.Helper()
	want, err := ordertruth.Staged(w.sim)
	require.NoError(t, err)
	return want
}

// staged reads the staging tables, failing on a duplicate header or line.
func (w *world) staged(t *testing.T) map[int64]int {
	t.Helper()
	got, err := ordertruth.Held(t.Context(), w.db)
	require.NoError(t, err)
	return got
}

// stagings counts the times each order was staged, from its history.
func (w *world) stagings(t *testing.T) map[int64]int {
	t.Helper()
	out, err := ordertruth.Stagings(t.Context(), w.db)
	require.NoError(t, err)
	return out
}

func (w *world) count(t *testing.T, q string) int {
	t.Helper()
	var n int
	require.NoError(t, w.db.QueryRowContext(t.Context(), q).Scan(&n))
	return n
}

// unpaid lists the simulator's orders that wait for payment.
func (w *world) unpaid(t *testing.T) []int64 {
	t.Helper()
	var out []int64
	for _, id := range w.sim.OrderIDs() {
		raw, _ := w.sim.Order(id)
		if bytes.Contains(raw, []byte(`"financial_status":"pending"`)) && bytes.Contains(raw, []byte(`"cancelled_at":null`)) &&
			bytes.Contains(raw, []byte(`"test":false`)) {
			out = append(out, id)
		}
	}
	return out
}

func sign(key, body []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// newRecorder sends one delivery, signed with key, straight to a handler and says the
// status.
func newRecorder(t *testing.T, h http.Handler, key []byte, headers map[string]string, body []byte) int {
	t.Helper()
	req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, webhooks.Path, bytes.NewReader(body))
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("X-Shopify-Hmac-Sha256", sign(key, body))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code
}

// post sends one delivery to the receiver, signed with key (unsigned when nil).
func post(t *testing.T, url string, key []byte, headers map[string]string, body []byte) int {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	if key != nil {
		req.Header.Set("X-Shopify-Hmac-Sha256", sign(key, body))
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

// headers are a delivery's X-Shopify-* headers.
func headers(topic, webhookID string) map[string]string {
	return map[string]string{
		"X-Shopify-Topic": topic, "X-Shopify-Shop-Domain": shop + ".myshopify.com", "X-Shopify-API-Version": "2026-07",
		"X-Shopify-Webhook-Id": webhookID, "X-Shopify-Event-Id": "ev-" + webhookID,
		"X-Shopify-Triggered-At": time.Now().UTC().Format(time.RFC3339Nano),
	}
}
