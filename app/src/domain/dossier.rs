//! The body of a dossier posted to the machine API (`POST /api/v1/dossiers`), read without the
//! database. [`DossierIn`] is at the same time what serde parses a request into and what the
//! OpenAPI document (`/api/v1/openapi.json`) describes, so the two cannot drift apart. A
//! field of the wrong type is refused with its name (serde's error path), then
//! [`DossierIn::check`] applies the rules that keep dossier records from distorting the
//! Decision 766 ratios: a completion before the reception, a time in the future or before 2000.
//! What needs the database (does the unit, the procedure, the counter exist; is the code
//! already registered for another unit) is checked by the API handler and `db::dossiers`.

use super::validate;
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde::{Deserialize, Deserializer, Serialize};

/// A refused field: which one, and the message in English and in Vietnamese.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Invalid {
    pub field: &'static str,
    pub en: &'static str,
    pub vi: &'static str,
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.en)
    }
}

impl std::error::Error for Invalid {}

fn invalid(field: &'static str, en: &'static str, vi: &'static str) -> Invalid {
    Invalid { field, en, vi }
}

/// The longest dossier code accepted (bytes).
pub const MAX_CODE: usize = 60;

/// How far in the future a reception or completion time may lie: the one-stop software's clock
/// and ours may differ a little (minutes).
pub const CLOCK_SKEW_MINUTES: i64 = 5;

/// How far in the future a due date may lie (years): the longest legal processing times are
/// counted in months.
pub const MAX_DUE_YEARS: i64 = 5;

/// The earliest time accepted in a dossier record: 1 January 2000, 00:00 in Vietnam. Nothing
/// the one-stop software reports is older; a time before it is a default or a typing mistake.
pub fn earliest() -> DateTime<Utc> {
    chrono::FixedOffset::east_opt(7 * 3600)
        .and_then(|tz| tz.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).single())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// A dossier completed (or received) at a one-stop counter, as the one-stop software posts it.
/// Unknown fields are ignored; an optional text (procedure code, phone) that is blank counts
/// as absent; an unknown time is null or left out.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DossierIn {
    /// The dossier code in the one-stop software: at most 60 printable characters, unique in
    /// the province. Posting it again for the same unit changes nothing but missing times;
    /// for another unit it is refused (409).
    #[cfg_attr(
        feature = "ssr",
        schema(example = "H41.12-251121-0001", min_length = 1, max_length = 60)
    )]
    pub code: String,
    /// Code of the unit that handled it (see the units page); it must lie in the key's scope.
    #[cfg_attr(feature = "ssr", schema(example = "XAPL"))]
    pub unit_code: String,
    /// Code of the procedure in the catalogue; blank counts as absent.
    #[cfg_attr(feature = "ssr", schema(example = "1.001193"))]
    #[serde(default, deserialize_with = "blank_is_none")]
    pub procedure_code: Option<String>,
    /// Id of the one-stop counter of that unit, when known.
    #[serde(default)]
    pub counter_id: Option<i64>,
    /// The citizen's phone number, to find the survey again (kept only as a keyed hash);
    /// blank counts as absent.
    #[cfg_attr(feature = "ssr", schema(example = "0912345678"))]
    #[serde(default, deserialize_with = "blank_is_none")]
    pub citizen_phone: Option<String>,
    /// When the dossier was received (RFC 3339): not before 2000, not in the future (5 minutes
    /// of clock difference allowed).
    #[serde(default, deserialize_with = "rfc3339")]
    pub received_at: Option<DateTime<Utc>>,
    /// When the result is due (RFC 3339): not before the reception, at most 5 years ahead.
    #[serde(default, deserialize_with = "rfc3339")]
    pub due_at: Option<DateTime<Utc>>,
    /// When the result was ready (RFC 3339): not before the reception, not in the future.
    #[cfg_attr(feature = "ssr", schema(example = "2025-11-21T09:30:00+07:00"))]
    #[serde(default, deserialize_with = "rfc3339")]
    pub completed_at: Option<DateTime<Utc>>,
    /// The citizen complained about this dossier (counts against it in Decision 766's third
    /// ratio). A complaint sent later for a known code is kept; `false` never clears it.
    #[serde(default)]
    pub complained: Option<bool>,
}

/// A text field: trimmed, and `None` when absent, null or blank.
fn blank_is_none<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty()))
}

/// A time field: an RFC 3339 string (any offset), `None` when absent or null. A blank string
/// is refused like any other malformed time (the document says `date-time` or null).
pub(crate) fn rfc3339<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(s) => DateTime::parse_from_rfc3339(&s)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(serde::de::Error::custom),
    }
}

/// The fields of [`DossierIn`], to name the one serde refused.
const FIELDS: [&str; 9] = [
    "code",
    "unit_code",
    "procedure_code",
    "counter_id",
    "citizen_phone",
    "received_at",
    "due_at",
    "completed_at",
    "complained",
];

