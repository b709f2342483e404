//! Notifications: the outbox worker against a real SMTP server and a real HTTP gateway started
//! by the test on localhost.

use chrono::{Duration, Utc};
use langnghe_app::db::{feedback as fb, settings};
use langnghe_app::notify;
use langnghe_tests::sinks::{HttpSink, SmtpSink};
use langnghe_tests::{both_databases, TestApp};

/// Points the e-mail and SMS channels at the sinks (as an administrator would at
/// /admin/notifications).
async fn plug(app: &TestApp, smtp: &SmtpSink, sms: &HttpSink) {
    let mut tx = app.db.begin().await.unwrap();
    for (k, v) in [
        ("outbox.smtp_url", smtp.url()),
        (
            "outbox.mail_from",
            "phananh@langgiang.example.vn".to_string(),
        ),
        ("outbox.sms_url", sms.url.clone()),
        ("outbox.sms_authorization", "Bearer test-key".to_string()),
    ] {
        settings::put(&mut tx, k, &v).await.unwrap();
    }
    tx.commit().await.unwrap();
}

/// Runs the worker until nothing is due at `now`.
async fn drain(app: &TestApp, now: chrono::DateTime<Utc>) -> usize {
    let http = reqwest::Client::new();
    let mut total = 0;
    loop {
        let n = notify::run_once_at(&app.db, &app.base, &http, "test-worker", now)
            .await
            .unwrap();
        if n == 0 {
            return total;
        }
        total += n;
    }
}

async fn send_case(app: &TestApp, email: &str) -> String {
    app.send_case(&[
        ("name", "Nguyễn Văn An"),
        ("phone", "0912345678"),
        ("email", email),
        ("address", "Xã An Phú Lâm"),
        ("content", "Thủ tục đất đai còn đòi sổ hộ khẩu."),
        ("consent", "1"),
    ])
    .await
}

both_databases!(
    each_event_sends_exactly_one_message_with_the_right_text,
    |app: TestApp| async move {
        let (smtp, sms) = (SmtpSink::start().await, HttpSink::start().await);
        plug(&app, &smtp, &sms).await;
        // A citizen with an e-mail address hears by e-mail; one with a phone only, by SMS.
        let by_mail = send_case(&app, "an.nguyen@example.vn").await;
        let by_sms = send_case(&app, "").await;
        let official = app.another_visitor();
        official.login_as("quantri").await;
        let step = |code: String, form: Vec<(&'static str, &'static str)>, action: &'static str| {
            let official = &official;
            async move {
                let id = fb::by_code(&official.db, &code)
                    .await
                    .unwrap()
                    .unwrap()
                    .id
                    .to_string();
                let mut f: Vec<(&str, &str)> = vec![("id", &id)];
                f.extend(form);
                official
                    .post_form(&format!("/feedback/cases/{id}"), action, &f)
                    .await;
            }
        };
        step(
            by_mail.clone(),
            vec![("class", "competent")],
            "/api/feedback/classify",
        )
        .await;
        let mail_case = fb::by_code(&app.db, &by_mail).await.unwrap().unwrap().id;
        official
            .answer_and_publish(mail_case, "Đã bỏ yêu cầu sổ hộ khẩu.")
            .await;
        step(
            by_sms.clone(),
            vec![
                ("class", "not_accepted"),
                ("reason", "Không phải phản ánh về quy định."),
            ],
            "/api/feedback/classify",
        )
        .await;
        assert_eq!(drain(&app, Utc::now()).await, 5);
        assert_eq!(drain(&app, Utc::now()).await, 0, "nothing sent twice");

        let mails = smtp.mails();
        assert_eq!(mails.len(), 3, "received, classified, answered");
        assert!(mails
            .iter()
            .all(|m| m.to == vec!["<an.nguyen@example.vn>".to_string()]));
        let texts: Vec<String> = mails.iter().map(|m| m.text()).collect();
        assert!(
            texts[0].contains(&format!("đã nhận phản ánh, kiến nghị {by_mail}")),
            "{}",
            texts[0]
        );
        assert!(texts[0].contains(&format!("{}/feedback/track?code={by_mail}", app.base)));
        assert!(
            texts[1].contains("đã được thụ lý, hạn trả lời"),
            "{}",
            texts[1]
        );
        assert!(
            texts[2].contains(&format!("phản ánh {by_mail} đã có câu trả lời")),
            "{}",
            texts[2]
        );
        let ids: std::collections::HashSet<String> = mails
            .iter()
            .filter_map(|m| m.header("Message-ID"))
            .collect();
        assert_eq!(ids.len(), 3, "one Message-ID per message");

        let hits = sms.hits();
        assert_eq!(hits.len(), 2, "received and not accepted, by SMS");
        assert!(hits
            .iter()
            .all(|h| h.body["to"] == "0912345678" && h.authorization == "Bearer test-key"));
        assert!(hits[0].body["text"].as_str().unwrap().contains(&by_sms));
        assert!(hits[1].body["text"]
            .as_str()
            .unwrap()
            .contains("Lý do: Không phải phản ánh về quy định."));
        // The delivery log shows what was sent.
        official.login_as("quantri").await;
        let (status, log) = official.page("/admin/notifications").await;
        assert_eq!(status, 200);
        assert!(log.contains("feedback.answered") && log.contains("Đã gửi"));

        // Forwarded, and an apology for a case past its deadline, in English for an English visitor.
        let third = send_case(&app, "").await;
        let stp = app.unit_id("STP").await.to_string();
        let id = fb::by_code(&app.db, &third)
            .await
            .unwrap()
            .unwrap()
            .id
            .to_string();
        official
            .post_form(
                &format!("/feedback/cases/{id}"),
                "/api/feedback/classify",
                &[("id", &id), ("class", "outside"), ("forward_unit", &stp)],
            )
            .await;
        let old = langnghe_app::db::today() - Duration::days(40);
        let (_, late_code) = app.case_received_on("XAPL", old, "0912000333", "en").await;
        langnghe_server::startup::apologise_overdue(&app.db)
            .await
            .unwrap();
        let before = sms.hits().len();
        assert_eq!(
            drain(&app, Utc::now()).await,
            4,
            "received + forwarded, received + apology"
        );
        let texts: Vec<String> = sms.hits()[before..]
            .iter()
            .map(|h| h.body["text"].as_str().unwrap().to_string())
            .collect();
        assert!(
            texts[1].contains(&format!("phản ánh {third} đã được chuyển đến Sở Tư pháp")),
            "{}",
            texts[1]
        );
        assert!(
            texts[2].contains(&format!("your feedback {late_code} has been received")),
            "{}",
            texts[2]
        );
        assert!(
            texts[3].contains(&format!(
                "we apologise for not answering feedback {late_code}"
            )),
            "{}",
            texts[3]
        );
    }
);

