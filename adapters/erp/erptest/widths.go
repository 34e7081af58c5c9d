package erptest

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/record"
)

// Real values that did not fit the default columns before migration 5, as shops and
// carriers have them.
const (
	realWarehouse = "Main Warehouse – Louisville KY" // a Shopify location name, used as the warehouse code
	realSKU       = "APPAREL-TSHIRT-ORGANIC-COTTON-CREWNECK-MIDNIGHT-BLUE-XXL-PACK-OF-3"
	realEmail     = "accounts.payable.department+shopify-orders@northwest-regional-distribution-cooperative.example.com"
	realName      = "Maria Fernanda de los Ángeles Gutiérrez-Santamaría y Villaseñor"
	realStreet    = "Unit 14B, Riverside Business Park, 2250 North Industrial Boulevard Extension"
	realCity      = "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch"
	realCountry   = "South Georgia and the South Sandwich Islands"
)

// realTrackingURL is a carrier tracking link with its query string, longer than the 500
// characters tracking_url had.
var realTrackingURL = "https://www.carrier.example/track/shipment?tracknum=1Z999AA10123456784&requester=ST&loc=en_US" +
	"&utm_source=shopify&utm_medium=email&utm_campaign=order-shipped&ref=" + strings.Repeat("a1b2c3d4e5", 50)

func runWidths(t *testing.T, open Opener) {
	t.Run("real names, addresses, SKUs, e-mail addresses, location names and tracking URLs fit the default columns", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		p := Order("acme", 1001, 1)
		for c, v := range map[string]string{"customer_email": realEmail, "bill_to_name": realName, "ship_to_name": realName,
			"bill_to_address1": realStreet, "ship_to_address1": realStreet, "bill_to_city": realCity, "ship_to_city": realCity,
			"bill_to_country": realCountry, "ship_to_country": realCountry, "ship_via": "FedEx International Priority Freight – Saturday Delivery",
			"comment": strings.Repeat("Please leave the parcel with the neighbour at number 12. ", 60)} {
			p.HeaderRow.Set(c, v)
		}
		p.LineRows[0].Set("item_code", realSKU)
		p.LineRows[0].Set("warehouse_code", realWarehouse)
		p.LineRows[0].Set("description", "Organic cotton crew-neck T-shirt – Midnight blue / XXL / Pack of 3 – "+strings.Repeat("gift wrapped ", 40))
		require.NoError(t, b.store.OrderStage(b.ctx, p))
		h := b.header(t, "acme", 1001)
		require.Equal(t, realEmail, str(h["customer_email"]))
		require.Equal(t, realName, str(h["bill_to_name"]))
		require.Equal(t, realCity, str(h["ship_to_city"]))
		l := b.lines(t, "acme", 1001)[0]
		require.Equal(t, realSKU, str(l["item_code"]))
		require.Equal(t, realWarehouse, str(l["warehouse_code"]))

		require.Greater(t, len(realTrackingURL), 500)
		b.exec(t, `INSERT INTO external_order_shipments (shipment_id, line_no, shop, web_order_id, item_code, quantity, tracking_number, carrier, tracking_url)
			VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)`, "SH-1", int64(1), "acme", int64(1001), realSKU, int64(1),
			"1Z999AA10123456784", "United Parcel Service", realTrackingURL)
		rows, err := b.store.ShipmentListUnsent(b.ctx, erp.ShipmentListUnsentParams{Shop: "acme"})
		require.NoError(t, err)
		require.Len(t, rows, 1)
		require.Equal(t, realTrackingURL, rows[0].TrackingURL)
		require.Equal(t, realSKU, rows[0].ItemCode)

		b.exec(t, `INSERT INTO product_qty_in_stock (item_code, warehouse_code, qty_on_hand, qty_committed, qty_available, updated_at)
			VALUES (?1, ?2, ?3, ?4, ?5, ?6)`, realSKU, realWarehouse, int64(12), int64(2), int64(10), b.timeArg(time.Now()))
		var stock []record.Stock
		require.NoError(t, b.store.StockEach(b.ctx, erp.StockEachParams{}, func(s record.Stock) error {
			stock = append(stock, s)
			return nil
		}))
		require.Len(t, stock, 1)
		require.Equal(t, realWarehouse, stock[0].WarehouseCode)
	})

	t.Run("migration 5 widens the staging tables passthrough created, keeps their rows, and leaves the ERP's own", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		b := newBundle(t, s)
		switch b.d {
		case erp.DialectSQLite, erp.DialectPostgres:
			b.exec(t, `CREATE TABLE product_qty_in_stock (item_code VARCHAR(30) NOT NULL, warehouse_code VARCHAR(10) NOT NULL,
				qty_on_hand DECIMAL(18,4) NOT NULL, qty_committed DECIMAL(18,4) NOT NULL, qty_available DECIMAL(18,4) NOT NULL,
				updated_at TIMESTAMP NOT NULL, PRIMARY KEY (item_code, warehouse_code))`)
		case erp.DialectSQLServer:
			b.exec(t, `CREATE TABLE product_qty_in_stock (item_code nvarchar(30) NOT NULL, warehouse_code nvarchar(10) NOT NULL,
				qty_on_hand decimal(18,4) NOT NULL, qty_committed decimal(18,4) NOT NULL, qty_available decimal(18,4) NOT NULL,
				updated_at datetime NOT NULL, PRIMARY KEY (item_code, warehouse_code))`)
		default:
			t.Fatalf("the suite does not know dialect %q", b.d)
		}
		_, err := s.MigrateTo(b.ctx, 4)
		require.NoError(t, err)
		before, err := s.TableColumns(b.ctx, "s_order_details")
		require.NoError(t, err)
		require.Equal(t, 10, before[11].MaxLength, "warehouse_code as migration 1 made it")
		require.NoError(t, s.OrderStage(b.ctx, Order("acme", 1001, 3)))
		b.exec(t, "INSERT INTO external_order_shipments (shipment_id, line_no, shop, web_order_id, item_code, quantity) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
			"SH-1", int64(1), "acme", int64(1001), "SKU-001", int64(1))

		res, err := s.Migrate(b.ctx)
		require.NoError(t, err)
		require.Contains(t, res.Applied[0], "00005_wider_staging_columns")
		for table, want := range DefaultTables {
			if table == "product_qty_in_stock" {
				continue
			}
			got, err := s.TableColumns(b.ctx, table)
			require.NoError(t, err)
			require.Equal(t, want, Shape(got), table)
		}
		stock, err := s.TableColumns(b.ctx, "product_qty_in_stock")
		require.NoError(t, err)
		require.Equal(t, []int{30, 10}, []int{stock[0].MaxLength, stock[1].MaxLength}, "the ERP's own stock table keeps its shape")

		require.Equal(t, 1, b.count(t, "SELECT COUNT(*) FROM s_orders"), "the rows are kept")
		require.Len(t, b.lines(t, "acme", 1001), 3)
		unsent, err := s.ShipmentListUnsent(b.ctx, erp.ShipmentListUnsentParams{Shop: "acme"})
		require.NoError(t, err)
		require.Len(t, unsent, 1)
		wide := Order("acme", 1001, 1)
		wide.LineRows[0].Set("warehouse_code", realWarehouse)
		require.NoError(t, s.OrderStage(b.ctx, wide), "and the wide values fit now")
	})
}
