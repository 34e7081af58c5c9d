package portal

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/feeds"
	"github.com/passthrough-dev/passthrough/ledger"
)

func TestOrderSearchCountsAndExport(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	people := []string{"Jörg Müller", "Ann Lee", "Hans Mueller"}
	putOrders(t, f.store, 60, func(i int, e *ledger.Entry) {
		e.CustomerName = people[i%3]
		e.SKUs = []string{fmt.Sprintf("TS-%03d", i%4)}
		if i%5 == 0 {
			e.Status, e.Severity, e.Problem = ledger.StatusFailed, passthrough.SeverityError, "unknown SKU TS-9"
		}
		if i == 7 {
			e.Total, e.Currency = e.Total.Mul(e.Total).Mul(e.Total), "JPY"
			e.CustomerName = "=HYPERLINK(\"http://evil.example\")"
		}
	})
	_, err := f.store.DB().ExecContext(context.Background(),
		`INSERT INTO s_orders (shop, web_order_id, import_status, erp_order_no) VALUES ('acme', 1012, 'imported', 'SO-77')`)
	require.NoError(t, err)
	c := login(t, f.srv, "viewer")

	for _, tc := range []struct {
		name, query string
		want        func(i int) bool
	}{
		{"a customer's name, without its accents, any case", "q=MULLER", func(i int) bool { return i%3 == 0 }},
		{"a customer's whole name", "q=" + url.QueryEscape("Jörg Müller"), func(i int) bool { return i%3 == 0 }},
		{"a SKU", "q=ts-002", func(i int) bool { return i%4 == 2 }},
		{"a SKU with a filter", "q=ts-002&status=failed", func(i int) bool { return i%4 == 2 && i%5 == 0 }},
		{"the ERP's order number", "q=SO-77", func(i int) bool { return i == 12 }},
		{"the Shopify id", "q=1033", func(i int) bool { return i == 33 }},
	} {
		t.Run("a search finds "+tc.name, func(t *testing.T) {
			rec := c.get("/orders?" + tc.query)
			require.Equal(t, http.StatusOK, rec.Code)
			var want []string
			for i := 59; i >= 0; i-- {
				if tc.want(i) {
					want = append(want, fmt.Sprint(1000+i))
				}
			}
			require.Equal(t, want, listed(t, rec.Body.String()))
			require.Contains(t, rec.Body.String(), fmt.Sprintf(`<p class="counts" id="count"><strong>%d</strong>`, len(want)))
		})
	}

	t.Run("the list says how many orders match, beyond the page", func(t *testing.T) {
		b := c.get("/orders").Body.String()
		require.Contains(t, b, `<strong>60</strong> orders match; 50 shown.`)
		require.Contains(t, c.get("/orders?status=failed").Body.String(), `<strong>12</strong> orders match; 12 shown.`)
		require.Contains(t, c.get("/orders?q=nobody").Body.String(), `<strong>0</strong> orders match.`)
	})

	t.Run("money is shown in its currency's minor unit, grouped", func(t *testing.T) {
		b := c.get("/orders?q=1007").Body.String()
		require.Contains(t, b, "5,359 JPY", "17.50³ in yen, which has no minor unit")
		require.Contains(t, c.get("/orders?q=1006").Body.String(), "16.50 USD")
	})

	t.Run("the CSV holds every order the filters match, in the store's zone, formulas as text", func(t *testing.T) {
		b := c.get("/orders?q=muller").Body.String()
		require.Contains(t, b, `<a href="/orders.csv?q=muller" id="export" download>Download CSV</a>`)
		rec := c.get("/orders.csv?status=failed")
		require.Equal(t, http.StatusOK, rec.Code)
		require.Equal(t, "text/csv; charset=utf-8", rec.Header().Get("Content-Type"))
		require.Contains(t, rec.Header().Get("Content-Disposition"), `attachment; filename="orders-acme-2026-11-20.csv"`)
		rows, err := csv.NewReader(strings.NewReader(rec.Body.String())).ReadAll()
		require.NoError(t, err)
		require.Len(t, rows, 13, "a header and the 12 failed orders")
		require.Equal(t, []string{"order", "shopify_id", "order_date", "customer", "email", "total", "currency", "status", "severity",
			"erp_import", "erp_order_no", "problem", "updated"}, rows[0])
		require.Equal(t, []string{"#1055", "1055", "2026-10-26 12:00:00 UTC", "Ann Lee", "buyer55@example.com", "65.50", "USD",
			"failed", "error", "", "", "unknown SKU TS-9"}, rows[1][:12])

		all, err := csv.NewReader(strings.NewReader(c.get("/orders.csv").Body.String())).ReadAll()
		require.NoError(t, err)
		require.Len(t, all, 61, "every order, not one page")
		var seven []string
		for _, r := range all {
			if r[1] == "1007" {
				seven = r
			}
		}
		require.Equal(t, `'=HYPERLINK("http://evil.example")`, seven[3], "a formula is written as text")
		require.Equal(t, "5359", seven[5])

		log, err := f.store.AuditList(context.Background(), erp.AuditListParams{Action: "orders.export"})
		require.NoError(t, err)
		require.Len(t, log, 2, "an export of customers' data is logged")
		require.Equal(t, "12 orders; filters: status=failed", log[1].Detail)
	})
}

