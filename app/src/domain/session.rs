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

/// The time a message about a sign-up gives: the booked slot's start when the sign-up has a slot
/// (no-wait Thursday), the session's start otherwise. Every message about a sign-up
/// (confirmation, waiting, promotion, reminder, cancellation, rating link) takes its time here.
pub fn message_time(session_start: DateTime<Utc>, slot: Option<DateTime<Utc>>) -> DateTime<Utc> {
    slot.unwrap_or(session_start)
}

/// A question of the minutes as an official types it: who asked (name; phone and address only
/// to make a feedback case of it, never published), the question, the answer given, by whom, and
/// any follow-up promised. Errors are (field, i18n key).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QuestionFields {
    pub asker: String,
    pub asker_phone: String,
    pub asker_address: String,
    pub question: String,
    pub answer: String,
    pub answered_by: String,
    pub follow_up: String,
}

pub fn parse_question(
    f: &QuestionFields,
) -> Result<QuestionFields, Vec<(&'static str, &'static str)>> {
    let mut errs = Vec::new();
    let mut take = |field: &'static str, r: Result<String, &'static str>| match r {
        Ok(v) => v,
        Err(e) => {
            errs.push((field, e));
            String::new()
        }
    };
    let long = |s: &str| match s.trim() {
        "" => Ok(String::new()),
        t => super::feedback::long_text(t, 5000),
    };
    let out = QuestionFields {
        asker: take("asker", validate::required_text(&f.asker, 120)),
        asker_phone: match f.asker_phone.trim() {
            "" => String::new(),
            p => take("asker_phone", validate::phone(p)),
        },
        asker_address: take(
            "asker_address",
            validate::optional_text(&f.asker_address, 200),
        ),
        question: take(
            "question",
            super::feedback::long_text(&f.question, super::feedback::MAX_CONTENT),
        ),
        answer: take("answer", long(&f.answer)),
        answered_by: take("answered_by", validate::optional_text(&f.answered_by, 120)),
        follow_up: take("follow_up", long(&f.follow_up)),
    };
    if errs.is_empty() {
        Ok(out)
    } else {
        Err(errs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_message_gives_the_slot_when_there_is_one() {
        // A session opening at 08:00 (01:00 UTC) with a sign-up for the 09:00 slot (02:00 UTC).
        let start = Utc.with_ymd_and_hms(2026, 12, 3, 1, 0, 0).unwrap();
        let slot = Utc.with_ymd_and_hms(2026, 12, 3, 2, 0, 0).unwrap();
        assert_eq!(message_time(start, Some(slot)), slot);
        assert_eq!(message_time(start, None), start);
    }

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
    fn a_question_needs_who_asked_and_what() {
        let f = QuestionFields {
            asker: " Bà Lê Thị Hoa ".into(),
            asker_phone: "0912 345 678".into(),
            question: "Khi nào sửa đường?".into(),
            answer: "Quý I năm sau.".into(),
            ..Default::default()
        };
        let ok = parse_question(&f).unwrap();
        assert_eq!(ok.asker, "Bà Lê Thị Hoa");
        assert_eq!(ok.asker_phone, "0912345678");
        assert_eq!(ok.follow_up, "");
        let errs = parse_question(&QuestionFields {
            asker_phone: "12".into(),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(
            errs,
            vec![
                ("asker", "err.required"),
                ("asker_phone", "err.phone"),
                ("question", "err.required")
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
