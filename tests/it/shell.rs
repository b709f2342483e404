use langnghe_tests::{both_databases, location, TestApp};

both_databases!(health_reports_the_database, |app: TestApp| async move {
    let r = app.get("/healthz").await;
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["status"], "ok");
    assert_eq!(
        v["database"],
        if app.backend == langnghe_tests::Backend::Sqlite {
            "sqlite"
        } else {
            "postgres"
        }
    );
});

both_databases!(
    language_font_and_contrast_are_kept_in_cookies,
    |app: TestApp| async move {
        let (_, body) = app.page("/").await;
        assert!(
            body.contains(r#"<html lang="vi""#) && body.contains("Tra cứu thủ tục"),
            "Vietnamese by default"
        );
        let r = app.get("/prefs?lang=en&next=%2Fprocedures").await;
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), "/procedures");
        let (_, body) = app.page("/").await;
        assert!(
            body.contains(r#"<html lang="en""#)
                && body.contains("Find an administrative procedure")
        );
        app.get("/prefs?fs=3&next=%2F").await;
        app.get("/prefs?hc=1&next=%2F").await;
        let (_, body) = app.page("/").await;
        assert!(body.contains(r#"<body class="fs-xl hc""#));
        // No open redirect through the preference links.
        let r = app
            .get("/prefs?lang=vi&next=https%3A%2F%2Fevil.example")
            .await;
        assert_eq!(location(&r), "/");
    }
);

both_databases!(not_found_is_translated, |app: TestApp| async move {
    let (status, body) = app.page("/khong-co-trang-nay").await;
    assert_eq!(status, 404);
    assert!(body.contains("Không tìm thấy trang"));
    app.get("/prefs?lang=en&next=%2F").await;
    let (status, body) = app.page("/admin/units/999999999").await;
    assert_eq!(status, 303, "anonymous: sign in first ({body})");
    let (status, body) = app.page("/no-such-page").await;
    assert_eq!(status, 404);
    assert!(body.contains("Page not found"));
});

both_databases!(demo_province_is_there, |app: TestApp| async move {
    let units = langnghe_app::db::units::all(&app.db).await.unwrap();
    assert!(units.len() >= 20);
    let groups: std::collections::HashSet<_> = units.iter().filter_map(|u| u.group_id).collect();
    assert_eq!(groups.len(), 3, "three peer groups");
    assert_eq!(
        langnghe_app::db::procedures::count(&app.db).await.unwrap(),
        50
    );
    let xapl = app.unit_id("XAPL").await;
    let (preds, _) = langnghe_app::db::units::links(&app.db, xapl).await.unwrap();
    assert_eq!(preds.len(), 2, "the demo has a merged pair");
    let (status, body) = app.page("/").await;
    assert_eq!(status, 200);
    assert!(body.contains("Tỉnh Lam Giang"));
});

both_databases!(
    navigation_marks_one_current_page,
    |app: TestApp| async move {
        app.login_as("quantri").await;
        for (path, href) in [
            ("/admin/units", "/admin/units"),
            ("/admin/audit", "/admin/audit"),
            ("/admin/kiosks", "/admin/kiosks"),
            ("/staff", "/staff"),
        ] {
            let (_, body) = app.page(path).await;
            let nav = &body[body.find("<nav").unwrap()..body.find("</nav>").unwrap()];
            let marked: Vec<&str> = nav
                .split("<a href=\"")
                .skip(1)
                .filter(|a| a.contains("aria-current=\"page\""))
                .map(|a| a.split('"').next().unwrap())
                .collect();
            assert!(
                !marked.is_empty() && marked.iter().all(|h| *h == href),
                "{path}: {marked:?}"
            );
        }
    }
);

both_databases!(
    an_unknown_action_is_a_translated_404,
    |app: TestApp| async move {
        let r = app.post_form("/", "/api/khong-co", &[("a", "1")]).await;
        assert_eq!(r.status(), 404);
        assert!(r.text().await.unwrap().contains("Không tìm thấy trang"));
    }
);

both_databases!(
    english_pages_and_kiosk_are_in_english,
    |app: TestApp| async move {
        app.get("/prefs?lang=en&next=%2F").await;
        let (_, body) = app.page("/procedures").await;
        assert!(
            body.contains("<title>Administrative procedures · Lắng Nghe</title>"),
            "the title is translated too"
        );
        let token = langnghe_app::db::demo::demo_kiosk_token(0);
        app.get(&format!("/kiosk?token={token}")).await;
        let (_, body) = app.page("/kiosk").await;
        assert!(
            body.contains("Are you satisfied with the service you received today?"),
            "the kiosk speaks English"
        );
        assert!(body.contains("Very satisfied") && !body.contains("Rất hài lòng"));
        let (_, body) = app.page("/kiosk?token=0000").await;
        assert!(body.contains("Set up this rating kiosk"));
    }
);
