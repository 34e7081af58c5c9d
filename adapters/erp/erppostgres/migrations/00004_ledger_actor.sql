-- Who acted on an order, in a column of its own on the ledger entry and on each event: the
-- portal user's name for an operator's action, empty for a feed run (whose run id is kept).
-- An operator's Skip gets a status of its own, excluded, which the feeds leave alone; before
-- this, it was told apart only by a problem text starting with "skipped by ". Entries and
-- events written that way are converted, the user taken from the text ("skipped by ann: …").

-- +goose Up
ALTER TABLE pt_order_ledger ADD COLUMN actor varchar(100) NOT NULL DEFAULT '';
ALTER TABLE pt_ledger_events ADD COLUMN actor varchar(100) NOT NULL DEFAULT '';

UPDATE pt_order_ledger
SET status = 'excluded', actor = left(split_part(substr(problem, 12), ': ', 1), 100)
WHERE status = 'skipped' AND left(problem, 11) = 'skipped by ';

UPDATE pt_ledger_events
SET status = 'excluded', actor = left(split_part(substr(message, 12), ': ', 1), 100)
WHERE status = 'skipped' AND run_id IS NULL AND left(message, 11) = 'skipped by ';

-- +goose Down
UPDATE pt_ledger_events SET status = 'skipped' WHERE status = 'excluded';
UPDATE pt_order_ledger SET status = 'skipped' WHERE status = 'excluded';
ALTER TABLE pt_ledger_events DROP COLUMN actor;
ALTER TABLE pt_order_ledger DROP COLUMN actor;
