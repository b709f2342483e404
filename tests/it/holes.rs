//! The smaller holes of issue 16.6 and the demo accounts of 16.7: open redirects in every
//! spelling, probing case codes, a form posted without a field, files others could read, and a
//! production database that starts with the demo's published passwords.

use langnghe_tests::{
    both_databases, fresh_database_url, location, temp_data_dir, Backend, TestApp, SECRET,
};
use reqwest::StatusCode;

/// Redirect targets an attacker would try, as they arrive in a query string (percent-encoded
/// where a browser or an attacker would encode them).
const VARIANTS: [&str; 22] = [
    "%2F%2Fevil.example",
    "//evil.example",
    "///evil.example",
    "/%5Cevil.example",
    "%5C%5Cevil.example",
    "%5C/evil.example",
    "/%09/evil.example",
    "%09//evil.example",
    "/%0A/evil.example",
    "/%0D%0A/evil.example",
    "/%2F%2Fevil.example",
    "/%252F%252Fevil.example",
    "https:evil.example",
    "https://evil.example",
    "https%3A%2F%2Fevil.example",
    "javascript:alert(1)",
    "/%E3%80%80/evil.example",
    "%E3%80%80//evil.example",
    "/%EF%BC%8F/evil.example",
    "/%E2%88%95%E2%88%95evil.example",
    "%20//evil.example",
    "//evil.example%40127.0.0.1",
];

/// Where a browser goes with this `Location`: it must stay on the app's own host.
fn stays_home(app: &TestApp, r: &reqwest::Response) -> Result<(), String> {
    let raw = r
        .headers()
        .get("location")
        .ok_or("no Location")?
        .to_str()
        .map_err(|_| "a Location that is not text")?;
    if raw
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    {
        return Err(format!(
            "Location {raw:?} carries a character browsers drop or fold"
        ));
    }
    let base = url::Url::parse(&app.base).unwrap();
    let to = base.join(raw).map_err(|e| format!("{raw:?}: {e}"))?;
    if to.origin() == base.origin() {
        Ok(())
    } else {
        Err(format!("{raw:?} leads to {to}"))
    }
}

