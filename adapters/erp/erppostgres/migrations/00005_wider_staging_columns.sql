-- Room for real data in the default staging tables: the Shopify location name a mapping uses
-- as the warehouse code ("Main Warehouse" did not fit in 10 characters), SKUs as long as
-- Shopify takes (255), names, addresses and e-mail addresses, long tracking URLs. Only the
-- tables passthrough created are changed: those whose columns are still exactly the ones
-- migration 1 made (names, types, lengths, nullability, in order). A table the ERP brought,
-- or changed since, keeps its shape. Widening a varchar rewrites nothing in PostgreSQL.

-- +goose Up
-- +goose StatementBegin
DO $$
DECLARE
    t text;
BEGIN
    FOR t IN
        WITH created (tbl, pos, col, typ, nullable) AS (VALUES
            ('s_orders', 1, 'shop', 'character varying(100)', 'NO'),
            ('s_orders', 2, 'web_order_id', 'bigint', 'NO'),
            ('s_orders', 3, 'order_number', 'character varying(50)', 'YES'),
            ('s_orders', 4, 'order_date', 'timestamp with time zone', 'YES'),
            ('s_orders', 5, 'customer_no', 'character varying(20)', 'YES'),
            ('s_orders', 6, 'customer_email', 'character varying(255)', 'YES'),
            ('s_orders', 7, 'bill_to_name', 'character varying(100)', 'YES'),
            ('s_orders', 8, 'bill_to_address1', 'character varying(100)', 'YES'),
            ('s_orders', 9, 'bill_to_address2', 'character varying(100)', 'YES'),
            ('s_orders', 10, 'bill_to_city', 'character varying(50)', 'YES'),
            ('s_orders', 11, 'bill_to_state', 'character varying(50)', 'YES'),
            ('s_orders', 12, 'bill_to_zip', 'character varying(20)', 'YES'),
            ('s_orders', 13, 'bill_to_country', 'character varying(50)', 'YES'),
            ('s_orders', 14, 'bill_to_phone', 'character varying(50)', 'YES'),
            ('s_orders', 15, 'ship_to_name', 'character varying(100)', 'YES'),
            ('s_orders', 16, 'ship_to_address1', 'character varying(100)', 'YES'),
            ('s_orders', 17, 'ship_to_address2', 'character varying(100)', 'YES'),
            ('s_orders', 18, 'ship_to_city', 'character varying(50)', 'YES'),
            ('s_orders', 19, 'ship_to_state', 'character varying(50)', 'YES'),
            ('s_orders', 20, 'ship_to_zip', 'character varying(20)', 'YES'),
            ('s_orders', 21, 'ship_to_country', 'character varying(50)', 'YES'),
            ('s_orders', 22, 'ship_to_phone', 'character varying(50)', 'YES'),
            ('s_orders', 23, 'payment_terms', 'character varying(20)', 'YES'),
            ('s_orders', 24, 'salesperson_no', 'character varying(20)', 'YES'),
            ('s_orders', 25, 'customer_division', 'character varying(10)', 'YES'),
            ('s_orders', 26, 'order_type', 'character varying(10)', 'YES'),
            ('s_orders', 27, 'hold_code', 'character varying(10)', 'YES'),
            ('s_orders', 28, 'tax_schedule', 'character varying(20)', 'YES'),
            ('s_orders', 29, 'print_pick_sheet', 'character varying(1)', 'YES'),
            ('s_orders', 30, 'print_sales_order', 'character varying(1)', 'YES'),
            ('s_orders', 31, 'ship_via', 'character varying(50)', 'YES'),
            ('s_orders', 32, 'freight_amount', 'numeric(18,4)', 'YES'),
            ('s_orders', 33, 'discount_amount', 'numeric(18,4)', 'YES'),
            ('s_orders', 34, 'tax_amount', 'numeric(18,4)', 'YES'),
            ('s_orders', 35, 'order_total', 'numeric(18,4)', 'YES'),
            ('s_orders', 36, 'currency', 'character varying(3)', 'YES'),
            ('s_orders', 37, 'comment', 'character varying(2000)', 'YES'),
            ('s_orders', 38, 'cancelled', 'boolean', 'NO'),
            ('s_orders', 39, 'import_status', 'character varying(20)', 'YES'),
            ('s_orders', 40, 'import_error', 'character varying(1000)', 'YES'),
            ('s_orders', 41, 'erp_order_no', 'character varying(20)', 'YES'),
            ('s_orders', 42, 'created_at', 'timestamp with time zone', 'NO'),
            ('s_orders', 43, 'updated_at', 'timestamp with time zone', 'NO'),
            ('s_order_details', 1, 'shop', 'character varying(100)', 'NO'),
            ('s_order_details', 2, 'web_order_id', 'bigint', 'NO'),
            ('s_order_details', 3, 'line_no', 'integer', 'NO'),
            ('s_order_details', 4, 'line_item_id', 'bigint', 'YES'),
            ('s_order_details', 5, 'item_code', 'character varying(30)', 'NO'),
            ('s_order_details', 6, 'description', 'character varying(255)', 'YES'),
            ('s_order_details', 7, 'quantity', 'integer', 'NO'),
            ('s_order_details', 8, 'unit_price', 'numeric(18,4)', 'YES'),
            ('s_order_details', 9, 'discount_amount', 'numeric(18,4)', 'YES'),
            ('s_order_details', 10, 'tax_amount', 'numeric(18,4)', 'YES'),
            ('s_order_details', 11, 'extension', 'numeric(18,4)', 'YES'),
            ('s_order_details', 12, 'warehouse_code', 'character varying(10)', 'YES'),
            ('external_order_shipments', 1, 'shipment_id', 'character varying(50)', 'NO'),
            ('external_order_shipments', 2, 'line_no', 'integer', 'NO'),
            ('external_order_shipments', 3, 'shop', 'character varying(100)', 'NO'),
            ('external_order_shipments', 4, 'web_order_id', 'bigint', 'NO'),
            ('external_order_shipments', 5, 'item_code', 'character varying(30)', 'NO'),
            ('external_order_shipments', 6, 'quantity', 'integer', 'NO'),
            ('external_order_shipments', 7, 'tracking_number', 'character varying(100)', 'YES'),
            ('external_order_shipments', 8, 'carrier', 'character varying(50)', 'YES'),
            ('external_order_shipments', 9, 'tracking_url', 'character varying(500)', 'YES'),
            ('external_order_shipments', 10, 'ship_date', 'timestamp with time zone', 'YES'),
            ('external_order_shipments', 11, 'sync_status', 'character varying(10)', 'YES'),
            ('external_order_shipments', 12, 'sync_error', 'character varying(1000)', 'YES'),
            ('external_order_shipments', 13, 'synced_at', 'timestamp with time zone', 'YES'),
            ('product_qty_in_stock', 1, 'item_code', 'character varying(30)', 'NO'),
            ('product_qty_in_stock', 2, 'warehouse_code', 'character varying(10)', 'NO'),
            ('product_qty_in_stock', 3, 'qty_on_hand', 'numeric(18,4)', 'NO'),
            ('product_qty_in_stock', 4, 'qty_committed', 'numeric(18,4)', 'NO'),
            ('product_qty_in_stock', 5, 'qty_available', 'numeric(18,4)', 'NO'),
            ('product_qty_in_stock', 6, 'updated_at', 'timestamp with time zone', 'NO')
        ), found AS (
            SELECT table_name::text AS tbl, ordinal_position::int AS pos, column_name::text AS col,
                   data_type || coalesce('(' || character_maximum_length || ')', '')
                   || CASE WHEN data_type = 'numeric' THEN '(' || numeric_precision || ',' || numeric_scale || ')' ELSE '' END AS typ,
                   is_nullable::text AS nullable
            FROM information_schema.columns
            WHERE table_schema = current_schema()
              AND table_name IN ('s_orders', 's_order_details', 'external_order_shipments', 'product_qty_in_stock')
        )
        SELECT DISTINCT c.tbl FROM created c
        WHERE EXISTS (SELECT 1 FROM found f WHERE f.tbl = c.tbl)
          AND NOT EXISTS (
              (SELECT pos, col, typ, nullable FROM found f WHERE f.tbl = c.tbl
               EXCEPT SELECT pos, col, typ, nullable FROM created x WHERE x.tbl = c.tbl)
              UNION ALL
              (SELECT pos, col, typ, nullable FROM created x WHERE x.tbl = c.tbl
               EXCEPT SELECT pos, col, typ, nullable FROM found f WHERE f.tbl = c.tbl))
    LOOP
        CASE t
        WHEN 's_orders' THEN
            ALTER TABLE s_orders
                ALTER COLUMN customer_email TYPE varchar(320),
                ALTER COLUMN bill_to_name TYPE varchar(255),
                ALTER COLUMN bill_to_address1 TYPE varchar(255),
                ALTER COLUMN bill_to_address2 TYPE varchar(255),
                ALTER COLUMN bill_to_city TYPE varchar(100),
                ALTER COLUMN bill_to_state TYPE varchar(100),
                ALTER COLUMN bill_to_country TYPE varchar(100),
                ALTER COLUMN ship_to_name TYPE varchar(255),
                ALTER COLUMN ship_to_address1 TYPE varchar(255),
                ALTER COLUMN ship_to_address2 TYPE varchar(255),
                ALTER COLUMN ship_to_city TYPE varchar(100),
                ALTER COLUMN ship_to_state TYPE varchar(100),
                ALTER COLUMN ship_to_country TYPE varchar(100),
                ALTER COLUMN ship_via TYPE varchar(100),
                ALTER COLUMN comment TYPE varchar(4000);
        WHEN 's_order_details' THEN
            ALTER TABLE s_order_details
                ALTER COLUMN item_code TYPE varchar(255),
                ALTER COLUMN description TYPE varchar(1000),
                ALTER COLUMN warehouse_code TYPE varchar(100);
        WHEN 'external_order_shipments' THEN
            ALTER TABLE external_order_shipments
                ALTER COLUMN item_code TYPE varchar(255),
                ALTER COLUMN tracking_number TYPE varchar(255),
                ALTER COLUMN carrier TYPE varchar(100),
                ALTER COLUMN tracking_url TYPE varchar(2048);
        WHEN 'product_qty_in_stock' THEN
            ALTER TABLE product_qty_in_stock
                ALTER COLUMN item_code TYPE varchar(255),
                ALTER COLUMN warehouse_code TYPE varchar(100);
        END CASE;
    END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- The columns stay wide: narrowing them again could cut what they hold.
