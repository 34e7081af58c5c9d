package feeds

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/shopify"
	"github.com/passthrough-dev/passthrough/mapping"
	"github.com/passthrough-dev/passthrough/record"
)

// Feed names of the stock feed's runs in executions, and the name of its full-pass task.
const (
	FeedInventory  = "inventory"
	FeedStockCheck = "stock-check"
	// TaskInventoryFull is the scheduler task of the nightly full pass; "sync now" runs it.
	TaskInventoryFull = "inventory-full"
)

// Stock sync modes (Pimento's): no sync, a full pass once a night, or a delta run on every
// tick plus the nightly full pass.
const (
	InventoryOff   = "off"
	InventoryDaily = "daily"
	InventoryLive  = "live"
)

// InventoryShopify is what the inventory feed asks of Shopify. *shopify.Client satisfies it.
type InventoryShopify interface {
	Catalog(ctx context.Context) (*shopify.Catalog, error)
	CatalogFull(ctx context.Context) (*shopify.Catalog, error)
	Locations(ctx context.Context) (shopify.Locations, error)
	InventoryLevels(ctx context.Context, itemIDs, locationIDs []int64) ([]shopify.InventoryLevel, error)
	SetInventory(ctx context.Context, qs []shopify.InventoryQuantity) ([]shopify.InventoryResult, error)
}

// InventoryStore is what the inventory feed does with the ERP database.
type InventoryStore interface {
	ExecutionStore
	StockEach(ctx context.Context, p erp.StockEachParams, fn func(record.Stock) error) error
	OrderCommittedList(ctx context.Context, p erp.OrderCommittedListParams) ([]erp.CommittedLine, error)
	InventorySentList(ctx context.Context, shop string) ([]erp.InventorySent, error)
	InventorySentPut(ctx context.Context, levels []erp.InventorySent) error
	InventoryCheckPut(ctx context.Context, c erp.InventoryCheck) error
	InventoryCheckGet(ctx context.Context, shop string) (erp.InventoryCheck, error)
}

// Inventory sends the ERP's stock (product_qty_in_stock) to Shopify as available quantities
// per SKU and location.
//
// What Shopify should hold is worked out afresh on every run, from every stock row:
//   - inventory.yaml maps each row to a Shopify location (by name, or by id) and a quantity
//     (by default available − safety stock, never below 0); several warehouses that map to
//     one location are added up.
//   - Committed units are taken off: the lines of orders staged but not yet imported by the
//     ERP (ledger status staged, the header's import status blank, staged within
//     CommittedWithin) are units Shopify has sold and the ERP's stock still counts. A line
//     takes its units from the location its warehouse maps to, as a stock row of that
//     warehouse would; a line without a warehouse that maps, from inventory.yaml's
//     committed.default_location; without one, from the location where the SKU has the most
//     stock (where Shopify routes orders first). A bundle's or kit's line takes its units
//     from its components. No level goes below 0.
//   - Bundles (TS-001-X3 = floor(TS-001 ÷ 3)) and kits (min over components of floor(component
//     ÷ quantity)) are worked out from their components, after the committed units. A SKU
//     the ERP stocks itself is never taken for a bundle; a declared kit always is one.
//   - SKUs become inventory items through the catalog of the store's variants, refreshed
//     (only what changed) every CatalogEvery and read whole on every full pass. A SKU no
//     variant has, or several have, is an error problem, listed and never guessed; the
//     other SKUs go on.
//
// A run sends only the levels that differ from what Shopify last got (pt_inventory_sent), in
// GraphQL batches of 250. A full pass (the nightly one, "sync now", and the first run of a
// shop) reads what Shopify holds instead, records the differences as the drift report, and
// sends them, each with the quantity it read as changeFromQuantity, so a sale in between is
// not overwritten. Problems are listed in full by full passes and checks; the runs between
// list only new ones.
//
// In test mode nothing is written to Shopify: the levels that would be sent are recorded as
// dry runs (the portal's would-send list).
type Inventory struct {
	Shop     string
	Shopify  InventoryShopify
	Store    InventoryStore
	Mappings func() *mapping.Set // the current mappings; they may change while we run
	// Live says whether the store is live; nil or false is test mode, where nothing is
	// written to Shopify.
	Live     func() bool
	Log      *slog.Logger
	Now      func() time.Time
	Observer Observer
	// CatalogEvery is how old the catalog of variants may get before a run reads it again
	// (default 1 hour).
	CatalogEvery time.Duration
	// CommittedWithin is how far back staged, not yet imported orders count as committed
	// (default 30 days; the ERP imports orders long before); negative turns it off.
	CommittedWithin time.Duration

	mu        sync.Mutex
	catalog   *shopify.Catalog
	catAt     time.Time
	locs      shopify.Locations
	reported  map[string]string // problems listed since: key → message
	unstocked map[levelKey]bool // levels Shopify does not stock, as last found
}

