-- Dialogue sessions: minutes, cancellation by the unit, ratings after the session (SQLite
-- dialect). Keep in step with migrations/postgres/0006_session_minutes.sql.

-- A question asked at a session can become a feedback case: the channel 'session'. SQLite cannot
-- change a CHECK in place, so the table is copied aside, dropped and made again inside this
-- migration's transaction. The foreign keys of the case events and attachments are deferred
-- meanwhile and hold again once every case is back under the same id.
PRAGMA defer_foreign_keys = ON;
CREATE TEMP TABLE feedback_cases_copy AS SELECT * FROM feedback_cases;
DROP TABLE feedback_cases;
CREATE TABLE feedback_cases (
    id                INTEGER PRIMARY KEY,
    code              TEXT NOT NULL UNIQUE,
    -- the unit handling the case now, and the one that first received it
    unit_id           INTEGER NOT NULL REFERENCES units(id),
    origin_unit_id    INTEGER NOT NULL REFERENCES units(id),
    procedure_id      INTEGER REFERENCES procedures(id),
    channel           TEXT NOT NULL CHECK (channel IN ('web', 'kiosk', 'phone', 'paper', 'email', 'session')),
    lang              TEXT NOT NULL DEFAULT 'vi',
    citizen_name      TEXT NOT NULL,
    citizen_phone     TEXT NOT NULL DEFAULT '',
    citizen_email     TEXT NOT NULL DEFAULT '',
    citizen_address   TEXT NOT NULL,
    content           TEXT NOT NULL,
    consent_at        TIMESTAMP NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('received', 'processing', 'awaiting_approval', 'answered', 'closed', 'not_accepted', 'forwarded')),
    class             TEXT CHECK (class IN ('not_accepted', 'applying', 'competent', 'outside')),
    reject_reason     TEXT NOT NULL DEFAULT '',
    assignee_id       INTEGER REFERENCES accounts(id),
    entered_by        INTEGER REFERENCES accounts(id),
    received_at       TIMESTAMP NOT NULL,
    received_on       DATE NOT NULL,
    -- the day the current unit got the case (after a forward); the 5-day forward limit counts from it
    unit_received_on  DATE NOT NULL,
    forward_due       DATE NOT NULL,
    -- the legal deadline now in force: the forward limit until classified, then the handling deadline
    due_on            DATE NOT NULL,
    -- the new date promised in the latest apology notice
    extended_due_on   DATE,
    apologies         INTEGER NOT NULL DEFAULT 0,
    classified_at     TIMESTAMP,
    forwarded_at      TIMESTAMP,
    forward_late      BOOLEAN NOT NULL DEFAULT FALSE,
    -- a body outside the platform the case was forwarded to
    forwarded_to      TEXT NOT NULL DEFAULT '',
    answer            TEXT NOT NULL DEFAULT '',
    answered_at       TIMESTAMP,
    answered_late     BOOLEAN NOT NULL DEFAULT FALSE,
    -- what the public page shows: personal data removed
    public_content    TEXT NOT NULL DEFAULT '',
    public_answer     TEXT NOT NULL DEFAULT '',
    public_search     TEXT NOT NULL DEFAULT '',
    closed_at         TIMESTAMP,
    citizen_satisfied BOOLEAN,
    rated_at          TIMESTAMP,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
CREATE INDEX feedback_cases_unit ON feedback_cases(unit_id, status, due_on);
CREATE INDEX feedback_cases_origin ON feedback_cases(origin_unit_id);
CREATE INDEX feedback_cases_answered ON feedback_cases(answered_at) WHERE answered_at IS NOT NULL;
INSERT INTO feedback_cases SELECT * FROM feedback_cases_copy;
DROP TABLE feedback_cases_copy;

ALTER TABLE dialogue_sessions ADD COLUMN cancel_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE dialogue_sessions ADD COLUMN cancelled_at TIMESTAMP;
ALTER TABLE dialogue_sessions ADD COLUMN minutes_published_at TIMESTAMP;
-- A participant rates the session once (the rating itself is in ratings, channel 'session').
ALTER TABLE session_signups ADD COLUMN rated_at TIMESTAMP;
ALTER TABLE session_signups ADD COLUMN rating_id INTEGER REFERENCES ratings(id);

-- The minutes: each question asked, the answer given and any follow-up. A question may come from
-- a sign-up (its topic in advance) and may become a feedback case (linked both ways: the case is
-- found from the question, the question from the case).
CREATE TABLE session_questions (
    id          INTEGER PRIMARY KEY,
    session_id  INTEGER NOT NULL REFERENCES dialogue_sessions(id),
    signup_id   INTEGER REFERENCES session_signups(id),
    asker       TEXT NOT NULL,
    -- kept for the feedback case, never published
    asker_phone   TEXT NOT NULL DEFAULT '',
    asker_address TEXT NOT NULL DEFAULT '',
    question    TEXT NOT NULL,
    answer      TEXT NOT NULL DEFAULT '',
    answered_by TEXT NOT NULL DEFAULT '',
    follow_up   TEXT NOT NULL DEFAULT '',
    case_id     INTEGER REFERENCES feedback_cases(id),
    created_by  INTEGER REFERENCES accounts(id),
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX session_questions_session ON session_questions(session_id, id);
CREATE UNIQUE INDEX session_questions_case ON session_questions(case_id) WHERE case_id IS NOT NULL;
