//! Two-way texts (issue 19): citizens' texts posted by the SMS provider and Zalo OA, answered
//! through the outbox and a local HTTP gateway (tests/sinks.rs). The expected replies are the
//! sentences written by hand from the README's contract, not read back from our templates.

use langnghe_server::config::Opts;
use langnghe_tests::sinks::HttpSink;
use langnghe_tests::{both_databases, location, TestApp, SECRET};
use serde_json::{json, Value};

/// The SMS provider's secret of the README's example.
const SMS_SECRET: &str = "khoa-chia-se-cua-nha-mang";
const ZALO_SECRET: &str = "zalo-oa-secret";

/// The neutral answer (README): the same for a code of another phone and for no code at all.
const NEUTRAL: &str = "Lắng Nghe: không tìm thấy hồ sơ với mã này gắn với số điện thoại của ông/bà. Mời ông/bà kiểm tra mã trên giấy tiếp nhận và nhắn lại từ số điện thoại đã đăng ký với hồ sơ.";

/// A second server on the test's database, with both inbound secrets configured (the test app
/// itself has none, and answers 404).
struct Inbox {
    base: String,
    http: reqwest::Client,
    _running: langnghe_server::startup::Running,
}

async fn inbox(app: &TestApp) -> Inbox {
    inbox_with(app, Opts::local(&app.database_url, &app.data_dir, SECRET)).await
}

async fn inbox_with(app: &TestApp, opts: Opts) -> Inbox {
    let opts = Opts {
        sms_inbound_secret: Some(SMS_SECRET.into()),
        zalo_inbound_secret: Some(ZALO_SECRET.into()),
        ..opts
    };
    let running = langnghe_server::startup::start(&opts, app.db.clone())
        .await
        .expect("start");
    Inbox {
        base: running.base_url.clone(),
        http: reqwest::Client::new(),
        _running: running,
    }
}

/// The hex HMAC-SHA-256 of `body` with `secret`, computed here with the hmac construction of
/// RFC 2104 over SHA-256 (not with the app's own helper).
fn hmac_hex(secret: &str, body: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let mut key = [0u8; 64];
    if secret.len() > 64 {
        key[..32].copy_from_slice(&Sha256::digest(secret.as_bytes()));
    } else {
        key[..secret.len()].copy_from_slice(secret.as_bytes());
    }
    let pad = |b: u8| key.iter().map(|k| k ^ b).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(body)
        .finalize();
    hex::encode(
        Sha256::new()
            .chain_update(pad(0x5c))
            .chain_update(inner)
            .finalize(),
    )
}

