-- The dossier's journey by text message (SQLite dialect). Keep in step with
-- migrations/postgres/0016_dossier_journey.sql.

-- Where the dossier stands, as the one-stop software last reported it: '' (only registered),
-- 'received', 'supplement', 'ready', 'completed' or 'late'.
ALTER TABLE dossiers ADD COLUMN status TEXT NOT NULL DEFAULT '';
-- The papers the citizen was last asked to bring (supplement requested).
ALTER TABLE dossiers ADD COLUMN papers TEXT NOT NULL DEFAULT '';
-- When the result was ready for collection.
ALTER TABLE dossiers ADD COLUMN ready_at TIMESTAMP;
-- When the apology text was queued (at most once per dossier).
ALTER TABLE dossiers ADD COLUMN apology_sent_at TIMESTAMP;
-- The new date promised after the dossier ran late.
ALTER TABLE dossiers ADD COLUMN new_due_at TIMESTAMP;

-- Events posted by the one-stop software for a dossier, idempotent by the sender's event id:
-- the same id from the same API key is the same event (a replay answers the stored result and
-- sends nothing).
CREATE TABLE dossier_events (
    id         INTEGER PRIMARY KEY,
    api_key_id INTEGER NOT NULL REFERENCES api_keys(id),
    event_id   TEXT NOT NULL,
    dossier_id INTEGER NOT NULL REFERENCES dossiers(id),
    kind       TEXT NOT NULL CHECK (kind IN ('received', 'supplement_requested', 'ready', 'completed', 'returned_late')),
    -- the event's body as received (JSON, without the citizen's phone)
    payload    TEXT NOT NULL,
    -- the text it queued, if any
    outbox_id  INTEGER,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (api_key_id, event_id)
);
CREATE INDEX dossier_events_dossier ON dossier_events(dossier_id);
