//! Satisfaction ratings: the 1–5 scale, kiosk faces, "satisfied", suspicious bursts, and the
//! hash chain that makes each unit's ratings tamper-evident.

use chrono::{DateTime, Datelike, NaiveTime, Timelike, Utc, Weekday};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A score on the SIPAS scale: 1 rất không hài lòng … 5 rất hài lòng.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Score(u8);

impl Score {
    pub fn new(v: i64) -> Option<Score> {
        (1..=5).contains(&v).then_some(Score(v as u8))
    }
    pub fn parse(s: &str) -> Option<Score> {
        s.trim().parse::<i64>().ok().and_then(Score::new)
    }
    pub fn get(self) -> i32 {
        self.0 as i32
    }
    /// "Satisfied" means 4 or 5.
    pub fn satisfied(self) -> bool {
        self.0 >= 4
    }
    /// The i18n key of the scale label.
    pub fn label_key(self) -> &'static str {
        ["scale.1", "scale.2", "scale.3", "scale.4", "scale.5"][self.0 as usize - 1]
    }
}

/// The scores a kiosk with 3, 4 or 5 faces offers, from the unhappiest face to the happiest.
/// Each face maps onto the 1–5 scale so that every kiosk feeds the same index.
pub fn face_scores(faces: i32) -> &'static [i32] {
    match faces {
        3 => &[1, 3, 5],
        4 => &[1, 2, 4, 5],
        _ => &[1, 2, 3, 4, 5],
    }
}

/// A face tapped on a kiosk with `faces` faces: its score on the 1–5 scale, if the kiosk offers it.
pub fn kiosk_score(s: &str, faces: i32) -> Option<i32> {
    s.trim()
        .parse::<i32>()
        .ok()
        .filter(|s| face_scores(faces).contains(s))
}

/// The kiosk's optional second step, element id → face score: the answers kept are those for
/// an element of the instrument (`is_element`) with a score the kiosk offers, sorted.
pub fn kiosk_answers<'a>(
    answers: impl IntoIterator<Item = (&'a str, &'a str)>,
    faces: i32,
    is_element: impl Fn(i64) -> bool,
) -> Vec<(i64, Option<i64>, i32)> {
    let allowed = face_scores(faces);
    let mut list: Vec<(i64, Option<i64>, i32)> = answers
        .into_iter()
        .filter_map(|(k, v)| {
            let eid = k.parse::<i64>().ok()?;
            let score = v.parse::<i32>().ok().filter(|s| allowed.contains(s))?;
            is_element(eid).then_some((eid, None, score))
        })
        .collect();
    list.sort();
    list
}

/// The kiosk's comment: trimmed, control characters but line breaks dropped, at most 500
/// characters.
pub fn kiosk_comment(s: &str) -> String {
    s.trim()
        .chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .take(500)
        .collect()
}

/// The kiosk's nonce for a rating (a retried post is saved once): trimmed, at most 64
/// characters, None when blank.
pub fn kiosk_nonce(s: &str) -> Option<String> {
    Some(s.trim().chars().take(64).collect::<String>()).filter(|n| !n.is_empty())
}

/// The overall score every survey requires and its optional one-line comment (line breaks
/// become spaces), checked; errors are (field, i18n key).
pub fn survey_answer(
    overall: Option<&str>,
    comment: &str,
) -> Result<(Score, String), Vec<(&'static str, &'static str)>> {
    let mut errs = Vec::new();
    let score = overall.and_then(Score::parse);
    if score.is_none() {
        errs.push(("overall", "survey.overall_missing"));
    }
    let comment = super::validate::optional_text(&comment.replace(['\r', '\n'], " "), 1000)
        .unwrap_or_else(|e| {
            errs.push(("comment", e));
            String::new()
        });
    match score {
        Some(score) if errs.is_empty() => Ok((score, comment)),
        _ => Err(errs),
    }
}

/// Where an answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Channel {
    Kiosk,
    Web,
    SmsLink,
    Session,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Kiosk => "kiosk",
            Channel::Web => "web",
            Channel::SmsLink => "sms",
            Channel::Session => "session",
        }
    }
    pub fn parse(s: &str) -> Option<Channel> {
        match s {
            "kiosk" => Some(Channel::Kiosk),
            "web" => Some(Channel::Web),
            "sms" => Some(Channel::SmsLink),
            "session" => Some(Channel::Session),
            _ => None,
        }
    }
    pub fn label_key(self) -> &'static str {
        match self {
            Channel::Kiosk => "channel.kiosk",
            Channel::Web => "channel.web",
            Channel::SmsLink => "channel.sms",
            Channel::Session => "channel.session",
        }
    }
}

