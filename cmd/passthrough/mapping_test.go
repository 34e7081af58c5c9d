package main

import (
	"bytes"
	"context"
	"fmt"
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
		line := 1 + strings.Count(string(b[:strings.Index(string(b), "    comment: cut(")]), "\n")
		b = []byte(strings.Replace(string(b), "    comment: cut(", "    remarks: cut(", 1))
		require.NoError(t, os.WriteFile(filepath.Join(maps, "orders.yaml"), b, 0o644))
		code, out, _ := runCLI(t, "mapping", "check", "--config", cfg)
		require.Equal(t, exitFailed, code)
		require.Contains(t, out, fmt.Sprintf("orders.yaml:%d:5: table s_orders has no column remarks\n", line))
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

func TestMappingPreviewOfAPayloadThatIsNotAnOrder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(p, []byte(`{"id": 1, "line_items": [{"price": "abc"}]}`), 0o644))
	code, _, errOut := runCLI(t, "mapping", "preview", "--dir", mappingsDir, "--payload", p)
	require.Equal(t, exitFailed, code)
	require.Equal(t, "passthrough mapping: decode order: line_items[0].price: \"abc\" is not a decimal number\n", errOut)
}

// TestMappingTestExitsWithTheOutcome runs `passthrough mapping test`; what it prints is
// mappingtest.RunDir's, tested there.
func TestMappingTestExitsWithTheOutcome(t *testing.T) {
	t.Parallel()
	t.Run("the shipped tests pass: exit 0", func(t *testing.T) {
		t.Parallel()
		code, out, errOut := runCLI(t, "mapping", "test", mappingsDir)
		require.Equal(t, exitOK, code, errOut)
		require.Contains(t, out, " passed, 0 failed\n")
		require.Empty(t, errOut)
	})
	t.Run("a failing test: exit 1, and the count on stderr", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		for _, f := range []string{"orders.yaml", "shipments.yaml", "inventory.yaml"} {
			b, err := os.ReadFile(filepath.Join(mappingsDir, f))
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(dir, f), b, 0o644))
		}
		require.NoError(t, os.MkdirAll(filepath.Join(dir, "tests"), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "tests", "wrong.yaml"), []byte(`feed: shipments
shipment: {id: S1, tracking_number: 1Z, carrier: ups, items: [{sku: A, quantity: 1}]}
expect:
  fulfillment: {company: FedEx}
`), 0o644))
		code, out, errOut := runCLI(t, "mapping", "test", dir)
		require.Equal(t, exitFailed, code)
		require.Contains(t, out, "0 passed, 1 failed\n")
		require.Equal(t, "passthrough mapping: 1 of 1 mapping tests failed\n", errOut)
	})
}
