-- Smart supervision (issue 8): who may see device feeds, alerts and
-- cross-checks, register depots, devices, gateways, rules and webhooks, and
-- handle alerts and judge cross-check suspects. Roles are data; operators
-- may change these on the roles page. Administrators register equipment
-- but read no records. Identical for both dialects.

-- +goose Up
INSERT INTO role_permissions (role_code, permission) VALUES
    ('admin', 'monitor.manage'),
    ('leader', 'monitor.read'), ('leader', 'monitor.handle'),
    ('case_manager', 'monitor.read'),
    ('office', 'monitor.read'), ('office', 'monitor.handle'),
    ('group', 'monitor.read'), ('group', 'monitor.handle'),
    ('township', 'monitor.read'),
    ('analyst', 'monitor.read');

-- +goose Down
DELETE FROM role_permissions WHERE permission IN ('monitor.read', 'monitor.manage', 'monitor.handle');
