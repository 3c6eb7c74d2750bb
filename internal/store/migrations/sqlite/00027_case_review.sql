-- Case work, last part (issue 5): the findings of the joint quality review
-- (案件质量联审) against the checklist (casework/checklist.json), tracked
-- until the investigation team resolves them; the appeals (申诉) of closed
-- cases with their decisions. Merging (并案) uses cases.merged_into; the
-- moved rows keep their ids. Keep the two dialects in step. Times are
-- BIGINT Unix milliseconds (0 = not yet).

-- +goose Up
CREATE TABLE case_findings (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases(id),
    item        TEXT    NOT NULL,
    text        TEXT    NOT NULL,
    reviewer_id INTEGER REFERENCES users(id),
    unit_id     INTEGER REFERENCES units(id),
    created_at  BIGINT  NOT NULL,
    resolved_at BIGINT  NOT NULL DEFAULT 0,
    resolution  TEXT    NOT NULL DEFAULT '',
    resolved_by BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX case_findings_case ON case_findings (case_id, id);

CREATE TABLE case_appeals (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases(id),
    subject_id  INTEGER NOT NULL REFERENCES case_subjects(id),
    content     TEXT    NOT NULL,
    received_at BIGINT  NOT NULL,
    decided_at  BIGINT  NOT NULL DEFAULT 0,
    outcome     TEXT    NOT NULL DEFAULT '',
    decision    TEXT    NOT NULL DEFAULT '',
    user_id     INTEGER REFERENCES users(id)
);
CREATE INDEX case_appeals_case ON case_appeals (case_id, id);
CREATE INDEX cases_merged_into ON cases (merged_into) WHERE merged_into <> 0;

-- +goose Down
DROP INDEX cases_merged_into;
DROP TABLE case_appeals;
DROP TABLE case_findings;
