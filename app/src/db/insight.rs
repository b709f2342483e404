//! What the leaders' insight needs from the database: answers by hour of the week, comments for
//! the themes, the themes themselves, and the satisfaction alerts with the leaders they reached.

use super::{audit, Db, DbResult, Tx};
use crate::domain::index::Tally;
use crate::domain::insight::{monday_first, Theme, Week};
use crate::domain::period::Period;
use crate::{db_run, tx_run};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;

const SUMS: &str = "CAST(SUM(CASE WHEN r.score = 1 THEN 1 ELSE 0 END) AS BIGINT),
        CAST(SUM(CASE WHEN r.score = 2 THEN 1 ELSE 0 END) AS BIGINT),
        CAST(SUM(CASE WHEN r.score = 3 THEN 1 ELSE 0 END) AS BIGINT),
        CAST(SUM(CASE WHEN r.score = 4 THEN 1 ELSE 0 END) AS BIGINT),
        CAST(SUM(CASE WHEN r.score = 5 THEN 1 ELSE 0 END) AS BIGINT)";

/// Counted answers of `units` (and of one counter when given) in the period by weekday and
/// hour in Vietnam time, read from the raw ratings of those units.
pub async fn week(db: &Db, units: &[i64], counter: Option<i64>, p: &Period) -> DbResult<Week> {
    let mut w = Week::default();
    if units.is_empty() {
        return Ok(w);
    }
    let list = units
        .iter()
        .map(|u| u.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    // The local weekday (0 = Sunday) and hour of the answer, in each dialect.
    let (dow, hour) = match db {
        Db::Sqlite(_) => (
            "CAST(strftime('%w', r.created_at, '+7 hours') AS INTEGER)",
            "CAST(strftime('%H', r.created_at, '+7 hours') AS INTEGER)",
        ),
        Db::Postgres(_) => (
            "CAST(EXTRACT(DOW FROM r.created_at AT TIME ZONE 'Asia/Ho_Chi_Minh') AS BIGINT)",
            "CAST(EXTRACT(HOUR FROM r.created_at AT TIME ZONE 'Asia/Ho_Chi_Minh') AS BIGINT)",
        ),
    };
    let sql = format!(
        "SELECT {dow}, {hour}, {SUMS} FROM ratings r {} AND r.unit_id IN ({list})
            AND r.day >= $1 AND r.day <= $2 AND ($3 = 0 OR r.counter_id = $3)
          GROUP BY {dow}, {hour}",
        super::rollup::COUNTED
    );
    let rows: Vec<(i64, i64, i64, i64, i64, i64, i64)> = db_run!(db, c => sqlx::query_as(&sql)
        .bind(p.from).bind(p.to).bind(counter.unwrap_or(0)).fetch_all(c).await)?;
    for (d, h, s1, s2, s3, s4, s5) in rows {
        w.add(monday_first(d), h as usize, &Tally::new(s1, s2, s3, s4, s5));
    }
    Ok(w)
}

/// A counted rating's comment.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Comment {
    pub rating_id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub counter_id: Option<i64>,
    pub score: i32,
    pub created_at: DateTime<Utc>,
    pub comment: String,
}

