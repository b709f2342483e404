//! The harness: `spawn_app()` boots the real application on port 0 against a fresh
//! database (a new SQLite file, or a new PostgreSQL database), filled with the demo province,
//! and hands back a cookie-keeping HTTP client with typed helpers.

use langnghe_app::db::Db;
use langnghe_server::config::Opts;
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT};
use reqwest::{redirect, Client, Response, StatusCode};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub base: String,
    pub db: Db,
    pub client: Client,
    pub jar: std::sync::Arc<reqwest::cookie::Jar>,
    pub backend: Backend,
    pub database_url: String,
    pub data_dir: PathBuf,
    _shutdown: std::sync::Arc<tokio::sync::watch::Sender<bool>>,
    _leftovers: std::sync::Arc<Leftovers>,
}

/// A test app's database and folder, removed when the test is done with them (the last
/// `TestApp` sharing them is dropped). What a killed run leaves is swept by the next one.
struct Leftovers {
    backend: Backend,
    database_url: String,
    data_dir: PathBuf,
}

impl Drop for Leftovers {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data_dir);
        if self.backend != Backend::Postgres {
            return;
        }
        let Some(i) = self.database_url.rfind('/') else {
            return;
        };
        let name = self.database_url[i + 1..].to_string();
        let admin = format!("{}/postgres", &self.database_url[..i]);
        // Dropped inside the test's runtime: a thread of its own may block on the database.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                if let Ok(mut c) = <sqlx::PgConnection as sqlx::Connection>::connect(&admin).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut c)
                        .await;
                }
            });
        });
    }
}

fn unique(prefix: &str) -> String {
    use rand::Rng;
    format!(
        "{prefix}{}_{:08x}",
        std::process::id(),
        rand::thread_rng().gen::<u32>()
    )
}

/// The process that made a test database or folder, from its name (`<prefix><pid>_<random>`).
fn maker_pid(name: &str, prefix: &str) -> Option<u32> {
    name.strip_prefix(prefix)?.split('_').next()?.parse().ok()
}

/// Whether the test process `pid` is still running (its databases and folders are in use).
fn alive(pid: u32) -> bool {
    // `/proc/<id>` also answers for a thread of another process: ask for a process of that id.
    pid == std::process::id()
        || std::fs::read_to_string(format!("/proc/{pid}/status")).is_ok_and(|st| {
            st.lines()
                .any(|l| l.strip_prefix("Tgid:").map(str::trim) == Some(&pid.to_string()))
        })
}

/// Removes the temporary folders left by test runs that have ended (once per process).
fn sweep_folders() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
            return;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if maker_pid(&name, "langnghe_test_").is_some_and(|pid| !alive(pid)) {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    });
}

/// Drops the databases left by test runs that have ended (once per process, before the first
/// new one): a run leaves at most its own behind.
async fn sweep_databases(admin: &str) {
    static ONCE: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    ONCE.get_or_init(|| async {
        let Ok(mut c) = <sqlx::PgConnection as sqlx::Connection>::connect(admin).await else {
            return;
        };
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT datname::text FROM pg_database WHERE datname LIKE 'ln\\_test\\_%'",
        )
        .fetch_all(&mut c)
        .await
        .unwrap_or_default();
        for name in names {
            if maker_pid(&name, "ln_test_").is_some_and(|pid| !alive(pid)) {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut c)
                    .await;
            }
        }
        let _ = sqlx::Connection::close(c).await;
    })
    .await;
}

/// The PostgreSQL server used by tests: `LANGNGHE_TEST_PG` (an admin URL ending in a database
/// name), else the local server as `postgres`, then as `root`.
async fn pg_admin_url() -> Option<String> {
    let candidates: Vec<String> = match std::env::var("LANGNGHE_TEST_PG") {
        Ok(u) if !u.is_empty() => vec![u],
        _ => vec![
            "postgres://postgres@127.0.0.1:5432/postgres".into(),
            "postgres://root@127.0.0.1:5432/postgres".into(),
        ],
    };
    for url in candidates {
        if let Ok(c) = <sqlx::PgConnection as sqlx::Connection>::connect(&url).await {
            let _ = sqlx::Connection::close(c).await;
            return Some(url);
        }
    }
    None
}

