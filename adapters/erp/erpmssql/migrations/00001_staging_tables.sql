-- The ERP's staging tables, as DESIGN.md §3 names them, in the login's default schema. They
-- are created only when missing: an ERP that already has them keeps its own. No filtered
-- indexes or computed columns: those make the ERP's own inserts fail when its connections run
-- with other SET options (QUOTED_IDENTIFIER, ANSI_NULLS). Money is decimal(18,4), text
-- nvarchar, times datetime2(3) in UTC.

-- +goose Up

-- +goose StatementBegin
IF OBJECT_ID(N'${schema}.s_orders', N'U') IS NULL
CREATE TABLE ${schema}.s_orders (
    shop               nvarchar(100) NOT NULL,
    web_order_id       bigint NOT NULL,
    order_number       nvarchar(50) NULL,
    order_date         datetime2(3) NULL,
    customer_no        nvarchar(20) NULL,
    customer_email     nvarchar(255) NULL,
    bill_to_name       nvarchar(100) NULL,
    bill_to_address1   nvarchar(100) NULL,
    bill_to_address2   nvarchar(100) NULL,
    bill_to_city       nvarchar(50) NULL,
    bill_to_state      nvarchar(50) NULL,
    bill_to_zip        nvarchar(20) NULL,
    bill_to_country    nvarchar(50) NULL,
    bill_to_phone      nvarchar(50) NULL,
    ship_to_name       nvarchar(100) NULL,
    ship_to_address1   nvarchar(100) NULL,
    ship_to_address2   nvarchar(100) NULL,
    ship_to_city       nvarchar(50) NULL,
    ship_to_state      nvarchar(50) NULL,
    ship_to_zip        nvarchar(20) NULL,
    ship_to_country    nvarchar(50) NULL,
    ship_to_phone      nvarchar(50) NULL,
    payment_terms      nvarchar(20) NULL,
    salesperson_no     nvarchar(20) NULL,
    customer_division  nvarchar(10) NULL,
    order_type         nvarchar(10) NULL,
    hold_code          nvarchar(10) NULL,
    tax_schedule       nvarchar(20) NULL,
    print_pick_sheet   nvarchar(1) NULL,
    print_sales_order  nvarchar(1) NULL,
    ship_via           nvarchar(50) NULL,
    freight_amount     decimal(18,4) NULL,
    discount_amount    decimal(18,4) NULL,
    tax_amount         decimal(18,4) NULL,
    order_total        decimal(18,4) NULL,
    currency           nvarchar(3) NULL,
    comment            nvarchar(2000) NULL,
    cancelled          bit NOT NULL DEFAULT 0,
    import_status      nvarchar(20) NULL,
    import_error       nvarchar(1000) NULL,
    erp_order_no       nvarchar(20) NULL,
    created_at         datetime2(3) NOT NULL DEFAULT SYSUTCDATETIME(),
    updated_at         datetime2(3) NOT NULL DEFAULT SYSUTCDATETIME(),
    CONSTRAINT pk_s_orders PRIMARY KEY (shop, web_order_id)
);
-- +goose StatementEnd

-- +goose StatementBegin
IF OBJECT_ID(N'${schema}.s_order_details', N'U') IS NULL
CREATE TABLE ${schema}.s_order_details (
    shop               nvarchar(100) NOT NULL,
    web_order_id       bigint NOT NULL,
    line_no            int NOT NULL,
    line_item_id       bigint NULL,
    item_code          nvarchar(30) NOT NULL,
    description        nvarchar(255) NULL,
    quantity           int NOT NULL,
    unit_price         decimal(18,4) NULL,
    discount_amount    decimal(18,4) NULL,
    tax_amount         decimal(18,4) NULL,
    extension          decimal(18,4) NULL,
    warehouse_code     nvarchar(10) NULL,
    CONSTRAINT pk_s_order_details PRIMARY KEY (shop, web_order_id, line_no)
);
-- +goose StatementEnd

-- +goose StatementBegin
IF OBJECT_ID(N'${schema}.external_order_shipments', N'U') IS NULL
CREATE TABLE ${schema}.external_order_shipments (
    shipment_id        nvarchar(50) NOT NULL,
    line_no            int NOT NULL,
    shop               nvarchar(100) NOT NULL,
    web_order_id       bigint NOT NULL,
    item_code          nvarchar(30) NOT NULL,
    quantity           int NOT NULL,
    tracking_number    nvarchar(100) NULL,
    carrier            nvarchar(50) NULL,
    tracking_url       nvarchar(500) NULL,
    ship_date          datetime2(3) NULL,
    sync_status        nvarchar(10) NULL,
    sync_error         nvarchar(1000) NULL,
    synced_at          datetime2(3) NULL,
    CONSTRAINT pk_external_order_shipments PRIMARY KEY (shipment_id, line_no)
);
-- +goose StatementEnd

-- +goose StatementBegin
IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'external_order_shipments_sync' AND object_id = OBJECT_ID(N'${schema}.external_order_shipments'))
CREATE INDEX external_order_shipments_sync ON ${schema}.external_order_shipments (sync_status, shipment_id);
-- +goose StatementEnd

-- +goose StatementBegin
IF OBJECT_ID(N'${schema}.product_qty_in_stock', N'U') IS NULL
CREATE TABLE ${schema}.product_qty_in_stock (
    item_code          nvarchar(30) NOT NULL,
    warehouse_code     nvarchar(10) NOT NULL,
    qty_on_hand        decimal(18,4) NOT NULL DEFAULT 0,
    qty_committed      decimal(18,4) NOT NULL DEFAULT 0,
    qty_available      decimal(18,4) NOT NULL DEFAULT 0,
    updated_at         datetime2(3) NOT NULL DEFAULT SYSUTCDATETIME(),
    CONSTRAINT pk_product_qty_in_stock PRIMARY KEY (item_code, warehouse_code)
);
-- +goose StatementEnd

-- +goose StatementBegin
IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'product_qty_in_stock_updated' AND object_id = OBJECT_ID(N'${schema}.product_qty_in_stock'))
CREATE INDEX product_qty_in_stock_updated ON ${schema}.product_qty_in_stock (updated_at);
-- +goose StatementEnd
