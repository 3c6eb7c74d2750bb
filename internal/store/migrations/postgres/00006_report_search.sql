-- Full-text search over reports (see ../sqlite/00006_report_search.sql).
-- PostgreSQL: tsvector('simple') chunks of the same tokens (search.Chunks
-- keeps each under the tsvector position limit) with a GIN index.

-- +goose Up
CREATE TABLE report_search (
    report_id BIGINT  NOT NULL REFERENCES reports(id),
    chunk     INTEGER NOT NULL,
    vec       TSVECTOR NOT NULL,
    PRIMARY KEY (report_id, chunk)
);
CREATE INDEX report_search_vec ON report_search USING GIN (vec);

-- +goose Down
DROP TABLE report_search;
