package feeds

import (
	"maps"
	"slices"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/mapping"
)

// The stock arithmetic: what Shopify should hold of each SKU at each location, worked out
// from the ERP's stock, the units of orders the ERP has not imported yet, and
// inventory.yaml's bundles and kits. Everything here is data in, data out: the feed reads the
// stock rows, the staged orders and the catalog, and hands them over.

// stockUnits is stock in Shopify's terms: SKU → location id → units.
type stockUnits map[string]map[int64]int64

// add adds units of sku at loc. Several warehouses that map to one location add up.
func (s stockUnits) add(sku string, loc, units int64) {
	m := s[sku]
	if m == nil {
		m = map[int64]int64{}
		s[sku] = m
	}
	m[loc] += units
}

// locateFunc says at which Shopify location a warehouse's units of sku are, as
// inventory.yaml maps a stock row of that warehouse; false when it maps to none.
type locateFunc func(sku, warehouse string) (loc int64, ok bool)

// stockInput is what the stock arithmetic works from.
type stockInput struct {
	// rules are inventory.yaml's bundles and kits.
	rules *mapping.Inventory
	// onHand is the ERP's stock as inventory.yaml maps it, warehouses added up per location.
	onHand stockUnits
	// refused are SKUs with a stock row inventory.yaml refused. Their stock would be only
	// part of the truth, so neither they nor the bundles and kits made of them get a level.
	refused map[string]bool
	// committed are the lines of orders staged but not yet imported by the ERP.
	committed []erp.CommittedLine
	// locate finds the location of a committed line's warehouse.
	locate locateFunc
	// defaultLocation takes the units of lines without a warehouse that maps
	// (committed.default_location); 0 when inventory.yaml names none.
	defaultLocation int64
	// variants are the SKUs Shopify has variants of: those that are bundles of a SKU the ERP
	// stocks get a level of their own.
	variants []string
}

// wantedStock works out what Shopify should hold of each SKU at each location: the ERP's
// stock less the committed units, never below 0, and the bundles and kits made from what is
// left. It also lists the kits none of whose components the ERP stocks, sorted.
func wantedStock(in stockInput) (stockUnits, []string) {
	committed := committedUnits(in.rules, in.committed, in.onHand, in.locate, in.defaultLocation)
	avail := available(in.onHand, committed)
	want := make(stockUnits, len(avail))
	for sku, qty := range avail {
		if _, kit := in.rules.Kits[sku]; kit || in.refused[sku] {
			continue // a declared kit's level always comes from its components
		}
		want[sku] = qty
	}
	derived, emptyKits := derive(in.rules, avail, in.refused, in.variants)
	maps.Copy(want, derived)
	return want, emptyKits
}

// committedUnits adds up, per SKU and location, the units staged lines take from the ERP's
// stock: units Shopify has sold that the ERP's stock still counts. A part quantity counts as
// a whole unit. Each line takes its units from committedLocation; a bundle's or kit's line
// takes them from its components.
func committedUnits(rules *mapping.Inventory, lines []erp.CommittedLine, onHand stockUnits, locate locateFunc, defaultLoc int64) stockUnits {
	out := stockUnits{}
	for _, line := range lines {
		units := line.Quantity.Ceil().IntPart()
		if units <= 0 {
			continue
		}
		for _, p := range components(rules, line.SKU, units, onHand) {
			loc := committedLocation(p.sku, line.Warehouse, onHand[p.sku], locate, defaultLoc)
			if loc == 0 {
				continue // the ERP has no stock of it: nothing to take off
			}
			out.add(p.sku, loc, p.units)
		}
	}
	return out
}

// part is units of one SKU.
type part struct {
	sku   string
	units int64
}

// components is what selling units of sku takes from the ERP's stock: a kit's components, a
// bundle's base SKU, or the SKU itself. A SKU the ERP stocks itself is never taken for a
// bundle.
func components(rules *mapping.Inventory, sku string, units int64, onHand stockUnits) []part {
	if comps, ok := rules.Kits[sku]; ok {
		out := make([]part, 0, len(comps))
		for _, c := range comps {
			out = append(out, part{c.SKU, units * int64(c.Quantity)})
		}
		return out
	}
	if _, own := onHand[sku]; !own {
		if base, n, ok := rules.Bundles.Split(sku); ok {
			return []part{{base, units * int64(n)}}
		}
	}
	return []part{{sku, units}}
}

// committedLocation is the location a staged line's units of sku come from: where its
// warehouse maps to, as a stock row of that warehouse would; without a warehouse that maps,
// the default location; without one, the location where the SKU has the most stock (where
// Shopify routes orders first; the lowest id of a tie). It is 0 when none of these applies,
// the SKU having no stock anywhere.
func committedLocation(sku, warehouse string, stockAt map[int64]int64, locate locateFunc, defaultLoc int64) int64 {
	if warehouse != "" {
		if loc, ok := locate(sku, warehouse); ok {
			return loc
		}
	}
	if defaultLoc != 0 {
		return defaultLoc
	}
	var best, most int64
	for loc, q := range stockAt {
		if best == 0 || q > most || (q == most && loc < best) {
			best, most = loc, q
		}
	}
	return best
}

// available is the stock less the committed units at each location, never below 0.
func available(onHand, committed stockUnits) stockUnits {
	out := make(stockUnits, len(onHand))
	for sku, m := range onHand {
		qty := make(map[int64]int64, len(m))
		for loc, q := range m {
			qty[loc] = max(q-committed[sku][loc], 0)
		}
		out[sku] = qty
	}
	return out
}

// derive works out bundles and kits from their components' available stock, at every
// location where one of the components is stocked: each kit inventory.yaml declares, and
// each variant SKU that is a bundle of a SKU the ERP stocks, unless the ERP stocks the bundle
// SKU itself. The quantities follow inventory.yaml's rules (mapping.Inventory.Derive): a
// bundle of n is floor(base ÷ n), a kit as many as its scarcest component allows. A bundle or
// kit with a refused component gets no level; the kits none of whose components the ERP
// stocks come back as a list.
func derive(rules *mapping.Inventory, avail stockUnits, refused map[string]bool, variants []string) (stockUnits, []string) {
	made := map[string][]string{} // SKU → its components
	for sku, comps := range rules.Kits {
		for _, c := range comps {
			made[sku] = append(made[sku], c.SKU)
		}
	}
	for _, sku := range variants {
		_, own := avail[sku]
		if _, kit := rules.Kits[sku]; own || kit {
			continue
		}
		if base, _, ok := rules.Bundles.Split(sku); ok && avail[base] != nil {
			made[sku] = []string{base}
		}
	}
	out := make(stockUnits, len(made))
	var emptyKits []string
	for _, sku := range slices.Sorted(maps.Keys(made)) {
		comps := made[sku]
		if slices.ContainsFunc(comps, func(c string) bool { return refused[c] }) {
			continue
		}
		qty := map[int64]int64{}
		for _, c := range comps {
			for loc := range avail[c] {
				qty[loc] = 0
			}
		}
		if len(qty) == 0 {
			emptyKits = append(emptyKits, sku)
			continue
		}
		for loc := range qty {
			qty[loc], _ = rules.Derive(sku, func(c string) int64 { return avail[c][loc] })
		}
		out[sku] = qty
	}
	return out, emptyKits
}
