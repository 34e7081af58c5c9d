package erp

import "time"

// ShipmentListParams selects rows of external_order_shipments for the portal: the rows of at
// most Limit shipments of a shop, the highest shipment id first, each shipment's rows
// together in line order.
type ShipmentListParams struct {
	Shop string // required
	// Status keeps the shipments whose rows have this sync status; ShipmentUnsent for NULL
	// (not sent yet); empty for every one.
	Status     string
	OrderID    int64  // 0 for every order
	ShipmentID string // empty for every shipment
	// Before pages: the shipments whose id sorts before it.
	Before string
	Limit  int // shipments, not rows; 0 means 50; at most 500
}

// ShipmentUnsent selects the shipments not sent yet (sync_status NULL) in ShipmentListParams.
const ShipmentUnsent = "unsent"

// ShipmentFulfillment is a fulfillment the shipments feed created in Shopify for a
// shipment: what the shipment became.
type ShipmentFulfillment struct {
	Shop          string
	ShipmentID    string
	FulfillmentID int64
	Name          string // #1001.1
	At            time.Time
}
