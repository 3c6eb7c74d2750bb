-- Default case permissions (data; administrators may change them on the
-- roles page). Case management proposes filings and forms investigation
-- teams; leaders approve filings, plans, measures' extensions and reports;
-- offices, dispatched groups and township commissions investigate; the
-- review office (案件审理室) reviews the cases of its whole commission, so
-- its lists extend to the commission (scope.commission), and never those
-- its members investigated (checked by the service). Identical for both
-- dialects.

-- +goose Up
INSERT INTO role_permissions (role_code, permission) VALUES
    ('case_manager', 'case.read'), ('case_manager', 'case.file'),
    ('leader', 'case.read'), ('leader', 'case.approve'),
    ('office', 'case.read'), ('office', 'case.handle'),
    ('group', 'case.read'), ('group', 'case.handle'),
    ('township', 'case.read'), ('township', 'case.handle'),
    ('reviewer', 'case.read'), ('reviewer', 'case.review'), ('reviewer', 'scope.commission');

-- +goose Down
DELETE FROM role_permissions WHERE permission LIKE 'case.%';
DELETE FROM role_permissions WHERE role_code = 'reviewer' AND permission = 'scope.commission';