impl Inbox {
    async fn raw(&self, path: &str, body: &[u8], sig: Option<&str>) -> (u16, Value) {
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("Content-Type", "application/json")
            .body(body.to_vec());
        if let Some(s) = sig {
            req = req.header("X-Signature", s);
        }
        let r = req.send().await.expect("POST inbound");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// `body` posted to the SMS webhook with `X-Timestamp: ts`, signed over `<ts>.<body>`.
    async fn sms_at(&self, body: &[u8], ts: &str) -> u16 {
        let mut signed = ts.as_bytes().to_vec();
        signed.push(b'.');
        signed.extend_from_slice(body);
        self.http
            .post(format!("{}/api/v1/inbound/sms", self.base))
            .header("X-Signature", hmac_hex(SMS_SECRET, &signed))
            .header("X-Timestamp", ts)
            .body(body.to_vec())
            .send()
            .await
            .expect("POST inbound")
            .status()
            .as_u16()
    }

    /// A text from `from`, signed as the provider signs it.
    async fn sms(&self, from: &str, text: &str, id: &str) -> (u16, Value) {
        let body = serde_json::to_vec(&json!({"from": from, "text": text, "id": id})).unwrap();
        let sig = hmac_hex(SMS_SECRET, &body);
        self.raw("/api/v1/inbound/sms", &body, Some(&sig)).await
    }
}

/// Points the SMS (and Zalo) channel at the sinks.
async fn plug(app: &TestApp, sms: &HttpSink, zalo: Option<&HttpSink>) {
    langnghe_tests::plug_gateway(app, "sms", sms).await;
    if let Some(z) = zalo {
        langnghe_tests::plug_gateway(app, "zalo", z).await;
    }
}

/// Runs the worker until nothing is due; returns (to, text) of what `sink` got meanwhile.
async fn texts(app: &TestApp, sink: &HttpSink) -> Vec<(String, String)> {
    langnghe_tests::sent_texts(app, sink).await
}

/// Registers a dossier of Phường Hòa Thuận for `phone`; returns its survey link's path.
async fn register(app: &TestApp, key: &str, code: &str, phone: &str, extra: Value) -> String {
    let mut body = json!({"code": code, "unit_code": "PHT", "citizen_phone": phone});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let r = app
        .client
        .post(app.url("/api/v1/dossiers"))
        .header("X-API-Key", key)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let v: Value = r.json().await.unwrap();
    v["survey"]["url"]
        .as_str()
        .unwrap()
        .trim_start_matches(&app.base)
        .to_string()
}

async fn event(app: &TestApp, key: &str, code: &str, body: Value) {
    let (status, answer) = langnghe_tests::dossier_event(app, key, code, &body).await;
    assert_eq!(status, 201, "{answer}");
}

fn ago(hours: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::hours(hours)).to_rfc3339()
}

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    langnghe_app::db_run!(&app.db, c => sqlx::query_scalar::<_, i64>(sql).fetch_one(c).await)
        .unwrap()
}

async fn sms_ratings(app: &TestApp, code: &str, score: i32) -> i64 {
    langnghe_app::db_run!(&app.db, c => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM ratings r JOIN dossiers d ON d.id = r.dossier_id
          WHERE d.code = $1 AND r.channel = 'sms' AND r.score = $2")
        .bind(code).bind(score).fetch_one(c).await)
    .unwrap()
}

async fn ratings_of(app: &TestApp, code: &str) -> i64 {
    langnghe_app::db_run!(&app.db, c => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM ratings r JOIN dossiers d ON d.id = r.dossier_id WHERE d.code = $1")
        .bind(code).fetch_one(c).await)
    .unwrap()
}

