package shopify_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/shopify"
	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
)

// fullPass is every level of a generated shop (skus tracked SKUs × locations) set to qty.
func fullPass(b *bundle, qty int) []shopify.InventoryQuantity {
	var locs []int64
	for _, l := range b.srv.Locations() {
		locs = append(locs, l.ID)
	}
	var qs []shopify.InventoryQuantity
	for _, v := range b.srv.Variants() {
		if !v.Tracked {
			continue
		}
		for _, loc := range locs {
			qs = append(qs, shopify.InventoryQuantity{InventoryItemID: v.InventoryItemID, LocationID: loc, Quantity: qty})
		}
	}
	return qs
}

// BenchmarkInventoryFullPass sets 10,000 SKUs × 3 locations under a standard plan's budget,
// once with GraphQL inventorySetQuantities in batches of 250 and once with one REST
// inventory_levels/set per level, side by side. Time is the simulated time a real store's
// budget would take (the virtual clock), not the time the benchmark took.
func BenchmarkInventoryFullPass(b *testing.B) {
	const skus, locations = 10000, 3
	gen := shopifytest.GenOptions{SKUs: skus, Locations: locations, Seed: 1}
	ctx := context.Background()
	var levels, gqlCalls, restCalls float64
	var gqlTime, dearTime, restTime time.Duration
	for b.Loop() {
		b.StopTimer()
		gql := setup(b, nil, shopifytest.WithGenerated(gen))
		// The same with a mutation that costs 10 points plus 1 per quantity (260 for a full
		// batch) instead of 10: the real cost is not documented, so show what it would change.
		dear := setup(b, nil, shopifytest.WithGenerated(gen))
		dear.srv.SetInventoryCost(10, 1)
		rest := setup(b, nil, shopifytest.WithGenerated(gen))
		b.StartTimer()

		for _, side := range []*bundle{gql, dear} {
			results, err := side.client.SetInventory(ctx, fullPass(side, 7))
			require.NoError(b, err)
			for _, r := range results {
				require.NoError(b, r.Err)
			}
			require.Zero(b, side.client.Stats().Total().TooMany+side.client.Stats().Total().Throttled)
		}
		results, err := rest.client.SetInventoryREST(ctx, fullPass(rest, 7))
		require.NoError(b, err)
		for _, r := range results {
			require.NoError(b, r.Err)
		}
		require.Zero(b, rest.client.Stats().Total().TooMany)

		levels = float64(len(results))
		gqlCalls, gqlTime = float64(gql.client.Stats().Total().Calls), gql.clock.Now().Sub(start)
		dearTime = dear.clock.Now().Sub(start)
		restCalls, restTime = float64(rest.client.Stats().Total().Calls), rest.clock.Now().Sub(start)
	}
	b.ReportMetric(levels, "levels")
	b.ReportMetric(gqlCalls, "graphql-calls")
	b.ReportMetric(gqlTime.Seconds(), "graphql-sim-s")
	b.ReportMetric(dearTime.Seconds(), "graphql-dear-sim-s")
	b.ReportMetric(restCalls, "rest-calls")
	b.ReportMetric(restTime.Seconds(), "rest-sim-s")
	b.ReportMetric(restCalls/gqlCalls, "calls-ratio")
	b.ReportMetric(restTime.Seconds()/max(dearTime.Seconds(), 1), "time-ratio-vs-dear")
}

// BenchmarkRESTPacing makes 500 REST calls against a standard plan's bucket (40, leaking
// 2 a second) on the virtual clock: the calls per simulated second achieved, overall and
// after the first burst, against the physical limit of 2.0.
func BenchmarkRESTPacing(b *testing.B) {
	const calls = 500
	var elapsed time.Duration
	var burst, tooMany int
	for b.Loop() {
		b.StopTimer()
		bb := setup(b, nil)
		b.StartTimer()
		elapsed = restCalls(b, bb, calls)
		burst, tooMany = 0, int(bb.client.Stats().Total().TooMany)
		for _, r := range bb.srv.Requests() {
			if r.Time.Equal(start) {
				burst++
			}
		}
	}
	b.ReportMetric(float64(tooMany), "429s")
	b.ReportMetric(elapsed.Seconds(), "sim-s")
	b.ReportMetric(calls/elapsed.Seconds(), "calls/sim-s")
	b.ReportMetric(float64(calls-burst)/elapsed.Seconds(), "steady-calls/sim-s")
}

// BenchmarkRESTPacingRealClock is the same against the real clock, with the bucket already
// nearly full, so every call waits for the leak: the rate a real run achieves with real
// latency. It takes about ten seconds.
func BenchmarkRESTPacingRealClock(b *testing.B) {
	const calls = 20
	var rate float64
	var tooMany int64
	for b.Loop() {
		b.StopTimer()
		bb := setup(b, func(c *shopify.Config) { c.Clock = shopify.SystemClock() }, shopifytest.WithClock(shopify.SystemClock()))
		bb.srv.SetRESTLevel(38)
		b.StartTimer()
		t0 := time.Now()
		for range calls {
			_, err := bb.client.Locations(context.Background())
			require.NoError(b, err)
		}
		rate = calls / time.Since(t0).Seconds()
		tooMany = bb.client.Stats().Total().TooMany
	}
	b.ReportMetric(float64(tooMany), "429s")
	b.ReportMetric(rate, "calls/s")
}