both_databases!(
    a_gateway_that_fails_twice_then_succeeds_delivers_once,
    |app: TestApp| async move {
        let (smtp, sms) = (SmtpSink::start().await, HttpSink::start().await);
        plug(&app, &smtp, &sms).await;
        sms.fail_next(2);
        let code = send_case(&app, "").await;
        let t0 = Utc::now();
        assert_eq!(drain(&app, t0).await, 1);
        assert_eq!(
            drain(&app, t0 + Duration::seconds(10)).await,
            0,
            "waits its back-off"
        );
        assert_eq!(drain(&app, t0 + Duration::seconds(31)).await, 1);
        assert_eq!(drain(&app, t0 + Duration::seconds(31 + 61)).await, 1);
        assert_eq!(drain(&app, t0 + Duration::hours(2)).await, 0);
        let hits = sms.hits();
        assert_eq!(hits.len(), 3);
        assert_eq!(
            hits.iter().filter(|h| h.accepted).count(),
            1,
            "delivered once"
        );
        assert!(hits
            .iter()
            .all(|h| h.idempotency_key == hits[0].idempotency_key));
        let id = fb::by_code(&app.db, &code).await.unwrap().unwrap().id;
        let log = langnghe_app::db::notify::log(&app.db, false, 10)
            .await
            .unwrap();
        let row = log.iter().find(|d| d.event == "feedback.received").unwrap();
        assert_eq!((row.status.as_str(), row.attempts), ("sent", 3));
        assert!(
            langnghe_app::db::notify::for_entity(&app.db, "feedback", id)
                .await
                .unwrap()
                .len()
                == 1
        );
    }
);

both_databases!(
    a_worker_killed_between_send_and_mark_does_not_lose_the_message,
    |app: TestApp| async move {
        let (smtp, sms) = (SmtpSink::start().await, HttpSink::start().await);
        plug(&app, &smtp, &sms).await;
        send_case(&app, "").await;
        let http = reqwest::Client::new();
        let t0 = Utc::now();
        // The first worker claims and sends, then dies before marking.
        let channels = notify::Channels::load(&app.db, &app.base).await.unwrap();
        let claimed = notify::claim(&app.db, "doomed", t0, 10).await.unwrap();
        assert_eq!(claimed.len(), 1);
        let text = notify::render(&app.db, &channels, &claimed[0])
            .await
            .unwrap();
        assert_eq!(
            notify::send(&channels, &http, &claimed[0], &text).await,
            notify::Outcome::Sent
        );
        // Another worker leaves it alone while the lease runs, then takes it over.
        assert_eq!(drain(&app, t0 + Duration::seconds(30)).await, 0);
        assert_eq!(
            drain(&app, t0 + Duration::seconds(notify::LEASE_SECONDS + 1)).await,
            1
        );
        let hits = sms.hits();
        assert_eq!(hits.len(), 2, "sent again: nothing lost");
        assert_eq!(
            hits[0].idempotency_key, hits[1].idempotency_key,
            "the receiver can drop the copy"
        );
        let log = langnghe_app::db::notify::log(&app.db, false, 10)
            .await
            .unwrap();
        assert_eq!(log[0].status, "sent");
        // The late worker's mark is ignored: the message is no longer its own.
        notify::finish(
            &app.db,
            "doomed",
            &claimed[0],
            &notify::Outcome::Fail("late".into()),
            &text,
            t0,
        )
        .await
        .unwrap();
        assert_eq!(
            langnghe_app::db::notify::log(&app.db, false, 10)
                .await
                .unwrap()[0]
                .status,
            "sent"
        );
    }
);

