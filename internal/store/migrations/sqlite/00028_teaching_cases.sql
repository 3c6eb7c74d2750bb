-- Teaching cases (以案代训, issue 5): the anonymised copy of a closed case,
-- marked by case.approve for the training of its commission's staff. The
-- copy holds no subject's name (pseudonyms, numbers masked: see
-- casework.Teach); subjects is the JSON of the anonymised subjects with
-- their outcomes. case_id is the source case, never shown to readers who
-- cannot see it. A withdrawn copy is kept (withdrawn_at <> 0); one case has
-- at most one copy in use. Keep the PostgreSQL twin in step. Times are
-- BIGINT Unix milliseconds (0 = not yet). Closed cases are looked up by
-- status and closing time for similar cases (类案).

-- +goose Up
CREATE TABLE teaching_cases (
    id              INTEGER PRIMARY KEY,
    case_id         INTEGER NOT NULL REFERENCES cases(id),
    unit_id         INTEGER NOT NULL REFERENCES units(id),
    unit_path       TEXT    NOT NULL,
    title           TEXT    NOT NULL,
    note            TEXT    NOT NULL DEFAULT '',
    category        TEXT    NOT NULL,
    cause           TEXT    NOT NULL,
    summary         TEXT    NOT NULL DEFAULT '',
    subjects        TEXT    NOT NULL,
    closed_at       BIGINT  NOT NULL DEFAULT 0,
    marked_by       INTEGER REFERENCES users(id),
    marked_at       BIGINT  NOT NULL,
    withdrawn_by    BIGINT  NOT NULL DEFAULT 0,
    withdrawn_at    BIGINT  NOT NULL DEFAULT 0,
    withdraw_reason TEXT    NOT NULL DEFAULT '',
    version         BIGINT  NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX teaching_cases_active ON teaching_cases (case_id) WHERE withdrawn_at = 0;
CREATE INDEX teaching_cases_unit ON teaching_cases (unit_path, marked_at);
CREATE INDEX cases_closed ON cases (status, closed_at);

-- +goose Down
DROP INDEX cases_closed;
DROP TABLE teaching_cases;
