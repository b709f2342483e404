//! Small parsed input types ("parse, don't validate"). Each error is an i18n key. Every text
//! comes out in Unicode Normalization Form C ([`super::text::nfc`]): a name typed with
//! decomposed letters is stored, compared and found like the same name typed composed.

/// A staff username: 3–32 characters of a–z, 0–9, dot, dash, underscore.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(s: &str) -> Result<Username, &'static str> {
        let s = s.trim().to_lowercase();
        if s.len() < 3 || s.len() > 32 {
            return Err("err.username_length");
        }
        if !s
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
        {
            return Err("err.username_chars");
        }
        Ok(Username(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Words anyone would try first against an account of this application.
const APP_WORDS: [&str; 10] = [
    "langnghe",
    "lắng nghe",
    "lang nghe",
    "matkhau",
    "mật khẩu",
    "quantri",
    "canbo",
    "lanhdao",
    "admin",
    "password",
];

/// The guesses a password must resist, as [`zxcvbn`] estimates them: score 3, more than 10^8
/// guesses (out of reach of an online attack held back by the sign-in throttle, and of a
/// slow-hash offline attack for a long while).
pub const MIN_PASSWORD_SCORE: zxcvbn::Score = zxcvbn::Score::Three;

/// A new password: 10 to 128 characters, not containing the username, and not guessable:
/// zxcvbn's estimate (common passwords, dictionary words, repeats like `1111111111`, keyboard
/// rows, dates, the account's own username and name, this application's words) must reach
/// [`MIN_PASSWORD_SCORE`].
pub struct NewPassword(String);

impl NewPassword {
    /// `personal` are what the password must not be built from: the username, the full name.
    pub fn parse(s: &str, personal: &[&str]) -> Result<NewPassword, &'static str> {
        let n = s.chars().count();
        if n < 10 {
            return Err("err.password_short");
        }
        if n > 128 {
            return Err("err.too_long");
        }
        // Compared without case, diacritics, spaces or punctuation (composed or decomposed
        // Vietnamese letters alike): "CanBo.2026" contains "canbo", "nguyen van an" "Nguyễn Văn An".
        let squeeze = |x: &str| -> String {
            super::text::fold(x)
                .chars()
                .filter(|c| c.is_alphanumeric())
                .collect()
        };
        let plain = squeeze(s);
        let mut inputs: Vec<String> = APP_WORDS.iter().map(|w| w.to_string()).collect();
        for p in personal {
            let p_plain = squeeze(p);
            if p_plain.chars().count() >= 3 {
                if plain.contains(&p_plain) {
                    return Err("err.password_personal");
                }
                inputs.push(p_plain);
                inputs.extend(p.split_whitespace().map(squeeze));
            }
        }
        let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
        if zxcvbn::zxcvbn(s, &inputs).score() < MIN_PASSWORD_SCORE
            || zxcvbn::zxcvbn(&plain, &inputs).score() < MIN_PASSWORD_SCORE
        {
            return Err("err.password_weak");
        }
        Ok(NewPassword(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A required single-line text of at most `max` characters, trimmed, in NFC.
pub fn required_text(s: &str, max: usize) -> Result<String, &'static str> {
    let t = super::text::nfc(s);
    let t = t.trim();
    if t.is_empty() {
        return Err("err.required");
    }
    if t.chars().count() > max {
        return Err("err.too_long");
    }
    if t.chars().any(|c| c.is_control()) {
        return Err("err.bad_chars");
    }
    Ok(t.to_string())
}

/// An optional single-line text of at most `max` characters, trimmed ("" when empty), in NFC.
pub fn optional_text(s: &str, max: usize) -> Result<String, &'static str> {
    let t = super::text::nfc(s);
    let t = t.trim();
    if t.chars().count() > max {
        return Err("err.too_long");
    }
    if t.chars().any(|c| c.is_control()) {
        return Err("err.bad_chars");
    }
    Ok(t.to_string())
}

/// A short code: 1–20 characters of A–Z, 0–9, dot, dash, underscore (upper-cased).
pub fn code(s: &str) -> Result<String, &'static str> {
    let s = s.trim().to_uppercase();
    if s.is_empty() {
        return Err("err.required");
    }
    if s.len() > 20
        || !s
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b"._-".contains(&b))
    {
        return Err("err.code_format");
    }
    Ok(s)
}

/// A date typed as `dd/mm/yyyy` or sent by a date input as `yyyy-mm-dd`.
pub fn date(s: &str) -> Result<chrono::NaiveDate, &'static str> {
    let s = s.trim();
    if s.is_empty() {
        return Err("err.required");
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| chrono::NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .map_err(|_| "err.date_format")
}

/// An id picked from a list; empty or malformed input is "please choose".
pub fn pick_id(s: &str) -> Result<i64, &'static str> {
    s.trim()
        .parse::<i64>()
        .ok()
        .filter(|v| *v > 0)
        .ok_or("err.choose")
}

/// A Vietnamese phone number, normalised to `0xxxxxxxxx` (10 digits); `+84…` and `84…` accepted,
/// spaces, dots, dashes and brackets ignored, full-width digits (`０９１２…`) read as digits.
pub fn phone(s: &str) -> Result<String, &'static str> {
    use unicode_normalization::UnicodeNormalization;
    let digits: String = s
        .nfkc()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')'))
        .collect();
    let digits = digits.strip_prefix('+').unwrap_or(&digits);
    let local = if let Some(rest) = digits.strip_prefix("84") {
        format!("0{rest}")
    } else {
        digits.to_string()
    };
    if local.len() == 10 && local.starts_with('0') && local.bytes().all(|b| b.is_ascii_digit()) {
        Ok(local)
    } else {
        Err("err.phone")
    }
}

