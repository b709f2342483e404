//! Kiosk mode holds (issue 22, items 2 and 3): a browser that is a registered kiosk keeps the
//! kiosk layout on every page it opens (no navigation, no sign-in link, a big way back to the
//! faces), `/kiosk/reset` forgets what was typed and gives the next visitor Vietnamese, the second
//! step is saved once however often its client id arrives, and in Chromium at kiosk and phone
//! sizes: the idle return to cleared faces, the second step sent while the server cannot be
//! reached and saved once when it can, the display bar and the A++ search box on a phone.

use fantoccini::Locator;
use langnghe_app::db::demo;
use langnghe_tests::{both_databases, location, Browser, TestApp};

/// Registers the first demo kiosk in this client (its token and device key cookies).
async fn open_kiosk(app: &TestApp) {
    let r = app
        .get(&format!("/kiosk?token={}", demo::demo_kiosk_token(0)))
        .await;
    assert_eq!(r.status(), 303, "the kiosk registers");
}

async fn count(app: &TestApp, sql: &str, id: i64) -> i64 {
    langnghe_app::db_run!(&app.db, c => sqlx::query_scalar::<_, i64>(sql).bind(id).fetch_one(c).await)
        .unwrap()
}

async fn answers_of(app: &TestApp, rating: i64) -> i64 {
    count(
        app,
        "SELECT COUNT(*) FROM rating_answers WHERE rating_id = $1",
        rating,
    )
    .await
}

async fn comments_of(app: &TestApp, rating: i64) -> i64 {
    count(
        app,
        "SELECT COUNT(*) FROM rating_comments WHERE rating_id = $1",
        rating,
    )
    .await
}

/// Taps a face on this client's kiosk; returns the rating id, its signature and the element ids
/// the second step asks about (read from the thank-you page, as a browser would).
async fn rate(app: &TestApp, score: &str) -> (i64, String, Vec<String>) {
    let r = app
        .client
        .post(app.url("/api/kiosk/rate"))
        .header("Origin", &app.base)
        .header("Referer", app.url("/kiosk"))
        .header("Accept", "text/html")
        .form(&[
            ("score", score),
            ("nonce", &format!("n-{}", rand::random::<u64>())),
        ])
        .send()
        .await
        .unwrap();
    let to = location(&r);
    assert!(to.starts_with("/kiosk/thanks?r="), "{to}");
    let (_, page) = app.page(&to).await;
    let q: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(to.split_once('?').unwrap().1.as_bytes())
            .into_owned()
            .collect();
    let html = scraper::Html::parse_document(&page);
    let sel = scraper::Selector::parse("input[type=radio]").unwrap();
    let mut elements: Vec<String> = html
        .select(&sel)
        .filter_map(|e| e.value().attr("name"))
        .map(str::to_string)
        .collect();
    elements.dedup();
    assert!(
        page.contains("name=\"cid\""),
        "the second step has a client id"
    );
    (q["r"].parse().unwrap(), q["s"].clone(), elements)
}

/// Posts a second step from this client; returns where the server sent it.
async fn details(app: &TestApp, r: &str, s: &str, cid: &str, fields: &[(&str, &str)]) -> String {
    details_queued(app, r, s, cid, None, fields).await
}

/// [`details`], saying as kiosk.js does how long (ms) the step waited in the offline queue.
async fn details_queued(
    app: &TestApp,
    r: &str,
    s: &str,
    cid: &str,
    age: Option<&str>,
    fields: &[(&str, &str)],
) -> String {
    let mut form = vec![("r", r), ("s", s), ("cid", cid)];
    form.extend(age.map(|a| ("age", a)));
    form.extend_from_slice(fields);
    let resp = app
        .client
        .post(app.url("/api/kiosk/details"))
        .header("Origin", &app.base)
        .header("Referer", app.url("/kiosk/thanks"))
        .header("Accept", "text/html")
        .form(&form)
        .send()
        .await
        .unwrap();
    location(&resp)
}

