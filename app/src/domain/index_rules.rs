//! The rules an administrator sets for the indices: the provincial PAR-INDEX satisfaction points
//! and bands with the late-dossier cap, the weights of the Decision 766 satisfaction group, and
//! the margin of error of the sample-size rule. Stored as settings (`index.*`), typed on a form.
//!
//! The bands have fixed codes (excellent, good, fair, poor) so that every page can name them in
//! both languages; their minimums, the points, the cap and the weights are the administrator's.

use super::index::{ParRules, SampleRule, Weights766, DEFAULT_MARGIN, DEFAULT_MIN_ANSWERS};

/// The band codes from the best; the last band's minimum is always 0.
pub const BANDS: [&str; 4] = ["excellent", "good", "fair", "poor"];

/// Everything the index pages need besides the counts.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexRules {
    pub par: ParRules,
    pub w766: Weights766,
    /// `e` of n = N / (1 + N·e²).
    pub margin: f64,
    /// The least number of answers a unit is ranked on.
    pub min_answers: i64,
}

impl IndexRules {
    /// The sample-size rule these rules set.
    pub fn sample(&self) -> SampleRule {
        SampleRule {
            margin: self.margin,
            min_answers: self.min_answers,
        }
    }
}

impl Default for IndexRules {
    fn default() -> Self {
        IndexRules {
            par: ParRules::default(),
            w766: Weights766::default(),
            margin: DEFAULT_MARGIN,
            min_answers: DEFAULT_MIN_ANSWERS,
        }
    }
}

/// The form's fields (and the settings' keys after `index.`), as typed.
pub const FIELDS: [&str; 11] = [
    "par_max_points",
    "band_excellent",
    "band_good",
    "band_fair",
    "late_cap_pct",
    "late_cap_band",
    "w766_on_time",
    "w766_not_dissatisfied",
    "w766_dossiers",
    "margin_pct",
    "min_answers",
];

/// A number typed with a dot or a Vietnamese decimal comma.
fn number(s: &str) -> Option<f64> {
    let v: f64 = s.trim().replace(',', ".").parse().ok()?;
    v.is_finite().then_some(v)
}

