package record

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// ShipmentRow is one row of the ERP's shipments table (external_order_shipments): one
// shipped item, as the ERP wrote it.
type ShipmentRow struct {
	ShipmentID     string
	LineNo         int
	Shop           string
	WebOrderID     int64
	ItemCode       string
	Quantity       int
	TrackingNumber string
	Carrier        string
	TrackingURL    string
	ShipDate       time.Time
	// LineItemID is the Shopify order line item the row ships, when the ERP's table has a
	// line_item_id column and the row fills it; 0 otherwise, and the SKU decides.
	LineItemID int64
	// SyncStatus, SyncError and SyncedAt are what passthrough wrote back on the row: NULL
	// (empty) until the shipment is handled, then sent, error, skipped or test, with the
	// reason and when. The feeds read unsent rows only; the portal reads them all.
	SyncStatus string
	SyncError  string
	SyncedAt   time.Time
}

// Shipment is one shipment the ERP reports (the rows of external_order_shipments that
// share a shipment id), as the shipments mapping sees it.
type Shipment struct {
	ID             string         `json:"id" expr:"id"`
	OrderID        int64          `json:"order_id" expr:"order_id"` // the Shopify order id
	TrackingNumber string         `json:"tracking_number" expr:"tracking_number"`
	Carrier        string         `json:"carrier" expr:"carrier"`
	TrackingURL    string         `json:"tracking_url" expr:"tracking_url"`
	ShipDate       time.Time      `json:"ship_date" expr:"ship_date"`
	Items          []ShipmentItem `json:"items" expr:"items"`
}

// ShipmentItem is one shipped item of a shipment.
type ShipmentItem struct {
	LineNo   int    `json:"line_no" expr:"line_no"`
	SKU      string `json:"sku" expr:"sku"`
	Quantity int    `json:"quantity" expr:"quantity"`
	// LineItemID is the Shopify order line item, when the ERP's row names it (0 otherwise);
	// the feed then matches by it instead of by SKU.
	LineItemID int64 `json:"line_item_id" expr:"line_item_id"`
}

// ShipmentOf reads one shipment out of its rows (at least one, all with its shipment id).
// They must name one order and one tracking number (Shopify takes one per fulfillment),
// and ship at least one unit on every row; the error says which rule a row breaks, in words
// the person who fills the table can act on.
func ShipmentOf(rows []ShipmentRow) (Shipment, error) {
	first := rows[0]
	sh := Shipment{ID: first.ShipmentID, OrderID: first.WebOrderID, ShipDate: first.ShipDate}
	var numbers []string
	for _, r := range rows {
		if r.WebOrderID != first.WebOrderID {
			return sh, fmt.Errorf("shipment %s names two orders (%d and %d); a shipment ships one order", sh.ID, first.WebOrderID, r.WebOrderID)
		}
		if n := strings.TrimSpace(r.TrackingNumber); n != "" && !slices.Contains(numbers, n) {
			numbers = append(numbers, n)
			sh.TrackingNumber = r.TrackingNumber
		}
		if sh.Carrier == "" {
			sh.Carrier = r.Carrier
		}
		if sh.TrackingURL == "" {
			sh.TrackingURL = r.TrackingURL
		}
		if r.Quantity <= 0 {
			return sh, fmt.Errorf("line %d of shipment %s ships %d × %s; a quantity must be at least 1", r.LineNo, sh.ID, r.Quantity, r.ItemCode)
		}
		sh.Items = append(sh.Items, ShipmentItem{LineNo: r.LineNo, SKU: strings.TrimSpace(r.ItemCode), Quantity: r.Quantity, LineItemID: r.LineItemID})
	}
	if len(numbers) > 1 {
		return sh, fmt.Errorf("shipment %s has %d tracking numbers (%s); Shopify takes one per fulfillment, so give each parcel a shipment id of its own",
			sh.ID, len(numbers), strings.Join(numbers, ", "))
	}
	if sh.OrderID <= 0 {
		return sh, fmt.Errorf("shipment %s names no Shopify order (web_order_id %d)", sh.ID, sh.OrderID)
	}
	return sh, nil
}

// DecodeShipment reads one shipment from JSON: {"id": …, "order_id": …, "items": […]}, as a
// mapping test or a preview gives it.
func DecodeShipment(raw []byte) (*Shipment, error) {
	var sh Shipment
	if err := decodeJSON(raw, &sh); err != nil {
		return nil, fmt.Errorf("decode shipment: %w", err)
	}
	return &sh, nil
}
