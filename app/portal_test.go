package app_test

import (
	"database/sql"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
	"github.com/passthrough-dev/passthrough/app"
)

// send posts a form with the token of the last page, and answers the status and the page,
// whatever the status.
func (b *browser) send(path string, form url.Values) (int, string) {
	b.t.Helper()
	form.Set("_csrf", b.token)
	res, err := b.c.PostForm(b.base+path, form)
	require.NoError(b.t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(b.t, err)
	if m := csrfField.FindSubmatch(body); m != nil {
		b.token = string(m[1])
	}
	return res.StatusCode, string(body)
}

// A save in the portal runs the checks `passthrough mapping check --config` runs, against
// the real tables: a mapping that names a column or a table the ERP lacks is refused, and
// one the ERP has since been given the column for is saved and staged with.
func TestThePortalRefusesAMappingTheDatabaseWouldRefuse(t *testing.T) {
	t.Parallel()
	a := newApp(t, shopifytest.GenOptions{Orders: 30, SKUs: 5, Seed: 59})
	c := signInto(t, a, "adam", "adam-secret")
	path := filepath.Join(a.dir, "mappings", "orders.yaml")
	shipped, err := os.ReadFile(path)
	require.NoError(t, err)

	for _, tc := range []struct{ name, from, to, says string }{
		{"a column the table lacks", "    comment: cut(order.note, 250)\n", "    comment: cut(order.note, 250)\n    gift_note: order.note\n",
			"table s_orders has no column gift_note"},
		{"a table the database lacks", "  table: s_orders\n", "  table: s_orderz\n", "table s_orderz: table &#34;s_orderz&#34;: not found"},
		{"a constant too long for its column", `  payment_terms: "NET30"`, `  payment_terms: "NET30 DAYS FROM THE DATE OF THE INVOICE, NOT OF THE ORDER"`,
			"column payment_terms holds"},
	} {
		t.Run("refused: "+tc.name, func(t *testing.T) {
			require.Contains(t, string(shipped), tc.from)
			src := strings.Replace(string(shipped), tc.from, tc.to, 1)
			c.get("/mappings/orders.yaml")
			code, page := c.send("/mappings/orders.yaml", url.Values{"src": {src}})
			require.Equal(t, http.StatusUnprocessableEntity, code)
			require.Contains(t, page, tc.says)
			require.Regexp(t, `orders\.yaml:\d+:\d+</a>`, page, "with the line and column")
			onDisk, err := os.ReadFile(path)
			require.NoError(t, err)
			require.Equal(t, string(shipped), string(onDisk), "nothing was saved")
			require.Contains(t, c.post("/mappings/orders.yaml/check", url.Values{"src": {src}}), tc.says, "the check as you type says the same")
		})
	}

	t.Run("saved once the ERP has the column, and staged with it", func(t *testing.T) {
		_, err := a.Store.(interface{ DB() *sql.DB }).DB().ExecContext(t.Context(), "ALTER TABLE s_orders ADD gift_note VARCHAR(250) NULL")
		require.NoError(t, err)
		src := strings.Replace(string(shipped), "    comment: cut(order.note, 250)\n", "    comment: cut(order.note, 250)\n    gift_note: '\"with love\"'\n", 1)
		c.get("/mappings/orders.yaml")
		require.Contains(t, c.post("/mappings/orders.yaml", url.Values{"src": {src}}), "Saved orders.yaml. It is version 2")
		x, err := a.RunFeed(t.Context(), "orders", app.RunRequest{})
		require.NoError(t, err)
		require.Positive(t, x.Counts.Written)
		var n int
		require.NoError(t, a.Store.(interface{ DB() *sql.DB }).DB().QueryRowContext(t.Context(),
			"SELECT COUNT(*) FROM s_orders WHERE gift_note = 'with love'").Scan(&n))
		require.Equal(t, x.Counts.Written, n, "every order staged with the new column, without a restart")
	})
}

// The health panel and the budget meter of the wired application read the real client:
// the scopes Shopify (the simulator) grants, the version it serves, and what each run cost.
func TestTheHealthPanelAndTheBudgetMeterOfTheWiredApp(t *testing.T) {
	t.Parallel()
	a := newApp(t, shopifytest.GenOptions{Orders: 30, SKUs: 5, Seed: 61})
	a.sim.SetScopes("read_orders", "read_all_orders", "read_merchant_managed_fulfillment_orders", "write_merchant_managed_fulfillment_orders",
		"read_products", "read_locations", "read_inventory") // not write_inventory
	x, err := a.RunFeed(t.Context(), "orders", app.RunRequest{})
	require.NoError(t, err)
	require.Positive(t, x.Usage.RESTCalls, "the run recorded what it cost")

	olga := signInto(t, a, "olga", "olga-secret")
	page := olga.get("/health")
	require.Contains(t, page, "missing: write_inventory (the stock feed)")
	require.Contains(t, page, "2026-07: supported until 2027-07-01")
	require.Contains(t, page, "Feed orders</th><td><span class=\"badge good\">good</span></td><td>last success")
	require.Contains(t, page, "Database</th><td><span class=\"badge good\">good</span></td><td>answers in")
	require.Contains(t, page, "pool: ")

	page = olga.get("/budget")
	require.Contains(t, page, `<tr data-feed="orders"><td>orders</td><td class="num">1</td>`)
	require.Contains(t, page, "<td>GET orders</td>")
}