const TIME_EN: &str = "must be an RFC 3339 time, e.g. 2025-11-21T09:30:00+07:00";
const TIME_VI: &str = "phải là thời điểm theo RFC 3339, ví dụ 2025-11-21T09:30:00+07:00";

/// The message for a field serde could not read (wrong JSON type or form).
fn type_error(field: &'static str) -> Invalid {
    match field {
        "code" => invalid(
            field,
            "must be a string of at most 60 printable characters",
            "phải là chuỗi tối đa 60 ký tự",
        ),
        "counter_id" => invalid(field, "must be a whole number", "phải là số nguyên"),
        "received_at" | "due_at" | "completed_at" => invalid(field, TIME_EN, TIME_VI),
        "complained" => invalid(field, "must be true or false", "phải là true hoặc false"),
        _ => invalid(field, "must be a string", "phải là chuỗi ký tự"),
    }
}

fn body_error() -> Invalid {
    invalid(
        "body",
        "the body must be a JSON object",
        "nội dung phải là một đối tượng JSON",
    )
}

/// The known field named between backticks in a serde message (`missing field `code``).
fn named_in(message: &str, prefix: &str) -> Option<&'static str> {
    let rest = &message[message.find(prefix)? + prefix.len()..];
    let name = rest.strip_prefix('`')?.split('`').next()?;
    FIELDS.iter().copied().find(|f| *f == name)
}

impl DossierIn {
    /// Reads a request body with serde into the documented type; a refusal names the field at
    /// fault (`body` when it is not a JSON object at all).
    pub fn from_json(body: &[u8]) -> Result<DossierIn, Invalid> {
        let de = &mut serde_json::Deserializer::from_slice(body);
        serde_path_to_error::deserialize::<_, DossierIn>(de).map_err(|e| {
            let field = e.path().iter().next().and_then(|seg| match seg {
                serde_path_to_error::Segment::Map { key } => {
                    FIELDS.iter().copied().find(|f| f == key)
                }
                _ => None,
            });
            if let Some(f) = field {
                return type_error(f);
            }
            let message = e.inner().to_string();
            if let Some(f) = named_in(&message, "missing field ") {
                return invalid(f, "required", "bắt buộc");
            }
            if let Some(f) = named_in(&message, "duplicate field ") {
                return invalid(f, "given twice", "bị gửi hai lần");
            }
            body_error()
        })
    }

    /// The rules that need no database, in the order of the fields: the code, the unit code,
    /// the phone number, and the times (see [`check_times`]). `now` is the server's clock.
    pub fn check(self, now: DateTime<Utc>) -> Result<Dossier, Invalid> {
        // Text in NFC, as every input: a code sent decomposed is the same dossier as composed.
        let code = super::text::nfc(self.code.trim());
        if code.is_empty() {
            return Err(invalid("code", "required", "bắt buộc"));
        }
        if code.len() > MAX_CODE || code.chars().any(char::is_control) {
            return Err(type_error("code"));
        }
        let unit_code = super::text::nfc(self.unit_code.trim()).to_uppercase();
        if unit_code.is_empty() {
            return Err(invalid("unit_code", "required", "bắt buộc"));
        }
        let citizen_phone = match self.citizen_phone {
            None => None,
            Some(p) => Some(validate::phone(&p).map_err(|_| {
                invalid(
                    "citizen_phone",
                    "not a Vietnamese phone number",
                    "số điện thoại không hợp lệ",
                )
            })?),
        };
        check_times(self.received_at, self.due_at, self.completed_at, now)?;
        Ok(Dossier {
            code,
            unit_code,
            procedure_code: self
                .procedure_code
                .map(|p| super::text::nfc(&p).to_uppercase()),
            counter_id: self.counter_id,
            citizen_phone,
            received_at: self.received_at,
            due_at: self.due_at,
            completed_at: self.completed_at,
            complained: self.complained.unwrap_or(false),
        })
    }
}

/// A dossier that passed every rule that needs no database.
#[derive(Debug, Clone, PartialEq)]
pub struct Dossier {
    /// Trimmed, 1 to [`MAX_CODE`] bytes, no control characters.
    pub code: String,
    /// Trimmed and upper-cased, not empty.
    pub unit_code: String,
    /// Trimmed and upper-cased, not empty.
    pub procedure_code: Option<String>,
    pub counter_id: Option<i64>,
    /// Normalised by [`validate::phone`] (`0xxxxxxxxx`).
    pub citizen_phone: Option<String>,
    pub received_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    /// The citizen complained about the dossier (absent or null: false).
    pub complained: bool,
}

