-- Feedback cases, the working-day calendar and the outbox (SQLite dialect). Keep in step with
-- migrations/postgres/0003_feedback.sql.

-- The working-day calendar: exceptions to "Monday to Friday". A holiday is a weekday off; a
-- working day is a make-up Saturday (or Sunday). Deadlines are computed from it
-- (domain::calendar). Seeded with the public holidays of 2025–2027; the administrator edits it.
CREATE TABLE calendar_days (
    day        DATE PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name       TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMP NOT NULL
);

-- Feedback cases (phản ánh, kiến nghị) under Decree 20/2008/NĐ-CP as amended by Decree 92/2017.
CREATE TABLE feedback_cases (
    id                INTEGER PRIMARY KEY,
    code              TEXT NOT NULL UNIQUE,
    -- the unit handling the case now, and the one that first received it
    unit_id           INTEGER NOT NULL REFERENCES units(id),
    origin_unit_id    INTEGER NOT NULL REFERENCES units(id),
    procedure_id      INTEGER REFERENCES procedures(id),
    channel           TEXT NOT NULL CHECK (channel IN ('web', 'kiosk', 'phone', 'paper', 'email')),
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

-- The timeline of a case: every step with who and when. `public` steps are shown to the citizen.
CREATE TABLE feedback_events (
    id        INTEGER PRIMARY KEY,
    case_id   INTEGER NOT NULL REFERENCES feedback_cases(id),
    at        TIMESTAMP NOT NULL,
    actor_id  INTEGER REFERENCES accounts(id),
    unit_id   INTEGER NOT NULL REFERENCES units(id),
    kind      TEXT NOT NULL,
    detail    TEXT NOT NULL DEFAULT '',
    new_date  DATE,
    public    BOOLEAN NOT NULL
);
CREATE INDEX feedback_events_case ON feedback_events(case_id, id);

-- Attachments, kept in the database so that any app instance can serve them.
CREATE TABLE feedback_attachments (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES feedback_cases(id),
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes   INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    data         BLOB NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX feedback_attachments_case ON feedback_attachments(case_id);

-- Messages to send, written in the same transaction as the event that causes them.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    event           TEXT NOT NULL,
    entity          TEXT NOT NULL,
    entity_id       INTEGER NOT NULL,
    channel         TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'zalo', 'log')),
    recipient       TEXT NOT NULL,
    lang            TEXT NOT NULL,
    params          TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    sent_at         TIMESTAMP,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX outbox_pending ON outbox(next_attempt_at) WHERE status IN ('pending', 'sending');
CREATE INDEX outbox_entity ON outbox(entity, entity_id);

INSERT INTO calendar_days (day, kind, name, updated_at) VALUES
('2025-01-01', 'holiday', 'Tết Dương lịch', '2025-01-01T00:00:00+00:00'),
('2025-01-27', 'holiday', 'Tết Nguyên đán Ất Tỵ', '2025-01-01T00:00:00+00:00'),
('2025-01-28', 'holiday', 'Tết Nguyên đán Ất Tỵ', '2025-01-01T00:00:00+00:00'),
('2025-01-29', 'holiday', 'Tết Nguyên đán Ất Tỵ', '2025-01-01T00:00:00+00:00'),
('2025-01-30', 'holiday', 'Tết Nguyên đán Ất Tỵ', '2025-01-01T00:00:00+00:00'),
('2025-01-31', 'holiday', 'Tết Nguyên đán Ất Tỵ', '2025-01-01T00:00:00+00:00'),
('2025-04-07', 'holiday', 'Giỗ Tổ Hùng Vương', '2025-01-01T00:00:00+00:00'),
('2025-04-26', 'workday', 'Làm bù cho ngày 02/5', '2025-01-01T00:00:00+00:00'),
('2025-04-30', 'holiday', 'Ngày Giải phóng miền Nam', '2025-01-01T00:00:00+00:00'),
('2025-05-01', 'holiday', 'Quốc tế Lao động', '2025-01-01T00:00:00+00:00'),
('2025-05-02', 'holiday', 'Nghỉ hoán đổi (làm bù thứ Bảy 26/4)', '2025-01-01T00:00:00+00:00'),
('2025-09-01', 'holiday', 'Quốc khánh', '2025-01-01T00:00:00+00:00'),
('2025-09-02', 'holiday', 'Quốc khánh', '2025-01-01T00:00:00+00:00'),
('2026-01-01', 'holiday', 'Tết Dương lịch', '2025-01-01T00:00:00+00:00'),
('2026-01-02', 'holiday', 'Nghỉ hoán đổi (làm bù thứ Bảy 10/01)', '2025-01-01T00:00:00+00:00'),
('2026-01-10', 'workday', 'Làm bù cho ngày 02/01', '2025-01-01T00:00:00+00:00'),
('2026-02-16', 'holiday', 'Tết Nguyên đán Bính Ngọ', '2025-01-01T00:00:00+00:00'),
('2026-02-17', 'holiday', 'Tết Nguyên đán Bính Ngọ', '2025-01-01T00:00:00+00:00'),
('2026-02-18', 'holiday', 'Tết Nguyên đán Bính Ngọ', '2025-01-01T00:00:00+00:00'),
('2026-02-19', 'holiday', 'Tết Nguyên đán Bính Ngọ', '2025-01-01T00:00:00+00:00'),
('2026-02-20', 'holiday', 'Tết Nguyên đán Bính Ngọ', '2025-01-01T00:00:00+00:00'),
('2026-04-27', 'holiday', 'Nghỉ bù Giỗ Tổ Hùng Vương (26/4 là Chủ nhật)', '2025-01-01T00:00:00+00:00'),
('2026-04-30', 'holiday', 'Ngày Giải phóng miền Nam', '2025-01-01T00:00:00+00:00'),
('2026-05-01', 'holiday', 'Quốc tế Lao động', '2025-01-01T00:00:00+00:00'),
('2026-09-01', 'holiday', 'Quốc khánh', '2025-01-01T00:00:00+00:00'),
('2026-09-02', 'holiday', 'Quốc khánh', '2025-01-01T00:00:00+00:00'),
('2027-01-01', 'holiday', 'Tết Dương lịch', '2025-01-01T00:00:00+00:00'),
('2027-02-04', 'holiday', 'Tết Nguyên đán Đinh Mùi (dự kiến)', '2025-01-01T00:00:00+00:00'),
('2027-02-05', 'holiday', 'Tết Nguyên đán Đinh Mùi (dự kiến)', '2025-01-01T00:00:00+00:00'),
('2027-02-08', 'holiday', 'Tết Nguyên đán Đinh Mùi (dự kiến)', '2025-01-01T00:00:00+00:00'),
('2027-02-09', 'holiday', 'Tết Nguyên đán Đinh Mùi (dự kiến)', '2025-01-01T00:00:00+00:00'),
('2027-02-10', 'holiday', 'Tết Nguyên đán Đinh Mùi (dự kiến)', '2025-01-01T00:00:00+00:00'),
('2027-04-16', 'holiday', 'Giỗ Tổ Hùng Vương (dự kiến)', '2025-01-01T00:00:00+00:00'),
('2027-04-30', 'holiday', 'Ngày Giải phóng miền Nam', '2025-01-01T00:00:00+00:00'),
('2027-05-03', 'holiday', 'Nghỉ bù Quốc tế Lao động (01/5 là thứ Bảy)', '2025-01-01T00:00:00+00:00'),
('2027-09-02', 'holiday', 'Quốc khánh', '2025-01-01T00:00:00+00:00'),
('2027-09-03', 'holiday', 'Quốc khánh', '2025-01-01T00:00:00+00:00');