/// The server secret of every test app (signed links can be made by the test).
pub const SECRET: &str = "test-secret-test-secret-test-secret";

/// A new, empty directory under the system's temporary folder.
pub fn temp_data_dir() -> PathBuf {
    sweep_folders();
    let dir = std::env::temp_dir().join(unique("langnghe_test_"));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// The URL of a new, empty database on `backend`: a SQLite file in `data_dir`, or a newly
/// created PostgreSQL database. On PostgreSQL, returns `None` when no server is reachable and
/// `CI` is not set (a loud message is printed); under `CI=true` that is a failure.
pub async fn fresh_database_url(backend: Backend, data_dir: &std::path::Path) -> Option<String> {
    match backend {
        Backend::Sqlite => Some(format!("sqlite:{}", data_dir.join("test.db").display())),
        Backend::Postgres => {
            let Some(admin) = pg_admin_url().await else {
                if std::env::var("CI").map(|v| v == "true").unwrap_or(false) {
                    panic!("CI=true but PostgreSQL is not reachable on 127.0.0.1:5432: the PostgreSQL tests must run in CI");
                }
                eprintln!("\n*** PostgreSQL is not reachable: this PostgreSQL test was SKIPPED (set CI=true to make it fail) ***\n");
                return None;
            };
            sweep_databases(&admin).await;
            let name = unique("ln_test_");
            let mut c = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
                .await
                .expect("pg admin connection");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut c)
                .await
                .expect("create test database");
            let _ = sqlx::Connection::close(c).await;
            match admin.rfind('/') {
                Some(i) => Some(format!("{}/{name}", &admin[..i])),
                None => panic!("bad admin url"),
            }
        }
    }
}

/// Throws away what [`fresh_database_url`] made: the PostgreSQL database (the pool on it must be
/// closed first) and the data folder.
pub async fn drop_fresh_database(url: &str, data_dir: &std::path::Path) {
    if let (true, Some(i)) = (url.starts_with("postgres"), url.rfind('/')) {
        let admin = format!("{}/postgres", &url[..i]);
        if let Ok(mut c) = <sqlx::PgConnection as sqlx::Connection>::connect(&admin).await {
            let _ = sqlx::query(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                &url[i + 1..]
            ))
            .execute(&mut c)
            .await;
            let _ = sqlx::Connection::close(c).await;
        }
    }
    let _ = std::fs::remove_dir_all(data_dir);
}

/// Boots the app on `backend` against a fresh database filled with the demo province's
/// structure; `None` when PostgreSQL is wanted but unreachable (see [`fresh_database_url`]).
pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    langnghe_app::notify::install_tls_provider();
    let data_dir = temp_data_dir();
    let database_url = fresh_database_url(backend, &data_dir).await?;
    let opts = Opts::local(&database_url, &data_dir, SECRET);
    let db = langnghe_server::startup::connect(&opts)
        .await
        .expect("connect");
    langnghe_server::startup::seed_demo_if_empty(
        &db,
        &langnghe_app::db::demo::DemoSpec::structure_only(),
    )
    .await
    .expect("demo data");
    let running = langnghe_server::startup::start(&opts, db.clone())
        .await
        .expect("start");
    let (client, jar) = new_client();
    let _leftovers = std::sync::Arc::new(Leftovers {
        backend,
        database_url: database_url.clone(),
        data_dir: data_dir.clone(),
    });
    Some(TestApp {
        base: running.base_url.clone(),
        db,
        client,
        jar,
        backend,
        database_url,
        data_dir,
        _shutdown: std::sync::Arc::new(running.shutdown),
        _leftovers,
    })
}

/// A client with its own cookie jar, redirects not followed, asking for HTML.
fn new_client() -> (Client, std::sync::Arc<reqwest::cookie::Jar>) {
    client_from(None)
}

/// [`new_client`], its connections made from `local` when given.
fn client_from(local: Option<std::net::IpAddr>) -> (Client, std::sync::Arc<reqwest::cookie::Jar>) {
    let mut headers = HeaderMap::new();
    headers.insert(
        ACCEPT,
        HeaderValue::from_static("text/html,application/xhtml+xml"),
    );
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let client = Client::builder()
        .cookie_provider(jar.clone())
        .redirect(redirect::Policy::none())
        .default_headers(headers)
        .local_address(local)
        .build()
        .expect("client");
    (client, jar)
}

