//! One unit's figures for a period: its row of the ranking (the same numbers, rank among its
//! peer group), its subtree, the twelve-month trend across mergers, and the answers by channel,
//! counter and procedure.

use super::ranking::{rankings, GroupRanking, RankRow};
use super::{subtree_ids, ReportResult};
use crate::db::{self, indices::DossierCounts, units::Unit, Db};
use crate::domain::index::{self, Headline, Tally};
use crate::domain::index_rules::IndexRules;
use crate::domain::period::Period;
use crate::i18n::Lang;
use chrono::NaiveDate;
use std::collections::HashMap;

/// A breakdown line: key (channel key, counter id, procedure id; 0 = none), label, answers.
pub type Line = (i64, String, Tally);

/// A unit's page.
pub struct UnitReport {
    pub unit: Unit,
    pub period: Period,
    pub rules: IndexRules,
    /// Its ranking row and group, when it has one in this period.
    pub row: Option<(GroupRanking, RankRow)>,
    /// Its own figures when it has no row (it was merged into another unit in the period).
    pub own: Headline,
    /// The unit carrying its figures when it has no row of its own.
    pub carried_by: Option<Unit>,
    /// Its subtree's figures, when it has units below.
    pub subtree: Option<Headline>,
    /// Twelve months to the end of the period (predecessors' answers summed in).
    pub trend: Vec<(NaiveDate, Tally)>,
    /// The day the basis of the trend changed (the latest merger into the unit).
    pub basis_change: Option<NaiveDate>,
    pub channels: Vec<Line>,
    pub counters: Vec<Line>,
    pub procedures: Vec<Line>,
}

/// The unit and every unit merged into it, back through the chain of predecessors.
fn with_predecessors(links: &[crate::domain::unit::Succession], id: i64) -> Vec<i64> {
    let mut out = vec![id];
    let mut i = 0;
    while i < out.len() && out.len() < 1000 {
        let cur = out[i];
        for l in links {
            if l.successor == cur && !out.contains(&l.predecessor) {
                out.push(l.predecessor);
            }
        }
        i += 1;
    }
    out
}

/// The names of the counters of a subtree, by id ("no counter" for 0 or an unknown id).
pub async fn counter_names(
    db: &Db,
    path: &str,
    lang: Lang,
) -> ReportResult<impl Fn(i64) -> String> {
    let names: HashMap<i64, String> = db::kiosks::counters_in(db, path)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let none = lang.t("idx.no_counter");
    Ok(move |id: i64| names.get(&id).cloned().unwrap_or_else(|| none.clone()))
}