/// A number with at most `decimals` decimals and no trailing zeros: `14`, `6.5`, `0.1`.
pub fn trimmed(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A number as a form field shows it (up to 4 decimals).
fn show(v: f64) -> String {
    trimmed(v, 4)
}

impl IndexRules {
    /// The values as the form shows them (shares in per cent).
    pub fn to_fields(&self) -> Vec<(&'static str, String)> {
        let min = |code: &str| {
            self.par
                .bands
                .iter()
                .find(|(c, _)| c == code)
                .map(|(_, m)| show(m * 100.0))
                .unwrap_or_default()
        };
        let (cap_pct, cap_band) = match &self.par.late_cap {
            Some((t, b)) => (show(t * 100.0), b.clone()),
            None => (String::new(), String::new()),
        };
        vec![
            ("par_max_points", show(self.par.max_points)),
            ("band_excellent", min("excellent")),
            ("band_good", min("good")),
            ("band_fair", min("fair")),
            ("late_cap_pct", cap_pct),
            ("late_cap_band", cap_band),
            ("w766_on_time", show(self.w766.on_time)),
            ("w766_not_dissatisfied", show(self.w766.not_dissatisfied)),
            ("w766_dossiers", show(self.w766.dossiers)),
            ("margin_pct", show(self.margin * 100.0)),
            ("min_answers", self.min_answers.to_string()),
        ]
    }

    /// Parses the form (or the stored settings, same names): every field with its own error
    /// key, then the rules as a whole (bands strictly decreasing). An empty late-dossier
    /// threshold means no cap.
    pub fn from_fields<'a>(
        get: impl Fn(&str) -> Option<&'a str>,
    ) -> Result<IndexRules, Vec<(&'static str, &'static str)>> {
        let mut errs: Vec<(&'static str, &'static str)> = Vec::new();
        let mut num = |name: &'static str, lo: f64, hi: f64, lo_open: bool| -> f64 {
            match get(name).and_then(number) {
                Some(v) if v <= hi && (v > lo || (!lo_open && v == lo)) => v,
                _ => {
                    errs.push((name, "idx.err_number"));
                    0.0
                }
            }
        };
        let max_points = num("par_max_points", 0.0, 100.0, true);
        let excellent = num("band_excellent", 0.0, 100.0, true);
        let good = num("band_good", 0.0, 100.0, true);
        let fair = num("band_fair", 0.0, 100.0, true);
        let on_time = num("w766_on_time", 0.0, 100.0, false);
        let not_dissatisfied = num("w766_not_dissatisfied", 0.0, 100.0, false);
        let dossiers = num("w766_dossiers", 0.0, 100.0, false);
        let margin = num("margin_pct", 0.0, 50.0, true);
        let min_answers = num("min_answers", 0.0, 100_000.0, false);
        let cap_text = get("late_cap_pct").unwrap_or("").trim();
        let late_cap = if cap_text.is_empty() {
            None
        } else {
            let t = num("late_cap_pct", 0.0, 100.0, true);
            let band = get("late_cap_band").unwrap_or("").trim();
            if !BANDS[..3].contains(&band) {
                errs.push(("late_cap_band", "idx.err_cap_band"));
            }
            Some((t / 100.0, band.to_string()))
        };
        if min_answers.fract() != 0.0 {
            errs.push(("min_answers", "idx.err_whole"));
        }
        let w766 = Weights766 {
            on_time,
            not_dissatisfied,
            dossiers,
        };
        if errs.iter().all(|(f, _)| !f.starts_with("w766_")) {
            if let Err(key) = w766.validate() {
                errs.push(("w766_dossiers", key));
            }
        }
        if errs.iter().all(|(f, _)| !f.starts_with("band_")) && !(excellent > good && good > fair) {
            errs.push(("band_good", "idx.err_bands"));
        }
        if !errs.is_empty() {
            return Err(errs);
        }
        let par = ParRules {
            max_points,
            bands: vec![
                ("excellent".into(), excellent / 100.0),
                ("good".into(), good / 100.0),
                ("fair".into(), fair / 100.0),
                ("poor".into(), 0.0),
            ],
            late_cap,
        };
        par.validate()
            .map_err(|_| vec![("band_good", "idx.err_bands")])?;
        Ok(IndexRules {
            par,
            w766,
            margin: margin / 100.0,
            min_answers: min_answers as i64,
        })
    }

    /// The rules stored as `index.*` settings; anything missing or no longer valid gives the
    /// defaults (the page never fails on a bad setting).
    pub fn from_settings<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> IndexRules {
        let stored: Vec<(&str, &str)> = pairs
            .filter_map(|(k, v)| k.strip_prefix("index.").map(|k| (k, v)))
            .collect();
        if stored.is_empty() {
            return IndexRules::default();
        }
        let defaults = IndexRules::default().to_fields();
        let get = |name: &str| -> Option<&str> {
            stored
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| *v)
                .or_else(|| {
                    defaults
                        .iter()
                        .find(|(k, _)| *k == name)
                        .map(|(_, v)| v.as_str())
                })
        };
        IndexRules::from_fields(get).unwrap_or_default()
    }

    /// The settings to store.
    pub fn to_settings(&self) -> Vec<(String, String)> {
        self.to_fields()
            .into_iter()
            .map(|(k, v)| (format!("index.{k}"), v))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn parse(pairs: &[(&str, &str)]) -> Result<IndexRules, Vec<(&'static str, &'static str)>> {
        let m: HashMap<&str, &str> = pairs.iter().copied().collect();
        IndexRules::from_fields(|k| m.get(k).copied())
    }

    fn form(over: &[(&'static str, &'static str)]) -> Vec<(&'static str, String)> {
        let mut f = IndexRules::default().to_fields();
        for (k, v) in over {
            f.iter_mut().find(|(n, _)| n == k).unwrap().1 = v.to_string();
        }
        f
    }

    fn parse_form(
        f: &[(&'static str, String)],
    ) -> Result<IndexRules, Vec<(&'static str, &'static str)>> {
        IndexRules::from_fields(|k| f.iter().find(|(n, _)| *n == k).map(|(_, v)| v.as_str()))
    }

    #[test]
    fn defaults_round_trip_through_the_form_and_the_settings() {
        let d = IndexRules::default();
        assert_eq!(parse_form(&d.to_fields()).unwrap(), d);
        let stored = d.to_settings();
        assert!(stored
            .iter()
            .any(|(k, v)| k == "index.par_max_points" && v == "14"));
        assert!(stored
            .iter()
            .any(|(k, v)| k == "index.band_good" && v == "80"));
        let back = IndexRules::from_settings(stored.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        assert_eq!(back, d);
        assert_eq!(IndexRules::from_settings(std::iter::empty()), d);
    }

    #[test]
    fn a_changed_rule_is_kept_and_decimal_commas_are_read() {
        let r = parse_form(&form(&[
            ("par_max_points", "12,5"),
            ("band_excellent", "95"),
            ("late_cap_pct", "15"),
            ("late_cap_band", "excellent"),
            ("w766_on_time", "4"),
            ("w766_dossiers", "8"),
            ("margin_pct", "3"),
            ("min_answers", "50"),
        ]))
        .unwrap();
        assert_eq!(r.par.max_points, 12.5);
        assert_eq!(r.par.bands[0], ("excellent".to_string(), 0.95));
        assert_eq!(r.par.late_cap, Some((0.15, "excellent".to_string())));
        assert_eq!(r.w766.dossiers, 8.0);
        assert!((r.margin - 0.03).abs() < 1e-12);
        assert_eq!(r.min_answers, 50);
        assert_eq!(r.sample().required(0), 50);
    }

    #[test]
    fn an_empty_threshold_means_no_cap() {
        let r = parse_form(&form(&[("late_cap_pct", " "), ("late_cap_band", "")])).unwrap();
        assert_eq!(r.par.late_cap, None);
    }

    #[test]
    fn bad_input_names_each_field() {
        let e = parse_form(&form(&[
            ("par_max_points", "0"),
            ("w766_on_time", "-1"),
            ("margin_pct", "abc"),
        ]))
        .unwrap_err();
        let fields: Vec<&str> = e.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, vec!["par_max_points", "w766_on_time", "margin_pct"]);
        // Bands not decreasing.
        let e = parse_form(&form(&[("band_good", "92")])).unwrap_err();
        assert_eq!(e, vec![("band_good", "idx.err_bands")]);
        // The cap must name a band with one below it.
        let e = parse_form(&form(&[("late_cap_band", "poor")])).unwrap_err();
        assert_eq!(e, vec![("late_cap_band", "idx.err_cap_band")]);
        // Zero weight is allowed (a province may drop a ratio) when the three still add up to the
        // group's 18 points: 0 + 9 + 9.
        assert!(parse_form(&form(&[
            ("w766_on_time", "0"),
            ("w766_not_dissatisfied", "9"),
            ("w766_dossiers", "9")
        ]))
        .is_ok());
        // 6 + 6 + 10 = 22 ≠ 18: refused, the message on the last weight.
        let e = parse_form(&form(&[("w766_dossiers", "10")])).unwrap_err();
        assert_eq!(e, vec![("w766_dossiers", "idx.err_w766_sum")]);
        // 0 + 6 + 6 = 12 ≠ 18.
        let e = parse_form(&form(&[("w766_on_time", "0")])).unwrap_err();
        assert_eq!(e, vec![("w766_dossiers", "idx.err_w766_sum")]);
        // A fractional minimum of answers.
        let e = parse_form(&form(&[("min_answers", "2.5")])).unwrap_err();
        assert_eq!(e, vec![("min_answers", "idx.err_whole")]);
        assert!(parse(&[("par_max_points", "101")]).is_err());
    }

    #[test]
    fn a_stored_setting_gone_bad_falls_back_to_the_defaults() {
        let r =
            IndexRules::from_settings([("index.band_good", "95"), ("other.key", "1")].into_iter());
        assert_eq!(r, IndexRules::default());
        let r = IndexRules::from_settings([("index.par_max_points", "10")].into_iter());
        assert_eq!(r.par.max_points, 10.0);
        assert_eq!(r.par.bands, ParRules::default().bands);
    }
}
