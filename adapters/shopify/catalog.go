package shopify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	goshopify "github.com/bold-commerce/go-shopify/v4"
)

// Catalog errors. Use errors.Is; a duplicate is also a *DuplicateSKUError listing them.
var (
	ErrUnknownSKU      = errors.New("shopify: no variant has this SKU")
	ErrDuplicateSKU    = errors.New("shopify: several variants have this SKU")
	ErrUnknownLocation = errors.New("shopify: no location has this name")
)

// Variant is one product variant, as the stock feed needs it.
type Variant struct {
	SKU             string
	VariantID       int64
	ProductID       int64
	InventoryItemID int64
	ProductTitle    string
	VariantTitle    string
	// InventoryManagement is "shopify" when Shopify tracks the variant's stock, "" when it
	// does not (its levels cannot be set).
	InventoryManagement string
}

// Tracked reports whether Shopify tracks the variant's stock.
func (v Variant) Tracked() bool { return v.InventoryManagement != "" }

func (v Variant) String() string {
	return fmt.Sprintf("variant %d (%s / %s)", v.VariantID, v.ProductTitle, v.VariantTitle)
}

// DuplicateSKUError lists the variants that share a SKU. Shopify does not enforce unique
// SKUs; which variant an ERP item means is a person's call, never a guess.
type DuplicateSKUError struct {
	SKU      string
	Variants []Variant
}

func (e *DuplicateSKUError) Error() string {
	names := make([]string, 0, len(e.Variants))
	for _, v := range e.Variants {
		names = append(names, v.String())
	}
	return fmt.Sprintf("SKU %q is on %d variants in Shopify: %s", e.SKU, len(e.Variants), strings.Join(names, ", "))
}

// Is makes errors.Is(err, ErrDuplicateSKU) true.
func (e *DuplicateSKUError) Is(target error) bool { return target == ErrDuplicateSKU }

// Catalog indexes a store's variants by SKU.
type Catalog struct {
	bySKU map[string][]Variant
	// NoSKU counts variants without a SKU (not indexed).
	NoSKU int
	// Problems lists products that could not be read, one message each.
	Problems []string
	// FetchedAt is when the catalog was read.
	FetchedAt time.Time
}

// NewCatalog indexes variants by SKU (surrounding spaces ignored; case kept, as Shopify
// keeps it). Variants without a SKU are counted, not indexed.
func NewCatalog(variants []Variant) *Catalog {
	c := &Catalog{bySKU: map[string][]Variant{}}
	for _, v := range variants {
		c.add(v)
	}
	return c
}

func (c *Catalog) add(v Variant) {
	v.SKU = strings.TrimSpace(v.SKU)
	if v.SKU == "" {
		c.NoSKU++
		return
	}
	c.bySKU[v.SKU] = append(c.bySKU[v.SKU], v)
}

// Lookup returns the variant with sku: ErrUnknownSKU when none has it, a
// *DuplicateSKUError (errors.Is ErrDuplicateSKU) when several do.
func (c *Catalog) Lookup(sku string) (Variant, error) {
	sku = strings.TrimSpace(sku)
	vs := c.bySKU[sku]
	switch len(vs) {
	case 0:
		return Variant{}, fmt.Errorf("SKU %q: %w", sku, ErrUnknownSKU)
	case 1:
		return vs[0], nil
	}
	return Variant{}, &DuplicateSKUError{SKU: sku, Variants: slices.Clone(vs)}
}

// Len is the number of distinct SKUs.
func (c *Catalog) Len() int { return len(c.bySKU) }

// Duplicates returns every SKU that more than one variant has, sorted.
func (c *Catalog) Duplicates() []*DuplicateSKUError {
	var out []*DuplicateSKUError
	for sku, vs := range c.bySKU {
		if len(vs) > 1 {
			out = append(out, &DuplicateSKUError{SKU: sku, Variants: slices.Clone(vs)})
		}
	}
	slices.SortFunc(out, func(a, b *DuplicateSKUError) int { return strings.Compare(a.SKU, b.SKU) })
	return out
}

// Variants returns every indexed variant, by SKU.
func (c *Catalog) Variants() []Variant {
	skus := make([]string, 0, len(c.bySKU))
	for sku := range c.bySKU {
		skus = append(skus, sku)
	}
	slices.Sort(skus)
	var out []Variant
	for _, sku := range skus {
		out = append(out, c.bySKU[sku]...)
	}
	return out
}

