use langnghe_tests::{both_databases, location, TestApp};

both_databases!(sign_in_and_out, |app: TestApp| async move {
    // Not signed in: the workspace sends you to sign in.
    let r = app.get("/staff").await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/login?next=%2Fstaff");

    // Touch the site so a session exists before signing in.
    let r = app
        .post_form(
            "/login",
            "/api/login",
            &[("username", "quantri"), ("password", "sai-mat-khau")],
        )
        .await;
    assert_eq!(location(&r), "/login");
    let before = app
        .session_cookie()
        .expect("a session exists after a failed attempt");

    app.login_as("quantri").await;
    let after = app.session_cookie().expect("session cookie");
    assert_ne!(before, after, "the session id is renewed at sign-in");

    let (status, body) = app.page("/staff").await;
    assert_eq!(status, 200);
    assert!(
        body.contains("Nguyễn Thị Quản Trị"),
        "the header names the signed-in user"
    );
    assert!(body.contains("Quản trị viên"), "the header shows the role");

    let r = app.post_form("/staff", "/api/logout", &[]).await;
    assert_eq!(location(&r), "/login");
    let r = app.get("/staff").await;
    assert_eq!(
        r.status(),
        303,
        "after sign-out the workspace needs sign-in again"
    );
});

both_databases!(
    wrong_password_says_so_in_vietnamese,
    |app: TestApp| async move {
        let (status, body) = app
            .submit(
                "/login",
                "/api/login",
                &[("username", "quantri"), ("password", "khong-dung")],
            )
            .await;
        assert_eq!(status, 200);
        assert!(
            body.contains("Tên đăng nhập hoặc mật khẩu không đúng."),
            "clear Vietnamese message"
        );
        assert!(
            body.contains(r#"value="quantri""#),
            "the username typed is kept"
        );
        // An unknown user gets the same message (no username enumeration).
        let (_, body) = app
            .submit(
                "/login",
                "/api/login",
                &[("username", "khongcoai"), ("password", "khong-dung")],
            )
            .await;
        assert!(body.contains("Tên đăng nhập hoặc mật khẩu không đúng."));
        let r = app.get("/staff").await;
        assert_eq!(r.status(), 303, "still not signed in");
    }
);

both_databases!(
    sign_in_returns_to_the_page_asked_for,
    |app: TestApp| async move {
        let r = app
            .post_form(
                "/login?next=%2Fadmin%2Funits",
                "/api/login",
                &[
                    ("username", "lanhdao"),
                    ("password", "langnghe-lanhdao"),
                    ("next", "/admin/units"),
                ],
            )
            .await;
        assert_eq!(location(&r), "/admin/units");
        // An outside address is never a redirect target.
        let app2 = app;
        let r = app2
            .post_form(
                "/login",
                "/api/login",
                &[
                    ("username", "lanhdao"),
                    ("password", "langnghe-lanhdao"),
                    ("next", "//evil.example/"),
                ],
            )
            .await;
        assert_eq!(location(&r), "/staff");
    }
);

both_databases!(own_password_change, |app: TestApp| async move {
    app.login_as("canbo").await;
    let (_, body) = app
        .submit(
            "/account",
            "/api/account/password",
            &[
                ("current_password", "sai"),
                ("new_password", "mot-mat-khau-moi"),
                ("confirm_password", "mot-mat-khau-moi"),
            ],
        )
        .await;
    assert!(body.contains("Mật khẩu hiện tại không đúng."));
    let (_, body) = app
        .submit(
            "/account",
            "/api/account/password",
            &[
                ("current_password", "langnghe-canbo"),
                ("new_password", "mot-mat-khau-moi"),
                ("confirm_password", "mot-mat-khau-moi"),
            ],
        )
        .await;
    assert!(body.contains("Đã đổi mật khẩu."));
    app.post_form("/staff", "/api/logout", &[]).await;
    let r = app.login("canbo", "mot-mat-khau-moi").await;
    assert_eq!(location(&r), "/staff");
});

/// What a sign-in attempt ended with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    SignedIn,
    /// The password was checked and was wrong.
    Wrong,
    /// Refused before the password was checked.
    Throttled,
}

