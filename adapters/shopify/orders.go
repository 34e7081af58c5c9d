package shopify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	goshopify "github.com/bold-commerce/go-shopify/v4"

	"github.com/passthrough-dev/passthrough/record"
)

// OrderQuery selects orders. Every status is included (status=any): closed, archived and
// cancelled orders too. Zero bounds do not filter: a window without UpdatedAtMax reads up to
// whatever Shopify holds when the last page is read, however Shopify's clock and ours differ.
type OrderQuery struct {
	UpdatedAtMin, UpdatedAtMax time.Time
	CreatedAtMin, CreatedAtMax time.Time
	// AfterID walks the orders by id, from the first id above it (Shopify's since_id, which
	// sorts by id); 0 starts from the lowest. Walked in id order, a page's last id is a point
	// the walk can continue from after a crash.
	AfterID int64
	// Fields, when set, asks for only these top-level fields (id is always among them).
	Fields []string
}

// OrderPage is one page of orders.
type OrderPage struct {
	Orders []record.RawOrder
	// At is Shopify's clock when it answered the walk's first page (its Date header): every
	// order updated before it is in the walk. Zero when Shopify sent no date.
	At time.Time
}

// ordersPerPage is the most Shopify returns in one page.
const ordersPerPage = 250

// OrderPages walks the orders q selects in id order, one page of up to 250 at a time,
// following the Link header's page_info cursor, and hands each page to fn. Only one page is
// held at a time. An error from fn stops the walk and is returned as it is. The walk costs
// one call per page, however long ago UpdatedAtMin is: ⌈N/250⌉ calls for N orders (one when
// there are none).
func (c *Client) OrderPages(ctx context.Context, q OrderQuery, fn func(OrderPage) error) error {
	first := orderListOptions(q)
	var opts any = first
	var at time.Time
	for n := 1; ; n++ {
		var res struct {
			Orders []json.RawMessage `json:"orders"`
		}
		var pg *goshopify.Pagination
		err := c.call(ctx, "GET orders", func() error {
			var err error
			pg, err = c.gs.ListWithPagination(ctx, "orders.json", &res, opts)
			if n == 1 {
				at = c.tr.lastAnswer()
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("fetch orders page %d: %w", n, err)
		}
		page := OrderPage{Orders: make([]record.RawOrder, 0, len(res.Orders)), At: at}
		for _, raw := range res.Orders {
			page.Orders = append(page.Orders, record.ReadOrder(raw))
		}
		if err := fn(page); err != nil {
			return err
		}
		if pg == nil || pg.NextPageOptions == nil {
			return nil
		}
		// The cursor carries the filters; Shopify refuses a page_info request with others,
		// but takes fields, which go-shopify leaves out of the next page's options.
		next := pg.NextPageOptions
		next.Fields = first.Fields
		opts = next
	}
}

// OrderCount counts the orders q selects (orders/count.json), for a backfill's progress.
func (c *Client) OrderCount(ctx context.Context, q OrderQuery) (int, error) {
	o := orderListOptions(q)
	o.Limit, o.Fields = 0, ""
	var n int
	err := c.call(ctx, "GET orders/count", func() error {
		var err error
		n, err = c.gs.Count(ctx, "orders/count.json", o)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("count orders: %w", err)
	}
	return n, nil
}

func orderListOptions(q OrderQuery) *goshopify.OrderListOptions {
	// since_id is sent even when 0: it is what makes Shopify sort by id (ids start at 1).
	after := uint64(max(q.AfterID, 0))
	o := &goshopify.OrderListOptions{
		ListOptions: goshopify.ListOptions{Limit: ordersPerPage, SinceId: &after,
			UpdatedAtMin: q.UpdatedAtMin, UpdatedAtMax: q.UpdatedAtMax,
			CreatedAtMin: q.CreatedAtMin, CreatedAtMax: q.CreatedAtMax},
		Status: goshopify.OrderStatusAny,
	}
	if len(q.Fields) > 0 {
		o.Fields = strings.Join(q.Fields, ",")
	}
	return o
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