both_databases!(
    two_workers_do_not_send_the_same_message,
    |app: TestApp| async move {
        let (smtp, sms) = (SmtpSink::start().await, HttpSink::start().await);
        plug(&app, &smtp, &sms).await;
        let mut tx = app.db.begin().await.unwrap();
        // Sixty citizens (one number would meet the daily cap of visitor-caused texts).
        let numbers: Vec<String> = (0..60).map(|i| format!("09123456{i:02}")).collect();
        for i in 0..60 {
            langnghe_app::db::notify::enqueue(
                &mut tx,
                &langnghe_app::db::notify::Message {
                    event: "feedback.received",
                    entity: "feedback",
                    entity_id: i,
                    channel: "sms",
                    recipient: &numbers[i as usize],
                    lang: "vi",
                    params: serde_json::json!({ "code": format!("PA26{i:06}"), "due": "2026-12-01" }),
                    dedupe_key: None,
                },
            )
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
        let run = |name: &'static str| {
            let db = app.db.clone();
            let base = app.base.clone();
            async move {
                let http = reqwest::Client::new();
                let mut n = 0;
                loop {
                    let k = notify::run_once_at(&db, &base, &http, name, Utc::now())
                        .await
                        .unwrap();
                    if k == 0 {
                        return n;
                    }
                    n += k;
                }
            }
        };
        let (a, b) = tokio::join!(tokio::spawn(run("worker-a")), tokio::spawn(run("worker-b")));
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a + b, 60, "{a} + {b}");
        let hits = sms.hits();
        let keys: std::collections::HashSet<&str> =
            hits.iter().map(|h| h.idempotency_key.as_str()).collect();
        assert_eq!(hits.len(), 60, "no message sent twice");
        assert_eq!(keys.len(), 60);
    }
);

both_databases!(
    a_completed_dossier_invites_the_citizen_once_by_sms,
    |app: TestApp| async move {
        let (smtp, sms) = (SmtpSink::start().await, HttpSink::start().await);
        plug(&app, &smtp, &sms).await;
        let key = app.api_key("XAPL").await;
        let body = serde_json::json!({"code": "HS-77", "unit_code": "XAPL", "citizen_phone": "0912 345 678",
            "completed_at": "2026-11-20T09:30:00+07:00"})
        .to_string();
        let mut url = String::new();
        for _ in 0..2 {
            let r = app
                .client
                .post(app.url("/api/v1/dossiers"))
                .header("content-type", "application/json")
                .header("X-API-Key", &key)
                .body(body.clone())
                .send()
                .await
                .unwrap();
            let v: serde_json::Value = r.json().await.unwrap();
            url = v["survey"]["url"].as_str().unwrap().to_string();
        }
        assert_eq!(
            drain(&app, Utc::now()).await,
            1,
            "invited once, though posted twice"
        );
        let hits = sms.hits();
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].body["to"], "0912345678");
        let text = hits[0].body["text"].as_str().unwrap();
        assert!(text.contains("HS-77") && text.contains(&url), "{text}");
        // After sending, the outbox keeps only the masked number.
        let log = langnghe_app::db::notify::log(&app.db, false, 5)
            .await
            .unwrap();
        assert_eq!(log[0].recipient, "…678");
    }
);