async fn attempt(v: &TestApp, user: &str, password: &str) -> Outcome {
    let r = v.login(user, password).await;
    let (status, to) = (r.status(), location(&r));
    if to == "/staff" {
        return Outcome::SignedIn;
    }
    let msg = v.flash_after(r).await;
    if msg.contains("Tên đăng nhập hoặc mật khẩu không đúng.") {
        Outcome::Wrong
    } else if msg.contains("Đăng nhập sai quá nhiều lần") {
        Outcome::Throttled
    } else {
        panic!("unexpected answer to a sign-in: {status} → {to}: {msg:?}")
    }
}

both_databases!(
    racing_sign_ins_check_at_most_five_passwords,
    |app: TestApp| async move {
        // 25 sign-ins at once from one address: 24 wrong passwords and the right one.
        let mut tasks = Vec::new();
        for i in 0..25 {
            let v = app.another_visitor();
            let pw = if i == 12 {
                "langnghe-canbo"
            } else {
                "sai-mat-khau"
            };
            tasks.push(tokio::spawn(async move { attempt(&v, "canbo", pw).await }));
        }
        let mut outcomes = Vec::new();
        for t in tasks {
            outcomes.push(t.await.unwrap());
        }
        let n = |o: Outcome| outcomes.iter().filter(|x| **x == o).count();
        let checked = n(Outcome::Wrong) + n(Outcome::SignedIn);
        assert!(
            checked <= 5,
            "at most 5 passwords are checked, {checked} were: {outcomes:?}"
        );
        assert_eq!(n(Outcome::Throttled), 25 - checked, "{outcomes:?}");
        assert!(n(Outcome::SignedIn) <= 1);
        let hits: i64 = langnghe_app::db_run!(&app.db, c => sqlx::query_scalar(
            "SELECT CAST(hits AS BIGINT) FROM rate_limits WHERE key = 'login:pair:canbo:127.0.0.1'")
            .fetch_optional(c).await)
        .unwrap()
        .unwrap_or(0);
        // The failures counted are the wrong passwords checked (a right one clears the pair).
        assert!(hits <= 5, "{hits}");
        if n(Outcome::SignedIn) == 0 {
            assert_eq!(hits as usize, n(Outcome::Wrong), "{outcomes:?}");
        }
        langnghe_tests::figure(
            "sign_in_race",
            &format!(
                "{:?}: 25 sign-ins at once (24 wrong, 1 right): {} passwords checked, {} refused before the check",
                app.backend,
                checked,
                n(Outcome::Throttled)
            ),
        );
    }
);

both_databases!(
    an_attacker_cannot_lock_an_official_out,
    |app: TestApp| async move {
        // The official signs in at the office (127.0.0.1): that address is now known.
        let office = app.visitor_from("127.0.0.1");
        assert_eq!(
            attempt(&office, "canbo", "langnghe-canbo").await,
            Outcome::SignedIn
        );
        // An attacker tries 6 wrong passwords from each of 5 other addresses: each address is
        // stopped after 5 (the pair limit), and the account's limit for unknown places (20)
        // is reached.
        let mut seen = Vec::new();
        for a in 2..=6 {
            let attacker = app.visitor_from(&format!("127.0.0.{a}"));
            for _ in 0..6 {
                seen.push(attempt(&attacker, "canbo", "doan-mat-khau").await);
            }
        }
        let wrong = seen.iter().filter(|o| **o == Outcome::Wrong).count();
        assert_eq!(wrong, 20, "{seen:?}");
        // From a place the account never signed in from, even the right password now waits.
        let elsewhere = app.visitor_from("127.0.0.7");
        assert_eq!(
            attempt(&elsewhere, "canbo", "langnghe-canbo").await,
            Outcome::Throttled
        );
        // At the office the official signs in as usual.
        let office = app.visitor_from("127.0.0.1");
        assert_eq!(
            attempt(&office, "canbo", "langnghe-canbo").await,
            Outcome::SignedIn
        );
        // Someone at the office itself (a shared address) types 5 wrong passwords: the right
        // one waits only the short delay (one minute), not 15 minutes.
        let shared = app.visitor_from("127.0.0.1");
        for _ in 0..5 {
            assert_eq!(
                attempt(&shared, "canbo", "doan-mat-khau").await,
                Outcome::Wrong
            );
        }
        let office = app.visitor_from("127.0.0.1");
        let r = office.login("canbo", "langnghe-canbo").await;
        let msg = office.flash_after(r).await;
        assert!(msg.contains("đợi một phút"), "{msg}");
        // A minute later (the counter's window moved back by 61 s, as time would).
        langnghe_app::db_run!(&app.db, c => sqlx::query(
            "UPDATE rate_limits SET window_start = $1 WHERE key = 'login:pair:canbo:127.0.0.1'")
            .bind(chrono::Utc::now() - chrono::Duration::seconds(61)).execute(c).await.map(|r| r.rows_affected()))
        .unwrap();
        assert_eq!(
            attempt(&office, "canbo", "langnghe-canbo").await,
            Outcome::SignedIn
        );
        // Another account is not affected by any of it.
        let other = app.visitor_from("127.0.0.7");
        assert_eq!(
            attempt(&other, "canbo.stp", "langnghe-canbo").await,
            Outcome::SignedIn
        );
    }
);