/// An e-mail address: one `@`, a dotted domain, no spaces, at most 254 characters (lower-cased).
pub fn email(s: &str) -> Result<String, &'static str> {
    let s = super::text::nfc(s.trim()).to_lowercase();
    let ok = s.len() <= 254
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        && match s.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            None => false,
        };
    if ok {
        Ok(s)
    } else {
        Err("err.email")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert_eq!(
            Username::parse(" Lan.Nguyen ").unwrap().as_str(),
            "lan.nguyen"
        );
        assert_eq!(Username::parse("ab"), Err("err.username_length"));
        assert_eq!(Username::parse("lan nguyen"), Err("err.username_chars"));
        assert_eq!(Username::parse("lân"), Err("err.username_chars"));
    }

    #[test]
    fn passwords_and_texts() {
        assert!(NewPassword::parse("short", &[]).is_err());
        assert_eq!(required_text("  ", 10), Err("err.required"));
        assert_eq!(required_text(" Sở Y tế ", 20).unwrap(), "Sở Y tế");
        assert_eq!(required_text("abcdef", 3), Err("err.too_long"));
        // Decomposed letters come out composed: L, e, U+0302 is "Lê" with U+00EA.
        assert_eq!(required_text("Le\u{302}", 10).unwrap(), "L\u{ea}");
        assert_eq!(optional_text(" Ba\u{300} ", 10).unwrap(), "B\u{e0}");
        assert_eq!(
            required_text("Le\u{302}\u{301}", 2),
            Ok("L\u{1ebf}".to_string()),
            "four code points typed, two letters counted"
        );
        assert_eq!(code("stp"), Ok("STP".to_string()));
        assert_eq!(code("S T"), Err("err.code_format"));
    }

    #[test]
    fn guessable_passwords_are_refused() {
        let p = |pw: &str, personal: &[&str]| NewPassword::parse(pw, personal).map(|_| ());
        // Ten characters, and each of them is guessed in a few tries.
        assert_eq!(p("1111111111", &[]), Err("err.password_weak"));
        assert_eq!(p("1234567890", &[]), Err("err.password_weak"));
        assert_eq!(p("qwertyuiop", &[]), Err("err.password_weak"));
        assert_eq!(p("password123", &[]), Err("err.password_weak"));
        assert_eq!(p("abcabcabcabc", &[]), Err("err.password_weak"));
        assert_eq!(p("langnghe2026", &[]), Err("err.password_weak"));
        // The username, repeated or with a year, and the person's name.
        assert_eq!(p("canbocanbo", &["canbo"]), Err("err.password_personal"));
        assert_eq!(p("CanBo.2026!", &["canbo"]), Err("err.password_personal"));
        assert_eq!(
            p("nguyenvanan1990", &["lan", "Nguyễn Văn An"]),
            Err("err.password_personal")
        );
        // Decomposed letters (e + combining marks) are the same letters.
        assert_eq!(
            p(
                "Nguye\u{302}\u{303}n Va\u{306}n An!!",
                &["x.y", "Nguyễn Văn An"]
            ),
            Err("err.password_personal")
        );
        assert_eq!(
            p("Nguyễn Văn An 1990", &["nva", "Nguyễn Văn An"]),
            Err("err.password_personal")
        );
        // A sentence of a few words, or a long random string, is accepted.
        assert!(p("bốn con mèo ăn cơm chiều", &["canbo"]).is_ok());
        assert!(p("correct horse battery staple", &["canbo"]).is_ok());
        assert!(p("k7#Qv9!mZ2@x", &[]).is_ok());
        // A short username (two letters) does not refuse every password that contains it.
        assert!(p("correct horse battery staple", &["an"]).is_ok());
    }

    #[test]
    fn phones() {
        assert_eq!(phone("0912 345 678"), Ok("0912345678".into()));
        assert_eq!(phone("+84 912.345.678"), Ok("0912345678".into()));
        assert_eq!(phone("84912345678"), Ok("0912345678".into()));
        assert_eq!(phone("12345"), Err("err.phone"));
        assert_eq!(phone("09123456ab"), Err("err.phone"));
        assert_eq!(phone("(0912) 345 678"), Ok("0912345678".into()));
        assert_eq!(
            phone(
                "\u{ff10}\u{ff19}\u{ff11}\u{ff12}\u{ff13}\u{ff14}\u{ff15}\u{ff16}\u{ff17}\u{ff18}"
            ),
            Ok("0912345678".into()),
            "full-width digits"
        );
        assert_eq!(email(" An@Example.VN "), Ok("an@example.vn".into()));
        assert_eq!(email("an@example"), Err("err.email"));
        assert_eq!(email("a n@example.vn"), Err("err.email"));
        assert_eq!(email("@example.vn"), Err("err.email"));
    }

    #[test]
    fn dates_in_both_forms() {
        let d = chrono::NaiveDate::from_ymd_opt(2025, 7, 1).unwrap();
        assert_eq!(date("2025-07-01"), Ok(d));
        assert_eq!(date("01/07/2025"), Ok(d));
        assert_eq!(date("31/02/2025"), Err("err.date_format"));
        assert_eq!(pick_id(""), Err("err.choose"));
        assert_eq!(pick_id("12"), Ok(12));
    }
}
