package shopify_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/shopify"
	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
)

// restCalls makes n REST calls and returns when the last one ended, by the virtual clock.
func restCalls(t testing.TB, b *bundle, n int) time.Duration {
	t.Helper()
	ctx := context.Background()
	for range n {
		_, err := b.client.Locations(ctx)
		require.NoError(t, err)
	}
	return b.clock.Now().Sub(start)
}

func TestFiveHundredCallsWithPacingGetNo429(t *testing.T) {
	t.Parallel()
	b := setup(t, nil) // standard plan on both sides: 40 requests, leaking 2 a second

	elapsed := restCalls(t, b, 500)

	require.Equal(t, map[int]int{http.StatusOK: 500}, b.statuses("/locations.json"), "every call answered 200, not one 429")
	stats := b.client.Stats()["GET locations"]
	require.Equal(t, int64(500), stats.Calls)
	require.Zero(t, stats.TooMany)
	// The bucket takes 40 at once and 2 a second after: no client can do 500 in less
	// than (500 − 40) / 2 = 230 s. Pacing must not waste much more than that.
	require.GreaterOrEqual(t, elapsed, 230*time.Second)
	require.LessOrEqual(t, elapsed, 240*time.Second)
	burst := 0
	for _, r := range b.srv.Requests() {
		if r.Time.Equal(start) {
			burst++
		}
	}
	t.Logf("500 calls in %.1f simulated seconds: %.3f calls/s overall; %d sent at once, then %.3f calls/s against the 2.0/s leak",
		elapsed.Seconds(), 500/elapsed.Seconds(), burst, float64(500-burst)/elapsed.Seconds())
}

func TestWithoutPacingTheBucketOverflowsAndRetriesRecover(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *shopify.Config) { c.DisablePacing = true })

	restCalls(t, b, 100)

	got := b.statuses("/locations.json")
	require.Equal(t, 100, got[http.StatusOK], "every call succeeded in the end")
	require.Positive(t, got[http.StatusTooManyRequests], "sending blindly overflows the bucket")
	require.Equal(t, int64(got[http.StatusTooManyRequests]), b.client.Stats()["GET locations"].TooMany)
}

func TestRetryAfterIsHonouredWithItsFraction(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	b.srv.SetFaults(shopifytest.Faults{RetryAfter: 1500 * time.Millisecond})
	b.srv.Storm429(3)

	elapsed := restCalls(t, b, 1)

	stats := b.client.Stats()["GET locations"]
	require.Equal(t, int64(3), stats.TooMany)
	require.Equal(t, int64(3), stats.Retries)
	require.Equal(t, 4500*time.Millisecond, stats.Wait, "three waits of 1.5 s, not 1 s (go-shopify truncates) nor 2 s")
	require.Equal(t, 4500*time.Millisecond, elapsed)
}

func TestThirtyPercentServerErrorsAreRecovered(t *testing.T) {
	t.Parallel()
	b := setup(t, nil,
		shopifytest.WithGenerated(shopifytest.GenOptions{Orders: 300, SKUs: 40, Locations: 3, Seed: 5}),
		shopifytest.WithRandomSeed(30))
	b.srv.SetFaults(shopifytest.Faults{ServerErrorRate: 0.3})
	ctx := context.Background()

	var orders int
	require.NoError(t, b.client.OrderPages(ctx, shopify.OrderQuery{}, func(pg shopify.OrderPage) error {
		page := pg.Orders
		orders += len(page)
		return nil
	}))
	for _, id := range b.srv.OrderIDs()[:100] {
		_, err := b.client.Order(ctx, id)
		require.NoError(t, err)
		_, err = b.client.FulfillmentOrders(ctx, id)
		require.NoError(t, err)
	}
	cat, err := b.client.Catalog(ctx)
	require.NoError(t, err)
	locs, err := b.client.Locations(ctx)
	require.NoError(t, err)
	var qs []shopify.InventoryQuantity
	for _, v := range cat.Variants() {
		if v.Tracked() {
			for _, l := range locs {
				qs = append(qs, shopify.InventoryQuantity{InventoryItemID: v.InventoryItemID, LocationID: l.ID, Quantity: 11})
			}
		}
	}
	results, err := b.client.SetInventory(ctx, qs)
	require.NoError(t, err)
	for _, r := range results {
		require.NoError(t, r.Err)
	}

	require.Equal(t, 300, orders)
	total := b.client.Stats().Total()
	require.Zero(t, total.Failures, "every call succeeded in the end")
	require.Positive(t, total.ServerErrors)
	require.Equal(t, total.ServerErrors, total.Retries, "each 5xx was retried once more")
	for _, l := range b.srv.InventoryLevels() {
		if l.InventoryItemID == qs[0].InventoryItemID {
			require.Equal(t, 11, l.Available)
		}
	}
	t.Logf("%d calls, %d answered 5xx, all recovered", total.Calls, total.ServerErrors)
}

