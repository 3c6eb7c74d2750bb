-- Supervision tasks (issue 7): tasks with target units, milestones and
-- indicators; progress reports with their values; urges (催办) sent by the
-- urging worker, which claims target rows (claimed_until, next_check_at);
-- findings; campaigns (专项整治) and the clues and cases linked to them.
-- Keep the PostgreSQL twin in step. Times are BIGINT Unix milliseconds
-- (0 = not yet); dates are TEXT YYYY-MM-DD (business dates, Asia/Shanghai).

-- +goose Up
CREATE TABLE campaigns (
    id          INTEGER PRIMARY KEY,
    unit_id     BIGINT  NOT NULL REFERENCES units(id),
    unit_path   TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    category    TEXT    NOT NULL,
    start_date  TEXT    NOT NULL,
    end_date    TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    created_by  BIGINT  REFERENCES users(id),
    created_at  BIGINT  NOT NULL
);
CREATE INDEX campaigns_scope ON campaigns (unit_path);

CREATE TABLE tasks (
    id          INTEGER PRIMARY KEY,
    title       TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    kind        TEXT    NOT NULL,
    campaign_id BIGINT  REFERENCES campaigns(id),
    unit_id     BIGINT  NOT NULL REFERENCES units(id),
    unit_path   TEXT    NOT NULL,
    rhythm      TEXT    NOT NULL,
    weekday     INTEGER NOT NULL DEFAULT 0,
    start_date  TEXT    NOT NULL,
    end_date    TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    created_by  BIGINT  REFERENCES users(id),
    version     BIGINT  NOT NULL DEFAULT 1,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL
);
CREATE INDEX tasks_scope ON tasks (unit_path);
CREATE INDEX tasks_campaign ON tasks (campaign_id);

CREATE TABLE task_targets (
    id            INTEGER PRIMARY KEY,
    task_id       BIGINT  NOT NULL REFERENCES tasks(id),
    unit_id       BIGINT  NOT NULL REFERENCES units(id),
    active        BOOLEAN NOT NULL DEFAULT FALSE,
    next_check_at BIGINT  NOT NULL DEFAULT 0,
    claimed_until BIGINT  NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX task_targets_unit ON task_targets (task_id, unit_id);
CREATE INDEX task_targets_due ON task_targets (active, next_check_at);
CREATE INDEX task_targets_by_unit ON task_targets (unit_id);

CREATE TABLE task_milestones (
    id       INTEGER PRIMARY KEY,
    task_id  BIGINT  NOT NULL REFERENCES tasks(id),
    position INTEGER NOT NULL,
    title    TEXT    NOT NULL,
    due_date TEXT    NOT NULL
);
CREATE INDEX task_milestones_task ON task_milestones (task_id);

CREATE TABLE task_indicators (
    id       INTEGER PRIMARY KEY,
    task_id  BIGINT  NOT NULL REFERENCES tasks(id),
    position INTEGER NOT NULL,
    name     TEXT    NOT NULL,
    measure  TEXT    NOT NULL,
    target   REAL    NOT NULL DEFAULT 0
);
CREATE INDEX task_indicators_task ON task_indicators (task_id);

CREATE TABLE task_reports (
    id          INTEGER PRIMARY KEY,
    task_id     BIGINT  NOT NULL REFERENCES tasks(id),
    unit_id     BIGINT  NOT NULL REFERENCES units(id),
    report_date TEXT    NOT NULL,
    note        TEXT    NOT NULL DEFAULT '',
    created_by  BIGINT  REFERENCES users(id),
    created_at  BIGINT  NOT NULL
);
CREATE INDEX task_reports_unit ON task_reports (task_id, unit_id, report_date);
CREATE INDEX task_reports_date ON task_reports (report_date);

CREATE TABLE task_report_values (
    report_id    BIGINT  NOT NULL REFERENCES task_reports(id),
    indicator_id BIGINT  NOT NULL REFERENCES task_indicators(id),
    value        REAL    NOT NULL,
    PRIMARY KEY (report_id, indicator_id)
);

CREATE TABLE task_report_milestones (
    report_id    BIGINT NOT NULL REFERENCES task_reports(id),
    milestone_id BIGINT NOT NULL REFERENCES task_milestones(id),
    PRIMARY KEY (report_id, milestone_id)
);

CREATE TABLE task_urges (
    id          INTEGER PRIMARY KEY,
    task_id     BIGINT  NOT NULL REFERENCES tasks(id),
    unit_id     BIGINT  NOT NULL REFERENCES units(id),
    level       TEXT    NOT NULL,
    chain       BIGINT  NOT NULL DEFAULT 0,
    state       TEXT    NOT NULL,
    urge_date   TEXT    NOT NULL,
    sent_at     BIGINT  NOT NULL,
    recipients  TEXT    NOT NULL DEFAULT '',
    answered_at BIGINT  NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX task_urges_once ON task_urges (task_id, unit_id, chain, level);
CREATE INDEX task_urges_date ON task_urges (urge_date);

CREATE TABLE task_findings (
    id          INTEGER PRIMARY KEY,
    task_id     BIGINT  NOT NULL REFERENCES tasks(id),
    unit_id     BIGINT  NOT NULL REFERENCES units(id),
    title       TEXT    NOT NULL,
    description TEXT    NOT NULL,
    category    TEXT    NOT NULL,
    created_by  BIGINT  REFERENCES users(id),
    created_at  BIGINT  NOT NULL
);
CREATE INDEX task_findings_task ON task_findings (task_id);

-- One oversight letter (督办函) per task and target unit: the number is
-- allocated from doc_numbers at the first print and kept for reprints.
CREATE TABLE task_letters (
    id         INTEGER PRIMARY KEY,
    task_id    BIGINT  NOT NULL REFERENCES tasks(id),
    unit_id    BIGINT  NOT NULL REFERENCES units(id),
    number     TEXT    NOT NULL,
    issued_by  BIGINT  REFERENCES users(id),
    issued_at  BIGINT  NOT NULL
);
CREATE UNIQUE INDEX task_letters_unit ON task_letters (task_id, unit_id);

CREATE TABLE campaign_items (
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    object_type TEXT   NOT NULL,
    object_id   BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, object_type, object_id)
);

-- +goose Down
DROP TABLE campaign_items;
DROP TABLE task_letters;
DROP TABLE task_findings;
DROP TABLE task_urges;
DROP TABLE task_report_milestones;
DROP TABLE task_report_values;
DROP TABLE task_reports;
DROP TABLE task_indicators;
DROP TABLE task_milestones;
DROP TABLE task_targets;
DROP TABLE tasks;
DROP TABLE campaigns;
