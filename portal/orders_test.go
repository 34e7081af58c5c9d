package portal

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/feeds"
	"github.com/passthrough-dev/passthrough/ledger"
)

var orderRow = regexp.MustCompile(`<tr data-order-id="(\d+)">`)

// listed returns the order ids of a list page, in order.
func listed(t *testing.T, page string) []string {
	t.Helper()
	var ids []string
	for _, m := range orderRow.FindAllStringSubmatch(page, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

var hrefOf = func(id string) *regexp.Regexp {
	return regexp.MustCompile(`<a href="([^"]*)" id="` + id + `"`)
}

// link returns the URL of the pager link with the id, unescaped, or "".
func link(page, id string) string {
	m := hrefOf(id).FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	return strings.ReplaceAll(m[1], "&amp;", "&")
}

func TestOrderListFiltersAndSearch(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	putOrders(t, f.store, 60, func(i int, e *ledger.Entry) {
		switch i % 3 {
		case 0:
			e.Status, e.Severity, e.Problem = ledger.StatusStaged, "", ""
		case 1:
			e.Status, e.Severity, e.Problem = ledger.StatusFailed, passthrough.SeverityError, "unknown SKU TS-9"
		}
		if i == 7 {
			e.CustomerEmail = "Ann.Lee@Example.com"
		}
	})
	c := login(t, f.srv, "viewer")

	for _, tc := range []struct {
		name  string
		query string
		want  func(i int) bool
	}{
		{"status filter keeps the staged orders", "status=staged", func(i int) bool { return i%3 == 0 }},
		{"severity filter keeps the errors", "severity=error", func(i int) bool { return i%3 == 1 }},
		{"severity and status filters combine", "severity=retry&status=waiting", func(i int) bool { return i%3 == 2 }},
		{"searching an order number finds it with its #", "q=%231012", func(i int) bool { return i == 12 }},
		{"searching an order number finds it without its #", "q=1012", func(i int) bool { return i == 12 }},
		{"searching the start of an email ignores case", "q=ann.lee%40EXAMPLE", func(i int) bool { return i == 7 }},
		{"a search that matches nothing lists nothing", "q=nobody%40example.com", func(int) bool { return false }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := c.get("/orders?" + tc.query)
			require.Equal(t, http.StatusOK, rec.Code)
			var want []string
			for i := 59; i >= 0; i-- {
				if tc.want(i) {
					want = append(want, fmt.Sprint(1000+i))
				}
			}
			require.Equal(t, want, listed(t, rec.Body.String()))
		})
	}

	t.Run("the date filter includes both days and lists by order date", func(t *testing.T) {
		rec := c.get("/orders?from=2026-10-03&to=2026-10-04")
		require.Equal(t, http.StatusOK, rec.Code)
		require.Equal(t, []string{"1033", "1003", "1032", "1002"}, listed(t, rec.Body.String()))
	})

	for _, tc := range []struct{ query, says string }{
		{"status=lost", `&#34;lost&#34; is not a status`},
		{"severity=fatal", `&#34;fatal&#34; is not a severity`},
		{"from=yesterday", `from date &#34;yesterday&#34; is not YYYY-MM-DD`},
		{"from=2026-10-05&to=2026-10-01", "the from date is after the to date"},
		{"after=xyz", "the page position in the address is damaged"},
	} {
		t.Run("a bad filter "+tc.query+" is explained, not obeyed", func(t *testing.T) {
			rec := c.get("/orders?" + tc.query)
			require.Equal(t, http.StatusBadRequest, rec.Code)
			require.Contains(t, rec.Body.String(), tc.says)
			require.Empty(t, listed(t, rec.Body.String()))
		})
	}

	t.Run("an htmx filter request gets the results without the page around them", func(t *testing.T) {
		rec := c.get("/orders?status=staged", "HX-Request", "true", "HX-Target", "orders-results")
		require.Equal(t, http.StatusOK, rec.Code)
		b := rec.Body.String()
		require.NotContains(t, b, "<html")
		require.NotContains(t, b, `<form class="filters"`)
		require.Len(t, listed(t, b), 20)
		require.Contains(t, rec.Header().Values("Vary"), "HX-Request")
	})

	t.Run("the list shows total, status, severity, the ERP's import and the last problem", func(t *testing.T) {
		b := c.get("/orders?q=1001").Body.String()
		require.Contains(t, b, "11.50 USD")
		require.Contains(t, b, `<span class="badge bad">failed</span>`)
		require.Contains(t, b, `<span class="badge bad">error</span>`)
		require.Contains(t, b, "unknown SKU TS-9")
		require.Contains(t, b, "not yet")
	})
}

func TestOrderListPagesByKeyset(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	putOrders(t, f.store, 2*pageSize+7, nil)
	c := login(t, f.srv, "viewer")

	// Walk forward with Next, remembering every page, then back with Newer.
	var pages [][]string
	var urls []string
	u := "/orders"
	for u != "" {
		rec := c.get(u)
		require.Equal(t, http.StatusOK, rec.Code)
		b := rec.Body.String()
		pages = append(pages, listed(t, b))
		urls = append(urls, u)
		if len(pages) == 1 {
			require.Empty(t, link(b, "newer"), "the newest page has nothing newer")
		}
		u = link(b, "next")
	}
	require.Len(t, pages, 3)
	require.Len(t, pages[0], pageSize)
	require.Len(t, pages[2], 7)
	var all []string
	for _, p := range pages {
		all = append(all, p...)
	}
	var want []string
	for i := 2*pageSize + 6; i >= 0; i-- {
		want = append(want, fmt.Sprint(1000+i))
	}
	require.Equal(t, want, all, "every order once, newest activity first")

	t.Run("Newer goes back page by page to the newest", func(t *testing.T) {
		b := c.get(urls[2]).Body.String()
		back := link(b, "newer")
		b = c.get(back).Body.String()
		require.Equal(t, pages[1], listed(t, b))
		back = link(b, "newer")
		b = c.get(back).Body.String()
		require.Equal(t, pages[0], listed(t, b))
		require.Empty(t, link(b, "newer"))
	})

	t.Run("with dates chosen, paging walks the order dates, each order once", func(t *testing.T) {
		u := "/orders?from=2026-10-01&to=2026-10-31"
		var got []string
		var dates []string
		for u != "" {
			b := c.get(u).Body.String()
			require.Contains(t, b, "in order date order")
			got = append(got, listed(t, b)...)
			for _, m := range regexp.MustCompile(`</a></td>\n  <td data-label="Date">(2026-\d\d-\d\d)</td>`).FindAllStringSubmatch(b, -1) {
				dates = append(dates, m[1])
			}
			u = link(b, "next")
		}
		require.ElementsMatch(t, want, got)
		require.Len(t, dates, len(want))
		require.IsNonIncreasing(t, dates)
	})

	t.Run("paging keeps the filters", func(t *testing.T) {
		b := c.get("/orders?status=waiting&q=").Body.String()
		next := link(b, "next")
		require.Contains(t, next, "status=waiting")
		require.Len(t, listed(t, c.get(next).Body.String()), pageSize)
	})

	t.Run("an order updated while paging moves to the top and is not listed twice", func(t *testing.T) {
		second := c.get(urls[1]).Body.String()
		moved := pages[1][3]
		var id int64
		fmt.Sscan(moved, &id)
		e, err := f.store.LedgerGet(context.Background(), testShop, id)
		require.NoError(t, err)
		e.Status, e.Severity, e.Problem = ledger.StatusStaged, "", ""
		require.NoError(t, f.store.LedgerPut(context.Background(), e))

		third := listed(t, c.get(link(second, "next")).Body.String())
		require.NotContains(t, third, moved)
		require.Equal(t, moved, listed(t, c.get("/orders").Body.String())[0])
	})
}

func TestUserInputIsEscaped(t *testing.T) {
	t.Parallel()
	const hostile = `<script>alert(1)</script>`
	f := newFixture(t, nil)
	putOrders(t, f.store, 1, func(_ int, e *ledger.Entry) {
		e.OrderName, e.CustomerName, e.CustomerEmail = hostile, hostile, hostile+"@example.com"
		e.Problem = hostile
		e.Payload = []byte(`{"note":"` + strings.ReplaceAll(hostile, `/`, `\/`) + `"}`)
	})
	f.orders.StagedFunc = func(context.Context, int64) (*passthrough.OrderRows, error) {
		return &passthrough.OrderRows{
			Header: passthrough.Table{Name: "s_orders"}, HeaderRow: passthrough.Row{Columns: []string{"comment"}, Values: []any{hostile}},
			Lines: passthrough.Table{Name: "s_order_details"}, LineRows: []passthrough.Row{{Columns: []string{"description"}, Values: []any{hostile}}},
		}, nil
	}
	c := login(t, f.srv, "operator")
	for _, path := range []string{
		"/orders", "/orders/1000", "/orders/1000/skip", "/orders?q=" + url.QueryEscape(hostile),
		"/orders?status=" + url.QueryEscape(hostile), "/stock?sku=" + url.QueryEscape(hostile),
	} {
		t.Run("the page "+path+" shows hostile text as text", func(t *testing.T) {
			b := c.get(path).Body.String()
			require.NotContains(t, b, "<script>alert")
			require.Contains(t, b, "&lt;script&gt;alert(1)&lt;/script&gt;")
		})
	}
}

// stagedOrder is order 1000 as the fake staging tables hold it: NET30 and two lines, not
// imported.
func stagedOrder() *passthrough.OrderRows {
	return &passthrough.OrderRows{
		Header: passthrough.Table{Name: "s_orders", Key: []string{"shop", "web_order_id"}},
		HeaderRow: passthrough.Row{Columns: []string{"shop", "web_order_id", "payment_terms", "order_total", "import_status", "erp_order_no", "created_at"},
			Values: []any{testShop, int64(1000), "NET30", decimal.RequireFromString("254.9800"), nil, nil, time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)}},
		Lines: passthrough.Table{Name: "s_order_details", Key: []string{"shop", "web_order_id", "line_no"}},
		LineRows: []passthrough.Row{
			{Columns: []string{"line_no", "item_code", "quantity"}, Values: []any{int64(1), "TS-001", int64(2)}},
			{Columns: []string{"line_no", "item_code", "quantity"}, Values: []any{int64(2), "MUG-1", int64(1)}},
		},
	}
}

