//! A dossier's journey as the one-stop software reports it (`POST /api/v1/dossiers/{code}/events`),
//! read without the database, and the apology rule (Circular 01/2018/TT-VPCP, Khánh Hòa's
//! practice): a dossier still not ready at the configured time (17:30 by default, Vietnam time)
//! on the working day before its due date gets one apology text.

use super::calendar::Calendar;
use super::dossier::{check_times, rfc3339, Invalid};
use super::validate;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

fn invalid(field: &'static str, en: &'static str, vi: &'static str) -> Invalid {
    Invalid { field, en, vi }
}

/// What happened to the dossier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// The dossier was received; `due_at` is required.
    Received,
    /// The citizen must bring more papers; `papers` is required.
    SupplementRequested,
    /// The result is ready for collection.
    Ready,
    /// The result was handed over (the text invites a rating by reply 1–5).
    Completed,
    /// The dossier is late and gets a new date; `new_due_at` is required.
    ReturnedLate,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Received => "received",
            EventKind::SupplementRequested => "supplement_requested",
            EventKind::Ready => "ready",
            EventKind::Completed => "completed",
            EventKind::ReturnedLate => "returned_late",
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        [
            EventKind::Received,
            EventKind::SupplementRequested,
            EventKind::Ready,
            EventKind::Completed,
            EventKind::ReturnedLate,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    /// The dossier's status after the event.
    pub fn status(self) -> &'static str {
        match self {
            EventKind::Received => "received",
            EventKind::SupplementRequested => "supplement",
            EventKind::Ready => "ready",
            EventKind::Completed => "completed",
            EventKind::ReturnedLate => "late",
        }
    }

    /// The message event (template) of the citizen's text.
    pub fn message(self) -> &'static str {
        match self {
            EventKind::Received => "dossier.received",
            EventKind::SupplementRequested => "dossier.supplement",
            EventKind::Ready => "dossier.ready",
            EventKind::Completed => "dossier.completed",
            EventKind::ReturnedLate => "dossier.late",
        }
    }
}

/// The longest event id accepted (bytes).
pub const MAX_EVENT_ID: usize = 100;
/// The longest list of papers accepted (characters).
pub const MAX_PAPERS: usize = 500;

/// One event of a dossier, as the one-stop software posts it. Unknown fields are ignored.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EventIn {
    /// The sender's id of this event, unique per API key: posting it again changes nothing
    /// and sends nothing (the first answer is repeated).
    #[cfg_attr(
        feature = "ssr",
        schema(example = "evt-000123", min_length = 1, max_length = 100)
    )]
    pub event_id: String,
    pub kind: EventKind,
    /// When it happened (RFC 3339); now when absent.
    #[serde(default, deserialize_with = "rfc3339")]
    pub at: Option<DateTime<Utc>>,
    /// The due date (RFC 3339), required for `received`.
    #[serde(default, deserialize_with = "rfc3339")]
    pub due_at: Option<DateTime<Utc>>,
    /// The new date promised (RFC 3339), required for `returned_late`.
    #[serde(default, deserialize_with = "rfc3339")]
    pub new_due_at: Option<DateTime<Utc>>,
    /// The papers asked for, required for `supplement_requested` (at most 500 characters).
    #[cfg_attr(feature = "ssr", schema(example = "Bản sao sổ đỏ; giấy ủy quyền"))]
    #[serde(default)]
    pub papers: Option<String>,
    /// The citizen's phone number, to send the text to (kept only as a keyed hash on the
    /// dossier, and in the outbox until the text is sent). It must be the dossier's number when
    /// the dossier has one. Without it, the event is recorded and no text goes.
    #[cfg_attr(feature = "ssr", schema(example = "0912345678"))]
    #[serde(default)]
    pub citizen_phone: Option<String>,
}

const FIELDS: [&str; 7] = [
    "event_id",
    "kind",
    "at",
    "due_at",
    "new_due_at",
    "papers",
    "citizen_phone",
];

fn type_error(field: &'static str) -> Invalid {
    match field {
        "kind" => invalid(
            field,
            "must be received, supplement_requested, ready, completed or returned_late",
            "phải là received, supplement_requested, ready, completed hoặc returned_late",
        ),
        "at" | "due_at" | "new_due_at" => invalid(
            field,
            "must be an RFC 3339 time, e.g. 2025-11-21T09:30:00+07:00",
            "phải là thời điểm theo RFC 3339, ví dụ 2025-11-21T09:30:00+07:00",
        ),
        _ => invalid(field, "must be a string", "phải là chuỗi ký tự"),
    }
}

