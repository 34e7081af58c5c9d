package erptest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/ledger"
	"github.com/passthrough-dev/passthrough/record"
)

// runOperator covers what the operator's portal reads and writes: the order as staged,
// search and counts, problem classes and records, the audit log, shipments.
func runOperator(t *testing.T, open Opener) {
	runStaged(t, open)
	runSearch(t, open)
	runProblemClasses(t, open)
	runAudit(t, open)
	runShipmentList(t, open)
}

func runStaged(t *testing.T, open Opener) {
	t.Run("OrderStagedGet reads the order as the tables hold it, every column, with what the ERP wrote", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		p := Order("acme", 1001, 3)
		require.NoError(t, b.store.OrderStage(b.ctx, p))
		b.exec(t, "UPDATE s_orders SET import_status = ?1, erp_order_no = ?2, payment_terms = ?3 WHERE web_order_id = ?4",
			"imported", "SO-77", "NET45", int64(1001))
		b.exec(t, "DELETE FROM s_order_details WHERE web_order_id = ?1 AND line_no = ?2", int64(1001), int64(2))

		got, err := b.store.OrderStagedGet(b.ctx, erp.OrderStagedGetParams{Header: p.Header, Lines: p.Lines, Shop: "acme", OrderID: 1001})
		require.NoError(t, err)
		cols, err := b.store.TableColumns(b.ctx, "s_orders")
		require.NoError(t, err)
		require.Len(t, got.HeaderRow.Columns, len(cols), "every column of the table")
		value := func(r passthrough.Row, c string) any {
			v, ok := r.Get(c)
			require.True(t, ok, c)
			return v
		}
		require.Equal(t, "NET45", value(got.HeaderRow, "payment_terms"), "as the table holds it now, not as it was written")
		require.Equal(t, "imported", value(got.HeaderRow, "import_status"))
		require.Equal(t, "SO-77", value(got.HeaderRow, "erp_order_no"))
		require.Equal(t, int64(1001), value(got.HeaderRow, "web_order_id"))
		require.True(t, decimal.RequireFromString("254.98").Equal(value(got.HeaderRow, "order_total").(decimal.Decimal)))
		require.Equal(t, time.Date(2026, 11, 20, 14, 3, 9, 0, time.UTC), value(got.HeaderRow, "order_date"))
		require.Equal(t, false, value(got.HeaderRow, "cancelled"))
		require.Nil(t, value(got.HeaderRow, "bill_to_address2"))
		require.Len(t, got.LineRows, 2, "the line the ERP removed is not shown")
		require.Equal(t, []any{int64(1), int64(3)}, []any{value(got.LineRows[0], "line_no"), value(got.LineRows[1], "line_no")}, "in key order")
		require.Equal(t, "SKU-003", value(got.LineRows[1], "item_code"))

		_, err = b.store.OrderStagedGet(b.ctx, erp.OrderStagedGetParams{Header: p.Header, Lines: p.Lines, Shop: "acme", OrderID: 404})
		require.ErrorIs(t, err, erp.ErrNotFound)
		_, err = b.store.OrderStagedGet(b.ctx, erp.OrderStagedGetParams{Header: p.Header, Lines: p.Lines, Shop: "other", OrderID: 1001})
		require.ErrorIs(t, err, erp.ErrNotFound, "another shop's order is not this one")
	})

	t.Run("OrderStagedGet reads an ERP's own tables: its flags, money and dates as they hold them", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open, erp.WithHeaderTable("web_orders"))
		createCustomerTables(t, b)
		p := CustomerOrder("acme", 1001)
		require.NoError(t, b.store.OrderStage(b.ctx, p))
		got, err := b.store.OrderStagedGet(b.ctx, erp.OrderStagedGetParams{Header: p.Header, Lines: p.Lines, Shop: "ACME", OrderID: 1001})
		require.NoError(t, err, "the key compares as the table compares it: ignoring case")
		flag, _ := got.HeaderRow.Get("print_pick_sheet")
		require.Equal(t, "Y", flag, "a CHAR(1) flag reads as the ERP keeps it")
		id, _ := got.HeaderRow.Get("id")
		require.IsType(t, int64(0), id, "the identity the database filled")
		total, _ := got.HeaderRow.Get("order_total")
		require.True(t, decimal.RequireFromString("254.98").Equal(total.(decimal.Decimal)))
		require.Len(t, got.LineRows, 2)
		sku, _ := got.LineRows[1].Get("sku")
		require.Equal(t, "MUG-CERAMIC-350", sku)
	})
}

