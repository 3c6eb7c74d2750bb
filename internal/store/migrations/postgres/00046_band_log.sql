-- The band log of SQLite (store/band_log.go) has no PostgreSQL table:
-- there new reports' bands go into report_bands directly. This migration
-- keeps the two engines' schema versions in step.

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
