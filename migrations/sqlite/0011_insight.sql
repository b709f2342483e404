-- What a leader sees (SQLite dialect). Keep in step with migrations/postgres/0011_insight.sql.

-- Comment themes the administrator edits: keywords (one per line) that mark a theme.
CREATE TABLE comment_themes (
    id         INTEGER PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,
    name_vi    TEXT NOT NULL,
    name_en    TEXT NOT NULL,
    keywords   TEXT NOT NULL,
    position   INTEGER NOT NULL DEFAULT 0,
    updated_at TIMESTAMP NOT NULL
);

-- A drop of a unit's (counter_id 0: the whole unit) share satisfied below its own control limit
-- over the recent working days. Open until the share is back within the limits (cleared_on).
CREATE TABLE satisfaction_alerts (
    id          INTEGER PRIMARY KEY,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    counter_id  INTEGER NOT NULL DEFAULT 0,
    window_from DATE NOT NULL,
    window_to   DATE NOT NULL,
    usual       REAL NOT NULL,
    recent      REAL NOT NULL,
    limit_share REAL NOT NULL,
    answers     INTEGER NOT NULL,
    baseline    INTEGER NOT NULL,
    detected_on DATE NOT NULL,
    cleared_on  DATE
);
CREATE UNIQUE INDEX satisfaction_alerts_open ON satisfaction_alerts(unit_id, counter_id) WHERE cleared_on IS NULL;

-- Which leader's daily e-mail carried which alert (each alert reaches each leader once).
CREATE TABLE alert_notices (
    alert_id   INTEGER NOT NULL REFERENCES satisfaction_alerts(id),
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    sent_on    DATE NOT NULL,
    PRIMARY KEY (alert_id, account_id)
);

-- A leader's subscription to the report of their subtree: monthly or quarterly.
CREATE TABLE report_subscriptions (
    account_id  INTEGER PRIMARY KEY REFERENCES accounts(id),
    frequency   TEXT NOT NULL CHECK (frequency IN ('month', 'quarter')),
    last_period TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL
);