both_databases!(
    pages_opened_from_a_kiosk_keep_the_kiosk_layout,
    |app: TestApp| async move {
        // An ordinary browser sees the site: navigation and the sign-in link.
        let (_, page) = app.page("/feedback/new").await;
        assert!(page.contains("href=\"/login\"") && page.contains("main-nav"));
        assert!(!page.contains("/kiosk/reset"));
        // A cookie of the right shape that names no kiosk changes nothing.
        let fake = app.another_visitor();
        let url: reqwest::Url = app.base.parse().unwrap();
        fake.jar
            .add_cookie_str(&format!("kiosk={}; Path=/", "ab".repeat(32)), &url);
        let (_, page) = fake.page("/feedback/new").await;
        assert!(page.contains("href=\"/login\""), "a made-up kiosk token");
        // The kiosk: every public page it opens keeps the kiosk layout.
        open_kiosk(&app).await;
        let id = app.published_session("saturday", 20, None).await;
        for path in [
            "/feedback/new".to_string(),
            "/feedback/track".into(),
            "/sessions".into(),
            format!("/sessions/{id}"),
            "/transparency".into(),
            "/procedures".into(),
            "/".into(),
            "/login".into(),
        ] {
            let (status, page) = app.page(&path).await;
            assert_eq!(status, 200, "{path}");
            assert!(!page.contains("main-nav"), "{path}: no site navigation");
            assert!(!page.contains("href=\"/login\""), "{path}: no sign-in link");
            assert!(!page.contains("Đăng nhập</a>"), "{path}");
            assert!(
                page.contains("href=\"/kiosk/reset\" class=\"btn btn-primary btn-big kiosk-home\"")
                    && page.contains("Về màn hình đánh giá"),
                "{path}: the big way back"
            );
            assert!(
                page.contains("data-return=\"120\" data-return-to=\"/kiosk/reset\"")
                    && page.contains("content=\"300;url=/kiosk/reset\""),
                "{path}: the idle return, with and without JavaScript"
            );
        }
        // Staff pages still need a sign-in on a kiosk.
        let r = app.get("/staff").await;
        assert_eq!(r.status(), 303);
        assert!(location(&r).starts_with("/login"), "{}", location(&r));
        // A member of staff who signs in on the kiosk gets the ordinary pages, with an idle
        // return that signs them out again.
        app.login_as("canbo").await;
        let (status, page) = app.page("/staff").await;
        assert_eq!(status, 200);
        assert!(page.contains("main-nav") && page.contains("data-return=\"300\""));
    }
);

both_databases!(
    the_kiosk_reset_forgets_what_was_typed_and_speaks_vietnamese,
    |app: TestApp| async move {
        open_kiosk(&app).await;
        let id = app.published_session("saturday", 20, None).await;
        let sid = id.to_string();
        let url: reqwest::Url = app.base.parse().unwrap();
        app.jar.add_cookie_str("lang=en; Path=/", &url);
        app.jar.add_cookie_str("fs=3; Path=/", &url);
        // A sign-up with a wrong phone comes back with what was typed (kept in the session).
        // The name is written with decomposed diacritics (NFD), as some keyboards send it.
        let name = "Tra\u{300}n Thi\u{323} Ma\u{302}y";
        let r = app
            .post_form(
                &format!("/sessions/{id}"),
                "/api/sessions/signup",
                &[
                    ("session_id", sid.as_str()),
                    ("name", name),
                    ("phone", "０９１２"),
                ],
            )
            .await;
        let back = location(&r);
        assert!(back.starts_with(&format!("/sessions/{id}")), "{back}");
        // The visitor walks away before the page comes back; the kiosk returns by itself.
        let r = app.get("/kiosk/reset").await;
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), "/kiosk");
        let cookies: Vec<String> = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        assert!(
            cookies.iter().any(|c| c.starts_with("lang=vi;")),
            "{cookies:?}"
        );
        assert!(cookies
            .iter()
            .any(|c| c.starts_with("fs=;") && c.contains("Max-Age=0")));
        // The next visitor finds the faces in Vietnamese and an empty form.
        let (_, faces) = app.page("/kiosk").await;
        assert!(faces.contains("<html lang=\"vi\""), "Vietnamese again");
        let (_, form) = app.page(&back).await;
        assert!(
            !form.contains("Thị") && !form.contains("Thi\u{323}") && !form.contains("０９１２"),
            "nothing typed is kept"
        );
        assert!(form.contains("<html lang=\"vi\""));
        // The same address on a browser that is no kiosk changes nothing: a signed-in official
        // stays signed in (no one can sign staff out with a link).
        let official = app.another_visitor();
        official.login_as("canbo").await;
        let r = official.get("/kiosk/reset").await;
        assert_eq!(location(&r), "/kiosk");
        assert!(r.headers().get("set-cookie").is_none());
        assert_eq!(official.get("/staff").await.status(), 200);
        // A member of staff signed in on the kiosk is signed out by the reset.
        app.login_as("canbo").await;
        assert_eq!(app.get("/staff").await.status(), 200);
        app.get("/kiosk/reset").await;
        assert_eq!(app.get("/staff").await.status(), 303, "signed out");
    }
);