both_databases!(
    tc_code_answers_the_dossiers_phone_and_nobody_else,
    |app: TestApp| async move {
        let sms = HttpSink::start().await;
        let zalo = HttpSink::start().await;
        plug(&app, &sms, Some(&zalo)).await;
        let inbox = inbox(&app).await;
        let key = app.api_key("PHT").await;
        let code = "H41.30-261118-0050";
        register(
            &app,
            &key,
            code,
            "0912345678",
            json!({"received_at": "2026-11-18T08:00:00+07:00"}),
        )
        .await;
        event(
            &app,
            &key,
            code,
            json!({"event_id": "a", "kind": "received",
            "due_at": "2026-12-10T17:00:00+07:00"}),
        )
        .await;
        event(
            &app,
            &key,
            code,
            json!({"event_id": "b", "kind": "supplement_requested",
            "papers": "Bản sao sổ đỏ; giấy ủy quyền"}),
        )
        .await;
        texts(&app, &sms).await;

        // Written by hand from the README: the status of a dossier asked for more papers, its
        // due date (17:00 on 10 Dec 2026, Vietnam time) and the papers.
        let expected = "Hồ sơ H41.30-261118-0050 tại Phường Hòa Thuận: cần bổ sung giấy tờ. \
            Ngày hẹn trả kết quả: 10/12/2026. Giấy tờ cần bổ sung: Bản sao sổ đỏ; giấy ủy quyền.";
        for (i, t) in [
            "TC H41.30-261118-0050",
            "tc h41.30-261118-0050",
            "  Tc:   H41.30-261118-0050 ",
            // full-width letters, digits, punctuation and space (typed on some phones)
            "ＴＣ\u{3000}Ｈ４１．３０－２６１１１８－００５０",
            // the code alone, with a zero-width space
            "h41.30-261118-0050\u{200b}",
        ]
        .into_iter()
        .enumerate()
        {
            // The number as the provider writes it, in three forms.
            let from = ["+84912345678", "84 912 345 678", "0912345678"][i % 3];
            let (s, v) = inbox.sms(from, t, &format!("ok-{i}")).await;
            assert_eq!(s, 200, "{v}");
            assert_eq!(
                (v["understood"].as_str(), v["reply_queued"].as_bool()),
                (Some("status"), Some(true)),
                "{t:?}: {v}"
            );
            let sent = texts(&app, &sms).await;
            assert_eq!(
                sent,
                vec![("0912345678".to_string(), expected.to_string())],
                "{t:?}"
            );
        }

        // Another phone: the neutral text, the same as for a code that does not exist; nothing
        // of the dossier in it.
        let (s, v) = inbox
            .sms("0987654321", "TC H41.30-261118-0050", "other-1")
            .await;
        assert_eq!((s, v["reply_queued"].as_bool()), (200, Some(true)), "{v}");
        let (_, _) = inbox.sms("0987654321", "TC KHONG-CO-123", "other-2").await;
        let (_, _) = inbox.sms("0912345678", "TC KHONG-CO-123", "other-3").await;
        let sent = texts(&app, &sms).await;
        assert_eq!(sent.len(), 3, "{sent:?}");
        for (to, text) in &sent {
            assert_eq!(text, NEUTRAL, "to {to}");
            for secret in ["10/12/2026", "sổ đỏ", "Hòa Thuận", "H41.30", "bổ sung"] {
                assert!(!text.contains(secret), "{secret:?} in {text:?}");
            }
        }
        assert_eq!(sent[0].0, "0987654321");
        // Nothing names the dossier for the neutral answers.
        assert_eq!(
            scalar(&app, "SELECT COUNT(*) FROM inbound_texts WHERE outcome = 'neutral' AND dossier_id IS NULL").await,
            3
        );

        // Zalo: a user id is not a phone number; the neutral text, sent back on Zalo.
        let body = serde_json::to_vec(&json!({"app_id": "1", "event_name": "user_send_text",
            "sender": {"id": "2468101214"}, "recipient": {"id": "oa"},
            "message": {"msg_id": "z-1", "text": "TC H41.30-261118-0050"},
            "timestamp": "1764728100000"}))
        .unwrap();
        let (s, v) = inbox
            .raw(
                "/api/v1/inbound/zalo",
                &body,
                Some(&hmac_hex(ZALO_SECRET, &body)),
            )
            .await;
        assert_eq!((s, v["understood"].as_str()), (200, Some("status")), "{v}");
        assert_eq!(
            texts(&app, &zalo).await,
            vec![("2468101214".to_string(), NEUTRAL.to_string())]
        );
        // Another Zalo event: acknowledged, nothing stored.
        let follow = br#"{"event_name":"follow","follower":{"id":"2468101214"}}"#;
        let (s, v) = inbox
            .raw(
                "/api/v1/inbound/zalo",
                follow,
                Some(&hmac_hex(ZALO_SECRET, follow)),
            )
            .await;
        assert_eq!((s, v["understood"].as_str()), (200, Some("ignored")));
        assert_eq!(scalar(&app, "SELECT COUNT(*) FROM inbound_texts").await, 9);
        // No raw number is stored with the texts: only hashes and the last three digits.
        let senders: Vec<(String, String)> = langnghe_app::db_run!(&app.db, c => sqlx::query_as(
            "SELECT sender_hash, sender_hint FROM inbound_texts").fetch_all(c).await)
        .unwrap();
        assert!(senders
            .iter()
            .all(|(h, t)| !h.contains("912345") && !h.contains("2468101214") && t.len() <= 3));
        // Once sent, the replies keep only the last three digits in the outbox.
        let recipients: Vec<String> = langnghe_app::db_run!(&app.db, c => sqlx::query_scalar(
            "SELECT recipient FROM outbox WHERE event LIKE 'inbound.%'").fetch_all(c).await)
        .unwrap();
        assert!(
            recipients.iter().all(|r| r.starts_with('…')),
            "{recipients:?}"
        );
    }
);

