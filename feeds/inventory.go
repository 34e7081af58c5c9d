package feeds

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/shopify"
	"github.com/passthrough-dev/passthrough/mapping"
	"github.com/passthrough-dev/passthrough/record"
)

// Feed names of the stock feed's runs in executions: the sync and the stock check.
const (
	FeedInventory  = "inventory"
	FeedStockCheck = "stock-check"
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

	catalog catalogCache

	mu        sync.Mutex
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
	ctx, x, err := startExecution(ctx, f.Store, f.Log, f.Now, f.Observer, FeedInventory, f.Shop, trigger)
	if err != nil {
		return erp.Execution{}, err
	}
	return x.finish(ctx, f.run(ctx, x, r))
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
		var missing []recordProblem
		send, known, missing, err = f.fullPass(ctx, x, want, sent, cat, locs)
		if err != nil {
			return err
		}
		probs = append(probs, missing...)
	} else {
		var unstocked []recordProblem
		send, unstocked = f.changed(want, sent, locs, live)
		probs = append(probs, unstocked...)
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

// fullPass reads what Shopify holds and records the drift report. It returns the levels that
// differ, to send, those Shopify holds right already, to record as known, and a problem for
// each level Shopify does not stock.
func (f *Inventory) fullPass(ctx context.Context, x *execution, want []stockLevel, sent map[levelKey]erp.InventorySent, cat *shopify.Catalog, locs shopify.Locations) ([]sendLevel, []erp.InventorySent, []recordProblem, error) {
	cur, err := f.shopifyLevels(ctx, want, cat, locs)
	if err != nil {
		return nil, nil, nil, err
	}
	check, send, known, missing := f.compare(want, cur, sent, locs)
	if err := f.Store.InventoryCheckPut(ctx, check); err != nil {
		return nil, nil, nil, fmt.Errorf("record the drift report: %w", err)
	}
	x.log.Info("full pass compared the ERP with Shopify", "levels", check.Levels, "drifted", len(check.Drift))
	return send, known, missing, nil
}

// changed is what a delta run sends: the levels that differ from what Shopify last got, and
// when live, those only recorded as would-send in test mode. A level Shopify did not stock
// when last tried is a problem until a full pass finds it stocked.
func (f *Inventory) changed(want []stockLevel, sent map[levelKey]erp.InventorySent, locs shopify.Locations, live bool) ([]sendLevel, []recordProblem) {
	var send []sendLevel
	var probs []recordProblem
	for _, w := range want {
		if f.isUnstocked(w.key()) {
			probs = append(probs, notStocked(w, locs))
			continue
		}
		s, ok := sent[w.key()]
		if !ok || s.Available != w.qty || (live && s.DryRun) {
			send = append(send, sendLevel{stockLevel: w})
		}
	}
	return send, probs
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

// desired works out every level Shopify should hold: it reads the ERP's stock and the units
// of staged orders, leaves the arithmetic to wantedStock, and finds each SKU's inventory item
// in the catalog. Problems with single SKUs or warehouses come back as problems; the error
// is for the run.
func (f *Inventory) desired(ctx context.Context, set *mapping.Set, cat *shopify.Catalog, locs shopify.Locations) ([]stockLevel, []recordProblem, error) {
	inv := set.Inventory
	now := f.Now().UTC()
	onHand, refused, probs, err := f.readStock(ctx, inv, locs, now)
	if err != nil {
		return nil, nil, err
	}
	lines, defaultLoc, cprobs, err := f.committed(ctx, set, locs, now)
	if err != nil {
		return nil, nil, err
	}
	probs = append(probs, cprobs...)
	variants := cat.Variants()
	skus := make([]string, len(variants))
	for i, v := range variants {
		skus[i] = v.SKU
	}
	want, emptyKits := wantedStock(stockInput{
		rules: inv, onHand: onHand, refused: refused,
		committed: lines, locate: f.locator(inv, locs, now), defaultLocation: defaultLoc,
		variants: skus,
	})
	for _, kit := range emptyKits {
		comps := make([]string, len(inv.Kits[kit]))
		for i, c := range inv.Kits[kit] {
			comps[i] = c.SKU
		}
		probs = append(probs, recordProblem{key: kit, sev: passthrough.SeverityError,
			msg: fmt.Sprintf("none of the components of kit %s (%s) is in the ERP's stock", kit, strings.Join(comps, ", "))})
	}
	levels, lprobs := catalogLevels(cat, inv, want)
	return levels, append(probs, lprobs...), nil
}

// readStock reads the ERP's stock rows and maps each to a location and a quantity, adding up
// warehouses that map to one location. A row the mapping refuses is a problem and marks its
// SKU refused; a warehouse that maps to no location is one problem, however many rows it
// has; the rows a rule leaves out with severity info (a quarantine warehouse) are listed in
// one info problem, and the SKU's other rows still count.
func (f *Inventory) readStock(ctx context.Context, inv *mapping.Inventory, locs shopify.Locations, now time.Time) (stockUnits, map[string]bool, []recordProblem, error) {
	onHand, refused := stockUnits{}, map[string]bool{}
	var probs []recordProblem
	badWarehouse := map[string]bool{}
	leftOut, samples := 0, []string{}
	err := f.Store.StockEach(ctx, erp.StockEachParams{}, func(r record.Stock) error {
		sku, wh := strings.TrimSpace(r.ItemCode), strings.TrimSpace(r.WarehouseCode)
		r.ItemCode, r.WarehouseCode = sku, wh
		res, err := inv.Map(mapping.StockInput{Shop: f.Shop, Now: now, Stock: r})
		if err != nil {
			sev, ok := passthrough.SeverityOf(err)
			switch {
			case !ok:
				sev = passthrough.SeverityError
			case sev == passthrough.SeverityInfo:
				if leftOut++; len(samples) < 3 {
					samples = append(samples, fmt.Sprintf("%s@%s: %v", sku, wh, err))
				}
				return nil
			}
			refused[sku] = true
			probs = append(probs, recordProblem{key: sku + "@" + wh, sev: sev, msg: fmt.Sprintf("stock of %s in warehouse %s: %v", sku, wh, err)})
			return nil
		}
		loc, err := locationOf(locs, res.Location)
		if err != nil {
			if !badWarehouse[wh] {
				badWarehouse[wh] = true
				probs = append(probs, recordProblem{key: "warehouse " + wh, sev: passthrough.SeverityError,
					msg: fmt.Sprintf("warehouse %s maps to %v; its stock goes nowhere until inventory.yaml maps it to a Shopify location", wh, err)})
			}
			return nil
		}
		onHand.add(sku, loc.ID, res.Quantity)
		return nil
	})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("read the ERP's stock: %w", err)
	}
	if leftOut > 0 {
		rows := fmt.Sprintf("%d stock rows are", leftOut)
		if leftOut == 1 {
			rows = "1 stock row is"
		}
		probs = append(probs, recordProblem{key: "stock rows", sev: passthrough.SeverityInfo,
			msg: fmt.Sprintf("%s left out by inventory.yaml's rules (%s)", rows, strings.Join(samples, "; "))})
	}
	return onHand, refused, probs, nil
}

// committed reads the lines of orders staged but not yet imported by the ERP (within
// CommittedWithin), and the location named by inventory.yaml's
// committed.default_location (0 for none). When the staging tables cannot say which orders
// are not imported, no units are taken off and that is a problem.
func (f *Inventory) committed(ctx context.Context, set *mapping.Set, locs shopify.Locations, now time.Time) ([]erp.CommittedLine, int64, []recordProblem, error) {
	if f.CommittedWithin < 0 {
		return nil, 0, nil, nil
	}
	p := erp.OrderCommittedListParams{Shop: f.Shop, Since: now.Add(-f.CommittedWithin)}
	if set.Orders != nil {
		p.Lines = set.Orders.Lines().Name
	}
	lines, err := f.Store.OrderCommittedList(ctx, p)
	switch {
	case errors.Is(err, erp.ErrUnknownColumn) || errors.Is(err, erp.ErrNotFound):
		return nil, 0, []recordProblem{{key: "committed", sev: passthrough.SeverityError,
			msg: "units of staged orders cannot be taken off the stock sent to Shopify: " + err.Error()}}, nil
	case err != nil:
		return nil, 0, nil, fmt.Errorf("read staged orders not yet imported: %w", err)
	}
	name := set.Inventory.DefaultLocation
	if name == "" {
		return lines, 0, nil, nil
	}
	l, err := locationOf(locs, name)
	if err != nil {
		return lines, 0, []recordProblem{{key: "committed", sev: passthrough.SeverityError,
			msg: fmt.Sprintf("committed.default_location in inventory.yaml names %v", err)}}, nil
	}
	return lines, l.ID, nil, nil
}

// locator finds a warehouse's location as inventory.yaml maps a stock row of it.
func (f *Inventory) locator(inv *mapping.Inventory, locs shopify.Locations, now time.Time) locateFunc {
	return func(sku, warehouse string) (int64, bool) {
		res, err := inv.Map(mapping.StockInput{Shop: f.Shop, Now: now, Stock: record.Stock{ItemCode: sku, WarehouseCode: warehouse}})
		if err != nil {
			return 0, false
		}
		l, err := locationOf(locs, res.Location)
		return l.ID, err == nil
	}
}

// catalogLevels turns quantities per SKU into levels of inventory items, sorted by SKU and
// location. A SKU on no variant, on several (never guessed), or whose stock Shopify does not
// track is a problem and gets no level.
func catalogLevels(cat *shopify.Catalog, inv *mapping.Inventory, want stockUnits) ([]stockLevel, []recordProblem) {
	var levels []stockLevel
	var probs []recordProblem
	for _, sku := range slices.Sorted(maps.Keys(want)) {
		v, err := cat.Lookup(sku)
		var msg string
		sev := passthrough.SeverityError
		switch _, kit := inv.Kits[sku]; {
		case errors.Is(err, shopify.ErrUnknownSKU) && kit:
			msg = fmt.Sprintf("kit %s is declared in inventory.yaml but on no Shopify variant", sku)
		case errors.Is(err, shopify.ErrUnknownSKU):
			msg = fmt.Sprintf("SKU %s is in the ERP's stock but on no Shopify variant", sku)
		case err != nil:
			msg = fmt.Sprintf("%v; passthrough updates none of them until the SKU is on one variant only", err)
		case !v.Tracked():
			sev, msg = passthrough.SeverityInfo, fmt.Sprintf("Shopify does not track the stock of %s (%s); turn on its inventory tracking to sync it", sku, v)
		}
		if msg != "" {
			probs = append(probs, recordProblem{key: sku, sev: sev, msg: msg})
			continue
		}
		for loc, q := range want[sku] {
			levels = append(levels, stockLevel{sku: sku, item: v.InventoryItemID, loc: loc, qty: q})
		}
	}
	slices.SortFunc(levels, func(a, b stockLevel) int {
		return cmp.Or(strings.Compare(a.sku, b.sku), cmp.Compare(a.loc, b.loc))
	})
	return levels, probs
}

// --- sending -----------------------------------------------------------------------------

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

// markUnstocked remembers a level Shopify said it does not stock, until a full pass looks
// again.
func (f *Inventory) markUnstocked(k levelKey) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.unstocked == nil {
		f.unstocked = map[levelKey]bool{}
	}
	f.unstocked[k] = true
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
	var refused refusals
	for i, r := range results {
		l := levels[i]
		var ue *shopify.UserError
		switch {
		case r.Err == nil:
			ok = append(ok, l.sent(f.Shop, false))
		case errors.As(r.Err, &ue) && ue.Code == "ITEM_NOT_STOCKED_AT_LOCATION":
			f.markUnstocked(l.key())
			probs = append(probs, notStocked(l.stockLevel, locs))
		default:
			refused.add(r.Err, l.sku+"@"+locationName(locs, l.loc))
		}
	}
	// What Shopify took is recorded even when the run stops here.
	if rerr := f.record(context.WithoutCancel(ctx), ok); rerr != nil {
		return probs, errors.Join(err, rerr)
	}
	x.exec.Counts.Written += len(ok)
	if err != nil {
		return probs, fmt.Errorf("set inventory levels (%d of %d set): %w", len(ok), len(levels), err)
	}
	return append(probs, refused.problems()...), nil
}

