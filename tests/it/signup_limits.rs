//! Sign-ups that one phone cannot flood (issue 16.4): one active sign-up per phone number and
//! per ID number in a session, also when the requests race, and a daily cap on the texts that
//! anyone can make the system send to one number.

use langnghe_app::db::{notify, sessions};
use langnghe_tests::{both_databases, location, TestApp};

async fn sign_up(app: &TestApp, id: i64, name: &str, phone: &str, id_number: &str) -> String {
    let sid = id.to_string();
    let r = app
        .post_form(
            &format!("/sessions/{id}"),
            "/api/sessions/signup",
            &[
                ("session_id", &sid),
                ("name", name),
                ("phone", phone),
                ("id_number", id_number),
            ],
        )
        .await;
    location(&r)
}

/// The active (confirmed or waiting) sign-ups of session `id`.
async fn active(app: &TestApp, id: i64) -> Vec<sessions::Signup> {
    sessions::signups(&app.db, id)
        .await
        .unwrap()
        .into_iter()
        .filter(|s| s.status != "cancelled")
        .collect()
}

/// 25 sign-ups at once for session `id`, each from its own visitor at address `from` (a batch
/// stays within the sign-up form's limit per address); `who(i)` gives the phone and ID number
/// of the i-th. Returns the redirects.
async fn at_once(
    app: &TestApp,
    from: &str,
    id: i64,
    who: fn(usize) -> (String, String),
) -> Vec<String> {
    let mut tasks = Vec::new();
    for i in 0..25 {
        let v = app.visitor_from(from);
        let (phone, id_number) = who(i);
        tasks.push(tokio::spawn(async move {
            sign_up(&v, id, &format!("Người {i}"), &phone, &id_number).await
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

both_databases!(
    one_phone_signs_up_once_per_session,
    |app: TestApp| async move {
        let id = app.published_session("saturday", 3, None).await;
        let first = sign_up(&app, id, "Lê Văn Hải", "0912 000 111", "").await;
        assert!(first.starts_with("/sessions/signup/DT"), "{first}");
        // The same number again (written another way), under another name: refused, with the
        // reason under the phone field.
        let to = sign_up(&app, id, "Lê Hải", "+84 912 000 111", "").await;
        assert_eq!(to, format!("/sessions/{id}"));
        let (_, page) = app.page(&to).await;
        assert!(page.contains("Số điện thoại này đã đăng ký"), "{page}");
        assert_eq!(active(&app, id).await.len(), 1);

        // 25 at once with one number, while places are free: one place taken, 24 refused.
        let answers = at_once(&app, "127.0.1.1", id, |_| {
            ("0912000222".into(), String::new())
        })
        .await;
        let signed: Vec<_> = answers
            .iter()
            .filter(|a| a.starts_with("/sessions/signup/"))
            .collect();
        assert_eq!(signed.len(), 1, "{answers:?}");
        assert_eq!(active(&app, id).await.len(), 2);
        assert_eq!(sessions::get(&app.db, id).await.unwrap().confirmed_count, 2);

        // The session fills up; then 25 at once with one number for the waiting list.
        sign_up(&app, id, "Người đủ chỗ", "0912000333", "").await;
        let answers = at_once(&app, "127.0.1.2", id, |_| {
            ("0912000444".into(), String::new())
        })
        .await;
        let waiting: Vec<_> = answers
            .iter()
            .filter(|a| a.starts_with("/sessions/signup/"))
            .collect();
        assert_eq!(waiting.len(), 1, "{answers:?}");
        let list = active(&app, id).await;
        assert_eq!(
            list.iter().filter(|s| s.phone == "0912000444").count(),
            1,
            "one waiting place for that number"
        );
        assert_eq!(sessions::get(&app.db, id).await.unwrap().confirmed_count, 3);

        // One ID number, 25 phones at once: one sign-up.
        let other = app.published_session("saturday", 50, None).await;
        let answers = at_once(&app, "127.0.1.3", other, |i| {
            (format!("09130001{i:02}"), "079 123 456 789".into())
        })
        .await;
        assert_eq!(
            answers
                .iter()
                .filter(|a| a.starts_with("/sessions/signup/"))
                .count(),
            1,
            "{answers:?}"
        );
        assert_eq!(active(&app, other).await.len(), 1);
        // The same phone may sign up for another session.
        let to = sign_up(&app, other, "Lê Văn Hải", "0912000111", "").await;
        assert!(to.starts_with("/sessions/signup/DT"), "{to}");

        // After cancelling, the number may sign up again.
        let code = first.trim_start_matches("/sessions/signup/").to_string();
        let r = app
            .post_form(
                &first,
                "/api/sessions/cancel",
                &[("code", &code), ("phone", "0912000111")],
            )
            .await;
        assert!(location(&r).starts_with("/sessions/signup/"));
        let again = sign_up(&app, id, "Lê Văn Hải", "0912000111", "").await;
        assert!(again.starts_with("/sessions/signup/DT"), "{again}");
    }
);

both_databases!(
    texts_anyone_can_cause_are_capped_per_number_and_day,
    |app: TestApp| async move {
        let id = app.published_session("saturday", 20, None).await;
        // Sign up and cancel, twelve times over, with one number.
        for i in 0..12 {
            let to = sign_up(&app, id, "Người thử", "0912000555", "").await;
            assert!(to.starts_with("/sessions/signup/DT"), "sign-up {i}: {to}");
            let code = to.trim_start_matches("/sessions/signup/").to_string();
            let r = app
                .post_form(
                    &to,
                    "/api/sessions/cancel",
                    &[("code", &code), ("phone", "0912000555")],
                )
                .await;
            assert!(location(&r).starts_with("/sessions/signup/"));
        }
        let texts = |event: &'static str| {
            let db = app.db.clone();
            async move {
                notify::for_entity(&db, "session", id)
                    .await
                    .unwrap()
                    .into_iter()
                    .filter(|m| m.0 == event && m.2 == "0912000555")
                    .count()
            }
        };
        assert_eq!(
            texts("session.confirmed").await as i64,
            notify::VISITOR_MESSAGES_PER_DAY,
            "every sign-up is kept, the texts stop at the day's cap"
        );
        assert_eq!(active(&app, id).await.len(), 0);
        // A message caused by the unit's work still goes: the session is cancelled.
        let to = sign_up(&app, id, "Người thử", "0912000555", "").await;
        assert!(to.starts_with("/sessions/signup/DT"));
        let official = app.another_visitor();
        official.login_as("canbo").await;
        let page = format!("/sessions/manage/{id}");
        let (_, body) = official
            .submit(
                &page,
                "/api/sessions/cancel_session",
                &[("id", &id.to_string()), ("reason", "Hội trường sửa chữa")],
            )
            .await;
        assert!(body.contains("flash-ok"), "{body}");
        assert_eq!(texts("session.cancelled").await, 1);
        // Another number is not affected.
        let other = app.published_session("saturday", 20, None).await;
        let to = sign_up(&app, other, "Người khác", "0912000666", "").await;
        assert!(to.starts_with("/sessions/signup/DT"));
        let queued = notify::for_entity(&app.db, "session", other)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.0 == "session.confirmed" && m.2 == "0912000666")
            .count();
        assert_eq!(queued, 1);
    }
);