impl TestApp {
    /// The same app seen by another visitor (a browser with no cookies yet).
    pub fn another_visitor(&self) -> TestApp {
        let (client, jar) = new_client();
        TestApp {
            base: self.base.clone(),
            db: self.db.clone(),
            client,
            jar,
            backend: self.backend,
            database_url: self.database_url.clone(),
            data_dir: self.data_dir.clone(),
            _shutdown: self._shutdown.clone(),
            _leftovers: self._leftovers.clone(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    /// GET a page and return its status and body.
    pub async fn page(&self, path: &str) -> (StatusCode, String) {
        let r = self.get(path).await;
        let s = r.status();
        (s, r.text().await.unwrap_or_default())
    }

    /// Posts a form the way a browser on this site does: same Origin, Referer = the page it is on.
    pub async fn post_form(
        &self,
        from_page: &str,
        action: &str,
        form: &[(&str, &str)],
    ) -> Response {
        self.client
            .post(self.url(action))
            .header("Origin", &self.base)
            .header("Referer", self.url(from_page))
            .form(form)
            .send()
            .await
            .expect("POST")
    }

    /// Posts a form and follows the redirect; returns the final status and page.
    pub async fn submit(
        &self,
        from_page: &str,
        action: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, String) {
        let r = self.post_form(from_page, action, form).await;
        assert!(
            r.status().is_redirection(),
            "a form post answers with a redirect, got {}",
            r.status()
        );
        let to = location(&r);
        self.page(&to).await
    }

    pub async fn login(&self, username: &str, password: &str) -> Response {
        self.post_form(
            "/login",
            "/api/login",
            &[("username", username), ("password", password)],
        )
        .await
    }

    /// Signs in as a demo account and checks that it worked.
    pub async fn login_as(&self, username: &str) {
        let pw = langnghe_app::db::demo::DEMO_ACCOUNTS
            .iter()
            .find(|a| a.username == username)
            .expect("demo account")
            .password;
        let r = self.login(username, pw).await;
        assert_eq!(
            location(&r),
            "/staff",
            "sign-in as {username} should land on /staff"
        );
    }

    /// The id of the unit with this code.
    /// The id of a demo account.
    pub async fn account_id(&self, username: &str) -> i64 {
        langnghe_app::db::accounts::in_subtree(&self.db, "/")
            .await
            .expect("accounts")
            .into_iter()
            .find(|a| a.username == username)
            .expect("demo account")
            .id
    }

    /// A published dialogue session of `kind` at XAPL with `capacity` places, tomorrow for two
    /// hours (slots of `slot_minutes` for a no-wait Thursday). Returns its id.
    pub async fn published_session(
        &self,
        kind: &str,
        capacity: i32,
        slot_minutes: Option<i32>,
    ) -> i64 {
        use langnghe_app::db::sessions;
        let kinds = sessions::kinds(&self.db).await.expect("kinds");
        let kind_id = kinds.iter().find(|k| k.code == kind).expect("kind").id;
        let admin = self.account_id("quantri").await;
        let start = chrono::Utc::now() + chrono::Duration::days(1);
        let new = sessions::NewSession {
            unit_id: self.unit_id("XAPL").await,
            kind_id,
            title: "Ngày thứ bảy lắng nghe dân nói".into(),
            starts_at: start,
            ends_at: start + chrono::Duration::hours(2),
            place: "Hội trường UBND xã".into(),
            capacity,
            description: String::new(),
            slot_minutes,
            procedures: vec![],
        };
        let mut tx = self.db.begin().await.expect("begin");
        let id = sessions::create(&mut tx, admin, &new)
            .await
            .expect("create");
        sessions::publish(&mut tx, admin, id)
            .await
            .expect("publish");
        tx.commit().await.expect("commit");
        id
    }

    pub async fn unit_id(&self, code: &str) -> i64 {
        let all = langnghe_app::db::units::all(&self.db).await.expect("units");
        all.into_iter()
            .find(|u| u.code == code)
            .unwrap_or_else(|| panic!("no unit {code}"))
            .id
    }

    /// A feedback case received on `day` by letter at unit `unit_code`, put straight into the
    /// database (for dates the forms refuse, such as long ago); returns its id and code.
    pub async fn case_received_on(
        &self,
        unit_code: &str,
        day: chrono::NaiveDate,
        phone: &str,
        lang: &'static str,
    ) -> (i64, String) {
        use langnghe_app::db::{calendar, feedback};
        let cal = calendar::load(&self.db).await.expect("calendar");
        let settings = calendar::feedback_settings(&self.db)
            .await
            .expect("settings");
        let new = feedback::NewCase {
            unit_id: self.unit_id(unit_code).await,
            procedure_id: None,
            channel: langnghe_app::domain::feedback::Channel::Paper,
            lang,
            input: langnghe_app::domain::feedback::CaseInput {
                name: "Lý Thị Thư".into(),
                phone: phone.into(),
                email: String::new(),
                address: "Xã An Phú Lâm".into(),
                content: "Phản ánh gửi bằng thư".into(),
            },
            received_at: langnghe_app::db::local_noon(day),
            received_on: day,
            entered_by: None,
            files: vec![],
            code: None,
        };
        let mut tx = self.db.begin().await.expect("begin");
        let created = feedback::create(&mut tx, &cal, &settings, &new)
            .await
            .expect("case");
        tx.commit().await.expect("commit");
        created
    }

    /// A new key of the dossier API for the one-stop software of unit `unit_code` and below.
    pub async fn api_key(&self, unit_code: &str) -> String {
        let unit = self.unit_id(unit_code).await;
        let mut tx = self.db.begin().await.expect("begin");
        let (_, key) =
            langnghe_app::db::dossiers::create_key(&mut tx, None, "Một cửa điện tử", unit)
                .await
                .expect("api key");
        tx.commit().await.expect("commit");
        key
    }

    /// Posts `dossier` (JSON) through the dossier API with a province key and returns the
    /// citizen's survey link (a full address).
    pub async fn survey_link(&self, dossier: serde_json::Value) -> String {
        let key = self.api_key("LG").await;
        let reply: serde_json::Value = self
            .client
            .post(self.url("/api/v1/dossiers"))
            .header("X-API-Key", key)
            .json(&dossier)
            .send()
            .await
            .expect("dossier posted")
            .json()
            .await
            .expect("JSON reply");
        reply["survey"]["url"]
            .as_str()
            .unwrap_or_else(|| panic!("no survey link in {reply}"))
            .to_string()
    }

    /// A citizen sends the case form (`fields`, no files) from the web; returns the case's code.
    pub async fn send_case(&self, fields: &[(&str, &str)]) -> String {
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        let r = self
            .client
            .post(self.url("/api/feedback/submit"))
            .header("Origin", &self.base)
            .header("Referer", self.url("/feedback/new"))
            .multipart(form)
            .send()
            .await
            .expect("case form posted");
        let to = location(&r);
        assert!(to.starts_with("/feedback/track/"), "case not sent: {to}");
        to.trim_start_matches("/feedback/track/").to_string()
    }

    /// Saves a web answer of `score` for unit `unit_id` now; returns the rating's id.
    pub async fn web_rating(&self, unit_id: i64, score: i32) -> i64 {
        use langnghe_app::db::ratings;
        let inst: i64 = langnghe_app::db_run!(&self.db, c => sqlx::query_scalar(
            "SELECT id FROM instruments WHERE status = 'published' ORDER BY id LIMIT 1").fetch_one(c).await)
        .expect("a published instrument");
        let r = ratings::NewRating::new(
            unit_id,
            inst,
            langnghe_app::domain::rating::Channel::Web,
            score,
        );
        let saved =
            ratings::save_many(&self.db, &Default::default(), vec![(r, chrono::Utc::now())])
                .await
                .expect("rating saved");
        saved[0].as_ref().expect("rating accepted").id
    }

    /// The value of the session cookie the client holds.
    pub fn session_cookie(&self) -> Option<String> {
        use reqwest::cookie::CookieStore;
        let url = url::Url::parse(&self.base).ok()?;
        let header = self.jar.cookies(&url)?;
        header
            .to_str()
            .ok()?
            .split(';')
            .filter_map(|kv| kv.trim().split_once('='))
            .find(|(k, _)| *k == "langnghe_session")
            .map(|(_, v)| v.to_string())
    }
}

/// The path a redirect points to (host removed).
pub fn location(r: &Response) -> String {
    let l = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    match url::Url::parse(&l) {
        Ok(u) => format!(
            "{}{}",
            u.path(),
            u.query().map(|q| format!("?{q}")).unwrap_or_default()
        ),
        Err(_) => l,
    }
}

/// Runs a test body on SQLite and on PostgreSQL, as two tests named `sqlite` and `postgres`.
/// `both_databases!(name, |app: TestApp| …)` gets a running app on a fresh database;
/// `both_databases!(backend name, |b: Backend| …)` gets only the backend (tests that start the
/// real binary themselves); the PostgreSQL one is skipped loudly without a server, and fails
/// under `CI=true` (`fresh_database_url`).
#[macro_export]
macro_rules! both_databases {
    (backend $name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                ($body)($crate::Backend::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                ($body)($crate::Backend::Postgres).await;
            }
        }
    };
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::spawn_app($crate::Backend::Sqlite)
                    .await
                    .expect("sqlite app");
                ($body)(app).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                use $crate::__futures::FutureExt;
                for attempt in 0..2 {
                    let Some(app) = $crate::spawn_app($crate::Backend::Postgres).await else {
                        return;
                    };
                    match std::panic::AssertUnwindSafe(($body)(app)).catch_unwind().await {
                        std::result::Result::Ok(()) => return,
                        std::result::Result::Err(p) if attempt == 0 && $crate::terminated_by_the_server(&*p) => {
                            eprintln!("\n*** PostgreSQL terminated this test's connection (57P01, administrator command): run once more on a new database ***\n");
                        }
                        std::result::Result::Err(p) => std::panic::resume_unwind(p),
                    }
                }
            }
        }
    };
}

