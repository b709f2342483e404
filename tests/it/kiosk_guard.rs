//! Kiosks that cannot be gamed: a copied kiosk credential is noticed, answers past a kiosk's
//! ceiling are kept and flagged, a day far above the kiosk's own level is held for review, a
//! queue flushed after an outage is judged by when its answers were given, and ordinary demo
//! traffic is never flagged.

use chrono::{Duration, TimeZone, Utc};
use langnghe_app::db::ratings::{self, NewRating, Rules};
use langnghe_app::db::{demo, kiosks, Db};
use langnghe_app::domain::rating::{Channel, OpeningHours};
use langnghe_tests::{both_databases, location, TestApp};
use std::sync::Arc;

/// Registers the n-th demo kiosk in this client (its cookies: token and device key).
async fn open_kiosk(app: &TestApp, n: usize) -> kiosks::Kiosk {
    let token = demo::demo_kiosk_token(n);
    let r = app.get(&format!("/kiosk?token={token}")).await;
    assert_eq!(r.status(), 303);
    kiosks::kiosk_by_token(&app.db, &token)
        .await
        .unwrap()
        .expect("demo kiosk")
}

/// A browser on another machine: it sends from 127.0.0.2 and starts with `cookies` (a copy
/// of the kiosk's), keeping what the server sets like any browser.
fn other_machine(app: &TestApp, cookies: &str) -> reqwest::Client {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let url: reqwest::Url = app.base.parse().unwrap();
    for c in cookies.split(';') {
        jar.add_cookie_str(&format!("{}; Path=/", c.trim()), &url);
    }
    reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .cookie_provider(jar)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The kiosk cookies this test client holds.
fn cookies_of(app: &TestApp) -> String {
    use reqwest::cookie::CookieStore;
    let url: reqwest::Url = app.base.parse().unwrap();
    app.jar
        .cookies(&url)
        .and_then(|v| v.to_str().ok().map(str::to_string))
        .unwrap_or_default()
}

/// Posts a face from `client`; returns the rating id (the thank-you redirect).
async fn rate(app: &TestApp, client: &reqwest::Client, score: &str, age: Option<i64>) -> i64 {
    let mut form = vec![("score".to_string(), score.to_string())];
    form.push(("nonce".into(), format!("n-{}", rand::random::<u64>())));
    if let Some(a) = age {
        form.push(("age".into(), a.to_string()));
    }
    let r = client
        .post(app.url("/api/kiosk/rate"))
        .header("Origin", &app.base)
        .header("Referer", app.url("/kiosk"))
        .header("Accept", "text/html")
        .form(&form)
        .send()
        .await
        .unwrap();
    let to = location(&r);
    assert!(to.starts_with("/kiosk/thanks?r="), "{to}");
    to["/kiosk/thanks?r=".len()..]
        .split('&')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// The kiosk's faces on the 1–5 scale, unhappiest first.
fn faces(k: &kiosks::Kiosk) -> Vec<String> {
    langnghe_app::domain::rating::face_scores(k.faces)
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// (rating id, flag reason) of every flagged answer, in id order.
async fn flags(app: &TestApp) -> Vec<(i64, String)> {
    langnghe_app::db_run!(&app.db, c => sqlx::query_as::<_, (i64, String)>(
        "SELECT rating_id, reason FROM rating_flags WHERE cleared_at IS NULL ORDER BY rating_id")
        .fetch_all(c).await)
    .unwrap()
}

/// The open alerts as (kind, address).
async fn alerts(app: &TestApp) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = kiosks::open_alerts(&app.db, "/")
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.kind, a.addr))
        .collect();
    v.sort();
    v
}

/// Moves a kiosk's stored time `column` back by `by` (time passing, for the key's rotation).
async fn shift(db: &Db, column: &str, kiosk: i64, by: Duration) {
    let read = format!("SELECT {column} FROM kiosks WHERE id = $1");
    let t: Option<chrono::DateTime<Utc>> = langnghe_app::db_run!(db, c => sqlx::query_scalar(&read)
        .bind(kiosk).fetch_one(c).await)
    .unwrap();
    let t = t.expect("a time to move back") - by;
    let write = format!("UPDATE kiosks SET {column} = $1 WHERE id = $2");
    langnghe_app::db_run!(db, c => sqlx::query(&write).bind(t).bind(kiosk).execute(c).await.map(|_| ()))
        .unwrap();
}

