//! Texts citizens send us (issue 19, two-way texts), read without the database: the two provider
//! shapes (our SMS gateway contract and Zalo OA's `user_send_text` event), and what a text asks
//! for — `TC <dossier code>` (or the code alone) for the status, a digit 1–5 for a rating by
//! reply, anything else gets the help text.
//!
//! Citizens type on every kind of phone: a text is read in Unicode compatibility form (NFKC:
//! full-width `４` is `4`, decomposed `ệ` is composed), without invisible characters
//! (zero-width spaces, direction marks), with runs of white space as one space.

use super::dossier::Invalid;
use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

fn invalid(field: &'static str, en: &'static str, vi: &'static str) -> Invalid {
    Invalid { field, en, vi }
}

/// The longest text kept (characters); a longer one is cut (an SMS is 160 GSM or 70 UCS-2
/// characters a part, a Zalo text at most 2000).
pub const MAX_TEXT: usize = 1000;
/// The longest provider message id accepted (bytes).
pub const MAX_MSG_ID: usize = 100;

/// A text as our SMS gateway contract posts it (`POST /api/v1/inbound/sms`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SmsIn {
    /// The sender's phone number (`0912345678`, `84912345678` or `+84 912 345 678`).
    #[cfg_attr(feature = "ssr", schema(example = "+84912345678"))]
    pub from: String,
    /// The text as the citizen typed it.
    #[cfg_attr(feature = "ssr", schema(example = "TC H41.30-261118-0042"))]
    pub text: String,
    /// The provider's id of this message: the same id again is the same text (nothing is sent
    /// again).
    #[cfg_attr(feature = "ssr", schema(example = "mo-20261203-000123"))]
    pub id: String,
    /// When the provider received it (RFC 3339).
    #[cfg_attr(feature = "ssr", schema(example = "2026-12-03T09:15:00+07:00"))]
    #[serde(default)]
    pub received_at: Option<String>,
}

/// Zalo OA's sender object.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ZaloSender {
    /// The user's id for this Official Account (not a phone number).
    pub id: String,
}

/// Zalo OA's message object.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ZaloMessage {
    pub msg_id: String,
    #[serde(default)]
    pub text: String,
}

/// A Zalo OA webhook event (`POST /api/v1/inbound/zalo`). Only `user_send_text` is read;
/// every other event is acknowledged and ignored. Unknown fields are ignored.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ZaloIn {
    #[cfg_attr(feature = "ssr", schema(example = "user_send_text"))]
    pub event_name: String,
    #[serde(default)]
    pub sender: Option<ZaloSender>,
    #[serde(default)]
    pub message: Option<ZaloMessage>,
    /// Milliseconds since 1970, as a string (Zalo's form) or a number.
    #[cfg_attr(feature = "ssr", schema(value_type = String, example = "1764728100000"))]
    #[serde(default)]
    pub timestamp: Option<serde_json::Value>,
}

/// Who sent a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sender {
    /// A phone number, normalised (`0xxxxxxxxx`).
    Phone(String),
    /// A Zalo user id (app-scoped; no phone number comes with it).
    Zalo(String),
}

/// A text that passed every rule that needs no database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbound {
    /// `sms` or `zalo`.
    pub provider: &'static str,
    pub msg_id: String,
    pub sender: Sender,
    /// NFC, at most [`MAX_TEXT`] characters.
    pub text: String,
    pub received_at: Option<DateTime<Utc>>,
}

fn msg_id(s: &str) -> Result<String, Invalid> {
    let id = super::text::nfc(s.trim());
    if id.is_empty() {
        return Err(invalid("id", "required", "bắt buộc"));
    }
    if id.len() > MAX_MSG_ID || id.chars().any(char::is_control) {
        return Err(invalid(
            "id",
            "must be at most 100 printable characters",
            "tối đa 100 ký tự in được",
        ));
    }
    Ok(id)
}

fn kept_text(s: &str) -> String {
    super::text::nfc(s).chars().take(MAX_TEXT).collect()
}

fn body_error() -> Invalid {
    invalid(
        "body",
        "the body must be a JSON object of the documented shape",
        "nội dung phải là một đối tượng JSON đúng mẫu",
    )
}

