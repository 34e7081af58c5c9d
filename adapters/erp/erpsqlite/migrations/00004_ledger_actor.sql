-- Who acted on an order, in a column of its own on the ledger entry and on each event: the
-- portal user's name for an operator's action, empty for a feed run (whose run id is kept).
-- An operator's Skip gets a status of its own, excluded, which the feeds leave alone; before
-- this, it was told apart only by a problem text starting with "skipped by ". Entries and
-- events written that way are converted, the user taken from the text ("skipped by ann: …").
-- SQLite appends the new column after the ledger's payload: it is read only where the payload
-- is (LedgerGet, LedgerList), never by the look at the old status that LedgerPut takes.

-- +goose Up
ALTER TABLE pt_order_ledger ADD COLUMN actor VARCHAR(100) NOT NULL DEFAULT '';
ALTER TABLE pt_ledger_events ADD COLUMN actor VARCHAR(100) NOT NULL DEFAULT '';

UPDATE pt_order_ledger
SET status = 'excluded',
    actor = substr(CASE WHEN instr(substr(problem, 12), ': ') > 0
                        THEN substr(problem, 12, instr(substr(problem, 12), ': ') - 1)
                        ELSE substr(problem, 12) END, 1, 100)
WHERE status = 'skipped' AND substr(problem, 1, 11) = 'skipped by ';

UPDATE pt_ledger_events
SET status = 'excluded',
    actor = substr(CASE WHEN instr(substr(message, 12), ': ') > 0
                        THEN substr(message, 12, instr(substr(message, 12), ': ') - 1)
                        ELSE substr(message, 12) END, 1, 100)
WHERE status = 'skipped' AND run_id IS NULL AND substr(message, 1, 11) = 'skipped by ';

-- +goose Down
UPDATE pt_ledger_events SET status = 'skipped' WHERE status = 'excluded';
UPDATE pt_order_ledger SET status = 'skipped' WHERE status = 'excluded';
ALTER TABLE pt_ledger_events DROP COLUMN actor;
ALTER TABLE pt_order_ledger DROP COLUMN actor;
