-- passthrough's own bookkeeping, prefixed pt_. The ledger's indexes give every portal filter
-- (status, severity, order date, order name, email prefix) an index to walk in keyset order.
-- Every index written costs a page per staged order, so the ledger is clustered on its key
-- (WITHOUT ROWID: no separate key index), keeps its large payload last (a page listing reads
-- no overflow pages), and the severity index leaves out entries without a problem. Ids are
-- plain INTEGER PRIMARY KEYs: AUTOINCREMENT would write sqlite_sequence on every insert.

-- +goose Up
CREATE TABLE pt_order_ledger (
    shop               VARCHAR(100) NOT NULL,
    order_id           BIGINT NOT NULL,
    order_name         VARCHAR(100) NOT NULL DEFAULT '',
    order_date         DATETIME NULL,
    customer_name      TEXT NOT NULL DEFAULT '',
    customer_email     TEXT NOT NULL DEFAULT '',
    search_email       VARCHAR(320) NOT NULL DEFAULT '',
    total              DECIMAL_TEXT(18,4) NOT NULL DEFAULT '0',
    currency           VARCHAR(3) NOT NULL DEFAULT '',
    status             VARCHAR(20) NOT NULL,
    severity           VARCHAR(10) NOT NULL DEFAULT '',
    problem            TEXT NOT NULL DEFAULT '',
    attempts           INTEGER NOT NULL DEFAULT 0,
    payload_hash       VARCHAR(128) NOT NULL DEFAULT '',
    shopify_updated_at DATETIME NULL,
    last_run_id        BIGINT NULL,
    first_seen_at      DATETIME NOT NULL,
    updated_at         DATETIME NOT NULL,
    payload            TEXT NULL,
    PRIMARY KEY (shop, order_id)
) WITHOUT ROWID;
CREATE INDEX pt_order_ledger_updated ON pt_order_ledger (shop, updated_at, order_id);
CREATE INDEX pt_order_ledger_status ON pt_order_ledger (shop, status, updated_at, order_id);
CREATE INDEX pt_order_ledger_severity ON pt_order_ledger (shop, severity, updated_at, order_id) WHERE severity <> '';
CREATE INDEX pt_order_ledger_order_date ON pt_order_ledger (shop, order_date, order_id);
CREATE INDEX pt_order_ledger_order_name ON pt_order_ledger (order_name);
CREATE INDEX pt_order_ledger_search_email ON pt_order_ledger (search_email);

CREATE TABLE pt_ledger_events (
    id                 INTEGER PRIMARY KEY,
    shop               VARCHAR(100) NOT NULL,
    order_id           BIGINT NOT NULL,
    event_at           DATETIME NOT NULL,
    status             VARCHAR(20) NOT NULL,
    severity           VARCHAR(10) NOT NULL DEFAULT '',
    message            TEXT NOT NULL DEFAULT '',
    run_id             BIGINT NULL,
    FOREIGN KEY (shop, order_id) REFERENCES pt_order_ledger (shop, order_id) ON DELETE CASCADE
);
CREATE INDEX pt_ledger_events_order ON pt_ledger_events (shop, order_id, id);

CREATE TABLE pt_feed_executions (
    id                 INTEGER PRIMARY KEY,
    feed               VARCHAR(50) NOT NULL,
    shop               VARCHAR(100) NOT NULL DEFAULT '',
    run_trigger        VARCHAR(20) NOT NULL DEFAULT '',
    started_at         DATETIME NOT NULL,
    finished_at        DATETIME NULL,
    outcome            VARCHAR(20) NOT NULL,
    n_seen             INTEGER NOT NULL DEFAULT 0,
    n_written          INTEGER NOT NULL DEFAULT 0,
    n_skipped          INTEGER NOT NULL DEFAULT 0,
    n_retry            INTEGER NOT NULL DEFAULT 0,
    n_errors           INTEGER NOT NULL DEFAULT 0,
    error_message      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX pt_feed_executions_feed ON pt_feed_executions (feed, id);

CREATE TABLE pt_problems (
    id                 INTEGER PRIMARY KEY,
    execution_id       BIGINT NULL REFERENCES pt_feed_executions (id) ON DELETE CASCADE,
    feed               VARCHAR(50) NOT NULL,
    shop               VARCHAR(100) NOT NULL DEFAULT '',
    record_key         VARCHAR(200) NOT NULL DEFAULT '',
    severity           VARCHAR(10) NOT NULL,
    message            TEXT NOT NULL DEFAULT '',
    found_at           DATETIME NOT NULL
);
CREATE INDEX pt_problems_execution ON pt_problems (execution_id, id);
CREATE INDEX pt_problems_feed ON pt_problems (feed, id);
CREATE INDEX pt_problems_record ON pt_problems (record_key, id);

CREATE TABLE pt_watermarks (
    shop               VARCHAR(100) NOT NULL,
    feed               VARCHAR(50) NOT NULL,
    mark_at            DATETIME NOT NULL,
    PRIMARY KEY (shop, feed)
);

CREATE TABLE pt_inventory_sent (
    shop               VARCHAR(100) NOT NULL,
    inventory_item_id  BIGINT NOT NULL,
    location_id        BIGINT NOT NULL,
    sku                VARCHAR(255) NOT NULL DEFAULT '',
    available          BIGINT NOT NULL,
    sent_at            DATETIME NOT NULL,
    dry_run            BOOLEAN NOT NULL DEFAULT 0,
    PRIMARY KEY (shop, inventory_item_id, location_id)
);

CREATE TABLE pt_settings (
    name               VARCHAR(200) NOT NULL PRIMARY KEY,
    value              TEXT NOT NULL
);

-- +goose Down
DROP TABLE pt_settings;
DROP TABLE pt_inventory_sent;
DROP TABLE pt_watermarks;
DROP TABLE pt_problems;
DROP TABLE pt_feed_executions;
DROP TABLE pt_ledger_events;
DROP TABLE pt_order_ledger;
