use langnghe_tests::{both_databases, TestApp};

both_databases!(
    official_is_refused_another_units_admin_page,
    |app: TestApp| async move {
        let own = app.unit_id("XAPL").await;
        let other = app.unit_id("STP").await;
        app.login_as("canbo").await;
        let (status, body) = app.page(&format!("/admin/units/{own}")).await;
        assert_eq!(status, 200, "an official sees their own unit");
        assert!(body.contains("Xã An Phú Lạc"));
        let (status, body) = app.page(&format!("/admin/units/{other}")).await;
        assert_eq!(status, 403, "but not another unit's page");
        assert!(
            body.contains("Không có quyền truy cập"),
            "a translated refusal page"
        );
        assert!(!body.contains("Sở Tư pháp</h1>"));
        for path in [
            "/admin/kiosks",
            "/admin/accounts",
            "/admin/procedures",
            "/admin/units/new",
            "/admin/units/merge",
            "/admin/audit",
        ] {
            assert_eq!(
                app.get(path).await.status(),
                403,
                "{path} is refused to an official"
            );
        }
        assert_eq!(
            app.get(&format!("/admin/units/{own}/edit")).await.status(),
            403,
            "an official cannot edit units"
        );
    }
);

both_databases!(
    leader_reads_the_subtree_but_cannot_change_it,
    |app: TestApp| async move {
        let stp = app.unit_id("STP").await;
        app.login_as("lanhdao").await;
        assert_eq!(app.get(&format!("/admin/units/{stp}")).await.status(), 200);
        assert_eq!(app.get("/admin/units").await.status(), 200);
        assert_eq!(app.get("/admin/units/new").await.status(), 403);
        let (_, body) = app
            .submit(
                "/admin/units",
                "/api/units/save",
                &[
                    ("parent_id", &stp.to_string()),
                    ("group_id", ""),
                    ("code", "NEW1"),
                    ("name", "Phòng mới"),
                    ("kind", "other"),
                    ("address", ""),
                    ("effective_from", "2026-01-01"),
                    ("effective_to", ""),
                ],
            )
            .await;
        assert!(
            body.contains("không có quyền"),
            "the post is refused with a message"
        );
        let all = langnghe_app::db::units::all(&app.db).await.unwrap();
        assert!(!all.iter().any(|u| u.code == "NEW1"), "nothing was created");
    }
);

both_databases!(
    anonymous_visitors_are_sent_to_sign_in,
    |app: TestApp| async move {
        for path in [
            "/staff",
            "/admin/units",
            "/admin/units/1",
            "/admin/procedures",
            "/admin/kiosks",
            "/admin/accounts",
            "/account",
        ] {
            let r = app.get(path).await;
            assert_eq!(r.status(), 303, "{path}");
            assert!(
                langnghe_tests::location(&r).starts_with("/login?next="),
                "{path}"
            );
        }
        for path in ["/", "/procedures", "/login", "/healthz"] {
            assert_eq!(app.get(path).await.status(), 200, "{path} is public");
        }
    }
);
