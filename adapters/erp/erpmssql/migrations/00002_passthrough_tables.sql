-- passthrough's own bookkeeping, prefixed pt_. The ledger's indexes give every portal filter
-- (status, severity, order date, order name, email prefix) an index to walk in keyset order.
-- search_email is compared in code-point order (BIN2), so an email prefix is an index range.

-- +goose Up
CREATE TABLE ${schema}.pt_order_ledger (
    shop               nvarchar(100) NOT NULL,
    order_id           bigint NOT NULL,
    order_name         nvarchar(100) NOT NULL DEFAULT N'',
    order_date         datetime2(3) NULL,
    customer_name      nvarchar(max) NOT NULL DEFAULT N'',
    customer_email     nvarchar(max) NOT NULL DEFAULT N'',
    search_email       nvarchar(320) COLLATE Latin1_General_100_BIN2 NOT NULL DEFAULT N'',
    total              decimal(18,4) NOT NULL DEFAULT 0,
    currency           nvarchar(3) NOT NULL DEFAULT N'',
    status             nvarchar(20) NOT NULL,
    severity           nvarchar(10) NOT NULL DEFAULT N'',
    problem            nvarchar(max) NOT NULL DEFAULT N'',
    attempts           int NOT NULL DEFAULT 0,
    payload_hash       nvarchar(128) NOT NULL DEFAULT N'',
    shopify_updated_at datetime2(3) NULL,
    last_run_id        bigint NULL,
    first_seen_at      datetime2(3) NOT NULL,
    updated_at         datetime2(3) NOT NULL,
    payload            nvarchar(max) NULL,
    CONSTRAINT pk_pt_order_ledger PRIMARY KEY (shop, order_id)
);
CREATE INDEX pt_order_ledger_updated ON ${schema}.pt_order_ledger (shop, updated_at, order_id);
CREATE INDEX pt_order_ledger_status ON ${schema}.pt_order_ledger (shop, status, updated_at, order_id);
CREATE INDEX pt_order_ledger_severity ON ${schema}.pt_order_ledger (shop, severity, updated_at, order_id);
CREATE INDEX pt_order_ledger_order_date ON ${schema}.pt_order_ledger (shop, order_date, order_id);
CREATE INDEX pt_order_ledger_order_name ON ${schema}.pt_order_ledger (order_name);
CREATE INDEX pt_order_ledger_search_email ON ${schema}.pt_order_ledger (search_email);

CREATE TABLE ${schema}.pt_ledger_events (
    id                 bigint IDENTITY(1,1) NOT NULL PRIMARY KEY,
    shop               nvarchar(100) NOT NULL,
    order_id           bigint NOT NULL,
    event_at           datetime2(3) NOT NULL,
    status             nvarchar(20) NOT NULL,
    severity           nvarchar(10) NOT NULL DEFAULT N'',
    message            nvarchar(max) NOT NULL DEFAULT N'',
    run_id             bigint NULL,
    CONSTRAINT fk_pt_ledger_events_order FOREIGN KEY (shop, order_id) REFERENCES ${schema}.pt_order_ledger (shop, order_id) ON DELETE CASCADE
);
CREATE INDEX pt_ledger_events_order ON ${schema}.pt_ledger_events (shop, order_id, id);

CREATE TABLE ${schema}.pt_feed_executions (
    id                 bigint IDENTITY(1,1) NOT NULL PRIMARY KEY,
    feed               nvarchar(50) NOT NULL,
    shop               nvarchar(100) NOT NULL DEFAULT N'',
    run_trigger        nvarchar(20) NOT NULL DEFAULT N'',
    started_at         datetime2(3) NOT NULL,
    finished_at        datetime2(3) NULL,
    outcome            nvarchar(20) NOT NULL,
    n_seen             int NOT NULL DEFAULT 0,
    n_written          int NOT NULL DEFAULT 0,
    n_skipped          int NOT NULL DEFAULT 0,
    n_retry            int NOT NULL DEFAULT 0,
    n_errors           int NOT NULL DEFAULT 0,
    error_message      nvarchar(max) NOT NULL DEFAULT N''
);
CREATE INDEX pt_feed_executions_feed ON ${schema}.pt_feed_executions (feed, id);

CREATE TABLE ${schema}.pt_problems (
    id                 bigint IDENTITY(1,1) NOT NULL PRIMARY KEY,
    execution_id       bigint NULL REFERENCES ${schema}.pt_feed_executions (id) ON DELETE CASCADE,
    feed               nvarchar(50) NOT NULL,
    shop               nvarchar(100) NOT NULL DEFAULT N'',
    record_key         nvarchar(200) NOT NULL DEFAULT N'',
    severity           nvarchar(10) NOT NULL,
    message            nvarchar(max) NOT NULL DEFAULT N'',
    found_at           datetime2(3) NOT NULL
);
CREATE INDEX pt_problems_execution ON ${schema}.pt_problems (execution_id, id);
CREATE INDEX pt_problems_feed ON ${schema}.pt_problems (feed, id);
CREATE INDEX pt_problems_record ON ${schema}.pt_problems (record_key, id);

CREATE TABLE ${schema}.pt_watermarks (
    shop               nvarchar(100) NOT NULL,
    feed               nvarchar(50) NOT NULL,
    mark_at            datetime2(3) NOT NULL,
    CONSTRAINT pk_pt_watermarks PRIMARY KEY (shop, feed)
);

CREATE TABLE ${schema}.pt_inventory_sent (
    shop               nvarchar(100) NOT NULL,
    inventory_item_id  bigint NOT NULL,
    location_id        bigint NOT NULL,
    sku                nvarchar(255) NOT NULL DEFAULT N'',
    available          bigint NOT NULL,
    sent_at            datetime2(3) NOT NULL,
    dry_run            bit NOT NULL DEFAULT 0,
    CONSTRAINT pk_pt_inventory_sent PRIMARY KEY (shop, inventory_item_id, location_id)
);

CREATE TABLE ${schema}.pt_settings (
    name               nvarchar(200) NOT NULL PRIMARY KEY,
    value              nvarchar(max) NOT NULL
);

-- +goose Down
DROP TABLE ${schema}.pt_settings;
DROP TABLE ${schema}.pt_inventory_sent;
DROP TABLE ${schema}.pt_watermarks;
DROP TABLE ${schema}.pt_problems;
DROP TABLE ${schema}.pt_feed_executions;
DROP TABLE ${schema}.pt_ledger_events;
DROP TABLE ${schema}.pt_order_ledger;
