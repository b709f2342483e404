//! Dialogue sessions: capacity under concurrent sign-ups, the waiting list, slots.

use chrono::{Duration, Utc};
use langnghe_app::db::{notify, sessions};
use langnghe_tests::{both_databases, location, TestApp, SECRET};

async fn session(app: &TestApp, kind: &str, capacity: i32, slot_minutes: Option<i32>) -> i64 {
    app.published_session(kind, capacity, slot_minutes).await
}

async fn sign_up(app: &TestApp, id: i64, name: &str, phone: &str, slot: &str) -> String {
    let sid = id.to_string();
    let r = app
        .post_form(
            &format!("/sessions/{id}"),
            "/api/sessions/signup",
            &[
                ("session_id", &sid),
                ("name", name),
                ("phone", phone),
                ("slot", slot),
            ],
        )
        .await;
    location(&r)
}

both_databases!(
    fifty_sign_ups_at_once_for_twenty_places,
    |app: TestApp| async move {
        let id = session(&app, "saturday", 20, None).await;
        let mut tasks = Vec::new();
        for i in 0..50 {
            let visitor = app.another_visitor();
            tasks.push(tokio::spawn(async move {
                let phone = format!("09120000{i:02}");
                sign_up(&visitor, id, &format!("Người dân {i}"), &phone, "").await
            }));
        }
        for t in tasks {
            let to = t.await.unwrap();
            assert!(to.starts_with("/sessions/signup/DT"), "{to}");
        }
        let list = sessions::signups(&app.db, id).await.unwrap();
        let confirmed = list.iter().filter(|s| s.status == "confirmed").count();
        let waiting = list.iter().filter(|s| s.status == "waiting").count();
        assert_eq!((confirmed, waiting), (20, 30));
        assert_eq!(
            sessions::get(&app.db, id).await.unwrap().confirmed_count,
            20
        );
    }
);

both_databases!(
    a_cancellation_promotes_the_first_waiting,
    |app: TestApp| async move {
        let id = session(&app, "saturday", 1, None).await;
        let a = sign_up(&app, id, "Người A", "0912000001", "").await;
        let b = sign_up(&app, id, "Người B", "0912000002", "").await;
        let c = sign_up(&app, id, "Người C", "0912000003", "").await;
        let code = |p: &str| p.trim_start_matches("/sessions/signup/").to_string();
        let (_, page) = app.page(&b).await;
        assert!(page.contains("Danh sách chờ"), "B waits");
        // A wrong phone cannot cancel.
        let (_, body) = app
            .submit(
                &a,
                "/api/sessions/cancel",
                &[("code", &code(&a)), ("phone", "0999999999")],
            )
            .await;
        assert!(body.contains("không khớp"));
        let (_, body) = app
            .submit(
                &a,
                "/api/sessions/cancel",
                &[("code", &code(&a)), ("phone", "0912000001")],
            )
            .await;
        assert!(body.contains("Đã hủy đăng ký"));
        let status = |c: String| {
            let db = app.db.clone();
            async move {
                sessions::signup_by_code(&db, &c)
                    .await
                    .unwrap()
                    .unwrap()
                    .status
            }
        };
        assert_eq!(
            status(code(&b)).await,
            "confirmed",
            "the first waiting is promoted"
        );
        assert_eq!(status(code(&c)).await, "waiting");
        let told: Vec<String> = notify::for_entity(&app.db, "session", id)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.0 == "session.promoted")
            .map(|m| m.2)
            .collect();
        assert_eq!(told, vec!["0912000002".to_string()], "B is told");
        // A cancelled code cannot be cancelled again.
        let (_, body) = app
            .submit(
                &a,
                "/api/sessions/cancel",
                &[("code", &code(&a)), ("phone", "0912000001")],
            )
            .await;
        assert!(body.contains("đã được hủy trước đó"));
    }
);

