package mapping

import (
	"fmt"
	"time"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/record"
)

// PreviewInput is one record to map for a look at what it gives.
type PreviewInput struct {
	Feed string // orders, shipments or inventory
	// Raw is the record as JSON: a Shopify order (bare or as {"order": …}), a shipment
	// ({"id", "order_id", "items": […]}) or a stock row ({"item_code", …}).
	Raw  []byte
	Shop string
	// Now is what expressions read as now.
	Now time.Time
	// TimeZone is the shop's time zone (IANA name), for local(); empty keeps the offsets the
	// payload has.
	TimeZone string
}

// Preview maps one record with the set's mapping for its feed and gives the rows it
// produces, block by block, as the feed would write or send them: an order's header and
// lines (and, when the file has a cancel block, the columns a cancellation after staging
// sets; with a refunds block, the rows each of the order's refunds gives when it comes after
// staging), a shipment's fulfillment tracking, a stock row's level. The portal's live preview,
// `passthrough mapping preview` and the mapping tests all come here, so what a person sees
// is what the feed does.
//
// A record the mapping refuses gives a *passthrough.RecordError with the severity and
// message the feed would record; a record that cannot be read, an error saying which field.
func (s *Set) Preview(in PreviewInput) ([]passthrough.TableRows, error) {
	switch in.Feed {
	case FeedOrders:
		if s.Orders == nil {
			return nil, noMapping(in.Feed)
		}
		o, err := record.DecodeOrder(in.Raw)
		if err != nil {
			return nil, err
		}
		oin := OrderInput{Shop: in.Shop, Order: o, Now: in.Now, TimeZone: in.TimeZone}
		rows, err := s.Orders.Map(oin)
		if err != nil {
			return nil, err
		}
		tables := rows.Tables()
		if s.Orders.cancelProg != nil {
			row, err := s.Orders.Cancel(oin)
			if err != nil {
				return nil, fmt.Errorf("cancel: %w", err)
			}
			tables = append(tables, passthrough.TableRows{Block: "cancel", Table: s.Orders.header, Rows: []passthrough.Row{row}})
		}
		if s.Orders.refundProg != nil {
			refunds := passthrough.TableRows{Block: "refunds", Table: s.Orders.refunds}
			for _, r := range o.Refunds {
				rows, err := s.Orders.Refund(oin, r)
				if err != nil {
					return nil, err
				}
				refunds.Rows = append(refunds.Rows, rows...)
			}
			tables = append(tables, refunds)
		}
		return tables, nil
	case FeedShipments:
		if s.Shipments == nil {
			return nil, noMapping(in.Feed)
		}
		sh, err := record.DecodeShipment(in.Raw)
		if err != nil {
			return nil, err
		}
		res, err := s.Shipments.Map(ShipmentInput{Shop: in.Shop, Shipment: *sh, Now: in.Now})
		if err != nil {
			return nil, err
		}
		return []passthrough.TableRows{{Block: "fulfillment", Table: passthrough.Table{Name: "fulfillment tracking"},
			Rows: []passthrough.Row{res.row()}}}, nil
	case FeedInventory:
		if s.Inventory == nil {
			return nil, noMapping(in.Feed)
		}
		st, err := record.DecodeStock(in.Raw)
		if err != nil {
			return nil, err
		}
		res, err := s.Inventory.Map(StockInput{Shop: in.Shop, Stock: *st, Now: in.Now})
		if err != nil {
			return nil, err
		}
		return []passthrough.TableRows{{Block: "level", Table: passthrough.Table{Name: "inventory level"},
			Rows: []passthrough.Row{res.row()}}}, nil
	}
	return nil, fmt.Errorf("no preview for feed %q: want orders, shipments or inventory", in.Feed)
}

func noMapping(feed string) error {
	return fmt.Errorf("no %s mapping: %s.yaml is missing or does not compile", feed, feed)
}
