//! The index engine: pure arithmetic over the answer counts that SQL aggregates.
//!
//! Nothing here touches the database or the network. The database sums answers into [`Tally`]
//! values (how many people gave each score 1–5) and this module turns them into the numbers
//! shown on dashboards and in reports:
//!
//! * the satisfaction index of a criterion, an element and a whole instrument;
//! * the mean score, the number of answers and a 95 % confidence interval;
//! * the minimum sample a unit needs before its index is trusted, and the ranking of units
//!   inside a peer group (units below the minimum are shown but flagged and ranked last);
//! * trends across unit mergers (counts are summed, indices are never averaged);
//! * the satisfaction group of Decision 766 (18 points) and the provincial PAR-INDEX
//!   satisfaction component (14 points by default).
//!
//! On the 1–5 scale a person is "satisfied" when they answer 4 or 5.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The z value of a two-sided 95 % normal interval.
pub const Z95: f64 = 1.959964;

/// The default margin of error `e` of the sample-size rule (5 %).
pub const DEFAULT_MARGIN: f64 = 0.05;

/// The i18n key returned by [`ParRules::validate`] for rules that are not valid.
pub const RULES_ERR: &str = "idx.err_rules";

// ---------------------------------------------------------------------------------------------
// Tally
// ---------------------------------------------------------------------------------------------

/// Answers on the 1–5 scale for one cell (counts of each score).
///
/// `s[0]` is the number of answers with score 1, …, `s[4]` the number with score 5. Tallies of
/// different cells (units, periods, channels) combine by adding counts, which is the only correct
/// way to pool answers: every answer then weighs the same.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub s: [i64; 5],
}

impl Tally {
    /// A tally from the counts of scores 1, 2, 3, 4 and 5.
    pub fn new(s1: i64, s2: i64, s3: i64, s4: i64, s5: i64) -> Tally {
        Tally {
            s: [s1, s2, s3, s4, s5],
        }
    }

    /// A single answer. A score outside 1..=5 is not a valid answer and gives an empty tally.
    pub fn one(score: i32) -> Tally {
        let mut t = Tally::default();
        if (1..=5).contains(&score) {
            t.s[(score - 1) as usize] = 1;
        }
        t
    }

    /// The number of valid answers: the sum of all five counts.
    pub fn n(&self) -> i64 {
        self.s.iter().fold(0i64, |acc, c| acc.saturating_add(*c))
    }

    /// The number of satisfied answers: count of 4 plus count of 5.
    pub fn satisfied(&self) -> i64 {
        self.s[3].saturating_add(self.s[4])
    }

    /// The sum of all scores: 1·s1 + 2·s2 + 3·s3 + 4·s4 + 5·s5.
    pub fn score_sum(&self) -> i64 {
        self.s
            .iter()
            .zip(1i64..)
            .fold(0i64, |acc, (c, w)| acc.saturating_add(c.saturating_mul(w)))
    }

    /// The mean score, `score_sum / n`, between 1 and 5. `None` when there are no answers.
    pub fn mean(&self) -> Option<f64> {
        let n = self.n();
        (n > 0).then(|| self.score_sum() as f64 / n as f64)
    }

    /// The share of answers that are satisfied, `satisfied / n`, between 0 and 1. This is the
    /// satisfaction index of the cell. `None` when there are no answers.
    pub fn share_satisfied(&self) -> Option<f64> {
        let n = self.n();
        (n > 0).then(|| self.satisfied() as f64 / n as f64)
    }

    /// Adds another tally's counts to this one, score by score.
    pub fn add(&mut self, other: &Tally) {
        for (a, b) in self.s.iter_mut().zip(other.s.iter()) {
            *a = a.saturating_add(*b);
        }
    }

    /// Removes another tally's counts (used for corrections, e.g. answers voided as a burst).
    /// Each count stops at zero: a correction can never leave a negative number of answers.
    pub fn sub(&mut self, other: &Tally) {
        for (a, b) in self.s.iter_mut().zip(other.s.iter()) {
            *a = a.saturating_sub(*b).max(0);
        }
    }
}

impl std::ops::Add for Tally {
    type Output = Tally;
    fn add(self, rhs: Tally) -> Tally {
        let mut t = self;
        Tally::add(&mut t, &rhs);
        t
    }
}

impl std::ops::AddAssign for Tally {
    fn add_assign(&mut self, rhs: Tally) {
        Tally::add(self, &rhs);
    }
}

impl std::iter::Sum for Tally {
    fn sum<I: Iterator<Item = Tally>>(iter: I) -> Tally {
        iter.fold(Tally::default(), |mut acc, t| {
            Tally::add(&mut acc, &t);
            acc
        })
    }
}

impl<'a> std::iter::Sum<&'a Tally> for Tally {
    fn sum<I: Iterator<Item = &'a Tally>>(iter: I) -> Tally {
        iter.fold(Tally::default(), |mut acc, t| {
            Tally::add(&mut acc, t);
            acc
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Confidence interval and sample size
// ---------------------------------------------------------------------------------------------

/// Wilson score interval, 95 % (z = 1.959964), for `k` successes in `n` trials; `None` when
/// `n == 0`. Returns `(low, high)` within [0, 1].
///
/// With p = k / n:
///
/// ```text
///            p + z²/(2n)  ±  z · √( p(1−p)/n + z²/(4n²) )
/// low,high = ---------------------------------------------
///                           1 + z²/n
/// ```
///
/// Unlike the textbook "p ± 1.96·√(p(1−p)/n)", the Wilson interval stays inside [0, 1] and is
/// still sensible for tiny samples and for shares of 0 % or 100 %. `k` outside `0..=n` is
/// clamped into that range.
pub fn wilson(k: i64, n: i64) -> Option<(f64, f64)> {
    if n <= 0 {
        return None;
    }
    let n_f = n as f64;
    let p = k.clamp(0, n) as f64 / n_f;
    let z2 = Z95 * Z95;
    let denom = 1.0 + z2 / n_f;
    let centre = (p + z2 / (2.0 * n_f)) / denom;
    let half = Z95 * (p * (1.0 - p) / n_f + z2 / (4.0 * n_f * n_f)).sqrt() / denom;
    let low = if k <= 0 {
        0.0
    } else {
        (centre - half).clamp(0.0, 1.0)
    };
    let high = if k >= n {
        1.0
    } else {
        (centre + half).clamp(0.0, 1.0)
    };
    Some((low, high))
}

/// The minimum number of answers for an index to be trusted (Yamane's formula):
///
/// ```text
/// n = N / (1 + N·e²)
/// ```
///
/// where N is the number of services delivered (dossiers) in the period and e the margin of
/// error (0.05 by default). The result is rounded UP to a whole number of answers, and is 0
/// when N is 0. Example: N = 1000, e = 0.05 → 1000 / (1 + 1000 × 0.0025) = 1000 / 3.5 = 285.71
/// → 286.
///
/// A margin that is not a positive finite number asks for a census (n = N). The result never
/// exceeds N.
pub fn required_sample(population: i64, margin: f64) -> i64 {
    if population <= 0 {
        return 0;
    }
    if !(margin.is_finite() && margin > 0.0) {
        return population;
    }
    let n_pop = population as f64;
    let raw = n_pop / (1.0 + n_pop * margin * margin);
    // A tiny tolerance so that a quotient which is a whole number up to rounding error
    // (e.g. 199.99999999999997 or 200.00000000000003 for N = 400) is not pushed up by one.
    let up = (raw - 1e-9).ceil();
    (up as i64).clamp(0, population)
}

// ---------------------------------------------------------------------------------------------
// Headline
// ---------------------------------------------------------------------------------------------

/// The headline for one unit/subtree/group and period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Headline {
    /// Number of valid answers.
    pub n: i64,
    /// Mean score on the 1–5 scale.
    pub mean: Option<f64>,
    /// Share of answers that are satisfied (4 or 5): the satisfaction index.
    pub share_satisfied: Option<f64>,
    /// 95 % Wilson interval of the share satisfied.
    pub ci: Option<(f64, f64)>,
    /// Services delivered (dossiers) in the period: N of the sample-size rule.
    pub population: i64,
    /// Minimum answers required, [`required_sample`] of `population`.
    pub required: i64,
    /// Whether the unit has enough answers: `n >= required` and at least one answer.
    pub enough: bool,
}

/// Builds the headline of a tally: count, mean, share satisfied with its 95 % interval, and
/// whether the sample is large enough for `population` dossiers at margin `margin`.
/// `enough = n >= required && n > 0` (a unit with no answers never has enough, even when it
/// delivered no services).
pub fn headline(t: &Tally, population: i64, margin: f64) -> Headline {
    let n = t.n();
    let required = required_sample(population, margin);
    Headline {
        n,
        mean: t.mean(),
        share_satisfied: t.share_satisfied(),
        ci: wilson(t.satisfied(), n),
        population: population.max(0),
        required,
        enough: n > 0 && n >= required,
    }
}

// ---------------------------------------------------------------------------------------------
// Instrument index (criteria → elements → overall)
// ---------------------------------------------------------------------------------------------

/// Detailed answers of ONE instrument version for one element: criterion tallies, plus `own`,
/// the answers given to the element as a whole (the kiosk's second step), which are used only
/// when no criterion of the element has answers.
#[derive(Debug, Clone, PartialEq)]
pub struct ElementInput<'a> {
    pub code: &'a str,
    pub criteria: Vec<(&'a str, Tally)>,
    pub own: Tally,
}

/// The index of one element.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ElementIndex {
    pub code: String,
    /// Mean of the criterion indices that have answers (or the share satisfied of `own`).
    pub index: Option<f64>,
    /// Number of answers behind `index`: the sum of the criterion answers, or of `own` when
    /// the index comes from `own`.
    pub n: i64,
    /// `(criterion code, criterion index, answers)` in input order.
    pub criteria: Vec<(String, Option<f64>, i64)>,
}

/// The index of one instrument version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InstrumentIndex {
    pub elements: Vec<ElementIndex>,
    /// Mean of the element indices that exist; `None` when no element has answers.
    pub overall: Option<f64>,
}

