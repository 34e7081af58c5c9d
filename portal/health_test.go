package portal

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/shopify"
	"github.com/passthrough-dev/passthrough/webhooks"
)

// fakeShopify is a store's Shopify client as the health panel and the budget meter read it.
type fakeShopify struct {
	version, served string
	expires         time.Time
	refreshable     bool
	scopes          []string
	scopesErr       error
	asked           int
	budget          shopify.Budget
	stats           shopify.Stats
}

func (f *fakeShopify) APIVersion() string    { return f.version }
func (f *fakeShopify) ServedVersion() string { return f.served }
func (f *fakeShopify) TokenExpiry() (time.Time, bool) {
	return f.expires, f.refreshable
}
func (f *fakeShopify) AccessScopes(context.Context) ([]string, error) {
	f.asked++
	return f.scopes, f.scopesErr
}
func (f *fakeShopify) Budget() shopify.Budget { return f.budget }
func (f *fakeShopify) Stats() shopify.Stats   { return f.stats }

var needs = []ScopeNeed{
	{Scope: "read_orders", For: "the orders feed"},
	{Scope: "read_all_orders", For: "orders older than 60 days", Optional: true},
	{Scope: "read_inventory", For: "the stock feed"},
	{Scope: "write_inventory", For: "the stock feed"},
}

