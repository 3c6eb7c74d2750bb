-- Smart granary (智慧粮库, issue 8): depots under units, bins with their
-- book stock (账面库存, kept by stock movements), devices with their
-- health, rotation plans (轮换计划); the append-only event log (unique by
-- device and event id, with the SHA-256 of the raw bytes as they arrived),
-- the dead-letter list (every rejected payload with its reason) and the
-- alerts with their evidence events. Keep the twin dialect file in step.
-- A gateway's HMAC secret is sealed with the vault key (never in clear).
-- Times are BIGINT Unix milliseconds (0 = not yet); dates are TEXT YYYY-MM-DD.

-- +goose Up
CREATE TABLE granary_depots (
    id         INTEGER PRIMARY KEY,
    code       TEXT    NOT NULL UNIQUE,
    name       TEXT    NOT NULL,
    unit_id    INTEGER NOT NULL REFERENCES units(id),
    unit_path  TEXT    NOT NULL,
    address    TEXT    NOT NULL DEFAULT '',
    created_at BIGINT  NOT NULL
);

CREATE TABLE granary_bins (
    id          INTEGER PRIMARY KEY,
    depot_id    INTEGER NOT NULL REFERENCES granary_depots(id),
    code        TEXT    NOT NULL,
    name        TEXT    NOT NULL DEFAULT '',
    capacity_kg BIGINT  NOT NULL,
    grain_kind  TEXT    NOT NULL,
    book_kg     BIGINT  NOT NULL DEFAULT 0,
    created_at  BIGINT  NOT NULL,
    UNIQUE (depot_id, code)
);

CREATE TABLE granary_devices (
    id         INTEGER PRIMARY KEY,
    depot_id   INTEGER NOT NULL REFERENCES granary_depots(id),
    bin_id     INTEGER REFERENCES granary_bins(id),
    code       TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    name       TEXT    NOT NULL DEFAULT '',
    health     TEXT    NOT NULL,
    last_seen  BIGINT  NOT NULL DEFAULT 0,
    secret     TEXT    NOT NULL DEFAULT '',
    created_at BIGINT  NOT NULL,
    UNIQUE (depot_id, code)
);

CREATE TABLE granary_rotation_plans (
    id          INTEGER PRIMARY KEY,
    bin_id      INTEGER NOT NULL REFERENCES granary_bins(id),
    direction   TEXT    NOT NULL DEFAULT '',
    from_day    TEXT    NOT NULL,
    to_day      TEXT    NOT NULL,
    quantity_kg BIGINT  NOT NULL DEFAULT 0,
    note        TEXT    NOT NULL DEFAULT '',
    created_at  BIGINT  NOT NULL
);
CREATE INDEX granary_rotation_plans_bin ON granary_rotation_plans (bin_id);

CREATE TABLE granary_events (
    id          INTEGER PRIMARY KEY,
    device_id   INTEGER NOT NULL REFERENCES granary_devices(id),
    event_id    TEXT    NOT NULL,
    depot_id    INTEGER NOT NULL REFERENCES granary_depots(id),
    bin_id      INTEGER REFERENCES granary_bins(id),
    kind        TEXT    NOT NULL,
    at          BIGINT  NOT NULL,
    received_at BIGINT  NOT NULL,
    source      TEXT    NOT NULL,
    payload     BLOB    NOT NULL,
    sha256      TEXT    NOT NULL,
    UNIQUE (device_id, event_id)
);
CREATE INDEX granary_events_bin_at ON granary_events (bin_id, at);

CREATE TABLE granary_dead_letters (
    id          INTEGER PRIMARY KEY,
    received_at BIGINT  NOT NULL,
    source      TEXT    NOT NULL,
    reason      TEXT    NOT NULL,
    detail      TEXT    NOT NULL DEFAULT '',
    payload     BLOB    NOT NULL,
    sha256      TEXT    NOT NULL
);
CREATE INDEX granary_dead_letters_received ON granary_dead_letters (received_at);

CREATE TABLE granary_alerts (
    id          INTEGER PRIMARY KEY,
    rule        TEXT    NOT NULL,
    level       TEXT    NOT NULL,
    depot_id    INTEGER NOT NULL REFERENCES granary_depots(id),
    bin_id      INTEGER REFERENCES granary_bins(id),
    device_id   INTEGER REFERENCES granary_devices(id),
    dedupe_key  TEXT    NOT NULL UNIQUE,
    unit_path   TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    explanation TEXT    NOT NULL,
    at          BIGINT  NOT NULL,
    opened_at   BIGINT  NOT NULL,
    reason      TEXT    NOT NULL DEFAULT '',
    handled_by  INTEGER REFERENCES users(id),
    handled_at  BIGINT  NOT NULL DEFAULT 0,
    clue_id     INTEGER REFERENCES clues(id),
    version     BIGINT  NOT NULL DEFAULT 1
);
CREATE INDEX granary_alerts_status ON granary_alerts (status, opened_at);

CREATE TABLE granary_alert_evidence (
    alert_id INTEGER NOT NULL REFERENCES granary_alerts(id),
    event_id INTEGER NOT NULL REFERENCES granary_events(id),
    PRIMARY KEY (alert_id, event_id)
);

-- +goose Down
DROP TABLE granary_alert_evidence;
DROP TABLE granary_alerts;
DROP TABLE granary_dead_letters;
DROP TABLE granary_events;
DROP TABLE granary_rotation_plans;
DROP TABLE granary_devices;
DROP TABLE granary_bins;
DROP TABLE granary_depots;
