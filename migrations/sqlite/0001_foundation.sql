-- Lắng Nghe foundation schema (SQLite dialect). Keep in step with migrations/postgres/0001_foundation.sql.

CREATE TABLE unit_groups (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name_vi     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    sort_order  INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE units (
    id             INTEGER PRIMARY KEY,
    parent_id      INTEGER REFERENCES units(id),
    group_id       INTEGER REFERENCES unit_groups(id),
    code           TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    kind           TEXT NOT NULL,
    -- materialised path of ids, '/1/4/9/': a subtree is every path that starts with its root's path
    path           TEXT NOT NULL,
    address        TEXT NOT NULL DEFAULT '',
    effective_from DATE NOT NULL,
    effective_to   DATE,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
CREATE INDEX units_parent ON units(parent_id);
CREATE INDEX units_path ON units(path);
CREATE INDEX units_group ON units(group_id);

CREATE TABLE unit_successions (
    predecessor_id INTEGER NOT NULL REFERENCES units(id),
    successor_id   INTEGER NOT NULL REFERENCES units(id),
    effective_on   DATE NOT NULL,
    note           TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (predecessor_id, successor_id)
);
CREATE INDEX unit_successions_successor ON unit_successions(successor_id);

CREATE TABLE procedures (
    id              INTEGER PRIMARY KEY,
    code            TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    field           TEXT NOT NULL,
    processing_days INTEGER NOT NULL,
    active          BOOLEAN NOT NULL DEFAULT TRUE,
    -- lower-case text without diacritics, for search ("thu tuc dat dai" finds "Thủ tục đất đai")
    search_text     TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX procedures_field ON procedures(field);

CREATE TABLE counters (
    id         INTEGER PRIMARY KEY,
    unit_id    INTEGER NOT NULL REFERENCES units(id),
    name       TEXT NOT NULL,
    location   TEXT NOT NULL DEFAULT '',
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX counters_unit ON counters(unit_id);

CREATE TABLE kiosks (
    id           INTEGER PRIMARY KEY,
    counter_id   INTEGER NOT NULL REFERENCES counters(id),
    name         TEXT NOT NULL,
    faces        INTEGER NOT NULL CHECK (faces IN (3, 4, 5)),
    -- SHA-256 of the device token; the token itself is shown once, at registration
    token_hash   TEXT NOT NULL UNIQUE,
    token_hint   TEXT NOT NULL,
    active       BOOLEAN NOT NULL DEFAULT TRUE,
    created_at   TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP
);
CREATE INDEX kiosks_counter ON kiosks(counter_id);

CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    full_name     TEXT NOT NULL,
    email         TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'leader', 'official')),
    unit_id       INTEGER NOT NULL REFERENCES units(id),
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    last_login_at TIMESTAMP
);
CREATE INDEX accounts_unit ON accounts(unit_id);

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER REFERENCES accounts(id),
    action     TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  INTEGER,
    detail     TEXT NOT NULL DEFAULT '',
    at         TIMESTAMP NOT NULL
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_account ON audit_log(account_id);