#[doc(hidden)]
pub use futures_util as __futures;

/// Whether a test's panic is PostgreSQL ending its connection from outside ("terminating
/// connection due to administrator command", SQLSTATE 57P01) — something on the machine
/// stopped that backend, not a rule of ours. Such a test runs once more on a new database (and
/// says so); any other failure, or the same one twice, fails it.
pub fn terminated_by_the_server(panic: &(dyn std::any::Any + Send)) -> bool {
    let text = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or_default();
    text.contains("57P01")
}

impl TestApp {
    /// The same visitor again (the same cookies, so the same signed-in account), to send
    /// requests at the same time from one browser.
    pub fn clone_session(&self) -> TestApp {
        TestApp {
            base: self.base.clone(),
            db: self.db.clone(),
            client: self.client.clone(),
            jar: self.jar.clone(),
            backend: self.backend,
            database_url: self.database_url.clone(),
            data_dir: self.data_dir.clone(),
            _shutdown: self._shutdown.clone(),
            _leftovers: self._leftovers.clone(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Security helpers (issue 16): visitors from other loopback addresses.
// ---------------------------------------------------------------------------------------------

impl TestApp {
    /// The same app seen by another visitor whose connections come from `ip`, an address of the
    /// loopback range (127.0.0.0/8 all reach this machine on Linux): another client address
    /// without `--trust-proxy`.
    pub fn visitor_from(&self, ip: &str) -> TestApp {
        let addr: std::net::IpAddr = ip.parse().expect("an IP address");
        assert!(addr.is_loopback(), "only loopback addresses: {ip}");
        let (client, jar) = client_from(Some(addr));
        TestApp {
            client,
            jar,
            ..self.another_visitor()
        }
    }

    /// The message a form post ended with: the flash shown on the page its redirect leads to.
    pub async fn flash_after(&self, r: Response) -> String {
        let to = location(&r);
        let (_, page) = self.page(&to).await;
        let html = scraper::Html::parse_document(&page);
        let sel = scraper::Selector::parse(".flash").expect("selector");
        html.select(&sel)
            .map(|e| e.text().collect::<String>())
            .collect::<Vec<_>>()
            .join(" ")
            .trim()
            .to_string()
    }
}
