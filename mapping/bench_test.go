package mapping

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/record"
	"github.com/shopspring/decimal"
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

// olderOrder is the order as the older API versions send it, from the single-order
// endpoint: wrapped in {"order": …}, coordinates as strings, no current_quantity. Its
// financial status is made paid, so that the shipped criteria let it through and the
// benchmarks map it whole.
func olderOrder(b *testing.B) []byte {
	raw, err := os.ReadFile("../mappings/tests/payloads/order-1001-older-api.json")
	if err != nil {
		b.Fatal(err)
	}
	// Made paid, and made to add up: the sample's totals count two of its three lines
	// (398.00 + tax 11.94), which the orders mapping rightly refuses as an order no ERP
	// should book.
	for _, r := range []struct{ from, to string }{
		{`"financial_status": "authorized"`, `"financial_status": "paid"`},
		{`"total_price": "409.94"`, `"total_price": "608.94"`},
		{`"subtotal_price": "398.00"`, `"subtotal_price": "597.00"`},
		{`"total_line_items_price": "398.00"`, `"total_line_items_price": "597.00"`},
	} {
		changed := bytes.Replace(raw, []byte(r.from), []byte(r.to), 1)
		if bytes.Equal(changed, raw) {
			b.Fatalf("the sample order has no %s any more: the benchmark cannot prepare it", r.from)
		}
		raw = changed
	}
	return raw
}

