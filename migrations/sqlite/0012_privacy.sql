-- Personal data stays private (issue 17), SQLite dialect. Keep in step with
-- migrations/postgres/0012_privacy.sql.

-- Publication of feedback answers: the words the reviewing official removed by hand (one per
-- line, internal record only), a leader's take-down, and the version of the publication rules
-- the public texts were made with (texts made with older rules are made again at start-up).
ALTER TABLE feedback_cases ADD COLUMN public_extra TEXT NOT NULL DEFAULT '';
ALTER TABLE feedback_cases ADD COLUMN public_rules INTEGER NOT NULL DEFAULT 0;
ALTER TABLE feedback_cases ADD COLUMN public_withdrawn_at TIMESTAMP;
ALTER TABLE feedback_cases ADD COLUMN public_withdrawn_by INTEGER REFERENCES accounts(id);
ALTER TABLE feedback_cases ADD COLUMN public_withdrawn_reason TEXT NOT NULL DEFAULT '';

-- Publication of the minutes of a dialogue session: the same, per session, and for each
-- question the public text as it was reviewed (the public page shows only these).
ALTER TABLE dialogue_sessions ADD COLUMN minutes_extra TEXT NOT NULL DEFAULT '';
ALTER TABLE dialogue_sessions ADD COLUMN minutes_rules INTEGER NOT NULL DEFAULT 0;
ALTER TABLE dialogue_sessions ADD COLUMN minutes_withdrawn_at TIMESTAMP;
ALTER TABLE dialogue_sessions ADD COLUMN minutes_withdrawn_by INTEGER REFERENCES accounts(id);
ALTER TABLE dialogue_sessions ADD COLUMN minutes_withdrawn_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE session_questions ADD COLUMN public_question TEXT NOT NULL DEFAULT '';
ALTER TABLE session_questions ADD COLUMN public_answer TEXT NOT NULL DEFAULT '';
ALTER TABLE session_questions ADD COLUMN public_answered_by TEXT NOT NULL DEFAULT '';
ALTER TABLE session_questions ADD COLUMN public_follow_up TEXT NOT NULL DEFAULT '';
ALTER TABLE session_questions ADD COLUMN public_at TIMESTAMP;

-- A message with no gateway configured for its channel is not sent (and its text is not
-- written anywhere): the status 'unsent'. SQLite cannot change a CHECK in place, so the table
-- is copied aside, dropped and made again (same ids) inside this migration's transaction.
CREATE TEMP TABLE outbox_copy AS SELECT * FROM outbox;
DROP TABLE outbox;
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    event           TEXT NOT NULL,
    entity          TEXT NOT NULL,
    entity_id       INTEGER NOT NULL,
    channel         TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'zalo', 'log')),
    recipient       TEXT NOT NULL,
    lang            TEXT NOT NULL,
    params          TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'unsent')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    sent_at         TIMESTAMP,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    claimed_by      TEXT NOT NULL DEFAULT '',
    claimed_until   TIMESTAMP,
    subject         TEXT NOT NULL DEFAULT '',
    body            TEXT NOT NULL DEFAULT '',
    dedupe_key      TEXT
);
INSERT INTO outbox (id, event, entity, entity_id, channel, recipient, lang, params, status, attempts,
        next_attempt_at, sent_at, last_error, created_at, claimed_by, claimed_until, subject, body, dedupe_key)
    SELECT id, event, entity, entity_id, channel, recipient, lang, params, status, attempts,
        next_attempt_at, sent_at, last_error, created_at, claimed_by, claimed_until, subject, body, dedupe_key
      FROM outbox_copy;
DROP TABLE outbox_copy;
CREATE INDEX outbox_pending ON outbox(next_attempt_at) WHERE status IN ('pending', 'sending');
CREATE INDEX outbox_entity ON outbox(entity, entity_id);
CREATE UNIQUE INDEX outbox_dedupe ON outbox(dedupe_key) WHERE dedupe_key IS NOT NULL;
CREATE INDEX outbox_created ON outbox(id DESC, status);
