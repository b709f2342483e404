use langnghe_tests::{both_databases, location, TestApp};

both_databases!(
    csv_import_reports_bad_rows_and_keeps_good_ones,
    |app: TestApp| async move {
        app.login_as("quantri").await;
        let before = langnghe_app::db::procedures::count(&app.db).await.unwrap();
        let csv = "Mã thủ tục;Tên thủ tục;Lĩnh vực;Thời hạn giải quyết\n\
               9.000001;Cấp phép thử nghiệm;Thử nghiệm;5\n\
               ;Thiếu mã;Thử nghiệm;3\n\
               9.000002;Sai thời hạn;Thử nghiệm;năm ngày\n\
               1.001193;Đăng ký khai sinh (cập nhật);Hộ tịch;1\n";
        let part = reqwest::multipart::Part::bytes(csv.as_bytes().to_vec())
            .file_name("danh-muc.csv")
            .mime_str("text/csv")
            .unwrap();
        let form = reqwest::multipart::Form::new().part("file", part);
        let r = app
            .client
            .post(app.url("/api/procedures/import"))
            .header("Origin", &app.base)
            .header("Referer", app.url("/admin/procedures/import"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(location(&r), "/admin/procedures/import");
        let (_, body) = app.page("/admin/procedures/import").await;
        assert!(
            body.contains("Đã nhập 1 thủ tục mới, cập nhật 1; 2 dòng có lỗi"),
            "summary: {}",
            &body[body.find("flash").unwrap_or(0)..][..300.min(body.len())]
        );
        assert!(
            body.contains("Vui lòng nhập thông tin này."),
            "line 3 lacks its code"
        );
        assert!(
            body.contains("Thời hạn giải quyết là số ngày làm việc từ 0 đến 365."),
            "line 4 has a bad time"
        );
        assert!(
            body.contains(">3<") && body.contains(">4<"),
            "the report names the lines"
        );
        let after = langnghe_app::db::procedures::count(&app.db).await.unwrap();
        assert_eq!(after, before + 1, "the good new row is kept");
        let p = langnghe_app::db::procedures::get_by_code(&app.db, "1.001193")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(p.processing_days, 1, "a known code is updated");
        assert!(
            langnghe_app::db::procedures::get_by_code(&app.db, "9.000002")
                .await
                .unwrap()
                .is_none()
        );
    }
);

both_databases!(
    catalogue_search_ignores_diacritics,
    |app: TestApp| async move {
        let (status, body) = app.page("/procedures?q=dang+ky+khai+sinh").await;
        assert_eq!(status, 200);
        assert!(body.contains("Đăng ký khai sinh"));
        let (_, body) = app.page("/procedures?q=ĐĂNG KÝ KẾT HÔN").await;
        assert!(body.contains("Đăng ký kết hôn"));
        let (_, body) = app.page("/procedures?q=100%25_x").await;
        assert!(body.contains("0 thủ tục"), "wildcards are literal");
    }
);

both_databases!(
    a_procedure_is_created_and_edited,
    |app: TestApp| async move {
        app.login_as("quantri").await;
        let (_, body) = app
            .submit(
                "/admin/procedures/new",
                "/api/procedures/save",
                &[
                    ("code", "9.1"),
                    ("name", ""),
                    ("field", "Hộ tịch"),
                    ("processing_days", "-1"),
                ],
            )
            .await;
        assert!(body.contains("Vui lòng nhập thông tin này.") && body.contains("từ 0 đến 365"));
        let r = app
            .post_form(
                "/admin/procedures/new",
                "/api/procedures/save",
                &[
                    ("code", "9.1"),
                    ("name", "Thủ tục mới"),
                    ("field", "Hộ tịch"),
                    ("processing_days", "2"),
                    ("active", "1"),
                ],
            )
            .await;
        assert_eq!(location(&r), "/admin/procedures");
        let p = langnghe_app::db::procedures::get_by_code(&app.db, "9.1")
            .await
            .unwrap()
            .expect("created");
        let r = app
            .post_form(
                &format!("/admin/procedures/{}/edit", p.id),
                "/api/procedures/save",
                &[
                    ("id", &p.id.to_string()),
                    ("code", "9.1"),
                    ("name", "Thủ tục đã sửa"),
                    ("field", "Hộ tịch"),
                    ("processing_days", "3"),
                ],
            )
            .await;
        assert_eq!(location(&r), "/admin/procedures");
        let p = langnghe_app::db::procedures::get(&app.db, p.id)
            .await
            .unwrap();
        assert_eq!(
            (p.name.as_str(), p.processing_days, p.active),
            ("Thủ tục đã sửa", 3, false)
        );
        // The catalogue belongs to the province administrator only.
        app.post_form("/staff", "/api/logout", &[]).await;
        app.login_as("canbo.stp").await;
        let (_, body) = app
            .submit(
                "/admin/procedures/new",
                "/api/procedures/save",
                &[
                    ("code", "9.2"),
                    ("name", "Không được"),
                    ("field", "X"),
                    ("processing_days", "1"),
                ],
            )
            .await;
        assert!(body.contains("không có quyền"));
        assert!(langnghe_app::db::procedures::get_by_code(&app.db, "9.2")
            .await
            .unwrap()
            .is_none());
    }
);
