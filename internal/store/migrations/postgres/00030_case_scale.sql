-- Province scale of the cases (issue 5): the measures screen (措施期限预警)
-- starts from the running measures (a few thousand among all measures ever
-- taken), so they get a partial index; the clock of each is then found
-- through clocks_object. Identical for both dialects.

-- +goose Up
CREATE INDEX case_measures_running ON case_measures (case_id) WHERE ended_at = 0;

-- +goose Down
DROP INDEX case_measures_running;