func runSearch(t *testing.T, open Opener) {
	// The entries: order 100+i is "#100i", customer people[i%4], SKUs per line; every third
	// one failed.
	people := []string{"Jörg Müller", "Ann Lee", "Hans MUELLER", "Zoë Ørsted"}
	fill := func(t *testing.T, b *bundle, n int) {
		for i := range n {
			e := ledger.Entry{Shop: "acme", OrderID: int64(100 + i), OrderName: fmt.Sprintf("#%d", 100+i), CustomerName: people[i%4],
				CustomerEmail: fmt.Sprintf("c%d@example.com", i), Status: ledger.StatusWaiting, Severity: passthrough.SeverityRetry,
				Problem: "not paid yet", SKUs: []string{fmt.Sprintf("TS-%03d", i%5), "MUG-1"}}
			if i%3 == 0 {
				e.Status, e.Severity, e.Problem = ledger.StatusFailed, passthrough.SeverityError, "unknown SKU"
			}
			require.NoError(t, b.store.LedgerPut(b.ctx, e))
		}
		require.NoError(t, b.store.LedgerPut(b.ctx, ledger.Entry{Shop: "other", OrderID: 100, CustomerName: "Jörg Müller",
			Status: ledger.StatusWaiting, SKUs: []string{"TS-000"}}))
	}
	ids := func(t *testing.T, b *bundle, p erp.LedgerListParams) []int64 {
		var out []int64
		for {
			page, err := b.store.LedgerList(b.ctx, p)
			require.NoError(t, err)
			for _, e := range page {
				out = append(out, e.OrderID)
			}
			if len(page) < limitOf(p) {
				return out
			}
			p.After = page[len(page)-1].Cursor()
		}
	}

	t.Run("a search finds names and SKUs by whole words, ignoring case and accents, newest order first", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		fill(t, b, 20)
		for _, tc := range []struct {
			search string
			want   []int64
		}{
			{"müller", []int64{116, 112, 108, 104, 100}},
			{"MULLER", []int64{116, 112, 108, 104, 100}},
			{"jörg müller", []int64{116, 112, 108, 104, 100}},
			{"mueller", []int64{118, 114, 110, 106, 102}},
			{"hans müller", nil},
			{"zoe", []int64{119, 115, 111, 107, 103}},
			{"ts-003", []int64{118, 113, 108, 103}},
			{"MUG-1", []int64{119, 118, 117, 116, 115, 114, 113, 112, 111, 110, 109, 108, 107, 106, 105, 104, 103, 102, 101, 100}},
			{"müll", nil},
		} {
			require.Equal(t, tc.want, ids(t, b, erp.LedgerListParams{Shop: "acme", Search: tc.search, Limit: 3}), tc.search)
		}
		require.Equal(t, []int64{117, 113, 105, 101}, ids(t, b, erp.LedgerListParams{Shop: "acme", Search: "ann", Status: ledger.StatusWaiting, Limit: 2}),
			"with a filter, which each lookup applies before it stops")
		require.Equal(t, []int64{118, 115, 112, 109, 106, 103, 100}, ids(t, b, erp.LedgerListParams{Shop: "acme", Search: "MUG-1",
			Status: ledger.StatusFailed, Limit: 3}))
	})

	t.Run("a search finds the Shopify id, the order name, the email and the ERP's order number", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		fill(t, b, 12)
		p := Order("acme", 107, 1)
		p.Ledger.CustomerName = people[3]
		require.NoError(t, b.store.OrderStage(b.ctx, p))
		b.exec(t, "UPDATE s_orders SET import_status = ?1, erp_order_no = ?2 WHERE web_order_id = ?3", "imported", "SO-4711", int64(107))
		for _, tc := range []struct {
			search string
			want   []int64
		}{
			{"SO-4711", []int64{107}},
			{"109", []int64{109}},
			{"#110", []int64{110}},
			{"c11@", []int64{111}},
		} {
			require.Equal(t, tc.want, ids(t, b, erp.LedgerListParams{Shop: "acme", Search: tc.search, Limit: 10}), tc.search)
		}
		page, err := b.store.LedgerList(b.ctx, erp.LedgerListParams{Shop: "acme", Search: "SO-4711"})
		require.NoError(t, err)
		require.Equal(t, "SO-4711", page[0].ERPOrderNo)
	})

	t.Run("an entry written without SKUs keeps its terms; one with SKUs replaces them", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		fill(t, b, 4)
		e, err := b.store.LedgerGet(b.ctx, "acme", 100)
		require.NoError(t, err)
		require.Nil(t, e.SKUs, "the ledger does not read them back")
		e.Exclude("ann", "duplicate")
		require.NoError(t, b.store.LedgerPut(b.ctx, e))
		require.Equal(t, []int64{100}, ids(t, b, erp.LedgerListParams{Shop: "acme", Search: "ts-000", Limit: 10}))
		e.SKUs, e.CustomerName = []string{"NEW-1"}, "Kim Park"
		require.NoError(t, b.store.LedgerPut(b.ctx, e))
		require.Empty(t, ids(t, b, erp.LedgerListParams{Shop: "acme", Search: "ts-000", Limit: 10}))
		require.Empty(t, ids(t, b, erp.LedgerListParams{Shop: "acme", Search: "jörg", Limit: 10}))
		require.Equal(t, []int64{100}, ids(t, b, erp.LedgerListParams{Shop: "acme", Search: "new-1", Limit: 10}))
		require.Equal(t, []int64{100}, ids(t, b, erp.LedgerListParams{Shop: "acme", Search: "park", Limit: 10}))
	})

	t.Run("LedgerCount counts what the list pages through, up to its limit", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		fill(t, b, 20)
		for _, tc := range []struct {
			p    erp.LedgerListParams
			want int
		}{
			{erp.LedgerListParams{Shop: "acme"}, 20},
			{erp.LedgerListParams{Shop: "acme", Status: ledger.StatusFailed}, 7},
			{erp.LedgerListParams{Shop: "acme", Severity: passthrough.SeverityRetry}, 13},
			{erp.LedgerListParams{Shop: "acme", Search: "müller"}, 5},
			{erp.LedgerListParams{Shop: "acme", Search: "müller", Status: ledger.StatusFailed}, 2},
			{erp.LedgerListParams{Shop: "acme", Limit: 8}, 8},
			{erp.LedgerListParams{Shop: "acme", Search: "MUG-1", Limit: 8}, 8},
			{erp.LedgerListParams{Shop: "acme", After: &ledger.Cursor{OrderID: 105}}, 20},
			{erp.LedgerListParams{Shop: "none"}, 0},
		} {
			n, err := b.store.LedgerCount(b.ctx, tc.p)
			require.NoError(t, err)
			require.Equal(t, tc.want, n, "%+v", tc.p)
		}
		_, err := b.store.LedgerCount(b.ctx, erp.LedgerListParams{})
		require.ErrorIs(t, err, erp.ErrInvalidValue)
	})

	t.Run("LedgerEventAdd adds history and leaves the entry as it is", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		fill(t, b, 1)
		before, err := b.store.LedgerGet(b.ctx, "acme", 100)
		require.NoError(t, err)
		require.NoError(t, b.store.LedgerEventAdd(b.ctx, ledger.Event{Shop: "acme", OrderID: 100, Status: ledger.StatusFailed,
			Severity: passthrough.SeverityError, Message: "retried by otto; nothing changed", Actor: "otto"}))
		after, err := b.store.LedgerGet(b.ctx, "acme", 100)
		require.NoError(t, err)
		require.Equal(t, before, after)
		events, err := b.store.LedgerEventList(b.ctx, "acme", 100)
		require.NoError(t, err)
		require.Len(t, events, 2)
		require.Equal(t, "otto", events[1].Actor)
		require.Equal(t, "retried by otto; nothing changed", events[1].Message)
		require.False(t, events[1].At.IsZero())

		err = b.store.LedgerEventAdd(b.ctx, ledger.Event{Shop: "acme", OrderID: 404, Status: ledger.StatusFailed})
		require.ErrorIs(t, err, erp.ErrNotFound)
		err = b.store.LedgerEventAdd(b.ctx, ledger.Event{Shop: "acme", OrderID: 100, Status: "bad"})
		require.ErrorIs(t, err, erp.ErrInvalidValue)
	})
}

