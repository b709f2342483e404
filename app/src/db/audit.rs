//! The audit log: one row for every change an account makes, written in the change's transaction.

use super::{DbResult, Tx};
use crate::{db_run, tx_run};
use chrono::{DateTime, Utc};

/// Records `action` on `entity`/`entity_id` by `account_id` (None for the system or the CLI).
pub async fn record(
    tx: &mut Tx,
    account_id: Option<i64>,
    action: &str,
    entity: &str,
    entity_id: Option<i64>,
    detail: &str,
) -> DbResult<()> {
    let at = super::now();
    tx_run!(tx, c => sqlx::query(
        "INSERT INTO audit_log (account_id, action, entity, entity_id, detail, at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(account_id).bind(action).bind(entity).bind(entity_id).bind(detail).bind(at)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub username: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<i64>,
    pub detail: String,
}

/// The latest entries made by accounts whose unit lies in `scope_path` (or by the system, for the
/// province root), newest first.
pub async fn latest(
    db: &super::Db,
    scope_path: &str,
    include_system: bool,
    limit: i64,
    offset: i64,
) -> DbResult<Vec<AuditEntry>> {
    let like = format!("{scope_path}%");
    let rows = db_run!(db, c => sqlx::query_as::<_, AuditEntry>(
        "SELECT l.id, l.at, a.username, l.action, l.entity, l.entity_id, l.detail
           FROM audit_log l
           LEFT JOIN accounts a ON a.id = l.account_id
           LEFT JOIN units u ON u.id = a.unit_id
          WHERE (u.path LIKE $1) OR (l.account_id IS NULL AND $2)
          ORDER BY l.id DESC LIMIT $3 OFFSET $4")
        .bind(&like).bind(include_system).bind(limit).bind(offset)
        .fetch_all(c).await)?;
    Ok(rows)
}
