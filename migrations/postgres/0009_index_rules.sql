-- Decision 766's third ratio needs to know which dossiers the citizen complained about (the
-- one-stop software says so when it sends the dossier) and which were rated dissatisfied.
-- Keep in step with migrations/sqlite/0009_index_rules.sql.
ALTER TABLE dossiers ADD COLUMN complained BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX ratings_dossier ON ratings(dossier_id) WHERE dossier_id IS NOT NULL;
