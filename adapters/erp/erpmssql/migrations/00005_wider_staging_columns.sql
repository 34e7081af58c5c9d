-- Room for real data in the default staging tables: the Shopify location name a mapping uses
-- as the warehouse code ("Main Warehouse" did not fit in 10 characters), SKUs as long as
-- Shopify takes (255), names, addresses and e-mail addresses, long tracking URLs. Only the
-- tables passthrough created are changed: those whose columns are still exactly the ones
-- migration 1 made (names, types, lengths, nullability, in order; @created lists them). A
-- table the ERP brought, or changed since, keeps its shape. Widening an nvarchar changes
-- only the table's metadata; the stock table's primary key is made again around its columns.

-- +goose Up
-- +goose StatementBegin
DECLARE @created TABLE (tbl sysname, pos int, col sysname, typ sysname, nullable bit);
INSERT INTO @created (tbl, pos, col, typ, nullable) VALUES
    (N's_orders', 1, N'shop', N'nvarchar(100)', 0),
    (N's_orders', 2, N'web_order_id', N'bigint', 0),
    (N's_orders', 3, N'order_number', N'nvarchar(50)', 1),
    (N's_orders', 4, N'order_date', N'datetime2(3)', 1),
    (N's_orders', 5, N'customer_no', N'nvarchar(20)', 1),
    (N's_orders', 6, N'customer_email', N'nvarchar(255)', 1),
    (N's_orders', 7, N'bill_to_name', N'nvarchar(100)', 1),
    (N's_orders', 8, N'bill_to_address1', N'nvarchar(100)', 1),
    (N's_orders', 9, N'bill_to_address2', N'nvarchar(100)', 1),
    (N's_orders', 10, N'bill_to_city', N'nvarchar(50)', 1),
    (N's_orders', 11, N'bill_to_state', N'nvarchar(50)', 1),
    (N's_orders', 12, N'bill_to_zip', N'nvarchar(20)', 1),
    (N's_orders', 13, N'bill_to_country', N'nvarchar(50)', 1),
    (N's_orders', 14, N'bill_to_phone', N'nvarchar(50)', 1),
    (N's_orders', 15, N'ship_to_name', N'nvarchar(100)', 1),
    (N's_orders', 16, N'ship_to_address1', N'nvarchar(100)', 1),
    (N's_orders', 17, N'ship_to_address2', N'nvarchar(100)', 1),
    (N's_orders', 18, N'ship_to_city', N'nvarchar(50)', 1),
    (N's_orders', 19, N'ship_to_state', N'nvarchar(50)', 1),
    (N's_orders', 20, N'ship_to_zip', N'nvarchar(20)', 1),
    (N's_orders', 21, N'ship_to_country', N'nvarchar(50)', 1),
    (N's_orders', 22, N'ship_to_phone', N'nvarchar(50)', 1),
    (N's_orders', 23, N'payment_terms', N'nvarchar(20)', 1),
    (N's_orders', 24, N'salesperson_no', N'nvarchar(20)', 1),
    (N's_orders', 25, N'customer_division', N'nvarchar(10)', 1),
    (N's_orders', 26, N'order_type', N'nvarchar(10)', 1),
    (N's_orders', 27, N'hold_code', N'nvarchar(10)', 1),
    (N's_orders', 28, N'tax_schedule', N'nvarchar(20)', 1),
    (N's_orders', 29, N'print_pick_sheet', N'nvarchar(1)', 1),
    (N's_orders', 30, N'print_sales_order', N'nvarchar(1)', 1),
    (N's_orders', 31, N'ship_via', N'nvarchar(50)', 1),
    (N's_orders', 32, N'freight_amount', N'decimal(18,4)', 1),
    (N's_orders', 33, N'discount_amount', N'decimal(18,4)', 1),
    (N's_orders', 34, N'tax_amount', N'decimal(18,4)', 1),
    (N's_orders', 35, N'order_total', N'decimal(18,4)', 1),
    (N's_orders', 36, N'currency', N'nvarchar(3)', 1),
    (N's_orders', 37, N'comment', N'nvarchar(2000)', 1),
    (N's_orders', 38, N'cancelled', N'bit', 0),
    (N's_orders', 39, N'import_status', N'nvarchar(20)', 1),
    (N's_orders', 40, N'import_error', N'nvarchar(1000)', 1),
    (N's_orders', 41, N'erp_order_no', N'nvarchar(20)', 1),
    (N's_orders', 42, N'created_at', N'datetime2(3)', 0),
    (N's_orders', 43, N'updated_at', N'datetime2(3)', 0),
    (N's_order_details', 1, N'shop', N'nvarchar(100)', 0),
    (N's_order_details', 2, N'web_order_id', N'bigint', 0),
    (N's_order_details', 3, N'line_no', N'int', 0),
    (N's_order_details', 4, N'line_item_id', N'bigint', 1),
    (N's_order_details', 5, N'item_code', N'nvarchar(30)', 0),
    (N's_order_details', 6, N'description', N'nvarchar(255)', 1),
    (N's_order_details', 7, N'quantity', N'int', 0),
    (N's_order_details', 8, N'unit_price', N'decimal(18,4)', 1),
    (N's_order_details', 9, N'discount_amount', N'decimal(18,4)', 1),
    (N's_order_details', 10, N'tax_amount', N'decimal(18,4)', 1),
    (N's_order_details', 11, N'extension', N'decimal(18,4)', 1),
    (N's_order_details', 12, N'warehouse_code', N'nvarchar(10)', 1),
    (N'external_order_shipments', 1, N'shipment_id', N'nvarchar(50)', 0),
    (N'external_order_shipments', 2, N'line_no', N'int', 0),
    (N'external_order_shipments', 3, N'shop', N'nvarchar(100)', 0),
    (N'external_order_shipments', 4, N'web_order_id', N'bigint', 0),
    (N'external_order_shipments', 5, N'item_code', N'nvarchar(30)', 0),
    (N'external_order_shipments', 6, N'quantity', N'int', 0),
    (N'external_order_shipments', 7, N'tracking_number', N'nvarchar(100)', 1),
    (N'external_order_shipments', 8, N'carrier', N'nvarchar(50)', 1),
    (N'external_order_shipments', 9, N'tracking_url', N'nvarchar(500)', 1),
    (N'external_order_shipments', 10, N'ship_date', N'datetime2(3)', 1),
    (N'external_order_shipments', 11, N'sync_status', N'nvarchar(10)', 1),
    (N'external_order_shipments', 12, N'sync_error', N'nvarchar(1000)', 1),
    (N'external_order_shipments', 13, N'synced_at', N'datetime2(3)', 1),
    (N'product_qty_in_stock', 1, N'item_code', N'nvarchar(30)', 0),
    (N'product_qty_in_stock', 2, N'warehouse_code', N'nvarchar(10)', 0),
    (N'product_qty_in_stock', 3, N'qty_on_hand', N'decimal(18,4)', 0),
    (N'product_qty_in_stock', 4, N'qty_committed', N'decimal(18,4)', 0),
    (N'product_qty_in_stock', 5, N'qty_available', N'decimal(18,4)', 0),
    (N'product_qty_in_stock', 6, N'updated_at', N'datetime2(3)', 0);

