-- The ERP's staging tables, as DESIGN.md §3 names them. They are created only when missing:
-- an ERP that already has them keeps its own. Money is numeric(18,4); times are
-- timestamptz(3), so what is read back equals what was written to the millisecond.

-- +goose Up
CREATE TABLE IF NOT EXISTS s_orders (
    shop               varchar(100) NOT NULL,
    web_order_id       bigint NOT NULL,
    order_number       varchar(50) NULL,
    order_date         timestamptz(3) NULL,
    customer_no        varchar(20) NULL,
    customer_email     varchar(255) NULL,
    bill_to_name       varchar(100) NULL,
    bill_to_address1   varchar(100) NULL,
    bill_to_address2   varchar(100) NULL,
    bill_to_city       varchar(50) NULL,
    bill_to_state      varchar(50) NULL,
    bill_to_zip        varchar(20) NULL,
    bill_to_country    varchar(50) NULL,
    bill_to_phone      varchar(50) NULL,
    ship_to_name       varchar(100) NULL,
    ship_to_address1   varchar(100) NULL,
    ship_to_address2   varchar(100) NULL,
    ship_to_city       varchar(50) NULL,
    ship_to_state      varchar(50) NULL,
    ship_to_zip        varchar(20) NULL,
    ship_to_country    varchar(50) NULL,
    ship_to_phone      varchar(50) NULL,
    payment_terms      varchar(20) NULL,
    salesperson_no     varchar(20) NULL,
    customer_division  varchar(10) NULL,
    order_type         varchar(10) NULL,
    hold_code          varchar(10) NULL,
    tax_schedule       varchar(20) NULL,
    print_pick_sheet   varchar(1) NULL,
    print_sales_order  varchar(1) NULL,
    ship_via           varchar(50) NULL,
    freight_amount     numeric(18,4) NULL,
    discount_amount    numeric(18,4) NULL,
    tax_amount         numeric(18,4) NULL,
    order_total        numeric(18,4) NULL,
    currency           varchar(3) NULL,
    comment            varchar(2000) NULL,
    cancelled          boolean NOT NULL DEFAULT false,
    import_status      varchar(20) NULL,
    import_error       varchar(1000) NULL,
    erp_order_no       varchar(20) NULL,
    created_at         timestamptz(3) NOT NULL DEFAULT now(),
    updated_at         timestamptz(3) NOT NULL DEFAULT now(),
    PRIMARY KEY (shop, web_order_id)
);

CREATE TABLE IF NOT EXISTS s_order_details (
    shop               varchar(100) NOT NULL,
    web_order_id       bigint NOT NULL,
    line_no            integer NOT NULL,
    line_item_id       bigint NULL,
    item_code          varchar(30) NOT NULL,
    description        varchar(255) NULL,
    quantity           integer NOT NULL,
    unit_price         numeric(18,4) NULL,
    discount_amount    numeric(18,4) NULL,
    tax_amount         numeric(18,4) NULL,
    extension          numeric(18,4) NULL,
    warehouse_code     varchar(10) NULL,
    PRIMARY KEY (shop, web_order_id, line_no)
);

CREATE TABLE IF NOT EXISTS external_order_shipments (
    shipment_id        varchar(50) NOT NULL,
    line_no            integer NOT NULL,
    shop               varchar(100) NOT NULL,
    web_order_id       bigint NOT NULL,
    item_code          varchar(30) NOT NULL,
    quantity           integer NOT NULL,
    tracking_number    varchar(100) NULL,
    carrier            varchar(50) NULL,
    tracking_url       varchar(500) NULL,
    ship_date          timestamptz(3) NULL,
    sync_status        varchar(10) NULL,
    sync_error         varchar(1000) NULL,
    synced_at          timestamptz(3) NULL,
    PRIMARY KEY (shipment_id, line_no)
);
CREATE INDEX IF NOT EXISTS external_order_shipments_sync ON external_order_shipments (sync_status, shipment_id);

CREATE TABLE IF NOT EXISTS product_qty_in_stock (
    item_code          varchar(30) NOT NULL,
    warehouse_code     varchar(10) NOT NULL,
    qty_on_hand        numeric(18,4) NOT NULL DEFAULT 0,
    qty_committed      numeric(18,4) NOT NULL DEFAULT 0,
    qty_available      numeric(18,4) NOT NULL DEFAULT 0,
    updated_at         timestamptz(3) NOT NULL DEFAULT now(),
    PRIMARY KEY (item_code, warehouse_code)
);
CREATE INDEX IF NOT EXISTS product_qty_in_stock_updated ON product_qty_in_stock (updated_at);
