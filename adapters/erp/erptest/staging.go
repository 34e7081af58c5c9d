package erptest

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/ledger"
)

func runStaging(t *testing.T, open Opener) {
	t.Run("OrderStage writes the header, the lines, the ledger entry and an event", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		require.NoError(t, b.store.OrderStage(b.ctx, Order("acme", 1001, 3)))

		h := b.header(t, "acme", 1001)
		require.Equal(t, "#1001", str(h["order_number"]))
		require.True(t, dec(t, h["order_total"]).Equal(decimal.RequireFromString("254.98")))
		require.False(t, boolean(h["cancelled"]))
		lines := b.lines(t, "acme", 1001)
		require.Len(t, lines, 3)
		for i, l := range lines {
			require.EqualValues(t, i+1, integer(t, l["line_no"]))
			require.Equal(t, fmt.Sprintf("SKU-%03d", i+1), str(l["item_code"]))
		}

		e, err := b.store.LedgerGet(b.ctx, "acme", 1001)
		require.NoError(t, err)
		require.Equal(t, ledger.StatusStaged, e.Status)
		require.Equal(t, "#1001", e.OrderName)
		require.JSONEq(t, `{"id":1001,"name":"#1001","financial_status":"paid"}`, string(e.Payload))
		events, err := b.store.LedgerEventList(b.ctx, "acme", 1001)
		require.NoError(t, err)
		require.Len(t, events, 1)
		require.Equal(t, ledger.StatusStaged, events[0].Status)
		require.Equal(t, "staged with 3 lines", events[0].Message)
	})

	t.Run("staging the same order twice keeps one header and replaces its lines", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		require.NoError(t, b.store.OrderStage(b.ctx, Order("acme", 1001, 3)))
		again := Order("acme", 1001, 3)
		again.HeaderRow.Set("ship_via", "UPS 2DAY")
		again.LineRows[0].Set("description", "changed")
		require.NoError(t, b.store.OrderStage(b.ctx, again))

		require.Equal(t, 1, b.count(t, "SELECT COUNT(*) FROM s_orders"))
		require.Equal(t, "UPS 2DAY", str(b.header(t, "acme", 1001)["ship_via"]))
		lines := b.lines(t, "acme", 1001)
		require.Len(t, lines, 3)
		require.Equal(t, "changed", str(lines[0]["description"]))
		events, err := b.store.LedgerEventList(b.ctx, "acme", 1001)
		require.NoError(t, err)
		require.Len(t, events, 2)
	})

	t.Run("re-staging with fewer lines leaves fewer lines", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		require.NoError(t, b.store.OrderStage(b.ctx, Order("acme", 1001, 5)))
		require.NoError(t, b.store.OrderStage(b.ctx, Order("acme", 1002, 2)))
		require.NoError(t, b.store.OrderStage(b.ctx, Order("acme", 1001, 2)))
		require.Len(t, b.lines(t, "acme", 1001), 2)
		require.Len(t, b.lines(t, "acme", 1002), 2, "another order's lines are untouched")
	})

	t.Run("lines left behind by a purged header are replaced when the order comes again", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		require.NoError(t, b.store.OrderStage(b.ctx, Order("acme", 1001, 3)))
		b.exec(t, "DELETE FROM s_orders WHERE web_order_id = ?1", int64(1001))
		require.NoError(t, b.store.OrderStage(b.ctx, Order("acme", 1001, 2)))
		require.Len(t, b.lines(t, "acme", 1001), 2)
	})

	t.Run("the store sets created_at once and updated_at on every write", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		p := Order("acme", 1001, 1)
		p.HeaderRow.Set("created_at", mustTime("2001-01-01T00:00:00Z"))
		require.NoError(t, b.store.OrderStage(b.ctx, p))
		first := b.header(t, "acme", 1001)
		require.True(t, tm(t, first["created_at"]).Equal(tm(t, first["updated_at"])))
		require.Equal(t, 2026, tm(t, first["created_at"]).Year(), "the mapping's value is replaced")

		require.NoError(t, b.store.OrderStage(b.ctx, Order("acme", 1001, 1)))
		second := b.header(t, "acme", 1001)
		require.True(t, tm(t, second["created_at"]).Equal(tm(t, first["created_at"])))
		require.True(t, tm(t, second["updated_at"]).After(tm(t, first["updated_at"])))
	})

	t.Run("two goroutines staging the same order at once end with one header and one set of lines", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		for round := range 5 {
			id := int64(2000 + round)
			var wg sync.WaitGroup
			errs := make([]error, 4)
			for g := range errs {
				wg.Go(func() { errs[g] = b.store.OrderStage(b.ctx, Order("acme", id, 2+g)) })
			}
			wg.Wait()
			for _, err := range errs {
				require.NoError(t, err)
			}
			require.Equal(t, 1, b.count(t, "SELECT COUNT(*) FROM s_orders WHERE web_order_id = ?1", id))
			n := len(b.lines(t, "acme", id))
			require.Contains(t, []int{2, 3, 4, 5}, n, "the lines of exactly one staging")
			require.Equal(t, n, b.count(t, "SELECT COUNT(DISTINCT line_no) FROM s_order_details WHERE web_order_id = ?1", id))
			events, err := b.store.LedgerEventList(b.ctx, "acme", id)
			require.NoError(t, err)
			require.Len(t, events, 4, "every staging is in the history")
			require.Equal(t, fmt.Sprintf("staged with %d lines", n), events[3].Message, "the last staging's lines are the ones kept")
		}
	})

	t.Run("a failing line rolls the whole order back", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		bad := Order("acme", 1001, 3)
		bad.LineRows[2].Set("item_code", nil) // NOT NULL
		err := b.store.OrderStage(b.ctx, bad)
		require.ErrorIs(t, err, erp.ErrInvalidValue)
		require.Zero(t, b.count(t, "SELECT COUNT(*) FROM s_orders"))
		require.Zero(t, b.count(t, "SELECT COUNT(*) FROM s_order_details"))
		_, err = b.store.LedgerGet(b.ctx, "acme", 1001)
		require.ErrorIs(t, err, erp.ErrNotFound)

		require.NoError(t, b.store.OrderStage(b.ctx, Order("acme", 1001, 3)))
		worse := Order("acme", 1001, 1)
		worse.HeaderRow.Set("ship_via", "CHANGED")
		worse.LineRows[0].Set("item_code", nil)
		require.ErrorIs(t, b.store.OrderStage(b.ctx, worse), erp.ErrInvalidValue)
		require.Equal(t, "UPS GROUND", str(b.header(t, "acme", 1001)["ship_via"]), "the staged header is as it was")
		require.Len(t, b.lines(t, "acme", 1001), 3, "the staged lines are as they were")
		events, err := b.store.LedgerEventList(b.ctx, "acme", 1001)
		require.NoError(t, err)
		require.Len(t, events, 1)
	})

	t.Run("a value too long for its column is refused with the column's name and nothing is written", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		bad := Order("acme", 1001, 3)
		bad.LineRows[1].Set("item_code", strings.Repeat("X", 256))
		err := b.store.OrderStage(b.ctx, bad)
		require.ErrorIs(t, err, erp.ErrInvalidValue)
		require.EqualError(t, err, "stage order 1001: line 2: s_order_details.item_code: a value of 256 characters does not fit in 255: invalid value")
		require.Zero(t, b.count(t, "SELECT COUNT(*) FROM s_orders"))

		fits := Order("acme", 1002, 1)
		fits.LineRows[0].Set("item_code", strings.Repeat("Ø", 255))
		require.NoError(t, b.store.OrderStage(b.ctx, fits), "255 characters fit, however many bytes they take")
	})

	t.Run("a number too big for its column is refused on every dialect with the same message and the order is not staged", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		price := Order("acme", 1001, 2)
		price.LineRows[1].Set("unit_price", decimal.RequireFromString("123456789012345678901234567890"))
		require.EqualError(t, b.store.OrderStage(b.ctx, price), "stage order 1001: line 2: s_order_details.unit_price: "+
			"123456789012345678901234567890 does not fit: the column holds up to 14 digits before the point and 4 after: invalid value")
		quantity := Order("acme", 1002, 1)
		quantity.LineRows[0].Set("quantity", int64(1)<<40)
		err := b.store.OrderStage(b.ctx, quantity)
		require.ErrorIs(t, err, erp.ErrInvalidValue)
		require.EqualError(t, err, "stage order 1002: line 1: s_order_details.quantity: "+
			"1099511627776 does not fit: the column holds whole numbers from -2147483648 to 2147483647: invalid value")
		total := Order("acme", 1003, 1)
		total.HeaderRow.Set("order_total", decimal.RequireFromString("254.98765"))
		require.EqualError(t, b.store.OrderStage(b.ctx, total), "stage order 1003: s_orders.order_total: "+
			"254.98765 has 5 digits after the point and the column keeps 4; round it in the mapping: invalid value")
		require.Zero(t, b.count(t, "SELECT COUNT(*) FROM s_orders"))
		require.Zero(t, b.count(t, "SELECT COUNT(*) FROM s_order_details"))

		largest := Order("acme", 1004, 1)
		largest.LineRows[0].Set("unit_price", decimal.RequireFromString("-99999999999999.9999"))
		largest.LineRows[0].Set("quantity", int64(math.MaxInt32))
		largest.HeaderRow.Set("order_total", decimal.RequireFromString("254.9800"))
		require.NoError(t, b.store.OrderStage(b.ctx, largest), "the largest values the columns hold are written")
	})

	t.Run("an order the ERP has imported is not overwritten", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		require.NoError(t, b.store.OrderStage(b.ctx, Order("acme", 1001, 3)))
		b.exec(t, "UPDATE s_orders SET import_status = 'I', erp_order_no = 'SO-77' WHERE web_order_id = ?1", int64(1001))

		again := Order("acme", 1001, 1)
		again.HeaderRow.Set("ship_via", "CHANGED")
		again.Ledger.Problem = "should not be written"
		require.ErrorIs(t, b.store.OrderStage(b.ctx, again), erp.ErrImported)
		require.Equal(t, "UPS GROUND", str(b.header(t, "acme", 1001)["ship_via"]))
		require.Len(t, b.lines(t, "acme", 1001), 3)
		e, err := b.store.LedgerGet(b.ctx, "acme", 1001)
		require.NoError(t, err)
		require.Empty(t, e.Problem)
		require.Equal(t, "I", e.ImportStatus)
		require.Equal(t, "SO-77", e.ERPOrderNo)
	})

	t.Run("a version older than the one the ledger records is refused and changes nothing", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		newer := Order("acme", 1001, 3)
		require.NoError(t, b.store.OrderStage(b.ctx, newer))

		older := Order("acme", 1001, 1)
		older.Ledger.ShopifyUpdatedAt = newer.Ledger.ShopifyUpdatedAt.Add(-time.Second)
		older.HeaderRow.Set("ship_via", "OLDER")
		require.ErrorIs(t, b.store.OrderStage(b.ctx, older), erp.ErrOutdated)
		require.Equal(t, "UPS GROUND", str(b.header(t, "acme", 1001)["ship_via"]))
		require.Len(t, b.lines(t, "acme", 1001), 3, "the newer version's lines stay")
		e, err := b.store.LedgerGet(b.ctx, "acme", 1001)
		require.NoError(t, err)
		require.True(t, e.ShopifyUpdatedAt.Equal(newer.Ledger.ShopifyUpdatedAt))
		events, err := b.store.LedgerEventList(b.ctx, "acme", 1001)
		require.NoError(t, err)
		require.Len(t, events, 1, "no event for what was refused")

		same := Order("acme", 1001, 2)
		require.NoError(t, b.store.OrderStage(b.ctx, same), "the same version again is staged again (a mapping change)")
		require.Len(t, b.lines(t, "acme", 1001), 2)
		unknown := Order("acme", 1001, 4)
		unknown.Ledger.ShopifyUpdatedAt = time.Time{}
		require.NoError(t, b.store.OrderStage(b.ctx, unknown), "a version that does not say when it was updated is not compared")
		later := Order("acme", 1001, 5)
		later.Ledger.ShopifyUpdatedAt = newer.Ledger.ShopifyUpdatedAt.Add(time.Minute)
		require.NoError(t, b.store.OrderStage(b.ctx, later))
		require.Len(t, b.lines(t, "acme", 1001), 5)
	})

	t.Run("versions of one order staged at once in any order end with the newest", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		base := Order("acme", 3000, 1).Ledger.ShopifyUpdatedAt
		for round := range 4 {
			id := int64(3000 + round)
			// Version v has v lines and was updated v seconds after the first; they are
			// staged by as many goroutines at once, newest first so the older ones come late.
			const versions = 6
			var wg sync.WaitGroup
			errs := make([]error, versions+1)
			for v := versions; v >= 1; v-- {
				wg.Go(func() {
					p := Order("acme", id, v)
					p.Ledger.ShopifyUpdatedAt = base.Add(time.Duration(v) * time.Second)
					errs[v] = b.store.OrderStage(b.ctx, p)
				})
			}
			wg.Wait()
			require.NoError(t, errs[versions], "the newest version is always staged")
			for v, err := range errs[1:versions] {
				if err != nil {
					require.ErrorIs(t, err, erp.ErrOutdated, "version %d", v+1)
				}
			}
			require.Len(t, b.lines(t, "acme", id), versions, "the newest version's lines, whoever staged last")
			e, err := b.store.LedgerGet(b.ctx, "acme", id)
			require.NoError(t, err)
			require.True(t, e.ShopifyUpdatedAt.Equal(base.Add(versions*time.Second)), "the ledger records the newest version")
		}
	})

	t.Run("a column a mapping names that the table lacks is refused before any SQL", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		for _, col := range []string{`comment"; DROP TABLE s_orders; --`, "comment]; DROP TABLE s_orders; --", "no_such_column", ""} {
			p := Order("acme", 1001, 1)
			p.HeaderRow.Set(col, "x")
			err := b.store.OrderStage(b.ctx, p)
			require.ErrorIs(t, err, erp.ErrUnknownColumn, col)
			p = Order("acme", 1001, 1)
			p.LineRows[0].Set(col, "x")
			require.ErrorIs(t, b.store.OrderStage(b.ctx, p), erp.ErrUnknownColumn, col)
		}
		require.Zero(t, b.count(t, "SELECT COUNT(*) FROM s_orders"))
		require.Zero(t, b.count(t, "SELECT COUNT(*) FROM pt_order_ledger"))
	})

	t.Run("a table a mapping names that the database lacks is the mapping's mistake, never not found", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		for _, tc := range []struct{ header, lines string }{{"s_orderz", "s_order_details"}, {"s_orders", "s_order_detailz"}} {
			p := Order("acme", 1001, 1)
			p.Header.Name, p.Lines.Name = tc.header, tc.lines
			err := b.store.OrderStage(b.ctx, p)
			require.ErrorIs(t, err, erp.ErrUnknownColumn, "a missing table fails the order for a person")
			require.NotErrorIs(t, err, erp.ErrNotFound, "not found reads as \"no such order\"")
		}
		update := erp.OrderHeaderUpdateParams{
			Header: passthrough.Table{Name: "s_orderz", Key: []string{"shop", "web_order_id"}},
			Row:    passthrough.Row{Columns: []string{"shop", "web_order_id", "cancelled"}, Values: []any{"acme", int64(1001), true}},
			Ledger: ledger.Entry{Shop: "acme", OrderID: 1001, OrderName: "#1001", Status: ledger.StatusCancelled},
		}
		err := b.store.OrderHeaderUpdate(b.ctx, update)
		require.ErrorIs(t, err, erp.ErrUnknownColumn)
		require.NotErrorIs(t, err, erp.ErrNotFound)
		require.Zero(t, b.count(t, "SELECT COUNT(*) FROM pt_order_ledger"))
	})

	t.Run("columns whose names need quoting are written", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		switch b.d {
		case erp.DialectSQLite, erp.DialectPostgres:
			b.exec(t, `CREATE TABLE t_odd_lines (shop VARCHAR(100) NOT NULL, web_order_id BIGINT NOT NULL, line_no INTEGER NOT NULL, "we""ird col" VARCHAR(50), "semi;colon]" VARCHAR(50), "select" VARCHAR(50), PRIMARY KEY (shop, web_order_id, line_no))`)
		case erp.DialectSQLServer:
			b.exec(t, `CREATE TABLE t_odd_lines (shop nvarchar(100) NOT NULL, web_order_id bigint NOT NULL, line_no int NOT NULL, [we"ird col] nvarchar(50), [semi;colon]]] nvarchar(50), [select] nvarchar(50), PRIMARY KEY (shop, web_order_id, line_no))`)
		default:
			t.Fatalf("the suite does not know dialect %q", b.d)
		}
		p := Order("acme", 1001, 0)
		p.Lines = passthrough.Table{Name: "t_odd_lines", Key: []string{"shop", "web_order_id", "line_no"}}
		p.LineRows = []passthrough.Row{{
			Columns: []string{"line_no", `we"ird col`, "semi;colon]", "select"},
			Values:  []any{int64(1), `a "quoted" value`, "x; y", "drop"},
		}}
		require.NoError(t, b.store.OrderStage(b.ctx, p), "the lines take the header's key when they leave it out")
		rows := b.rows(t, "SELECT * FROM t_odd_lines WHERE web_order_id = ?1", int64(1001))
		require.Len(t, rows, 1)
		require.Equal(t, `a "quoted" value`, str(rows[0][`we"ird col`]))
		require.Equal(t, "x; y", str(rows[0]["semi;colon]"]))
		require.Equal(t, "drop", str(rows[0]["select"]))
		require.Equal(t, "acme", str(rows[0]["shop"]))
	})

	t.Run("an order with a bad key or a line of another order is refused", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		noKey := Order("acme", 1001, 1)
		noKey.HeaderRow.Set("web_order_id", nil)
		require.ErrorIs(t, b.store.OrderStage(b.ctx, noKey), erp.ErrInvalidValue)

		otherOrder := Order("acme", 1001, 2)
		otherOrder.LineRows[1].Set("web_order_id", int64(999))
		require.ErrorIs(t, b.store.OrderStage(b.ctx, otherOrder), erp.ErrInvalidValue)

		noTable := Order("acme", 1001, 1)
		noTable.Header.Name = "no_such_table"
		require.ErrorIs(t, b.store.OrderStage(b.ctx, noTable), erp.ErrUnknownColumn)

		noLedger := Order("acme", 1001, 1)
		noLedger.Ledger.OrderID = 0
		require.ErrorIs(t, b.store.OrderStage(b.ctx, noLedger), erp.ErrInvalidValue)
		require.Zero(t, b.count(t, "SELECT COUNT(*) FROM s_orders"))
	})

	t.Run("OrderHeaderUpdate sets columns of a staged header and leaves its lines", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		require.NoError(t, b.store.OrderStage(b.ctx, Order("acme", 1001, 3)))
		before := b.header(t, "acme", 1001)
		update := erp.OrderHeaderUpdateParams{
			Header: passthrough.Table{Name: "s_orders", Key: []string{"shop", "web_order_id"}},
			Row:    passthrough.Row{Columns: []string{"shop", "web_order_id", "cancelled", "comment"}, Values: []any{"acme", int64(1001), true, "cancelled by customer"}},
			Ledger: ledger.Entry{Shop: "acme", OrderID: 1001, OrderName: "#1001", Status: ledger.StatusCancelled, Problem: "cancelled in Shopify"},
		}
		require.NoError(t, b.store.OrderHeaderUpdate(b.ctx, update))
		after := b.header(t, "acme", 1001)
		require.True(t, boolean(after["cancelled"]))
		require.Equal(t, "cancelled by customer", str(after["comment"]))
		require.Equal(t, str(before["ship_via"]), str(after["ship_via"]))
		require.True(t, tm(t, after["created_at"]).Equal(tm(t, before["created_at"])))
		require.True(t, tm(t, after["updated_at"]).After(tm(t, before["updated_at"])))
		require.Len(t, b.lines(t, "acme", 1001), 3)
		e, err := b.store.LedgerGet(b.ctx, "acme", 1001)
		require.NoError(t, err)
		require.Equal(t, ledger.StatusCancelled, e.Status)

		missing := update
		missing.Row = passthrough.Row{Columns: []string{"shop", "web_order_id", "cancelled"}, Values: []any{"acme", int64(404), true}}
		missing.Ledger.OrderID = 404
		require.ErrorIs(t, b.store.OrderHeaderUpdate(b.ctx, missing), erp.ErrNotFound)

		b.exec(t, "UPDATE s_orders SET import_status = 'I' WHERE web_order_id = ?1", int64(1001))
		require.ErrorIs(t, b.store.OrderHeaderUpdate(b.ctx, update), erp.ErrImported)
	})

	t.Run("OrderImportStatusList reads back what the ERP wrote", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		for _, id := range []int64{1, 2, 3} {
			require.NoError(t, b.store.OrderStage(b.ctx, Order("acme", id, 1)))
		}
		require.NoError(t, b.store.OrderStage(b.ctx, Order("other", 2, 1)))
		b.exec(t, "UPDATE s_orders SET import_status = 'I', erp_order_no = 'SO-2' WHERE shop = 'acme' AND web_order_id = ?1", int64(2))
		b.exec(t, "UPDATE s_orders SET import_status = 'E', import_error = 'customer on hold' WHERE shop = 'acme' AND web_order_id = ?1", int64(3))

		got, err := b.store.OrderImportStatusList(b.ctx, erp.OrderImportStatusListParams{
			Header: passthrough.Table{Name: "s_orders"}, Shop: "acme", OrderIDs: []int64{3, 404, 2, 1},
		})
		require.NoError(t, err)
		require.Equal(t, []erp.OrderImportStatus{
			{OrderID: 3, ImportStatus: "E", ImportError: "customer on hold"},
			{OrderID: 2, ImportStatus: "I", ERPOrderNo: "SO-2"},
			{OrderID: 1},
		}, got)
		require.True(t, got[1].Imported())
		require.False(t, got[2].Imported())
	})
}