func limitOf(p erp.LedgerListParams) int {
	if p.Limit <= 0 {
		return 50
	}
	return p.Limit
}

func runProblemClasses(t *testing.T, open Opener) {
	add := func(t *testing.T, b *bundle, run int64, feed, key string, sev passthrough.Severity, msg, template string) {
		t.Helper()
		require.NoError(t, b.store.ProblemAdd(b.ctx, erp.Problem{ExecutionID: run, Feed: feed, Shop: "acme", RecordKey: key,
			Severity: sev, Message: msg, Template: template}))
	}
	run := func(t *testing.T, b *bundle, feed string) int64 {
		x, err := b.store.ExecutionStart(b.ctx, erp.ExecutionStartParams{Feed: feed, Shop: "acme", Trigger: "schedule", At: b.clock.Now()})
		require.NoError(t, err)
		return x.ID
	}

	t.Run("problems are counted in classes by feed, severity and template, each record's problem open until resolved", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		r1 := run(t, b, "orders")
		add(t, b, r1, "orders", "1001", passthrough.SeverityError, "unknown SKU A-1", "unknown SKU X")
		add(t, b, r1, "orders", "1002", passthrough.SeverityError, "unknown SKU B-2", "unknown SKU X")
		add(t, b, r1, "orders", "1003", passthrough.SeverityRetry, "not paid yet", "")
		add(t, b, r1, "orders", "1004", passthrough.SeverityInfo, "a test order", "")
		r2 := run(t, b, "orders")
		add(t, b, r2, "orders", "1001", passthrough.SeverityError, "unknown SKU A-1", "unknown SKU X")
		s := run(t, b, "shipments")
		add(t, b, s, "shipments", "SH-1", passthrough.SeverityError, "unknown SKU A-1", "unknown SKU X")

		classes, err := b.store.ProblemClassList(b.ctx, erp.ProblemClassListParams{Shop: "acme"})
		require.NoError(t, err)
		require.Len(t, classes, 4, "the shipments' class is another, though its words are the same")
		type summary struct {
			feed     string
			sev      passthrough.Severity
			template string
			seen     int
			open     int
		}
		var got []summary
		for _, c := range classes {
			got = append(got, summary{c.Feed, c.Severity, c.Template, c.Occurrences, c.Open})
			require.False(t, c.FirstSeenAt.After(c.LastSeenAt))
		}
		require.Equal(t, []summary{
			{"shipments", passthrough.SeverityError, "unknown SKU X", 1, 1},
			{"orders", passthrough.SeverityError, "unknown SKU X", 3, 2},
			{"orders", passthrough.SeverityInfo, "a test order", 1, 0},
			{"orders", passthrough.SeverityRetry, "not paid yet", 1, 1},
		}, got, "the most recently seen first")
		skus := classes[1]
		require.True(t, skus.LastSeenAt.After(skus.FirstSeenAt))

		probs, err := b.store.ProblemList(b.ctx, erp.ProblemListParams{Shop: "acme", ExecutionID: r2})
		require.NoError(t, err)
		require.Len(t, probs, 1)
		require.Equal(t, skus.ID, probs[0].ClassID, "every problem says its class")

		recs, err := b.store.ProblemRecordList(b.ctx, erp.ProblemRecordListParams{Shop: "acme", ClassID: skus.ID})
		require.NoError(t, err)
		require.Len(t, recs, 2)
		require.Equal(t, "1001", recs[0].RecordKey, "the most recently seen first")
		require.Equal(t, 2, recs[0].Occurrences)
		require.Equal(t, r2, recs[0].ExecutionID)
		require.Equal(t, erp.ProblemOpen, recs[0].Status)
		require.Equal(t, "unknown SKU A-1", recs[0].Message)

		got1, err := b.store.ProblemClassGet(b.ctx, "acme", skus.ID)
		require.NoError(t, err)
		require.Equal(t, skus, got1)
		_, err = b.store.ProblemClassGet(b.ctx, "other", skus.ID)
		require.ErrorIs(t, err, erp.ErrNotFound, "a class of another shop does not exist for this one")

		news, err := b.store.ProblemClassList(b.ctx, erp.ProblemClassListParams{Shop: "acme", Since: skus.LastSeenAt})
		require.NoError(t, err)
		require.Len(t, news, 1, "new classes since a time: first seen at or after it")
		require.Equal(t, "shipments", news[0].Feed)
		open, err := b.store.ProblemClassList(b.ctx, erp.ProblemClassListParams{Shop: "acme", Feed: "orders", OpenOnly: true})
		require.NoError(t, err)
		require.Len(t, open, 2)
		errs, err := b.store.ProblemClassList(b.ctx, erp.ProblemClassListParams{Shop: "acme", Severity: passthrough.SeverityRetry})
		require.NoError(t, err)
		require.Len(t, errs, 1)
	})

	t.Run("a record's problem ends when a person resolves it or the record goes through, and opens again with a new one", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		r := run(t, b, "orders")
		for _, key := range []string{"1", "2", "3", "4"} {
			add(t, b, r, "orders", key, passthrough.SeverityError, "unknown SKU "+key, "unknown SKU X")
		}
		class, err := b.store.ProblemClassList(b.ctx, erp.ProblemClassListParams{Shop: "acme"})
		require.NoError(t, err)
		id := class[0].ID

		n, err := b.store.ProblemResolve(b.ctx, erp.ProblemResolveParams{Shop: "acme", Feed: "orders", RecordKey: "1",
			Status: erp.ProblemResolved, By: "ann", Reason: " entered in the ERP by hand "})
		require.NoError(t, err)
		require.Equal(t, 1, n)
		n, err = b.store.ProblemResolve(b.ctx, erp.ProblemResolveParams{Shop: "acme", Feed: "orders", RecordKey: "1",
			Status: erp.ProblemResolved, By: "bob", Reason: "again"})
		require.NoError(t, err)
		require.Zero(t, n, "only an open problem is resolved")
		n, err = b.store.ProblemResolve(b.ctx, erp.ProblemResolveParams{Shop: "acme", Feed: "orders", RecordKey: "2", Status: erp.ProblemSucceeded})
		require.NoError(t, err)
		require.Equal(t, 1, n)
		add(t, b, r, "orders", "3", passthrough.SeverityInfo, "cancelled before import", "")

		recs, err := b.store.ProblemRecordList(b.ctx, erp.ProblemRecordListParams{Shop: "acme", ClassID: id})
		require.NoError(t, err)
		byKey := map[string]erp.ProblemRecord{}
		for _, rec := range recs {
			byKey[rec.RecordKey] = rec
		}
		require.Equal(t, erp.ProblemResolved, byKey["1"].Status)
		require.Equal(t, "ann", byKey["1"].ResolvedBy)
		require.Equal(t, "entered in the ERP by hand", byKey["1"].Resolution)
		require.False(t, byKey["1"].ResolvedAt.IsZero())
		require.Equal(t, erp.ProblemSucceeded, byKey["2"].Status)
		require.Empty(t, byKey["2"].ResolvedBy, "the record went through by itself")
		require.Equal(t, erp.ProblemSucceeded, byKey["3"].Status, "a business rule's no leaves nothing to resolve")
		require.Equal(t, erp.ProblemOpen, byKey["4"].Status)
		c, err := b.store.ProblemClassGet(b.ctx, "acme", id)
		require.NoError(t, err)
		require.Equal(t, 1, c.Open)

		add(t, b, r, "orders", "1", passthrough.SeverityError, "s_orders.comment: too long", "s_orders.comment: too long")
		open, err := b.store.ProblemRecordList(b.ctx, erp.ProblemRecordListParams{Shop: "acme", Feed: "orders", Status: erp.ProblemOpen})
		require.NoError(t, err)
		require.Len(t, open, 2)
		require.Equal(t, "1", open[0].RecordKey, "a new problem opens the record again")
		require.NotEqual(t, id, open[0].ClassID, "in the class of its new problem")
		require.Empty(t, open[0].ResolvedBy)

		n, err = b.store.ProblemResolve(b.ctx, erp.ProblemResolveParams{Shop: "acme", Feed: "orders", ClassID: id,
			Status: erp.ProblemResolved, By: "ann", Reason: "fixed in Shopify"})
		require.NoError(t, err)
		require.Equal(t, 1, n, "a class's open records at once")
	})

	t.Run("a pass over every record ends the problems it did not find again", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		r := run(t, b, "inventory")
		add(t, b, r, "inventory", "A@1", passthrough.SeverityError, "SKU A is on no Shopify variant", "SKU X is on no Shopify variant")
		add(t, b, r, "inventory", "B@1", passthrough.SeverityError, "SKU B is on no Shopify variant", "SKU X is on no Shopify variant")
		start := b.clock.Now()
		add(t, b, r, "inventory", "B@1", passthrough.SeverityError, "SKU B is on no Shopify variant", "SKU X is on no Shopify variant")
		n, err := b.store.ProblemResolve(b.ctx, erp.ProblemResolveParams{Shop: "acme", Feed: "inventory", SeenBefore: start, Status: erp.ProblemSucceeded})
		require.NoError(t, err)
		require.Equal(t, 1, n)
		open, err := b.store.ProblemRecordList(b.ctx, erp.ProblemRecordListParams{Shop: "acme", Feed: "inventory", Status: erp.ProblemOpen})
		require.NoError(t, err)
		require.Len(t, open, 1)
		require.Equal(t, "B@1", open[0].RecordKey)
	})

	t.Run("records page by when they were last seen", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		r := run(t, b, "orders")
		for i := range 7 {
			add(t, b, r, "orders", fmt.Sprintf("%d", 100+i), passthrough.SeverityError, "unknown SKU", "")
		}
		var keys []string
		p := erp.ProblemRecordListParams{Shop: "acme", Feed: "orders", Limit: 3}
		for {
			page, err := b.store.ProblemRecordList(b.ctx, p)
			require.NoError(t, err)
			for _, rec := range page {
				keys = append(keys, rec.RecordKey)
			}
			if len(page) < 3 {
				break
			}
			p.After = &page[len(page)-1]
		}
		require.Equal(t, []string{"106", "105", "104", "103", "102", "101", "100"}, keys)
	})

	t.Run("bad problems and resolutions are refused", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		require.ErrorIs(t, b.store.ProblemAdd(b.ctx, erp.Problem{Shop: "acme", Severity: passthrough.SeverityError}), erp.ErrInvalidValue)
		for _, p := range []erp.ProblemResolveParams{
			{Shop: "acme", RecordKey: "1", Status: erp.ProblemResolved},
			{Shop: "acme", Feed: "orders", RecordKey: "1", Status: erp.ProblemOpen},
			{Shop: "acme", Feed: "orders", Status: erp.ProblemResolved},
		} {
			_, err := b.store.ProblemResolve(b.ctx, p)
			require.ErrorIs(t, err, erp.ErrInvalidValue, "%+v", p)
		}
		_, err := b.store.ProblemRecordList(b.ctx, erp.ProblemRecordListParams{Shop: "acme"})
		require.ErrorIs(t, err, erp.ErrInvalidValue)
	})
}

