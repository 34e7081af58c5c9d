package erptest

import (
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
)

// DefaultTables are the staging tables of DESIGN.md §3 as every dialect's migrations must
// leave them: same columns in the same order, same kinds, lengths, precisions, ranges and
// nullability. The type names differ per database and are left out, as is what depends on
// the server's settings (collation, code page): Shape clears them.
var DefaultTables = map[string][]passthrough.Column{
	"s_orders": {
		text("shop", 100, false), integer64("web_order_id", false), text("order_number", 50, true), when("order_date", true),
		text("customer_no", 20, true), text("customer_email", 320, true),
		text("bill_to_name", 255, true), text("bill_to_address1", 255, true), text("bill_to_address2", 255, true),
		text("bill_to_city", 100, true), text("bill_to_state", 100, true), text("bill_to_zip", 20, true),
		text("bill_to_country", 100, true), text("bill_to_phone", 50, true),
		text("ship_to_name", 255, true), text("ship_to_address1", 255, true), text("ship_to_address2", 255, true),
		text("ship_to_city", 100, true), text("ship_to_state", 100, true), text("ship_to_zip", 20, true),
		text("ship_to_country", 100, true), text("ship_to_phone", 50, true),
		text("payment_terms", 20, true), text("salesperson_no", 20, true), text("customer_division", 10, true),
		text("order_type", 10, true), text("hold_code", 10, true), text("tax_schedule", 20, true),
		text("print_pick_sheet", 1, true), text("print_sales_order", 1, true), text("ship_via", 100, true),
		money("freight_amount", true), money("discount_amount", true), money("tax_amount", true), money("order_total", true),
		text("currency", 3, true), text("comment", 4000, true), flag("cancelled", false),
		text("import_status", 20, true), text("import_error", 1000, true), text("erp_order_no", 20, true),
		when("created_at", false), when("updated_at", false), flag("fulfilled_in_shopify", false),
	},
	"s_order_details": {
		text("shop", 100, false), integer64("web_order_id", false), integer32("line_no", false), integer64("line_item_id", true),
		text("item_code", 255, false), text("description", 1000, true), integer32("quantity", false),
		money("unit_price", true), money("discount_amount", true), money("tax_amount", true), money("extension", true),
		text("warehouse_code", 100, true),
	},
	"external_order_shipments": {
		text("shipment_id", 50, false), integer32("line_no", false), text("shop", 100, false), integer64("web_order_id", false),
		text("item_code", 255, false), integer32("quantity", false), text("tracking_number", 255, true),
		text("carrier", 100, true), text("tracking_url", 2048, true), when("ship_date", true),
		text("sync_status", 10, true), text("sync_error", 1000, true), when("synced_at", true),
	},
	"s_order_refunds": {
		text("shop", 100, false), integer64("refund_id", false), integer64("web_order_id", false), integer32("line_no", false),
		integer64("line_item_id", true), text("item_code", 255, true), integer32("quantity", false),
		money("amount", true), money("tax_amount", true), text("restock_type", 20, true), text("reason", 255, true),
		when("created_at", true), text("import_status", 20, true), text("import_error", 1000, true),
	},
	"product_qty_in_stock": {
		text("item_code", 255, false), text("warehouse_code", 100, false), money("qty_on_hand", false),
		money("qty_committed", false), money("qty_available", false), when("updated_at", false),
	},
}

// Shape is cols without what depends on the database's names and settings: type names,
// collations, code pages.
func Shape(cols []passthrough.Column) []passthrough.Column {
	out := slices.Clone(cols)
	for i := range out {
		out[i].DataType, out[i].Collation, out[i].IgnoreCase, out[i].CodePage = "", "", false, 0
	}
	return out
}

// PassthroughTables are passthrough's own tables.
var PassthroughTables = []string{"pt_order_ledger", "pt_ledger_events", "pt_feed_executions", "pt_problems",
	"pt_watermarks", "pt_inventory_sent", "pt_settings", "pt_inventory_checks", "pt_inventory_drift",
	"pt_order_refunds", "pt_completeness", "pt_webhook_deliveries", "pt_webhook_topics", "pt_webhook_claims", "pt_redactions",
	"pt_problem_classes", "pt_problem_records", "pt_audit", "pt_order_terms", "pt_shipment_fulfillments",
	"pt_portal_sessions", "pt_portal_users", "pt_portal_seen", "pt_alert_digests"}

func text(name string, n int, null bool) passthrough.Column {
	return passthrough.Column{Name: name, Kind: passthrough.KindText, MaxLength: n, Nullable: null}
}

func integer64(name string, null bool) passthrough.Column {
	return passthrough.Column{Name: name, Kind: passthrough.KindInteger, Nullable: null, Min: math.MinInt64, Max: math.MaxInt64}
}

func integer32(name string, null bool) passthrough.Column {
	return passthrough.Column{Name: name, Kind: passthrough.KindInteger, Nullable: null, Min: math.MinInt32, Max: math.MaxInt32}
}

// money is decimal(18,4).
func money(name string, null bool) passthrough.Column {
	return passthrough.Column{Name: name, Kind: passthrough.KindDecimal, Nullable: null, Precision: 18, Scale: 4}
}

func when(name string, null bool) passthrough.Column {
	return passthrough.Column{Name: name, Kind: passthrough.KindTime, Nullable: null}
}

