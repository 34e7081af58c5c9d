-- Several processes on one database: a lock per feed of a shop (pt_locks) and a claim per
-- shipment (pt_shipment_claims), each a lease its holder renews while it works and another
-- process takes over only once it has run out (expires_at, compared with the database's
-- own clock, SYSUTCDATETIME()). Executions say which process ran them (owner) and, through
-- the renewals of the lock they run under (lock_token), when it was last seen working
-- (heartbeat_at). The defaults are named so that Down can drop them before their columns.

-- +goose Up
CREATE TABLE ${schema}.pt_locks (
    shop               nvarchar(100) NOT NULL,
    feed               nvarchar(50) NOT NULL,
    owner              nvarchar(64) NOT NULL,
    host               nvarchar(255) NOT NULL DEFAULT N'',
    pid                bigint NOT NULL DEFAULT 0,
    token              nvarchar(64) NOT NULL,
    acquired_at        datetime2(3) NOT NULL,
    renewed_at         datetime2(3) NOT NULL,
    expires_at         datetime2(3) NOT NULL,
    PRIMARY KEY (shop, feed)
);

CREATE TABLE ${schema}.pt_shipment_claims (
    shop               nvarchar(100) NOT NULL,
    shipment_id        nvarchar(50) NOT NULL,
    owner              nvarchar(64) NOT NULL,
    host               nvarchar(255) NOT NULL DEFAULT N'',
    pid                bigint NOT NULL DEFAULT 0,
    token              nvarchar(64) NOT NULL,
    acquired_at        datetime2(3) NOT NULL,
    renewed_at         datetime2(3) NOT NULL,
    expires_at         datetime2(3) NOT NULL,
    PRIMARY KEY (shop, shipment_id)
);

ALTER TABLE ${schema}.pt_feed_executions ADD owner nvarchar(200) NOT NULL CONSTRAINT df_pt_feed_executions_owner DEFAULT N'';
ALTER TABLE ${schema}.pt_feed_executions ADD lock_token nvarchar(64) NOT NULL CONSTRAINT df_pt_feed_executions_lock_token DEFAULT N'';
ALTER TABLE ${schema}.pt_feed_executions ADD heartbeat_at datetime2(3) NULL;
CREATE INDEX pt_feed_executions_shop ON ${schema}.pt_feed_executions (shop, feed, id);
CREATE INDEX pt_feed_executions_lock ON ${schema}.pt_feed_executions (lock_token);
-- The runs a new run looks at: RUNNING ones of its shop, however long the history.
CREATE INDEX pt_feed_executions_running ON ${schema}.pt_feed_executions (shop, outcome, feed);

-- +goose Down
DROP INDEX pt_feed_executions_running ON ${schema}.pt_feed_executions;
DROP INDEX pt_feed_executions_lock ON ${schema}.pt_feed_executions;
DROP INDEX pt_feed_executions_shop ON ${schema}.pt_feed_executions;
ALTER TABLE ${schema}.pt_feed_executions DROP COLUMN heartbeat_at;
ALTER TABLE ${schema}.pt_feed_executions DROP CONSTRAINT df_pt_feed_executions_lock_token;
ALTER TABLE ${schema}.pt_feed_executions DROP COLUMN lock_token;
ALTER TABLE ${schema}.pt_feed_executions DROP CONSTRAINT df_pt_feed_executions_owner;
ALTER TABLE ${schema}.pt_feed_executions DROP COLUMN owner;
DROP TABLE ${schema}.pt_shipment_claims;
DROP TABLE ${schema}.pt_locks;
