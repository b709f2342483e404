//! The working-day calendar and the settings of feedback handling, both edited by the
//! administrator.

use super::feedback::MovedDeadline;
use super::{audit, Db, DbError, DbResult, Tx};
use crate::domain::calendar::{Calendar, DayKind};
use crate::domain::calendar_file::FileDay;
use crate::domain::feedback::Settings;
use crate::{db_run, tx_run};
use chrono::{DateTime, Datelike, NaiveDate, Utc};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CalendarDay {
    pub day: NaiveDate,
    pub kind: String,
    pub name: String,
    /// The legal text the day rests on.
    pub basis: String,
    /// Not announced yet: computed from the Labour Code and the lunar calendar.
    pub provisional: bool,
}

impl CalendarDay {
    pub fn kind(&self) -> DayKind {
        DayKind::parse(&self.kind).unwrap_or(DayKind::Holiday)
    }
}

/// Every listed day, oldest first.
pub async fn days(db: &Db) -> DbResult<Vec<CalendarDay>> {
    Ok(db_run!(db, c => sqlx::query_as::<_, CalendarDay>(
        "SELECT day, kind, name, basis, provisional FROM calendar_days ORDER BY day").fetch_all(c).await)?)
}

/// The calendar as the transaction sees it.
async fn load_tx(tx: &mut Tx) -> DbResult<Calendar> {
    let rows: Vec<(NaiveDate, String)> = tx_run!(tx, c => sqlx::query_as(
        "SELECT day, kind FROM calendar_days ORDER BY day").fetch_all(&mut *c).await)?;
    Ok(Calendar::new(rows.into_iter().map(|(d, k)| {
        (d, DayKind::parse(&k).unwrap_or(DayKind::Holiday))
    })))
}

/// After a change of the calendar (the calendar before it is `old`), in the same transaction:
/// every open case's deadline is recounted on the new calendar, with a step on its timeline
/// saying `why` and a message to the citizen when it moves later; the queued apologies of
/// dossiers move with it. Returns how many deadlines moved.
async fn recount_open_deadlines(
    tx: &mut Tx,
    actor: Option<i64>,
    old: &Calendar,
    why: &str,
) -> DbResult<usize> {
    let new = load_tx(tx).await?;
    if &new == old {
        return Ok(0);
    }
    // A dossier's apology not sent yet follows the new working day before its due date.
    super::journey::reschedule_apologies(tx, &new).await?;
    let moves = super::feedback::moved_deadlines(tx, old, &new).await?;
    super::feedback::apply_moved_deadlines(tx, actor, &moves, why).await
}

/// The calendar deadlines are computed with.
pub async fn load(db: &Db) -> DbResult<Calendar> {
    Ok(Calendar::new(
        days(db).await?.into_iter().map(|d| (d.day, d.kind())),
    ))
}