/// The arithmetic mean of the values that exist; `None` when none exists.
fn mean_of_present(values: impl IntoIterator<Item = Option<f64>>) -> Option<f64> {
    let (sum, count) = values
        .into_iter()
        .flatten()
        .fold((0.0f64, 0u32), |(s, c), v| (s + v, c + 1));
    (count > 0).then(|| sum / f64::from(count))
}

/// Criterion index = share satisfied of its answers.
/// Element index = the unweighted mean of its criterion indices that have answers (every
/// criterion counts the same, whatever its number of answers), or the share satisfied of `own`
/// when no criterion has answers. Overall = the unweighted mean of the element indices that
/// exist. Elements and criteria keep their input order.
pub fn instrument_index(elements: &[ElementInput]) -> InstrumentIndex {
    let elements: Vec<ElementIndex> = elements
        .iter()
        .map(|e| {
            let criteria: Vec<(String, Option<f64>, i64)> = e
                .criteria
                .iter()
                .map(|(code, t)| ((*code).to_string(), t.share_satisfied(), t.n()))
                .collect();
            let criteria_n: i64 = criteria.iter().map(|c| c.2.max(0)).sum();
            let from_criteria = mean_of_present(criteria.iter().map(|c| c.1));
            let (index, n) = match from_criteria {
                Some(ix) => (Some(ix), criteria_n),
                None => (e.own.share_satisfied(), e.own.n().max(0)),
            };
            ElementIndex {
                code: e.code.to_string(),
                index,
                n,
                criteria,
            }
        })
        .collect();
    let overall = mean_of_present(elements.iter().map(|e| e.index));
    InstrumentIndex { elements, overall }
}

/// Combining instrument versions is allowed only at the levels they share. Each version is a
/// list of element tallies keyed by element code; the result keeps the codes present in EVERY
/// version (sorted ascending) and, for each, the SUM of its tallies over all versions (repeated
/// codes inside one version are summed too). An element that exists in only some versions is
/// left out, because its index would describe a different set of respondents. No versions give
/// an empty result.
pub fn shared_elements(versions: &[Vec<(String, Tally)>]) -> Vec<(String, Tally)> {
    let Some((first, rest)) = versions.split_first() else {
        return Vec::new();
    };
    let mut combined: BTreeMap<String, Tally> = BTreeMap::new();
    for (code, t) in first {
        Tally::add(combined.entry(code.clone()).or_default(), t);
    }
    for version in rest {
        let mut this: BTreeMap<&str, Tally> = BTreeMap::new();
        for (code, t) in version {
            Tally::add(this.entry(code.as_str()).or_default(), t);
        }
        combined.retain(|code, acc| match this.get(code.as_str()) {
            Some(t) => {
                Tally::add(acc, t);
                true
            }
            None => false,
        });
    }
    combined.into_iter().collect()
}

/// Trend across a unit merger: for each period, sums the tallies of all the given units (the
/// predecessors before the merger and the successor after it). `series` is a list of
/// `(unit_id, period_key, Tally)`; the result is `(period_key, Tally)` in ascending key order.
///
/// The index of a merged period is then `Σ satisfied / Σ n` over the predecessors: each answer
/// weighs the same, so a large predecessor weighs more than a small one. Averaging the
/// predecessors' indices instead would give a small unit the same weight as a large one and
/// is never done.
pub fn merge_series<K: Ord + Clone>(series: &[(i64, K, Tally)]) -> Vec<(K, Tally)> {
    let mut by_period: BTreeMap<K, Tally> = BTreeMap::new();
    for (_unit, key, t) in series {
        Tally::add(by_period.entry(key.clone()).or_default(), t);
    }
    by_period.into_iter().collect()
}

// ---------------------------------------------------------------------------------------------
// Decision 766: satisfaction group
// ---------------------------------------------------------------------------------------------

/// The weights of the three ratios of the Decision 766 satisfaction group (18 points in total
/// by default: 6 + 6 + 6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Weights766 {
    /// r1: feedback cases handled on time.
    pub on_time: f64,
    /// r2: feedback cases the citizen did not mark dissatisfied and that did not go overdue.
    pub not_dissatisfied: f64,
    /// r3: dossiers not rated dissatisfied, not complained about and not overdue.
    pub dossiers: f64,
}

impl Default for Weights766 {
    fn default() -> Self {
        Weights766 {
            on_time: 6.0,
            not_dissatisfied: 6.0,
            dossiers: 6.0,
        }
    }
}

/// The counts behind the Decision 766 satisfaction group, as SQL aggregates them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts766 {
    /// Feedback cases within the unit's authority (denominator of r1).
    pub cases_in_authority: i64,
    /// Of those, cases handled on time (numerator of r1).
    pub cases_on_time: i64,
    /// Feedback cases (denominator of r2).
    pub cases: i64,
    /// Cases the citizen marked dissatisfied, or that went overdue (subtracted in r2).
    pub cases_dissatisfied_or_overdue: i64,
    /// Dossiers (denominator of r3).
    pub dossiers: i64,
    /// Dossiers rated dissatisfied, complained about, or overdue (subtracted in r3).
    pub dossiers_bad: i64,
}

