package mapping

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/passthrough-dev/passthrough/mapping/internal/yamlfile"
	"github.com/passthrough-dev/passthrough/record"
	"go.yaml.in/yaml/v3"
)

// Fuzz tests: whatever a mapping file or an expression holds, loading and running it
// returns a value or an error. It never panics and never hangs. `go test` runs the seed
// corpora (the shipped files, the broken ones of testdata, the README's examples); `go test
// -fuzz FuzzLoad` or `-fuzz FuzzEval` explores from there.

// fuzzDeadline is how long one input may take before the fuzz test calls it a hang: orders
// of magnitude more than any real input needs, so a busy machine never trips it.
const fuzzDeadline = 20 * time.Second

func withDeadline(t *testing.T, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
	case <-time.After(fuzzDeadline):
		t.Fatalf("%s did not finish in %s", what, fuzzDeadline)
	}
}

func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob("../mappings/*.yaml")
	broken, _ := filepath.Glob("testdata/errors/*/*.yaml")
	for _, p := range append(seeds, broken...) {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(strings.TrimSuffix(filepath.Base(p), ".yaml"), b)
	}
	f.Add("orders", []byte("header: {table: t, key: [a], columns: {a: '\"x\" + '}}"))
	f.Add("inventory", []byte("level:\n  location: ''\n  quantity: 1\nkits: {K: {A: 0}}"))
	o := fixtureForFuzz(f)
	f.Fuzz(func(t *testing.T, feed string, text []byte) {
		switch feed {
		case FeedOrders, FeedShipments, FeedInventory:
		default:
			feed = FeedOrders
		}
		withDeadline(t, "loading and mapping", func() {
			set, err := Load(fstest.MapFS{feed + ".yaml": {Data: text}})
			if err != nil {
				if set != nil {
					t.Fatal("a failed load returned a set")
				}
				return
			}
			switch {
			case set.Orders != nil:
				_, _ = set.Orders.Map(OrderInput{Shop: "fuzz", Order: o})
				_, _ = set.Orders.Cancel(OrderInput{Shop: "fuzz", Order: o})
			case set.Shipments != nil:
				_, _ = set.Shipments.Map(ShipmentInput{Shipment: record.Shipment{ID: "S", TrackingNumber: "1Z", Items: []record.ShipmentItem{{SKU: "A", Quantity: 1}}}})
			case set.Inventory != nil:
				_, _ = set.Inventory.Map(StockInput{Stock: record.Stock{ItemCode: "A", WarehouseCode: "000"}})
			}
		})
	})
}

func FuzzEval(f *testing.F) {
	// Seeds: every expression of the shipped files and every README example.
	example := regexp.MustCompile("^\\| `(.+)` \\|")
	readme, _ := os.ReadFile("../mappings/README.md")
	for _, line := range strings.Split(string(readme), "\n") {
		if m := example.FindStringSubmatch(line); m != nil {
			f.Add(m[1])
		}
	}
	for _, p := range []string{"../mappings/orders.yaml", "../mappings/shipments.yaml", "../mappings/inventory.yaml"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		var doc yaml.Node
		if err := yaml.Unmarshal(b, &doc); err != nil {
			f.Fatal(err)
		}
		eachScalar(&doc, func(s string) { f.Add(s) })
	}
	for _, s := range []string{"let r = 1..999; sum(r, sum(r, sum(r, #)))", "1/0", "order.line_items[99].sku",
		"-order.total_price * 0.5 % 3", `split(order.note ?? "", "")`, "order.created_at.AddDate(1, 0, 0)",
		"line.price ?? index", "[order, line, shop, now][index]"} {
		f.Add(s)
	}
	c := &exprCompiler{defaults: map[string]any{"n": 1, "s": "x", "l": []string{"paid"}},
		lookups: map[string]*lookupTable{"t": {name: "t", entries: map[string]any{"a": "b"}, def: "d", hasDef: true}}}
	o := fixtureForFuzz(f)
	f.Fuzz(func(t *testing.T, src string) {
		withDeadline(t, "compiling and running "+src, func() {
			diags := &Diagnostics{}
			own := *c
			own.src = yamlfile.NewSource("fuzz", []byte(src), diags)
			n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: src, Line: 1, Column: 1}
			env := &lineEnv{Shop: "fuzz", Order: o, Line: o.LineItems[0], Now: time.Now()}
			x := own.compile(n, env, wantValue)
			if x == nil {
				if diags.Empty() {
					t.Fatal("an expression that did not compile reported no problem")
				}
				_ = diags.Error()
				return
			}
			p, err := newRowProgram(&own, env, nil, nil, []column{{name: "c", key: n, x: x}, {name: "d", key: n, x: x}}, nil)
			if err != nil {
				t.Fatalf("compiled alone but not in a row: %v", err)
			}
			vmm := (&vmPool{}).get()
			_, _ = p.run(vmm, env, where{})
		})
	})
}

func eachScalar(n *yaml.Node, fn func(string)) {
	if n.Kind == yaml.ScalarNode {
		fn(n.Value)
	}
	for _, c := range n.Content {
		eachScalar(c, fn)
	}
}

func fixtureForFuzz(f *testing.F) *record.Order {
	raw, err := os.ReadFile("../mappings/tests/payloads/order-1001-2026-07.json")
	if err != nil {
		f.Fatal(err)
	}
	o, err := record.DecodeOrder(raw)
	if err != nil {
		f.Fatal(err)
	}
	o.FinancialStatus = "paid"
	o.Note = strings.Repeat("note ", 200)
	return o
}

// FuzzMapOrder: whatever bytes come as an order, what decodes can be mapped in bounded time,
// never with a panic (record's own fuzz targets cover the decoding).
func FuzzMapOrder(f *testing.F) {
	files, _ := filepath.Glob("../testdata/shopify/*order*.json")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"line_items": [null, {"properties": {"a": [1]}}], "billing_address": {"latitude": "x"}}`))
	set, err := LoadDir("../mappings")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		o, err := record.DecodeOrder(raw)
		if err != nil {
			return
		}
		withDeadline(t, "mapping a decoded order", func() {
			_, _ = set.Orders.Map(OrderInput{Shop: "fuzz", Order: o})
		})
	})
}
