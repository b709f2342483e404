//! The body of a dossier posted to the machine API (`POST /api/v1/dossiers`), read without the
//! database: the JSON object, each field's type and form. What needs the database (does the
//! unit, the procedure, the counter exist) is checked by the API handler.

use super::validate;
use chrono::{DateTime, Utc};
use serde_json::Value;

/// A refused field: which one, and the message in English and in Vietnamese.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Invalid {
    pub field: &'static str,
    pub en: &'static str,
    pub vi: &'static str,
}

fn invalid(field: &'static str, en: &'static str, vi: &'static str) -> Invalid {
    Invalid { field, en, vi }
}

/// The longest dossier code accepted (bytes).
pub const MAX_CODE: usize = 60;

/// The fields of a posted dossier. `code` and `unit_code` are checked first; the other fields
/// keep their own result, so that the handler refuses in its order: after the unit's lookup,
/// each field where it is used.
#[derive(Debug, Clone, PartialEq)]
pub struct DossierBody {
    /// Trimmed, at most [`MAX_CODE`] bytes, no control characters.
    pub code: String,
    /// Trimmed and upper-cased.
    pub unit_code: String,
    /// Trimmed and upper-cased, or None when absent, null or blank.
    pub procedure_code: Result<Option<String>, Invalid>,
    /// A whole number, or None when absent or null.
    pub counter_id: Result<Option<i64>, Invalid>,
    /// Normalised by [`validate::phone`] (`0xxxxxxxxx`), or None when absent, null or blank.
    pub citizen_phone: Result<Option<String>, Invalid>,
    pub received_at: Result<Option<DateTime<Utc>>, Invalid>,
    pub due_at: Result<Option<DateTime<Utc>>, Invalid>,
    pub completed_at: Result<Option<DateTime<Utc>>, Invalid>,
    /// The citizen complained about the dossier (absent or null: false).
    pub complained: Result<bool, Invalid>,
}

fn opt_str<'a>(v: &'a Value, field: &'static str) -> Result<Option<&'a str>, Invalid> {
    match v.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim())),
        Some(_) => Err(invalid(field, "must be a string", "phải là chuỗi ký tự")),
    }
}

fn opt_time(v: &Value, field: &'static str) -> Result<Option<DateTime<Utc>>, Invalid> {
    match opt_str(v, field)? {
        None => Ok(None),
        Some(s) => DateTime::parse_from_rfc3339(s)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|_| {
                invalid(
                    field,
                    "must be an RFC 3339 time, e.g. 2025-11-21T09:30:00+07:00",
                    "phải là thời điểm theo RFC 3339, ví dụ 2025-11-21T09:30:00+07:00",
                )
            }),
    }
}

