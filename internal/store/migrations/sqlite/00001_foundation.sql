-- Foundation schema: organisation, access, audit. Times are BIGINT Unix
-- milliseconds (UTC); calendar dates are TEXT YYYY-MM-DD. Keep the PostgreSQL
-- twin (../postgres/00001_foundation.sql) in step.

-- +goose Up
CREATE TABLE units (
    id            INTEGER PRIMARY KEY,
    parent_id     INTEGER REFERENCES units(id),
    kind          TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    short_name    TEXT    NOT NULL DEFAULT '',
    division_code TEXT,
    is_division   BOOLEAN NOT NULL DEFAULT TRUE,
    path          TEXT    NOT NULL,
    sort_order    INTEGER NOT NULL DEFAULT 0,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    version       BIGINT  NOT NULL DEFAULT 1,
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);
CREATE UNIQUE INDEX units_division_code ON units (division_code) WHERE division_code IS NOT NULL;
CREATE INDEX units_path ON units (path);
CREATE INDEX units_parent ON units (parent_id, sort_order);

CREATE TABLE people (
    id         INTEGER PRIMARY KEY,
    unit_id    INTEGER NOT NULL REFERENCES units(id),
    name       TEXT    NOT NULL,
    post       TEXT    NOT NULL DEFAULT '',
    rank       TEXT    NOT NULL DEFAULT '',
    phone      TEXT    NOT NULL DEFAULT '',
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    version    BIGINT  NOT NULL DEFAULT 1,
    created_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL
);
CREATE INDEX people_unit ON people (unit_id);

CREATE TABLE area_groups (
    id               INTEGER PRIMARY KEY,
    county_unit_id   INTEGER NOT NULL REFERENCES units(id),
    name             TEXT    NOT NULL,
    leader_person_id INTEGER NOT NULL REFERENCES people(id),
    note             TEXT    NOT NULL DEFAULT '',
    active           BOOLEAN NOT NULL DEFAULT TRUE,
    version          BIGINT  NOT NULL DEFAULT 1,
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL
);
CREATE UNIQUE INDEX area_groups_name ON area_groups (county_unit_id, name);
CREATE INDEX area_groups_leader ON area_groups (leader_person_id);

CREATE TABLE area_group_members (
    id            INTEGER PRIMARY KEY,
    area_group_id INTEGER NOT NULL REFERENCES area_groups(id),
    unit_id       INTEGER NOT NULL REFERENCES units(id),
    valid_from    TEXT    NOT NULL,
    valid_to      TEXT,
    created_at    BIGINT  NOT NULL
);
CREATE UNIQUE INDEX area_group_members_open ON area_group_members (unit_id) WHERE valid_to IS NULL;
CREATE INDEX area_group_members_group ON area_group_members (area_group_id, valid_from);

CREATE TABLE roles (
    code         TEXT    PRIMARY KEY,
    name_zh      TEXT    NOT NULL,
    name_en      TEXT    NOT NULL,
    require_totp BOOLEAN NOT NULL DEFAULT FALSE,
    sort_order   INTEGER NOT NULL DEFAULT 0,
    version      BIGINT  NOT NULL DEFAULT 1
);

CREATE TABLE role_permissions (
    role_code  TEXT NOT NULL REFERENCES roles(code),
    permission TEXT NOT NULL,
    PRIMARY KEY (role_code, permission)
);

CREATE TABLE users (
    id                  INTEGER PRIMARY KEY,
    person_id           INTEGER NOT NULL REFERENCES people(id),
    username            TEXT    NOT NULL,
    password_hash       TEXT    NOT NULL,
    active              BOOLEAN NOT NULL DEFAULT TRUE,
    totp_secret         TEXT    NOT NULL DEFAULT '',
    totp_enabled        BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins       INTEGER NOT NULL DEFAULT 0,
    locked_until        BIGINT  NOT NULL DEFAULT 0,
    password_changed_at BIGINT  NOT NULL,
    last_login_at       BIGINT  NOT NULL DEFAULT 0,
    version             BIGINT  NOT NULL DEFAULT 1,
    created_at          BIGINT  NOT NULL,
    updated_at          BIGINT  NOT NULL
);
CREATE UNIQUE INDEX users_username ON users (username);
CREATE UNIQUE INDEX users_person ON users (person_id);

CREATE TABLE user_roles (
    user_id   INTEGER NOT NULL REFERENCES users(id),
    role_code TEXT    NOT NULL REFERENCES roles(code),
    PRIMARY KEY (user_id, role_code)
);

CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    token_hash   TEXT    NOT NULL,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    stage        TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    last_seen_at BIGINT  NOT NULL,
    expires_at   BIGINT  NOT NULL
);
CREATE UNIQUE INDEX sessions_token ON sessions (token_hash);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    name         TEXT    NOT NULL,
    token_hash   TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    last_used_at BIGINT  NOT NULL DEFAULT 0,
    revoked_at   BIGINT  NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX api_tokens_hash ON api_tokens (token_hash);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE audit_log (
    seq           BIGINT  PRIMARY KEY,
    at            BIGINT  NOT NULL,
    actor_user_id BIGINT  NOT NULL,
    actor_name    TEXT    NOT NULL,
    unit_id       BIGINT  NOT NULL,
    action        TEXT    NOT NULL,
    object_type   TEXT    NOT NULL,
    object_id     BIGINT  NOT NULL,
    before_digest TEXT    NOT NULL,
    after_digest  TEXT    NOT NULL,
    detail        TEXT    NOT NULL,
    prev_hash     TEXT    NOT NULL,
    hash          TEXT    NOT NULL
);
CREATE INDEX audit_log_object ON audit_log (object_type, object_id, seq);

CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY,
    seq  BIGINT NOT NULL,
    hash TEXT   NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- +goose Down
DROP TABLE settings;
DROP TABLE audit_head;
DROP TABLE audit_log;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE user_roles;
DROP TABLE users;
DROP TABLE role_permissions;
DROP TABLE roles;
DROP TABLE area_group_members;
DROP TABLE area_groups;
DROP TABLE people;
DROP TABLE units;
