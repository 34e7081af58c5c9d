package portal

import (
	"database/sql"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/shopify"
)

// Metrics are passthrough's own Prometheus metrics, for /metrics. The wiring makes one with
// NewMetrics and gives it to the feeds as their Observer (ExecutionFinished is called at the
// end of every run); the Shopify client's
// and the database pool's figures are read when Prometheus scrapes (RegisterShopify,
// RegisterDB), so nothing has to push them.
//
// Names follow Prometheus' conventions: passthrough_ prefix, _total for counters, _seconds
// for durations. Labels are few and bounded (the shop, feed names, outcomes), never an order
// or a SKU.
type Metrics struct {
	executions *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	records    *prometheus.CounterVec
	usage      runUsage
}

// Record outcomes counted by passthrough_feed_records_total.
const (
	RecordWritten = "written" // staged, sent
	RecordSkipped = "skipped" // info: a business rule said no
	RecordRetry   = "retry"   // will be tried again by itself
	RecordError   = "error"   // needs a person
)

// NewMetrics registers the feed metrics with reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		executions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "passthrough_feed_executions_total",
			Help: "Feed runs that ended, by shop, feed and outcome (FINISHED, FINISHED_PARTIALLY, FAILED).",
		}, []string{"shop", "feed", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "passthrough_feed_execution_duration_seconds",
			Help: "How long feed runs took, by shop and feed.",
			// From a quiet 5-minute run (well under a second) to a backfill (many minutes).
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800},
		}, []string{"shop", "feed"}),
		records: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "passthrough_feed_records_total",
			Help: "Records handled by feed runs, by shop, feed and outcome (written, skipped, retry, error).",
		}, []string{"shop", "feed", "outcome"}),
	}
	m.usage = newRunUsage()
	for _, c := range append([]prometheus.Collector{m.executions, m.duration, m.records}, m.usage.collectors()...) {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register feed metrics: %w", err)
		}
	}
	return m, nil
}

// ExecutionFinished counts one finished run: its outcome, how long it took and what
// happened to its records. It makes Metrics a feeds.Observer.
func (m *Metrics) ExecutionFinished(x erp.Execution) {
	m.executions.WithLabelValues(x.Shop, x.Feed, x.Outcome).Inc()
	m.usage.add(x)
	if !x.FinishedAt.IsZero() && !x.StartedAt.IsZero() {
		m.duration.WithLabelValues(x.Shop, x.Feed).Observe(x.FinishedAt.Sub(x.StartedAt).Seconds())
	}
	for _, r := range []struct {
		outcome string
		n       int
	}{{RecordWritten, x.Counts.Written}, {RecordSkipped, x.Counts.Skipped}, {RecordRetry, x.Counts.Retry}, {RecordError, x.Counts.Errors}} {
		if r.n > 0 {
			m.records.WithLabelValues(x.Shop, x.Feed, r.outcome).Add(float64(r.n))
		}
	}
}

// ShopifyStats are the Shopify client's running totals for one endpoint since it started.
type ShopifyStats = shopify.EndpointStats

// RegisterShopify reports the Shopify clients' totals per shop and endpoint, read from stats
// at each scrape. stats must be cheap and safe to call from any goroutine; it answers, per
// shop, the client's totals by endpoint name (a handful), which become the shop and endpoint
// labels.
func RegisterShopify(reg prometheus.Registerer, stats func() map[string]map[string]ShopifyStats) error {
	if err := reg.Register(shopifyCollector{stats: stats}); err != nil {
		return fmt.Errorf("register shopify metrics: %w", err)
	}
	return nil
}

func shopifyDesc(name, help string) *prometheus.Desc {
	return prometheus.NewDesc("passthrough_shopify_"+name, help, []string{"shop", "endpoint"}, nil)
}

var (
	shopifyCalls         = shopifyDesc("requests_total", "Requests sent to the Shopify Admin API, retries included.")
	shopifyRetries       = shopifyDesc("retries_total", "Shopify requests sent again after a failed attempt.")
	shopifyTooMany       = shopifyDesc("rate_limited_total", "429 Too Many Requests answers from Shopify.")
	shopifyThrottled     = shopifyDesc("throttled_total", "GraphQL THROTTLED answers from Shopify.")
	shopifyServerErrors  = shopifyDesc("server_errors_total", "5xx answers from Shopify.")
	shopifyNetworkErrors = shopifyDesc("network_errors_total", "Shopify requests that got no answer.")
	shopifyFailures      = shopifyDesc("failures_total", "Shopify calls that failed after their retries.")
	shopifyWait          = shopifyDesc("wait_seconds_total", "Time spent waiting for Shopify: pacing, Retry-After and back-off.")
	shopifyBudgetWait    = shopifyDesc("budget_wait_seconds_total", "Time spent waiting for the store's API budget: pacing, Retry-After after a 429, THROTTLED.")
	shopifyPoints        = shopifyDesc("graphql_points_total", "GraphQL points Shopify charged for the queries.")
)

// shopifyCollector turns the client's totals into counters at scrape time.
type shopifyCollector struct {
	stats func() map[string]map[string]ShopifyStats
}

func (shopifyCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{shopifyCalls, shopifyRetries, shopifyTooMany, shopifyThrottled,
		shopifyServerErrors, shopifyNetworkErrors, shopifyFailures, shopifyWait, shopifyBudgetWait, shopifyPoints} {
		ch <- d
	}
}

func (c shopifyCollector) Collect(ch chan<- prometheus.Metric) {
	for shop, endpoints := range c.stats() {
		c.collect(ch, shop, endpoints)
	}
}

func (shopifyCollector) collect(ch chan<- prometheus.Metric, shop string, endpoints map[string]ShopifyStats) {
	for endpoint, st := range endpoints {
		for _, m := range []struct {
			d *prometheus.Desc
			v float64
		}{
			{shopifyCalls, float64(st.Calls)}, {shopifyRetries, float64(st.Retries)},
			{shopifyTooMany, float64(st.TooMany)}, {shopifyThrottled, float64(st.Throttled)},
			{shopifyServerErrors, float64(st.ServerErrors)}, {shopifyNetworkErrors, float64(st.NetworkErrors)},
			{shopifyFailures, float64(st.Failures)}, {shopifyWait, st.Wait.Seconds()}, {shopifyBudgetWait, st.BudgetWait.Seconds()},
			{shopifyPoints, st.Points},
		} {
			ch <- prometheus.MustNewConstMetric(m.d, prometheus.CounterValue, m.v, shop, endpoint)
		}
	}
}

// RegisterDB reports the database pool's statistics (open, in use, idle connections,
// waits) as go_sql_* metrics labelled db_name=name.
func RegisterDB(reg prometheus.Registerer, db *sql.DB, name string) error {
	if err := reg.Register(collectors.NewDBStatsCollector(db, name)); err != nil {
		return fmt.Errorf("register database metrics: %w", err)
	}
	return nil
}
