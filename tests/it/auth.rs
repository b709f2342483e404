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
