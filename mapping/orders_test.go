package mapping_test

import (
	"errors"
	"os"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/mapping"
	"github.com/passthrough-dev/passthrough/mappings"
	"github.com/passthrough-dev/passthrough/record"
)

var runTime = time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)

// shipped loads the mappings this repository ships.
func shipped(t testing.TB) *mapping.Set {
	t.Helper()
	set, err := mapping.LoadDir("../mappings")
	require.NoError(t, err)
	return set
}

// paidOrder is Shopify's documentation order #1001, paid, with all three lines to ship.
func paidOrder(t testing.TB) *record.Order {
	t.Helper()
	raw, err := os.ReadFile("../mappings/tests/payloads/order-1001-2026-07.json")
	require.NoError(t, err)
	o, err := record.DecodeOrder(raw)
	require.NoError(t, err)
	// A fresh paid order: nothing refunded yet.
	o.FinancialStatus, o.Refunds = "paid", nil
	o.CurrentTotalPrice, o.CurrentTotalTax, o.CurrentTotalDiscount = o.TotalPrice, o.TotalTax, o.TotalDiscounts
	for _, li := range o.LineItems {
		li.CurrentQuantity = 1
	}
	return o
}

// loadOrders compiles an orders.yaml given as text.
func loadOrders(t *testing.T, text string) *mapping.Orders {
	t.Helper()
	set, err := mapping.Load(fstest.MapFS{"orders.yaml": {Data: []byte(text)}})
	require.NoError(t, err)
	return set.Orders
}

func requireRecordError(t *testing.T, err error, sev passthrough.Severity, msg string) {
	t.Helper()
	var re *passthrough.RecordError
	require.True(t, errors.As(err, &re), "want a *passthrough.RecordError, got %v", err)
	require.Equal(t, sev, re.Severity)
	require.Equal(t, msg, re.Message)
}

func TestMapOrderProducesTheStagingRows(t *testing.T) {
	t.Parallel()
	set := shipped(t)
	res, err := set.Orders.Map(mapping.OrderInput{Shop: "acme", Order: paidOrder(t), Now: runTime})
	require.NoError(t, err)

	require.Equal(t, passthrough.Table{Name: "s_orders", Key: []string{"shop", "web_order_id"}}, res.Header)
	require.Equal(t, passthrough.Table{Name: "s_order_details", Key: []string{"shop", "web_order_id", "line_no"}}, res.Lines)
	require.Len(t, res.HeaderRow.Columns, 39)
	require.Len(t, res.LineRows, 3)

	t.Run("values have the types every dialect binds", func(t *testing.T) {
		for _, row := range append([]passthrough.Row{res.HeaderRow}, res.LineRows...) {
			require.Len(t, row.Values, len(row.Columns))
			for i, v := range row.Values {
				switch v.(type) {
				case nil, string, int64, bool, time.Time, decimal.Decimal:
				default:
					t.Fatalf("column %s holds a %T", row.Columns[i], v)
				}
			}
		}
	})
	t.Run("every line carries the header's key", func(t *testing.T) {
		for _, row := range res.LineRows {
			for _, k := range res.Header.Key {
				want, _ := res.HeaderRow.Get(k)
				got, ok := row.Get(k)
				require.True(t, ok)
				require.Equal(t, want, got)
			}
		}
	})
	t.Run("no column the ERP or the store owns is written", func(t *testing.T) {
		for _, c := range []string{"import_status", "import_error", "erp_order_no", "created_at", "updated_at"} {
			_, ok := res.HeaderRow.Get(c)
			require.False(t, ok, c)
		}
	})
	t.Run("every other s_orders and s_order_details column is", func(t *testing.T) {
		header := []string{"shop", "web_order_id", "order_number", "order_date", "customer_no", "customer_email",
			"bill_to_name", "bill_to_address1", "bill_to_address2", "bill_to_city", "bill_to_state", "bill_to_zip",
			"bill_to_country", "bill_to_phone", "ship_to_name", "ship_to_address1", "ship_to_address2", "ship_to_city",
			"ship_to_state", "ship_to_zip", "ship_to_country", "ship_to_phone", "payment_terms", "salesperson_no",
			"customer_division", "order_type", "hold_code", "tax_schedule", "print_pick_sheet", "print_sales_order",
			"ship_via", "freight_amount", "discount_amount", "tax_amount", "order_total", "currency", "comment", "cancelled",
			"fulfilled_in_shopify"}
		require.ElementsMatch(t, header, res.HeaderRow.Columns)
		lines := []string{"shop", "web_order_id", "line_no", "line_item_id", "item_code", "description", "quantity",
			"unit_price", "discount_amount", "tax_amount", "extension", "warehouse_code"}
		require.ElementsMatch(t, lines, res.LineRows[0].Columns)
	})
}

