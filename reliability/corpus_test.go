package reliability_test

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/erp/erpopen"
	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
	"github.com/passthrough-dev/passthrough/app"
	"github.com/passthrough-dev/passthrough/config"
	"github.com/passthrough-dev/passthrough/feeds"
	"github.com/passthrough-dev/passthrough/ledger"
	"github.com/passthrough-dev/passthrough/mapping"
)

// corpusShop is the simulator behind a front that serves the bad orders of
// testdata/orders exactly as the files have them. Each file gets a placeholder order in the
// simulator (so it is listed, paged and filtered by updated_at like any other), and the
// front swaps the placeholder's JSON in the orders.json pages for the file's bytes, with
// {{ID}}, {{NAME}}, {{CREATED_AT}} and {{UPDATED_AT}} filled from the placeholder: a store
// whose API sends what the real one never should.
type corpusShop struct {
	sim   *shopifytest.Server
	URL   string
	mu    sync.Mutex
	files map[string][]byte // placeholder note → the payload to serve
	ids   map[string]int64  // file name → placeholder order id
}

const placeholderPrefix = "reliability corpus: "

func newCorpusShop(t testing.TB, sim *shopifytest.Server) *corpusShop {
	t.Helper()
	c := &corpusShop{sim: sim, files: map[string][]byte{}, ids: map[string]int64{}}
	target, err := url.Parse(sim.URL)
	require.NoError(t, err)
	proxy := &httputil.ReverseProxy{
		Rewrite:        func(r *httputil.ProxyRequest) { r.SetURL(target); r.Out.Host = r.In.Host },
		ModifyResponse: c.swap,
	}
	front := httptest.NewServer(proxy)
	t.Cleanup(front.Close)
	c.URL = front.URL
	return c
}

// add puts a file's order into the shop and returns the placeholder's id.
func (c *corpusShop) add(t testing.TB, name string, payload []byte) int64 {
	t.Helper()
	note := placeholderPrefix + name
	id, err := c.sim.AddOrder([]byte(fmt.Sprintf(`{"note": %q, "financial_status": "paid", "test": false}`, note)))
	require.NoError(t, err)
	raw, _ := c.sim.Order(id)
	var p struct {
		Name      string `json:"name"`
		CreatedAt string `json:"created_at"`
		UpdatedAt string `json:"updated_at"`
	}
	require.NoError(t, json.Unmarshal(raw, &p))
	filled := strings.NewReplacer("{{ID}}", strconv.FormatInt(id, 10), "{{NAME}}", p.Name,
		"{{CREATED_AT}}", p.CreatedAt, "{{UPDATED_AT}}", p.UpdatedAt).Replace(string(payload))
	c.mu.Lock()
	defer c.mu.Unlock()
	c.files[note] = []byte(strings.TrimSpace(filled))
	c.ids[name] = id
	return id
}