func TestTheHealthPanel(t *testing.T) {
	t.Parallel()
	// The test clock says 2026-11-20 09:00 UTC.
	healthy := func() *fakeShopify {
		return &fakeShopify{version: "2026-07", served: "2026-07", scopes: []string{"read_orders", "read_all_orders", "write_inventory"}}
	}
	setup := func(t *testing.T, sh *fakeShopify, mod func(*Deps)) *fixture {
		return newFixture(t, func(d *Deps) {
			d.Stores[0].Shopify, d.Stores[0].Scopes = sh, needs
			d.Stores[0].Expect = []FeedExpectation{{Feed: "orders", Every: 5 * time.Minute}, {Feed: "shipments", Every: 5 * time.Minute}}
			if mod != nil {
				mod(d)
			}
		})
	}

	t.Run("a healthy store", func(t *testing.T) {
		f := setup(t, healthy(), func(d *Deps) {
			d.Stores[0].Webhooks = webhookState{State: webhooks.StateFlowing}
		})
		run(t, f, "orders", f.clock.Now().Add(-4*time.Minute), erp.OutcomeFinished)
		run(t, f, "shipments", f.clock.Now().Add(-6*time.Minute), erp.OutcomeFinishedPartially)
		b := login(t, f.srv, "viewer").get("/health").Body.String()
		require.Contains(t, b, `<span class="badge good" id="health-status">healthy</span>`)
		require.Contains(t, b, "2026-07: supported until 2027-07-01, 223 days left")
		require.Contains(t, b, "all 4 needed are granted", "write_inventory covers read_inventory")
		require.Contains(t, b, "last success 4 min ago")
		require.Contains(t, b, "a static token: it does not expire")
		require.Contains(t, b, "Database</th><td><span class=\"badge good\">good</span></td><td>answers in")
		require.Contains(t, b, passthrough.Version())
		require.Contains(t, b, "Webhooks</th><td><span class=\"badge good\">good</span></td><td>flowing")
		unwired := setup(t, healthy(), nil)
		run(t, unwired, "orders", f.clock.Now().Add(-4*time.Minute), erp.OutcomeFinished)
		run(t, unwired, "shipments", f.clock.Now().Add(-4*time.Minute), erp.OutcomeFinished)
		b = login(t, unwired.srv, "viewer").get("/health").Body.String()
		require.Contains(t, b, "Webhooks</th><td><span class=\"badge unknown\">unknown</span></td><td>not reported by this build")
		require.Contains(t, b, `id="health-status">partly unknown</span>`, "what is not known is not called healthy")
	})

	for _, tc := range []struct {
		name   string
		mod    func(sh *fakeShopify, f *fixture)
		status string
		says   string
	}{
		{"a version within 90 days of retirement warns", func(sh *fakeShopify, _ *fixture) { sh.version, sh.served = "2026-01", "2026-01" },
			"warn", "2026-01: supported until 2027-01-01, 42 days left"},
		{"a retired version is bad", func(sh *fakeShopify, _ *fixture) { sh.version, sh.served = "2025-10", "2025-10" },
			"bad", "Shopify stopped supporting it on 2026-10-01"},
		{"Shopify falling forward to another version is bad", func(sh *fakeShopify, _ *fixture) { sh.version, sh.served = "2025-07", "2025-10" },
			"bad", "Shopify answers with 2025-10"},
		{"unstable is no supported version", func(sh *fakeShopify, _ *fixture) { sh.version, sh.served = "unstable", "unstable" },
			"bad", "unstable: not a stable version Shopify supports"},
		{"a missing scope a feed needs is bad", func(sh *fakeShopify, _ *fixture) {
			sh.scopes = []string{"read_orders", "read_all_orders", "read_inventory"}
		},
			"bad", "missing: write_inventory (the stock feed)"},
		{"a missing optional scope warns", func(sh *fakeShopify, _ *fixture) { sh.scopes = []string{"read_orders", "write_inventory"} },
			"warn", "missing: read_all_orders (orders older than 60 days)"},
		{"scopes Shopify cannot be asked for are unknown", func(sh *fakeShopify, _ *fixture) { sh.scopesErr = shopify.ErrUnauthorized },
			"unknown", "Shopify could not be asked: the token was refused"},
		{"a feed without a success in three intervals is stale", func(_ *fakeShopify, f *fixture) {
			run(t, f, "orders", f.clock.Now().Add(-16*time.Minute), erp.OutcomeFinished)
			run(t, f, "orders", f.clock.Now().Add(-2*time.Minute), erp.OutcomeFailed)
		}, "bad", "last success 16 min ago, runs every 5m0s"},
		{"a feed that never succeeded is stale", func(_ *fakeShopify, f *fixture) {
			run(t, f, "shipments", f.clock.Now().Add(-2*time.Minute), erp.OutcomeFailed)
		}, "bad", "no successful run yet (runs every 5m0s)"},
		{"a client-credentials token about to expire means fetching fails", func(sh *fakeShopify, f *fixture) {
			sh.refreshable, sh.expires = true, f.clock.Now().Add(2*time.Minute)
		}, "bad", "client credentials: the token expires 2026-11-20 09:02 UTC"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sh := healthy()
			f := setup(t, sh, nil)
			tc.mod(sh, f)
			b := login(t, f.srv, "viewer").get("/health").Body.String()
			require.Contains(t, b, tc.says)
			require.Regexp(t, `<span class="badge `+tc.status+`">`+tc.status+`</span></td><td>[^<]*`+regexpQuote(tc.says), b)
		})
	}

	t.Run("a database that does not answer is bad, and the pool is shown", func(t *testing.T) {
		f := setup(t, healthy(), func(d *Deps) {
			d.Ping = func(context.Context) error { return errors.New("dial tcp 10.0.0.5:1433: i/o timeout") }
			d.DBStats = func() (s sql.DBStats) {
				s.OpenConnections, s.InUse, s.Idle, s.MaxOpenConnections = 4, 1, 3, 10
				return s
			}
		})
		b := login(t, f.srv, "viewer").get("/health").Body.String()
		require.Contains(t, b, "does not answer: no answer within 2 seconds, or an error (it has been logged)")
		require.NotContains(t, b, "10.0.0.5", "the error's words stay in the log")
		f2 := setup(t, healthy(), func(d *Deps) {
			d.DBStats = func() (s sql.DBStats) {
				s.OpenConnections, s.InUse, s.Idle, s.MaxOpenConnections = 4, 1, 3, 10
				return s
			}
		})
		require.Contains(t, login(t, f2.srv, "viewer").get("/health").Body.String(), "pool: 4 open (1 in use, 3 idle) of 10")
	})

	t.Run("Shopify is asked for the scopes once every few minutes, not at every view", func(t *testing.T) {
		sh := healthy()
		f := setup(t, sh, nil)
		c := login(t, f.srv, "viewer")
		c.get("/health")
		c.get("/health")
		require.Equal(t, 1, sh.asked)
		f.clock.Advance(6 * time.Minute)
		c.get("/health")
		require.Equal(t, 2, sh.asked)
	})

	t.Run("webhooks that stopped are bad, with what to do", func(t *testing.T) {
		f := setup(t, healthy(), func(d *Deps) {
			d.Stores[0].Webhooks = webhookState{State: webhooks.StateStopped, Message: "No webhook for 2 hours; the scheduled run stages the orders."}
		})
		b := login(t, f.srv, "viewer").get("/health").Body.String()
		require.Contains(t, b, "Webhooks</th><td><span class=\"badge bad\">bad</span></td><td>stopped")
		require.Contains(t, b, "No webhook for 2 hours; the scheduled run stages the orders.")
	})
}

