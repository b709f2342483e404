use langnghe_tests::{both_databases, TestApp};

both_databases!(cross_site_form_post_is_refused, |app: TestApp| async move {
    app.login_as("quantri").await;
    let parent = app.unit_id("LG").await.to_string();
    let form = [
        ("parent_id", parent.as_str()),
        ("group_id", ""),
        ("code", "EVIL"),
        ("name", "Đơn vị giả"),
        ("kind", "other"),
        ("address", ""),
        ("effective_from", "2026-01-01"),
        ("effective_to", ""),
    ];
    // A page on another site posting to ours.
    let r = app
        .client
        .post(app.url("/api/units/save"))
        .header("Origin", "https://evil.example")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let body = r.text().await.unwrap();
    assert!(body.contains("Yêu cầu bị từ chối"), "a translated refusal");
    let r = app
        .client
        .post(app.url("/api/units/save"))
        .header("Sec-Fetch-Site", "cross-site")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = app
        .client
        .post(app.url("/api/logout"))
        .header("Referer", "https://evil.example/page")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "sign-out too is a state change");
    let all = langnghe_app::db::units::all(&app.db).await.unwrap();
    assert!(!all.iter().any(|u| u.code == "EVIL"), "nothing was created");
    // The same post from our own page works.
    let r = app
        .post_form("/admin/units/new", "/api/units/save", &form)
        .await;
    assert_eq!(r.status(), 302);
    let all = langnghe_app::db::units::all(&app.db).await.unwrap();
    assert!(all.iter().any(|u| u.code == "EVIL"));
});

both_databases!(
    session_cookie_is_httponly_and_samesite,
    |app: TestApp| async move {
        let r = app.login("quantri", "langnghe-quantri").await;
        let cookie = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with("langnghe_session="))
            .expect("session cookie")
            .to_string();
        assert!(cookie.contains("HttpOnly"));
        assert!(cookie.contains("SameSite=Lax"));
        let r = app.get("/").await;
        assert!(r.headers().get("content-security-policy").is_some());
        assert_eq!(r.headers().get("x-frame-options").unwrap(), "DENY");
    }
);
