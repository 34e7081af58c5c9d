package mapping

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"go.yaml.in/yaml/v3"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/mapping/internal/yamlfile"
	"github.com/passthrough-dev/passthrough/record"
)

// StockInput is one stock row to map.
type StockInput struct {
	Shop  string
	Stock record.Stock
	Now   time.Time
}

// StockResult is the level one stock row gives: a quantity at a Shopify location, named as
// Shopify names it. When several warehouses map to one location, the feed adds up their
// quantities: a store sells from one location what the ERP keeps in several warehouses.
type StockResult struct {
	Location string
	Quantity int64
}

// levelFields are the level block's fields, in the order the program gives them.
var levelFields = []string{"location", "quantity"}

// row is the result as the level block names its fields.
func (r *StockResult) row() passthrough.Row {
	return passthrough.Row{Columns: levelFields, Values: []any{r.Location, r.Quantity}}
}

// BundleRule says which SKUs are packs of another: with Suffix "-X", TS-001-X3 is a pack of
// 3 × TS-001, so its stock is floor(stock of TS-001 / 3): a pack can only be sold as
// whole packs of what is on the shelf.
type BundleRule struct {
	Suffix string // empty: no bundles
}

// Split reports whether sku is a pack, of how many of which base SKU.
func (b BundleRule) Split(sku string) (base string, n int, ok bool) {
	if b.Suffix == "" {
		return "", 0, false
	}
	i := strings.LastIndex(sku, b.Suffix)
	if i <= 0 {
		return "", 0, false
	}
	n, err := strconv.Atoi(sku[i+len(b.Suffix):])
	if err != nil || n < 2 {
		return "", 0, false
	}
	return sku[:i], n, true
}

// KitComponent is one SKU a kit is made of, and how many of it.
type KitComponent struct {
	SKU      string
	Quantity int
}

// Inventory is the compiled inventory.yaml. It is safe for concurrent use.
type Inventory struct {
	file string
	prog *rowProgram
	vms  vmPool
	// Bundles and Kits are declared data for the inventory feed, which knows every SKU's
	// stock: a bundle's or kit's own quantity comes from its components (see Derive).
	Bundles BundleRule
	Kits    map[string][]KitComponent // kit SKU → components, sorted by SKU
	// DefaultLocation (committed.default_location) is the Shopify location that units of
	// staged, not yet imported orders are taken from when their line names no warehouse
	// that maps to a location; empty lets the feed choose (see the feed's rule).
	DefaultLocation string
}

// Map maps one stock row to a level. A when rule that says no, fail(), or an expression that
// fails gives a *passthrough.RecordError.
func (m *Inventory) Map(in StockInput) (*StockResult, error) {
	vmm := m.vms.get()
	defer m.vms.put(vmm)
	st := in.Stock
	env := &stockEnv{Shop: in.Shop, Stock: &st, Now: in.Now}
	out, err := m.prog.run(vmm, env, where{})
	if err != nil {
		return nil, err
	}
	if out.failed != nil {
		return nil, reject(out.failed, vmm, env)
	}
	res := &StockResult{}
	switch v := out.values[0].(type) {
	case string:
		res.Location = v
	default:
		return nil, typeError(m.prog.cols[0], v, "a location name")
	}
	if res.Location == "" {
		return nil, &passthrough.RecordError{Severity: passthrough.SeverityError,
			Message: fmt.Sprintf("warehouse %q maps to no location", in.Stock.WarehouseCode)}
	}
	switch v := out.values[1].(type) {
	case int64:
		res.Quantity = v
	case decimal.Decimal:
		if !v.IsInteger() || !v.BigInt().IsInt64() {
			return nil, typeError(m.prog.cols[1], v, "a whole number (wrap it in units(…))")
		}
		res.Quantity = v.IntPart()
	default:
		return nil, typeError(m.prog.cols[1], v, "a whole number")
	}
	return res, nil
}

