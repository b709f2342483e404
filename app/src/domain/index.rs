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

/// The default least number of answers a unit needs before it is ranked when the sample-size
/// rule asks for fewer, or cannot be applied because no dossiers were reported (N = 0).
pub const DEFAULT_MIN_ANSWERS: i64 = 30;

/// When a unit has answers enough to be ranked: Yamane's n = N / (1 + N·e²) for the N dossiers it
/// delivered, and never fewer than `min_answers`:
///
/// ```text
/// required = max(⌈N / (1 + N·e²)⌉, min_answers)
/// ```
///
/// Without the floor a unit whose one-stop software reports no dossiers (N = 0) would need no
/// answers and be ranked on 1 or 2 of them; and N counts only the dossiers the one-stop
/// software reports, while kiosks also rate services without a dossier, so a small N is no
/// proof that a handful of answers is a census.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SampleRule {
    /// `e` of the sample-size rule (0.05).
    pub margin: f64,
    /// The least number of answers ranked (30).
    pub min_answers: i64,
}

impl Default for SampleRule {
    fn default() -> Self {
        SampleRule {
            margin: DEFAULT_MARGIN,
            min_answers: DEFAULT_MIN_ANSWERS,
        }
    }
}

impl SampleRule {
    /// The answers a unit that delivered `population` services needs to be ranked.
    pub fn required(&self, population: i64) -> i64 {
        required_sample(population, self.margin).max(self.min_answers.max(0))
    }
}

/// The headline for one unit/subtree/group and period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Headline {
    /// Number of valid answers.
    pub n: i64,
    /// Number of satisfied answers (4 or 5).
    pub satisfied: i64,
    /// Mean score on the 1–5 scale.
    pub mean: Option<f64>,
    /// Share of answers that are satisfied (4 or 5): the satisfaction index.
    pub share_satisfied: Option<f64>,
    /// 95 % Wilson interval of the share satisfied.
    pub ci: Option<(f64, f64)>,
    /// Services delivered (dossiers) in the period: N of the sample-size rule.
    pub population: i64,
    /// Minimum answers required, [`SampleRule::required`] of `population`.
    pub required: i64,
    /// Whether the unit has enough answers: `n >= required` and at least one answer.
    pub enough: bool,
}

/// Builds the headline of a tally: count, mean, share satisfied with its 95 % interval, and
/// whether the sample is large enough for `population` dossiers under `rule`.
/// `enough = n >= required && n > 0`.
pub fn headline(t: &Tally, population: i64, rule: &SampleRule) -> Headline {
    let n = t.n();
    let required = rule.required(population);
    Headline {
        n,
        satisfied: t.satisfied(),
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
    /// weight_i × ratio_i; `None` for a ratio without data.
    pub points: [Option<f64>; 3],
    /// The group's points scored on the ratios that have data (see [`score_766`]); `None`
    /// when no ratio has data.
    pub total: Option<f64>,
    /// The group's points ([`G766_POINTS`], 18).
    pub max: f64,
    /// How many of the three ratios had data.
    pub with_data: usize,
}

/// The points of Decision 766's satisfaction group (18 of the index's 100).
pub const G766_POINTS: f64 = 18.0;

impl Weights766 {
    /// The weights must add up to the group's 18 points (to within 0.001); each is ≥ 0.
    pub fn validate(&self) -> Result<(), &'static str> {
        let w = [self.on_time, self.not_dissatisfied, self.dossiers];
        if w.iter().any(|x| !x.is_finite() || *x < 0.0) {
            return Err("idx.err_number");
        }
        if (w.iter().sum::<f64>() - G766_POINTS).abs() > 1e-3 {
            return Err("idx.err_w766_sum");
        }
        Ok(())
    }
}

/// `part / whole` clamped to [0, 1]; `None` when `whole` is not positive.
fn ratio(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 / whole as f64).clamp(0.0, 1.0))
}

