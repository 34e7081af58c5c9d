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
    id                 varchar(64) NOT NULL PRIMARY KEY,
    user_name          varchar(100) NOT NULL,
    credential         varchar(64) NOT NULL,
    address            varchar(100) NOT NULL DEFAULT '',
    agent              varchar(200) NOT NULL DEFAULT '',
    started_at         timestamptz(3) NOT NULL,
    expires_at         timestamptz(3) NOT NULL,
    ended_at           timestamptz(3) NULL,
    ended_by           varchar(100) NOT NULL DEFAULT '',
    end_reason         varchar(20) NOT NULL DEFAULT ''
);
CREATE INDEX pt_portal_sessions_user ON pt_portal_sessions (user_name, expires_at);
CREATE INDEX pt_portal_sessions_expires ON pt_portal_sessions (expires_at);

CREATE TABLE pt_portal_users (
    name               varchar(100) NOT NULL PRIMARY KEY,
    role               varchar(20) NOT NULL DEFAULT '',
    password_hash      varchar(100) NOT NULL DEFAULT '',
    changed_at         timestamptz(3) NOT NULL,
    changed_by         varchar(100) NOT NULL
);

ALTER TABLE pt_feed_executions ADD COLUMN rest_calls bigint NOT NULL DEFAULT 0;
ALTER TABLE pt_feed_executions ADD COLUMN graphql_points bigint NOT NULL DEFAULT 0;
ALTER TABLE pt_feed_executions ADD COLUMN budget_wait_ms bigint NOT NULL DEFAULT 0;
ALTER TABLE pt_feed_executions ADD COLUMN rate_limited bigint NOT NULL DEFAULT 0;
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
