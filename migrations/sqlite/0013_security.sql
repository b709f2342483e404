-- Accounts and sign-ups that cannot be gamed (issue 16). Keep in step with the other
-- dialect's 0013_security.sql.

-- A password change or an administrator's reset ends every other session of the account: each
-- session keeps the epoch it was signed in with, and a session with an older one is signed out.
ALTER TABLE accounts ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0;

-- Addresses (an IPv4 address, or an IPv6 /64) an account signed in from with its right
-- password: from such a known address, failures elsewhere do not lock the account out.
CREATE TABLE login_addresses (
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    address    TEXT NOT NULL,
    last_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, address)
);
CREATE INDEX login_addresses_last ON login_addresses(last_at);

-- At most one active sign-up (confirmed or waiting) per phone number, and per ID number when
-- one is given, in a dialogue session. Sign-ups taken more than once before this rule: the
-- earliest stays, the later ones are cancelled (kept, cancelled at the time they were made)
-- and the confirmed counts are recounted.
UPDATE session_signups SET status = 'cancelled', cancelled_at = created_at
 WHERE status IN ('confirmed', 'waiting')
   AND EXISTS (SELECT 1 FROM session_signups o
                WHERE o.session_id = session_signups.session_id AND o.phone = session_signups.phone
                  AND o.status IN ('confirmed', 'waiting') AND o.id < session_signups.id);
UPDATE session_signups SET status = 'cancelled', cancelled_at = created_at
 WHERE status IN ('confirmed', 'waiting') AND id_number <> ''
   AND EXISTS (SELECT 1 FROM session_signups o
                WHERE o.session_id = session_signups.session_id AND o.id_number = session_signups.id_number
                  AND o.status IN ('confirmed', 'waiting') AND o.id < session_signups.id);
UPDATE dialogue_sessions SET confirmed_count =
    (SELECT COUNT(*) FROM session_signups s WHERE s.session_id = dialogue_sessions.id AND s.status = 'confirmed');
CREATE UNIQUE INDEX session_signups_one_per_phone ON session_signups(session_id, phone)
    WHERE status IN ('confirmed', 'waiting');
CREATE UNIQUE INDEX session_signups_one_per_id_number ON session_signups(session_id, id_number)
    WHERE status IN ('confirmed', 'waiting') AND id_number <> '';
