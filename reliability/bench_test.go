package reliability_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/erp/erpopen"
	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
	"github.com/passthrough-dev/passthrough/app"
	"github.com/passthrough-dev/passthrough/config"
	"github.com/passthrough-dev/passthrough/feeds"
)

// BenchmarkOrdersPipeline is the whole orders pipeline as `passthrough serve` wires it —
// the go-shopify client over HTTP, paging, decoding, mapping with the shipped mapping,
// staging with the ledger — pulling 5,000 generated orders from the simulator with its
// budget switched off, into SQLite and into PostgreSQL. It reports the time per order read,
// and the Shopify calls it took per 1,000 orders (the floor is 4: one list call per 250).
func BenchmarkOrdersPipeline(b *testing.B) {
	const orders = 5000
	sim := shopifytest.NewServer(shopifytest.WithShop(shop), shopifytest.WithoutRateLimits(),
		shopifytest.WithGenerated(shopifytest.GenOptions{Orders: orders, SKUs: 60, Seed: 53}))
	b.Cleanup(sim.Close)
	waitPast(b.Context(), latestUpdate(b, sim))
	for _, store := range []struct {
		name string
		open dbOpener
	}{{"sqlite", sqliteDB}, {"postgres", postgresDB}} {
		b.Run(store.name, func(b *testing.B) {
			var took time.Duration
			var x erp.Execution
			var calls int64
			for b.Loop() {
				b.StopTimer()
				a := pipelineApp(b, sim, store.open)
				b.StartTimer()
				t0 := time.Now()
				var err error
				x, err = a.RunFeed(b.Context(), feeds.FeedOrders, app.RunRequest{})
				took += time.Since(t0)
				require.NoError(b, err)
				calls = a.Shops[0].Shopify.Stats().Total().Calls
			}
			require.Equal(b, orders, x.Counts.Seen)
			b.ReportMetric(float64(took.Microseconds())/float64(b.N*x.Counts.Seen), "µs/order")
			b.ReportMetric(float64(calls)*1000/float64(x.Counts.Seen), "shopify-calls/1000-orders")
			b.ReportMetric(float64(x.Counts.Written), "orders-staged")
		})
	}
}

// pipelineApp is the application on a fresh, migrated database.
func pipelineApp(b *testing.B, sim *shopifytest.Server, open dbOpener) *app.App {
	b.Helper()
	dir := b.TempDir()
	db := open(b, dir)
	store, err := erpopen.Open(b.Context(), db.driver, db.dsn)
	require.NoError(b, err)
	b.Cleanup(func() { store.Close() })
	_, err = store.Migrate(b.Context())
	require.NoError(b, err)
	cfg := config.Default()
	cfg.Shopify.Shop, cfg.Shopify.BaseURL, cfg.Shopify.AccessToken = sim.Shop, sim.URL, config.Secret(sim.Token)
	cfg.ERP.Driver, cfg.ERP.DSN = db.driver, config.Secret(db.dsn)
	cfg.Mappings = copyMappings(b, dir)
	cfg.Feeds.Orders.DailyDays = 31
	a, err := app.New(b.Context(), cfg, app.Options{Store: store})
	require.NoError(b, err)
	b.Cleanup(func() { a.Close() })
	return a
}

