use langnghe_tests::{both_databases, location, TestApp};

both_databases!(
    merge_links_predecessors_and_successor,
    |app: TestApp| async move {
        app.login_as("quantri").await;
        let a = app.unit_id("XTH").await;
        let b = app.unit_id("XPL").await;
        let root = app.unit_id("LG").await;
        let groups = langnghe_app::db::units::groups(&app.db).await.unwrap();
        let commune = groups
            .iter()
            .find(|g| g.code == "commune")
            .unwrap()
            .id
            .to_string();
        // The checkboxes of the merge form are named predecessors[i].
        let r = app
            .post_form(
                "/admin/units/merge",
                "/api/units/merge",
                &[
                    ("predecessors[2]", &a.to_string()),
                    ("predecessors[5]", &b.to_string()),
                    ("parent_id", &root.to_string()),
                    ("group_id", &commune),
                    ("code", "XTHPL"),
                    ("name", "Xã Tân Hòa Phước"),
                    ("kind", "commune"),
                    ("address", ""),
                    ("effective_from", "01/01/2026"),
                    ("move_staff", "1"),
                    ("note", "Nghị quyết 99/NQ-HĐND"),
                ],
            )
            .await;
        let to = location(&r);
        assert!(
            to.starts_with("/admin/units/"),
            "goes to the new unit, got {to}"
        );
        let new_id: i64 = to.trim_start_matches("/admin/units/").parse().unwrap();

        let (preds, succs) = langnghe_app::db::units::links(&app.db, new_id)
            .await
            .unwrap();
        let mut pred_ids: Vec<i64> = preds.iter().map(|l| l.unit_id).collect();
        pred_ids.sort();
        let mut expected = vec![a, b];
        expected.sort();
        assert_eq!(pred_ids, expected, "both communes are predecessors");
        assert!(succs.is_empty());
        let day = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        assert!(preds.iter().all(|l| l.effective_on == day));
        for id in [a, b] {
            let u = langnghe_app::db::units::get(&app.db, id).await.unwrap();
            assert_eq!(
                u.effective_to,
                Some(chrono::NaiveDate::from_ymd_opt(2025, 12, 31).unwrap()),
                "a predecessor ends the day before"
            );
            let (_, s) = langnghe_app::db::units::links(&app.db, id).await.unwrap();
            assert_eq!(
                s.iter().map(|l| l.unit_id).collect::<Vec<_>>(),
                vec![new_id]
            );
        }
        let n = langnghe_app::db::units::get(&app.db, new_id).await.unwrap();
        assert_eq!(n.effective_from, day);
        let (status, body) = app.page(&to).await;
        assert_eq!(status, 200);
        assert!(body.contains("Đã sáp nhập thành đơn vị Xã Tân Hòa Phước."));
        assert!(body.contains("Xã Tân Hòa") && body.contains("Hình thành từ:"));
    }
);

