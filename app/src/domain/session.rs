//! Dialogue sessions: "Saturday listening", "no-wait Thursday" slots, business dialogues. The
//! rules here are pure: sign-up input, confirmation codes, the time slots of a session.

use super::validate;
use chrono::{DateTime, Duration, Utc};

/// A citizen's (or business's) sign-up.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SignupInput {
    pub name: String,
    pub phone: String,
    /// A citizen ID (12 digits) or a business tax code (10 or 13 digits, dash allowed), or "".
    pub id_number: String,
    pub topic: String,
}

/// Parses a sign-up; errors are (field, i18n key).
pub fn parse_signup(
    name: &str,
    phone: &str,
    id_number: &str,
    topic: &str,
) -> Result<SignupInput, Vec<(&'static str, &'static str)>> {
    let mut errs = Vec::new();
    let name = validate::required_text(name, 120).unwrap_or_else(|e| {
        errs.push(("name", e));
        String::new()
    });
    let phone = validate::phone(phone).unwrap_or_else(|e| {
        errs.push(("phone", e));
        String::new()
    });
    let id_number = match id_number.trim() {
        "" => String::new(),
        s => {
            let digits: String = s.chars().filter(|c| *c != '-' && *c != ' ').collect();
            if digits.chars().all(|c| c.is_ascii_digit()) && [10, 12, 13].contains(&digits.len()) {
                digits
            } else {
                errs.push(("id_number", "ses.err_id_number"));
                String::new()
            }
        }
    };
    let topic = match topic.trim() {
        "" => String::new(),
        t => super::feedback::long_text(t, 2000).unwrap_or_else(|e| {
            errs.push(("topic", e));
            String::new()
        }),
    };
    if errs.is_empty() {
        Ok(SignupInput {
            name,
            phone,
            id_number,
            topic,
        })
    } else {
        Err(errs)
    }
}

/// A confirmation code: "DT" and eight digits, e.g. `DT40817263`.
pub fn make_code(n: u32) -> String {
    format!("DT{:08}", n % 100_000_000)
}

/// The start of every slot of `minutes` between `start` and `end` (the last one ends by `end`).
pub fn slots(start: DateTime<Utc>, end: DateTime<Utc>, minutes: i64) -> Vec<DateTime<Utc>> {
    if minutes <= 0 {
        return Vec::new();
    }
    let step = Duration::minutes(minutes);
    let mut out = Vec::new();
    let mut t = start;
    while t + step <= end && out.len() < 500 {
        out.push(t);
        t += step;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn signups_need_a_name_and_a_phone() {
        let ok = parse_signup(
            " Trần Văn Bình ",
            "0912 345 678",
            "0101234567-001",
            "Hỏi về đất đai",
        )
        .unwrap();
        assert_eq!(ok.phone, "0912345678");
        assert_eq!(ok.id_number, "0101234567001", "a branch tax code");
        assert!(
            parse_signup("A", "0912345678", "001203004567", "").is_ok(),
            "a citizen ID"
        );
        let errs = parse_signup("", "12", "12345", "").unwrap_err();
        assert_eq!(
            errs,
            vec![
                ("name", "err.required"),
                ("phone", "err.phone"),
                ("id_number", "ses.err_id_number")
            ]
        );
    }

    #[test]
    fn slots_fill_the_session() {
        let s = Utc.with_ymd_and_hms(2026, 11, 26, 0, 30, 0).unwrap();
        let e = Utc.with_ymd_and_hms(2026, 11, 26, 2, 0, 0).unwrap();
        let v = slots(s, e, 30);
        assert_eq!(v.len(), 3);
        assert_eq!(v[2], Utc.with_ymd_and_hms(2026, 11, 26, 1, 30, 0).unwrap());
        assert!(slots(s, e, 0).is_empty());
        assert_eq!(make_code(40817263), "DT40817263");
    }
}
