-- Rollups of the ratings that count in indices (PostgreSQL dialect). Keep in step with
-- migrations/sqlite/0007_rollups.sql.
--
-- A rating counts when it is not flagged as suspicious (or the flag was cleared) and no later record
-- corrects it. Each row holds the number of counted answers for each score 1..5 (s1..s5): count,
-- mean and share satisfied follow. The rating writer keeps them current in the transaction of each
-- batch (and a cleared flag or a correction moves its rating in or out); `langnghe rollups --check`
-- compares them with a recomputation from the raw rows.

-- Per unit and local day: the headline figures, trends and rankings.
CREATE TABLE rollup_day (
    unit_id BIGINT NOT NULL REFERENCES units(id),
    day     DATE NOT NULL,
    s1 BIGINT NOT NULL DEFAULT 0,
    s2 BIGINT NOT NULL DEFAULT 0,
    s3 BIGINT NOT NULL DEFAULT 0,
    s4 BIGINT NOT NULL DEFAULT 0,
    s5 BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_id, day)
);

-- Per unit and month, by one dimension: channel (key 1 kiosk, 2 web, 3 SMS link, 4 session),
-- procedure, counter (key = id; 0 = none), element (answers to an element as a whole; key =
-- element id) and criterion (key = criterion id). Drill-down and the instrument's index read these.
CREATE TABLE rollup_month (
    unit_id BIGINT NOT NULL REFERENCES units(id),
    month   DATE NOT NULL,
    dim     TEXT NOT NULL CHECK (dim IN ('channel', 'procedure', 'counter', 'element', 'criterion')),
    key     BIGINT NOT NULL,
    s1 BIGINT NOT NULL DEFAULT 0,
    s2 BIGINT NOT NULL DEFAULT 0,
    s3 BIGINT NOT NULL DEFAULT 0,
    s4 BIGINT NOT NULL DEFAULT 0,
    s5 BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_id, month, dim, key)
);

INSERT INTO rollup_day (unit_id, day, s1, s2, s3, s4, s5)
SELECT r.unit_id, r.day, SUM(CASE WHEN r.score = 1 THEN 1 ELSE 0 END), SUM(CASE WHEN r.score = 2 THEN 1 ELSE 0 END), SUM(CASE WHEN r.score = 3 THEN 1 ELSE 0 END), SUM(CASE WHEN r.score = 4 THEN 1 ELSE 0 END), SUM(CASE WHEN r.score = 5 THEN 1 ELSE 0 END)
  FROM ratings r LEFT JOIN rating_flags fl ON fl.rating_id = r.id
 WHERE (fl.rating_id IS NULL OR fl.cleared_at IS NOT NULL)
   AND NOT EXISTS (SELECT 1 FROM ratings x WHERE x.corrects_id = r.id)
 GROUP BY r.unit_id, r.day;

INSERT INTO rollup_month (unit_id, month, dim, key, s1, s2, s3, s4, s5)
SELECT r.unit_id, CAST(date_trunc('month', r.day) AS DATE), 'channel', CASE r.channel WHEN 'kiosk' THEN 1 WHEN 'web' THEN 2 WHEN 'sms' THEN 3 WHEN 'session' THEN 4 ELSE 0 END, SUM(CASE WHEN r.score = 1 THEN 1 ELSE 0 END), SUM(CASE WHEN r.score = 2 THEN 1 ELSE 0 END), SUM(CASE WHEN r.score = 3 THEN 1 ELSE 0 END), SUM(CASE WHEN r.score = 4 THEN 1 ELSE 0 END), SUM(CASE WHEN r.score = 5 THEN 1 ELSE 0 END)
  FROM ratings r LEFT JOIN rating_flags fl ON fl.rating_id = r.id
 WHERE (fl.rating_id IS NULL OR fl.cleared_at IS NOT NULL)
   AND NOT EXISTS (SELECT 1 FROM ratings x WHERE x.corrects_id = r.id)
 GROUP BY r.unit_id, CAST(date_trunc('month', r.day) AS DATE), CASE r.channel WHEN 'kiosk' THEN 1 WHEN 'web' THEN 2 WHEN 'sms' THEN 3 WHEN 'session' THEN 4 ELSE 0 END;

