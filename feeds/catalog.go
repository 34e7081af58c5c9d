package feeds

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/passthrough-dev/passthrough/adapters/shopify"
)

// catalogCache keeps the store's catalog of variants (SKU → inventory item) and its
// locations between runs: reading them takes many calls, and they change seldom.
type catalogCache struct {
	mu      sync.Mutex
	catalog *shopify.Catalog
	locs    shopify.Locations
	readAt  time.Time
}

func (c *catalogCache) get() (*shopify.Catalog, shopify.Locations, time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.catalog, c.locs, c.readAt
}

func (c *catalogCache) put(cat *shopify.Catalog, locs shopify.Locations, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.catalog, c.locs, c.readAt = cat, locs, at
}

// locations returns the locations last read, or nil.
func (c *catalogCache) locations() shopify.Locations {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.locs
}

// putLocations keeps locations read on their own, unless a catalog read brought some first.
func (c *catalogCache) putLocations(locs shopify.Locations) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.locs == nil {
		c.locs = locs
	}
}

// ensureCatalog returns the catalog and locations: read whole when full is set, refreshed
// (only what changed) when they are older than CatalogEvery.
func (f *Inventory) ensureCatalog(ctx context.Context, full bool) (*shopify.Catalog, shopify.Locations, error) {
	if cat, locs, at := f.catalog.get(); !full && cat != nil && f.Now().Sub(at) < f.CatalogEvery {
		return cat, locs, nil
	}
	if err := f.readCatalog(ctx, full); err != nil {
		return nil, nil, err
	}
	cat, locs, _ := f.catalog.get()
	return cat, locs, nil
}

// RefreshCatalog reads the store's variants (SKU → inventory item) and locations again,
// whole, so variants deleted in Shopify are gone too. Runs refresh the catalog themselves
// when it is older than CatalogEvery (asking only for what changed) and read it whole on a
// full pass.
func (f *Inventory) RefreshCatalog(ctx context.Context) error { return f.readCatalog(ctx, true) }

// readCatalog reads the catalog (whole, or what changed since the last read) and the
// locations.
func (f *Inventory) readCatalog(ctx context.Context, full bool) error {
	f.defaults()
	read := f.Shopify.Catalog
	if full {
		read = f.Shopify.CatalogFull
	}
	cat, err := read(ctx)
	if err != nil {
		return fmt.Errorf("read the catalog of variants: %w", err)
	}
	locs, err := f.Shopify.Locations(ctx)
	if err != nil {
		return fmt.Errorf("read the locations: %w", err)
	}
	f.catalog.put(cat, locs, f.Now())
	f.Log.Info("catalog read", "feed", FeedInventory, "shop", f.Shop, "skus", cat.Len(), "without_sku", cat.NoSKU,
		"duplicates", len(cat.Duplicates()), "locations", len(locs))
	return nil
}

// Locations names Shopify's locations by id: those last read, or read now when none were.
func (f *Inventory) Locations(ctx context.Context) (map[int64]string, error) {
	locs := f.catalog.locations()
	if locs == nil {
		var err error
		if locs, err = f.Shopify.Locations(ctx); err != nil {
			return nil, fmt.Errorf("read the locations: %w", err)
		}
		f.catalog.putLocations(locs)
	}
	out := make(map[int64]string, len(locs))
	for _, l := range locs {
		out[l.ID] = l.Name
	}
	return out, nil
}

// locationOf finds the location a mapping names: by name (Shopify's, ignoring case), or by
// id, which survives a rename.
func locationOf(locs shopify.Locations, name string) (shopify.Location, error) {
	l, err := locs.ByName(name)
	if errors.Is(err, shopify.ErrUnknownLocation) {
		if id, perr := strconv.ParseInt(strings.TrimSpace(name), 10, 64); perr == nil {
			for _, l := range locs {
				if l.ID == id {
					return l, nil
				}
			}
		}
		names := make([]string, 0, len(locs))
		for _, l := range locs {
			names = append(names, strconv.Quote(l.Name))
		}
		return shopify.Location{}, fmt.Errorf("%q, which is no Shopify location (they are %s)", name, strings.Join(names, ", "))
	}
	return l, err
}

// locationName is the name of the location with id, as last read.
func locationName(locs shopify.Locations, id int64) string {
	for _, l := range locs {
		if l.ID == id {
			return l.Name
		}
	}
	return "location " + strconv.FormatInt(id, 10)
}
