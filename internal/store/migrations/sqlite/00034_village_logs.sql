-- Village work log (issue 7, 村级监督): entries of village committees and
-- village discipline members (sessions, visits, demands) and the events of
-- a demand's lifecycle. client_id is generated on the device and is unique
-- per author: a form sent again after a lost connection finds its entry
-- (fingerprint = digest of the normalised content, to tell a replay from a
-- clash). Topics are the session topic codes joined by ','. Dates of the
-- activity and the due date are YYYY-MM-DD text (business dates); times
-- are Unix milliseconds; activity_at is the start of the activity date in
-- Asia/Shanghai (what the statistics count by). Identical schema for both
-- dialects but the id type.

-- +goose Up
CREATE TABLE village_entries (
    id             INTEGER PRIMARY KEY,
    client_id      TEXT    NOT NULL,
    author_user_id INTEGER NOT NULL REFERENCES users(id),
    unit_id        INTEGER NOT NULL REFERENCES units(id),
    unit_path      TEXT    NOT NULL,
    kind           TEXT    NOT NULL,
    activity_date  TEXT    NOT NULL,
    activity_at    BIGINT  NOT NULL,
    summary        TEXT    NOT NULL,
    topics         TEXT    NOT NULL DEFAULT '',
    people         INTEGER NOT NULL DEFAULT 0,
    names          TEXT    NOT NULL DEFAULT '',
    place          TEXT    NOT NULL DEFAULT '',
    demand_kind    TEXT    NOT NULL DEFAULT '',
    person         TEXT    NOT NULL DEFAULT '',
    phone          TEXT    NOT NULL DEFAULT '',
    department     TEXT    NOT NULL DEFAULT '',
    due_date       TEXT    NOT NULL DEFAULT '',
    status         TEXT    NOT NULL DEFAULT '',
    resolution     TEXT    NOT NULL DEFAULT '',
    resolved_at    BIGINT  NOT NULL DEFAULT 0,
    confirmed_at   BIGINT  NOT NULL DEFAULT 0,
    report_id      INTEGER REFERENCES reports(id),
    fingerprint    TEXT    NOT NULL,
    version        BIGINT  NOT NULL DEFAULT 1,
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL
);
CREATE UNIQUE INDEX village_entries_client ON village_entries (author_user_id, client_id);
CREATE INDEX village_entries_scope ON village_entries (unit_path, activity_date);
CREATE INDEX village_entries_activity ON village_entries (kind, activity_at);
CREATE INDEX village_entries_resolved ON village_entries (kind, resolved_at);

CREATE TABLE village_demand_events (
    id          INTEGER PRIMARY KEY,
    entry_id    INTEGER NOT NULL REFERENCES village_entries(id),
    action      TEXT    NOT NULL,
    from_status TEXT    NOT NULL,
    to_status   TEXT    NOT NULL,
    user_id     INTEGER REFERENCES users(id),
    note        TEXT    NOT NULL DEFAULT '',
    at          BIGINT  NOT NULL
);
CREATE INDEX village_demand_events_entry ON village_demand_events (entry_id, id);

-- +goose Down
DROP TABLE village_demand_events;
DROP TABLE village_entries;