/// When the one-stop counters serve citizens (local time). Answers outside these hours from a
/// kiosk are suspicious: nobody was served then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpeningHours {
    /// Monday–Friday opening and closing.
    pub weekday: (NaiveTime, NaiveTime),
    /// Saturday (many units open on Saturday morning), or None.
    pub saturday: Option<(NaiveTime, NaiveTime)>,
    /// Sunday, or None.
    pub sunday: Option<(NaiveTime, NaiveTime)>,
}

impl Default for OpeningHours {
    fn default() -> Self {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN);
        // A margin of half an hour each side of the usual 7:30–17:00.
        OpeningHours {
            weekday: (t(7, 0), t(17, 30)),
            saturday: Some((t(7, 0), t(12, 0))),
            sunday: None,
        }
    }
}

impl OpeningHours {
    /// Every hour of every day (no answer is suspicious for its time).
    pub fn always() -> OpeningHours {
        let span = (
            NaiveTime::MIN,
            NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN),
        );
        OpeningHours {
            weekday: span,
            saturday: Some(span),
            sunday: Some(span),
        }
    }

    /// Parses `07:00-17:30` (Monday–Friday), optionally followed by `;sat 07:00-12:00` and
    /// `;sun 08:00-11:00`, or `always`.
    pub fn parse(s: &str) -> Option<OpeningHours> {
        let s = s.trim();
        if s == "always" {
            return Some(OpeningHours::always());
        }
        let span = |p: &str| -> Option<(NaiveTime, NaiveTime)> {
            let (a, b) = p.trim().split_once('-')?;
            let a = NaiveTime::parse_from_str(a.trim(), "%H:%M").ok()?;
            let b = NaiveTime::parse_from_str(b.trim(), "%H:%M").ok()?;
            (a < b).then_some((a, b))
        };
        let mut parts = s.split(';');
        let weekday = span(parts.next()?)?;
        let (mut saturday, mut sunday) = (None, None);
        for p in parts {
            let p = p.trim();
            if let Some(rest) = p.strip_prefix("sat") {
                saturday = Some(span(rest)?);
            } else if let Some(rest) = p.strip_prefix("sun") {
                sunday = Some(span(rest)?);
            } else {
                return None;
            }
        }
        Some(OpeningHours {
            weekday,
            saturday,
            sunday,
        })
    }

    /// Whether a moment (in Asia/Ho_Chi_Minh) falls within opening hours.
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        let local = at.with_timezone(&chrono_tz::Asia::Ho_Chi_Minh);
        let time = NaiveTime::from_hms_opt(local.hour(), local.minute(), local.second())
            .unwrap_or(NaiveTime::MIN);
        let span = match local.weekday() {
            Weekday::Sat => self.saturday,
            Weekday::Sun => self.sunday,
            _ => Some(self.weekday),
        };
        span.is_some_and(|(open, close)| open <= time && time <= close)
    }
}

/// The burst rule: from one kiosk, `count` identical answers in a row within `window_secs`
/// seconds are not a queue of citizens but a finger (or a script) on the screen. The window is
/// exact to the microsecond: the first and the last of the `count` answers are at most
/// `window_secs` seconds apart (20.000 s is inside, 20.001 s is not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BurstRule {
    pub count: usize,
    pub window_secs: i64,
}

impl Default for BurstRule {
    fn default() -> Self {
        BurstRule {
            count: 5,
            window_secs: 20,
        }
    }
}

/// Why a rating is set aside from the indices until an admin clears it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suspicion {
    /// `count` identical answers within the burst window (flagged whole).
    Burst,
    /// A kiosk answer when nobody is served.
    OutsideHours,
    /// Past a kiosk's ceiling of answers per minute or per hour.
    Ceiling,
    /// A run of answers beating like a metronome (flagged whole).
    Rhythm,
    /// The kiosk's day is held for review: its share satisfied jumped far above the kiosk's
    /// own level together with a volume spike.
    Review,
    /// From a second device with a copy of the kiosk's credential.
    SecondDevice,
}

impl Suspicion {
    pub fn as_str(self) -> &'static str {
        match self {
            Suspicion::Burst => "burst",
            Suspicion::OutsideHours => "outside_hours",
            Suspicion::Ceiling => "ceiling",
            Suspicion::Rhythm => "rhythm",
            Suspicion::Review => "review",
            Suspicion::SecondDevice => "second_device",
        }
    }
}

