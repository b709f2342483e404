-- Personal data stays private (issue 17), PostgreSQL dialect. Keep in step with
-- migrations/sqlite/0012_privacy.sql.

-- Publication of feedback answers: the words the reviewing official removed by hand (one per
-- line, internal record only), a leader's take-down, and the version of the publication rules
-- the public texts were made with (texts made with older rules are made again at start-up).
ALTER TABLE feedback_cases ADD COLUMN public_extra TEXT NOT NULL DEFAULT '';
ALTER TABLE feedback_cases ADD COLUMN public_rules INTEGER NOT NULL DEFAULT 0;
ALTER TABLE feedback_cases ADD COLUMN public_withdrawn_at TIMESTAMPTZ;
ALTER TABLE feedback_cases ADD COLUMN public_withdrawn_by BIGINT REFERENCES accounts(id);
ALTER TABLE feedback_cases ADD COLUMN public_withdrawn_reason TEXT NOT NULL DEFAULT '';

-- Publication of the minutes of a dialogue session: the same, per session, and for each
-- question the public text as it was reviewed (the public page shows only these).
ALTER TABLE dialogue_sessions ADD COLUMN minutes_extra TEXT NOT NULL DEFAULT '';
ALTER TABLE dialogue_sessions ADD COLUMN minutes_rules INTEGER NOT NULL DEFAULT 0;
ALTER TABLE dialogue_sessions ADD COLUMN minutes_withdrawn_at TIMESTAMPTZ;
ALTER TABLE dialogue_sessions ADD COLUMN minutes_withdrawn_by BIGINT REFERENCES accounts(id);
ALTER TABLE dialogue_sessions ADD COLUMN minutes_withdrawn_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE session_questions ADD COLUMN public_question TEXT NOT NULL DEFAULT '';
ALTER TABLE session_questions ADD COLUMN public_answer TEXT NOT NULL DEFAULT '';
ALTER TABLE session_questions ADD COLUMN public_answered_by TEXT NOT NULL DEFAULT '';
ALTER TABLE session_questions ADD COLUMN public_follow_up TEXT NOT NULL DEFAULT '';
ALTER TABLE session_questions ADD COLUMN public_at TIMESTAMPTZ;

-- A message with no gateway configured for its channel is not sent (and its text is not
-- written anywhere): the status 'unsent'.
ALTER TABLE outbox DROP CONSTRAINT outbox_status_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_status_check
    CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'unsent'));
