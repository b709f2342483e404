//! The working-day calendar (issue 20): the corrected 2026/2027 days with their legal basis, and
//! open deadlines recounted in the same transaction as a change of the calendar, with a step on
//! the case's timeline and a message to the citizen when the date moves later.

use chrono::NaiveDate;
use langnghe_app::db::{calendar, feedback as fb, notify};
use langnghe_tests::{both_databases, TestApp};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

async fn deadline_messages(app: &TestApp, id: i64) -> Vec<String> {
    notify::for_entity(&app.db, "feedback", id)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.0 == "feedback.deadline_moved")
        .map(|m| m.3)
        .collect()
}

both_databases!(
    the_migrated_calendar_has_the_2026_corrections,
    |app: TestApp| async move {
        let cal = calendar::load(&app.db).await.unwrap();
        // Thu 20/8/2026 + 2: Fri 21 (1), Sat 22 worked (2).
        assert_eq!(cal.add_working_days(d(2026, 8, 20), 2), d(2026, 8, 22));
        // Fri 28/8/2026 + 1: Sat 29 – Wed 2/9 off (31/8 swapped) → Thu 3/9.
        assert_eq!(cal.add_working_days(d(2026, 8, 28), 1), d(2026, 9, 3));
        // Mon 23/11/2026 + 1: Tue 24 (Vietnam Culture Day) off → Wed 25.
        assert_eq!(cal.add_working_days(d(2026, 11, 23), 1), d(2026, 11, 25));
        // 02/01/2026 stays off with Saturday 10/01 worked: Wed 7/1 + 3 → Sat 10/1.
        assert_eq!(cal.add_working_days(d(2026, 1, 7), 3), d(2026, 1, 10));
        // Tết 2027 (mùng 1 on Sat 6/2): Wed 3/2 + 1 → Thu 11/2.
        assert_eq!(cal.add_working_days(d(2027, 2, 3), 1), d(2027, 2, 11));
        let days = calendar::days(&app.db).await.unwrap();
        for x in days.iter().filter(|x| x.day >= d(2026, 1, 1)) {
            assert!(!x.basis.trim().is_empty(), "{} has no basis", x.day);
        }
        let prov = |day: NaiveDate| days.iter().find(|x| x.day == day).map(|x| x.provisional);
        assert_eq!(prov(d(2027, 2, 4)), Some(true), "Tết 2027 is not announced");
        assert_eq!(prov(d(2027, 9, 3)), Some(true));
        assert_eq!(prov(d(2027, 11, 24)), Some(true));
        assert_eq!(prov(d(2026, 8, 31)), Some(false));
        assert_eq!(prov(d(2026, 11, 24)), Some(false));
        assert_eq!(prov(d(2027, 1, 1)), Some(false));
    }
);

both_databases!(
    a_new_holiday_moves_open_deadlines_and_tells_the_citizen,
    |app: TestApp| async move {
        // Two cases received on Thursday 4 March 2027 by letter at XAPL. The forward limit is
        // 5 working days (the default): Fri 5 (1), Mon 8 (2), Tue 9 (3), Wed 10 (4), Thu 11 (5).
        let settings = calendar::feedback_settings(&app.db).await.unwrap();
        assert_eq!(settings.forward_days, 5);
        let (open, code) = app
            .case_received_on("XAPL", d(2027, 3, 4), "0912345678", "vi")
            .await;
        let (closed, _) = app
            .case_received_on("XAPL", d(2027, 3, 4), "0987654321", "vi")
            .await;
        assert_eq!(fb::get(&app.db, open).await.unwrap().due_on, d(2027, 3, 11));
        langnghe_app::db_run!(&app.db, c => sqlx::query(
            "UPDATE feedback_cases SET status = 'closed' WHERE id = $1")
            .bind(closed).execute(c).await.map(|_| ()))
        .unwrap();

        // Another role cannot change the calendar: nothing moves.
        let official = app.another_visitor();
        official.login_as("canbo").await;
        official
            .post_form(
                "/admin/calendar",
                "/api/calendar/set",
                &[("day", "2027-03-09"), ("kind", "holiday"), ("name", "Thử")],
            )
            .await;
        let listed = calendar::days(&app.db).await.unwrap();
        assert!(!listed.iter().any(|x| x.day == d(2027, 3, 9)));
        assert_eq!(fb::get(&app.db, open).await.unwrap().due_on, d(2027, 3, 11));

        // The administrator makes Tuesday 9 March 2027 a holiday: Fri 5 (1), Mon 8 (2),
        // Wed 10 (3), Thu 11 (4), Fri 12 (5).
        app.login_as("quantri").await;
        let (_, body) = app
            .submit(
                "/admin/calendar",
                "/api/calendar/set",
                &[
                    ("day", "2027-03-09"),
                    ("kind", "holiday"),
                    ("name", "Nghỉ thử"),
                    ("basis", "Quyết định thử | số 1"),
                ],
            )
            .await;
        assert!(body.contains("Quyết định thử | số 1"), "basis shown");
        let case = fb::get(&app.db, open).await.unwrap();
        assert_eq!(case.due_on, d(2027, 3, 12));
        assert_eq!(case.forward_due, d(2027, 3, 12));
        let other = fb::get(&app.db, closed).await.unwrap();
        assert_eq!(other.due_on, d(2027, 3, 11), "a closed case keeps its date");
        assert!(deadline_messages(&app, closed).await.is_empty());

        // The step is on the case's timeline, in words.
        let (_, page) = app.page(&format!("/feedback/cases/{open}")).await;
        assert!(page.contains(&code));
        assert!(
            page.contains("Hạn chuyển từ 11/03/2027 sang 12/03/2027 vì ngày 09/03/2027 là ngày nghỉ (Nghỉ thử)"),
            "timeline step"
        );
        // The citizen is told (the date moved later).
        let msgs = deadline_messages(&app, open).await;
        assert_eq!(msgs.len(), 1, "{msgs:?}");
        assert!(msgs[0].contains("11/03/2027") && msgs[0].contains("12/03/2027"));

        // Setting the same day again changes nothing.
        app.submit(
            "/admin/calendar",
            "/api/calendar/set",
            &[
                ("day", "2027-03-09"),
                ("kind", "holiday"),
                ("name", "Nghỉ thử 2"),
            ],
        )
        .await;
        let steps = |evs: Vec<fb::Event>| {
            evs.into_iter()
                .filter(|e| e.kind == "deadline_moved")
                .count()
        };
        assert_eq!(steps(fb::events(&app.db, open, false).await.unwrap()), 1);

        // Removing it brings the date back (earlier): a step, but no new message.
        app.submit(
            "/admin/calendar?year=2027",
            "/api/calendar/remove",
            &[("day", "2027-03-09")],
        )
        .await;
        assert_eq!(fb::get(&app.db, open).await.unwrap().due_on, d(2027, 3, 11));
        assert_eq!(steps(fb::events(&app.db, open, false).await.unwrap()), 2);
        assert_eq!(deadline_messages(&app, open).await.len(), 1);
        assert_eq!(steps(fb::events(&app.db, closed, false).await.unwrap()), 0);
    }
);
