//! The small parsers behind every form (`domain::validate`): usernames, passwords, texts, codes,
//! dates, ids, phone numbers and e-mail addresses. Whatever a parser accepts must be accepted
//! again, unchanged, and have the form it promises.
#![no_main]

use langnghe_app::domain::validate::{self, NewPassword, Username};
use langnghe_fuzz::printable;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);

    if let Ok(u) = Username::parse(&s) {
        let t = u.as_str();
        assert!((3..=32).contains(&t.len()), "{t:?}");
        assert!(t
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b)));
        assert_eq!(
            Username::parse(t).map(|v| v.as_str().to_string()),
            Ok(t.to_string())
        );
    }

    if let Ok(p) = NewPassword::parse(&s, &["canbo", "Nguyễn Văn An"]) {
        assert!((10..=128).contains(&p.as_str().chars().count()));
        assert_eq!(p.as_str(), s);
        assert!(!langnghe_app::domain::text::fold(&s).contains("canbo"), "{s:?}");
    }

    for max in [1, 20, 200] {
        if let Ok(t) = validate::required_text(&s, max) {
            assert!(
                !t.is_empty() && t.chars().count() <= max && printable(&t),
                "{t:?}"
            );
            assert_eq!(validate::required_text(&t, max), Ok(t.clone()));
        }
        if let Ok(t) = validate::optional_text(&s, max) {
            assert!(t.chars().count() <= max && printable(&t), "{t:?}");
            assert_eq!(validate::optional_text(&t, max), Ok(t.clone()));
        }
    }

    if let Ok(c) = validate::code(&s) {
        assert!((1..=20).contains(&c.len()), "{c:?}");
        assert!(c
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b"._-".contains(&b)));
        assert_eq!(validate::code(&c), Ok(c.clone()));
    }

    if let Ok(d) = validate::date(&s) {
        assert_eq!(validate::date(&d.format("%Y-%m-%d").to_string()), Ok(d));
    }

    if let Ok(id) = validate::pick_id(&s) {
        assert!(id > 0);
        assert_eq!(validate::pick_id(&id.to_string()), Ok(id));
    }

    if let Ok(p) = validate::phone(&s) {
        assert!(p.len() == 10 && p.starts_with('0'), "{p:?}");
        assert!(p.bytes().all(|b| b.is_ascii_digit()), "{p:?}");
        assert_eq!(validate::phone(&p), Ok(p.clone()));
    }

    if let Ok(e) = validate::email(&s) {
        assert!(e.len() <= 254 && printable(&e) && !e.contains(char::is_whitespace));
        let (local, domain) = e.split_once('@').expect("an accepted e-mail has an @");
        assert!(!local.is_empty() && !domain.contains('@') && domain.contains('.'));
        assert_eq!(validate::email(&e), Ok(e.clone()));
    }
});
