-- The ERP's staging tables, as DESIGN.md §3 names them. They are created only when missing:
-- an ERP that already has them keeps its own. SQLite keeps money in DECIMAL_TEXT columns
-- (TEXT affinity, so "0.30" stays an exact decimal string instead of becoming a REAL) and
-- times as UTC text "YYYY-MM-DD HH:MM:SS.SSS", which sorts as time does.

-- +goose Up
CREATE TABLE IF NOT EXISTS s_orders (
    shop               VARCHAR(100) NOT NULL,
    web_order_id       BIGINT NOT NULL,
    order_number       VARCHAR(50) NULL,
    order_date         DATETIME NULL,
    customer_no        VARCHAR(20) NULL,
    customer_email     VARCHAR(255) NULL,
    bill_to_name       VARCHAR(100) NULL,
    bill_to_address1   VARCHAR(100) NULL,
    bill_to_address2   VARCHAR(100) NULL,
    bill_to_city       VARCHAR(50) NULL,
    bill_to_state      VARCHAR(50) NULL,
    bill_to_zip        VARCHAR(20) NULL,
    bill_to_country    VARCHAR(50) NULL,
    bill_to_phone      VARCHAR(50) NULL,
    ship_to_name       VARCHAR(100) NULL,
    ship_to_address1   VARCHAR(100) NULL,
    ship_to_address2   VARCHAR(100) NULL,
    ship_to_city       VARCHAR(50) NULL,
    ship_to_state      VARCHAR(50) NULL,
    ship_to_zip        VARCHAR(20) NULL,
    ship_to_country    VARCHAR(50) NULL,
    ship_to_phone      VARCHAR(50) NULL,
    payment_terms      VARCHAR(20) NULL,
    salesperson_no     VARCHAR(20) NULL,
    customer_division  VARCHAR(10) NULL,
    order_type         VARCHAR(10) NULL,
    hold_code          VARCHAR(10) NULL,
    tax_schedule       VARCHAR(20) NULL,
    print_pick_sheet   VARCHAR(1) NULL,
    print_sales_order  VARCHAR(1) NULL,
    ship_via           VARCHAR(50) NULL,
    freight_amount     DECIMAL_TEXT(18,4) NULL,
    discount_amount    DECIMAL_TEXT(18,4) NULL,
    tax_amount         DECIMAL_TEXT(18,4) NULL,
    order_total        DECIMAL_TEXT(18,4) NULL,
    currency           VARCHAR(3) NULL,
    comment            VARCHAR(2000) NULL,
    cancelled          BOOLEAN NOT NULL DEFAULT 0,
    import_status      VARCHAR(20) NULL,
    import_error       VARCHAR(1000) NULL,
    erp_order_no       VARCHAR(20) NULL,
    created_at         DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    updated_at         DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    PRIMARY KEY (shop, web_order_id)
);

CREATE TABLE IF NOT EXISTS s_order_details (
    shop               VARCHAR(100) NOT NULL,
    web_order_id       BIGINT NOT NULL,
    line_no            INTEGER NOT NULL,
    line_item_id       BIGINT NULL,
    item_code          VARCHAR(30) NOT NULL,
    description        VARCHAR(255) NULL,
    quantity           INTEGER NOT NULL,
    unit_price         DECIMAL_TEXT(18,4) NULL,
    discount_amount    DECIMAL_TEXT(18,4) NULL,
    tax_amount         DECIMAL_TEXT(18,4) NULL,
    extension          DECIMAL_TEXT(18,4) NULL,
    warehouse_code     VARCHAR(10) NULL,
    PRIMARY KEY (shop, web_order_id, line_no)
);

CREATE TABLE IF NOT EXISTS external_order_shipments (
    shipment_id        VARCHAR(50) NOT NULL,
    line_no            INTEGER NOT NULL,
    shop               VARCHAR(100) NOT NULL,
    web_order_id       BIGINT NOT NULL,
    item_code          VARCHAR(30) NOT NULL,
    quantity           INTEGER NOT NULL,
    tracking_number    VARCHAR(100) NULL,
    carrier            VARCHAR(50) NULL,
    tracking_url       VARCHAR(500) NULL,
    ship_date          DATETIME NULL,
    sync_status        VARCHAR(10) NULL,
    sync_error         VARCHAR(1000) NULL,
    synced_at          DATETIME NULL,
    PRIMARY KEY (shipment_id, line_no)
);
CREATE INDEX IF NOT EXISTS external_order_shipments_sync ON external_order_shipments (sync_status, shipment_id);

CREATE TABLE IF NOT EXISTS product_qty_in_stock (
    item_code          VARCHAR(30) NOT NULL,
    warehouse_code     VARCHAR(10) NOT NULL,
    qty_on_hand        DECIMAL_TEXT(18,4) NOT NULL DEFAULT '0',
    qty_committed      DECIMAL_TEXT(18,4) NOT NULL DEFAULT '0',
    qty_available      DECIMAL_TEXT(18,4) NOT NULL DEFAULT '0',
    updated_at         DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    PRIMARY KEY (item_code, warehouse_code)
);
CREATE INDEX IF NOT EXISTS product_qty_in_stock_updated ON product_qty_in_stock (updated_at);
