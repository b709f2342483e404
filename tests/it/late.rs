//! Late dossiers (issue 19, parts 2 and 4): the apology time as a setting, queued apologies that
//! follow the calendar, `apology_sent_at` filled when the text leaves, the late dossiers page
//! with its new date and Form 04, apology counts and response rates on the dashboard and in the
//! ranking export.
//!
//! Times are worked by hand: Vietnam is UTC+7 all year (no daylight saving), so 17:30 there is
//! 10:30 UTC of the same day.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use langnghe_app::notify;
use langnghe_tests::sinks::HttpSink;
use langnghe_tests::{both_databases, TestApp};
use serde_json::{json, Value};
use std::collections::HashMap;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// Points a channel (`sms`, `zalo`) at a sink, as the administrator would.
async fn plug(app: &TestApp, channel: &str, sink: &HttpSink) {
    langnghe_tests::plug_gateway(app, channel, sink).await
}

/// Runs the worker as if it were `at` until nothing is due; returns how many it handled.
async fn work_at(app: &TestApp, at: DateTime<Utc>) -> usize {
    let http = reqwest::Client::new();
    let mut n = 0;
    loop {
        let k = notify::run_once_at(&app.db, &app.base, &http, "late-worker", at)
            .await
            .unwrap();
        if k == 0 {
            return n;
        }
        n += k;
    }
}

async fn event(app: &TestApp, key: &str, code: &str, body: &Value) -> (u16, Value) {
    langnghe_tests::dossier_event(app, key, code, body).await
}

