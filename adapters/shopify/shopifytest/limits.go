package shopifytest

import (
	"time"
)

// Plan is the API budget of a Shopify plan: the REST leaky bucket (requests) and the
// GraphQL cost bucket (points). Figures from shared/reference/shopify-api.md §3.
type Plan struct {
	Name           string
	RESTBucket     int     // requests the bucket holds
	RESTLeak       float64 // requests leaked per second
	GraphQLMax     float64 // points the bucket holds
	GraphQLRestore float64 // points restored per second
}

// The plans Shopify documents. The GraphQL bucket of a standard shop is the one seen in
// captured responses (2000 points, 100/s); the others scale the same way.
var (
	PlanStandard = Plan{Name: "standard", RESTBucket: 40, RESTLeak: 2, GraphQLMax: 2000, GraphQLRestore: 100}
	PlanAdvanced = Plan{Name: "advanced", RESTBucket: 80, RESTLeak: 4, GraphQLMax: 4000, GraphQLRestore: 200}
	PlanPlus     = Plan{Name: "plus", RESTBucket: 400, RESTLeak: 20, GraphQLMax: 20000, GraphQLRestore: 1000}
)

// PlanByName returns the plan called name (standard, advanced, plus).
func PlanByName(name string) (Plan, bool) {
	for _, p := range []Plan{PlanStandard, PlanAdvanced, PlanPlus} {
		if p.Name == name {
			return p, true
		}
	}
	return Plan{}, false
}

// restBucket is Shopify's REST leaky bucket: each request adds one, the bucket leaks at a
// fixed rate, and a request that would overflow it is answered 429.
type restBucket struct {
	size  int // 0: no limit
	leak  float64
	level float64
	at    time.Time
}

func newRESTBucket(p Plan, off bool) restBucket {
	if off {
		return restBucket{}
	}
	return restBucket{size: p.RESTBucket, leak: p.RESTLeak}
}

func (b *restBucket) drain(now time.Time) {
	if now.After(b.at) {
		if !b.at.IsZero() {
			b.level -= now.Sub(b.at).Seconds() * b.leak
			if b.level < 0 {
				b.level = 0
			}
		}
		b.at = now
	}
}

// take charges one request. It returns whether the request may go on, the bucket's level
// afterwards, its size (0 when there is no limit) and, when refused, how long until one
// request fits.
func (b *restBucket) take(now time.Time) (ok bool, level float64, size int, retry time.Duration) {
	if b.size == 0 {
		return true, 0, 0, 0
	}
	b.drain(now)
	if b.level+1 > float64(b.size)+1e-9 {
		wait := (b.level + 1 - float64(b.size)) / b.leak
		return false, b.level, b.size, time.Duration(wait * float64(time.Second))
	}
	b.level++
	return true, b.level, b.size, 0
}

// costBucket is the GraphQL budget: each query costs points, points restore at a fixed
// rate, and a query costing more than is available is THROTTLED.
type costBucket struct {
	max     float64 // 0: no limit
	restore float64
	avail   float64
	at      time.Time
}

func newCostBucket(p Plan, off bool, now time.Time) costBucket {
	if off {
		return costBucket{}
	}
	return costBucket{max: p.GraphQLMax, restore: p.GraphQLRestore, avail: p.GraphQLMax, at: now}
}

func (b *costBucket) refill(now time.Time) {
	if now.After(b.at) {
		b.avail += now.Sub(b.at).Seconds() * b.restore
		if b.avail > b.max {
			b.avail = b.max
		}
		b.at = now
	}
}

// take charges cost points when they are available.
func (b *costBucket) take(now time.Time, cost float64) bool {
	if b.max == 0 {
		return true
	}
	b.refill(now)
	if cost > b.avail {
		return false
	}
	b.avail -= cost
	return true
}

// refund gives back points charged and not used.
func (b *costBucket) refund(points float64) {
	if b.max == 0 || points <= 0 {
		return
	}
	b.avail = min(b.max, b.avail+points)
}

// status is the throttleStatus Shopify reports in extensions.cost.
func (b *costBucket) status() map[string]any {
	max, avail, restore := b.max, b.avail, b.restore
	if max == 0 { // no limit: report a bucket that is always full
		max, avail, restore = 1e9, 1e9, 1e9
	}
	return map[string]any{"maximumAvailable": max, "currentlyAvailable": int(avail), "restoreRate": restore}
}

// SetPlan switches both budgets to those of p while the server runs.
func (s *Server) SetPlan(p Plan) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rest = newRESTBucket(p, false)
	s.gql = newCostBucket(p, false, s.clock.Now())
}

// SetRESTLimit sets the REST bucket's size and leak rate (requests per second) while the
// server runs; size 0 switches the REST limit off. The bucket starts empty.
func (s *Server) SetRESTLimit(size int, leakPerSecond float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if size <= 0 || leakPerSecond <= 0 {
		s.rest = restBucket{}
		return
	}
	s.rest = restBucket{size: size, leak: leakPerSecond}
}

// SetRESTLevel fills the REST bucket to n requests, as if other calls had just been made.
func (s *Server) SetRESTLevel(n float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rest.level, s.rest.at = n, s.clock.Now()
}

// SetGraphQLLimit sets the GraphQL bucket (points and points restored per second) while
// the server runs; max 0 switches the GraphQL limit off. The bucket starts full.
func (s *Server) SetGraphQLLimit(max, restorePerSecond float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if max <= 0 || restorePerSecond <= 0 {
		s.gql = costBucket{}
		return
	}
	s.gql = costBucket{max: max, restore: restorePerSecond, avail: max, at: s.clock.Now()}
}

// SetRateLimitsOff switches both budgets off.
func (s *Server) SetRateLimitsOff() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rest, s.gql = restBucket{}, costBucket{}
}
