-- Outbound push of smart-granary alerts to the provincial platform
-- (推送省平台): one outbox row per pushed alert, with the payload bytes
-- frozen when it was queued (every attempt sends the same body under the
-- same idempotency key), its state (pending, delivering, retry, delivered,
-- failed), the attempts made, when the next one is due, the last answer,
-- and the lease of the worker sending it (so that several instances, or a
-- restart, never send one push concurrently; a dead worker's lease
-- expires). Times are BIGINT Unix milliseconds (0 = not yet). Keep the twin
-- dialect file in step.

-- +goose Up
CREATE TABLE granary_pushes (
    id           INTEGER PRIMARY KEY,
    alert_id     INTEGER NOT NULL UNIQUE REFERENCES granary_alerts(id),
    idem_key     TEXT    NOT NULL UNIQUE,
    unit_path    TEXT    NOT NULL,
    payload      BLOB    NOT NULL,
    state        TEXT    NOT NULL,
    auto         BOOLEAN NOT NULL DEFAULT FALSE,
    attempts     INTEGER NOT NULL DEFAULT 0,
    requeues     INTEGER NOT NULL DEFAULT 0,
    next_at      BIGINT  NOT NULL,
    last_status  INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT    NOT NULL DEFAULT '',
    last_at      BIGINT  NOT NULL DEFAULT 0,
    lease_owner  TEXT    NOT NULL DEFAULT '',
    lease_until  BIGINT  NOT NULL DEFAULT 0,
    created_at   BIGINT  NOT NULL,
    created_by   INTEGER REFERENCES users(id),
    delivered_at BIGINT  NOT NULL DEFAULT 0,
    version      BIGINT  NOT NULL DEFAULT 1
);
CREATE INDEX granary_pushes_due ON granary_pushes (state, next_at);

-- +goose Down
DROP TABLE granary_pushes;
