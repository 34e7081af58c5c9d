package shopify

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// What the portal's health panel asks of the client: the version Shopify served, how long
// the pinned version is supported, the token's expiry, and the access scopes granted.

// VersionSupport says when a stable API version (YYYY-MM) came out and until when Shopify
// supports it at least: versions come out each quarter (January, April, July, October) on
// the first at 17:00 UTC, and each is supported for at least twelve months after, when a
// request for it starts being served by the oldest supported version instead ("falls
// forward"; shared/reference/shopify-api.md §1). ok is false for anything else (unstable,
// a release candidate, a month no version comes out in), which Shopify does not support.
func VersionSupport(version string) (released, until time.Time, ok bool) {
	t, err := time.Parse("2006-01", version)
	if err != nil || (t.Month()-1)%3 != 0 {
		return time.Time{}, time.Time{}, false
	}
	released = t.Add(17 * time.Hour)
	return released, released.AddDate(1, 0, 0), true
}

// ServedVersion is the version Shopify said served the last answer (X-Shopify-API-Version):
// the pinned one, unless Shopify no longer supports it and fell forward to another. Empty
// before the first answer.
func (c *Client) ServedVersion() string {
	c.tr.dateMu.Lock()
	defer c.tr.dateMu.Unlock()
	return c.tr.served
}

// TokenExpiry says when the access token in use expires (client credentials: 24 hours
// after it was fetched; a new one is fetched before), and whether the client fetches its
// own tokens. Zero for a static token, which does not expire, and before the first call.
func (c *Client) TokenExpiry() (expires time.Time, refreshable bool) {
	return c.tr.tokens.expiry(), c.tr.tokens.refreshable()
}

// AccessScopes asks Shopify which access scopes the app's token has been granted
// (GET /admin/oauth/access_scopes.json, which is not versioned), sorted.
func (c *Client) AccessScopes(ctx context.Context) ([]string, error) {
	var out []string
	err := c.call(ctx, "GET oauth/access_scopes", func() error {
		scopes, err := c.gs.AccessScopes.List(ctx, nil)
		for _, s := range scopes {
			out = append(out, s.Handle)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("fetch access scopes: %w", err)
	}
	slices.Sort(out)
	return out, nil
}

// The access scopes each feed needs of the app (shared/reference/shopify-api.md): the
// orders feed reads orders (and shop.json, which needs none); the shipments feed reads an
// order's fulfillment orders and fulfillments and creates fulfillments at the merchant's
// own locations; the stock feed reads the catalog of variants and the locations and sets
// inventory levels.
var (
	ScopesOrders    = []string{"read_orders"}
	ScopesShipments = []string{"read_orders", "read_merchant_managed_fulfillment_orders", "write_merchant_managed_fulfillment_orders"}
	ScopesInventory = []string{"read_products", "read_locations", "read_inventory", "write_inventory"}
	// ScopesBackfill is what reading orders older than 60 days needs besides read_orders:
	// a backfill from further back, and the daily re-fetch of more than 60 days.
	ScopesBackfill = []string{"read_all_orders"}
)

// MissingScopes lists the scopes of needed that granted does not cover, in needed's order,
// each once. A write_ scope covers its read_ scope, as Shopify grants it.
func MissingScopes(granted, needed []string) []string {
	var out []string
	for _, n := range needed {
		if slices.Contains(granted, n) || slices.Contains(out, n) {
			continue
		}
		if r, ok := strings.CutPrefix(n, "read_"); ok && slices.Contains(granted, "write_"+r) {
			continue
		}
		out = append(out, n)
	}
	return out
}
