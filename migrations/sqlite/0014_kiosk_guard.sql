-- Kiosks that cannot be gamed (SQLite dialect). Keep in step with
-- migrations/postgres/0014_kiosk_guard.sql.

-- Flags and their clearing form a hash chain per unit, like the ratings: every flag set and
-- every flag cleared is an event chained onto the one before, so `langnghe verify` finds a
-- flag row removed or changed behind the application's back (which would bring a set-aside
-- answer into the counts). `rating_flags` stays the current state the counts read.
CREATE TABLE flag_events (
    id         INTEGER PRIMARY KEY,
    -- the unit of the rating flagged
    unit_id    INTEGER NOT NULL REFERENCES units(id),
    seq        INTEGER NOT NULL,
    rating_id  INTEGER NOT NULL REFERENCES ratings(id),
    action     TEXT NOT NULL CHECK (action IN ('flag', 'clear')),
    reason     TEXT NOT NULL,
    account_id INTEGER REFERENCES accounts(id),
    at         TIMESTAMP NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL,
    UNIQUE (unit_id, seq)
);
CREATE INDEX flag_events_rating ON flag_events(rating_id);

-- The head of each unit's flag chain (locked while a transaction extends it).
CREATE TABLE flag_heads (
    unit_id INTEGER PRIMARY KEY REFERENCES units(id),
    seq     INTEGER NOT NULL,
    hash    TEXT NOT NULL
);

-- The flags already there are chained once, by the application, at the first start after this
-- migration (SHA-256 is not SQL); this marker says it is still to be done.
INSERT INTO settings (key, value, updated_at) VALUES ('flags.chain_pending', '1', CURRENT_TIMESTAMP);
