-- Supervision (issue 7): who may read and steer supervision tasks,
-- campaigns and rectifications, report progress for their own unit, and
-- keep the village work log. Roles are data; operators may change these
-- on the roles page. Identical for both dialects.

-- +goose Up
INSERT INTO role_permissions (role_code, permission) VALUES
    ('leader', 'task.read'), ('leader', 'task.manage'),
    ('case_manager', 'task.read'),
    ('office', 'task.read'), ('office', 'task.manage'), ('office', 'task.report'),
    ('group', 'task.read'), ('group', 'task.report'),
    ('township', 'task.read'), ('township', 'task.report'),
    ('village', 'task.report'), ('village', 'village.log'),
    ('analyst', 'task.read');

-- +goose Down
DELETE FROM role_permissions WHERE permission IN ('task.read', 'task.manage', 'task.report', 'village.log');
