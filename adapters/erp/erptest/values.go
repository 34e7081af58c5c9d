package erptest

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp"
)

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func runValues(t *testing.T, open Opener) {
	t.Run("hostile strings are stored as values, byte for byte", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		hostile := map[string]string{
			"bill_to_name":     `Robert'); DROP TABLE s_orders;--`,
			"bill_to_address1": `" OR 1=1 --`,
			"bill_to_address2": `]; DROP TABLE s_order_details; --`,
			"bill_to_city":     `\'\\%_*?`,
			"comment":          "line one\nline two\r\n\ttabbed $1 @p1 ? :name ${VAR}",
			"ship_to_name":     `'; EXEC xp_cmdshell 'dir'; --`,
		}
		p := Order("acme", 1001, 1)
		for c, v := range hostile {
			p.HeaderRow.Set(c, v)
		}
		p.LineRows[0].Set("description", `'); DELETE FROM s_order_details; --`)
		p.Ledger.CustomerName = `O'Brien "the" \ ; DROP`
		require.NoError(t, b.store.OrderStage(b.ctx, p))

		h := b.header(t, "acme", 1001)
		for c, v := range hostile {
			require.Equal(t, v, str(h[c]), c)
		}
		require.Equal(t, `'); DELETE FROM s_order_details; --`, str(b.lines(t, "acme", 1001)[0]["description"]))
		e, err := b.store.LedgerGet(b.ctx, "acme", 1001)
		require.NoError(t, err)
		require.Equal(t, `O'Brien "the" \ ; DROP`, e.CustomerName)
		for table := range DefaultTables {
			_, err := b.store.TableColumns(b.ctx, table)
			require.NoError(t, err, "%s is still there", table)
		}
	})

	t.Run("unicode round trips in headers, lines and the ledger", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		values := map[string]string{
			"bill_to_name":     "Ørsted Æbeløe Åsa",
			"bill_to_address1": "東京都渋谷区 漢字かな",
			"bill_to_address2": "🧾📦👍🏽 emoji with a skin tone",
			"bill_to_city":     "תל אביב", // right to left
			"ship_to_name":     "مرحبا بالعالم",
			"comment":          "mixed: abc עברית 123 العربية ✓",
		}
		p := Order("acme", 1001, 1)
		for c, v := range values {
			p.HeaderRow.Set(c, v)
		}
		p.LineRows[0].Set("description", "Øl 🍺 ビール")
		p.Ledger.CustomerName = "Zoë 漢字 🧾"
		require.NoError(t, b.store.OrderStage(b.ctx, p))
		h := b.header(t, "acme", 1001)
		for c, v := range values {
			require.Equal(t, v, str(h[c]), c)
		}
		require.Equal(t, "Øl 🍺 ビール", str(b.lines(t, "acme", 1001)[0]["description"]))
		e, err := b.store.LedgerGet(b.ctx, "acme", 1001)
		require.NoError(t, err)
		require.Equal(t, "Zoë 漢字 🧾", e.CustomerName)
	})

	t.Run("a NUL character is kept or refused as invalid, never cut silently", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		p := Order("acme", 1001, 1)
		p.HeaderRow.Set("comment", "before\x00after")
		err := b.store.OrderStage(b.ctx, p)
		switch b.d {
		case erp.DialectPostgres:
			require.ErrorIs(t, err, erp.ErrInvalidValue, "PostgreSQL text cannot hold NUL")
			require.Zero(t, b.count(t, "SELECT COUNT(*) FROM s_orders"))
		case erp.DialectSQLite, erp.DialectSQLServer:
			require.NoError(t, err)
			require.Equal(t, "before\x00after", str(b.header(t, "acme", 1001)["comment"]))
		default:
			t.Fatalf("the suite does not know dialect %q", b.d)
		}
	})

	t.Run("NULLs round trip", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		p := Order("acme", 1001, 1)
		for _, c := range []string{"order_number", "order_date", "order_total", "bill_to_name", "comment"} {
			p.HeaderRow.Set(c, nil)
		}
		p.LineRows[0].Set("unit_price", nil)
		p.LineRows[0].Set("description", nil)
		require.NoError(t, b.store.OrderStage(b.ctx, p))
		h := b.header(t, "acme", 1001)
		for _, c := range []string{"order_number", "order_date", "order_total", "bill_to_name", "comment", "import_status"} {
			require.Nil(t, h[c], c)
		}
		l := b.lines(t, "acme", 1001)[0]
		require.Nil(t, l["unit_price"])
		require.Nil(t, l["description"])
		require.Equal(t, "", str(h["hold_code"]), "an empty string stays empty, not NULL, where the database can tell")
	})

	t.Run("money keeps exact decimals without float error", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		p := Order("acme", 1001, 1)
		sum := decimal.RequireFromString("0.1").Add(decimal.RequireFromString("0.2"))
		p.HeaderRow.Set("order_total", sum)
		p.HeaderRow.Set("freight_amount", decimal.RequireFromString("12345678901234.5678"))
		p.HeaderRow.Set("discount_amount", decimal.RequireFromString("-0.0001"))
		p.HeaderRow.Set("tax_amount", 0.1) // a float from a mapping is taken as written
		p.Ledger.Total = sum
		require.NoError(t, b.store.OrderStage(b.ctx, p))

		h := b.header(t, "acme", 1001)
		require.True(t, dec(t, h["order_total"]).Equal(decimal.RequireFromString("0.30")), "0.1 + 0.2 is 0.30, got %v", h["order_total"])
		require.True(t, dec(t, h["freight_amount"]).Equal(decimal.RequireFromString("12345678901234.5678")), "got %v", h["freight_amount"])
		require.True(t, dec(t, h["discount_amount"]).Equal(decimal.RequireFromString("-0.0001")), "got %v", h["discount_amount"])
		require.True(t, dec(t, h["tax_amount"]).Equal(decimal.RequireFromString("0.1")), "got %v", h["tax_amount"])
		e, err := b.store.LedgerGet(b.ctx, "acme", 1001)
		require.NoError(t, err)
		require.True(t, e.Total.Equal(decimal.RequireFromString("0.3")), "got %v", e.Total)
	})

	t.Run("timestamps are stored in UTC to the millisecond", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		local := time.Date(2026, 11, 22, 10, 11, 12, 123456789, time.FixedZone("EST", -5*3600))
		p := Order("acme", 1001, 1)
		p.HeaderRow.Set("order_date", local)
		p.Ledger.OrderDate = local
		p.Ledger.ShopifyUpdatedAt = local
		require.NoError(t, b.store.OrderStage(b.ctx, p))

		want := time.Date(2026, 11, 22, 15, 11, 12, 123000000, time.UTC)
		got := tm(t, b.header(t, "acme", 1001)["order_date"])
		require.True(t, want.Equal(got), "want %v, got %v", want, got)
		if b.d == erp.DialectSQLite {
			raw := b.rows(t, "SELECT CAST(order_date AS TEXT) AS d FROM s_orders")
			require.Equal(t, "2026-11-22 15:11:12.123", str(raw[0]["d"]), "sortable UTC text")
		}
		e, err := b.store.LedgerGet(b.ctx, "acme", 1001)
		require.NoError(t, err)
		require.Equal(t, want, e.OrderDate)
		require.Equal(t, want, e.ShopifyUpdatedAt)
		require.Equal(t, time.UTC, e.OrderDate.Location())

		require.NoError(t, b.store.WatermarkSet(b.ctx, "acme", "orders", local))
		mark, err := b.store.WatermarkGet(b.ctx, "acme", "orders")
		require.NoError(t, err)
		require.Equal(t, want, mark)
	})
}
