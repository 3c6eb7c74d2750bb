-- Clues (问题线索): the numbered ledger, hand-off events, verification teams,
-- measures, documents and joint units; consultation meetings of area groups
-- with attendance and per-clue decisions. Keep the PostgreSQL twin in step.
-- Times are BIGINT Unix milliseconds (0 = not yet); dates are TEXT YYYY-MM-DD.

-- +goose Up
CREATE TABLE clues (
    id                INTEGER PRIMARY KEY,
    number            TEXT    NOT NULL,
    ledger_unit_id    INTEGER NOT NULL REFERENCES units(id),
    ledger_path       TEXT    NOT NULL,
    unit_id           INTEGER NOT NULL REFERENCES units(id),
    unit_path         TEXT    NOT NULL,
    source            TEXT    NOT NULL,
    source_type       TEXT    NOT NULL DEFAULT '',
    source_id         BIGINT  NOT NULL DEFAULT 0,
    source_ref        TEXT    NOT NULL DEFAULT '',
    split_no          INTEGER NOT NULL DEFAULT 0,
    title             TEXT    NOT NULL,
    content           TEXT    NOT NULL,
    subject_name      TEXT    NOT NULL,
    subject_unit      TEXT    NOT NULL DEFAULT '',
    subject_post      TEXT    NOT NULL DEFAULT '',
    subject_level     TEXT    NOT NULL DEFAULT '',
    subject_unit_id   INTEGER REFERENCES units(id),
    subject_path      TEXT    NOT NULL DEFAULT '',
    category          TEXT    NOT NULL,
    mass_interest     BOOLEAN NOT NULL DEFAULT FALSE,
    upper_level       BOOLEAN NOT NULL DEFAULT FALSE,
    status            TEXT    NOT NULL,
    mode              TEXT    NOT NULL DEFAULT '',
    inquiry_form      TEXT    NOT NULL DEFAULT '',
    outcome           TEXT    NOT NULL DEFAULT '',
    outcome_note      TEXT    NOT NULL DEFAULT '',
    closure           TEXT    NOT NULL DEFAULT '',
    owner_user_id     INTEGER REFERENCES users(id),
    leader_user_id    INTEGER REFERENCES users(id),
    pending           TEXT    NOT NULL DEFAULT '',
    escalated         BOOLEAN NOT NULL DEFAULT FALSE,
    escalated_at      BIGINT  NOT NULL DEFAULT 0,
    escalation_to     TEXT    NOT NULL DEFAULT '',
    escalation_reason TEXT    NOT NULL DEFAULT '',
    escalated_from    INTEGER REFERENCES units(id),
    joint             BOOLEAN NOT NULL DEFAULT FALSE,
    joint_at          BIGINT  NOT NULL DEFAULT 0,
    shelve_until      TEXT    NOT NULL DEFAULT '',
    decision_due      TEXT    NOT NULL DEFAULT '',
    meeting_id        BIGINT  NOT NULL DEFAULT 0,
    case_id           BIGINT  NOT NULL DEFAULT 0,
    case_number       TEXT    NOT NULL DEFAULT '',
    forwarded_to      BIGINT  NOT NULL DEFAULT 0,
    received_at       BIGINT  NOT NULL,
    assigned_at       BIGINT  NOT NULL DEFAULT 0,
    disposal_due_at   BIGINT  NOT NULL DEFAULT 0,
    disposed_at       BIGINT  NOT NULL DEFAULT 0,
    closed_at         BIGINT  NOT NULL DEFAULT 0,
    created_by        INTEGER REFERENCES users(id),
    version           BIGINT  NOT NULL DEFAULT 1,
    created_at        BIGINT  NOT NULL,
    updated_at        BIGINT  NOT NULL
);
CREATE UNIQUE INDEX clues_number ON clues (ledger_unit_id, number);
CREATE UNIQUE INDEX clues_source ON clues (source_type, source_id, split_no) WHERE source_id <> 0;
CREATE INDEX clues_scope ON clues (unit_path, received_at);
CREATE INDEX clues_disposed ON clues (unit_path, disposed_at);
CREATE INDEX clues_status ON clues (status, received_at);
CREATE INDEX clues_owner ON clues (owner_user_id, status);

CREATE TABLE clue_events (
    id          INTEGER PRIMARY KEY,
    clue_id     INTEGER NOT NULL REFERENCES clues(id),
    action      TEXT    NOT NULL,
    from_status TEXT    NOT NULL,
    to_status   TEXT    NOT NULL,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    user_id     INTEGER REFERENCES users(id),
    note        TEXT    NOT NULL DEFAULT '',
    at          BIGINT  NOT NULL
);
CREATE INDEX clue_events_clue ON clue_events (clue_id, id);

