-- Webhook deliveries, stored before the receiver answers Shopify and worked afterwards by a
-- worker in any replica; what came per topic, for the health panel; a one-row table whose
-- update every claim takes, so that claims happen one at a time and one order's deliveries
-- go to one worker; and the privacy requests Shopify sent with what was done about them.
-- A delivery is known by its shop and X-Shopify-Webhook-Id, the same on every retry.

-- +goose Up
CREATE TABLE pt_webhook_deliveries (
    id                 INTEGER PRIMARY KEY,
    shop               VARCHAR(100) NOT NULL,
    webhook_id         VARCHAR(100) NOT NULL,
    event_id           VARCHAR(100) NOT NULL DEFAULT '',
    topic              VARCHAR(100) NOT NULL,
    api_version        VARCHAR(20) NOT NULL DEFAULT '',
    order_id           BIGINT NOT NULL DEFAULT 0,
    triggered_at       DATETIME NULL,
    received_at        DATETIME NOT NULL,
    state              VARCHAR(10) NOT NULL,
    claimed_by         VARCHAR(100) NOT NULL DEFAULT '',
    attempts           INTEGER NOT NULL DEFAULT 0,
    due_at             DATETIME NOT NULL,
    finished_at        DATETIME NULL,
    error              TEXT NOT NULL DEFAULT '',
    body               TEXT NULL
);
CREATE UNIQUE INDEX pt_webhook_deliveries_webhook ON pt_webhook_deliveries (shop, webhook_id);
CREATE INDEX pt_webhook_deliveries_due ON pt_webhook_deliveries (state, due_at, id);
CREATE INDEX pt_webhook_deliveries_order ON pt_webhook_deliveries (shop, order_id, id);

CREATE TABLE pt_webhook_topics (
    shop               VARCHAR(100) NOT NULL,
    topic              VARCHAR(100) NOT NULL,
    last_received_at   DATETIME NOT NULL,
    received           BIGINT NOT NULL DEFAULT 0,
    duplicates         BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (shop, topic)
) WITHOUT ROWID;

CREATE TABLE pt_webhook_claims (
    id                 INTEGER NOT NULL PRIMARY KEY,
    claims             BIGINT NOT NULL DEFAULT 0
);
INSERT INTO pt_webhook_claims (id, claims) VALUES (1, 0);

CREATE TABLE pt_redactions (
    id                 INTEGER PRIMARY KEY,
    shop               VARCHAR(100) NOT NULL,
    topic              VARCHAR(100) NOT NULL,
    customer_id        BIGINT NOT NULL DEFAULT 0,
    order_ids          TEXT NOT NULL DEFAULT '',
    request_id         VARCHAR(100) NOT NULL DEFAULT '',
    entries            INTEGER NOT NULL DEFAULT 0,
    deliveries         INTEGER NOT NULL DEFAULT 0,
    received_at        DATETIME NOT NULL,
    done_at            DATETIME NOT NULL
);
CREATE INDEX pt_redactions_shop ON pt_redactions (shop, id);

-- +goose Down
DROP TABLE pt_redactions;
DROP TABLE pt_webhook_claims;
DROP TABLE pt_webhook_topics;
DROP TABLE pt_webhook_deliveries;
