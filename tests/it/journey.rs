//! The dossier's journey by text message (issue 19): the events of the one-stop software, each
//! sending the citizen exactly one text through a local HTTP gateway.

use langnghe_app::notify;
use langnghe_tests::sinks::HttpSink;
use langnghe_tests::{both_databases, TestApp};
use serde_json::{json, Value};

/// Points the SMS channel at the sink (as an administrator would at /admin/notifications).
async fn plug(app: &TestApp, sms: &HttpSink) {
    langnghe_tests::plug_gateway(app, "sms", sms).await
}

/// Runs the worker until nothing is due; returns the texts the gateway got meanwhile.
async fn texts(app: &TestApp, sms: &HttpSink) -> Vec<(String, String)> {
    langnghe_tests::sent_texts(app, sms).await
}

async fn event(app: &TestApp, key: &str, code: &str, body: &Value) -> (u16, Value) {
    langnghe_tests::dossier_event(app, key, code, body).await
}

async fn register(app: &TestApp, key: &str, code: &str, unit: &str) {
    langnghe_tests::register_dossier(app, key, code, unit).await;
}

async fn events_stored(app: &TestApp) -> i64 {
    langnghe_app::db_run!(&app.db, c => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM dossier_events").fetch_one(c).await)
        .unwrap()
}

both_databases!(
    each_event_sends_exactly_one_text_with_the_right_words,
    |app: TestApp| async move {
        let sms = HttpSink::start().await;
        plug(&app, &sms).await;
        let key = app.api_key("PHT").await;
        let code = "H41.30-261118-0042";
        register(&app, &key, code, "PHT").await;
        assert!(
            texts(&app, &sms).await.is_empty(),
            "no text for a dossier still open"
        );

        // Each event, with the words its text must carry (dates written dd/mm/yyyy, Vietnam time).
        let steps = [
            (
                json!({"event_id": "e-1", "kind": "received", "due_at": "2026-12-10T17:00:00+07:00"}),
                "received",
                vec![
                    "đã tiếp nhận hồ sơ H41.30-261118-0042",
                    "Ngày hẹn trả kết quả: 10/12/2026",
                ],
            ),
            (
                json!({"event_id": "e-2", "kind": "supplement_requested",
                       "papers": "Bản sao sổ đỏ; giấy ủy quyền"}),
                "supplement",
                vec!["cần bổ sung: Bản sao sổ đỏ; giấy ủy quyền"],
            ),
            (
                json!({"event_id": "e-3", "kind": "ready"}),
                "ready",
                vec!["Hồ sơ H41.30-261118-0042 đã có kết quả", "nhận kết quả"],
            ),
            (
                // 23:30 UTC on 14 December is already the 15th in Vietnam.
                json!({"event_id": "e-4", "kind": "returned_late", "new_due_at": "2026-12-14T23:30:00Z"}),
                "late",
                vec!["xin lỗi", "Ngày hẹn trả kết quả mới: 15/12/2026"],
            ),
            (
                json!({"event_id": "e-5", "kind": "completed"}),
                "completed",
                vec![
                    "đã trả kết quả hồ sơ H41.30-261118-0042",
                    "Trả lời 1–5 để đánh giá",
                ],
            ),
        ];
        for (mut body, status, words) in steps {
            body["citizen_phone"] = json!("0912 345 678");
            let (s, out) = event(&app, &key, code, &body).await;
            assert_eq!(s, 201, "{out}");
            assert_eq!(
                (
                    out["status"].as_str(),
                    out["text_queued"].as_bool(),
                    out["replayed"].as_bool()
                ),
                (Some(status), Some(true), Some(false)),
                "{out}"
            );
            let sent = texts(&app, &sms).await;
            assert_eq!(sent.len(), 1, "exactly one text for {body}: {sent:?}");
            assert_eq!(sent[0].0, "0912345678");
            for w in words {
                assert!(sent[0].1.contains(w), "{w:?} missing from {:?}", sent[0].1);
            }
            // The same event again: the same answer (200, replayed) and nothing sent.
            let (s, again) = event(&app, &key, code, &body).await;
            assert_eq!(
                (s, again["replayed"].as_bool()),
                (200, Some(true)),
                "{again}"
            );
            assert_eq!(again["text_queued"], out["text_queued"]);
            assert!(texts(&app, &sms).await.is_empty(), "a replay sends nothing");
        }
        let (status, papers): (String, String) =
            langnghe_app::db_run!(&app.db, c => sqlx::query_as(
            "SELECT status, papers FROM dossiers WHERE code = $1").bind(code).fetch_one(c).await)
            .unwrap();
        assert_eq!(
            (status.as_str(), papers.as_str()),
            ("completed", "Bản sao sổ đỏ; giấy ủy quyền")
        );
        // The phone number is not kept with the event.
        let payloads: Vec<String> = langnghe_app::db_run!(&app.db, c => sqlx::query_scalar(
            "SELECT payload FROM dossier_events").fetch_all(c).await)
        .unwrap();
        assert_eq!(payloads.len(), 5);
        assert!(payloads.iter().all(|p| !p.contains("345")), "{payloads:?}");
    }
);

both_databases!(
    another_units_key_another_phone_or_a_reused_event_id_change_nothing,
    |app: TestApp| async move {
        let sms = HttpSink::start().await;
        plug(&app, &sms).await;
        let key = app.api_key("PHT").await;
        let code = "H41.30-261118-0043";
        register(&app, &key, code, "PHT").await;
        let ready = json!({"event_id": "x-1", "kind": "ready", "citizen_phone": "0912345678"});

        // Xã Tân Hòa's key: the dossier is not in its scope, and the answer is the same as for
        // a code that does not exist at all.
        let other = app.api_key("XTH").await;
        let (s, refused) = event(&app, &other, code, &ready).await;
        assert_eq!(s, 404, "{refused}");
        let (s, unknown) = event(&app, &other, "KHONG-CO-MA-NAY", &ready).await;
        assert_eq!((s, &unknown), (404, &refused));
        assert!(!refused.to_string().contains("Hòa Thuận"));
        // No key, a wrong key.
        assert_eq!(event(&app, "ln_sai", code, &ready).await.0, 401);

        // Another phone than the dossier's: refused, nothing recorded or sent.
        let mut wrong = ready.clone();
        wrong["citizen_phone"] = json!("0987654321");
        let (s, v) = event(&app, &key, code, &wrong).await;
        assert_eq!(
            (s, v["field"].as_str()),
            (422, Some("citizen_phone")),
            "{v}"
        );
        // A missing papers list, a new date before the reception.
        let (s, v) = event(
            &app,
            &key,
            code,
            &json!({"event_id": "x-2", "kind": "supplement_requested"}),
        )
        .await;
        assert_eq!((s, v["field"].as_str()), (422, Some("papers")), "{v}");
        let (s, v) = event(
            &app,
            &key,
            code,
            &json!({"event_id": "x-3", "kind": "returned_late",
            "new_due_at": "2026-11-01T17:00:00+07:00"}),
        )
        .await;
        assert_eq!((s, v["field"].as_str()), (422, Some("new_due_at")), "{v}");
        assert_eq!(events_stored(&app).await, 0);
        assert!(texts(&app, &sms).await.is_empty());

        // The rightful key: one text.
        assert_eq!(event(&app, &key, code, &ready).await.0, 201);
        // The same event id for another kind: 409, nothing sent.
        let (s, v) = event(
            &app,
            &key,
            code,
            &json!({"event_id": "x-1", "kind": "completed",
            "citizen_phone": "0912345678"}),
        )
        .await;
        assert_eq!((s, v["field"].as_str()), (409, Some("event_id")), "{v}");
        assert_eq!(texts(&app, &sms).await.len(), 1);

        // 25 posts of one new event at once: one is recorded, one text goes.
        let done = json!({"event_id": "x-9", "kind": "completed", "citizen_phone": "0912345678"});
        let posts = (0..25).map(|_| event(&app, &key, code, &done));
        let answers = futures_util::future::join_all(posts).await;
        let created = answers.iter().filter(|(s, _)| *s == 201).count();
        let replayed = answers.iter().filter(|(s, _)| *s == 200).count();
        assert_eq!((created, replayed), (1, 24), "{answers:?}");
        assert_eq!(texts(&app, &sms).await.len(), 1);
        assert_eq!(events_stored(&app).await, 2);
    }
);

/// Runs the worker as if it were `at` (Vietnam time, RFC 3339); returns the texts sent.
async fn texts_at(app: &TestApp, sms: &HttpSink, at: &str) -> Vec<String> {
    let now = chrono::DateTime::parse_from_rfc3339(at)
        .unwrap()
        .with_timezone(&chrono::Utc);
    let before = sms.hits().len();
    let http = reqwest::Client::new();
    while notify::run_once_at(&app.db, &app.base, &http, "test-worker", now)
        .await
        .unwrap()
        > 0
    {}
    sms.hits()[before..]
        .iter()
        .map(|h| h.body["text"].as_str().unwrap_or("").to_string())
        .collect()
}

both_databases!(
    the_apology_fires_once_at_1730_on_the_working_day_before_across_tet_2027,
    |app: TestApp| async move {
        let sms = HttpSink::start().await;
        plug(&app, &sms).await;
        let key = app.api_key("PHT").await;
        // Both due Thursday 11 Feb 2027. The seeded Tết holidays are 4, 5, 8, 9 and 10 Feb,
        // with the weekend of 6–7 Feb between: the working day before is Wednesday 3 Feb.
        for code in ["TET-LATE", "TET-READY"] {
            register(&app, &key, code, "PHT").await;
            let (s, v) = event(
                &app,
                &key,
                code,
                &json!({"event_id": format!("{code}-r"),
                "kind": "received", "due_at": "2027-02-11T17:00:00+07:00",
                "citizen_phone": "0912345678"}),
            )
            .await;
            assert_eq!(s, 201, "{v}");
        }
        assert_eq!(texts(&app, &sms).await.len(), 2, "the two reception texts");
        // TET-READY is ready in time.
        let (s, _) = event(
            &app,
            &key,
            "TET-READY",
            &json!({"event_id": "TET-READY-ok",
            "kind": "ready", "citizen_phone": "0912345678"}),
        )
        .await;
        assert_eq!(s, 201);
        assert_eq!(texts(&app, &sms).await.len(), 1, "the ready text");
        // Nothing on Tuesday 2 Feb nor at 17:29 on the 3rd.
        assert!(texts_at(&app, &sms, "2027-02-02T17:30:00+07:00")
            .await
            .is_empty());
        assert!(texts_at(&app, &sms, "2027-02-03T17:29:00+07:00")
            .await
            .is_empty());
        // 17:30 on Wednesday 3 Feb: one apology, for TET-LATE only.
        let sent = texts_at(&app, &sms, "2027-02-03T17:30:00+07:00").await;
        assert_eq!(sent.len(), 1, "{sent:?}");
        assert!(
            sent[0].contains("TET-LATE")
                && sent[0].contains("xin lỗi")
                && sent[0].contains("11/02/2027"),
            "{}",
            sent[0]
        );
        // Never again.
        assert!(texts_at(&app, &sms, "2027-02-10T17:30:00+07:00")
            .await
            .is_empty());
    }
);