both_databases!(
    leaders_get_one_digest_a_day_of_cases_due_soon_or_overdue,
    |app: TestApp| async move {
        let (smtp, sms) = (SmtpSink::start().await, HttpSink::start().await);
        plug(&app, &smtp, &sms).await;
        let today = langnghe_app::db::today();
        assert_eq!(
            notify::queue_digests(&app.db, &app.base, today)
                .await
                .unwrap(),
            0,
            "no email yet"
        );
        langnghe_app::db_run!(&app.db, c => sqlx::query("UPDATE accounts SET email = 'lanhdao@langgiang.example.vn' WHERE username = 'lanhdao'")
            .execute(c).await.map(|r| r.rows_affected()))
        .unwrap();
        assert_eq!(
            notify::queue_digests(&app.db, &app.base, today)
                .await
                .unwrap(),
            0,
            "nothing due"
        );
        let old = today - Duration::days(30);
        app.case_received_on("XAPL", old, "0912000222", "vi").await;
        assert_eq!(
            notify::queue_digests(&app.db, &app.base, today)
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            notify::queue_digests(&app.db, &app.base, today)
                .await
                .unwrap(),
            0,
            "once a day"
        );
        drain(&app, Utc::now()).await;
        let mails: Vec<_> = smtp
            .mails()
            .into_iter()
            .filter(|m| m.to == vec!["<lanhdao@langgiang.example.vn>".to_string()])
            .collect();
        assert_eq!(mails.len(), 1);
        let text = mails[0].text();
        assert!(
            text.contains("Trần Văn Lãnh") && text.contains("1 quá hạn"),
            "{text}"
        );
        assert!(text.contains("/feedback/cases?due=overdue"));
        // Tomorrow brings another.
        assert_eq!(
            notify::queue_digests(&app.db, &app.base, today + Duration::days(1))
                .await
                .unwrap(),
            1
        );
    }
);

both_databases!(
    an_administrator_rewrites_a_template_and_sets_a_gateway,
    |app: TestApp| async move {
        let (smtp, sms) = (SmtpSink::start().await, HttpSink::start().await);
        app.login_as("quantri").await;
        // Channels through the page: a bad body template is refused, a good one kept.
        let (_, body) = app
            .submit(
                "/admin/notifications",
                "/api/notify/channels",
                &[
                    ("smtp_url", &smtp.url()),
                    ("mail_from", "phananh@langgiang.example.vn"),
                    ("sms_url", &sms.url),
                    ("sms_authorization", "Bearer k1"),
                    ("sms_body", "{\"phone\": {{to}}"),
                    ("zalo_url", ""),
                    ("zalo_authorization", ""),
                    ("zalo_body", ""),
                ],
            )
            .await;
        assert!(
            body.contains("Mẫu phải là JSON hợp lệ"),
            "bad template refused"
        );
        let (_, body) = app
            .submit(
                "/admin/notifications",
                "/api/notify/channels",
                &[
                    ("smtp_url", &smtp.url()),
                    ("mail_from", "phananh@langgiang.example.vn"),
                    ("sms_url", &sms.url),
                    ("sms_authorization", "Bearer k1"),
                    ("sms_body", "{\"msisdn\": {{to}}, \"content\": {{text}}}"),
                    ("zalo_url", ""),
                    ("zalo_authorization", ""),
                    ("zalo_body", ""),
                ],
            )
            .await;
        assert!(body.contains("Đã lưu kênh gửi tin"));
        assert!(
            !body.contains("Bearer k1"),
            "credentials are never shown back"
        );
        let (_, body) = app
            .submit(
                "/admin/notifications",
                "/api/notify/template",
                &[
                    ("event", "feedback.received"),
                    ("lang", "vi"),
                    ("subject", "Đã nhận %{code}"),
                    ("body", "UBND tỉnh đã nhận phản ánh %{code}, hạn %{due}."),
                ],
            )
            .await;
        assert!(body.contains("Đã lưu mẫu tin feedback.received") && body.contains("Đã sửa"));
        let code = send_case(&app.another_visitor(), "").await;
        drain(&app, Utc::now()).await;
        let hits = sms.hits();
        assert_eq!(hits.len(), 1);
        assert_eq!(
            hits[0].body["msisdn"], "0912345678",
            "the provider's own body"
        );
        assert_eq!(hits[0].authorization, "Bearer k1");
        let text = hits[0].body["content"].as_str().unwrap();
        assert!(
            text.starts_with(&format!("UBND tỉnh đã nhận phản ánh {code}, hạn ")),
            "{text}"
        );
        // An empty text goes back to the original.
        app.submit(
            "/admin/notifications",
            "/api/notify/template",
            &[
                ("event", "feedback.received"),
                ("lang", "vi"),
                ("subject", ""),
                ("body", ""),
            ],
        )
        .await;
        send_case(&app.another_visitor(), "").await;
        drain(&app, Utc::now()).await;
        let hits = sms.hits();
        assert!(hits[1].body["content"]
            .as_str()
            .unwrap()
            .starts_with("Lắng Nghe: đã nhận"));
        // Officials cannot open the page.
        let official = app.another_visitor();
        official.login_as("canbo").await;
        assert_eq!(official.get("/admin/notifications").await.status(), 403);
    }
);