both_databases!(
    no_spelling_of_another_host_is_an_open_redirect,
    |app: TestApp| async move {
        let mut wrong = Vec::new();
        for v in VARIANTS {
            let r = app.get(&format!("/prefs?lang=en&next={v}")).await;
            assert_eq!(r.status(), StatusCode::SEE_OTHER, "{v}");
            if let Err(e) = stays_home(&app, &r) {
                wrong.push(format!("/prefs next={v}: {e}"));
            }
            // Sign-in's `next`, decoded by the form as the browser posts it.
            let decoded: String = url::form_urlencoded::parse(format!("n={v}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            let visitor = app.another_visitor();
            let r = visitor
                .post_form(
                    "/login",
                    "/api/login",
                    &[
                        ("username", "lanhdao"),
                        ("password", "langnghe-lanhdao"),
                        ("next", &decoded),
                    ],
                )
                .await;
            if let Err(e) = stays_home(&app, &r) {
                wrong.push(format!("sign-in next={decoded:?}: {e}"));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
        // A local target still works.
        let r = app
            .get("/prefs?fs=2&next=%2Ffeedback%2Ftrack%3Fcode%3DPA1")
            .await;
        assert_eq!(location(&r), "/feedback/track?code=PA1");
        langnghe_tests::figure(
            "open_redirects",
            &format!(
                "{:?}: {} spellings of another host refused on /prefs and sign-in",
                app.backend,
                VARIANTS.len()
            ),
        );
    }
);

both_databases!(
    case_codes_cannot_be_probed_through_the_tracking_page,
    |app: TestApp| async move {
        let today = langnghe_app::db::today();
        let (_, known) = app
            .case_received_on("XAPL", today, "0912345678", "vi")
            .await;
        let unknown = "PA26999999";
        // Without the phone, a known and an unknown code get the same answer.
        let a = app.get(&format!("/feedback/track/{known}")).await;
        let b = app.get(&format!("/feedback/track/{unknown}")).await;
        assert_eq!(
            (a.status(), b.status()),
            (StatusCode::SEE_OTHER, StatusCode::SEE_OTHER)
        );
        assert_eq!(location(&a), format!("/feedback/track?code={known}"));
        assert_eq!(location(&b), format!("/feedback/track?code={unknown}"));
        // Each counts like a look-up with the form: the limit is reached after 60 in all.
        let limit = langnghe_app::middleware::PUBLIC_LIMITS
            .iter()
            .find(|(e, _)| *e == "feedback/track")
            .unwrap()
            .1;
        for i in 2..limit {
            let r = app.get(&format!("/feedback/track/PA26{i:06}")).await;
            assert_eq!(r.status(), StatusCode::SEE_OTHER, "probe {i}");
        }
        let r = app.get(&format!("/feedback/track/{known}")).await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(r.headers().contains_key("retry-after"));
        assert!(r.text().await.unwrap().contains("Quá nhiều yêu cầu"));
        // The form's posts share the counter.
        let r = app
            .post_form(
                "/feedback/track",
                "/api/feedback/track",
                &[("code", &known), ("contact", "0912345678")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        // The citizen elsewhere, with the phone, follows the case as before.
        let citizen = app.visitor_from("127.0.0.3");
        let r = citizen
            .post_form(
                "/feedback/track",
                "/api/feedback/track",
                &[("code", &known), ("contact", "0912 345 678")],
            )
            .await;
        assert_eq!(location(&r), format!("/feedback/track/{known}"));
        let (s, page) = citizen.page(&location(&r)).await;
        assert_eq!(s, 200);
        assert!(page.contains(&known));
    }
);

both_databases!(
    a_form_posted_without_a_field_gets_the_translated_400_page,
    |app: TestApp| async move {
        // The report's example: a browser-like post and a bare one.
        let r = app
            .post_form(
                "/admin/accounts",
                "/api/accounts/update",
                &[("full_name", "x")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let body = r.text().await.unwrap();
        assert!(body.contains("Yêu cầu không hợp lệ"), "{body}");
        assert!(!body.contains("missing field"), "{body}");
        let r = app
            .client
            .post(app.url("/api/accounts/update"))
            .header("Origin", &app.base)
            .header("Accept", "*/*")
            .form(&[("full_name", "x")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        // Every form endpoint posted empty: never a 5xx, never the framework's text.
        let mut wrong = Vec::new();
        for ep in crate::security::form_endpoints() {
            let r = app.post_form("/", &format!("/api/{ep}"), &[]).await;
            let s = r.status();
            let body = r.text().await.unwrap_or_default();
            if s.is_server_error() || body.contains("Args|") || body.contains("missing field") {
                wrong.push(format!(
                    "{ep}: {s} {}",
                    body.chars().take(80).collect::<String>()
                ));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
        // In English for an English visitor.
        app.jar
            .add_cookie_str("lang=en", &url::Url::parse(&app.base).unwrap());
        let r = app
            .post_form(
                "/admin/accounts",
                "/api/accounts/update",
                &[("full_name", "x")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert!(r.text().await.unwrap().contains("Bad request"));
    }
);

#[cfg(unix)]
both_databases!(
    the_database_file_and_the_secret_are_the_owners_only,
    |app: TestApp| async move {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        if app.backend == Backend::Sqlite {
            // Write something, so that the write-ahead log and its index exist.
            app.web_rating(app.unit_id("XAPL").await, 5).await;
            for f in ["test.db", "test.db-wal", "test.db-shm"] {
                let p = app.data_dir.join(f);
                assert!(p.exists(), "{f}");
                assert_eq!(mode(&p), 0o600, "{f}");
            }
        }
        // The generated secret, in a new data directory.
        let dir = temp_data_dir();
        let opts = langnghe_server::config::Opts {
            secret: None,
            ..langnghe_server::config::Opts::local(&app.database_url, &dir, SECRET)
        };
        let secret = opts.secret().unwrap();
        assert_eq!(secret.len(), 64);
        assert_eq!(mode(&dir.join("secret")), 0o600);
        assert_eq!(opts.secret().unwrap(), secret, "read back the same");
        let _ = std::fs::remove_dir_all(dir);
    }
);

/// Runs `langnghe serve` with `args` until it listens, then stops it with SIGTERM; returns
/// what it printed.
async fn serve_once(args: &[&str], data_dir: &std::path::Path) -> String {
    use std::time::{Duration, Instant};
    let log = data_dir.join("serve.log");
    let out = std::fs::File::create(&log).unwrap();
    let mut child = tokio::process::Command::new(crate::crash::server_binary())
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .args(["--listen", "127.0.0.1:0", "serve"])
        .env_remove("DATABASE_URL")
        .env_remove("LANGNGHE_NO_DEMO")
        .env_remove("LANGNGHE_SECRET")
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::from(out.try_clone().unwrap()))
        .stderr(std::process::Stdio::from(out))
        .kill_on_drop(true)
        .spawn()
        .expect("langnghe starts");
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        // The start-up message comes after the "listening" line.
        if text.contains("is listening")
            && (text.contains("admin create") || text.contains("Demo accounts"))
        {
            break;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("langnghe exited ({status}): {text}");
        }
        assert!(Instant::now() < deadline, "langnghe never listened: {text}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    if let Some(pid) = child.id() {
        let _ = std::process::Command::new("kill")
            .args(["-s", "TERM", &pid.to_string()])
            .status();
    }
    let _ = tokio::time::timeout(Duration::from_secs(30), child.wait()).await;
    std::fs::read_to_string(&log).unwrap_or_default()
}

async fn count(db: &langnghe_app::db::Db, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    langnghe_app::db_run!(db, c => sqlx::query_scalar::<_, i64>(&sql).fetch_one(c).await).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_postgres_database_starts_without_demo_accounts() {
    for backend in [Backend::Postgres, Backend::Sqlite] {
        let dir = temp_data_dir();
        let Some(url) = fresh_database_url(backend, &dir).await else {
            continue;
        };
        let printed = serve_once(&["--database-url", &url], &dir).await;
        assert!(
            printed.contains("no account yet") && printed.contains("admin create"),
            "{backend:?}: the start-up message says how to create the first administrator: {printed}"
        );
        assert!(!printed.contains("Demo accounts"), "{printed}");
        let db = langnghe_app::db::Db::connect(&url).await.unwrap();
        assert_eq!(count(&db, "accounts").await, 0, "{backend:?}: no account");
        assert_eq!(
            count(&db, "units").await,
            0,
            "{backend:?}: no demo province"
        );
        db.close().await;
        langnghe_tests::drop_fresh_database(&url, &dir).await;
    }
    // The embedded default (no database URL at all) is the demo.
    let dir = temp_data_dir();
    let printed = serve_once(&[], &dir).await;
    assert!(printed.contains("Demo accounts"), "{printed}");
    let db =
        langnghe_app::db::Db::connect(&format!("sqlite:{}", dir.join("langnghe.db").display()))
            .await
            .unwrap();
    assert!(count(&db, "accounts").await >= 4);
    db.close().await;
    let _ = std::fs::remove_dir_all(dir);
}
