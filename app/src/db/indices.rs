//! What the index engine (`domain::index`) needs, aggregated by SQL: answers per unit from the
//! rollups (and the same from the raw ratings, to prove they agree and to time both), dossiers
//! per unit (the population N of the sample-size rule, and the late share), trends and drill-down.

use super::rollup::month_of;
use super::{Db, DbResult};
use crate::db_run;
use crate::domain::index::Tally;
use crate::domain::period::Period;
use chrono::NaiveDate;
use std::collections::HashMap;

type Row = (i64, i64, i64, i64, i64, i64);

fn tallies(rows: Vec<Row>) -> HashMap<i64, Tally> {
    rows.into_iter()
        .map(|(k, s1, s2, s3, s4, s5)| (k, Tally::new(s1, s2, s3, s4, s5)))
        .collect()
}

/// Counted answers per unit in the period, from the per-day rollup.
pub async fn unit_tallies(db: &Db, p: &Period) -> DbResult<HashMap<i64, Tally>> {
    let rows: Vec<Row> = db_run!(db, c => sqlx::query_as(
        "SELECT unit_id, CAST(SUM(s1) AS BIGINT), CAST(SUM(s2) AS BIGINT), CAST(SUM(s3) AS BIGINT),
                CAST(SUM(s4) AS BIGINT), CAST(SUM(s5) AS BIGINT)
           FROM rollup_day WHERE day >= $1 AND day <= $2 GROUP BY unit_id")
        .bind(p.from).bind(p.to).fetch_all(c).await)?;
    Ok(tallies(rows))
}

/// The same as [`unit_tallies`], scanning the raw ratings (for the agreement check and the bench).
pub async fn unit_tallies_raw(db: &Db, p: &Period) -> DbResult<HashMap<i64, Tally>> {
    let rows: Vec<Row> = db_run!(db, c => sqlx::query_as(
        "SELECT r.unit_id, CAST(SUM(CASE WHEN r.score = 1 THEN 1 ELSE 0 END) AS BIGINT),
                CAST(SUM(CASE WHEN r.score = 2 THEN 1 ELSE 0 END) AS BIGINT),
                CAST(SUM(CASE WHEN r.score = 3 THEN 1 ELSE 0 END) AS BIGINT),
                CAST(SUM(CASE WHEN r.score = 4 THEN 1 ELSE 0 END) AS BIGINT),
                CAST(SUM(CASE WHEN r.score = 5 THEN 1 ELSE 0 END) AS BIGINT)
           FROM ratings r LEFT JOIN rating_flags fl ON fl.rating_id = r.id
          WHERE r.day >= $1 AND r.day <= $2 AND (fl.rating_id IS NULL OR fl.cleared_at IS NOT NULL)
            AND NOT EXISTS (SELECT 1 FROM ratings x WHERE x.corrects_id = r.id)
          GROUP BY r.unit_id")
        .bind(p.from).bind(p.to).fetch_all(c).await)?;
    Ok(tallies(rows))
}

/// Dossiers completed in the period per unit: (completed, completed late).
pub async fn dossiers(db: &Db, p: &Period) -> DbResult<HashMap<i64, (i64, i64)>> {
    let from = super::local_noon(p.from) - chrono::Duration::hours(12);
    let to = super::local_noon(p.to) + chrono::Duration::hours(12);
    let rows: Vec<(i64, i64, i64)> = db_run!(db, c => sqlx::query_as(
        "SELECT unit_id, COUNT(*), CAST(SUM(CASE WHEN due_at IS NOT NULL AND completed_at > due_at THEN 1 ELSE 0 END) AS BIGINT)
           FROM dossiers WHERE completed_at >= $1 AND completed_at < $2 GROUP BY unit_id")
        .bind(from).bind(to).fetch_all(c).await)?;
    Ok(rows
        .into_iter()
        .map(|(u, n, late)| (u, (n, late)))
        .collect())
}

/// Counted answers of `units` per month of the period (months without answers included, empty).
pub async fn trend(db: &Db, units: &[i64], p: &Period) -> DbResult<Vec<(NaiveDate, Tally)>> {
    let mut by_month: HashMap<NaiveDate, Tally> = HashMap::new();
    if !units.is_empty() {
        let list = units
            .iter()
            .map(|u| u.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT day, CAST(SUM(s1) AS BIGINT), CAST(SUM(s2) AS BIGINT), CAST(SUM(s3) AS BIGINT),
                    CAST(SUM(s4) AS BIGINT), CAST(SUM(s5) AS BIGINT)
               FROM rollup_day WHERE unit_id IN ({list}) AND day >= $1 AND day <= $2 GROUP BY day"
        );
        let rows: Vec<(NaiveDate, i64, i64, i64, i64, i64)> = db_run!(db, c => sqlx::query_as(&sql)
            .bind(p.from).bind(p.to).fetch_all(c).await)?;
        for (d, s1, s2, s3, s4, s5) in rows {
            by_month
                .entry(month_of(d))
                .or_default()
                .add(&Tally::new(s1, s2, s3, s4, s5));
        }
    }
    Ok(p.months()
        .into_iter()
        .map(|m| (m, by_month.get(&m).copied().unwrap_or_default()))
        .collect())
}

/// Counted answers of `units` in the months of the period by one dimension of `rollup_month`
/// (`channel`, `procedure`, `counter`, `element`, `criterion`): key → tally.
pub async fn by_dim(
    db: &Db,
    units: &[i64],
    dim: &str,
    p: &Period,
) -> DbResult<HashMap<i64, Tally>> {
    if units.is_empty() {
        return Ok(HashMap::new());
    }
    let list = units
        .iter()
        .map(|u| u.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT key, CAST(SUM(s1) AS BIGINT), CAST(SUM(s2) AS BIGINT), CAST(SUM(s3) AS BIGINT),
                CAST(SUM(s4) AS BIGINT), CAST(SUM(s5) AS BIGINT)
           FROM rollup_month WHERE unit_id IN ({list}) AND dim = $1 AND month >= $2 AND month <= $3 GROUP BY key"
    );
    let from = month_of(p.from);
    let rows: Vec<Row> = db_run!(db, c => sqlx::query_as(&sql)
        .bind(dim).bind(from).bind(p.to).fetch_all(c).await)?;
    Ok(tallies(rows))
}

/// One counted rating as the raw export writes it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RawRating {
    pub id: i64,
    pub unit_id: i64,
    pub unit_code: String,
    pub day: NaiveDate,
    pub channel: String,
    pub score: i32,
    pub procedure_code: Option<String>,
    pub counter_id: Option<i64>,
    pub counted: bool,
}

/// Every rating of the units whose path starts with `prefix` in the period, with whether it
/// counts in the indices (so anyone can recompute an index from the export).
pub async fn raw(db: &Db, prefix: &str, p: &Period) -> DbResult<Vec<RawRating>> {
    let like = format!("{prefix}%");
    Ok(db_run!(db, c => sqlx::query_as::<_, RawRating>(
        "SELECT r.id, r.unit_id, u.code AS unit_code, r.day, r.channel, r.score, pr.code AS procedure_code, r.counter_id,
                ((fl.rating_id IS NULL OR fl.cleared_at IS NOT NULL)
                  AND NOT EXISTS (SELECT 1 FROM ratings x WHERE x.corrects_id = r.id)) AS counted
           FROM ratings r JOIN units u ON u.id = r.unit_id
           LEFT JOIN procedures pr ON pr.id = r.procedure_id
           LEFT JOIN rating_flags fl ON fl.rating_id = r.id
          WHERE u.path LIKE $1 AND r.day >= $2 AND r.day <= $3
          ORDER BY r.id")
        .bind(&like).bind(p.from).bind(p.to).fetch_all(c).await)?)
}