both_databases!(
    a_kiosk_cookie_copied_to_another_machine_is_detected_and_alerted,
    |app: TestApp| async move {
        let kiosk = open_kiosk(&app, 0).await;
        let legit = app.client.clone();
        let a = rate(&app, &legit, "5", None).await;
        assert!(
            cookies_of(&app).contains("kiosk_key="),
            "the device got its key"
        );
        // Someone copies the kiosk's cookies to a laptop and answers from there.
        let laptop = other_machine(&app, &cookies_of(&app));
        let b = rate(&app, &laptop, "5", None).await;
        assert_eq!(
            alerts(&app).await,
            vec![("new_address".into(), "127.0.0.2".into())],
            "seen from a new address"
        );
        // The key moved on with the laptop's answer; the counter's device, still holding
        // the old key, answers from its own address: the credential has forked.
        let c = rate(&app, &legit, "4", None).await;
        let f = flags(&app).await;
        assert_eq!(f, vec![(c, "second_device".to_string())], "{a} {b}");
        let kinds: Vec<String> = alerts(&app).await.into_iter().map(|(k, _)| k).collect();
        assert!(kinds.contains(&"second_device".to_string()), "{kinds:?}");
        // The administrator sees it on the kiosks page and on the staff home.
        app.login_as("quantri").await;
        let (status, page) = app.page("/admin/kiosks").await;
        assert_eq!(status, 200);
        assert!(page.contains("Kiosk được dùng từ một địa chỉ mạng mới: 127.0.0.2."));
        assert!(page.contains("thiết bị thứ hai"));
        let (_, home) = app.page("/staff").await;
        assert!(home.contains("cảnh báo kiosk cần xem xét"), "{home}");
        let (_, show) = app.page(&format!("/admin/kiosks/{}", kiosk.id)).await;
        assert!(show.contains("Đã gắn với một thiết bị"));
        // A copy of the token alone (no device key) is a second device too.
        let token_only = other_machine(&app, &format!("kiosk={}", demo::demo_kiosk_token(0)));
        let d = rate(&app, &token_only, "5", None).await;
        assert!(flags(&app)
            .await
            .contains(&(d, "second_device".to_string())));
        // Marking the alerts reviewed empties the list.
        for al in kiosks::open_alerts(&app.db, "/").await.unwrap() {
            let r = app
                .post_form(
                    "/admin/kiosks",
                    "/api/kiosks/alert-seen",
                    &[("id", &al.id.to_string())],
                )
                .await;
            assert!(location(&r).starts_with("/admin/kiosks"));
        }
        assert_eq!(alerts(&app).await, vec![]);
        let (_, problems) = ratings::verify(&app.db).await.unwrap();
        assert_eq!(problems, vec![]);
    }
);

both_databases!(
    a_copied_cookie_used_from_the_same_address_forks_at_the_next_key,
    |app: TestApp| async move {
        let kiosk = open_kiosk(&app, 1).await;
        let f = faces(&kiosk);
        let (top, low) = (f[f.len() - 1].as_str(), f[0].as_str());
        let legit = app.client.clone();
        rate(&app, &legit, low, None).await;
        // A copy taken now, used from the same address (a shared office network): invisible
        // until the key moves on.
        let copy = {
            // The same address as the kiosk: a client without a fixed local address.
            let jar = Arc::new(reqwest::cookie::Jar::default());
            let url: reqwest::Url = app.base.parse().unwrap();
            for c in cookies_of(&app).split(';') {
                jar.add_cookie_str(&format!("{}; Path=/", c.trim()), &url);
            }
            reqwest::Client::builder()
                .cookie_provider(jar)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap()
        };
        let x = rate(&app, &copy, top, None).await;
        assert_eq!(
            flags(&app).await,
            vec![],
            "{x}: the same key, the same address"
        );
        // Five minutes pass (the key's age is moved back by hand): the counter's device gets
        // a new key with its next answer and uses it.
        shift(&app.db, "key_issued_at", kiosk.id, Duration::minutes(10)).await;
        rate(&app, &legit, low, None).await;
        rate(&app, &legit, top, None).await;
        // Half a minute later the copy answers with the old key: a second device.
        shift(&app.db, "key_seen_at", kiosk.id, Duration::minutes(1)).await;
        let y = rate(&app, &copy, low, None).await;
        assert_eq!(flags(&app).await, vec![(y, "second_device".to_string())]);
        let kinds: Vec<String> = alerts(&app).await.into_iter().map(|(k, _)| k).collect();
        assert_eq!(kinds, vec!["second_device".to_string()]);
        // The counter's device went on working through the change of key.
        let z = rate(&app, &legit, top, None).await;
        assert!(!flags(&app).await.iter().any(|(id, _)| *id == z));
    }
);