func TestMapOrderRejectsWithTheRuleSeverity(t *testing.T) {
	t.Parallel()
	set := shipped(t)
	cancelled := time.Date(2026, 6, 30, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		change func(o *record.Order)
		sev    passthrough.Severity
		msg    string
	}{
		{"a cancelled order is info", func(o *record.Order) { o.CancelledAt, o.CancelReason = &cancelled, "fraud" },
			passthrough.SeverityInfo, "cancelled before import (fraud)"},
		{"a test order is info", func(o *record.Order) { o.Test = true }, passthrough.SeverityInfo, "test order"},
		{"an unpaid order is retry", func(o *record.Order) { o.FinancialStatus = "pending" },
			passthrough.SeverityRetry, "not paid yet: financial status is pending"},
		{"cancelled wins over unpaid: the first failing rule decides", func(o *record.Order) {
			o.CancelledAt, o.CancelReason, o.FinancialStatus = &cancelled, "customer", "voided"
		}, passthrough.SeverityInfo, "cancelled before import (customer)"},
		{"an order with nothing to ship is info", func(o *record.Order) {
			for _, li := range o.LineItems {
				li.RequiresShipping = false
			}
		}, passthrough.SeverityInfo, "no line to import: lines.when leaves out all 3 lines"},
		{"a line without a SKU fails the order with fail()'s message", func(o *record.Order) { o.LineItems[2].SKU = "" },
			passthrough.SeverityError, "line 3 (IPod Nano - 8gb): no SKU: the ERP needs an item code on every line"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := paidOrder(t)
			tc.change(o)
			res, err := set.Orders.Map(mapping.OrderInput{Shop: "acme", Order: o, Now: runTime})
			require.Nil(t, res)
			requireRecordError(t, err, tc.sev, tc.msg)
		})
	}
}

func TestMapOrderNamesTheColumnThatFailed(t *testing.T) {
	t.Parallel()
	m := loadOrders(t, `
lookups:
  ship_via: {Standard: "UPS GROUND"}
header:
  table: s_orders
  key: [shop, web_order_id]
  columns:
    shop: shop
    web_order_id: order.id
    ship_via: lookup("ship_via", first(order.shipping_lines)?.title)
    ship_to_city: order.shipping_address.city
lines:
  table: s_order_details
  key: [shop, web_order_id, line_no]
  from: order.line_items
  columns:
    shop: shop
    web_order_id: order.id
    line_no: index + 1
    unit_price: line.price / line.quantity
`)
	t.Run("a lookup without the key or a default", func(t *testing.T) {
		t.Parallel()
		_, err := m.Map(mapping.OrderInput{Shop: "acme", Order: paidOrder(t)})
		requireRecordError(t, err, passthrough.SeverityError,
			`column ship_via (orders.yaml:10:15): lookup ship_via has no entry for "Free Shipping" and no _default`)
	})
	t.Run("a field of a missing address", func(t *testing.T) {
		t.Parallel()
		o := paidOrder(t)
		o.ShippingLines[0].Title = "Standard"
		o.ShippingAddress = nil
		_, err := m.Map(mapping.OrderInput{Shop: "acme", Order: o})
		requireRecordError(t, err, passthrough.SeverityError,
			`column ship_to_city (orders.yaml:11:19): cannot get city from shipping_address`)
	})
	t.Run("a division by zero on one line", func(t *testing.T) {
		t.Parallel()
		o := paidOrder(t)
		o.ShippingLines[0].Title = "Standard"
		o.LineItems[1].Quantity = 0
		o.TotalPrice = decimal.RequireFromString("399.94") // the order adds up without that line
		_, err := m.Map(mapping.OrderInput{Shop: "acme", Order: o})
		requireRecordError(t, err, passthrough.SeverityError,
			`line 2 (IPOD2008RED): column unit_price (orders.yaml:20:28): division by zero`)
	})
}

