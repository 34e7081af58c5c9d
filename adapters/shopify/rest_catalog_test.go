package shopify

import (
	"context"
	"fmt"

	goshopify "github.com/bold-commerce/go-shopify/v4"
)

// CatalogREST reads the catalog the way passthrough did before GraphQL: REST products.json,
// 250 products a page, only the fields needed, and at most 100 variants of a product, which
// is all REST shows. Test-only: the yardstick BenchmarkCatalogRead measures the GraphQL read
// against.
func (c *Client) CatalogREST(ctx context.Context) (*Catalog, error) {
	const fields = "id,title,variants"
	var variants []Variant
	opts := goshopify.ListOptions{Limit: 250, Fields: fields}
	for n := 1; ; n++ {
		var res struct {
			Products []struct {
				ID       int64  `json:"id"`
				Title    string `json:"title"`
				Variants []struct {
					ID                  int64   `json:"id"`
					SKU                 *string `json:"sku"`
					Title               string  `json:"title"`
					InventoryItemID     int64   `json:"inventory_item_id"`
					InventoryManagement *string `json:"inventory_management"`
				} `json:"variants"`
			} `json:"products"`
		}
		var pg *goshopify.Pagination
		err := c.call(ctx, "GET products", func() error {
			var err error
			pg, err = c.gs.ListWithPagination(ctx, "products.json", &res, opts)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("fetch products page %d: %w", n, err)
		}
		for _, p := range res.Products {
			for _, v := range p.Variants {
				vv := Variant{VariantID: v.ID, ProductID: p.ID, InventoryItemID: v.InventoryItemID, ProductTitle: p.Title,
					VariantTitle: v.Title, InventoryTracked: v.InventoryManagement != nil}
				if v.SKU != nil {
					vv.SKU = *v.SKU
				}
				variants = append(variants, vv)
			}
		}
		if pg == nil || pg.NextPageOptions == nil {
			break
		}
		opts = goshopify.ListOptions{PageInfo: pg.NextPageOptions.PageInfo, Limit: 250, Fields: fields}
	}
	st := catalogState{variants: map[int64]Variant{}}
	for _, v := range variants {
		st.variants[v.VariantID] = v
	}
	return st.snapshot(c.clock.Now()), nil
}
