-- Webhook deliveries, stored before the receiver answers Shopify and worked afterwards by a
-- worker in any replica; what came per topic, for the health panel; a one-row table whose
-- update every claim takes, so that claims happen one at a time and one order's deliveries
-- go to one worker; and the privacy requests Shopify sent with what was done about them.
-- A delivery is known by its shop and X-Shopify-Webhook-Id, the same on every retry.

-- +goose Up
CREATE TABLE ${schema}.pt_webhook_deliveries (
    id                 bigint IDENTITY(1,1) NOT NULL PRIMARY KEY,
    shop               nvarchar(100) NOT NULL,
    webhook_id         nvarchar(100) NOT NULL,
    event_id           nvarchar(100) NOT NULL DEFAULT N'',
    topic              nvarchar(100) NOT NULL,
    api_version        nvarchar(20) NOT NULL DEFAULT N'',
    order_id           bigint NOT NULL DEFAULT 0,
    triggered_at       datetime2(3) NULL,
    received_at        datetime2(3) NOT NULL,
    state              nvarchar(10) NOT NULL,
    claimed_by         nvarchar(100) NOT NULL DEFAULT N'',
    attempts           int NOT NULL DEFAULT 0,
    due_at             datetime2(3) NOT NULL,
    finished_at        datetime2(3) NULL,
    error              nvarchar(max) NOT NULL DEFAULT N'',
    body               nvarchar(max) NULL
);
CREATE UNIQUE INDEX pt_webhook_deliveries_webhook ON ${schema}.pt_webhook_deliveries (shop, webhook_id);
CREATE INDEX pt_webhook_deliveries_due ON ${schema}.pt_webhook_deliveries (state, due_at, id);
CREATE INDEX pt_webhook_deliveries_order ON ${schema}.pt_webhook_deliveries (shop, order_id, id);

CREATE TABLE ${schema}.pt_webhook_topics (
    shop               nvarchar(100) NOT NULL,
    topic              nvarchar(100) NOT NULL,
    last_received_at   datetime2(3) NOT NULL,
    received           bigint NOT NULL DEFAULT 0,
    duplicates         bigint NOT NULL DEFAULT 0,
    CONSTRAINT pk_pt_webhook_topics PRIMARY KEY (shop, topic)
);

CREATE TABLE ${schema}.pt_webhook_claims (
    id                 int NOT NULL,
    claims             bigint NOT NULL DEFAULT 0,
    CONSTRAINT pk_pt_webhook_claims PRIMARY KEY (id)
);
INSERT INTO ${schema}.pt_webhook_claims (id, claims) VALUES (1, 0);

CREATE TABLE ${schema}.pt_redactions (
    id                 bigint IDENTITY(1,1) NOT NULL PRIMARY KEY,
    shop               nvarchar(100) NOT NULL,
    topic              nvarchar(100) NOT NULL,
    customer_id        bigint NOT NULL DEFAULT 0,
    order_ids          nvarchar(max) NOT NULL DEFAULT N'',
    request_id         nvarchar(100) NOT NULL DEFAULT N'',
    entries            int NOT NULL DEFAULT 0,
    deliveries         int NOT NULL DEFAULT 0,
    received_at        datetime2(3) NOT NULL,
    done_at            datetime2(3) NOT NULL
);
CREATE INDEX pt_redactions_shop ON ${schema}.pt_redactions (shop, id);

-- +goose Down
DROP TABLE ${schema}.pt_redactions;
DROP TABLE ${schema}.pt_webhook_claims;
DROP TABLE ${schema}.pt_webhook_topics;
DROP TABLE ${schema}.pt_webhook_deliveries;
