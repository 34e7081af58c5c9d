package shopify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	goshopify "github.com/bold-commerce/go-shopify/v4"
)

// RawOrder is one order as Shopify sent it, with the few fields a feed needs before it
// decodes the rest (the mapping package does that).
type RawOrder struct {
	ID        int64
	Name      string
	UpdatedAt time.Time
	Raw       json.RawMessage // the order exactly as Shopify sent it
	// Err says why ID, Name or UpdatedAt could not be read from Raw. The order is still
	// handed on, so the caller can record the problem on it and carry on with the page.
	Err error
}

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
func (c *Client) OrderPages(ctx context.Context, q OrderQuery, fn func(page []RawOrder) error) error {
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
		page := make([]RawOrder, 0, len(res.Orders))
		for _, raw := range res.Orders {
			page = append(page, readRawOrder(raw))
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
func (c *Client) Order(ctx context.Context, id int64) (RawOrder, error) {
	var res struct {
		Order json.RawMessage `json:"order"`
	}
	err := c.call(ctx, "GET orders/{id}", func() error {
		return c.gs.Get(ctx, fmt.Sprintf("orders/%d.json", id), &res, nil)
	})
	if err != nil {
		return RawOrder{}, fmt.Errorf("fetch order %d: %w", id, err)
	}
	if len(res.Order) == 0 || bytes.Equal(res.Order, []byte("null")) {
		return RawOrder{}, fmt.Errorf("fetch order %d: %w", id, ErrNotFound)
	}
	return readRawOrder(res.Order), nil
}

// readRawOrder reads id, name and updated_at tolerantly: an id written as a string, a
// missing name, a bad time are problems of this one order, recorded in Err.
func readRawOrder(raw json.RawMessage) RawOrder {
	o := RawOrder{Raw: raw}
	var h struct {
		ID        json.RawMessage `json:"id"`
		Name      json.RawMessage `json:"name"`
		UpdatedAt json.RawMessage `json:"updated_at"`
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		// (json's own message names a Go type, which tells a person nothing.)
		o.Err = fmt.Errorf("order is not a JSON object: %s", truncate(raw))
		return o
	}
	var errs []error
	if id, err := readID(h.ID); err != nil {
		errs = append(errs, fmt.Errorf("order id: %w", err))
	} else {
		o.ID = id
	}
	if len(h.Name) > 0 && !bytes.Equal(h.Name, []byte("null")) {
		if err := json.Unmarshal(h.Name, &o.Name); err != nil {
			errs = append(errs, fmt.Errorf("order name is not a string: %s", h.Name))
		}
	}
	var updated string
	if len(h.UpdatedAt) == 0 || bytes.Equal(h.UpdatedAt, []byte("null")) {
		errs = append(errs, errors.New("order updated_at is missing"))
	} else if err := json.Unmarshal(h.UpdatedAt, &updated); err != nil {
		errs = append(errs, fmt.Errorf("order updated_at is not a string: %s", truncate(h.UpdatedAt)))
	} else if t, err := time.Parse(time.RFC3339, updated); err != nil {
		errs = append(errs, fmt.Errorf("order updated_at %q is not an ISO 8601 time", updated))
	} else {
		o.UpdatedAt = t
	}
	o.Err = errors.Join(errs...)
	return o
}

// readID reads a 64-bit id, also from a string ("450789469"), never through float64.
func readID(b json.RawMessage) (int64, error) {
	if len(b) == 0 || bytes.Equal(b, []byte("null")) {
		return 0, errors.New("missing")
	}
	s := string(b)
	if b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return 0, fmt.Errorf("not a number: %s", truncate(b))
		}
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("not a positive integer: %s", truncate(b))
	}
	return id, nil
}

func truncate(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "…"
	}
	return string(b)
}