impl From<Dossier> for DossierIn {
    fn from(d: Dossier) -> DossierIn {
        DossierIn {
            code: d.code,
            unit_code: d.unit_code,
            procedure_code: d.procedure_code,
            counter_id: d.counter_id,
            citizen_phone: d.citizen_phone,
            received_at: d.received_at,
            due_at: d.due_at,
            completed_at: d.completed_at,
            complained: Some(d.complained),
        }
    }
}

/// The times of one dossier record, each possibly unknown. Refused, with the field named:
/// any time before [`earliest`] (1 January 2000 in Vietnam); a reception or completion later
/// than `now` plus [`CLOCK_SKEW_MINUTES`]; a due date more than [`MAX_DUE_YEARS`] ahead or
/// before the reception; a completion before the reception.
pub fn check_times(
    received: Option<DateTime<Utc>>,
    due: Option<DateTime<Utc>>,
    completed: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), Invalid> {
    let first = earliest();
    let latest = now + Duration::minutes(CLOCK_SKEW_MINUTES);
    for (field, t) in [
        ("received_at", received),
        ("due_at", due),
        ("completed_at", completed),
    ] {
        if t.is_some_and(|t| t < first) {
            return Err(invalid(
                field,
                "is before the year 2000",
                "trước năm 2000, không hợp lệ",
            ));
        }
    }
    for (field, t) in [("received_at", received), ("completed_at", completed)] {
        if t.is_some_and(|t| t > latest) {
            return Err(invalid(
                field,
                "is in the future (more than 5 minutes ahead of the server's clock)",
                "là thời điểm trong tương lai (sớm hơn đồng hồ máy chủ quá 5 phút)",
            ));
        }
    }
    if due.is_some_and(|d| d > now + Duration::days(365 * MAX_DUE_YEARS)) {
        return Err(invalid(
            "due_at",
            "is more than 5 years ahead",
            "xa hơn 5 năm so với hiện tại",
        ));
    }
    if let (Some(r), Some(d)) = (received, due) {
        if d < r {
            return Err(invalid(
                "due_at",
                "is before received_at",
                "trước thời điểm tiếp nhận (received_at)",
            ));
        }
    }
    if let (Some(r), Some(c)) = (received, completed) {
        if c < r {
            return Err(invalid(
                "completed_at",
                "is before received_at",
                "trước thời điểm tiếp nhận (received_at)",
            ));
        }
    }
    Ok(())
}

