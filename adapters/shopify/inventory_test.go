package shopify_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/shopify"
	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
)

// stock is a generated shop's tracked items and its locations.
func stock(t *testing.T, b *bundle) (items, locs []int64) {
	t.Helper()
	for _, v := range b.srv.Variants() {
		if v.Tracked {
			items = append(items, v.InventoryItemID)
		}
	}
	for _, l := range b.srv.Locations() {
		locs = append(locs, l.ID)
	}
	return items, locs
}

func TestInventoryLevelsSplitsLongIDLists(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, shopifytest.WithoutRateLimits(), shopifytest.WithGenerated(shopifytest.GenOptions{SKUs: 120, Locations: 3, Seed: 31}))
	items, locs := stock(t, b)

	levels, err := b.client.InventoryLevels(context.Background(), items, locs)
	require.NoError(t, err)

	var want []shopify.InventoryLevel
	for _, l := range b.srv.InventoryLevels() {
		n := l.Available
		want = append(want, shopify.InventoryLevel{InventoryItemID: l.InventoryItemID, LocationID: l.LocationID, Available: &n})
	}
	for i := range levels {
		require.False(t, levels[i].UpdatedAt.IsZero())
		levels[i].UpdatedAt = want[0].UpdatedAt
	}
	require.ElementsMatch(t, want, levels)
	require.Equal(t, int64(3), b.client.Stats()["GET inventory_levels"].Calls, "120 items in lists of at most 50")
	for _, r := range b.srv.Requests() {
		ids := strings.Split(strings.SplitN(strings.SplitN(r.Query, "inventory_item_ids=", 2)[1], "&", 2)[0], "%2C")
		require.LessOrEqual(t, len(ids), 50)
	}

	t.Run("one location's levels come page by page", func(t *testing.T) {
		b.srv.ResetRequests()
		levels, err := b.client.InventoryLevels(context.Background(), nil, locs[:1])
		require.NoError(t, err)
		require.Len(t, levels, 120)
		require.Equal(t, int64(1), b.srv.RequestCount(), "120 levels fit one page of 250")
	})
	t.Run("neither list is refused before any call", func(t *testing.T) {
		_, err := b.client.InventoryLevels(context.Background(), nil, nil)
		require.EqualError(t, err, "fetch inventory levels: give inventory item ids, location ids or both")
	})
}

func TestSetInventoryBatchesOf250(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, shopifytest.WithGenerated(shopifytest.GenOptions{SKUs: 200, Locations: 3, Seed: 32}))
	items, locs := stock(t, b)
	var qs []shopify.InventoryQuantity
	for i, item := range items {
		for _, loc := range locs {
			qs = append(qs, shopify.InventoryQuantity{InventoryItemID: item, LocationID: loc, Quantity: i % 17})
		}
	}

	results, err := b.client.SetInventory(context.Background(), qs)
	require.NoError(t, err)
	require.Len(t, results, 600)
	for i, r := range results {
		require.NoError(t, r.Err)
		require.Equal(t, qs[i], r.InventoryQuantity)
		got, _ := b.srv.InventoryLevel(r.InventoryItemID, r.LocationID)
		require.Equal(t, r.Quantity, got)
	}
	require.Equal(t, int64(3), b.client.Stats()["POST graphql"].Calls, "600 quantities in calls of 250")
}

func TestSetInventoryAcrossAPIVersions(t *testing.T) {
	t.Parallel()
	// The simulator enforces each version's rules (compareQuantity or ignoreCompareQuantity
	// before 2026-04, changeFromQuantity from then, @idempotent only from 2026-01 and
	// required from 2026-04), so a success here means the request had the right form.
	for _, version := range []string{"2025-07", "2025-10", "2026-01", "2026-04", "2026-07", "unstable"} {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			s := newSmallShop(t, func(c *shopify.Config) { c.APIVersion = version })
			from := 10
			results, err := s.client.SetInventory(context.Background(), []shopify.InventoryQuantity{
				{InventoryItemID: s.itemX, LocationID: s.locB, Quantity: 4, From: &from}, // checked
				{InventoryItemID: s.itemY, LocationID: s.locA, Quantity: 6},              // not checked
			})
			require.NoError(t, err)
			for _, r := range results {
				require.NoError(t, r.Err)
			}
			x, _ := s.srv.InventoryLevel(s.itemX, s.locB)
			y, _ := s.srv.InventoryLevel(s.itemY, s.locA)
			require.Equal(t, []int{4, 6}, []int{x, y})
		})
	}
}

