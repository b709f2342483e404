//! Reporting periods as typed in URLs (`?period=` on the dashboard, the indices pages and
//! `GET /api/v1/indices`): `2026-11`, `2026-Q3`, `2026`, `2026-01-15..2026-03-31`. A parsed
//! period is well-formed, prints back to itself, and the pages' derived periods do not panic.
#![no_main]

use chrono::Datelike;
use langnghe_app::domain::period::{Kind, Period};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let Some(p) = Period::parse(&s) else {
        return;
    };
    assert!(p.from <= p.to, "{p:?}");
    assert!((p.to - p.from).num_days() <= 3660, "{p:?}");
    for d in [p.from, p.to] {
        assert!((2000..=2100).contains(&d.year()), "{p:?}");
    }
    if p.kind != Kind::Range {
        assert_eq!(p.to, p.months().last().map_or(p.to, |m| p.to.max(*m)));
    }
    assert_eq!(Period::parse(&p.key()), Some(p), "key {:?}", p.key());
    let _ = (p.label(true), p.label(false));
    let months = p.months();
    assert!(!months.is_empty() && months.len() <= 240, "{p:?}");
    assert!(p.contains(p.from) && p.contains(p.to));
    let prev = p.previous();
    assert!(prev.to < p.from && prev.from <= prev.to, "{p:?} → {prev:?}");
    let _ = prev.key();
});
