package reliability_test

import (
	"context"
	"database/sql"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/erp/erppostgres"
	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
	"github.com/passthrough-dev/passthrough/app"
	"github.com/passthrough-dev/passthrough/config"
	"github.com/passthrough-dev/passthrough/feeds"
)

// TestReliabilityERPDatabaseCrashesWhileShopifyFails runs the orders feed as `passthrough
// serve` would — one application, its database pool kept across runs — while Shopify
// fails 30 % of calls (20 % 5xx, 10 % 429), and crashes the ERP's PostgreSQL server in the
// middle of runs (pg_ctl stop -m immediate), then starts it again. Every order must end up
// staged exactly once, and nothing may ever be half-written.
func TestReliabilityERPDatabaseCrashesWhileShopifyFails(t *testing.T) {
	t.Parallel()
	pg := startPostgres(t)
	ctx := t.Context()

	sim := shopifytest.NewServer(shopifytest.WithShop(shop), shopifytest.WithoutRateLimits(),
		shopifytest.WithGenerated(shopifytest.GenOptions{Orders: sized(600, 1500), SKUs: 30, Seed: 43}))
	t.Cleanup(sim.Close)
	sim.SetFaults(shopifytest.Faults{ServerErrorRate: 0.2, TooManyRequestsRate: 0.1, RetryAfter: 10 * time.Millisecond})

	st, err := erppostgres.Open(ctx, pg.dsn())
	require.NoError(t, err)
	_, err = st.Migrate(ctx)
	require.NoError(t, err)
	require.NoError(t, st.Close())

	cfg := config.Default()
	cfg.Shopify.Shop, cfg.Shopify.BaseURL, cfg.Shopify.AccessToken = sim.Shop, sim.URL, config.Secret(sim.Token)
	cfg.ERP.Driver, cfg.ERP.DSN = "postgres", config.Secret(pg.dsn())
	cfg.Mappings = copyMappings(t, t.TempDir())
	cfg.Feeds.Orders.DailyDays = 31
	require.NoError(t, cfg.Validate())
	a, err := app.New(ctx, cfg, app.Options{Logger: testLogger(t)})
	require.NoError(t, err)
	t.Cleanup(func() { a.Close() })

	check, err := sql.Open("pgx", pg.dsn())
	require.NoError(t, err)
	t.Cleanup(func() { check.Close() })
	check.SetMaxIdleConns(0) // the test's own checks start afresh after every crash

	seed := uint64(time.Now().UnixNano())
	t.Logf("random seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 5))
	crashes, crashedMidRun := sized(4, 12), 0
	for i := range crashes {
		if i > 0 {
			// New business for this run to write, besides the usual changes.
			_, err := sim.GenerateOrders(30+rng.IntN(30), rng.Uint64())
			require.NoError(t, err)
			churnOrders(t, &killWorld{sim: sim}, rng)
		}
		type result struct {
			x   erp.Execution
			err error
		}
		done := make(chan result, 1)
		go func() {
			x, err := a.RunFeed(context.WithoutCancel(ctx), feeds.FeedOrders, app.RunRequest{})
			done <- result{x, err}
		}()
		// Crash once the run has written a random number of orders (or has ended).
		target := 1 + rng.IntN(20)
		if i == 0 {
			target = 1 + rng.IntN(200)
		}
		var r result
		ended := false
		for !ended && writtenByLastRun(check) < target {
			select {
			case r = <-done:
				ended = true
			case <-time.After(5 * time.Millisecond):
			}
		}
		pg.crash(t)
		if !ended {
			r = <-done
			if r.x.Outcome != erp.OutcomeFinished && r.x.Outcome != erp.OutcomeFinishedPartially {
				crashedMidRun++
				require.NotEqual(t, erp.OutcomeRunning, r.x.Outcome, "a run that lost its database ends")
			}
		}
		t.Logf("crash %d after %d orders written: the run ended %q: %v", i+1, target, r.x.Outcome, r.err)
		pg.start(t)
		requireConsistent(t, check, shop)
	}
	require.Positive(t, crashedMidRun, "no crash landed while a run was under way")

	// With the database back and Shopify still failing 30 % of calls, runs get every
	// order in: a run may still fail when one call fails every retry; the next goes on.
	waitPast(ctx, latestUpdate(t, sim))
	var last erp.Execution
	for range 20 {
		last, err = a.RunFeed(ctx, feeds.FeedOrders, app.RunRequest{})
		if err == nil && last.Outcome == erp.OutcomeFinished {
			break
		}
		t.Logf("run after the crashes: %s %v", last.Outcome, err)
	}
	require.Equal(t, erp.OutcomeFinished, last.Outcome)
	requireTruth(t, check, sim)
	requireConsistent(t, check, shop)
	t.Logf("%d crashes, %d of them in the middle of a run; Shopify answered %d requests", crashes, crashedMidRun, sim.RequestCount())
}

// writtenByLastRun is how many ledger entries the newest feed run has written; -1 while
// the database is away.
func writtenByLastRun(db *sql.DB) int {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var n int
	err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM pt_order_ledger WHERE last_run_id = (SELECT MAX(id) FROM pt_feed_executions)`).Scan(&n)
	if err != nil {
		return -1
	}
	return n
}
