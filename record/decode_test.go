package record_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/record"
)

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

func TestDecodeOrderReadsEveryOrderFixture(t *testing.T) {
	t.Parallel()
	// Every order in testdata/shopify, whichever API version and client it comes from.
	files := []string{
		"shopify-api-ruby__2026-07__order.json",
		"shopify-api-ruby__2026-07__orders.json",
		"go-shopify__order.json",
		"go-shopify__orders.json",
		"go-shopify__order_with_transaction.json",
		"shopify_python_api__order.json",
		"shopify_python_api__orders.json",
		"statamic-rad-pack-shopify__webhook_orders_create_sample.json",
	}
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			t.Parallel()
			raw := readFile(t, filepath.Join("..", "testdata", "shopify", f))
			var list struct {
				Orders []json.RawMessage `json:"orders"`
			}
			require.NoError(t, json.Unmarshal(raw, &list))
			payloads := list.Orders
			if len(payloads) == 0 {
				payloads = []json.RawMessage{raw}
			}
			for _, p := range payloads {
				o, err := record.DecodeOrder(p)
				require.NoError(t, err)
				require.NotZero(t, o.ID)
				require.NotEmpty(t, o.Name)
			}
		})
	}
}

func TestDecodeOrderKeepsShopifyValuesExact(t *testing.T) {
	t.Parallel()
	o, err := record.DecodeOrder(readFile(t, "../testdata/shopify/shopify-api-ruby__2026-07__order.json"))
	require.NoError(t, err)

	t.Run("the {\"order\": …} wrapper is unwrapped", func(t *testing.T) {
		require.Equal(t, int64(450789469), o.ID)
		require.Equal(t, "#1001", o.Name)
	})
	t.Run("money is an exact decimal with its scale", func(t *testing.T) {
		require.Equal(t, "598.94", o.TotalPrice.StringFixed(2))
		require.True(t, o.TotalShippingPriceSet.ShopMoney.Amount.IsZero())
		require.Equal(t, int32(-2), o.LineItems[0].Price.Exponent())
		require.True(t, o.TaxLines[0].Rate.Equal(decimal.RequireFromString("0.06")), "a rate sent as a JSON number")
		require.True(t, o.Refunds[0].RefundLineItems[0].Subtotal.Equal(decimal.RequireFromString("195.66")))
	})
	t.Run("timestamps keep the shop's offset", func(t *testing.T) {
		_, offset := o.CreatedAt.Zone()
		require.Equal(t, -5*3600, offset)
		require.Nil(t, o.CancelledAt, "null is nil")
		require.NotNil(t, o.ProcessedAt)
	})
	t.Run("lines, allocations, properties and attributes", func(t *testing.T) {
		require.Len(t, o.LineItems, 3)
		li := o.LineItems[0]
		require.Equal(t, "IPOD2008GREEN", li.SKU)
		require.True(t, li.RequiresShipping)
		require.Equal(t, 0, li.CurrentQuantity)
		require.Equal(t, "3.34", li.DiscountAllocations[0].Amount.String())
		require.Equal(t, "Custom Engraving Back", li.Properties[1].Name)
		require.Equal(t, "green", o.NoteAttributes[1].Value)
		require.Equal(t, "", li.Vendor, "null text is empty text")
	})
}