impl std::iter::Sum for Counts766 {
    /// The counts of several units together (a subtree).
    fn sum<I: Iterator<Item = Counts766>>(it: I) -> Counts766 {
        it.fold(Counts766::default(), |a, c| Counts766 {
            cases_in_authority: a.cases_in_authority + c.cases_in_authority,
            cases_on_time: a.cases_on_time + c.cases_on_time,
            cases: a.cases + c.cases,
            cases_dissatisfied_or_overdue: a.cases_dissatisfied_or_overdue
                + c.cases_dissatisfied_or_overdue,
            dossiers: a.dossiers + c.dossiers,
            dossiers_bad: a.dossiers_bad + c.dossiers_bad,
        })
    }
}

/// The Decision 766 satisfaction group of one unit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score766 {
    /// r1, r2, r3; `None` = no data (zero denominator).
    pub ratios: [Option<f64>; 3],
    /// weight_i × ratio_i, or the full weight for a ratio without data.
    pub points: [f64; 3],
    /// Sum of the points.
    pub total: f64,
    /// Sum of the weights (18 by default).
    pub max: f64,
}

/// `part / whole` clamped to [0, 1]; `None` when `whole` is not positive.
fn ratio(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 / whole as f64).clamp(0.0, 1.0))
}

/// Scores the Decision 766 satisfaction group:
///
/// ```text
/// r1 = cases handled on time / cases within the unit's authority
/// r2 = (cases − cases dissatisfied or overdue) / cases
/// r3 = (dossiers − dossiers dissatisfied, complained about or overdue) / dossiers
/// points_i = weight_i × r_i          total = Σ points_i          max = Σ weight_i
/// ```
///
/// A ratio whose denominator is zero has nothing to fault: it earns its full weight, but is
/// reported as `None` ("no data") so that the page does not show a fake 100 %. Ratios are
/// clamped to [0, 1] so that inconsistent counts (more on-time cases than cases) never earn more
/// than the weight or less than nothing.
pub fn score_766(c: &Counts766, w: &Weights766) -> Score766 {
    let ratios = [
        ratio(c.cases_on_time, c.cases_in_authority),
        ratio(
            c.cases.saturating_sub(c.cases_dissatisfied_or_overdue),
            c.cases,
        ),
        ratio(c.dossiers.saturating_sub(c.dossiers_bad), c.dossiers),
    ];
    let weights = [w.on_time, w.not_dissatisfied, w.dossiers];
    let mut points = [0.0f64; 3];
    for ((p, r), wt) in points.iter_mut().zip(ratios.iter()).zip(weights.iter()) {
        *p = wt * r.unwrap_or(1.0);
    }
    Score766 {
        ratios,
        points,
        total: points.iter().sum(),
        max: weights.iter().sum(),
    }
}

// ---------------------------------------------------------------------------------------------
// PAR-INDEX satisfaction component
// ---------------------------------------------------------------------------------------------

/// The provincial PAR-INDEX rules for the satisfaction component, set by an administrator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParRules {
    /// Points for a share satisfied of 100 % (14 by default).
    pub max_points: f64,
    /// Bands from the best: (code, minimum share satisfied), e.g.
    /// `[("excellent", 0.9), ("good", 0.8), ("fair", 0.65), ("poor", 0.0)]`.
    pub bands: Vec<(String, f64)>,
    /// `(threshold, band)`: a unit with at least this share of late dossiers cannot be in this
    /// band or a better one. Default `Some((0.10, "good"))`.
    pub late_cap: Option<(f64, String)>,
}

impl Default for ParRules {
    fn default() -> Self {
        ParRules {
            max_points: 14.0,
            bands: vec![
                ("excellent".to_string(), 0.9),
                ("good".to_string(), 0.8),
                ("fair".to_string(), 0.65),
                ("poor".to_string(), 0.0),
            ],
            late_cap: Some((0.10, "good".to_string())),
        }
    }
}

impl ParRules {
    /// Validates rules typed by an administrator. Every problem returns the same i18n key,
    /// `idx.err_rules` ([`RULES_ERR`]):
    ///
    /// * `max_points` is not a number in (0, 100];
    /// * no bands, an empty or repeated band code, a minimum outside [0, 1], minimums not
    ///   strictly decreasing from the best band, or a last band whose minimum is not 0 (every
    ///   share must fall into some band);
    /// * the late-dossier threshold is not in (0, 1], the cap band is not one of the bands, or
    ///   it is the last band (there would be no band below to move down to).
    pub fn validate(&self) -> Result<(), &'static str> {
        if !(self.max_points.is_finite() && self.max_points > 0.0 && self.max_points <= 100.0) {
            return Err(RULES_ERR);
        }
        let Some(last) = self.bands.last() else {
            return Err(RULES_ERR);
        };
        if last.1 != 0.0 {
            return Err(RULES_ERR);
        }
        for (i, (code, min)) in self.bands.iter().enumerate() {
            if code.trim().is_empty()
                || !min.is_finite()
                || !(0.0..=1.0).contains(min)
                || self.bands[..i].iter().any(|(c, _)| c == code)
            {
                return Err(RULES_ERR);
            }
            if i > 0 && self.bands[i - 1].1 <= *min {
                return Err(RULES_ERR);
            }
        }
        if let Some((threshold, band)) = &self.late_cap {
            let pos = self.bands.iter().position(|(c, _)| c == band);
            let ok_threshold = threshold.is_finite() && *threshold > 0.0 && *threshold <= 1.0;
            match pos {
                Some(p) if ok_threshold && p + 1 < self.bands.len() => {}
                _ => return Err(RULES_ERR),
            }
        }
        Ok(())
    }
}

/// The PAR-INDEX satisfaction component of one unit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParScore {
    /// share satisfied × max points; `None` without answers.
    pub points: Option<f64>,
    /// Band code; `None` without answers.
    pub band: Option<String>,
    /// Whether the late-dossier cap moved the unit down.
    pub capped: bool,
}

/// Scores the PAR-INDEX satisfaction component:
///
/// * points = share satisfied × `max_points` (`None` without answers); the share is clamped
///   to [0, 1];
/// * band = the best band whose minimum the share reaches;
/// * late cap: if `late_share` ≥ the cap threshold and that band is the cap band or a better
///   one, the unit moves down to the band just below the cap band and `capped` is set. The
///   points are not changed by the cap, only the band.
///
/// Rules are expected to have passed [`ParRules::validate`]; with invalid rules the function
/// still returns something sensible (no band if no minimum is reached, no cap if the cap band
/// is unknown or has nothing below it).
pub fn par_score(
    share_satisfied: Option<f64>,
    late_share: Option<f64>,
    rules: &ParRules,
) -> ParScore {
    let Some(share) = share_satisfied.filter(|s| !s.is_nan()) else {
        return ParScore {
            points: None,
            band: None,
            capped: false,
        };
    };
    let share = share.clamp(0.0, 1.0);
    let points = Some(share * rules.max_points);
    let mut band_ix = rules.bands.iter().position(|(_, min)| share >= *min);
    let mut capped = false;
    if let (Some(ix), Some(late), Some((threshold, cap_band))) =
        (band_ix, late_share, rules.late_cap.as_ref())
    {
        if let Some(cap_ix) = rules.bands.iter().position(|(c, _)| c == cap_band) {
            if late >= *threshold && ix <= cap_ix && cap_ix + 1 < rules.bands.len() {
                band_ix = Some(cap_ix + 1);
                capped = true;
            }
        }
    }
    ParScore {
        points,
        band: band_ix
            .and_then(|i| rules.bands.get(i))
            .map(|(c, _)| c.clone()),
        capped,
    }
}

// ---------------------------------------------------------------------------------------------
// Ranking
// ---------------------------------------------------------------------------------------------

