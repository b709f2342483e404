-- Late dossiers and Form 04 (Circular 01/2018/TT-VPCP, Mẫu số 04) (sqlite dialect). Keep in step
-- with migrations/postgres/0018_late_notices.sql.
--
-- dossiers.apology_sent_at (0016) is filled when the apology text actually leaves (the worker's
-- outcome 'sent'), not when it is queued.

-- Each new date an official set for a late dossier on /staff/late, with who and why: the latest
-- one is printed on the apology-and-new-date notice (Form 04). dossiers.new_due_at holds the date
-- in force.
CREATE TABLE late_notices (
    id         INTEGER PRIMARY KEY,
    dossier_id INTEGER NOT NULL REFERENCES dossiers(id),
    new_due_at TIMESTAMP NOT NULL,
    reason     TEXT NOT NULL,
    account_id INTEGER REFERENCES accounts(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX late_notices_dossier ON late_notices(dossier_id, id);
