-- Default report permissions (data; administrators may change them on the
-- roles page). The petition office registers and handles; handling units
-- (offices, dispatched groups, townships) handle what is routed to them;
-- leaders and the petition office may reveal a real-name identity with a
-- reason. The system administrator does not read reports (separation of
-- duties). Identical for both dialects.

-- +goose Up
INSERT INTO role_permissions (role_code, permission) VALUES
    ('petition', 'report.read'), ('petition', 'report.register'), ('petition', 'report.handle'), ('petition', 'report.reveal'),
    ('leader', 'report.read'), ('leader', 'report.reveal'),
    ('case_manager', 'report.read'),
    ('office', 'report.read'), ('office', 'report.handle'),
    ('group', 'report.read'), ('group', 'report.handle'),
    ('township', 'report.read'), ('township', 'report.handle'), ('township', 'report.register'),
    ('village', 'report.register');

-- +goose Down
DELETE FROM role_permissions WHERE permission LIKE 'report.%';
