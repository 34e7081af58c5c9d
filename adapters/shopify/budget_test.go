package shopify_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/shopify"
	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
)

func TestAMeterCountsWhatTheCallsOfItsContextCost(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	b.srv.SetFaults(shopifytest.Faults{RetryAfter: 1500 * time.Millisecond})
	b.srv.Storm429(2)

	var run, other shopify.Meter
	ctx := shopify.WithMeter(context.Background(), &run)
	_, err := b.client.Locations(ctx)
	require.NoError(t, err)
	_, err = b.client.Locations(shopify.WithMeter(context.Background(), &other))
	require.NoError(t, err)
	_, err = b.client.Locations(context.Background()) // no meter: only the client's stats count it

	require.NoError(t, err)
	require.Equal(t, passthrough.APIUsage{RESTCalls: 3, Wait: 3 * time.Second, RateLimited: 2}, run.Usage(),
		"two 429s, each waited out for its Retry-After, and the call that went through")
	require.Equal(t, passthrough.APIUsage{RESTCalls: 1}, other.Usage(), "another context's calls are its own")
	stats := b.client.Stats()["GET locations"]
	require.Equal(t, int64(5), stats.Calls)
	require.Equal(t, 3*time.Second, stats.BudgetWait)
}

func TestAMeterCountsGraphQLPointsAndThrottlingButNotBackOff(t *testing.T) {
	t.Parallel()
	s := newSmallShop(t, func(c *shopify.Config) { c.DisablePacing = true })
	s.srv.SetGraphQLLimit(25, 10) // two mutations fit; the third is THROTTLED and waited out
	var m shopify.Meter
	ctx := shopify.WithMeter(context.Background(), &m)
	for i := range 3 {
		res, err := s.client.SetInventory(ctx, []shopify.InventoryQuantity{{InventoryItemID: s.itemX, LocationID: s.locB, Quantity: i}})
		require.NoError(t, err)
		require.NoError(t, res[0].Err)
	}
	u := m.Usage()
	require.Zero(t, u.RESTCalls, "GraphQL takes nothing from the REST bucket")
	require.Equal(t, int64(1), u.RateLimited)
	require.Equal(t, int64(s.client.Stats()["POST graphql"].Points), u.GraphQLPoints)
	require.Positive(t, u.GraphQLPoints)
	require.Positive(t, u.Wait)

	s.srv.SetFaults(shopifytest.Faults{ServerErrorRate: 1})
	var failing shopify.Meter
	_, err := s.client.Locations(shopify.WithMeter(context.Background(), &failing))
	require.Error(t, err)
	require.Zero(t, failing.Usage().Wait, "back-off after 5xx is not a wait for budget")
	require.Positive(t, s.client.Stats()["GET locations"].Wait)
}

func TestBudgetSaysHowFullTheBucketsAre(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	require.Equal(t, shopify.Budget{RESTSize: 40}, b.client.Budget(), "nothing known before the first answer")
	_, err := b.client.Locations(context.Background())
	require.NoError(t, err)
	rest := b.client.Budget()
	require.Equal(t, float64(1), rest.RESTUsed, "one request in the bucket")
	require.Equal(t, start, rest.RESTSeen)

	s := newSmallShop(t, nil)
	s.srv.SetGraphQLLimit(100, 10)
	res, err := s.client.SetInventory(context.Background(), []shopify.InventoryQuantity{{InventoryItemID: s.itemX, LocationID: s.locB, Quantity: 1}})
	require.NoError(t, err)
	require.NoError(t, res[0].Err)
	got := s.client.Budget()
	require.Equal(t, float64(100), got.GraphQLMax)
	require.Equal(t, float64(10), got.GraphQLRestore)
	require.Less(t, got.GraphQLAvailable, got.GraphQLMax, "the mutation's points are spent")
	s.clock.Advance(time.Minute)
	require.Equal(t, got.GraphQLMax, s.client.Budget().GraphQLAvailable, "and restored a minute later")
}

