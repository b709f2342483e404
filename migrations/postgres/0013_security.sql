-- Accounts and sign-ups that cannot be gamed (issue 16). Keep in step with the other
-- dialect's 0013_security.sql.

-- A password change or an administrator's reset ends every other session of the account: each
-- session keeps the epoch it was signed in with, and a session with an older one is signed out.
ALTER TABLE accounts ADD COLUMN session_epoch BIGINT NOT NULL DEFAULT 0;

-- Addresses (an IPv4 address, or an IPv6 /64) an account signed in from with its right
-- password: from such a known address, failures elsewhere do not lock the account out.
CREATE TABLE login_addresses (
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    address    TEXT NOT NULL,
    last_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, address)
);
CREATE INDEX login_addresses_last ON login_addresses(last_at);
