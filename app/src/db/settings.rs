//! Settings an administrator edits, stored as text by key (`feedback.*` deadlines, `outbox.*`
//! message channels); each feature parses its own.

use super::{Db, DbResult, Tx};
use crate::{db_run, tx_run};

/// The settings stored under `prefix`, as (key, value).
pub async fn with_prefix(db: &Db, prefix: &str) -> DbResult<Vec<(String, String)>> {
    let like = format!("{prefix}%");
    Ok(db_run!(db, c => sqlx::query_as::<_, (String, String)>(
        "SELECT key, value FROM settings WHERE key LIKE $1").bind(&like).fetch_all(c).await)?)
}

/// Stores one setting.
pub async fn put(tx: &mut Tx, key: &str, value: &str) -> DbResult<()> {
    let now = super::now();
    tx_run!(tx, c => sqlx::query(
        "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at")
        .bind(key).bind(value).bind(now)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Stores a group of settings (keys under `prefix`) with one audit entry listing them.
pub async fn save_group(
    tx: &mut Tx,
    actor: Option<i64>,
    action: &str,
    prefix: &str,
    pairs: &[(String, String)],
) -> DbResult<()> {
    for (k, v) in pairs {
        put(tx, k, v).await?;
    }
    let detail = pairs
        .iter()
        .map(|(k, v)| format!("{}={v}", k.trim_start_matches(prefix)))
        .collect::<Vec<_>>()
        .join(" ");
    super::audit::record(tx, actor, action, "settings", None, &detail).await
}
