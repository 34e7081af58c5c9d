package mapping

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"
)

func TestMoneyStaysExact(t *testing.T) {
	t.Parallel()
	c := shippedCompiler(t)
	o := readFixtureOrder(t, "../mappings/tests/payloads/order-1001-2026-07.json")
	o.LineItems[0].Price = decimal.RequireFromString("0.10")
	o.LineItems[1].Price = decimal.RequireFromString("0.20")
	env := &lineEnv{Order: o, Line: o.LineItems[0], Now: time.Now()}
	d := decimal.RequireFromString
	for _, tc := range []struct {
		expr string
		want any
	}{
		{"0.1 + 0.2", d("0.3")},
		{"money(0.1 + 0.2)", d("0.30")},
		{"order.line_items[0].price + order.line_items[1].price", d("0.30")},
		{"order.line_items[0].price + order.line_items[1].price == 0.3", true},
		{"order.line_items[0].price + order.line_items[1].price != 0.30", false},
		{"sum(order.line_items, .price)", d("199.30")},
		{"sum(map(order.line_items, .price))", d("199.30")},
		{"order.total_price - order.total_tax", d("587.00")},
		{"order.total_price * 3", d("1796.82")},
		{"3 * order.total_price", d("1796.82")},
		{"order.total_price / 4", d("149.735")},
		{"-order.total_price", d("-598.94")},
		{"-(order.total_price - 1000)", d("401.06")},
		{"order.total_price > 598", true},
		{"order.total_price >= 598.94", true},
		{"order.total_price < 598.94", false},
		{"598.94 <= order.total_price", true},
		{"order.total_price == 598.940", true},
		{"order.total_price % 100", d("98.94")},
		{"order.total_price * 1.1", d("658.834")},
		{"money(order.total_price * 1.1)", d("658.83")},
		{"money(1.005)", d("1.01")},
		{"money(1.015, 1)", d("1.0")},
		{"money(-1.005)", d("-1.01")},
		{"money(12)", d("12.00")},
		{"money(nil)", d("0.00")},
		{"line.quantity * line.price", d("0.10")},
		{"let t = order.total_tax; t + t", d("23.88")},
		{"order.total_price + 1 + 2.5 + order.total_tax", d("614.38")},
		{"1 + 2", int64(3)},
		{"7 / 2", d("3.5")},
		{`"#" + order.name`, "##1001"},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			t.Parallel()
			got, err := c.eval(t, tc.expr, env)
			require.NoError(t, err)
			if want, ok := tc.want.(decimal.Decimal); ok {
				g, ok := got.(decimal.Decimal)
				require.True(t, ok, "want a decimal, got %T %v", got, got)
				require.True(t, want.Equal(g), "want %s, got %s", want, g)
				require.Equal(t, formatDecimal(want), formatDecimal(g))
				return
			}
			require.Equal(t, tc.want, got)
		})
	}
}

func TestMoneyFailsClearly(t *testing.T) {
	t.Parallel()
	c := shippedCompiler(t)
	o := readFixtureOrder(t, "../mappings/tests/payloads/order-1001-2026-07.json")
	env := &lineEnv{Order: o, Line: o.LineItems[0]}
	for _, tc := range []struct{ expr, want string }{
		{"order.total_price / 0", "division by zero"},
		{"order.total_price % 0", "division by zero"},
		{"money(order.name)", `money: "#1001" is not a number`},
	} {
		_, err := c.eval(t, tc.expr, env)
		require.ErrorContains(t, err, tc.want, tc.expr)
	}
}