/// An event that passed every rule that needs no database.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub event_id: String,
    pub kind: EventKind,
    pub at: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
    pub new_due_at: Option<DateTime<Utc>>,
    /// Trimmed, NFC, one line; empty unless `supplement_requested`.
    pub papers: String,
    /// Normalised (`0xxxxxxxxx`).
    pub citizen_phone: Option<String>,
}

/// Reads and checks an event body; `now` is the server's clock.
pub fn parse_event(body: &[u8], now: DateTime<Utc>) -> Result<Event, Invalid> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    let e: EventIn = serde_path_to_error::deserialize(de).map_err(|e| {
        let field = e.path().iter().next().and_then(|seg| match seg {
            serde_path_to_error::Segment::Map { key } => FIELDS.iter().copied().find(|f| f == key),
            _ => None,
        });
        if let Some(f) = field {
            return type_error(f);
        }
        let message = e.inner().to_string();
        for f in FIELDS {
            if message.contains(&format!("missing field `{f}`")) {
                return invalid(f, "required", "bắt buộc");
            }
        }
        invalid(
            "body",
            "the body must be a JSON object",
            "nội dung phải là một đối tượng JSON",
        )
    })?;
    let event_id = super::text::nfc(e.event_id.trim());
    if event_id.is_empty() {
        return Err(invalid("event_id", "required", "bắt buộc"));
    }
    if event_id.len() > MAX_EVENT_ID || event_id.chars().any(char::is_control) {
        return Err(invalid(
            "event_id",
            "must be at most 100 printable characters",
            "tối đa 100 ký tự in được",
        ));
    }
    let at = e.at.unwrap_or(now);
    check_times(Some(at), None, None, now).map_err(|x| Invalid { field: "at", ..x })?;
    let papers = super::text::nfc(
        e.papers
            .unwrap_or_default()
            .replace(['\r', '\n', '\t'], " ")
            .trim(),
    );
    if papers.chars().count() > MAX_PAPERS || papers.chars().any(char::is_control) {
        return Err(invalid(
            "papers",
            "must be at most 500 printable characters",
            "tối đa 500 ký tự in được",
        ));
    }
    match e.kind {
        EventKind::Received if e.due_at.is_none() => {
            return Err(invalid("due_at", "required", "bắt buộc"))
        }
        EventKind::SupplementRequested if papers.is_empty() => {
            return Err(invalid("papers", "required", "bắt buộc"))
        }
        EventKind::ReturnedLate if e.new_due_at.is_none() => {
            return Err(invalid("new_due_at", "required", "bắt buộc"))
        }
        _ => {}
    }
    check_times(None, e.due_at, None, now)?;
    check_times(None, e.new_due_at, None, now).map_err(|x| Invalid {
        field: "new_due_at",
        ..x
    })?;
    let citizen_phone = match e.citizen_phone.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(p) => Some(validate::phone(p).map_err(|_| {
            invalid(
                "citizen_phone",
                "not a Vietnamese phone number",
                "số điện thoại không hợp lệ",
            )
        })?),
    };
    Ok(Event {
        event_id,
        kind: e.kind,
        at,
        due_at: e.due_at,
        new_due_at: e.new_due_at,
        papers: if e.kind == EventKind::SupplementRequested {
            papers
        } else {
            String::new()
        },
        citizen_phone,
    })
}

/// Vietnam's offset (UTC+7, no daylight saving).
fn vietnam() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(7 * 3600).unwrap_or_else(|| chrono::Offset::fix(&chrono::Utc))
}

/// The local (Vietnam) day of an instant.
pub fn local_day(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&vietnam()).date_naive()
}

/// The default time of the apology rule: 17:30, Vietnam time.
pub fn default_apology_time() -> NaiveTime {
    NaiveTime::from_hms_opt(17, 30, 0).unwrap_or(NaiveTime::MIN)
}

/// The last working day strictly before `due`.
pub fn working_day_before(cal: &Calendar, due: NaiveDate) -> NaiveDate {
    let mut d = due - Duration::days(1);
    // A calendar without a single working day in ten years is not a calendar.
    for _ in 0..3660 {
        if cal.is_working(d) {
            return d;
        }
        d -= Duration::days(1);
    }
    d
}

/// When a dossier due at `due` gets its apology if it is not ready: `at` (Vietnam time) on the
/// working day before the due day.
pub fn apology_moment(cal: &Calendar, due: DateTime<Utc>, at: NaiveTime) -> DateTime<Utc> {
    let day = working_day_before(cal, local_day(due));
    vietnam()
        .from_local_datetime(&day.and_time(at))
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(due)
}

