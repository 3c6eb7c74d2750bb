-- Shared record machinery for every workflow after intake: statutory clocks
-- on any record, the in-app inbox, time-boxed participation and recusal, and
-- per-unit yearly document numbers. Keep the PostgreSQL twin in step.
-- Times are BIGINT Unix milliseconds (0 = not yet / open).

-- +goose Up
CREATE TABLE clocks (
    id            INTEGER PRIMARY KEY,
    object_type   TEXT    NOT NULL,
    object_id     INTEGER NOT NULL,
    code          TEXT    NOT NULL,
    label         TEXT    NOT NULL DEFAULT '',
    link          TEXT    NOT NULL DEFAULT '',
    unit_path     TEXT    NOT NULL,
    owner_user_id INTEGER REFERENCES users(id),
    started_at    BIGINT  NOT NULL,
    due_at        BIGINT  NOT NULL,
    remind_at     BIGINT  NOT NULL,
    done_at       BIGINT  NOT NULL DEFAULT 0,
    reminded_at   BIGINT  NOT NULL DEFAULT 0,
    overdue_at    BIGINT  NOT NULL DEFAULT 0,
    claimed_until BIGINT  NOT NULL DEFAULT 0,
    provisional   BOOLEAN NOT NULL DEFAULT FALSE,
    extensions    INTEGER NOT NULL DEFAULT 0,
    paused_since  BIGINT  NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX clocks_object ON clocks (object_type, object_id, code);
CREATE INDEX clocks_remind ON clocks (done_at, remind_at);
CREATE INDEX clocks_due ON clocks (done_at, due_at);
CREATE INDEX clocks_scope ON clocks (object_type, done_at, unit_path);

CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    kind        TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    body        TEXT    NOT NULL DEFAULT '',
    object_type TEXT    NOT NULL DEFAULT '',
    object_id   INTEGER NOT NULL DEFAULT 0,
    link        TEXT    NOT NULL DEFAULT '',
    dedup_key   TEXT    NOT NULL DEFAULT '',
    created_at  BIGINT  NOT NULL,
    read_at     BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX notifications_user ON notifications (user_id, read_at, id);
CREATE UNIQUE INDEX notifications_dedup ON notifications (user_id, dedup_key) WHERE dedup_key <> '';

CREATE TABLE record_access (
    id          INTEGER PRIMARY KEY,
    object_type TEXT    NOT NULL,
    object_id   INTEGER NOT NULL,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    kind        TEXT    NOT NULL,
    role        TEXT    NOT NULL DEFAULT '',
    reason      TEXT    NOT NULL DEFAULT '',
    valid_from  BIGINT  NOT NULL,
    valid_to    BIGINT  NOT NULL DEFAULT 0,
    granted_by  INTEGER REFERENCES users(id),
    created_at  BIGINT  NOT NULL,
    revoked_at  BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX record_access_user ON record_access (user_id, object_type, kind, object_id);
CREATE INDEX record_access_object ON record_access (object_type, object_id);

CREATE TABLE doc_numbers (
    unit_id INTEGER NOT NULL REFERENCES units(id),
    kind    TEXT    NOT NULL,
    year    INTEGER NOT NULL,
    last    INTEGER NOT NULL,
    PRIMARY KEY (unit_id, kind, year)
);

-- +goose Down
DROP TABLE doc_numbers;
DROP TABLE record_access;
DROP TABLE notifications;
DROP TABLE clocks;