func TestTheVersionCalendar(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		version        string
		released, till string
		ok             bool
	}{
		{"2026-07", "2026-07-01T17:00:00Z", "2027-07-01T17:00:00Z", true},
		{"2025-10", "2025-10-01T17:00:00Z", "2026-10-01T17:00:00Z", true},
		{"2026-05", "", "", false},
		{"unstable", "", "", false},
		{"2026-7", "", "", false},
	} {
		t.Run(tc.version, func(t *testing.T) {
			released, until, ok := shopify.VersionSupport(tc.version)
			require.Equal(t, tc.ok, ok)
			if !ok {
				return
			}
			require.Equal(t, tc.released, released.Format(time.RFC3339))
			require.Equal(t, tc.till, until.Format(time.RFC3339))
		})
	}
}

func TestMissingScopes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name            string
		granted, needed []string
		want            []string
	}{
		{"everything granted", []string{"read_orders", "write_inventory"}, []string{"read_orders", "write_inventory"}, nil},
		{"a write scope covers its read scope", []string{"write_inventory"}, []string{"read_inventory", "write_inventory"}, nil},
		{"a read scope does not cover its write scope", []string{"read_inventory"}, []string{"read_inventory", "write_inventory"}, []string{"write_inventory"}},
		{"each missing scope once, in the order needed", nil, []string{"read_orders", "read_products", "read_orders"}, []string{"read_orders", "read_products"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, shopify.MissingScopes(tc.granted, tc.needed))
		})
	}
}

func TestAccessScopesComeFromShopify(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, shopifytest.WithScopes("write_inventory", "read_orders"), shopifytest.WithoutRateLimits())
	got, err := b.client.AccessScopes(context.Background())
	require.NoError(t, err)
	require.Equal(t, []string{"read_orders", "write_inventory"}, got)
	require.Contains(t, b.client.Stats(), "GET oauth/access_scopes")

	_, err = b.client.Locations(context.Background())
	require.ErrorIs(t, err, shopify.ErrUnauthorized, "a call without its scope is refused (403)")
	require.Equal(t, map[int]int{http.StatusForbidden: 1}, b.statuses("/locations.json"))

	b.srv.SetScopes("read_orders", "read_locations")
	_, err = b.client.Locations(context.Background())
	require.NoError(t, err, "once the merchant grants the scope")
}

func TestTheClientSaysWhichVersionServedAndWhenItsTokenExpires(t *testing.T) {
	t.Parallel()
	t.Run("a static token does not expire", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil, shopifytest.WithoutRateLimits())
		require.Empty(t, b.client.ServedVersion(), "nothing served yet")
		_, err := b.client.Locations(context.Background())
		require.NoError(t, err)
		require.Equal(t, "2026-07", b.client.ServedVersion())
		exp, refreshable := b.client.TokenExpiry()
		require.True(t, exp.IsZero())
		require.False(t, refreshable)
	})
	t.Run("a client-credentials token expires a day after it was fetched", func(t *testing.T) {
		t.Parallel()
		b := setup(t, withGrant, shopifytest.WithClientCredentials(clientID, clientSecret, 24*time.Hour), shopifytest.WithoutRateLimits())
		_, refreshable := b.client.TokenExpiry()
		require.True(t, refreshable)
		_, err := b.client.Locations(context.Background())
		require.NoError(t, err)
		exp, _ := b.client.TokenExpiry()
		require.Equal(t, start.Add(24*time.Hour), exp)
	})
	t.Run("a version Shopify no longer serves falls forward, and the client says so", func(t *testing.T) {
		t.Parallel()
		b := setup(t, func(c *shopify.Config) { c.APIVersion = "2024-01" }, shopifytest.WithoutRateLimits())
		_, err := b.client.Locations(context.Background())
		require.NoError(t, err)
		require.Equal(t, "2025-01", b.client.ServedVersion(), "the oldest version the store supports")
	})
}
