//! The working-day calendar and the settings of feedback handling, both edited by the
//! administrator.

use super::{audit, Db, DbResult, Tx};
use crate::domain::calendar::{Calendar, DayKind};
use crate::domain::feedback::Settings;
use crate::{db_run, tx_run};
use chrono::NaiveDate;

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
/// saying `why` and a message to the citizen when it moves later. Returns how many moved.
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
