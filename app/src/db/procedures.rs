//! The procedure catalogue.

use super::{audit, Db, DbError, DbResult, Tx};
use crate::domain::procedure::ProcedureInput;
use crate::domain::text;
use crate::{db_run, tx_run};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Procedure {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub field: String,
    pub processing_days: i32,
    pub active: bool,
}

const SELECT: &str = "SELECT id, code, name, field, processing_days, active FROM procedures";

/// Procedures whose code, name or field matches `query` (without diacritics, any case),
/// optionally in one field, ordered by field then name; returns the page and the total.
pub async fn search(
    db: &Db,
    query: &str,
    field: Option<&str>,
    limit: i64,
    offset: i64,
) -> DbResult<(Vec<Procedure>, i64)> {
    let like = text::like_pattern(query);
    let field = field.unwrap_or("");
    let cond = "WHERE search_text LIKE $1 ESCAPE '\\' AND ($2 = '' OR field = $2)";
    let sql = format!("{SELECT} {cond} ORDER BY field, name, code LIMIT $3 OFFSET $4");
    let count_sql = format!("SELECT COUNT(*) FROM procedures {cond}");
    let rows = db_run!(db, c => sqlx::query_as::<_, Procedure>(&sql)
        .bind(&like).bind(field).bind(limit).bind(offset).fetch_all(c).await)?;
    let total: i64 = db_run!(db, c => sqlx::query_scalar(&count_sql).bind(&like).bind(field).fetch_one(c).await)?;
    Ok((rows, total))
}

/// The distinct fields (lĩnh vực), for the filter.
pub async fn fields(db: &Db) -> DbResult<Vec<String>> {
    Ok(db_run!(db, c => sqlx::query_scalar::<_, String>(
        "SELECT DISTINCT field FROM procedures ORDER BY field").fetch_all(c).await)?)
}

pub async fn get(db: &Db, id: i64) -> DbResult<Procedure> {
    let sql = format!("{SELECT} WHERE id = $1");
    db_run!(db, c => sqlx::query_as::<_, Procedure>(&sql).bind(id).fetch_optional(c).await)?
        .ok_or(DbError::NotFound)
}

/// The procedures of `ids` (any order; unknown ids are left out), in one query.
pub async fn get_many(db: &Db, ids: &[i64]) -> DbResult<Vec<Procedure>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = ids
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!("{SELECT} WHERE id IN ({list})");
    Ok(db_run!(db, c => sqlx::query_as::<_, Procedure>(&sql).fetch_all(c).await)?)
}

pub async fn count(db: &Db) -> DbResult<i64> {
    Ok(
        db_run!(db, c => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM procedures").fetch_one(c).await)?,
    )
}

fn search_text(p: &ProcedureInput) -> String {
    text::fold(&format!("{} {} {}", p.code, p.name, p.field))
}

/// Inserts the procedure, or updates the one with the same code. Returns its id and whether it was new.
pub async fn upsert(tx: &mut Tx, actor: Option<i64>, p: &ProcedureInput) -> DbResult<(i64, bool)> {
    let now = super::now();
    let existing: Option<i64> = tx_run!(tx, c => sqlx::query_scalar("SELECT id FROM procedures WHERE code = $1")
        .bind(&p.code).fetch_optional(&mut *c).await)?;
    let st = search_text(p);
    let (id, created) = match existing {
        Some(id) => {
            tx_run!(tx, c => sqlx::query(
                "UPDATE procedures SET name = $1, field = $2, processing_days = $3, search_text = $4, updated_at = $5 WHERE id = $6")
                .bind(&p.name).bind(&p.field).bind(p.processing_days).bind(&st).bind(now).bind(id)
                .execute(&mut *c).await.map(|r| r.rows_affected()))?;
            (id, false)
        }
        None => {
            let id: i64 = tx_run!(tx, c => sqlx::query_scalar(
                "INSERT INTO procedures (code, name, field, processing_days, active, search_text, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, TRUE, $5, $6, $6) RETURNING id")
                .bind(&p.code).bind(&p.name).bind(&p.field).bind(p.processing_days).bind(&st).bind(now)
                .fetch_one(&mut *c).await)?;
            (id, true)
        }
    };
    let action = if created {
        "procedure.create"
    } else {
        "procedure.update"
    };
    audit::record(tx, actor, action, "procedure", Some(id), &p.code).await?;
    Ok((id, created))
}

/// Edits a procedure by id (its code may change, if no other procedure has the new one).
pub async fn update(
    tx: &mut Tx,
    actor: Option<i64>,
    id: i64,
    p: &ProcedureInput,
    active: bool,
) -> DbResult<()> {
    let now = super::now();
    let st = search_text(p);
    let n = tx_run!(tx, c => sqlx::query(
        "UPDATE procedures SET code = $1, name = $2, field = $3, processing_days = $4, active = $5, search_text = $6, updated_at = $7 WHERE id = $8")
        .bind(&p.code).bind(&p.name).bind(&p.field).bind(p.processing_days).bind(active).bind(&st).bind(now).bind(id)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(DbError::NotFound);
    }
    audit::record(
        tx,
        actor,
        "procedure.update",
        "procedure",
        Some(id),
        &p.code,
    )
    .await?;
    Ok(())
}

pub async fn get_by_code(db: &Db, code: &str) -> DbResult<Option<Procedure>> {
    let sql = format!("{SELECT} WHERE code = $1");
    Ok(db_run!(db, c => sqlx::query_as::<_, Procedure>(&sql).bind(code).fetch_optional(c).await)?)
}
