package shopify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	goshopify "github.com/bold-commerce/go-shopify/v4"

	"github.com/passthrough-dev/passthrough/record"
)

// OrderQuery selects orders by when they were last updated (either bound may be zero).
// Every status is included (status=any): closed, archived and cancelled orders too.
type OrderQuery struct {
	UpdatedAtMin time.Time
	UpdatedAtMax time.Time
}

// ordersPerPage is the most Shopify returns in one page.
const ordersPerPage = 250

// OrderPages walks the orders q selects, one page of up to 250 at a time, following the
// Link header's page_info cursor, and hands each page to fn. Only one page is held at a
// time. Pages are in Shopify's order (newest first), not by updated_at. An error from fn
// stops the walk and is returned as it is.
func (c *Client) OrderPages(ctx context.Context, q OrderQuery, fn func(page []record.RawOrder) error) error {
	var opts any = &goshopify.OrderListOptions{
		ListOptions: goshopify.ListOptions{Limit: ordersPerPage, UpdatedAtMin: q.UpdatedAtMin, UpdatedAtMax: q.UpdatedAtMax},
		Status:      goshopify.OrderStatusAny,
	}
	for n := 1; ; n++ {
		var res struct {
			Orders []json.RawMessage `json:"orders"`
		}
		var pg *goshopify.Pagination
		err := c.call(ctx, "GET orders", func() error {
			var err error
			pg, err = c.gs.ListWithPagination(ctx, "orders.json", &res, opts)
			return err
		})
		if err != nil {
			return fmt.Errorf("fetch orders page %d: %w", n, err)
		}
		page := make([]record.RawOrder, 0, len(res.Orders))
		for _, raw := range res.Orders {
			page = append(page, record.ReadOrder(raw))
		}
		if err := fn(page); err != nil {
			return err
		}
		if pg == nil || pg.NextPageOptions == nil {
			return nil
		}
		// The cursor carries the filters; Shopify refuses a page_info request with others.
		opts = pg.NextPageOptions
	}
}

// Order fetches one order. errors.Is(err, ErrNotFound) when Shopify has no such order.
func (c *Client) Order(ctx context.Context, id int64) (record.RawOrder, error) {
	var res struct {
		Order json.RawMessage `json:"order"`
	}
	err := c.call(ctx, "GET orders/{id}", func() error {
		return c.gs.Get(ctx, fmt.Sprintf("orders/%d.json", id), &res, nil)
	})
	if err != nil {
		return record.RawOrder{}, fmt.Errorf("fetch order %d: %w", id, err)
	}
	if len(res.Order) == 0 || bytes.Equal(res.Order, []byte("null")) {
		return record.RawOrder{}, fmt.Errorf("fetch order %d: %w", id, ErrNotFound)
	}
	return record.ReadOrder(res.Order), nil
}