// productsPerPage is the most products Shopify returns in one page.
const productsPerPage = 250

// Catalog reads every variant of the store (products.json, page by page, only the fields it
// needs). A product that cannot be read is listed in Problems and the rest goes on. REST
// shows at most 100 variants per product (shared/reference/shopify-api.md §1).
func (c *Client) Catalog(ctx context.Context) (*Catalog, error) {
	const fields = "id,title,variants"
	cat := NewCatalog(nil)
	opts := goshopify.ListOptions{Limit: productsPerPage, Fields: fields}
	for n := 1; ; n++ {
		var res struct {
			Products []json.RawMessage `json:"products"`
		}
		var pg *goshopify.Pagination
		err := c.call(ctx, "GET products", func() error {
			var err error
			pg, err = c.gs.ListWithPagination(ctx, "products.json", &res, opts)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("fetch products page %d: %w", n, err)
		}
		for _, raw := range res.Products {
			vs, err := readProduct(raw)
			if err != nil {
				cat.Problems = append(cat.Problems, err.Error())
				continue
			}
			for _, v := range vs {
				cat.add(v)
			}
		}
		if pg == nil || pg.NextPageOptions == nil {
			break
		}
		// go-shopify's next-page options drop fields; a page_info request may carry them.
		opts = goshopify.ListOptions{PageInfo: pg.NextPageOptions.PageInfo, Limit: productsPerPage, Fields: fields}
	}
	cat.FetchedAt = c.clock.Now()
	return cat, nil
}

func readProduct(raw json.RawMessage) ([]Variant, error) {
	var p struct {
		ID       int64  `json:"id"`
		Title    string `json:"title"`
		Variants []struct {
			ID                  int64   `json:"id"`
			SKU                 *string `json:"sku"`
			Title               string  `json:"title"`
			InventoryItemID     int64   `json:"inventory_item_id"`
			InventoryManagement *string `json:"inventory_management"`
		} `json:"variants"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		var head struct {
			ID json.RawMessage `json:"id"`
		}
		_ = json.Unmarshal(raw, &head)
		return nil, fmt.Errorf("product %.40s cannot be read: %v", head.ID, err)
	}
	out := make([]Variant, 0, len(p.Variants))
	for _, v := range p.Variants {
		vv := Variant{VariantID: v.ID, ProductID: p.ID, InventoryItemID: v.InventoryItemID, ProductTitle: p.Title, VariantTitle: v.Title}
		if v.SKU != nil {
			vv.SKU = *v.SKU
		}
		if v.InventoryManagement != nil {
			vv.InventoryManagement = *v.InventoryManagement
		}
		out = append(out, vv)
	}
	return out, nil
}

// Location is a place the store keeps stock and ships from.
type Location struct {
	ID     int64
	Name   string
	Active bool
}

// Locations is a store's locations.
type Locations []Location

// ByName finds the location called name (case and surrounding spaces ignored).
// ErrUnknownLocation when there is none; an error naming both when two share the name.
func (ls Locations) ByName(name string) (Location, error) {
	want := strings.TrimSpace(name)
	var found []Location
	for _, l := range ls {
		if strings.EqualFold(strings.TrimSpace(l.Name), want) {
			found = append(found, l)
		}
	}
	switch len(found) {
	case 0:
		return Location{}, fmt.Errorf("location %q: %w", want, ErrUnknownLocation)
	case 1:
		return found[0], nil
	}
	return Location{}, fmt.Errorf("location %q: %d locations have this name (ids %d and %d); map by id instead", want, len(found), found[0].ID, found[1].ID)
}

// Locations lists the store's locations.
func (c *Client) Locations(ctx context.Context) (Locations, error) {
	var list []goshopify.Location
	err := c.call(ctx, "GET locations", func() error {
		var err error
		list, err = c.gs.Location.List(ctx, nil)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("fetch locations: %w", err)
	}
	out := make(Locations, 0, len(list))
	for _, l := range list {
		out = append(out, Location{ID: int64(l.Id), Name: l.Name, Active: l.Active})
	}
	return out, nil
}
