package mapping_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/mapping"
	"github.com/passthrough-dev/passthrough/record"
)

// fakeColumns is a ColumnSource with fixed tables.
type fakeColumns map[string][]passthrough.Column

func (f fakeColumns) TableColumns(_ context.Context, table string) ([]passthrough.Column, error) {
	cols, ok := f[table]
	if !ok {
		return nil, errors.New("not found")
	}
	return cols, nil
}

func text(name string, n int) passthrough.Column {
	return passthrough.Column{Name: name, Kind: passthrough.KindText, DataType: "nvarchar", MaxLength: n, Nullable: true}
}

func TestCheckColumnsAcceptsTheShippedMappingOnMatchingTables(t *testing.T) {
	t.Parallel()
	set := shipped(t)
	src := fakeColumns{}
	refunded, err := os.ReadFile("../mappings/tests/payloads/order-1001-2026-07.json")
	require.NoError(t, err)
	withRefund, err := record.DecodeOrder(refunded)
	require.NoError(t, err)
	for _, table := range []string{"s_orders", "s_order_details", "s_order_refunds"} {
		var cols []passthrough.Column
		res, err := set.Orders.Map(mapping.OrderInput{Shop: "acme", Order: paidOrder(t)})
		require.NoError(t, err)
		row := res.HeaderRow
		switch table {
		case "s_order_details":
			row = res.LineRows[0]
		case "s_order_refunds":
			rows, err := set.Orders.Refund(mapping.OrderInput{Shop: "acme", Order: withRefund}, withRefund.Refunds[0])
			require.NoError(t, err)
			row = rows[0]
		}
		for i, c := range row.Columns {
			switch row.Values[i].(type) {
			case string:
				cols = append(cols, text(c, 250))
			case int64:
				cols = append(cols, passthrough.Column{Name: c, Kind: passthrough.KindInteger, DataType: "bigint"})
			case bool:
				cols = append(cols, passthrough.Column{Name: c, Kind: passthrough.KindBool, DataType: "bit"})
			case time.Time:
				cols = append(cols, passthrough.Column{Name: c, Kind: passthrough.KindTime, DataType: "datetime2"})
			default:
				cols = append(cols, passthrough.Column{Name: c, Kind: passthrough.KindDecimal, DataType: "x"})
			}
		}
		src[table] = append(cols, text("import_status", 20), text("erp_order_no", 20))
	}
	require.NoError(t, mapping.CheckColumns(context.Background(), set, src))
}

func TestCheckColumnsReportsWhatDoesNotFit(t *testing.T) {
	t.Parallel()
	set, err := mapping.Load(fstest.MapFS{"orders.yaml": {Data: []byte(`lookups:
  ship_via: {Standard: "UPS GROUND", _default: "BEST WAY TO SHIP IT"}
header:
  table: s_orders
  key: [shop, web_order_id]
  columns:
    shop: shop
    web_order_id: order.id
    order_numbr: order.name
    ship_via: lookup("ship_via", first(order.shipping_lines)?.title)
    bill_to_name: cut(order.billing_address?.name, 40)
    order_total: order.total_price
    order_date: order.name
    comment: order.note
lines:
  table: s_order_lines
  key: [shop, web_order_id]
  from: order.line_items
  columns:
    shop: shop
    web_order_id: order.id
`)}})
	require.NoError(t, err)
	src := fakeColumns{"s_orders": {
		text("shop", 50),
		{Name: "web_order_id", Kind: passthrough.KindText, DataType: "nvarchar", MaxLength: 20},
		text("order_number", 20), text("ship_via", 10), text("bill_to_name", 30), text("comment", 0),
		{Name: "order_total", Kind: passthrough.KindDecimal, DataType: "decimal"},
		{Name: "ORDER_DATE", Kind: passthrough.KindTime, DataType: "datetime2"},
	}}
	err = mapping.CheckColumns(context.Background(), set, src)
	var diags *mapping.Diagnostics
	require.True(t, errors.As(err, &diags), "want diagnostics, got %v", err)
	require.Equal(t, `orders.yaml:8:19: column web_order_id is nvarchar but the expression gives a whole number
 8 |     web_order_id: order.id
   |                   ^
   = expected: text (string(…) turns a number into text), which web_order_id (nvarchar) holds

orders.yaml:9:5: table s_orders has no column order_numbr
 9 |     order_numbr: order.name
   |     ^
   = expected: did you mean order_number?

orders.yaml:10:15: column ship_via holds 10 characters but this gives up to 19
 10 |     ship_via: lookup("ship_via", first(order.shipping_lines)?.title)
    |               ^
    = expected: at most 10 characters, e.g. cut(…, 10)

orders.yaml:11:19: column bill_to_name holds 30 characters but this gives up to 40
 11 |     bill_to_name: cut(order.billing_address?.name, 40)
    |                   ^
    = expected: at most 30 characters, e.g. cut(…, 30)

orders.yaml:13:17: column ORDER_DATE is datetime2 but the expression gives text
 13 |     order_date: order.name
    |                 ^
    = expected: a time, which ORDER_DATE (datetime2) holds

orders.yaml:16:10: table s_order_lines: not found
 16 |   table: s_order_lines
    |          ^
    = expected: a table of the ERP database`, diags.Error())
}

func TestCheckColumnsTakesAFlagIntoAOneCharacterColumnAsYOrN(t *testing.T) {
	t.Parallel()
	set, err := mapping.Load(fstest.MapFS{"orders.yaml": {Data: []byte(`header:
  table: s_orders
  key: [shop, web_order_id]
  columns:
    shop: shop
    web_order_id: order.id
    cancelled: order.cancelled_at != nil
    test_order: order.test
`)}})
	require.NoError(t, err)
	src := fakeColumns{"s_orders": {
		text("shop", 50), {Name: "web_order_id", Kind: passthrough.KindInteger, DataType: "bigint"},
		{Name: "cancelled", Kind: passthrough.KindText, DataType: "char", MaxLength: 1},
		text("test_order", 5),
	}}
	err = mapping.CheckColumns(context.Background(), set, src)
	var diags *mapping.Diagnostics
	require.True(t, errors.As(err, &diags), "want diagnostics, got %v", err)
	require.Len(t, diags.List, 1, "the CHAR(1) flag is fine; the five-character column is not: %v", err)
	require.Contains(t, err.Error(), "column test_order is nvarchar but the expression gives true or false")
}
