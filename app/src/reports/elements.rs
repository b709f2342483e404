//! The SIPAS elements and criteria of a set of units' answers: criterion → element → overall
//! index, instrument versions combined at the levels they share, and the weakest criteria.

use super::ReportResult;
use crate::db::{self, Db};
use crate::domain::index::{self, ElementInput, Tally};
use crate::domain::period::Period;
use crate::i18n::Lang;
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
