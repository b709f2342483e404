//! The JSON body of `POST /api/v1/dossiers` (`domain::dossier::parse_body`), as the one-stop
//! software sends it. What is accepted has the promised form, and a body written back from the
//! accepted fields is read the same way again.
#![no_main]

use langnghe_app::domain::{dossier, validate};
use langnghe_fuzz::printable;
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Map, Value};

fuzz_target!(|data: &[u8]| {
    let Ok(b) = dossier::parse_body(data) else {
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
    if let Ok(Some(p)) = &b.citizen_phone {
        assert_eq!(validate::phone(p).as_ref(), Ok(p));
    }
    if let Ok(Some(p)) = &b.procedure_code {
        assert!(!p.is_empty() && p.trim() == p, "{b:?}");
    }

    // Write the accepted fields back as JSON (times in RFC 3339) and read them again.
    let mut m = Map::new();
    m.insert("code".into(), json!(b.code));
    m.insert("unit_code".into(), json!(b.unit_code));
    if let Ok(v) = &b.procedure_code {
        m.insert("procedure_code".into(), json!(v));
    }
    if let Ok(v) = &b.counter_id {
        m.insert("counter_id".into(), json!(v));
    }
    if let Ok(v) = &b.citizen_phone {
        m.insert("citizen_phone".into(), json!(v));
    }
    for (k, t) in [
        ("received_at", &b.received_at),
        ("due_at", &b.due_at),
        ("completed_at", &b.completed_at),
    ] {
        if let Ok(t) = t {
            m.insert(k.into(), json!(t.map(|t| t.to_rfc3339())));
        }
    }
    let again = dossier::parse_body(Value::Object(m).to_string().as_bytes())
        .expect("the accepted fields are accepted again");
    assert_eq!(again.code, b.code);
    assert_eq!(again.unit_code, b.unit_code);
    let same = |x: bool, field: &str| assert!(x, "{field}: {b:?} → {again:?}");
    same(
        b.procedure_code.is_err() || again.procedure_code == b.procedure_code,
        "procedure_code",
    );
    same(
        b.counter_id.is_err() || again.counter_id == b.counter_id,
        "counter_id",
    );
    same(
        b.citizen_phone.is_err() || again.citizen_phone == b.citizen_phone,
        "citizen_phone",
    );
    same(
        b.received_at.is_err() || again.received_at == b.received_at,
        "received_at",
    );
    same(b.due_at.is_err() || again.due_at == b.due_at, "due_at");
    same(
        b.completed_at.is_err() || again.completed_at == b.completed_at,
        "completed_at",
    );
});
