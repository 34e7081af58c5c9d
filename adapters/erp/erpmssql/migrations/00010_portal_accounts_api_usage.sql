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

-- The defaults added to pt_feed_executions are named so that Down can drop them before
-- their columns.

-- +goose Up
CREATE TABLE ${schema}.pt_portal_sessions (
    id                 nvarchar(64) NOT NULL,
    user_name          nvarchar(100) NOT NULL,
    credential         nvarchar(64) NOT NULL,
    address            nvarchar(100) NOT NULL DEFAULT N'',
    agent              nvarchar(200) NOT NULL DEFAULT N'',
    started_at         datetime2(3) NOT NULL,
    expires_at         datetime2(3) NOT NULL,
    ended_at           datetime2(3) NULL,
    ended_by           nvarchar(100) NOT NULL DEFAULT N'',
    end_reason         nvarchar(20) NOT NULL DEFAULT N'',
    CONSTRAINT pk_pt_portal_sessions PRIMARY KEY (id)
);
CREATE INDEX pt_portal_sessions_user ON ${schema}.pt_portal_sessions (user_name, expires_at);
CREATE INDEX pt_portal_sessions_expires ON ${schema}.pt_portal_sessions (expires_at);

CREATE TABLE ${schema}.pt_portal_users (
    name               nvarchar(100) NOT NULL,
    role               nvarchar(20) NOT NULL DEFAULT N'',
    password_hash      nvarchar(100) NOT NULL DEFAULT N'',
    changed_at         datetime2(3) NOT NULL,
    changed_by         nvarchar(100) NOT NULL,
    CONSTRAINT pk_pt_portal_users PRIMARY KEY (name)
);

ALTER TABLE ${schema}.pt_feed_executions ADD rest_calls bigint NOT NULL CONSTRAINT df_pt_feed_executions_rest_calls DEFAULT 0;
ALTER TABLE ${schema}.pt_feed_executions ADD graphql_points bigint NOT NULL CONSTRAINT df_pt_feed_executions_graphql_points DEFAULT 0;
ALTER TABLE ${schema}.pt_feed_executions ADD budget_wait_ms bigint NOT NULL CONSTRAINT df_pt_feed_executions_budget_wait_ms DEFAULT 0;
ALTER TABLE ${schema}.pt_feed_executions ADD rate_limited bigint NOT NULL CONSTRAINT df_pt_feed_executions_rate_limited DEFAULT 0;
CREATE INDEX pt_feed_executions_started ON ${schema}.pt_feed_executions (shop, started_at);

-- +goose Down
DROP INDEX pt_feed_executions_started ON ${schema}.pt_feed_executions;
ALTER TABLE ${schema}.pt_feed_executions DROP CONSTRAINT df_pt_feed_executions_rate_limited;
ALTER TABLE ${schema}.pt_feed_executions DROP COLUMN rate_limited;
ALTER TABLE ${schema}.pt_feed_executions DROP CONSTRAINT df_pt_feed_executions_budget_wait_ms;
ALTER TABLE ${schema}.pt_feed_executions DROP COLUMN budget_wait_ms;
ALTER TABLE ${schema}.pt_feed_executions DROP CONSTRAINT df_pt_feed_executions_graphql_points;
ALTER TABLE ${schema}.pt_feed_executions DROP COLUMN graphql_points;
ALTER TABLE ${schema}.pt_feed_executions DROP CONSTRAINT df_pt_feed_executions_rest_calls;
ALTER TABLE ${schema}.pt_feed_executions DROP COLUMN rest_calls;
DROP TABLE ${schema}.pt_portal_users;
DROP TABLE ${schema}.pt_portal_sessions;
