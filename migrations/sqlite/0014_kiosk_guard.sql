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

-- A kiosk's device key (see domain::kiosk_guard): bound to one device at registration, derived
-- from the server secret, this binding and the epoch, replaced every few minutes and when the
-- kiosk shows up from a new address. A copy of the kiosk's cookies used on a second device is
-- left behind with an old key and shows itself.
ALTER TABLE kiosks ADD COLUMN device_nonce TEXT;
ALTER TABLE kiosks ADD COLUMN key_epoch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kiosks ADD COLUMN key_issued_at TIMESTAMP;
ALTER TABLE kiosks ADD COLUMN key_seen_at TIMESTAMP;
ALTER TABLE kiosks ADD COLUMN last_addr TEXT;

-- The time the kiosk rules judged an answer at, when it differs from created_at: an answer that
-- waited in the kiosk's offline queue, placed back inside the silence the server saw. Only the
-- rules read it; the answer is stored, chained and counted under created_at.
ALTER TABLE ratings ADD COLUMN judged_at TIMESTAMP;

-- Each kiosk's answers per local day, for the day test against the kiosk's own history: every
-- answer received (answers, satisfied: the day's volume and share), and those kept, not flagged
-- when written (kept, kept_satisfied: what later days take as the kiosk's usual level, so an
-- attack caught by the other rules never becomes the norm). A day held for review (held_at)
-- sets aside that day's answers of the kiosk until an administrator releases it.
CREATE TABLE kiosk_days (
    kiosk_id    INTEGER NOT NULL REFERENCES kiosks(id),
    day         DATE NOT NULL,
    answers     INTEGER NOT NULL,
    satisfied   INTEGER NOT NULL,
    kept        INTEGER NOT NULL DEFAULT 0,
    kept_satisfied INTEGER NOT NULL DEFAULT 0,
    held_at     TIMESTAMP,
    released_at TIMESTAMP,
    released_by INTEGER REFERENCES accounts(id),
    PRIMARY KEY (kiosk_id, day)
);
INSERT INTO kiosk_days (kiosk_id, day, answers, satisfied, kept, kept_satisfied)
SELECT r.kiosk_id, r.day, COUNT(*), SUM(CASE WHEN r.score >= 4 THEN 1 ELSE 0 END),
       SUM(CASE WHEN f.rating_id IS NULL THEN 1 ELSE 0 END),
       SUM(CASE WHEN f.rating_id IS NULL AND r.score >= 4 THEN 1 ELSE 0 END)
  FROM ratings r LEFT JOIN rating_flags f ON f.rating_id = r.id
 WHERE r.kiosk_id IS NOT NULL AND r.corrects_id IS NULL
 GROUP BY r.kiosk_id, r.day;

-- What administrators are told about a kiosk: seen from a new address, used from a second
-- device (a copied credential), registered again, a day held for review. One open alert per
-- kiosk, kind and address, counting its repeats, until an administrator marks it reviewed.
CREATE TABLE kiosk_alerts (
    id         INTEGER PRIMARY KEY,
    kiosk_id   INTEGER NOT NULL REFERENCES kiosks(id),
    kind       TEXT NOT NULL CHECK (kind IN ('new_address', 'second_device', 'registered_again', 'day_held')),
    addr       TEXT NOT NULL DEFAULT '',
    day        DATE,
    detail     TEXT NOT NULL DEFAULT '',
    hits       INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    last_at    TIMESTAMP NOT NULL,
    seen_by    INTEGER REFERENCES accounts(id),
    seen_at    TIMESTAMP
);
CREATE INDEX kiosk_alerts_open ON kiosk_alerts(kiosk_id, kind, addr) WHERE seen_at IS NULL;
