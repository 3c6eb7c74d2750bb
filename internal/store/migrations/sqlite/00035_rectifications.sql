-- Rectification (整改, issue 7): a problem with a responsible unit, the
-- measures required and a deadline; the unit's reports of measures with
-- evidence files; closures (procedural, staged, substantive), verifications
-- with the follow-up visit (回访) and reopenings as events. Keep the twin
-- dialect file in step. Times are BIGINT Unix milliseconds (0 = not yet);
-- dates are TEXT YYYY-MM-DD.

-- +goose Up
CREATE TABLE rectifications (
    id                  INTEGER PRIMARY KEY,
    title               TEXT    NOT NULL,
    problem             TEXT    NOT NULL,
    required            TEXT    NOT NULL,
    responsible_unit_id INTEGER NOT NULL REFERENCES units(id),
    responsible_path    TEXT    NOT NULL,
    supervising_unit_id INTEGER NOT NULL REFERENCES units(id),
    supervising_path    TEXT    NOT NULL,
    deadline            TEXT    NOT NULL,
    source_type         TEXT    NOT NULL DEFAULT '',
    source_id           BIGINT  NOT NULL DEFAULT 0,
    person_concerned    TEXT    NOT NULL DEFAULT '',
    status              TEXT    NOT NULL,
    closure             TEXT    NOT NULL DEFAULT '',
    reopened            INTEGER NOT NULL DEFAULT 0,
    reported_at         BIGINT  NOT NULL DEFAULT 0,
    closed_at           BIGINT  NOT NULL DEFAULT 0,
    created_by          INTEGER REFERENCES users(id),
    version             BIGINT  NOT NULL,
    created_at          BIGINT  NOT NULL,
    updated_at          BIGINT  NOT NULL
);
CREATE INDEX rectifications_responsible ON rectifications (responsible_path, created_at);
CREATE INDEX rectifications_supervising ON rectifications (supervising_path, created_at);
CREATE INDEX rectifications_source ON rectifications (source_type, source_id);

CREATE TABLE rectification_events (
    id               INTEGER PRIMARY KEY,
    rectification_id INTEGER NOT NULL REFERENCES rectifications(id),
    action           TEXT    NOT NULL,
    from_status      TEXT    NOT NULL,
    to_status        TEXT    NOT NULL,
    unit_id          INTEGER REFERENCES units(id),
    user_id          INTEGER REFERENCES users(id),
    text             TEXT    NOT NULL DEFAULT '',
    visit_date       TEXT    NOT NULL DEFAULT '',
    visitor          TEXT    NOT NULL DEFAULT '',
    satisfaction     TEXT    NOT NULL DEFAULT '',
    deadline         TEXT    NOT NULL DEFAULT '',
    at               BIGINT  NOT NULL
);
CREATE INDEX rectification_events_rect ON rectification_events (rectification_id, at);
CREATE INDEX rectification_events_at ON rectification_events (action, at);

CREATE TABLE rectification_files (
    id               INTEGER PRIMARY KEY,
    rectification_id INTEGER NOT NULL REFERENCES rectifications(id),
    event_id         INTEGER REFERENCES rectification_events(id),
    name             TEXT    NOT NULL,
    mime             TEXT    NOT NULL,
    size             BIGINT  NOT NULL,
    sha256           TEXT    NOT NULL,
    data             BLOB   NOT NULL,
    user_id          INTEGER REFERENCES users(id),
    created_at       BIGINT  NOT NULL
);
CREATE INDEX rectification_files_rect ON rectification_files (rectification_id);

-- +goose Down
DROP TABLE rectification_files;
DROP TABLE rectification_events;
DROP TABLE rectifications;
