package mapping

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough"
)

// ordersWith is an orders.yaml whose header has one more column, comment, holding expr.
func ordersWith(expr string) []byte {
	return []byte(`header:
  table: s_orders
  key: [shop]
  columns:
    shop: shop
    comment: |
      ` + strings.ReplaceAll(expr, "\n", "\n      ") + "\n")
}

func loadProblems(t *testing.T, text []byte) string {
	t.Helper()
	set, err := Load(fstest.MapFS{"orders.yaml": {Data: text}})
	require.Nil(t, set)
	var diags *Diagnostics
	require.True(t, errors.As(err, &diags), "want diagnostics, got %v", err)
	return diags.Error()
}

func TestUnboundedExpressionsAreRefusedAtLoad(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, expr, want string
	}{
		{"the 58-second expression of libraries.md", "let r = 1..999; sum(r, sum(r, sum(r, #)))", "ranges (..) are not allowed"},
		{"the same without its range", "sum(order.line_items, sum(order.line_items, sum(order.line_items, .grams)))",
			"sum inside the predicate of sum is not allowed"},
		{"a walk inside any walk's predicate", "any(order.line_items, count(order.refunds, true) > 1)",
			"count inside the predicate of any is not allowed"},
		{"sum of a decimal field inside a map", "join(map(order.line_items, string(sum(order.line_items, .price))))",
			"sum inside the predicate of map is not allowed"},
		{"a range alone", "len(1..100000000)", "ranges (..) are not allowed"},
		{"repeat", `repeat("x", 1000000)`, "repeat is not available in mappings"},
		{"reduce", "reduce(order.line_items, #acc + .sku, \"\")", "reduce is not available in mappings"},
		{"toJSON nested", "toJSON(toJSON(order))", "toJSON is not available in mappings"},
		{"fromBase64", `fromBase64("eA==")`, "fromBase64 is not available in mappings"},
		{"a method of a decimal that allocates without bound", "string(order.total_price.Shift(2000000000))",
			"method Shift of decimal cannot be called"},
		{"a method of a decimal through a line", "string(order.line_items[0].price.PowInt32(1000000))",
			"method PowInt32 of decimal cannot be called"},
		{"a pointer method of time", `order.created_at.UnmarshalText(toBytes("x"))`, "UnmarshalText"},
		{"too many nodes", strings.Repeat("order.id + ", 200) + "1", "exceeds maximum allowed nodes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Contains(t, loadProblems(t, ordersWith(tc.expr)), tc.want)
		})
	}
}

func TestTimeMethodsThatOnlyReadAreAllowed(t *testing.T) {
	t.Parallel()
	set, err := Load(fstest.MapFS{"orders.yaml": {Data: ordersWith(`string(order.created_at.Year()) + order.created_at.Format("-01")`)}})
	require.NoError(t, err)
	o := readFixtureOrder(t, "../mappings/tests/payloads/order-1001-2026-07.json")
	res, err := set.Orders.Map(OrderInput{Shop: "acme", Order: o})
	require.NoError(t, err)
	got, _ := res.HeaderRow.Get("comment")
	require.Equal(t, "2008-01", got)
}

func TestRunawayGrowthStopsWhenItRuns(t *testing.T) {
	t.Parallel()
	o := readFixtureOrder(t, "../mappings/tests/payloads/order-1001-2026-07.json")
	o.Note = strings.Repeat("Please leave the parcel with the neighbours. ", 100) // 4,500 characters
	doubling := func(start string) string {
		s := "let a0 = " + start + ";\n"
		for i := 1; i <= 40; i++ {
			s += "let a" + itoa(i) + " = a" + itoa(i-1) + " + a" + itoa(i-1) + ";\n"
		}
		return s + "len(a40)"
	}
	listDoubling := "let a0 = order.line_items;\n"
	for i := 1; i <= 40; i++ {
		listDoubling += "let a" + itoa(i) + " = concat(a" + itoa(i-1) + ", a" + itoa(i-1) + ");\n"
	}
	listDoubling += "len(a40)"
	for _, tc := range []struct {
		name, expr, want string
	}{
		{"text doubled forty times", doubling("order.note"), "text longer than 65536 bytes"},
		{"text of unknown type doubled forty times", doubling("[order.note][0]"), "text longer than 65536 bytes"},
		{"a list doubled forty times", listDoubling, "memory budget exceeded"},
		{"lists built in a walk over split text", "len(map(split(order.note, \" \"), [" + strings.Repeat("#, ", 149) + "#]))",
			"memory budget exceeded"},
		{"split into every character", `len(split(order.note, ""))`, "split: more than 1000 parts"},
		{"replace that multiplies text", `len(replace(order.note, "", order.note))`, "text longer than 65536 bytes"},
		{"join of text grown in a walk", `len(join(map(order.line_items, order.note + order.note + order.note + order.note + order.note + order.note + order.note + order.note)))`,
			"text longer than 65536 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			set, err := Load(fstest.MapFS{"orders.yaml": {Data: ordersWith(tc.expr)}})
			require.NoError(t, err)
			done := make(chan error, 1)
			go func() {
				_, err := set.Orders.Map(OrderInput{Shop: "acme", Order: o})
				done <- err
			}()
			select {
			case err := <-done:
				var re *passthrough.RecordError
				require.True(t, errors.As(err, &re), "want a record error, got %v", err)
				require.Equal(t, passthrough.SeverityError, re.Severity)
				require.Contains(t, re.Message, "column comment")
				require.Contains(t, re.Message, tc.want)
			case <-time.After(time.Minute): // a generous bound: the point is that it ends
				t.Fatal("the expression did not stop")
			}
		})
	}
}

func itoa(i int) string { return decimal.NewFromInt(int64(i)).String() }

// TestEnvironmentsHoldPlainData walks every type an expression can reach: none may have a
// method, except decimal.Decimal and time.Time, whose method calls lint checks (only a
// few of time's, which read, are allowed).
func TestEnvironmentsHoldPlainData(t *testing.T) {
	t.Parallel()
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(tp reflect.Type) {
		for tp.Kind() == reflect.Pointer || tp.Kind() == reflect.Slice {
			tp = tp.Elem()
		}
		if seen[tp] || tp == decimalType || tp == timeType {
			return
		}
		seen[tp] = true
		require.Zero(t, tp.NumMethod(), "%s has methods an expression could call", tp)
		require.Zero(t, reflect.PointerTo(tp).NumMethod(), "*%s has methods an expression could call", tp)
		if tp.Kind() == reflect.Struct {
			for i := 0; i < tp.NumField(); i++ {
				f := tp.Field(i)
				require.True(t, f.IsExported(), "%s.%s", tp, f.Name)
				require.NotEmpty(t, f.Tag.Get("expr"), "%s.%s has no expr name", tp, f.Name)
				walk(f.Type)
			}
		}
	}
	for _, env := range []any{headerEnv{}, lineEnv{}, shipmentEnv{}, stockEnv{}} {
		walk(reflect.TypeOf(env))
	}
	require.Greater(t, len(seen), 15)
}
