//! The JSON body of `POST /api/v1/dossiers` (`domain::dossier::parse_body`: serde into the
//! documented `DossierIn`, then the rules), as the one-stop software sends it. What is
//! accepted has the promised form, and the accepted dossier written back as JSON is read the
//! same way again.
#![no_main]

use chrono::{DateTime, Duration, Utc};
use langnghe_app::domain::{dossier, validate};
use langnghe_fuzz::printable;
use libfuzzer_sys::fuzz_target;

/// A fixed clock, so that a crash input replays the same way: 2 December 2026, 04:00 UTC.
fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_796_184_000, 0).unwrap_or_default()
}

fuzz_target!(|data: &[u8]| {
    let Ok(b) = dossier::parse_body(data, now()) else {
        return;
    };
    assert!(
        !b.code.is_empty() && b.code.len() <= dossier::MAX_CODE,
        "{b:?}"
    );
    assert!(printable(&b.code) && b.code.trim() == b.code, "{b:?}");
    assert!(
        !b.unit_code.is_empty() && b.unit_code.trim() == b.unit_code,
        "{b:?}"
    );
    if let Some(p) = &b.citizen_phone {
        assert_eq!(validate::phone(p).as_ref(), Ok(p));
    }
    if let Some(p) = &b.procedure_code {
        assert!(!p.is_empty() && p.trim() == p, "{b:?}");
    }
    // The times keep the promised order and bounds.
    let latest = now() + Duration::minutes(dossier::CLOCK_SKEW_MINUTES);
    for t in [b.received_at, b.due_at, b.completed_at].into_iter().flatten() {
        assert!(t >= dossier::earliest(), "{b:?}");
    }
    for t in [b.received_at, b.completed_at].into_iter().flatten() {
        assert!(t <= latest, "{b:?}");
    }
    if let (Some(r), Some(c)) = (b.received_at, b.completed_at) {
        assert!(c >= r, "{b:?}");
    }

    // Write the accepted dossier back as JSON (the documented type) and read it again.
    let json = serde_json::to_vec(&dossier::DossierIn::from(b.clone())).expect("serialises");
    let again = dossier::parse_body(&json, now()).expect("the accepted dossier is accepted again");
    assert_eq!(again, b);
});
