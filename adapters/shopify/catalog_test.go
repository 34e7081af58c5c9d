package shopify_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/shopify"
	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
)

func TestCatalogIndexesEveryVariantBySKU(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, shopifytest.WithoutRateLimits(), shopifytest.WithGenerated(shopifytest.GenOptions{SKUs: 700, Locations: 2, Seed: 21}))

	cat, err := b.client.Catalog(context.Background())
	require.NoError(t, err)
	require.Empty(t, cat.Problems)
	require.Empty(t, cat.Duplicates())
	require.Equal(t, len(b.srv.Variants()), cat.Len())
	for _, v := range b.srv.Variants() {
		got, err := cat.Lookup(v.SKU)
		require.NoError(t, err)
		require.Equal(t, shopify.Variant{
			SKU: v.SKU, VariantID: v.ID, ProductID: v.ProductID, InventoryItemID: v.InventoryItemID,
			ProductTitle: v.ProductTitle, VariantTitle: v.Title, InventoryManagement: map[bool]string{true: "shopify"}[v.Tracked],
		}, got)
		require.Equal(t, v.Tracked, got.Tracked())
	}
	require.GreaterOrEqual(t, b.client.Stats()["GET products"].Calls, int64(2), "more than 250 products take more than one page")
	for _, r := range b.srv.Requests()[1:] {
		require.Contains(t, r.Query, "fields=id%2Ctitle%2Cvariants", "later pages still ask only for the fields needed")
	}
}

func TestCatalogLookups(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, shopifytest.WithoutRateLimits())
	for _, p := range []string{
		`{"title":"Mug","variants":[{"sku":"MUG-1","title":"Red"},{"sku":" MUG-2 ","title":"Blue"},{"sku":"","title":"Plain"}]}`,
		`{"title":"Mug (copy)","variants":[{"sku":"MUG-1","title":"Red"}]}`,
		`{"title":"Gift card","variants":[{"sku":"GIFT","inventory_management":null}]}`,
		`{"title":12,"variants":[{"sku":"BROKEN"}]}`,
	} {
		_, err := b.srv.AddProduct([]byte(p))
		require.NoError(t, err)
	}
	cat, err := b.client.Catalog(context.Background())
	require.NoError(t, err)

	t.Run("a SKU two variants share is reported with both, never guessed", func(t *testing.T) {
		_, err := cat.Lookup("MUG-1")
		require.ErrorIs(t, err, shopify.ErrDuplicateSKU)
		var dup *shopify.DuplicateSKUError
		require.ErrorAs(t, err, &dup)
		require.Len(t, dup.Variants, 2)
		require.Regexp(t, `^SKU "MUG-1" is on 2 variants in Shopify: variant \d+ \(Mug / Red\), variant \d+ \(Mug \(copy\) / Red\)$`, err.Error())
		require.Len(t, cat.Duplicates(), 1)
	})
	t.Run("an unknown SKU is its own error", func(t *testing.T) {
		_, err := cat.Lookup("NOPE")
		require.ErrorIs(t, err, shopify.ErrUnknownSKU)
		require.EqualError(t, err, `SKU "NOPE": shopify: no variant has this SKU`)
	})
	t.Run("spaces around a SKU do not matter", func(t *testing.T) {
		v, err := cat.Lookup("MUG-2 ")
		require.NoError(t, err)
		require.Equal(t, "Blue", v.VariantTitle)
	})
	t.Run("an untracked variant says so", func(t *testing.T) {
		v, err := cat.Lookup("GIFT")
		require.NoError(t, err)
		require.False(t, v.Tracked())
	})
	t.Run("variants without a SKU are counted, not indexed", func(t *testing.T) {
		require.Equal(t, 1, cat.NoSKU)
	})
	t.Run("a product that cannot be read is a problem, not a failure", func(t *testing.T) {
		require.Len(t, cat.Problems, 1)
		require.Contains(t, cat.Problems[0], "cannot be read")
		_, err := cat.Lookup("BROKEN")
		require.ErrorIs(t, err, shopify.ErrUnknownSKU)
	})
}

func TestLocationsByName(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, shopifytest.WithoutRateLimits())
	main := b.srv.AddLocation("Main Warehouse")
	b.srv.AddLocation("Lager Köln")
	b.srv.AddLocation("Outlet")
	b.srv.AddLocation("outlet ")

	locs, err := b.client.Locations(context.Background())
	require.NoError(t, err)
	require.Len(t, locs, 4)

	cases := []struct {
		name string
		find string
		id   int64
		err  string
	}{
		{"a name is found", "Main Warehouse", main, ""},
		{"case and spaces are ignored", "  main warehouse", main, ""},
		{"a non-ASCII name is found", "LAGER KÖLN", locs[1].ID, ""},
		{"an unknown name is its own error", "Depot", 0, `location "Depot": shopify: no location has this name`},
		{"two locations with one name are not guessed", "Outlet", 0, `location "Outlet": 2 locations have this name`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l, err := locs.ByName(tc.find)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.id, l.ID)
			require.True(t, l.Active)
		})
	}
	_, err = locs.ByName("Depot")
	require.ErrorIs(t, err, shopify.ErrUnknownLocation)
}
