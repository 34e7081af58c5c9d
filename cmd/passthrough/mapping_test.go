package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp/erpopen"
)

// mappingsDir is the shipped mappings folder, seen from this package.
const mappingsDir = "../../mappings"

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = dispatch(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestMappingCheckAcceptsTheShippedFiles(t *testing.T) {
	t.Parallel()
	code, out, errOut := runCLI(t, "mapping", "check", filepath.Join(mappingsDir, "orders.yaml"),
		filepath.Join(mappingsDir, "shipments.yaml"), filepath.Join(mappingsDir, "inventory.yaml"))
	require.Equal(t, exitOK, code, errOut)
	require.Equal(t, "../../mappings/orders.yaml: ok\n../../mappings/shipments.yaml: ok\n../../mappings/inventory.yaml: ok\n", out)
}

func TestMappingCheckPrintsEveryProblemAndFails(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "orders.yaml")
	require.NoError(t, os.WriteFile(file, []byte(`header:
  table: s_orders
  key: [shop]
  columns:
    shop: shp
    order_number: order.nme
`), 0o644))
	code, out, errOut := runCLI(t, "mapping", "check", file)
	require.Equal(t, exitFailed, code)
	require.Equal(t, file+`:5:11: unknown name shp
 5 |     shop: shp
   |           ^
   = expected: did you mean shop?

`+file+`:6:25: type order has no field nme
 6 |     order_number: order.nme
   |                         ^
   = expected: did you mean name?

`, out)
	require.Equal(t, "passthrough mapping: 2 problems in the mapping files\n", errOut)
}

func TestMappingCheckWithAConfigChecksTheColumnsOfItsDatabase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// A migrated SQLite ERP database, and a copy of the shipped mappings.
	dsn := "file:" + filepath.Join(dir, "erp.db")
	store, err := erpopen.Open(context.Background(), "sqlite", dsn)
	require.NoError(t, err)
	_, err = store.Migrate(context.Background())
	require.NoError(t, err)
	require.NoError(t, store.Close())
	maps := filepath.Join(dir, "mappings")
	require.NoError(t, os.MkdirAll(maps, 0o755))
	for _, f := range []string{"orders.yaml", "shipments.yaml", "inventory.yaml"} {
		b, err := os.ReadFile(filepath.Join(mappingsDir, f))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(maps, f), b, 0o644))
	}
	cfg := filepath.Join(dir, "passthrough.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte("erp: {driver: sqlite, dsn: \""+dsn+"\"}\nmappings: "+maps+"\n"), 0o644))

	t.Run("the shipped mappings fit the default staging tables", func(t *testing.T) {
		code, out, errOut := runCLI(t, "mapping", "check", "--config", cfg)
		require.Equal(t, exitOK, code, out+errOut)
		require.Contains(t, out, "orders.yaml: ok")
	})
	t.Run("a column the table does not have is reported", func(t *testing.T) {
		b, err := os.ReadFile(filepath.Join(maps, "orders.yaml"))
		require.NoError(t, err)
		b = []byte(strings.Replace(string(b), "    comment: cut(", "    remarks: cut(", 1))
		require.NoError(t, os.WriteFile(filepath.Join(maps, "orders.yaml"), b, 0o644))
		code, out, _ := runCLI(t, "mapping", "check", "--config", cfg)
		require.Equal(t, exitFailed, code)
		require.Contains(t, out, "orders.yaml:90:5: table s_orders has no column remarks\n")
	})
}

func TestMappingUsageErrorsExitWith2(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"mapping"},
		{"mapping", "frobnicate"},
		{"mapping", "check", "--nope"},
		{"mapping", "check", "--config", "/does/not/exist.yaml"},
		{"mapping", "preview"},
		{"mapping", "preview", "--payload", "x.json", "--feed", "returns"},
		{"mapping", "test", "a", "b"},
	} {
		code, _, errOut := runCLI(t, args...)
		require.Equal(t, exitUsage, code, "%v: %s", args, errOut)
		require.NotEmpty(t, errOut)
	}
}

func TestMappingPreviewShowsTheRows(t *testing.T) {
	t.Parallel()
	payload := paidPayload(t)
	code, out, errOut := runCLI(t, "mapping", "preview", "--dir", mappingsDir, "--payload", payload, "--shop", "acme")
	require.Equal(t, exitOK, code, errOut)
	for _, want := range []string{
		"order #1001 (450789469)\n",
		"s_orders (key shop, web_order_id)\n",
		"  ship_via           UPS GROUND\n",
		"  order_total        598.94\n",
		"  hold_code          \"\"\n",
		"s_order_details (key shop, web_order_id, line_no): 3 rows\n",
		"IPOD2008BLACK",
	} {
		require.Contains(t, out, want)
	}
}

