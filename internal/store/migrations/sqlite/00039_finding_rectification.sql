-- A supervision task's finding becomes at most one rectification item
-- (issue 7: "findings raised during a task become rectification items or
-- clues with one action"): the rectification's source is the finding.
-- Identical for both dialects.

-- +goose Up
CREATE UNIQUE INDEX rectifications_finding ON rectifications (source_id) WHERE source_type = 'task_finding';

-- +goose Down
DROP INDEX rectifications_finding;
