package mapping

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/expr-lang/expr/vm"
	"github.com/passthrough-dev/passthrough/record"
)

// Mapping an order costs microseconds (DESIGN.md §7). Run with
//
//	go test -run '^$' -bench . -benchmem -cpu 1 ./mapping/
//
// Each benchmark reports, besides ns/op, B/op and allocs/op, how many columns it fills.

func benchOrder(b *testing.B) *record.Order {
	raw, err := os.ReadFile("../mappings/tests/payloads/order-1001-2026-07.json")
	if err != nil {
		b.Fatal(err)
	}
	o, err := record.DecodeOrder(raw)
	if err != nil {
		b.Fatal(err)
	}
	o.FinancialStatus = "paid"
	for _, li := range o.LineItems {
		li.CurrentQuantity = 1
	}
	return o
}

func benchMap(b *testing.B, set *Set) {
	in := OrderInput{Shop: "acme", Order: benchOrder(b), Now: time.Now()}
	res, err := set.Orders.Map(in)
	if err != nil {
		b.Fatal(err)
	}
	columns := len(res.HeaderRow.Columns) + len(res.LineRows)*len(res.LineRows[0].Columns)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := set.Orders.Map(in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(columns), "columns/order")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(columns), "ns/column")
}

// BenchmarkMapOrderTypical is the typical order: 25 header columns, 3 lines of 8
// columns (testdata/bench/orders.yaml, cut from the shipped file). Target: ≤ 5 µs.
func BenchmarkMapOrderTypical(b *testing.B) {
	set, err := LoadDir("testdata/bench")
	if err != nil {
		b.Fatal(err)
	}
	benchMap(b, set)
}

// BenchmarkMapOrderShipped maps with the shipped orders.yaml: 38 header columns (12 of them
// folded to constants at load), 3 lines of 12 columns with exact decimal arithmetic.
func BenchmarkMapOrderShipped(b *testing.B) {
	set, err := LoadDir("../mappings")
	if err != nil {
		b.Fatal(err)
	}
	benchMap(b, set)
}

// BenchmarkMapOrderColumnByColumn is the same work without the row programs: each column's
// own program run on a reused VM, as a simpler engine would. It shows what compiling one
// program per row (and folding constants, computing repeated values once) buys.
func BenchmarkMapOrderColumnByColumn(b *testing.B) {
	set, err := LoadDir("../mappings")
	if err != nil {
		b.Fatal(err)
	}
	m := set.Orders
	o := benchOrder(b)
	henv := &headerEnv{Shop: "acme", Order: o, Now: time.Now()}
	m0 := &vm.VM{}
	b.ReportAllocs()
	for b.Loop() {
		for _, r := range m.headerProg.rules {
			_, _ = m0.Run(r.cond.prog, henv)
		}
		for _, c := range m.headerProg.cols {
			v, _ := m0.Run(c.x.prog, henv)
			_, _ = rowValue(v)
		}
		for i, li := range o.LineItems {
			lenv := &lineEnv{Shop: "acme", Order: o, Now: henv.Now, Line: li, Index: i}
			_, _ = m0.Run(m.lineProg.filter.prog, lenv)
			for _, c := range m.lineProg.cols {
				v, _ := m0.Run(c.x.prog, lenv)
				_, _ = rowValue(v)
			}
		}
	}
}

// BenchmarkLoad compiles the shipped mapping files: done at start and when a file is saved.
func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := LoadDir("../mappings"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeOrder reads Shopify's 2026-07 order (30 KB of JSON).
func BenchmarkDecodeOrder(b *testing.B) {
	body, err := os.ReadFile("../mappings/tests/payloads/order-1001-2026-07.json")
	if err != nil {
		b.Fatal(err)
	}
	// The feeds hand over the order itself, as a page of orders.json holds it.
	var wrapped struct{ Order json.RawMessage }
	if err := json.Unmarshal(body, &wrapped); err != nil {
		b.Fatal(err)
	}
	raw := []byte(wrapped.Order)
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := record.DecodeOrder(raw); err != nil {
			b.Fatal(err)
		}
	}
}
