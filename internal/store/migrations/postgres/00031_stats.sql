-- Statistics (issue 6). What a subject's outcome counts as is decided once,
-- in Go (stats.FiguresOf), and stored with the outcome wherever one is
-- written, so that every statistic sums plain columns on both engines:
-- sanctioned (a party or a government sanction, once even with both),
-- party_sanctioned, gov_sanctioned, org_action (at least one
-- organisational action), transferred (to the procuratorate), funds_fen
-- (confiscated + recovered + ordered returned, 没收、追缴、责令退赔) and
-- returned_fen (of which returned to the public). Existing outcomes are
-- backfilled from their JSON (the same rules; this dialect's JSON
-- functions). Indexes: cases by filing and closing date, subjects by
-- decision date, detentions by start, within a unit subtree.

-- +goose Up
ALTER TABLE case_subjects ADD COLUMN sanctioned BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE case_subjects ADD COLUMN party_sanctioned BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE case_subjects ADD COLUMN gov_sanctioned BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE case_subjects ADD COLUMN org_action BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE case_subjects ADD COLUMN transferred BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE case_subjects ADD COLUMN funds_fen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE case_subjects ADD COLUMN returned_fen BIGINT NOT NULL DEFAULT 0;
UPDATE case_subjects SET
    party_sanctioned = COALESCE(outcome::jsonb->>'Party', '') <> '' AND NOT COALESCE((outcome::jsonb->>'Withdrawn')::boolean, FALSE),
    gov_sanctioned = COALESCE(outcome::jsonb->>'Gov', '') <> '' AND NOT COALESCE((outcome::jsonb->>'Withdrawn')::boolean, FALSE),
    org_action = COALESCE(jsonb_array_length(CASE WHEN jsonb_typeof(outcome::jsonb->'Org') = 'array' THEN outcome::jsonb->'Org' END), 0) > 0
        AND NOT COALESCE((outcome::jsonb->>'Withdrawn')::boolean, FALSE),
    transferred = COALESCE((outcome::jsonb->>'Transferred')::boolean, FALSE) AND NOT COALESCE((outcome::jsonb->>'Withdrawn')::boolean, FALSE),
    funds_fen = COALESCE((outcome::jsonb->>'ConfiscatedFen')::bigint, 0) + COALESCE((outcome::jsonb->>'RecoveredFen')::bigint, 0)
        + COALESCE((outcome::jsonb->>'OrderedFen')::bigint, 0),
    returned_fen = COALESCE((outcome::jsonb->>'ReturnedFen')::bigint, 0)
WHERE outcome <> '';
UPDATE case_subjects SET sanctioned = party_sanctioned OR gov_sanctioned;
-- Offices, dispatched groups and township commissions see their own figures.
INSERT INTO role_permissions (role_code, permission) VALUES
    ('office', 'stats.read'), ('group', 'stats.read'), ('township', 'stats.read');
CREATE INDEX cases_filed ON cases (unit_path, filed_at);
CREATE INDEX cases_closed_scope ON cases (unit_path, closed_at);
CREATE INDEX case_subjects_decided ON case_subjects (outcome_at, case_id);
CREATE INDEX case_measures_kind ON case_measures (kind, started_at);
CREATE INDEX case_subjects_detained ON case_subjects (case_id) WHERE detained;

-- +goose Down
DELETE FROM role_permissions WHERE permission = 'stats.read' AND role_code IN ('office', 'group', 'township');
DROP INDEX case_subjects_detained;
DROP INDEX case_measures_kind;
DROP INDEX case_subjects_decided;
DROP INDEX cases_closed_scope;
DROP INDEX cases_filed;
ALTER TABLE case_subjects DROP COLUMN returned_fen;
ALTER TABLE case_subjects DROP COLUMN funds_fen;
ALTER TABLE case_subjects DROP COLUMN transferred;
ALTER TABLE case_subjects DROP COLUMN org_action;
ALTER TABLE case_subjects DROP COLUMN gov_sanctioned;
ALTER TABLE case_subjects DROP COLUMN party_sanctioned;
ALTER TABLE case_subjects DROP COLUMN sanctioned;
