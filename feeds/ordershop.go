package feeds

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/passthrough-dev/passthrough/adapters/shopify"
	"github.com/passthrough-dev/passthrough/record"
)

// shopState is what the orders feed knows of the shop besides its orders: its time zone and
// the ids of the locations the ERP ships from, read once and kept.
type shopState struct {
	mu     sync.Mutex
	zone   *time.Location
	locs   shopify.Locations
	ours   map[int64]bool
	loaded bool
}

// zoneSetting is where the shop's time zone is kept, for when Shopify cannot say.
func zoneSetting(shop string) string { return "shop.timezone:" + shop }

// Zone is the shop's time zone: the configured one, else what Shopify's shop.json says (read
// once, and kept in the settings), else what the settings kept from an earlier read. When
// none of them answers it is UTC, and false: local dates then keep the offset Shopify sent,
// which for REST payloads is the shop's own.
func (f *Orders) Zone(ctx context.Context) (*time.Location, bool) {
	f.shop.mu.Lock()
	defer f.shop.mu.Unlock()
	if f.shop.zone != nil {
		return f.shop.zone, true
	}
	name := f.TimeZone
	if name == "" {
		switch s, err := f.Source.ShopInfo(ctx); {
		case err == nil && s.IANATimezone != "":
			name = s.IANATimezone
			if err := f.Store.SettingSet(ctx, zoneSetting(f.Shop), name); err != nil {
				f.Log.Warn("cannot keep the shop's time zone", "err", err)
			}
		default:
			if err != nil {
				f.Log.Warn("cannot read the shop's time zone from Shopify", "err", err)
			}
			if v, err := f.Store.SettingGet(ctx, zoneSetting(f.Shop)); err == nil {
				name = v
			}
		}
	}
	if name == "" {
		return time.UTC, false
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		f.Log.Warn("the shop's time zone is not one the tz database knows", "zone", name, "err", err)
		return time.UTC, false
	}
	f.shop.zone = loc
	return loc, true
}

// ZoneName is the shop's time zone as mappings see it (timezone), once Zone has read it; empty
// before, or when nothing said.
func (f *Orders) ZoneName() string {
	f.shop.mu.Lock()
	defer f.shop.mu.Unlock()
	if f.shop.zone == nil {
		return ""
	}
	return f.shop.zone.String()
}

// ourLines reads an order's fulfillment orders and sorts its line items into those assigned
// to the ERP's locations and the others, described for the ledger ("" when there are none).
func (f *Orders) ourLines(ctx context.Context, o *record.Order) (map[int64]bool, string, error) {
	locs, ours, err := f.ourLocations(ctx)
	if err != nil {
		return nil, "", err
	}
	fos, err := f.Source.FulfillmentOrders(ctx, o.ID)
	if err != nil {
		return nil, "", fmt.Errorf("read the fulfillment orders of order %d: %w", o.ID, err)
	}
	only := map[int64]bool{}
	elsewhere := map[int64]int64{} // line item → location
	for _, fo := range fos {
		for _, l := range fo.LineItems {
			if ours[fo.AssignedLocationID] {
				only[l.LineItemID] = true
			} else if !only[l.LineItemID] {
				elsewhere[l.LineItemID] = fo.AssignedLocationID
			}
		}
	}
	var notes []string
	for i, li := range o.LineItems {
		if loc, ok := elsewhere[li.ID]; ok && !only[li.ID] {
			notes = append(notes, fmt.Sprintf("line %d (%s) at %s", i+1, lineLabel(li), locationName(locs, loc)))
		}
	}
	if len(notes) == 0 {
		return only, "", nil
	}
	return only, "not the ERP's to ship, assigned to other locations: " + strings.Join(notes, ", "), nil
}

func lineLabel(li *record.LineItem) string {
	if li.SKU != "" {
		return li.SKU
	}
	return li.Title
}

// ourLocations resolves the configured locations to ids, once.
func (f *Orders) ourLocations(ctx context.Context) (shopify.Locations, map[int64]bool, error) {
	f.shop.mu.Lock()
	defer f.shop.mu.Unlock()
	if f.shop.loaded {
		return f.shop.locs, f.shop.ours, nil
	}
	locs, err := f.Source.Locations(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("read the locations: %w", err)
	}
	ours := map[int64]bool{}
	for _, name := range f.Locations {
		l, err := locationOf(locs, name)
		if err != nil {
			return nil, nil, fmt.Errorf("shopify.locations names %w", err)
		}
		ours[l.ID] = true
	}
	f.shop.locs, f.shop.ours, f.shop.loaded = locs, ours, true
	return locs, ours, nil
}
