-- What issue 14 adds to the schema: orders fulfilled in Shopify before import say so on their
-- header (added to an s_orders that lacks the column); refunds made after staging go to a
-- staging table of their own, s_order_refunds (created only when missing, like every staging
-- table), and passthrough records each refund it has dealt with, so that none reaches the ERP
-- twice; the daily completeness check keeps its counts per shop-local day.

-- +goose Up
ALTER TABLE s_orders ADD COLUMN IF NOT EXISTS fulfilled_in_shopify boolean NOT NULL DEFAULT false;

CREATE TABLE IF NOT EXISTS s_order_refunds (
    shop               varchar(100) NOT NULL,
    refund_id          bigint NOT NULL,
    web_order_id       bigint NOT NULL,
    line_no            integer NOT NULL,
    line_item_id       bigint NULL,
    item_code          varchar(255) NULL,
    quantity           integer NOT NULL DEFAULT 0,
    amount             numeric(18,4) NULL,
    tax_amount         numeric(18,4) NULL,
    restock_type       varchar(20) NULL,
    reason             varchar(255) NULL,
    created_at         timestamptz(3) NULL,
    import_status      varchar(20) NULL,
    import_error       varchar(1000) NULL,
    PRIMARY KEY (shop, refund_id, line_no)
);
CREATE INDEX IF NOT EXISTS s_order_refunds_order ON s_order_refunds (shop, web_order_id);

-- disposition: staged (its rows went to the refunds table) or absorbed (the order's staged
-- lines already leave out what it refunded).
CREATE TABLE pt_order_refunds (
    shop               varchar(100) NOT NULL,
    refund_id          bigint NOT NULL,
    order_id           bigint NOT NULL,
    disposition        varchar(10) NOT NULL,
    recorded_at        timestamptz(3) NOT NULL,
    PRIMARY KEY (shop, refund_id)
);
CREATE INDEX pt_order_refunds_order ON pt_order_refunds (shop, order_id);

CREATE TABLE pt_completeness (
    shop               varchar(100) NOT NULL,
    day                varchar(10) NOT NULL,
    checked_at         timestamptz(3) NOT NULL,
    shopify_orders     integer NOT NULL DEFAULT 0,
    missing            integer NOT NULL DEFAULT 0,
    late               integer NOT NULL DEFAULT 0,
    imported           integer NOT NULL DEFAULT 0,
    PRIMARY KEY (shop, day)
);

-- +goose Down
DROP TABLE pt_completeness;
DROP TABLE pt_order_refunds;
ALTER TABLE s_orders DROP COLUMN fulfilled_in_shopify;
