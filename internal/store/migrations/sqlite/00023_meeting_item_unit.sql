-- Meeting items keep the unit that held the clue when the agenda was built
-- (the minutes' 原承办单位) and the inquiry form a meeting decided, so the
-- minutes do not depend on where the clue went afterwards. Identical for
-- both dialects.

-- +goose Up
ALTER TABLE meeting_items ADD COLUMN unit_id INTEGER REFERENCES units(id);
ALTER TABLE meeting_items ADD COLUMN form TEXT NOT NULL DEFAULT '';
UPDATE meeting_items SET unit_id = (SELECT c.unit_id FROM clues c WHERE c.id = meeting_items.clue_id);

-- +goose Down
ALTER TABLE meeting_items DROP COLUMN form;
ALTER TABLE meeting_items DROP COLUMN unit_id;