/// Adds a day or changes its kind and name.
pub async fn set_day(
    tx: &mut Tx,
    actor: Option<i64>,
    day: NaiveDate,
    kind: DayKind,
    name: &str,
    basis: &str,
) -> DbResult<usize> {
    let now = super::now();
    let old = load_tx(tx).await?;
    tx_run!(tx, c => sqlx::query(
        "INSERT INTO calendar_days (day, kind, name, basis, provisional, updated_at) VALUES ($1, $2, $3, $4, FALSE, $5)
         ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, name = excluded.name, basis = excluded.basis,
                provisional = FALSE, updated_at = excluded.updated_at")
        .bind(day).bind(kind.as_str()).bind(name).bind(basis).bind(now)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    let detail = format!("{day} {} {name}", kind.as_str());
    audit::record(tx, actor, "calendar.set", "calendar", None, &detail).await?;
    let why = format!("{}|{day}|{name}", kind.as_str());
    recount_open_deadlines(tx, actor, &old, &why).await
}

/// Removes a day from the list (it becomes an ordinary weekday or weekend day again).
pub async fn remove_day(tx: &mut Tx, actor: Option<i64>, day: NaiveDate) -> DbResult<bool> {
    let old = load_tx(tx).await?;
    let n = tx_run!(tx, c => sqlx::query("DELETE FROM calendar_days WHERE day = $1")
        .bind(day).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    if n > 0 {
        audit::record(
            tx,
            actor,
            "calendar.remove",
            "calendar",
            None,
            &day.to_string(),
        )
        .await?;
        recount_open_deadlines(tx, actor, &old, &format!("remove|{day}|")).await?;
    }
    Ok(n > 0)
}

/// The feedback deadlines and switches in force.
pub async fn feedback_settings(db: &Db) -> DbResult<Settings> {
    let pairs = super::settings::with_prefix(db, "feedback.").await?;
    Ok(Settings::from_pairs(
        pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    ))
}

pub async fn save_feedback_settings(tx: &mut Tx, actor: Option<i64>, s: &Settings) -> DbResult<()> {
    let pairs: Vec<(String, String)> = s
        .to_pairs()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    super::settings::save_group(tx, actor, "feedback.settings", "feedback.", &pairs).await
}

/// The year's listed days, as a file would give them.
pub async fn year_days(db: &Db, year: i32) -> DbResult<Vec<FileDay>> {
    Ok(days(db)
        .await?
        .into_iter()
        .filter(|d| d.day.year() == year)
        .map(|d| FileDay {
            day: d.day,
            kind: d.kind(),
            name: d.name,
            basis: d.basis,
        })
        .collect())
}

/// An uploaded calendar file waiting for the administrator's confirmation.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Import {
    pub id: i64,
    pub year: i32,
    pub file_name: String,
    pub content: String,
    pub applied_at: Option<DateTime<Utc>>,
}

/// Keeps an uploaded file (already read: `year` is the year it lists) for its preview.
pub async fn save_import(
    tx: &mut Tx,
    actor: i64,
    year: i32,
    file_name: &str,
    content: &str,
) -> DbResult<i64> {
    let now = super::now();
    Ok(tx_run!(tx, c => sqlx::query_scalar::<_, i64>(
        "INSERT INTO calendar_imports (year, file_name, content, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id")
        .bind(year).bind(file_name).bind(content).bind(actor).bind(now)
        .fetch_one(&mut *c).await)?)
}

pub async fn get_import(db: &Db, id: i64) -> DbResult<Import> {
    db_run!(db, c => sqlx::query_as::<_, Import>(
        "SELECT id, year, file_name, content, applied_at FROM calendar_imports WHERE id = $1")
        .bind(id).fetch_optional(c).await)?
    .ok_or(DbError::NotFound)
}

/// The calendar with `year`'s listed days replaced by `file`.
fn with_year(all: &[CalendarDay], year: i32, file: &[FileDay]) -> Calendar {
    Calendar::new(
        all.iter()
            .filter(|d| d.day.year() != year)
            .map(|d| (d.day, d.kind()))
            .chain(file.iter().map(|d| (d.day, d.kind))),
    )
}

/// The open deadlines that replacing `year`'s days by `file` would move (nothing is written).
pub async fn import_moves(db: &Db, year: i32, file: &[FileDay]) -> DbResult<Vec<MovedDeadline>> {
    let all = days(db).await?;
    let old = Calendar::new(all.iter().map(|d| (d.day, d.kind())));
    let new = with_year(&all, year, file);
    let mut tx = db.begin().await?;
    let moves = super::feedback::moved_deadlines(&mut tx, &old, &new).await?;
    drop(tx); // only read: dropping it rolls back
    Ok(moves)
}

/// Applies an uploaded file once: the year's listed days become the file's, and every open
/// deadline is recounted in the same transaction. `None` when it was applied already.
pub async fn apply_import(
    tx: &mut Tx,
    actor: i64,
    import: &Import,
    file: &[FileDay],
) -> DbResult<Option<usize>> {
    let now = super::now();
    let claimed = tx_run!(tx, c => sqlx::query(
        "UPDATE calendar_imports SET applied_at = $1 WHERE id = $2 AND applied_at IS NULL")
        .bind(now).bind(import.id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    if claimed == 0 {
        return Ok(None);
    }
    let old = load_tx(tx).await?;
    let (from, to) = (
        NaiveDate::from_ymd_opt(import.year, 1, 1).ok_or(DbError::NotFound)?,
        NaiveDate::from_ymd_opt(import.year, 12, 31).ok_or(DbError::NotFound)?,
    );
    tx_run!(tx, c => sqlx::query("DELETE FROM calendar_days WHERE day >= $1 AND day <= $2")
        .bind(from).bind(to).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    for d in file.iter().filter(|d| d.day.year() == import.year) {
        tx_run!(tx, c => sqlx::query(
            "INSERT INTO calendar_days (day, kind, name, basis, provisional, updated_at)
             VALUES ($1, $2, $3, $4, FALSE, $5)")
            .bind(d.day).bind(d.kind.as_str()).bind(&d.name).bind(&d.basis).bind(now)
            .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    }
    let detail = format!("{} {} ({} days)", import.year, import.file_name, file.len());
    audit::record(
        tx,
        Some(actor),
        "calendar.import",
        "calendar",
        None,
        &detail,
    )
    .await?;
    let n =
        recount_open_deadlines(tx, Some(actor), &old, &format!("import|{}|", import.year)).await?;
    Ok(Some(n))
}
