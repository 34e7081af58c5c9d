package record_test

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
	"github.com/passthrough-dev/passthrough/record"
)

// sameAsTolerant checks that when the fast path accepts a payload it reads it exactly as
// the tolerant path does.
func sameAsTolerant(t *testing.T, name string, raw []byte) (fast bool) {
	t.Helper()
	f, ok := record.DecodeOrderFast(raw)
	if !ok {
		return false
	}
	slow, err := record.DecodeOrderTolerant(raw)
	require.NoError(t, err, "%s: the fast path read what the tolerant one refuses", name)
	require.Equal(t, slow, f, name)
	return true
}

// fixtureFiles are the payloads the decoder tests read: every fixture with "order" in its
// name, and the mapping tests' payloads.
func fixtureFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, pattern := range []string{"../testdata/shopify/*order*.json", "../mappings/tests/payloads/*.json"} {
		m, err := filepath.Glob(pattern)
		require.NoError(t, err)
		files = append(files, m...)
	}
	require.NotEmpty(t, files)
	return files
}

// ordersIn returns the orders a fixture holds, each as its own JSON: those of a response
// body (record.OrdersOf), or of each recorded answer of an exchanges file.
func ordersIn(t *testing.T, raw []byte) []json.RawMessage {
	t.Helper()
	var bodies []json.RawMessage
	if strings.HasPrefix(strings.TrimSpace(string(raw)), "[") {
		var exchanges []struct {
			ResponseBody json.RawMessage `json:"response_body"`
		}
		require.NoError(t, json.Unmarshal(raw, &exchanges))
		for _, e := range exchanges {
			bodies = append(bodies, e.ResponseBody)
		}
	} else {
		bodies = []json.RawMessage{raw}
	}
	var out []json.RawMessage
	for _, b := range bodies {
		orders, err := record.OrdersOf(b)
		require.NoError(t, err)
		out = append(out, orders...)
	}
	return out
}

func TestEveryFixtureOrderTakesTheFastPath(t *testing.T) {
	t.Parallel()
	// Every fixture file, with the orders it holds and their shape. The fixtures are
	// real payloads, so each of their orders must take the fast path, and a file as it
	// came (a single order wrapped in {"order": …}, a webhook's bare order) too.
	orders := []struct {
		file, shape string
		orders      int
		whole       bool // the file itself is one order, wrapped or not
	}{
		{"go-shopify__order.json", "go-shopify's order, wrapped", 1, true},
		{"go-shopify__order_with_transaction.json", "go-shopify's order with a transaction, wrapped", 1, true},
		{"go-shopify__orders.json", "a page of go-shopify's orders", 1, false},
		{"shopify-api-ruby__2026-07__order.json", "API 2026-07, wrapped", 1, true},
		{"shopify-api-ruby__2026-07__order_cancel_exchanges.json", "API 2026-07, the answers to cancel calls", 3, false},
		{"shopify-api-ruby__2026-07__orders.json", "a page of API 2026-07 orders", 1, false},
		{"shopify-api-ruby__2026-07__orders_fields_filtered.json", "a page of orders cut to four fields", 1, false},
		{"shopify_python_api__order.json", "an older API version, wrapped, coordinates as strings, no current_quantity", 1, true},
		{"shopify_python_api__orders.json", "a page of older orders", 1, false},
		{"statamic-rad-pack-shopify__webhook_orders_create_sample.json", "the orders/create webhook, ids above 2^53", 1, true},
		{"order-1001-2026-07.json", "a copy of API 2026-07's order", 1, true},
		{"order-1001-older-api.json", "a copy of the older API version's order", 1, true},
		{"order-9999-go-shopify.json", "a copy of go-shopify's order", 1, true},
		{"order-9999-webhook-sample.json", "a copy of the webhook's order", 1, true},
	}
	notOrders := []string{
		"go-shopify__fulfillment_order.json",
		"go-shopify__fulfillment_order_move.json",
		"go-shopify__orderlineitems__properties_empty_object.json",
		"go-shopify__orderlineitems__properties_object.json",
		"go-shopify__orderlineitems__properties_ommited.json",
		"go-shopify__orderlineitems__valid.json",
		"shopify-api-ruby__2026-07__fulfillment_order.json",
		"shopify-api-ruby__2026-07__fulfillment_order_action_exchanges.json",
		"shopify-api-ruby__2026-07__fulfillment_orders.json",
	}
	files := map[string]string{}
	for _, p := range fixtureFiles(t) {
		files[filepath.Base(p)] = p
	}
	listed := slices.Clone(notOrders)
	for _, tc := range orders {
		listed = append(listed, tc.file)
	}
	require.ElementsMatch(t, listed, slices.Collect(maps.Keys(files)), "every fixture is listed, as orders or not")

	for _, tc := range orders {
		t.Run(tc.file+", "+tc.shape+", takes the fast path", func(t *testing.T) {
			t.Parallel()
			raw, err := os.ReadFile(files[tc.file])
			require.NoError(t, err)
			in := ordersIn(t, raw)
			require.Len(t, in, tc.orders)
			for i, one := range in {
				require.True(t, sameAsTolerant(t, tc.file, one), "order %d", i)
			}
			if tc.whole {
				require.True(t, sameAsTolerant(t, tc.file, raw), "the file as it is")
				r := record.ReadOrder(in[0])
				require.NoError(t, r.Err)
				require.Equal(t, r.Order.ID, r.ID)
			}
		})
	}
}

