//! What a leader sees that no other tool shows: when satisfaction drops (hour of the week), a
//! drop against a counter's own usual level (an alert), whether a change between two periods is
//! beyond chance, and why (comments by theme). Pure arithmetic over counts and texts.

use super::calendar::Calendar;
use super::index::{funnel_limit, wilson, Tally};
use super::text::{fold, nfc};
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

// ---------------------------------------------------------------------------------------------
// When: share satisfied by weekday × hour
// ---------------------------------------------------------------------------------------------

/// The answers of each hour of the week: `cells[weekday][hour]`, weekday 0 = Monday … 6 =
/// Sunday, hour 0..24 in Vietnam time.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Week {
    pub cells: [[Tally; 24]; 7],
}

impl Week {
    /// Adds the answers of weekday `wd` (0 = Monday) at `hour`; out-of-range keys are ignored.
    pub fn add(&mut self, wd: usize, hour: usize, t: &Tally) {
        if let Some(c) = self.cells.get_mut(wd).and_then(|r| r.get_mut(hour)) {
            c.add(t);
        }
    }

    /// The hours (first, last) that have any answer on any day, to draw only those columns.
    pub fn hours_used(&self) -> Option<(usize, usize)> {
        let used: Vec<usize> = (0..24)
            .filter(|h| self.cells.iter().any(|d| d[*h].n() > 0))
            .collect();
        Some((*used.first()?, *used.last()?))
    }

    /// Every answer of the week.
    pub fn total(&self) -> Tally {
        self.cells.iter().flat_map(|d| d.iter()).sum()
    }
}

/// PostgreSQL's day of week (0 = Sunday … 6 = Saturday, as `EXTRACT(DOW …)` and SQLite's
/// `strftime('%w', …)` give it) → 0 = Monday … 6 = Sunday.
pub fn monday_first(dow_sunday_first: i64) -> usize {
    ((dow_sunday_first + 6) % 7) as usize
}

// ---------------------------------------------------------------------------------------------
// Alerts: a drop against the counter's own usual level
// ---------------------------------------------------------------------------------------------

/// The rule of an alert.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DropRule {
    /// The least answers in the recent window to judge it.
    pub min_window: i64,
    /// The least answers in the baseline to know the usual level.
    pub min_baseline: i64,
    /// The lower tail of the control limit (0.001: below the 99.8 % limits).
    pub tail: f64,
}

impl Default for DropRule {
    fn default() -> Self {
        DropRule {
            min_window: 20,
            min_baseline: 50,
            tail: 0.001,
        }
    }
}

/// The window an alert judges: the last `n` working days before `today` (today is not over),
/// as `(first, last)`.
pub fn recent_window(cal: &Calendar, today: NaiveDate, n: u32) -> (NaiveDate, NaiveDate) {
    let mut last = today - Duration::days(1);
    while !cal.is_working(last) {
        last -= Duration::days(1);
    }
    let mut first = last;
    let mut counted = 1;
    while counted < n.max(1) {
        first -= Duration::days(1);
        if cal.is_working(first) {
            counted += 1;
        }
    }
    (first, last)
}

/// A significant drop.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Drop {
    /// The usual share (the baseline's).
    pub usual: f64,
    /// The share in the recent window.
    pub recent: f64,
    /// The lower control limit the recent share fell below.
    pub limit: f64,
}

/// Whether the recent window's share satisfied falls **below the lower 99.8 % control limit**
/// around the counter's (or unit's) own usual share: the exact binomial limit of a funnel plot
/// (Spiegelhalter 2005) for the window's number of answers, centred on the baseline's share.
/// With about 3 standard errors, a counter as good as usual crosses it by chance about once in a
/// thousand windows. Too few answers in the window or the baseline: no judgement.
pub fn drop_test(baseline: &Tally, window: &Tally, rule: &DropRule) -> Option<Drop> {
    if window.n() < rule.min_window || baseline.n() < rule.min_baseline {
        return None;
    }
    let usual = baseline.share_satisfied()?;
    let recent = window.share_satisfied()?;
    let limit = funnel_limit(usual, window.n(), rule.tail)?;
    (recent < limit).then_some(Drop {
        usual,
        recent,
        limit,
    })
}

// ---------------------------------------------------------------------------------------------
// Compare two periods
// ---------------------------------------------------------------------------------------------

