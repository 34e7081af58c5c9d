package reliability_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/microsoft/go-mssqldb" // registers sqlserver for the benchmark's own checks
	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/shopify"
	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
	"github.com/passthrough-dev/passthrough/internal/ordertruth"
)

// latencyOrders is how many orders the latency benchmark pays, and payRate how many a
// second: a busy shop's peak, steady.
const (
	latencyOrders = 1000
	payRate       = 50
	pollEvery     = 10 * time.Second
)

// BenchmarkOrderLatency times, through real processes, how long an order paid in Shopify
// takes to have its row in s_orders: the simulator in a process of its own, which delivers
// signed webhooks over HTTP to `passthrough serve` in another, which stages into the
// database. It pays 1,000 unpaid orders at 50 a second and reports the 50th and 99th
// percentile and the slowest, from the payment's request to the row's created_at (both
// read from this machine's clock). With webhooks the scheduled run is an hour away; without
// them (polling-10s) orders come with the orders feed's run every 10 seconds, so the wait
// is bounded by the interval — 2.5 min on average at the default 5 minutes.
func BenchmarkOrderLatency(b *testing.B) {
	for _, mode := range []struct {
		name     string
		webhooks bool
		every    time.Duration
	}{{"webhooks", true, time.Hour}, {"polling-10s", false, pollEvery}} {
		for _, store := range benchStores() {
			b.Run(mode.name+"/"+store.name, func(b *testing.B) {
				var lat []time.Duration
				for b.Loop() {
					lat = orderLatency(b, store.open, mode.webhooks, mode.every)
				}
				slices.Sort(lat)
				b.ReportMetric(percentile(lat, 50).Seconds(), "p50-s")
				b.ReportMetric(percentile(lat, 99).Seconds(), "p99-s")
				b.ReportMetric(lat[len(lat)-1].Seconds(), "max-s")
				b.ReportMetric(float64(len(lat)), "orders")
			})
		}
	}
}

// benchStores are the databases of the benchmarks: SQLite, PostgreSQL, and SQL Server when
// PASSTHROUGH_TEST_MSSQL_DSN names one.
func benchStores() []struct {
	name string
	open dbOpener
} {
	return []struct {
		name string
		open dbOpener
	}{{"sqlite", sqliteDB}, {"postgres", postgresDB}, {"sqlserver", mssqlDB}}
}

// mssqlDB is the harness's SQL Server database (sqlserverDB); without
// PASSTHROUGH_TEST_MSSQL_DSN the benchmark skips.
func mssqlDB(t testing.TB, dir string) erpDB {
	t.Helper()
	if os.Getenv("PASSTHROUGH_TEST_MSSQL_DSN") == "" {
		t.Skip("PASSTHROUGH_TEST_MSSQL_DSN is not set")
	}
	return sqlserverDB(t, dir)
}

func percentile(sorted []time.Duration, p int) time.Duration {
	i := (len(sorted)*p+99)/100 - 1
	return sorted[max(i, 0)]
}

// orderLatency runs one whole measure and returns the latency of every order staged.
func orderLatency(b *testing.B, open dbOpener, withWebhooks bool, every time.Duration) []time.Duration {
	b.StopTimer()
	defer b.StartTimer()
	dir := b.TempDir()
	db := open(b, dir)
	sim := startHookSim(b, latencyOrders, "--unpaid")
	h := newHooked(b, dir, sim.url, sim.token, db, hookedOptions{Webhooks: withWebhooks, Every: every})
	code, out := h.run(b, "migrate")
	require.Equal(b, 0, code, out)
	if withWebhooks {
		code, out = h.run(b, "webhooks", "register")
		require.Equal(b, 0, code, out)
	}
	stop := h.serve(b)
	defer stop()

	client, err := shopify.New(shopify.Config{Shop: shop, BaseURL: sim.url, APIVersion: "2026-07", AccessToken: sim.token, DisablePacing: true})
	require.NoError(b, err)
	ids := orderIDs(b, client)
	require.Len(b, ids, latencyOrders)

	b.StartTimer()
	paidAt := map[int64]time.Time{}
	tick := time.NewTicker(time.Second / payRate)
	for _, id := range ids {
		<-tick.C
		paidAt[id] = time.Now()
		capture(b, sim, id)
	}
	tick.Stop()
	b.StopTimer()

	want := 0
	err = client.OrderPages(b.Context(), shopify.OrderQuery{}, func(page shopify.OrderPage) error {
		for _, o := range page.Orders {
			if _, ok, err := ordertruth.Lines(o.Raw); err != nil {
				return err
			} else if ok {
				want++
			}
		}
		return nil
	})
	require.NoError(b, err)
	waitFor(b, 5*time.Minute, "every paid order to be staged", func() bool { return headers(b, db.db) == want })

	rows, err := db.db.QueryContext(b.Context(), "SELECT web_order_id, created_at FROM s_orders")
	require.NoError(b, err)
	defer rows.Close()
	var lat []time.Duration
	for rows.Next() {
		var id int64
		var at any
		require.NoError(b, rows.Scan(&id, &at))
		lat = append(lat, stampOf(b, at).Sub(paidAt[id]))
	}
	require.NoError(b, rows.Err())
	require.Len(b, lat, want)
	return lat
}

// stampOf reads a created_at as the driver returns it.
func stampOf(t testing.TB, v any) time.Time {
	t.Helper()
	switch x := v.(type) {
	case time.Time:
		return x
	case string:
		at, err := time.Parse("2006-01-02 15:04:05.999999999", x)
		require.NoError(t, err)
		return at
	case []byte:
		return stampOf(t, string(x))
	}
	t.Fatalf("created_at %v (%T) is not a time", v, v)
	return time.Time{}
}

