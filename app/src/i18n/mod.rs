//! Vietnamese and English strings. The texts are in `app/locales/app.yml`, one entry per key
//! with both languages side by side; Vietnamese is the default and the fallback.

use serde::{Deserialize, Serialize};

/// The language of a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
    /// The string for `key` in this language.
    pub fn t(self, key: &str) -> String {
        rust_i18n::t!(key, locale = self.code()).into_owned()
    }
    /// The string for `key` with `%{name}` placeholders filled in.
    pub fn tf(self, key: &str, args: &[(&str, &str)]) -> String {
        let mut s = self.t(key);
        for (k, v) in args {
            s = s.replace(&format!("%{{{k}}}"), v);
        }
        s
    }
}

#[cfg(feature = "ssr")]
thread_local! {
    static CURRENT: std::cell::Cell<Lang> = const { std::cell::Cell::new(Lang::Vi) };
}

/// The language of the page being rendered on this thread (set by [`with_lang`]).
#[cfg(feature = "ssr")]
pub fn current() -> Lang {
    CURRENT.with(|c| c.get())
}

/// Runs `f` (which renders a page synchronously) with `lang` as the current language.
#[cfg(feature = "ssr")]
pub fn with_lang<R>(lang: Lang, f: impl FnOnce() -> R) -> R {
    let prev = CURRENT.with(|c| c.replace(lang));
    let out = f();
    CURRENT.with(|c| c.set(prev));
    out
}

/// The string for `key` in the language of the page being rendered.
#[cfg(feature = "ssr")]
pub fn t(key: &str) -> String {
    current().t(key)
}

/// Like [`t`], with `%{name}` placeholders filled in.
#[cfg(feature = "ssr")]
pub fn tf(key: &str, args: &[(&str, &str)]) -> String {
    current().tf(key, args)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every key has a Vietnamese and an English text, and no text is empty.
    #[test]
    fn every_key_has_both_languages() {
        let src = include_str!("../../locales/app.yml");
        let mut key: Option<String> = None;
        let mut langs: Vec<String> = Vec::new();
        let mut problems = Vec::new();
        let mut check = |key: &Option<String>, langs: &Vec<String>| {
            if let Some(k) = key {
                if !(langs.contains(&"vi".to_string()) && langs.contains(&"en".to_string())) {
                    problems.push(k.clone());
                }
            }
        };
        for line in src.lines() {
            if line.starts_with('#') || line.trim().is_empty() || line.starts_with("_version") {
                continue;
            }
            if !line.starts_with(' ') {
                check(&key, &langs);
                key = Some(line.trim_end_matches(':').to_string());
                langs.clear();
            } else if let Some((l, v)) = line.trim().split_once(':') {
                if !v.trim().is_empty() {
                    langs.push(l.to_string());
                }
            }
        }
        check(&key, &langs);
        assert!(problems.is_empty(), "keys missing a language: {problems:?}");
    }

    /// Every literal key the code uses (`"group.name"` of a known group) is defined.
    #[test]
    fn every_used_key_is_defined() {
        let src = include_str!("../../locales/app.yml");
        let defined: std::collections::HashSet<&str> = src
            .lines()
            .filter(|l| !l.starts_with([' ', '#', '_']) && !l.trim().is_empty())
            .map(|l| l.trim_end_matches(':'))
            .collect();
        let groups = [
            "app",
            "nav",
            "home",
            "pref",
            "shell",
            "error",
            "err",
            "flash",
            "form",
            "login",
            "account",
            "accounts",
            "staff",
            "units",
            "unit",
            "merge",
            "counter",
            "kiosk",
            "kiosks",
            "procedure",
            "procedures",
            "catalogue",
            "import",
            "audit",
            "pager",
            "role",
            "scale",
            "channel",
            "kiosk_page",
            "kiosk_setup",
            "kiosk_js",
            "ratings",
            "instruments",
            "instrument",
            "api_keys",
            "survey",
            "survey_find",
            "fb",
            "cal",
            "notify",
            "ses",
            "idx",
            "dash",
            "late",
            "insight",
            "inbound",
            "pub",
        ];
        // Audit action names are stored data, not message keys.
        let not_keys = [
            "audit.action",
            "account.sign_in",
            "account.create",
            "account.update",
            "account.password",
            "unit.create",
            "unit.update",
            "unit.merge",
            "procedure.create",
            "procedure.update",
            "counter.create",
            "kiosk.register",
            "kiosk.update",
            "kiosk.renew_token",
            "kiosk.alert_seen",
            "kiosk.release_day",
            "rating.clear_flag",
            "rating.correct",
            "instrument.draft",
            "instrument.edit",
            "instrument.publish",
            "api_key.create",
            "api_key.revoke",
            "notify.template",
            "notify.channels",
            // event names of the outbox
            "survey.invitation",
            "session.create",
            "session.publish",
            "session.confirmed",
            "session.waiting",
            "session.promoted",
            "session.reminder",
            "session.cancelled",
            "session.rate",
            "session.cancel",
            "session.minutes",
            "session.publish_minutes",
            "session.kind",
            // events of the outbox (their texts are `msg.<event>.body`), not keys
            "inbound.status",
            "inbound.unknown",
            "inbound.help",
            "inbound.rated",
            "inbound.already",
            "inbound.expired",
            // static files of the kiosk, not keys
            "kiosk.js",
            "kiosk.css",
        ];
        let mut missing = Vec::new();
        // The app and the server (the webhooks answer in Vietnamese with keys too).
        let mut stack = vec![
            std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/src")),
            std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../server/src")),
        ];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                for piece in text.split('"').skip(1).step_by(2) {
                    let Some((group, rest)) = piece.split_once('.') else {
                        continue;
                    };
                    if !groups.contains(&group)
                        || rest.is_empty()
                        || !piece.bytes().all(|b| {
                            b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_'
                        })
                    {
                        continue;
                    }
                    if !defined.contains(piece) && !not_keys.contains(&piece) {
                        missing.push(format!("{}: {piece}", path.display()));
                    }
                }
            }
        }
        assert!(
            missing.is_empty(),
            "keys used but not defined: {missing:#?}"
        );
    }

    #[test]
    fn looks_up_both_languages() {
        assert_eq!(Lang::Vi.t("app.name"), "Lắng Nghe");
        assert_eq!(Lang::En.t("nav.home"), "Home");
        assert_eq!(Lang::Vi.t("nav.home"), "Trang chủ");
    }
}