// refusals groups the levels Shopify refused by what the refusal means, so that many levels
// refused for one reason make one problem, not one each.
type refusals struct {
	list  []*refusal
	byMsg map[string]*refusal
}

type refusal struct {
	sev  passthrough.Severity
	msg  string
	keys []string // SKU@location
}

func (r *refusals) add(err error, key string) {
	sev, msg := levelProblem(err)
	fl := r.byMsg[string(sev)+msg]
	if fl == nil {
		if r.byMsg == nil {
			r.byMsg = map[string]*refusal{}
		}
		fl = &refusal{sev: sev, msg: msg}
		r.byMsg[string(sev)+msg] = fl
		r.list = append(r.list, fl)
	}
	fl.keys = append(fl.keys, key)
}

// problems lists up to three levels refused for one reason each on their own, and more as
// one problem that names the first three.
func (r *refusals) problems() []recordProblem {
	var probs []recordProblem
	for _, fl := range r.list {
		if len(fl.keys) <= 3 {
			for _, k := range fl.keys {
				probs = append(probs, recordProblem{key: k, sev: fl.sev, msg: fl.msg})
			}
			continue
		}
		probs = append(probs, recordProblem{key: "levels", sev: fl.sev,
			msg: fmt.Sprintf("%d levels were not set (%s, …): %s", len(fl.keys), strings.Join(fl.keys[:3], ", "), fl.msg)})
	}
	return probs
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
	if all {
		// Every level was looked at: a problem this run did not find again has ended.
		return x.resolvedUnseen(ctx)
	}
	return nil
}
