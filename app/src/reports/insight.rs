//! The leaders' insight: when (hour of the week), alerts (a drop against a unit's or counter's
//! own usual level), why (comments by theme), two periods compared, and Decision 766 month by
//! month. Computed here from the database through `domain::insight`; pages only draw it.

use super::{subtree_ids, PeriodData, ReportResult};
use crate::db::{self, indices::DossierCounts, insight::Comment, units::Unit, Db};
use crate::domain::feedback::{judge_766, Counts766 as Feedback766};
use crate::domain::index::{self, Score766, Tally};
use crate::domain::insight::{
    change, drop_test, recent_window, themes_of, Change, DropRule, Theme, Week,
};
use crate::domain::period::Period;
use crate::i18n::Lang;
use chrono::NaiveDate;

/// The working days an alert looks at, and the days of usual level before them.
pub const ALERT_WINDOW_DAYS: u32 = 10;
pub const ALERT_BASELINE_DAYS: i64 = 90;

/// Judges every unit and counter: a drop below its own 99.8 % control limit over the last ten
/// working days (against the ninety days before) raises one alert, kept open while the drop
/// lasts (never raised twice); an open alert whose unit is back within its limits is cleared.
/// Returns the ids of the alerts raised. Safe to run often and on several instances.
pub async fn check_alerts(db: &Db, today: NaiveDate) -> ReportResult<Vec<i64>> {
    let cal = db::calendar::load(db).await?;
    let (from, to) = recent_window(&cal, today, ALERT_WINDOW_DAYS);
    let base_to = from - chrono::Duration::days(1);
    let base_from = from - chrono::Duration::days(ALERT_BASELINE_DAYS);
    let window = db::insight::counter_tallies(db, from, to).await?;
    let baseline = db::insight::counter_tallies(db, base_from, base_to).await?;
    // The whole unit (counter 0) is every answer of the unit, with or without a counter.
    let whole = |m: &std::collections::HashMap<(i64, i64), Tally>| {
        let mut out: std::collections::HashMap<(i64, i64), Tally> = m
            .iter()
            .filter(|((_, k), _)| *k != 0)
            .map(|(k, t)| (*k, *t))
            .collect();
        for ((u, _), t) in m {
            out.entry((*u, 0)).or_default().add(t);
        }
        out
    };
    let (window, baseline) = (whole(&window), whole(&baseline));
    let open = db::insight::open_alerts(db).await?;
    let rule = DropRule::default();
    let mut keys: Vec<(i64, i64)> = window.keys().chain(open.keys()).copied().collect();
    keys.sort_unstable();
    keys.dedup();
    let mut raised = Vec::new();
    let mut tx = db.begin().await?;
    for key in keys {
        let w = window.get(&key).copied().unwrap_or_default();
        let b = baseline.get(&key).copied().unwrap_or_default();
        match (drop_test(&b, &w, &rule), open.get(&key)) {
            (Some(d), None) => {
                let new = db::insight::NewAlert {
                    unit_id: key.0,
                    counter_id: key.1,
                    window_from: from,
                    window_to: to,
                    drop: d,
                    answers: w.n(),
                    baseline: b.n(),
                };
                if let Some(id) = db::insight::raise(&mut tx, &new, today).await? {
                    raised.push(id);
                }
            }
            (None, Some(id)) => db::insight::clear(&mut tx, *id, today).await?,
            _ => {}
        }
    }
    tx.commit().await?;
    Ok(raised)
}

/// [`check_alerts`] once a day (the periodic job calls this often, on every instance).
pub async fn daily_alerts(db: &Db, today: NaiveDate) -> ReportResult<Vec<i64>> {
    if db::insight::claim_alert_day(db, today).await? {
        check_alerts(db, today).await
    } else {
        Ok(Vec::new())
    }
}

/// An alert with the low comments of its stretch.
pub struct AlertView {
    pub alert: db::insight::Alert,
    pub comments: Vec<Comment>,
}

/// The alerts of a subtree (open, and cleared in the last 30 days) with up to three low comments
/// each from the alert's window.
pub async fn alerts(db: &Db, prefix: &str, today: NaiveDate) -> ReportResult<Vec<AlertView>> {
    let mut out = Vec::new();
    for a in db::insight::alerts(db, prefix, today - chrono::Duration::days(30)).await? {
        let comments =
            db::insight::comments(db, &a.unit_path, a.window_from, a.window_to, true, 50)
                .await?
                .into_iter()
                .filter(|c| {
                    c.unit_id == a.unit_id
                        && (a.counter_id == 0 || c.counter_id == Some(a.counter_id))
                })
                .take(3)
                .collect();
        out.push(AlertView { alert: a, comments });
    }
    Ok(out)
}

