//! What the index engine (`domain::index`) needs, aggregated by SQL: answers per unit from the
//! rollups (and the same from the raw ratings, to prove they agree and to time both), dossiers
//! per unit (the population N of the sample-size rule, and the late share), trends and drill-down.

use super::rollup::month_of;
use super::{Db, DbResult, Tx};
use crate::db_run;
use crate::domain::index::Tally;
use crate::domain::index_rules::IndexRules;
use crate::domain::period::Period;
use chrono::NaiveDate;
use std::collections::HashMap;

type Row = (i64, i64, i64, i64, i64, i64);

/// Ids written into an `IN (…)` list (integers only, so nothing to escape).
fn id_list(ids: &[i64]) -> String {
    ids.iter()
        .map(|u| u.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn tallies(rows: Vec<Row>) -> HashMap<i64, Tally> {
    rows.into_iter()
        .map(|(k, s1, s2, s3, s4, s5)| (k, Tally::new(s1, s2, s3, s4, s5)))
        .collect()
}

/// Whether the period is made of whole months (then the monthly rollup answers, ~30× fewer rows).
fn whole_months(p: &Period) -> bool {
    use chrono::Datelike;
    p.from.day() == 1 && (p.to + chrono::Duration::days(1)).day() == 1
}

/// Counted answers per unit in the period, from the rollups: the monthly one (summed over the
/// channels) for whole months, else the daily one.
pub async fn unit_tallies(db: &Db, p: &Period) -> DbResult<HashMap<i64, Tally>> {
    let rows: Vec<Row> = if whole_months(p) {
        db_run!(db, c => sqlx::query_as(
            "SELECT unit_id, CAST(SUM(s1) AS BIGINT), CAST(SUM(s2) AS BIGINT), CAST(SUM(s3) AS BIGINT),
                    CAST(SUM(s4) AS BIGINT), CAST(SUM(s5) AS BIGINT)
               FROM rollup_month WHERE dim = 'channel' AND month >= $1 AND month <= $2 GROUP BY unit_id")
            .bind(p.from).bind(p.to).fetch_all(c).await)?
    } else {
        db_run!(db, c => sqlx::query_as(
            "SELECT unit_id, CAST(SUM(s1) AS BIGINT), CAST(SUM(s2) AS BIGINT), CAST(SUM(s3) AS BIGINT),
                    CAST(SUM(s4) AS BIGINT), CAST(SUM(s5) AS BIGINT)
               FROM rollup_day WHERE day >= $1 AND day <= $2 GROUP BY unit_id")
            .bind(p.from).bind(p.to).fetch_all(c).await)?
    };
    Ok(tallies(rows))
}

/// The same as [`unit_tallies`], scanning the raw ratings (for the agreement check and the bench).
pub async fn unit_tallies_raw(db: &Db, p: &Period) -> DbResult<HashMap<i64, Tally>> {
    let sql = format!(
        "SELECT r.unit_id, CAST(SUM(CASE WHEN r.score = 1 THEN 1 ELSE 0 END) AS BIGINT),
                CAST(SUM(CASE WHEN r.score = 2 THEN 1 ELSE 0 END) AS BIGINT),
                CAST(SUM(CASE WHEN r.score = 3 THEN 1 ELSE 0 END) AS BIGINT),
                CAST(SUM(CASE WHEN r.score = 4 THEN 1 ELSE 0 END) AS BIGINT),
                CAST(SUM(CASE WHEN r.score = 5 THEN 1 ELSE 0 END) AS BIGINT)
           FROM ratings r {} AND r.day >= $1 AND r.day <= $2
          GROUP BY r.unit_id",
        super::rollup::COUNTED
    );
    let rows: Vec<Row> = db_run!(db, c => sqlx::query_as(&sql)
        .bind(p.from).bind(p.to).fetch_all(c).await)?;
    Ok(tallies(rows))
}

/// One unit's counted answers in the period for one procedure (`None`: answers without a
/// procedure), per (counter id or 0, channel key), read from the raw ratings of that unit.
pub async fn procedure_cells(
    db: &Db,
    unit: i64,
    procedure: Option<i64>,
    p: &Period,
) -> DbResult<Vec<(i64, i64, Tally)>> {
    let cond = if procedure.is_some() {
        "r.procedure_id = $4"
    } else {
        "r.procedure_id IS NULL AND $4 = 0"
    };
    let sql = format!(
        "SELECT COALESCE(r.counter_id, 0), r.channel,
                CAST(SUM(CASE WHEN r.score = 1 THEN 1 ELSE 0 END) AS BIGINT),
                CAST(SUM(CASE WHEN r.score = 2 THEN 1 ELSE 0 END) AS BIGINT),
                CAST(SUM(CASE WHEN r.score = 3 THEN 1 ELSE 0 END) AS BIGINT),
                CAST(SUM(CASE WHEN r.score = 4 THEN 1 ELSE 0 END) AS BIGINT),
                CAST(SUM(CASE WHEN r.score = 5 THEN 1 ELSE 0 END) AS BIGINT)
           FROM ratings r {} AND r.unit_id = $1 AND r.day >= $2 AND r.day <= $3 AND {cond}
          GROUP BY COALESCE(r.counter_id, 0), r.channel",
        super::rollup::COUNTED
    );
    type Cell = (i64, String, i64, i64, i64, i64, i64);
    let rows: Vec<Cell> = db_run!(db, c => sqlx::query_as(&sql)
        .bind(unit).bind(p.from).bind(p.to).bind(procedure.unwrap_or(0)).fetch_all(c).await)?;
    Ok(rows
        .into_iter()
        .map(|(counter, ch, s1, s2, s3, s4, s5)| {
            (
                counter,
                super::rollup::channel_key(&ch),
                Tally::new(s1, s2, s3, s4, s5),
            )
        })
        .collect())
}

/// A unit's dossiers completed in a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DossierCounts {
    /// Completed in the period: the population N of the sample-size rule.
    pub completed: i64,
    /// Completed after their due time.
    pub late: i64,
    /// Late, complained about (as the one-stop software reports), or rated dissatisfied (a
    /// counted rating of 1 or 2): subtracted in Decision 766's third ratio.
    pub bad: i64,
}

impl DossierCounts {
    /// The share completed late, when any was completed.
    pub fn late_share(&self) -> Option<f64> {
        (self.completed > 0).then(|| self.late as f64 / self.completed as f64)
    }
}

impl std::iter::Sum for DossierCounts {
    fn sum<I: Iterator<Item = DossierCounts>>(it: I) -> DossierCounts {
        it.fold(DossierCounts::default(), |a, b| DossierCounts {
            completed: a.completed + b.completed,
            late: a.late + b.late,
            bad: a.bad + b.bad,
        })
    }
}

/// Dossiers completed in the period, per unit.
pub async fn dossiers(db: &Db, p: &Period) -> DbResult<HashMap<i64, DossierCounts>> {
    Ok(dossier_counts(db, p, None)
        .await?
        .into_iter()
        .map(|(_, u, d)| (u, d))
        .collect())
}

/// Dossiers completed in the period, per calendar month (its first day) and unit: what
/// [`dossiers`] gives for each month, read in one query.
pub async fn dossiers_by_month(
    db: &Db,
    p: &Period,
) -> DbResult<HashMap<NaiveDate, HashMap<i64, DossierCounts>>> {
    let month = db.local_month_sql("d.completed_at");
    let mut out: HashMap<NaiveDate, HashMap<i64, DossierCounts>> = HashMap::new();
    for (m, u, d) in dossier_counts(db, p, Some(&month)).await? {
        if let Ok(first) = NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d") {
            out.entry(first).or_default().insert(u, d);
        }
    }
    Ok(out)
}

/// The dossiers completed in `p` (local days), counted per unit and, with `key`, per value of
/// that SQL expression too.
async fn dossier_counts(
    db: &Db,
    p: &Period,
    key: Option<&str>,
) -> DbResult<Vec<(String, i64, DossierCounts)>> {
    let (from, to) = super::period_instants(p);
    let late = "(d.due_at IS NOT NULL AND d.completed_at > d.due_at)";
    let (select, group) = match key {
        Some(k) => (k.to_string(), format!("{k}, d.unit_id")),
        None => ("'all'".to_string(), "d.unit_id".to_string()),
    };
    let sql = format!(
        "SELECT {select}, d.unit_id, COUNT(*), CAST(SUM(CASE WHEN {late} THEN 1 ELSE 0 END) AS BIGINT),
                CAST(SUM(CASE WHEN {late} OR d.complained
                    OR EXISTS (SELECT 1 FROM ratings r {} AND r.dossier_id = d.id AND r.score <= 2)
                    THEN 1 ELSE 0 END) AS BIGINT)
           FROM dossiers d WHERE d.completed_at >= $1 AND d.completed_at < $2 GROUP BY {group}",
        super::rollup::COUNTED
    );
    let rows: Vec<(String, i64, i64, i64, i64)> = db_run!(db, c => sqlx::query_as(&sql)
        .bind(from).bind(to).fetch_all(c).await)?;
    Ok(rows
        .into_iter()
        .map(|(k, u, completed, late, bad)| {
            (
                k,
                u,
                DossierCounts {
                    completed,
                    late,
                    bad,
                },
            )
        })
        .collect())
}

/// The rules of the index pages (PAR points and bands, Decision 766 weights, margin).
pub async fn rules(db: &Db) -> DbResult<IndexRules> {
    let pairs = super::settings::with_prefix(db, "index.").await?;
    Ok(IndexRules::from_settings(
        pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    ))
}

/// Stores the rules, with an audit entry listing them.
pub async fn save_rules(tx: &mut Tx, actor: Option<i64>, r: &IndexRules) -> DbResult<()> {
    super::settings::save_group(tx, actor, "index.rules", "index.", &r.to_settings()).await
}

/// Counted answers of `units` per month of the period (months without answers included, empty),
/// from the monthly rollup: whole months, the first and last included.
pub async fn trend(db: &Db, units: &[i64], p: &Period) -> DbResult<Vec<(NaiveDate, Tally)>> {
    let mut by_month: HashMap<NaiveDate, Tally> = HashMap::new();
    if !units.is_empty() {
        let list = id_list(units);
        let sql = format!(
            "SELECT month, CAST(SUM(s1) AS BIGINT), CAST(SUM(s2) AS BIGINT), CAST(SUM(s3) AS BIGINT),
                    CAST(SUM(s4) AS BIGINT), CAST(SUM(s5) AS BIGINT)
               FROM rollup_month WHERE dim = 'channel' AND unit_id IN ({list}) AND month >= $1 AND month <= $2
              GROUP BY month"
        );
        let rows: Vec<(NaiveDate, i64, i64, i64, i64, i64)> = db_run!(db, c => sqlx::query_as(&sql)
            .bind(month_of(p.from)).bind(p.to).fetch_all(c).await)?;
        for (m, s1, s2, s3, s4, s5) in rows {
            by_month
                .entry(m)
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
    let list = id_list(units);
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

/// One rating as the raw export writes it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RawRating {
    pub id: i64,
    pub unit_id: i64,
    pub unit_code: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub day: NaiveDate,
    pub channel: String,
    pub score: i32,
    pub faces: Option<i32>,
    pub counter_id: Option<i64>,
    pub kiosk_id: Option<i64>,
    pub procedure_code: Option<String>,
    pub dossier_code: Option<String>,
    pub instrument_code: String,
    pub instrument_version: i32,
    /// The rating this one corrects.
    pub corrects_id: Option<i64>,
    /// Why it was set aside, while not cleared (`burst`, `outside_hours`, …).
    pub flag_reason: Option<String>,
    /// A later correction replaced it.
    pub corrected: bool,
}

impl RawRating {
    /// Whether it counts in the indices (the rollups' rule, `rollup::COUNTED`).
    pub fn counted(&self) -> bool {
        self.flag_reason.is_none() && !self.corrected
    }
}

/// Every rating of the units whose path starts with `prefix` in the period, with whether it
/// counts in the indices and why not (so anyone can recompute an index from the export).
pub async fn raw(db: &Db, prefix: &str, p: &Period) -> DbResult<Vec<RawRating>> {
    let like = format!("{prefix}%");
    Ok(db_run!(db, c => sqlx::query_as::<_, RawRating>(
        "SELECT r.id, r.unit_id, u.code AS unit_code, r.created_at, r.day, r.channel, r.score, r.faces,
                r.counter_id, r.kiosk_id, pr.code AS procedure_code, d.code AS dossier_code,
                i.code AS instrument_code, i.version AS instrument_version, r.corrects_id,
                CASE WHEN fl.rating_id IS NOT NULL AND fl.cleared_at IS NULL THEN fl.reason END AS flag_reason,
                EXISTS (SELECT 1 FROM ratings x WHERE x.corrects_id = r.id) AS corrected
           FROM ratings r JOIN units u ON u.id = r.unit_id
           JOIN instruments i ON i.id = r.instrument_id
           LEFT JOIN procedures pr ON pr.id = r.procedure_id
           LEFT JOIN dossiers d ON d.id = r.dossier_id
           LEFT JOIN rating_flags fl ON fl.rating_id = r.id
          WHERE u.path LIKE $1 AND r.day >= $2 AND r.day <= $3
          ORDER BY r.id")
        .bind(&like).bind(p.from).bind(p.to).fetch_all(c).await)?)
}

/// The detailed answers of the same ratings: (rating id, element code, criterion code or none
/// for an answer to the element as a whole, score).
pub async fn raw_answers(
    db: &Db,
    prefix: &str,
    p: &Period,
) -> DbResult<Vec<(i64, String, Option<String>, i32)>> {
    let like = format!("{prefix}%");
    Ok(
        db_run!(db, c => sqlx::query_as::<_, (i64, String, Option<String>, i32)>(
        "SELECT a.rating_id, e.code, cr.code, a.score
           FROM rating_answers a JOIN ratings r ON r.id = a.rating_id JOIN units u ON u.id = r.unit_id
           JOIN instrument_elements e ON e.id = a.element_id
           LEFT JOIN instrument_criteria cr ON cr.id = a.criterion_id
          WHERE u.path LIKE $1 AND r.day >= $2 AND r.day <= $3
          ORDER BY a.rating_id")
        .bind(&like).bind(p.from).bind(p.to).fetch_all(c).await)?,
    )
}

/// A dossier completed in the period, as the raw export writes it (no personal data).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RawDossier {
    pub code: String,
    pub unit_id: i64,
    pub unit_code: String,
    pub procedure_code: Option<String>,
    pub received_at: Option<chrono::DateTime<chrono::Utc>>,
    pub due_at: Option<chrono::DateTime<chrono::Utc>>,
    pub completed_at: chrono::DateTime<chrono::Utc>,
    pub complained: bool,
    /// A counted rating of 1 or 2 of this dossier.
    pub rated_dissatisfied: bool,
}

impl RawDossier {
    /// Completed after its due time.
    pub fn late(&self) -> bool {
        self.due_at.is_some_and(|d| self.completed_at > d)
    }
    /// Counts against Decision 766's third ratio: late, complained about or rated dissatisfied.
    pub fn bad(&self) -> bool {
        self.late() || self.complained || self.rated_dissatisfied
    }
}

/// The dossiers completed in the period by the units whose path starts with `prefix`.
pub async fn raw_dossiers(db: &Db, prefix: &str, p: &Period) -> DbResult<Vec<RawDossier>> {
    let like = format!("{prefix}%");
    let (from, to) = super::period_instants(p);
    let sql = format!(
        "SELECT d.code, d.unit_id, u.code AS unit_code, pr.code AS procedure_code, d.received_at,
                d.due_at, d.completed_at, d.complained,
                EXISTS (SELECT 1 FROM ratings r {} AND r.dossier_id = d.id AND r.score <= 2) AS rated_dissatisfied
           FROM dossiers d JOIN units u ON u.id = d.unit_id LEFT JOIN procedures pr ON pr.id = d.procedure_id
          WHERE u.path LIKE $1 AND d.completed_at >= $2 AND d.completed_at < $3
          ORDER BY d.completed_at, d.id",
        super::rollup::COUNTED
    );
    Ok(db_run!(db, c => sqlx::query_as::<_, RawDossier>(&sql)
        .bind(&like).bind(from).bind(to).fetch_all(c).await)?)
}

/// A criterion of any instrument version, with its element: (criterion id, element id,
/// element code, element name vi, element name en, criterion code, text vi, text en).
pub type CriterionMeta = (i64, i64, String, String, String, String, String, String);

pub async fn criteria_meta(db: &Db) -> DbResult<Vec<CriterionMeta>> {
    Ok(db_run!(db, c => sqlx::query_as::<_, CriterionMeta>(
        "SELECT c.id, e.id, e.code, e.name_vi, e.name_en, c.code, c.text_vi, c.text_en
           FROM instrument_criteria c JOIN instrument_elements e ON e.id = c.element_id
          ORDER BY e.position, c.position, c.id").fetch_all(c).await)?)
}

/// Element ids with their code and names: (id, code, name vi, name en).
pub async fn elements_meta(db: &Db) -> DbResult<Vec<(i64, String, String, String)>> {
    Ok(
        db_run!(db, c => sqlx::query_as::<_, (i64, String, String, String)>(
        "SELECT id, code, name_vi, name_en FROM instrument_elements ORDER BY position, id").fetch_all(c).await)?,
    )
}

/// A low rating with its comment.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LowRating {
    pub id: i64,
    pub unit_name: String,
    pub score: i32,
    pub channel: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub comment: String,
}

/// The latest counted ratings of 1 or 2 with a comment, in the subtree, in the period. Read from
/// the comments backwards in time (few ratings have one), so it stops after `limit` matches
/// instead of scanning the period's ratings.
pub async fn low_ratings(
    db: &Db,
    prefix: &str,
    p: &Period,
    limit: i64,
) -> DbResult<Vec<LowRating>> {
    let like = format!("{prefix}%");
    let (from, to) = super::period_instants(p);
    Ok(db_run!(db, c => sqlx::query_as::<_, LowRating>(
        "SELECT r.id, u.name AS unit_name, r.score, r.channel, r.created_at, cm.comment
           FROM rating_comments cm JOIN ratings r ON r.id = cm.rating_id JOIN units u ON u.id = r.unit_id
           LEFT JOIN rating_flags fl ON fl.rating_id = r.id
          WHERE cm.created_at >= $2 AND cm.created_at < $3 AND u.path LIKE $1 AND r.score <= 2
            AND (fl.rating_id IS NULL OR fl.cleared_at IS NOT NULL)
            AND NOT EXISTS (SELECT 1 FROM ratings x WHERE x.corrects_id = r.id)
          ORDER BY cm.created_at DESC, cm.rating_id DESC LIMIT $4")
        .bind(&like).bind(from).bind(to).bind(limit).fetch_all(c).await)?)
}

/// Feedback-case handling in the subtree for cases received in the period: how many, how many
/// answered, and the mean working days to answer. (Whether they were answered on time is
/// Decision 766's first ratio; how many are overdue now is `db::feedback::counts`.)
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Handling {
    pub received: i64,
    pub answered: i64,
    /// Mean working days from receipt to answer, of the cases answered.
    pub mean_working_days: Option<f64>,
}

pub async fn handling(
    db: &Db,
    cal: &crate::domain::calendar::Calendar,
    prefix: &str,
    p: &Period,
) -> DbResult<Handling> {
    let like = format!("{prefix}%");
    let rows: Vec<(NaiveDate, Option<chrono::DateTime<chrono::Utc>>)> = db_run!(db, c => sqlx::query_as(
        "SELECT f.received_on, f.answered_at
           FROM feedback_cases f JOIN units u ON u.id = f.unit_id
          WHERE u.path LIKE $1 AND f.received_on >= $2 AND f.received_on <= $3")
        .bind(&like).bind(p.from).bind(p.to).fetch_all(c).await)?;
    let mut h = Handling {
        received: rows.len() as i64,
        ..Handling::default()
    };
    let mut days = 0i64;
    for (received, answered_at) in rows {
        if let Some(a) = answered_at {
            h.answered += 1;
            days += cal.working_days_between(received, super::local_date(a));
        }
    }
    h.mean_working_days = (h.answered > 0).then(|| days as f64 / h.answered as f64);
    Ok(h)
}

/// Dialogue sessions held in the subtree in the period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionsHeld {
    pub held: i64,
    pub confirmed: i64,
    pub attended: i64,
    /// No-wait Thursday: (visits with a result handed back, mean minutes, within 60 minutes).
    pub no_wait: (i64, Option<f64>, i64),
}

pub async fn sessions_held(
    db: &Db,
    prefix: &str,
    p: &Period,
    now: chrono::DateTime<chrono::Utc>,
) -> DbResult<SessionsHeld> {
    let like = format!("{prefix}%");
    let (from, to) = super::period_instants(p);
    let to = to.min(now);
    let held: i64 = db_run!(db, c => sqlx::query_scalar(
        "SELECT COUNT(*) FROM dialogue_sessions s JOIN units u ON u.id = s.unit_id
          WHERE u.path LIKE $1 AND s.status = 'published' AND s.ends_at >= $2 AND s.ends_at < $3")
        .bind(&like).bind(from).bind(to).fetch_one(c).await)?;
    #[allow(clippy::type_complexity)]
    let rows: Vec<(
        Option<chrono::DateTime<chrono::Utc>>,
        Option<chrono::DateTime<chrono::Utc>>,
    )> = db_run!(db, c => sqlx::query_as(
        "SELECT su.checked_in_at, su.result_at FROM session_signups su
           JOIN dialogue_sessions s ON s.id = su.session_id JOIN units u ON u.id = s.unit_id
          WHERE u.path LIKE $1 AND s.status = 'published' AND s.ends_at >= $2 AND s.ends_at < $3
            AND su.status = 'confirmed'")
        .bind(&like).bind(from).bind(to).fetch_all(c).await)?;
    let mut out = SessionsHeld {
        held,
        confirmed: rows.len() as i64,
        ..SessionsHeld::default()
    };
    let mut minutes = 0i64;
    for (arrived, result) in rows {
        if arrived.is_some() {
            out.attended += 1;
        }
        if let (Some(a), Some(r)) = (arrived, result) {
            let m = (r - a).num_minutes();
            out.no_wait.0 += 1;
            minutes += m;
            if m <= 60 {
                out.no_wait.2 += 1;
            }
        }
    }
    out.no_wait.1 = (out.no_wait.0 > 0).then(|| minutes as f64 / out.no_wait.0 as f64);
    Ok(out)
}
