//! Survey and kiosk answers (`domain::rating`): the overall score and comment of the phone
//! survey and of a session rating, the kiosk's face, comment, nonce and element answers, and
//! the opening hours an administrator types.
//!
//! Input: overall, comment, faces, nonce — separated by 0x1F.
#![no_main]

use langnghe_app::domain::rating::{self, OpeningHours, Score};
use langnghe_fuzz::{fields, printable};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [overall, comment, faces, nonce] = fields::<4>(data);

    if let Some(s) = Score::parse(&overall) {
        assert!((1..=5).contains(&s.get()));
        assert_eq!(Score::parse(&s.get().to_string()), Some(s));
        let _ = s.label_key();
    }
    match rating::survey_answer(Some(&overall), &comment) {
        Ok((s, c)) => {
            assert!(printable(&c) && c.chars().count() <= 1000, "{c:?}");
            assert_eq!(
                rating::survey_answer(Some(&s.get().to_string()), &c),
                Ok((s, c.clone()))
            );
        }
        Err(errs) => assert!(!errs.is_empty()),
    }
    assert!(rating::survey_answer(None, &comment).is_err());

    // The kiosk: faces as configured (3, 4, 5) and whatever the input says.
    let n = faces.trim().parse::<i32>().unwrap_or(5);
    for f in [3, 4, 5, n] {
        if let Some(v) = rating::kiosk_score(&overall, f) {
            assert!(rating::face_scores(f).contains(&v) && (1..=5).contains(&v));
        }
        let answers = rating::kiosk_answers(
            comment.lines().filter_map(|l| l.split_once('=')),
            f,
            |eid| eid % 2 == 0,
        );
        assert!(answers.windows(2).all(|w| w[0] <= w[1]));
        for (eid, criterion, score) in answers {
            assert!(eid % 2 == 0 && criterion.is_none());
            assert!(rating::face_scores(f).contains(&score));
        }
    }
    let c = rating::kiosk_comment(&comment);
    assert!(c.chars().count() <= 500, "{c:?}");
    assert!(
        !c.contains(|ch: char| ch.is_control() && ch != '\n'),
        "{c:?}"
    );
    if let Some(n) = rating::kiosk_nonce(&nonce) {
        assert!(!n.is_empty() && n.chars().count() <= 64);
    }

    if let Some(h) = OpeningHours::parse(&comment) {
        let spans = [Some(h.weekday), h.saturday, h.sunday];
        for (open, close) in spans.into_iter().flatten() {
            assert!(open < close, "{h:?}");
        }
    }
});
