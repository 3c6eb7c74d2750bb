-- Band rows keyed by (hash, report_id, band): one index instead of two (see
-- ../sqlite/00008_bands_clustered.sql).

-- +goose Up
ALTER TABLE report_bands ADD PRIMARY KEY (hash, report_id, band);
DROP INDEX report_bands_hash;
DROP INDEX report_bands_report;

-- +goose Down
CREATE INDEX report_bands_report ON report_bands (report_id);
CREATE INDEX report_bands_hash ON report_bands (hash);
ALTER TABLE report_bands DROP CONSTRAINT report_bands_pkey;