CREATE TABLE clue_team (
    clue_id   INTEGER NOT NULL REFERENCES clues(id),
    user_id   INTEGER NOT NULL REFERENCES users(id),
    leader    BOOLEAN NOT NULL DEFAULT FALSE,
    signed_at BIGINT  NOT NULL DEFAULT 0,
    added_at  BIGINT  NOT NULL,
    PRIMARY KEY (clue_id, user_id)
);
CREATE INDEX clue_team_user ON clue_team (user_id);

CREATE TABLE clue_measures (
    id          INTEGER PRIMARY KEY,
    clue_id     INTEGER NOT NULL REFERENCES clues(id),
    kind        TEXT    NOT NULL,
    taken_on    TEXT    NOT NULL,
    description TEXT    NOT NULL,
    user_id     INTEGER REFERENCES users(id),
    created_at  BIGINT  NOT NULL
);
CREATE INDEX clue_measures_clue ON clue_measures (clue_id, id);

CREATE TABLE clue_documents (
    id         INTEGER PRIMARY KEY,
    clue_id    INTEGER NOT NULL REFERENCES clues(id),
    kind       TEXT    NOT NULL,
    title      TEXT    NOT NULL DEFAULT '',
    body       TEXT    NOT NULL,
    addressee  TEXT    NOT NULL DEFAULT '',
    doc_date   TEXT    NOT NULL DEFAULT '',
    user_id    INTEGER REFERENCES users(id),
    created_at BIGINT  NOT NULL
);
CREATE INDEX clue_documents_clue ON clue_documents (clue_id, id);

CREATE TABLE clue_joint_units (
    clue_id  INTEGER NOT NULL REFERENCES clues(id),
    unit_id  INTEGER NOT NULL REFERENCES units(id),
    added_by INTEGER REFERENCES users(id),
    added_at BIGINT  NOT NULL,
    PRIMARY KEY (clue_id, unit_id)
);

CREATE TABLE meetings (
    id               INTEGER PRIMARY KEY,
    number           TEXT    NOT NULL,
    area_group_id    INTEGER NOT NULL REFERENCES area_groups(id),
    county_unit_id   INTEGER NOT NULL REFERENCES units(id),
    county_path      TEXT    NOT NULL,
    held_on          TEXT    NOT NULL,
    place            TEXT    NOT NULL DEFAULT '',
    chair_person_id  INTEGER REFERENCES people(id),
    recorder_user_id INTEGER REFERENCES users(id),
    status           TEXT    NOT NULL,
    summary          TEXT    NOT NULL DEFAULT '',
    closed_at        BIGINT  NOT NULL DEFAULT 0,
    version          BIGINT  NOT NULL DEFAULT 1,
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL
);
CREATE INDEX meetings_group ON meetings (area_group_id, held_on);
CREATE INDEX meetings_county ON meetings (county_path, held_on);

CREATE TABLE meeting_attendees (
    meeting_id INTEGER NOT NULL REFERENCES meetings(id),
    person_id  INTEGER NOT NULL REFERENCES people(id),
    present    BOOLEAN NOT NULL,
    note       TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (meeting_id, person_id)
);

CREATE TABLE meeting_items (
    id            INTEGER PRIMARY KEY,
    meeting_id    INTEGER NOT NULL REFERENCES meetings(id),
    clue_id       INTEGER NOT NULL REFERENCES clues(id),
    seq           INTEGER NOT NULL,
    decided       BOOLEAN NOT NULL DEFAULT FALSE,
    mode          TEXT    NOT NULL DEFAULT '',
    lead_unit_id  INTEGER REFERENCES units(id),
    joint_units   TEXT    NOT NULL DEFAULT '',
    joint_users   TEXT    NOT NULL DEFAULT '',
    owner_user_id INTEGER REFERENCES users(id),
    due_on        TEXT    NOT NULL DEFAULT '',
    note          TEXT    NOT NULL DEFAULT '',
    decided_by    INTEGER REFERENCES users(id),
    decided_at    BIGINT  NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX meeting_items_clue ON meeting_items (meeting_id, clue_id);
CREATE INDEX meeting_items_by_clue ON meeting_items (clue_id);

-- +goose Down
DROP TABLE meeting_items;
DROP TABLE meeting_attendees;
DROP TABLE meetings;
DROP TABLE clue_joint_units;
DROP TABLE clue_documents;
DROP TABLE clue_measures;
DROP TABLE clue_team;
DROP TABLE clue_events;
DROP TABLE clues;