// run records a finished run of feed.
func run(t *testing.T, f *fixture, feed string, at time.Time, outcome string) erp.Execution {
	t.Helper()
	x, err := f.store.ExecutionStart(t.Context(), erp.ExecutionStartParams{Feed: feed, Shop: testShop, Trigger: "schedule", At: at.Add(-time.Second)})
	require.NoError(t, err)
	require.NoError(t, f.store.ExecutionFinish(t.Context(), erp.ExecutionFinishParams{ID: x.ID, At: at, Outcome: outcome}))
	return x
}

func regexpQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `.`, `\.`, `(`, `\(`, `)`, `\)`, `+`, `\+`, `*`, `\*`, `?`, `\?`, `[`, `\[`, `]`, `\]`, `{`, `\{`, `}`, `\}`, `^`, `\^`, `$`, `\$`, `|`, `\|`)
	return r.Replace(s)
}

func TestTheBudgetMeter(t *testing.T) {
	t.Parallel()
	sh := &fakeShopify{version: "2026-07",
		budget: shopify.Budget{RESTUsed: 12, RESTSize: 40, RESTSeen: time.Now(), GraphQLAvailable: 750, GraphQLMax: 1000, GraphQLRestore: 50, GraphQLSeen: time.Now()},
		stats:  shopify.Stats{"GET orders": {Calls: 9, TooMany: 2, BudgetWait: 3 * time.Second}}}
	f := newFixture(t, func(d *Deps) { d.Stores[0].Shopify = sh })
	now := f.clock.Now() // 09:00 on the hour
	for _, r := range []struct {
		feed string
		at   time.Duration
		u    passthrough.APIUsage
	}{
		{"orders", -30 * time.Hour, passthrough.APIUsage{RESTCalls: 1000}}, // older than a day: left out
		{"orders", -2*time.Hour + 10*time.Minute, passthrough.APIUsage{RESTCalls: 4, Wait: time.Second}},
		{"orders", 20 * time.Minute, passthrough.APIUsage{RESTCalls: 3}},
		{"orders", 25 * time.Minute, passthrough.APIUsage{RESTCalls: 5, RateLimited: 1, Wait: 1500 * time.Millisecond}},
		{"inventory", 30 * time.Minute, passthrough.APIUsage{GraphQLPoints: 300, RateLimited: 1}},
	} {
		at := now.Add(r.at)
		x := run(t, f, r.feed, at, erp.OutcomeFinished)
		require.NoError(t, f.store.ExecutionFinish(t.Context(), erp.ExecutionFinishParams{ID: x.ID, At: at, Outcome: erp.OutcomeFinished, Usage: r.u}))
	}
	f.clock.Advance(40 * time.Minute)

	b := login(t, f.srv, "viewer").get("/budget").Body.String()
	require.Contains(t, b, `<meter id="rest-bucket" min="0" max="40" value="12.0" high="30"></meter>`)
	require.Contains(t, b, "12 of 40 requests in the bucket, leaking 2 a second")
	require.Contains(t, b, "750 of 1000 points available, 50 restored a second")
	require.Contains(t, b, "3 runs: <strong>8 REST requests</strong> (0% of the 7200 an hour gives),\n<strong>300 GraphQL points</strong> (0% of 180000);\nwaited 1.5s for budget; 2 answers said the budget was spent")
	require.Contains(t, b, `<tr data-hour-runs="1"><td>2026-11-20 07:00:00 UTC</td><td class="num">1</td><td class="num">4`)
	require.Contains(t, b, `<tr data-feed="orders"><td>orders</td><td class="num">3</td><td class="num">4</td><td class="num">0</td>`+"\n"+`<td class="num">5 / 0</td><td class="num">2.5s</td><td class="num">1</td></tr>`)
	require.Contains(t, b, `<tr data-feed="inventory"><td>inventory</td><td class="num">1</td><td class="num">0</td><td class="num">300</td>`)
	require.Contains(t, b, `<tr><td>GET orders</td><td class="num">9</td><td class="num">2</td><td class="num">0</td><td class="num">3s</td>`)
	require.Equal(t, 24, strings.Count(b, "<tr data-hour-runs=")+strings.Count(b, "<tr><td>2026-11-"), "24 hours")
}