both_databases!(a_slot_cannot_be_booked_twice, |app: TestApp| async move {
    let id = session(&app, "thursday", 10, Some(30)).await;
    let s = sessions::get(&app.db, id).await.unwrap();
    let slot = s.slot_starts()[1].to_rfc3339();
    let first = sign_up(&app, id, "Người A", "0912000001", &slot).await;
    assert!(first.starts_with("/sessions/signup/DT"), "{first}");
    let other = app.another_visitor();
    let r = other
        .post_form(
            &format!("/sessions/{id}"),
            "/api/sessions/signup",
            &[
                ("session_id", &id.to_string()),
                ("name", "Người B"),
                ("phone", "0912000002"),
                ("slot", &slot),
            ],
        )
        .await;
    assert_eq!(location(&r), format!("/sessions/{id}"));
    let (_, body) = other.page(&format!("/sessions/{id}")).await;
    assert!(body.contains("vừa có người đặt"), "slot taken");
    let (_, page) = app.page(&first).await;
    assert!(page.contains("Khung giờ của ông/bà"));
    assert_eq!(sessions::get(&app.db, id).await.unwrap().confirmed_count, 1);
});

both_databases!(
    at_the_door_a_cancelled_code_cannot_check_in,
    |app: TestApp| async move {
        let id = session(&app, "thursday", 2, Some(30)).await;
        let s = sessions::get(&app.db, id).await.unwrap();
        let slots: Vec<String> = s.slot_starts().iter().map(|t| t.to_rfc3339()).collect();
        let a = sign_up(&app, id, "Người A", "0912000001", &slots[0]).await;
        let b = sign_up(&app, id, "Người B", "0912000002", &slots[1]).await;
        let code = |p: &str| p.trim_start_matches("/sessions/signup/").to_string();
        app.submit(
            &b,
            "/api/sessions/cancel",
            &[("code", &code(&b)), ("phone", "0912000002")],
        )
        .await;
        let official = app.another_visitor();
        official.login_as("canbo").await;
        let page = format!("/sessions/manage/{id}");
        let sid = id.to_string();
        let (_, body) = official
            .submit(
                &page,
                "/api/sessions/checkin",
                &[("id", &sid), ("code", &code(&b))],
            )
            .await;
        assert!(body.contains("Mã này đã bị hủy"), "cancelled refused");
        // The QR code carries the confirmation page's URL.
        let scanned = app.url(&a);
        let (_, body) = official
            .submit(
                &page,
                "/api/sessions/checkin",
                &[("id", &sid), ("code", &scanned)],
            )
            .await;
        assert!(
            body.contains("Người A") && body.contains("đã có mặt"),
            "checked in"
        );
        assert!(body.contains("Đã đến: 1/1"));
        let (_, body) = official
            .submit(
                &page,
                "/api/sessions/checkin",
                &[("id", &sid), ("code", &code(&a))],
            )
            .await;
        assert!(body.contains("đã được xác nhận có mặt"), "not twice");
        // No-wait Thursday: the result handed back gives the minutes it took.
        let su = sessions::signup_by_code(&app.db, &code(&a))
            .await
            .unwrap()
            .unwrap();
        let (_, body) = official
            .submit(
                &page,
                "/api/sessions/result",
                &[("id", &sid), ("signup", &su.id.to_string())],
            )
            .await;
        assert!(
            body.contains("Đã ghi thời điểm trả kết quả") && body.contains("0 phút"),
            "minutes shown"
        );
        let su = sessions::signup_by_code(&app.db, &code(&a))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(su.minutes_taken(), Some(0));
        // Another unit's official cannot work this door.
        let other = app.another_visitor();
        other.login_as("canbo.stp").await;
        assert_eq!(other.get(&page).await.status(), 403);
    }
);

/// Moves session `id` into the past: it started `hours_ago` hours ago and lasted two hours.
async fn held(app: &TestApp, id: i64, hours_ago: i64) {
    let start = Utc::now() - Duration::hours(hours_ago);
    langnghe_app::db_run!(&app.db, c => sqlx::query(
        "UPDATE dialogue_sessions SET starts_at = $1, ends_at = $2 WHERE id = $3")
        .bind(start).bind(start + Duration::hours(2)).bind(id).execute(c).await.map(|r| r.rows_affected()))
    .unwrap();
}

fn code_of(path: &str) -> String {
    path.trim_start_matches("/sessions/signup/").to_string()
}

