-- Band rows clustered by (hash, report_id, band) in one b-tree (WITHOUT
-- ROWID): one write per band instead of three (rowid table, hash index,
-- report index), and the candidate lookup by hash reads the key alone.

-- +goose Up
CREATE TABLE report_bands_c (
    band      SMALLINT NOT NULL,
    hash      BIGINT   NOT NULL,
    report_id INTEGER  NOT NULL REFERENCES reports(id),
    PRIMARY KEY (hash, report_id, band)
) WITHOUT ROWID;
INSERT INTO report_bands_c (band, hash, report_id) SELECT band, hash, report_id FROM report_bands;
DROP TABLE report_bands;
ALTER TABLE report_bands_c RENAME TO report_bands;

-- +goose Down
CREATE TABLE report_bands_r (
    band      SMALLINT NOT NULL,
    hash      BIGINT   NOT NULL,
    report_id INTEGER  NOT NULL REFERENCES reports(id)
);
INSERT INTO report_bands_r (band, hash, report_id) SELECT band, hash, report_id FROM report_bands;
DROP TABLE report_bands;
ALTER TABLE report_bands_r RENAME TO report_bands;
CREATE INDEX report_bands_hash ON report_bands (hash);
CREATE INDEX report_bands_report ON report_bands (report_id);
