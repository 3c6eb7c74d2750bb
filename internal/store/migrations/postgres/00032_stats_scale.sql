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
-- PostgreSQL plans with statistics: it takes these date-first indexes for a
-- province (an index-only scan of the period once the visibility map is
-- set: BulkLoad vacuums, autovacuum does it on a live server) and the
-- unit-first ones (reports_scope, clues_scope, ...) for a county. The SQLite
-- twin puts the unit path first: without statistics SQLite would take a
-- covering date-first index for a county too and read the whole province.

-- +goose Up
DROP INDEX case_subjects_decided;
CREATE INDEX case_subjects_decided ON case_subjects (outcome_at, case_id, form, sanctioned, party_sanctioned, gov_sanctioned,
    org_action, transferred, funds_fen, returned_fen);
CREATE INDEX cases_closed_dated ON cases (status, closed_at, unit_path, filed_at);
CREATE INDEX cases_filed_stats ON cases (filed_at, unit_path, status, category);
CREATE INDEX reports_received_stats ON reports (received_at, unit_path, channel, kind, category, status);
CREATE INDEX reports_closed_stats ON reports (closed_at, unit_path, channel, kind, category);
CREATE INDEX clues_received_stats ON clues (received_at, unit_path, source, category);
CREATE INDEX clues_disposed_stats ON clues (disposed_at, unit_path, mode, source, category, received_at);

-- +goose Down
DROP INDEX clues_disposed_stats;
DROP INDEX clues_received_stats;
DROP INDEX reports_closed_stats;
DROP INDEX reports_received_stats;
DROP INDEX cases_filed_stats;
DROP INDEX cases_closed_dated;
DROP INDEX case_subjects_decided;
CREATE INDEX case_subjects_decided ON case_subjects (outcome_at, case_id);