/// Reads and checks a posted dossier: [`DossierIn::from_json`], then [`DossierIn::check`].
pub fn parse_body(body: &[u8], now: DateTime<Utc>) -> Result<Dossier, Invalid> {
    DossierIn::from_json(body)?.check(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_comes_out_composed() {
        // "Ế" sent decomposed (E, U+0302, U+0301) is the composed U+1EBE; full-width digits of
        // the phone are read as digits.
        let b = parse_body(
            "{\"code\":\"HS-E\u{302}\u{301}-1\",\"unit_code\":\"xapl\",\"citizen_phone\":\"\u{ff10}912345678\"}"
                .as_bytes(),
            Utc::now(),
        )
        .unwrap();
        assert_eq!(b.code, "HS-\u{1ebe}-1");
        assert_eq!(b.citizen_phone.as_deref(), Some("0912345678"));
    }

    /// 2 December 2026, 11:00 in Vietnam.
    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-02T11:00:00+07:00")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn field(body: &str) -> &'static str {
        parse_body(body.as_bytes(), now()).unwrap_err().field
    }

    #[test]
    fn a_full_body_is_read() {
        let b = parse_body(
            br#"{"code":" H41.12-251121-0001 ","unit_code":"xapl","procedure_code":"1.001193",
                "counter_id":3,"citizen_phone":"+84 912 345 678","extra":{"ignored":true},
                "received_at":"2025-11-21T09:30:00+07:00","due_at":null}"#,
            now(),
        )
        .unwrap();
        assert_eq!(b.code, "H41.12-251121-0001");
        assert_eq!(b.unit_code, "XAPL");
        assert_eq!(b.procedure_code.as_deref(), Some("1.001193"));
        assert_eq!(b.counter_id, Some(3));
        assert_eq!(b.citizen_phone.as_deref(), Some("0912345678"));
        assert_eq!(
            b.received_at.unwrap().to_rfc3339(),
            "2025-11-21T02:30:00+00:00"
        );
        assert_eq!(
            (b.due_at, b.completed_at, b.complained),
            (None, None, false)
        );
    }

    #[test]
    fn refusals_name_the_field() {
        assert_eq!(field("[1]"), "body");
        assert_eq!(field("{not json"), "body");
        assert_eq!(field("null"), "body");
        assert_eq!(field(r#"{"unit_code":"X"}"#), "code");
        assert_eq!(field(r#"{"code":"A"}"#), "unit_code");
        assert_eq!(field(r#"{"code":"a\u0007","unit_code":"X"}"#), "code");
        assert_eq!(field(r#"{"code":"  ","unit_code":"X"}"#), "code");
        assert_eq!(
            field(&format!(
                r#"{{"code":"{}","unit_code":"X"}}"#,
                "A".repeat(61)
            )),
            "code"
        );
        assert_eq!(field(r#"{"code":5,"unit_code":"X"}"#), "code");
        assert_eq!(field(r#"{"code":"A","unit_code":7}"#), "unit_code");
        assert_eq!(field(r#"{"code":"A","unit_code":" "}"#), "unit_code");
        assert_eq!(field(r#"{"code":"A","code":"B","unit_code":"X"}"#), "code");
        let with = |extra: &str| field(&format!(r#"{{"code":"A","unit_code":"X",{extra}}}"#));
        assert_eq!(with(r#""counter_id":1.5"#), "counter_id");
        assert_eq!(with(r#""counter_id":"3""#), "counter_id");
        assert_eq!(with(r#""citizen_phone":"12""#), "citizen_phone");
        assert_eq!(with(r#""citizen_phone":912345678"#), "citizen_phone");
        assert_eq!(with(r#""due_at":"soon""#), "due_at");
        assert_eq!(with(r#""received_at":"2025-11-21 09:30""#), "received_at");
        assert_eq!(with(r#""completed_at":"""#), "completed_at");
        assert_eq!(with(r#""procedure_code":[]"#), "procedure_code");
        assert_eq!(with(r#""complained":"yes""#), "complained");
        // The message is in both languages.
        let e = parse_body(br#"{"code":"A","unit_code":"X","counter_id":1.5}"#, now()).unwrap_err();
        assert_eq!(
            (e.en, e.vi),
            ("must be a whole number", "phải là số nguyên")
        );
    }

    #[test]
    fn times_that_would_distort_decision_766_are_refused() {
        let t = |s: &str| Some(DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc));
        let f = |r, d, c| check_times(r, d, c, now()).map_err(|e| e.field);
        // Received 10:00, due two weeks later, completed at 10:30 the same day: fine.
        assert_eq!(
            f(
                t("2026-12-01T10:00:00+07:00"),
                t("2026-12-15T17:00:00+07:00"),
                t("2026-12-01T10:30:00+07:00")
            ),
            Ok(())
        );
        // Completed one minute before it was received.
        assert_eq!(
            f(
                t("2026-12-01T10:00:00+07:00"),
                None,
                t("2026-12-01T09:59:00+07:00")
            ),
            Err("completed_at")
        );
        // Completed at the very moment of reception is allowed (a result given on the spot).
        assert_eq!(
            f(
                t("2026-12-01T10:00:00+07:00"),
                None,
                t("2026-12-01T10:00:00+07:00")
            ),
            Ok(())
        );
        // Now is 11:00 (+07:00): 11:05 is within the 5 minutes of skew, 11:05:01 is not.
        assert_eq!(f(None, None, t("2026-12-02T11:05:00+07:00")), Ok(()));
        assert_eq!(
            f(None, None, t("2026-12-02T11:05:01+07:00")),
            Err("completed_at")
        );
        assert_eq!(
            f(t("2026-12-03T08:00:00+07:00"), None, None),
            Err("received_at")
        );
        // A due date in the future is normal; one more than 5 years ahead is not.
        assert_eq!(f(None, t("2027-03-01T17:00:00+07:00"), None), Ok(()));
        assert_eq!(f(None, t("2032-01-01T00:00:00+07:00"), None), Err("due_at"));
        // Due before it was received.
        assert_eq!(
            f(
                t("2026-12-01T10:00:00+07:00"),
                t("2026-11-30T17:00:00+07:00"),
                None
            ),
            Err("due_at")
        );
        // 1 January 2000 00:00 in Vietnam is the first moment accepted; 31/12/1999 23:59 is not.
        assert_eq!(f(t("2000-01-01T00:00:00+07:00"), None, None), Ok(()));
        assert_eq!(
            f(t("1999-12-31T23:59:59+07:00"), None, None),
            Err("received_at")
        );
        assert_eq!(
            f(None, None, t("1970-01-01T00:00:00Z")),
            Err("completed_at")
        );
    }

    #[test]
    fn an_accepted_body_written_back_is_read_the_same() {
        let b = parse_body(
            br#"{"code":"HS-1","unit_code":"xapl","citizen_phone":"0912.345.678","complained":true,
                "received_at":"2026-11-20T08:00:00+07:00","completed_at":"2026-11-20T09:30:00+07:00"}"#,
            now(),
        )
        .unwrap();
        let json = serde_json::to_vec(&DossierIn::from(b.clone())).unwrap();
        assert_eq!(parse_body(&json, now()).unwrap(), b);
    }
}