func TestTheFastDecoderReadsOrdersExactlyAsTheTolerantOne(t *testing.T) {
	t.Parallel()
	for _, p := range fixtureFiles(t) {
		raw, err := os.ReadFile(p)
		require.NoError(t, err)
		sameAsTolerant(t, p, raw)
		for _, one := range ordersIn(t, raw) {
			sameAsTolerant(t, p, one)
		}
	}

	for _, tc := range []struct{ name, raw string }{
		{"a wrapper with a second key", `{"order": {"id": 1}, "notice": "cancelled"}`},
		{"a wrapper of a list", `{"order": [{"id": 1}]}`},
		{"a wrapper in capitals", `{"ORDER": {"id": 1}}`},
		{"a latitude that is no number", `{"id": 1, "billing_address": {"latitude": "north"}}`},
		{"a latitude of blanks", `{"id": 1, "billing_address": {"latitude": " "}}`},
		{"a latitude that is not a number", `{"id": 1, "billing_address": {"latitude": "NaN"}}`},
		{"a latitude as true", `{"id": 1, "shipping_address": {"latitude": true}}`},
		{"properties as an object", `{"id": 1, "line_items": [{"id": 2, "quantity": 1, "current_quantity": 1, "properties": {}}]}`},
		{"a null line", `{"id": 1, "line_items": [null]}`},
		{"an empty time", `{"id": 1, "cancelled_at": ""}`},
		{"a huge exponent", `{"id": 1, "total_price": "1e99"}`},
		{"a negative quantity", `{"id": 1, "line_items": [{"id": 2, "quantity": -1, "current_quantity": -1}]}`},
		{"a quantity as text", `{"id": 1, "line_items": [{"id": 2, "quantity": "2", "current_quantity": 2}]}`},
		{"a key in capitals", `{"id": 1, "NAME": "#1"}`},
		{"a key with an escaped capital", `{"id": 1, "n\u0041me": "#1"}`},
		{"a key that folds to a field", `{"id": 1, "ſource_name": "web"}`},
		{"an object given twice", `{"id": 1, "billing_address": {"name": "A"}, "billing_address": {"city": "B"}}`},
		{"a set given twice, then null", `{"id": 1, "total_price_set": {"shop_money": {"amount": "1"}}, "total_price_set": null}`},
		{"a list given twice", `{"id": 1, "line_items": [{"id": 2, "sku": "A"}], "line_items": [{"id": 3}]}`},
	} {
		_, ok := record.DecodeOrderFast([]byte(tc.raw))
		require.False(t, ok, "%s is left to the tolerant path", tc.name)
	}

	for _, tc := range []struct{ name, raw string }{
		{"a wrapper", ` { "order" : {"id": 1, "name": "#1"} } `},
		{"latitude and longitude as text", `{"id": 1, "billing_address": {"latitude": "45.41634", "longitude": " -75.6868 "}}`},
		{"a latitude of nothing", `{"id": 1, "shipping_address": {"latitude": "", "longitude": null}}`},
		{"a customer's address with text coordinates", `{"id": 1, "customer": {"id": 5, "default_address": {"latitude": "1.5", "longitude": 2}}}`},
		{"a key repeated in separate objects", `{"id": 1, "billing_address": {"name": "A"}, "shipping_address": {"name": "A"}, "line_items": [{"id": 2, "quantity": 1}, {"id": 3, "quantity": 1}]}`},
		{"capitals in values and in keys the types do not have", `{"id": 1, "name": "#1 \"Öl\"", "note": "{\"X\": 1}", "payment_details": {"credit_card_company": "Visa"}}`},
	} {
		require.True(t, sameAsTolerant(t, tc.name, []byte(tc.raw)), "%s takes the fast path", tc.name)
	}
	o, err := record.DecodeOrder([]byte(`{"order": {"id": 7, "billing_address": {"latitude": "45.5", "longitude": ""}}}`))
	require.NoError(t, err)
	require.Equal(t, int64(7), o.ID)
	require.Equal(t, 45.5, *o.BillingAddress.Latitude)
	require.Nil(t, o.BillingAddress.Longitude)

	for _, tc := range []struct {
		name, raw string
		current   int
	}{
		{"a line older than current_quantity counts its quantity", `{"id": 1, "line_items": [{"id": 2, "quantity": 3}]}`, 3},
		{"a line edited away", `{"id": 1, "line_items": [{"id": 2, "quantity": 3, "current_quantity": 0}]}`, 0},
		{"a null current_quantity", `{"id": 1, "line_items": [{"id": 2, "quantity": 3, "current_quantity": null}]}`, 0},
	} {
		require.True(t, sameAsTolerant(t, tc.name, []byte(tc.raw)), tc.name)
		o, err := record.DecodeOrder([]byte(tc.raw))
		require.NoError(t, err)
		require.Equal(t, tc.current, o.LineItems[0].CurrentQuantity, tc.name)
	}
	older := `{"id": 1, "fulfillments": [{"id": 5, "line_items": [{"id": 2, "quantity": 4}]}]}`
	require.True(t, sameAsTolerant(t, "a fulfillment's older line", []byte(older)))
	for _, raw := range []string{`{"id": 1, "total_price": "10.00", "total_tax": "1.00"}`, `{"id": 1, "total_price": "10.00", "total_tax": "1.00", "current_total_price": null}`} {
		require.True(t, sameAsTolerant(t, "current totals", []byte(raw)))
	}
	o, err = record.DecodeOrder([]byte(`{"id": 1, "total_price": "10.00", "total_tax": "1.00", "current_total_tax": "0.50"}`))
	require.NoError(t, err)
	require.Equal(t, "10", o.CurrentTotalPrice.String(), "a payload older than current_total_price has nothing refunded it could say")
	require.Equal(t, "0.5", o.CurrentTotalTax.String())
	refunded := `{"id": 1, "refunds": [{"id": 7, "refund_line_items": [{"id": 8, "line_item_id": 2, "quantity": 1, "line_item": {"id": 2, "quantity": 4}}],
		"order_adjustments": [{"id": 9, "kind": "shipping_refund", "amount": "-5.00"}]}]}`
	require.True(t, sameAsTolerant(t, "a refunded line", []byte(refunded)))
	o, err = record.DecodeOrder([]byte(refunded))
	require.NoError(t, err)
	require.Equal(t, 4, o.Refunds[0].RefundLineItems[0].LineItem.CurrentQuantity, "a refund's line counts its quantity like any line")
	require.Equal(t, "-5", o.Refunds[0].OrderAdjustments[0].Amount.String())
}