/// What the rules say of a new kiosk answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Judgement {
    /// Why the new answer is set aside, if it is.
    pub new: Option<Suspicion>,
    /// How many of the latest earlier answers belong to the burst the new answer completes:
    /// a burst is flagged whole, so these are set aside too (those already set aside stay so).
    pub burst_earlier: usize,
}

/// Judges a new kiosk answer. `recent` are the latest earlier answers of the same kiosk
/// (time, score), oldest first; only the last `rule.count - 1` matter for the burst.
pub fn judge_kiosk_answer(
    at: DateTime<Utc>,
    score: i32,
    recent: &[(DateTime<Utc>, i32)],
    hours: &OpeningHours,
    rule: BurstRule,
) -> Judgement {
    let need = rule.count.saturating_sub(1);
    let window = chrono::Duration::seconds(rule.window_secs);
    if need > 0 && recent.len() >= need {
        let last = &recent[recent.len() - need..];
        if last
            .iter()
            .all(|(t, s)| *s == score && (at - *t).abs() <= window)
        {
            return Judgement {
                new: Some(Suspicion::Burst),
                burst_earlier: need,
            };
        }
    }
    Judgement {
        new: (!hours.is_open(at)).then_some(Suspicion::OutsideHours),
        burst_earlier: 0,
    }
}

/// The fields of a rating that its hash covers, in a fixed order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainFields<'a> {
    pub unit_id: i64,
    pub seq: i64,
    pub instrument_id: i64,
    pub channel: &'a str,
    pub score: i32,
    pub faces: Option<i32>,
    pub counter_id: Option<i64>,
    pub kiosk_id: Option<i64>,
    pub procedure_id: Option<i64>,
    pub dossier_id: Option<i64>,
    pub corrects_id: Option<i64>,
    pub correction_reason: &'a str,
    pub created_at: DateTime<Utc>,
}

/// The hash of the first link of every unit's chain.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// SHA-256 over the previous hash and the rating's fields: changing any stored field, or
/// removing or reordering rows, breaks every hash after it.
pub fn chain_hash(prev: &str, f: &ChainFields<'_>) -> String {
    let mut h = Sha256::new();
    let opt = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
    let text = format!(
        "{prev}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}:{}|{}",
        f.unit_id,
        f.seq,
        f.instrument_id,
        f.channel,
        f.score,
        f.faces.map(|v| v.to_string()).unwrap_or_default(),
        opt(f.counter_id),
        opt(f.kiosk_id),
        opt(f.procedure_id),
        opt(f.dossier_id),
        opt(f.corrects_id),
        f.correction_reason.len(),
        f.correction_reason,
        f.created_at.timestamp_micros(),
    );
    h.update(text.as_bytes());
    hex::encode(h.finalize())
}

/// The hash of one answer of a rating, chained onto the rating's own hash.
pub fn answer_hash(
    rating_hash: &str,
    element_id: i64,
    criterion_id: Option<i64>,
    score: i32,
) -> String {
    let c = criterion_id.map(|v| v.to_string()).unwrap_or_default();
    hex::encode(Sha256::digest(
        format!("{rating_hash}|a|{element_id}|{c}|{score}").as_bytes(),
    ))
}

/// The hash of a rating's comment, chained onto the rating's own hash.
pub fn comment_hash(rating_hash: &str, comment: &str) -> String {
    hex::encode(Sha256::digest(
        format!("{rating_hash}|c|{comment}").as_bytes(),
    ))
}

/// What a flag event is: an answer set aside, or its flag cleared by an administrator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagAction {
    Flag,
    Clear,
}

impl FlagAction {
    pub fn as_str(self) -> &'static str {
        match self {
            FlagAction::Flag => "flag",
            FlagAction::Clear => "clear",
        }
    }
}

/// The fields of a flag event that its hash covers, in a fixed order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagFields<'a> {
    pub unit_id: i64,
    pub seq: i64,
    pub rating_id: i64,
    pub action: &'a str,
    pub reason: &'a str,
    pub account_id: Option<i64>,
    pub at: DateTime<Utc>,
}