both_databases!(
    answers_past_a_kiosks_ceiling_are_kept_and_flagged,
    |app: TestApp| async move {
        let kiosk = open_kiosk(&app, 2).await;
        let scores: Vec<&str> = if kiosk.faces == 3 {
            vec!["5", "5", "5", "5", "3", "5", "5", "5"]
        } else {
            vec!["5", "4", "5", "4", "5", "4", "5", "4"]
        };
        let mut ids = Vec::new();
        for s in &scores {
            ids.push(rate(&app, &app.client, s, None).await);
        }
        // Eight answers within a few seconds: the first six count, the seventh and eighth
        // are past the ceiling of six a minute (kept, flagged).
        assert_eq!(
            flags(&app).await,
            vec![
                (ids[6], "ceiling".to_string()),
                (ids[7], "ceiling".to_string())
            ]
        );
        assert_eq!(
            ratings::counted_scores(&app.db, kiosk.unit_id)
                .await
                .unwrap()
                .len(),
            6
        );
        // The hourly ceiling: thirty answers an hour, at irregular moments (never more than
        // six a minute); the 31st within the hour is flagged, one an hour later is not.
        let rules = Rules {
            hours: OpeningHours::always(),
            ..Default::default()
        };
        let other = open_kiosk(&app, 3).await;
        let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap();
        let mut at = t0;
        let mut jobs = Vec::new();
        let gaps = [70, 150, 95, 130, 61, 200, 88, 110, 75, 140];
        let inst = kiosk_instrument(&app).await;
        for i in 0..31 {
            let mut r = NewRating::new(other.unit_id, inst, Channel::Kiosk, [5, 4, 3][i % 3]);
            r.kiosk_id = Some(other.id);
            r.counter_id = Some(other.counter_id);
            jobs.push((r, at));
            at += Duration::seconds(gaps[i % gaps.len()] / 2);
        }
        assert!(at - t0 < Duration::hours(1));
        let out = ratings::save_batch(&app.db, &rules, &jobs).await;
        let flagged: Vec<usize> = out
            .iter()
            .enumerate()
            .filter(|(_, r)| r.as_ref().unwrap().suspicious.is_some())
            .map(|(i, _)| i)
            .collect();
        assert_eq!(flagged, vec![30], "only the 31st in the hour");
        let mut later = jobs[0].0.clone();
        later.score = 4;
        let out =
            ratings::save_batch(&app.db, &rules, &[(later, t0 + Duration::minutes(61))]).await;
        assert_eq!(out[0].as_ref().unwrap().suspicious, None);
    }
);

async fn kiosk_instrument(app: &TestApp) -> i64 {
    langnghe_app::db_run!(&app.db, c => sqlx::query_scalar::<_, i64>(
        "SELECT id FROM instruments WHERE status = 'published' ORDER BY id LIMIT 1").fetch_one(c).await)
    .unwrap()
}

