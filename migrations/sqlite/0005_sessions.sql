-- Dialogue sessions (SQLite dialect). Keep in step with migrations/postgres/0005_sessions.sql.

-- Kinds of dialogue session; the three of the brief come with the app, an administrator adds others.
CREATE TABLE session_kinds (
    id         INTEGER PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,
    name_vi    TEXT NOT NULL,
    name_en    TEXT NOT NULL,
    -- sign-ups book a time slot and a procedure (no-wait Thursday)
    slots      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE dialogue_sessions (
    id              INTEGER PRIMARY KEY,
    unit_id         INTEGER NOT NULL REFERENCES units(id),
    kind_id         INTEGER NOT NULL REFERENCES session_kinds(id),
    title           TEXT NOT NULL,
    starts_at       TIMESTAMP NOT NULL,
    ends_at         TIMESTAMP NOT NULL,
    place           TEXT NOT NULL,
    capacity        INTEGER NOT NULL CHECK (capacity > 0),
    description     TEXT NOT NULL DEFAULT '',
    slot_minutes    INTEGER,
    status          TEXT NOT NULL CHECK (status IN ('draft', 'published', 'cancelled')),
    -- confirmed sign-ups, kept with the row so that one conditional UPDATE decides a place
    confirmed_count INTEGER NOT NULL DEFAULT 0 CHECK (confirmed_count >= 0 AND confirmed_count <= capacity),
    created_by      INTEGER REFERENCES accounts(id),
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX dialogue_sessions_start ON dialogue_sessions(status, starts_at);
CREATE INDEX dialogue_sessions_unit ON dialogue_sessions(unit_id);

CREATE TABLE session_procedures (
    session_id   INTEGER NOT NULL REFERENCES dialogue_sessions(id),
    procedure_id INTEGER NOT NULL REFERENCES procedures(id),
    PRIMARY KEY (session_id, procedure_id)
);

CREATE TABLE session_signups (
    id           INTEGER PRIMARY KEY,
    session_id   INTEGER NOT NULL REFERENCES dialogue_sessions(id),
    code         TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    phone        TEXT NOT NULL,
    id_number    TEXT NOT NULL DEFAULT '',
    topic        TEXT NOT NULL DEFAULT '',
    procedure_id INTEGER REFERENCES procedures(id),
    slot_start   TIMESTAMP,
    status       TEXT NOT NULL CHECK (status IN ('confirmed', 'waiting', 'cancelled')),
    lang         TEXT NOT NULL DEFAULT 'vi',
    created_at   TIMESTAMP NOT NULL,
    promoted_at  TIMESTAMP,
    cancelled_at TIMESTAMP,
    -- at the door, and for no-wait Thursday when the result was handed back
    checked_in_at TIMESTAMP,
    checked_in_by INTEGER REFERENCES accounts(id),
    result_at    TIMESTAMP
);
CREATE INDEX session_signups_session ON session_signups(session_id, status, id);
-- A time slot is booked once.
CREATE UNIQUE INDEX session_signups_slot ON session_signups(session_id, slot_start)
    WHERE status = 'confirmed' AND slot_start IS NOT NULL;

INSERT INTO session_kinds (code, name_vi, name_en, slots, created_at) VALUES
('saturday', 'Ngày thứ bảy lắng nghe dân nói', 'Saturday listening', FALSE, '2025-01-01T00:00:00+00:00'),
('thursday', 'Ngày thứ năm không chờ', 'No-wait Thursday', TRUE, '2025-01-01T00:00:00+00:00'),
('business', 'Đối thoại doanh nghiệp định kỳ', 'Periodic business dialogue', FALSE, '2025-01-01T00:00:00+00:00');
