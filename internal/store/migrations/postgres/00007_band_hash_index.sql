-- Near-duplicate candidate lookup goes by band hash alone (one index probe
-- for all bands); the band number is checked in Go. Identical for both dialects.

-- +goose Up
CREATE INDEX report_bands_hash ON report_bands (hash);
DROP INDEX report_bands_lookup;

-- +goose Down
CREATE INDEX report_bands_lookup ON report_bands (band, hash);
DROP INDEX report_bands_hash;