both_databases!(
    a_queue_flushed_after_an_outage_is_judged_by_when_it_was_given,
    |app: TestApp| async move {
        let kiosk = open_kiosk(&app, 4).await;
        let f = faces(&kiosk);
        let five = f[f.len() - 1].as_str();
        // The network was down for a quarter of an hour; twenty citizens answered meanwhile,
        // six of them in a row with the same face. Back online, the kiosk sends them at once,
        // each with its age on the device.
        let ages: Vec<i64> = (0..20)
            .map(|i| (20 - i) * 45_000 + (i * 7919) % 20_000)
            .collect();
        let mut ids = Vec::new();
        for (i, age) in ages.iter().enumerate() {
            let s = if (5..11).contains(&i) {
                five
            } else {
                f[i % f.len()].as_str()
            };
            ids.push(rate(&app, &app.client, s, Some(*age)).await);
        }
        assert_eq!(
            flags(&app).await,
            vec![],
            "a legitimate queue is not a burst"
        );
        // Stored under the server's time; judged at the time it was given.
        let (created, judged): (chrono::DateTime<Utc>, Option<chrono::DateTime<Utc>>) = langnghe_app::db_run!(&app.db, c => sqlx::query_as(
            "SELECT created_at, judged_at FROM ratings WHERE id = $1").bind(ids[0]).fetch_one(c).await)
        .unwrap();
        let judged = judged.expect("a queued answer keeps its judged time");
        let waited = (created - judged).num_seconds();
        assert!((895..=925).contains(&waited), "{waited}");
        // The same claims now reach back before the kiosk's last answer (a moment ago): they
        // cannot, so they are judged now, all together: the ceiling and the burst catch them.
        for _ in 0..8 {
            rate(&app, &app.client, five, Some(600_000)).await;
        }
        let f = flags(&app).await;
        assert!(f.len() >= 3, "{f:?}");
        // Only the new answers, and the last of the queue when it is part of their burst.
        assert!(f.iter().all(|(id, _)| *id >= ids[19]), "{f:?}");
    }
);

both_databases!(
    a_day_far_above_the_kiosks_own_level_is_held_for_review,
    |app: TestApp| async move {
        let kiosk = open_kiosk(&app, 5).await;
        let inst = kiosk_instrument(&app).await;
        let rules = Rules {
            hours: OpeningHours::always(),
            ..Default::default()
        };
        let vn = |d: chrono::NaiveDate, secs: i64| {
            chrono_tz::Asia::Ho_Chi_Minh
                .from_local_datetime(&d.and_hms_opt(8, 0, 0).unwrap())
                .unwrap()
                .with_timezone(&Utc)
                + Duration::seconds(secs)
        };
        let answer = |score: i32| {
            let mut r = NewRating::new(kiosk.unit_id, inst, Channel::Kiosk, score);
            r.kiosk_id = Some(kiosk.id);
            r.counter_id = Some(kiosk.counter_id);
            r
        };
        let scores_of = |faces: i32| -> (i32, i32) {
            // (satisfied, not satisfied) on this kiosk's faces
            if faces == 4 {
                (4, 2)
            } else {
                (5, 3)
            }
        };
        let (yes, no) = scores_of(kiosk.faces);
        // Thirty days, ten answers a day at irregular moments, six in ten satisfied.
        let day0 = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let mut history = Vec::new();
        for d in 0..30 {
            let day = day0 + Duration::days(d);
            for i in 0..10i64 {
                let s = if i < 6 { yes } else { no };
                history.push((answer(s), vn(day, i * 2400 + (d * 97 + i * 311) % 900)));
            }
        }
        ratings::save_many(&app.db, &rules, history).await.unwrap();
        assert_eq!(flags(&app).await, vec![], "ordinary days");
        // A busy ordinary day (40 answers, six in ten satisfied) is not held.
        let busy = day0 + Duration::days(30);
        let list: Vec<_> = (0..40i64)
            .map(|i| {
                (
                    answer(if i % 5 < 3 { yes } else { no }),
                    vn(busy, i * 700 + (i * 131) % 300),
                )
            })
            .collect();
        ratings::save_many(&app.db, &rules, list).await.unwrap();
        assert_eq!(flags(&app).await, vec![], "a busy day at the usual share");
        // A day of 40 answers, all satisfied, in two batches: after 15 nothing is said (fewer
        // than 20 are not tested); with 40 the volume is 3.6× the usual 11 a day and
        // P(X ≥ 40 | 40, 0.6) = 0.6^40 ≈ 1.3e-9: the day is held, the 15 answers already
        // counted included.
        let odd = day0 + Duration::days(31);
        let list: Vec<_> = (0..40i64)
            .map(|i| (answer(yes), vn(odd, i * 700 + (i * 131) % 300)))
            .collect();
        let out = ratings::save_batch(&app.db, &rules, &list[..15]).await;
        assert!(out.iter().all(|r| r.as_ref().unwrap().suspicious.is_none()));
        assert_eq!(flags(&app).await, vec![], "15 answers: too few to test");
        let out = ratings::save_batch(&app.db, &rules, &list[15..]).await;
        assert!(out.iter().all(|r| r.is_ok()));
        let f = flags(&app).await;
        assert_eq!(f.len(), 40, "the whole day is held");
        assert!(f.iter().all(|(_, why)| why == "review"), "{f:?}");
        let held = kiosks::open_alerts(&app.db, "/").await.unwrap();
        assert_eq!(held.len(), 1);
        assert_eq!(
            (held[0].kind.as_str(), held[0].day),
            ("day_held", Some(odd))
        );
        assert_eq!(
            langnghe_app::db::rollup::check(&app.db).await.unwrap(),
            vec![]
        );
        // The administrator looks and finds the day genuine: its answers count again.
        app.login_as("quantri").await;
        let (_, page) = app.page("/admin/kiosks").await;
        assert!(
            page.contains("được giữ lại, chưa tính, chờ xem xét"),
            "{page}"
        );
        let r = app
            .post_form(
                "/admin/kiosks",
                "/api/kiosks/release-day",
                &[("id", &held[0].id.to_string())],
            )
            .await;
        assert!(location(&r).starts_with("/admin/kiosks"));
        assert_eq!(flags(&app).await, vec![]);
        assert_eq!(
            ratings::counted_scores(&app.db, kiosk.unit_id)
                .await
                .unwrap()
                .len(),
            300 + 40 + 40
        );
        assert_eq!(
            langnghe_app::db::rollup::check(&app.db).await.unwrap(),
            vec![]
        );
        let (_, problems) = ratings::verify(&app.db).await.unwrap();
        assert_eq!(problems, vec![]);
    }
);

