package mappingtest_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/mapping"
	"github.com/passthrough-dev/passthrough/mapping/mappingtest"
)

// mappingsDir is the shipped mappings folder, seen from this package.
const mappingsDir = "../../mappings"

func shipped(t *testing.T) *mapping.Set {
	t.Helper()
	set, err := mapping.LoadDir(mappingsDir)
	require.NoError(t, err)
	return set
}

// TestShippedMappingTestsPass runs mappings/tests, as `passthrough mapping test` and make
// test do.
func TestShippedMappingTestsPass(t *testing.T) {
	t.Parallel()
	results, err := mappingtest.Run(shipped(t), filepath.Join(mappingsDir, "tests"))
	require.NoError(t, err)
	feeds := map[string]int{}
	for _, r := range results {
		feeds[r.Feed]++
		require.True(t, r.Passed(), "%s: %s", r.File, strings.Join(r.Problems, "; "))
	}
	require.GreaterOrEqual(t, feeds[mapping.FeedOrders], 8, "the issue asks for at least 8 order cases")
	require.GreaterOrEqual(t, feeds[mapping.FeedShipments], 2)
	require.GreaterOrEqual(t, feeds[mapping.FeedInventory], 2)
}

// TestMappingTestsSayWhatIsWrong runs tests that must fail, and checks what they report.
func TestMappingTestsSayWhatIsWrong(t *testing.T) {
	t.Parallel()
	results, err := mappingtest.Run(shipped(t), "testdata/failing-tests")
	require.NoError(t, err)
	got := map[string][]string{}
	for _, r := range results {
		require.False(t, r.Passed(), r.File)
		got[filepath.Base(r.File)] = r.Problems
	}
	require.Equal(t, map[string][]string{
		"a_wrong_value.yaml": {
			`header.ship_via: got "UPS GROUND", want "BEST WAY"`,
			"header.cancelled: got false, want null",
			`header.nope: no such column (the row has shop, web_order_id, order_number, order_date, customer_no, customer_email, bill_to_name, bill_to_address1, bill_to_address2, bill_to_city, bill_to_state, bill_to_zip, bill_to_country, bill_to_phone, ship_to_name, ship_to_address1, ship_to_address2, ship_to_city, ship_to_state, ship_to_zip, ship_to_country, ship_to_phone, payment_terms, salesperson_no, customer_division, order_type, hold_code, tax_schedule, print_pick_sheet, print_sales_order, ship_via, freight_amount, discount_amount, tax_amount, order_total, currency, comment, cancelled, fulfilled_in_shopify)`,
			"lines: 2 rows, want 1",
		},
		"b_not_rejected.yaml": {"mapped, want rejected with severity retry"},
		"c_other_rejection.yaml": {
			"rejected with severity retry, want info (message: not paid yet: financial status is pending)",
			`rejected with message "not paid yet: financial status is pending", want "not paid"`,
		},
		"d_broken.yaml": {`testdata/failing-tests/d_broken.yaml:1:7: unknown feed "order"
 1 | feed: order
   |       ^
   = expected: orders, shipments or inventory

testdata/failing-tests/d_broken.yaml:2:10: cannot read payload: open testdata/failing-tests/payloads/missing.json: no such file or directory
 2 | payload: payloads/missing.json
   |          ^
   = expected: a JSON file, relative to the test

testdata/failing-tests/d_broken.yaml:4:3: unknown field "headr" in expect
 4 |   headr: {shop: acme}
   |   ^
   = expected: did you mean header?`},
		"e_rows_but_rejected.yaml": {`rejected (error): warehouse "" maps to no location`},
	}, got)
}

func TestRunDirPrintsATableOfTheShippedTests(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, mappingtest.RunDir(&out, mappingsDir))
	require.True(t, strings.HasPrefix(out.String(), "RESULT  FEED"), out.String())
	require.Contains(t, out.String(), "pass    orders     orders_paid.yaml")
	require.NotContains(t, out.String(), "FAIL")
	require.Contains(t, out.String(), " passed, 0 failed\n")
}

func TestRunDirListsTheProblemsOfAFailingTestAndFails(t *testing.T) {
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
	var out bytes.Buffer
	err := mappingtest.RunDir(&out, dir)
	require.EqualError(t, err, "1 of 1 mapping tests failed")
	require.Equal(t, `RESULT  FEED       TEST        NAME
FAIL    shipments  wrong.yaml  a wrong expectation
                                 fulfillment.company: got "UPS", want "FedEx"

0 passed, 1 failed
`, out.String())
}

func TestRunDirReportsAMappingThatDoesNotLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "orders.yaml"), []byte("header: [\n"), 0o644))
	var out bytes.Buffer
	err := mappingtest.RunDir(&out, dir)
	require.EqualError(t, err, "1 problem in the mapping files")
	require.True(t, strings.HasPrefix(out.String(), filepath.Join(dir, "orders.yaml")+":"), out.String())
	require.True(t, strings.HasSuffix(out.String(), "\n\n"), "a blank line after the problems")
}