// addClass records problems of two records of one class, of feed, for the fixture's store.
func addClass(t *testing.T, f *fixture, feed string, keys ...string) erp.ProblemClass {
	t.Helper()
	ctx := context.Background()
	x, err := f.store.ExecutionStart(ctx, erp.ExecutionStartParams{Feed: feed, Shop: testShop, Trigger: "schedule"})
	require.NoError(t, err)
	for _, k := range keys {
		require.NoError(t, f.store.ProblemAdd(ctx, erp.Problem{ExecutionID: x.ID, Feed: feed, Shop: testShop, RecordKey: k,
			Severity: passthrough.SeverityError, Message: "unknown SKU TS-" + k, Template: "unknown SKU X"}))
	}
	classes, err := f.store.ProblemClassList(ctx, erp.ProblemClassListParams{Shop: testShop, Feed: feed})
	require.NoError(t, err)
	return classes[0]
}

func TestProblemsPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	putOrders(t, f.store, 3, func(_ int, e *ledger.Entry) {
		e.Status, e.Severity, e.Problem = ledger.StatusFailed, passthrough.SeverityError, "unknown SKU"
	})
	orders := addClass(t, f, "orders", "1000", "1001", "1002")
	ships := addClass(t, f, "shipments", "SH-1")
	c := login(t, f.srv, "viewer")

	b := c.get("/problems").Body.String()
	require.Contains(t, b, fmt.Sprintf(`<tr data-class-id="%d">`, orders.ID))
	require.Contains(t, b, fmt.Sprintf(`<a href="/problems/%d">unknown SKU X</a>`, orders.ID))
	require.Contains(t, b, `<td data-label="Open" class="num"><strong>3</strong></td>`)
	require.Contains(t, b, "Open a record to see the whole message.", "the class's suggested fix")
	require.NotContains(t, c.get("/problems?feed=orders").Body.String(), fmt.Sprintf(`data-class-id="%d"`, ships.ID))
	require.Equal(t, http.StatusBadRequest, c.get("/problems?feed=nope").Code)

	b = c.get(fmt.Sprintf("/problems/%d", orders.ID)).Body.String()
	require.Contains(t, b, `<p class="template" id="template">unknown SKU X</p>`)
	require.Contains(t, b, `<a href="/orders/1002">1002</a>`)
	require.Contains(t, b, "unknown SKU TS-1002")
	require.NotContains(t, b, `id="retry-class"`, "a viewer gets no bulk actions")
	require.Contains(t, c.get(fmt.Sprintf("/problems/%d", ships.ID)).Body.String(), `<a href="/shipments?shipment=SH-1">SH-1</a>`)
	require.Equal(t, http.StatusNotFound, c.get("/problems/99999").Code)

	t.Run("an operator retries a class: each order again, and is told what came of them", func(t *testing.T) {
		var got []int64
		f.orders.RetryFunc = func(_ context.Context, id int64, user string) (feeds.Retried, error) {
			require.Equal(t, "otto", user)
			got = append(got, id)
			r := retried(t, f.store, id, id != 1001)
			if id != 1001 {
				r.Entry.Status, r.Entry.Severity = ledger.StatusStaged, ""
			}
			return r, nil
		}
		c := login(t, f.srv, "operator")
		c.get(fmt.Sprintf("/problems/%d", orders.ID))
		rec := c.submit(fmt.Sprintf("/problems/%d/retry", orders.ID), nil)
		require.Equal(t, http.StatusSeeOther, rec.Code)
		require.ElementsMatch(t, []int64{1000, 1001, 1002}, got)
		require.Contains(t, c.get(fmt.Sprintf("/problems/%d", orders.ID)).Body.String(), "3 orders retried: 2 went through, 1 still have a problem.")
		log, err := f.store.AuditList(context.Background(), erp.AuditListParams{Action: "problems.retry"})
		require.NoError(t, err)
		require.Equal(t, fmt.Sprintf("class %d", orders.ID), log[0].Target)
	})

	t.Run("an operator retries a class of shipments: they are unsent again and the feed runs", func(t *testing.T) {
		var released []string
		f.shipments.RetryFunc = func(_ context.Context, id string) (int, error) { released = append(released, id); return 2, nil }
		var ran []string
		f.feeds.RunNowFunc = func(shop, name string) error { ran = append(ran, shop+"/"+name); return nil }
		c := login(t, f.srv, "operator")
		c.get(fmt.Sprintf("/problems/%d", ships.ID))
		require.Equal(t, http.StatusSeeOther, c.submit(fmt.Sprintf("/problems/%d/retry", ships.ID), nil).Code)
		require.Equal(t, []string{"SH-1"}, released)
		require.Equal(t, []string{"acme/shipments"}, ran)
		require.Contains(t, c.get(fmt.Sprintf("/problems/%d", ships.ID)).Body.String(), "1 shipments set to unsent; the shipments feed runs now to send them.")
	})

	t.Run("an operator resolves a class with a reason: every open record, and the log says who", func(t *testing.T) {
		c := login(t, f.srv, "operator")
		c.get(fmt.Sprintf("/problems/%d", orders.ID))
		rec := c.submit(fmt.Sprintf("/problems/%d/resolve", orders.ID), url.Values{"reason": {" "}})
		require.Equal(t, http.StatusBadRequest, rec.Code)
		require.Contains(t, rec.Body.String(), "Say how these problems were dealt with")

		var got []string
		f.orders.ResolveFunc = func(ctx context.Context, id int64, user, reason string) error {
			got = append(got, fmt.Sprint(id))
			if id == 1001 {
				return &passthrough.RecordError{Severity: passthrough.SeverityInfo, Message: "no problem"}
			}
			_, err := f.store.ProblemResolve(ctx, erp.ProblemResolveParams{Shop: testShop, Feed: "orders", RecordKey: fmt.Sprint(id),
				Status: erp.ProblemResolved, By: user, Reason: reason})
			return err
		}
		rec = c.submit(fmt.Sprintf("/problems/%d/resolve", orders.ID), url.Values{"reason": {"SKUs added in Shopify"}})
		require.Equal(t, http.StatusSeeOther, rec.Code)
		require.ElementsMatch(t, []string{"1000", "1001", "1002"}, got)
		b := c.get(fmt.Sprintf("/problems/%d", orders.ID)).Body.String()
		require.Contains(t, b, "3 records resolved: SKUs added in Shopify")
		require.Contains(t, b, `<dd id="open-count">0</dd>`)
		require.Contains(t, b, `<td data-label="By">otto</td>`)
		require.NotContains(t, c.get("/problems").Body.String(), fmt.Sprintf(`data-class-id="%d"`, orders.ID), "no open records: off the list")
		require.Contains(t, c.get("/problems?all=1").Body.String(), fmt.Sprintf(`data-class-id="%d"`, orders.ID))

		c.get(fmt.Sprintf("/problems/%d", ships.ID))
		require.Equal(t, http.StatusSeeOther, c.submit(fmt.Sprintf("/problems/%d/resolve", ships.ID), url.Values{"reason": {"sent by hand"}}).Code)
		recs, err := f.store.ProblemRecordList(context.Background(), erp.ProblemRecordListParams{Shop: testShop, Feed: "shipments"})
		require.NoError(t, err)
		require.Equal(t, []string{erp.ProblemResolved, "otto", "sent by hand"}, []string{recs[0].Status, recs[0].ResolvedBy, recs[0].Resolution})

		log, err := f.store.AuditList(context.Background(), erp.AuditListParams{Action: "problems.resolve"})
		require.NoError(t, err)
		require.Len(t, log, 2)
		require.Equal(t, "otto", log[1].Actor)
	})

	t.Run("a viewer may not act on a class", func(t *testing.T) {
		c := login(t, f.srv, "viewer")
		c.get("/problems")
		require.Equal(t, http.StatusForbidden, c.submit(fmt.Sprintf("/problems/%d/retry", orders.ID), nil).Code)
	})
}

func TestShipmentsPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	for _, row := range []string{
		`('SH-1', 1, 'acme', 1000, 'TS-001', 2, '1Z1', 'UPS', 'https://ups.example/1Z1', '2026-11-02 10:00:00.000', 'sent', NULL, '2026-11-02 10:05:00.000')`,
		`('SH-2', 1, 'acme', 1001, 'TS-009', 1, '1Z2', 'UPS', NULL, '2026-11-03 10:00:00.000', 'error', 'SKU TS-009 is not on #1001', '2026-11-03 10:05:00.000')`,
		`('SH-2', 2, 'acme', 1001, 'MUG-1', 1, '1Z2', 'UPS', NULL, '2026-11-03 10:00:00.000', 'error', 'SKU TS-009 is not on #1001', '2026-11-03 10:05:00.000')`,
		`('SH-3', 1, 'acme', 1002, 'TS-001', 1, '1Z3', 'DHL', NULL, NULL, NULL, NULL, NULL)`,
		`('SH-4', 1, 'globex', 1003, 'TS-001', 1, '1Z4', 'DHL', NULL, NULL, 'error', 'other store', NULL)`,
	} {
		_, err := f.store.DB().ExecContext(ctx, `INSERT INTO external_order_shipments (shipment_id, line_no, shop, web_order_id, item_code,
			quantity, tracking_number, carrier, tracking_url, ship_date, sync_status, sync_error, synced_at) VALUES `+row)
		require.NoError(t, err)
	}
	require.NoError(t, f.store.ShipmentFulfillmentAdd(ctx, erp.ShipmentFulfillment{Shop: testShop, ShipmentID: "SH-1", FulfillmentID: 77, Name: "#1000.1"}))
	c := login(t, f.srv, "viewer")

	b := c.get("/shipments").Body.String()
	require.Contains(t, b, `<tr data-shipment-id="SH-3">`)
	require.NotContains(t, b, "SH-4", "another store's shipments are not listed")
	require.Less(t, strings.Index(b, "SH-3"), strings.Index(b, "SH-1"), "the highest id first")
	require.Contains(t, b, `<a href="https://ups.example/1Z1" rel="noreferrer noopener" target="_blank">1Z1</a>`)
	require.Contains(t, b, `<td data-label="Made"><div>#1000.1</div></td>`, "the fulfillment the shipment made")
	require.Contains(t, b, `<div>TS-009 × 1</div><div>MUG-1 × 1</div>`, "a shipment's rows together")
	require.Contains(t, b, `<div class="problem">SKU TS-009 is not on #1001</div>`)
	require.NotContains(t, b, "data-retry-shipment", "a viewer gets no Retry")
	errs := c.get("/shipments?status=error").Body.String()
	require.Contains(t, errs, "SH-2")
	require.NotContains(t, errs, `data-shipment-id="SH-1"`)
	require.Contains(t, c.get("/shipments?order=1002").Body.String(), `data-shipment-id="SH-3"`)
	require.Contains(t, c.get("/shipments?status=unsent").Body.String(), `data-shipment-id="SH-3"`)
	require.Equal(t, http.StatusBadRequest, c.get("/shipments?status=lost").Code)
	require.Equal(t, http.StatusBadRequest, c.get("/shipments?order=abc").Code)

	t.Run("Retry is offered for a refused shipment, sets it to send and starts the feed", func(t *testing.T) {
		c := login(t, f.srv, "operator")
		b := c.get("/shipments").Body.String()
		require.Contains(t, b, `data-retry-shipment="SH-2"`)
		require.NotContains(t, b, `data-retry-shipment="SH-1"`, "a sent shipment is not retried")
		var got []string
		f.shipments.RetryFunc = func(_ context.Context, id string) (int, error) { got = append(got, id); return 2, nil }
		f.feeds.RunNowFunc = func(shop, name string) error {
			return fmt.Errorf("%w: elsewhere", feeds.ErrAlreadyRunning)
		}
		rec := c.submit("/shipments/SH-2/retry", nil)
		require.Equal(t, http.StatusSeeOther, rec.Code)
		require.Equal(t, "/shipments?shipment=SH-2", rec.Header().Get("Location"))
		require.Equal(t, []string{"SH-2"}, got)
		require.Contains(t, c.get("/shipments?shipment=SH-2").Body.String(),
			"Shipment SH-2 (2 rows) is unsent again; the shipments feed is running, and its next run sends it.")
		log, err := f.store.AuditList(ctx, erp.AuditListParams{Action: "shipment.retry"})
		require.NoError(t, err)
		require.Equal(t, []string{"otto", "shipment SH-2", "2 rows set to unsent"}, []string{log[0].Actor, log[0].Target, log[0].Detail})

		f.shipments.RetryFunc = func(context.Context, string) (int, error) { return 0, fmt.Errorf("retry: %w", erp.ErrNotFound) }
		rec = c.submit("/shipments/SH-1/retry", url.Values{"back": {"order"}, "order": {"1000"}})
		require.Equal(t, "/orders/1000", rec.Header().Get("Location"), "from an order's page, back to it")
		require.Contains(t, c.get("/orders/1000").Body.String(), "Shipment SH-1 was not retried: it is not marked error or test")

		f.shipments.RetryFunc = func(context.Context, string) (int, error) { return 0, errors.New("dial tcp 10.0.0.9:1433") }
		c.submit("/shipments/SH-2/retry", nil)
		page := c.get("/shipments").Body.String()
		require.Contains(t, page, "Retrying shipment SH-2 failed on our side; it has been logged.")
		require.NotContains(t, page, "10.0.0.9")
	})

	t.Run("without a shipments feed Retry answers 503", func(t *testing.T) {
		f := newFixture(t, func(d *Deps) { d.Stores[0].Shipments = nil })
		c := login(t, f.srv, "operator")
		c.get("/shipments")
		require.Equal(t, http.StatusServiceUnavailable, c.submit("/shipments/SH-2/retry", nil).Code)
	})
}

func TestAuditPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	for _, e := range []erp.AuditEntry{
		{Shop: testShop, Actor: "otto", Action: "order.retry", Target: "order 1000", Detail: "Order #1000 is staged now."},
		{Shop: "globex", Actor: "otto", Action: "order.retry", Target: "order 9", Detail: "another store"},
		{Actor: "ada", Action: "user.role", Target: "user otto", Detail: "operator → admin"},
		{Shop: testShop, Actor: "ann", Action: "shipment.retry", Target: "shipment SH-2", Detail: "<b>2 rows</b>"},
	} {
		require.NoError(t, f.store.AuditAdd(ctx, e))
	}
	require.Equal(t, http.StatusForbidden, login(t, f.srv, "viewer").get("/audit").Code, "the log is for operators")
	c := login(t, f.srv, "operator")
	b := c.get("/audit").Body.String()
	require.Contains(t, b, `<td data-label="On"><a href="/orders/1000">order 1000</a></td>`)
	require.Contains(t, b, `<td data-label="On"><a href="/shipments?shipment=SH-2">shipment SH-2</a></td>`)
	require.Contains(t, b, "operator → admin", "what concerns no store is shown with every store")
	require.NotContains(t, b, "another store")
	require.Contains(t, b, "&lt;b&gt;2 rows&lt;/b&gt;")
	require.Less(t, strings.Index(b, "shipment SH-2"), strings.Index(b, "order 1000"), "newest first")
	only := c.get("/audit?actor=ann").Body.String()
	require.Contains(t, only, "shipment SH-2")
	require.NotContains(t, only, "order 1000")
	require.NotContains(t, c.get("/audit?action=user.role").Body.String(), "shipment SH-2")
	require.Equal(t, http.StatusBadRequest, c.get("/audit?before=x").Code)

	t.Run("every action an operator takes is in it, with who and what came of it", func(t *testing.T) {
		f.feeds.RunNowFunc = func(string, string) error { return nil }
		f.stock.SyncNowFunc = func() error { return nil }
		c.get("/feeds")
		c.submit("/feeds/orders/run", nil)
		c.submit("/stock/sync", nil)
		log, err := f.store.AuditList(ctx, erp.AuditListParams{Shops: []string{testShop}, Limit: 2})
		require.NoError(t, err)
		require.Equal(t, []string{"otto stock.sync inventory", "otto feed.run task orders"},
			[]string{log[0].Actor + " " + log[0].Action + " " + log[0].Target, log[1].Actor + " " + log[1].Action + " " + log[1].Target})
	})
}
