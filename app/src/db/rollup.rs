//! Rollups of the counted ratings (see migrations `0007_rollups.sql`): per unit and day, and per
//! unit, month and dimension (channel, procedure, counter, element, criterion). They are moved in
//! the same transaction as the change that moves a rating in or out of the indices: a new rating
//! that is not suspicious, a correction (the corrected rating leaves, the correction enters), a
//! cleared flag, kiosk details added after the rating. `check` recomputes them from the raw rows.

use super::{Db, DbResult, Tx};
use crate::domain::index::Tally;
use crate::{db_run, tx_run};
use chrono::{Datelike, NaiveDate};
use std::collections::{BTreeMap, HashMap};

/// The key a channel has in `rollup_month` (dimension `channel`).
pub fn channel_key(channel: &str) -> i64 {
    match channel {
        "kiosk" => 1,
        "web" => 2,
        "sms" => 3,
        "session" => 4,
        _ => 0,
    }
}

/// The channel of a `rollup_month` key.
pub fn channel_of_key(key: i64) -> &'static str {
    match key {
        1 => "kiosk",
        2 => "web",
        3 => "sms",
        4 => "session",
        _ => "other",
    }
}

/// The first day of `day`'s month.
pub fn month_of(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// One rating entering (+1) or leaving (−1) the indices.
#[derive(Debug, Clone)]
pub struct Delta {
    pub unit_id: i64,
    pub day: NaiveDate,
    pub channel: String,
    pub procedure_id: Option<i64>,
    pub counter_id: Option<i64>,
    /// The overall score; `None` when only answers are added (kiosk details after the rating).
    pub score: Option<i32>,
    /// (element id, criterion id, score)
    pub answers: Vec<(i64, Option<i64>, i32)>,
    pub sign: i64,
}

type DayKey = (i64, NaiveDate);
type MonthKey = (i64, NaiveDate, &'static str, i64);

fn bump(cells: &mut [i64; 5], score: i32, sign: i64) {
    if (1..=5).contains(&score) {
        cells[score as usize - 1] += sign;
    }
}

/// Applies the deltas: sums them per row first, then one upsert per rollup row touched.
pub async fn apply(tx: &mut Tx, deltas: &[Delta]) -> DbResult<()> {
    let mut days: BTreeMap<DayKey, [i64; 5]> = BTreeMap::new();
    let mut months: BTreeMap<MonthKey, [i64; 5]> = BTreeMap::new();
    for d in deltas {
        let m = month_of(d.day);
        if let Some(s) = d.score {
            bump(days.entry((d.unit_id, d.day)).or_default(), s, d.sign);
            for (dim, key) in [
                ("channel", channel_key(&d.channel)),
                ("procedure", d.procedure_id.unwrap_or(0)),
                ("counter", d.counter_id.unwrap_or(0)),
            ] {
                bump(
                    months.entry((d.unit_id, m, dim, key)).or_default(),
                    s,
                    d.sign,
                );
            }
        }
        for (e, c, s) in &d.answers {
            let k = match c {
                Some(c) => (d.unit_id, m, "criterion", *c),
                None => (d.unit_id, m, "element", *e),
            };
            bump(months.entry(k).or_default(), *s, d.sign);
        }
    }
    const CELLS: &str =
        "s1 = {t}.s1 + excluded.s1, s2 = {t}.s2 + excluded.s2, s3 = {t}.s3 + excluded.s3, \
                         s4 = {t}.s4 + excluded.s4, s5 = {t}.s5 + excluded.s5";
    let days: Vec<_> = days.into_iter().collect();
    for chunk in days.chunks(100) {
        let values: Vec<String> = (0..chunk.len())
            .map(|k| {
                let p: Vec<String> = (1..=7).map(|c| format!("${}", k * 7 + c)).collect();
                format!("({})", p.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO rollup_day (unit_id, day, s1, s2, s3, s4, s5) VALUES {}
             ON CONFLICT (unit_id, day) DO UPDATE SET {}",
            values.join(", "),
            CELLS.replace("{t}", "rollup_day")
        );
        tx_run!(tx, c => {
            let mut q = sqlx::query(&sql);
            for ((u, d), s) in chunk {
                q = q.bind(*u).bind(*d).bind(s[0]).bind(s[1]).bind(s[2]).bind(s[3]).bind(s[4]);
            }
            q.execute(&mut *c).await.map(|r| r.rows_affected())
        })?;
    }
    let months: Vec<_> = months.into_iter().collect();
    for chunk in months.chunks(100) {
        let values: Vec<String> = (0..chunk.len())
            .map(|k| {
                let p: Vec<String> = (1..=9).map(|c| format!("${}", k * 9 + c)).collect();
                format!("({})", p.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO rollup_month (unit_id, month, dim, key, s1, s2, s3, s4, s5) VALUES {}
             ON CONFLICT (unit_id, month, dim, key) DO UPDATE SET {}",
            values.join(", "),
            CELLS.replace("{t}", "rollup_month")
        );
        tx_run!(tx, c => {
            let mut q = sqlx::query(&sql);
            for ((u, m, dim, key), s) in chunk {
                q = q.bind(*u).bind(*m).bind(*dim).bind(*key)
                    .bind(s[0]).bind(s[1]).bind(s[2]).bind(s[3]).bind(s[4]);
            }
            q.execute(&mut *c).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(())
}

/// The delta of a stored rating (its score and answers), with `sign`.
pub async fn delta_of(tx: &mut Tx, rating_id: i64, sign: i64) -> DbResult<Option<Delta>> {
    let row: Option<Placed> = tx_run!(tx, c => sqlx::query_as(
        "SELECT unit_id, day, channel, procedure_id, counter_id, score FROM ratings WHERE id = $1")
        .bind(rating_id).fetch_optional(&mut *c).await)?;
    let Some((unit_id, day, channel, procedure_id, counter_id, score)) = row else {
        return Ok(None);
    };
    let answers: Vec<(i64, Option<i64>, i32)> = tx_run!(tx, c => sqlx::query_as(
        "SELECT element_id, criterion_id, score FROM rating_answers WHERE rating_id = $1")
        .bind(rating_id).fetch_all(&mut *c).await)?;
    Ok(Some(Delta {
        unit_id,
        day,
        channel,
        procedure_id,
        counter_id,
        score: Some(score),
        answers,
        sign,
    }))
}

/// Whether a stored rating counts now (not flagged or cleared; not corrected by another record
/// than `except`).
pub async fn counts(tx: &mut Tx, rating_id: i64, except: Option<i64>) -> DbResult<bool> {
    let n: i64 = tx_run!(tx, c => sqlx::query_scalar(
        "SELECT COUNT(*) FROM ratings r LEFT JOIN rating_flags fl ON fl.rating_id = r.id
          WHERE r.id = $1 AND (fl.rating_id IS NULL OR fl.cleared_at IS NOT NULL)
            AND NOT EXISTS (SELECT 1 FROM ratings x WHERE x.corrects_id = r.id AND x.id <> $2)")
        .bind(rating_id).bind(except.unwrap_or(0)).fetch_one(&mut *c).await)?;
    Ok(n > 0)
}

/// The ratings that count in indices (a `FROM ratings r` continues with this).
pub(crate) const COUNTED: &str = "LEFT JOIN rating_flags fl ON fl.rating_id = r.id
 WHERE (fl.rating_id IS NULL OR fl.cleared_at IS NOT NULL)
   AND NOT EXISTS (SELECT 1 FROM ratings x WHERE x.corrects_id = r.id)";

const SUMS: &str =
    "SUM(CASE WHEN r.score = 1 THEN 1 ELSE 0 END), SUM(CASE WHEN r.score = 2 THEN 1 ELSE 0 END),
        SUM(CASE WHEN r.score = 3 THEN 1 ELSE 0 END), SUM(CASE WHEN r.score = 4 THEN 1 ELSE 0 END),
        SUM(CASE WHEN r.score = 5 THEN 1 ELSE 0 END)";

type Cells = (i64, i64, i64, i64, i64);
/// A rating's fields that place it in the rollups.
type Placed = (i64, NaiveDate, String, Option<i64>, Option<i64>, i32);
type DayRow = (i64, NaiveDate, i64, i64, i64, i64, i64);
type MonthRow = (i64, NaiveDate, String, i64, i64, i64, i64, i64, i64);

fn tally(c: Cells) -> Tally {
    Tally::new(c.0, c.1, c.2, c.3, c.4)
}

/// Where the rollups and a recomputation from the raw ratings disagree: (what, rollup, raw).
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    pub what: String,
    pub rollup: Tally,
    pub raw: Tally,
}

/// Recomputes the per-day rollup and the per-month channel, procedure and counter rollups from
/// the raw ratings and lists every difference (none when they agree).
pub async fn check(db: &Db) -> DbResult<Vec<Mismatch>> {
    let mut out = Vec::new();
    let raw_days: Vec<DayRow> = db_run!(db, c => sqlx::query_as(
        &format!("SELECT r.unit_id, r.day, {SUMS} FROM ratings r {COUNTED} GROUP BY r.unit_id, r.day"))
        .fetch_all(c).await)?;
    let rolled: Vec<DayRow> = db_run!(db, c => sqlx::query_as(
        "SELECT unit_id, day, s1, s2, s3, s4, s5 FROM rollup_day").fetch_all(c).await)?;
    let mut a: HashMap<(i64, NaiveDate), Tally> = HashMap::new();
    for (u, d, s1, s2, s3, s4, s5) in rolled {
        a.insert((u, d), tally((s1, s2, s3, s4, s5)));
    }
    let mut b: HashMap<(i64, NaiveDate), Tally> = HashMap::new();
    for (u, d, s1, s2, s3, s4, s5) in raw_days {
        b.insert((u, d), tally((s1, s2, s3, s4, s5)));
    }
    compare(&mut out, "day", a, b);
    // The month dimensions, summed over the month from the raw rows.
    let raw_rows: Vec<Placed> = db_run!(db, c => sqlx::query_as(
        &format!("SELECT r.unit_id, r.day, r.channel, r.procedure_id, r.counter_id, r.score FROM ratings r {COUNTED}"))
        .fetch_all(c).await)?;
    let mut raw: HashMap<(i64, NaiveDate, String, i64), Tally> = HashMap::new();
    for (u, d, ch, p, co, s) in raw_rows {
        let m = month_of(d);
        for (dim, key) in [
            ("channel", channel_key(&ch)),
            ("procedure", p.unwrap_or(0)),
            ("counter", co.unwrap_or(0)),
        ] {
            raw.entry((u, m, dim.to_string(), key))
                .or_default()
                .add(&Tally::one(s));
        }
    }
    let answers: Vec<(i64, NaiveDate, i64, Option<i64>, i32)> = db_run!(db, c => sqlx::query_as(
        &format!("SELECT r.unit_id, r.day, a.element_id, a.criterion_id, a.score
                    FROM ratings r JOIN rating_answers a ON a.rating_id = r.id {COUNTED}"))
        .fetch_all(c).await)?;
    for (u, d, e, cr, s) in answers {
        let k = match cr {
            Some(cr) => (u, month_of(d), "criterion".to_string(), cr),
            None => (u, month_of(d), "element".to_string(), e),
        };
        raw.entry(k).or_default().add(&Tally::one(s));
    }
    let rolled: Vec<MonthRow> = db_run!(db, c => sqlx::query_as(
        "SELECT unit_id, month, dim, key, s1, s2, s3, s4, s5 FROM rollup_month").fetch_all(c).await)?;
    let mut a = HashMap::new();
    for (u, m, dim, key, s1, s2, s3, s4, s5) in rolled {
        a.insert((u, m, dim, key), tally((s1, s2, s3, s4, s5)));
    }
    compare(&mut out, "month", a, raw);
    Ok(out)
}

fn compare<K: std::hash::Hash + Eq + std::fmt::Debug>(
    out: &mut Vec<Mismatch>,
    what: &str,
    a: HashMap<K, Tally>,
    b: HashMap<K, Tally>,
) {
    for (k, t) in &a {
        let raw = b.get(k).copied().unwrap_or_default();
        if *t != raw {
            out.push(Mismatch {
                what: format!("{what} {k:?}"),
                rollup: *t,
                raw,
            });
        }
    }
    for (k, raw) in &b {
        if !a.contains_key(k) && raw.n() > 0 {
            out.push(Mismatch {
                what: format!("{what} {k:?}"),
                rollup: Tally::default(),
                raw: *raw,
            });
        }
    }
}

/// Rebuilds every rollup from the raw ratings (after a bulk load, or to mend a rollup that a
/// check found wrong). One transaction: readers see the old rollups until it commits.
pub async fn rebuild(db: &Db) -> DbResult<()> {
    let month = match db {
        Db::Sqlite(_) => "date(r.day, 'start of month')",
        Db::Postgres(_) => "CAST(date_trunc('month', r.day) AS DATE)",
    };
    let sums = |col: &str| {
        (1..=5)
            .map(|i| format!("SUM(CASE WHEN {col} = {i} THEN 1 ELSE 0 END)"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let chan = "CASE r.channel WHEN 'kiosk' THEN 1 WHEN 'web' THEN 2 WHEN 'sms' THEN 3 WHEN 'session' THEN 4 ELSE 0 END";
    let mut statements = vec![
        "DELETE FROM rollup_day".to_string(),
        "DELETE FROM rollup_month".to_string(),
        format!(
            "INSERT INTO rollup_day (unit_id, day, s1, s2, s3, s4, s5)
             SELECT r.unit_id, r.day, {} FROM ratings r {COUNTED} GROUP BY r.unit_id, r.day",
            sums("r.score")
        ),
    ];
    for (dim, key) in [
        ("channel", chan.to_string()),
        ("procedure", "COALESCE(r.procedure_id, 0)".to_string()),
        ("counter", "COALESCE(r.counter_id, 0)".to_string()),
    ] {
        statements.push(format!(
            "INSERT INTO rollup_month (unit_id, month, dim, key, s1, s2, s3, s4, s5)
             SELECT r.unit_id, {month}, '{dim}', {key}, {} FROM ratings r {COUNTED}
              GROUP BY r.unit_id, {month}, {key}",
            sums("r.score")
        ));
    }
    for (dim, cond, key) in [
        ("element", "a.criterion_id IS NULL", "a.element_id"),
        ("criterion", "a.criterion_id IS NOT NULL", "a.criterion_id"),
    ] {
        statements.push(format!(
            "INSERT INTO rollup_month (unit_id, month, dim, key, s1, s2, s3, s4, s5)
             SELECT r.unit_id, {month}, '{dim}', {key}, {} FROM ratings r
               JOIN rating_answers a ON a.rating_id = r.id AND {cond} {COUNTED}
              GROUP BY r.unit_id, {month}, {key}",
            sums("a.score")
        ));
    }
    let mut tx = db.begin().await?;
    for sql in &statements {
        tx_run!(&mut tx, c => sqlx::query(sql).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    }
    tx.commit().await
}