/// The change of a share from period A to period B.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Change {
    /// share(B) − share(A).
    pub diff: f64,
    /// 95 % interval of the difference (Newcombe's hybrid score interval).
    pub ci: (f64, f64),
    /// The interval leaves out 0: the change is beyond chance.
    pub beyond_chance: bool,
}

/// The change from A to B with Newcombe's hybrid score interval (Newcombe 1998, method 10),
/// built from each period's Wilson interval:
///
/// ```text
/// d = p_B − p_A
/// low  = d − √((p_B − l_B)² + (u_A − p_A)²)
/// high = d + √((u_B − p_B)² + (p_A − l_A)²)
/// ```
///
/// `None` when either period has no answers.
pub fn change(a: &Tally, b: &Tally) -> Option<Change> {
    let (pa, pb) = (a.share_satisfied()?, b.share_satisfied()?);
    let (la, ua) = wilson(a.satisfied(), a.n())?;
    let (lb, ub) = wilson(b.satisfied(), b.n())?;
    let d = pb - pa;
    let low = d - ((pb - lb).powi(2) + (ua - pa).powi(2)).sqrt();
    let high = d + ((ub - pb).powi(2) + (pa - la).powi(2)).sqrt();
    Some(Change {
        diff: d,
        ci: (low, high),
        beyond_chance: low > 0.0 || high < 0.0,
    })
}

// ---------------------------------------------------------------------------------------------
// Why: comments by theme
// ---------------------------------------------------------------------------------------------

/// A theme an administrator defines: its code, names and the words that mark it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Theme {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    /// Words or phrases (one or more syllables), with or without diacritics.
    pub keywords: Vec<String>,
}

/// The themes a province starts with (the administrator edits them).
pub fn default_themes() -> Vec<Theme> {
    let t = |code: &str, vi: &str, en: &str, words: &[&str]| Theme {
        code: code.into(),
        name_vi: vi.into(),
        name_en: en.into(),
        keywords: words.iter().map(|w| w.to_string()).collect(),
    };
    vec![
        t(
            "waiting",
            "Thời gian chờ",
            "Waiting time",
            &[
                "chờ",
                "chờ lâu",
                "đợi",
                "xếp hàng",
                "lâu",
                "trễ hẹn",
                "chậm",
                "mất thời gian",
                "hẹn lại",
            ],
        ),
        t(
            "attitude",
            "Thái độ cán bộ",
            "Staff attitude",
            &[
                "thái độ",
                "cáu gắt",
                "hách dịch",
                "thờ ơ",
                "khó chịu",
                "lịch sự",
                "nhiệt tình",
                "quát",
                "gây khó dễ",
                "tận tình",
            ],
        ),
        t(
            "fees",
            "Phí, lệ phí",
            "Fees",
            &[
                "phí",
                "lệ phí",
                "tiền",
                "chi phí",
                "bồi dưỡng",
                "thu thêm",
                "phong bì",
            ],
        ),
        t(
            "papers",
            "Giấy tờ ngoài quy định",
            "Papers beyond the rules",
            &[
                "giấy tờ",
                "hồ sơ",
                "bổ sung",
                "yêu cầu thêm",
                "photo",
                "công chứng",
                "sao y",
                "thủ tục rườm rà",
                "nhiều lần",
            ],
        ),
        t(
            "facilities",
            "Cơ sở vật chất",
            "Facilities",
            &[
                "ghế",
                "chỗ ngồi",
                "nóng",
                "quạt",
                "máy lạnh",
                "điều hòa",
                "nhà vệ sinh",
                "chật",
                "bãi xe",
                "chỗ để xe",
                "máy tính",
            ],
        ),
    ]
}

