package feeds_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/shopify"
	"github.com/passthrough-dev/passthrough/feeds"
)

// otherProcess is a second passthrough on the same database: it claims shipments.
var otherProcess = erp.Owner{ID: "5d1c2b3a-0000-4000-8000-000000000002", Host: "web-2", PID: 202}

func TestAShipmentAnotherProcessHasClaimedIsLeftToIt(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, open storeOpener) {
		b := newShipBundle(t, open)
		order := b.order(t, "TS-001×3")
		b.ship(t, "SH-1", 1, order, "TS-001", 1, "1ZCLAIM0001", "UPS")
		claim, err := b.store.ShipmentClaim(t.Context(), erp.LockParams{Shop: shop, Name: "SH-1", Owner: otherProcess, Token: "t2", TTL: time.Hour})
		require.NoError(t, err)

		x := b.run(t)
		require.Equal(t, erp.OutcomeFinished, x.Outcome)
		require.Equal(t, erp.ExecutionCounts{Seen: 1}, x.Counts, "seen, and left to the process that claimed it")
		require.Equal(t, syncState{}, b.state(t, "SH-1"), "still unsent")
		require.Zero(t, fulfillmentPosts(b.sim), "Shopify was not asked")

		require.NoError(t, b.store.ShipmentClaimRelease(t.Context(), claim))
		x = b.run(t)
		require.Equal(t, erp.ExecutionCounts{Seen: 1, Written: 1}, x.Counts)
		require.Equal(t, syncState{status: "sent", synced: true}, b.state(t, "SH-1"))
		require.Equal(t, map[string]int{"TS-001": 1}, shipped(b.sim, order, "1ZCLAIM0001"))
	})
}

func TestAClaimWhoseProcessStoppedIsTakenOverAndShopifyIsReadFirst(t *testing.T) {
	t.Parallel()
	b := newShipBundle(t, sqliteStore)
	order := b.order(t, "TS-001×3")
	b.ship(t, "SH-1", 1, order, "TS-001", 1, "1ZCLAIM0002", "UPS")
	const ttl = 300 * time.Millisecond
	_, err := b.store.ShipmentClaim(t.Context(), erp.LockParams{Shop: shop, Name: "SH-1", Owner: otherProcess, Token: "t2", TTL: ttl})
	require.NoError(t, err)
	// The other process sent the one unit, then died before marking the row.
	fo := b.sim.FulfillmentOrders(order)[0]
	_, err = b.client.CreateFulfillment(t.Context(), shopify.FulfillmentRequest{
		FulfillmentOrders: []shopify.FulfillmentOrderItems{{FulfillmentOrderID: fo.ID,
			Lines: []shopify.FulfillmentItem{{FulfillmentOrderLineID: fo.LineItems[0].ID, Quantity: 1}}}},
		Tracking: shopify.Tracking{Number: "1ZCLAIM0002", Company: "UPS"},
	})
	require.NoError(t, err)
	posts := fulfillmentPosts(b.sim)

	time.Sleep(ttl + 100*time.Millisecond)
	x := b.run(t)
	require.Equal(t, erp.ExecutionCounts{Seen: 1, Written: 1}, x.Counts)
	require.Equal(t, syncState{status: "sent", synced: true}, b.state(t, "SH-1"))
	require.Equal(t, posts, fulfillmentPosts(b.sim), "nothing was sent again")
	require.Equal(t, map[string]int{"TS-001": 1}, shipped(b.sim, order, "1ZCLAIM0002"), "the unit ships once")
}

// lostClaimAnswer is the database as a run stopped in the middle sees it: the first
// shipment claim is taken, and its answer lost to the run's end.
type lostClaimAnswer struct {
	feeds.ShipmentStore
	lost atomic.Bool
}

func (s *lostClaimAnswer) ShipmentClaim(ctx context.Context, p erp.LockParams) (erp.Lock, error) {
	l, err := s.ShipmentStore.ShipmentClaim(context.WithoutCancel(ctx), p)
	if err == nil && s.lost.CompareAndSwap(false, true) {
		return erp.Lock{}, context.Canceled
	}
	return l, err
}

func TestAClaimWhoseAnswerWasLostDoesNotHoldTheShipmentBack(t *testing.T) {
	t.Parallel()
	b := newShipBundle(t, sqliteStore)
	order := b.order(t, "TS-001×3")
	b.ship(t, "SH-1", 1, order, "TS-001", 1, "1ZCLAIM0003", "UPS")
	b.feed.Store = &lostClaimAnswer{ShipmentStore: b.store}
	_, err := b.feed.Run(t.Context())
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, syncState{}, b.state(t, "SH-1"), "not sent by the stopped run")

	x := b.run(t)
	require.Equal(t, erp.ExecutionCounts{Seen: 1, Written: 1}, x.Counts, "the next run sends it, not leaves it to a claim nobody holds")
	require.Equal(t, syncState{status: "sent", synced: true}, b.state(t, "SH-1"))
}

// racingShopify is Shopify as the feed sees it when another process (one that took no
// claim) sends the same shipment a moment before the feed's own request.
type racingShopify struct {
	feeds.ShipmentShopify
	other *shopify.Client
	raced atomic.Bool
}

func (r *racingShopify) CreateFulfillment(ctx context.Context, req shopify.FulfillmentRequest) (shopify.Fulfillment, error) {
	if r.raced.CompareAndSwap(false, true) {
		if _, err := r.other.CreateFulfillment(ctx, req); err != nil {
			return shopify.Fulfillment{}, err
		}
	}
	return r.ShipmentShopify.CreateFulfillment(ctx, req)
}

func TestAShipmentShopifyRefusesBecauseItHasItAlreadyIsMarkedSentNotError(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, open storeOpener) {
		b := newShipBundle(t, open)
		order := b.order(t, "TS-001×2")
		b.ship(t, "SH-1", 1, order, "TS-001", 2, "1ZRACE0001", "UPS")
		b.feed.Shopify = &racingShopify{ShipmentShopify: b.client, other: testClient(t, b.sim)}

		x := b.run(t)
		require.Equal(t, erp.OutcomeFinished, x.Outcome, "no record needs a person")
		require.Equal(t, erp.ExecutionCounts{Seen: 1, Written: 1}, x.Counts)
		require.Equal(t, syncState{status: "sent", synced: true}, b.state(t, "SH-1"),
			"Shopify refused (the fulfillment order was closed by then) because it has the shipment")
		require.Len(t, b.sim.Fulfillments(order), 1)
		require.Equal(t, map[string]int{"TS-001": 2}, shipped(b.sim, order, "1ZRACE0001"))
	})
}