// swap replaces the placeholders in a page of orders.
func (c *corpusShop) swap(resp *http.Response) error {
	if resp.StatusCode != http.StatusOK || !strings.HasSuffix(resp.Request.URL.Path, "/orders.json") {
		return nil
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	var page struct {
		Orders []json.RawMessage `json:"orders"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		return err
	}
	c.mu.Lock()
	parts := make([][]byte, len(page.Orders))
	for i, o := range page.Orders {
		parts[i] = o
		var p struct {
			Note string `json:"note"`
		}
		if json.Unmarshal(o, &p) == nil && strings.HasPrefix(p.Note, placeholderPrefix) {
			if f, ok := c.files[p.Note]; ok {
				parts[i] = f
			}
		}
	}
	c.mu.Unlock()
	// Written by hand, not marshalled: the bad bytes reach the client as the file has them.
	out := append(append([]byte(`{"orders":[`), bytes.Join(parts, []byte(","))...), ']', '}')
	resp.Body = io.NopCloser(bytes.NewReader(out))
	resp.ContentLength = int64(len(out))
	resp.Header.Set("Content-Length", strconv.Itoa(len(out)))
	return nil
}

// corpusFiles lists a testdata folder.
func corpusFiles(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join("testdata", dir))
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		if !e.IsDir() && e.Name() != "README.md" {
			names = append(names, e.Name())
		}
	}
	return names
}

// TestReliabilityBadOrders runs every bad order of testdata/orders through the simulator,
// the real client and the orders feed, in one batch with a few hundred good orders, on
// SQLite and on PostgreSQL. Each bad order gets its message on its own record, or is
// staged intact when it is odd but importable; every good order is staged; the run
// finishes.
func TestReliabilityBadOrders(t *testing.T) {
	t.Parallel()
	for _, store := range []struct {
		name string
		open dbOpener
	}{{"sqlite", sqliteDB}, {"postgres", postgresDB}} {
		t.Run("on "+store.name, func(t *testing.T) {
			t.Parallel()
			badOrdersBatch(t, store.open)
		})
	}
}

// orderWant is what must become of one bad order.
type orderWant struct {
	// status and severity of its ledger entry; status "" when the order has no id to keep
	// an entry under: its problem is then on the run's record only, under its name (byName)
	// or "an order without an id".
	status   ledger.Status
	severity passthrough.Severity
	byName   bool
	// problem is the message, to the letter; {{ID}} stands for the order's id.
	problem string
	// lines is how many lines a staged order has.
	lines int
	// header and line1 are columns of its s_orders row and first s_order_details row, as
	// they must read.
	header, line1 map[string]string
	// onPostgres replaces the expectation where PostgreSQL refuses what SQLite stores.
	onPostgres *orderWant
}

const (
	noID       = "an order without an id"
	cannotRead = "cannot read the order Shopify sent: "
	decode     = cannotRead + "decode order: "
)

func failed(problem string) orderWant {
	return orderWant{status: ledger.StatusFailed, severity: passthrough.SeverityError, problem: problem}
}

func stagedWith(lines int, header, line1 map[string]string) orderWant {
	return orderWant{status: ledger.StatusStaged, lines: lines, header: header, line1: line1}
}

func unreadable(problem string, byName bool) orderWant {
	return orderWant{severity: passthrough.SeverityError, byName: byName, problem: problem}
}

// badOrders is the expectation for every file of testdata/orders.
var badOrders = map[string]orderWant{
	// Not an order at all, or no id: nothing to keep a ledger entry under.
	"not-an-object-string.json": unreadable(cannotRead+`order is not a JSON object: "this is not an order"`, false),
	"not-an-object-array.json":  unreadable(cannotRead+`order is not a JSON object: [{"id": {{ID}}, "updated_at": …`, false),
	"not-an-object-number.json": unreadable(cannotRead+`order is not a JSON object: 42`, false),
	"null.json":                 unreadable(cannotRead+"order id: missing\norder updated_at is missing", false),
	"empty-object.json":         unreadable(cannotRead+"order id: missing\norder updated_at is missing", false),
	"wrapped-in-order-key.json": unreadable(cannotRead+"order id: missing\norder updated_at is missing", false),
	"id-missing.json":           unreadable(cannotRead+"order id: missing", true),
	"id-not-a-number.json":      unreadable(cannotRead+`order id: not a positive integer: "abc"`, true),
	"id-negative.json":          unreadable(cannotRead+"order id: not a positive integer: -5", true),
	"id-fraction.json":          unreadable(cannotRead+"order id: not a positive integer: 12.5", true),
	"id-too-big.json":           unreadable(cannotRead+"order id: not a positive integer: 99999999999999999999999", true),
	// An id, but fields that cannot be read: failed, with the field named.
	"updated-at-missing.json":               failed(cannotRead + "order updated_at is missing"),
	"updated-at-not-a-time.json":            failed(cannotRead + `order updated_at "yesterday" is not an ISO 8601 time`),
	"updated-at-number.json":                failed(cannotRead + "order updated_at is not a string: 1767225600"),
	"name-is-an-object.json":                failed(cannotRead + "order name is not a string: {\n  \"first\": \"#1001\"\n }"),
	"created-at-not-a-time.json":            failed(decode + `created_at: "31/12/2026" is not a timestamp like 2026-07-01T10:00:00-04:00`),
	"cancelled-at-not-a-time.json":          failed(decode + `cancelled_at: "soon" is not a timestamp like 2026-07-01T10:00:00-04:00`),
	"test-flag-as-text.json":                failed(decode + `test: "no" is not true or false`),
	"total-price-not-a-number.json":         failed(decode + `total_price: "fifty" is not a decimal number`),
	"billing-address-is-text.json":          failed(decode + `billing_address: "1 Main St, Louisville" is not an object`),
	"shipping-line-price-not-a-number.json": failed(decode + `shipping_lines[0].price: "free" is not a decimal number`),
	"tags-as-a-list.json":                   failed(decode + "tags: a list is not text"),
	"line-items-is-an-object.json":          failed(decode + "line_items: an object is not a list"),
	"line-quantity-as-words.json":           failed(decode + `line_items[0].current_quantity: "two" is not a whole number`),
	"line-quantity-fraction.json":           failed(decode + "line_items[0].current_quantity: 1.5 is not a whole number"),
	"line-quantity-negative.json":           failed(decode + "line_items[1].quantity: -3 is negative"),
	"line-current-quantity-negative.json":   failed(decode + "line_items[0].current_quantity: -1 is negative"),
	"line-price-not-a-number.json":          failed(decode + `line_items[0].price: "24,99 €" is not a decimal number`),
	"line-requires-shipping-as-text.json":   failed(decode + `line_items[0].requires_shipping: "yes" is not true or false`),
	"line-discount-allocation-garbage.json": failed(decode + `line_items[0].discount_allocations[0].amount: "ten" is not a decimal number`),
	// Readable, but the mapping or the ERP says no.
	"line-sku-missing.json":                failed("line 2 (T-shirt): no SKU: the ERP needs an item code on every line"),
	"line-sku-null.json":                   failed("line 1 (T-shirt): no SKU: the ERP needs an item code on every line"),
	"line-sku-longer-than-the-column.json": failed("the ERP refused the rows: stage order {{ID}}: line 1: s_order_details.item_code: a value of 304 characters does not fit in 255: invalid value"),
	"line-items-empty.json":                {status: ledger.StatusSkipped, severity: passthrough.SeverityInfo, problem: "no line to import: the order has no lines"},
	"line-items-null.json":                 {status: ledger.StatusSkipped, severity: passthrough.SeverityInfo, problem: "no line to import: the order has no lines"},
	"financial-status-missing.json":        {status: ledger.StatusWaiting, severity: passthrough.SeverityRetry, problem: "not paid yet: financial status is "},
	"financial-status-number.json":         {status: ledger.StatusWaiting, severity: passthrough.SeverityRetry, problem: "not paid yet: financial status is 1"},
	// Numbers beyond the ERP's columns: refused on every database alike, before anything is
	// written, and the order says which column. (Their totals add up: an order whose figures
	// do not is refused before the ERP sees it; see order-does-not-add-up.json. The line with
	// too large a quantity is free, so that the total fits and the quantity is what is refused.)
	"total-price-too-large-for-the-erp.json": failed("the ERP refused the rows: stage order {{ID}}: s_orders.order_total: 123456789012345678901234.5 does not fit: " +
		"the column holds up to 14 digits before the point and 4 after: invalid value; the order's name, customer or total do not fit the ledger " +
		"(put ledger entry: the ledger's total: 123456789012345678901234.5 does not fit: the column holds up to 14 digits before the point and 4 after: invalid value)"),
	"line-quantity-too-large-for-the-erp.json": failed("the ERP refused the rows: stage order {{ID}}: line 1: s_order_details.quantity: 900000000000000 does not fit: " +
		"the column holds whole numbers from -2147483648 to 2147483647: invalid value"),
	// Odd but importable: staged, every value intact.
	"id-as-text.json":                   stagedWith(2, nil, nil),
	"line-item-null-entry.json":         stagedWith(2, nil, map[string]string{"item_code": "TS-001"}),
	"line-properties-as-an-object.json": stagedWith(2, nil, nil),
	"line-price-negative.json":          stagedWith(2, nil, map[string]string{"unit_price": "-24.99"}),
	"order-does-not-add-up.json":        failed("the order does not add up: lines 49.98 + shipping 5.99 + tax 4.01 − discounts 0.00 + tips 0.00 + duties 0.00 = 59.98, but its total is 69.98 (10.00 USD apart); check it in Shopify"),
	"customer-and-addresses-null.json":  stagedWith(2, map[string]string{"bill_to_name": "", "ship_to_name": "", "customer_email": ""}, nil),
	"five-hundred-lines.json":           stagedWith(500, nil, nil),
	// Hostile strings: stored as given (cut to the column), never run.
	"hostile-sql-injection-in-note.json":     stagedWith(2, map[string]string{"comment": "'); DROP TABLE s_orders; --"}, nil),
	"hostile-sql-injection-in-sku.json":      stagedWith(2, nil, map[string]string{"item_code": "X' OR '1'='1"}),
	"hostile-sql-injection-in-name.json":     stagedWith(2, map[string]string{"bill_to_name": "Robert'); DROP TABLE pt_order_"}, nil),
	"hostile-html-in-note.json":              stagedWith(2, map[string]string{"comment": "<script>alert(document.cookie)</script><img src=x onerror=alert(1)>"}, nil),
	"hostile-html-in-customer-name.json":     stagedWith(2, nil, nil),
	"hostile-header-injection-in-email.json": stagedWith(2, map[string]string{"customer_email": "ann@example.com\r\nBcc: all@example.com"}, nil),
	"hostile-unicode-in-address.json":        stagedWith(2, map[string]string{"ship_to_address1": "\u202eteertS niaM 1\u200b\u200d \U0001F4E6 Straße"}, nil),
	"hostile-very-long-note.json":            stagedWith(2, map[string]string{"comment": strings.Repeat("A", 250)}, nil),
	"hostile-invalid-utf8-in-note.json":      stagedWith(2, map[string]string{"comment": "caf\uFFFD \uFFFD\uFFFD lone \uFFFD surrogate"}, nil),
	"hostile-control-characters-in-note.json": {status: ledger.StatusStaged, lines: 2, header: map[string]string{"comment": "bell\a escape\x1b[31mred\x1b[0m nul\x00end\r\nBcc: x@example.com"},
		onPostgres: &orderWant{status: ledger.StatusFailed, severity: passthrough.SeverityError, problem: `the ERP refused the rows: stage order {{ID}}: s_orders.comment: PostgreSQL text cannot hold the NUL character (\x00): invalid value`}},
	"hostile-nul-in-sku.json": {status: ledger.StatusStaged, lines: 2, line1: map[string]string{"item_code": "TS-\x00001"},
		onPostgres: &orderWant{status: ledger.StatusFailed, severity: passthrough.SeverityError, problem: `the ERP refused the rows: stage order {{ID}}: line 1: s_order_details.item_code: PostgreSQL text cannot hold the NUL character (\x00): invalid value`}},
}

func badOrdersBatch(t *testing.T, open dbOpener) {
	ctx := t.Context()
	sim := shopifytest.NewServer(shopifytest.WithShop(shop), shopifytest.WithoutRateLimits(),
		shopifytest.WithGenerated(shopifytest.GenOptions{Orders: 300, SKUs: 30, Seed: 47}))
	t.Cleanup(sim.Close)
	good := truth(t, sim)
	front := newCorpusShop(t, sim)
	files := corpusFiles(t, "orders")
	require.GreaterOrEqual(t, len(files), 50)
	for _, name := range files {
		_, ok := badOrders[name]
		require.True(t, ok, "testdata/orders/%s has no expectation in badOrders", name)
		b, err := os.ReadFile(filepath.Join("testdata", "orders", name))
		require.NoError(t, err)
		front.add(t, name, b)
	}
	require.Len(t, badOrders, len(files), "every expectation has its file")

	dir := t.TempDir()
	db := open(t, dir)
	store, err := erpopen.Open(ctx, db.driver, db.dsn)
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	_, err = store.Migrate(ctx)
	require.NoError(t, err)
	cfg := config.Default()
	cfg.Shopify.Shop, cfg.Shopify.BaseURL, cfg.Shopify.AccessToken = sim.Shop, front.URL, config.Secret(sim.Token)
	cfg.ERP.Driver, cfg.ERP.DSN = db.driver, config.Secret(db.dsn)
	cfg.Mappings = copyMappings(t, dir)
	cfg.Feeds.Orders.DailyDays = 31
	a, err := app.New(ctx, cfg, app.Options{Store: store, Logger: testLogger(t)})
	require.NoError(t, err)
	t.Cleanup(func() { a.Close() })

	waitPast(ctx, latestUpdate(t, sim))
	x, err := a.RunFeed(ctx, feeds.FeedOrders, app.RunRequest{})
	require.NoError(t, err, "bad records never fail the run")
	require.Equal(t, erp.OutcomeFinishedPartially, x.Outcome)
	problems, err := store.ProblemList(ctx, erp.ProblemListParams{ExecutionID: x.ID, Limit: 10000})
	require.NoError(t, err)
	byKey := map[string][]string{}
	for _, p := range problems {
		byKey[p.RecordKey] = append(byKey[p.RecordKey], string(p.Severity)+": "+p.Message)
	}
	rows := staged(t, db.db, shop)

	for _, name := range files {
		t.Run(strings.TrimSuffix(name, ".json"), func(t *testing.T) {
			want := badOrders[name]
			if want.onPostgres != nil && db.driver == "postgres" {
				want = *want.onPostgres
			}
			id := front.ids[name]
			msg := strings.ReplaceAll(want.problem, "{{ID}}", strconv.FormatInt(id, 10))
			if want.status == "" {
				key := noID
				if want.byName {
					raw, _ := sim.Order(id)
					var p struct{ Name string }
					require.NoError(t, json.Unmarshal(raw, &p))
					key = p.Name
				}
				require.Contains(t, byKey[key], string(want.severity)+": "+msg, "the run's record says why order %s was not read", key)
				_, err := store.LedgerGet(ctx, shop, id)
				require.ErrorIs(t, err, erp.ErrNotFound)
				return
			}
			e, err := store.LedgerGet(ctx, shop, id)
			require.NoError(t, err)
			require.Equal(t, want.status, e.Status)
			require.Equal(t, want.severity, e.Severity)
			require.Equal(t, msg, e.Problem)
			if msg != "" {
				require.Contains(t, byKey[strconv.FormatInt(id, 10)], string(want.severity)+": "+msg, "the run's record has the problem too")
			}
			o, isStaged := rows[id]
			require.Equal(t, want.status == ledger.StatusStaged, isStaged, "staging rows exist exactly when the ledger says staged")
			if !isStaged {
				return
			}
			require.Equal(t, want.lines, o.lines)
			requireColumns(t, db.db, "s_orders", id, "", want.header)
			requireColumns(t, db.db, "s_order_details", id, " AND line_no = 1", want.line1)
		})
	}

	got := map[int64]int{}
	for id, o := range rows {
		if _, ok := good[id]; ok {
			got[id] = o.lines
		}
	}
	require.Equal(t, good, got, "every good order of the batch is staged")
	for _, table := range []string{"s_orders", "s_order_details", "pt_order_ledger"} {
		var n int
		require.NoError(t, db.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n), "%s is still there", table)
	}
}

// requireColumns checks columns of one staged row, read as text.
func requireColumns(t *testing.T, db *sql.DB, table string, id int64, and string, want map[string]string) {
	t.Helper()
	for col, v := range want {
		var got sql.NullString
		q := "SELECT CAST(" + col + " AS TEXT) FROM " + table + " WHERE web_order_id = " + strconv.FormatInt(id, 10) + and
		require.NoError(t, db.QueryRowContext(t.Context(), q).Scan(&got))
		g := got.String
		if d, err := decimal.NewFromString(g); err == nil && v != "" {
			if w, err := decimal.NewFromString(v); err == nil {
				require.True(t, d.Equal(w), "%s.%s is %s, want %s", table, col, g, v)
				continue
			}
		}
		require.Equal(t, v, g, "%s.%s", table, col)
	}
}

// badMappings is the first line of the message every file of testdata/mappings gets:
// file, line and column, and what is wrong. Each file is named FEED.CASE.yaml and loaded
// as FEED.yaml.
var badMappings = map[string]string{
	"orders.not-yaml.yaml":                "orders.yaml:2:3: did not find expected ',' or ']'",
	"orders.empty.yaml":                   "orders.yaml: the file is empty",
	"orders.binary-garbage.yaml":          "orders.yaml: control characters are not allowed",
	"orders.tab-indentation.yaml":         "orders.yaml:49:1: found a tab character that violates indentation",
	"orders.unknown-top-level-key.yaml":   `orders.yaml:44:1: unknown field "headr" in orders.yaml`,
	"orders.missing-header-table.yaml":    "orders.yaml:44:1: header has no table",
	"orders.missing-header-key.yaml":      "orders.yaml:44:1: header has no key",
	"orders.duplicate-column.yaml":        "orders.yaml:51:5: order_number appears twice in this block (first on line 50)",
	"orders.expression-syntax-error.yaml": "orders.yaml:50:30: unexpected token EOF",
	"orders.unknown-field.yaml":           "orders.yaml:50:25: type order has no field nme",
	"orders.unknown-function.yaml":        "orders.yaml:90:14: unknown helper frobnicate",
	"orders.unknown-lookup.yaml":          `orders.yaml:83:22: unknown lookup table "ship_by"`,
	"orders.when-not-a-condition.yaml":    "orders.yaml:37:14: a condition must give true or false; this gives text",
	"orders.unknown-severity.yaml":        `orders.yaml:41:15: unknown severity "fatal"`,
	"orders.cpu-bomb-range.yaml":          "orders.yaml:90:27: ranges (..) are not allowed",
	"orders.huge-expression.yaml":         "orders.yaml:90:623: compilation failed: expression exceeds maximum allowed nodes",
	"orders.lines-without-from.yaml":      "orders.yaml:93:1: lines has no from",
	"orders.side-effect-method.yaml":      "orders.yaml:90:31: method String of time cannot be called",
	"orders.yaml-alias-bomb.yaml":         `orders.yaml:1:1: unknown field "a" in orders.yaml`,
	"shipments.unknown-field.yaml":        "shipments.yaml:32:34: type shipment has no field tracking",
	"inventory.quantity-is-text.yaml":     "inventory.yaml:25:13: quantity must give a whole number; this gives text",
}

// TestReliabilityBadMappings loads every broken mapping of testdata/mappings, alone
// (mapping.Parse, as the portal checks an edited file) and in a mapping folder beside the
// two other shipped files (mapping.OpenDir, as passthrough starts): the message points at
// the line and column, and the other feeds' mappings still load.
func TestReliabilityBadMappings(t *testing.T) {
	t.Parallel()
	files := corpusFiles(t, "mappings")
	require.Len(t, badMappings, len(files), "every file has an expectation and every expectation a file")
	for _, name := range files {
		t.Run(strings.TrimSuffix(name, ".yaml"), func(t *testing.T) {
			t.Parallel()
			want, ok := badMappings[name]
			require.True(t, ok, "testdata/mappings/%s has no expectation", name)
			b, err := os.ReadFile(filepath.Join("testdata", "mappings", name))
			require.NoError(t, err)
			feed, _, _ := strings.Cut(name, ".")

			set, err := mapping.Parse(feed+".yaml", b)
			require.Error(t, err)
			require.Nil(t, set)
			require.Contains(t, err.Error()+"\n", want+"\n")

			dir := copyMappings(t, t.TempDir())
			require.NoError(t, os.WriteFile(filepath.Join(dir, feed+".yaml"), b, 0o644))
			d, err := mapping.OpenDir(dir)
			require.NoError(t, err, "a broken file does not stop the folder from opening")
			require.ErrorContains(t, d.Problems(), want)
			got := d.Set()
			for _, f := range []struct {
				name   string
				loaded bool
			}{{"orders", got.Orders != nil}, {"shipments", got.Shipments != nil}, {"inventory", got.Inventory != nil}} {
				require.Equal(t, f.name != feed, f.loaded, "%s.yaml loaded", f.name)
			}
		})
	}
}

// badConfigs is the whole message every file of testdata/configs gets from config.Parse.
var badConfigs = map[string]string{
	"not-yaml.yaml":                     "parse config: yaml: line 2: did not find expected ',' or ']'",
	"binary-garbage.yaml":               "parse config: yaml: control characters are not allowed",
	"yaml-alias-bomb.yaml":              `line 1: unknown field "a" in the top level`,
	"unknown-driver.yaml":               `erp.driver: "oracle" is not one of sqlite, postgres, sqlserver`,
	"typo-in-a-field.yaml":              `line 11: unknown field "evrey" in feeds.orders`,
	"missing-environment-variable.yaml": "line 3: environment variable PT_NOT_SET_ANYWHERE is not set",
	"bad-duration.yaml":                 `parse config: "often" is not a duration like 5m or 90s`,
	"interval-too-short.yaml":           "feeds.shipments.every: must be at least 1s",
	"negative-overlap.yaml":             "feeds.orders.overlap: must not be negative",
	"base-url-not-http.yaml":            `shopify.base_url: "ftp://example.com" must start with http:// or https://`,
	"shop-name-with-a-path.yaml":        `shopify.shop: "evil.example.com/admin?x=" is not a shop name (letters, digits and dashes, as in {shop}.myshopify.com)`,
	"api-version-not-a-release.yaml":    `shopify.api_version: "2026-02" is not YYYY-MM or unstable`,
	"client-id-without-secret.yaml":     "shopify.client_secret: client_id and client_secret go together",
	"unknown-plan.yaml":                 `shopify.plan: "gold" is not one of standard, advanced, plus`,
	"session-key-too-short.yaml":        "portal.session_key: must be at least 32 bytes",
	"plain-password.yaml":               "portal.users[0].password_hash: must be a bcrypt hash (passthrough hash-password makes one)",
	"unknown-role.yaml":                 `portal.users[0].role: "boss" is not one of viewer, operator, admin`,
	"duplicate-user.yaml":               `portal.users[1].name: "ann" appears twice`,
	"wrong-type.yaml":                   "parse config: yaml: unmarshal errors:\n  line 11: cannot unmarshal !!seq into int",
	"bad-daily-time.yaml":               `feeds.inventory.daily_at: "25:00" is not HH:MM`,
	"bad-mode.yaml":                     `mode: "production" is not test or live`,
	"duplicate-key.yaml":                "parse config: yaml: unmarshal errors:\n  line 4: mapping key \"mode\" already defined at line 3",
	// A variable whose value is YAML stays a value: it cannot add or change settings.
	"variable-injecting-yaml.yaml": "",
}

// TestReliabilityBadConfigs parses every bad configuration of testdata/configs: each gets
// a message that names the field (or the line) at fault, and never leaks a variable's value
// into the file's structure.
func TestReliabilityBadConfigs(t *testing.T) {
	t.Parallel()
	env := map[string]string{"PT_SHOPIFY_TOKEN": "shpat_not_a_real_token", "PT_INJECT": "x\nerp: {driver: oracle}\nmode: live"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	files := corpusFiles(t, "configs")
	require.Len(t, badConfigs, len(files), "every file has an expectation and every expectation a file")
	for _, name := range files {
		t.Run(strings.TrimSuffix(name, ".yaml"), func(t *testing.T) {
			t.Parallel()
			want, ok := badConfigs[name]
			require.True(t, ok, "testdata/configs/%s has no expectation", name)
			b, err := os.ReadFile(filepath.Join("testdata", "configs", name))
			require.NoError(t, err)
			c, err := config.Parse(bytes.NewReader(b), lookup)
			if want == "" {
				require.NoError(t, err)
				require.Equal(t, "sqlite", c.ERP.Driver)
				require.Equal(t, "test", c.Mode)
				require.Equal(t, env["PT_INJECT"], c.ERP.DSN.Reveal())
				return
			}
			require.EqualError(t, err, want)
			require.NotContains(t, err.Error(), env["PT_SHOPIFY_TOKEN"], "a secret never shows in a message")
		})
	}
}
