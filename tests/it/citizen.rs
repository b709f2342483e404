//! The citizen's side (issue 22): light pages (every citizen page fetched cold, compressed, with
//! the CSS, JS and icon it links to, under 30 KB on the wire; static files fingerprinted and
//! cached) and one form of address on every citizen page.

use langnghe_app::db::demo;
use langnghe_tests::{both_databases, figure, TestApp};
use reqwest::header::{ACCEPT, ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING};
use reqwest::{redirect, Client};

/// The most a citizen page may weigh on the wire, with its CSS, JS and icon (30 KB).
const BUDGET: usize = 30 * 1024;

/// A cold browser: no cache, a cookie jar of its own, asking for gzip (and not decoding it, so
/// the bytes counted are the bytes sent).
fn cold_client() -> Client {
    let mut h = reqwest::header::HeaderMap::new();
    h.insert(ACCEPT, "text/html,application/xhtml+xml".parse().unwrap());
    h.insert(ACCEPT_ENCODING, "gzip".parse().unwrap());
    Client::builder()
        .cookie_store(true)
        .redirect(redirect::Policy::none())
        .default_headers(h)
        .build()
        .unwrap()
}

/// A response as fetched: status, headers, the body as sent, and its bytes on the wire (status
/// line, headers and body).
struct Fetched {
    status: reqwest::StatusCode,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
    wire: usize,
}

async fn fetch(c: &Client, url: &str) -> Fetched {
    let r = c
        .get(url)
        .header(ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    let head: usize = 17
        + headers
            .iter()
            .map(|(k, v)| k.as_str().len() + v.len() + 4)
            .sum::<usize>();
    let body = r.bytes().await.unwrap().to_vec();
    let wire = head + body.len();
    Fetched {
        status,
        headers,
        body,
        wire,
    }
}

fn gunzip(b: &[u8]) -> String {
    use std::io::Read;
    let mut s = String::new();
    flate2::read::GzDecoder::new(b)
        .read_to_string(&mut s)
        .expect("a gzip body");
    s
}

/// The addresses of the stylesheets, scripts and icons `html` links to.
fn linked(html: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let sel =
        scraper::Selector::parse("link[rel=stylesheet], link[rel=icon], script[src]").unwrap();
    doc.select(&sel)
        .filter_map(|e| e.value().attr("href").or(e.value().attr("src")))
        .map(str::to_string)
        .collect()
}

/// Fetches `path` cold and its linked files; returns (page bytes, files bytes, the page's HTML).
async fn weigh(app: &TestApp, c: &Client, path: &str) -> (usize, usize, String) {
    let page = fetch(c, &app.url(path)).await;
    assert_eq!(page.status, 200, "{path}");
    assert_eq!(
        page.headers
            .get(CONTENT_ENCODING)
            .map(|v| v.to_str().unwrap()),
        Some("gzip"),
        "{path} is sent compressed"
    );
    let html = gunzip(&page.body);
    let mut files = 0;
    for href in linked(&html) {
        let f = fetch(c, &app.url(&href)).await;
        assert_eq!(f.status, 200, "{path}: {href}");
        if !href.ends_with(".svg") {
            assert!(
                f.headers.get(CONTENT_ENCODING).is_some(),
                "{href} compressed"
            );
        }
        files += f.wire;
    }
    (page.wire, files, html)
}

/// Every citizen page (issue 22's list), each with the cold client that opens it: the kiosk's
/// carries its device cookie (its token link pairs it first).
async fn citizen_pages(app: &TestApp) -> Vec<(String, Client)> {
    let session = app.published_session("saturday", 20, None).await;
    let survey = app
        .survey_link(
            serde_json::json!({"code": "HS-WEIGHT-1", "unit_code": "XAPL",
            "procedure_code": "1.001193", "citizen_phone": "0912 345 678"}),
        )
        .await
        .trim_start_matches(&app.base)
        .to_string();
    let kiosk = cold_client();
    let token = demo::demo_kiosk_token(0);
    let r = kiosk
        .get(app.url(&format!("/kiosk?token={token}")))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_redirection(), "{}", r.status());
    [
        "/".to_string(),
        "/survey".to_string(),
        survey,
        "/feedback/new".to_string(),
        "/feedback/track".to_string(),
        "/sessions".to_string(),
        format!("/sessions/{session}"),
        "/transparency".to_string(),
        "/kiosk".to_string(),
    ]
    .into_iter()
    .map(|p| {
        let c = if p == "/kiosk" {
            kiosk.clone()
        } else {
            cold_client()
        };
        (p, c)
    })
    .collect()
}

/// `/indices` as an official opens it (signed in, a new browser otherwise).
async fn indices_signed_in(app: &TestApp) -> Client {
    let official = app.another_visitor();
    official.login_as("canbo").await;
    official.client.clone()
}

both_databases!(every_citizen_page_is_light, |app: TestApp| async move {
    let mut over = Vec::new();
    let mut pages = citizen_pages(&app).await;
    pages.push(("/indices".to_string(), indices_signed_in(&app).await));
    for (path, c) in pages {
        let (page, files, html) = weigh(&app, &c, &path).await;
        if path == "/kiosk" {
            assert!(html.contains("face-4"), "the kiosk's faces: {html}");
        }
        let total = page + files;
        let line = format!(
            "{:?} {path}: page {page} B + CSS/JS/icon {files} B = {total} B ({:.1} KB)",
            app.backend,
            total as f64 / 1024.0
        );
        println!("{line}");
        figure("page-weights", &line);
        if total > BUDGET {
            over.push(line);
        }
    }
    assert!(over.is_empty(), "pages over {BUDGET} B: {over:#?}");
});

