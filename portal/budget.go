package portal

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/shopify"
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

// Budget is one store's Shopify API budget: how full its buckets are now, and what the feed
// runs cost of it per hour and per feed over the last day — from the runs every replica
// recorded, since the budget is the store's, whichever process spends it. BudgetOf builds
// it; the budget page and the dashboard show it.
type Budget struct {
	Shop string
	At   time.Time
	// Now is the buckets as this process last saw them (zero parts before any call).
	Now shopify.Budget
	// RESTPerHour and PointsPerHour are what the store gives in an hour: the REST bucket
	// leaks a twentieth of its size each second; GraphQL restores its restore rate (known
	// after the first query; 0 before).
	RESTPerHour, PointsPerHour float64
	// Hours are the last 24 hours, oldest first, each starting on the hour in the store's
	// zone; the last one is the hour under way.
	Hours []BudgetHour
	// Feeds are the feeds that ran in the last 24 hours, by name.
	Feeds []FeedBudget
	// Process is this process's calls since it started, by endpoint (also in /metrics).
	Process shopify.Stats
}

// BudgetHour is what the runs started in one hour cost.
type BudgetHour struct {
	Start time.Time
	Runs  int
	Usage passthrough.APIUsage
}

// FeedBudget is what one feed's runs cost over the last 24 hours.
type FeedBudget struct {
	Feed  string
	Runs  int
	Usage passthrough.APIUsage
	// Most is the most any one run took of each part.
	Most passthrough.APIUsage
}

// PerRun is the average run's cost.
func (f FeedBudget) PerRun() passthrough.APIUsage {
	if f.Runs == 0 {
		return passthrough.APIUsage{}
	}
	n := int64(f.Runs)
	return passthrough.APIUsage{RESTCalls: f.Usage.RESTCalls / n, GraphQLPoints: f.Usage.GraphQLPoints / n,
		Wait: f.Usage.Wait / time.Duration(n), RateLimited: f.Usage.RateLimited / n}
}

// LastHour is the hour under way.
func (b Budget) LastHour() BudgetHour {
	if len(b.Hours) == 0 {
		return BudgetHour{}
	}
	return b.Hours[len(b.Hours)-1]
}

// RESTShare and PointsShare are the parts of an hour's budget the hour under way has used
// so far, in percent (0 when the budget is not known).
func (b Budget) RESTShare() int { return share(float64(b.LastHour().Usage.RESTCalls), b.RESTPerHour) }

func (b Budget) PointsShare() int {
	return share(float64(b.LastHour().Usage.GraphQLPoints), b.PointsPerHour)
}

func share(used, of float64) int {
	if of <= 0 {
		return 0
	}
	return int(used / of * 100)
}

// BudgetOf adds up what runs cost, by hour (in loc) and by feed, over the 24 hours before
// now; runs started earlier are left out.
func BudgetOf(shop string, now time.Time, loc *time.Location, buckets shopify.Budget, runs []erp.RunUsage) Budget {
	b := Budget{Shop: shop, At: now, Now: buckets, RESTPerHour: buckets.RESTSize / 20 * 3600, PointsPerHour: buckets.GraphQLRestore * 3600}
	hours := hourBounds(now, loc, 24) // whole hours of the store's clock, half-hour zones included
	first := hours[0]
	for _, start := range hours[:24] {
		b.Hours = append(b.Hours, BudgetHour{Start: start})
	}
	feeds := map[string]*FeedBudget{}
	for _, r := range runs {
		if r.StartedAt.Before(first) || r.StartedAt.After(now) {
			continue
		}
		h := &b.Hours[int(r.StartedAt.Sub(first)/time.Hour)]
		h.Runs++
		h.Usage.Add(r.Usage)
		f := feeds[r.Feed]
		if f == nil {
			f = &FeedBudget{Feed: r.Feed}
			feeds[r.Feed] = f
		}
		f.Runs++
		f.Usage.Add(r.Usage)
		f.Most.RESTCalls = max(f.Most.RESTCalls, r.Usage.RESTCalls)
		f.Most.GraphQLPoints = max(f.Most.GraphQLPoints, r.Usage.GraphQLPoints)
		f.Most.Wait = max(f.Most.Wait, r.Usage.Wait)
		f.Most.RateLimited = max(f.Most.RateLimited, r.Usage.RateLimited)
	}
	for _, f := range feeds {
		b.Feeds = append(b.Feeds, *f)
	}
	slices.SortFunc(b.Feeds, func(x, y FeedBudget) int { return strings.Compare(x.Feed, y.Feed) })
	return b
}

// budget reads a store's budget now.
func (s *Server) budget(ctx context.Context, st *Store) (Budget, error) {
	now := s.now()
	runs, err := s.d.Ledger.ExecutionUsageList(ctx, st.Shop, now.Add(-25*time.Hour))
	if err != nil {
		return Budget{}, fmt.Errorf("list run usage: %w", err)
	}
	var buckets shopify.Budget
	if st.Shopify != nil {
		buckets = st.Shopify.Budget()
	}
	b := BudgetOf(st.Shop, now, st.Location, buckets, runs)
	if st.Shopify != nil {
		b.Process = st.Shopify.Stats()
	}
	return b, nil
}

// RESTLeak is how many requests the REST bucket leaks a second (a twentieth of its size).
func (b Budget) RESTLeak() float64 { return b.Now.RESTSize / 20 }

// RESTHigh is where the bucket starts to be full: past it, pacing makes calls wait.
func (b Budget) RESTHigh() float64 { return b.Now.RESTSize * 3 / 4 }

// PointsLow is where GraphQL's points start to run low.
func (b Budget) PointsLow() float64 { return b.Now.GraphQLMax / 4 }

type budgetData struct {
	Budget Budget
	// Endpoints are the process's calls, by endpoint name.
	Endpoints []endpointStats
	Wired     bool
}

type endpointStats struct {
	Name  string
	Stats shopify.EndpointStats
}

func (s *Server) budgetPage(c *echo.Context) error {
	st := storeOf(c)
	b, err := s.budget(c.Request().Context(), st)
	if err != nil {
		return err
	}
	data := budgetData{Budget: b, Wired: st.Shopify != nil}
	for ep, st := range b.Process {
		data.Endpoints = append(data.Endpoints, endpointStats{Name: ep, Stats: st})
	}
	slices.SortFunc(data.Endpoints, func(x, y endpointStats) int { return strings.Compare(x.Name, y.Name) })
	return s.render(c, http.StatusOK, "budget", "API budget", data)
}