func TestSetInventoryReportsProblemsPerQuantity(t *testing.T) {
	t.Parallel()
	s := newSmallShop(t, nil)
	stale := 99 // X at A holds 0
	results, err := s.client.SetInventory(context.Background(), []shopify.InventoryQuantity{
		{InventoryItemID: s.itemX, LocationID: s.locB, Quantity: 1},
		{InventoryItemID: 1, LocationID: s.locB, Quantity: 1},
		{InventoryItemID: s.itemX, LocationID: s.locA, Quantity: 1, From: &stale},
		{InventoryItemID: s.itemY, LocationID: s.locA, Quantity: 2},
		{InventoryItemID: s.itemX, LocationID: s.locB, Quantity: 3},
	})
	require.NoError(t, err)

	require.NoError(t, results[0].Err)
	var ue *shopify.UserError
	require.ErrorAs(t, results[1].Err, &ue)
	require.Equal(t, "INVALID_INVENTORY_ITEM", ue.Code)
	require.Equal(t, []string{"input", "quantities", "1", "inventoryItemId"}, ue.Field)
	require.ErrorIs(t, results[2].Err, shopify.ErrQuantityStale)
	require.EqualError(t, results[2].Err, "set inventory quantity: CHANGE_FROM_QUANTITY_STALE: The changeFromQuantity value does not match persisted value.")
	require.NoError(t, results[3].Err)
	require.EqualError(t, results[4].Err, "inventory item "+itoa(s.itemX)+" at location "+itoa(s.locB)+" is listed more than once")

	x, _ := s.srv.InventoryLevel(s.itemX, s.locB)
	y, _ := s.srv.InventoryLevel(s.itemY, s.locA)
	xa, _ := s.srv.InventoryLevel(s.itemX, s.locA)
	require.Equal(t, []int{1, 2, 0}, []int{x, y, xa}, "the good quantities were set, the refused ones not")
	require.Equal(t, int64(2), s.client.Stats()["POST graphql"].Calls, "Shopify applied nothing the first time, so the rest went again")
}

func TestSetInventoryRetriesSafelyThroughFailures(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, shopifytest.WithGenerated(shopifytest.GenOptions{SKUs: 300, Locations: 2, Seed: 33}), shopifytest.WithRandomSeed(4))
	items, locs := stock(t, b)
	b.srv.SetFaults(shopifytest.Faults{ServerErrorRate: 0.3, DropRate: 0.2})

	for round := range 5 {
		var qs []shopify.InventoryQuantity
		for _, item := range items {
			for _, loc := range locs {
				qs = append(qs, shopify.InventoryQuantity{InventoryItemID: item, LocationID: loc, Quantity: round})
			}
		}
		results, err := b.client.SetInventory(context.Background(), qs)
		require.NoError(t, err)
		for _, r := range results {
			require.NoError(t, r.Err)
			got, _ := b.srv.InventoryLevel(r.InventoryItemID, r.LocationID)
			require.Equal(t, round, got)
		}
	}
	stats := b.client.Stats()["POST graphql"]
	require.Positive(t, stats.Retries, "the keyed mutation is safe to send again")
	require.Zero(t, stats.Failures)
}

func TestSetInventoryStopsWhenTheContextEnds(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, shopifytest.WithGenerated(shopifytest.GenOptions{SKUs: 200, Locations: 3, Seed: 34}))
	items, locs := stock(t, b)
	var qs []shopify.InventoryQuantity
	for _, item := range items {
		for _, loc := range locs {
			qs = append(qs, shopify.InventoryQuantity{InventoryItemID: item, LocationID: loc, Quantity: 1})
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	results, err := b.client.SetInventory(ctx, qs)
	require.ErrorIs(t, err, context.Canceled)
	for _, r := range results {
		require.ErrorIs(t, r.Err, context.Canceled, "no result claims a quantity that was never sent")
	}
}

func TestSetInventoryREST(t *testing.T) {
	t.Parallel()
	s := newSmallShop(t, nil)
	results, err := s.client.SetInventoryREST(context.Background(), []shopify.InventoryQuantity{
		{InventoryItemID: s.itemX, LocationID: s.locB, Quantity: 8},
		{InventoryItemID: 1, LocationID: s.locB, Quantity: 1},
		{InventoryItemID: s.itemY, LocationID: s.locB, Quantity: 2},
	})
	require.NoError(t, err)
	require.NoError(t, results[0].Err)
	var apiErr *shopify.APIError
	require.ErrorAs(t, results[1].Err, &apiErr)
	require.Equal(t, http.StatusUnprocessableEntity, apiErr.Status)
	require.Equal(t, "Inventory item does not exist", apiErr.Message)
	require.NoError(t, results[2].Err)
	x, _ := s.srv.InventoryLevel(s.itemX, s.locB)
	y, _ := s.srv.InventoryLevel(s.itemY, s.locB)
	require.Equal(t, []int{8, 2}, []int{x, y})
	require.Equal(t, int64(3), s.client.Stats()["POST inventory_levels/set"].Calls, "one call per level")
	require.True(t, slices.ContainsFunc(s.srv.Requests(), func(r shopifytest.Request) bool {
		return r.Path == "/admin/api/2026-07/inventory_levels/set.json"
	}))
}