// BenchmarkBackfillMemory measures the peak resident memory of `passthrough run orders
// --since …` (a backfill of the last month) in a child process, against `passthrough
// shopify-sim` in another, for 1,000, 10,000 and 100,000 orders, into SQLite. Orders are
// handled a page at a time, so the peak should not grow with the count.
//
// The peak is the child's VmHWM, read from /proc while it runs. (The rusage of a child
// started from this process is no use: Linux carries the parent's resident size at the
// fork into the child's ru_maxrss, so it reports this benchmark's own size.)
func BenchmarkBackfillMemory(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprintf("orders=%d", n), func(b *testing.B) {
			sim := startSimProcess(b, n, nil)
			var peakKB int64
			var took time.Duration
			for b.Loop() {
				b.StopTimer()
				dir := b.TempDir()
				c := &child{bin: passthroughBinary(b), config: filepath.Join(dir, "passthrough.yaml")}
				db := sqliteDB(b, dir)
				c.env = append(os.Environ(), "PT_SHOPIFY_TOKEN="+sim.token, "PT_ERP_DSN="+db.dsn)
				require.NoError(b, writeConfig(c.config, sim.url, db.driver, copyMappings(b, dir)))
				code, out := c.run(b, "migrate")
				require.Equal(b, 0, code, out)
				b.StartTimer()

				t0 := time.Now()
				cmd, output := c.command(b.Context(), "run", "orders", "--since", time.Now().AddDate(0, 0, -31).UTC().Format(time.RFC3339))
				require.NoError(b, cmd.Start())
				peak := watchPeakRSS(cmd.Process.Pid)
				require.NoError(b, cmd.Wait(), tail(output.String()))
				took += time.Since(t0)
				peakKB = max(peakKB, peak())
				// Every generated order is read, and is in the ledger once: the window has no
				// end, so an order Shopify stamped after our clock's now is not left out.
				m := seenCount.FindStringSubmatch(tail(output.String()))
				require.NotNil(b, m, tail(output.String()))
				seen, _ := strconv.Atoi(m[1])
				require.Equal(b, n, seen, tail(output.String()))
				var inLedger int
				require.NoError(b, db.db.QueryRowContext(b.Context(), `SELECT COUNT(*) FROM pt_order_ledger`).Scan(&inLedger))
				require.Equal(b, n, inLedger)
			}
			b.ReportMetric(float64(peakKB)/1024, "peak-rss-MB")
			b.ReportMetric(float64(took.Microseconds())/float64(b.N*n), "µs/order")
		})
	}
}

// watchPeakRSS polls a process's peak resident size (VmHWM, which the kernel keeps) until
// the returned function is called after the process ended, and returns the last reading in
// kilobytes: the peak up to a few milliseconds before the end.
func watchPeakRSS(pid int) func() int64 {
	var peak atomic.Int64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		path := fmt.Sprintf("/proc/%d/status", pid)
		for {
			if b, err := os.ReadFile(path); err == nil {
				for _, line := range strings.Split(string(b), "\n") {
					if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
						kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
						peak.Store(max(peak.Load(), kb))
					}
				}
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	return func() int64 {
		close(stop)
		<-done
		return peak.Load()
	}
}

var seenCount = regexp.MustCompile(`orders cli: FINISHED in \S+ — (\d+) seen`)

// tail is the end of a child's output, where it says how the run ended.
func tail(s string) string {
	if len(s) > 600 {
		return "…" + s[len(s)-600:]
	}
	return s
}

func writeConfig(path, baseURL, driver, mappings string) error {
	src := fmt.Sprintf(`shopify: {shop: %s, base_url: %q, access_token: "${PT_SHOPIFY_TOKEN}"}
erp: {driver: %s, dsn: "${PT_ERP_DSN}"}
mappings: %q
`, shop, baseURL, driver, mappings)
	return os.WriteFile(path, []byte(src), 0o600)
}

// simProcess is `passthrough shopify-sim` running in a child process.
type simProcess struct {
	url, token string
}

// startSimProcess starts the simulator as its own process with n generated orders and no
// budget, with env added to its environment and args to its flags, and waits until it
// listens.
func startSimProcess(b *testing.B, n int, env []string, args ...string) simProcess {
	b.Helper()
	token := "shpat_reliability_bench"
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, passthroughBinary(b), append([]string{"shopify-sim", "--addr", "127.0.0.1:0", "--shop", shop,
		"--orders", fmt.Sprint(n), "--skus", "60", "--plan", "off", "--token", token}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(b, err)
	require.NoError(b, cmd.Start())
	b.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
	})
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		if u, ok := strings.CutPrefix(lines.Text(), "url:"); ok {
			go discard(stdout)
			return simProcess{url: strings.TrimSpace(u), token: token}
		}
	}
	b.Fatalf("the simulator stopped before saying where it listens: %v", lines.Err())
	return simProcess{}
}
