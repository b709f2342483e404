//! The ranking of each peer group for a period.
//!
//! Rows are the units in force on the period's last day (an ended unit whose figures no single
//! successor carries keeps a row of its own); an ended unit's answers, dossiers and cases of the
//! whole period go to its successor's row ([`crate::domain::unit::fold_for_period`]). A peer
//! group is always ranked whole across the province, whatever the reader's scope: a leader of
//! one commune sees that commune's place among all the province's communes, never "1 of 1".

use super::{PeriodData, ReportResult};
use crate::db::indices::DossierCounts;
use crate::db::{self, units::Unit, Db};
use crate::domain::index::{
    self, funnel_zone, Counts766, FunnelZone, ParScore, RankInput, Ranked, Score766, Tally,
};
use crate::domain::index_rules::IndexRules;
use crate::domain::period::Period;
use crate::i18n::Lang;
use chrono::NaiveDate;

/// A row's merger: the day its basis changed in the period and the units folded into it.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    pub on: NaiveDate,
    /// (code, name) of each predecessor.
    pub from: Vec<(String, String)>,
}

/// Invitations to rate and their answers for a row, by channel ([`db::journey::INVITATION_CHANNELS`]):
/// (invited, answered). See [`db::journey::responses_by_unit`] for the definitions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Responses {
    pub by_channel: [(i64, i64); 3],
}

impl Responses {
    /// (invited, answered) over every channel.
    pub fn total(&self) -> (i64, i64) {
        self.by_channel
            .iter()
            .fold((0, 0), |(i, a), (x, y)| (i + x, a + y))
    }

    /// The share answered over every channel (none without an invitation).
    pub fn rate(&self) -> Option<f64> {
        let (i, a) = self.total();
        crate::domain::journey::response_rate(a, i)
    }

    /// The share answered on channel `c` (an index into the channels).
    pub fn rate_of(&self, c: usize) -> Option<f64> {
        let (i, a) = self.by_channel[c];
        crate::domain::journey::response_rate(a, i)
    }

    fn add(&mut self, channel: &str, invited: i64, answered: i64) {
        if let Some(c) = db::journey::INVITATION_CHANNELS
            .iter()
            .position(|x| *x == channel)
        {
            self.by_channel[c].0 += invited;
            self.by_channel[c].1 += answered;
        }
    }

    /// The sum over `units` of the period's figures `all`.
    pub fn of(all: &std::collections::HashMap<i64, Responses>, units: &[i64]) -> Responses {
        let mut out = Responses::default();
        for r in units.iter().filter_map(|u| all.get(u)) {
            for (sum, (i, a)) in out.by_channel.iter_mut().zip(r.by_channel) {
                sum.0 += i;
                sum.1 += a;
            }
        }
        out
    }
}

/// The period's invitations and answers per unit (Vietnam days `p.from..=p.to`).
pub async fn responses(
    db: &Db,
    p: &Period,
) -> ReportResult<std::collections::HashMap<i64, Responses>> {
    let (from, to) = db::period_instants(p);
    let mut out: std::collections::HashMap<i64, Responses> = std::collections::HashMap::new();
    for (unit, channel, invited, answered) in db::journey::responses_by_unit(db, from, to).await? {
        out.entry(unit)
            .or_default()
            .add(&channel, invited, answered);
    }
    Ok(out)
}

/// One unit's line in its peer group's ranking.
#[derive(Debug, Clone)]
pub struct RankRow {
    pub unit: Unit,
    pub ranked: Ranked,
    /// The answers behind the headline (counts of each score), predecessors included.
    pub tally: Tally,
    pub par: ParScore,
    pub dossiers: DossierCounts,
    /// Share of the period's dossiers completed late.
    pub late: Option<f64>,
    /// Decision 766's satisfaction group and the counts behind it.
    pub g766: Score766,
    pub c766: Counts766,
    /// Set when units merged into this one inside the period.
    pub merged: Option<Merged>,
    /// Set when the unit ended inside the period and no single successor carries it.
    pub ended: Option<NaiveDate>,
    /// Whether the reader's scope covers this unit (other rows only place it among its peers).
    pub in_scope: bool,
    /// Where the unit falls on the funnel plot around its peer group's share.
    pub zone: Option<FunnelZone>,
    /// The units whose figures this row carries (itself and its predecessors).
    pub members: Vec<i64>,
    /// Invitations to rate sent in the period and how many were answered.
    pub responses: Responses,
}

/// One peer group's ranking: ranked rows first (in rank order), then the rows with too few
/// answers, unranked.
#[derive(Debug, Clone)]
pub struct GroupRanking {
    pub id: i64,
    pub name: String,
    pub rows: Vec<RankRow>,
    /// Every answer of the group's units: the funnel plot's target share.
    pub pooled: Tally,
}

impl GroupRanking {
    /// How many units were ranked.
    pub fn ranked_count(&self) -> i64 {
        self.rows.iter().filter(|r| r.ranked.rank.is_some()).count() as i64
    }
}