// mappedOrder is what the changed mapping makes of order 1000: NET45, and only line 1.
func mappedOrder() *passthrough.OrderRows {
	return &passthrough.OrderRows{
		Header: passthrough.Table{Name: "s_orders", Key: []string{"shop", "web_order_id"}},
		HeaderRow: passthrough.Row{Columns: []string{"shop", "web_order_id", "payment_terms", "order_total"},
			Values: []any{testShop, int64(1000), "NET45", decimal.RequireFromString("254.98")}},
		Lines: passthrough.Table{Name: "s_order_details", Key: []string{"shop", "web_order_id", "line_no"}},
		LineRows: []passthrough.Row{
			{Columns: []string{"line_no", "item_code", "quantity"}, Values: []any{int64(1), "TS-001", int64(2)}},
		},
	}
}

func TestOrderPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	putOrders(t, f.store, 1, func(_ int, e *ledger.Entry) {
		e.Payload = []byte(`{"id":1000,"name":"#1000","line_items":[{"sku":"TS-001"}]}`)
	})
	ctx := context.Background()
	x, err := f.store.ExecutionStart(ctx, erp.ExecutionStartParams{Feed: "orders", Shop: testShop, Trigger: "schedule"})
	require.NoError(t, err)
	require.NoError(t, f.store.ProblemAdd(ctx, erp.Problem{ExecutionID: x.ID, Feed: "orders", Shop: testShop, RecordKey: "1000",
		Severity: passthrough.SeverityRetry, Message: "not paid yet", At: f.clock.Now()}))
	f.orders.StagedFunc = func(_ context.Context, id int64) (*passthrough.OrderRows, error) {
		require.Equal(t, int64(1000), id)
		return stagedOrder(), nil
	}
	f.orders.MappedFunc = func(context.Context, int64) (*passthrough.OrderRows, error) { return mappedOrder(), nil }
	c := login(t, f.srv, "viewer")
	rec := c.get("/orders/1000")
	require.Equal(t, http.StatusOK, rec.Code)
	b := rec.Body.String()
	for _, want := range []string{
		"<h1>Order #1000</h1>",
		"  &#34;line_items&#34;: [", // the payload, indented
		"not paid yet",              // history: the ledger event
		fmt.Sprintf(`<a href="/feeds/executions/%d">%d</a>`, x.ID, x.ID),
	} {
		require.Contains(t, b, want)
	}

	t.Run("the rows as staged are beside the current mapping's, with what differs marked", func(t *testing.T) {
		require.Contains(t, b, "As staged: read from s_orders and s_order_details now")
		require.Contains(t, b, `<tr class="differs" data-column="payment_terms"><th>payment_terms</th>`+"\n<td>NET30</td>\n<td>NET45</td></tr>")
		require.Contains(t, b, `<tr data-column="order_total"><th>order_total</th>`+"\n<td>254.98</td>\n<td>254.98</td></tr>", "equal as numbers")
		require.Contains(t, b, `<tr data-column="created_at"><th>created_at</th>`+"\n<td>2026-11-01 09:00:00Z</td>\n<td><span class=\"muted\">passthrough&#39;s</span></td></tr>")
		require.Contains(t, b, `<strong class="differs" id="differences">2 differences</strong>`, "the payment terms and the line no longer made")
		require.Contains(t, b, `<tr class="alone" title="no line of this key on the other side" data-line="2"><td>2</td><td>MUG-1</td><td>1</td></tr>`)
		require.Contains(t, b, `<span class="muted">blank: not imported yet</span>`)
	})

	t.Run("what the ERP wrote on the header is shown, and its import is on the timeline", func(t *testing.T) {
		f.orders.StagedFunc = func(context.Context, int64) (*passthrough.OrderRows, error) {
			o := stagedOrder()
			o.HeaderRow.Values[4], o.HeaderRow.Values[5] = "imported", "SO-9"
			return o, nil
		}
		b := c.get("/orders/1000").Body.String()
		require.Contains(t, b, `<dd id="staged-import-status">imported</dd>`)
		require.Contains(t, b, "<td data-label=\"What\">Imported by the ERP</td>")
		require.Contains(t, b, "import status imported, ERP order SO-9")
	})

	t.Run("an order with nothing staged shows what the mapping would stage, labelled so", func(t *testing.T) {
		f.orders.StagedFunc = func(context.Context, int64) (*passthrough.OrderRows, error) { return nil, erp.ErrNotFound }
		b := c.get("/orders/1000").Body.String()
		require.Contains(t, b, "Nothing of this order is in the staging tables.")
		require.Contains(t, b, `What the current mapping would stage <span class="muted small">(not staged)</span>`)
		f.orders.MappedFunc = func(context.Context, int64) (*passthrough.OrderRows, error) {
			return nil, &passthrough.RecordError{Severity: passthrough.SeverityRetry, Message: "not paid yet: financial status is pending"}
		}
		require.Contains(t, c.get("/orders/1000").Body.String(), "The current mapping does not take the order (retry): not paid yet: financial status is pending")
	})

	t.Run("the order's open problem links to its class", func(t *testing.T) {
		classes, err := f.store.ProblemClassList(ctx, erp.ProblemClassListParams{Shop: testShop})
		require.NoError(t, err)
		b := c.get("/orders/1000").Body.String()
		require.Contains(t, b, "Open problem since")
		require.Contains(t, b, fmt.Sprintf(`<a href="/problems/%d">Its class</a>`, classes[0].ID))
	})

	t.Run("an excluded order says so, with who excluded it", func(t *testing.T) {
		e := ledger.Entry{Shop: testShop, OrderID: 1001, OrderName: "#1001", Status: ledger.StatusFailed,
			Severity: passthrough.SeverityError, Problem: "unknown SKU TS-9", RunID: x.ID}
		require.NoError(t, f.store.LedgerPut(ctx, e))
		e.Exclude("ann", "a duplicate of #999")
		require.NoError(t, f.store.LedgerPut(ctx, e))
		b := c.get("/orders/1001").Body.String()
		require.Contains(t, b, `<span class="badge info" id="order-status">excluded</span>`)
		require.Contains(t, b, " by ann</dd>", "the last update")
		require.Contains(t, b, `<td data-label="Message">skipped by ann: a duplicate of #999</td><td data-label="By">ann</td>`, "the history says who acted")
		require.Equal(t, []string{"1001"}, listed(t, c.get("/orders?status=excluded").Body.String()))
	})

	t.Run("an order's shipments show with their status, error and Retry", func(t *testing.T) {
		_, err := f.store.DB().ExecContext(ctx, `INSERT INTO external_order_shipments (shipment_id, line_no, shop, web_order_id, item_code,
			quantity, tracking_number, carrier, tracking_url, ship_date, sync_status, sync_error)
			VALUES ('SH-7', 1, 'acme', 1000, 'TS-001', 2, '1Z999', 'UPS', 'javascript:alert(1)', '2026-11-02 10:00:00.000', 'error', 'SKU TS-001 is not on #1000')`)
		require.NoError(t, err)
		b := login(t, f.srv, "operator").get("/orders/1000").Body.String()
		require.Contains(t, b, `<tr data-shipment-id="SH-7">`)
		require.Contains(t, b, "SKU TS-001 is not on #1000")
		require.Contains(t, b, `<button type="submit" data-retry-shipment="SH-7">Retry</button>`)
		require.NotContains(t, b, "javascript:alert", "a tracking link that is not http(s) is no link")
		require.NotContains(t, c.get("/orders/1000").Body.String(), "data-retry-shipment", "a viewer gets no Retry")
	})

	t.Run("an unknown order is a 404", func(t *testing.T) {
		require.Equal(t, http.StatusNotFound, c.get("/orders/999").Code)
		require.Equal(t, http.StatusNotFound, c.get("/orders/abc").Code)
	})
	t.Run("a panic behind the page is a 500, and the portal goes on", func(t *testing.T) {
		f := newFixture(t, func(d *Deps) {
			d.Stores[0].Orders = &fakeOrders{t: t, StagedFunc: func(context.Context, int64) (*passthrough.OrderRows, error) { panic("nil map") }}
		})
		putOrders(t, f.store, 1, nil)
		c := login(t, f.srv, "viewer")
		rec := c.get("/orders/1000")
		require.Equal(t, http.StatusInternalServerError, rec.Code)
		require.NotContains(t, rec.Body.String(), "nil map")
		require.Equal(t, http.StatusOK, c.get("/orders").Code)
	})
	t.Run("a ledger failure is a 500 that shows nothing of the error", func(t *testing.T) {
		f := newFixture(t, func(d *Deps) {
			d.Stores[0].Orders = &fakeOrders{t: t, StagedFunc: func(context.Context, int64) (*passthrough.OrderRows, error) {
				return nil, errors.New("dial tcp 10.1.2.3:1433: login failed for user sa")
			}}
		})
		putOrders(t, f.store, 1, nil)
		rec := login(t, f.srv, "viewer").get("/orders/1000")
		require.Equal(t, http.StatusInternalServerError, rec.Code)
		require.NotContains(t, rec.Body.String(), "10.1.2.3")
		require.Contains(t, rec.Body.String(), "it has been logged")
	})
}

