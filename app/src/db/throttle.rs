//! Request counters in fixed windows, shared by every app instance (they live in the database):
//! public forms are limited per client address, failed sign-ins per username and per address.

use super::{Db, DbResult};
use crate::db_run;
use chrono::{DateTime, Duration, Utc};

/// Counts one hit on `key` and returns the hits in the current window (a window older than
/// `window` starts again at 1) and when the window ends.
pub async fn hit(db: &Db, key: &str, window: Duration) -> DbResult<(i64, DateTime<Utc>)> {
    let now = super::now();
    let stale = now - window;
    let (hits, start): (i64, DateTime<Utc>) = db_run!(db, c => sqlx::query_as(
        "INSERT INTO rate_limits (key, window_start, hits) VALUES ($1, $2, 1)
         ON CONFLICT (key) DO UPDATE SET
            hits = CASE WHEN rate_limits.window_start <= $3 THEN 1 ELSE rate_limits.hits + 1 END,
            window_start = CASE WHEN rate_limits.window_start <= $3 THEN $2 ELSE rate_limits.window_start END
         RETURNING CAST(hits AS BIGINT), window_start")
        .bind(key).bind(now).bind(stale).fetch_one(c).await)?;
    Ok((hits, start + window))
}

/// The hits on `key` in its current window (0 when the window has passed), without counting.
pub async fn count(db: &Db, key: &str, window: Duration) -> DbResult<(i64, DateTime<Utc>)> {
    let now = super::now();
    let row: Option<(i64, DateTime<Utc>)> = db_run!(db, c => sqlx::query_as(
        "SELECT CAST(hits AS BIGINT), window_start FROM rate_limits WHERE key = $1 AND window_start > $2")
        .bind(key).bind(now - window).fetch_optional(c).await)?;
    Ok(row.map(|(h, s)| (h, s + window)).unwrap_or((0, now)))
}

/// Forgets a key (a successful sign-in clears the username's failures).
pub async fn clear(db: &Db, key: &str) -> DbResult<()> {
    db_run!(db, c => sqlx::query("DELETE FROM rate_limits WHERE key = $1")
        .bind(key).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Removes counters whose window started before `before` (run now and then).
pub async fn purge(db: &Db, before: DateTime<Utc>) -> DbResult<u64> {
    Ok(
        db_run!(db, c => sqlx::query("DELETE FROM rate_limits WHERE window_start < $1")
        .bind(before).execute(c).await.map(|r| r.rows_affected()))?,
    )
}