both_databases!(
    a_reply_rates_the_dossier_once_by_text_or_on_the_web,
    |app: TestApp| async move {
        let sms = HttpSink::start().await;
        plug(&app, &sms, None).await;
        let inbox = inbox(&app).await;
        let key = app.api_key("PHT").await;
        // Completed an hour ago: inside the survey window (7 days, Opts::local).
        let web_a = register(
            &app,
            &key,
            "HS-SMS-1",
            "0912345678",
            json!({"completed_at": ago(1)}),
        )
        .await;
        texts(&app, &sms).await; // the survey invitation

        let (s, v) = inbox.sms("0912345678", "4", "r-1").await;
        assert_eq!(
            (s, v["understood"].as_str(), v["reply_queued"].as_bool()),
            (200, Some("rating"), Some(true)),
            "{v}"
        );
        assert_eq!(
            texts(&app, &sms).await,
            vec![(
                "0912345678".to_string(),
                "Cảm ơn ông/bà đã đánh giá 4/5 cho hồ sơ HS-SMS-1. Ý kiến của ông/bà giúp Phường Hòa Thuận phục vụ tốt hơn.".to_string()
            )]
        );
        assert_eq!(sms_ratings(&app, "HS-SMS-1", 4).await, 1);

        // A second reply: refused politely, no second rating.
        let (s, _) = inbox.sms("0912345678", "5 sao", "r-2").await;
        assert_eq!(s, 200);
        assert_eq!(
            texts(&app, &sms).await,
            vec![(
                "0912345678".to_string(),
                "Ông/bà đã đánh giá hồ sơ HS-SMS-1 rồi; mỗi hồ sơ chỉ được đánh giá một lần. Xin cảm ơn ông/bà.".to_string()
            )]
        );
        // The web survey link is used up too.
        let token = web_a.trim_start_matches("/s/").to_string();
        let r = app
            .post_form(
                &web_a,
                "/api/survey/submit",
                &[("token", &token), ("overall", "1")],
            )
            .await;
        assert_ne!(location(&r), "/s/done");
        assert_eq!(ratings_of(&app, "HS-SMS-1").await, 1);

        // The other way round: answered on the web first, then a text (full-width ４) refused.
        let web_b = register(
            &app,
            &key,
            "HS-SMS-2",
            "0977777777",
            json!({"completed_at": ago(2)}),
        )
        .await;
        let token = web_b.trim_start_matches("/s/").to_string();
        let r = app
            .post_form(
                &web_b,
                "/api/survey/submit",
                &[("token", &token), ("overall", "2")],
            )
            .await;
        assert_eq!(location(&r), "/s/done");
        texts(&app, &sms).await;
        inbox.sms("0977777777", "\u{ff14}", "r-3").await;
        let sent = texts(&app, &sms).await;
        assert_eq!(sent.len(), 1);
        assert!(
            sent[0]
                .1
                .starts_with("Ông/bà đã đánh giá hồ sơ HS-SMS-2 rồi"),
            "{sent:?}"
        );
        assert_eq!(ratings_of(&app, "HS-SMS-2").await, 1);
        assert_eq!(sms_ratings(&app, "HS-SMS-2", 4).await, 0);

        // Completed 10 days ago: past the 7-day window.
        register(
            &app,
            &key,
            "HS-SMS-3",
            "0911111111",
            json!({"completed_at": ago(240)}),
        )
        .await;
        texts(&app, &sms).await;
        inbox.sms("0911111111", "5", "r-4").await;
        let sent = texts(&app, &sms).await;
        assert_eq!(
            sent,
            vec![(
                "0911111111".to_string(),
                "Rất tiếc, thời gian đánh giá hồ sơ HS-SMS-3 đã hết hạn. Xin cảm ơn ông/bà đã quan tâm.".to_string()
            )]
        );
        assert_eq!(ratings_of(&app, "HS-SMS-3").await, 0);

        // Anything else, or a digit from a phone with no completed dossier: the help text.
        inbox.sms("0911111111", "xin chào", "h-1").await;
        inbox.sms("0900000009", "5", "h-2").await;
        let sent = texts(&app, &sms).await;
        assert_eq!(sent.len(), 2);
        for (_, t) in &sent {
            assert!(
                t.contains("Soạn TC <mã hồ sơ>") && t.contains("trả lời 1–5"),
                "{t}"
            );
        }
        // Two ratings in all: HS-SMS-1 by reply, HS-SMS-2 on its web link.
        assert_eq!(scalar(&app, "SELECT COUNT(*) FROM ratings").await, 2);
    }
);