// InventoryRun says what one run does.
type InventoryRun struct {
	// Full reads Shopify's levels and sends what differs from them, instead of what differs
	// from what was last sent.
	Full bool
}

// Run runs the feed once and returns its execution.
func (f *Inventory) Run(ctx context.Context, r InventoryRun) (erp.Execution, error) {
	f.defaults()
	trigger := TriggerFrom(ctx)
	x, err := startExecution(ctx, f.Store, f.Log, f.Now, f.Observer, FeedInventory, f.Shop, trigger)
	if err != nil {
		return erp.Execution{}, err
	}
	return x.finish(ctx, f.run(ctx, x, r))
}

// Check is the stock check (BoostMyShop's): it reads Shopify's levels, compares them with
// what the ERP says they should be, and records the drift report the portal shows. It sends
// nothing and records nothing as sent.
func (f *Inventory) Check(ctx context.Context) (erp.Execution, error) {
	f.defaults()
	x, err := startExecution(ctx, f.Store, f.Log, f.Now, f.Observer, FeedStockCheck, f.Shop, TriggerFrom(ctx))
	if err != nil {
		return erp.Execution{}, err
	}
	return x.finish(ctx, f.check(ctx, x))
}

func (f *Inventory) defaults() {
	if f.Log == nil {
		f.Log = slog.New(slog.DiscardHandler)
	}
	if f.Now == nil {
		f.Now = time.Now
	}
	if f.CatalogEvery <= 0 {
		f.CatalogEvery = time.Hour
	}
	if f.CommittedWithin == 0 {
		f.CommittedWithin = 30 * 24 * time.Hour
	}
}

func (f *Inventory) live() bool { return f.Live != nil && f.Live() }

