-- The band log: a new report's near-duplicate band hashes as one row keyed
-- by its id (appended at the end of the b-tree) instead of 48 rows spread
-- over report_bands' pages; merged into report_bands in order of hash when
-- it has grown (store/band_log.go). hashes is a JSON array: hashes[i] is
-- band i's hash.

-- +goose Up
CREATE TABLE report_band_log (
    report_id INTEGER PRIMARY KEY REFERENCES reports(id),
    hashes    TEXT    NOT NULL
);

-- +goose Down
INSERT OR IGNORE INTO report_bands (band, hash, report_id)
    SELECT j.key, j.value, l.report_id FROM report_band_log l, json_each(l.hashes) j;
DROP TABLE report_band_log;