both_databases!(
    ordinary_demo_traffic_is_never_flagged,
    |app: TestApp| async move {
        // A new database with the whole demo: fifteen months of kiosk answers, and surveys.
        let dir = langnghe_tests::temp_data_dir();
        let url = langnghe_tests::fresh_database_url(app.backend, &dir)
            .await
            .expect("a database");
        let opts = langnghe_server::config::Opts::local(&url, &dir, langnghe_tests::SECRET);
        let db = langnghe_server::startup::connect(&opts).await.unwrap();
        let spec = demo::DemoSpec {
            feedback: false,
            secret: Some(b"demo-secret".to_vec()),
            ..demo::DemoSpec::default()
        };
        demo::generate(&db, &spec).await.unwrap();
        let reasons = |db: Db| async move {
            langnghe_app::db_run!(&db, c => sqlx::query_scalar::<_, String>(
                "SELECT reason FROM rating_flags ORDER BY rating_id").fetch_all(c).await)
            .unwrap()
        };
        assert_eq!(
            reasons(db.clone()).await,
            vec!["burst"; 6],
            "only the burst the demo plants on purpose, whole"
        );
        // Then a busy day at every kiosk (about 70 answers each) with the demo's patterns.
        let day = langnghe_app::db::today() - Duration::days(1);
        let list = demo::busy_day(&db, day, 70, 7).await.unwrap();
        assert!(list.len() >= 500, "{}", list.len());
        ratings::save_many(&db, &Rules::default(), list)
            .await
            .unwrap();
        assert_eq!(
            reasons(db.clone()).await,
            vec!["burst"; 6],
            "false positives: none"
        );
        db.close().await;
        langnghe_tests::drop_fresh_database(&url, &dir).await;
    }
);

