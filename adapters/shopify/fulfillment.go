package shopify

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	goshopify "github.com/bold-commerce/go-shopify/v4"
)

// FulfillmentOrder is the part of an order assigned to one location: what a fulfillment is
// created against. Shopify makes them with the order.
type FulfillmentOrder struct {
	ID                 int64
	OrderID            int64
	AssignedLocationID int64
	// Status is open, in_progress, scheduled, on_hold, incomplete, cancelled or closed.
	Status           string
	RequestStatus    string
	SupportedActions []string
	LineItems        []FulfillmentOrderLine
}

// CanFulfill reports whether a fulfillment can be created against fo now.
func (fo FulfillmentOrder) CanFulfill() bool {
	return slices.Contains(fo.SupportedActions, "create_fulfillment")
}

// FulfillmentOrderLine is one line of a fulfillment order. A fulfillment request names its
// ID, which is not the order's line item id (LineItemID is).
type FulfillmentOrderLine struct {
	ID                  int64
	LineItemID          int64
	VariantID           int64
	InventoryItemID     int64
	Quantity            int
	FulfillableQuantity int
}

// FulfillmentOrders lists an order's fulfillment orders.
func (c *Client) FulfillmentOrders(ctx context.Context, orderID int64) ([]FulfillmentOrder, error) {
	var list []goshopify.FulfillmentOrder
	err := c.call(ctx, "GET orders/{id}/fulfillment_orders", func() error {
		var err error
		list, err = c.gs.FulfillmentOrder.List(ctx, uint64(orderID), nil)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("fetch fulfillment orders of order %d: %w", orderID, err)
	}
	out := make([]FulfillmentOrder, 0, len(list))
	for _, fo := range list {
		f := FulfillmentOrder{
			ID: int64(fo.Id), OrderID: int64(fo.OrderId), AssignedLocationID: int64(fo.AssignedLocationId),
			Status: fo.Status, RequestStatus: fo.RequestStatus, SupportedActions: fo.SupportedActions,
		}
		for _, l := range fo.LineItems {
			f.LineItems = append(f.LineItems, FulfillmentOrderLine{
				ID: int64(l.Id), LineItemID: int64(l.LineItemId), VariantID: int64(l.VariantId), InventoryItemID: int64(l.InventoryItemId),
				Quantity: int(l.Quantity), FulfillableQuantity: int(l.FulfillableQuantity),
			})
		}
		out = append(out, f)
	}
	return out, nil
}

// FulfillmentRequest is one shipment: lines of one or more fulfillment orders of the same
// order, with one tracking number (several parcels are several fulfillments).
type FulfillmentRequest struct {
	FulfillmentOrders []FulfillmentOrderItems
	Tracking          Tracking
	NotifyCustomer    bool
}

// FulfillmentOrderItems names the lines of one fulfillment order to ship. No lines means
// everything still to be shipped on it.
type FulfillmentOrderItems struct {
	FulfillmentOrderID int64
	Lines              []FulfillmentItem
}

// FulfillmentItem is a fulfillment order line (its ID, not the order line item's) and the
// quantity shipped.
type FulfillmentItem struct {
	FulfillmentOrderLineID int64
	Quantity               int
}

// Tracking is a shipment's tracking information. Shopify fills Company and URL from a
// number it recognises when they are left empty.
type Tracking struct {
	Number  string
	Company string
	URL     string
}

// Fulfillment is a shipment recorded on an order.
type Fulfillment struct {
	ID              int64
	OrderID         int64
	LocationID      int64
	Name            string // e.g. #1001.1
	Status          string // pending, open, success, cancelled, error, failure
	TrackingCompany string
	TrackingNumbers []string
	TrackingURLs    []string
	LineItems       []FulfilledLine
	CreatedAt       time.Time
}

// HasTrackingNumber reports whether f carries tracking number n, which is how a feed that
// crashed after creating a fulfillment recognises it on the next run.
func (f Fulfillment) HasTrackingNumber(n string) bool {
	return n != "" && slices.Contains(f.TrackingNumbers, n)
}

// FulfilledLine is an order line item and the quantity a fulfillment shipped of it.
type FulfilledLine struct {
	LineItemID int64
	SKU        string
	Quantity   int
}

// fulfillmentJSON is a fulfillment as the REST API writes it. Decoded here rather than
// into go-shopify's type, which has no name and decodes every order line item in full.
type fulfillmentJSON struct {
	ID              int64      `json:"id"`
	OrderID         int64      `json:"order_id"`
	LocationID      *int64     `json:"location_id"`
	Name            string     `json:"name"`
	Status          string     `json:"status"`
	TrackingCompany *string    `json:"tracking_company"`
	TrackingNumber  *string    `json:"tracking_number"`
	TrackingNumbers []string   `json:"tracking_numbers"`
	TrackingURL     *string    `json:"tracking_url"`
	TrackingURLs    []string   `json:"tracking_urls"`
	CreatedAt       *time.Time `json:"created_at"`
	LineItems       []struct {
		ID       int64   `json:"id"`
		SKU      *string `json:"sku"`
		Quantity int     `json:"quantity"`
	} `json:"line_items"`
}

func (f fulfillmentJSON) convert() Fulfillment {
	deref := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	out := Fulfillment{
		ID: f.ID, OrderID: f.OrderID, Name: f.Name, Status: f.Status, TrackingCompany: deref(f.TrackingCompany),
		TrackingNumbers: f.TrackingNumbers, TrackingURLs: f.TrackingURLs,
	}
	if f.LocationID != nil {
		out.LocationID = *f.LocationID
	}
	if len(out.TrackingNumbers) == 0 && deref(f.TrackingNumber) != "" {
		out.TrackingNumbers = []string{*f.TrackingNumber}
	}
	if len(out.TrackingURLs) == 0 && deref(f.TrackingURL) != "" {
		out.TrackingURLs = []string{*f.TrackingURL}
	}
	if f.CreatedAt != nil {
		out.CreatedAt = *f.CreatedAt
	}
	for _, l := range f.LineItems {
		out.LineItems = append(out.LineItems, FulfilledLine{LineItemID: l.ID, SKU: deref(l.SKU), Quantity: l.Quantity})
	}
	return out
}

// CreateFulfillment records a shipment (POST fulfillments.json). Shopify's 422 messages
// (a quantity above what is left, a closed fulfillment order) come back verbatim in an
// *APIError. The call is not repeated after a 5xx or a lost connection, because Shopify
// may have created the fulfillment: the error is then ErrRetryable, and the caller should
// look at Fulfillments (the tracking number) before trying again.
func (c *Client) CreateFulfillment(ctx context.Context, req FulfillmentRequest) (Fulfillment, error) {
	if len(req.FulfillmentOrders) == 0 {
		return Fulfillment{}, errors.New("create fulfillment: no fulfillment order given")
	}
	type item struct {
		ID       int64 `json:"id"`
		Quantity int   `json:"quantity"`
	}
	type group struct {
		FulfillmentOrderID int64  `json:"fulfillment_order_id"`
		Items              []item `json:"fulfillment_order_line_items,omitempty"`
	}
	type tracking struct {
		Number  string `json:"number,omitempty"`
		Company string `json:"company,omitempty"`
		URL     string `json:"url,omitempty"`
	}
	var body struct {
		Fulfillment struct {
			LineItemsByFulfillmentOrder []group   `json:"line_items_by_fulfillment_order"`
			TrackingInfo                *tracking `json:"tracking_info,omitempty"`
			NotifyCustomer              bool      `json:"notify_customer"`
		} `json:"fulfillment"`
	}
	for _, fo := range req.FulfillmentOrders {
		g := group{FulfillmentOrderID: fo.FulfillmentOrderID}
		for _, l := range fo.Lines {
			if l.Quantity <= 0 {
				return Fulfillment{}, fmt.Errorf("create fulfillment: quantity %d for fulfillment order line %d is not positive", l.Quantity, l.FulfillmentOrderLineID)
			}
			g.Items = append(g.Items, item{ID: l.FulfillmentOrderLineID, Quantity: l.Quantity})
		}
		body.Fulfillment.LineItemsByFulfillmentOrder = append(body.Fulfillment.LineItemsByFulfillmentOrder, g)
	}
	if req.Tracking != (Tracking{}) {
		body.Fulfillment.TrackingInfo = &tracking{Number: req.Tracking.Number, Company: req.Tracking.Company, URL: req.Tracking.URL}
	}
	body.Fulfillment.NotifyCustomer = req.NotifyCustomer
	var res struct {
		Fulfillment *fulfillmentJSON `json:"fulfillment"`
	}
	err := c.call(ctx, "POST fulfillments", func() error {
		return c.gs.Post(ctx, "fulfillments.json", body, &res)
	})
	if err != nil {
		return Fulfillment{}, fmt.Errorf("create fulfillment: %w", err)
	}
	if res.Fulfillment == nil {
		return Fulfillment{}, errors.New("create fulfillment: Shopify answered without the fulfillment")
	}
	return res.Fulfillment.convert(), nil
}

// Fulfillments lists the fulfillments recorded on an order.
func (c *Client) Fulfillments(ctx context.Context, orderID int64) ([]Fulfillment, error) {
	var res struct {
		Fulfillments []fulfillmentJSON `json:"fulfillments"`
	}
	err := c.call(ctx, "GET orders/{id}/fulfillments", func() error {
		return c.gs.Get(ctx, fmt.Sprintf("orders/%d/fulfillments.json", orderID), &res, goshopify.ListOptions{Limit: 250})
	})
	if err != nil {
		return nil, fmt.Errorf("fetch fulfillments of order %d: %w", orderID, err)
	}
	out := make([]Fulfillment, 0, len(res.Fulfillments))
	for _, f := range res.Fulfillments {
		out = append(out, f.convert())
	}
	return out, nil
}