both_databases!(
    a_question_becomes_a_feedback_case_linked_to_the_session,
    |app: TestApp| async move {
        let id = session(&app, "saturday", 10, None).await;
        let a = code_of(&sign_up(&app, id, "Lê Văn Tám", "0912000001", "").await);
        held(&app, id, 3).await;
        let official = app.another_visitor();
        official.login_as("canbo").await;
        let page = format!("/sessions/manage/{id}");
        let sid = id.to_string();
        let (_, body) = official
            .submit(
                &page,
                "/api/sessions/checkin",
                &[("id", &sid), ("code", &a)],
            )
            .await;
        assert!(body.contains("đã có mặt"), "checked in");
        // A question from a sign-up: the code brings the asker's name.
        let question = "Đèn đường khu dân cư số 3 không sáng đã hai tháng.";
        let (_, body) = official
            .submit(
                &page,
                "/api/sessions/question",
                &[
                    ("id", &sid),
                    ("signup_code", &a),
                    ("question", question),
                    ("answer", "Xã sẽ kiểm tra và trả lời bằng văn bản."),
                    ("answered_by", "Chủ tịch UBND xã"),
                ],
            )
            .await;
        assert!(body.contains("Đã lưu câu hỏi"), "{body}");
        let q = sessions::questions(&app.db, id).await.unwrap();
        assert_eq!(q.len(), 1);
        assert_eq!(q[0].asker, "Lê Văn Tám");
        let qid = q[0].id.to_string();
        // Without the asker's address the case cannot be made: the official is told what to add.
        let (_, body) = official
            .submit(
                &page,
                "/api/sessions/to_case",
                &[("id", &sid), ("question", &qid)],
            )
            .await;
        assert!(body.contains("cần tên, số điện thoại và địa chỉ"), "{body}");
        assert!(sessions::questions(&app.db, id).await.unwrap()[0]
            .case_id
            .is_none());
        official
            .submit(
                &page,
                "/api/sessions/question",
                &[
                    ("id", &sid),
                    ("question_id", &qid),
                    ("signup_code", &a),
                    ("asker_address", "Khu dân cư số 3, xã An Phú Lạc"),
                    ("question", question),
                    ("answer", "Xã sẽ kiểm tra và trả lời bằng văn bản."),
                ],
            )
            .await;
        // One action makes the case.
        let (_, body) = official
            .submit(
                &page,
                "/api/sessions/to_case",
                &[("id", &sid), ("question", &qid)],
            )
            .await;
        assert!(body.contains("Đã tạo phản ánh PA"), "{body}");
        let q = sessions::question(&app.db, q[0].id).await.unwrap();
        let case_id = q.case_id.expect("linked to the case");
        let code = q.case_code.clone().unwrap();
        let case = langnghe_app::db::feedback::by_code(&app.db, &code)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(case.id, case_id);
        assert_eq!(case.channel, "session");
        assert_eq!(case.citizen_name, "Lê Văn Tám");
        assert_eq!(case.citizen_phone, "0912000001", "the phone of the sign-up");
        assert_eq!(case.content, question);
        assert_eq!(case.unit_id, app.unit_id("XAPL").await);
        // Linked both ways: the case names its session, the minutes name the case.
        assert_eq!(
            sessions::source_of_case(&app.db, case_id)
                .await
                .unwrap()
                .map(|s| s.0),
            Some(id)
        );
        let (_, body) = official.page(&format!("/feedback/cases/{case_id}")).await;
        assert!(
            body.contains("Từ buổi đối thoại")
                && body.contains(&format!("/sessions/manage/{id}#minutes"))
        );
        let (_, body) = official.page(&page).await;
        assert!(body.contains(&format!("Đã chuyển thành phản ánh {code}")));
        assert!(body.contains(&format!("/feedback/cases/{case_id}")));
        // Not twice.
        let (_, body) = official
            .submit(
                &page,
                "/api/sessions/to_case",
                &[("id", &sid), ("question", &qid)],
            )
            .await;
        assert!(body.contains("đã được chuyển thành phản ánh"), "{body}");
        // It sits in the unit's inbox, received through the session.
        let (_, inbox) = official.page("/feedback/cases").await;
        assert!(inbox.contains(&code));
        // The published minutes show the question and answer, not who asked.
        let (_, public) = app.page(&format!("/sessions/{id}")).await;
        assert!(!public.contains(question), "not public before publishing");
        let (_, body) = official
            .submit(&page, "/api/sessions/publish_minutes", &[("id", &sid)])
            .await;
        assert!(
            !body.contains("Đã công bố biên bản"),
            "not published without its review"
        );
        let (_, body) = official
            .review_and_publish(&page, "/api/sessions/publish_minutes", "")
            .await;
        assert!(body.contains("Đã công bố biên bản"), "{body}");
        let (_, public) = app.page(&format!("/sessions/{id}")).await;
        // The neighbourhood ("khu dân cư số 3") is part of an address: it comes out.
        assert!(
            public.contains("Đèn đường […] không sáng đã hai tháng.")
                && public.contains("Xã sẽ kiểm tra"),
            "{public}"
        );
        assert!(
            !public.contains("Lê Văn Tám")
                && !public.contains("0912000001")
                && !public.contains("Khu dân cư số 3, xã")
        );
        // Another unit's official cannot write these minutes.
        let other = app.another_visitor();
        other.login_as("canbo.stp").await;
        other
            .post_form(
                &page,
                "/api/sessions/question",
                &[("id", &sid), ("asker", "X"), ("question", "Y")],
            )
            .await;
        assert_eq!(sessions::questions(&app.db, id).await.unwrap().len(), 1);
    }
);

