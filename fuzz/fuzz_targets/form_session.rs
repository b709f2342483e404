//! The dialogue-session forms (`domain::session`): a citizen's sign-up and a question of the
//! minutes as an official types it. What is accepted is accepted again, unchanged.
//!
//! Input: 11 fields separated by 0x1F: name, phone, id_number, topic (sign-up), then asker,
//! asker_phone, asker_address, question, answer, answered_by, follow_up (question).
#![no_main]

use langnghe_app::domain::session::{self, QuestionFields};
use langnghe_fuzz::{fields, printable};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [name, phone, id_number, topic, asker, asker_phone, asker_address, question, answer, answered_by, follow_up] =
        fields::<11>(data);

    if let Ok(s) = session::parse_signup(&name, &phone, &id_number, &topic) {
        assert!(printable(&s.name) && !s.name.is_empty(), "{s:?}");
        assert!([0, 10, 12, 13].contains(&s.id_number.len()), "{s:?}");
        assert!(s.id_number.bytes().all(|b| b.is_ascii_digit()), "{s:?}");
        assert_eq!(
            session::parse_signup(&s.name, &s.phone, &s.id_number, &s.topic),
            Ok(s.clone())
        );
    }

    let f = QuestionFields {
        asker,
        asker_phone,
        asker_address,
        question,
        answer,
        answered_by,
        follow_up,
    };
    match session::parse_question(&f) {
        Ok(q) => {
            assert!(!q.asker.is_empty() && !q.question.is_empty(), "{q:?}");
            assert!(printable(&q.asker) && printable(&q.asker_address));
            assert_eq!(session::parse_question(&q), Ok(q.clone()));
        }
        Err(errs) => assert!(!errs.is_empty()),
    }
});
