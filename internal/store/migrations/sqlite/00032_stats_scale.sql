-- Statistics at province scale (issue 6; docs/benchmarks.md, "Scale:
-- statistics of a province"). Every statistic counts the rows of a period
-- within a unit subtree (store.Stat); a dashboard does so for the unit,
-- per child unit and per area group (an OR of its members' subtrees, each
-- bounded by its membership). These indexes carry every column the
-- statistics read, so the rows are counted in the index:
-- - case_subjects_decided gains the figures stored with the outcome (form,
--   sanctioned, ..., returned_fen) after (outcome_at, case_id);
-- - cases_closed_dated is (status, closed_at) with the unit path and the
--   filing date of the average handling time;
-- - reports, clues and filed cases get one index per counted date with the
--   unit path and the breakdown keys (*_stats).
-- SQLite has no statistics: a covering date-first index would be taken for
-- a county too and read the whole province's period, so here the unit path
-- comes first (the PostgreSQL twin is date-first, for the province).

-- +goose Up
DROP INDEX case_subjects_decided;
CREATE INDEX case_subjects_decided ON case_subjects (outcome_at, case_id, form, sanctioned, party_sanctioned, gov_sanctioned,
    org_action, transferred, funds_fen, returned_fen);
CREATE INDEX cases_closed_dated ON cases (status, closed_at, unit_path, filed_at);
CREATE INDEX cases_filed_stats ON cases (unit_path, filed_at, status, category);
CREATE INDEX reports_received_stats ON reports (unit_path, received_at, channel, kind, category, status);
CREATE INDEX reports_closed_stats ON reports (unit_path, closed_at, channel, kind, category);
CREATE INDEX clues_received_stats ON clues (unit_path, received_at, source, category);
CREATE INDEX clues_disposed_stats ON clues (unit_path, disposed_at, mode, source, category, received_at);

-- +goose Down
DROP INDEX clues_disposed_stats;
DROP INDEX clues_received_stats;
DROP INDEX reports_closed_stats;
DROP INDEX reports_received_stats;
DROP INDEX cases_filed_stats;
DROP INDEX cases_closed_dated;
DROP INDEX case_subjects_decided;
CREATE INDEX case_subjects_decided ON case_subjects (outcome_at, case_id);
