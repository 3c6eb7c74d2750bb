-- Cases (案件): the numbered case ledger, subjects (被审查调查人) with their
-- outcomes, teams (time-boxed, records kept after they end), measures with
-- their approvals and extensions, hand-off events and documents. Keep the
-- PostgreSQL twin in step. Times are BIGINT Unix milliseconds (0 = not yet);
-- dates are TEXT YYYY-MM-DD. clue_hold is the source clue while the case
-- holds it (filing requested or approved; 0 after a refusal): its unique
-- index makes a second filing of one clue a conflict.

-- +goose Up
CREATE TABLE cases (
    id             INTEGER PRIMARY KEY,
    number         TEXT    NOT NULL,
    year           INTEGER NOT NULL,
    seq            INTEGER NOT NULL DEFAULT 0,
    ledger_unit_id INTEGER NOT NULL REFERENCES units(id),
    ledger_path    TEXT    NOT NULL,
    unit_id        INTEGER NOT NULL REFERENCES units(id),
    unit_path      TEXT    NOT NULL,
    subject_path   TEXT    NOT NULL DEFAULT '',
    category       TEXT    NOT NULL,
    cause          TEXT    NOT NULL,
    summary        TEXT    NOT NULL DEFAULT '',
    clue_id        BIGINT  NOT NULL DEFAULT 0,
    clue_number    TEXT    NOT NULL DEFAULT '',
    clue_hold      BIGINT  NOT NULL DEFAULT 0,
    direct_reason  TEXT    NOT NULL DEFAULT '',
    supervision    BOOLEAN NOT NULL DEFAULT FALSE,
    joint          BOOLEAN NOT NULL DEFAULT FALSE,
    area_group_id  BIGINT  NOT NULL DEFAULT 0,
    status         TEXT    NOT NULL,
    merged_into    BIGINT  NOT NULL DEFAULT 0,
    proposed_by    INTEGER REFERENCES users(id),
    submitted_by   BIGINT  NOT NULL DEFAULT 0,
    supplementary_n INTEGER NOT NULL DEFAULT 0,
    filed_at       BIGINT  NOT NULL DEFAULT 0,
    review_at      BIGINT  NOT NULL DEFAULT 0,
    decided_at     BIGINT  NOT NULL DEFAULT 0,
    closed_at      BIGINT  NOT NULL DEFAULT 0,
    version        BIGINT  NOT NULL DEFAULT 1,
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL
);
CREATE UNIQUE INDEX cases_number ON cases (ledger_unit_id, number) WHERE number <> '';
CREATE UNIQUE INDEX cases_clue_hold ON cases (clue_hold) WHERE clue_hold <> 0;
CREATE INDEX cases_scope ON cases (unit_path, created_at);
CREATE INDEX cases_status ON cases (status, created_at);
CREATE INDEX cases_clue ON cases (clue_id);

CREATE TABLE case_subjects (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES cases(id),
    seq          INTEGER NOT NULL,
    name         TEXT    NOT NULL,
    unit_text    TEXT    NOT NULL DEFAULT '',
    post         TEXT    NOT NULL DEFAULT '',
    rank         TEXT    NOT NULL,
    category     TEXT    NOT NULL,
    party_member BOOLEAN NOT NULL DEFAULT FALSE,
    unit_id      INTEGER REFERENCES units(id),
    unit_path    TEXT    NOT NULL DEFAULT '',
    outcome      TEXT    NOT NULL DEFAULT '',
    created_at   BIGINT  NOT NULL
);
CREATE INDEX case_subjects_case ON case_subjects (case_id, seq);

CREATE TABLE case_team (
    id         INTEGER PRIMARY KEY,
    case_id    INTEGER NOT NULL REFERENCES cases(id),
    user_id    INTEGER NOT NULL REFERENCES users(id),
    role       TEXT    NOT NULL,
    team       TEXT    NOT NULL,
    valid_from BIGINT  NOT NULL,
    valid_to   BIGINT  NOT NULL DEFAULT 0,
    ended_at   BIGINT  NOT NULL DEFAULT 0,
    added_by   INTEGER REFERENCES users(id),
    added_at   BIGINT  NOT NULL
);
CREATE INDEX case_team_case ON case_team (case_id, team);
CREATE INDEX case_team_user ON case_team (user_id);

CREATE TABLE case_measures (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases(id),
    subject_id  INTEGER NOT NULL REFERENCES case_subjects(id),
    kind        TEXT    NOT NULL,
    level       TEXT    NOT NULL,
    started_at  BIGINT  NOT NULL,
    ended_at    BIGINT  NOT NULL DEFAULT 0,
    end_reason  TEXT    NOT NULL DEFAULT '',
    followed_by TEXT    NOT NULL DEFAULT '',
    approvals   TEXT    NOT NULL DEFAULT '[]',
    extensions  TEXT    NOT NULL DEFAULT '[]',
    notified_at BIGINT  NOT NULL DEFAULT 0,
    audio_video BOOLEAN NOT NULL DEFAULT FALSE,
    note        TEXT    NOT NULL DEFAULT '',
    user_id     INTEGER REFERENCES users(id),
    created_at  BIGINT  NOT NULL
);
CREATE INDEX case_measures_case ON case_measures (case_id, id);

CREATE TABLE case_events (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases(id),
    action      TEXT    NOT NULL,
    from_status TEXT    NOT NULL,
    to_status   TEXT    NOT NULL,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    user_id     INTEGER REFERENCES users(id),
    note        TEXT    NOT NULL DEFAULT '',
    at          BIGINT  NOT NULL
);
CREATE INDEX case_events_case ON case_events (case_id, id);

CREATE TABLE case_documents (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases(id),
    subject_id  BIGINT  NOT NULL DEFAULT 0,
    kind        TEXT    NOT NULL,
    title       TEXT    NOT NULL DEFAULT '',
    body        TEXT    NOT NULL,
    doc_date    TEXT    NOT NULL DEFAULT '',
    audio_video BOOLEAN NOT NULL DEFAULT FALSE,
    user_id     INTEGER REFERENCES users(id),
    created_at  BIGINT  NOT NULL
);
CREATE INDEX case_documents_case ON case_documents (case_id, id);

-- +goose Down
DROP TABLE case_documents;
DROP TABLE case_events;
DROP TABLE case_measures;
DROP TABLE case_team;
DROP TABLE case_subjects;
DROP TABLE cases;
