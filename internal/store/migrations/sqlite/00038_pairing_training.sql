-- Pairing and training (结对帮带, 大讲堂 / 以案代训 / 岗位练兵; issue 7): a
-- leader, an expert (a person) or an office (a unit) paired with a township
-- commission for a period, the guidance given under it, training sessions
-- organised by a unit (a case-based one uses a teaching case), and each
-- invited person's attendance (with a score for a drill). Days are
-- YYYY-MM-DD in Asia/Shanghai; *_at columns hold the day's start in ms for
-- statistics. Same tables for both dialects (ids differ by dialect).

-- +goose Up
CREATE TABLE pairings (
    id               INTEGER PRIMARY KEY,
    kind             TEXT    NOT NULL,
    mentor_person_id INTEGER REFERENCES people(id),
    mentor_unit_id   INTEGER REFERENCES units(id),
    township_id      INTEGER NOT NULL REFERENCES units(id),
    township_path    TEXT    NOT NULL,
    from_day         TEXT    NOT NULL,
    to_day           TEXT    NOT NULL DEFAULT '',
    note             TEXT    NOT NULL DEFAULT '',
    created_by       INTEGER REFERENCES users(id),
    version          BIGINT  NOT NULL DEFAULT 1,
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL
);
CREATE INDEX pairings_township ON pairings (township_path, from_day);
CREATE TABLE pairing_guidance (
    id          INTEGER PRIMARY KEY,
    pairing_id  INTEGER NOT NULL REFERENCES pairings(id),
    township_path TEXT  NOT NULL,
    day         TEXT    NOT NULL,
    at          BIGINT  NOT NULL,
    kind        TEXT    NOT NULL,
    topic       TEXT    NOT NULL,
    content     TEXT    NOT NULL DEFAULT '',
    user_id     INTEGER NOT NULL REFERENCES users(id),
    created_at  BIGINT  NOT NULL
);
CREATE INDEX pairing_guidance_pairing ON pairing_guidance (pairing_id, day);
CREATE INDEX pairing_guidance_scope ON pairing_guidance (township_path, at);
CREATE TABLE trainings (
    id               INTEGER PRIMARY KEY,
    kind             TEXT    NOT NULL,
    title            TEXT    NOT NULL,
    day              TEXT    NOT NULL,
    at               BIGINT  NOT NULL,
    place            TEXT    NOT NULL DEFAULT '',
    organiser_id     INTEGER NOT NULL REFERENCES units(id),
    organiser_path   TEXT    NOT NULL,
    teaching_case_id BIGINT  NOT NULL DEFAULT 0,
    note             TEXT    NOT NULL DEFAULT '',
    created_by       INTEGER REFERENCES users(id),
    created_at       BIGINT  NOT NULL
);
CREATE INDEX trainings_scope ON trainings (organiser_path, at);
CREATE TABLE training_attendance (
    training_id INTEGER NOT NULL REFERENCES trainings(id),
    person_id   INTEGER NOT NULL REFERENCES people(id),
    unit_path   TEXT    NOT NULL,
    at          BIGINT  NOT NULL,
    attended    BOOLEAN NOT NULL DEFAULT FALSE,
    score       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (training_id, person_id)
);
CREATE INDEX training_attendance_scope ON training_attendance (unit_path, at);

-- +goose Down
DROP TABLE training_attendance;
DROP TABLE trainings;
DROP TABLE pairing_guidance;
DROP TABLE pairings;