/// Reads our SMS gateway contract's body.
pub fn parse_sms(body: &[u8]) -> Result<Inbound, Invalid> {
    let s: SmsIn = serde_json::from_slice(body).map_err(|e| {
        let m = e.to_string();
        for f in ["from", "text", "id"] {
            if m.contains(&format!("missing field `{f}`")) {
                return invalid(f, "required", "bắt buộc");
            }
        }
        body_error()
    })?;
    let msg_id = msg_id(&s.id)?;
    let from = super::validate::phone(&s.from).map_err(|_| {
        invalid(
            "from",
            "not a Vietnamese phone number",
            "số điện thoại không hợp lệ",
        )
    })?;
    let received_at = match s.received_at.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(t) => Some(
            DateTime::parse_from_rfc3339(t)
                .map_err(|_| {
                    invalid(
                        "received_at",
                        "must be an RFC 3339 time, e.g. 2026-12-03T09:15:00+07:00",
                        "phải là thời điểm theo RFC 3339, ví dụ 2026-12-03T09:15:00+07:00",
                    )
                })?
                .with_timezone(&Utc),
        ),
    };
    Ok(Inbound {
        provider: "sms",
        msg_id,
        sender: Sender::Phone(from),
        text: kept_text(&s.text),
        received_at,
    })
}

/// Reads a Zalo OA event: `Ok(None)` for an event that is not a user's text (acknowledged,
/// nothing stored).
pub fn parse_zalo(body: &[u8]) -> Result<Option<Inbound>, Invalid> {
    let z: ZaloIn = serde_json::from_slice(body).map_err(|_| body_error())?;
    if z.event_name != "user_send_text" {
        return Ok(None);
    }
    let sender = z
        .sender
        .map(|s| s.id.trim().to_string())
        .filter(|s| !s.is_empty())
        .ok_or(invalid("sender.id", "required", "bắt buộc"))?;
    if sender.len() > MAX_MSG_ID || sender.chars().any(char::is_control) {
        return Err(invalid(
            "sender.id",
            "must be at most 100 printable characters",
            "tối đa 100 ký tự in được",
        ));
    }
    let message = z
        .message
        .ok_or(invalid("message", "required", "bắt buộc"))?;
    let msg_id = msg_id(&message.msg_id).map_err(|e| Invalid {
        field: "message.msg_id",
        ..e
    })?;
    let ms = match &z.timestamp {
        Some(serde_json::Value::String(s)) => s.trim().parse::<i64>().ok(),
        Some(serde_json::Value::Number(n)) => n.as_i64(),
        _ => None,
    };
    Ok(Some(Inbound {
        provider: "zalo",
        msg_id,
        sender: Sender::Zalo(sender),
        text: kept_text(&message.text),
        received_at: ms.and_then(|ms| Utc.timestamp_millis_opt(ms).single()),
    }))
}

/// What a text asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intent {
    /// The status of the dossier with this code (as typed, cleaned).
    Status(String),
    /// A rating by reply, 1..=5.
    Rating(u8),
    /// Anything else: the help text.
    Help,
}