/// Text as syllables for matching: in NFC, lower case, split on anything that is not a letter or
/// digit; with `folded`, also without diacritics (`đ` → `d`).
fn syllables(s: &str, folded: bool) -> Vec<String> {
    let text = if folded {
        fold(s)
    } else {
        nfc(s).to_lowercase()
    };
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// The themes a comment speaks of, in the themes' order. Vietnamese writes words of one or more
/// syllables separated by spaces, so the comment is segmented by **longest matching**: at each
/// position the longest keyword (in syllables, of any theme) that starts there is taken and the
/// position moves past it; a shorter keyword inside a longer one is not counted again ("chờ lâu"
/// is one mark of waiting, not also "chờ" and "lâu"). Matching never looks inside a syllable
/// ("phí" does not match "phía") and ignores case and the Unicode form. Diacritics tell words
/// apart ("chờ" waiting, "chỗ" a seat, "cho" for), so a comment written with diacritics is
/// matched with them; a comment written entirely without them (as many type on a phone) is
/// matched against the keywords without theirs.
pub fn themes_of(comment: &str, themes: &[Theme]) -> Vec<usize> {
    let bare = fold(comment) == nfc(comment).to_lowercase();
    let words = syllables(comment, bare);
    let keys: Vec<(usize, Vec<String>)> = themes
        .iter()
        .enumerate()
        .flat_map(|(i, t)| t.keywords.iter().map(move |k| (i, syllables(k, bare))))
        .filter(|(_, k)| !k.is_empty())
        .collect();
    let mut found = vec![false; themes.len()];
    let mut i = 0;
    while i < words.len() {
        let best = keys
            .iter()
            .filter(|(_, k)| words[i..].starts_with(k))
            .max_by_key(|(_, k)| k.len());
        match best {
            Some((t, k)) => {
                found[*t] = true;
                i += k.len();
            }
            None => i += 1,
        }
    }
    found
        .iter()
        .enumerate()
        .filter(|(_, f)| **f)
        .map(|(i, _)| i)
        .collect()
}

/// Parses the keywords an administrator typed: one per line or separated by commas or
/// semicolons; blanks dropped; at most 100 of at most 60 characters.
pub fn parse_keywords(s: &str) -> Result<Vec<String>, &'static str> {
    let words: Vec<String> = s
        .split(['\n', ',', ';'])
        .map(|w| w.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        return Err("theme.err_keywords");
    }
    if words.len() > 100 || words.iter().any(|w| w.chars().count() > 60) {
        return Err("theme.err_keywords_long");
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-6, "{a} ≠ {b}");
    }

    #[test]
    fn week_cells_and_hours() {
        let mut w = Week::default();
        w.add(0, 8, &Tally::new(0, 1, 0, 2, 1));
        w.add(4, 16, &Tally::one(5));
        w.add(7, 3, &Tally::one(5)); // no eighth day: ignored
        assert_eq!(w.hours_used(), Some((8, 16)));
        assert_eq!(w.total().n(), 5);
        assert_eq!(w.cells[0][8].satisfied(), 3);
        // SQLite's %w and PostgreSQL's DOW count from Sunday.
        assert_eq!(monday_first(0), 6);
        assert_eq!(monday_first(1), 0);
        assert_eq!(monday_first(6), 5);
        assert_eq!(Week::default().hours_used(), None);
    }

    #[test]
    fn a_drop_below_the_counters_own_control_limit() {
        let rule = DropRule::default();
        // Usual: 160 satisfied of 200 (0.80). Recent 30 answers. The 0.1 % lower limit of
        // Binomial(30, 0.8) with Spiegelhalter's interpolation, by scipy.stats.binom:
        // P(R ≤ 16) = 0.000902, P(R ≤ 17) = 0.003111 → r = 17,
        // α = (0.003111 − 0.001)/(0.003111 − 0.000902) = 0.9557 → (17 − 0.9557)/30 = 0.534814.
        let usual = Tally::new(10, 10, 20, 80, 80);
        let l = funnel_limit(0.8, 30, 0.001).unwrap();
        assert!((l - 0.534814).abs() < 1e-5, "{l}");
        // 15 of 30 (0.50) is below it: an alert.
        let d = drop_test(&usual, &Tally::new(5, 5, 5, 10, 5), &rule).unwrap();
        close(d.usual, 0.8);
        close(d.recent, 0.5);
        assert!(d.limit > 0.5);
        // 18 of 30 (0.60) is low but within chance at this level.
        assert_eq!(drop_test(&usual, &Tally::new(4, 4, 4, 10, 8), &rule), None);
        // Too few answers to judge.
        assert_eq!(drop_test(&usual, &Tally::new(5, 5, 0, 0, 0), &rule), None);
        assert_eq!(
            drop_test(
                &Tally::new(0, 0, 0, 5, 5),
                &Tally::new(20, 0, 0, 0, 0),
                &rule
            ),
            None
        );
    }

    #[test]
    fn the_recent_window_counts_working_days() {
        use crate::domain::calendar::DayKind;
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        // Tết 2026: Monday 16 to Friday 20 February off.
        let cal = Calendar::new((16..=20).map(|x| (d(2, x), DayKind::Holiday)));
        // Seen on Tuesday 24/02: the last 10 working days are Mon 23/02, then Fri 13 back to
        // Tue 3/02 (9 more: 13, 12, 11, 10, 9, 6, 5, 4, 3).
        assert_eq!(recent_window(&cal, d(2, 24), 10), (d(2, 3), d(2, 23)));
        // Seen on a Monday: the window ends the Friday before.
        assert_eq!(recent_window(&cal, d(3, 9), 1), (d(3, 6), d(3, 6)));
    }

    #[test]
    fn a_change_beyond_chance_by_newcombe() {
        // statsmodels confint_proportions_2indep(count1=30, nobs1=60, count2=45, nobs2=60,
        // method="newcomb", compare="diff") for B = 30/60 minus A = 45/60:
        // (−0.403461, −0.076780): beyond chance.
        let a = Tally::new(5, 5, 5, 20, 25); // 45 of 60
        let b = Tally::new(10, 10, 10, 15, 15); // 30 of 60
        let c = change(&a, &b).unwrap();
        close(c.diff, -0.25);
        close(c.ci.0, -0.403461);
        close(c.ci.1, -0.076780);
        assert!(c.beyond_chance);
        // A = 80/100, B = 75/100: (−0.164443, 0.065966), within chance.
        let c = change(
            &Tally::new(5, 5, 10, 40, 40),
            &Tally::new(5, 10, 10, 40, 35),
        )
        .unwrap();
        close(c.ci.0, -0.164443);
        close(c.ci.1, 0.065966);
        assert!(!c.beyond_chance);
        // A = 9/10... B = 8/10 → B − A; statsmodels (−0.420536, 0.236225) for 8/10 − 9/10.
        let c = change(&Tally::new(0, 0, 1, 4, 5), &Tally::new(0, 1, 1, 4, 4)).unwrap();
        close(c.ci.0, -0.420536);
        close(c.ci.1, 0.236225);
        assert_eq!(change(&Tally::default(), &a), None);
    }

    #[test]
    fn comments_by_theme_with_longest_matching() {
        let th = default_themes();
        let codes = |c: &str| -> Vec<&str> {
            themes_of(c, &th)
                .into_iter()
                .map(|i| th[i].code.as_str())
                .collect()
        };
        assert_eq!(
            codes("Phải chờ lâu quá, cán bộ thái độ cáu gắt"),
            vec!["waiting", "attitude"]
        );
        // Without diacritics, in capitals.
        assert_eq!(
            codes("CHO LAU, THAI DO KHONG TOT"),
            vec!["waiting", "attitude"]
        );
        // In decomposed Unicode (NFD), as some phones type it.
        assert_eq!(codes("tha\u{0301}i đô\u{0323}"), vec!["attitude"]);
        // "phí" is not inside "phía"; "lệ phí" is one mark of fees.
        assert_eq!(codes("Ngồi phía trong, lệ phí đúng quy định"), vec!["fees"]);
        assert_eq!(codes("Đi về phía cổng"), Vec::<&str>::new());
        // Written with diacritics, "chỗ" (a place) and "cho" (for) are not "chờ" (waiting).
        assert_eq!(
            codes("Được hỗ trợ điền tờ khai tại chỗ, cảm ơn các cô chú"),
            Vec::<&str>::new()
        );
        assert_eq!(codes("Cảm ơn đã hướng dẫn cho tôi"), Vec::<&str>::new());
        // Written without any, "cho" may be "chờ": matched.
        assert_eq!(codes("phai cho rat lau"), vec!["waiting"]);
        // Papers asked beyond the rules, and the facilities.
        assert_eq!(
            codes("Yêu cầu thêm bản sao y, không đủ ghế ngồi"),
            vec!["papers", "facilities"]
        );
        assert_eq!(codes("Rất hài lòng"), Vec::<&str>::new());
        assert_eq!(codes(""), Vec::<&str>::new());
    }

    #[test]
    fn keywords_as_typed() {
        assert_eq!(
            parse_keywords(" chờ lâu ,xếp  hàng;\nđợi\n\n").unwrap(),
            vec!["chờ lâu", "xếp hàng", "đợi"]
        );
        assert_eq!(parse_keywords(" , ;"), Err("theme.err_keywords"));
        assert_eq!(
            parse_keywords(&"a".repeat(61)),
            Err("theme.err_keywords_long")
        );
    }
}
