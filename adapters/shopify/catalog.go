package shopify

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
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
	SKU             string // surrounding spaces trimmed
	VariantID       int64
	ProductID       int64
	InventoryItemID int64
	ProductTitle    string
	VariantTitle    string
	// InventoryTracked is true when Shopify tracks the variant's stock; an untracked
	// variant's levels cannot be set.
	InventoryTracked bool
	// UpdatedAt is when the variant last changed in Shopify.
	UpdatedAt time.Time
}

// Tracked reports whether Shopify tracks the variant's stock.
func (v Variant) Tracked() bool { return v.InventoryTracked }

func (v Variant) String() string {
	return fmt.Sprintf("variant %d (%s / %s)", v.VariantID, v.ProductTitle, v.VariantTitle)
}

// DuplicateSKUError lists the variants that share a SKU: the same SKU, or one that differs
// only in case (Shopify's own SKU search does not tell them apart, and neither can a person
// reading a pick list). Shopify does not enforce unique SKUs; which variant an ERP item
// means is a person's call, never a guess.
type DuplicateSKUError struct {
	SKU      string
	Variants []Variant
}

func (e *DuplicateSKUError) Error() string {
	names := make([]string, 0, len(e.Variants))
	for _, v := range e.Variants {
		name := v.String()
		if v.SKU != e.SKU {
			name += fmt.Sprintf(" with SKU %q", v.SKU)
		}
		names = append(names, name)
	}
	return fmt.Sprintf("SKU %q is on %d variants in Shopify: %s", e.SKU, len(e.Variants), strings.Join(names, ", "))
}

// Is makes errors.Is(err, ErrDuplicateSKU) true.
func (e *DuplicateSKUError) Is(target error) bool { return target == ErrDuplicateSKU }

// Catalog indexes a store's variants by SKU.
type Catalog struct {
	bySKU map[string][]Variant // by skuKey
	noSKU []Variant
	// NoSKU counts variants without a SKU (not indexed; WithoutSKU lists them).
	NoSKU int
	// Problems lists variants that could not be read, one message each.
	Problems []string
	// FetchedAt is when the catalog was read.
	FetchedAt time.Time
}

// NewCatalog indexes variants by SKU. Surrounding spaces and case do not tell SKUs apart:
// "MUG-1", " MUG-1" and "mug-1" are one SKU, and variants that share it are duplicates.
// Variants without a SKU are counted and listed, not indexed.
func NewCatalog(variants []Variant) *Catalog {
	c := &Catalog{bySKU: map[string][]Variant{}}
	for _, v := range variants {
		c.add(v)
	}
	return c
}

// skuKey is what tells SKUs apart.
func skuKey(sku string) string { return strings.ToLower(strings.TrimSpace(sku)) }

func (c *Catalog) add(v Variant) {
	v.SKU = strings.TrimSpace(v.SKU)
	if v.SKU == "" {
		c.NoSKU++
		c.noSKU = append(c.noSKU, v)
		return
	}
	k := skuKey(v.SKU)
	c.bySKU[k] = append(c.bySKU[k], v)
}

// Lookup returns the variant with sku: ErrUnknownSKU when none has it, a
// *DuplicateSKUError (errors.Is ErrDuplicateSKU) when several do.
func (c *Catalog) Lookup(sku string) (Variant, error) {
	sku = strings.TrimSpace(sku)
	vs := c.bySKU[skuKey(sku)]
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
	for _, vs := range c.bySKU {
		if len(vs) > 1 {
			out = append(out, &DuplicateSKUError{SKU: vs[0].SKU, Variants: slices.Clone(vs)})
		}
	}
	slices.SortFunc(out, func(a, b *DuplicateSKUError) int { return strings.Compare(a.SKU, b.SKU) })
	return out
}