func runAudit(t *testing.T, open Opener) {
	t.Run("the audit log keeps who did what to what, newest first, by store", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		for i, e := range []erp.AuditEntry{
			{Shop: "acme", Actor: "otto", Action: "order.retry", Target: "order 1001", Detail: "staged"},
			{Shop: "acme", Actor: "ann", Action: "order.skip", Target: "order 1002", Detail: "duplicate of #999"},
			{Shop: "globex", Actor: "otto", Action: "order.retry", Target: "order 7"},
			{Actor: "ada", Action: "user.role", Target: "user otto", Detail: "operator → admin"},
			{Shop: "acme", Actor: "otto", Action: "shipment.retry", Target: "shipment SH-1", Detail: strings.Repeat("x", 3000)},
		} {
			if i == 0 {
				e.At = time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
			}
			require.NoError(t, b.store.AuditAdd(b.ctx, e))
		}
		list := func(p erp.AuditListParams) []string {
			got, err := b.store.AuditList(b.ctx, p)
			require.NoError(t, err)
			var out []string
			for _, e := range got {
				require.False(t, e.At.IsZero())
				require.NotZero(t, e.ID)
				out = append(out, e.Actor+" "+e.Action+" "+e.Target)
			}
			return out
		}
		require.Equal(t, []string{"otto shipment.retry shipment SH-1", "ada user.role user otto", "ann order.skip order 1002", "otto order.retry order 1001"},
			list(erp.AuditListParams{Shops: []string{"acme", ""}}))
		require.Equal(t, []string{"otto shipment.retry shipment SH-1", "otto order.retry order 1001"},
			list(erp.AuditListParams{Shops: []string{"acme"}, Actor: "otto"}))
		require.Equal(t, []string{"otto order.retry order 7", "otto order.retry order 1001"}, list(erp.AuditListParams{Action: "order.retry"}))
		all, err := b.store.AuditList(b.ctx, erp.AuditListParams{Limit: 2})
		require.NoError(t, err)
		require.Len(t, all, 2)
		require.Len(t, []rune(all[0].Detail), 2000, "a long detail is cut to its column")
		older, err := b.store.AuditList(b.ctx, erp.AuditListParams{BeforeID: all[1].ID})
		require.NoError(t, err)
		require.Len(t, older, 3)
		require.Equal(t, time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC), older[2].At)
		require.Equal(t, "staged", older[2].Detail)

		require.ErrorIs(t, b.store.AuditAdd(b.ctx, erp.AuditEntry{Action: "order.retry"}), erp.ErrInvalidValue)
		require.ErrorIs(t, b.store.AuditAdd(b.ctx, erp.AuditEntry{Actor: "otto"}), erp.ErrInvalidValue)
	})
}