both_databases!(
    participants_rate_a_session_once_under_its_own_channel,
    |app: TestApp| async move {
        let id = session(&app, "saturday", 10, None).await;
        let a = code_of(&sign_up(&app, id, "Người A", "0912000001", "").await);
        let b = code_of(&sign_up(&app, id, "Người B", "0912000002", "").await);
        held(&app, id, 3).await;
        let official = app.another_visitor();
        official.login_as("canbo").await;
        official
            .submit(
                &format!("/sessions/manage/{id}"),
                "/api/sessions/checkin",
                &[("id", &id.to_string()), ("code", &a)],
            )
            .await;
        // After the session, in the day: the rating link goes to those who came, once.
        let end = sessions::get(&app.db, id).await.unwrap().ends_at;
        let mut now = langnghe_app::db::local_noon(langnghe_app::db::local_date(end));
        if now < end {
            now += Duration::days(1);
        }
        let base = app.base.clone();
        let queued = sessions::queue_messages(&app.db, SECRET.as_bytes(), &base, now)
            .await
            .unwrap();
        let again = sessions::queue_messages(&app.db, SECRET.as_bytes(), &base, now)
            .await
            .unwrap();
        let sent: Vec<_> = notify::for_entity(&app.db, "session", id)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.0 == "session.rate")
            .collect();
        assert_eq!(sent.len(), 1, "one link, to A only: {queued:?} {again:?}");
        assert_eq!(sent[0].2, "0912000001");
        let link = sessions::rate_url("", SECRET.as_bytes(), &a);
        assert!(
            sent[0].3.contains(&link),
            "the message carries the link: {}",
            sent[0].3
        );
        // A forged or absent link is not found; B did not come and cannot rate.
        assert_eq!(
            app.get(&format!(
                "/sessions/rate/{a}/00000000000000000000000000000000"
            ))
            .await
            .status(),
            404
        );
        let (status, body) = app
            .page(&sessions::rate_url("", SECRET.as_bytes(), &b))
            .await;
        assert_eq!(status, 410);
        assert!(body.contains("đã điểm danh"));
        // A rates 4 with a comment.
        let (status, form) = app.page(&link).await;
        assert_eq!(status, 200);
        assert!(form.contains("overall"));
        assert!(
            form.contains("hài lòng với buổi đối thoại này"),
            "the question is about the session, not a service"
        );
        let sig = link.rsplit('/').next().unwrap().to_string();
        let r = app
            .post_form(
                &link,
                "/api/sessions/rate",
                &[
                    ("code", &a),
                    ("sig", &sig),
                    ("overall", "4"),
                    ("comment", "Trả lời rõ ràng"),
                ],
            )
            .await;
        assert_eq!(location(&r), "/s/done");
        let (list, total) =
            langnghe_app::db::ratings::list(&app.db, "/", &Default::default(), 10, 0)
                .await
                .unwrap();
        assert_eq!(total, 1);
        assert_eq!((list[0].score, list[0].channel.as_str()), (4, "session"));
        assert_eq!(list[0].unit_id, app.unit_id("XAPL").await);
        assert_eq!(sessions::rating_totals(&app.db, id).await.unwrap(), (1, 4));
        // Not twice.
        let (status, _) = app.page(&link).await;
        assert_eq!(status, 410);
        let r = app
            .post_form(
                &link,
                "/api/sessions/rate",
                &[("code", &a), ("sig", &sig), ("overall", "1")],
            )
            .await;
        assert_ne!(location(&r), "/s/done");
        assert_eq!(sessions::rating_totals(&app.db, id).await.unwrap(), (1, 4));
        // The officials see it on the session.
        let (_, body) = official.page(&format!("/sessions/manage/{id}")).await;
        assert!(
            body.contains("1 người đã đánh giá, điểm trung bình 4.00/5"),
            "summary"
        );
    }
);