// Derive gives the quantity of a bundle or kit SKU from its components' quantities at the
// same location, and false when sku is neither. A kit is as many as its scarcest
// component allows; a missing component counts as none.
func (m *Inventory) Derive(sku string, qty func(sku string) int64) (int64, bool) {
	if comps, ok := m.Kits[sku]; ok {
		var n int64 = -1
		for _, c := range comps {
			k := max(qty(c.SKU), 0) / int64(c.Quantity)
			if n < 0 || k < n {
				n = k
			}
		}
		return max(n, 0), true
	}
	if base, per, ok := m.Bundles.Split(sku); ok {
		return max(qty(base), 0) / int64(per), true
	}
	return 0, false
}

// parseInventory reads inventory.yaml.
func parseInventory(src *yamlfile.Source, root *yaml.Node) *Inventory {
	top := src.Fields(yamlfile.Field{Val: root}, "inventory.yaml", []string{"defaults", "lookups", "when", "level", "bundles", "kits", "committed"}, []string{"level"})
	if top == nil {
		return nil
	}
	c := &exprCompiler{src: src, defaults: parseDefaults(src, top["defaults"].Val), lookups: parseLookups(src, top["lookups"].Val)}
	env := &stockEnv{}
	rules := parseRules(src, c, top["when"].Val, env)
	inv := &Inventory{file: src.Name, Kits: map[string][]KitComponent{}}
	var cols []column
	if f, ok := top["level"]; ok {
		b := src.Fields(f, "level", levelFields, levelFields)
		for _, name := range levelFields {
			fl, ok := b[name]
			if !ok {
				continue
			}
			x := c.compile(fl.Val, env, wantValue)
			if x == nil {
				continue
			}
			switch {
			case name == "location" && x.kind != kindText && x.kind != kindUnknown:
				src.Errorf(fl.Val, `a location name, e.g. lookup("locations", stock.warehouse_code)`, "location must give text; this gives %s", x.kind)
			case name == "quantity" && x.kind != kindInteger && x.kind != kindUnknown:
				src.Errorf(fl.Val, "units(stock.qty_available - defaults.safety_stock)", "quantity must give a whole number; this gives %s", x.kind)
			}
			cols = append(cols, column{name: name, key: fl.Key, x: x})
		}
	}
	if f, ok := top["bundles"]; ok {
		b := src.Fields(f, "bundles", []string{"suffix"}, []string{"suffix"})
		if fl, ok := b["suffix"]; ok {
			inv.Bundles.Suffix, _ = src.Scalar(fl.Val, "suffix")
		}
	}
	if f, ok := top["kits"]; ok {
		parseKits(src, f.Val, inv.Kits)
	}
	if f, ok := top["committed"]; ok {
		b := src.Fields(f, "committed", []string{"default_location"}, nil)
		if fl, ok := b["default_location"]; ok {
			inv.DefaultLocation, _ = src.Scalar(fl.Val, "default_location")
		}
	}
	if !src.Diags.Empty() {
		return nil
	}
	prog, err := newRowProgram(c, env, rules, nil, cols, nil)
	if err != nil {
		src.Errorf(top["level"].Key, "", "%v", err)
		return nil
	}
	inv.prog = prog
	return inv
}

// parseKits reads kit SKU: {component SKU: quantity, …}.
func parseKits(src *yamlfile.Source, n *yaml.Node, kits map[string][]KitComponent) {
	const exp = "KIT-SKU: {COMPONENT-SKU: quantity, …}"
	if n.Kind != yaml.MappingNode {
		src.Errorf(n, exp, "kits must be a block of kit SKUs, not %s", yamlfile.NodeKind(n))
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if v.Kind != yaml.MappingNode || len(v.Content) == 0 {
			src.Errorf(v, exp, "kit %s must list its components and their quantities", k.Value)
			continue
		}
		var comps []KitComponent
		for j := 0; j+1 < len(v.Content); j += 2 {
			ck, cv := v.Content[j], v.Content[j+1]
			q, err := strconv.Atoi(cv.Value)
			if err != nil || q < 1 || cv.Kind != yaml.ScalarNode {
				src.Errorf(cv, "a whole number of at least 1", "quantity of %s in kit %s must be a whole number of at least 1", ck.Value, k.Value)
				continue
			}
			comps = append(comps, KitComponent{SKU: ck.Value, Quantity: q})
		}
		sort.Slice(comps, func(a, b int) bool { return comps[a].SKU < comps[b].SKU })
		kits[k.Value] = comps
	}
}