// Variants returns every indexed variant, by SKU.
func (c *Catalog) Variants() []Variant {
	keys := make([]string, 0, len(c.bySKU))
	for k := range c.bySKU {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var out []Variant
	for _, k := range keys {
		out = append(out, c.bySKU[k]...)
	}
	return out
}

// WithoutSKU lists the variants that have no SKU, by variant id: their stock cannot be
// matched to the ERP's.
func (c *Catalog) WithoutSKU() []Variant { return slices.Clone(c.noSKU) }

// catalogState is the catalog the client read last, kept so that the next read asks
// Shopify only for what changed.
type catalogState struct {
	mu       sync.Mutex        // one catalog read at a time
	variants map[int64]Variant // by variant id; nil before the first full read
	problems []string
	newest   time.Time // the newest updatedAt seen: where the next read starts
	fullAt   time.Time // when the last full read ended, by the client's clock
	fullSize int       // variants the last full read found
}

// catalogOverlap is how far before the newest change seen a refresh starts again. Shopify's
// search index follows writes with a delay (undocumented) and a variant written in the
// same second as the newest one may not have been indexed yet; re-reading a few minutes of
// changes costs little and the merge keeps them once.
const catalogOverlap = 5 * time.Minute

// Catalog returns the store's variants. The first call reads them all (CatalogFull); later
// calls ask GraphQL productVariants only for the variants updated since the newest change
// already seen, and merge them in, so a refresh costs in proportion to what changed, not
// to the size of the store. A refresh cannot see deleted variants: once the last full read
// is older than Config.CatalogFullEvery (default a day), Catalog reads everything again.
//
// The Catalog returned is the caller's: later reads never change it.
func (c *Client) Catalog(ctx context.Context) (*Catalog, error) {
	st := &c.cat
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.variants == nil || st.newest.IsZero() || c.clock.Now().Sub(st.fullAt) >= c.catalogFullEvery {
		return c.readFullCatalog(ctx)
	}
	since := st.newest.Add(-catalogOverlap).UTC()
	query := fmt.Sprintf("updated_at:>='%s'", since.Format(time.RFC3339))
	changed, problems, err := c.variantPages(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("refresh the catalog: %w", err)
	}
	for _, v := range changed {
		st.variants[v.VariantID] = v
		if v.UpdatedAt.After(st.newest) {
			st.newest = v.UpdatedAt
		}
	}
	for _, p := range problems {
		if !slices.Contains(st.problems, p) {
			st.problems = append(st.problems, p)
		}
	}
	c.log.Info("catalog refreshed", "changed_since", since, "variants_read", len(changed), "variants", len(st.variants))
	return st.snapshot(c.clock.Now()), nil
}

// CatalogFull reads every variant of the store now, which also forgets variants deleted
// since the last read. A large store (Config.CatalogBulkFrom variants or more) is read
// with a bulk operation, which costs a few points whatever its size, where pages cost about
// 3 points a variant; when the bulk operation fails, pages are read instead.
func (c *Client) CatalogFull(ctx context.Context) (*Catalog, error) {
	c.cat.mu.Lock()
	defer c.cat.mu.Unlock()
	return c.readFullCatalog(ctx)
}

// readFullCatalog reads every variant and replaces the kept catalog. The caller holds
// c.cat.mu.
func (c *Client) readFullCatalog(ctx context.Context) (*Catalog, error) {
	st := &c.cat
	bulk, err := c.catalogNeedsBulk(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the catalog: %w", err)
	}
	how := "pages"
	var variants []Variant
	var problems []string
	if bulk {
		how = "bulk operation"
		variants, problems, err = c.bulkVariants(ctx)
		if err != nil && ctx.Err() == nil && !errors.Is(err, ErrUnauthorized) {
			c.log.Warn("bulk read of the catalog failed, reading it page by page", "error", err)
			how, bulk = "pages after a failed bulk operation", false
		}
	}
	if !bulk {
		variants, problems, err = c.variantPages(ctx, "")
	}
	if err != nil {
		return nil, fmt.Errorf("read the catalog: %w", err)
	}
	st.variants = make(map[int64]Variant, len(variants))
	st.newest = time.Time{}
	for _, v := range variants {
		st.variants[v.VariantID] = v
		if v.UpdatedAt.After(st.newest) {
			st.newest = v.UpdatedAt
		}
	}
	st.problems, st.fullAt, st.fullSize = problems, c.clock.Now(), len(variants)
	c.log.Info("catalog read", "how", how, "variants", len(variants), "problems", len(problems))
	return st.snapshot(st.fullAt), nil
}

// catalogNeedsBulk decides how to read the whole catalog: by its size at the last full
// read or, before the first, by asking Shopify to count (1 point). The caller holds
// c.cat.mu.
func (c *Client) catalogNeedsBulk(ctx context.Context) (bool, error) {
	if c.catalogBulkFrom < 0 {
		return false, nil
	}
	if c.cat.variants != nil {
		return c.cat.fullSize >= c.catalogBulkFrom, nil
	}
	n, err := c.variantCount(ctx)
	if err != nil {
		return false, err
	}
	return n >= c.catalogBulkFrom, nil
}

// snapshot builds the Catalog of the kept variants, by variant id. The caller holds mu.
func (st *catalogState) snapshot(at time.Time) *Catalog {
	ids := make([]int64, 0, len(st.variants))
	for id := range st.variants {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	cat := &Catalog{bySKU: make(map[string][]Variant, len(ids)), Problems: slices.Clone(st.problems), FetchedAt: at}
	for _, id := range ids {
		cat.add(st.variants[id])
	}
	return cat
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
