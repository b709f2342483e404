-- Two-way texts (issue 19, SQLite dialect). Keep in step with
-- migrations/postgres/0017_inbound_texts.sql.

-- Every text a provider delivered to us (SMS gateway, Zalo OA), idempotent by the provider's
-- message id: the same id again is the same text (a replay answers the stored result and sends
-- nothing). The sender is kept only as a keyed hash (the same keyed hash dossiers keep of the
-- citizen's phone, so a status question is matched without the number) and its last digits.
CREATE TABLE inbound_texts (
    id              INTEGER PRIMARY KEY,
    provider        TEXT NOT NULL CHECK (provider IN ('sms', 'zalo')),
    provider_msg_id TEXT NOT NULL,
    sender_hash     TEXT NOT NULL,
    -- the last three digits of an SMS sender; '' for a Zalo user id
    sender_hint     TEXT NOT NULL DEFAULT '',
    -- the text as received (NFC, at most 1000 characters)
    body            TEXT NOT NULL,
    -- what it was understood as
    understood      TEXT NOT NULL CHECK (understood IN ('status', 'rating', 'help', 'flood')),
    -- what was answered: 'status', 'neutral', 'rated', 'already', 'expired', 'help',
    -- 'pending' (a rating being written) or '' (nothing, over the flood limit)
    outcome         TEXT NOT NULL DEFAULT '',
    -- the dossier a status answer or a rating was about (never set for the neutral answer)
    dossier_id      INTEGER REFERENCES dossiers(id),
    rating_id       INTEGER REFERENCES ratings(id),
    -- the reply queued in the outbox, if any
    outbox_id       INTEGER,
    -- when the provider says the text arrived
    received_at     TIMESTAMP,
    created_at      TIMESTAMP NOT NULL,
    UNIQUE (provider, provider_msg_id)
);
CREATE INDEX inbound_texts_dossier ON inbound_texts(dossier_id) WHERE dossier_id IS NOT NULL;