func TestActionsAreOfferedWhereTheyMakeSense(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	putOrders(t, f.store, 5, func(i int, e *ledger.Entry) {
		switch i {
		case 1:
			e.Status, e.Severity, e.Problem = ledger.StatusFailed, passthrough.SeverityError, "unknown SKU TS-9"
		case 2:
			e.Status, e.Severity, e.Problem = ledger.StatusStaged, "", ""
		case 3:
			e.Status, e.Severity, e.Problem = ledger.StatusCancelled, passthrough.SeverityInfo, "cancelled in Shopify after staging"
		case 4:
			e.Status, e.Severity, e.Problem = ledger.StatusStaged, passthrough.SeverityError, "edited in Shopify after the ERP imported it"
		}
	})
	c := login(t, f.srv, "operator")
	for _, tc := range []struct {
		id      string
		status  string
		offered []string
	}{
		{"1000", "waiting", []string{"retry", "resolve", "skip"}},
		{"1001", "failed", []string{"retry", "resolve", "skip"}},
		{"1002", "staged", []string{"retry"}},
		{"1003", "cancelled", nil},
		{"1004", "staged with an error", []string{"retry", "resolve"}},
	} {
		t.Run("a "+tc.status+" order offers "+fmt.Sprint(tc.offered), func(t *testing.T) {
			b := c.get("/orders/" + tc.id).Body.String()
			for _, action := range []string{"retry", "resolve", "skip"} {
				offered := slices.Contains(tc.offered, action)
				require.Equal(t, offered, strings.Contains(b, `id="`+action+`" href=`), action)
				want := http.StatusOK
				if !offered {
					want = http.StatusConflict
				}
				require.Equal(t, want, c.get("/orders/"+tc.id+"/"+action).Code, "the confirmation of "+action)
			}
		})
	}
	t.Run("an action that makes no sense is refused when sent anyway", func(t *testing.T) {
		rec := c.submit("/orders/1002/skip", url.Values{"reason": {"dup"}})
		require.Equal(t, http.StatusSeeOther, rec.Code)
		require.Contains(t, c.get("/orders/1002").Body.String(), "is in the staging tables already; cancel it in the ERP instead")
	})
	t.Run("a viewer is offered none", func(t *testing.T) {
		b := login(t, f.srv, "viewer").get("/orders/1001").Body.String()
		require.NotContains(t, b, `id="retry"`)
		require.NotContains(t, b, `id="resolve"`)
	})
}

