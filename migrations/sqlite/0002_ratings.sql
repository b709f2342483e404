-- Satisfaction ratings (SQLite dialect). Keep in step with migrations/postgres/0002_ratings.sql.

-- Survey instruments are versioned data: elements → criteria → a 1–5 scale.
CREATE TABLE instruments (
    id           INTEGER PRIMARY KEY,
    code         TEXT NOT NULL,
    version      INTEGER NOT NULL,
    name_vi      TEXT NOT NULL,
    name_en      TEXT NOT NULL,
    -- draft (editable) → published (the one in use for its code) → retired
    status       TEXT NOT NULL CHECK (status IN ('draft', 'published', 'retired')),
    published_at TIMESTAMP,
    created_at   TIMESTAMP NOT NULL,
    UNIQUE (code, version)
);

CREATE TABLE instrument_elements (
    id            INTEGER PRIMARY KEY,
    instrument_id INTEGER NOT NULL REFERENCES instruments(id),
    position      INTEGER NOT NULL,
    code          TEXT NOT NULL,
    name_vi       TEXT NOT NULL,
    name_en       TEXT NOT NULL,
    UNIQUE (instrument_id, code)
);

CREATE TABLE instrument_criteria (
    id            INTEGER PRIMARY KEY,
    instrument_id INTEGER NOT NULL REFERENCES instruments(id),
    element_id    INTEGER NOT NULL REFERENCES instrument_elements(id),
    position      INTEGER NOT NULL,
    code          TEXT NOT NULL,
    text_vi       TEXT NOT NULL,
    text_en       TEXT NOT NULL,
    UNIQUE (instrument_id, code)
);

CREATE TABLE instrument_scale (
    instrument_id INTEGER NOT NULL REFERENCES instruments(id),
    value         INTEGER NOT NULL CHECK (value BETWEEN 1 AND 5),
    label_vi      TEXT NOT NULL,
    label_en      TEXT NOT NULL,
    PRIMARY KEY (instrument_id, value)
);

-- Dossiers (hồ sơ) sent by the one-stop software.
CREATE TABLE dossiers (
    id           INTEGER PRIMARY KEY,
    code         TEXT NOT NULL UNIQUE,
    unit_id      INTEGER NOT NULL REFERENCES units(id),
    procedure_id INTEGER REFERENCES procedures(id),
    counter_id   INTEGER REFERENCES counters(id),
    -- the citizen's phone is kept only as a keyed hash (to find the survey) and its last digits
    phone_hash   TEXT NOT NULL DEFAULT '',
    phone_hint   TEXT NOT NULL DEFAULT '',
    received_at  TIMESTAMP,
    due_at       TIMESTAMP,
    completed_at TIMESTAMP,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
CREATE INDEX dossiers_unit ON dossiers(unit_id, completed_at);

-- One-time survey links: the token is derived from the server secret, only its hash is kept.
CREATE TABLE survey_links (
    id          INTEGER PRIMARY KEY,
    dossier_id  INTEGER NOT NULL UNIQUE REFERENCES dossiers(id),
    token_hash  TEXT NOT NULL UNIQUE,
    expires_at  TIMESTAMP NOT NULL,
    used_at     TIMESTAMP,
    created_at  TIMESTAMP NOT NULL
);

-- API keys of the one-stop software (and other systems), scoped to a unit subtree.
CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    key_hash     TEXT NOT NULL UNIQUE,
    key_hint     TEXT NOT NULL,
    unit_id      INTEGER NOT NULL REFERENCES units(id),
    active       BOOLEAN NOT NULL DEFAULT TRUE,
    created_by   INTEGER REFERENCES accounts(id),
    created_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP
);

-- Ratings are append-only: no edit or delete path. A correction is a new row pointing at the
-- one it corrects. Each unit's rows form a hash chain (seq, prev_hash, hash).
CREATE TABLE ratings (
    id                INTEGER PRIMARY KEY,
    unit_id           INTEGER NOT NULL REFERENCES units(id),
    seq               INTEGER NOT NULL,
    instrument_id     INTEGER NOT NULL REFERENCES instruments(id),
    channel           TEXT NOT NULL,
    score             INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    faces             INTEGER,
    counter_id        INTEGER REFERENCES counters(id),
    kiosk_id          INTEGER REFERENCES kiosks(id),
    procedure_id      INTEGER REFERENCES procedures(id),
    dossier_id        INTEGER REFERENCES dossiers(id),
    corrects_id       INTEGER REFERENCES ratings(id),
    correction_reason TEXT NOT NULL DEFAULT '',
    corrected_by      INTEGER REFERENCES accounts(id),
    client_nonce      TEXT,
    created_at        TIMESTAMP NOT NULL,
    -- the local (Asia/Ho_Chi_Minh) day, for reports and rollups
    day               DATE NOT NULL,
    prev_hash         TEXT NOT NULL,
    hash              TEXT NOT NULL,
    UNIQUE (unit_id, seq)
);
CREATE INDEX ratings_unit_day ON ratings(unit_id, day);
CREATE INDEX ratings_kiosk_time ON ratings(kiosk_id, created_at);
-- Partial indexes: only the few rows that carry a value pay for them.
CREATE INDEX ratings_corrects ON ratings(corrects_id) WHERE corrects_id IS NOT NULL;
CREATE UNIQUE INDEX ratings_kiosk_nonce ON ratings(kiosk_id, client_nonce) WHERE client_nonce IS NOT NULL;

-- Answers per element (kiosk second step) or per criterion (full survey). Insert-only; each
-- row's hash is chained onto its rating's hash.
CREATE TABLE rating_answers (
    rating_id    INTEGER NOT NULL REFERENCES ratings(id),
    element_id   INTEGER NOT NULL REFERENCES instrument_elements(id),
    criterion_id INTEGER REFERENCES instrument_criteria(id),
    score        INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    hash         TEXT NOT NULL
);
CREATE UNIQUE INDEX rating_answers_key ON rating_answers(rating_id, element_id, criterion_id);

CREATE TABLE rating_comments (
    rating_id  INTEGER PRIMARY KEY REFERENCES ratings(id),
    comment    TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    hash       TEXT NOT NULL
);

-- Suspicious ratings: kept, shown to admins, left out of indices until cleared.
CREATE TABLE rating_flags (
    rating_id  INTEGER PRIMARY KEY REFERENCES ratings(id),
    reason     TEXT NOT NULL,
    flagged_at TIMESTAMP NOT NULL,
    cleared_by INTEGER REFERENCES accounts(id),
    cleared_at TIMESTAMP
);

-- The head of each unit's hash chain (locked while a batch extends it).
CREATE TABLE chain_heads (
    unit_id INTEGER PRIMARY KEY REFERENCES units(id),
    seq     INTEGER NOT NULL,
    hash    TEXT NOT NULL
);

-- Settings an admin edits (survey link validity, burst rule …), as text.
CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Kiosks may ask a second step (the five elements and a comment) after the face.
ALTER TABLE kiosks ADD COLUMN ask_details BOOLEAN NOT NULL DEFAULT TRUE;
