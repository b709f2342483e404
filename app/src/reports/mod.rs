//! The read model of the reports: every figure a leader, an export or the read API shows about
//! satisfaction, Decision 766 and rankings is computed here, once, from the rollups and the raw
//! records, by the pure rules of `domain::index`. The HTML pages, the CSV and XLSX exports and
//! `/api/v1/indices` only render what these functions return, so they cannot disagree.
//!
//! * [`ranking`]: the ranking of each peer group for a period (Wilson lower bound, units with
//!   too few answers apart, mergers re-aggregated, the funnel plot's zones, Decision 766);
//! * [`unit`]: one unit's figures (its ranking row, subtree, trend, breakdowns);
//! * [`dashboard`]: the leader's home for a subtree;
//! * [`export`]: the CSV and XLSX files anyone can recompute everything from.

pub mod dashboard;
pub mod elements;
pub mod export;
pub mod insight;
pub mod ranking;
pub mod subscription;
pub mod unit;

use crate::db::indices::DossierCounts;
use crate::db::{self, Db, DbError};
use crate::domain::feedback::{judge_766, Counts766 as Feedback766};
use crate::domain::index::{Counts766, Tally};
use crate::domain::period::Period;
use crate::domain::unit::{fold_for_period, Fold, Span, Succession};
use std::collections::HashMap;

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("writing the export failed: {0}")]
    Export(String),
}

pub type ReportResult<T> = Result<T, ReportError>;

/// Everything counted in one period, per unit as recorded, with the fold that carries ended
/// units' figures to their successors.
#[derive(Debug, Clone)]
pub struct PeriodData {
    pub period: Period,
    /// Counted answers per unit.
    pub tallies: HashMap<i64, Tally>,
    /// Dossiers completed per unit.
    pub dossiers: HashMap<i64, DossierCounts>,
    /// Feedback cases judged for Decision 766 per handling unit.
    pub cases: HashMap<i64, Feedback766>,
    pub fold: Fold,
}

impl PeriodData {
    /// Reads the period's figures of every unit (the province's; a scope only filters rows).
    pub async fn load(
        db: &Db,
        p: &Period,
        spans: &[Span],
        links: &[Succession],
        today: chrono::NaiveDate,
    ) -> ReportResult<PeriodData> {
        let tallies = db::indices::unit_tallies(db, p).await?;
        let dossiers = db::indices::dossiers(db, p).await?;
        let mut cases: HashMap<i64, Feedback766> = HashMap::new();
        for c in db::feedback::facts_766(db, "/", p.from, p.to).await? {
            if let Some(v) = judge_766(&c.facts, p.from, p.to, today) {
                cases.entry(c.unit_id).or_default().add(v);
            }
        }
        Ok(PeriodData {
            period: *p,
            tallies,
            dossiers,
            cases,
            fold: fold_for_period(spans, links, p.from, p.to),
        })
    }

    /// The answers of a set of units.
    pub fn tally_of(&self, units: &[i64]) -> Tally {
        units.iter().filter_map(|u| self.tallies.get(u)).sum()
    }

    /// The dossiers of a set of units.
    pub fn dossiers_of(&self, units: &[i64]) -> DossierCounts {
        units
            .iter()
            .filter_map(|u| self.dossiers.get(u))
            .copied()
            .sum()
    }

    /// Decision 766's counts of a set of units (feedback judged in the period, dossiers).
    pub fn counts_766_of(&self, units: &[i64]) -> Counts766 {
        let f = units
            .iter()
            .filter_map(|u| self.cases.get(u))
            .fold(Feedback766::default(), |a, c| a.plus(c));
        let d = self.dossiers_of(units);
        f.with_dossiers(d.completed, d.bad)
    }

    /// Whether a unit has anything counted in the period.
    pub fn has_data(&self, unit: i64) -> bool {
        self.tallies.get(&unit).is_some_and(|t| t.n() > 0)
            || self.dossiers.get(&unit).is_some_and(|d| d.completed > 0)
            || self.cases.get(&unit).is_some_and(|c| c.in_authority > 0)
    }
}

/// The units (ids) of a subtree: every unit whose path starts with `prefix`.
pub fn subtree_ids(all: &[db::units::Unit], prefix: &str) -> Vec<i64> {
    all.iter()
        .filter(|u| u.path.starts_with(prefix))
        .map(|u| u.id)
        .collect()
}

/// Decision 766's feedback counts of the cases handled by units under `scope`, judged over
/// `from..=to` on `today` (the same rule as every ranking: `domain::feedback::judge_766`).
pub async fn feedback_766(
    db: &Db,
    scope: &str,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    today: chrono::NaiveDate,
) -> ReportResult<Feedback766> {
    let mut c = Feedback766::default();
    for row in db::feedback::facts_766(db, scope, from, to).await? {
        if let Some(v) = judge_766(&row.facts, from, to, today) {
            c.add(v);
        }
    }
    Ok(c)
}