both_databases!(
    the_second_step_is_saved_once_however_often_it_is_sent,
    |app: TestApp| async move {
        open_kiosk(&app).await;
        let (rid, sig, elements) = rate(&app, "4").await;
        assert!(elements.len() >= 2, "{elements:?}");
        let r = rid.to_string();
        let fields = [
            (elements[0].as_str(), "2"),
            (elements[1].as_str(), "5"),
            ("comment", "Cần thêm ghế chờ"),
        ];
        // 25 replays of one second step at once (a queue flushed twice, a double tap): saved
        // once, and every one of them is told "saved".
        let cid = "3f0c8a1e-7b7d-4c53-9d1e-2a6f4b9c0d11";
        let all =
            futures_util::future::join_all((0..25).map(|_| details(&app, &r, &sig, cid, &fields)))
                .await;
        assert!(all.iter().all(|to| to == "/kiosk/done"), "{all:?}");
        // Two answers and one comment: what was sent, once (not 50 and 25).
        assert_eq!(answers_of(&app, rid).await, 2);
        assert_eq!(comments_of(&app, rid).await, 1);
        // Later replays: still saved once.
        assert_eq!(details(&app, &r, &sig, cid, &fields).await, "/kiosk/done");
        // Another second step for the same rating is not added.
        let other = [(elements[0].as_str(), "1"), ("comment", "Khác")];
        assert_eq!(
            details(&app, &r, &sig, "another-id", &other).await,
            "/kiosk/done"
        );
        assert_eq!(answers_of(&app, rid).await, 2);
        assert_eq!(comments_of(&app, rid).await, 1);

        // A second step with no client id (an old page) is saved once too, and a replay is not.
        let (rid2, sig2, _) = rate(&app, "3").await;
        let r2 = rid2.to_string();
        let once = [("comment", "Nhanh")];
        let all =
            futures_util::future::join_all((0..25).map(|_| details(&app, &r2, &sig2, "", &once)))
                .await;
        assert!(all.iter().all(|to| to == "/kiosk/done"), "{all:?}");
        assert_eq!(comments_of(&app, rid2).await, 1);

        // Bad input gets the last screen or the faces, never an error page.
        for (rr, ss) in [
            ("１２", sig.as_str()),      // full-width digits
            (&r[..], "0000"),            // a wrong signature
            ("\u{200b}1", sig.as_str()), // a zero-width space
            ("", ""),
        ] {
            let to = details(&app, rr, ss, "x", &fields).await;
            assert_eq!(to, "/kiosk", "{rr:?}");
        }
        let resp = app
            .client
            .post(app.url("/api/kiosk/details"))
            .header("Origin", &app.base)
            .header("Referer", app.url("/kiosk/thanks"))
            .form(&[("comment", "không có r")])
            .send()
            .await
            .unwrap();
        assert!(
            resp.status().is_redirection(),
            "missing fields: a redirect, not an error page: {}",
            resp.status()
        );
        // Another kiosk's rating cannot be completed from this one, with its own signature.
        let other_kiosk = app.another_visitor();
        let r3 = other_kiosk
            .get(&format!("/kiosk?token={}", demo::demo_kiosk_token(1)))
            .await;
        assert_eq!(r3.status(), 303);
        let (rid3, sig3, _) = rate(&other_kiosk, "5").await;
        let to = details(&app, &rid3.to_string(), &sig3, "y", &[("comment", "x")]).await;
        assert_eq!(to, "/kiosk");
        assert_eq!(comments_of(&app, rid3).await, 0);
    }
);

// ---------------------------------------------------------------------------------------------
// In Chromium.
// ---------------------------------------------------------------------------------------------