/// Registers `code` at `unit` and posts its reception with `due` and the citizen's phone.
async fn received(app: &TestApp, key: &str, code: &str, unit: &str, due: &str) -> i64 {
    langnghe_tests::register_dossier(app, key, code, unit).await;
    let (s, v) = event(
        app,
        key,
        code,
        &json!({"event_id": format!("{code}-r"), "kind": "received", "due_at": due,
                "citizen_phone": "0912345678"}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    dossier_id(app, code).await
}

async fn dossier_id(app: &TestApp, code: &str) -> i64 {
    langnghe_app::db_run!(&app.db, c => sqlx::query_scalar::<_, i64>(
        "SELECT id FROM dossiers WHERE code = $1").bind(code).fetch_one(c).await)
    .unwrap()
}

/// When the dossier's apology is due to leave, if one is queued and has not left.
async fn queued_for(app: &TestApp, id: i64) -> Option<DateTime<Utc>> {
    let key = format!("dossier-apology:{id}");
    langnghe_app::db_run!(&app.db, c => sqlx::query_scalar::<_, DateTime<Utc>>(
        "SELECT next_attempt_at FROM outbox WHERE dedupe_key = $1 AND status = 'pending'")
        .bind(&key).fetch_optional(c).await)
    .unwrap()
}

async fn apology_sent_at(app: &TestApp, id: i64) -> Option<DateTime<Utc>> {
    langnghe_app::db_run!(&app.db, c => sqlx::query_scalar::<_, Option<DateTime<Utc>>>(
        "SELECT apology_sent_at FROM dossiers WHERE id = $1").bind(id).fetch_one(c).await)
    .unwrap()
}

async fn audits(app: &TestApp, action: &str) -> i64 {
    langnghe_app::db_run!(&app.db, c => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM audit_log WHERE action = $1").bind(action).fetch_one(c).await)
    .unwrap()
}

both_databases!(
    the_apology_time_setting_changes_the_moment,
    |app: TestApp| async move {
        let admin = app.another_visitor();
        admin.login_as("quantri").await;
        let post = |v: &'static str| {
            let admin = admin.clone_session();
            async move {
                admin
                    .post_form(
                        "/admin/calendar",
                        "/api/calendar/apology_time",
                        &[("apology_time", v)],
                    )
                    .await
            }
        };
        // Refused: no 24:00, no minutes past 59, no "17h30", no zero-width space; nothing saved.
        for bad in ["24:00", "17:60", "17h30", "17:\u{200b}30", ""] {
            let flash = admin.flash_after(post(bad).await).await;
            assert!(!flash.contains("Đã lưu"), "{bad:?}: {flash}");
        }
        assert_eq!(audits(&app, "journey.apology_time").await, 0);
        // An official may not change it.
        let official = app.another_visitor();
        official.login_as("canbo").await;
        official
            .post_form(
                "/admin/calendar",
                "/api/calendar/apology_time",
                &[("apology_time", "08:00")],
            )
            .await;
        assert_eq!(audits(&app, "journey.apology_time").await, 0);

        // 16:00, typed with full-width digits and colon.
        let flash = admin
            .flash_after(post("\u{ff11}\u{ff16}\u{ff1a}\u{ff10}\u{ff10}").await)
            .await;
        assert!(flash.contains("16:00"), "{flash}");
        assert_eq!(audits(&app, "journey.apology_time").await, 1);
        let (_, page) = admin.page("/admin/calendar").await;
        assert!(
            page.contains("value=\"16:00\""),
            "the form shows the time in force"
        );

        // Due Thursday 11 Feb 2027 (Tết 4–10 Feb): the working day before is Wednesday 3 Feb;
        // 16:00 there is 09:00 UTC.
        let key = app.api_key("PHT").await;
        let id = received(
            &app,
            &key,
            "LATE-TIME-1",
            "PHT",
            "2027-02-11T17:00:00+07:00",
        )
        .await;
        assert_eq!(queued_for(&app, id).await, Some(t("2027-02-03T09:00:00Z")));

        // 17:45 now: the queued apology moves with it, to 10:45 UTC.
        let flash = admin.flash_after(post("17:45").await).await;
        assert!(
            flash.contains("17:45") && flash.contains("; 1 tin"),
            "{flash}"
        );
        assert_eq!(queued_for(&app, id).await, Some(t("2027-02-03T10:45:00Z")));
        let sms = HttpSink::start().await;
        plug(&app, "sms", &sms).await;
        work_at(&app, t("2027-02-03T10:44:59Z")).await;
        let apologies = |hits: Vec<langnghe_tests::sinks::GatewayHit>| {
            hits.iter()
                .filter(|h| h.body["text"].as_str().unwrap_or("").contains("xin lỗi"))
                .count()
        };
        assert_eq!(apologies(sms.hits()), 0, "not before 17:45");
        work_at(&app, t("2027-02-03T10:45:00Z")).await;
        assert_eq!(apologies(sms.hits()), 1, "one apology at 17:45");
    }
);

both_databases!(
    a_calendar_change_moves_a_queued_apology,
    |app: TestApp| async move {
        let admin = app.another_visitor();
        admin.login_as("quantri").await;
        let key = app.api_key("PHT").await;
        // Due Thursday 11 March 2027, no holiday near: the apology is at 17:30 on Wednesday
        // 10 March (10:30 UTC).
        let id = received(&app, &key, "LATE-CAL-1", "PHT", "2027-03-11T17:00:00+07:00").await;
        // Another one already sent does not move (it left; it is never taken back).
        let sent = received(&app, &key, "LATE-CAL-2", "PHT", "2027-03-11T17:00:00+07:00").await;
        assert_eq!(queued_for(&app, id).await, Some(t("2027-03-10T10:30:00Z")));
        let sms = HttpSink::start().await;
        plug(&app, "sms", &sms).await;
        langnghe_app::db_run!(&app.db, c => sqlx::query(
            "UPDATE outbox SET next_attempt_at = $1 WHERE dedupe_key = $2")
            .bind(t("2026-01-01T00:00:00Z")).bind(format!("dossier-apology:{sent}")).execute(c).await.map(|r| r.rows_affected()))
        .unwrap();
        work_at(&app, Utc::now()).await;
        assert!(apology_sent_at(&app, sent).await.is_some());

        // A holiday on Wednesday 10 March: the apology moves to Tuesday 9 March, 17:30.
        let r = admin
            .post_form(
                "/admin/calendar",
                "/api/calendar/set",
                &[
                    ("day", "2027-03-10"),
                    ("kind", "holiday"),
                    ("name", "Nghỉ thử"),
                ],
            )
            .await;
        assert!(r.status().is_redirection());
        assert_eq!(queued_for(&app, id).await, Some(t("2027-03-09T10:30:00Z")));
        assert_eq!(
            queued_for(&app, sent).await,
            None,
            "a sent apology stays sent"
        );
        // Removed again: back to Wednesday.
        admin
            .post_form(
                "/admin/calendar",
                "/api/calendar/remove",
                &[("day", "2027-03-10")],
            )
            .await;
        assert_eq!(queued_for(&app, id).await, Some(t("2027-03-10T10:30:00Z")));

        // The year's import, applied: 9 and 10 March off, the apology goes to Monday 8 March.
        let quantri = app.account_id("quantri").await;
        let mut tx = app.db.begin().await.unwrap();
        let import = langnghe_app::db::calendar::save_import(
            &mut tx,
            quantri,
            2027,
            "lich-2027.csv",
            "2027-03-09,nghỉ,Nghỉ thử\n2027-03-10,nghỉ,Nghỉ thử\n",
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let r = admin
            .post_form(
                &format!("/admin/calendar/import/{import}"),
                "/api/calendar/apply",
                &[("id", &import.to_string())],
            )
            .await;
        assert!(r.status().is_redirection());
        assert_eq!(queued_for(&app, id).await, Some(t("2027-03-08T10:30:00Z")));
    }
);

both_databases!(
    apology_sent_at_is_filled_only_after_the_worker_sends,
    |app: TestApp| async move {
        let key = app.api_key("PHT").await;
        let a = received(
            &app,
            &key,
            "LATE-SENT-1",
            "PHT",
            "2027-02-11T17:00:00+07:00",
        )
        .await;
        let b = received(
            &app,
            &key,
            "LATE-SENT-2",
            "PHT",
            "2027-02-11T17:00:00+07:00",
        )
        .await;
        assert_eq!(apology_sent_at(&app, a).await, None, "queued is not sent");
        // No gateway yet for b's moment: b's apology is recorded "not sent" and never counts.
        work_at(&app, t("2027-02-03T10:29:59Z")).await;
        assert_eq!(apology_sent_at(&app, a).await, None, "not before 17:30");
        langnghe_app::db_run!(&app.db, c => sqlx::query(
            "UPDATE outbox SET next_attempt_at = $1 WHERE dedupe_key = $2")
            .bind(t("2027-02-03T10:00:00Z")).bind(format!("dossier-apology:{b}")).execute(c).await.map(|r| r.rows_affected()))
        .unwrap();
        work_at(&app, t("2027-02-03T10:10:00Z")).await;
        assert_eq!(
            apology_sent_at(&app, b).await,
            None,
            "a text with no gateway never left"
        );

        // The gateway answers 503 once: retried, still not sent.
        let sms = HttpSink::start().await;
        plug(&app, "sms", &sms).await;
        sms.fail_next.store(1, std::sync::atomic::Ordering::SeqCst);
        work_at(&app, t("2027-02-03T10:30:00Z")).await;
        assert_eq!(
            apology_sent_at(&app, a).await,
            None,
            "a failed attempt is not a send"
        );
        // The retry (30 s later) leaves: sent at the worker's clock, 17:31 Vietnam time.
        work_at(&app, t("2027-02-03T10:31:00Z")).await;
        assert_eq!(
            apology_sent_at(&app, a).await,
            Some(t("2027-02-03T10:31:00Z"))
        );
        assert_eq!(apology_sent_at(&app, b).await, None);

        // The dashboard of Phường Hòa Thuận for February 2027 counts one apology.
        let pht = app.unit_id("PHT").await;
        let admin = app.another_visitor();
        admin.login_as("quantri").await;
        let (_, dash) = admin
            .page(&format!("/dashboard?period=2027-02&unit={pht}"))
            .await;
        let html = scraper::Html::parse_document(&dash);
        let sel = scraper::Selector::parse("#late-and-response tbody tr").unwrap();
        let rows: Vec<String> = html
            .select(&sel)
            .map(|r| r.text().collect::<Vec<_>>().join("|"))
            .collect();
        assert!(
            rows.iter().any(|r| r.contains("|1|")),
            "one apology in {rows:?}"
        );
        // January 2027: none.
        let (_, dash) = admin
            .page(&format!("/dashboard?period=2027-01&unit={pht}"))
            .await;
        let html = scraper::Html::parse_document(&dash);
        let rows: Vec<String> = html
            .select(&sel)
            .map(|r| r.text().collect::<Vec<_>>().join("|"))
            .collect();
        assert!(!rows.iter().any(|r| r.contains("|1|")), "{rows:?}");
    }
);

both_databases!(
    a_dossier_ready_in_time_gets_no_apology_and_is_not_late,
    |app: TestApp| async move {
        let sms = HttpSink::start().await;
        plug(&app, "sms", &sms).await;
        let key = app.api_key("XAPL").await;
        // Due Wednesday 2 December 2026: the apology was due at 17:30 on Tuesday 1 December.
        let late = received(
            &app,
            &key,
            "LATE-XAPL-1",
            "XAPL",
            "2026-12-02T17:00:00+07:00",
        )
        .await;
        let ready = received(
            &app,
            &key,
            "LATE-XAPL-2",
            "XAPL",
            "2026-12-02T17:00:00+07:00",
        )
        .await;
        let (s, v) = event(
            &app,
            &key,
            "LATE-XAPL-2",
            &json!({"event_id": "LATE-XAPL-2-ok", "kind": "ready",
                    "at": "2026-12-01T16:00:00+07:00", "citizen_phone": "0912345678"}),
        )
        .await;
        assert_eq!(s, 201, "{v}");
        work_at(&app, Utc::now()).await;
        assert!(apology_sent_at(&app, late).await.is_some());
        assert_eq!(apology_sent_at(&app, ready).await, None);
        let apologies = sms
            .hits()
            .iter()
            .filter(|h| h.body["text"].as_str().unwrap_or("").contains("xin lỗi"))
            .count();
        assert_eq!(apologies, 1);
        let official = app.another_visitor();
        official.login_as("canbo").await;
        let (s, page) = official.page("/staff/late").await;
        assert_eq!(s, 200);
        assert!(page.contains("LATE-XAPL-1"));
        assert!(!page.contains("LATE-XAPL-2"), "ready in time: not late");
    }
);

/// The first day after `today` that is Monday–Friday and listed as no holiday (Labour Code
/// 2019, art. 111: Saturday and Sunday are the weekly rest here).
async fn next_working_day(app: &TestApp, today: NaiveDate) -> NaiveDate {
    let holidays: Vec<NaiveDate> = langnghe_app::db_run!(&app.db, c => sqlx::query_scalar(
        "SELECT day FROM calendar_days WHERE kind = 'holiday'").fetch_all(c).await)
    .unwrap();
    let mut d = today + Duration::days(1);
    while matches!(d.weekday(), Weekday::Sat | Weekday::Sun) || holidays.contains(&d) {
        d += Duration::days(1);
    }
    d
}

both_databases!(
    late_dossiers_are_scoped_and_get_a_checked_new_date_and_form_04,
    |app: TestApp| async move {
        let key = app.api_key("XAPL").await;
        let id = received(
            &app,
            &key,
            "H41.30-261118-0099",
            "XAPL",
            "2026-12-02T17:00:00+07:00",
        )
        .await;
        let official = app.another_visitor();
        official.login_as("canbo").await;
        let (_, page) = official.page("/staff/late").await;
        assert!(
            page.contains("H41.30-261118-0099"),
            "listed for XAPL's official"
        );

        // Another unit's official sees none of it, may not print it nor set its date.
        let other = app.another_visitor();
        other.login_as("canbo.stp").await;
        let (s, page) = other.page("/staff/late").await;
        assert_eq!(s, 200);
        assert!(!page.contains("H41.30-261118-0099"));
        let (s, page) = other.page(&format!("/staff/late/{id}/form04")).await;
        assert_eq!(s, 403);
        assert!(!page.contains("H41.30-261118-0099"));
        let today = langnghe_app::db::today();
        let good = next_working_day(&app, today).await.to_string();
        let form = |d: String, reason: &'static str| {
            vec![
                ("dossier".to_string(), id.to_string()),
                ("new_date".to_string(), d),
                ("reason".to_string(), reason.to_string()),
            ]
        };
        let post = |who: &TestApp, f: Vec<(String, String)>| {
            let who = who.clone_session();
            async move {
                let pairs: Vec<(&str, &str)> =
                    f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                who.post_form("/staff/late", "/api/late/new_date", &pairs)
                    .await
            }
        };
        other
            .flash_after(post(&other, form(good.clone(), "Chờ ý kiến")).await)
            .await;
        let notices = || async {
            langnghe_app::db_run!(&app.db, c => sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM late_notices").fetch_one(c).await)
            .unwrap()
        };
        assert_eq!(
            notices().await,
            0,
            "another unit's official changed nothing"
        );

        // Refused: today, the next Saturday, a date that is not one, no reason.
        let mut saturday = today + Duration::days(1);
        while saturday.weekday() != Weekday::Sat {
            saturday += Duration::days(1);
        }
        for (d, reason, words) in [
            (
                today.to_string(),
                "Chờ ý kiến",
                "Ngày hẹn mới phải sau hôm nay.",
            ),
            (
                saturday.to_string(),
                "Chờ ý kiến",
                "Ngày hẹn mới phải là ngày làm việc",
            ),
            ("31/02/2027".to_string(), "Chờ ý kiến", "field has-error"),
            (good.clone(), " \u{200b} ", "field has-error"),
        ] {
            let r = post(&official, form(d.clone(), reason)).await;
            assert!(r.status().is_redirection());
            let (_, page) = official.page(&langnghe_tests::location(&r)).await;
            assert!(!page.contains("Đã hẹn lại"), "{d} {reason:?}");
            assert!(page.contains(words), "{d} {reason:?}: {words:?} missing");
        }
        assert_eq!(notices().await, 0);

        // The right date, with a reason typed in decomposed (NFD) Vietnamese.
        let nfd = "Cho\u{31b}\u{300} y\u{301} kie\u{302}\u{301}n cu\u{309}a So\u{31b}\u{309} Ta\u{300}i nguye\u{302}n";
        let flash = official
            .flash_after(post(&official, form(good.clone(), nfd)).await)
            .await;
        assert!(flash.contains("Đã hẹn lại"), "{flash}");
        assert_eq!(notices().await, 1);
        assert_eq!(audits(&app, "dossier.new_date").await, 1);
        let (status, new_due): (String, DateTime<Utc>) =
            langnghe_app::db_run!(&app.db, c => sqlx::query_as(
            "SELECT status, new_due_at FROM dossiers WHERE id = $1").bind(id).fetch_one(c).await)
            .unwrap();
        assert_eq!(status, "late");
        // Stored as the first instant of that day in Vietnam: 17:00 UTC the day before.
        let good_day = NaiveDate::parse_from_str(&good, "%Y-%m-%d").unwrap();
        assert_eq!(
            new_due,
            (good_day - Duration::days(1))
                .and_hms_opt(17, 0, 0)
                .unwrap()
                .and_utc()
        );

        // Form 04.
        let (s, f04) = official.page(&format!("/staff/late/{id}/form04")).await;
        assert_eq!(s, 200);
        let want_date = good_day.format("%d/%m/%Y").to_string();
        for w in [
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
            "Kính gửi: Ông/Bà",
            "H41.30-261118-0099",
            "18/11/2026",
            "02/12/2026",
            "Chờ ý kiến của Sở Tài nguyên",
            want_date.as_str(),
            "THỦ TRƯỞNG CƠ QUAN",
        ] {
            assert!(f04.contains(w), "{w:?} missing from Form 04");
        }
        assert!(f04.contains("…………"), "a dotted line for the citizen's name");
        assert!(
            !f04.contains("0912345678") && !f04.contains("345678"),
            "the phone is never printed"
        );
        let xapl_name: String = langnghe_app::db_run!(&app.db, c => sqlx::query_scalar(
            "SELECT name FROM units WHERE code = 'XAPL'").fetch_one(c).await)
        .unwrap();
        assert!(
            f04.contains(&xapl_name.to_uppercase()),
            "the unit's name heads the form"
        );
        // In the English interface the form still prints in Vietnamese (it is a Vietnamese
        // legal form); only the screen's link back is in English.
        official.get("/prefs?lang=en&next=%2F").await;
        let (_, f04_en) = official.page(&format!("/staff/late/{id}/form04")).await;
        assert!(f04_en.contains("Late dossiers"), "the page is in English");
        assert!(
            f04_en.contains("Kính gửi: Ông/Bà") && f04_en.contains("THỦ TRƯỞNG CƠ QUAN"),
            "the form is in Vietnamese"
        );
        // A copied id of a dossier that does not exist: 404.
        let (s, _) = official.page("/staff/late/99999999/form04").await;
        assert_eq!(s, 404);
    }
);

fn csv_rows(body: &[u8]) -> Vec<HashMap<String, String>> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let mut r = csv::Reader::from_reader(body);
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

both_databases!(
    the_response_rate_is_reported_per_unit_and_channel,
    |app: TestApp| async move {
        use langnghe_app::db::notify::{enqueue, Message};
        let sms = HttpSink::start().await;
        let zalo = HttpSink::start().await;
        plug(&app, "sms", &sms).await;
        plug(&app, "zalo", &zalo).await;
        let xapl = app.unit_id("XAPL").await;
        let now = Utc::now();
        // Seven dossiers of XAPL: four invited by SMS, two by Zalo, one by e-mail.
        let mut ids = Vec::new();
        for (i, channel) in ["sms", "sms", "sms", "sms", "zalo", "zalo", "email"]
            .iter()
            .enumerate()
        {
            let code = format!("RR-{i}");
            let id: i64 = langnghe_app::db_run!(&app.db, c => sqlx::query_scalar(
                "INSERT INTO dossiers (code, unit_id, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING id")
                .bind(&code).bind(xapl).bind(now).fetch_one(c).await)
            .unwrap();
            let mut tx = app.db.begin().await.unwrap();
            enqueue(
                &mut tx,
                &Message {
                    event: "survey.invitation",
                    entity: "dossier",
                    entity_id: id,
                    channel,
                    recipient: "0912345678",
                    lang: "vi",
                    params: json!({"dossier": code, "url": "http://x/s/abc", "unit": "XAPL"}),
                    dedupe_key: Some(format!("survey:{id}")),
                },
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
            ids.push(id);
        }
        // The seventh, by e-mail, is never sent (no mail server): not an invitation.
        work_at(&app, Utc::now()).await;
        assert_eq!((sms.hits().len(), zalo.hits().len()), (4, 2));
        // Answers: one of the four SMS dossiers, both Zalo ones.
        let inst: i64 = langnghe_app::db_run!(&app.db, c => sqlx::query_scalar(
            "SELECT id FROM instruments WHERE status = 'published' ORDER BY id LIMIT 1").fetch_one(c).await)
        .unwrap();
        let later = Utc::now();
        let list = [ids[0], ids[4], ids[5]]
            .into_iter()
            .map(|d| {
                let mut r = langnghe_app::db::ratings::NewRating::new(
                    xapl,
                    inst,
                    langnghe_app::domain::rating::Channel::SmsLink,
                    4,
                );
                r.dossier_id = Some(d);
                (r, later)
            })
            .collect();
        let saved = langnghe_app::db::ratings::save_many(&app.db, &Default::default(), list)
            .await
            .unwrap();
        assert!(saved.iter().all(|s| s.is_ok()));

        // SMS 1/4 = 25 %, Zalo 2/2 = 100 %, both 3/6 = 50 %.
        let period = format!("{}", langnghe_app::db::today().format("%Y-%m"));
        let admin = app.another_visitor();
        admin.login_as("quantri").await;
        let r = admin
            .get(&format!("/indices/ranking.csv?period={period}"))
            .await;
        assert_eq!(r.status(), 200);
        let rows = csv_rows(&r.bytes().await.unwrap());
        let row = rows
            .iter()
            .find(|r| r["unit_code"] == "XAPL")
            .expect("XAPL's row");
        let got: Vec<&str> = [
            "invited_sms",
            "answered_sms",
            "response_rate_sms",
            "invited_zalo",
            "answered_zalo",
            "response_rate_zalo",
            "invited_email",
            "answered_email",
            "response_rate_email",
            "invited",
            "answered",
            "response_rate",
        ]
        .iter()
        .map(|k| row[*k].as_str())
        .collect();
        assert_eq!(
            got,
            ["4", "1", "0.250000", "2", "2", "1.000000", "0", "0", "", "6", "3", "0.500000"]
        );
        // Another unit's row has none of them.
        let other = rows.iter().find(|r| r["unit_code"] == "PHT").expect("PHT");
        assert_eq!(other["invited"], "0");

        // The dashboard of XAPL shows the same.
        let (_, dash) = admin
            .page(&format!("/dashboard?period={period}&unit={xapl}"))
            .await;
        let html = scraper::Html::parse_document(&dash);
        let sel = scraper::Selector::parse("#late-and-response tbody tr").unwrap();
        let text: String = html
            .select(&sel)
            .map(|r| r.text().collect::<String>())
            .collect();
        assert!(
            text.contains("1/4") && text.contains("2/2") && text.contains("3/6"),
            "{text}"
        );
        assert!(text.contains("25") && text.contains("50"), "{text}");
        // The workbook opens and carries the same counts (columns of invited and answered).
        let r = admin
            .get(&format!("/indices/ranking.xlsx?period={period}"))
            .await;
        assert_eq!(r.status(), 200);
        assert!(r.bytes().await.unwrap().starts_with(b"PK"));
    }
);
