-- Subsidy cross-checks (大数据比对, issue 8): imported payment lists and
-- reference lists with their rows, runs, the suspects a run found, the
-- reviewers' judgements (keyed by the run-independent suspect key, so a
-- re-run shows the same judgement), the one action a confirmed suspect was
-- assigned with (a clue or a rectification) and the money recovered.
-- ID numbers are never stored in clear: id_hash is an HMAC-SHA256 of the
-- normalised number under a key derived from the vault key (hash_key names
-- it) for matching, id_sealed an SM4-GCM sealed copy for display.
-- Keep the twin dialect file in step. Times are BIGINT Unix milliseconds;
-- dates are TEXT YYYY-MM-DD ('' = unknown).

-- +goose Up
CREATE TABLE crosscheck_lists (
    id         INTEGER PRIMARY KEY,
    unit_id    INTEGER NOT NULL REFERENCES units(id),
    unit_path  TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    file_name  TEXT    NOT NULL,
    sha256     TEXT    NOT NULL,
    format     TEXT    NOT NULL DEFAULT '',
    rows_read  INTEGER NOT NULL DEFAULT 0,
    good       INTEGER NOT NULL DEFAULT 0,
    rejected   INTEGER NOT NULL DEFAULT 0,
    hash_key   TEXT    NOT NULL,
    created_by INTEGER REFERENCES users(id),
    created_at BIGINT  NOT NULL,
    UNIQUE (unit_id, kind, sha256)
);
CREATE INDEX crosscheck_lists_path ON crosscheck_lists (unit_path);

CREATE TABLE crosscheck_rows (
    list_id    INTEGER NOT NULL REFERENCES crosscheck_lists(id),
    line       INTEGER NOT NULL,
    name       TEXT    NOT NULL,
    id_hash    TEXT    NOT NULL DEFAULT '',
    id_valid   INTEGER NOT NULL DEFAULT 0,
    id_sealed  TEXT    NOT NULL DEFAULT '',
    item       TEXT    NOT NULL DEFAULT '',
    amount_fen BIGINT  NOT NULL DEFAULT 0,
    day        TEXT    NOT NULL DEFAULT '',
    township   TEXT    NOT NULL DEFAULT '',
    village    TEXT    NOT NULL DEFAULT '',
    note       TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (list_id, line)
);

CREATE TABLE crosscheck_runs (
    id          INTEGER PRIMARY KEY,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    unit_path   TEXT    NOT NULL,
    list_ids    TEXT    NOT NULL,
    payments    INTEGER NOT NULL DEFAULT 0,
    refs        INTEGER NOT NULL DEFAULT 0,
    suspects    INTEGER NOT NULL DEFAULT 0,
    duration_ms BIGINT  NOT NULL DEFAULT 0,
    created_by  INTEGER REFERENCES users(id),
    created_at  BIGINT  NOT NULL
);
CREATE INDEX crosscheck_runs_path ON crosscheck_runs (unit_path, id);

CREATE TABLE crosscheck_suspects (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL REFERENCES crosscheck_runs(id),
    unit_path   TEXT    NOT NULL,
    skey        TEXT    NOT NULL,
    rule        TEXT    NOT NULL,
    strength    TEXT    NOT NULL DEFAULT '',
    matched     TEXT    NOT NULL DEFAULT '',
    explanation TEXT    NOT NULL,
    pay_list    INTEGER NOT NULL,
    pay_line    INTEGER NOT NULL,
    ref_list    INTEGER NOT NULL DEFAULT 0,
    ref_line    INTEGER NOT NULL DEFAULT 0,
    ref_kind    TEXT    NOT NULL DEFAULT '',
    ref_note    TEXT    NOT NULL DEFAULT '',
    ref_day     TEXT    NOT NULL DEFAULT '',
    other_list  INTEGER NOT NULL DEFAULT 0,
    other_line  INTEGER NOT NULL DEFAULT 0,
    name        TEXT    NOT NULL,
    item        TEXT    NOT NULL DEFAULT '',
    amount_fen  BIGINT  NOT NULL DEFAULT 0,
    day         TEXT    NOT NULL DEFAULT '',
    township    TEXT    NOT NULL DEFAULT '',
    village     TEXT    NOT NULL DEFAULT '',
    UNIQUE (run_id, skey)
);

CREATE TABLE crosscheck_judgements (
    id          INTEGER PRIMARY KEY,
    unit_path   TEXT    NOT NULL,
    skey        TEXT    NOT NULL,
    verdict     TEXT    NOT NULL,
    note        TEXT    NOT NULL DEFAULT '',
    judged_by   INTEGER REFERENCES users(id),
    judged_at   BIGINT  NOT NULL,
    action      TEXT    NOT NULL DEFAULT '',
    clue_id     INTEGER REFERENCES clues(id),
    rect_id     INTEGER REFERENCES rectifications(id),
    assigned_to INTEGER REFERENCES units(id),
    assigned_at BIGINT  NOT NULL DEFAULT 0,
    version     BIGINT  NOT NULL DEFAULT 1,
    UNIQUE (unit_path, skey)
);

CREATE TABLE crosscheck_recoveries (
    id           INTEGER PRIMARY KEY,
    judgement_id INTEGER NOT NULL REFERENCES crosscheck_judgements(id),
    unit_path    TEXT    NOT NULL,
    amount_fen   BIGINT  NOT NULL,
    day          TEXT    NOT NULL,
    recovered_at BIGINT  NOT NULL,
    note         TEXT    NOT NULL DEFAULT '',
    created_by   INTEGER REFERENCES users(id),
    created_at   BIGINT  NOT NULL
);
CREATE INDEX crosscheck_recoveries_at ON crosscheck_recoveries (unit_path, recovered_at);

-- +goose Down
DROP TABLE crosscheck_recoveries;
DROP TABLE crosscheck_judgements;
DROP TABLE crosscheck_suspects;
DROP TABLE crosscheck_runs;
DROP TABLE crosscheck_rows;
DROP TABLE crosscheck_lists;
