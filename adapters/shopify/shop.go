package shopify

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/passthrough-dev/passthrough/record"
)

// ShopInfo reads the store's own settings (shop.json): its time zone above all, in which
// its business days begin and end.
func (c *Client) ShopInfo(ctx context.Context) (*record.Shop, error) {
	var raw json.RawMessage
	err := c.call(ctx, "GET shop", func() error {
		return c.gs.Get(ctx, "shop.json", &raw, nil)
	})
	if err != nil {
		return nil, fmt.Errorf("fetch shop: %w", err)
	}
	return record.DecodeShop(raw)
}
