-- The clue reconciliation (定期汇总核对) counts a commission's ledger per
-- handling unit and month in one statement. This index holds every column
-- the statement and the scope terms read, so it scans the index range of
-- the subtree and never the wide clue rows (their content text). Its prefix
-- (unit_path, received_at) also serves the ledger list. Identical for both
-- dialects.

-- +goose Up
CREATE INDEX clues_reconcile ON clues (unit_path, received_at, disposed_at, disposal_due_at, escalated_at, joint_at, unit_id,
    mode, status, subject_path, id);

-- +goose Down
DROP INDEX clues_reconcile;