INSERT INTO rollup_month (unit_id, month, dim, key, s1, s2, s3, s4, s5)
SELECT r.unit_id, CAST(date_trunc('month', r.day) AS DATE), 'procedure', COALESCE(r.procedure_id, 0), SUM(CASE WHEN r.score = 1 THEN 1 ELSE 0 END), SUM(CASE WHEN r.score = 2 THEN 1 ELSE 0 END), SUM(CASE WHEN r.score = 3 THEN 1 ELSE 0 END), SUM(CASE WHEN r.score = 4 THEN 1 ELSE 0 END), SUM(CASE WHEN r.score = 5 THEN 1 ELSE 0 END)
  FROM ratings r LEFT JOIN rating_flags fl ON fl.rating_id = r.id
 WHERE (fl.rating_id IS NULL OR fl.cleared_at IS NOT NULL)
   AND NOT EXISTS (SELECT 1 FROM ratings x WHERE x.corrects_id = r.id)
 GROUP BY r.unit_id, CAST(date_trunc('month', r.day) AS DATE), COALESCE(r.procedure_id, 0);

INSERT INTO rollup_month (unit_id, month, dim, key, s1, s2, s3, s4, s5)
SELECT r.unit_id, CAST(date_trunc('month', r.day) AS DATE), 'counter', COALESCE(r.counter_id, 0), SUM(CASE WHEN r.score = 1 THEN 1 ELSE 0 END), SUM(CASE WHEN r.score = 2 THEN 1 ELSE 0 END), SUM(CASE WHEN r.score = 3 THEN 1 ELSE 0 END), SUM(CASE WHEN r.score = 4 THEN 1 ELSE 0 END), SUM(CASE WHEN r.score = 5 THEN 1 ELSE 0 END)
  FROM ratings r LEFT JOIN rating_flags fl ON fl.rating_id = r.id
 WHERE (fl.rating_id IS NULL OR fl.cleared_at IS NOT NULL)
   AND NOT EXISTS (SELECT 1 FROM ratings x WHERE x.corrects_id = r.id)
 GROUP BY r.unit_id, CAST(date_trunc('month', r.day) AS DATE), COALESCE(r.counter_id, 0);

INSERT INTO rollup_month (unit_id, month, dim, key, s1, s2, s3, s4, s5)
SELECT r.unit_id, CAST(date_trunc('month', r.day) AS DATE), 'element', a.element_id, SUM(CASE WHEN a.score = 1 THEN 1 ELSE 0 END), SUM(CASE WHEN a.score = 2 THEN 1 ELSE 0 END), SUM(CASE WHEN a.score = 3 THEN 1 ELSE 0 END), SUM(CASE WHEN a.score = 4 THEN 1 ELSE 0 END), SUM(CASE WHEN a.score = 5 THEN 1 ELSE 0 END)
  FROM ratings r JOIN rating_answers a ON a.rating_id = r.id AND a.criterion_id IS NULL LEFT JOIN rating_flags fl ON fl.rating_id = r.id
 WHERE (fl.rating_id IS NULL OR fl.cleared_at IS NOT NULL)
   AND NOT EXISTS (SELECT 1 FROM ratings x WHERE x.corrects_id = r.id)
 GROUP BY r.unit_id, CAST(date_trunc('month', r.day) AS DATE), a.element_id;

INSERT INTO rollup_month (unit_id, month, dim, key, s1, s2, s3, s4, s5)
SELECT r.unit_id, CAST(date_trunc('month', r.day) AS DATE), 'criterion', a.criterion_id, SUM(CASE WHEN a.score = 1 THEN 1 ELSE 0 END), SUM(CASE WHEN a.score = 2 THEN 1 ELSE 0 END), SUM(CASE WHEN a.score = 3 THEN 1 ELSE 0 END), SUM(CASE WHEN a.score = 4 THEN 1 ELSE 0 END), SUM(CASE WHEN a.score = 5 THEN 1 ELSE 0 END)
  FROM ratings r JOIN rating_answers a ON a.rating_id = r.id AND a.criterion_id IS NOT NULL LEFT JOIN rating_flags fl ON fl.rating_id = r.id
 WHERE (fl.rating_id IS NULL OR fl.cleared_at IS NOT NULL)
   AND NOT EXISTS (SELECT 1 FROM ratings x WHERE x.corrects_id = r.id)
 GROUP BY r.unit_id, CAST(date_trunc('month', r.day) AS DATE), a.criterion_id;
