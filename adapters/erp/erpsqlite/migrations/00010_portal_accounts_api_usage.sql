-- What issue 15 adds for the portal's administration and the Shopify budget meter.
--
-- pt_portal_sessions: every portal login, so that a logout, a password change or a role
-- change ends it in every replica and after a restart. id is a hash of the login's secret
-- (the sealed cookie holds the secret itself); credential is a print of the user's password
-- hash and role at login, so a login outlives neither. ended_at/ended_by/end_reason say who
-- ended it and why (logout, password, role, signed_out).
--
-- pt_portal_users: what an admin changed of a configured user in the portal (its password
-- hash, its role), which wins over the configuration's; empty columns keep the
-- configuration's.
--
-- pt_feed_executions gains what each run cost of the store's Shopify API budget: REST
-- requests (one each from the leaky bucket), GraphQL points, time spent waiting for budget,
-- and the answers that said the budget was spent (429, THROTTLED); and an index to read a
-- store's runs by when they started, for the budget per hour.

-- +goose Up
CREATE TABLE pt_portal_sessions (
    id                 VARCHAR(64) NOT NULL PRIMARY KEY,
    user_name          VARCHAR(100) NOT NULL,
    credential         VARCHAR(64) NOT NULL,
    address            VARCHAR(100) NOT NULL DEFAULT '',
    agent              VARCHAR(200) NOT NULL DEFAULT '',
    started_at         DATETIME NOT NULL,
    expires_at         DATETIME NOT NULL,
    ended_at           DATETIME NULL,
    ended_by           VARCHAR(100) NOT NULL DEFAULT '',
    end_reason         VARCHAR(20) NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE INDEX pt_portal_sessions_user ON pt_portal_sessions (user_name, expires_at);
CREATE INDEX pt_portal_sessions_expires ON pt_portal_sessions (expires_at);

CREATE TABLE pt_portal_users (
    name               VARCHAR(100) NOT NULL PRIMARY KEY,
    role               VARCHAR(20) NOT NULL DEFAULT '',
    password_hash      VARCHAR(100) NOT NULL DEFAULT '',
    changed_at         DATETIME NOT NULL,
    changed_by         VARCHAR(100) NOT NULL
) WITHOUT ROWID;

ALTER TABLE pt_feed_executions ADD COLUMN rest_calls BIGINT NOT NULL DEFAULT 0;
ALTER TABLE pt_feed_executions ADD COLUMN graphql_points BIGINT NOT NULL DEFAULT 0;
ALTER TABLE pt_feed_executions ADD COLUMN budget_wait_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE pt_feed_executions ADD COLUMN rate_limited BIGINT NOT NULL DEFAULT 0;
CREATE INDEX pt_feed_executions_started ON pt_feed_executions (shop, started_at);

-- +goose Down
DROP INDEX pt_feed_executions_started;
ALTER TABLE pt_feed_executions DROP COLUMN rate_limited;
ALTER TABLE pt_feed_executions DROP COLUMN budget_wait_ms;
ALTER TABLE pt_feed_executions DROP COLUMN graphql_points;
ALTER TABLE pt_feed_executions DROP COLUMN rest_calls;
DROP TABLE pt_portal_users;
DROP INDEX pt_portal_sessions_expires;
DROP INDEX pt_portal_sessions_user;
DROP TABLE pt_portal_sessions;