func TestLostConnectionsAreRetried(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, shopifytest.WithGenerated(shopifytest.GenOptions{Orders: 50, SKUs: 5, Seed: 5}), shopifytest.WithRandomSeed(7))
	b.srv.SetFaults(shopifytest.Faults{DropRate: 0.3})
	for _, id := range b.srv.OrderIDs() {
		_, err := b.client.Order(context.Background(), id)
		require.NoError(t, err)
	}
	stats := b.client.Stats()["GET orders/{id}"]
	require.Positive(t, stats.NetworkErrors)
	require.Zero(t, stats.Failures)
}

func TestGraphQLCostIsPacedAndThrottlingWaitedOut(t *testing.T) {
	t.Parallel()
	quantities := func(s *smallShop) []shopify.InventoryQuantity {
		var qs []shopify.InventoryQuantity
		for i := range 3 { // three calls of one quantity each
			qs = append(qs, shopify.InventoryQuantity{InventoryItemID: s.itemX, LocationID: s.locB, Quantity: i})
		}
		return qs
	}
	one := func(t *testing.T, s *smallShop) {
		t.Helper()
		for _, q := range quantities(s) {
			res, err := s.client.SetInventory(context.Background(), []shopify.InventoryQuantity{q})
			require.NoError(t, err)
			require.NoError(t, res[0].Err)
		}
	}

	t.Run("with pacing the client waits for the points instead of being throttled", func(t *testing.T) {
		t.Parallel()
		s := newSmallShop(t, nil)
		s.srv.SetGraphQLLimit(25, 10) // two mutations fit, the third needs half a second
		one(t, s)
		stats := s.client.Stats()["POST graphql"]
		require.Zero(t, stats.Throttled)
		require.Equal(t, int64(3), stats.Calls)
		require.Equal(t, 500*time.Millisecond, stats.Wait)
	})
	t.Run("without pacing a THROTTLED answer is waited out and repeated", func(t *testing.T) {
		t.Parallel()
		s := newSmallShop(t, func(c *shopify.Config) { c.DisablePacing = true })
		s.srv.SetGraphQLLimit(25, 10)
		one(t, s)
		stats := s.client.Stats()["POST graphql"]
		require.Equal(t, int64(1), stats.Throttled)
		require.Equal(t, int64(4), stats.Calls)
		level, _ := s.srv.InventoryLevel(s.itemX, s.locB)
		require.Equal(t, 2, level)
	})
}

func TestTheBucketSizeFollowsTheStore(t *testing.T) {
	t.Parallel()
	// The client thinks standard; the store is on Plus (400, 20/s): the header says so.
	b := setup(t, nil, shopifytest.WithPlan(shopifytest.PlanPlus))
	elapsed := restCalls(t, b, 420)
	require.Equal(t, map[int]int{http.StatusOK: 420}, b.statuses("/locations.json"))
	require.Less(t, elapsed, 5*time.Second, "a standard budget would have taken over three minutes")
}