/// Whether the apology is owed at `now`: the moment has come, the dossier was not ready (nor
/// completed) by then, and no apology was sent yet.
pub fn apology_owed(
    cal: &Calendar,
    due: DateTime<Utc>,
    ready_at: Option<DateTime<Utc>>,
    apology_sent: bool,
    now: DateTime<Utc>,
    at: NaiveTime,
) -> bool {
    let moment = apology_moment(cal, due, at);
    !apology_sent && now >= moment && ready_at.is_none_or(|r| r > moment)
}

/// Reads the apology time an administrator types: `HH:MM` on the 24-hour clock (`17:30`,
/// `8:05`), full-width digits and colon read as plain ones; anything else is refused.
pub fn parse_time(s: &str) -> Result<NaiveTime, &'static str> {
    use unicode_normalization::UnicodeNormalization;
    let s: String = s.nfkc().collect();
    let s = s.trim();
    let bad = "late.err_time";
    let (h, m) = s.split_once(':').ok_or(bad)?;
    let digits = |x: &str| !x.is_empty() && x.len() <= 2 && x.chars().all(|c| c.is_ascii_digit());
    if !digits(h) || m.len() != 2 || !digits(m) {
        return Err(bad);
    }
    let (h, m) = (
        h.parse::<u32>().map_err(|_| bad)?,
        m.parse::<u32>().map_err(|_| bad)?,
    );
    NaiveTime::from_hms_opt(h, m, 0).ok_or(bad)
}

/// The time as stored and shown: `HH:MM`.
pub fn time_text(t: NaiveTime) -> String {
    t.format("%H:%M").to_string()
}

/// A new date an official promises for a late dossier: a working day after `today`.
pub fn check_new_date(
    cal: &Calendar,
    today: NaiveDate,
    day: NaiveDate,
) -> Result<(), &'static str> {
    if day <= today {
        return Err("late.err_not_after_today");
    }
    if !cal.is_working(day) {
        return Err("late.err_not_working");
    }
    Ok(())
}

/// The first instant of a local (Vietnam) day: how a new date entered as a day is stored.
pub fn local_start(day: NaiveDate) -> DateTime<Utc> {
    vietnam()
        .from_local_datetime(&day.and_time(NaiveTime::MIN))
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&day.and_time(NaiveTime::MIN)))
}