func TestRetryAndSkip(t *testing.T) {
	t.Parallel()

	t.Run("Retry asks first, then retries as the user, says what came of it and logs it", func(t *testing.T) {
		f := newFixture(t, nil)
		putOrders(t, f.store, 1, nil)
		c := login(t, f.srv, "operator")
		confirm := c.get("/orders/1000/retry")
		require.Equal(t, http.StatusOK, confirm.Code)
		require.Contains(t, confirm.Body.String(), `action="/orders/1000/retry"`)
		require.NotContains(t, confirm.Body.String(), "confirm-warning")

		type call struct {
			id   int64
			user string
		}
		var got []call
		f.orders.RetryFunc = func(_ context.Context, id int64, user string) (feeds.Retried, error) {
			got = append(got, call{id, user})
			e, err := f.store.LedgerGet(context.Background(), testShop, id)
			require.NoError(t, err)
			e.Status, e.Severity, e.Problem, e.Actor = ledger.StatusStaged, "", "", user
			require.NoError(t, f.store.LedgerPut(context.Background(), e))
			return retried(t, f.store, id, true), nil
		}
		rec := c.submit("/orders/1000/retry", nil)
		require.Equal(t, http.StatusSeeOther, rec.Code)
		require.Equal(t, "/orders/1000", rec.Header().Get("Location"))
		require.Equal(t, []call{{1000, "otto"}}, got)
		page := c.get("/orders/1000").Body.String()
		require.Contains(t, page, "Order #1000 is staged now.")
		require.NotContains(t, c.get("/orders/1000").Body.String(), "is staged now", "a flash shows once")
		log, err := f.store.AuditList(context.Background(), erp.AuditListParams{Shops: []string{testShop}})
		require.NoError(t, err)
		require.Len(t, log, 1)
		require.Equal(t, []string{"otto", "order.retry", "order 1000", "Order #1000 is staged now."},
			[]string{log[0].Actor, log[0].Action, log[0].Target, log[0].Detail})
	})

	t.Run("Retry of an order the ERP imported warns before, and says nothing was staged after", func(t *testing.T) {
		f := newFixture(t, nil)
		putOrders(t, f.store, 1, func(_ int, e *ledger.Entry) { e.Status, e.Severity, e.Problem = ledger.StatusStaged, "", "" })
		_, err := f.store.DB().ExecContext(context.Background(),
			`INSERT INTO s_orders (shop, web_order_id, import_status, erp_order_no) VALUES ('acme', 1000, 'imported', 'SO-1')`)
		require.NoError(t, err)
		c := login(t, f.srv, "operator")
		confirm := c.get("/orders/1000/retry").Body.String()
		require.Contains(t, confirm, `id="confirm-warning">The ERP has imported this order as SO-1. A retry does not stage it again`)
		f.orders.RetryFunc = func(_ context.Context, id int64, _ string) (feeds.Retried, error) {
			return retried(t, f.store, id, false), nil
		}
		require.Equal(t, http.StatusSeeOther, c.submit("/orders/1000/retry", nil).Code)
		require.Contains(t, c.get("/orders/1000").Body.String(), "Nothing was staged: the ERP has imported order #1000 as SO-1 already.")
	})

	for _, tc := range []struct {
		name string
		err  error
		says string
	}{
		{"a refused order says why", &passthrough.RecordError{Severity: passthrough.SeverityInfo, Message: "it was cancelled after staging"},
			"Order #1000 was not retried: it was cancelled after staging"},
		{"a failure says it was logged and shows nothing of the error", fmt.Errorf("stage: %w", errors.New("password=hunter2")),
			"failed on our side; it has been logged"},
	} {
		t.Run("Retry: "+tc.name, func(t *testing.T) {
			f := newFixture(t, nil)
			putOrders(t, f.store, 1, nil)
			f.orders.RetryFunc = func(context.Context, int64, string) (feeds.Retried, error) { return feeds.Retried{}, tc.err }
			c := login(t, f.srv, "operator")
			require.Equal(t, http.StatusSeeOther, c.submit("/orders/1000/retry", nil).Code)
			page := c.get("/orders/1000").Body.String()
			require.Contains(t, page, tc.says)
			require.NotContains(t, page, "hunter2")
		})
	}

	t.Run("Retry of an order the ledger does not know is a 404", func(t *testing.T) {
		f := newFixture(t, nil)
		c := login(t, f.srv, "operator")
		require.Equal(t, http.StatusNotFound, c.submit("/orders/42/retry", nil).Code)
	})

	t.Run("Skip needs a reason and passes it with the user", func(t *testing.T) {
		f := newFixture(t, nil)
		putOrders(t, f.store, 1, nil)
		c := login(t, f.srv, "operator")
		c.get("/orders/1000/skip")
		rec := c.submit("/orders/1000/skip", url.Values{"reason": {"  "}})
		require.Equal(t, http.StatusBadRequest, rec.Code)
		require.Contains(t, rec.Body.String(), "Say why the order is skipped")

		type call struct {
			id           int64
			user, reason string
		}
		var got []call
		f.orders.SkipFunc = func(_ context.Context, id int64, user, reason string) error {
			got = append(got, call{id, user, reason})
			return nil
		}
		rec = c.submit("/orders/1000/skip", url.Values{"reason": {" duplicate of #999 "}})
		require.Equal(t, http.StatusSeeOther, rec.Code)
		require.Equal(t, []call{{1000, "otto", "duplicate of #999"}}, got)
		require.Contains(t, c.get("/orders/1000").Body.String(), "Order #1000 was skipped.")
		log, err := f.store.AuditList(context.Background(), erp.AuditListParams{Action: "order.skip"})
		require.NoError(t, err)
		require.Equal(t, "skipped: duplicate of #999", log[0].Detail)
	})

	t.Run("Skip of a staged order says why it was refused", func(t *testing.T) {
		f := newFixture(t, nil)
		putOrders(t, f.store, 1, nil)
		f.orders.SkipFunc = func(context.Context, int64, string, string) error {
			return &passthrough.RecordError{Severity: passthrough.SeverityInfo, Message: "order #1000 is already staged; skip it in the ERP"}
		}
		c := login(t, f.srv, "operator")
		require.Equal(t, http.StatusSeeOther, c.submit("/orders/1000/skip", url.Values{"reason": {"dup"}}).Code)
		require.Contains(t, c.get("/orders/1000").Body.String(), "was not skipped: order #1000 is already staged")
	})

	t.Run("Resolve needs a reason, passes it with the user, and logs it", func(t *testing.T) {
		f := newFixture(t, nil)
		putOrders(t, f.store, 1, func(_ int, e *ledger.Entry) {
			e.Status, e.Severity, e.Problem = ledger.StatusFailed, passthrough.SeverityError, "unknown SKU TS-9"
		})
		c := login(t, f.srv, "operator")
		confirm := c.get("/orders/1000/resolve").Body.String()
		require.Contains(t, confirm, "Its problem — <em>unknown SKU TS-9</em> — was dealt with outside passthrough.")
		rec := c.submit("/orders/1000/resolve", url.Values{"reason": {""}})
		require.Equal(t, http.StatusBadRequest, rec.Code)
		require.Contains(t, rec.Body.String(), "Say how the problem was dealt with")
		var got []string
		f.orders.ResolveFunc = func(_ context.Context, id int64, user, reason string) error {
			got = append(got, fmt.Sprint(id, " ", user, " ", reason))
			return nil
		}
		require.Equal(t, http.StatusSeeOther, c.submit("/orders/1000/resolve", url.Values{"reason": {"entered in the ERP by hand"}}).Code)
		require.Equal(t, []string{"1000 otto entered in the ERP by hand"}, got)
		require.Contains(t, c.get("/orders/1000").Body.String(), "The problem of order #1000 is resolved.")
		log, err := f.store.AuditList(context.Background(), erp.AuditListParams{Action: "order.resolve"})
		require.NoError(t, err)
		require.Equal(t, "resolved: entered in the ERP by hand", log[0].Detail)
	})

	t.Run("without an orders feed the buttons answer 503", func(t *testing.T) {
		f := newFixture(t, func(d *Deps) { d.Stores[0].Orders = nil })
		putOrders(t, f.store, 1, nil)
		c := login(t, f.srv, "operator")
		require.Equal(t, http.StatusServiceUnavailable, c.get("/orders/1000/retry").Code)
		require.Contains(t, c.get("/orders/1000").Body.String(), "The orders feed is not set up")
	})
}

