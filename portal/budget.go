package portal

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/passthrough-dev/passthrough/adapters/erp"
)

// runUsage counts what feed runs cost of their store's Shopify API budget, by shop and feed,
// for /metrics: the rate of these counters is the budget a feed uses per hour.
type runUsage struct {
	restCalls, points, wait, limited *prometheus.CounterVec
}

func newRunUsage() runUsage {
	vec := func(name, help string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: "passthrough_feed_shopify_" + name, Help: help}, []string{"shop", "feed"})
	}
	return runUsage{
		restCalls: vec("rest_requests_total", "Shopify REST requests sent by feed runs (each takes one from the store's leaky bucket), by shop and feed."),
		points:    vec("graphql_points_total", "Shopify GraphQL points feed runs were charged, by shop and feed."),
		wait:      vec("budget_wait_seconds_total", "Time feed runs waited for the store's Shopify API budget, by shop and feed."),
		limited:   vec("rate_limited_total", "Answers that said the store's Shopify API budget was spent (429, THROTTLED) to feed runs, by shop and feed."),
	}
}

func (u runUsage) collectors() []prometheus.Collector {
	return []prometheus.Collector{u.restCalls, u.points, u.wait, u.limited}
}

func (u runUsage) add(x erp.Execution) {
	u.restCalls.WithLabelValues(x.Shop, x.Feed).Add(float64(x.Usage.RESTCalls))
	u.points.WithLabelValues(x.Shop, x.Feed).Add(float64(x.Usage.GraphQLPoints))
	u.wait.WithLabelValues(x.Shop, x.Feed).Add(x.Usage.Wait.Seconds())
	u.limited.WithLabelValues(x.Shop, x.Feed).Add(float64(x.Usage.RateLimited))
}
