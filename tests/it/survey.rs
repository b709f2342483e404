use langnghe_app::db::{dossiers, instruments, ratings};
use langnghe_tests::{both_databases, location, TestApp};
use serde_json::{json, Value};

async fn post_dossier(app: &TestApp, key: Option<&str>, body: &str) -> (u16, Value) {
    let mut req = app
        .client
        .post(app.url("/api/v1/dossiers"))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(k) = key {
        req = req.header("X-API-Key", k);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn dossier_json(code: &str) -> String {
    json!({"code": code, "unit_code": "XAPL", "procedure_code": "1.001193", "citizen_phone": "0912 345 678",
           "completed_at": "2026-11-20T09:30:00+07:00"}).to_string()
}

both_databases!(
    dossier_api_is_authenticated_validated_and_idempotent,
    |app: TestApp| async move {
        let key = app.api_key("LG").await;
        let (s, v) = post_dossier(&app, None, &dossier_json("HS-1")).await;
        assert_eq!((s, v["error"].as_str()), (401, Some("unauthorized")));
        let (s, _) = post_dossier(&app, Some("ln_not_a_key"), &dossier_json("HS-1")).await;
        assert_eq!(s, 401);
        let (s, v) = post_dossier(&app, Some(&key), "{not json").await;
        assert_eq!((s, v["field"].as_str()), (422, Some("body")));
        let (s, v) = post_dossier(&app, Some(&key), &json!({"code": "HS-1"}).to_string()).await;
        assert_eq!(
            (s, v["field"].as_str()),
            (422, Some("unit_code")),
            "the missing field is named: {v}"
        );
        let (s, v) = post_dossier(
            &app,
            Some(&key),
            &json!({"code": "HS-1", "unit_code": "XAPL", "citizen_phone": "12"}).to_string(),
        )
        .await;
        assert_eq!((s, v["field"].as_str()), (422, Some("citizen_phone")));
        let (s, v) = post_dossier(
            &app,
            Some(&key),
            &json!({"code": "HS-1", "unit_code": "XAPL", "completed_at": "hôm qua"}).to_string(),
        )
        .await;
        assert_eq!((s, v["field"].as_str()), (422, Some("completed_at")));
        let (s, v) = post_dossier(
            &app,
            Some(&key),
            &json!({"code": 5, "unit_code": "XAPL"}).to_string(),
        )
        .await;
        assert_eq!((s, v["field"].as_str()), (422, Some("code")));

        let (s, first) = post_dossier(&app, Some(&key), &dossier_json("HS-1")).await;
        assert_eq!(s, 201, "{first}");
        assert_eq!(first["created"], true);
        let url = first["survey"]["url"].as_str().unwrap().to_string();
        assert!(url.starts_with(&app.base) && url.contains("/s/"));
        assert!(
            first["survey"]["qr_svg"].as_str().unwrap().contains("<svg"),
            "the reply carries the QR code"
        );
        let (s, again) = post_dossier(&app, Some(&key), &dossier_json("HS-1")).await;
        assert_eq!(s, 200);
        assert_eq!(
            (again["dossier_id"].clone(), again["created"].clone()),
            (first["dossier_id"].clone(), json!(false))
        );
        assert_eq!(
            again["survey"]["url"], first["survey"]["url"],
            "the same link"
        );
        assert_eq!(dossiers::count(&app.db).await.unwrap(), 1, "one dossier");

        // QR codes of the link, as SVG and PNG.
        let path = url.trim_start_matches(&app.base).to_string();
        let r = app.get(&format!("{path}/qr.svg")).await;
        assert_eq!(r.headers()["content-type"], "image/svg+xml");
        assert!(r.text().await.unwrap().contains("<svg"));
        let r = app.get(&format!("{path}/qr.png")).await;
        assert_eq!(r.headers()["content-type"], "image/png");
        assert_eq!(&r.bytes().await.unwrap()[1..4], b"PNG");

        // A key scoped to one commune cannot send another unit's dossiers.
        let narrow = app.api_key("STP").await;
        let (s, v) = post_dossier(&app, Some(&narrow), &dossier_json("HS-2")).await;
        assert_eq!((s, v["error"].as_str()), (403, Some("forbidden")));

        let r = app.get("/api/v1/openapi.json").await;
        let doc: Value = r.json().await.unwrap();
        assert!(
            doc["paths"]["/api/v1/dossiers"]["post"].is_object(),
            "the API is described"
        );
    }
);

async fn survey_path(app: &TestApp, code: &str) -> String {
    let key = app.api_key("LG").await;
    let (_, v) = post_dossier(app, Some(&key), &dossier_json(code)).await;
    v["survey"]["url"]
        .as_str()
        .unwrap()
        .trim_start_matches(&app.base)
        .to_string()
}

both_databases!(a_survey_link_takes_one_answer, |app: TestApp| async move {
    let path = survey_path(&app, "HS-9").await;
    let (status, body) = app.page(&path).await;
    assert_eq!(status, 200);
    assert!(body.contains("Phiếu khảo sát sự hài lòng") && body.contains("HS-9"));
    // No overall answer: a clear message, the other answers kept.
    let inst = instruments::published(&app.db, "SIPAS")
        .await
        .unwrap()
        .unwrap();
    let c1 = inst.elements[2].1[0].id;
    let key = format!("answers[{c1}]");
    let token = path.trim_start_matches("/s/").to_string();
    let (_, body) = app
        .submit(
            &path,
            "/api/survey/submit",
            &[("token", &token), (&key, "2"), ("comment", "Chờ lâu")],
        )
        .await;
    assert!(body.contains("Vui lòng chọn mức hài lòng chung."));
    assert!(
        body.contains(&format!(r#"name="answers[{c1}]" value="2" checked"#)),
        "the answer given is kept"
    );
    assert!(body.contains("Chờ lâu</textarea>"), "the comment is kept");
    let r = app
        .post_form(
            &path,
            "/api/survey/submit",
            &[
                ("token", &token),
                ("overall", "2"),
                (&key, "1"),
                ("comment", "Chờ lâu"),
            ],
        )
        .await;
    assert_eq!(location(&r), "/s/done");
    let (list, total) = ratings::list(&app.db, "/", &Default::default(), 10, 0)
        .await
        .unwrap();
    assert_eq!(total, 1);
    let r0 = &list[0];
    assert_eq!(
        (
            r0.score,
            r0.channel.as_str(),
            r0.dossier_code.as_deref(),
            r0.comment.as_deref()
        ),
        (2, "sms", Some("HS-9"), Some("Chờ lâu"))
    );
    // A second answer is refused with a clear message.
    let (_, body) = app
        .submit(
            &path,
            "/api/survey/submit",
            &[("token", &token), ("overall", "5")],
        )
        .await;
    assert!(
        body.contains("Phiếu khảo sát này đã được trả lời."),
        "second answer refused"
    );
    let (status, body) = app.page(&path).await;
    assert_eq!(status, 410);
    assert!(body.contains("Phiếu đã được sử dụng"));
    let (_, total) = ratings::list(&app.db, "/", &Default::default(), 10, 0)
        .await
        .unwrap();
    assert_eq!(total, 1, "still one rating");
});

both_databases!(an_expired_link_says_so, |app: TestApp| async move {
    let path = survey_path(&app, "HS-EXP").await;
    let sql = "UPDATE survey_links SET expires_at = $1";
    let past = chrono::Utc::now() - chrono::Duration::days(1);
    match &app.db {
        langnghe_app::db::Db::Sqlite(p) => sqlx::query(sql).bind(past).execute(p).await.map(|_| ()),
        langnghe_app::db::Db::Postgres(p) => {
            sqlx::query(sql).bind(past).execute(p).await.map(|_| ())
        }
    }
    .unwrap();
    let (status, body) = app.page(&path).await;
    assert_eq!(status, 410);
    assert!(body.contains("Đường dẫn đã hết hạn"));
    let token = path.trim_start_matches("/s/").to_string();
    let (_, body) = app
        .submit(
            &path,
            "/api/survey/submit",
            &[("token", &token), ("overall", "5")],
        )
        .await;
    assert!(body.contains("Đường dẫn khảo sát này đã hết hạn."));
    let (status, _) = app.page("/s/0123456789abcdef0123456789abcdef").await;
    assert_eq!(status, 404);
});

both_databases!(
    a_citizen_finds_the_survey_by_code_and_phone,
    |app: TestApp| async move {
        survey_path(&app, "HS-77").await;
        let (_, body) = app
            .submit(
                "/survey",
                "/api/survey/find",
                &[("code", "HS-77"), ("phone", "0999 999 999")],
            )
            .await;
        assert!(body.contains("Không tìm thấy hồ sơ với mã và số điện thoại này."));
        let r = app
            .post_form(
                "/survey",
                "/api/survey/find",
                &[("code", "HS-77"), ("phone", "+84 912 345 678")],
            )
            .await;
        let to = location(&r);
        assert!(to.starts_with("/s/") && to.ends_with("?via=web"), "{to}");
        let token = to
            .trim_start_matches("/s/")
            .trim_end_matches("?via=web")
            .to_string();
        let r = app
            .post_form(
                &to,
                "/api/survey/submit",
                &[("token", &token), ("via", "web"), ("overall", "5")],
            )
            .await;
        assert_eq!(location(&r), "/s/done");
        let (list, _) = ratings::list(&app.db, "/", &Default::default(), 10, 0)
            .await
            .unwrap();
        assert_eq!(list[0].channel, "web");
    }
);

both_databases!(
    instrument_versions_are_kept_and_locked,
    |app: TestApp| async move {
        app.login_as("quantri").await;
        let v1 = instruments::published(&app.db, "SIPAS")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (v1.elements.len(), v1.criteria_count()),
            (5, 22),
            "SIPAS 2017–2020"
        );
        let path = survey_path(&app, "HS-V1").await;
        let token = path.trim_start_matches("/s/").to_string();
        app.post_form(
            &path,
            "/api/survey/submit",
            &[("token", &token), ("overall", "4")],
        )
        .await;
        // v1 is used: it cannot be edited.
        let c = v1.elements[0].1[0].id;
        assert!(
            instruments::edit_criterion(&app.db, None, v1.id(), c, "x", "x")
                .await
                .is_err()
        );
        // A new version: draft, edit, publish through the admin pages.
        let r = app
            .post_form(
                "/admin/instruments",
                "/api/instruments/draft",
                &[("code", "SIPAS")],
            )
            .await;
        let to = location(&r);
        let v2_id: i64 = to
            .trim_start_matches("/admin/instruments/")
            .parse()
            .unwrap();
        let v2 = instruments::load(&app.db, v2_id).await.unwrap();
        let c2 = v2.elements[0].1[0].id;
        app.post_form(
            &to,
            "/api/instruments/criterion",
            &[
                ("instrument_id", &v2_id.to_string()),
                ("criterion_id", &c2.to_string()),
                ("text_vi", "Có đủ ghế ngồi chờ"),
                ("text_en", "Enough seats"),
            ],
        )
        .await;
        let r = app
            .post_form(
                &to,
                "/api/instruments/publish",
                &[("instrument_id", &v2_id.to_string())],
            )
            .await;
        assert_eq!(location(&r), to);
        let now = instruments::published(&app.db, "SIPAS")
            .await
            .unwrap()
            .unwrap();
        assert_eq!((now.id(), now.row.version), (v2_id, 2));
        assert_eq!(now.elements[0].1[0].text_vi, "Có đủ ghế ngồi chờ");
        let old = instruments::load(&app.db, v1.id()).await.unwrap();
        assert_eq!(old.row.status, "retired");
        assert_eq!(
            old.elements[0].1[0].text_vi, v1.elements[0].1[0].text_vi,
            "the old wording is kept"
        );
        // New answers are given under v2; the old one keeps v1.
        let path = survey_path(&app, "HS-V2").await;
        let (_, body) = app.page(&path).await;
        assert!(body.contains("Có đủ ghế ngồi chờ"));
        let token = path.trim_start_matches("/s/").to_string();
        app.post_form(
            &path,
            "/api/survey/submit",
            &[("token", &token), ("overall", "5")],
        )
        .await;
        let (list, _) = ratings::list(&app.db, "/", &Default::default(), 10, 0)
            .await
            .unwrap();
        let mut versions = Vec::new();
        for r in &list {
            versions.push(ratings::get(&app.db, r.id).await.unwrap().instrument_id);
        }
        versions.sort();
        assert_eq!(versions, vec![v1.id(), v2_id]);
        // Publishing again is refused (v2 is no longer a draft).
        assert!(instruments::publish(&app.db, None, v2_id).await.is_err());
    }
);

both_databases!(
    a_dossier_code_typed_in_small_letters_finds_the_dossier,
    |app: TestApp| async move {
        let path = survey_path(&app, "HS-2026-AB77").await;
        for typed in ["hs-2026-ab77", " Hs-2026-aB77 ", "HS-2026-AB77"] {
            let r = app
                .another_visitor()
                .post_form(
                    "/survey",
                    "/api/survey/find",
                    &[("code", typed), ("phone", "0912 345 678")],
                )
                .await;
            assert_eq!(location(&r), format!("{path}?via=web"), "typed {typed:?}");
        }
        // The phone still has to match.
        let (_, body) = app
            .submit(
                "/survey",
                "/api/survey/find",
                &[("code", "hs-2026-ab77"), ("phone", "0999 999 999")],
            )
            .await;
        assert!(body.contains("Không tìm thấy hồ sơ"));
    }
);

both_databases!(
    the_overall_question_and_the_criteria_run_the_same_way,
    |app: TestApp| async move {
        let path = survey_path(&app, "HS-SCALE-1").await;
        let (_, html) = app.page(&path).await;
        let doc = scraper::Html::parse_document(&html);
        let values = |sel: &str| -> Vec<String> {
            let s = scraper::Selector::parse(sel).unwrap();
            doc.select(&s)
                .filter_map(|e| e.value().attr("value").map(str::to_string))
                .collect()
        };
        let overall = values("input[name=overall]");
        assert_eq!(overall, ["1", "2", "3", "4", "5"]);
        let s = scraper::Selector::parse(".criterion").unwrap();
        let r = scraper::Selector::parse("input[type=radio]").unwrap();
        let mut n = 0;
        for c in doc.select(&s) {
            let v: Vec<&str> = c
                .select(&r)
                .filter_map(|e| e.value().attr("value"))
                .collect();
            assert_eq!(v, overall, "a criterion runs as the overall question does");
            n += 1;
        }
        assert!(n >= 5, "criteria on the page: {n}");
    }
);

/// The words of the scale ("Rất hài lòng"…) are at least 16 px at every text size: every rule of
/// the stylesheet that sizes them gives 16 px or more (a `max(…, 16px)` counts as its floor).
#[test]
fn the_scale_words_are_at_least_16_px() {
    let css = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../public/style.css"))
        .unwrap();
    let mut sized = 0;
    for rule in css.split('}') {
        let Some((selector, body)) = rule.split_once('{') else {
            continue;
        };
        if !selector.contains("scale-word") {
            continue;
        }
        for decl in body.split(';') {
            let Some((prop, value)) = decl.split_once(':') else {
                continue;
            };
            if prop.trim() != "font-size" {
                continue;
            }
            sized += 1;
            let px: f64 = value
                .split(|c: char| !(c.is_ascii_digit() || c == '.' || c.is_alphabetic()))
                .filter_map(|tok| tok.strip_suffix("px")?.parse().ok())
                .fold(0.0, f64::max);
            let floor_of_max = value.trim().starts_with("max(");
            assert!(
                (floor_of_max || !value.contains("rem")) && px >= 16.0,
                "{selector} sets font-size:{value}"
            );
        }
    }
    assert!(sized >= 1, "the scale words are sized somewhere");
}
