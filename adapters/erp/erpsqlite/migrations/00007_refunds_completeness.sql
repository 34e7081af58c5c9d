-- What issue 14 adds to the schema: orders fulfilled in Shopify before import say so on their
-- header; refunds made after staging go to a staging table of their own, s_order_refunds
-- (created only when missing, like every staging table), and passthrough records each refund
-- it has dealt with, so that none reaches the ERP twice; the daily completeness check keeps
-- its counts per shop-local day.

-- +goose Up
ALTER TABLE s_orders ADD COLUMN fulfilled_in_shopify BOOLEAN NOT NULL DEFAULT 0;

CREATE TABLE IF NOT EXISTS s_order_refunds (
    shop               VARCHAR(100) NOT NULL,
    refund_id          BIGINT NOT NULL,
    web_order_id       BIGINT NOT NULL,
    line_no            INTEGER NOT NULL,
    line_item_id       BIGINT NULL,
    item_code          VARCHAR(30) NULL,
    quantity           INTEGER NOT NULL DEFAULT 0,
    amount             DECIMAL_TEXT(18,4) NULL,
    tax_amount         DECIMAL_TEXT(18,4) NULL,
    restock_type       VARCHAR(20) NULL,
    reason             VARCHAR(255) NULL,
    created_at         DATETIME NULL,
    import_status      VARCHAR(20) NULL,
    import_error       VARCHAR(1000) NULL,
    PRIMARY KEY (shop, refund_id, line_no)
);
CREATE INDEX IF NOT EXISTS s_order_refunds_order ON s_order_refunds (shop, web_order_id);

-- disposition: staged (its rows went to the refunds table) or absorbed (the order's staged
-- lines already leave out what it refunded).
CREATE TABLE pt_order_refunds (
    shop               VARCHAR(100) NOT NULL,
    refund_id          BIGINT NOT NULL,
    order_id           BIGINT NOT NULL,
    disposition        VARCHAR(10) NOT NULL,
    recorded_at        DATETIME NOT NULL,
    PRIMARY KEY (shop, refund_id)
) WITHOUT ROWID;
CREATE INDEX pt_order_refunds_order ON pt_order_refunds (shop, order_id);

CREATE TABLE pt_completeness (
    shop               VARCHAR(100) NOT NULL,
    day                VARCHAR(10) NOT NULL,
    checked_at         DATETIME NOT NULL,
    shopify_orders     INTEGER NOT NULL DEFAULT 0,
    missing            INTEGER NOT NULL DEFAULT 0,
    late               INTEGER NOT NULL DEFAULT 0,
    imported           INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (shop, day)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE pt_completeness;
DROP TABLE pt_order_refunds;
ALTER TABLE s_orders DROP COLUMN fulfilled_in_shopify;
