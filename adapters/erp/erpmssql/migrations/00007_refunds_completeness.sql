-- What issue 14 adds to the schema: orders fulfilled in Shopify before import say so on their
-- header (added to an s_orders that lacks the column); refunds made after staging go to a
-- staging table of their own, s_order_refunds (created only when missing, like every staging
-- table), and passthrough records each refund it has dealt with, so that none reaches the ERP
-- twice; the daily completeness check keeps its counts per shop-local day.

-- +goose Up

-- +goose StatementBegin
IF COL_LENGTH(N'${schema}.s_orders', N'fulfilled_in_shopify') IS NULL
ALTER TABLE ${schema}.s_orders ADD fulfilled_in_shopify bit NOT NULL
    CONSTRAINT df_s_orders_fulfilled_in_shopify DEFAULT 0;
-- +goose StatementEnd

-- +goose StatementBegin
IF OBJECT_ID(N'${schema}.s_order_refunds', N'U') IS NULL
CREATE TABLE ${schema}.s_order_refunds (
    shop               nvarchar(100) NOT NULL,
    refund_id          bigint NOT NULL,
    web_order_id       bigint NOT NULL,
    line_no            int NOT NULL,
    line_item_id       bigint NULL,
    item_code          nvarchar(255) NULL,
    quantity           int NOT NULL DEFAULT 0,
    amount             decimal(18,4) NULL,
    tax_amount         decimal(18,4) NULL,
    restock_type       nvarchar(20) NULL,
    reason             nvarchar(255) NULL,
    created_at         datetime2(3) NULL,
    import_status      nvarchar(20) NULL,
    import_error       nvarchar(1000) NULL,
    CONSTRAINT pk_s_order_refunds PRIMARY KEY (shop, refund_id, line_no)
);
-- +goose StatementEnd

-- +goose StatementBegin
IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N's_order_refunds_order' AND object_id = OBJECT_ID(N'${schema}.s_order_refunds'))
CREATE INDEX s_order_refunds_order ON ${schema}.s_order_refunds (shop, web_order_id);
-- +goose StatementEnd

-- disposition: staged (its rows went to the refunds table) or absorbed (the order's staged
-- lines already leave out what it refunded).
CREATE TABLE ${schema}.pt_order_refunds (
    shop               nvarchar(100) NOT NULL,
    refund_id          bigint NOT NULL,
    order_id           bigint NOT NULL,
    disposition        nvarchar(10) NOT NULL,
    recorded_at        datetime2(3) NOT NULL,
    CONSTRAINT pk_pt_order_refunds PRIMARY KEY (shop, refund_id)
);
CREATE INDEX pt_order_refunds_order ON ${schema}.pt_order_refunds (shop, order_id);

CREATE TABLE ${schema}.pt_completeness (
    shop               nvarchar(100) NOT NULL,
    day                nvarchar(10) NOT NULL,
    checked_at         datetime2(3) NOT NULL,
    shopify_orders     int NOT NULL DEFAULT 0,
    missing            int NOT NULL DEFAULT 0,
    late               int NOT NULL DEFAULT 0,
    imported           int NOT NULL DEFAULT 0,
    CONSTRAINT pk_pt_completeness PRIMARY KEY (shop, day)
);

-- +goose Down
DROP TABLE ${schema}.pt_completeness;
DROP TABLE ${schema}.pt_order_refunds;
-- +goose StatementBegin
-- Only the column this migration added: its default has the name given above.
IF OBJECT_ID(N'${schema}.df_s_orders_fulfilled_in_shopify', N'D') IS NOT NULL
BEGIN
    ALTER TABLE ${schema}.s_orders DROP CONSTRAINT df_s_orders_fulfilled_in_shopify;
    ALTER TABLE ${schema}.s_orders DROP COLUMN fulfilled_in_shopify;
END
-- +goose StatementEnd