// orderIDs lists every order of the store through the client.
func orderIDs(t testing.TB, client *shopify.Client) []int64 {
	t.Helper()
	var ids []int64
	err := client.OrderPages(context.Background(), shopify.OrderQuery{}, func(page shopify.OrderPage) error {
		for _, o := range page.Orders {
			ids = append(ids, o.ID)
		}
		return nil
	})
	require.NoError(t, err)
	return ids
}

// capture pays an order as a merchant capturing its payment would: POST
// orders/{id}/transactions.json on the simulator.
func capture(t testing.TB, sim simProcess, id int64) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/admin/api/2026-07/orders/%d/transactions.json", sim.url, id),
		strings.NewReader(`{"transaction":{"kind":"capture"}}`))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Shopify-Access-Token", sim.token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode)
}

// startHookSim starts `passthrough shopify-sim` with n generated orders, no budget, and
// webhooks signed with hookSecret; subscriptions made through its API say where they go.
func startHookSim(b *testing.B, n int, args ...string) simProcess {
	b.Helper()
	return startSimProcess(b, n, []string{"PT_SIM_WEBHOOK_SECRET=" + hookSecret},
		append([]string{"--webhook-secret-env", "PT_SIM_WEBHOOK_SECRET"}, args...)...)
}

// BenchmarkWebhookReceiver measures `passthrough serve`'s receiver in a child process:
// deliveries accepted a second (signed, checked, stored durably, answered 200) from 8
// senders at once, and how fast its worker stages what they brought; then that 1,000
// duplicate deliveries — the same delivery 500 times, and the same order under 500 other
// webhook ids — stage nothing twice.
func BenchmarkWebhookReceiver(b *testing.B) {
	const deliveries = 2000
	sim := shopifytest.NewServer(shopifytest.WithShop(shop), shopifytest.WithoutRateLimits(),
		shopifytest.WithGenerated(shopifytest.GenOptions{Orders: deliveries, SKUs: 60, Seed: 71}))
	b.Cleanup(sim.Close)
	var bodies [][]byte
	for _, id := range sim.OrderIDs() {
		raw, _ := sim.Order(id)
		bodies = append(bodies, raw)
	}
	for _, store := range benchStores() {
		b.Run(store.name, func(b *testing.B) {
			var accepted, worked float64
			var stagedAgain, storedOnce int
			for b.Loop() {
				b.StopTimer()
				dir := b.TempDir()
				db := store.open(b, dir)
				h := newHooked(b, dir, sim.URL, sim.Token, db, hookedOptions{Webhooks: true, Every: time.Hour})
				code, out := h.run(b, "migrate")
				require.Equal(b, 0, code, out)
				stop := h.serve(b)

				b.StartTimer()
				t0 := time.Now()
				sendAll(b, h.url, deliveries, func(i int) (string, []byte) { return fmt.Sprintf("wh-%d", i), bodies[i] })
				took := time.Since(t0)
				b.StopTimer()
				accepted = deliveries / took.Seconds()
				waitFor(b, 5*time.Minute, "the worker to work every delivery", func() bool { return notDone(b, db.db) == 0 })
				worked = deliveries / time.Since(t0).Seconds()

				// Duplicates of an order staged already.
				before := stagings(b, db.db)
				dup, _ := sim.Order(sim.OrderIDs()[0])
				sendAll(b, h.url, 1000, func(i int) (string, []byte) {
					if i%2 == 0 {
						return "the-same-delivery", dup
					}
					return fmt.Sprintf("another-delivery-%d", i), dup
				})
				waitFor(b, time.Minute, "the duplicates to be worked", func() bool { return notDone(b, db.db) == 0 })
				after := stagings(b, db.db)
				stagedAgain = 0
				for id, n := range after {
					stagedAgain += n - before[id]
				}
				require.Zero(b, stagedAgain, "a duplicate staged an order again")
				require.NoError(b, db.db.QueryRowContext(b.Context(), "SELECT COUNT(*) FROM pt_webhook_deliveries WHERE webhook_id = 'the-same-delivery'").Scan(&storedOnce))
				require.Equal(b, 1, storedOnce)
				stop()
				b.StartTimer()
			}
			b.ReportMetric(accepted, "accepted-deliveries/s")
			b.ReportMetric(worked, "staged-deliveries/s")
			b.ReportMetric(float64(stagedAgain), "orders-staged-again-by-1000-duplicates")
		})
	}
}

// sendAll posts n signed orders/updated deliveries from 8 senders at once; each must be
// answered 200.
func sendAll(b *testing.B, to string, n int, delivery func(i int) (webhookID string, body []byte)) {
	b.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	for range 8 {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				id, body := delivery(i)
				mac := hmac.New(sha256.New, []byte(hookSecret))
				mac.Write(body)
				req, err := http.NewRequest(http.MethodPost, to, bytes.NewReader(body))
				if err != nil {
					errs <- err
					return
				}
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-Shopify-Topic", "orders/updated")
				req.Header.Set("X-Shopify-Shop-Domain", shop+".myshopify.com")
				req.Header.Set("X-Shopify-Webhook-Id", id)
				req.Header.Set("X-Shopify-Hmac-Sha256", base64.StdEncoding.EncodeToString(mac.Sum(nil)))
				resp, err := client.Do(req)
				if err != nil {
					errs <- err
					return
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					errs <- fmt.Errorf("delivery %s answered %d", id, resp.StatusCode)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(b, err)
	}
}

// notDone counts the deliveries not worked yet.
func notDone(t testing.TB, db *sql.DB) int {
	t.Helper()
	var n int
	require.NoError(t, db.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM pt_webhook_deliveries WHERE state IN ('pending', 'working')").Scan(&n))
	return n
}
