//! Units, their peer groups and their succession (merge) history.

use super::{audit, Db, DbError, DbResult, Tx};
use crate::domain::UnitPath;
use crate::{db_run, tx_run};
use chrono::NaiveDate;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UnitGroup {
    pub id: i64,
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub sort_order: i32,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Unit {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub group_id: Option<i64>,
    pub group_name_vi: Option<String>,
    pub group_name_en: Option<String>,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub path: String,
    pub address: String,
    pub effective_from: NaiveDate,
    pub effective_to: Option<NaiveDate>,
}

impl Unit {
    pub fn unit_path(&self) -> UnitPath {
        UnitPath::parse(&self.path).unwrap_or_else(|| UnitPath::root(self.id))
    }
    /// Whether the unit is still in force on `day`.
    pub fn in_force_on(&self, day: NaiveDate) -> bool {
        self.effective_from <= day && self.effective_to.is_none_or(|to| day <= to)
    }
}

const UNIT_SELECT: &str =
    "SELECT u.id, u.parent_id, u.group_id, g.name_vi AS group_name_vi, g.name_en AS group_name_en,
        u.code, u.name, u.kind, u.path, u.address, u.effective_from, u.effective_to
   FROM units u LEFT JOIN unit_groups g ON g.id = u.group_id";

/// What an admin types to create or edit a unit.
#[derive(Debug, Clone)]
pub struct UnitInput {
    pub parent_id: Option<i64>,
    pub group_id: Option<i64>,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub address: String,
    pub effective_from: NaiveDate,
    pub effective_to: Option<NaiveDate>,
}

pub async fn groups(db: &Db) -> DbResult<Vec<UnitGroup>> {
    Ok(db_run!(db, c => sqlx::query_as::<_, UnitGroup>(
        "SELECT id, code, name_vi, name_en, sort_order FROM unit_groups ORDER BY sort_order, id")
        .fetch_all(c).await)?)
}

pub async fn insert_group(
    tx: &mut Tx,
    code: &str,
    name_vi: &str,
    name_en: &str,
    sort_order: i32,
) -> DbResult<i64> {
    let id: i64 = tx_run!(tx, c => sqlx::query_scalar(
        "INSERT INTO unit_groups (code, name_vi, name_en, sort_order) VALUES ($1, $2, $3, $4) RETURNING id")
        .bind(code).bind(name_vi).bind(name_en).bind(sort_order).fetch_one(&mut *c).await)?;
    Ok(id)
}

/// Every unit, ordered by path so that a subtree follows its root.
pub async fn all(db: &Db) -> DbResult<Vec<Unit>> {
    let sql = format!("{UNIT_SELECT} ORDER BY u.path");
    Ok(db_run!(db, c => sqlx::query_as::<_, Unit>(&sql).fetch_all(c).await)?)
}

/// The units of a subtree (the root included).
pub async fn subtree(db: &Db, root_path: &str) -> DbResult<Vec<Unit>> {
    let sql = format!("{UNIT_SELECT} WHERE u.path LIKE $1 ORDER BY u.path");
    let like = format!("{root_path}%");
    Ok(db_run!(db, c => sqlx::query_as::<_, Unit>(&sql).bind(&like).fetch_all(c).await)?)
}

pub async fn get(db: &Db, id: i64) -> DbResult<Unit> {
    let sql = format!("{UNIT_SELECT} WHERE u.id = $1");
    db_run!(db, c => sqlx::query_as::<_, Unit>(&sql).bind(id).fetch_optional(c).await)?
        .ok_or(DbError::NotFound)
}

async fn get_tx(tx: &mut Tx, id: i64) -> DbResult<Unit> {
    let sql = format!("{UNIT_SELECT} WHERE u.id = $1");
    tx_run!(tx, c => sqlx::query_as::<_, Unit>(&sql).bind(id).fetch_optional(&mut *c).await)?
        .ok_or(DbError::NotFound)
}

/// The province: the root of the tree (the oldest unit without a parent).
pub async fn root(db: &Db) -> DbResult<Option<Unit>> {
    let sql = format!("{UNIT_SELECT} WHERE u.parent_id IS NULL ORDER BY u.id LIMIT 1");
    Ok(db_run!(db, c => sqlx::query_as::<_, Unit>(&sql).fetch_optional(c).await)?)
}

pub async fn count(db: &Db) -> DbResult<i64> {
    Ok(
        db_run!(db, c => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM units").fetch_one(c).await)?,
    )
}

/// Creates a unit under `input.parent_id` and returns its id.
pub async fn create(tx: &mut Tx, actor: Option<i64>, input: &UnitInput) -> Result<i64, UnitError> {
    let now = super::now();
    let parent_path = match input.parent_id {
        Some(pid) => Some(get_tx(tx, pid).await?.unit_path()),
        None => None,
    };
    let id: i64 = tx_run!(tx, c => sqlx::query_scalar(
        "INSERT INTO units (parent_id, group_id, code, name, kind, path, address, effective_from, effective_to, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, '/', $6, $7, $8, $9, $9) RETURNING id")
        .bind(input.parent_id).bind(input.group_id).bind(&input.code).bind(&input.name).bind(&input.kind)
        .bind(&input.address).bind(input.effective_from).bind(input.effective_to).bind(now)
        .fetch_one(&mut *c).await).map_err(code_taken)?;
    let path = match parent_path {
        Some(p) => p.child(id),
        None => UnitPath::root(id),
    };
    tx_run!(tx, c => sqlx::query("UPDATE units SET path = $1 WHERE id = $2")
        .bind(path.as_str()).bind(id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    audit::record(
        tx,
        actor,
        "unit.create",
        "unit",
        Some(id),
        &format!("{} {}", input.code, input.name),
    )
    .await?;
    Ok(id)
}

/// Why a unit could not be saved or merged.
#[derive(Debug, thiserror::Error)]
pub enum UnitError {
    /// Moving a unit under itself or one of its own descendants.
    #[error("a unit cannot move under itself or one of its descendants")]
    Cycle,
    /// The province (the root) has no parent; no other unit may lose its parent.
    #[error("the root unit cannot move, and no other unit can become a root")]
    Root,
    /// Another unit has this code (the `units.code` unique key).
    #[error("the unit code is taken")]
    CodeTaken(#[source] DbError),
    /// A merge without predecessors.
    #[error("a merge needs at least one predecessor")]
    NoPredecessor,
    /// A merge date with no day before it.
    #[error("the merge date has no day before it")]
    BadDate,
    /// A predecessor not in force on the day before the merge.
    #[error("a predecessor is not in force the day before the merge")]
    NotInForce,
    #[error(transparent)]
    Db(#[from] DbError),
}
crate::from_sqlx!(UnitError);

/// For code that handles only the data layer's errors (the demo, the command line).
impl From<UnitError> for DbError {
    fn from(e: UnitError) -> Self {
        match e {
            UnitError::Db(e) | UnitError::CodeTaken(e) => e,
            _ => DbError::Inconsistent("a unit was refused"),
        }
    }
}

/// A write that broke the unit code's unique key is [`UnitError::CodeTaken`].
fn code_taken(e: sqlx::Error) -> UnitError {
    let e = DbError::from(e);
    if e.violates("units", "code") {
        UnitError::CodeTaken(e)
    } else {
        UnitError::Db(e)
    }
}

/// Edits a unit. Moving it under another parent moves its whole subtree; a unit cannot move
/// under itself or one of its own descendants.
pub async fn update(
    tx: &mut Tx,
    actor: Option<i64>,
    id: i64,
    input: &UnitInput,
) -> Result<(), UnitError> {
    let current = get_tx(tx, id).await?;
    let old_path = current.unit_path();
    if input.parent_id != current.parent_id {
        let new_path = match input.parent_id {
            Some(pid) => {
                let parent = get_tx(tx, pid).await?.unit_path();
                if old_path.contains(&parent) {
                    return Err(UnitError::Cycle);
                }
                parent.child(id)
            }
            None => return Err(UnitError::Root),
        };
        let like = format!("{}%", old_path.as_str());
        let rows: Vec<(i64, String)> = tx_run!(tx, c => sqlx::query_as("SELECT id, path FROM units WHERE path LIKE $1")
            .bind(&like).fetch_all(&mut *c).await)?;
        for (uid, p) in rows {
            if let Some(np) = UnitPath::parse(&p).and_then(|p| p.rebase(&old_path, &new_path)) {
                tx_run!(tx, c => sqlx::query("UPDATE units SET path = $1 WHERE id = $2")
                    .bind(np.as_str()).bind(uid).execute(&mut *c).await.map(|r| r.rows_affected()))?;
            }
        }
    }
    let now = super::now();
    tx_run!(tx, c => sqlx::query(
        "UPDATE units SET parent_id = $1, group_id = $2, code = $3, name = $4, kind = $5, address = $6,
                effective_from = $7, effective_to = $8, updated_at = $9 WHERE id = $10")
        .bind(input.parent_id).bind(input.group_id).bind(&input.code).bind(&input.name).bind(&input.kind)
        .bind(&input.address).bind(input.effective_from).bind(input.effective_to).bind(now).bind(id)
        .execute(&mut *c).await.map(|r| r.rows_affected())).map_err(code_taken)?;
    audit::record(
        tx,
        actor,
        "unit.update",
        "unit",
        Some(id),
        &format!("{} {}", input.code, input.name),
    )
    .await?;
    Ok(())
}

/// Merges (or renames, with one predecessor) units into a new successor unit in one action:
/// the successor is created in force from `on`, each predecessor ends the day before and is
/// linked predecessor → successor. With `move_staff`, the predecessors' staff accounts and
/// counters (with their kiosks) move to the successor.
pub async fn merge(
    tx: &mut Tx,
    actor: Option<i64>,
    predecessors: &[i64],
    successor: &UnitInput,
    move_staff: bool,
    note: &str,
) -> Result<i64, UnitError> {
    if predecessors.is_empty() {
        return Err(UnitError::NoPredecessor);
    }
    let on = successor.effective_from;
    let last_day = on.pred_opt().ok_or(UnitError::BadDate)?;
    for pid in predecessors {
        let p = get_tx(tx, *pid).await?;
        if p.effective_to.is_some_and(|to| to < last_day) || p.effective_from > last_day {
            return Err(UnitError::NotInForce);
        }
    }
    let new_id = create(tx, actor, successor).await?;
    let now = super::now();
    for pid in predecessors {
        tx_run!(tx, c => sqlx::query("UPDATE units SET effective_to = $1, updated_at = $2 WHERE id = $3")
            .bind(last_day).bind(now).bind(*pid).execute(&mut *c).await.map(|r| r.rows_affected()))?;
        tx_run!(tx, c => sqlx::query(
            "INSERT INTO unit_successions (predecessor_id, successor_id, effective_on, note, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(*pid).bind(new_id).bind(on).bind(note).bind(now).execute(&mut *c).await.map(|r| r.rows_affected()))?;
        if move_staff {
            tx_run!(tx, c => sqlx::query("UPDATE accounts SET unit_id = $1, updated_at = $2 WHERE unit_id = $3")
                .bind(new_id).bind(now).bind(*pid).execute(&mut *c).await.map(|r| r.rows_affected()))?;
            tx_run!(tx, c => sqlx::query("UPDATE counters SET unit_id = $1 WHERE unit_id = $2")
                .bind(new_id).bind(*pid).execute(&mut *c).await.map(|r| r.rows_affected()))?;
        }
    }
    let ids: Vec<String> = predecessors.iter().map(|i| i.to_string()).collect();
    audit::record(
        tx,
        actor,
        "unit.merge",
        "unit",
        Some(new_id),
        &format!("{} ← {}", successor.code, ids.join(", ")),
    )
    .await?;
    Ok(new_id)
}

/// A link in the succession history, seen from one unit.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Link {
    pub unit_id: i64,
    pub code: String,
    pub name: String,
    pub effective_on: NaiveDate,
}

/// The units this one succeeded (merged from) and the units that succeeded it.
pub async fn links(db: &Db, id: i64) -> DbResult<(Vec<Link>, Vec<Link>)> {
    let preds = db_run!(db, c => sqlx::query_as::<_, Link>(
        "SELECT u.id AS unit_id, u.code, u.name, s.effective_on FROM unit_successions s
           JOIN units u ON u.id = s.predecessor_id WHERE s.successor_id = $1 ORDER BY u.name")
        .bind(id).fetch_all(c).await)?;
    let succs = db_run!(db, c => sqlx::query_as::<_, Link>(
        "SELECT u.id AS unit_id, u.code, u.name, s.effective_on FROM unit_successions s
           JOIN units u ON u.id = s.successor_id WHERE s.predecessor_id = $1 ORDER BY u.name")
        .bind(id).fetch_all(c).await)?;
    Ok((preds, succs))
}

/// Every (predecessor, successor) pair, for the tree view.
pub async fn all_links(db: &Db) -> DbResult<Vec<(i64, i64)>> {
    Ok(db_run!(db, c => sqlx::query_as::<_, (i64, i64)>(
        "SELECT predecessor_id, successor_id FROM unit_successions").fetch_all(c).await)?)
}

/// Every unit's life span and every succession with its date (for re-aggregating a period's
/// figures across mergers, `domain::unit::fold_for_period`).
pub async fn spans_and_successions(
    db: &Db,
) -> DbResult<(
    Vec<crate::domain::unit::Span>,
    Vec<crate::domain::unit::Succession>,
)> {
    use crate::domain::unit::{Span, Succession};
    let spans: Vec<(i64, NaiveDate, Option<NaiveDate>)> = db_run!(db, c => sqlx::query_as(
        "SELECT id, effective_from, effective_to FROM units").fetch_all(c).await)?;
    let links: Vec<(i64, i64, NaiveDate)> = db_run!(db, c => sqlx::query_as(
        "SELECT predecessor_id, successor_id, effective_on FROM unit_successions").fetch_all(c).await)?;
    Ok((
        spans
            .into_iter()
            .map(|(id, from, to)| Span { id, from, to })
            .collect(),
        links
            .into_iter()
            .map(|(predecessor, successor, effective_on)| Succession {
                predecessor,
                successor,
                effective_on,
            })
            .collect(),
    ))
}
