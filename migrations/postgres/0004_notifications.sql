-- Delivery of the outbox (postgres dialect). Keep in step with the other dialect's 0004_notifications.sql.

-- A worker claims a message for a while (a lease); if it dies, the lease runs out and another
-- worker takes the message again. The text as sent is kept for the delivery log.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN claimed_until TIMESTAMPTZ;
ALTER TABLE outbox ADD COLUMN subject TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN body TEXT NOT NULL DEFAULT '';

-- Templates an administrator changed (the others come with the app), per event and language.
CREATE TABLE message_templates (
    event      TEXT NOT NULL,
    lang       TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (event, lang)
);
