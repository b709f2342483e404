use langnghe_tests::{both_databases, location, TestApp};

both_databases!(
    admin_creates_an_account_that_can_sign_in,
    |app: TestApp| async move {
        app.login_as("quantri").await;
        let unit = app.unit_id("SYT").await.to_string();
        let (_, body) = app
            .submit(
                "/admin/accounts/new",
                "/api/accounts/create",
                &[
                    ("username", "Tran Van B"),
                    ("full_name", "Trần Văn B"),
                    ("email", ""),
                    ("role", "official"),
                    ("unit_id", &unit),
                    ("password", "ngan"),
                ],
            )
            .await;
        assert!(body.contains("Tên đăng nhập chỉ gồm chữ thường không dấu"));
        assert!(body.contains("Mật khẩu cần ít nhất 10 ký tự."));
        assert!(
            body.contains(r#"value="Trần Văn B""#),
            "the name typed is kept"
        );
        let r = app
            .post_form(
                "/admin/accounts/new",
                "/api/accounts/create",
                &[
                    ("username", "tran.van.b"),
                    ("full_name", "Trần Văn B"),
                    ("email", "b@example.vn"),
                    ("role", "official"),
                    ("unit_id", &unit),
                    ("password", "ba con cò bay lả bay la"),
                ],
            )
            .await;
        assert!(location(&r).starts_with("/admin/accounts/"));
        let (_, body) = app
            .submit(
                "/admin/accounts/new",
                "/api/accounts/create",
                &[
                    ("username", "tran.van.b"),
                    ("full_name", "Trùng"),
                    ("email", ""),
                    ("role", "official"),
                    ("unit_id", &unit),
                    ("password", "ba con cò bay lả bay la"),
                ],
            )
            .await;
        assert!(body.contains("Tên đăng nhập này đã có người dùng."));
        app.post_form("/staff", "/api/logout", &[]).await;
        let r = app.login("tran.van.b", "ba con cò bay lả bay la").await;
        assert_eq!(location(&r), "/staff");
        let (_, body) = app.page("/staff").await;
        assert!(body.contains("Sở Y tế"));
    }
);

both_databases!(
    an_official_cannot_create_accounts,
    |app: TestApp| async move {
        app.login_as("canbo").await;
        let unit = app.unit_id("XAPL").await.to_string();
        let (_, body) = app
            .submit(
                "/staff",
                "/api/accounts/create",
                &[
                    ("username", "ke.gian"),
                    ("full_name", "Kẻ gian"),
                    ("email", ""),
                    ("role", "admin"),
                    ("unit_id", &unit),
                    ("password", "ba ngọn núi cao phía tây"),
                ],
            )
            .await;
        assert!(body.contains("không có quyền"));
        let all = langnghe_app::db::accounts::in_subtree(&app.db, "/")
            .await
            .unwrap();
        assert!(!all.iter().any(|a| a.username == "ke.gian"));
    }
);

both_databases!(
    a_kiosk_gets_a_device_token_once,
    |app: TestApp| async move {
        app.login_as("quantri").await;
        let unit = app.unit_id("XVT").await;
        let counters = langnghe_app::db::kiosks::counters_of_unit(&app.db, unit)
            .await
            .unwrap();
        let counter = counters.first().expect("demo counter").id.to_string();
        let r = app
            .post_form(
                "/admin/kiosks/new",
                "/api/kiosks/register",
                &[
                    ("counter_id", &counter),
                    ("name", "Kiosk sảnh chính"),
                    ("faces", "4"),
                ],
            )
            .await;
        let to = location(&r);
        assert!(to.starts_with("/admin/kiosks/"));
        let (_, body) = app.page(&to).await;
        let start = body
            .find(r#"<div class="token-box">"#)
            .expect("token shown")
            + r#"<div class="token-box">"#.len();
        let token = &body[start..start + 64];
        let k = langnghe_app::db::kiosks::kiosk_by_token(&app.db, token)
            .await
            .unwrap()
            .expect("token works");
        assert_eq!(
            (k.name.as_str(), k.faces, k.unit_id),
            ("Kiosk sảnh chính", 4, unit)
        );
        let (_, again) = app.page(&to).await;
        assert!(!again.contains(token), "the token is shown only once");
        // Renewing replaces it.
        let r = app
            .post_form(&to, "/api/kiosks/renew", &[("id", &k.id.to_string())])
            .await;
        assert_eq!(location(&r), to);
        assert!(
            langnghe_app::db::kiosks::kiosk_by_token(&app.db, token)
                .await
                .unwrap()
                .is_none(),
            "the old token stops working"
        );
        let (_, body) = app.page("/admin/kiosks").await;
        assert!(body.contains("Kiosk sảnh chính"));
    }
);