/// Scores the Decision 766 satisfaction group:
///
/// ```text
/// r1 = cases handled on time / cases judged in the period within the unit's authority
/// r2 = (cases − cases dissatisfied or overdue) / cases
/// r3 = (dossiers − dossiers dissatisfied, complained about or overdue) / dossiers
/// points_i = weight_i × r_i
/// total = Σ points_i over the ratios with data × 18 / Σ weight_i over the ratios with data
/// ```
///
/// A ratio whose denominator is zero has no data: it earns nothing and is not held against the
/// unit; the total is scored on the ratios that have data, scaled to the group's 18 points
/// (a unit with only dossiers and r3 = 0.9 scores 0.9 × 18 = 16.2). With no data at all the
/// total is `None` ("no data"), never 18 of 18. Ratios are clamped to [0, 1] so that
/// inconsistent counts never earn more than the weight or less than nothing.
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
    let mut points = [None; 3];
    let (mut earned, mut possible, mut with_data) = (0.0f64, 0.0f64, 0usize);
    for ((p, r), wt) in points.iter_mut().zip(ratios.iter()).zip(weights.iter()) {
        if let Some(r) = r {
            *p = Some(wt * r);
            earned += wt * r;
            possible += wt;
            with_data += 1;
        }
    }
    let max: f64 = weights.iter().sum();
    let total = if with_data == 0 {
        None
    } else if possible > 0.0 {
        Some(earned * max / possible)
    } else {
        // Every ratio with data weighs 0: nothing can be earned on them.
        Some(0.0)
    };
    Score766 {
        ratios,
        points,
        total,
        max,
        with_data,
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
    /// 1-based competition rank; `None` for a unit with too few answers.
    pub rank: Option<i64>,
    /// How many units of the peer group were ranked ("3 of 14").
    pub of: i64,
    /// The rank the unit had in the previous period, computed the same way.
    pub previous_rank: Option<i64>,
    /// `previous_rank − rank`: positive = moved up.
    pub change: Option<i64>,
    pub headline: Headline,
    /// The value ranked on: the lower bound of the 95 % Wilson interval of the share satisfied.
    pub lower_bound: Option<f64>,
    /// Fewer answers than required: listed apart, not ranked.
    pub flagged: bool,
}

