-- Delivery of the outbox (sqlite dialect). Keep in step with the other dialect's 0004_notifications.sql.

-- A worker claims a message for a while (a lease); if it dies, the lease runs out and another
-- worker takes the message again. The text as sent is kept for the delivery log.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN claimed_until TIMESTAMP;
ALTER TABLE outbox ADD COLUMN subject TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN body TEXT NOT NULL DEFAULT '';
-- A message that must go at most once per key (a leader's daily digest) carries one.
ALTER TABLE outbox ADD COLUMN dedupe_key TEXT;
CREATE UNIQUE INDEX outbox_dedupe ON outbox(dedupe_key) WHERE dedupe_key IS NOT NULL;
CREATE INDEX outbox_created ON outbox(id DESC, status);

-- Templates an administrator changed (the others come with the app), per event and language.
CREATE TABLE message_templates (
    event      TEXT NOT NULL,
    lang       TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (event, lang)
);