/// The rankings of the peer groups a scope touches, and the rules they were made with.
#[derive(Debug, Clone)]
pub struct Rankings {
    pub period: Period,
    pub rules: IndexRules,
    pub groups: Vec<GroupRanking>,
    /// The period's figures of every unit the ranks were computed from (a unit's page reads
    /// its own and its subtree's from here instead of counting again).
    pub data: PeriodData,
}

impl Rankings {
    /// The row of one unit, in whichever group.
    pub fn row(&self, unit: i64) -> Option<(&GroupRanking, &RankRow)> {
        self.groups
            .iter()
            .find_map(|g| g.rows.iter().find(|r| r.unit.id == unit).map(|r| (g, r)))
    }
}

/// Ranks, for the period `p`, every peer group that has a unit inside `scope` (a unit path
/// prefix), with the administrator's rules. Rows outside the scope are kept (marked) so that
/// ranks are ranks among the whole peer group.
pub async fn rankings(db: &Db, scope: &str, p: &Period, lang: Lang) -> ReportResult<Rankings> {
    let rules = db::indices::rules(db).await?;
    let all = db::units::all(db).await?;
    let (spans, links) = db::units::spans_and_successions(db).await?;
    let today = db::today();
    let cur = PeriodData::load(db, p, &spans, &links, today).await?;
    let prev = PeriodData::load(db, &p.previous(), &spans, &links, today).await?;
    let sample = rules.sample();
    let answered = responses(db, p).await?;

    // The rows: units in force on the last day, and ended units that keep a row with figures.
    let mut groups: Vec<(i64, String, Vec<&Unit>)> = Vec::new();
    for u in &all {
        let own_row = cur.fold.row_of(u.id) == u.id;
        if !own_row || !(u.in_force_on(p.to) || cur.has_data(u.id)) || u.effective_from > p.to {
            continue;
        }
        let gid = u.group_id.unwrap_or(0);
        match groups.iter_mut().find(|g| g.0 == gid) {
            Some(g) => g.2.push(u),
            None => {
                let name = match lang {
                    Lang::En => u.group_name_en.clone(),
                    _ => u.group_name_vi.clone(),
                }
                .unwrap_or_else(|| lang.t("idx.no_group"));
                groups.push((gid, name, vec![u]));
            }
        }
    }
    groups.retain(|g| g.2.iter().any(|u| u.path.starts_with(scope)));
    groups.sort_by_key(|g| (g.0 == 0, g.0));

    let mut out = Vec::new();
    for (gid, name, members) in groups {
        let inputs: Vec<RankInput> = members
            .iter()
            .map(|u| {
                let ids = cur.fold.members(u.id);
                RankInput {
                    unit_id: u.id,
                    current: index::headline(
                        &cur.tally_of(&ids),
                        cur.dossiers_of(&ids).completed,
                        &sample,
                    ),
                    // Last period on the same basis: this row's units, summed.
                    previous: Some(index::headline(
                        &prev.tally_of(&ids),
                        prev.dossiers_of(&ids).completed,
                        &sample,
                    ))
                    .filter(|h| h.n > 0),
                }
            })
            .collect();
        let pooled: Tally = members
            .iter()
            .map(|u| cur.tally_of(&cur.fold.members(u.id)))
            .sum();
        let target = pooled.share_satisfied();
        let rows = index::rank(&inputs)
            .into_iter()
            .filter_map(|r| {
                let u = (*members.iter().find(|u| u.id == r.unit_id)?).clone();
                let ids = cur.fold.members(u.id);
                let tally = cur.tally_of(&ids);
                let dossiers = cur.dossiers_of(&ids);
                let late = dossiers.late_share();
                let c766 = cur.counts_766_of(&ids);
                let merged = cur.fold.merged.get(&u.id).map(|(on, from)| Merged {
                    on: *on,
                    from: from
                        .iter()
                        .filter_map(|id| all.iter().find(|x| x.id == *id))
                        .map(|x| (x.code.clone(), x.name.clone()))
                        .collect(),
                });
                Some(RankRow {
                    par: index::par_score(r.headline.share_satisfied, late, &rules.par),
                    g766: index::score_766(&c766, &rules.w766),
                    // Only ranked units are placed against the funnel: below the sample rule a
                    // difference is not judged.
                    zone: target
                        .filter(|_| r.rank.is_some())
                        .and_then(|t| funnel_zone(t, tally.satisfied(), tally.n())),
                    in_scope: u.path.starts_with(scope),
                    ended: u.effective_to.filter(|t| *t < p.to),
                    tally,
                    dossiers,
                    late,
                    c766,
                    merged,
                    responses: Responses::of(&answered, &ids),
                    members: ids,
                    ranked: r,
                    unit: u,
                })
            })
            .collect();
        out.push(GroupRanking {
            id: gid,
            name,
            rows,
            pooled,
        });
    }
    Ok(Rankings {
        period: *p,
        rules,
        groups: out,
        data: cur,
    })
}
