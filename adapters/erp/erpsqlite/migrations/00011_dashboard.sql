-- What the portal's dashboard and its bell need (issue 15).
--
-- pt_portal_seen: up to when each user has seen each store's news (new problem classes,
-- failed runs): the bell counts what came after, in every replica and after a restart.
--
-- pt_ledger_events gains an index that serves the orders staged per hour as an index range:
-- a store's ledger events of one status, by time.

-- +goose Up
CREATE TABLE pt_portal_seen (
    user_name          VARCHAR(100) NOT NULL,
    shop               VARCHAR(100) NOT NULL,
    seen_at            DATETIME NOT NULL,
    PRIMARY KEY (user_name, shop)
) WITHOUT ROWID;
CREATE INDEX pt_ledger_events_status_at ON pt_ledger_events (shop, status, event_at);

-- +goose Down
DROP INDEX pt_ledger_events_status_at;
DROP TABLE pt_portal_seen;