both_databases!(
    reminders_go_the_day_before_and_a_cancelled_session_tells_everyone,
    |app: TestApp| async move {
        let id = session(&app, "saturday", 1, None).await;
        let a = code_of(&sign_up(&app, id, "Người A", "0912000001", "").await);
        let b = code_of(&sign_up(&app, id, "Người B", "0912000002", "").await);
        // The day before, from 8:00 local time: a reminder to the confirmed, once.
        let start = sessions::get(&app.db, id).await.unwrap().starts_at;
        let day_before =
            langnghe_app::db::local_noon(langnghe_app::db::local_date(start) - Duration::days(1));
        let early = day_before - Duration::hours(5); // 07:00 local
        let base = app.base.clone();
        assert_eq!(
            sessions::queue_messages(&app.db, SECRET.as_bytes(), &base, early)
                .await
                .unwrap(),
            (0, 0)
        );
        assert_eq!(
            sessions::queue_messages(&app.db, SECRET.as_bytes(), &base, day_before)
                .await
                .unwrap()
                .0,
            1
        );
        sessions::queue_messages(&app.db, SECRET.as_bytes(), &base, day_before)
            .await
            .unwrap();
        let events = |e: &'static str| {
            let db = app.db.clone();
            async move {
                notify::for_entity(&db, "session", id)
                    .await
                    .unwrap()
                    .into_iter()
                    .filter(|m| m.0 == e)
                    .map(|m| m.2)
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(
            events("session.reminder").await,
            vec!["0912000001".to_string()]
        );
        // The unit cancels: A (confirmed) and B (waiting) are told, with the reason.
        let official = app.another_visitor();
        official.login_as("canbo").await;
        let page = format!("/sessions/manage/{id}");
        let sid = id.to_string();
        let (_, body) = official
            .submit(
                &page,
                "/api/sessions/cancel_session",
                &[("id", &sid), ("reason", "")],
            )
            .await;
        assert!(
            body.contains("Vui lòng nhập thông tin này"),
            "a reason is required"
        );
        assert_eq!(
            sessions::get(&app.db, id).await.unwrap().status,
            "published"
        );
        let (_, body) = official
            .submit(
                &page,
                "/api/sessions/cancel_session",
                &[("id", &sid), ("reason", "Hội trường sửa chữa đột xuất")],
            )
            .await;
        assert!(body.contains("Đã hủy buổi; 2 người"), "{body}");
        let mut told = events("session.cancelled").await;
        told.sort();
        assert_eq!(
            told,
            vec!["0912000001".to_string(), "0912000002".to_string()]
        );
        let msgs = notify::for_entity(&app.db, "session", id).await.unwrap();
        assert!(msgs
            .iter()
            .any(|m| m.0 == "session.cancelled" && m.3.contains("Hội trường sửa chữa đột xuất")));
        // The public pages say so; no more sign-ups, and no cancel form on a sign-up.
        let (status, public) = app.page(&format!("/sessions/{id}")).await;
        assert_eq!(status, 200);
        assert!(
            public.contains("Đơn vị đã hủy buổi này") && !public.contains("/api/sessions/signup")
        );
        let (_, mine) = app.page(&format!("/sessions/signup/{a}")).await;
        assert!(
            mine.contains("Hội trường sửa chữa đột xuất")
                && !mine.contains("/api/sessions/cancel\"")
        );
        let _ = b;
        let r = app
            .another_visitor()
            .post_form(
                &format!("/sessions/{id}"),
                "/api/sessions/signup",
                &[("session_id", &sid), ("name", "C"), ("phone", "0912000003")],
            )
            .await;
        assert_eq!(location(&r), format!("/sessions/{id}"));
        assert_eq!(sessions::signups(&app.db, id).await.unwrap().len(), 2);
        // Not twice.
        let (_, body) = official
            .submit(
                &page,
                "/api/sessions/cancel_session",
                &[("id", &sid), ("reason", "Lần hai")],
            )
            .await;
        assert!(body.contains("Không hủy được"));
    }
);

both_databases!(
    an_administrator_adds_a_kind_of_session,
    |app: TestApp| async move {
        let admin = app.another_visitor();
        admin.login_as("quantri").await;
        let (status, page) = admin.page("/admin/session-kinds").await;
        assert_eq!(status, 200);
        assert!(page.contains("Ngày thứ năm không chờ"));
        let (_, body) = admin
            .submit(
                "/admin/session-kinds",
                "/api/sessions/kind",
                &[
                    ("code", "tiep-dan"),
                    ("name_vi", "Tiếp công dân định kỳ"),
                    ("name_en", ""),
                ],
            )
            .await;
        assert!(body.contains("Đã thêm loại buổi") && body.contains("Tiếp công dân định kỳ"));
        let kinds = sessions::kinds(&app.db).await.unwrap();
        let k = kinds.iter().find(|k| k.code == "tiep-dan").expect("added");
        assert_eq!(
            (k.name_en.as_str(), k.slots),
            ("Tiếp công dân định kỳ", false)
        );
        let (_, body) = admin
            .submit(
                "/admin/session-kinds",
                "/api/sessions/kind",
                &[("code", "TIEP-DAN"), ("name_vi", "Trùng")],
            )
            .await;
        assert!(body.contains("Mã này đã có"));
        // The new kind is offered to officials.
        let official = app.another_visitor();
        official.login_as("canbo").await;
        let (_, manage) = official.page("/sessions/manage").await;
        assert!(manage.contains("Tiếp công dân định kỳ"));
        assert_eq!(official.get("/admin/session-kinds").await.status(), 403);
        official
            .post_form(
                "/admin/session-kinds",
                "/api/sessions/kind",
                &[("code", "x"), ("name_vi", "X")],
            )
            .await;
        assert_eq!(sessions::kinds(&app.db).await.unwrap().len(), 4);
    }
);

/// A session of `kind` on `day` from `from` to `to` (local hours, Asia/Ho_Chi_Minh), published.
pub(crate) async fn session_at(
    app: &TestApp,
    kind: &str,
    day: chrono::NaiveDate,
    (from, to): (u32, u32),
    slot_minutes: Option<i32>,
) -> i64 {
    use chrono::TimeZone;
    let local = |h: u32| {
        chrono_tz::Asia::Ho_Chi_Minh
            .from_local_datetime(&day.and_hms_opt(h, 0, 0).unwrap())
            .unwrap()
            .with_timezone(&Utc)
    };
    let kinds = sessions::kinds(&app.db).await.unwrap();
    let admin = app.account_id("quantri").await;
    let new = sessions::NewSession {
        unit_id: app.unit_id("XAPL").await,
        kind_id: kinds.iter().find(|k| k.code == kind).unwrap().id,
        title: "Tiếp nhận hồ sơ không hẹn".into(),
        starts_at: local(from),
        ends_at: local(to),
        place: "Bộ phận một cửa".into(),
        capacity: 10,
        description: String::new(),
        slot_minutes,
        procedures: vec![],
    };
    let mut tx = app.db.begin().await.unwrap();
    let id = sessions::create(&mut tx, admin, &new).await.unwrap();
    sessions::publish(&mut tx, admin, id).await.unwrap();
    tx.commit().await.unwrap();
    id
}

/// Points the SMS channel at `sms` and sends everything due now; returns the texts received.
pub(crate) async fn sms_texts(app: &TestApp, sms: &langnghe_tests::sinks::HttpSink) -> Vec<String> {
    let mut tx = app.db.begin().await.unwrap();
    langnghe_app::db::settings::put(&mut tx, "outbox.sms_url", &sms.url)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let http = reqwest::Client::new();
    while langnghe_app::notify::run_once_at(&app.db, &app.base, &http, "test-worker", Utc::now())
        .await
        .unwrap()
        > 0
    {}
    sms.hits()
        .iter()
        .map(|h| h.body["text"].as_str().unwrap_or_default().to_string())
        .collect()
}

both_databases!(
    every_message_about_a_slot_gives_the_slot_time,
    |app: TestApp| async move {
        use langnghe_tests::sinks::HttpSink;
        let sms = HttpSink::start().await;
        let tz = chrono_tz::Asia::Ho_Chi_Minh;
        let today = Utc::now().with_timezone(&tz).date_naive();
        let tomorrow = today + Duration::days(1);
        // No-wait Thursday tomorrow 08:00–11:00 in slots of an hour: 08:00, 09:00, 10:00.
        let id = session_at(&app, "thursday", tomorrow, (8, 11), Some(60)).await;
        let nine = {
            use chrono::TimeZone;
            tz.from_local_datetime(&tomorrow.and_hms_opt(9, 0, 0).unwrap())
                .unwrap()
                .with_timezone(&Utc)
        };
        let to = sign_up(&app, id, "Phạm Thị Hoa", "0912000009", &nine.to_rfc3339()).await;
        assert!(to.starts_with("/sessions/signup/DT"), "{to}");
        let day = tomorrow.format("%d/%m/%Y").to_string();
        // The confirmation.
        let texts = sms_texts(&app, &sms).await;
        assert_eq!(texts.len(), 1, "{texts:?}");
        assert!(texts[0].contains(&format!("09:00 {day}")), "{}", texts[0]);
        assert!(!texts[0].contains("08:00"), "{}", texts[0]);
        // Addressed as every citizen text is: "ông/bà", never "bạn".
        assert!(texts[0].contains("ông/bà đã đăng ký"), "{}", texts[0]);
        assert!(!texts[0].contains("bạn"), "{}", texts[0]);
        // The reminder, queued the day before at noon.
        let noon = {
            use chrono::TimeZone;
            tz.from_local_datetime(&today.and_hms_opt(12, 0, 0).unwrap())
                .unwrap()
                .with_timezone(&Utc)
        };
        let (reminders, _) = sessions::queue_messages(&app.db, SECRET.as_bytes(), &app.base, noon)
            .await
            .unwrap();
        assert_eq!(reminders, 1);
        let texts = sms_texts(&app, &sms).await;
        assert_eq!(texts.len(), 2, "{texts:?}");
        assert!(texts[1].contains("nhắc"), "{}", texts[1]);
        assert!(texts[1].contains(&format!("09:00 {day}")), "{}", texts[1]);
        assert!(!texts[1].contains("08:00"), "{}", texts[1]);
        // The unit cancels the session: the cancellation gives the slot too.
        let admin = app.account_id("quantri").await;
        sessions::cancel_session(&app.db, admin, id, "Mất điện")
            .await
            .unwrap();
        let texts = sms_texts(&app, &sms).await;
        assert_eq!(texts.len(), 3, "{texts:?}");
        assert!(texts[2].contains("Mất điện"), "{}", texts[2]);
        assert!(texts[2].contains(&format!("09:00 {day}")), "{}", texts[2]);
        assert!(!texts[2].contains("08:00"), "{}", texts[2]);
        // Without a slot a message gives the session's start: the check above can tell them apart.
        let other = session_at(&app, "saturday", tomorrow, (8, 11), None).await;
        sign_up(&app, other, "Phạm Thị Hoa", "0912000009", "").await;
        let texts = sms_texts(&app, &sms).await;
        assert_eq!(texts.len(), 4, "{texts:?}");
        assert!(texts[3].contains(&format!("08:00 {day}")), "{}", texts[3]);
    }
);

both_databases!(
    an_official_scanning_a_sign_up_qr_gets_the_check_in,
    |app: TestApp| async move {
        let id = session(&app, "saturday", 10, None).await;
        let to = sign_up(&app, id, "Vũ Thị Lan", "0912000044", "").await;
        let code = to.trim_start_matches("/sessions/signup/").to_string();
        // The citizen (not signed in) sees the confirmation with the QR.
        let (status, page) = app.another_visitor().page(&to).await;
        assert_eq!(status, 200);
        assert!(page.contains(&code) && page.contains("class=\"qr\""));
        // An official of the unit who scans it is taken to the check-in, the code filled in.
        let official = app.another_visitor();
        official.login_as("canbo").await;
        let r = official.get(&to).await;
        let there = location(&r);
        assert_eq!(there, format!("/sessions/manage/{id}?code={code}#checkin"));
        let (status, page) = official.page(there.trim_end_matches("#checkin")).await;
        assert_eq!(status, 200);
        let value = langnghe_tests::form_value(&page, "/api/sessions/checkin", "code");
        assert_eq!(value.as_deref(), Some(code.as_str()));
        // One press checks the citizen in.
        let (_, body) = official
            .submit(
                there.trim_end_matches("#checkin"),
                "/api/sessions/checkin",
                &[("id", &id.to_string()), ("code", &code)],
            )
            .await;
        assert!(body.contains("đã có mặt"), "checked in");
        // An official of another unit gets the citizen's page, not the check-in.
        let other = app.another_visitor();
        other.login_as("canbo.stp").await;
        let (status, page) = other.page(&to).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("class=\"qr\""));
    }
);