both_databases!(
    merge_form_errors_keep_the_input,
    |app: TestApp| async move {
        app.login_as("quantri").await;
        let root = app.unit_id("LG").await;
        let (_, body) = app
            .submit(
                "/admin/units/merge",
                "/api/units/merge",
                &[
                    ("parent_id", &root.to_string()),
                    ("group_id", ""),
                    ("code", "X Y"),
                    ("name", "Tên mới giữ lại"),
                    ("kind", "commune"),
                    ("address", ""),
                    ("effective_from", "31/02/2026"),
                    ("note", ""),
                ],
            )
            .await;
        assert!(body.contains("Chưa lưu: vui lòng sửa các mục được đánh dấu bên dưới."));
        assert!(body.contains("Chọn ít nhất một đơn vị để sáp nhập."));
        assert!(body.contains("Ngày không hợp lệ"));
        assert!(
            body.contains(r#"value="Tên mới giữ lại""#),
            "what was typed is kept"
        );
    }
);

both_databases!(create_and_edit_a_unit, |app: TestApp| async move {
    app.login_as("quantri").await;
    let stp = app.unit_id("STP").await.to_string();
    let r = app
        .post_form(
            "/admin/units/new",
            "/api/units/save",
            &[
                ("parent_id", &stp),
                ("group_id", ""),
                ("code", "stp-pbtpl"),
                ("name", "Phòng Phổ biến pháp luật"),
                ("kind", "other"),
                ("address", "12 Lê Lợi"),
                ("effective_from", "2026-01-01"),
                ("effective_to", ""),
            ],
        )
        .await;
    let to = location(&r);
    let id: i64 = to
        .trim_start_matches("/admin/units/")
        .parse()
        .expect("new unit page");
    let u = langnghe_app::db::units::get(&app.db, id).await.unwrap();
    assert_eq!(u.code, "STP-PBTPL");
    assert!(
        u.path.ends_with(&format!("/{stp}/{id}/")),
        "the path nests under the parent: {}",
        u.path
    );
    // A duplicate code is refused with the field named.
    let (_, body) = app
        .submit(
            "/admin/units/new",
            "/api/units/save",
            &[
                ("parent_id", &stp),
                ("group_id", ""),
                ("code", "STP-PBTPL"),
                ("name", "Trùng"),
                ("kind", "other"),
                ("address", ""),
                ("effective_from", "2026-01-01"),
                ("effective_to", ""),
            ],
        )
        .await;
    assert!(body.contains("Mã này đã được dùng."));
    // Move it under the root: its path follows.
    let root = app.unit_id("LG").await.to_string();
    let r = app
        .post_form(
            &format!("/admin/units/{id}/edit"),
            "/api/units/save",
            &[
                ("id", &id.to_string()),
                ("parent_id", &root),
                ("group_id", ""),
                ("code", "STP-PBTPL"),
                ("name", "Phòng Phổ biến pháp luật"),
                ("kind", "other"),
                ("address", "12 Lê Lợi"),
                ("effective_from", "2026-01-01"),
                ("effective_to", ""),
            ],
        )
        .await;
    assert_eq!(location(&r), format!("/admin/units/{id}"));
    let u = langnghe_app::db::units::get(&app.db, id).await.unwrap();
    assert_eq!(u.path, format!("/{root}/{id}/"));
    // A unit cannot move under its own child.
    let stp_id: i64 = stp.parse().unwrap();
    let (_, body) = app
        .submit(
            &format!("/admin/units/{stp_id}/edit"),
            "/api/units/save",
            &[
                ("id", &stp),
                ("parent_id", &id.to_string()),
                ("group_id", ""),
                ("code", "STP"),
                ("name", "Sở Tư pháp"),
                ("kind", "department"),
                ("address", ""),
                ("effective_from", "2020-01-01"),
                ("effective_to", ""),
            ],
        )
        .await;
    assert!(
        !body.contains("Không thể chuyển đơn vị vào chính nó"),
        "moving STP under an unrelated unit is allowed"
    );
    // A unit moved under its own descendant is refused as a cycle, not as a taken code (the
    // refusal used to pass for a unique-key violation).
    let r = app
        .post_form(
            "/admin/units/new",
            "/api/units/save",
            &[
                ("parent_id", &id.to_string()),
                ("group_id", ""),
                ("code", "STP-PBTPL-TO1"),
                ("name", "Tổ phổ biến 1"),
                ("kind", "other"),
                ("address", ""),
                ("effective_from", "2026-01-01"),
                ("effective_to", ""),
            ],
        )
        .await;
    let child = location(&r).trim_start_matches("/admin/units/").to_string();
    let (_, body) = app
        .submit(
            &format!("/admin/units/{id}/edit"),
            "/api/units/save",
            &[
                ("id", &id.to_string()),
                ("parent_id", &child),
                ("group_id", ""),
                ("code", "STP-PBTPL"),
                ("name", "Phòng Phổ biến pháp luật"),
                ("kind", "other"),
                ("address", "12 Lê Lợi"),
                ("effective_from", "2026-01-01"),
                ("effective_to", ""),
            ],
        )
        .await;
    assert!(
        body.contains("Không thể chuyển đơn vị vào chính nó hoặc đơn vị cấp dưới của nó."),
        "the cycle is named"
    );
    assert!(!body.contains("Mã này đã được dùng."), "not a taken code");
    let u = langnghe_app::db::units::get(&app.db, id).await.unwrap();
    assert_eq!(u.path, format!("/{root}/{id}/"), "nothing moved");
    let audit = langnghe_app::db::audit::latest(&app.db, "/", true, 50, 0)
        .await
        .unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "unit.create" && e.username.as_deref() == Some("quantri")),
        "changes are audited with their account"
    );
});
