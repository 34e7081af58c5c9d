package shopify

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Plan is a store's REST budget: a leaky bucket of Bucket requests that leaks
// LeakPerSecond. Shopify reports the bucket in every answer; the leak rate it does not
// report, so it comes from the plan.
type Plan struct {
	Name          string
	Bucket        int
	LeakPerSecond float64
}

// The plans' REST budgets (shared/reference/shopify-api.md §3).
var (
	PlanStandard = Plan{Name: "standard", Bucket: 40, LeakPerSecond: 2}
	PlanAdvanced = Plan{Name: "advanced", Bucket: 80, LeakPerSecond: 4}
	PlanPlus     = Plan{Name: "plus", Bucket: 400, LeakPerSecond: 20}
)

// PlanByName returns the plan called name; "" is standard.
func PlanByName(name string) (Plan, error) {
	switch name {
	case "", "standard":
		return PlanStandard, nil
	case "advanced":
		return PlanAdvanced, nil
	case "plus":
		return PlanPlus, nil
	}
	return Plan{}, fmt.Errorf("plan %q is not one of standard, advanced, plus", name)
}

// pacer keeps the client inside the store's budget. For REST it mirrors the leaky bucket
// from the X-Shopify-Shop-Api-Call-Limit header and waits before a request would come
// close to filling it; for GraphQL it mirrors the cost bucket from
// extensions.cost.throttleStatus and waits until the last query's cost is available. Both
// estimates only err on the full side: the level is read when the answer arrives, after
// the server counted the request, and leaks from then on.
type pacer struct {
	mu  sync.Mutex
	off bool

	size     float64 // REST bucket size
	leak     float64 // REST requests leaked per second
	headroom float64 // slots kept free, for clock skew and other clients of the same app
	level    float64 // REST level at `at`
	at       time.Time

	gKnown   bool
	gMax     float64
	gAvail   float64
	gRestore float64
	gAt      time.Time
	gCost    float64 // the cost of the last GraphQL query: what the next one is expected to cost
}

func newPacer(p Plan, off bool) *pacer {
	return &pacer{off: off, size: float64(p.Bucket), leak: p.LeakPerSecond, headroom: headroomFor(float64(p.Bucket))}
}

func headroomFor(size float64) float64 { return math.Max(1, math.Floor(size/20)) }

// restDelay is how long to wait before the next REST request.
func (p *pacer) restDelay(now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.off || p.size == 0 {
		return 0
	}
	level := p.levelAt(now)
	limit := p.size - p.headroom
	if level+1 <= limit {
		return 0
	}
	return seconds((level + 1 - limit) / p.leak)
}

func (p *pacer) levelAt(now time.Time) float64 {
	if p.at.IsZero() {
		return p.level
	}
	return math.Max(0, p.level-now.Sub(p.at).Seconds()*p.leak)
}

// observeREST reads an X-Shopify-Shop-Api-Call-Limit header ("32/40").
func (p *pacer) observeREST(header string, now time.Time) {
	used, size, ok := parseCallLimit(header)
	if !ok {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if size != p.size && size > 0 {
		// The store's bucket is not the configured plan's: every plan leaks a twentieth of
		// its bucket per second (40/2, 80/4, 400/20), so follow the store.
		p.size, p.leak, p.headroom = size, size/20, headroomFor(size)
	}
	p.level, p.at = used, now
}

// observeFull records that the bucket was full (a 429).
func (p *pacer) observeFull(now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.level, p.at = p.size, now
}

func parseCallLimit(h string) (used, size float64, ok bool) {
	a, b, found := strings.Cut(strings.TrimSpace(h), "/")
	if !found {
		return 0, 0, false
	}
	u, err1 := strconv.ParseFloat(a, 64)
	s, err2 := strconv.ParseFloat(b, 64)
	return u, s, err1 == nil && err2 == nil
}

// gqlDelay is how long to wait before the next GraphQL query.
func (p *pacer) gqlDelay(now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.off || !p.gKnown || p.gRestore <= 0 {
		return 0
	}
	avail := math.Min(p.gMax, p.gAvail+now.Sub(p.gAt).Seconds()*p.gRestore)
	if avail >= p.gCost {
		return 0
	}
	return seconds((p.gCost - avail) / p.gRestore)
}

// throttleStatus is extensions.cost of a GraphQL answer.
type throttleStatus struct {
	RequestedQueryCost float64  `json:"requestedQueryCost"`
	ActualQueryCost    *float64 `json:"actualQueryCost"`
	ThrottleStatus     struct {
		MaximumAvailable   float64 `json:"maximumAvailable"`
		CurrentlyAvailable float64 `json:"currentlyAvailable"`
		RestoreRate        float64 `json:"restoreRate"`
	} `json:"throttleStatus"`
}

func (p *pacer) observeGraphQL(c throttleStatus, now time.Time) {
	if c.ThrottleStatus.RestoreRate <= 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.gKnown = true
	p.gMax, p.gAvail, p.gRestore, p.gAt = c.ThrottleStatus.MaximumAvailable, c.ThrottleStatus.CurrentlyAvailable, c.ThrottleStatus.RestoreRate, now
	p.gCost = c.RequestedQueryCost
}

// throttledWait is how long a THROTTLED query must wait for its cost to be available.
func throttledWait(c throttleStatus) time.Duration {
	r := c.ThrottleStatus.RestoreRate
	if r <= 0 {
		return time.Second
	}
	return max(seconds((c.RequestedQueryCost-c.ThrottleStatus.CurrentlyAvailable)/r), 100*time.Millisecond)
}

func seconds(s float64) time.Duration {
	return time.Duration(math.Ceil(s * float64(time.Second)))
}