DECLARE @ours TABLE (tbl sysname);
WITH found AS (
    SELECT t.tbl, c.column_id AS pos, c.name COLLATE DATABASE_DEFAULT AS col,
           (TYPE_NAME(c.user_type_id) + CASE
                WHEN TYPE_NAME(c.user_type_id) IN (N'nvarchar', N'nchar') THEN N'(' + CAST(c.max_length / 2 AS nvarchar(10)) + N')'
                WHEN TYPE_NAME(c.user_type_id) IN (N'varchar', N'char') THEN N'(' + CAST(c.max_length AS nvarchar(10)) + N')'
                WHEN TYPE_NAME(c.user_type_id) IN (N'decimal', N'numeric') THEN N'(' + CAST(c.precision AS nvarchar(3)) + N',' + CAST(c.scale AS nvarchar(3)) + N')'
                WHEN TYPE_NAME(c.user_type_id) = N'datetime2' THEN N'(' + CAST(c.scale AS nvarchar(3)) + N')'
                ELSE N'' END) COLLATE DATABASE_DEFAULT AS typ,
           c.is_nullable AS nullable
    FROM (SELECT DISTINCT tbl FROM @created) t
    JOIN sys.columns c ON c.object_id = OBJECT_ID(N'${schema}.' + t.tbl, N'U')
)
INSERT INTO @ours (tbl)
SELECT t.tbl FROM (SELECT DISTINCT tbl FROM found) t
WHERE NOT EXISTS (
    SELECT pos, col, typ, nullable FROM found f WHERE f.tbl = t.tbl
    EXCEPT SELECT pos, col, typ, nullable FROM @created x WHERE x.tbl = t.tbl)
