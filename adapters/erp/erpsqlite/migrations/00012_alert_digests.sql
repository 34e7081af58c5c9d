-- What issue 15 adds for the alerts: one row per store saying what its last digest told.
--
-- pt_alert_digests: since is how far the store's digests have told (the next digest tells
-- what happened after it), sent_at when the last one went out and items how many things it
-- told. claimed_at/claimed_by mark a digest being sent: the statement that decides to send
-- writes them, so two processes never both send, and a claim whose process died is taken
-- over after a lease. failed_at, failures and last_error say why sending failed; since
-- stays until a send succeeds, so nothing is lost.
--
-- pt_feed_executions gains an index to read a store's runs by when they finished: the
-- failed runs since the last digest.

-- +goose Up
CREATE TABLE pt_alert_digests (
    shop               VARCHAR(100) NOT NULL PRIMARY KEY,
    since              DATETIME NOT NULL,
    sent_at            DATETIME NULL,
    items              INTEGER NOT NULL DEFAULT 0,
    claimed_at         DATETIME NULL,
    claimed_by         VARCHAR(64) NOT NULL DEFAULT '',
    failed_at          DATETIME NULL,
    failures           INTEGER NOT NULL DEFAULT 0,
    last_error         VARCHAR(1000) NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE INDEX pt_feed_executions_finished ON pt_feed_executions (shop, finished_at);

-- +goose Down
DROP INDEX pt_feed_executions_finished;
DROP TABLE pt_alert_digests;
