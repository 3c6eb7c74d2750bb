-- Intake: reports (信访举报) and everything that hangs off them. Keep the
-- PostgreSQL twin in step. Times are BIGINT Unix milliseconds (0 = not yet).

-- +goose Up
CREATE TABLE reports (
    id               INTEGER PRIMARY KEY,
    number           TEXT    NOT NULL,
    unit_id          INTEGER NOT NULL REFERENCES units(id),
    unit_path        TEXT    NOT NULL,
    received_unit_id INTEGER NOT NULL REFERENCES units(id),
    kind             TEXT    NOT NULL,
    channel          TEXT    NOT NULL,
    status           TEXT    NOT NULL,
    title            TEXT    NOT NULL,
    content          TEXT    NOT NULL,
    category         TEXT    NOT NULL DEFAULT '',
    division_code    TEXT    NOT NULL DEFAULT '',
    subject_name     TEXT    NOT NULL DEFAULT '',
    subject_unit     TEXT    NOT NULL DEFAULT '',
    subject_post     TEXT    NOT NULL DEFAULT '',
    subject_level    TEXT    NOT NULL DEFAULT '',
    anonymous        BOOLEAN NOT NULL,
    reporter_sealed  TEXT    NOT NULL DEFAULT '',
    receipt_hash     TEXT,
    external_source  TEXT    NOT NULL DEFAULT '',
    external_id      TEXT    NOT NULL DEFAULT '',
    collective       BOOLEAN NOT NULL DEFAULT FALSE,
    over_level       BOOLEAN NOT NULL DEFAULT FALSE,
    repeat_of        INTEGER REFERENCES reports(id),
    route_reason     TEXT    NOT NULL DEFAULT '',
    decline_reason   TEXT    NOT NULL DEFAULT '',
    result           TEXT    NOT NULL DEFAULT '',
    operator_user_id INTEGER REFERENCES users(id),
    received_at      BIGINT  NOT NULL,
    accepted_at      BIGINT  NOT NULL DEFAULT 0,
    notice_at        BIGINT  NOT NULL DEFAULT 0,
    closed_at        BIGINT  NOT NULL DEFAULT 0,
    feedback_at      BIGINT  NOT NULL DEFAULT 0,
    version          BIGINT  NOT NULL DEFAULT 1,
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL
);
CREATE UNIQUE INDEX reports_receipt ON reports (receipt_hash) WHERE receipt_hash IS NOT NULL;
CREATE UNIQUE INDEX reports_external ON reports (external_source, external_id) WHERE external_id <> '';
CREATE INDEX reports_scope ON reports (unit_path, received_at);
CREATE INDEX reports_status ON reports (status, received_at);
CREATE INDEX reports_repeat ON reports (repeat_of);

CREATE TABLE report_numbers (
    unit_id INTEGER NOT NULL REFERENCES units(id),
    year    INTEGER NOT NULL,
    last    INTEGER NOT NULL,
    PRIMARY KEY (unit_id, year)
);

CREATE TABLE report_messages (
    id         INTEGER PRIMARY KEY,
    report_id  INTEGER NOT NULL REFERENCES reports(id),
    author     TEXT    NOT NULL,
    public     BOOLEAN NOT NULL,
    body       TEXT    NOT NULL,
    user_id    INTEGER REFERENCES users(id),
    created_at BIGINT  NOT NULL
);
CREATE INDEX report_messages_report ON report_messages (report_id, id);

CREATE TABLE report_attachments (
    id         INTEGER PRIMARY KEY,
    report_id  INTEGER NOT NULL REFERENCES reports(id),
    message_id INTEGER REFERENCES report_messages(id),
    name       TEXT    NOT NULL,
    mime       TEXT    NOT NULL,
    size       BIGINT  NOT NULL,
    sha256     TEXT    NOT NULL,
    data       BLOB    NOT NULL,
    created_at BIGINT  NOT NULL
);
CREATE INDEX report_attachments_report ON report_attachments (report_id);

CREATE TABLE report_events (
    id          INTEGER PRIMARY KEY,
    report_id   INTEGER NOT NULL REFERENCES reports(id),
    action      TEXT    NOT NULL,
    from_status TEXT    NOT NULL,
    to_status   TEXT    NOT NULL,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    user_id     INTEGER REFERENCES users(id),
    note        TEXT    NOT NULL DEFAULT '',
    at          BIGINT  NOT NULL
);
CREATE INDEX report_events_report ON report_events (report_id, id);

CREATE TABLE report_reveals (
    id        INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES reports(id),
    user_id   INTEGER NOT NULL REFERENCES users(id),
    reason    TEXT    NOT NULL,
    at        BIGINT  NOT NULL
);
CREATE INDEX report_reveals_report ON report_reveals (report_id);

CREATE TABLE report_clocks (
    id            INTEGER PRIMARY KEY,
    report_id     INTEGER NOT NULL REFERENCES reports(id),
    code          TEXT    NOT NULL,
    started_at    BIGINT  NOT NULL,
    due_at        BIGINT  NOT NULL,
    remind_at     BIGINT  NOT NULL,
    done_at       BIGINT  NOT NULL DEFAULT 0,
    reminded_at   BIGINT  NOT NULL DEFAULT 0,
    claimed_until BIGINT  NOT NULL DEFAULT 0,
    provisional   BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE UNIQUE INDEX report_clocks_code ON report_clocks (report_id, code);
CREATE INDEX report_clocks_due ON report_clocks (done_at, remind_at);

CREATE TABLE report_bands (
    band      SMALLINT NOT NULL,
    hash      BIGINT   NOT NULL,
    report_id INTEGER  NOT NULL REFERENCES reports(id)
);
CREATE INDEX report_bands_lookup ON report_bands (band, hash);
CREATE INDEX report_bands_report ON report_bands (report_id);

CREATE TABLE report_links (
    report_id  INTEGER NOT NULL REFERENCES reports(id),
    other_id   INTEGER NOT NULL REFERENCES reports(id),
    score      REAL    NOT NULL,
    status     TEXT    NOT NULL,
    decided_by INTEGER REFERENCES users(id),
    decided_at BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (report_id, other_id)
);
CREATE INDEX report_links_other ON report_links (other_id);

CREATE TABLE calendar_years (
    year        INTEGER PRIMARY KEY,
    data        TEXT    NOT NULL,
    uploaded_by INTEGER REFERENCES users(id),
    uploaded_at BIGINT  NOT NULL
);

-- +goose Down
DROP TABLE calendar_years;
DROP TABLE report_links;
DROP TABLE report_bands;
DROP TABLE report_clocks;
DROP TABLE report_reveals;
DROP TABLE report_events;
DROP TABLE report_attachments;
DROP TABLE report_messages;
DROP TABLE report_numbers;
DROP TABLE reports;
