-- Decisions per subject (issue 5, milestone 2): the four form (四种形态)
-- derived from the subject's outcome with casework.FormOf, stored so that
-- statistics count it without decoding the outcome JSON, and the execution
-- steps of the subject's decision (announced or served, executed, reported,
-- transferred to the procuratorate), 0 until done. Identical for both
-- dialects.

-- +goose Up
ALTER TABLE case_subjects ADD COLUMN form INTEGER NOT NULL DEFAULT 0;
ALTER TABLE case_subjects ADD COLUMN outcome_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE case_subjects ADD COLUMN announced_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE case_subjects ADD COLUMN executed_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE case_subjects ADD COLUMN reported_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE case_subjects ADD COLUMN transferred_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX case_subjects_form ON case_subjects (form, case_id);

-- +goose Down
DROP INDEX case_subjects_form;
ALTER TABLE case_subjects DROP COLUMN transferred_at;
ALTER TABLE case_subjects DROP COLUMN reported_at;
ALTER TABLE case_subjects DROP COLUMN executed_at;
ALTER TABLE case_subjects DROP COLUMN announced_at;
ALTER TABLE case_subjects DROP COLUMN outcome_at;
ALTER TABLE case_subjects DROP COLUMN form;
