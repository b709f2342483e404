-- Indexes for reading the rollups across every unit of a period (rankings, the province's
-- dashboard). Keep in step with migrations/sqlite/0008_rollup_indexes.sql.
CREATE INDEX rollup_day_day ON rollup_day(day, unit_id);
CREATE INDEX rollup_month_dim ON rollup_month(dim, month, unit_id);
-- The latest comments first (the dashboard's low ratings).
CREATE INDEX rating_comments_time ON rating_comments(created_at);