func TestReadOrderTakesNoWrapper(t *testing.T) {
	t.Parallel()
	// An element of an orders page is the order itself: a wrapper there is a problem of
	// that element, however fast it could be read.
	r := record.ReadOrder([]byte(`{"order": {"id": 1, "name": "#1", "updated_at": "2026-07-01T10:00:00-04:00"}}`))
	require.EqualError(t, r.Err, "order id: missing\norder updated_at is missing")
	require.Nil(t, r.Order)
}

func TestTheFastDecoderTakesGeneratedOrders(t *testing.T) {
	t.Parallel()
	sim := shopifytest.NewServer(shopifytest.WithGenerated(shopifytest.GenOptions{Orders: 300, SKUs: 30, Seed: 71}))
	t.Cleanup(sim.Close)
	fast := 0
	for _, id := range sim.OrderIDs() {
		raw, ok := sim.Order(id)
		require.True(t, ok)
		if sameAsTolerant(t, "a generated order", raw) {
			fast++
		}
	}
	require.Greater(t, fast, 280, "most orders Shopify sends take the fast path")
}

// FuzzDecodeOrder: any bytes give an order or an error, never a panic; an error says it is
// about decoding an order, and the fast path reads whatever it accepts as the tolerant one.
func FuzzDecodeOrder(f *testing.F) {
	files, _ := filepath.Glob("../testdata/shopify/*order*.json")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"line_items": [null, {"properties": {"a": [1]}}], "billing_address": {"latitude": "x"}}`))
	f.Add([]byte(`{"order": {"id": 1, "billing_address": {"latitude": "45.5", "longitude": ""}, "customer": {"default_address": {"latitude": "1"}}}}`))
	f.Add([]byte(`{"id": 1, "Name": "#1", "billing_address": {"name": "A"}, "billing_address": {"city": "B"}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		sameAsTolerant(t, "the fuzzed payload", raw)
		o, err := record.DecodeOrder(raw)
		if err != nil {
			if o != nil {
				t.Fatal("an order with an error")
			}
			if !strings.HasPrefix(err.Error(), "decode order: ") {
				t.Fatalf("an error that does not say what failed: %v", err)
			}
		}
	})
}
