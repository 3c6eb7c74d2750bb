-- Statistics at province scale (issue 6; docs/benchmarks.md, "Scale:
-- statistics of a province"). A dashboard counts the decided persons and
-- the closed cases once for the unit and once per area group, and an area
-- group's scope is an OR of its members' unit subtrees, each bounded by
-- its membership: the planner then reads the period's rows of the whole
-- installation by date (case_subjects_decided, cases_closed) and looks
-- each row up to test its unit. These indexes carry every column those
-- statistics read, so the scan by date stays in the index:
-- case_subjects_decided adds the figures stored with the outcome (form,
-- sanctioned, ..., returned_fen) to (outcome_at, case_id), and
-- cases_closed_dated holds (status, closed_at) with the unit path and the
-- filing date of the average handling time.

-- +goose Up
DROP INDEX case_subjects_decided;
CREATE INDEX case_subjects_decided ON case_subjects (outcome_at, case_id, form, sanctioned, party_sanctioned, gov_sanctioned,
    org_action, transferred, funds_fen, returned_fen);
CREATE INDEX cases_closed_dated ON cases (status, closed_at, unit_path, filed_at);

-- +goose Down
DROP INDEX cases_closed_dated;
DROP INDEX case_subjects_decided;
CREATE INDEX case_subjects_decided ON case_subjects (outcome_at, case_id);