func flag(name string, null bool) passthrough.Column {
	return passthrough.Column{Name: name, Kind: passthrough.KindBool, Nullable: null}
}

func runSchema(t *testing.T, open Opener) {
	t.Run("the dialect is one the suite knows", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		require.Contains(t, []erp.Dialect{erp.DialectSQLite, erp.DialectPostgres, erp.DialectSQLServer}, s.Dialect())
	})

	t.Run("Migrate creates the staging tables with the documented columns", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		for table, want := range DefaultTables {
			got, err := b.store.TableColumns(b.ctx, table)
			require.NoError(t, err, table)
			for i := range got {
				require.NotEmpty(t, got[i].DataType, "%s.%s has a type name", table, got[i].Name)
			}
			require.Equal(t, want, Shape(got), table)
		}
	})

	t.Run("Migrate creates passthrough's own tables", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		for _, table := range PassthroughTables {
			cols, err := b.store.TableColumns(b.ctx, table)
			require.NoError(t, err, table)
			require.NotEmpty(t, cols, table)
		}
	})

	t.Run("Migrate twice changes nothing", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		before, err := b.store.TableColumns(b.ctx, "s_orders")
		require.NoError(t, err)
		first := b.count(t, "SELECT COUNT(*) FROM pt_goose_db_version")

		res, err := b.store.Migrate(b.ctx)
		require.NoError(t, err)
		require.Empty(t, res.Applied)
		require.Equal(t, b.version, res.Version, "the version the first Migrate reached")
		require.EqualValues(t, b.count(t, "SELECT MAX(version_id) FROM pt_goose_db_version"), res.Version)
		require.Equal(t, first, b.count(t, "SELECT COUNT(*) FROM pt_goose_db_version"))
		after, err := b.store.TableColumns(b.ctx, "s_orders")
		require.NoError(t, err)
		require.Equal(t, before, after)
	})

	t.Run("Migrate keeps staging tables the ERP already has", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		b := newBundle(t, s)
		switch b.d {
		case erp.DialectSQLite, erp.DialectPostgres:
			b.exec(t, `CREATE TABLE s_orders (shop VARCHAR(100) NOT NULL, web_order_id BIGINT NOT NULL, import_status VARCHAR(20), erp_batch VARCHAR(10), PRIMARY KEY (shop, web_order_id))`)
		case erp.DialectSQLServer:
			b.exec(t, `CREATE TABLE s_orders (shop nvarchar(100) NOT NULL, web_order_id bigint NOT NULL, import_status nvarchar(20), erp_batch nvarchar(10), PRIMARY KEY (shop, web_order_id))`)
		default:
			t.Fatalf("the suite does not know dialect %q", b.d)
		}
		res, err := s.Migrate(b.ctx)
		require.NoError(t, err)
		require.Equal(t, "00001_staging_tables.sql", res.Applied[0])
		fresh := setup(t, open)
		require.Equal(t, fresh.applied, res.Applied, "every migration ran, as on an empty database")
		cols, err := s.TableColumns(b.ctx, "s_orders")
		require.NoError(t, err)
		var names []string
		for _, c := range cols {
			names = append(names, c.Name)
		}
		// Its columns are kept as they were; the one column the shipped mapping needs and an
		// ERP's table may lack is added, with a default, so the ERP's own inserts still work.
		require.Equal(t, []string{"shop", "web_order_id", "import_status", "erp_batch", "fulfilled_in_shopify"}, names)
		_, err = s.TableColumns(b.ctx, "s_order_details")
		require.NoError(t, err, "the missing tables are created")
	})

	t.Run("Migrate leaves a fulfilled_in_shopify column the ERP's s_orders already has as it is", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		b := newBundle(t, s)
		switch b.d {
		case erp.DialectSQLite, erp.DialectPostgres:
			b.exec(t, `CREATE TABLE s_orders (shop VARCHAR(100) NOT NULL, web_order_id BIGINT NOT NULL, import_status VARCHAR(20),
				fulfilled_in_shopify CHAR(1), PRIMARY KEY (shop, web_order_id))`)
		case erp.DialectSQLServer:
			b.exec(t, `CREATE TABLE s_orders (shop nvarchar(100) NOT NULL, web_order_id bigint NOT NULL, import_status nvarchar(20),
				fulfilled_in_shopify char(1), PRIMARY KEY (shop, web_order_id))`)
		default:
			t.Fatalf("the suite does not know dialect %q", b.d)
		}
		_, err := s.Migrate(b.ctx)
		require.NoError(t, err)
		cols, err := s.TableColumns(b.ctx, "s_orders")
		require.NoError(t, err)
		require.Len(t, cols, 4, "no second column of that name")
		require.Equal(t, "fulfilled_in_shopify", cols[3].Name)
		require.Equal(t, passthrough.KindText, cols[3].Kind, "the ERP's own Y/N flag")
		require.True(t, cols[3].Nullable)
	})

	t.Run("TableColumns of a missing table is ErrNotFound", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		for _, name := range []string{"no_such_table", `s_orders"; DROP TABLE s_orders; --`, "s_orders]; DROP TABLE s_orders; --"} {
			_, err := b.store.TableColumns(b.ctx, name)
			require.ErrorIs(t, err, erp.ErrNotFound, name)
		}
		_, err := b.store.TableColumns(b.ctx, "s_orders")
		require.NoError(t, err, "s_orders is still there")
	})
}
