package app

import (
	"time"

	"github.com/passthrough-dev/passthrough/adapters/shopify"
	"github.com/passthrough-dev/passthrough/config"
	"github.com/passthrough-dev/passthrough/feeds"
	"github.com/passthrough-dev/passthrough/portal"
)

// What the health panel expects of a store, from its configuration: the access scopes its
// feeds need, and how often each scheduled feed should succeed.

// scopeNeeds are the access scopes the store's feeds, as configured, need of the app.
func (s *Shop) scopeNeeds() []portal.ScopeNeed {
	f := s.Config.Feeds
	var out []portal.ScopeNeed
	add := func(scopes []string, what string, optional bool) {
		for _, sc := range scopes {
			out = append(out, portal.ScopeNeed{Scope: sc, For: what, Optional: optional})
		}
	}
	if !f.Orders.Disabled {
		add(shopify.ScopesOrders, "the orders feed", false)
		// Shopify shows orders older than 60 days only with read_all_orders: the daily
		// re-fetch needs it when it reaches that far, a backfill from further back always.
		add(shopify.ScopesBackfill, "orders older than 60 days (backfills, the daily re-fetch)", f.Orders.DailyDays <= 60)
	}
	if !f.Shipments.Disabled {
		add(shopify.ScopesShipments, "the shipments feed", false)
	}
	if f.Inventory.Mode != config.InventoryOff {
		add(shopify.ScopesInventory, "the stock feed", false)
	}
	return out
}

// feedExpectations say how often each scheduled feed of the store should succeed, by the
// name its runs are recorded under.
func (s *Shop) feedExpectations() []portal.FeedExpectation {
	f := s.Config.Feeds
	const day = 24 * time.Hour
	var out []portal.FeedExpectation
	if !f.Orders.Disabled {
		out = append(out, portal.FeedExpectation{Feed: feeds.FeedOrders, Every: f.Orders.Every.Std()})
		if f.Orders.DailyAt != "" && f.Orders.DailyDays > 0 {
			out = append(out, portal.FeedExpectation{Feed: feeds.FeedOrdersCheck, Every: day})
		}
	}
	if !f.Shipments.Disabled {
		out = append(out, portal.FeedExpectation{Feed: feeds.FeedShipments, Every: f.Shipments.Every.Std()})
	}
	switch f.Inventory.Mode {
	case config.InventoryLive:
		out = append(out, portal.FeedExpectation{Feed: feeds.FeedInventory, Every: f.Inventory.Every.Std()})
	case config.InventoryDaily:
		out = append(out, portal.FeedExpectation{Feed: feeds.FeedInventory, Every: day})
	}
	return out
}