both_databases!(
    a_password_change_or_reset_ends_every_other_session,
    |app: TestApp| async move {
        let a = app.another_visitor();
        let b = app.another_visitor();
        a.login_as("canbo").await;
        b.login_as("canbo").await;
        let before = a.session_cookie().unwrap();
        let (_, body) = a
            .submit(
                "/account",
                "/api/account/password",
                &[
                    ("current_password", "langnghe-canbo"),
                    ("new_password", "bốn con mèo ăn cơm chiều"),
                    ("confirm_password", "bốn con mèo ăn cơm chiều"),
                ],
            )
            .await;
        assert!(body.contains("Đã đổi mật khẩu."), "{body}");
        assert_ne!(a.session_cookie().unwrap(), before, "a new session id");
        assert_eq!(a.get("/staff").await.status(), 200, "this session stays");
        let r = b.get("/staff").await;
        assert_eq!(
            (r.status().as_u16(), location(&r).as_str()),
            (303, "/login?next=%2Fstaff"),
            "the other session ended"
        );
        // A copied cookie of the old session is worth nothing either.
        let old = app.another_visitor();
        old.jar.add_cookie_str(
            &format!("langnghe_session={before}"),
            &url::Url::parse(&app.base).unwrap(),
        );
        assert_eq!(old.get("/staff").await.status(), 303);

        // The administrator resets the password: the official's session ends too.
        let admin = app.another_visitor();
        admin.login_as("quantri").await;
        let id = app.account_id("canbo").await.to_string();
        let (_, body) = admin
            .submit(
                &format!("/admin/accounts/{id}"),
                "/api/accounts/reset-password",
                &[("id", &id), ("new_password", "bảy cây tre xanh bên sông")],
            )
            .await;
        assert!(body.contains("flash-ok"), "{body}");
        assert_eq!(a.get("/staff").await.status(), 303);
        assert_eq!(admin.get("/staff").await.status(), 200);
        let r = app.login("canbo", "bảy cây tre xanh bên sông").await;
        assert_eq!(location(&r), "/staff");
    }
);

both_databases!(
    guessable_passwords_are_refused_in_both_languages,
    |app: TestApp| async move {
        app.login_as("canbo").await;
        for (pw, vi) in [
            ("1111111111", "quá dễ đoán"),
            ("password123", "quá dễ đoán"),
            ("canbocanbo", "không được chứa tên đăng nhập"),
            ("Lê Thị Cán 2026", "không được chứa"),
        ] {
            let r = app
                .post_form(
                    "/account",
                    "/api/account/password",
                    &[
                        ("current_password", "langnghe-canbo"),
                        ("new_password", pw),
                        ("confirm_password", pw),
                    ],
                )
                .await;
            let (_, page) = app.page(&location(&r)).await;
            assert!(page.contains(vi), "{pw}: {page}");
        }
        // The old password still works: nothing was changed.
        let v = app.another_visitor();
        v.login_as("canbo").await;
        // In English too.
        app.jar
            .add_cookie_str("lang=en", &url::Url::parse(&app.base).unwrap());
        let r = app
            .post_form(
                "/account",
                "/api/account/password",
                &[
                    ("current_password", "langnghe-canbo"),
                    ("new_password", "1111111111"),
                    ("confirm_password", "1111111111"),
                ],
            )
            .await;
        let (_, page) = app.page(&location(&r)).await;
        assert!(page.contains("too easy to guess"), "{page}");
    }
);