/// The text as it is read: NFKC, invisible characters dropped, white space collapsed, trimmed.
pub fn clean(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let mut out = String::with_capacity(text.len());
    let mut space = true;
    for c in text
        .chars()
        .filter(|c| !super::text::is_invisible(*c))
        .nfkc()
    {
        if c.is_whitespace() || c.is_control() {
            if !space {
                out.push(' ');
                space = true;
            }
        } else {
            out.push(c);
            space = false;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Whether a single word looks like a dossier code: 4 to 60 bytes of letters, digits and
/// `. - _ /`, with at least one digit.
fn looks_like_code(s: &str) -> bool {
    (4..=super::dossier::MAX_CODE).contains(&s.len())
        && s.chars().any(|c| c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | '/'))
}

/// What `text` asks for.
pub fn understand(text: &str) -> Intent {
    let t = clean(text);
    let folded = super::text::fold(&t);
    // A rating: "4", "4 sao" (stars), "4*", "4 điểm", "4/5", "4." — one digit 1..5.
    let mut chars = folded.chars();
    if let Some(d @ '1'..='5') = chars.next() {
        let rest = chars.as_str().trim();
        if matches!(
            rest,
            "" | "." | "*" | "sao" | "sao." | "diem" | "d" | "/5" | "★"
        ) {
            return Intent::Rating(d as u8 - b'0');
        }
    }
    // `TC <code>`: the two letters in any case, then a space or a colon.
    if let Some(rest) = folded.strip_prefix("tc") {
        if rest.starts_with([' ', ':']) {
            // The code as typed (not folded): after the same two characters of the clean text.
            let code: String = t
                .chars()
                .skip(2)
                .collect::<String>()
                .trim_start_matches([' ', ':'])
                .trim()
                .to_string();
            if !code.is_empty() && code.len() <= super::dossier::MAX_CODE {
                return Intent::Status(code);
            }
            return Intent::Help;
        }
    }
    if !t.contains(' ') && looks_like_code(&t) {
        return Intent::Status(t);
    }
    Intent::Help
}

/// The forms of a typed code to look up, most likely first: as typed, in capitals, in small
/// letters, and each without its spaces (codes are printed without; a citizen may add some).
pub fn code_candidates(code: &str) -> Vec<String> {
    let joined: String = code.chars().filter(|c| *c != ' ').collect();
    let mut out: Vec<String> = Vec::new();
    for base in [code.to_string(), joined] {
        for c in [base.clone(), base.to_uppercase(), base.to_lowercase()] {
            if !out.contains(&c) {
                out.push(c);
            }
        }
    }
    out
}

/// Texts one sender may get answered in an hour; beyond it a text is stored and not answered
/// (a stranger must not make us send texts at our cost). A citizen asking the status of a few
/// dossiers and rating one needs far fewer.
pub const TEXTS_PER_SENDER_PER_HOUR: i64 = 10;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_questions_are_read_in_every_form_a_phone_types() {
        let code = "H41.30-261118-0042";
        for t in [
            "TC H41.30-261118-0042",
            "tc H41.30-261118-0042",
            "Tc:H41.30-261118-0042",
            "  TC    H41.30-261118-0042  ",
            // full-width letters and digits (NFKC)
            "ＴＣ Ｈ４１.３０-２６１１１８-００４２",
            // a zero-width space and a byte-order mark
            "TC\u{200b} H41.30-261118-0042\u{feff}",
            "H41.30-261118-0042",
        ] {
            assert_eq!(understand(t), Intent::Status(code.into()), "{t:?}");
        }
        assert_eq!(
            understand("tc h41.30-261118-0042"),
            Intent::Status("h41.30-261118-0042".into())
        );
        assert!(code_candidates("h41.30-261118-0042").contains(&code.to_string()));
        assert!(code_candidates("H41.30 - 261118").contains(&"H41.30-261118".to_string()));
        assert_eq!(understand("TC"), Intent::Help);
        assert_eq!(understand("TCX"), Intent::Help);
    }

    #[test]
    fn ratings_are_one_digit_from_1_to_5() {
        for (t, n) in [
            ("4", 4),
            (" 5 ", 5),
            ("4 sao", 4),
            ("4 SAO", 4),
            ("3sao", 3),
            ("\u{ff14}", 4), // full-width ４
            ("1*", 1),
            ("2 điểm", 2),
            ("5/5", 5),
        ] {
            assert_eq!(understand(t), Intent::Rating(n), "{t:?}");
        }
        for t in ["0", "6", "45", "4 5", "bốn", "", "cảm ơn", "4 sao nhé bạn"] {
            assert_ne!(
                std::mem::discriminant(&understand(t)),
                std::mem::discriminant(&Intent::Rating(1)),
                "{t:?}"
            );
        }
        assert_eq!(understand("cảm ơn"), Intent::Help);
        assert_eq!(understand("45"), Intent::Help);
    }

    #[test]
    fn the_two_provider_shapes_are_read_and_refused_by_field() {
        let s = parse_sms(
            r#"{"from":"+84 912 345 678","text":"TC ABC-1","id":" m1 ","received_at":"2026-12-03T09:15:00+07:00"}"#
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(s.sender, Sender::Phone("0912345678".into()));
        assert_eq!(s.msg_id, "m1");
        // 09:15 in Vietnam (UTC+7) is 02:15 UTC.
        assert_eq!(
            s.received_at,
            Some(Utc.with_ymd_and_hms(2026, 12, 3, 2, 15, 0).unwrap())
        );
        let field = |b: &str| parse_sms(b.as_bytes()).unwrap_err().field;
        assert_eq!(field(r#"{"text":"x","id":"1"}"#), "from");
        assert_eq!(field(r#"{"from":"12","text":"x","id":"1"}"#), "from");
        assert_eq!(field(r#"{"from":"0912345678","text":"x","id":" "}"#), "id");
        assert_eq!(field("[]"), "body");

        let z = parse_zalo(
            r#"{"app_id":"1","event_name":"user_send_text","sender":{"id":"246810"},
                "recipient":{"id":"oa"},"message":{"msg_id":"zm1","text":"5"},"timestamp":"1764728100000"}"#
                .as_bytes(),
        )
        .unwrap()
        .unwrap();
        assert_eq!(z.sender, Sender::Zalo("246810".into()));
        // 1 764 728 100 000 ms = 1 764 728 100 s = 2025-12-03 02:15:00 UTC
        // (20 425 days after 1970-01-01 and 8 100 s).
        assert_eq!(
            z.received_at,
            Some(Utc.with_ymd_and_hms(2025, 12, 3, 2, 15, 0).unwrap())
        );
        assert_eq!(
            parse_zalo(br#"{"event_name":"follow","follower":{"id":"1"}}"#).unwrap(),
            None
        );
        assert_eq!(
            parse_zalo(br#"{"event_name":"user_send_text","message":{"msg_id":"a","text":"x"}}"#)
                .unwrap_err()
                .field,
            "sender.id"
        );
    }
}