/// Reads a posted dossier: a JSON object with a `code` and a `unit_code` (strings), and optional
/// `procedure_code`, `counter_id`, `citizen_phone`, `received_at`, `due_at` and `completed_at`.
pub fn parse_body(body: &[u8]) -> Result<DossierBody, Invalid> {
    let v: Value = match serde_json::from_slice(body) {
        Ok(v @ Value::Object(_)) => v,
        _ => {
            return Err(invalid(
                "body",
                "the body must be a JSON object",
                "nội dung phải là một đối tượng JSON",
            ))
        }
    };
    // Text in NFC, as every input: a code sent decomposed is the same dossier as composed.
    let nfc = super::text::nfc;
    let code = match opt_str(&v, "code")? {
        Some(c) if c.len() <= MAX_CODE && !c.chars().any(char::is_control) => nfc(c),
        Some(_) => {
            return Err(invalid(
                "code",
                "at most 60 printable characters",
                "tối đa 60 ký tự",
            ))
        }
        None => return Err(invalid("code", "required", "bắt buộc")),
    };
    let unit_code =
        nfc(opt_str(&v, "unit_code")?.ok_or(invalid("unit_code", "required", "bắt buộc"))?)
            .to_uppercase();
    let counter_id = match v.get("counter_id") {
        None | Some(Value::Null) => Ok(None),
        Some(n) => n.as_i64().map(Some).ok_or(invalid(
            "counter_id",
            "must be a whole number",
            "phải là số nguyên",
        )),
    };
    let citizen_phone = opt_str(&v, "citizen_phone").and_then(|p| {
        p.map(|p| {
            validate::phone(p).map_err(|_| {
                invalid(
                    "citizen_phone",
                    "not a Vietnamese phone number",
                    "số điện thoại không hợp lệ",
                )
            })
        })
        .transpose()
    });
    Ok(DossierBody {
        code,
        unit_code,
        procedure_code: opt_str(&v, "procedure_code").map(|p| p.map(|p| nfc(p).to_uppercase())),
        counter_id,
        citizen_phone,
        received_at: opt_time(&v, "received_at"),
        due_at: opt_time(&v, "due_at"),
        completed_at: opt_time(&v, "completed_at"),
        complained: match v.get("complained") {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(invalid(
                "complained",
                "must be true or false",
                "phải là true hoặc false",
            )),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_body_is_read() {
        let b = parse_body(
            br#"{"code":" H41.12-251121-0001 ","unit_code":"xapl","procedure_code":"1.001193",
                "counter_id":3,"citizen_phone":"+84 912 345 678",
                "received_at":"2025-11-21T09:30:00+07:00","due_at":null,"completed_at":""}"#,
        )
        .unwrap();
        assert_eq!(b.code, "H41.12-251121-0001");
        assert_eq!(b.unit_code, "XAPL");
        assert_eq!(b.procedure_code, Ok(Some("1.001193".into())));
        assert_eq!(b.counter_id, Ok(Some(3)));
        assert_eq!(b.citizen_phone, Ok(Some("0912345678".into())));
        assert_eq!(
            b.received_at.unwrap().unwrap().to_rfc3339(),
            "2025-11-21T02:30:00+00:00"
        );
        assert_eq!((b.due_at, b.completed_at), (Ok(None), Ok(None)));
    }

    #[test]
    fn text_comes_out_composed() {
        // "Ế" sent decomposed (E, U+0302, U+0301) is the composed U+1EBE; full-width digits of
        // the phone are read as digits.
        let b = parse_body(
            "{\"code\":\"HS-E\u{302}\u{301}-1\",\"unit_code\":\"xapl\",\"citizen_phone\":\"\u{ff10}912345678\"}"
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(b.code, "HS-\u{1ebe}-1");
        assert_eq!(b.citizen_phone, Ok(Some("0912345678".into())));
    }

    #[test]
    fn refusals_name_the_field() {
        let field = |body: &[u8]| parse_body(body).map(|_| ()).unwrap_err().field;
        assert_eq!(field(b"[1]"), "body");
        assert_eq!(field(b"{not json"), "body");
        assert_eq!(field(br#"{"unit_code":"X"}"#), "code");
        assert_eq!(field(br#"{"code":"a\u0007","unit_code":"X"}"#), "code");
        assert_eq!(field(br#"{"code":"A","unit_code":7}"#), "unit_code");
        assert_eq!(field(br#"{"code":"A","unit_code":" "}"#), "unit_code");
        let b = parse_body(
            br#"{"code":"A","unit_code":"X","counter_id":1.5,"citizen_phone":"12","due_at":"soon","procedure_code":[]}"#,
        )
        .unwrap();
        assert_eq!(b.counter_id.unwrap_err().field, "counter_id");
        assert_eq!(b.citizen_phone.unwrap_err().field, "citizen_phone");
        assert_eq!(b.due_at.unwrap_err().field, "due_at");
        assert_eq!(b.procedure_code.unwrap_err().field, "procedure_code");
        assert_eq!(b.received_at, Ok(None));
    }
}