/// One unit of a peer group to rank: this period's headline and, optionally, last period's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankInput {
    pub unit_id: i64,
    pub current: Headline,
    pub previous: Option<Headline>,
}

/// One row of a ranking.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ranked {
    pub unit_id: i64,
    /// 1-based competition rank; `None` for a flagged unit.
    pub rank: Option<i64>,
    /// The rank the unit had in the previous period, computed the same way.
    pub previous_rank: Option<i64>,
    /// `previous_rank − rank`: positive = moved up.
    pub change: Option<i64>,
    pub headline: Headline,
    /// Fewer answers than required: shown, but not ranked.
    pub flagged: bool,
}

/// Descending order of optional values, with `None` last.
fn desc(a: Option<f64>, b: Option<f64>) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) => y.total_cmp(&x),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// The ranking order: share satisfied (desc), mean (desc), answers (desc), unit id (asc).
fn rank_order(a: (i64, &Headline), b: (i64, &Headline)) -> Ordering {
    desc(a.1.share_satisfied, b.1.share_satisfied)
        .then_with(|| desc(a.1.mean, b.1.mean))
        .then_with(|| b.1.n.cmp(&a.1.n))
        .then_with(|| a.0.cmp(&b.0))
}

/// Competition ranks ("1, 1, 3") of the units whose headline has enough answers, keyed by unit id.
/// Two units tie when both their share satisfied and their mean are equal.
fn competition_ranks<'a>(items: impl Iterator<Item = (i64, &'a Headline)>) -> BTreeMap<i64, i64> {
    let mut ok: Vec<(i64, &Headline)> = items.filter(|(_, h)| h.enough).collect();
    ok.sort_by(|a, b| rank_order(*a, *b));
    let mut ranks = BTreeMap::new();
    let mut prev: Option<(&Headline, i64)> = None;
    for (pos, (id, h)) in ok.into_iter().enumerate() {
        let r = match prev {
            Some((p, r)) if p.share_satisfied == h.share_satisfied && p.mean == h.mean => r,
            _ => pos as i64 + 1,
        };
        ranks.insert(id, r);
        prev = Some((h, r));
    }
    ranks
}