func TestCancelGivesTheKeyAndTheCancelColumns(t *testing.T) {
	t.Parallel()
	row, err := shipped(t).Orders.Cancel(mapping.OrderInput{Shop: "acme", Order: paidOrder(t), Now: runTime})
	require.NoError(t, err)
	require.Equal(t, passthrough.Row{Columns: []string{"shop", "web_order_id", "cancelled"},
		Values: []any{"acme", int64(450789469), true}}, row)

	m := loadOrders(t, "header: {table: s_orders, key: [shop], columns: {shop: shop}}")
	_, err = m.Cancel(mapping.OrderInput{Shop: "acme", Order: paidOrder(t)})
	require.EqualError(t, err, "orders.yaml has no cancel block")
}

func TestMapOrderIsSafeForConcurrentUse(t *testing.T) {
	t.Parallel()
	set := shipped(t)
	want, err := set.Orders.Map(mapping.OrderInput{Shop: "acme", Order: paidOrder(t), Now: runTime})
	require.NoError(t, err)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			o := paidOrder(t)
			if g%2 == 1 {
				o.FinancialStatus = "pending" // rejected runs interleave with successful ones
			}
			for i := 0; i < 200; i++ {
				res, err := set.Orders.Map(mapping.OrderInput{Shop: "acme", Order: o, Now: runTime})
				switch {
				case g%2 == 1 && err == nil:
					errs <- errors.New("an unpaid order was mapped")
					return
				case g%2 == 0 && err != nil:
					errs <- err
					return
				case g%2 == 0 && !rowsEqual(want, res):
					errs <- errors.New("concurrent runs gave different rows")
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}

func rowsEqual(a, b *passthrough.OrderRows) bool {
	if len(a.LineRows) != len(b.LineRows) || !rowEqual(a.HeaderRow, b.HeaderRow) {
		return false
	}
	for i := range a.LineRows {
		if !rowEqual(a.LineRows[i], b.LineRows[i]) {
			return false
		}
	}
	return true
}

func rowEqual(a, b passthrough.Row) bool {
	if len(a.Values) != len(b.Values) {
		return false
	}
	for i := range a.Values {
		if da, ok := a.Values[i].(decimal.Decimal); ok {
			db, ok := b.Values[i].(decimal.Decimal)
			if !ok || !da.Equal(db) {
				return false
			}
			continue
		}
		if ta, ok := a.Values[i].(time.Time); ok {
			if tb, ok := b.Values[i].(time.Time); !ok || !ta.Equal(tb) {
				return false
			}
			continue
		}
		if a.Columns[i] != b.Columns[i] || a.Values[i] != b.Values[i] {
			return false
		}
	}
	return true
}

func TestShipmentsMapTrackingFromTheLookup(t *testing.T) {
	t.Parallel()
	set := shipped(t)
	for _, tc := range []struct {
		carrier, company string
	}{
		{"ups", "UPS"}, {" FedEx ", "FedEx"}, {"dhl", "DHL Express"}, {"Canada Post", "Canada Post"}, {"Royal Mail", "Royal Mail"},
	} {
		res, err := set.Shipments.Map(mapping.ShipmentInput{Shop: "acme", Shipment: record.Shipment{
			ID: "SH-1", OrderID: 450789469, TrackingNumber: "1Z001985YW99744790", Carrier: tc.carrier,
			Items: []record.ShipmentItem{{LineNo: 1, SKU: "IPOD2008GREEN", Quantity: 1}},
		}})
		require.NoError(t, err)
		require.Equal(t, &mapping.ShipmentResult{TrackingNumber: "1Z001985YW99744790", Company: tc.company, NotifyCustomer: true}, res)
	}
	_, err := set.Shipments.Map(mapping.ShipmentInput{Shipment: record.Shipment{ID: "SH-2", TrackingNumber: "1Z"}})
	requireRecordError(t, err, passthrough.SeverityError, "shipment SH-2 has no items")
}

func TestInventoryMapsAStockRowToALevel(t *testing.T) {
	t.Parallel()
	set, err := mapping.Load(fstest.MapFS{"inventory.yaml": {Data: []byte(`
defaults:
  safety_stock: 2
lookups:
  locations: {"000": Fifth Avenue AppleStore}
level:
  location: lookup("locations", stock.warehouse_code, stock.warehouse_code)
  quantity: units(stock.qty_on_hand - stock.qty_committed - defaults.safety_stock)
bundles:
  suffix: "-X"
kits:
  GIFT-SET: {TS-001: 1, MUG-002: 2}
`)}})
	require.NoError(t, err)
	inv := set.Inventory
	d := decimal.RequireFromString
	for _, tc := range []struct {
		warehouse    string
		onHand, held string
		location     string
		quantity     int64
	}{
		{"000", "20", "3", "Fifth Avenue AppleStore", 15},
		{"Apple Cupertino", "4.5", "0", "Apple Cupertino", 2},
		{"000", "3", "5", "Fifth Avenue AppleStore", 0},
	} {
		res, err := inv.Map(mapping.StockInput{Shop: "acme", Stock: record.Stock{ItemCode: "TS-001",
			WarehouseCode: tc.warehouse, QtyOnHand: d(tc.onHand), QtyCommitted: d(tc.held)}})
		require.NoError(t, err)
		require.Equal(t, &mapping.StockResult{Location: tc.location, Quantity: tc.quantity}, res)
	}

	stock := map[string]int64{"TS-001": 12, "MUG-002": 5}
	qty := func(sku string) int64 { return stock[sku] }
	for _, tc := range []struct {
		sku  string
		want int64
		ok   bool
	}{
		{"TS-001-X3", 4, true},  // 12 units in packs of 3
		{"TS-001-X5", 2, true},  // rounded down
		{"GIFT-SET", 2, true},   // 12 shirts, 5 mugs for 2 per set
		{"NOPE-X2", 0, true},    // a pack of a SKU without stock
		{"TS-001", 0, false},    // not derived
		{"TS-001-X1", 0, false}, // a pack of one is not a pack
		{"TS-001-XL", 0, false}, // a size, not a pack
	} {
		got, ok := inv.Derive(tc.sku, qty)
		require.Equal(t, tc.ok, ok, tc.sku)
		require.Equal(t, tc.want, got, tc.sku)
	}
	require.Equal(t, []mapping.KitComponent{{SKU: "MUG-002", Quantity: 2}, {SKU: "TS-001", Quantity: 1}}, inv.Kits["GIFT-SET"])
}

func TestTheEmbeddedMappingsAreTheShippedOnes(t *testing.T) {
	t.Parallel()
	set, err := mapping.Load(mappings.Files)
	require.NoError(t, err)
	require.Equal(t, []string{"orders.yaml", "shipments.yaml", "inventory.yaml"}, set.Files())
	res, err := set.Orders.Map(mapping.OrderInput{Shop: "acme", Order: paidOrder(t), Now: runTime})
	require.NoError(t, err)
	require.Len(t, res.LineRows, 3)
}

func TestWhenAndMessagesInTheirOtherForms(t *testing.T) {
	t.Parallel()
	m := loadOrders(t, `
when: order.test == false && order.financial_status == "paid"
header:
  table: s_orders
  key: [shop]
  columns:
    shop: shop
`)
	o := paidOrder(t)
	o.Test = true
	_, err := m.Map(mapping.OrderInput{Shop: "acme", Order: o})
	requireRecordError(t, err, passthrough.SeverityInfo,
		`does not meet the import criteria: order.test == false && order.financial_status == "paid"`)

	m = loadOrders(t, `
when:
  - require: order.shipping_address != nil
    severity: error
    message: "no shipping address; the city would be ${order.shipping_address.city}, the total ${order.total_price}"
  - require: order.total_price < 100
    severity: retry
header:
  table: s_orders
  key: [shop]
  columns:
    shop: shop
`)
	o = paidOrder(t)
	o.ShippingAddress = nil
	_, err = m.Map(mapping.OrderInput{Shop: "acme", Order: o})
	requireRecordError(t, err, passthrough.SeverityError, "no shipping address; the city would be ?, the total 598.94")
	_, err = m.Map(mapping.OrderInput{Shop: "acme", Order: paidOrder(t)})
	requireRecordError(t, err, passthrough.SeverityRetry, "does not meet: order.total_price < 100")
}

func TestLinesCanComeFromAnyListOfLineItems(t *testing.T) {
	t.Parallel()
	m := loadOrders(t, `
header:
  table: s_orders
  key: [shop]
  columns:
    shop: shop
lines:
  table: s_order_details
  key: [shop, line_no]
  from: filter(order.line_items, .sku != "IPOD2008RED")
  columns:
    shop: shop
    line_no: index + 1
    item_code: line.sku
`)
	res, err := m.Map(mapping.OrderInput{Shop: "acme", Order: paidOrder(t)})
	require.NoError(t, err)
	require.Len(t, res.LineRows, 2)
	require.Equal(t, []any{"acme", int64(2), "IPOD2008BLACK"}, res.LineRows[1].Values)
}

func TestRefundRowsNameTheRefundAndTheColumnThatFailed(t *testing.T) {
	t.Parallel()
	m := loadOrders(t, `
lookups:
  reasons: {return: "RET"}
header:
  table: s_orders
  key: [shop, web_order_id]
  columns:
    shop: shop
    web_order_id: order.id
refunds:
  table: s_order_refunds
  key: [shop, refund_id, line_no]
  when: line.quantity > 0
  columns:
    shop: shop
    refund_id: refund.id
    line_no: index + 1
    reason: lookup("reasons", line.restock_type)
`)
	raw, err := os.ReadFile("../mappings/tests/payloads/order-1001-2026-07.json")
	require.NoError(t, err)
	o, err := record.DecodeOrder(raw)
	require.NoError(t, err)
	in := mapping.OrderInput{Shop: "acme", Order: o}
	_, err = m.Refund(in, o.Refunds[0])
	requireRecordError(t, err, passthrough.SeverityError,
		`refund 509562969, line 1: column reason (orders.yaml:18:13): lookup reasons has no entry for "legacy_restock" and no _default`)

	o.Refunds[0].OrderAdjustments = []*record.OrderAdjustment{{ID: 9, Kind: "shipping_refund", Amount: decimal.RequireFromString("-5.00")}}
	for _, li := range o.Refunds[0].RefundLineItems {
		li.RestockType = "return"
	}
	rows, err := m.Refund(in, o.Refunds[0])
	require.NoError(t, err)
	require.Len(t, rows, 2, "refunds.when leaves out the adjustment, whose line is empty")
	n, _ := rows[1].Get("line_no")
	require.Equal(t, int64(2), n)
	require.Equal(t, passthrough.Table{Name: "s_order_refunds", Key: []string{"shop", "refund_id", "line_no"}}, m.Refunds())

	none, err := shipped(t).Orders.Refund(in, &record.Refund{ID: 1})
	require.NoError(t, err)
	require.Empty(t, none, "a refund of nothing gives no rows")
}