AND NOT EXISTS (
    SELECT pos, col, typ, nullable FROM @created x WHERE x.tbl = t.tbl
    EXCEPT SELECT pos, col, typ, nullable FROM found f WHERE f.tbl = t.tbl);

IF EXISTS (SELECT 1 FROM @ours WHERE tbl = N's_orders')
BEGIN
    ALTER TABLE ${schema}.s_orders ALTER COLUMN customer_email nvarchar(320) NULL;
    ALTER TABLE ${schema}.s_orders ALTER COLUMN bill_to_name nvarchar(255) NULL;
    ALTER TABLE ${schema}.s_orders ALTER COLUMN bill_to_address1 nvarchar(255) NULL;
    ALTER TABLE ${schema}.s_orders ALTER COLUMN bill_to_address2 nvarchar(255) NULL;
    ALTER TABLE ${schema}.s_orders ALTER COLUMN bill_to_city nvarchar(100) NULL;
    ALTER TABLE ${schema}.s_orders ALTER COLUMN bill_to_state nvarchar(100) NULL;
    ALTER TABLE ${schema}.s_orders ALTER COLUMN bill_to_country nvarchar(100) NULL;
    ALTER TABLE ${schema}.s_orders ALTER COLUMN ship_to_name nvarchar(255) NULL;
    ALTER TABLE ${schema}.s_orders ALTER COLUMN ship_to_address1 nvarchar(255) NULL;
    ALTER TABLE ${schema}.s_orders ALTER COLUMN ship_to_address2 nvarchar(255) NULL;
    ALTER TABLE ${schema}.s_orders ALTER COLUMN ship_to_city nvarchar(100) NULL;
    ALTER TABLE ${schema}.s_orders ALTER COLUMN ship_to_state nvarchar(100) NULL;
    ALTER TABLE ${schema}.s_orders ALTER COLUMN ship_to_country nvarchar(100) NULL;
    ALTER TABLE ${schema}.s_orders ALTER COLUMN ship_via nvarchar(100) NULL;
    ALTER TABLE ${schema}.s_orders ALTER COLUMN comment nvarchar(4000) NULL;
END;
IF EXISTS (SELECT 1 FROM @ours WHERE tbl = N's_order_details')
BEGIN
    ALTER TABLE ${schema}.s_order_details ALTER COLUMN item_code nvarchar(255) NOT NULL;
    ALTER TABLE ${schema}.s_order_details ALTER COLUMN description nvarchar(1000) NULL;
    ALTER TABLE ${schema}.s_order_details ALTER COLUMN warehouse_code nvarchar(100) NULL;
END;
IF EXISTS (SELECT 1 FROM @ours WHERE tbl = N'external_order_shipments')
BEGIN
    ALTER TABLE ${schema}.external_order_shipments ALTER COLUMN item_code nvarchar(255) NOT NULL;
    ALTER TABLE ${schema}.external_order_shipments ALTER COLUMN tracking_number nvarchar(255) NULL;
    ALTER TABLE ${schema}.external_order_shipments ALTER COLUMN carrier nvarchar(100) NULL;
    ALTER TABLE ${schema}.external_order_shipments ALTER COLUMN tracking_url nvarchar(2048) NULL;
END;
IF EXISTS (SELECT 1 FROM @ours WHERE tbl = N'product_qty_in_stock') AND OBJECT_ID(N'${schema}.pk_product_qty_in_stock', N'PK') IS NOT NULL
BEGIN
    ALTER TABLE ${schema}.product_qty_in_stock DROP CONSTRAINT pk_product_qty_in_stock;
    ALTER TABLE ${schema}.product_qty_in_stock ALTER COLUMN item_code nvarchar(255) NOT NULL;
    ALTER TABLE ${schema}.product_qty_in_stock ALTER COLUMN warehouse_code nvarchar(100) NOT NULL;
    ALTER TABLE ${schema}.product_qty_in_stock ADD CONSTRAINT pk_product_qty_in_stock PRIMARY KEY (item_code, warehouse_code);
END;
-- +goose StatementEnd

-- +goose Down
-- The columns stay wide: narrowing them again could cut what they hold.
