package feeds

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/shopify"
)

// DriftReport is the last stock check: the levels where Shopify held something other than
// what the ERP says it should.
type DriftReport struct {
	CheckedAt time.Time // zero when no check has run yet
	Levels    int       // levels compared
	Rows      []DriftRow
}

// DriftRow is one level that differs between the ERP and Shopify.
type DriftRow struct {
	SKU        string
	LocationID int64
	Location   string
	ERP        int64  // what Shopify should hold, from the ERP's stock
	Shopify    int64  // what Shopify held
	LastSent   *int64 // what passthrough last sent; nil when it never sent this level
}

// Difference is how many more Shopify has than it should (negative: fewer).
func (r DriftRow) Difference() int64 { return r.Shopify - r.ERP }

// Check is the stock check: it reads Shopify's levels, compares them with what the ERP says
// they should be, and records the drift report the portal shows. Shopify's levels can change
// behind passthrough's back (a count, an edit in the admin), and delta runs never see it.
// The check sends nothing and records nothing as sent.
func (f *Inventory) Check(ctx context.Context) (erp.Execution, error) {
	f.defaults()
	ctx, x, err := startExecution(ctx, f.Store, f.Log, f.Now, f.Observer, FeedStockCheck, f.Shop, TriggerFrom(ctx))
	if err != nil {
		return erp.Execution{}, err
	}
	return x.finish(ctx, f.check(ctx, x))
}

func (f *Inventory) check(ctx context.Context, x *execution) error {
	set := f.Mappings()
	if set == nil || set.Inventory == nil {
		return errors.New("no inventory mapping: inventory.yaml is missing or does not compile")
	}
	cat, locs, err := f.ensureCatalog(ctx, false)
	if err != nil {
		return err
	}
	want, probs, err := f.desired(ctx, set, cat, locs)
	if err != nil {
		return err
	}
	x.exec.Counts.Seen = len(want)
	sent, err := f.lastSent(ctx)
	if err != nil {
		return err
	}
	cur, err := f.shopifyLevels(ctx, want, cat, locs)
	if err != nil {
		return err
	}
	check, _, _, missing := f.compare(want, cur, sent, locs)
	if err := f.report(ctx, x, append(probs, missing...), true); err != nil {
		return err
	}
	if err := f.Store.InventoryCheckPut(ctx, check); err != nil {
		return fmt.Errorf("record the drift report: %w", err)
	}
	x.log.Info("stock check done", "levels", check.Levels, "drifted", len(check.Drift))
	return nil
}

// Drift returns the last stock check's drift report, with location names as last read.
func (f *Inventory) Drift(ctx context.Context) (DriftReport, error) {
	c, err := f.Store.InventoryCheckGet(ctx, f.Shop)
	switch {
	case errors.Is(err, erp.ErrNotFound):
		return DriftReport{}, nil
	case err != nil:
		return DriftReport{}, fmt.Errorf("read the drift report: %w", err)
	}
	locs := f.catalog.locations()
	out := DriftReport{CheckedAt: c.CheckedAt, Levels: c.Levels, Rows: make([]DriftRow, 0, len(c.Drift))}
	for _, d := range c.Drift {
		out.Rows = append(out.Rows, DriftRow{SKU: d.SKU, LocationID: d.LocationID, Location: locationName(locs, d.LocationID),
			ERP: d.ERP, Shopify: d.Shopify, LastSent: d.LastSent})
	}
	return out, nil
}

// shopifyLevels reads what Shopify holds of the wanted levels, in whichever of the two ways
// takes fewer calls: by inventory item (50 ids a call, every location at once) or by
// location alone (250 levels a page, the store's other items included).
func (f *Inventory) shopifyLevels(ctx context.Context, want []stockLevel, cat *shopify.Catalog, locs shopify.Locations) (map[levelKey]int64, error) {
	var items, locIDs []int64
	seenItem, seenLoc := map[int64]bool{}, map[int64]bool{}
	for _, w := range want {
		if !seenItem[w.item] {
			seenItem[w.item] = true
			items = append(items, w.item)
		}
		if !seenLoc[w.loc] {
			seenLoc[w.loc] = true
			locIDs = append(locIDs, w.loc)
		}
	}
	out := make(map[levelKey]int64, len(want))
	if len(items) == 0 {
		return out, nil
	}
	slices.Sort(items)
	slices.Sort(locIDs)
	tracked := 0
	for _, v := range cat.Variants() {
		if v.Tracked() {
			tracked++
		}
	}
	locChunks := ceilDiv(len(locIDs), 50)
	perItemChunk := min(len(items), 50) * min(len(locIDs), 50)
	byItem := ceilDiv(len(items), 50) * locChunks * ceilDiv(perItemChunk, 250)
	byLocation := locChunks * max(1, ceilDiv(tracked*min(len(locIDs), 50), 250))
	var got []shopify.InventoryLevel
	var err error
	if byLocation < byItem {
		got, err = f.Shopify.InventoryLevels(ctx, nil, locIDs)
	} else {
		got, err = f.Shopify.InventoryLevels(ctx, items, locIDs)
	}
	if err != nil {
		return nil, fmt.Errorf("read Shopify's inventory levels: %w", err)
	}
	for _, l := range got {
		if l.Available != nil {
			out[levelKey{l.InventoryItemID, l.LocationID}] = int64(*l.Available)
		}
	}
	return out, nil
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// compare sets what Shopify holds against what it should: the drift report, the levels to
// send (each with the quantity read), the levels Shopify holds right already (to be
// recorded as known), and a problem for each level Shopify does not stock.
func (f *Inventory) compare(want []stockLevel, cur map[levelKey]int64, sent map[levelKey]erp.InventorySent, locs shopify.Locations) (erp.InventoryCheck, []sendLevel, []erp.InventorySent, []recordProblem) {
	check := erp.InventoryCheck{Shop: f.Shop, CheckedAt: f.Now().UTC()}
	var send []sendLevel
	var known []erp.InventorySent
	var probs []recordProblem
	unstocked := map[levelKey]bool{}
	defer func() {
		f.mu.Lock()
		f.unstocked = unstocked
		f.mu.Unlock()
	}()
	for _, w := range want {
		c, ok := cur[w.key()]
		if !ok {
			unstocked[w.key()] = true
			probs = append(probs, notStocked(w, locs))
			continue
		}
		check.Levels++
		s, wasSent := sent[w.key()]
		if c != w.qty {
			d := erp.InventoryDrift{SKU: w.sku, InventoryItemID: w.item, LocationID: w.loc, ERP: w.qty, Shopify: c}
			if wasSent && !s.DryRun {
				d.LastSent = &s.Available
			}
			check.Drift = append(check.Drift, d)
			send = append(send, sendLevel{stockLevel: w, from: &c})
			continue
		}
		if !wasSent || s.DryRun || s.Available != c {
			known = append(known, sendLevel{stockLevel: w}.sent(f.Shop, false))
		}
	}
	return check, send, known, probs
}
