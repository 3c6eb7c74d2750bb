-- The last accepted TOTP time step per user, so a code is accepted once.
-- Identical for both dialects.

-- +goose Up
ALTER TABLE users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE users DROP COLUMN totp_last_step;