// TestRetriedMessages: what a retry came to is said as it is, never more than happened.
func TestRetriedMessages(t *testing.T) {
	t.Parallel()
	order := func(status ledger.Status, sev passthrough.Severity, problem, imported string) ledger.Entry {
		return ledger.Entry{OrderID: 1001, OrderName: "#1001", Status: status, Severity: sev, Problem: problem,
			ImportStatus: imported, ERPOrderNo: map[bool]string{true: "SO-7"}[imported != ""]}
	}
	for _, tc := range []struct {
		name   string
		before ledger.Entry
		after  feeds.Retried
		kind   string
		says   string
	}{
		{"a failed order that stages now", order(ledger.StatusFailed, passthrough.SeverityError, "no SKU", ""),
			feeds.Retried{Entry: order(ledger.StatusStaged, "", "", ""), Wrote: true, Changed: true}, "good", "Order #1001 is staged now."},
		{"a staged order staged again", order(ledger.StatusStaged, "", "", ""),
			feeds.Retried{Entry: order(ledger.StatusStaged, "", "", ""), Wrote: true, Changed: true}, "good", "Order #1001 was staged again, with the mapping as it is now."},
		{"a staged order that nothing changed", order(ledger.StatusStaged, "", "", ""),
			feeds.Retried{Entry: order(ledger.StatusStaged, "", "", "")}, "warn", "Nothing changed: the staged rows of order #1001 are what the order and the mapping give today."},
		{"an order the ERP imported", order(ledger.StatusStaged, "", "", "imported"),
			feeds.Retried{Entry: order(ledger.StatusStaged, "", "", "imported")}, "warn", "Nothing was staged: the ERP has imported order #1001 as SO-7 already."},
		{"an imported order whose edit is accepted", order(ledger.StatusStaged, passthrough.SeverityError, "edited", "imported"),
			feeds.Retried{Entry: order(ledger.StatusStaged, "", "the change in Shopify was accepted by otto", "imported"), Changed: true},
			"good", "Order #1001: the change in Shopify was accepted by otto."},
		{"an order that still fails", order(ledger.StatusFailed, passthrough.SeverityError, "no SKU", ""),
			feeds.Retried{Entry: order(ledger.StatusFailed, passthrough.SeverityError, "no SKU", "")}, "bad", "Order #1001 still cannot be imported: no SKU"},
		{"an order that is still not paid", order(ledger.StatusWaiting, passthrough.SeverityRetry, "not paid yet", ""),
			feeds.Retried{Entry: order(ledger.StatusWaiting, passthrough.SeverityRetry, "not paid yet", "")}, "warn", "Order #1001 is still waiting: not paid yet"},
		{"a test order", order(ledger.StatusExcluded, passthrough.SeverityInfo, "skipped by ann", ""),
			feeds.Retried{Entry: order(ledger.StatusSkipped, passthrough.SeverityInfo, "a test order", ""), Changed: true}, "warn",
			"Order #1001 is not for import (skipped): a test order"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kind, says := retriedMessage(tc.before, tc.after)
			require.Equal(t, []string{tc.kind, tc.says}, []string{kind, says})
		})
	}
}

