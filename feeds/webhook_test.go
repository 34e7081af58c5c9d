package feeds_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp"
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

// racingStore is the ERP database shared with another process, which stages a newer
// version of an order right after this process has read the order's ledger entry.
type racingStore struct {
	erp.Store
	orderID   int64
	meanwhile func()
	once      sync.Once
}

func (s *racingStore) LedgerGet(ctx context.Context, shop string, id int64) (ledger.Entry, error) {
	e, err := s.Store.LedgerGet(ctx, shop, id)
	if id == s.orderID {
		s.once.Do(s.meanwhile)
	}
	return e, err
}

func TestAnOlderVersionStagedInOneProcessNeverReplacesANewerOneStagedInAnother(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, open storeOpener) {
		b := newOrdersBundle(t, open, shopifytest.GenOptions{Orders: 40, SKUs: 20, Seed: 15})
		id := b.unpaid(t)
		require.NoError(t, b.sim.PayOrder(id))
		older := b.payload(t, id) // a run's page read now
		require.NoError(t, b.sim.UpdateOrder(id, func(o map[string]any) {
			o["shipping_address"].(map[string]any)["address1"] = "2 Other Street"
		}))
		newer := b.payload(t, id) // a webhook's a moment later
		require.True(t, older.UpdatedAt.Before(newer.UpdatedAt))

		process := func(store feeds.OrderStore) *feeds.Orders {
			return &feeds.Orders{Shop: shop, Source: b.client, Store: store, Mappings: b.feed.Mappings, Log: testLogger(t), Now: b.feed.Now}
		}
		webhook := process(b.store)
		run := process(&racingStore{Store: b.store, orderID: id, meanwhile: func() {
			written, err := webhook.Handle(t.Context(), newer)
			require.NoError(t, err)
			require.True(t, written)
		}})
		written, err := run.Handle(t.Context(), older)
		require.NoError(t, err)
		require.False(t, written, "the older version is refused where it is staged")

		var address string
		require.NoError(t, b.db.QueryRowContext(t.Context(), `SELECT ship_to_address1 FROM s_orders WHERE web_order_id = `+itoa(id)).Scan(&address))
		require.Equal(t, "2 Other Street", address, "the newer version's rows stay")
		e := b.ledger(t, id)
		require.Equal(t, newer.UpdatedAt.UTC(), e.ShopifyUpdatedAt)
		require.Empty(t, e.Problem)
		require.Len(t, b.events(t, id), 1, "staged once")
	})
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
