-- Roles and their permissions are data: an administrator may change them in
-- the UI (roles page). This seeds the defaults. Identical for both dialects.

-- +goose Up
INSERT INTO roles (code, name_zh, name_en, require_totp, sort_order) VALUES
    ('admin',        '系统管理员',     'System administrator',  FALSE, 1),
    ('leader',       '委领导',         'Commission leader',     FALSE, 2),
    ('case_manager', '案件监督管理',   'Case management',       FALSE, 3),
    ('petition',     '信访举报',       'Petition office',       FALSE, 4),
    ('office',       '纪检监察室',     'Office staff',          FALSE, 5),
    ('group',        '派驻纪检监察组', 'Dispatched group staff', FALSE, 6),
    ('township',     '乡镇（街道）纪委', 'Township staff',      FALSE, 7),
    ('reviewer',     '案件审理',       'Reviewer',              FALSE, 8),
    ('village',      '村级纪检委员',   'Village member',        FALSE, 9),
    ('analyst',      '统计分析',       'Analyst',               FALSE, 10);

INSERT INTO role_permissions (role_code, permission) VALUES
    ('admin', 'org.read'), ('admin', 'org.manage'), ('admin', 'user.read'), ('admin', 'user.manage'),
    ('admin', 'role.manage'), ('admin', 'audit.read'), ('admin', 'stats.read'), ('admin', 'token.create'),
    ('leader', 'org.read'), ('leader', 'user.read'), ('leader', 'audit.read'), ('leader', 'scope.area'),
    ('leader', 'stats.read'), ('leader', 'token.create'),
    ('case_manager', 'org.read'), ('case_manager', 'audit.read'), ('case_manager', 'stats.read'), ('case_manager', 'token.create'),
    ('petition', 'org.read'), ('petition', 'token.create'),
    ('office', 'org.read'), ('office', 'scope.area'), ('office', 'token.create'),
    ('group', 'org.read'), ('group', 'scope.area'), ('group', 'token.create'),
    ('township', 'org.read'), ('township', 'token.create'),
    ('reviewer', 'org.read'), ('reviewer', 'token.create'),
    ('village', 'org.read'),
    ('analyst', 'org.read'), ('analyst', 'stats.read'), ('analyst', 'token.create');

-- +goose Down
DELETE FROM role_permissions;
DELETE FROM roles;
