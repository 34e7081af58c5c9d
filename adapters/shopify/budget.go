package shopify

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/passthrough-dev/passthrough"
)

// Meter adds up what the calls made under one context cost of the store's budget
// (passthrough.APIUsage): a feed run puts one in its context with WithMeter and records
// what it says when the run ends, so each run's cost is known even when runs of several
// feeds share one Client at once. It is safe for concurrent use.
type Meter struct {
	mu sync.Mutex
	u  passthrough.APIUsage
}

type meterKey struct{}

// WithMeter returns a context whose calls m counts (besides the Client's own Stats).
func WithMeter(ctx context.Context, m *Meter) context.Context {
	return context.WithValue(ctx, meterKey{}, m)
}

func meterFrom(ctx context.Context) *Meter {
	m, _ := ctx.Value(meterKey{}).(*Meter)
	return m
}

// Usage is what the calls counted so far cost.
func (m *Meter) Usage() passthrough.APIUsage {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.u
}

func (m *Meter) add(u passthrough.APIUsage) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.u.Add(u)
}

// Budget is the store's API budget as the client last saw it.
type Budget struct {
	// RESTUsed and RESTSize are the REST leaky bucket: requests in it now (estimated from
	// the last X-Shopify-Shop-Api-Call-Limit header, leaked since) and how many it holds.
	RESTUsed, RESTSize float64
	// RESTSeen is when Shopify last reported the bucket; zero before the first REST answer.
	RESTSeen time.Time
	// GraphQLAvailable, GraphQLMax and GraphQLRestore are GraphQL's points now (estimated
	// from the last throttleStatus, restored since), the most there can be, and how many
	// come back each second.
	GraphQLAvailable, GraphQLMax, GraphQLRestore float64
	// GraphQLSeen is when Shopify last reported the points; zero before the first query.
	GraphQLSeen time.Time
}

// Budget says how full the store's buckets are now, as far as the client knows.
func (c *Client) Budget() Budget { return c.tr.pacer.budget(c.clock.Now()) }

func (p *pacer) budget(now time.Time) Budget {
	p.mu.Lock()
	defer p.mu.Unlock()
	b := Budget{RESTSize: p.size, RESTSeen: p.at}
	if !p.at.IsZero() {
		b.RESTUsed = p.levelAt(now)
	}
	if p.gKnown {
		b.GraphQLMax, b.GraphQLRestore, b.GraphQLSeen = p.gMax, p.gRestore, p.gAt
		b.GraphQLAvailable = math.Min(p.gMax, p.gAvail+now.Sub(p.gAt).Seconds()*p.gRestore)
	}
	return b
}