/// The response rate (GSA Touchpoints, OMB Circular A-11 §280): the share of invitations
/// answered; none without an invitation.
pub fn response_rate(answered: i64, invited: i64) -> Option<f64> {
    (invited > 0).then(|| answered.min(invited) as f64 / invited as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::DayKind;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// The seeded Tết 2027 holidays (migrations/*/0003): Thu 4, Fri 5, Mon 8, Tue 9, Wed 10 Feb.
    fn tet_2027() -> Calendar {
        Calendar::new(
            [
                "2027-02-04",
                "2027-02-05",
                "2027-02-08",
                "2027-02-09",
                "2027-02-10",
            ]
            .into_iter()
            .map(|s| (d(s), DayKind::Holiday)),
        )
    }

    #[test]
    fn the_working_day_before_skips_tet_and_weekends() {
        let cal = tet_2027();
        // Due Thursday 11 Feb 2027: 10, 9, 8 are Tết, 7 and 6 a weekend, 5 and 4 Tết: Wed 3 Feb.
        assert_eq!(working_day_before(&cal, d("2027-02-11")), d("2027-02-03"));
        // Due Monday 1 Feb 2027 (no holiday): Friday 29 Jan.
        assert_eq!(working_day_before(&cal, d("2027-02-01")), d("2027-01-29"));
        // Due Wednesday 3 Feb: Tuesday 2 Feb.
        assert_eq!(working_day_before(&cal, d("2027-02-03")), d("2027-02-02"));
    }

    #[test]
    fn the_apology_is_owed_from_1730_the_working_day_before() {
        let cal = tet_2027();
        let due = t("2027-02-11T17:00:00+07:00");
        let at = default_apology_time();
        // 17:30 on 3 Feb 2027, Vietnam time, is 10:30 UTC.
        assert_eq!(apology_moment(&cal, due, at), t("2027-02-03T10:30:00Z"));
        let owed = |ready, sent, now| apology_owed(&cal, due, ready, sent, t(now), at);
        assert!(!owed(None, false, "2027-02-03T17:29:59+07:00"));
        assert!(owed(None, false, "2027-02-03T17:30:00+07:00"));
        assert!(owed(None, false, "2027-02-09T09:00:00+07:00"));
        assert!(!owed(None, true, "2027-02-09T09:00:00+07:00"));
        // Ready at 17:00 on 3 Feb: in time, no apology.
        assert!(!owed(
            Some(t("2027-02-03T17:00:00+07:00")),
            false,
            "2027-02-03T18:00:00+07:00"
        ));
        // Ready only on 4 Feb: the apology was owed at 17:30 on the 3rd.
        assert!(owed(
            Some(t("2027-02-04T08:00:00+07:00")),
            false,
            "2027-02-04T09:00:00+07:00"
        ));
    }

    #[test]
    fn apology_times_are_hh_mm_on_the_24_hour_clock() {
        let hm = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        assert_eq!(parse_time("17:30"), Ok(hm(17, 30)));
        assert_eq!(parse_time(" 8:05 "), Ok(hm(8, 5)));
        // Full-width digits and colon (a Vietnamese IME): U+FF11 U+FF16 U+FF1A U+FF10 U+FF10.
        assert_eq!(
            parse_time("\u{ff11}\u{ff16}\u{ff1a}\u{ff10}\u{ff10}"),
            Ok(hm(16, 0))
        );
        for bad in [
            "24:00",
            "17:60",
            "1730",
            "17:3",
            "17h30",
            "",
            "17:\u{200b}30",
            "-1:30",
            "117:30",
        ] {
            assert_eq!(parse_time(bad), Err("late.err_time"), "{bad:?}");
        }
        assert_eq!(time_text(hm(7, 5)), "07:05");
    }

    #[test]
    fn a_new_date_is_a_working_day_after_today() {
        let cal = tet_2027();
        let today = d("2027-02-03");
        assert_eq!(
            check_new_date(&cal, today, d("2027-02-03")),
            Err("late.err_not_after_today")
        );
        assert_eq!(
            check_new_date(&cal, today, d("2027-02-01")),
            Err("late.err_not_after_today")
        );
        // Thursday 4 Feb is Tết, Saturday 6 Feb a weekend day.
        assert_eq!(
            check_new_date(&cal, today, d("2027-02-04")),
            Err("late.err_not_working")
        );
        assert_eq!(
            check_new_date(&cal, today, d("2027-02-06")),
            Err("late.err_not_working")
        );
        assert_eq!(check_new_date(&cal, today, d("2027-02-11")), Ok(()));
        // Midnight of 11 Feb in Vietnam is 17:00 UTC on the 10th.
        assert_eq!(local_start(d("2027-02-11")), t("2027-02-10T17:00:00Z"));
        assert_eq!(local_day(local_start(d("2027-02-11"))), d("2027-02-11"));
    }

    #[test]
    fn the_response_rate_is_answered_over_invited() {
        // 4 texts, 1 answer: 1/4 = 25 %; 2 Zalo messages, 2 answers: 100 %; none sent: no rate.
        assert_eq!(response_rate(1, 4), Some(0.25));
        assert_eq!(response_rate(2, 2), Some(1.0));
        assert_eq!(response_rate(0, 0), None);
    }

    fn now() -> DateTime<Utc> {
        t("2026-12-02T11:00:00+07:00")
    }

    #[test]
    fn events_are_read_and_refused_by_field() {
        let e = parse_event(
            r#"{"event_id":" e1 ","kind":"supplement_requested","papers":"Sổ đỏ\nCCCD","citizen_phone":"+84 912 345 678"}"#
                .as_bytes(),
            now(),
        )
        .unwrap();
        assert_eq!(
            (e.event_id.as_str(), e.kind, e.papers.as_str(), e.at),
            ("e1", EventKind::SupplementRequested, "Sổ đỏ CCCD", now())
        );
        assert_eq!(e.citizen_phone.as_deref(), Some("0912345678"));
        let field = |b: &str| parse_event(b.as_bytes(), now()).unwrap_err().field;
        assert_eq!(field(r#"{"kind":"ready"}"#), "event_id");
        assert_eq!(field(r#"{"event_id":"a","kind":"lost"}"#), "kind");
        assert_eq!(field(r#"{"event_id":"a","kind":"received"}"#), "due_at");
        assert_eq!(
            field(r#"{"event_id":"a","kind":"supplement_requested","papers":"  "}"#),
            "papers"
        );
        assert_eq!(
            field(r#"{"event_id":"a","kind":"returned_late"}"#),
            "new_due_at"
        );
        assert_eq!(
            field(r#"{"event_id":"a","kind":"ready","at":"2026-12-03T11:00:00+07:00"}"#),
            "at"
        );
        assert_eq!(
            field(r#"{"event_id":"a","kind":"ready","citizen_phone":"12"}"#),
            "citizen_phone"
        );
        assert_eq!(
            field(r#"{"event_id":"a\u0000","kind":"ready"}"#),
            "event_id"
        );
        assert_eq!(field("[]"), "body");
    }
}
