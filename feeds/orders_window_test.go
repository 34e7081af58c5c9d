package feeds_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
	"github.com/passthrough-dev/passthrough/feeds"
)

// aheadClock is Shopify's clock running ahead of ours.
type aheadClock struct{ by time.Duration }

func (c aheadClock) Now() time.Time { return time.Now().Add(c.by) }

// A backfill without --until reads up to whatever Shopify holds when it gets there, not up
// to our clock: with Shopify's clock half a minute ahead, the orders it stamped in that
// half minute were lost before (BenchmarkBackfillMemory saw 986 and 998 of 1,000).
func TestABackfillReadsOrdersStampedAheadOfOurClock(t *testing.T) {
	t.Parallel()
	sim := shopifytest.NewServer(shopifytest.WithShop(shop), shopifytest.WithoutRateLimits(),
		shopifytest.WithClock(aheadClock{30 * time.Second}),
		shopifytest.WithGenerated(shopifytest.GenOptions{Orders: 300, SKUs: 20, Seed: 31}))
	t.Cleanup(sim.Close)
	b := newOrdersBundleOn(t, sim, sqliteStore)
	b.feed.Now = time.Now

	x, err := b.feed.Run(t.Context(), feeds.OrdersRun{Since: time.Now().Add(-40 * 24 * time.Hour), Resume: true})
	require.NoError(t, err)
	require.Equal(t, erp.OutcomeFinished, x.Outcome)
	require.Equal(t, 300, x.Counts.Seen, "every order is read once")
	require.Equal(t, b.truth(t), b.staged(t))
}
