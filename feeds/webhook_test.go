package feeds_test

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
	"github.com/passthrough-dev/passthrough/feeds"
	"github.com/passthrough-dev/passthrough/ledger"
	"github.com/passthrough-dev/passthrough/record"
)

// payload is the order as Shopify holds it now, as a webhook would carry it.
func (b *ordersBundle) payload(t *testing.T, id int64) record.RawOrder {
	t.Helper()
	raw, ok := b.sim.Order(id)
	require.True(t, ok)
	return record.ReadOrder(raw)
}

func (b *ordersBundle) unpaid(t *testing.T) int64 {
	return b.findOrder(t, func(o map[string]any) bool {
		return o["financial_status"] == "pending" && o["test"] == false && o["cancelled_at"] == nil
	})
}

func (b *ordersBundle) events(t *testing.T, id int64) []ledger.Event {
	t.Helper()
	evs, err := b.store.LedgerEventList(t.Context(), shop, id)
	require.NoError(t, err)
	return evs
}

func TestAnOrderAWebhookBroughtIsNotStagedAgainByTheRun(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, open storeOpener) {
		b := newOrdersBundle(t, open, shopifytest.GenOptions{Orders: 80, SKUs: 20, Seed: 5})
		id := b.unpaid(t)
		require.NoError(t, b.sim.PayOrder(id))

		written, err := b.feed.Handle(t.Context(), b.payload(t, id))
		require.NoError(t, err)
		require.True(t, written)
		e := b.ledger(t, id)
		require.Equal(t, ledger.StatusStaged, e.Status)
		require.Zero(t, e.RunID, "no run wrote it")

		written, err = b.feed.Handle(t.Context(), b.payload(t, id))
		require.NoError(t, err)
		require.False(t, written, "the same order again is nothing new")

		x := b.run(t)
		require.Equal(t, len(b.truth(t))-1, x.Counts.Written, "the run stages every other order, not this one")
		require.Equal(t, b.truth(t), b.staged(t))
		require.Zero(t, b.ledger(t, id).RunID, "the run found nothing new in it")
		require.Len(t, b.events(t, id), 1, "staged once")
	})
}

func TestAnOlderVersionOfAnOrderChangesNothing(t *testing.T) {
	t.Parallel()
	b := newOrdersBundle(t, sqliteStore, shopifytest.GenOptions{Orders: 60, SKUs: 20, Seed: 9})
	id := b.unpaid(t)
	older := b.payload(t, id)
	require.NoError(t, b.sim.PayOrder(id))
	newer := b.payload(t, id)
	require.True(t, older.UpdatedAt.Before(newer.UpdatedAt))

	written, err := b.feed.Handle(t.Context(), newer)
	require.NoError(t, err)
	require.True(t, written)
	staged := b.ledger(t, id)

	// The unpaid version comes late (a webhook retried, a page read before the payment).
	written, err = b.feed.Handle(t.Context(), older)
	require.NoError(t, err)
	require.False(t, written)
	after := b.ledger(t, id)
	require.Equal(t, staged.Status, after.Status)
	require.Empty(t, after.Problem, "no problem is made up out of the old version")
	require.Equal(t, newer.UpdatedAt.UTC(), after.ShopifyUpdatedAt)
	require.Equal(t, staged.UpdatedAt, after.UpdatedAt, "the entry is not written at all")
	require.Len(t, b.events(t, id), 1)
}

func TestRefreshHandlesTheOrderShopifyHoldsNow(t *testing.T) {
	t.Parallel()
	b := newOrdersBundle(t, sqliteStore, shopifytest.GenOptions{Orders: 40, SKUs: 20, Seed: 13})
	id := b.unpaid(t)
	require.NoError(t, b.sim.PayOrder(id))
	written, err := b.feed.Refresh(t.Context(), id)
	require.NoError(t, err)
	require.True(t, written)
	require.Equal(t, ledger.StatusStaged, b.ledger(t, id).Status)

	_, err = b.feed.Refresh(t.Context(), 404)
	require.ErrorContains(t, err, "fetch order 404")
}

func TestARunAndWebhooksOnTheSameOrdersAtOnceStageEachOnce(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, open storeOpener) {
		b := newOrdersBundle(t, open, shopifytest.GenOptions{Orders: 200, SKUs: 20, Seed: 21})
		ids := b.sim.OrderIDs()
		var wg sync.WaitGroup
		errs := make(chan error, 3)
		wg.Go(func() {
			if _, err := b.feed.Run(t.Context(), feeds.OrdersRun{}); err != nil {
				errs <- err
			}
		})
		for w := range 2 {
			wg.Go(func() {
				for i := w; i < len(ids); i += 2 {
					if _, err := b.feed.Handle(t.Context(), b.payload(t, ids[i])); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		require.Equal(t, b.truth(t), b.staged(t))
		for id := range b.truth(t) {
			staged := 0
			for _, ev := range b.events(t, id) {
				if ev.Status == ledger.StatusStaged {
					staged++
				}
			}
			require.Equal(t, 1, staged, "order %d was staged %d times", id, staged)
		}
	})
}
