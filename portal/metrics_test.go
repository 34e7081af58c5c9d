package portal

import (
	"database/sql"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/feeds"
)

var _ feeds.Observer = (*Metrics)(nil)

// gathered returns the value of every sample of the registry by metric name and labels.
func gathered(t *testing.T, g prometheus.Gatherer) map[string]float64 {
	t.Helper()
	fams, err := g.Gather()
	require.NoError(t, err)
	out := map[string]float64{}
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			key := f.GetName()
			for _, l := range m.GetLabel() {
				key += "," + l.GetName() + "=" + l.GetValue()
			}
			switch {
			case m.Counter != nil:
				out[key] = m.GetCounter().GetValue()
			case m.Gauge != nil:
				out[key] = m.GetGauge().GetValue()
			case m.Histogram != nil:
				out[key+",count"] = float64(m.GetHistogram().GetSampleCount())
				out[key+",sum"] = m.GetHistogram().GetSampleSum()
			}
		}
	}
	return out
}

func TestMetrics(t *testing.T) {
	t.Parallel()

	t.Run("a finished run counts its outcome, its duration and its records", func(t *testing.T) {
		reg := prometheus.NewRegistry()
		m, err := NewMetrics(reg)
		require.NoError(t, err)
		start := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
		m.ExecutionFinished(erp.Execution{Shop: "acme", Feed: "orders", Outcome: erp.OutcomeFinishedPartially, StartedAt: start, FinishedAt: start.Add(1500 * time.Millisecond),
			Counts: erp.ExecutionCounts{Seen: 10, Written: 7, Skipped: 1, Retry: 1, Errors: 1}})
		m.ExecutionFinished(erp.Execution{Shop: "acme", Feed: "orders", Outcome: erp.OutcomeFinished, StartedAt: start, FinishedAt: start.Add(500 * time.Millisecond),
			Counts: erp.ExecutionCounts{Seen: 2, Written: 2}})
		m.ExecutionFinished(erp.Execution{Shop: "globex", Feed: "orders", Outcome: erp.OutcomeFinished, StartedAt: start, FinishedAt: start.Add(time.Second),
			Counts: erp.ExecutionCounts{Seen: 4, Written: 4}})
		got := gathered(t, reg)
		require.Equal(t, 1.0, got["passthrough_feed_executions_total,feed=orders,outcome=FINISHED_PARTIALLY,shop=acme"])
		require.Equal(t, 1.0, got["passthrough_feed_executions_total,feed=orders,outcome=FINISHED,shop=acme"])
		require.Equal(t, 1.0, got["passthrough_feed_executions_total,feed=orders,outcome=FINISHED,shop=globex"], "every store counts apart")
		require.Equal(t, 2.0, got["passthrough_feed_execution_duration_seconds,feed=orders,shop=acme,count"])
		require.InDelta(t, 2.0, got["passthrough_feed_execution_duration_seconds,feed=orders,shop=acme,sum"], 1e-9)
		require.Equal(t, 9.0, got["passthrough_feed_records_total,feed=orders,outcome=written,shop=acme"])
		require.Equal(t, 4.0, got["passthrough_feed_records_total,feed=orders,outcome=written,shop=globex"])
		require.Equal(t, 1.0, got["passthrough_feed_records_total,feed=orders,outcome=skipped,shop=acme"])
		require.Equal(t, 1.0, got["passthrough_feed_records_total,feed=orders,outcome=retry,shop=acme"])
		require.Equal(t, 1.0, got["passthrough_feed_records_total,feed=orders,outcome=error,shop=acme"])
	})

	t.Run("registering twice on one registry is an error, not a panic", func(t *testing.T) {
		reg := prometheus.NewRegistry()
		_, err := NewMetrics(reg)
		require.NoError(t, err)
		_, err = NewMetrics(reg)
		require.ErrorContains(t, err, "register feed metrics")
	})

	t.Run("Shopify's totals are read per endpoint at each scrape", func(t *testing.T) {
		reg := prometheus.NewRegistry()
		var calls atomic.Int64
		require.NoError(t, RegisterShopify(reg, func() map[string]map[string]ShopifyStats {
			return map[string]map[string]ShopifyStats{
				"acme": {
					"orders":    {Calls: calls.Load(), Retries: 2, TooMany: 1, ServerErrors: 1, Wait: 1500 * time.Millisecond},
					"inventory": {Calls: 3, Throttled: 1, NetworkErrors: 1, Failures: 1, Points: 752},
				},
				"globex": {"orders": {Calls: 5}},
			}
		}))
		calls.Store(40)
		got := gathered(t, reg)
		require.Equal(t, 40.0, got["passthrough_shopify_requests_total,endpoint=orders,shop=acme"])
		require.Equal(t, 2.0, got["passthrough_shopify_retries_total,endpoint=orders,shop=acme"])
		require.Equal(t, 1.0, got["passthrough_shopify_rate_limited_total,endpoint=orders,shop=acme"])
		require.Equal(t, 1.0, got["passthrough_shopify_server_errors_total,endpoint=orders,shop=acme"])
		require.Equal(t, 1.5, got["passthrough_shopify_wait_seconds_total,endpoint=orders,shop=acme"])
		require.Equal(t, 3.0, got["passthrough_shopify_requests_total,endpoint=inventory,shop=acme"])
		require.Equal(t, 1.0, got["passthrough_shopify_throttled_total,endpoint=inventory,shop=acme"])
		require.Equal(t, 1.0, got["passthrough_shopify_network_errors_total,endpoint=inventory,shop=acme"])
		require.Equal(t, 1.0, got["passthrough_shopify_failures_total,endpoint=inventory,shop=acme"])
		require.Equal(t, 752.0, got["passthrough_shopify_graphql_points_total,endpoint=inventory,shop=acme"])
		require.Equal(t, 5.0, got["passthrough_shopify_requests_total,endpoint=orders,shop=globex"], "every store's client apart")
		calls.Store(41)
		require.Equal(t, 41.0, gathered(t, reg)["passthrough_shopify_requests_total,endpoint=orders,shop=acme"])
	})

	t.Run("the database pool is reported", func(t *testing.T) {
		reg := prometheus.NewRegistry()
		st := newStore(t)
		var db *sql.DB = st.DB()
		require.NoError(t, RegisterDB(reg, db, "erp"))
		got := gathered(t, reg)
		_, ok := got["go_sql_open_connections,db_name=erp"]
		require.True(t, ok, "go_sql_open_connections is exported: %v", got)
	})

	t.Run("/metrics serves the registry to a viewer or to the scrape token, and nobody else", func(t *testing.T) {
		reg := prometheus.NewRegistry()
		m, err := NewMetrics(reg)
		require.NoError(t, err)
		m.ExecutionFinished(erp.Execution{Shop: testShop, Feed: "inventory", Outcome: erp.OutcomeFailed})
		f := newFixture(t, func(d *Deps) { d.Metrics = reg; d.MetricsToken = []byte("scrape-secret") })
		const want = `passthrough_feed_executions_total{feed="inventory",outcome="FAILED",shop="acme"} 1`

		rec := login(t, f.srv, "viewer").get("/metrics")
		require.Equal(t, http.StatusOK, rec.Code)
		require.Contains(t, rec.Body.String(), want)

		rec = newClient(t, f.srv).get("/metrics", "Authorization", "Bearer scrape-secret")
		require.Equal(t, http.StatusOK, rec.Code)
		require.Contains(t, rec.Body.String(), want)

		for _, h := range []string{"", "Bearer wrong", "Bearer ", "scrape-secret", "Basic scrape-secret"} {
			rec = newClient(t, f.srv).get("/metrics", "Authorization", h)
			require.Equal(t, http.StatusSeeOther, rec.Code, "Authorization: %q", h)
			require.Equal(t, "/login?next=%2Fmetrics", rec.Header().Get("Location"))
		}
		noToken := newFixture(t, func(d *Deps) { d.Metrics = reg })
		rec = newClient(t, noToken.srv).get("/metrics", "Authorization", "Bearer ")
		require.Equal(t, http.StatusSeeOther, rec.Code, "no token configured: an empty one lets nobody in")
	})

	t.Run("without a gatherer there is no /metrics", func(t *testing.T) {
		f := newFixture(t, func(d *Deps) { d.Metrics = nil })
		require.Equal(t, http.StatusNotFound, newClient(t, f.srv).get("/metrics").Code)
	})
}
