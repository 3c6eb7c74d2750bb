-- Default clue and meeting permissions (data; administrators may change them
-- on the roles page). Case management (案管) registers clues from every
-- source, proposes assignments (分办) and keeps the commission's central
-- ledger, so its lists extend to the whole commission (scope.commission);
-- leaders approve assignments, disposals and escalations and chair
-- consultation meetings; offices, dispatched groups and township commissions
-- handle what they are assigned, and offices (the area groups' liaison
-- offices) record meetings; the petition office hands reports over as clues.
-- Administrators, reviewers, village members and analysts get none
-- (separation of duties). Identical for both dialects.

-- +goose Up
INSERT INTO role_permissions (role_code, permission) VALUES
    ('case_manager', 'clue.read'), ('case_manager', 'clue.register'), ('case_manager', 'clue.assign'),
    ('case_manager', 'scope.commission'),
    ('leader', 'clue.read'), ('leader', 'clue.register'), ('leader', 'clue.approve'), ('leader', 'meeting.manage'),
    ('petition', 'clue.read'), ('petition', 'clue.register'),
    ('office', 'clue.read'), ('office', 'clue.register'), ('office', 'clue.handle'), ('office', 'meeting.manage'),
    ('group', 'clue.read'), ('group', 'clue.register'), ('group', 'clue.handle'),
    ('township', 'clue.read'), ('township', 'clue.register'), ('township', 'clue.handle');

-- +goose Down
DELETE FROM role_permissions WHERE permission LIKE 'clue.%' OR permission = 'meeting.manage' OR permission = 'scope.commission';
