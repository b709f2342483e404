//! The leader's home for a subtree and a period: the headline and its change, the five-element
//! index, the trend, the weakest criteria, the latest low ratings, feedback handling (with the
//! same Decision 766 ratio and the same overdue count as the inbox), dialogue sessions.

pub use super::elements::{elements, weakest, ElementRow, Weak};
use super::{subtree_ids, PeriodData, ReportResult};
use crate::db::indices::{Handling, LowRating, SessionsHeld};
use crate::db::{self, units::Unit, Db};
use crate::domain::index::{self, Counts766, Headline, Score766, Tally};
use crate::domain::index_rules::IndexRules;
use crate::domain::period::Period;
use crate::i18n::Lang;
use chrono::NaiveDate;

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
    /// Drops against their own usual level, with the low comments of their stretch.
    pub alerts: Vec<super::insight::AlertView>,
    /// The period's comments by theme.
    pub themes: super::insight::Themes,
    /// Decision 766's group month by month.
    pub g766_months: Vec<(NaiveDate, Score766)>,
    /// Per child unit of the subtree (the root itself for its own dossiers): apologies sent
    /// in the period and the invitations to rate with their answers, by channel.
    pub by_child: Vec<ChildLine>,
}

/// One child unit's line of the late-dossier and response-rate table.
#[derive(Debug, Clone)]
pub struct ChildLine {
    pub unit_id: i64,
    pub name: String,
    /// Apology texts that left in the period (Circular 01/2018/TT-VPCP).
    pub apologies: i64,
    pub responses: super::ranking::Responses,
}

/// The lines of `root`'s children (and of `root` itself when it has dossiers of its own):
/// each carries its whole subtree.
async fn by_child(db: &Db, all: &[Unit], root: &Unit, p: &Period) -> ReportResult<Vec<ChildLine>> {
    let (from, to) = db::period_instants(p);
    let apologies = db::journey::apologies_by_unit(db, &root.path, from, to).await?;
    let answered = super::ranking::responses(db, p).await?;
    let children: Vec<&Unit> = all
        .iter()
        .filter(|u| u.parent_id == Some(root.id))
        .collect();
    let mut lines: Vec<ChildLine> = Vec::new();
    let line_of = |u: &Unit| -> ChildLine {
        let ids = if u.id == root.id {
            vec![root.id]
        } else {
            subtree_ids(all, &u.path)
        };
        ChildLine {
            unit_id: u.id,
            name: u.name.clone(),
            apologies: apologies
                .iter()
                .filter(|(id, _)| ids.contains(id))
                .map(|(_, n)| n)
                .sum(),
            responses: super::ranking::Responses::of(&answered, &ids),
        }
    };
    let own = line_of(root);
    let has = |l: &ChildLine| l.apologies > 0 || l.responses.total().0 > 0;
    if children.is_empty() || has(&own) {
        lines.push(own);
    }
    for c in children {
        let l = line_of(c);
        if has(&l) || c.in_force_on(p.to) {
            lines.push(l);
        }
    }
    Ok(lines)
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
    let alerts = super::insight::alerts(db, &root.path, today).await?;
    let themes = super::insight::themes(db, &root.path, p).await?;
    let g766_months = super::insight::g766_by_month(db, &root, p.to.min(today)).await?;
    let by_child = by_child(db, &all, &root, p).await?;
    Ok(Dashboard {
        by_child,
        alerts,
        themes,
        g766_months,
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
