//! The leader's home for a subtree and a period: the headline and its change, the five-element
//! index, the trend, the weakest criteria, the latest low ratings, feedback handling (with the
//! same Decision 766 ratio and the same overdue count as the inbox), dialogue sessions.

use super::{subtree_ids, PeriodData, ReportResult};
use crate::db::indices::{Handling, LowRating, SessionsHeld};
use crate::db::{self, units::Unit, Db};
use crate::domain::index::{self, Counts766, ElementInput, Headline, Score766, Tally};
use crate::domain::index_rules::IndexRules;
use crate::domain::period::Period;
use crate::i18n::Lang;
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// An element as the dashboard shows it.
#[derive(Debug, Clone)]
pub struct ElementRow {
    pub code: String,
    pub name: String,
    pub index: Option<f64>,
    pub n: i64,
    /// (criterion text, index, answers)
    pub criteria: Vec<(String, Option<f64>, i64)>,
}

/// A weak criterion: (element name, criterion text, index, answers).
pub type Weak = (String, String, f64, i64);

/// The leader's home.
pub struct Dashboard {
    pub root: Unit,
    pub period: Period,
    pub rules: IndexRules,
    pub head: Headline,
    pub head_prev: Headline,
    pub overall: Option<f64>,
    pub elements: Vec<ElementRow>,
    pub weakest: Vec<Weak>,
    pub trend: Vec<(NaiveDate, Tally)>,
    pub low: Vec<LowRating>,
    pub handling: Handling,
    /// Open cases past their legal deadline now: the inbox's and the digest's count.
    pub overdue_now: i64,
    pub g766: Score766,
    pub c766: Counts766,
    pub sessions: SessionsHeld,
}

/// The five elements of the answers in the period, instrument versions combined at the levels
/// they share: criteria by (element code, criterion code), elements by code.
pub async fn elements(
    db: &Db,
    units: &[i64],
    p: &Period,
    lang: Lang,
) -> ReportResult<(Vec<ElementRow>, Option<f64>)> {
    let crit = db::indices::by_dim(db, units, "criterion", p).await?;
    let own = db::indices::by_dim(db, units, "element", p).await?;
    let meta = db::indices::criteria_meta(db).await?;
    let emeta = db::indices::elements_meta(db).await?;
    let en = lang == Lang::En;
    // element code → (name, criterion code → (text, tally), own tally, first position)
    type Acc = (String, BTreeMap<String, (String, Tally)>, Tally, usize);
    let mut by_code: BTreeMap<String, Acc> = BTreeMap::new();
    for (i, (id, code, vi, en_name)) in emeta.iter().enumerate() {
        let e = by_code.entry(code.clone()).or_insert_with(|| {
            (
                if en { en_name.clone() } else { vi.clone() },
                BTreeMap::new(),
                Tally::default(),
                i,
            )
        });
        if let Some(t) = own.get(id) {
            e.2.add(t);
        }
    }
    for (cid, _eid, ecode, _, _, ccode, tvi, ten) in &meta {
        if let Some(e) = by_code.get_mut(ecode) {
            let c = e
                .1
                .entry(ccode.clone())
                .or_insert_with(|| (if en { ten.clone() } else { tvi.clone() }, Tally::default()));
            if let Some(t) = crit.get(cid) {
                c.1.add(t);
            }
        }
    }
    let mut ordered: Vec<(String, Acc)> = by_code.into_iter().collect();
    ordered.sort_by_key(|(_, a)| a.3);
    let inputs: Vec<ElementInput> = ordered
        .iter()
        .map(|(code, (_, cs, own, _))| ElementInput {
            code,
            criteria: cs.iter().map(|(k, (_, t))| (k.as_str(), *t)).collect(),
            own: *own,
        })
        .collect();
    let ix = index::instrument_index(&inputs);
    let rows = ix
        .elements
        .iter()
        .zip(ordered.iter())
        .map(|(e, (code, (name, cs, _, _)))| ElementRow {
            code: code.clone(),
            name: name.clone(),
            index: e.index,
            n: e.n,
            criteria: e
                .criteria
                .iter()
                .map(|(ccode, v, n)| {
                    let text = cs.get(ccode).map(|c| c.0.clone()).unwrap_or_default();
                    (text, *v, *n)
                })
                .collect(),
        })
        .collect();
    Ok((rows, ix.overall))
}

/// The five weakest criteria with at least 5 answers, weakest first.
pub fn weakest(elements: &[ElementRow]) -> Vec<Weak> {
    let mut w: Vec<Weak> = elements
        .iter()
        .flat_map(|e| {
            e.criteria
                .iter()
                .filter_map(|(text, v, n)| v.map(|v| (e.name.clone(), text.clone(), v, *n)))
                .collect::<Vec<_>>()
        })
        .filter(|c| c.3 >= 5)
        .collect();
    w.sort_by(|a, b| a.2.total_cmp(&b.2));
    w.truncate(5);
    w
}

/// The leader's home for `root`'s subtree and the period `p`.
pub async fn dashboard(db: &Db, root: Unit, p: &Period, lang: Lang) -> ReportResult<Dashboard> {
    let today = db::today();
    let rules = db::indices::rules(db).await?;
    let sample = rules.sample();
    let all = db::units::all(db).await?;
    let ids = subtree_ids(&all, &root.path);
    let (spans, links) = db::units::spans_and_successions(db).await?;
    let cur = PeriodData::load(db, p, &spans, &links, today).await?;
    let prev_t = db::indices::unit_tallies(db, &p.previous()).await?;
    let prev: Tally = ids.iter().filter_map(|u| prev_t.get(u)).sum();
    let head = index::headline(
        &cur.tally_of(&ids),
        cur.dossiers_of(&ids).completed,
        &sample,
    );
    let head_prev = index::headline(&prev, 0, &sample);
    let c766 = cur.counts_766_of(&ids);
    let g766 = index::score_766(&c766, &rules.w766);
    let year = Period::twelve_months_to(p.to.min(today));
    let trend = db::indices::trend(db, &ids, &year).await?;
    let (elements, overall) = elements(db, &ids, p, lang).await?;
    let weakest = weakest(&elements);
    let low = db::indices::low_ratings(db, &root.path, p, 8).await?;
    let cal = db::calendar::load(db).await?;
    let handling = db::indices::handling(db, &cal, &root.path, p).await?;
    let settings = db::calendar::feedback_settings(db).await?;
    let soon = cal.add_working_days(today, settings.due_soon_days);
    let (_, _, overdue_now) = db::feedback::counts(db, &root.path, today, soon).await?;
    let sessions = db::indices::sessions_held(db, &root.path, p, chrono::Utc::now()).await?;
    Ok(Dashboard {
        root,
        period: *p,
        rules,
        head,
        head_prev,
        overall,
        elements,
        weakest,
        trend,
        low,
        handling,
        overdue_now,
        g766,
        c766,
        sessions,
    })
}