func runShipmentList(t *testing.T, open Opener) {
	t.Run("shipments are listed whole, highest id first, with their sync status, and pages by id", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		day := time.Date(2026, 11, 10, 8, 0, 0, 0, time.UTC)
		b.addShipmentRow(t, "S1", 1, "acme", day, nil)
		b.addShipmentRow(t, "S1", 2, "acme", day, nil)
		b.addShipmentRow(t, "S2", 1, "acme", day, "sent")
		b.addShipmentRow(t, "S3", 1, "acme", day, "error")
		b.addShipmentRow(t, "S4", 1, "other", day, "error")
		require.NoError(t, b.store.ShipmentMark(b.ctx, erp.ShipmentMarkParams{ShipmentID: "S3", Status: erp.ShipmentError,
			Error: "Shopify refused the fulfillment", At: day.Add(time.Hour)}))

		keys := func(rows []record.ShipmentRow) []string {
			var out []string
			for _, r := range rows {
				out = append(out, fmt.Sprintf("%s/%d %s", r.ShipmentID, r.LineNo, r.SyncStatus))
			}
			return out
		}
		list := func(p erp.ShipmentListParams) []record.ShipmentRow {
			rows, err := b.store.ShipmentList(b.ctx, p)
			require.NoError(t, err)
			return rows
		}
		require.Equal(t, []string{"S3/1 error", "S2/1 sent", "S1/1 ", "S1/2 "}, keys(list(erp.ShipmentListParams{Shop: "acme"})))
		require.Equal(t, []string{"S3/1 error", "S2/1 sent"}, keys(list(erp.ShipmentListParams{Shop: "acme", Limit: 2})))
		require.Equal(t, []string{"S1/1 ", "S1/2 "}, keys(list(erp.ShipmentListParams{Shop: "acme", Before: "S2"})), "a shipment is never cut")
		require.Equal(t, []string{"S1/1 ", "S1/2 "}, keys(list(erp.ShipmentListParams{Shop: "acme", Status: erp.ShipmentUnsent})))
		require.Equal(t, []string{"S2/1 sent"}, keys(list(erp.ShipmentListParams{Shop: "acme", ShipmentID: "S2"})))
		require.Empty(t, list(erp.ShipmentListParams{Shop: "acme", OrderID: 1}))
		errs := list(erp.ShipmentListParams{Shop: "acme", Status: erp.ShipmentError, OrderID: 450789469})
		require.Equal(t, []string{"S3/1 error"}, keys(errs))
		require.Equal(t, "Shopify refused the fulfillment", errs[0].SyncError)
		require.Equal(t, day.Add(time.Hour), errs[0].SyncedAt)
		require.Equal(t, "1ZS3", errs[0].TrackingNumber)
		_, err := b.store.ShipmentList(b.ctx, erp.ShipmentListParams{})
		require.ErrorIs(t, err, erp.ErrInvalidValue)
	})

	t.Run("ShipmentRetry sends an error or test shipment again, and nothing else", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		day := time.Date(2026, 11, 10, 8, 0, 0, 0, time.UTC)
		b.addShipmentRow(t, "S1", 1, "acme", day, "error")
		b.addShipmentRow(t, "S1", 2, "acme", day, "error")
		b.addShipmentRow(t, "S2", 1, "acme", day, "sent")
		b.addShipmentRow(t, "S3", 1, "acme", day, "test")
		b.addShipmentRow(t, "S4", 1, "other", day, "error")
		n, err := b.store.ShipmentRetry(b.ctx, "acme", "S1")
		require.NoError(t, err)
		require.Equal(t, 2, n)
		n, err = b.store.ShipmentRetry(b.ctx, "acme", "S3")
		require.NoError(t, err)
		require.Equal(t, 1, n)
		for _, id := range []string{"S2", "S4", "S9", "S1"} {
			_, err = b.store.ShipmentRetry(b.ctx, "acme", id)
			require.ErrorIs(t, err, erp.ErrNotFound, id)
		}
		unsent, err := b.store.ShipmentListUnsent(b.ctx, erp.ShipmentListUnsentParams{Shop: "acme"})
		require.NoError(t, err)
		require.Len(t, unsent, 3, "the next run sends them")
	})

	t.Run("the fulfillments a shipment made are kept once each", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		at := time.Date(2026, 11, 10, 8, 0, 0, 0, time.UTC)
		for _, f := range []erp.ShipmentFulfillment{
			{Shop: "acme", ShipmentID: "S1", FulfillmentID: 11, Name: "#1001.1", At: at},
			{Shop: "acme", ShipmentID: "S1", FulfillmentID: 12, Name: "#1001.2", At: at},
			{Shop: "acme", ShipmentID: "S1", FulfillmentID: 11, Name: "#1001.1", At: at.Add(time.Hour)},
			{Shop: "acme", ShipmentID: "S2", FulfillmentID: 13, Name: "#1002.1", At: at},
			{Shop: "other", ShipmentID: "S1", FulfillmentID: 14, Name: "#9.1", At: at},
		} {
			require.NoError(t, b.store.ShipmentFulfillmentAdd(b.ctx, f))
		}
		got, err := b.store.ShipmentFulfillmentList(b.ctx, "acme", []string{"S1", "S3"})
		require.NoError(t, err)
		require.Equal(t, []erp.ShipmentFulfillment{
			{Shop: "acme", ShipmentID: "S1", FulfillmentID: 11, Name: "#1001.1", At: at},
			{Shop: "acme", ShipmentID: "S1", FulfillmentID: 12, Name: "#1001.2", At: at},
		}, got)
		none, err := b.store.ShipmentFulfillmentList(b.ctx, "acme", nil)
		require.NoError(t, err)
		require.Empty(t, none)
		require.ErrorIs(t, b.store.ShipmentFulfillmentAdd(b.ctx, erp.ShipmentFulfillment{Shop: "acme", ShipmentID: "S1"}), erp.ErrInvalidValue)
		require.True(t, slices.ContainsFunc(got, func(f erp.ShipmentFulfillment) bool { return f.Name == "#1001.2" }))
	})
}
