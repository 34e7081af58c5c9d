package shopify

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestReadVariant(t *testing.T) {
	t.Parallel()
	const item = `"inventoryItem":{"id":"gid://shopify/InventoryItem/7","tracked":true}`
	const product = `"product":{"id":"gid://shopify/Product/5","title":"Mug"}`
	cases := []struct {
		name string
		raw  string
		want Variant
		err  string
	}{
		{
			name: "a variant is read with its ids from their gids",
			raw:  `{"id":"gid://shopify/ProductVariant/9","sku":" MUG-1 ","title":"Red","updatedAt":"2026-11-02T09:00:00Z",` + item + `,` + product + `}`,
			want: Variant{SKU: "MUG-1", VariantID: 9, ProductID: 5, InventoryItemID: 7, ProductTitle: "Mug", VariantTitle: "Red", InventoryTracked: true,
				UpdatedAt: mustTime(t, "2026-11-02T09:00:00Z")},
		},
		{
			name: "a null SKU is no SKU",
			raw:  `{"id":"gid://shopify/ProductVariant/9","sku":null,"title":"Red",` + item + `,` + product + `}`,
			want: Variant{VariantID: 9, ProductID: 5, InventoryItemID: 7, ProductTitle: "Mug", VariantTitle: "Red", InventoryTracked: true},
		},
		{name: "an id that is no variant gid is a problem", raw: `{"id":"gid://shopify/Product/9",` + item + `,` + product + `}`, err: `"gid://shopify/Product/9" is not a gid://shopify/ProductVariant/ id`},
		{name: "a variant without inventory item is a problem", raw: `{"id":"gid://shopify/ProductVariant/9",` + product + `}`, err: "variant 9 cannot be read: it has no inventory item"},
		{name: "a broken inventory item id is a problem", raw: `{"id":"gid://shopify/ProductVariant/9","inventoryItem":{"id":"x"},` + product + `}`, err: `variant 9 cannot be read: "x" is not a gid://shopify/InventoryItem/ id`},
		{name: "JSON of the wrong shape is a problem that names the variant", raw: `{"id":"gid://shopify/ProductVariant/9","title":12}`, err: `variant "gid://shopify/ProductVariant/9" cannot be read: json: cannot unmarshal number`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readVariant([]byte(tc.raw))
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339, s)
	require.NoError(t, err)
	return at
}