// BenchmarkDecodeAndMapOrder puts side by side, for one older-shaped order (olderOrder),
// what a feed does per order and what a naive engine would do:
//
//   - naive: encoding/json into map[string]any, then one expr program per column of the
//     shipped orders.yaml, compiled once and run on a reused VM over that map (floats for
//     money, ids through float64);
//   - decode+map: record.DecodeOrder, then the shipped orders.yaml; it also reports its
//     time as a multiple of naive's (×naive) when both ran;
//   - decode: record.DecodeOrder alone.
//
// Before the timing, both engines map the order once and must give the same rows.
func BenchmarkDecodeAndMapOrder(b *testing.B) {
	set, err := LoadDir("../mappings")
	if err != nil {
		b.Fatal(err)
	}
	raw := olderOrder(b)
	now := time.Now()
	naive := compileNaive(b)
	want := naive.run(b, raw)
	o, err := record.DecodeOrder(raw)
	if err != nil {
		b.Fatal(err)
	}
	got, err := set.Orders.Map(OrderInput{Shop: "acme", Order: o, Now: now})
	if err != nil {
		b.Fatal(err)
	}
	sameRows(b, got, want)

	var naiveNs float64
	b.Run("naive", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(raw)))
		for b.Loop() {
			naive.run(b, raw)
		}
		naiveNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	b.Run("decode+map", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(raw)))
		for b.Loop() {
			o, err := record.DecodeOrder(raw)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := set.Orders.Map(OrderInput{Shop: "acme", Order: o, Now: now}); err != nil {
				b.Fatal(err)
			}
		}
		if naiveNs > 0 {
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/naiveNs, "×naive")
		}
	})
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(raw)))
		for b.Loop() {
			if _, err := record.DecodeOrder(raw); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// naiveMapping is orders.yaml written for a map[string]any, as an engine without types
// would run it: the same criteria, columns and line filter, with the conversions such an
// engine needs (float for money, date for times, ?? where older payloads lack a field).
type naiveMapping struct {
	rules, header, filter, lines []*vm.Program
	vm                           vm.VM
	defaults                     map[string]any
}

var (
	naiveRules = []string{
		`order.cancelled_at == nil`,
		`order.test != true`,
		`order.financial_status in defaults.financial_statuses`,
	}
	naiveHeader = []string{
		`shop`,
		`order.id`,
		`order.name`,
		// the order's wall clock, as the shipped mapping's local() gives it without a shop zone
		`date(date(order.processed_at ?? order.created_at).Format("2006-01-02T15:04:05"), "2006-01-02T15:04:05")`,
		`defaults.customer_no`,
		`cut(coalesce(order.email, order.contact_email, order.customer?.email), 250)`,
		`cut(order.billing_address?.name, 30)`,
		`cut(order.billing_address?.address1, 30)`,
		`cut(order.billing_address?.address2, 30)`,
		`cut(order.billing_address?.city, 20)`,
		`cut(order.billing_address?.province_code, 2)`,
		`cut(order.billing_address?.zip, 10)`,
		`cut(order.billing_address?.country_code, 3)`,
		`cut(order.billing_address?.phone, 17)`,
		`cut((order.shipping_address ?? order.billing_address)?.name, 30)`,
		`cut((order.shipping_address ?? order.billing_address)?.address1, 30)`,
		`cut((order.shipping_address ?? order.billing_address)?.address2, 30)`,
		`cut((order.shipping_address ?? order.billing_address)?.city, 20)`,
		`cut((order.shipping_address ?? order.billing_address)?.province_code, 2)`,
		`cut((order.shipping_address ?? order.billing_address)?.zip, 10)`,
		`cut((order.shipping_address ?? order.billing_address)?.country_code, 3)`,
		`cut((order.shipping_address ?? order.billing_address)?.phone, 17)`,
		`defaults.payment_terms`,
		`defaults.salesperson_no`,
		`defaults.customer_division`,
		`defaults.order_type`,
		`defaults.hold_code`,
		`defaults.tax_schedule`,
		`defaults.print_pick_sheet`,
		`defaults.print_sales_order`,
		`lookup(first(order.shipping_lines ?? [])?.title)`,
		`sum(order.shipping_lines ?? [], float(.price))`,
		`float(order.current_total_discounts ?? order.total_discounts)`,
		`float(order.current_total_tax ?? order.total_tax)`,
		`float(order.current_total_price ?? order.total_price)`,
		`order.currency`,
		`cut(order.note, 250)`,
		`order.cancelled_at != nil`,
		`order.fulfillment_status == "fulfilled"`,
	}
	naiveFilter = `line.requires_shipping == true && line.gift_card != true && (line.current_quantity ?? line.quantity) > 0`
	naiveLines  = []string{
		`shop`,
		`order.id`,
		`index + 1`,
		`line.id`,
		`line.sku != "" ? line.sku : fail("no SKU: the ERP needs an item code on every line")`,
		`cut(line.name, 50)`,
		`line.current_quantity ?? line.quantity`,
		`float(line.price)`,
		`sum(line.discount_allocations ?? [], float(.amount))`,
		`sum(line.tax_lines ?? [], float(.price))`,
		`round(((line.current_quantity ?? line.quantity) * float(line.price) - sum(line.discount_allocations ?? [], float(.amount))) * 100) / 100`,
		`defaults.warehouse_code`,
	}
)

func compileNaive(b *testing.B) *naiveMapping {
	shipVia := map[string]string{"Standard": "UPS GROUND", "Standard Shipping": "UPS GROUND", "Express": "UPS 2DAY",
		"Overnight": "UPS NEXT DAY", "Free Shipping": "UPS GROUND", "Local Pickup": "WILL CALL"}
	opts := []expr.Option{
		expr.Env(map[string]any{"shop": "", "order": map[string]any{}, "defaults": map[string]any{}, "line": map[string]any{}, "index": 0}),
		expr.Function("cut", func(p ...any) (any, error) {
			s, _ := p[0].(string)
			n, _ := p[1].(int)
			return cut(s, n), nil
		}),
		expr.Function("coalesce", func(p ...any) (any, error) {
			for _, v := range p {
				if s, ok := v.(string); ok && s != "" {
					return s, nil
				}
			}
			return "", nil
		}),
		expr.Function("lookup", func(p ...any) (any, error) {
			s, _ := p[0].(string)
			if v, ok := shipVia[s]; ok {
				return v, nil
			}
			return "BEST WAY", nil
		}),
		expr.Function("fail", func(p ...any) (any, error) { return nil, fmt.Errorf("%v", p[0]) }),
	}
	compile := func(srcs ...string) []*vm.Program {
		progs := make([]*vm.Program, len(srcs))
		for i, src := range srcs {
			p, err := expr.Compile(src, opts...)
			if err != nil {
				b.Fatalf("compile %s: %v", src, err)
			}
			progs[i] = p
		}
		return progs
	}
	return &naiveMapping{
		rules: compile(naiveRules...), header: compile(naiveHeader...), filter: compile(naiveFilter), lines: compile(naiveLines...),
		defaults: map[string]any{"payment_terms": "NET30", "salesperson_no": "0100", "customer_division": "01",
			"customer_no": "WEBCUST", "order_type": "S", "hold_code": "", "tax_schedule": "AVATAX", "print_pick_sheet": "Y",
			"print_sales_order": "N", "warehouse_code": "000", "financial_statuses": []any{"paid"}},
	}
}

// run maps one order's JSON: the header row, then a row per line that passes the filter.
func (n *naiveMapping) run(b *testing.B, raw []byte) [][]any {
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		b.Fatal(err)
	}
	order := body
	if inner, ok := body["order"].(map[string]any); ok {
		order = inner
	}
	env := map[string]any{"shop": "acme", "order": order, "defaults": n.defaults, "line": nil, "index": 0}
	eval := func(progs []*vm.Program) []any {
		out := make([]any, len(progs))
		for i, p := range progs {
			v, err := n.vm.Run(p, env)
			if err != nil {
				b.Fatal(err)
			}
			out[i] = v
		}
		return out
	}
	for _, ok := range eval(n.rules) {
		if ok != true {
			b.Fatal("the naive criteria refuse the order")
		}
	}
	rows := [][]any{eval(n.header)}
	lines, _ := order["line_items"].([]any)
	for _, line := range lines {
		env["line"], env["index"] = line, len(rows)-1
		if keep := eval(n.filter); keep[0] != true {
			continue
		}
		rows = append(rows, eval(n.lines))
	}
	return rows
}

// sameRows fails unless the naive engine's rows hold the values of ours: numbers equal as
// decimals, times equal as instants.
func sameRows(b *testing.B, ours *passthrough.OrderRows, naive [][]any) {
	rows := append([]passthrough.Row{ours.HeaderRow}, ours.LineRows...)
	if len(rows) != len(naive) {
		b.Fatalf("%d rows, naive %d", len(rows), len(naive))
	}
	for i, r := range rows {
		if len(r.Values) != len(naive[i]) {
			b.Fatalf("row %d: %d columns, naive %d", i, len(r.Values), len(naive[i]))
		}
		for j, v := range r.Values {
			if a, z := canonical(b, v), canonical(b, naive[i][j]); a != z {
				b.Fatalf("row %d, %s: %s, naive %s", i, r.Columns[j], a, z)
			}
		}
	}
}

func canonical(b *testing.B, v any) string {
	v, err := rowValue(v)
	if err != nil {
		b.Fatal(err)
	}
	switch x := v.(type) {
	case int64:
		return decimal.NewFromInt(x).String()
	case decimal.Decimal:
		return x.String()
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	}
	return Display(v)
}
