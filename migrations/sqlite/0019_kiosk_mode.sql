-- Kiosk mode (SQLite dialect). Keep in step with migrations/postgres/0019_kiosk_mode.sql.

-- The one second step (element answers and a comment) a kiosk rating got, with the client id the
-- kiosk gave it: the kiosk queues the second step while offline and sends it again until it is
-- confirmed, so the same client id may arrive many times (also at once). The primary key lets only
-- the first one in; a replay with the same client id is answered "saved" and writes nothing.
CREATE TABLE kiosk_detail_claims (
    rating_id  INTEGER PRIMARY KEY REFERENCES ratings(id),
    client_id  TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