/// The comments of counted ratings in the subtree `prefix` over `from..=to` (days), newest
/// first, at most `limit`; `low_only` keeps scores of 1 and 2.
pub async fn comments(
    db: &Db,
    prefix: &str,
    from: NaiveDate,
    to: NaiveDate,
    low_only: bool,
    limit: i64,
) -> DbResult<Vec<Comment>> {
    let like = format!("{prefix}%");
    let from_t = super::local_noon(from) - chrono::Duration::hours(12);
    let to_t = super::local_noon(to) + chrono::Duration::hours(12);
    Ok(db_run!(db, c => sqlx::query_as::<_, Comment>(
        "SELECT r.id AS rating_id, r.unit_id, u.name AS unit_name, r.counter_id, r.score, r.created_at, cm.comment
           FROM rating_comments cm JOIN ratings r ON r.id = cm.rating_id JOIN units u ON u.id = r.unit_id
           LEFT JOIN rating_flags fl ON fl.rating_id = r.id
          WHERE cm.created_at >= $2 AND cm.created_at < $3 AND u.path LIKE $1 AND ($5 = FALSE OR r.score <= 2)
            AND (fl.rating_id IS NULL OR fl.cleared_at IS NOT NULL)
            AND NOT EXISTS (SELECT 1 FROM ratings x WHERE x.corrects_id = r.id)
          ORDER BY cm.created_at DESC, cm.rating_id DESC LIMIT $4")
        .bind(&like).bind(from_t).bind(to_t).bind(limit).bind(low_only).fetch_all(c).await)?)
}

// ---------------------------------------------------------------------------------------------
// Themes
// ---------------------------------------------------------------------------------------------

/// The themes in their order (the defaults the first time).
pub async fn themes(db: &Db) -> DbResult<Vec<(i64, Theme)>> {
    let rows: Vec<(i64, String, String, String, String)> = db_run!(db, c => sqlx::query_as(
        "SELECT id, code, name_vi, name_en, keywords FROM comment_themes ORDER BY position, id")
        .fetch_all(c).await)?;
    Ok(rows
        .into_iter()
        .map(|(id, code, name_vi, name_en, kw)| {
            (
                id,
                Theme {
                    code,
                    name_vi,
                    name_en,
                    keywords: kw.lines().map(str::to_string).collect(),
                },
            )
        })
        .collect())
}

/// Seeds the default themes into a database that has none.
pub async fn ensure_default_themes(db: &Db) -> DbResult<()> {
    let n: i64 = db_run!(db, c => sqlx::query_scalar("SELECT COUNT(*) FROM comment_themes").fetch_one(c).await)?;
    if n > 0 {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    for (i, t) in crate::domain::insight::default_themes().iter().enumerate() {
        insert_theme(&mut tx, t, i as i32).await?;
    }
    tx.commit().await
}

async fn insert_theme(tx: &mut Tx, t: &Theme, position: i32) -> DbResult<i64> {
    Ok(tx_run!(tx, c => sqlx::query_scalar(
        "INSERT INTO comment_themes (code, name_vi, name_en, keywords, position, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (code) DO UPDATE SET code = excluded.code RETURNING id")
        .bind(&t.code).bind(&t.name_vi).bind(&t.name_en).bind(t.keywords.join("\n")).bind(position)
        .bind(super::now()).fetch_one(&mut *c).await)?)
}

/// Why a comment theme could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    /// Another theme has this code.
    #[error("the theme code is taken")]
    CodeTaken,
    #[error(transparent)]
    Db(#[from] super::DbError),
}
crate::from_sqlx!(ThemeError);

/// Saves a theme (a new one when `id` is `None`), with its audit entry.
pub async fn save_theme(
    tx: &mut Tx,
    actor: i64,
    id: Option<i64>,
    t: &Theme,
) -> Result<i64, ThemeError> {
    let id = match id {
        Some(id) => {
            let n = tx_run!(tx, c => sqlx::query(
                "UPDATE comment_themes SET name_vi = $1, name_en = $2, keywords = $3, updated_at = $4
                  WHERE id = $5 AND code = $6")
                .bind(&t.name_vi).bind(&t.name_en).bind(t.keywords.join("\n")).bind(super::now()).bind(id).bind(&t.code)
                .execute(&mut *c).await.map(|r| r.rows_affected()))?;
            if n == 0 {
                return Err(super::DbError::NotFound.into());
            }
            id
        }
        None => {
            let pos: i64 = tx_run!(tx, c => sqlx::query_scalar(
                "SELECT COALESCE(MAX(position), 0) + 1 FROM comment_themes").fetch_one(&mut *c).await)?;
            let exists: Option<i64> = tx_run!(tx, c => sqlx::query_scalar(
                "SELECT id FROM comment_themes WHERE code = $1").bind(&t.code).fetch_optional(&mut *c).await)?;
            if exists.is_some() {
                return Err(ThemeError::CodeTaken);
            }
            insert_theme(tx, t, pos as i32).await?
        }
    };
    audit::record(
        tx,
        Some(actor),
        "theme.save",
        "comment_theme",
        Some(id),
        &format!("{}: {}", t.code, t.keywords.join(", ")),
    )
    .await?;
    Ok(id)
}

/// Removes a theme, with its audit entry.
pub async fn delete_theme(tx: &mut Tx, actor: i64, id: i64) -> DbResult<()> {
    let n = tx_run!(tx, c => sqlx::query("DELETE FROM comment_themes WHERE id = $1")
        .bind(id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(super::DbError::NotFound);
    }
    audit::record(
        tx,
        Some(actor),
        "theme.delete",
        "comment_theme",
        Some(id),
        "",
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// Alerts
// ---------------------------------------------------------------------------------------------

/// Counted answers per (unit, counter or 0) over `from..=to`.
pub async fn counter_tallies(
    db: &Db,
    from: NaiveDate,
    to: NaiveDate,
) -> DbResult<HashMap<(i64, i64), Tally>> {
    let sql = format!(
        "SELECT r.unit_id, COALESCE(r.counter_id, 0), {SUMS} FROM ratings r {}
            AND r.day >= $1 AND r.day <= $2 GROUP BY r.unit_id, COALESCE(r.counter_id, 0)",
        super::rollup::COUNTED
    );
    let rows: Vec<(i64, i64, i64, i64, i64, i64, i64)> = db_run!(db, c => sqlx::query_as(&sql)
        .bind(from).bind(to).fetch_all(c).await)?;
    Ok(rows
        .into_iter()
        .map(|(u, k, s1, s2, s3, s4, s5)| ((u, k), Tally::new(s1, s2, s3, s4, s5)))
        .collect())
}

/// Claims today's alert check (once a day, whichever instance comes first): the window ends
/// yesterday, so a second run the same day would find the same.
pub async fn claim_alert_day(db: &Db, today: NaiveDate) -> DbResult<bool> {
    let mut tx = db.begin().await?;
    let day = today.to_string();
    tx_run!(&mut tx, c => sqlx::query(
        "INSERT INTO settings (key, value, updated_at) VALUES ('insight.alerts_checked_on', '', $1)
         ON CONFLICT (key) DO NOTHING")
        .bind(super::now()).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    let n = tx_run!(&mut tx, c => sqlx::query(
        "UPDATE settings SET value = $1, updated_at = $2 WHERE key = 'insight.alerts_checked_on' AND value <> $1")
        .bind(&day).bind(super::now()).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    tx.commit().await?;
    Ok(n == 1)
}

/// A satisfaction alert.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Alert {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub unit_path: String,
    /// 0: the whole unit.
    pub counter_id: i64,
    pub counter_name: Option<String>,
    pub window_from: NaiveDate,
    pub window_to: NaiveDate,
    pub usual: f64,
    pub recent: f64,
    pub limit_share: f64,
    pub answers: i64,
    pub baseline: i64,
    pub detected_on: NaiveDate,
    pub cleared_on: Option<NaiveDate>,
}

const ALERT_SELECT: &str = "SELECT a.id, a.unit_id, u.name AS unit_name, u.path AS unit_path,
        a.counter_id, c.name AS counter_name, a.window_from, a.window_to, a.usual, a.recent,
        a.limit_share, a.answers, a.baseline, a.detected_on, a.cleared_on
   FROM satisfaction_alerts a JOIN units u ON u.id = a.unit_id
   LEFT JOIN counters c ON c.id = a.counter_id";

/// The open alerts of the subtree `prefix` (and those cleared since `since`), newest first.
pub async fn alerts(db: &Db, prefix: &str, since: NaiveDate) -> DbResult<Vec<Alert>> {
    let sql = format!(
        "{ALERT_SELECT} WHERE u.path LIKE $1 AND (a.cleared_on IS NULL OR a.cleared_on >= $2)
          ORDER BY a.cleared_on IS NOT NULL, a.detected_on DESC, a.id DESC"
    );
    let like = format!("{prefix}%");
    Ok(
        db_run!(db, c => sqlx::query_as::<_, Alert>(&sql).bind(&like).bind(since).fetch_all(c).await)?,
    )
}

/// The open alerts (unit, counter) → id.
pub async fn open_alerts(db: &Db) -> DbResult<HashMap<(i64, i64), i64>> {
    let rows: Vec<(i64, i64, i64)> = db_run!(db, c => sqlx::query_as(
        "SELECT unit_id, counter_id, id FROM satisfaction_alerts WHERE cleared_on IS NULL").fetch_all(c).await)?;
    Ok(rows.into_iter().map(|(u, k, id)| ((u, k), id)).collect())
}

/// A new drop to record.
pub struct NewAlert {
    pub unit_id: i64,
    pub counter_id: i64,
    pub window_from: NaiveDate,
    pub window_to: NaiveDate,
    pub drop: crate::domain::insight::Drop,
    pub answers: i64,
    pub baseline: i64,
}

/// Records a drop; an open alert for the same unit and counter already covers it (the unique
/// index makes this safe on several instances): returns the new id, or `None`.
pub async fn raise(tx: &mut Tx, a: &NewAlert, today: NaiveDate) -> DbResult<Option<i64>> {
    Ok(tx_run!(tx, c => sqlx::query_scalar(
        "INSERT INTO satisfaction_alerts (unit_id, counter_id, window_from, window_to, usual, recent, limit_share,
                                          answers, baseline, detected_on)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (unit_id, counter_id) WHERE cleared_on IS NULL DO NOTHING RETURNING id")
        .bind(a.unit_id).bind(a.counter_id).bind(a.window_from).bind(a.window_to).bind(a.drop.usual)
        .bind(a.drop.recent).bind(a.drop.limit).bind(a.answers).bind(a.baseline).bind(today)
        .fetch_optional(&mut *c).await)?)
}

/// Clears an alert whose share is back within its limits.
pub async fn clear(tx: &mut Tx, id: i64, today: NaiveDate) -> DbResult<()> {
    tx_run!(tx, c => sqlx::query("UPDATE satisfaction_alerts SET cleared_on = $1 WHERE id = $2 AND cleared_on IS NULL")
        .bind(today).bind(id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The open alerts of `prefix`'s subtree that `account` has not been told of yet.
pub async fn unsent_alerts(db: &Db, prefix: &str, account: i64) -> DbResult<Vec<Alert>> {
    let sql = format!(
        "{ALERT_SELECT} WHERE u.path LIKE $1 AND a.cleared_on IS NULL
            AND NOT EXISTS (SELECT 1 FROM alert_notices n WHERE n.alert_id = a.id AND n.account_id = $2)
          ORDER BY a.id"
    );
    let like = format!("{prefix}%");
    Ok(
        db_run!(db, c => sqlx::query_as::<_, Alert>(&sql).bind(&like).bind(account).fetch_all(c).await)?,
    )
}

/// Notes that `account`'s daily e-mail carried these alerts.
pub async fn mark_sent(
    tx: &mut Tx,
    alerts: &[i64],
    account: i64,
    today: NaiveDate,
) -> DbResult<()> {
    for a in alerts {
        tx_run!(tx, c => sqlx::query(
            "INSERT INTO alert_notices (alert_id, account_id, sent_on) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(*a).bind(account).bind(today).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Report subscriptions
// ---------------------------------------------------------------------------------------------

/// A leader's subscription: `month` or `quarter`, and the last period sent.
pub async fn subscription(db: &Db, account: i64) -> DbResult<Option<(String, String)>> {
    Ok(db_run!(db, c => sqlx::query_as(
        "SELECT frequency, last_period FROM report_subscriptions WHERE account_id = $1")
        .bind(account).fetch_optional(c).await)?)
}

/// Subscribes (`Some("month" | "quarter")`) or unsubscribes (`None`).
pub async fn subscribe(tx: &mut Tx, account: i64, frequency: Option<&str>) -> DbResult<()> {
    match frequency {
        Some(f) => tx_run!(tx, c => sqlx::query(
            "INSERT INTO report_subscriptions (account_id, frequency, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (account_id) DO UPDATE SET frequency = excluded.frequency")
            .bind(account).bind(f).bind(super::now()).execute(&mut *c).await.map(|r| r.rows_affected()))?,
        None => {
            tx_run!(tx, c => sqlx::query("DELETE FROM report_subscriptions WHERE account_id = $1")
            .bind(account).execute(&mut *c).await.map(|r| r.rows_affected()))?
        }
    };
    Ok(())
}

/// Every subscription: (account, frequency, last period sent).
pub async fn subscriptions(db: &Db) -> DbResult<Vec<(i64, String, String)>> {
    Ok(db_run!(db, c => sqlx::query_as(
        "SELECT account_id, frequency, last_period FROM report_subscriptions ORDER BY account_id")
        .fetch_all(c).await)?)
}

/// Claims the sending of `period` to `account` (once, even with several instances).
pub async fn claim_period(tx: &mut Tx, account: i64, period: &str) -> DbResult<bool> {
    let n = tx_run!(tx, c => sqlx::query(
        "UPDATE report_subscriptions SET last_period = $1 WHERE account_id = $2 AND last_period <> $1")
        .bind(period).bind(account).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}
