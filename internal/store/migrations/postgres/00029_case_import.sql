-- Historical case ledgers (案件台账, issue 5): cases imported from a file
-- keep the file's name (imported_from; '' for cases filed in Qingfeng), and
-- a subject the ledger marks as detained (是否留置) has detained set, so
-- that statistics count detentions of imported cases, which have no
-- measure rows (live detentions are case_measures of kind detention).
-- Identical for both dialects.

-- +goose Up
ALTER TABLE cases ADD COLUMN imported_from TEXT NOT NULL DEFAULT '';
ALTER TABLE case_subjects ADD COLUMN detained BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose Down
ALTER TABLE case_subjects DROP COLUMN detained;
ALTER TABLE cases DROP COLUMN imported_from;