both_databases!(
    concurrent_answers_from_one_kiosk_meet_its_ceiling,
    |app: TestApp| async move {
        let kiosk = open_kiosk(&app, 6).await;
        let f = faces(&kiosk);
        let cookies = cookies_of(&app);
        // Eight browsers with the kiosk's cookies post at once, 10 answers each.
        let mut tasks = Vec::new();
        for c in 0..8 {
            let jar = Arc::new(reqwest::cookie::Jar::default());
            let url: reqwest::Url = app.base.parse().unwrap();
            for part in cookies.split(';') {
                jar.add_cookie_str(&format!("{}; Path=/", part.trim()), &url);
            }
            let client = reqwest::Client::builder()
                .cookie_provider(jar)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap();
            let (base, f) = (app.base.clone(), f.clone());
            tasks.push(tokio::spawn(async move {
                for i in 0..10 {
                    let s = &f[(c + i) % f.len()];
                    let _ = client
                        .post(format!("{base}/api/kiosk/rate"))
                        .header("Origin", &base)
                        .header("Referer", format!("{base}/kiosk"))
                        .header("Accept", "text/html")
                        .form(&[("score", s.as_str()), ("nonce", &format!("c{c}-{i}"))])
                        .send()
                        .await;
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let counted = ratings::counted_scores(&app.db, kiosk.unit_id)
            .await
            .unwrap()
            .len();
        assert!(counted <= 6, "{counted} of 80 counted");
    }
);

both_databases!(
    the_administrator_sees_kiosk_alerts_in_the_browser,
    |app: TestApp| async move {
        // A copied cookie used from another machine, and a day held for review.
        let kiosk = open_kiosk(&app, 0).await;
        rate(&app, &app.client, &faces(&kiosk)[0], None).await;
        let laptop = other_machine(&app, &cookies_of(&app));
        rate(&app, &laptop, &faces(&kiosk)[0], None).await;
        rate(&app, &app.client, &faces(&kiosk)[0], None).await;
        let day = langnghe_app::db::today();
        let now = Utc::now();
        let detail =
            serde_json::json!({"answers": 412, "satisfied": 409, "share": 0.9927, "usual": 0.71,
            "history_answers": 310, "history_days": 28, "volume_ratio": 37.2, "p_value": 1.2e-52})
            .to_string();
        langnghe_app::db_run!(&app.db, c => sqlx::query(
            "INSERT INTO kiosk_alerts (kiosk_id, kind, addr, day, detail, hits, created_at, last_at) VALUES ($1, 'day_held', '', $2, $3, 1, $4, $4)")
            .bind(kiosk.id).bind(day).bind(&detail).bind(now).execute(c).await.map(|r| r.rows_affected()))
        .unwrap();
        let db = match app.backend {
            langnghe_tests::Backend::Sqlite => "sqlite",
            langnghe_tests::Backend::Postgres => "postgres",
        };
        for (w, h) in [(1280, 900), (360, 800)] {
            let Some(b) = langnghe_tests::Browser::start(w, h).await else {
                return;
            };
            let result = async {
                b.sign_in(&app, "quantri", "langnghe-quantri").await?;
                let home = b.text("main").await?;
                if !home.contains("cảnh báo kiosk cần xem xét") {
                    return Err(format!("no alert on the staff home: {home}"));
                }
                b.screenshot(&format!("kiosk-alerts-staff-{w}-{db}")).await;
                b.open(&app.url("/admin/kiosks")).await?;
                let page = b.text("#alerts").await?;
                for want in ["127.0.0.2", "thiết bị thứ hai", "99 % hài lòng"] {
                    if !page.contains(want) {
                        return Err(format!("{want} missing from the alerts: {page}"));
                    }
                }
                b.screenshot(&format!("kiosk-alerts-{w}-{db}")).await;
                b.open(&app.url(&format!("/admin/kiosks/{}", kiosk.id)))
                    .await?;
                b.screenshot(&format!("kiosk-show-{w}-{db}")).await;
                b.open(&app.url("/ratings?flagged=1")).await?;
                let flagged = b.text("main").await?;
                if !flagged.contains("thiết bị thứ hai") {
                    return Err(format!("the flagged answer is not listed: {flagged}"));
                }
                b.screenshot(&format!("kiosk-flagged-{w}-{db}")).await;
                Ok(())
            }
            .await;
            b.finish(&format!("kiosk alerts {w}px"), app.backend, result)
                .await;
        }
    }
);