/// SHA-256 over the previous event's hash and a flag event's fields: each unit's flags and
/// their clearing form a chain like its ratings, so a flag removed or changed behind the
/// application's back (which would bring a set-aside answer into the counts) is found.
pub fn flag_hash(prev: &str, f: &FlagFields<'_>) -> String {
    let text = format!(
        "{prev}|f|{}|{}|{}|{}|{}:{}|{}|{}",
        f.unit_id,
        f.seq,
        f.rating_id,
        f.action,
        f.reason.len(),
        f.reason,
        f.account_id.map(|v| v.to_string()).unwrap_or_default(),
        f.at.timestamp_micros(),
    );
    hex::encode(Sha256::digest(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn kiosk_and_survey_answers() {
        assert_eq!(kiosk_score(" 3 ", 3), Some(3));
        assert_eq!(kiosk_score("2", 3), None, "a three-face kiosk has no 2");
        assert_eq!(kiosk_score("x", 5), None);
        assert_eq!(
            kiosk_answers(
                [("7", "4"), ("5", "5"), ("6", "3"), ("x", "1"), ("9", "5")],
                4,
                |e| e < 9
            ),
            vec![(5, None, 5), (7, None, 4)]
        );
        assert_eq!(kiosk_comment("  Tốt\u{7}\nlắm \t"), "Tốt\nlắm");
        assert_eq!(kiosk_comment(&"a".repeat(600)).len(), 500);
        assert_eq!(kiosk_nonce("  "), None);
        assert_eq!(kiosk_nonce(&"n".repeat(70)).map(|n| n.len()), Some(64));
        assert_eq!(
            survey_answer(Some(" 4 "), "Nhanh\r\ngọn"),
            Ok((Score(4), "Nhanh  gọn".to_string()))
        );
        assert_eq!(
            survey_answer(None, &"x".repeat(1001)),
            Err(vec![
                ("overall", "survey.overall_missing"),
                ("comment", "err.too_long")
            ])
        );
        assert_eq!(
            survey_answer(Some("6"), ""),
            Err(vec![("overall", "survey.overall_missing")])
        );
    }

    fn vn(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        chrono_tz::Asia::Ho_Chi_Minh
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn faces_map_onto_the_scale() {
        assert_eq!(face_scores(3), &[1, 3, 5]);
        assert_eq!(face_scores(4), &[1, 2, 4, 5]);
        assert_eq!(face_scores(5), &[1, 2, 3, 4, 5]);
        assert!(Score::new(4).unwrap().satisfied());
        assert!(!Score::new(3).unwrap().satisfied());
        assert_eq!(Score::new(0), None);
        assert_eq!(Score::parse(" 5 "), Score::new(5));
    }

    #[test]
    fn opening_hours_in_vietnam_time() {
        let h = OpeningHours::default();
        assert!(h.is_open(vn(2026, 11, 23, 9, 0)), "Monday morning");
        assert!(!h.is_open(vn(2026, 11, 23, 22, 0)), "Monday night");
        assert!(h.is_open(vn(2026, 11, 21, 10, 0)), "Saturday morning");
        assert!(!h.is_open(vn(2026, 11, 21, 15, 0)), "Saturday afternoon");
        assert!(!h.is_open(vn(2026, 11, 22, 9, 0)), "Sunday");
    }

    #[test]
    fn opening_hours_parse() {
        let h = OpeningHours::parse("07:30-17:00;sat 08:00-11:00").unwrap();
        assert!(h.is_open(vn(2026, 11, 23, 7, 45)));
        assert!(!h.is_open(vn(2026, 11, 23, 7, 15)));
        assert!(h.is_open(vn(2026, 11, 21, 10, 0)));
        assert!(!h.is_open(vn(2026, 11, 22, 10, 0)));
        assert!(OpeningHours::parse("always")
            .unwrap()
            .is_open(vn(2026, 11, 22, 3, 0)));
        assert!(OpeningHours::parse("17:00-07:00").is_none());
        assert!(OpeningHours::parse("07:00-17:00;mon 1-2").is_none());
    }

    #[test]
    fn bursts_and_odd_hours_are_suspicious() {
        let h = OpeningHours::default();
        let rule = BurstRule::default();
        let t0 = vn(2026, 11, 23, 9, 0);
        let recent: Vec<_> = (0..4)
            .map(|i| (t0 + chrono::Duration::seconds(i * 2), 5))
            .collect();
        let at = t0 + chrono::Duration::seconds(9);
        let burst = Judgement {
            new: Some(Suspicion::Burst),
            burst_earlier: 4,
        };
        assert_eq!(judge_kiosk_answer(at, 5, &recent, &h, rule), burst);
        assert_eq!(
            judge_kiosk_answer(at, 4, &recent, &h, rule),
            Judgement::default(),
            "a different answer is not the burst"
        );
        assert_eq!(
            judge_kiosk_answer(at, 5, &recent[..2], &h, rule),
            Judgement::default(),
            "three in a row is a queue"
        );
        let late = t0 + chrono::Duration::seconds(60);
        assert_eq!(
            judge_kiosk_answer(late, 5, &recent, &h, rule),
            Judgement::default(),
            "outside the window"
        );
        assert_eq!(
            judge_kiosk_answer(vn(2026, 11, 23, 23, 0), 5, &[], &h, rule).new,
            Some(Suspicion::OutsideHours)
        );
    }

    #[test]
    fn the_burst_window_is_exactly_twenty_seconds() {
        // Four 5s at 09:00:00, :05, :10 and :15; the fifth 5 closes a burst only if it comes
        // at most 20 s after the first: 19.999 s and 20.000 s are inside, 20.001 s is not (the
        // old rule dropped the fraction and took 20.999 s too).
        let h = OpeningHours::default();
        let rule = BurstRule::default();
        let t0 = vn(2026, 11, 23, 9, 0);
        let recent: Vec<_> = [0, 5, 10, 15]
            .iter()
            .map(|s| (t0 + chrono::Duration::seconds(*s), 5))
            .collect();
        let fifth = |ms: i64| {
            judge_kiosk_answer(
                t0 + chrono::Duration::milliseconds(ms),
                5,
                &recent,
                &h,
                rule,
            )
            .new
        };
        assert_eq!(fifth(19_999), Some(Suspicion::Burst));
        assert_eq!(fifth(20_000), Some(Suspicion::Burst));
        assert_eq!(fifth(20_001), None);
        assert_eq!(fifth(20_999), None);
        // Microseconds count too.
        let just_past = t0 + chrono::Duration::seconds(20) + chrono::Duration::microseconds(1);
        assert_eq!(
            judge_kiosk_answer(just_past, 5, &recent, &h, rule).new,
            None
        );
    }

    #[test]
    fn the_flag_chain_notices_any_change() {
        let f = FlagFields {
            unit_id: 3,
            seq: 1,
            rating_id: 42,
            action: FlagAction::Flag.as_str(),
            reason: "burst",
            account_id: None,
            at: vn(2026, 11, 23, 9, 0),
        };
        let a = flag_hash(GENESIS, &f);
        // Computed outside this code (Python's hashlib) over
        // "0…0|f|3|1|42|flag|5:burst||1795399200000000" (09:00 in Vietnam is 02:00 UTC).
        assert_eq!(
            a,
            "c8df84748a6356cfe1af13e6202292a4f96e7415e095b89529f2be0f93369dc4"
        );
        let cleared = FlagFields {
            action: FlagAction::Clear.as_str(),
            reason: "",
            account_id: Some(7),
            seq: 2,
            ..f.clone()
        };
        assert_ne!(flag_hash(&a, &cleared), flag_hash(GENESIS, &cleared));
        assert_ne!(
            a,
            flag_hash(
                GENESIS,
                &FlagFields {
                    rating_id: 43,
                    ..f.clone()
                }
            )
        );
    }

    #[test]
    fn the_chain_notices_any_change() {
        let f = ChainFields {
            unit_id: 1,
            seq: 1,
            instrument_id: 1,
            channel: "kiosk",
            score: 5,
            faces: Some(5),
            counter_id: Some(2),
            kiosk_id: Some(3),
            procedure_id: None,
            dossier_id: None,
            corrects_id: None,
            correction_reason: "",
            created_at: vn(2026, 11, 23, 9, 0),
        };
        let a = chain_hash(GENESIS, &f);
        assert_eq!(a, chain_hash(GENESIS, &f.clone()), "deterministic");
        assert_ne!(
            a,
            chain_hash(
                GENESIS,
                &ChainFields {
                    score: 4,
                    ..f.clone()
                }
            )
        );
        assert_ne!(
            a,
            chain_hash(
                GENESIS,
                &ChainFields {
                    kiosk_id: Some(4),
                    ..f.clone()
                }
            )
        );
        assert_ne!(answer_hash(&a, 1, None, 5), answer_hash(&a, 1, None, 4));
        assert_ne!(comment_hash(&a, "Tốt"), comment_hash(&a, "Tốt!"));
        assert_ne!(a, chain_hash(&a, &f), "the previous hash is part of it");
    }
}
