//! The bodies the SMS provider and Zalo OA post to `/api/v1/inbound/*`
//! (`domain::inbound::parse_sms`, `parse_zalo`) and what a citizen's text is understood as
//! (`understand`). What is accepted has the promised form, and nothing panics.
#![no_main]

use langnghe_app::domain::inbound::{self, Intent, Sender};
use langnghe_app::domain::validate;
use langnghe_fuzz::printable;
use libfuzzer_sys::fuzz_target;

fn check(m: &inbound::Inbound) {
    assert!(!m.msg_id.is_empty() && m.msg_id.len() <= inbound::MAX_MSG_ID, "{m:?}");
    assert!(printable(&m.msg_id) && m.msg_id.trim() == m.msg_id, "{m:?}");
    assert!(m.text.chars().count() <= inbound::MAX_TEXT, "{m:?}");
    match &m.sender {
        Sender::Phone(p) => assert_eq!(validate::phone(p).as_ref(), Ok(p)),
        Sender::Zalo(id) => assert!(!id.is_empty() && printable(id), "{m:?}"),
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = inbound::parse_sms(data) {
        check(&m);
    }
    if let Ok(Some(m)) = inbound::parse_zalo(data) {
        check(&m);
    }
    let text = String::from_utf8_lossy(data);
    match inbound::understand(&text) {
        Intent::Rating(n) => assert!((1..=5).contains(&n)),
        Intent::Status(code) => {
            assert!(!code.is_empty() && code.len() <= 60, "{code:?}");
            assert_eq!(code.trim(), code);
            assert!(inbound::code_candidates(&code).contains(&code));
        }
        Intent::Help => {}
    }
});
