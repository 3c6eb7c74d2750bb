-- Full-text search over reports. Tokens come from internal/search (the same
-- code for both engines): ASCII-coded character bigrams, so a phrase of the
-- query's tokens matches exactly the documents containing the query text.
-- SQLite: a contentless FTS5 table keyed by report id (rowid).

-- +goose Up
CREATE VIRTUAL TABLE report_fts USING fts5(tokens, content = '', contentless_delete = 1, tokenize = 'ascii');

-- +goose Down
DROP TABLE report_fts;