both_databases!(
    static_files_are_fingerprinted_and_cached,
    |app: TestApp| async move {
        let c = cold_client();
        let html = gunzip(&fetch(&c, &app.url("/")).await.body);
        let css = linked(&html)
            .into_iter()
            .find(|h| h.ends_with(".css"))
            .expect("a stylesheet");
        // The name carries the hash of the content, worked out here from the file itself.
        let file =
            std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../public/style.css")).unwrap();
        let hash = {
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(&file))
        };
        assert_eq!(css, format!("/static/style.{}.css", &hash[..12]));
        let r = app.client.get(app.url(&css)).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(
            r.headers()[CACHE_CONTROL],
            "public, max-age=31536000, immutable"
        );
        assert!(r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css"));
        assert_eq!(r.bytes().await.unwrap().to_vec(), file, "the same content");
        // The plain name still works, kept for a short time only.
        let r = app.client.get(app.url("/style.css")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()[CACHE_CONTROL], "public, max-age=300");
        // An old fingerprint gets today's file, not to be kept a year.
        let r = app
            .client
            .get(app.url("/static/style.000000000000.css"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()[CACHE_CONTROL], "public, max-age=300");
        // An unknown file is the 404 page, never cached as a file.
        let r = app
            .client
            .get(app.url("/static/nothing.1.css"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
        let r = app
            .client
            .get(app.url("/nothing.css"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
        assert_ne!(
            r.headers().get(CACHE_CONTROL).map(|v| v.to_str().unwrap()),
            Some("public, max-age=300")
        );
        // Without Accept-Encoding nothing is compressed (the test client asks for none).
        let r = app.client.get(app.url("/")).send().await.unwrap();
        assert!(r.headers().get(CONTENT_ENCODING).is_none());
    }
);

both_databases!(
    every_citizen_page_addresses_the_visitor_as_ong_ba,
    |app: TestApp| async move {
        // One form of address for the citizen: "ông/bà" (formal, as the public service writes),
        // never the familiar "bạn", on any citizen page's visible text.
        let text_sel = scraper::Selector::parse("body").unwrap();
        for (path, c) in citizen_pages(&app).await {
            let html = gunzip(&fetch(&c, &app.url(&path)).await.body);
            let doc = scraper::Html::parse_document(&html);
            let text: String = doc
                .select(&text_sel)
                .flat_map(|b| b.text())
                .collect::<Vec<_>>()
                .join(" ");
            let words: Vec<&str> = text
                .split(|ch: char| !ch.is_alphanumeric())
                .filter(|w| w.to_lowercase() == "bạn")
                .collect();
            assert!(words.is_empty(), "{path} says \"bạn\": {text}");
        }
    }
);

both_databases!(
    the_demo_has_no_rating_dated_in_the_future,
    |app: TestApp| async move {
        // A new database with the whole demo: kiosks, surveys, feedback and sessions.
        let dir = langnghe_tests::temp_data_dir();
        let url = langnghe_tests::fresh_database_url(app.backend, &dir)
            .await
            .expect("a database");
        let opts = langnghe_server::config::Opts::local(&url, &dir, langnghe_tests::SECRET);
        let db = langnghe_server::startup::connect(&opts).await.unwrap();
        let spec = demo::DemoSpec {
            secret: Some(b"demo-secret".to_vec()),
            ..demo::DemoSpec::default()
        };
        demo::generate(&db, &spec).await.unwrap();
        let now = chrono::Utc::now();
        let times: Vec<chrono::DateTime<chrono::Utc>> = langnghe_app::db_run!(&db, c =>
            sqlx::query_scalar("SELECT created_at FROM ratings").fetch_all(c).await)
        .unwrap();
        assert!(times.len() > 600, "{}", times.len());
        let future: Vec<_> = times.iter().filter(|t| **t > now).collect();
        assert!(future.is_empty(), "ratings dated after {now}: {future:?}");
        db.close().await;
        langnghe_tests::drop_fresh_database(&url, &dir).await;
    }
);

both_databases!(
    the_transparency_page_shows_the_current_quarter_and_offers_others,
    |app: TestApp| async move {
        use chrono::Datelike;
        let today = chrono::Utc::now()
            .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
            .date_naive();
        let q = (today.month() - 1) / 3 + 1;
        let current = format!("{}-Q{q}", today.year());
        let before = if q == 1 {
            format!("{}-Q4", today.year() - 1)
        } else {
            format!("{}-Q{}", today.year(), q - 1)
        };
        let picked = |html: &str| -> (Vec<String>, Vec<String>) {
            let doc = scraper::Html::parse_document(html);
            let all = scraper::Selector::parse("select[name=period] option").unwrap();
            let sel = scraper::Selector::parse("select[name=period] option[selected]").unwrap();
            let v = |s: &scraper::Selector| {
                doc.select(s)
                    .filter_map(|e| e.value().attr("value").map(str::to_string))
                    .collect()
            };
            (v(&all), v(&sel))
        };
        let (_, html) = app.page("/transparency").await;
        let (options, selected) = picked(&html);
        assert_eq!(
            selected,
            vec![current.clone()],
            "the current quarter by default"
        );
        for want in [
            current.clone(),
            before.clone(),
            today.year().to_string(),
            (today.year() - 1).to_string(),
        ] {
            assert!(options.contains(&want), "{want} offered: {options:?}");
        }
        assert!(
            html.contains(&format!("Quý {q}/{}", today.year())),
            "the lead names it"
        );
        // Picking another period shows it, selected.
        let (status, html) = app.page(&format!("/transparency?period={before}")).await;
        assert_eq!(status, 200);
        assert_eq!(picked(&html).1, vec![before]);
        // A period not in the list (a month) is shown and selected too.
        let (_, html) = app.page("/transparency?period=2025-03").await;
        assert_eq!(picked(&html).1, vec!["2025-03".to_string()]);
    }
);