/// The rank key of a headline: the Wilson lower bound (0 without answers).
pub fn lower_bound(h: &Headline) -> Option<f64> {
    h.ci.map(|c| c.0)
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

/// Two units tie when they gave the same counts of satisfied answers out of the same number of
/// answers: their intervals are then identical, whatever the rest.
fn ties(a: &Headline, b: &Headline) -> bool {
    a.n == b.n && a.satisfied == b.satisfied
}

/// The ranking order: Wilson lower bound (desc), share satisfied (desc), answers (desc), mean
/// (desc), unit id (asc).
fn rank_order(a: (i64, &Headline), b: (i64, &Headline)) -> Ordering {
    desc(lower_bound(a.1), lower_bound(b.1))
        .then_with(|| desc(a.1.share_satisfied, b.1.share_satisfied))
        .then_with(|| b.1.n.cmp(&a.1.n))
        .then_with(|| desc(a.1.mean, b.1.mean))
        .then_with(|| a.0.cmp(&b.0))
}

/// Competition ranks ("1, 1, 3") of the units whose headline has enough answers, keyed by unit
/// id, and how many were ranked.
fn competition_ranks<'a>(
    items: impl Iterator<Item = (i64, &'a Headline)>,
) -> (BTreeMap<i64, i64>, i64) {
    let mut ok: Vec<(i64, &Headline)> = items.filter(|(_, h)| h.enough).collect();
    ok.sort_by(|a, b| rank_order(*a, *b));
    let mut ranks = BTreeMap::new();
    let mut prev: Option<(&Headline, i64)> = None;
    let count = ok.len() as i64;
    for (pos, (id, h)) in ok.into_iter().enumerate() {
        let r = match prev {
            Some((p, r)) if ties(p, h) => r,
            _ => pos as i64 + 1,
        };
        ranks.insert(id, r);
        prev = Some((h, r));
    }
    (ranks, count)
}

/// Ranks units inside a peer group by a rule that respects the sample:
///
/// * only units with enough answers ([`SampleRule`]) are ranked; the others are listed after
///   them, apart, with rank `None` (`flagged`);
/// * the ranked units are ordered by the **lower bound of the 95 % Wilson interval** of their
///   share satisfied — the share they reach with 97.5 % confidence — so that 2 satisfied answers
///   of 2 (interval 34–100 %) rank below 215 of 239 (85–93 %); then by share, answers, mean and
///   unit id;
/// * units with the same answers (same satisfied of the same n) share a rank (1, 1, 3).
///
/// `previous_rank` is computed the same way over `previous`; `change = previous_rank − rank`
/// (positive = moved up) when both exist.
pub fn rank(units: &[RankInput]) -> Vec<Ranked> {
    let (current, of) = competition_ranks(units.iter().map(|u| (u.unit_id, &u.current)));
    let (previous, _) = competition_ranks(
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
            let rank = current.get(&u.unit_id).copied();
            let previous_rank = previous.get(&u.unit_id).copied();
            let change = match (previous_rank, rank) {
                (Some(p), Some(r)) => Some(p - r),
                _ => None,
            };
            Ranked {
                unit_id: u.unit_id,
                rank,
                of,
                previous_rank,
                change,
                lower_bound: lower_bound(&u.current),
                headline: u.current.clone(),
                flagged: !u.current.enough,
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Funnel plot
// ---------------------------------------------------------------------------------------------

/// The two-sided control limits drawn on a funnel plot: 95 % (about 2 standard errors) and
/// 99.8 % (about 3).
pub const FUNNEL_LIMITS: [f64; 2] = [0.95, 0.998];

/// P(R ≤ r) for every r = 0..=n of a Binomial(n, θ), summed in log space so that large n
/// neither underflows nor overflows.
fn binomial_cdf(n: i64, theta: f64) -> Vec<f64> {
    let n = n.max(0) as usize;
    if theta <= 0.0 {
        return vec![1.0; n + 1];
    }
    if theta >= 1.0 {
        let mut v = vec![0.0; n + 1];
        v[n] = 1.0;
        return v;
    }
    // ln pmf(0) = n ln(1 − θ); pmf(k+1) = pmf(k) · (n − k)/(k + 1) · θ/(1 − θ)
    let odds = (theta / (1.0 - theta)).ln();
    let mut logs = Vec::with_capacity(n + 1);
    let mut l = n as f64 * (1.0 - theta).ln();
    logs.push(l);
    for k in 0..n {
        l += ((n - k) as f64 / (k + 1) as f64).ln() + odds;
        logs.push(l);
    }
    let top = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let weights: Vec<f64> = logs.iter().map(|x| (x - top).exp()).collect();
    let total: f64 = weights.iter().sum();
    let mut acc = 0.0;
    weights
        .iter()
        .map(|w| {
            acc += w / total;
            acc.min(1.0)
        })
        .collect()
}

/// The exact binomial control limit of a funnel plot for a proportion (Spiegelhalter, "Funnel
/// plots for comparing institutional performance", Statistics in Medicine 24, 2005, appendix
/// A.1.1): for a target share θ and n answers, r_p is the smallest r with P(R ≤ r) ≥ p for
/// R ~ Binomial(n, θ); the limit interpolates between the discrete steps:
///
/// ```text
/// α = (P(R ≤ r_p) − p) / (P(R ≤ r_p) − P(R ≤ r_p − 1))        limit = (r_p − α) / n
/// ```
///
/// clamped to [0, 1]. `p` is the lower tail (0.025 and 0.975 give the 95 % limits). `None`
/// for n ≤ 0 or θ outside [0, 1].
pub fn funnel_limit(theta: f64, n: i64, p: f64) -> Option<f64> {
    funnel_limits(theta, n, &[p]).map(|v| v[0])
}

/// [`funnel_limit`] for several tail probabilities at once (one binomial distribution).
pub fn funnel_limits(theta: f64, n: i64, ps: &[f64]) -> Option<Vec<f64>> {
    if n <= 0 || !(0.0..=1.0).contains(&theta) {
        return None;
    }
    if theta == 0.0 || theta == 1.0 {
        // No variation at all: every limit is the target itself.
        return Some(vec![theta; ps.len()]);
    }
    let cdf = binomial_cdf(n, theta);
    Some(
        ps.iter()
            .map(|&p| {
                let r = cdf
                    .iter()
                    .position(|c| *c >= p - 1e-15)
                    .unwrap_or(cdf.len() - 1);
                let at = cdf[r];
                let below = if r == 0 { 0.0 } else { cdf[r - 1] };
                let alpha = if at > below {
                    (at - p) / (at - below)
                } else {
                    0.0
                };
                ((r as f64 - alpha) / n as f64).clamp(0.0, 1.0)
            })
            .collect(),
    )
}

/// Where a unit's share falls against the funnel around its peer group's share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum FunnelZone {
    /// Above the upper 99.8 % limit.
    HighAlarm,
    /// Above the upper 95 % limit.
    High,
    /// Within the 95 % limits: no evidence of a difference.
    Within,
    /// Below the lower 95 % limit.
    Low,
    /// Below the lower 99.8 % limit.
    LowAlarm,
}

/// The zone of `satisfied` of `n` answers around a target share `theta`.
pub fn funnel_zone(theta: f64, satisfied: i64, n: i64) -> Option<FunnelZone> {
    let l = funnel_limits(theta, n, &[0.001, 0.025, 0.975, 0.999])?;
    let y = satisfied as f64 / n as f64;
    Some(if y > l[3] {
        FunnelZone::HighAlarm
    } else if y > l[2] {
        FunnelZone::High
    } else if y < l[0] {
        FunnelZone::LowAlarm
    } else if y < l[1] {
        FunnelZone::Low
    } else {
        FunnelZone::Within
    })
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
        let h = headline(&Tally::new(0, 0, 1, 1, 1), 50, &YAMANE);
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

    /// Yamane's rule alone (no floor), e = 5 %.
    const YAMANE: SampleRule = SampleRule {
        margin: 0.05,
        min_answers: 0,
    };

    #[test]
    fn headline_enough_and_empty() {
        // 45 answers for N = 50 → required 45 → enough (n >= required).
        let h = headline(&Tally::new(0, 5, 10, 20, 10), 50, &YAMANE);
        assert_eq!(h.n, 45);
        assert_eq!(h.satisfied, 30);
        assert!(h.enough);
        // 44 answers → one short.
        let h = headline(&Tally::new(0, 4, 10, 20, 10), 50, &YAMANE);
        assert!(!h.enough);
        // No services and no answers: no answers is never enough.
        let h = headline(&Tally::default(), 0, &YAMANE);
        assert_eq!(h.required, 0);
        assert_eq!(h.mean, None);
        assert_eq!(h.share_satisfied, None);
        assert_eq!(h.ci, None);
        assert!(!h.enough);
    }

    #[test]
    fn sample_rule_has_a_floor() {
        let r = SampleRule::default(); // e = 5 %, at least 30 answers
                                       // No dossiers reported (N = 0): Yamane cannot be applied → the floor, 30.
        assert_eq!(r.required(0), 30);
        assert!(!headline(&Tally::new(0, 0, 0, 0, 2), 0, &r).enough);
        // N = 1000 → ⌈1000/3.5⌉ = 286 > 30 → 286.
        assert_eq!(r.required(1000), 286);
        // N = 40 → ⌈40/1.1⌉ = ⌈36.36⌉ = 37 > 30 → 37.
        assert_eq!(r.required(40), 37);
        // N = 32 → ⌈32/1.08⌉ = ⌈29.63⌉ = 30; floor 30 → 30.
        assert_eq!(r.required(32), 30);
        // N = 12 (fewer services reported than the floor): still 30 — 12 answers are too few to
        // compare, and kiosks rate services the one-stop software does not report.
        assert_eq!(r.required(12), 30);
        assert!(!headline(&Tally::new(0, 0, 2, 5, 5), 12, &r).enough);
        assert!(headline(&Tally::new(0, 0, 10, 10, 10), 12, &r).enough);
        // A custom floor of 10 with N = 0.
        let r10 = SampleRule {
            margin: 0.05,
            min_answers: 10,
        };
        assert_eq!(r10.required(0), 10);
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
        // every ratio has data: total = 4.5 + 4.8 + 5.7 = 15.0 of 18
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
        assert_some_close(s.points[0], 4.5, 1e-9);
        assert_some_close(s.points[1], 4.8, 1e-9);
        assert_some_close(s.points[2], 5.7, 1e-9);
        assert_some_close(s.total, 15.0, 1e-9);
        assert_close(s.max, 18.0, 1e-12);
        assert_eq!(s.with_data, 3);
    }

    #[test]
    fn score_766_no_data_is_not_full_marks() {
        // No feedback case at all: r1, r2 have no data and earn nothing; the total is scored on
        // r3 alone, scaled to 18: r3 = (40 − 8)/40 = 0.8 → 6 × 0.8 = 4.8 earned of 6 possible
        // → 4.8 × 18 / 6 = 14.4 (= 0.8 × 18).
        let c = Counts766 {
            dossiers: 40,
            dossiers_bad: 8,
            ..Counts766::default()
        };
        let s = score_766(&c, &Weights766::default());
        assert_eq!(s.ratios[0], None);
        assert_eq!(s.ratios[1], None);
        assert_some_close(s.ratios[2], 0.8, 1e-12);
        assert_eq!(s.points[0], None);
        assert_eq!(s.points[1], None);
        assert_some_close(s.points[2], 4.8, 1e-9);
        assert_some_close(s.total, 14.4, 1e-9);
        assert_eq!(s.with_data, 1);

        // Two ratios with data and weights 9/3/6: r1 = 1/2 → 4.5 of 9; r2 = 2/2 → 3 of 3;
        // r3 none → earned 7.5 of 12 possible → 7.5 × 18 / 12 = 11.25.
        let c = Counts766 {
            cases_in_authority: 2,
            cases_on_time: 1,
            cases: 2,
            cases_dissatisfied_or_overdue: 0,
            ..Counts766::default()
        };
        let w = Weights766 {
            on_time: 9.0,
            not_dissatisfied: 3.0,
            dossiers: 6.0,
        };
        assert_some_close(score_766(&c, &w).total, 11.25, 1e-9);

        // Nothing at all: no data, never 18 of 18.
        let s = score_766(&Counts766::default(), &Weights766::default());
        assert_eq!(s.ratios, [None, None, None]);
        assert_eq!(s.points, [None, None, None]);
        assert_eq!(s.total, None);
        assert_eq!(s.with_data, 0);
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
        assert_eq!(s.points, [Some(8.0), Some(0.0), Some(2.0)]);
        assert_eq!(s.total, Some(10.0));
        assert_eq!(s.max, 18.0);
    }

    #[test]
    fn weights_766_must_add_up_to_18() {
        assert_eq!(Weights766::default().validate(), Ok(()));
        let w = |a, b, c| Weights766 {
            on_time: a,
            not_dissatisfied: b,
            dossiers: c,
        };
        assert_eq!(w(8.0, 6.0, 4.0).validate(), Ok(()));
        assert_eq!(w(18.0, 0.0, 0.0).validate(), Ok(()));
        assert_eq!(w(6.0, 6.0, 10.0).validate(), Err("idx.err_w766_sum"));
        assert_eq!(w(6.0, 6.0, 5.9).validate(), Err("idx.err_w766_sum"));
        assert_eq!(w(20.0, -2.0, 0.0).validate(), Err("idx.err_number"));
        assert_eq!(w(f64::NAN, 9.0, 9.0).validate(), Err("idx.err_number"));
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
    fn rank_by_wilson_lower_bound() {
        // The issue's case: a unit with 2 answers, both satisfied (95 % interval 34.2–100 %;
        // statsmodels proportion_confint(2, 2, method="wilson") = (0.342380, 1.0)) and one with
        // 215 of 239 (share 0.8996; interval (0.854934, 0.931587)). Both have enough answers
        // under a rule without floor; ranking on the lower bound puts 239 answers first.
        let h = |t: Tally| headline(&t, 0, &YAMANE);
        let few = h(Tally::new(0, 0, 0, 0, 2));
        let many = h(Tally::new(4, 5, 15, 100, 115));
        assert_eq!((many.n, many.satisfied), (239, 215));
        assert_close(few.ci.unwrap().0, 0.342380, 1e-6);
        assert_close(many.ci.unwrap().0, 0.854934, 1e-6);
        let r = rank(&[
            RankInput {
                unit_id: 1,
                current: few,
                previous: None,
            },
            RankInput {
                unit_id: 2,
                current: many,
                previous: None,
            },
        ]);
        assert_eq!(r[0].unit_id, 2);
        assert_eq!(r[0].rank, Some(1));
        assert_eq!(r[1].rank, Some(2));
        assert_eq!(r[0].of, 2);
    }

    #[test]
    fn rank_with_ties_flag_and_change() {
        // This period (Yamane, e = 0.05, no floor); Wilson lower bounds from statsmodels
        // proportion_confint(k, n, method="wilson"):
        //   unit  tally          n  sat share  lower bound   N   req  enough
        //   1     (0,0,2,4,4)   10   8  0.80   0.490162     10   10   yes
        //   2     (0,0,4,8,8)   20  16  0.80   0.583983     20   20   yes
        //   3     (0,0,1,6,3)   10   9  0.90   0.595850     10   10   yes
        //   4     (0,1,1,4,4)   10   8  0.80   0.490162     10   10   yes
        //   5     (0,0,0,1,2)    3   3  1.00   0.438503     50   45   no
        //   6     (0,0,0,0,0)    0   -  -      -             0    0   no (n=0)
        // Ranked on the lower bound: 3 → 1; 2 → 2; 1 and 4 tie (8 of 10 each) → both 3, listed
        // by share (equal), n (equal), mean (1: 4.2 > 4: 4.1) → 1 then 4 (ranks 1, 2, 3, 3).
        // Then apart, unranked: 5 (too few), 6 (no answers). 4 units ranked.
        //
        // Previous period:
        //   1     (0,0,0,5,5)   10  10  1.00   0.722467     10   10   yes → 1
        //   2     (0,0,10,5,5)  20  10  0.50   0.299298     20   20   yes → 4
        //   3     (0,0,2,4,4)   10   8  0.80   0.490162     10   10   yes → 2
        //   4     none                                                    → -
        //   5     (0,0,1,2,2)    5   4  0.80   0.375535      5    5   yes → 3
        //   6     (0,0,0,1,0)    1   1  1.00   0.206549    100   80   no  → -
        // change = previous − current: 3: 2−1 = +1; 2: 4−2 = +2; 1: 1−3 = −2; 4, 5, 6: none.
        let h = |t: Tally, pop: i64| headline(&t, pop, &YAMANE);
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
                (1, Some(3), Some(1), Some(-2), false),
                (4, Some(3), None, None, false),
                (5, None, Some(3), None, true),
                (6, None, None, None, true),
            ]
        );
        assert!(r.iter().all(|x| x.of == 4));
        assert_close(r[0].lower_bound.unwrap(), 0.595850, 1e-6);
        assert_close(r[1].lower_bound.unwrap(), 0.583983, 1e-6);
        assert_close(r[2].lower_bound.unwrap(), 0.490162, 1e-6);
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
        let h = headline(&Tally::new(0, 0, 1, 1, 1), 3, &YAMANE); // req ⌈3/1.0075⌉ = 3 → enough
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

    // ---------------------------------------------------------------- funnel plot

    #[test]
    fn funnel_limit_by_hand() {
        // θ = 0.8, n = 10, lower 2.5 % tail. Binomial(10, 0.8):
        //   P(R ≤ 4) = 0.0063694, P(R = 5) = C(10,5)·0.8⁵·0.2⁵ = 252 · 0.32768 · 0.00032
        //            = 0.0264241, P(R ≤ 5) = 0.0327935 ≥ 0.025 → r = 5
        //   α = (0.0327935 − 0.025) / 0.0264241 = 0.294939 → (5 − 0.294939)/10 = 0.470506
        assert_close(funnel_limit(0.8, 10, 0.025).unwrap(), 0.470506, 1e-6);
        // The other limits, checked with scipy.stats.binom and the same formula:
        //   θ = 0.8, n = 10:   0.1 % → 0.302464, 97.5 % → 0.976717, 99.9 % → 0.999069
        //   θ = 0.8, n = 50:   0.672906 / 0.895595 (95 %), 0.600856 / 0.945224 (99.8 %)
        //   θ = 0.85, n = 239: 0.801174 / 0.891764, 0.772484 / 0.914974
        //   θ = 0.9, n = 1000: 0.880517 / 0.917721, 0.869082 / 0.927659
        let cases: [(f64, i64, [f64; 4]); 4] = [
            (0.8, 10, [0.302464, 0.470506, 0.976717, 0.999069]),
            (0.8, 50, [0.600856, 0.672906, 0.895595, 0.945224]),
            (0.85, 239, [0.772484, 0.801174, 0.891764, 0.914974]),
            (0.9, 1000, [0.869082, 0.880517, 0.917721, 0.927659]),
        ];
        for (theta, n, want) in cases {
            let got = funnel_limits(theta, n, &[0.001, 0.025, 0.975, 0.999]).unwrap();
            for (g, w) in got.iter().zip(want) {
                assert_close(*g, w, 1e-6);
            }
        }
        // Tiny n: the lower limit would be below 0 (θ = 0.6, n = 2: (0 − 0.99375)/2) → 0.
        assert_eq!(funnel_limit(0.6, 2, 0.001), Some(0.0));
        // Large n does not underflow: 100,000 answers around 0.9, limits ≈ 0.9 ± 1.96·√(0.09/1e5)
        //   = 0.9 ± 0.001859.
        let l = funnel_limits(0.9, 100_000, &[0.025, 0.975]).unwrap();
        assert_close(l[0], 0.9 - 0.001859, 2e-5);
        assert_close(l[1], 0.9 + 0.001859, 2e-5);
        assert_eq!(funnel_limit(0.8, 0, 0.025), None);
        assert_eq!(funnel_limit(1.0, 10, 0.025), Some(1.0));
        assert_eq!(funnel_limit(0.0, 10, 0.975), Some(0.0));
    }

    #[test]
    fn funnel_zones() {
        // Around θ = 0.8 with 50 answers: 95 % limits 0.6729–0.8956, 99.8 % 0.6009–0.9452.
        assert_eq!(funnel_zone(0.8, 40, 50), Some(FunnelZone::Within)); // 0.80
        assert_eq!(funnel_zone(0.8, 46, 50), Some(FunnelZone::High)); // 0.92
        assert_eq!(funnel_zone(0.8, 48, 50), Some(FunnelZone::HighAlarm)); // 0.96
        assert_eq!(funnel_zone(0.8, 32, 50), Some(FunnelZone::Low)); // 0.64
        assert_eq!(funnel_zone(0.8, 29, 50), Some(FunnelZone::LowAlarm)); // 0.58
        assert_eq!(funnel_zone(0.8, 0, 0), None);
    }
}