func TestDecodeOrderIsTolerantWhereRealPayloadsVary(t *testing.T) {
	t.Parallel()
	t.Run("ids above 2^53 stay exact", func(t *testing.T) {
		o, err := record.DecodeOrder(readFile(t, "../testdata/shopify/statamic-rad-pack-shopify__webhook_orders_create_sample.json"))
		require.NoError(t, err)
		require.Equal(t, int64(820982911946154508), o.ID)
		require.Equal(t, int64(487817672276298554), o.LineItems[0].ID)
	})
	t.Run("an older payload with coordinates as strings decodes", func(t *testing.T) {
		o, err := record.DecodeOrder(readFile(t, "../testdata/shopify/shopify_python_api__order.json"))
		require.NoError(t, err)
		require.NotNil(t, o.BillingAddress.Latitude)
		require.InDelta(t, 45.41634, *o.BillingAddress.Latitude, 1e-9)
	})
	t.Run("a payload older than current_quantity counts the quantity", func(t *testing.T) {
		o, err := record.DecodeOrder(readFile(t, "../testdata/shopify/go-shopify__order.json"))
		require.NoError(t, err)
		require.Equal(t, 1, o.LineItems[0].Quantity)
		require.Equal(t, 1, o.LineItems[0].CurrentQuantity)
	})
	for _, tc := range []struct {
		file  string
		props []record.Property
	}{
		{"go-shopify__orderlineitems__properties_empty_object.json", nil},
		{"go-shopify__orderlineitems__properties_object.json", []record.Property{{Name: "property 1", Value: "3"}}},
		{"go-shopify__orderlineitems__properties_ommited.json", nil},
		{"go-shopify__orderlineitems__valid.json", nil},
	} {
		t.Run("line properties from "+tc.file, func(t *testing.T) {
			raw := readFile(t, "../testdata/shopify/"+tc.file)
			o, err := record.DecodeOrder([]byte(`{"id": 1, "line_items": [` + string(raw) + `]}`))
			require.NoError(t, err)
			got := o.LineItems[0].Properties
			if tc.props == nil {
				for _, p := range got {
					require.NotNil(t, p)
				}
				return
			}
			require.Len(t, got, len(tc.props))
			for i, p := range tc.props {
				require.Equal(t, p, *got[i])
			}
		})
	}
	t.Run("numbers as text and text as numbers", func(t *testing.T) {
		o, err := record.DecodeOrder([]byte(`{"id": "1001", "order_number": 1001.0, "total_price": 12.5,
			"billing_address": {"zip": 40202, "latitude": "", "longitude": null},
			"line_items": [null, {"quantity": "2", "requires_shipping": "true"}],
			"created_at": "2016-05-17T04:14:36-00:00", "processed_at": ""}`))
		require.NoError(t, err)
		require.Equal(t, int64(1001), o.ID)
		require.Equal(t, int64(1001), o.OrderNumber)
		require.Equal(t, "12.5", o.TotalPrice.String())
		require.Equal(t, "40202", o.BillingAddress.Zip)
		require.Nil(t, o.BillingAddress.Latitude)
		require.NotNil(t, o.LineItems[0], "a null line is an empty line, never a nil one")
		require.Equal(t, 2, o.LineItems[1].Quantity)
		require.True(t, o.LineItems[1].RequiresShipping)
		require.True(t, o.CreatedAt.Equal(time.Date(2016, 5, 17, 4, 14, 36, 0, time.UTC)))
		require.Nil(t, o.ProcessedAt)
	})
}

func TestDecodeOrderNamesTheFieldItCannotRead(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, json, want string
	}{
		{"not JSON", `{"id": 1,`, "decode order: invalid JSON: unexpected EOF"},
		{"not an object", `[1, 2]`, "decode order: want a JSON object, got a list"},
		{"a price that is not a number", `{"line_items": [{}, {"price": "abc"}]}`,
			`decode order: line_items[1].price: "abc" is not a decimal number`},
		{"an id with a fraction", `{"id": 1.5}`, "decode order: id: 1.5 is not a whole number"},
		{"an address that is a list", `{"shipping_address": ["x"]}`, "decode order: shipping_address: a list is not an object"},
		{"a timestamp in another form", `{"created_at": "17/05/2016"}`,
			`decode order: created_at: "17/05/2016" is not a timestamp like 2026-07-01T10:00:00-04:00`},
		{"a boolean that is not", `{"test": "maybe"}`, `decode order: test: "maybe" is not true or false`},
		{"a list that is an object", `{"tax_lines": {"price": "1.00"}}`, "decode order: tax_lines: an object is not a list"},
		{"two values", `{} {}`, "decode order: invalid JSON: more than one value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, err := record.DecodeOrder([]byte(tc.json))
			require.Nil(t, o)
			require.EqualError(t, err, tc.want)
		})
	}
}

func TestDecodeShipmentAndStock(t *testing.T) {
	t.Parallel()
	sh, err := record.DecodeShipment([]byte(`{"id": "SH-1", "order_id": 820982911946154508, "tracking_number": "1Z",
		"ship_date": "2026-07-02T10:00:00Z", "items": [{"line_no": 1, "sku": "A", "quantity": 2}]}`))
	require.NoError(t, err)
	require.Equal(t, int64(820982911946154508), sh.OrderID)
	require.Equal(t, record.ShipmentItem{LineNo: 1, SKU: "A", Quantity: 2}, sh.Items[0])

	st, err := record.DecodeStock([]byte(`{"item_code": "A", "warehouse_code": "000", "qty_available": "12.500"}`))
	require.NoError(t, err)
	require.Equal(t, "12.500", st.QtyAvailable.StringFixed(3))

	_, err = record.DecodeStock([]byte(`{"qty_available": "lots"}`))
	require.EqualError(t, err, `decode stock: qty_available: "lots" is not a decimal number`)
}
