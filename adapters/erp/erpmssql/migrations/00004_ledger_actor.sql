-- Who acted on an order, in a column of its own on the ledger entry and on each event: the
-- portal user's name for an operator's action, empty for a feed run (whose run id is kept).
-- An operator's Skip gets a status of its own, excluded, which the feeds leave alone; before
-- this, it was told apart only by a problem text starting with "skipped by ". Entries and
-- events written that way are converted, the user taken from the text ("skipped by ann: …").
-- The defaults are named so that Down can drop them before their columns.

-- +goose Up
ALTER TABLE ${schema}.pt_order_ledger ADD actor nvarchar(100) NOT NULL CONSTRAINT df_pt_order_ledger_actor DEFAULT N'';
ALTER TABLE ${schema}.pt_ledger_events ADD actor nvarchar(100) NOT NULL CONSTRAINT df_pt_ledger_events_actor DEFAULT N'';

UPDATE ${schema}.pt_order_ledger
SET status = N'excluded',
    actor = LEFT(CASE WHEN CHARINDEX(N': ', problem, 12) > 0
                      THEN SUBSTRING(problem, 12, CHARINDEX(N': ', problem, 12) - 12)
                      ELSE SUBSTRING(problem, 12, 4000) END, 100)
WHERE status = N'skipped' AND problem LIKE N'skipped by %';

UPDATE ${schema}.pt_ledger_events
SET status = N'excluded',
    actor = LEFT(CASE WHEN CHARINDEX(N': ', message, 12) > 0
                      THEN SUBSTRING(message, 12, CHARINDEX(N': ', message, 12) - 12)
                      ELSE SUBSTRING(message, 12, 4000) END, 100)
WHERE status = N'skipped' AND run_id IS NULL AND message LIKE N'skipped by %';

-- +goose Down
UPDATE ${schema}.pt_ledger_events SET status = N'skipped' WHERE status = N'excluded';
UPDATE ${schema}.pt_order_ledger SET status = N'skipped' WHERE status = N'excluded';
ALTER TABLE ${schema}.pt_ledger_events DROP CONSTRAINT df_pt_ledger_events_actor;
ALTER TABLE ${schema}.pt_ledger_events DROP COLUMN actor;
ALTER TABLE ${schema}.pt_order_ledger DROP CONSTRAINT df_pt_order_ledger_actor;
ALTER TABLE ${schema}.pt_order_ledger DROP COLUMN actor;
