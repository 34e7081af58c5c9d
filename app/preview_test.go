package app_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/app"
)

// mappingsDir is the shipped mappings folder, seen from this package.
const mappingsDir = "../mappings"

// previewOf runs `passthrough mapping preview` on the shipped mappings.
func previewOf(t *testing.T, p app.MappingPreview) string {
	t.Helper()
	p.Dir = mappingsDir
	if p.Feed == "" {
		p.Feed = "orders"
	}
	var out bytes.Buffer
	require.NoError(t, app.PreviewMapping(&out, p))
	return out.String()
}

func TestMappingPreviewShowsTheRows(t *testing.T) {
	t.Parallel()
	out := previewOf(t, app.MappingPreview{Payload: paidPayload(t), Shop: "acme"})
	for _, want := range []string{
		"order #1001 (450789469)\n",
		"s_orders (key shop, web_order_id)\n",
		"s_order_details (key shop, web_order_id, line_no): 3 rows\n",
		"IPOD2008BLACK",
	} {
		require.Contains(t, out, want)
	}
	require.Regexp(t, `\n  ship_via +UPS GROUND\n`, out)
	require.Regexp(t, `\n  order_total +598\.94\n`, out)
	require.Regexp(t, `\n  hold_code +""\n`, out)
	require.Regexp(t, `\n  order_date +2008-01-10T11:00:00\n`, out, "the shop's date and time, without a zone")
}

func TestMappingPreviewPrintsJSON(t *testing.T) {
	t.Parallel()
	out := previewOf(t, app.MappingPreview{Payload: paidPayload(t), Shop: "preview", JSON: true})
	var got []struct {
		Record string `json:"record"`
		Tables []struct {
			Table string           `json:"table"`
			Rows  []map[string]any `json:"rows"`
		} `json:"tables"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	require.Len(t, got, 1)
	require.Equal(t, "s_orders", got[0].Tables[0].Table)
	require.Equal(t, "598.94", got[0].Tables[0].Rows[0]["order_total"], "money is a string, exact")
	require.Equal(t, float64(450789469), got[0].Tables[0].Rows[0]["web_order_id"])
	require.Len(t, got[0].Tables[1].Rows, 3)
}

func TestMappingPreviewShowsARejection(t *testing.T) {
	t.Parallel()
	out := previewOf(t, app.MappingPreview{Payload: filepath.Join(mappingsDir, "tests/payloads/order-1001-older-api.json")})
	require.Equal(t, "order #1001 (450789469): rejected (retry): not paid yet: financial status is authorized\n", out)
}

func TestMappingPreviewOfEveryOrderInAList(t *testing.T) {
	t.Parallel()
	out := previewOf(t, app.MappingPreview{Payload: "../testdata/shopify/shopify-api-ruby__2026-07__orders.json"})
	// Paid, then two of its lines refunded: it imports like a paid order, without them, and
	// its refund shows the rows it would give coming after staging.
	require.True(t, strings.HasPrefix(out, "order #1001 (450789469)\n\ns_orders (key shop, web_order_id)\n"), out)
	require.Regexp(t, `\n  order_total +199\.65\n`, out)
	require.Contains(t, out, "s_order_refunds (key shop, refund_id, line_no): 2 rows\n")
}

func TestMappingPreviewOfShipmentsAndStock(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sh := filepath.Join(dir, "shipment.json")
	require.NoError(t, os.WriteFile(sh, []byte(`{"id": "SH-1", "order_id": 450789469, "tracking_number": "1Z999",
		"carrier": "fedex", "items": [{"line_no": 1, "sku": "IPOD2008GREEN", "quantity": 1}]}`), 0o644))
	out := previewOf(t, app.MappingPreview{Feed: "shipments", Payload: sh})
	require.Contains(t, out, "  company          FedEx\n")

	st := filepath.Join(dir, "stock.json")
	require.NoError(t, os.WriteFile(st, []byte(`{"item_code": "IPOD2008GREEN", "warehouse_code": "Apple Cupertino", "qty_available": "7.000"}`), 0o644))
	out = previewOf(t, app.MappingPreview{Feed: "inventory", Payload: st})
	require.Contains(t, out, "  location  Apple Cupertino\n  quantity  7\n")
}

// paidPayload writes Shopify's documentation order, made paid with its three lines to
// ship, to a temporary file.
func paidPayload(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(mappingsDir, "tests/payloads/order-1001-2026-07.json"))
	require.NoError(t, err)
	var doc map[string]map[string]any
	require.NoError(t, json.Unmarshal(raw, &doc))
	// A fresh paid order: nothing refunded yet.
	doc["order"]["financial_status"] = "paid"
	for _, li := range doc["order"]["line_items"].([]any) {
		li.(map[string]any)["current_quantity"] = 1
	}
	for _, f := range []string{"total_price", "subtotal_price", "total_tax", "total_discounts"} {
		doc["order"]["current_"+f] = doc["order"][f]
	}
	doc["order"]["refunds"] = []any{}
	b, err := json.Marshal(doc)
	require.NoError(t, err)
	p := filepath.Join(t.TempDir(), "order.json")
	require.NoError(t, os.WriteFile(p, b, 0o644))
	return p
}

func TestMappingPreviewInTheShopsTimeZone(t *testing.T) {
	t.Parallel()
	out := previewOf(t, app.MappingPreview{Payload: paidPayload(t), Shop: "acme", TimeZone: "Asia/Tokyo"})
	require.Regexp(t, `\n  order_date +2008-01-11T01:00:00\n`, out, "11:00 in New York is 01:00 the next day in Tokyo")
}
