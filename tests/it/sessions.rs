//! Dialogue sessions: capacity under concurrent sign-ups, the waiting list, slots.

use chrono::{Duration, Utc};
use langnghe_app::db::{outbox, sessions};
use langnghe_tests::{both_databases, location, TestApp};

/// A published session of `kind` at XAPL with `capacity` places, tomorrow 08:00–10:00 (UTC+7).
async fn session(app: &TestApp, kind: &str, capacity: i32, slot_minutes: Option<i32>) -> i64 {
    let kinds = sessions::kinds(&app.db).await.unwrap();
    let kind_id = kinds.iter().find(|k| k.code == kind).unwrap().id;
    let admin: i64 = langnghe_app::db::accounts::in_subtree(&app.db, "/")
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.username == "quantri")
        .unwrap()
        .id;
    let start = Utc::now() + Duration::days(1);
    let new = sessions::NewSession {
        unit_id: app.unit_id("XAPL").await,
        kind_id,
        title: "Ngày thứ bảy lắng nghe dân nói".into(),
        starts_at: start,
        ends_at: start + Duration::hours(2),
        place: "Hội trường UBND xã".into(),
        capacity,
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
        let told: Vec<String> = outbox::for_entity(&app.db, "session", id)
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
    assert!(page.contains("Khung giờ của bạn"));
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
