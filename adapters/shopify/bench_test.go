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

// readFigures is what one catalog read cost on the store's budget.
type readFigures struct {
	calls  int64         // HTTP requests, retries and result downloads included
	points float64       // GraphQL points charged
	sim    time.Duration // simulated time: pacing, polling
	found  int           // variants in the catalog
}

// catalogClient is a client of srv on clock, with its own counts.
func catalogClient(b *testing.B, srv *shopifytest.Server, clock *shopify.VirtualClock, bulkFrom int) *shopify.Client {
	b.Helper()
	c, err := shopify.New(shopify.Config{Shop: srv.Shop, BaseURL: srv.URL, APIVersion: "2026-07", AccessToken: srv.Token,
		Clock: clock, CatalogBulkFrom: bulkFrom})
	require.NoError(b, err)
	return c
}

// measure runs read on a full budget (both buckets refilled) and says what it cost.
func measure(b *testing.B, srv *shopifytest.Server, clock *shopify.VirtualClock, c *shopify.Client, read func(context.Context) (*shopify.Catalog, error)) readFigures {
	b.Helper()
	srv.SetPlan(shopifytest.PlanStandard)
	before, at := c.Stats().Total(), clock.Now()
	cat, err := read(context.Background())
	require.NoError(b, err)
	after := c.Stats().Total()
	require.Zero(b, after.TooMany-before.TooMany+after.Throttled-before.Throttled, "paced within the budget")
	found := len(cat.Variants()) + cat.NoSKU
	return readFigures{calls: after.Calls - before.Calls, points: after.Points - before.Points, sim: clock.Now().Sub(at), found: found}
}

// catalogShop is a generated store of about n variants on a standard plan and a virtual
// clock. From 10,000 variants on it has a product of 150 variants and one of 2,000, which
// REST shows only 100 of each.
func catalogShop(b *testing.B, n int) (*shopifytest.Server, *shopify.VirtualClock) {
	b.Helper()
	gen := shopifytest.GenOptions{SKUs: n, Locations: 1, Seed: 1}
	if n >= 10000 {
		gen.SKUs, gen.LargeProducts = n-2150, []int{150, 2000}
	}
	clock := shopify.NewVirtualClock(start)
	srv := shopifytest.NewServer(shopifytest.WithClock(clock), shopifytest.WithGenerated(gen))
	b.Cleanup(srv.Close)
	return srv, clock
}

// BenchmarkCatalogRead reads the catalog of a store of 10,000 and of 100,000 variants on a
// standard plan's budget (GraphQL 2,000 points restoring 100 a second; REST 40 requests
// leaking 2 a second), starting from a full budget, on a virtual clock: the time is what a
// real store's budget would take, not what the benchmark took. Side by side, in one run:
//   - gql: the first read, GraphQL productVariants page by page (3 points a variant);
//   - bulk: the same read as one bulk operation, with the simulator's assumed speed of
//     1,000 variants a second after a 1 s start (Shopify documents none);
//   - incr: a refresh after 1 % of the variants changed (their SKU), an hour later;
//   - rest: the REST products.json read it replaces (calls, time, and the variants it
//     missed beyond the 100th of a product).
//
// crossover-variants is the smallest store, of 250 to 5,000 variants, whose whole read is
// faster as a bulk operation than in pages: the size CatalogBulkFrom defaults to.
func BenchmarkCatalogRead(b *testing.B) {
	type sizeFigures struct{ gql, bulk, incr, rest readFigures }
	sizes := []struct {
		name string
		n    int
	}{{"10k", 10000}, {"100k", 100000}}
	got := map[string]sizeFigures{}
	crossover := 0
	for b.Loop() {
		for _, size := range sizes {
			b.StopTimer()
			srv, clock := catalogShop(b, size.n)
			total := len(srv.Variants())
			b.StartTimer()
			var f sizeFigures
			paged := catalogClient(b, srv, clock, -1)
			f.gql = measure(b, srv, clock, paged, paged.Catalog)
			bulk := catalogClient(b, srv, clock, 1)
			f.bulk = measure(b, srv, clock, bulk, bulk.CatalogFull)
			rest := catalogClient(b, srv, clock, -1)
			f.rest = measure(b, srv, clock, rest, rest.CatalogREST)
			require.Equal(b, total, f.gql.found)
			require.Equal(b, total, f.bulk.found)

			b.StopTimer()
			clock.Advance(time.Hour)
			vs := srv.Variants()
			for i := 0; i < len(vs); i += 100 {
				require.NoError(b, srv.SetVariantSKU(vs[i].ID, vs[i].SKU+"-B"))
			}
			clock.Advance(time.Minute)
			b.StartTimer()
			f.incr = measure(b, srv, clock, paged, paged.Catalog)
			require.Equal(b, total, f.incr.found)
			got[size.name] = f
		}

		crossover = 0
		for _, n := range []int{250, 500, 750, 1000, 1500, 2000, 5000} {
			b.StopTimer()
			srv, clock := catalogShop(b, n)
			b.StartTimer()
			paged, bulk := catalogClient(b, srv, clock, -1), catalogClient(b, srv, clock, 1)
			if measure(b, srv, clock, bulk, bulk.CatalogFull).sim < measure(b, srv, clock, paged, paged.CatalogFull).sim {
				crossover = n
				break
			}
		}
	}
	for _, size := range sizes {
		f := got[size.name]
		b.ReportMetric(float64(f.gql.found), size.name+"-variants")
		b.ReportMetric(f.gql.points, size.name+"-gql-points")
		b.ReportMetric(f.gql.sim.Seconds(), size.name+"-gql-sim-s")
		b.ReportMetric(f.bulk.points, size.name+"-bulk-points")
		b.ReportMetric(f.bulk.sim.Seconds(), size.name+"-bulk-sim-s")
		b.ReportMetric(f.incr.points, size.name+"-incr-points")
		b.ReportMetric(f.incr.sim.Seconds(), size.name+"-incr-sim-s")
		b.ReportMetric(float64(f.rest.calls), size.name+"-rest-calls")
		b.ReportMetric(f.rest.sim.Seconds(), size.name+"-rest-sim-s")
		b.ReportMetric(float64(f.gql.found-f.rest.found), size.name+"-rest-missed")
	}
	b.ReportMetric(float64(crossover), "crossover-variants")
}