both_databases!(
    bad_signatures_replays_floods_and_parallel_replies_change_nothing,
    |app: TestApp| async move {
        let sms = HttpSink::start().await;
        plug(&app, &sms, None).await;
        // Without a secret the endpoint does not exist.
        let body = br#"{"from":"0912345678","text":"5","id":"x"}"#;
        let r = reqwest::Client::new()
            .post(app.url("/api/v1/inbound/sms"))
            .header("X-Signature", hmac_hex(SMS_SECRET, body))
            .body(body.to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 404);

        let inbox = inbox(&app).await;
        // Missing, wrong secret, another body, truncated, stale timestamp: 401, nothing kept.
        let other = hmac_hex("not-the-secret", body);
        let tampered = hmac_hex(SMS_SECRET, br#"{"from":"0912345678","text":"4","id":"x"}"#);
        for sig in [
            None,
            Some(other.as_str()),
            Some(tampered.as_str()),
            Some(&other[..40]),
        ] {
            assert_eq!(inbox.raw("/api/v1/inbound/sms", body, sig).await.0, 401);
        }
        let stale = (chrono::Utc::now().timestamp() - 301).to_string();
        assert_eq!(
            inbox.sms_at(body, &stale).await,
            401,
            "5 minutes and 1 second old"
        );
        assert_eq!(scalar(&app, "SELECT COUNT(*) FROM inbound_texts").await, 0);
        assert!(texts(&app, &sms).await.is_empty());
        // A fresh timestamp passes.
        let fresh = chrono::Utc::now().timestamp().to_string();
        assert_eq!(inbox.sms_at(body, &fresh).await, 200);

        // The README's example, byte for byte, with the signature openssl printed.
        let readme = br#"{"from":"0912345678","text":"TC H41.30-261118-0042","id":"mo-20261203-000123","received_at":"2026-12-03T09:15:00+07:00"}"#;
        let sig = "b719bc890886fe5c32226f0aa2dd268f011a5541ecb0325fcc8dc7cbcff1fa72";
        let (s, first) = inbox.raw("/api/v1/inbound/sms", readme, Some(sig)).await;
        assert_eq!(s, 200, "{first}");
        assert_eq!(
            (first["understood"].as_str(), first["replayed"].as_bool()),
            (Some("status"), Some(false))
        );
        assert_eq!(texts(&app, &sms).await.len(), 2);
        // Its replay: the same answer, replayed, nothing sent.
        let (s, again) = inbox.raw("/api/v1/inbound/sms", readme, Some(sig)).await;
        assert_eq!((s, again["replayed"].as_bool()), (200, Some(true)));
        assert_eq!(again["understood"], first["understood"]);
        assert!(texts(&app, &sms).await.is_empty(), "a replay sends nothing");
        assert_eq!(scalar(&app, "SELECT COUNT(*) FROM inbound_texts").await, 2);

        // The flood limit: 10 texts answered per sender and hour, the rest kept and unanswered.
        for i in 0..12 {
            let (s, v) = inbox.sms("0933333333", "xin chào", &format!("f-{i}")).await;
            assert_eq!(s, 200);
            let want = if i < 10 {
                ("help", true)
            } else {
                ("flood", false)
            };
            assert_eq!(
                (v["understood"].as_str(), v["reply_queued"].as_bool()),
                (Some(want.0), Some(want.1)),
                "text {i}: {v}"
            );
        }
        assert_eq!(texts(&app, &sms).await.len(), 10);
        // Another sender is not held back by it.
        assert_eq!(
            inbox.sms("0944444444", "xin chào", "f-x").await.1["understood"],
            "help"
        );
        texts(&app, &sms).await;

        // 25 copies of one reply "5" at once (the provider retrying): one text stored, one
        // rating, one answer.
        let key = app.api_key("PHT").await;
        register(
            &app,
            &key,
            "HS-PAR-1",
            "0955555555",
            json!({"completed_at": ago(1)}),
        )
        .await;
        texts(&app, &sms).await;
        let posts = (0..25).map(|_| inbox.sms("0955555555", "5", "p-same"));
        let answers = futures_util::future::join_all(posts).await;
        assert!(answers.iter().all(|(s, _)| *s == 200), "{answers:?}");
        let fresh = answers
            .iter()
            .filter(|(_, v)| v["replayed"] == false)
            .count();
        assert_eq!(fresh, 1, "{answers:?}");
        assert_eq!(sms_ratings(&app, "HS-PAR-1", 5).await, 1);
        let sent = texts(&app, &sms).await;
        assert_eq!(sent.len(), 1, "{sent:?}");
        assert!(sent[0].1.starts_with("Cảm ơn ông/bà đã đánh giá 5/5"));

        // 25 different replies "5" at once from one phone: one rating; 10 answered (one thanks,
        // nine refusals), 15 over the limit.
        register(
            &app,
            &key,
            "HS-PAR-2",
            "0966666666",
            json!({"completed_at": ago(1)}),
        )
        .await;
        texts(&app, &sms).await;
        let posts = (0..25).map(|i| {
            let id = format!("p-{i}");
            let inbox = &inbox;
            async move { inbox.sms("0966666666", "5", &id).await }
        });
        let answers = futures_util::future::join_all(posts).await;
        let flood = answers
            .iter()
            .filter(|(_, v)| v["understood"] == "flood")
            .count();
        assert_eq!(flood, 15, "{answers:?}");
        assert_eq!(sms_ratings(&app, "HS-PAR-2", 5).await, 1);
        assert_eq!(ratings_of(&app, "HS-PAR-2").await, 1);
        let sent = texts(&app, &sms).await;
        assert_eq!(sent.len(), 10, "{sent:?}");
        assert_eq!(
            sent.iter().filter(|(_, t)| t.starts_with("Cảm ơn")).count(),
            1
        );
    }
);

both_databases!(
    the_reply_leaves_within_a_second_without_waiting_for_the_next_pass,
    |app: TestApp| async move {
        let sms = HttpSink::start().await;
        plug(&app, &sms, None).await;
        // A worker that passes only once a minute: only the wake-up after the text can make
        // the reply leave at once.
        let inbox = inbox_with(
            &app,
            Opts {
                outbox_seconds: 60,
                ..Opts::local(&app.database_url, &app.data_dir, SECRET)
            },
        )
        .await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await; // its first pass
        let started = std::time::Instant::now();
        let (s, _) = inbox.sms("0922222222", "xin chào", "fast-1").await;
        assert_eq!(s, 200);
        while sms.hits().is_empty() && started.elapsed() < std::time::Duration::from_secs(1) {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let hits = sms.hits();
        assert_eq!(hits.len(), 1, "no reply within a second");
        assert_eq!(hits[0].body["to"], "0922222222");
        assert!(hits[0].body["text"]
            .as_str()
            .is_some_and(|t| t.contains("Soạn TC <mã hồ sơ>")));
    }
);
