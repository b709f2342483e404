//! The citizen's feedback form (`domain::feedback`): the case input, the long text, the code
//! and contact a citizen types to find a case, attachment names and bytes, the settings form,
//! and `domain::publish::publish`, which removes personal data before a text is published.
//!
//! Input: name, phone, email, address, content, extra — separated by 0x1F (see `fields`).
#![no_main]

use langnghe_app::domain::feedback::{self, FileKind, Settings};
use langnghe_app::domain::publish::{self, Part, People};
use langnghe_fuzz::{fields, longest_digit_run};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [name, phone, email, address, content, extra] = fields::<6>(data);
    let consent = !extra.is_empty();

    // What the form accepts is accepted again as it was stored.
    if let Ok(c) = feedback::parse_input(&name, &phone, &email, &address, &content, consent) {
        assert!(!c.phone.is_empty() || !c.email.is_empty(), "{c:?}");
        assert!(c.content.chars().count() <= feedback::MAX_CONTENT);
        assert_eq!(
            feedback::parse_input(&c.name, &c.phone, &c.email, &c.address, &c.content, true),
            Ok(c.clone())
        );
    }
    if let Ok(t) = feedback::long_text(&content, 50) {
        assert!(!t.contains('\r') && t.chars().count() <= 50, "{t:?}");
        assert_eq!(feedback::long_text(&t, 50), Ok(t.clone()));
    }

    // Publication: no run of 9 or more digits survives (phone numbers, citizen IDs: dates,
    // years and sums always have separators), the citizen's name given as one plain word is
    // gone as a word, and the pieces kept and removed are the whole text, in order.
    let people = People::new().person(&name, &phone, &email, &address);
    let words: Vec<String> = publish::parse_extra(&extra).unwrap_or_default();
    let p = publish::publish(&content, &people, &words);
    let out = p.public_text();
    assert!(longest_digit_run(&out) < 9, "{out:?}");
    let whole: String = p
        .parts()
        .iter()
        .map(|part| match part {
            Part::Kept(s) | Part::Removed(s, _) => *s,
        })
        .collect();
    assert_eq!(whole, p.source());
    let mut at = 0;
    for r in p.removals() {
        assert!(r.start >= at && r.end > r.start, "{:?}", p.removals());
        at = r.end;
    }
    let n = name.trim();
    if content.is_ascii() && n.len() >= 3 && n.bytes().all(|b| b.is_ascii_alphanumeric()) {
        let lower = n.to_ascii_lowercase();
        assert!(
            !out.split(|c: char| !c.is_alphanumeric())
                .any(|w| w.to_ascii_lowercase() == lower),
            "{n:?} left in {out:?}"
        );
    }

    // Finding a case again.
    let code = feedback::normalize_code(&content);
    assert!(!code.contains(|c: char| c.is_whitespace() || c == '-' || c == '.'));
    let _ = feedback::contact_matches(&extra, &phone, &email);

    // Attachments: the name shown and sent back in a header; the kind judged from the bytes.
    for kind in [FileKind::Pdf, FileKind::Jpeg, FileKind::Png] {
        let f = feedback::clean_file_name(&name, kind);
        assert!(!f.is_empty() && f.chars().count() <= 100, "{f:?}");
        assert!(
            !f.contains(|c: char| c.is_control() || "\";/\\".contains(c)),
            "{f:?}"
        );
    }
    let _ = feedback::sniff(data);

    // The settings form: `key=value` lines; values stay in range and survive a round trip.
    let pairs: Vec<(&str, &str)> = extra.lines().filter_map(|l| l.split_once('=')).collect();
    let s = Settings::from_pairs(pairs);
    assert!(s.apology_days > 0);
    for d in [
        s.forward_days,
        s.applying_days,
        s.competent_days,
        s.due_soon_days,
    ] {
        assert!(d <= 365);
    }
    let round = s.to_pairs();
    assert_eq!(
        Settings::from_pairs(round.iter().map(|(k, v)| (*k, v.as_str()))),
        s
    );
});