func (f *Inventory) run(ctx context.Context, x *execution, r InventoryRun) error {
	set := f.Mappings()
	if set == nil || set.Inventory == nil {
		return errors.New("no inventory mapping: inventory.yaml is missing or does not compile")
	}
	live := f.live()
	sent, err := f.lastSent(ctx)
	if err != nil {
		return err
	}
	full := r.Full || len(sent) == 0
	cat, locs, err := f.ensureCatalog(ctx, full)
	if err != nil {
		return err
	}
	want, probs, err := f.desired(ctx, set, cat, locs)
	if err != nil {
		return err
	}
	x.exec.Counts.Seen = len(want)

	var send []sendLevel
	var known []erp.InventorySent
	if full {
		cur, err := f.shopifyLevels(ctx, want, cat, locs)
		if err != nil {
			return err
		}
		var check erp.InventoryCheck
		var missing []recordProblem
		check, send, known, missing = f.compare(want, cur, sent, locs)
		probs = append(probs, missing...)
		if err := f.Store.InventoryCheckPut(ctx, check); err != nil {
			return fmt.Errorf("record the drift report: %w", err)
		}
		x.log.Info("full pass compared the ERP with Shopify", "levels", check.Levels, "drifted", len(check.Drift))
	} else {
		for _, w := range want {
			if f.isUnstocked(w.key()) {
				probs = append(probs, notStocked(w, locs)) // until a full pass finds it stocked
				continue
			}
			s, ok := sent[w.key()]
			if !ok || s.Available != w.qty || (live && s.DryRun) {
				send = append(send, sendLevel{stockLevel: w})
			}
		}
	}
	if err := f.record(ctx, known); err != nil {
		return err
	}
	if !live {
		would := make([]erp.InventorySent, 0, len(send))
		for _, l := range send {
			would = append(would, l.sent(f.Shop, true))
		}
		if err := f.record(ctx, would); err != nil {
			return err
		}
		x.exec.Counts.Skipped += len(send)
		x.log.Info("test mode: levels recorded as would-send, nothing sent to Shopify", "levels", len(send))
		return f.report(ctx, x, probs, full)
	}
	sendProbs, err := f.send(ctx, x, send, locs)
	if rerr := f.report(ctx, x, append(probs, sendProbs...), full); rerr != nil {
		return errors.Join(err, rerr)
	}
	return err
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

// lastSent is what Shopify last got (or would have, in test mode), by level.
func (f *Inventory) lastSent(ctx context.Context) (map[levelKey]erp.InventorySent, error) {
	list, err := f.Store.InventorySentList(ctx, f.Shop)
	if err != nil {
		return nil, fmt.Errorf("read what Shopify last got: %w", err)
	}
	out := make(map[levelKey]erp.InventorySent, len(list))
	for _, s := range list {
		out[levelKey{s.InventoryItemID, s.LocationID}] = s
	}
	return out, nil
}

// levelKey is a level in Shopify's terms.
type levelKey struct{ item, loc int64 }

// stockLevel is what Shopify should hold of one SKU at one location.
type stockLevel struct {
	sku  string
	item int64
	loc  int64
	qty  int64
}

func (l stockLevel) key() levelKey { return levelKey{l.item, l.loc} }

// sendLevel is a level to send, with the quantity Shopify was read to hold (nil: not read).
type sendLevel struct {
	stockLevel
	from *int64
}

func (l sendLevel) sent(shop string, dryRun bool) erp.InventorySent {
	return erp.InventorySent{Shop: shop, SKU: l.sku, InventoryItemID: l.item, LocationID: l.loc, Available: l.qty, DryRun: dryRun}
}

// recordProblem is a problem with one record (a SKU, a warehouse, a level).
type recordProblem struct {
	key string
	sev passthrough.Severity
	msg string
}

// --- what Shopify should hold ------------------------------------------------------------

// desired works out every level Shopify should hold from the ERP's stock, the committed
// units, bundles and kits, and the catalog. Problems with single SKUs or warehouses come
// back as problems; the error is for the run.
func (f *Inventory) desired(ctx context.Context, set *mapping.Set, cat *shopify.Catalog, locs shopify.Locations) ([]stockLevel, []recordProblem, error) {
	inv := set.Inventory
	now := f.Now().UTC()
	var probs []recordProblem
	problem := func(key string, sev passthrough.Severity, format string, args ...any) {
		probs = append(probs, recordProblem{key: key, sev: sev, msg: fmt.Sprintf(format, args...)})
	}

	stock := map[string]map[int64]int64{} // SKU → location → units
	failed := map[string]bool{}           // SKUs with a row the mapping refused: never half-summed
	badWarehouse := map[string]bool{}
	leftOut, samples := 0, []string{} // rows a when rule left out with severity info
	err := f.Store.StockEach(ctx, erp.StockEachParams{}, func(r record.Stock) error {
		sku, wh := strings.TrimSpace(r.ItemCode), strings.TrimSpace(r.WarehouseCode)
		res, err := inv.Map(mapping.StockInput{Shop: f.Shop, Now: now, Stock: record.Stock{ItemCode: sku, WarehouseCode: wh,
			QtyOnHand: r.QtyOnHand, QtyCommitted: r.QtyCommitted, QtyAvailable: r.QtyAvailable, UpdatedAt: r.UpdatedAt}})
		if err != nil {
			sev, ok := passthrough.SeverityOf(err)
			switch {
			case !ok:
				sev = passthrough.SeverityError
			case sev == passthrough.SeverityInfo:
				// A business rule keeps the row from Shopify (a quarantine warehouse): the
				// SKU's other rows still count.
				if leftOut++; len(samples) < 3 {
					samples = append(samples, fmt.Sprintf("%s@%s: %v", sku, wh, err))
				}
				return nil
			}
			failed[sku] = true
			problem(sku+"@"+wh, sev, "stock of %s in warehouse %s: %v", sku, wh, err)
			return nil
		}
		loc, err := locationOf(locs, res.Location)
		if err != nil {
			if !badWarehouse[wh] {
				badWarehouse[wh] = true
				problem("warehouse "+wh, passthrough.SeverityError, "warehouse %s maps to %v; its stock goes nowhere until inventory.yaml maps it to a Shopify location", wh, err)
			}
			return nil
		}
		m := stock[sku]
		if m == nil {
			m = map[int64]int64{}
			stock[sku] = m
		}
		m[loc.ID] += res.Quantity
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("read the ERP's stock: %w", err)
	}
	if leftOut > 0 {
		rows := fmt.Sprintf("%d stock rows are", leftOut)
		if leftOut == 1 {
			rows = "1 stock row is"
		}
		problem("stock rows", passthrough.SeverityInfo, "%s left out by inventory.yaml's rules (%s)", rows, strings.Join(samples, "; "))
	}

	committed, cprobs, err := f.committed(ctx, set, locs, stock, now)
	if err != nil {
		return nil, nil, err
	}
	probs = append(probs, cprobs...)
	final := make(map[string]map[int64]int64, len(stock))
	for sku, m := range stock {
		out := make(map[int64]int64, len(m))
		for loc, q := range m {
			out[loc] = max(q-committed[sku][loc], 0)
		}
		final[sku] = out
	}

	var levels []stockLevel
	add := func(sku string, qty map[int64]int64, unknown string) {
		v, err := cat.Lookup(sku)
		switch {
		case errors.Is(err, shopify.ErrUnknownSKU):
			problem(sku, passthrough.SeverityError, unknown, sku)
			return
		case err != nil:
			problem(sku, passthrough.SeverityError, "%v; passthrough updates none of them until the SKU is on one variant only", err)
			return
		case !v.Tracked():
			problem(sku, passthrough.SeverityInfo, "Shopify does not track the stock of %s (%s); turn on its inventory tracking to sync it", sku, v)
			return
		}
		for loc, q := range qty {
			levels = append(levels, stockLevel{sku: sku, item: v.InventoryItemID, loc: loc, qty: q})
		}
	}
	for _, sku := range sortedKeys(final) {
		if _, kit := inv.Kits[sku]; kit || failed[sku] {
			continue // a kit's level comes from its components
		}
		add(sku, final[sku], "SKU %s is in the ERP's stock but on no Shopify variant")
	}

	// Bundles and kits, from their components' levels at each location.
	derived := map[string][]string{} // SKU → components
	for sku, comps := range inv.Kits {
		for _, c := range comps {
			derived[sku] = append(derived[sku], c.SKU)
		}
	}
	for _, v := range cat.Variants() {
		_, own := stock[v.SKU]
		if _, kit := inv.Kits[v.SKU]; own || kit {
			continue
		}
		if base, _, ok := inv.Bundles.Split(v.SKU); ok && stock[base] != nil {
			derived[v.SKU] = []string{base}
		}
	}
	for _, sku := range sortedKeys(derived) {
		comps := derived[sku]
		if slices.ContainsFunc(comps, func(c string) bool { return failed[c] }) {
			continue
		}
		qty := map[int64]int64{}
		for _, c := range comps {
			for loc := range final[c] {
				qty[loc] = 0
			}
		}
		if len(qty) == 0 {
			problem(sku, passthrough.SeverityError, "none of the components of kit %s (%s) is in the ERP's stock", sku, strings.Join(comps, ", "))
			continue
		}
		for loc := range qty {
			qty[loc], _ = inv.Derive(sku, func(c string) int64 { return final[c][loc] })
		}
		add(sku, qty, "kit %s is declared in inventory.yaml but on no Shopify variant")
	}
	slices.SortFunc(levels, func(a, b stockLevel) int {
		return cmp.Or(strings.Compare(a.sku, b.sku), cmp.Compare(a.loc, b.loc))
	})
	return levels, probs, nil
}

// committed adds up, per SKU and location, the units of orders staged but not imported.
func (f *Inventory) committed(ctx context.Context, set *mapping.Set, locs shopify.Locations, stock map[string]map[int64]int64, now time.Time) (map[string]map[int64]int64, []recordProblem, error) {
	out := map[string]map[int64]int64{}
	if f.CommittedWithin < 0 {
		return out, nil, nil
	}
	p := erp.OrderCommittedListParams{Shop: f.Shop, Since: now.Add(-f.CommittedWithin)}
	if set.Orders != nil {
		p.Lines = set.Orders.Lines().Name
	}
	lines, err := f.Store.OrderCommittedList(ctx, p)
	switch {
	case errors.Is(err, erp.ErrUnknownColumn) || errors.Is(err, erp.ErrNotFound):
		return out, []recordProblem{{key: "committed", sev: passthrough.SeverityError,
			msg: "units of staged orders cannot be taken off the stock sent to Shopify: " + err.Error()}}, nil
	case err != nil:
		return nil, nil, fmt.Errorf("read staged orders not yet imported: %w", err)
	}
	inv := set.Inventory
	var probs []recordProblem
	var fallback int64
	if inv.DefaultLocation != "" {
		l, err := locationOf(locs, inv.DefaultLocation)
		if err != nil {
			probs = append(probs, recordProblem{key: "committed", sev: passthrough.SeverityError,
				msg: fmt.Sprintf("committed.default_location in inventory.yaml names %v", err)})
		}
		fallback = l.ID
	}
	for _, line := range lines {
		units := line.Quantity.Ceil().IntPart()
		if units <= 0 {
			continue
		}
		for _, part := range components(inv, line.SKU, units, stock) {
			loc := f.committedLocation(inv, locs, part.sku, line.Warehouse, fallback, stock[part.sku], now)
			if loc == 0 {
				continue // the ERP has no stock of it: nothing to take off
			}
			m := out[part.sku]
			if m == nil {
				m = map[int64]int64{}
				out[part.sku] = m
			}
			m[loc] += part.units
		}
	}
	return out, probs, nil
}

type part struct {
	sku   string
	units int64
}

// components is what a sold SKU takes from the ERP's stock: a kit's components, a bundle's
// base SKU, or the SKU itself.
func components(inv *mapping.Inventory, sku string, units int64, stock map[string]map[int64]int64) []part {
	if comps, ok := inv.Kits[sku]; ok {
		out := make([]part, 0, len(comps))
		for _, c := range comps {
			out = append(out, part{c.SKU, units * int64(c.Quantity)})
		}
		return out
	}
	if _, own := stock[sku]; !own {
		if base, n, ok := inv.Bundles.Split(sku); ok {
			return []part{{base, units * int64(n)}}
		}
	}
	return []part{{sku, units}}
}

// committedLocation is the location a staged line takes its units from (see Inventory), or
// 0 when the SKU has no stock anywhere.
func (f *Inventory) committedLocation(inv *mapping.Inventory, locs shopify.Locations, sku, warehouse string, fallback int64, stockAt map[int64]int64, now time.Time) int64 {
	if warehouse != "" {
		res, err := inv.Map(mapping.StockInput{Shop: f.Shop, Now: now, Stock: record.Stock{ItemCode: sku, WarehouseCode: warehouse}})
		if err == nil {
			if l, err := locationOf(locs, res.Location); err == nil {
				return l.ID
			}
		}
	}
	if fallback != 0 {
		return fallback
	}
	var best, most int64
	for loc, q := range stockAt {
		if best == 0 || q > most || (q == most && loc < best) {
			best, most = loc, q
		}
	}
	return best
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

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// --- Shopify's side ----------------------------------------------------------------------

// ensureCatalog returns the catalog and locations: read whole when full is set, refreshed
// when they are older than CatalogEvery.
func (f *Inventory) ensureCatalog(ctx context.Context, full bool) (*shopify.Catalog, shopify.Locations, error) {
	f.mu.Lock()
	cat, locs, at := f.catalog, f.locs, f.catAt
	f.mu.Unlock()
	if !full && cat != nil && f.Now().Sub(at) < f.CatalogEvery {
		return cat, locs, nil
	}
	if err := f.readCatalog(ctx, full); err != nil {
		return nil, nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.catalog, f.locs, nil
}

// RefreshCatalog reads the store's variants (SKU → inventory item) and locations again,
// whole, so variants deleted in Shopify are gone too. Runs refresh the catalog themselves
// when it is older than CatalogEvery (asking only for what changed) and read it whole on a
// full pass; a scheduler may call this on its own schedule too.
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
	f.mu.Lock()
	defer f.mu.Unlock()
	f.catalog, f.locs, f.catAt = cat, locs, f.Now()
	f.Log.Info("catalog read", "feed", FeedInventory, "shop", f.Shop, "skus", cat.Len(), "without_sku", cat.NoSKU,
		"duplicates", len(cat.Duplicates()), "locations", len(locs))
	return nil
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

// notStocked is the problem of a level Shopify does not stock: setting it would fail.
func notStocked(w stockLevel, locs shopify.Locations) recordProblem {
	name := locationName(locs, w.loc)
	return recordProblem{key: w.sku + "@" + name, sev: passthrough.SeverityError,
		msg: fmt.Sprintf("%s is not stocked at %s in Shopify; stock it there (or map its warehouse to another location) to sync it", w.sku, name)}
}

func (f *Inventory) isUnstocked(k levelKey) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.unstocked[k]
}

func locationName(locs shopify.Locations, id int64) string {
	for _, l := range locs {
		if l.ID == id {
			return l.Name
		}
	}
	return "location " + strconv.FormatInt(id, 10)
}

// send sets the levels in Shopify and records those it took. A level Shopify refuses is a
// problem of that level, returned; the others go on. The error is for the run.
func (f *Inventory) send(ctx context.Context, x *execution, levels []sendLevel, locs shopify.Locations) ([]recordProblem, error) {
	if len(levels) == 0 {
		return nil, nil
	}
	qs := make([]shopify.InventoryQuantity, len(levels))
	for i, l := range levels {
		qs[i] = shopify.InventoryQuantity{InventoryItemID: l.item, LocationID: l.loc, Quantity: int(l.qty)}
		if l.from != nil {
			from := int(*l.from)
			qs[i].From = &from
		}
	}
	results, err := f.Shopify.SetInventory(ctx, qs)
	var ok []erp.InventorySent
	var probs []recordProblem
	type failure struct {
		sev  passthrough.Severity
		msg  string
		keys []string
	}
	var failures []*failure
	byMsg := map[string]*failure{}
	for i, r := range results {
		l := levels[i]
		var ue *shopify.UserError
		switch {
		case r.Err == nil:
			ok = append(ok, l.sent(f.Shop, false))
			continue
		case errors.As(r.Err, &ue) && ue.Code == "ITEM_NOT_STOCKED_AT_LOCATION":
			f.mu.Lock()
			if f.unstocked == nil {
				f.unstocked = map[levelKey]bool{}
			}
			f.unstocked[l.key()] = true
			f.mu.Unlock()
			probs = append(probs, notStocked(l.stockLevel, locs))
			continue
		}
		sev, msg := levelProblem(r.Err)
		fl := byMsg[string(sev)+msg]
		if fl == nil {
			fl = &failure{sev: sev, msg: msg}
			byMsg[string(sev)+msg] = fl
			failures = append(failures, fl)
		}
		fl.keys = append(fl.keys, l.sku+"@"+locationName(locs, l.loc))
	}
	// What Shopify took is recorded even when the run stops here.
	if rerr := f.record(context.WithoutCancel(ctx), ok); rerr != nil {
		return probs, errors.Join(err, rerr)
	}
	x.exec.Counts.Written += len(ok)
	if err != nil {
		return probs, fmt.Errorf("set inventory levels (%d of %d set): %w", len(ok), len(levels), err)
	}
	for _, fl := range failures {
		if len(fl.keys) <= 3 {
			for _, k := range fl.keys {
				probs = append(probs, recordProblem{key: k, sev: fl.sev, msg: fl.msg})
			}
			continue
		}
		probs = append(probs, recordProblem{key: "levels", sev: fl.sev,
			msg: fmt.Sprintf("%d levels were not set (%s, …): %s", len(fl.keys), strings.Join(fl.keys[:3], ", "), fl.msg)})
	}
	return probs, nil
}

// levelProblem says what Shopify refusing one level means.
func levelProblem(err error) (passthrough.Severity, string) {
	switch {
	case errors.Is(err, shopify.ErrQuantityStale):
		return passthrough.SeverityRetry, "Shopify's quantity changed while the pass ran (a sale or a count); the next run sends it again"
	case errors.Is(err, shopify.ErrRetryable):
		return passthrough.SeverityRetry, "Shopify did not answer (" + err.Error() + "); the next run sends it again"
	}
	return passthrough.SeverityError, "Shopify refused the level: " + err.Error()
}

// record writes levels Shopify holds or would have got, a thousand to a transaction.
func (f *Inventory) record(ctx context.Context, levels []erp.InventorySent) error {
	now := f.Now().UTC()
	for chunk := range slices.Chunk(levels, 1000) {
		for i := range chunk {
			chunk[i].SentAt = now
		}
		if err := f.Store.InventorySentPut(ctx, chunk); err != nil {
			return fmt.Errorf("record levels sent: %w", err)
		}
	}
	return nil
}

// report records the run's problems: all of them when all is set (full passes and checks),
// otherwise only those not listed by an earlier run, so a SKU Shopify lacks is not listed
// again every few minutes.
func (f *Inventory) report(ctx context.Context, x *execution, probs []recordProblem, all bool) error {
	f.mu.Lock()
	prev := f.reported
	now := make(map[string]string, len(probs))
	var list []recordProblem
	for _, p := range probs {
		if _, dup := now[p.key]; dup && now[p.key] == p.msg {
			continue
		}
		now[p.key] = p.msg
		if all || prev == nil || prev[p.key] != p.msg {
			list = append(list, p)
		}
	}
	f.reported = now
	f.mu.Unlock()
	for _, p := range list {
		if err := x.problem(ctx, p.key, p.sev, p.msg); err != nil {
			return err
		}
	}
	return nil
}

// --- what the portal and the scheduler need ----------------------------------------------

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

// Drift returns the last stock check's drift report, with location names as last read.
func (f *Inventory) Drift(ctx context.Context) (DriftReport, error) {
	c, err := f.Store.InventoryCheckGet(ctx, f.Shop)
	switch {
	case errors.Is(err, erp.ErrNotFound):
		return DriftReport{}, nil
	case err != nil:
		return DriftReport{}, fmt.Errorf("read the drift report: %w", err)
	}
	f.mu.Lock()
	locs := f.locs
	f.mu.Unlock()
	out := DriftReport{CheckedAt: c.CheckedAt, Levels: c.Levels, Rows: make([]DriftRow, 0, len(c.Drift))}
	for _, d := range c.Drift {
		out.Rows = append(out.Rows, DriftRow{SKU: d.SKU, LocationID: d.LocationID, Location: locationName(locs, d.LocationID),
			ERP: d.ERP, Shopify: d.Shopify, LastSent: d.LastSent})
	}
	return out, nil
}

// Locations names Shopify's locations by id: those last read, or read now when none were.
func (f *Inventory) Locations(ctx context.Context) (map[int64]string, error) {
	f.mu.Lock()
	locs := f.locs
	f.mu.Unlock()
	if locs == nil {
		var err error
		if locs, err = f.Shopify.Locations(ctx); err != nil {
			return nil, fmt.Errorf("read the locations: %w", err)
		}
		f.mu.Lock()
		if f.locs == nil {
			f.locs = locs
		}
		f.mu.Unlock()
	}
	out := make(map[int64]string, len(locs))
	for _, l := range locs {
		out[l.ID] = l.Name
	}
	return out, nil
}

// Tasks are the scheduler tasks a stock sync mode asks for: none when off; the nightly full
// pass at dailyAt (TaskInventoryFull) when daily; and besides a delta run every `every`
// when live. Both belong to one feed, so they never overlap.
func (f *Inventory) Tasks(mode string, every time.Duration, dailyAt string) ([]Task, error) {
	full := Task{Name: TaskInventoryFull, Feed: FeedInventory, DailyAt: dailyAt, Run: func(ctx context.Context) error {
		_, err := f.Run(ctx, InventoryRun{Full: true})
		return err
	}}
	switch mode {
	case InventoryOff:
		return nil, nil
	case InventoryDaily:
		return []Task{full}, nil
	case InventoryLive:
		delta := Task{Name: FeedInventory, Feed: FeedInventory, Every: every, Run: func(ctx context.Context) error {
			_, err := f.Run(ctx, InventoryRun{})
			return err
		}}
		return []Task{delta, full}, nil
	}
	return nil, fmt.Errorf("inventory mode %q is not one of off, daily, live", mode)
}