func TestBudgetOfCountsHoursInTheStoresZone(t *testing.T) {
	t.Parallel()
	india, err := time.LoadLocation("Asia/Kolkata") // UTC+5:30: its hours start at :30 UTC
	require.NoError(t, err)
	now := time.Date(2026, 11, 20, 9, 10, 0, 0, time.UTC) // 14:40 in Kolkata
	runs := []erp.RunUsage{
		{Feed: "orders", StartedAt: time.Date(2026, 11, 20, 8, 35, 0, 0, time.UTC), Usage: passthrough.APIUsage{RESTCalls: 2}}, // 14:05 there
		{Feed: "orders", StartedAt: time.Date(2026, 11, 20, 8, 25, 0, 0, time.UTC), Usage: passthrough.APIUsage{RESTCalls: 7}}, // 13:55 there
	}
	b := BudgetOf("acme", now, india, shopify.Budget{RESTSize: 80}, runs)
	require.Len(t, b.Hours, 24)
	require.Equal(t, time.Date(2026, 11, 20, 14, 0, 0, 0, india), b.LastHour().Start)
	require.Equal(t, int64(2), b.LastHour().Usage.RESTCalls)
	require.Equal(t, int64(7), b.Hours[22].Usage.RESTCalls)
	require.Equal(t, float64(14400), b.RESTPerHour, "an advanced plan's bucket of 80 leaks 4 a second")
	require.Zero(t, b.PointsPerHour, "not known before a GraphQL query")
}

func TestMetricsCountWhatRunsCostPerFeed(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	require.NoError(t, err)
	m.ExecutionFinished(erp.Execution{Shop: "acme", Feed: "inventory", Outcome: erp.OutcomeFinished,
		Usage: passthrough.APIUsage{RESTCalls: 3, GraphQLPoints: 250, Wait: 1500 * time.Millisecond, RateLimited: 1}})
	m.ExecutionFinished(erp.Execution{Shop: "acme", Feed: "inventory", Outcome: erp.OutcomeFinished, Usage: passthrough.APIUsage{GraphQLPoints: 50}})
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP passthrough_feed_shopify_graphql_points_total Shopify GraphQL points feed runs were charged, by shop and feed.
# TYPE passthrough_feed_shopify_graphql_points_total counter
passthrough_feed_shopify_graphql_points_total{feed="inventory",shop="acme"} 300
# HELP passthrough_feed_shopify_budget_wait_seconds_total Time feed runs waited for the store's Shopify API budget, by shop and feed.
# TYPE passthrough_feed_shopify_budget_wait_seconds_total counter
passthrough_feed_shopify_budget_wait_seconds_total{feed="inventory",shop="acme"} 1.5
# HELP passthrough_feed_shopify_rate_limited_total Answers that said the store's Shopify API budget was spent (429, THROTTLED) to feed runs, by shop and feed.
# TYPE passthrough_feed_shopify_rate_limited_total counter
passthrough_feed_shopify_rate_limited_total{feed="inventory",shop="acme"} 1
# HELP passthrough_feed_shopify_rest_requests_total Shopify REST requests sent by feed runs (each takes one from the store's leaky bucket), by shop and feed.
# TYPE passthrough_feed_shopify_rest_requests_total counter
passthrough_feed_shopify_rest_requests_total{feed="inventory",shop="acme"} 3
`), "passthrough_feed_shopify_graphql_points_total", "passthrough_feed_shopify_budget_wait_seconds_total",
		"passthrough_feed_shopify_rate_limited_total", "passthrough_feed_shopify_rest_requests_total"))

}

// webhookState is a store's webhook health as the receiver would report it.
type webhookState webhooks.Health

func (w webhookState) WebhookHealth(context.Context) (webhooks.Health, error) {
	return webhooks.Health(w), nil
}