/// The figures of `unit` for `p`.
pub async fn unit_report(db: &Db, unit: Unit, p: &Period, lang: Lang) -> ReportResult<UnitReport> {
    let ranking = rankings(db, &unit.path, p, lang).await?;
    let rules = ranking.rules.clone();
    let sample = rules.sample();
    let row = ranking.row(unit.id).map(|(g, r)| (g.clone(), r.clone()));
    let all = db::units::all(db).await?;
    let (spans, links) = db::units::spans_and_successions(db).await?;
    let (tallies, dossiers) = (&ranking.data.tallies, &ranking.data.dossiers);
    let own_t = tallies.get(&unit.id).copied().unwrap_or_default();
    let own_d = dossiers.get(&unit.id).copied().unwrap_or_default();
    let own = index::headline(&own_t, own_d.completed, &sample);
    let carried_by = match &row {
        Some(_) => None,
        None => {
            let fold = crate::domain::unit::fold_for_period(&spans, &links, p.from, p.to);
            let to = fold.row_of(unit.id);
            (to != unit.id)
                .then(|| all.iter().find(|u| u.id == to).cloned())
                .flatten()
        }
    };
    let sub = subtree_ids(&all, &unit.path);
    let subtree = (sub.len() > 1).then(|| {
        let t: Tally = sub.iter().filter_map(|x| tallies.get(x)).sum();
        let d: DossierCounts = sub.iter().filter_map(|x| dossiers.get(x)).copied().sum();
        index::headline(&t, d.completed, &sample)
    });
    // The trend: twelve months to the end of the period, with every predecessor.
    let chain = with_predecessors(&links, unit.id);
    let year = Period::twelve_months_to(p.to.min(db::today()));
    let trend = db::indices::trend(db, &chain, &year).await?;
    let basis_change = links
        .iter()
        .filter(|l| l.successor == unit.id)
        .map(|l| l.effective_on)
        .max();
    // Breakdowns of the answers the row counts (the unit and what was merged into it).
    let members = row
        .as_ref()
        .map(|(_, r)| r.members.clone())
        .unwrap_or_else(|| vec![unit.id]);
    let mut channels: Vec<Line> = db::indices::by_dim(db, &members, "channel", p)
        .await?
        .into_iter()
        .map(|(k, t)| {
            (
                k,
                lang.t(&format!("channel.{}", db::rollup::channel_of_key(k))),
                t,
            )
        })
        .collect();
    channels.sort_by_key(|c| c.0);
    let names = counter_names(db, &unit.path, lang).await?;
    let mut counters: Vec<Line> = db::indices::by_dim(db, &members, "counter", p)
        .await?
        .into_iter()
        .map(|(k, t)| (k, names(k), t))
        .collect();
    counters.sort_by(|a, b| b.2.n().cmp(&a.2.n()).then(a.1.cmp(&b.1)));
    let by_procedure = db::indices::by_dim(db, &members, "procedure", p).await?;
    let ids: Vec<i64> = by_procedure.keys().copied().filter(|&x| x != 0).collect();
    let known: std::collections::HashMap<i64, String> = db::procedures::get_many(db, &ids)
        .await?
        .into_iter()
        .map(|x| (x.id, format!("{} — {}", x.code, x.name)))
        .collect();
    let mut procedures: Vec<Line> = by_procedure
        .into_iter()
        .map(|(pid, t)| {
            let name = if pid == 0 {
                lang.t("idx.no_procedure")
            } else {
                known.get(&pid).cloned().unwrap_or_else(|| pid.to_string())
            };
            (pid, name, t)
        })
        .collect();
    procedures.sort_by(|a, b| b.2.n().cmp(&a.2.n()).then(a.1.cmp(&b.1)));
    Ok(UnitReport {
        unit,
        period: *p,
        rules,
        row,
        own,
        carried_by,
        subtree,
        trend,
        basis_change,
        channels,
        counters,
        procedures,
    })
}

/// One procedure of a unit: by counter and by channel (`procedure` `None`: answers given
/// without a procedure). Read from the unit's raw ratings of the period.
pub struct ProcedureReport {
    pub head: Headline,
    pub counters: Vec<(String, Tally)>,
    pub channels: Vec<(i64, Tally)>,
}

pub async fn procedure_report(
    db: &Db,
    unit: &Unit,
    procedure: Option<i64>,
    p: &Period,
    lang: Lang,
) -> ReportResult<ProcedureReport> {
    let cells = db::indices::procedure_cells(db, unit.id, procedure, p).await?;
    let mut total = Tally::default();
    let mut by_counter: HashMap<i64, Tally> = HashMap::new();
    let mut by_channel: HashMap<i64, Tally> = HashMap::new();
    for (counter, channel, tl) in &cells {
        total.add(tl);
        by_counter.entry(*counter).or_default().add(tl);
        by_channel.entry(*channel).or_default().add(tl);
    }
    let names = counter_names(db, &unit.path, lang).await?;
    let mut counters: Vec<(String, Tally)> = by_counter
        .into_iter()
        .map(|(k, tl)| (names(k), tl))
        .collect();
    counters.sort_by(|a, b| b.1.n().cmp(&a.1.n()).then(a.0.cmp(&b.0)));
    let mut channels: Vec<(i64, Tally)> = by_channel.into_iter().collect();
    channels.sort_by_key(|c| c.0);
    let rules = db::indices::rules(db).await?;
    Ok(ProcedureReport {
        head: index::headline(
            &total,
            0,
            &index::SampleRule {
                min_answers: 0,
                ..rules.sample()
            },
        ),
        counters,
        channels,
    })
}
