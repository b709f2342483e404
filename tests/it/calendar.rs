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

/// Uploads `text` as the calendar file `name`; returns where the form sent the browser.
async fn upload(app: &TestApp, name: &str, text: &str) -> String {
    let part = reqwest::multipart::Part::bytes(text.as_bytes().to_vec())
        .file_name(name.to_string())
        .mime_str("text/calendar")
        .unwrap();
    let form = reqwest::multipart::Form::new().part("file", part);
    let r = app
        .client
        .post(app.url("/api/calendar/import"))
        .header("Origin", &app.base)
        .header("Referer", app.url("/admin/calendar"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_redirection(), "{}", r.status());
    langnghe_tests::location(&r)
}

both_databases!(
    a_year_exported_and_imported_again_changes_nothing_and_a_changed_file_moves_deadlines_once,
    |app: TestApp| async move {
        // An open case received Thursday 4 March 2027: forward limit Thu 11/03 (5 working days).
        let (open, code) = app
            .case_received_on("XAPL", d(2027, 3, 4), "0912345678", "vi")
            .await;
        assert_eq!(fb::get(&app.db, open).await.unwrap().due_on, d(2027, 3, 11));
        app.login_as("quantri").await;
        let before = calendar::days(&app.db).await.unwrap();

        // Export 2027.
        let r = app.get("/admin/calendar.ics?year=2027").await;
        assert_eq!(r.status(), 200);
        assert!(r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar"));
        let ics = r.text().await.unwrap();
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"));
        assert!(
            ics.contains("DTSTART;VALUE=DATE:20270101\r\n"),
            "New Year's Day 2027"
        );
        assert!(!ics.contains("20260101"), "only the year asked for");

        // The same file back: the preview shows no change and no moved deadline.
        let to = upload(&app, "lich-2027.ics", &ics).await;
        assert!(to.starts_with("/admin/calendar/import/"), "{to}");
        let (s, page) = app.page(&to).await;
        assert_eq!(s, 200);
        assert!(page.contains("id=\"no-change\""), "no change");
        assert!(page.contains("id=\"no-moves\""), "no move");

        // The file with Tuesday 9 March 2027 added as a day off (hand-written event).
        let changed = ics.replace(
            "END:VCALENDAR\r\n",
            "BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270309\r\nSUMMARY:Nghỉ đột xuất\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        );
        let to = upload(&app, "lich-2027-sua.ics", &changed).await;
        let id = to.trim_start_matches("/admin/calendar/import/").to_string();
        let (_, page) = app.page(&to).await;
        assert!(page.contains("09/03/2027 — Nghỉ đột xuất"), "the added day");
        // Fri 5 (1), Mon 8 (2), Wed 10 (3), Thu 11 (4), Fri 12 (5).
        assert!(page.contains(&code), "the moved case");
        assert!(page.contains("11/03/2027") && page.contains("12/03/2027"));
        // A preview changes nothing.
        assert_eq!(fb::get(&app.db, open).await.unwrap().due_on, d(2027, 3, 11));
        assert_eq!(calendar::days(&app.db).await.unwrap().len(), before.len());

        // An official can neither see the preview nor apply it.
        let official = app.another_visitor();
        official.login_as("canbo").await;
        assert_eq!(official.get(&to).await.status(), 403);
        official
            .post_form(&to, "/api/calendar/apply", &[("id", &id)])
            .await;
        assert_eq!(fb::get(&app.db, open).await.unwrap().due_on, d(2027, 3, 11));

        // The administrator applies it, 25 times at once: it applies once.
        let posts = (0..25).map(|_| {
            let a = app.clone_session();
            let (to, id) = (to.clone(), id.clone());
            async move {
                a.post_form(&to, "/api/calendar/apply", &[("id", &id)])
                    .await
            }
        });
        futures_util::future::join_all(posts).await;
        let case = fb::get(&app.db, open).await.unwrap();
        assert_eq!(case.due_on, d(2027, 3, 12));
        assert_eq!(deadline_messages(&app, open).await.len(), 1, "told once");
        let steps = fb::events(&app.db, open, false)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.kind == "deadline_moved")
            .count();
        assert_eq!(steps, 1);
        let (_, page) = app.page(&format!("/feedback/cases/{open}")).await;
        assert!(
            page.contains(
                "Hạn chuyển từ 11/03/2027 sang 12/03/2027 vì nhập lịch ngày nghỉ năm 2027"
            ),
            "timeline step"
        );
        // The exported year now has the day; the other years are untouched.
        let ics2 = app
            .get("/admin/calendar.ics?year=2027")
            .await
            .text()
            .await
            .unwrap();
        assert!(ics2.contains("DTSTART;VALUE=DATE:20270309\r\n"));
        let after = calendar::days(&app.db).await.unwrap();
        assert_eq!(after.len(), before.len() + 1);
        let y2026 = |v: &[calendar::CalendarDay]| {
            v.iter()
                .filter(|x| x.day < d(2027, 1, 1))
                .map(|x| (x.day, x.kind.clone(), x.name.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(y2026(&after), y2026(&before));
    }
);

both_databases!(
    a_bad_calendar_file_is_refused_with_its_line_and_nothing_changes,
    |app: TestApp| async move {
        app.login_as("quantri").await;
        let before = calendar::days(&app.db).await.unwrap();
        let to = upload(
            &app,
            "sai.csv",
            "ngày,loại,tên\n2027-03-09,nghỉ,Nghỉ thử\n2027-02-30,nghỉ,Ngày không có\n",
        )
        .await;
        assert_eq!(to, "/admin/calendar");
        let (_, page) = app.page(&to).await;
        assert!(
            page.contains("Dòng 3: ngày không hợp lệ"),
            "the line and the reason"
        );
        let to = upload(
            &app,
            "hai-nam.csv",
            "2027-03-09,nghỉ,A\n2028-03-09,nghỉ,B\n",
        )
        .await;
        let (_, page) = app.page(&to).await;
        assert!(page.contains("Dòng 2: mỗi tệp chỉ chứa ngày của một năm"));
        let to = upload(&app, "rong.csv", "\n").await;
        let (_, page) = app.page(&to).await;
        assert!(page.contains("Tệp không có ngày nào"));
        assert_eq!(calendar::days(&app.db).await.unwrap().len(), before.len());
        // An unknown import id is not found.
        assert_eq!(app.get("/admin/calendar/import/999999").await.status(), 404);
    }
);
