-- Counters of recent requests per key (a public form per client address, failed sign-ins per
-- username and per address), kept in the database so that every app instance behind a load
-- balancer sees the same counts. One row per key: a fixed window and the hits in it.
CREATE TABLE rate_limits (
    key          TEXT PRIMARY KEY,
    window_start TIMESTAMPTZ NOT NULL,
    hits         INTEGER NOT NULL
);
CREATE INDEX rate_limits_window ON rate_limits(window_start);
