package app

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/feeds"
	"github.com/passthrough-dev/passthrough/mapping"
	"github.com/passthrough-dev/passthrough/portal"
)

// orderActions is the orders feed as the portal's order page uses it.
type orderActions struct{ *feeds.Orders }

func (o orderActions) Rows(ctx context.Context, orderID int64) (portal.OrderRows, error) {
	res, err := o.Orders.Rows(ctx, orderID)
	if err != nil {
		return portal.OrderRows{}, err
	}
	return portal.OrderRows(*res), nil
}

// mappingFiles is the mapping folder as the portal's mapping pages use it.
type mappingFiles struct {
	dir  *mapping.Dir
	shop string
	now  func() time.Time
}

func (m *mappingFiles) Files(context.Context) ([]portal.MappingFile, error) {
	var out []portal.MappingFile
	for _, f := range m.dir.Files() {
		pf := portal.MappingFile{Name: f.Name, Source: string(f.Source), Version: f.Version, SavedAt: f.SavedAt, SavedBy: f.SavedBy}
		if f.Problems != nil {
			pf.Problems = f.Problems.Error()
		}
		out = append(out, pf)
	}
	return out, nil
}

func (m *mappingFiles) Save(_ context.Context, name string, src []byte, user string) error {
	return m.dir.Save(name, src, user, m.now())
}

func (m *mappingFiles) Versions(_ context.Context, name string) ([]portal.MappingVersion, error) {
	vs, err := m.dir.Versions(name)
	if err != nil {
		return nil, err
	}
	out := make([]portal.MappingVersion, len(vs))
	for i, v := range vs {
		out[i] = portal.MappingVersion{Version: v.Version, SavedAt: v.SavedAt, SavedBy: v.SavedBy, Source: v.Source}
	}
	return out, nil
}

// Preview maps one record with the saved file, or with src when the person is trying a
// draft: a Shopify order for orders.yaml, a shipment or a stock row (as JSON) for the
// others.
func (m *mappingFiles) Preview(_ context.Context, name string, src, record []byte) (portal.Preview, error) {
	set := m.dir.Set()
	if src != nil {
		var err error
		if set, err = mapping.Parse(filepath.Join(m.dir.Path(), name), src); err != nil {
			return portal.Preview{}, err
		}
	}
	now := m.now().UTC()
	var tables []portal.PreviewTable
	var err error
	switch name {
	case mapping.FeedOrders + ".yaml":
		if set.Orders == nil {
			return portal.Preview{}, errors.New("orders.yaml does not compile")
		}
		o, derr := mapping.DecodeOrder(record)
		if derr != nil {
			return portal.Preview{}, derr
		}
		var res *mapping.OrderResult
		if res, err = set.Orders.Map(mapping.OrderInput{Shop: m.shop, Order: o, Now: now}); err == nil {
			tables = []portal.PreviewTable{
				{Name: res.Header.Name, Rows: []passthrough.Row{res.HeaderRow}},
				{Name: res.Lines.Name, Rows: res.LineRows},
			}
		}
	case mapping.FeedShipments + ".yaml":
		if set.Shipments == nil {
			return portal.Preview{}, errors.New("shipments.yaml does not compile")
		}
		sh, derr := mapping.DecodeShipment(record)
		if derr != nil {
			return portal.Preview{}, derr
		}
		var res *mapping.ShipmentResult
		if res, err = set.Shipments.Map(mapping.ShipmentInput{Shop: m.shop, Shipment: *sh, Now: now}); err == nil {
			tables = []portal.PreviewTable{{Name: "fulfillment tracking", Rows: []passthrough.Row{{
				Columns: []string{"tracking_number", "company", "tracking_url", "notify_customer"},
				Values:  []any{res.TrackingNumber, res.Company, res.TrackingURL, res.NotifyCustomer},
			}}}}
		}
	case mapping.FeedInventory + ".yaml":
		if set.Inventory == nil {
			return portal.Preview{}, errors.New("inventory.yaml does not compile")
		}
		st, derr := mapping.DecodeStock(record)
		if derr != nil {
			return portal.Preview{}, derr
		}
		var res *mapping.StockResult
		if res, err = set.Inventory.Map(mapping.StockInput{Shop: m.shop, Stock: *st, Now: now}); err == nil {
			tables = []portal.PreviewTable{{Name: "inventory level", Rows: []passthrough.Row{{
				Columns: []string{"location", "quantity"}, Values: []any{res.Location, res.Quantity},
			}}}}
		}
	default:
		return portal.Preview{}, fmt.Errorf("no preview for %s", name)
	}
	var re *passthrough.RecordError
	if errors.As(err, &re) {
		return portal.Preview{Rejected: re}, nil
	}
	if err != nil {
		return portal.Preview{}, err
	}
	return portal.Preview{Tables: tables}, nil
}

// stockPage is the inventory feed as the portal's stock page uses it; Sync now runs the
// full pass through the scheduler, so it never overlaps a scheduled run.
type stockPage struct {
	*feeds.Inventory
	sched *feeds.Scheduler
}

func (p stockPage) SyncNow() error { return p.sched.RunNow(feeds.TaskInventoryFull) }