/// A Chrome DevTools command sent through chromedriver (`goog/cdp/execute`).
#[derive(Debug)]
struct Cdp(&'static str, serde_json::Value);

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        (
            axum::http::Method::POST,
            Some(serde_json::json!({ "cmd": self.0, "params": self.1 }).to_string()),
        )
    }
}

/// Makes the app unreachable for this browser (every request to it fails as if the server
/// were down) or reachable again.
async fn server_down(b: &Browser, app: &TestApp, down: bool) -> Result<(), String> {
    let urls = if down {
        vec![format!("{}/*", app.base), format!("{}*", app.base)]
    } else {
        vec![]
    };
    b.client
        .issue_cmd(Cdp("Network.enable", serde_json::json!({})))
        .await
        .map_err(|e| e.to_string())?;
    b.client
        .issue_cmd(Cdp(
            "Network.setBlockedURLs",
            serde_json::json!({ "urls": urls }),
        ))
        .await
        .map_err(|e| e.to_string())?;
    Ok(())
}

/// Gives the page a viewport of exactly `width`×`height` CSS pixels (a headless window of that
/// size keeps some of its height for itself).
async fn viewport(b: &Browser, width: u32, height: u32) -> Result<(), String> {
    b.client
        .issue_cmd(Cdp(
            "Emulation.setDeviceMetricsOverride",
            serde_json::json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false }),
        ))
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

async fn js(b: &Browser, script: &str) -> Result<serde_json::Value, String> {
    b.client
        .execute(script, vec![])
        .await
        .map_err(|e| format!("{script}: {e}"))
}

/// Lets the idle return of this page fire after one second without a touch (the same timer,
/// the same probe and the same address as after the real two minutes).
async fn idle_soon(b: &Browser) -> Result<(), String> {
    js(
        b,
        "var all = document.querySelectorAll('[data-return]'); all[all.length - 1].setAttribute('data-return', '1'); \
         document.dispatchEvent(new Event('pointerdown')); return true;",
    )
    .await
    .map(|_| ())
}

