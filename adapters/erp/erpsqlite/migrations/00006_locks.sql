-- Several processes on one database: a lock per feed of a shop (pt_locks) and a claim per
-- shipment (pt_shipment_claims), each a lease its holder renews while it works and another
-- process takes over only once it has run out (expires_at, compared with the database's
-- own clock). Executions say which process ran them (owner) and, through the renewals of
-- the lock they run under (lock_token), when it was last seen working (heartbeat_at).
-- Times are UTC text like every other time in SQLite, as strftime('%Y-%m-%d %H:%M:%f',
-- 'now') writes them, so they compare as text.

-- +goose Up
CREATE TABLE pt_locks (
    shop               VARCHAR(100) NOT NULL,
    feed               VARCHAR(50) NOT NULL,
    owner              VARCHAR(64) NOT NULL,
    host               VARCHAR(255) NOT NULL DEFAULT '',
    pid                BIGINT NOT NULL DEFAULT 0,
    token              VARCHAR(64) NOT NULL,
    acquired_at        DATETIME NOT NULL,
    renewed_at         DATETIME NOT NULL,
    expires_at         DATETIME NOT NULL,
    PRIMARY KEY (shop, feed)
) WITHOUT ROWID;

CREATE TABLE pt_shipment_claims (
    shop               VARCHAR(100) NOT NULL,
    shipment_id        VARCHAR(50) NOT NULL,
    owner              VARCHAR(64) NOT NULL,
    host               VARCHAR(255) NOT NULL DEFAULT '',
    pid                BIGINT NOT NULL DEFAULT 0,
    token              VARCHAR(64) NOT NULL,
    acquired_at        DATETIME NOT NULL,
    renewed_at         DATETIME NOT NULL,
    expires_at         DATETIME NOT NULL,
    PRIMARY KEY (shop, shipment_id)
) WITHOUT ROWID;

ALTER TABLE pt_feed_executions ADD COLUMN owner VARCHAR(200) NOT NULL DEFAULT '';
ALTER TABLE pt_feed_executions ADD COLUMN lock_token VARCHAR(64) NOT NULL DEFAULT '';
ALTER TABLE pt_feed_executions ADD COLUMN heartbeat_at DATETIME NULL;
CREATE INDEX pt_feed_executions_shop ON pt_feed_executions (shop, feed, id);
CREATE INDEX pt_feed_executions_lock ON pt_feed_executions (lock_token);
-- The runs a new run looks at: RUNNING ones of its shop, however long the history.
CREATE INDEX pt_feed_executions_running ON pt_feed_executions (shop, outcome, feed);

-- +goose Down
DROP INDEX pt_feed_executions_running;
DROP INDEX pt_feed_executions_lock;
DROP INDEX pt_feed_executions_shop;
ALTER TABLE pt_feed_executions DROP COLUMN heartbeat_at;
ALTER TABLE pt_feed_executions DROP COLUMN lock_token;
ALTER TABLE pt_feed_executions DROP COLUMN owner;
DROP TABLE pt_shipment_claims;
DROP TABLE pt_locks;