func TestMappingPreviewPrintsJSON(t *testing.T) {
	t.Parallel()
	code, out, errOut := runCLI(t, "mapping", "preview", "--dir", mappingsDir, "--payload", paidPayload(t), "--json")
	require.Equal(t, exitOK, code, errOut)
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
	code, out, errOut := runCLI(t, "mapping", "preview", "--dir", mappingsDir,
		"--payload", filepath.Join(mappingsDir, "tests/payloads/order-1001-older-api.json"))
	require.Equal(t, exitOK, code, errOut)
	require.Equal(t, "order #1001 (450789469): rejected (retry): not paid yet: financial status is authorized\n", out)
}

func TestMappingPreviewOfEveryOrderInAList(t *testing.T) {
	t.Parallel()
	code, out, errOut := runCLI(t, "mapping", "preview", "--dir", mappingsDir,
		"--payload", "../../testdata/shopify/shopify-api-ruby__2026-07__orders.json")
	require.Equal(t, exitOK, code, errOut)
	require.Equal(t, "order #1001 (450789469): rejected (retry): not paid yet: financial status is partially_refunded\n", out)
}

func TestMappingPreviewOfShipmentsAndStock(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sh := filepath.Join(dir, "shipment.json")
	require.NoError(t, os.WriteFile(sh, []byte(`{"id": "SH-1", "order_id": 450789469, "tracking_number": "1Z999",
		"carrier": "fedex", "items": [{"line_no": 1, "sku": "IPOD2008GREEN", "quantity": 1}]}`), 0o644))
	code, out, errOut := runCLI(t, "mapping", "preview", "--dir", mappingsDir, "--feed", "shipments", "--payload", sh)
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "  company          FedEx\n")

	st := filepath.Join(dir, "stock.json")
	require.NoError(t, os.WriteFile(st, []byte(`{"item_code": "IPOD2008GREEN", "warehouse_code": "Apple Cupertino", "qty_available": "7.000"}`), 0o644))
	code, out, errOut = runCLI(t, "mapping", "preview", "--dir", mappingsDir, "--feed", "inventory", "--payload", st)
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "  location  Apple Cupertino\n  quantity  7\n")
}

func TestMappingPreviewOfAPayloadThatIsNotAnOrder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(p, []byte(`{"id": 1, "line_items": [{"price": "abc"}]}`), 0o644))
	code, _, errOut := runCLI(t, "mapping", "preview", "--dir", mappingsDir, "--payload", p)
	require.Equal(t, exitFailed, code)
	require.Equal(t, "passthrough mapping: decode order: line_items[0].price: \"abc\" is not a decimal number\n", errOut)
}

func TestMappingTestRunsTheShippedTests(t *testing.T) {
	t.Parallel()
	code, out, errOut := runCLI(t, "mapping", "test", mappingsDir)
	require.Equal(t, exitOK, code, errOut)
	require.True(t, strings.HasPrefix(out, "RESULT  FEED"), out)
	require.Contains(t, out, "pass    orders     orders_paid.yaml")
	require.NotContains(t, out, "FAIL")
	require.Contains(t, out, " passed, 0 failed\n")
}

func TestMappingTestFailsWhenATestFails(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, f := range []string{"orders.yaml", "shipments.yaml", "inventory.yaml"} {
		b, err := os.ReadFile(filepath.Join(mappingsDir, f))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), b, 0o644))
	}
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "tests"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "tests", "wrong.yaml"), []byte(`name: a wrong expectation
feed: shipments
shipment: {id: S1, tracking_number: 1Z, carrier: ups, items: [{sku: A, quantity: 1}]}
expect:
  fulfillment: {company: FedEx}
`), 0o644))
	code, out, errOut := runCLI(t, "mapping", "test", dir)
	require.Equal(t, exitFailed, code)
	require.Equal(t, `RESULT  FEED       TEST        NAME
FAIL    shipments  wrong.yaml  a wrong expectation
                                 fulfillment.company: got "UPS", want "FedEx"

0 passed, 1 failed
`, out)
	require.Equal(t, "passthrough mapping: 1 of 1 mapping tests failed\n", errOut)
}

// paidPayload writes Shopify's documentation order, made paid with its three lines to
// ship, to a temporary file.
func paidPayload(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(mappingsDir, "tests/payloads/order-1001-2026-07.json"))
	require.NoError(t, err)
	var doc map[string]map[string]any
	require.NoError(t, json.Unmarshal(raw, &doc))
	doc["order"]["financial_status"] = "paid"
	for _, li := range doc["order"]["line_items"].([]any) {
		li.(map[string]any)["current_quantity"] = 1
	}
	b, err := json.Marshal(doc)
	require.NoError(t, err)
	p := filepath.Join(t.TempDir(), "order.json")
	require.NoError(t, os.WriteFile(p, b, 0o644))
	return p
}