/// One theme's comments in a period.
pub struct ThemeCount {
    pub theme: Theme,
    pub count: i64,
    /// The newest few comments of the theme.
    pub examples: Vec<Comment>,
}

/// The comments of the subtree in the period grouped by theme (a comment may speak of several),
/// with how many comments there were and how many spoke of no theme.
pub struct Themes {
    pub comments: i64,
    pub unthemed: i64,
    pub themes: Vec<ThemeCount>,
}

/// The most comments read for the themes of one page (the newest).
pub const THEME_COMMENTS: i64 = 5_000;

pub async fn themes(db: &Db, prefix: &str, p: &Period) -> ReportResult<Themes> {
    let themes: Vec<Theme> = db::insight::themes(db)
        .await?
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    let comments = db::insight::comments(db, prefix, p.from, p.to, false, THEME_COMMENTS).await?;
    let mut counts: Vec<ThemeCount> = themes
        .into_iter()
        .map(|theme| ThemeCount {
            theme,
            count: 0,
            examples: Vec::new(),
        })
        .collect();
    let all: Vec<Theme> = counts.iter().map(|c| c.theme.clone()).collect();
    let mut unthemed = 0;
    let n = comments.len() as i64;
    for c in comments {
        let found = themes_of(&c.comment, &all);
        if found.is_empty() {
            unthemed += 1;
        }
        for i in found {
            let t = &mut counts[i];
            t.count += 1;
            if t.examples.len() < 3 {
                t.examples.push(c.clone());
            }
        }
    }
    counts.sort_by_key(|c| std::cmp::Reverse(c.count));
    Ok(Themes {
        comments: n,
        unthemed,
        themes: counts,
    })
}

/// The heat map of a unit (its own answers, or one counter's) in a period.
pub async fn week(db: &Db, unit: &Unit, counter: Option<i64>, p: &Period) -> ReportResult<Week> {
    Ok(db::insight::week(db, &[unit.id], counter, p).await?)
}

/// One figure of two periods side by side.
pub struct Compared {
    pub a: Tally,
    pub b: Tally,
    pub change: Option<Change>,
}

impl Compared {
    fn of(a: Tally, b: Tally) -> Compared {
        Compared {
            change: change(&a, &b),
            a,
            b,
        }
    }
}

/// Two periods of a subtree side by side: the headline and each element, each with its change
/// and whether the change is beyond chance.
pub struct Comparison {
    pub root: Unit,
    pub a: Period,
    pub b: Period,
    pub headline: Compared,
    /// (element name, element index A, element index B — the dashboard's, the mean of its
    /// criteria — and every answer to it pooled, on which the change is tested)
    pub elements: Vec<(String, Option<f64>, Option<f64>, Compared)>,
    pub g766: (Score766, Score766),
    /// Decision 766's three ratios as (part, whole) in A and B, with their change tested.
    pub ratios: [Compared; 3],
}

