-- Notifications through outside gateways (issue 7): a user's e-mail
-- address (set on the account page), and one delivery row per
-- notification and channel ("email"; an SMS gateway would use "phone", the
-- person's phone number), claimed by the delivery worker with a lease so
-- that several instances can run, retried with backoff, never sent twice.
-- The in-app notification stays the record. Identical for both dialects.

-- +goose Up
ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT '';
CREATE TABLE notification_deliveries (
    notification_id BIGINT  NOT NULL REFERENCES notifications(id),
    channel         TEXT    NOT NULL,
    address         TEXT    NOT NULL DEFAULT '',
    attempts        INTEGER NOT NULL DEFAULT 0,
    claimed_until   BIGINT  NOT NULL DEFAULT 0,
    next_at         BIGINT  NOT NULL DEFAULT 0,
    sent_at         BIGINT  NOT NULL DEFAULT 0,
    failed_at       BIGINT  NOT NULL DEFAULT 0,
    last_error      TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (notification_id, channel)
);
CREATE INDEX notifications_created ON notifications (created_at);

-- +goose Down
DROP INDEX notifications_created;
DROP TABLE notification_deliveries;
ALTER TABLE users DROP COLUMN email;
