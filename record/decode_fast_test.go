package record_test

import (
	"encoding/json"
	"os"
	"path/filepath"
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

func TestTheFastDecoderReadsOrdersExactlyAsTheTolerantOne(t *testing.T) {
	t.Parallel()
	var files []string
	for _, pattern := range []string{"../testdata/shopify/*order*.json", "../mappings/tests/payloads/*.json"} {
		m, err := filepath.Glob(pattern)
		require.NoError(t, err)
		files = append(files, m...)
	}
	require.NotEmpty(t, files)
	fast := 0
	for _, p := range files {
		raw, err := os.ReadFile(p)
		require.NoError(t, err)
		// Response bodies wrap the order; the feeds hand over the order itself.
		for _, one := range ordersOf(t, raw) {
			if sameAsTolerant(t, p, one) {
				fast++
			}
		}
	}
	require.Positive(t, fast, "current payloads take the fast path")

	for _, tc := range []struct{ name, raw string }{
		{"a wrapper", `{"order": {"id": 1}}`},
		{"latitude as text", `{"id": 1, "billing_address": {"latitude": "45.5"}}`},
		{"properties as an object", `{"id": 1, "line_items": [{"id": 2, "quantity": 1, "current_quantity": 1, "properties": {}}]}`},
		{"a null line", `{"id": 1, "line_items": [null]}`},
		{"an empty time", `{"id": 1, "cancelled_at": ""}`},
		{"a huge exponent", `{"id": 1, "total_price": "1e99"}`},
		{"a negative quantity", `{"id": 1, "line_items": [{"id": 2, "quantity": -1, "current_quantity": -1}]}`},
		{"a quantity as text", `{"id": 1, "line_items": [{"id": 2, "quantity": "2", "current_quantity": 2}]}`},
	} {
		_, ok := record.DecodeOrderFast([]byte(tc.raw))
		require.False(t, ok, "%s is left to the tolerant path", tc.name)
	}
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
	o, err := record.DecodeOrder([]byte(`{"id": 1, "total_price": "10.00", "total_tax": "1.00", "current_total_tax": "0.50"}`))
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

// ordersOf returns the orders in a response body ({"orders": […]}, {"order": …}) or the
// body itself.
func ordersOf(t *testing.T, raw []byte) [][]byte {
	t.Helper()
	v, err := record.ParseJSON(raw)
	require.NoError(t, err)
	obj, _ := v.(map[string]any)
	var list []any
	switch {
	case obj["orders"] != nil:
		list, _ = obj["orders"].([]any)
	case obj["order"] != nil:
		list = []any{obj["order"]}
	default:
		return [][]byte{raw}
	}
	var out [][]byte
	for _, o := range list {
		out = append(out, []byte(toJSONText(t, o)))
	}
	return out
}

func toJSONText(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v) // json.Number values stay as they were written
	require.NoError(t, err)
	return string(b)
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