func TestHealthz(t *testing.T) {
	t.Parallel()
	t.Run("answers ok when the database answers", func(t *testing.T) {
		f := newFixture(t, nil)
		rec := newClient(t, f.srv).get("/healthz")
		require.Equal(t, http.StatusOK, rec.Code)
		require.Equal(t, "ok\ndatabase: ok\n", rec.Body.String())
	})
	t.Run("answers 503 without the reason when the database does not", func(t *testing.T) {
		f := newFixture(t, func(d *Deps) {
			d.Ping = func(context.Context) error { return errors.New("dial tcp 10.0.0.5:5432: connection refused") }
		})
		rec := newClient(t, f.srv).get("/healthz")
		require.Equal(t, http.StatusServiceUnavailable, rec.Code)
		require.Equal(t, "database: unavailable\n", rec.Body.String())
	})
	t.Run("uses the ping it is given", func(t *testing.T) {
		pinged := 0
		f := newFixture(t, func(d *Deps) {
			d.Ping = func(ctx context.Context) error {
				_, ok := ctx.Deadline()
				require.True(t, ok, "the ping has a deadline")
				pinged++
				return nil
			}
		})
		require.Equal(t, http.StatusOK, newClient(t, f.srv).get("/healthz").Code)
		require.Equal(t, 1, pinged)
	})
}