/// Ranks units inside a peer group.
///
/// Units with enough answers are ranked 1.. by share satisfied (desc), ties by mean (desc),
/// then by n (desc), then unit id (asc); units tied on both share AND mean share the same rank
/// (competition ranking 1, 1, 3), although n and id still decide the order they are listed in.
/// Units without enough answers come after, flagged, ordered the same way, with rank `None`.
///
/// `previous_rank` is computed the same way over `previous` (units with no previous headline,
/// or without enough previous answers, get `None`). `change = previous_rank − rank` (positive
/// = moved up) when both exist.
pub fn rank(units: &[RankInput]) -> Vec<Ranked> {
    let current = competition_ranks(units.iter().map(|u| (u.unit_id, &u.current)));
    let previous = competition_ranks(
        units
            .iter()
            .filter_map(|u| u.previous.as_ref().map(|p| (u.unit_id, p))),
    );
    let mut order: Vec<&RankInput> = units.iter().collect();
    order.sort_by(|a, b| {
        b.current
            .enough
            .cmp(&a.current.enough)
            .then_with(|| rank_order((a.unit_id, &a.current), (b.unit_id, &b.current)))
    });
    order
        .into_iter()
        .map(|u| {
            let rank = if u.current.enough {
                current.get(&u.unit_id).copied()
            } else {
                None
            };
            let previous_rank = previous.get(&u.unit_id).copied();
            let change = match (previous_rank, rank) {
                (Some(p), Some(r)) => Some(p - r),
                _ => None,
            };
            Ranked {
                unit_id: u.unit_id,
                rank,
                previous_rank,
                change,
                headline: u.current.clone(),
                flagged: !u.current.enough,
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[track_caller]
    fn assert_close(a: f64, b: f64, tol: f64) {
        assert!(close(a, b, tol), "{a} is not within {tol} of {b}");
    }

    #[track_caller]
    fn assert_some_close(a: Option<f64>, b: f64, tol: f64) {
        match a {
            Some(x) => assert_close(x, b, tol),
            None => panic!("expected Some({b}), got None"),
        }
    }

    // ---------------------------------------------------------------- Tally

    #[test]
    fn tally_by_hand() {
        // Scores 1..5 counted 1, 2, 3, 4, 5 times:
        //   n         = 1+2+3+4+5                     = 15
        //   satisfied = 4+5                           = 9
        //   score_sum = 1·1 + 2·2 + 3·3 + 4·4 + 5·5   = 1+4+9+16+25 = 55
        //   mean      = 55/15                         = 3.6667
        //   share     = 9/15                          = 0.6
        let t = Tally::new(1, 2, 3, 4, 5);
        assert_eq!(t.s, [1, 2, 3, 4, 5]);
        assert_eq!(t.n(), 15);
        assert_eq!(t.satisfied(), 9);
        assert_eq!(t.score_sum(), 55);
        assert_some_close(t.mean(), 55.0 / 15.0, 1e-12);
        assert_some_close(t.share_satisfied(), 0.6, 1e-12);
    }

    #[test]
    fn tally_empty_has_no_mean_or_share() {
        let t = Tally::default();
        assert_eq!(t.n(), 0);
        assert_eq!(t.satisfied(), 0);
        assert_eq!(t.score_sum(), 0);
        assert_eq!(t.mean(), None);
        assert_eq!(t.share_satisfied(), None);
    }

    #[test]
    fn tally_one() {
        assert_eq!(Tally::one(1), Tally::new(1, 0, 0, 0, 0));
        assert_eq!(Tally::one(3), Tally::new(0, 0, 1, 0, 0));
        assert_eq!(Tally::one(5), Tally::new(0, 0, 0, 0, 1));
        assert_eq!(Tally::one(4).satisfied(), 1);
        assert_eq!(Tally::one(3).satisfied(), 0);
        // Outside the scale: not an answer.
        assert_eq!(Tally::one(0), Tally::default());
        assert_eq!(Tally::one(6), Tally::default());
        assert_eq!(Tally::one(-1), Tally::default());
    }

    #[test]
    fn tally_add_sub_sum() {
        // (1,0,2,0,3) + (0,1,1,1,1) = (1,1,3,1,4)
        let a = Tally::new(1, 0, 2, 0, 3);
        let b = Tally::new(0, 1, 1, 1, 1);
        let mut c = a;
        c.add(&b);
        assert_eq!(c, Tally::new(1, 1, 3, 1, 4));
        assert_eq!(a + b, Tally::new(1, 1, 3, 1, 4));
        let mut d = a;
        d += b;
        assert_eq!(d, c);

        // Correction: (1,1,3,1,4) − (0,1,1,1,1) = (1,0,2,0,3) = a
        c.sub(&b);
        assert_eq!(c, a);
        // Saturates per cell: (1,0,2,0,3) − (2,1,1,0,5) = (max(−1,0), max(−1,0), 1, 0, max(−2,0))
        c.sub(&Tally::new(2, 1, 1, 0, 5));
        assert_eq!(c, Tally::new(0, 0, 1, 0, 0));

        // Sum of answers one by one: 5, 4, 4, 1 → (1,0,0,2,1)
        let s: Tally = [5, 4, 4, 1].iter().map(|&x| Tally::one(x)).sum();
        assert_eq!(s, Tally::new(1, 0, 0, 2, 1));
        let by_ref: Tally = [a, b].iter().sum();
        assert_eq!(by_ref, a + b);
        let none: Tally = std::iter::empty::<Tally>().sum();
        assert_eq!(none, Tally::default());
    }

    // ---------------------------------------------------------------- Wilson

    #[test]
    fn wilson_known_values() {
        // k = 8, n = 10: p = 0.8, z² = 3.841459, z²/n = 0.3841459, denom = 1.3841459
        //   centre = (0.8 + 0.1920730) / 1.3841459 = 0.716742
        //   half   = 1.959964 · √(0.016 + 0.0096036) / 1.3841459
        //          = 1.959964 · 0.160011 / 1.3841459 = 0.226577
        //   → (0.4902, 0.9433)
        let (lo, hi) = wilson(8, 10).unwrap();
        assert_close(lo, 0.4902, 1e-4);
        assert_close(hi, 0.9433, 1e-4);

        // k = 50, n = 100: symmetric around 0.5 → (0.4038, 0.5962)
        let (lo, hi) = wilson(50, 100).unwrap();
        assert_close(lo, 0.4038, 1e-4);
        assert_close(hi, 0.5962, 1e-4);
        assert_close(lo + hi, 1.0, 1e-12);
    }

    #[test]
    fn wilson_edges() {
        assert_eq!(wilson(0, 0), None);
        assert_eq!(wilson(3, 0), None);
        assert_eq!(wilson(0, -5), None);

        // k = 0, n = 10: low = 0 exactly; high = 2 · centre = 2 · 0.1920730 / 1.3841459 = 0.2775
        let (lo, hi) = wilson(0, 10).unwrap();
        assert_eq!(lo, 0.0);
        assert_close(hi, 0.2775, 1e-4);

        // k = n = 10: mirror image → (1 − 0.2775, 1) = (0.7225, 1)
        let (lo, hi) = wilson(10, 10).unwrap();
        assert_close(lo, 0.7225, 1e-4);
        assert_eq!(hi, 1.0);

        // Out-of-range k is clamped.
        assert_eq!(wilson(12, 10), wilson(10, 10));
        assert_eq!(wilson(-1, 10), wilson(0, 10));

        // Always inside [0, 1] and around p.
        for n in 1..=40 {
            for k in 0..=n {
                let (lo, hi) = wilson(k, n).unwrap();
                let p = k as f64 / n as f64;
                assert!((0.0..=1.0).contains(&lo) && (0.0..=1.0).contains(&hi));
                assert!(lo <= p + 1e-12 && p <= hi + 1e-12, "k={k} n={n}");
            }
        }
    }

    // ---------------------------------------------------------------- sample size

    #[test]
    fn required_sample_by_hand() {
        // 1000 / (1 + 1000 · 0.0025) = 1000 / 3.5 = 285.71 → 286
        assert_eq!(required_sample(1000, 0.05), 286);
        // 50 / (1 + 50 · 0.0025) = 50 / 1.125 = 44.44 → 45
        assert_eq!(required_sample(50, 0.05), 45);
        // 400 / (1 + 1) = 200 exactly (must not become 201 through rounding error)
        assert_eq!(required_sample(400, 0.05), 200);
        // 10 / 1.025 = 9.756 → 10 (a small unit must ask almost everyone)
        assert_eq!(required_sample(10, 0.05), 10);
        // 1 / 1.0025 = 0.9975 → 1
        assert_eq!(required_sample(1, 0.05), 1);
        // 100 000 / (1 + 250) = 398.41 → 399
        assert_eq!(required_sample(100_000, 0.05), 399);
        // e = 0.1: 1000 / (1 + 10) = 90.9 → 91
        assert_eq!(required_sample(1000, 0.1), 91);
        assert_eq!(required_sample(0, 0.05), 0);
        assert_eq!(required_sample(-3, 0.05), 0);
        // No usable margin → census.
        assert_eq!(required_sample(1000, 0.0), 1000);
        assert_eq!(required_sample(1000, f64::NAN), 1000);
        assert_eq!(DEFAULT_MARGIN, 0.05);
    }

    // ---------------------------------------------------------------- headline

    #[test]
    fn headline_tiny_sample() {
        // 3 answers: one 3, one 4, one 5; the unit delivered N = 50 dossiers.
        //   n = 3, satisfied = 2, share = 2/3 = 0.6667, mean = (3+4+5)/3 = 4.0
        //   required = ⌈50 / 1.125⌉ = ⌈44.44⌉ = 45 → 3 < 45 → not enough
        //   Wilson(2, 3): p = 0.6667, denom = 1 + 3.841459/3 = 2.280486,
        //     centre = (0.6667 + 0.640243) / 2.280486 = 0.573078,
        //     half = 1.959964 · √(0.074074 + 0.106707) / 2.280486 = 0.365422
        //     → (0.2077, 0.9385): very wide, as it should be with 3 answers.
        let h = headline(&Tally::new(0, 0, 1, 1, 1), 50, 0.05);
        assert_eq!(h.n, 3);
        assert_some_close(h.mean, 4.0, 1e-12);
        assert_some_close(h.share_satisfied, 2.0 / 3.0, 1e-12);
        let (lo, hi) = h.ci.unwrap();
        assert_close(lo, 0.2077, 1e-4);
        assert_close(hi, 0.9385, 1e-4);
        assert_eq!(h.population, 50);
        assert_eq!(h.required, 45);
        assert!(!h.enough);
    }

    #[test]
    fn headline_enough_and_empty() {
        // 45 answers for N = 50 → required 45 → enough (n >= required).
        let h = headline(&Tally::new(0, 5, 10, 20, 10), 50, 0.05);
        assert_eq!(h.n, 45);
        assert!(h.enough);
        // 44 answers → one short.
        let h = headline(&Tally::new(0, 4, 10, 20, 10), 50, 0.05);
        assert!(!h.enough);
        // No services and no answers: required 0, but no answers is never enough.
        let h = headline(&Tally::default(), 0, 0.05);
        assert_eq!(h.required, 0);
        assert_eq!(h.mean, None);
        assert_eq!(h.share_satisfied, None);
        assert_eq!(h.ci, None);
        assert!(!h.enough);
        // Answers but no dossiers recorded: required 0 → enough.
        assert!(headline(&Tally::one(5), 0, 0.05).enough);
    }

    // ---------------------------------------------------------------- instrument

    #[test]
    fn instrument_index_by_hand() {
        // Element A (two criteria):
        //   A1 = (0,1,1,3,5): n 10, satisfied 3+5 = 8 → 8/10 = 0.80
        //   A2 = (1,1,2,2,4): n 10, satisfied 2+4 = 6 → 6/10 = 0.60
        //   A  = (0.80 + 0.60) / 2 = 0.70, n = 20
        // Element B (two criteria, different sizes; criteria weigh the same):
        //   B1 = (0,0,1,1,2): n 4, satisfied 3 → 0.75
        //   B2 = (2,2,0,0,0): n 4, satisfied 0 → 0.00
        //   B  = (0.75 + 0.00) / 2 = 0.375, n = 8
        // Element C (kiosk second step only: its criterion has no answers):
        //   C1 = empty → None
        //   own = (1,0,1,1,2): n 5, satisfied 3 → 3/5 = 0.60; n = 5
        // Element D: nothing at all → None (left out of the overall mean)
        // Overall = (0.70 + 0.375 + 0.60) / 3 = 1.675 / 3 = 0.558333
        let input = vec![
            ElementInput {
                code: "A",
                criteria: vec![
                    ("A1", Tally::new(0, 1, 1, 3, 5)),
                    ("A2", Tally::new(1, 1, 2, 2, 4)),
                ],
                own: Tally::default(),
            },
            ElementInput {
                code: "B",
                criteria: vec![
                    ("B1", Tally::new(0, 0, 1, 1, 2)),
                    ("B2", Tally::new(2, 2, 0, 0, 0)),
                ],
                own: Tally::default(),
            },
            ElementInput {
                code: "C",
                criteria: vec![("C1", Tally::default())],
                own: Tally::new(1, 0, 1, 1, 2),
            },
            ElementInput {
                code: "D",
                criteria: vec![],
                own: Tally::default(),
            },
        ];
        let ix = instrument_index(&input);
        assert_eq!(ix.elements.len(), 4);

        let a = &ix.elements[0];
        assert_eq!(a.code, "A");
        assert_some_close(a.index, 0.70, 1e-12);
        assert_eq!(a.n, 20);
        assert_eq!(a.criteria.len(), 2);
        assert_eq!(a.criteria[0].0, "A1");
        assert_some_close(a.criteria[0].1, 0.80, 1e-12);
        assert_eq!(a.criteria[0].2, 10);
        assert_eq!(a.criteria[1].0, "A2");
        assert_some_close(a.criteria[1].1, 0.60, 1e-12);

        let b = &ix.elements[1];
        assert_some_close(b.index, 0.375, 1e-12);
        assert_eq!(b.n, 8);

        let c = &ix.elements[2];
        assert_eq!(c.code, "C");
        assert_some_close(c.index, 0.60, 1e-12);
        assert_eq!(c.n, 5);
        assert_eq!(c.criteria, vec![("C1".to_string(), None, 0)]);

        let d = &ix.elements[3];
        assert_eq!(d.index, None);
        assert_eq!(d.n, 0);

        assert_some_close(ix.overall, 1.675 / 3.0, 1e-12);
    }

    #[test]
    fn instrument_index_own_ignored_when_criteria_answered() {
        // Criterion (0,0,0,0,2) → 1.0; own (2,0,0,0,0) would give 0.0 but is not used.
        let ix = instrument_index(&[ElementInput {
            code: "E",
            criteria: vec![("E1", Tally::new(0, 0, 0, 0, 2)), ("E2", Tally::default())],
            own: Tally::new(2, 0, 0, 0, 0),
        }]);
        assert_some_close(ix.elements[0].index, 1.0, 1e-12);
        assert_eq!(ix.elements[0].n, 2);
        assert_some_close(ix.overall, 1.0, 1e-12);
        // Empty instrument.
        let empty = instrument_index(&[]);
        assert!(empty.elements.is_empty());
        assert_eq!(empty.overall, None);
    }

    #[test]
    fn shared_elements_two_versions() {
        // v1 has A, B; v2 has B, A, C (C is new in v2). Shared = A, B, summed:
        //   A: (0,0,1,2,1) + (0,0,0,1,1) = (0,0,1,3,2)  → 5/6 satisfied
        //   B: (1,0,0,1,0) + (0,1,0,0,1) = (1,1,0,1,1)  → 2/4 satisfied
        //   C only in v2 → dropped.
        let v1 = vec![
            ("B".to_string(), Tally::new(1, 0, 0, 1, 0)),
            ("A".to_string(), Tally::new(0, 0, 1, 2, 1)),
        ];
        let v2 = vec![
            ("B".to_string(), Tally::new(0, 1, 0, 0, 1)),
            ("C".to_string(), Tally::new(0, 0, 0, 0, 3)),
            ("A".to_string(), Tally::new(0, 0, 0, 1, 1)),
        ];
        let shared = shared_elements(&[v1.clone(), v2.clone()]);
        assert_eq!(
            shared,
            vec![
                ("A".to_string(), Tally::new(0, 0, 1, 3, 2)),
                ("B".to_string(), Tally::new(1, 1, 0, 1, 1)),
            ]
        );
        assert_some_close(shared[0].1.share_satisfied(), 5.0 / 6.0, 1e-12);
        // Order of versions does not matter.
        assert_eq!(shared_elements(&[v2.clone(), v1]), shared);
        // A single version: every code, sorted; repeated codes summed.
        let mut v3 = v2;
        v3.push(("A".to_string(), Tally::one(1)));
        assert_eq!(
            shared_elements(&[v3]),
            vec![
                ("A".to_string(), Tally::new(1, 0, 0, 1, 1)),
                ("B".to_string(), Tally::new(0, 1, 0, 0, 1)),
                ("C".to_string(), Tally::new(0, 0, 0, 0, 3)),
            ]
        );
        assert!(shared_elements(&[]).is_empty());
        // A version with no elements shares nothing.
        assert!(shared_elements(&[shared.clone(), Vec::new()]).is_empty());
    }

    // ---------------------------------------------------------------- merger

    #[test]
    fn merge_series_across_a_merger() {
        // Communes 1 (large) and 2 (small) merged into commune 3 from 2025-Q1.
        //
        // 2024-Q3:
        //   unit 1 (0,10,10,40,40): n 100, satisfied 80 → 0.80
        //   unit 2 (2,3,3,1,1):     n  10, satisfied  2 → 0.20
        //   combined (2,13,13,41,41): n 110, satisfied 82 → 82/110 = 0.745455
        //   averaging the indices would give (0.80 + 0.20)/2 = 0.50: wrong, the 10 answers of
        //   unit 2 would weigh as much as the 100 of unit 1.
        // 2024-Q4:
        //   unit 1 (0,5,5,45,45):   n 100, satisfied 90 → 0.90
        //   unit 2 (0,0,5,5,10):    n  20, satisfied 15 → 0.75
        //   combined (0,5,10,50,55): n 120, satisfied 105 → 105/120 = 0.875
        //   averaging would give (0.90 + 0.75)/2 = 0.825.
        // 2025-Q1: successor only:
        //   unit 3 (1,4,15,50,50):  n 120, satisfied 100 → 0.8333
        let series = vec![
            (3, "2025-Q1", Tally::new(1, 4, 15, 50, 50)),
            (2, "2024-Q4", Tally::new(0, 0, 5, 5, 10)),
            (1, "2024-Q3", Tally::new(0, 10, 10, 40, 40)),
            (1, "2024-Q4", Tally::new(0, 5, 5, 45, 45)),
            (2, "2024-Q3", Tally::new(2, 3, 3, 1, 1)),
        ];
        let merged = merge_series(&series);
        assert_eq!(
            merged,
            vec![
                ("2024-Q3", Tally::new(2, 13, 13, 41, 41)),
                ("2024-Q4", Tally::new(0, 5, 10, 50, 55)),
                ("2025-Q1", Tally::new(1, 4, 15, 50, 50)),
            ]
        );
        let q3 = merged[0].1.share_satisfied().unwrap();
        assert_close(q3, 82.0 / 110.0, 1e-12);
        let naive_q3 = (0.80 + 0.20) / 2.0;
        assert!(
            !close(q3, naive_q3, 0.2),
            "weighted {q3} vs averaged {naive_q3}"
        );
        let q4 = merged[1].1.share_satisfied().unwrap();
        assert_close(q4, 0.875, 1e-12);
        assert!(!close(q4, 0.825, 0.01));
        assert_some_close(merged[2].1.share_satisfied(), 100.0 / 120.0, 1e-12);

        // Keys of another ordered type: (year, month).
        let by_month = merge_series(&[
            (1, (2025, 2), Tally::one(5)),
            (2, (2024, 12), Tally::one(1)),
            (1, (2024, 12), Tally::one(4)),
        ]);
        assert_eq!(
            by_month,
            vec![
                ((2024, 12), Tally::new(1, 0, 0, 1, 0)),
                ((2025, 2), Tally::new(0, 0, 0, 0, 1)),
            ]
        );
        assert!(merge_series::<i32>(&[]).is_empty());
    }

    // ---------------------------------------------------------------- Decision 766

    #[test]
    fn score_766_by_hand() {
        // r1 = 15/20 = 0.75 → 6 × 0.75 = 4.5
        // r2 = (20 − 4)/20 = 0.80 → 6 × 0.80 = 4.8
        // r3 = (200 − 10)/200 = 0.95 → 6 × 0.95 = 5.7
        // total = 4.5 + 4.8 + 5.7 = 15.0 of 18
        let c = Counts766 {
            cases_in_authority: 20,
            cases_on_time: 15,
            cases: 20,
            cases_dissatisfied_or_overdue: 4,
            dossiers: 200,
            dossiers_bad: 10,
        };
        let s = score_766(&c, &Weights766::default());
        assert_some_close(s.ratios[0], 0.75, 1e-12);
        assert_some_close(s.ratios[1], 0.80, 1e-12);
        assert_some_close(s.ratios[2], 0.95, 1e-12);
        assert_close(s.points[0], 4.5, 1e-9);
        assert_close(s.points[1], 4.8, 1e-9);
        assert_close(s.points[2], 5.7, 1e-9);
        assert_close(s.total, 15.0, 1e-9);
        assert_close(s.max, 18.0, 1e-12);
    }

    #[test]
    fn score_766_zero_denominators() {
        // No feedback case at all: r1, r2 have nothing to fault → full 6 + 6, reported as None.
        // r3 = (40 − 8)/40 = 0.8 → 4.8. Total = 6 + 6 + 4.8 = 16.8.
        let c = Counts766 {
            dossiers: 40,
            dossiers_bad: 8,
            ..Counts766::default()
        };
        let s = score_766(&c, &Weights766::default());
        assert_eq!(s.ratios[0], None);
        assert_eq!(s.ratios[1], None);
        assert_some_close(s.ratios[2], 0.8, 1e-12);
        assert_eq!(s.points[0], 6.0);
        assert_eq!(s.points[1], 6.0);
        assert_close(s.total, 16.8, 1e-9);

        // Nothing at all: 18 of 18, every ratio "no data".
        let s = score_766(&Counts766::default(), &Weights766::default());
        assert_eq!(s.ratios, [None, None, None]);
        assert_eq!(s.total, 18.0);
    }

    #[test]
    fn score_766_custom_weights_and_bad_counts() {
        // Weights 8/6/4 (max 18):
        //   r1 = 12/10 → clamped to 1.0 → 8
        //   r2 = (10 − 15)/10 → clamped to 0.0 → 0
        //   r3 = (50 − 25)/50 = 0.5 → 4 × 0.5 = 2
        //   total = 10
        let w = Weights766 {
            on_time: 8.0,
            not_dissatisfied: 6.0,
            dossiers: 4.0,
        };
        let c = Counts766 {
            cases_in_authority: 10,
            cases_on_time: 12,
            cases: 10,
            cases_dissatisfied_or_overdue: 15,
            dossiers: 50,
            dossiers_bad: 25,
        };
        let s = score_766(&c, &w);
        assert_eq!(s.ratios, [Some(1.0), Some(0.0), Some(0.5)]);
        assert_eq!(s.points, [8.0, 0.0, 2.0]);
        assert_eq!(s.total, 10.0);
        assert_eq!(s.max, 18.0);
    }

    // ---------------------------------------------------------------- PAR-INDEX

    #[test]
    fn par_score_bands_and_points() {
        let r = ParRules::default();
        assert_eq!(r.max_points, 14.0);
        // 0.95 × 14 = 13.3, excellent (≥ 0.9); few late dossiers → no cap.
        let s = par_score(Some(0.95), Some(0.05), &r);
        assert_some_close(s.points, 13.3, 1e-9);
        assert_eq!(s.band.as_deref(), Some("excellent"));
        assert!(!s.capped);
        // Exactly on a minimum: 0.9 → excellent; 0.8 → good; 0.65 → fair.
        assert_eq!(
            par_score(Some(0.9), None, &r).band.as_deref(),
            Some("excellent")
        );
        assert_eq!(par_score(Some(0.8), None, &r).band.as_deref(), Some("good"));
        assert_eq!(
            par_score(Some(0.65), None, &r).band.as_deref(),
            Some("fair")
        );
        // 0.5 × 14 = 7, poor.
        let s = par_score(Some(0.5), None, &r);
        assert_some_close(s.points, 7.0, 1e-12);
        assert_eq!(s.band.as_deref(), Some("poor"));
        // 0 → 0 points, poor.
        let s = par_score(Some(0.0), Some(0.0), &r);
        assert_eq!(s.points, Some(0.0));
        assert_eq!(s.band.as_deref(), Some("poor"));
        // No answers → nothing.
        assert_eq!(
            par_score(None, Some(0.5), &r),
            ParScore {
                points: None,
                band: None,
                capped: false
            }
        );
    }

    #[test]
    fn par_score_late_cap() {
        let r = ParRules::default();
        // 0.95 satisfied → excellent; 12 % late ≥ 10 % and excellent is better than "good"
        // → move to the band just below good: fair. Points unchanged: 0.95 × 14 = 13.3.
        let s = par_score(Some(0.95), Some(0.12), &r);
        assert_eq!(s.band.as_deref(), Some("fair"));
        assert!(s.capped);
        assert_some_close(s.points, 13.3, 1e-9);
        // Exactly at the threshold counts ("at least"): good → fair.
        let s = par_score(Some(0.85), Some(0.10), &r);
        assert_eq!(s.band.as_deref(), Some("fair"));
        assert!(s.capped);
        // Just under the threshold → no cap.
        let s = par_score(Some(0.85), Some(0.099), &r);
        assert_eq!(s.band.as_deref(), Some("good"));
        assert!(!s.capped);
        // Already below the cap band: fair stays fair, not flagged as capped.
        let s = par_score(Some(0.70), Some(0.50), &r);
        assert_eq!(s.band.as_deref(), Some("fair"));
        assert!(!s.capped);
        // Unknown late share → no cap.
        assert!(!par_score(Some(0.95), None, &r).capped);
        // No cap rule.
        let no_cap = ParRules {
            late_cap: None,
            ..ParRules::default()
        };
        assert_eq!(
            par_score(Some(0.95), Some(0.9), &no_cap).band.as_deref(),
            Some("excellent")
        );
        // Cap at "excellent": excellent → good.
        let cap_top = ParRules {
            late_cap: Some((0.2, "excellent".to_string())),
            ..ParRules::default()
        };
        let s = par_score(Some(0.95), Some(0.2), &cap_top);
        assert_eq!(s.band.as_deref(), Some("good"));
        assert!(s.capped);
    }

    #[test]
    fn par_rules_validate() {
        assert_eq!(ParRules::default().validate(), Ok(()));
        assert_eq!(RULES_ERR, "idx.err_rules");

        let with = |f: &dyn Fn(&mut ParRules)| {
            let mut r = ParRules::default();
            f(&mut r);
            r.validate()
        };
        let bands = |v: &[(&str, f64)]| -> Vec<(String, f64)> {
            v.iter().map(|(c, m)| (c.to_string(), *m)).collect()
        };

        assert_eq!(with(&|r| r.max_points = 0.0), Err(RULES_ERR));
        assert_eq!(with(&|r| r.max_points = -14.0), Err(RULES_ERR));
        assert_eq!(with(&|r| r.max_points = 100.5), Err(RULES_ERR));
        assert_eq!(with(&|r| r.max_points = f64::NAN), Err(RULES_ERR));
        assert_eq!(with(&|r| r.max_points = 100.0), Ok(()));

        assert_eq!(with(&|r| r.bands.clear()), Err(RULES_ERR));
        // Not ending at 0.
        assert_eq!(
            with(&|r| r.bands = bands(&[("good", 0.8), ("fair", 0.5)])),
            Err(RULES_ERR)
        );
        // Not strictly decreasing.
        assert_eq!(
            with(&|r| r.bands = bands(&[("good", 0.8), ("excellent", 0.9), ("poor", 0.0)])),
            Err(RULES_ERR)
        );
        assert_eq!(
            with(&|r| r.bands = bands(&[("good", 0.8), ("fair", 0.8), ("poor", 0.0)])),
            Err(RULES_ERR)
        );
        // Minimum above 1.
        assert_eq!(
            with(&|r| r.bands = bands(&[("excellent", 1.2), ("good", 0.8), ("poor", 0.0)])),
            Err(RULES_ERR)
        );
        // Repeated or empty code.
        assert_eq!(
            with(&|r| r.bands = bands(&[("good", 0.9), ("good", 0.8), ("poor", 0.0)])),
            Err(RULES_ERR)
        );
        assert_eq!(
            with(&|r| r.bands = bands(&[(" ", 0.9), ("good", 0.8), ("poor", 0.0)])),
            Err(RULES_ERR)
        );
        // A single band [("all", 0.0)] is valid without a cap.
        assert_eq!(
            with(&|r| {
                r.bands = bands(&[("all", 0.0)]);
                r.late_cap = None;
            }),
            Ok(())
        );

        // Cap band unknown, last band, or threshold out of range.
        assert_eq!(
            with(&|r| r.late_cap = Some((0.1, "great".to_string()))),
            Err(RULES_ERR)
        );
        assert_eq!(
            with(&|r| r.late_cap = Some((0.1, "poor".to_string()))),
            Err(RULES_ERR)
        );
        assert_eq!(
            with(&|r| r.late_cap = Some((0.0, "good".to_string()))),
            Err(RULES_ERR)
        );
        assert_eq!(
            with(&|r| r.late_cap = Some((1.5, "good".to_string()))),
            Err(RULES_ERR)
        );
        assert_eq!(with(&|r| r.late_cap = None), Ok(()));
    }

    #[test]
    fn par_rules_serde_round_trip() {
        let r = ParRules::default();
        let json = serde_json::to_string(&r).unwrap();
        let back: ParRules = serde_json::from_str(&json).unwrap();
        assert_eq!(back, r);
        let w: Weights766 =
            serde_json::from_str(r#"{"on_time":8,"not_dissatisfied":6,"dossiers":4}"#).unwrap();
        assert_eq!(w.on_time, 8.0);
    }

    // ---------------------------------------------------------------- ranking

    #[test]
    fn rank_with_ties_flag_and_change() {
        // This period (e = 0.05):
        //   unit  tally          n  sat share  mean                          N   req  enough
        //   1     (0,0,2,4,4)   10   8  0.80   (6+16+20)/10      = 4.2      10   10   yes
        //   2     (0,0,4,8,8)   20  16  0.80   (12+32+40)/20     = 4.2      20   20   yes
        //   3     (0,0,1,6,3)   10   9  0.90   (3+24+15)/10      = 4.2      10   10   yes
        //   4     (0,1,1,4,4)   10   8  0.80   (2+3+16+20)/10    = 4.1      10   10   yes
        //   5     (0,0,0,1,2)    3   3  1.00   (4+10)/3          = 4.667    50   45   no
        //   6     (0,0,0,0,0)    0   -  -      -                            0    0   no (n=0)
        //   (req: 10/1.025 = 9.76 → 10; 20/1.05 = 19.05 → 20; 50/1.125 = 44.4 → 45)
        // Ranked: 3 (0.90) → 1; 2 and 1 tie on share 0.80 AND mean 4.2 → both 2, unit 2 listed
        // first (n 20 > 10); 4 (0.80, mean 4.1) → 4 (competition ranking 1,2,2,4).
        // Then flagged, same order: 5 (share 1.0, best but too few answers), 6 (no answers).
        //
        // Previous period:
        //   1     (0,0,0,5,5)   10  10  1.00   4.5                          10   10   yes → 1
        //   2     (0,0,10,5,5)  20  10  0.50   (30+20+25)/20     = 3.75     20   20   yes → 4
        //   3     (0,0,2,4,4)   10   8  0.80   4.2                          10   10   yes → 2
        //   4     none                                                                    → -
        //   5     (0,0,1,2,2)    5   4  0.80   (3+8+10)/5        = 4.2       5    5   yes → 2
        //   6     (0,0,0,1,0)    1   1  1.00   4.0                         100   80   no  → -
        //   (5/1.0125 = 4.94 → 5; 100/1.25 = 80)
        //   3 and 5 tie (0.80, 4.2) → both 2 (3 listed first, n 10 > 5); 2 → 4.
        // change = previous − current: 3: 2−1 = +1; 2: 4−2 = +2; 1: 1−2 = −1; 4, 5, 6: none.
        let h = |t: Tally, pop: i64| headline(&t, pop, 0.05);
        let units = vec![
            RankInput {
                unit_id: 1,
                current: h(Tally::new(0, 0, 2, 4, 4), 10),
                previous: Some(h(Tally::new(0, 0, 0, 5, 5), 10)),
            },
            RankInput {
                unit_id: 2,
                current: h(Tally::new(0, 0, 4, 8, 8), 20),
                previous: Some(h(Tally::new(0, 0, 10, 5, 5), 20)),
            },
            RankInput {
                unit_id: 3,
                current: h(Tally::new(0, 0, 1, 6, 3), 10),
                previous: Some(h(Tally::new(0, 0, 2, 4, 4), 10)),
            },
            RankInput {
                unit_id: 4,
                current: h(Tally::new(0, 1, 1, 4, 4), 10),
                previous: None,
            },
            RankInput {
                unit_id: 5,
                current: h(Tally::new(0, 0, 0, 1, 2), 50),
                previous: Some(h(Tally::new(0, 0, 1, 2, 2), 5)),
            },
            RankInput {
                unit_id: 6,
                current: h(Tally::default(), 0),
                previous: Some(h(Tally::new(0, 0, 0, 1, 0), 100)),
            },
        ];
        let r = rank(&units);
        // (unit, rank, previous rank, change, flagged)
        type Row = (i64, Option<i64>, Option<i64>, Option<i64>, bool);
        let rows: Vec<Row> = r
            .iter()
            .map(|x| (x.unit_id, x.rank, x.previous_rank, x.change, x.flagged))
            .collect();
        assert_eq!(
            rows,
            vec![
                (3, Some(1), Some(2), Some(1), false),
                (2, Some(2), Some(4), Some(2), false),
                (1, Some(2), Some(1), Some(-1), false),
                (4, Some(4), None, None, false),
                (5, None, Some(2), None, true),
                (6, None, None, None, true),
            ]
        );
        assert_eq!(r[0].headline, units[2].current);
        assert_eq!(r[4].headline.required, 45);

        // Input order does not matter.
        let mut reversed = units.clone();
        reversed.reverse();
        assert_eq!(rank(&reversed), r);
    }

    #[test]
    fn rank_identical_units_order_by_id() {
        // Two identical units: same rank, listed by id ascending.
        let h = headline(&Tally::new(0, 0, 1, 1, 1), 3, 0.05); // req ⌈3/1.0075⌉ = 3 → enough
        assert!(h.enough);
        let units = vec![
            RankInput {
                unit_id: 9,
                current: h.clone(),
                previous: None,
            },
            RankInput {
                unit_id: 7,
                current: h.clone(),
                previous: None,
            },
        ];
        let r = rank(&units);
        assert_eq!(r[0].unit_id, 7);
        assert_eq!(r[1].unit_id, 9);
        assert_eq!(r[0].rank, Some(1));
        assert_eq!(r[1].rank, Some(1));
        assert!(rank(&[]).is_empty());
    }
}