async fn path_within(b: &Browser, want: &str, secs: u64) -> Result<(), String> {
    let mut last = String::new();
    for _ in 0..secs * 10 {
        if let Ok(u) = b.client.current_url().await {
            if u.path() == want {
                return Ok(());
            }
            last = u.to_string();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    Err(format!("never reached {want} (at {last})"))
}

fn shot(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../target/screenshots")
        .join(format!("{name}.png"))
}

async fn save_shot(b: &Browser, name: &str) {
    if let Ok(png) = b.client.screenshot().await {
        let p = shot(name);
        let _ = std::fs::create_dir_all(p.parent().unwrap());
        let _ = std::fs::write(p, png);
    }
}

both_databases!(
    a_kiosk_visitor_leaves_a_half_filled_form_and_the_next_finds_clean_faces,
    |app: TestApp| async move {
        let Some(b) = Browser::start(1024, 600).await else {
            return;
        };
        let result = async {
            viewport(&b, 1024, 600).await?;
            let e = |e: fantoccini::error::CmdError| e.to_string();
            b.open(&app.url(&format!("/kiosk?token={}", demo::demo_kiosk_token(0))))
                .await?;
            b.wait_for_exact_path("/kiosk").await?;
            save_shot(&b, "kiosk-faces").await;
            // The visitor switches to English, then opens the feedback form.
            b.submit("a.kiosk-lang").await?;
            if js(&b, "return document.documentElement.lang").await? != "en" {
                return Err("the faces did not switch to English".into());
            }
            b.submit(".kiosk-more a").await?;
            b.wait_for_exact_path("/feedback/new").await?;
            let body = b.text("body").await?;
            if body.contains("Sign in") || body.contains("Đăng nhập") {
                return Err(format!("a sign-in link in kiosk mode: {body}"));
            }
            if b.client.find(Locator::Css("nav.main-nav")).await.is_ok() {
                return Err("site navigation in kiosk mode".into());
            }
            b.fill("f-name", "Phan Thị Thu").await?;
            b.fill("f-phone", "0905 123 456").await?;
            save_shot(&b, "kiosk-feedback").await;
            // They walk away: the idle return goes to the faces.
            idle_soon(&b).await?;
            path_within(&b, "/kiosk", 10).await?;
            if js(&b, "return document.documentElement.lang").await? != "vi" {
                return Err("the next visitor does not get Vietnamese".into());
            }
            // The feedback form of the next visitor is empty.
            b.client.goto(&app.url("/feedback/new")).await.map_err(e)?;
            let typed = js(
                &b,
                "return document.getElementById('f-name').value + document.getElementById('f-phone').value",
            )
            .await?;
            if typed != "" {
                return Err(format!("the next visitor sees {typed}"));
            }
            // The big button goes back as well.
            b.submit("a.kiosk-home").await?;
            path_within(&b, "/kiosk", 5).await?;
            Ok::<_, String>(())
        }
        .await;
        b.finish("kiosk-idle-return", app.backend, result).await;
    }
);

both_databases!(
    a_second_step_sent_while_the_server_is_down_is_saved_once_when_it_is_back,
    |app: TestApp| async move {
        let Some(b) = Browser::start(1024, 600).await else {
            return;
        };
        let result = async {
            viewport(&b, 1024, 600).await?;
            b.open(&app.url(&format!("/kiosk?token={}", demo::demo_kiosk_token(0))))
                .await?;
            b.wait_for_exact_path("/kiosk").await?;
            b.click("button.face-4").await?;
            let thanks = b.wait_for_path("/kiosk/thanks").await?;
            let rid: i64 = thanks
                .split("r=")
                .nth(1)
                .and_then(|s| s.split('&').next())
                .and_then(|s| s.parse().ok())
                .ok_or(format!("no rating id in {thanks}"))?;
            // At 1024×600 the whole second step and its buttons are on screen, no scrolling.
            let fit = js(
                &b,
                "var r = document.querySelector('.kiosk-actions button[type=submit]').getBoundingClientRect(); \
                 return [r.bottom, window.innerHeight, document.scrollingElement.scrollHeight];",
            )
            .await?;
            let n = |i: usize| fit[i].as_f64().unwrap_or(f64::MAX);
            if n(0) > n(1) {
                return Err(format!("the send button is below the screen: {fit}"));
            }
            save_shot(&b, "kiosk-second-step").await;
            b.click(".element-row .mini-face.face-2").await?;
            b.fill("comment", "Cần thêm ghế chờ").await?;
            // The server cannot be reached: the answers stay on the device, said plainly.
            server_down(&b, &app, true).await?;
            b.click(".kiosk-actions button[type=submit]").await?;
            let mut said = String::new();
            for _ in 0..50 {
                said = b.text("#kiosk-status").await.unwrap_or_default();
                if !said.is_empty() && !said.contains("Đang gửi") {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            if !said.contains("Đã lưu trên máy, sẽ gửi khi có mạng") {
                return Err(format!("the screen says {said:?}"));
            }
            save_shot(&b, "kiosk-second-step-offline").await;
            if js(&b, "return window.langngheKioskPending()").await? != 1 {
                return Err("the second step is not queued".into());
            }
            if answers_of(&app, rid).await + comments_of(&app, rid).await != 0 {
                return Err("saved although the server was down".into());
            }
            // The idle return does not leave the page while the server is away (no browser
            // error page for the next visitor).
            idle_soon(&b).await?;
            tokio::time::sleep(std::time::Duration::from_secs(3)).await;
            let here = b.client.current_url().await.map_err(|e| e.to_string())?;
            if here.path() != "/kiosk/thanks" || b.text("#kiosk-status").await.is_err() {
                return Err(format!("left the page while offline: {here}"));
            }
            // The server is back: the screen returns to the faces, which send the queue.
            server_down(&b, &app, false).await?;
            path_within(&b, "/kiosk", 20).await?;
            for _ in 0..100 {
                if comments_of(&app, rid).await > 0 {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            // The queue flushes once more on the next page: still saved once.
            b.open(&app.url("/kiosk")).await?;
            tokio::time::sleep(std::time::Duration::from_millis(700)).await;
            let (a, c) = (answers_of(&app, rid).await, comments_of(&app, rid).await);
            if (a, c) != (1, 1) {
                return Err(format!("expected one answer and one comment, got {a} and {c}"));
            }
            if js(&b, "return window.langngheKioskPending()").await? != 0 {
                return Err("the queue was not emptied".into());
            }
            Ok::<_, String>(())
        }
        .await;
        b.finish("kiosk-second-step-offline", app.backend, result)
            .await;
    }
);

both_databases!(
    on_a_phone_the_display_bar_is_short_and_a_plus_plus_does_not_scroll_sideways,
    |app: TestApp| async move {
        let Some(b) = Browser::start(360, 640).await else {
            return;
        };
        let result = async {
            viewport(&b, 360, 640).await?;
            let measure = "var p = document.querySelector('.prefs').getBoundingClientRect(); \
                 var h = document.querySelector('.site-header').getBoundingClientRect(); \
                 return [p.height, h.height, document.scrollingElement.scrollWidth, window.innerWidth];";
            for path in ["/", "/procedures", "/feedback/new", "/sessions"] {
                b.open(&app.url(path)).await?;
                let m = js(&b, measure).await?;
                let n = |i: usize| m[i].as_f64().unwrap_or(f64::MAX);
                // 80 px of 640: an eighth of the first screen, not a quarter.
                if n(0) > 80.0 || n(2) > n(3) {
                    return Err(format!("{path}: display bar {m}"));
                }
            }
            b.open(&app.url("/procedures")).await?;
            save_shot(&b, "phone-360-display-bar").await;
            // The largest font step, through its own link (a cookie), on the page with a search.
            b.submit(".prefs a[href*='fs=3']").await?;
            for path in ["/procedures", "/", "/feedback/track", "/sessions", "/transparency"] {
                b.open(&app.url(path)).await?;
                let m = js(&b, measure).await?;
                let n = |i: usize| m[i].as_f64().unwrap_or(f64::MAX);
                if n(2) > n(3) {
                    return Err(format!("{path}: sideways scroll at A++: {m}"));
                }
                if n(0) > 80.0 {
                    return Err(format!("{path}: display bar at A++: {m}"));
                }
            }
            b.open(&app.url("/procedures")).await?;
            let search = js(
                &b,
                "var i = document.querySelector('.search-bar input').getBoundingClientRect(); return [i.left, i.right, window.innerWidth];",
            )
            .await?;
            if search[1].as_f64().unwrap_or(f64::MAX) > search[2].as_f64().unwrap_or(0.0) {
                return Err(format!("the search box leaves the screen: {search}"));
            }
            save_shot(&b, "phone-360-a-plus-plus").await;
            Ok::<_, String>(())
        }
        .await;
        b.finish("phone-display-bar", app.backend, result).await;
    }
);

both_databases!(
    a_second_step_filled_in_time_is_saved_after_a_long_time_offline,
    |app: TestApp| async move {
        open_kiosk(&app).await;
        let (rid, sig, elements) = rate(&app, "2").await;
        let r = rid.to_string();
        // The face was tapped (and saved) 40 minutes ago; the second step was filled in 35
        // minutes ago, 5 minutes after the face (within the 10 minutes), then waited 35 minutes
        // in the kiosk's queue while the network was down.
        let back = chrono::Utc::now() - chrono::Duration::minutes(40);
        langnghe_app::db_run!(&app.db, c => sqlx::query("UPDATE ratings SET created_at = $1 WHERE id = $2")
            .bind(back).bind(rid).execute(c).await.map(|r| r.rows_affected()))
        .unwrap();
        let fields = [(elements[0].as_str(), "1"), ("comment", "Chờ quá lâu")];
        let post = |age: &'static str, cid: &'static str| {
            details_queued(&app, &r, &sig, cid, Some(age), &fields)
        };
        // Sent now without saying how long it waited: 40 minutes after the face, refused (the
        // kiosk is told it is done: nothing to send again), nothing saved.
        assert_eq!(post("0", "c-live").await, "/kiosk/done");
        assert_eq!(comments_of(&app, rid).await, 0);
        // A claim of two days in the queue is more than a kiosk keeps a step: too late.
        assert_eq!(post("172800000", "c-old").await, "/kiosk/done");
        assert_eq!(comments_of(&app, rid).await, 0);
        // The queued step says it waited 35 minutes (2,100,000 ms): saved, once.
        assert_eq!(post("2100000", "c-queued").await, "/kiosk/done");
        assert_eq!(post("2100000", "c-queued").await, "/kiosk/done");
        assert_eq!(answers_of(&app, rid).await, 1);
        assert_eq!(comments_of(&app, rid).await, 1);
    }
);