pub async fn compare(
    db: &Db,
    root: Unit,
    a: &Period,
    b: &Period,
    lang: Lang,
) -> ReportResult<Comparison> {
    let all = db::units::all(db).await?;
    let ids = subtree_ids(&all, &root.path);
    let (spans, links) = db::units::spans_and_successions(db).await?;
    let today = db::today();
    let rules = db::indices::rules(db).await?;
    let da = PeriodData::load(db, a, &spans, &links, today).await?;
    let dbb = PeriodData::load(db, b, &spans, &links, today).await?;
    // Elements: the share satisfied of every answer to the element's criteria (pooled), so
    // that a change can be tested; the dashboard's element index averages its criteria.
    let elements_a = element_tallies(db, &ids, a).await?;
    let elements_b = element_tallies(db, &ids, b).await?;
    let en = lang == Lang::En;
    let (shown_a, _) = super::elements::elements(db, &ids, a, lang).await?;
    let (shown_b, _) = super::elements::elements(db, &ids, b, lang).await?;
    let shown = |rows: &[super::elements::ElementRow], code: &str| {
        rows.iter().find(|e| e.code == code).and_then(|e| e.index)
    };
    let elements = elements_a
        .iter()
        .map(|(code, (vi, en_name, t))| {
            let other = elements_b
                .iter()
                .find(|(c, _)| c == code)
                .map(|(_, x)| x.2)
                .unwrap_or_default();
            (
                if en { en_name.clone() } else { vi.clone() },
                shown(&shown_a, code),
                shown(&shown_b, code),
                Compared::of(*t, other),
            )
        })
        .collect();
    let (ca, cb) = (da.counts_766_of(&ids), dbb.counts_766_of(&ids));
    // A ratio k/n as answers: k "satisfied", n − k not.
    let part = |k: i64, n: i64| Tally::new((n - k).max(0), 0, 0, 0, k.max(0));
    let ratios = [
        Compared::of(
            part(ca.cases_on_time, ca.cases_in_authority),
            part(cb.cases_on_time, cb.cases_in_authority),
        ),
        Compared::of(
            part(ca.cases - ca.cases_dissatisfied_or_overdue, ca.cases),
            part(cb.cases - cb.cases_dissatisfied_or_overdue, cb.cases),
        ),
        Compared::of(
            part(ca.dossiers - ca.dossiers_bad, ca.dossiers),
            part(cb.dossiers - cb.dossiers_bad, cb.dossiers),
        ),
    ];
    Ok(Comparison {
        headline: Compared::of(da.tally_of(&ids), dbb.tally_of(&ids)),
        g766: (
            index::score_766(&ca, &rules.w766),
            index::score_766(&cb, &rules.w766),
        ),
        ratios,
        elements,
        root,
        a: *a,
        b: *b,
    })
}

/// Every answer to each element (its criteria and the element as a whole), by element code.
async fn element_tallies(
    db: &Db,
    units: &[i64],
    p: &Period,
) -> ReportResult<Vec<(String, (String, String, Tally))>> {
    let crit = db::indices::by_dim(db, units, "criterion", p).await?;
    let own = db::indices::by_dim(db, units, "element", p).await?;
    let meta = db::indices::criteria_meta(db).await?;
    let emeta = db::indices::elements_meta(db).await?;
    let mut out: Vec<(String, (String, String, Tally))> = Vec::new();
    for (id, code, vi, en) in &emeta {
        let pos = match out.iter().position(|(c, _)| c == code) {
            Some(p) => p,
            None => {
                out.push((code.clone(), (vi.clone(), en.clone(), Tally::default())));
                out.len() - 1
            }
        };
        if let Some(t) = own.get(id) {
            out[pos].1 .2.add(t);
        }
    }
    for (cid, _, ecode, ..) in &meta {
        if let (Some(t), Some(e)) = (crit.get(cid), out.iter_mut().find(|(c, _)| c == ecode)) {
            e.1 .2.add(t);
        }
    }
    Ok(out)
}

/// Decision 766's satisfaction group of a subtree month by month (the twelve months to `end`).
pub async fn g766_by_month(
    db: &Db,
    root: &Unit,
    end: NaiveDate,
) -> ReportResult<Vec<(NaiveDate, Score766)>> {
    let all = db::units::all(db).await?;
    let ids = subtree_ids(&all, &root.path);
    let rules = db::indices::rules(db).await?;
    let today = db::today();
    let year = Period::twelve_months_to(end);
    // The subtree's feedback of the whole year in one read, judged month by month (the rule
    // keeps a case in a month by its deadline or its answer falling in it).
    let facts = db::feedback::facts_766(db, &root.path, year.from, year.to).await?;
    let dossiers_by_month = db::indices::dossiers_by_month(db, &year).await?;
    let mut out = Vec::new();
    for m in year.months() {
        use chrono::Datelike;
        let Some(p) = Period::month(m.year(), m.month()) else {
            continue;
        };
        let mut f = Feedback766::default();
        for c in facts.iter().filter(|c| ids.contains(&c.unit_id)) {
            if let Some(v) = judge_766(&c.facts, p.from, p.to, today) {
                f.add(v);
            }
        }
        let d: DossierCounts = dossiers_by_month
            .get(&p.from)
            .map(|month| ids.iter().filter_map(|u| month.get(u)).copied().sum())
            .unwrap_or_default();
        out.push((
            m,
            index::score_766(&f.with_dossiers(d.completed, d.bad), &rules.w766),
        ));
    }
    Ok(out)
}
