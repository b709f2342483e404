//! Crash safety (issue 8): the real `langnghe` binary runs as a child process and is killed
//! with SIGKILL under load, cut off from its database, stopped with SIGTERM in the middle of a
//! request; and its log is searched for the personal data citizens typed.

use langnghe_app::db::{accounts, demo, ratings, sessions, Db};
use langnghe_server::config::Opts;
use langnghe_tests::{figure, fresh_database_url, location, temp_data_dir, Backend, SECRET};
use reqwest::{redirect, Client, StatusCode};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The Vietnamese title of the 503 page (`error.503.title`).
const TITLE_503: &str = "Hệ thống tạm thời gián đoạn";

/// The `langnghe` binary of this build. Cargo builds the test's dependencies but not other
/// packages' binaries, so it is built here once (a no-op when it is current) with the same
/// profile and target directory as this test; `LANGNGHE_BIN` names another one.
pub(crate) fn server_binary() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(p) = std::env::var_os("LANGNGHE_BIN").filter(|p| !p.is_empty()) {
            return PathBuf::from(p);
        }
        // This test runs as <target>/<profile>/deps/it-<hash>.
        let exe = std::env::current_exe().expect("test executable");
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("target/<profile>")
            .to_path_buf();
        let target_dir = profile_dir.parent().expect("target dir").to_path_buf();
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut cmd = std::process::Command::new(cargo);
        // The same package selection as the tests' build, so the dependencies' features (and
        // so their artefacts) are the ones already built.
        cmd.args([
            "build",
            "--quiet",
            "--workspace",
            "--bin",
            "langnghe",
            "--target-dir",
        ])
        .arg(&target_dir)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
        if profile_dir.file_name().is_some_and(|n| n == "release") {
            cmd.arg("--release");
        }
        let status = cmd
            .status()
            .expect("run cargo build for the langnghe binary");
        assert!(
            status.success(),
            "cargo build of the langnghe binary failed"
        );
        let bin = profile_dir.join("langnghe");
        assert!(bin.exists(), "no binary at {}", bin.display());
        bin
    })
    .clone()
}

/// A database made ready for the server: the demo structure (units, kiosks, accounts) and one
/// published dialogue session with room for everyone. The test's own pool is closed again, so
/// that only the server has the database open.
struct Prepared {
    backend: Backend,
    url: String,
    data_dir: PathBuf,
    session_id: i64,
}

fn opts(url: &str, data_dir: &Path) -> Opts {
    Opts {
        no_demo: true,
        ..Opts::local(url, data_dir, SECRET)
    }
}

async fn prepare(backend: Backend) -> Option<Prepared> {
    let data_dir = temp_data_dir();
    let url = fresh_database_url(backend, &data_dir).await?;
    let db = langnghe_server::startup::connect(&opts(&url, &data_dir))
        .await
        .expect("connect");
    langnghe_server::startup::seed_demo_if_empty(&db, &demo::DemoSpec::structure_only())
        .await
        .expect("demo structure");
    let kind_id = sessions::kinds(&db)
        .await
        .expect("kinds")
        .into_iter()
        .find(|k| k.code == "saturday")
        .expect("saturday kind")
        .id;
    let admin = admin_id(&db).await;
    let unit_id = langnghe_app::db::units::all(&db)
        .await
        .expect("units")
        .into_iter()
        .find(|u| u.code == "XAPL")
        .expect("XAPL")
        .id;
    let start = chrono::Utc::now() + chrono::Duration::days(2);
    let new = sessions::NewSession {
        unit_id,
        kind_id,
        title: "Ngày thứ bảy lắng nghe dân nói".into(),
        starts_at: start,
        ends_at: start + chrono::Duration::hours(3),
        place: "Hội trường UBND xã".into(),
        capacity: 100_000,
        description: String::new(),
        slot_minutes: None,
        procedures: vec![],
    };
    let mut tx = db.begin().await.expect("begin");
    let session_id = sessions::create(&mut tx, admin, &new)
        .await
        .expect("session");
    sessions::publish(&mut tx, admin, session_id)
        .await
        .expect("publish");
    tx.commit().await.expect("commit");
    db.close().await;
    Some(Prepared {
        backend,
        url,
        data_dir,
        session_id,
    })
}

async fn admin_id(db: &Db) -> i64 {
    accounts::in_subtree(db, "/")
        .await
        .expect("accounts")
        .into_iter()
        .find(|a| a.username == "quantri")
        .expect("quantri")
        .id
}

/// Opens the prepared database from the test (after the server has had its turn).
async fn open(p: &Prepared) -> Db {
    Db::connect(&p.url).await.expect("open the database")
}

/// The `langnghe` server as a child process, its output (log and start-up text) in a file.
struct Server {
    child: tokio::process::Child,
    base: String,
    log: PathBuf,
}

impl Server {
    /// Starts `langnghe serve` on `database_url` and waits until `/healthz` answers 200.
    async fn start(p: &Prepared, database_url: &str, name: &str, rust_log: &str) -> Server {
        let log = p.data_dir.join(format!("{name}.log"));
        let out = std::fs::File::create(&log).expect("log file");
        let err = out.try_clone().expect("log file");
        let mut cmd = tokio::process::Command::new(server_binary());
        cmd.arg("--database-url")
            .arg(database_url)
            .arg("--data-dir")
            .arg(&p.data_dir)
            .args(["--listen", "127.0.0.1:0", "--opening-hours", "always"])
            // Many sign-ups come from this one machine: each carries its own address.
            .arg("--trust-proxy")
            .arg("serve")
            .env("LANGNGHE_SECRET", SECRET)
            .env("RUST_LOG", rust_log)
            .env("NO_COLOR", "1")
            .env_remove("DATABASE_URL")
            .env_remove("LANGNGHE_NO_DEMO")
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .kill_on_drop(true);
        let mut child = cmd.spawn().expect("start langnghe");
        // The address is in the "listening" log line: `addr=127.0.0.1:PORT`.
        let deadline = Instant::now() + Duration::from_secs(120);
        let addr = loop {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            if let Some(a) = text
                .lines()
                .find(|l| l.contains("is listening"))
                .and_then(|l| l.split("addr=").nth(1))
                .and_then(|rest| rest.split_whitespace().next())
            {
                break a.to_string();
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("langnghe exited ({status}) before listening:\n{text}");
            }
            assert!(
                Instant::now() < deadline,
                "langnghe did not start listening:\n{text}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let server = Server {
            child,
            base: format!("http://{addr}"),
            log,
        };
        let c = client();
        loop {
            if let Ok(r) = c.get(server.url("/healthz")).send().await {
                if r.status() == StatusCode::OK {
                    break;
                }
            }
            assert!(
                Instant::now() < deadline,
                "langnghe never became healthy:\n{}",
                server.log_text()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        server
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn pid(&self) -> u32 {
        self.child.id().expect("the server is running")
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// SIGKILL: the process ends at once, whatever it was doing.
    async fn kill(&mut self) {
        self.child.start_kill().expect("SIGKILL");
        let _ = self.child.wait().await;
    }

    /// SIGTERM: the polite request to stop.
    fn terminate(&self) {
        let status = std::process::Command::new("kill")
            .args(["-s", "TERM", "--", &self.pid().to_string()])
            .status()
            .expect("kill -TERM");
        assert!(status.success());
    }

    /// SIGTERM, then the exit status (within a safety limit).
    async fn stop(mut self) -> std::process::ExitStatus {
        self.terminate();
        match tokio::time::timeout(Duration::from_secs(30), self.child.wait()).await {
            Ok(s) => s.expect("wait"),
            Err(_) => panic!(
                "langnghe did not exit within 30 s of SIGTERM:\n{}",
                self.log_text()
            ),
        }
    }
}

/// A browser-like client: asks for HTML, has its own cookie jar, follows no redirect, and
/// gives up after a safety time limit.
fn client() -> Client {
    client_with_jar().0
}

fn client_with_jar() -> (Client, Arc<reqwest::cookie::Jar>) {
    langnghe_app::notify::install_tls_provider();
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::ACCEPT,
        reqwest::header::HeaderValue::from_static("text/html,application/xhtml+xml"),
    );
    let c = Client::builder()
        .default_headers(headers)
        .cookie_provider(jar.clone())
        .redirect(redirect::Policy::none())
        .timeout(Duration::from_secs(90))
        .build()
        .expect("client");
    (c, jar)
}

/// The value of a cookie the client's jar holds for `base`.
fn cookie_value(jar: &reqwest::cookie::Jar, base: &str, name: &str) -> Option<String> {
    use reqwest::cookie::CookieStore;
    let header = jar.cookies(&url::Url::parse(base).ok()?)?;
    header
        .to_str()
        .ok()?
        .split(';')
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// Posts a form from `page` the way a browser on the site does; `ip` is the client's address
/// as the proxy in front would report it.
async fn post(
    c: &Client,
    base: &str,
    page: &str,
    action: &str,
    ip: &str,
    form: &[(&str, &str)],
) -> reqwest::Result<reqwest::Response> {
    c.post(format!("{base}{action}"))
        .header("Origin", base)
        .header("Referer", format!("{base}{page}"))
        .header("X-Forwarded-For", ip)
        .form(form)
        .send()
        .await
}

/// A kiosk's client: opens the kiosk with its device token (the kiosk cookie).
async fn kiosk_client(base: &str, n: usize) -> Client {
    let c = client();
    let r = c
        .get(format!("{base}/kiosk?token={}", demo::demo_kiosk_token(n)))
        .send()
        .await
        .expect("open kiosk");
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "the kiosk is registered");
    c
}

/// What a kiosk rating post answered: the id of the rating when it was acknowledged.
fn acknowledged_rating(to: &str) -> Option<i64> {
    to.strip_prefix("/kiosk/thanks?r=")?
        .split('&')
        .next()?
        .parse()
        .ok()
}

/// What a sign-up post answered: the code shown to the citizen when it was acknowledged.
fn acknowledged_signup(to: &str) -> Option<String> {
    to.strip_prefix("/sessions/signup/")
        .filter(|c| c.starts_with("DT"))
        .map(str::to_string)
}

async fn rate_once(c: &Client, base: &str, score: &str, nonce: &str) -> reqwest::Result<String> {
    let r = post(
        c,
        base,
        "/kiosk",
        "/api/kiosk/rate",
        "10.0.0.1",
        &[("score", score), ("nonce", nonce)],
    )
    .await?;
    Ok(location(&r))
}

async fn sign_up_once(
    c: &Client,
    base: &str,
    session_id: i64,
    ip: &str,
    name: &str,
    phone: &str,
) -> reqwest::Result<reqwest::Response> {
    let sid = session_id.to_string();
    post(
        c,
        base,
        &format!("/sessions/{session_id}"),
        "/api/sessions/signup",
        ip,
        &[("session_id", &sid), ("name", name), ("phone", phone)],
    )
    .await
}

/// `langnghe verify` on the database: every unit's chain of ratings intact.
async fn verify_chains(p: &Prepared) -> String {
    let out = tokio::process::Command::new(server_binary())
        .arg("--database-url")
        .arg(&p.url)
        .arg("--data-dir")
        .arg(&p.data_dir)
        .arg("verify")
        .env("LANGNGHE_SECRET", SECRET)
        .env("RUST_LOG", "warn")
        .output()
        .await
        .expect("langnghe verify");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "langnghe verify failed: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

fn backend_name(b: Backend) -> &'static str {
    match b {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    }
}

langnghe_tests::both_databases!(
    backend every_acknowledged_write_survives_sigkill_under_load,
    |backend: Backend| async move {
        let Some(p) = prepare(backend).await else {
            return;
        };
        let mut server = Server::start(&p, &p.url, "first", "info").await;
        let base = server.base.clone();
        let stop = Arc::new(AtomicBool::new(false));
        let acked_ratings = Arc::new(Mutex::new(Vec::<i64>::new()));
        let acked_signups = Arc::new(Mutex::new(Vec::<String>::new()));
        let mut tasks = Vec::new();
        // Six kiosks rating as fast as they are answered…
        for k in 0..6usize {
            let (base, stop, acked) = (base.clone(), stop.clone(), acked_ratings.clone());
            tasks.push(tokio::spawn(async move {
                let c = kiosk_client(&base, k).await;
                let mut i = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    i += 1;
                    let score = if i.is_multiple_of(3) { "1" } else { "5" };
                    match rate_once(&c, &base, score, &format!("k{k}-{i:06}")).await {
                        Ok(to) => {
                            if let Some(id) = acknowledged_rating(&to) {
                                acked.lock().expect("lock").push(id);
                            }
                        }
                        // The server is gone: this task's part is over.
                        Err(_) => break,
                    }
                }
            }));
        }
        // …and three streams of citizens signing up for the session.
        for t in 0..3usize {
            let (base, stop, acked) = (base.clone(), stop.clone(), acked_signups.clone());
            let sid = p.session_id;
            tasks.push(tokio::spawn(async move {
                let c = client();
                let r = c
                    .get(format!("{base}/sessions/{sid}"))
                    .send()
                    .await
                    .expect("session page");
                assert_eq!(r.status(), StatusCode::OK);
                let mut i = 0u32;
                while !stop.load(Ordering::Relaxed) {
                    i += 1;
                    let ip = format!("10.{t}.{}.{}", i / 250, i % 250 + 1);
                    let phone = format!("09{t}{i:07}");
                    match sign_up_once(&c, &base, sid, &ip, &format!("Người dân {t}-{i}"), &phone)
                        .await
                    {
                        Ok(r) => {
                            if let Some(code) = acknowledged_signup(&location(&r)) {
                                acked.lock().expect("lock").push(code);
                            }
                        }
                        Err(_) => break,
                    }
                }
            }));
        }
        // Let the traffic run for three seconds (and until both kinds were acknowledged), then
        // kill the server in the middle of it.
        let started = Instant::now();
        loop {
            tokio::time::sleep(Duration::from_millis(250)).await;
            let both = !acked_ratings.lock().expect("lock").is_empty()
                && !acked_signups.lock().expect("lock").is_empty();
            if (both && started.elapsed() >= Duration::from_secs(3))
                || started.elapsed() > Duration::from_secs(60)
            {
                break;
            }
        }
        server.kill().await;
        for t in tasks {
            tokio::time::timeout(Duration::from_secs(120), t)
                .await
                .expect("clients stop once the server is gone")
                .expect("client task");
        }
        stop.store(true, Ordering::Relaxed);
        let acked_ratings = acked_ratings.lock().expect("lock").clone();
        let acked_signups = acked_signups.lock().expect("lock").clone();
        assert!(
            !acked_ratings.is_empty() && !acked_signups.is_empty(),
            "the load acknowledged writes of both kinds before the kill"
        );

        // A new process on the same database: it opens it (recovering whatever the killed one
        // left half-done) and goes on taking ratings on the same chains.
        let server = Server::start(&p, &p.url, "second", "info").await;
        let c = kiosk_client(&server.base, 0).await;
        let to = rate_once(&c, &server.base, "5", "after-restart")
            .await
            .expect("rate after restart");
        let after = acknowledged_rating(&to).expect("the restarted server takes ratings");
        let code = acked_signups.last().expect("a sign-up").clone();
        let r = c
            .get(server.url(&format!("/sessions/signup/{code}")))
            .send()
            .await
            .expect("sign-up page");
        assert_eq!(
            r.status(),
            StatusCode::OK,
            "the restarted server knows {code}"
        );
        assert_eq!(server.stop().await.code(), Some(0));

        let db = open(&p).await;
        let mut lost = Vec::new();
        for id in acked_ratings.iter().chain([&after]) {
            if ratings::get(&db, *id).await.is_err() {
                lost.push(format!("rating {id}"));
            }
        }
        for code in &acked_signups {
            if sessions::signup_by_code(&db, code)
                .await
                .expect("look up a sign-up")
                .is_none()
            {
                lost.push(format!("sign-up {code}"));
            }
        }
        let (checked, problems) = ratings::verify(&db).await.expect("verify");
        db.close().await;
        assert!(lost.is_empty(), "acknowledged writes lost: {lost:?}");
        assert!(problems.is_empty(), "hash chains broken: {problems:?}");
        assert!(
            checked > acked_ratings.len(),
            "every acknowledged rating is chained"
        );
        let verified = verify_chains(&p).await;
        assert!(verified.contains("every chain intact"), "{verified}");
        figure(
            "crash",
            &format!(
                "SIGKILL under load ({}): {} acknowledged ratings + {} sign-ups, lost 0; chains intact after restart",
                backend_name(p.backend),
                acked_ratings.len(),
                acked_signups.len()
            ),
        );
    }
);

/// A TCP proxy in front of PostgreSQL that the test can cut (every connection dropped, new
/// ones refused: the port is closed) and restore (the same port open again).
struct Proxy {
    addr: std::net::SocketAddr,
    upstream: String,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Proxy {
    async fn start(upstream: String) -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("proxy port");
        let addr = listener.local_addr().expect("proxy address");
        let task = tokio::spawn(Self::serve(listener, upstream.clone()));
        Proxy {
            addr,
            upstream,
            task: Mutex::new(Some(task)),
        }
    }

    /// Accepts connections and pipes each to the upstream. Aborting this task drops the
    /// listener and, with the join set, every connection it carries.
    async fn serve(listener: tokio::net::TcpListener, upstream: String) {
        let mut conns = tokio::task::JoinSet::new();
        loop {
            let Ok((mut inbound, _)) = listener.accept().await else {
                continue;
            };
            let upstream = upstream.clone();
            conns.spawn(async move {
                if let Ok(mut outbound) = tokio::net::TcpStream::connect(&upstream).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
            while conns.try_join_next().is_some() {}
        }
    }

    /// The database goes away: open connections are dropped and the port refuses new ones.
    async fn cut(&self) {
        let task = self.task.lock().expect("lock").take();
        if let Some(t) = task {
            t.abort();
            let _ = t.await;
        }
    }

    /// The database comes back on the same address.
    async fn restore(&self) {
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket.set_reuseaddr(true).expect("reuseaddr");
        socket.bind(self.addr).expect("the proxy's port again");
        let listener = socket.listen(128).expect("listen");
        let task = tokio::spawn(Self::serve(listener, self.upstream.clone()));
        *self.task.lock().expect("lock") = Some(task);
    }
}

/// The PostgreSQL URL with its host and port replaced by the proxy's, and the upstream
/// `host:port` it replaced.
fn through_proxy(url: &str, proxy: std::net::SocketAddr) -> String {
    let mut u = url::Url::parse(url).expect("postgres url");
    u.set_host(Some(&proxy.ip().to_string())).expect("host");
    u.set_port(Some(proxy.port())).expect("port");
    u.to_string()
}

fn upstream_of(url: &str) -> String {
    let u = url::Url::parse(url).expect("postgres url");
    format!(
        "{}:{}",
        u.host_str().unwrap_or("127.0.0.1"),
        u.port().unwrap_or(5432)
    )
}

/// Signs `c` in as the demo administrator (its session lives in the database).
async fn sign_in(c: &Client, base: &str, username: &str, password: &str) -> reqwest::Response {
    post(
        c,
        base,
        "/login",
        "/api/login",
        "10.9.9.9",
        &[("username", username), ("password", password)],
    )
    .await
    .expect("sign in")
}

async fn get(c: &Client, base: &str, path: &str) -> (StatusCode, String) {
    let r = c
        .get(format!("{base}{path}"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    let s = r.status();
    (s, r.text().await.unwrap_or_default())
}

langnghe_tests::both_databases!(
    backend the_database_going_away_gives_503_and_the_app_recovers_by_itself,
    |backend: Backend| async move {
        let Some(p) = prepare(backend).await else {
            return;
        };
        let proxy = match backend {
            Backend::Postgres => Some(Proxy::start(upstream_of(&p.url)).await),
            Backend::Sqlite => None,
        };
        let server_url = match &proxy {
            Some(px) => through_proxy(&p.url, px.addr),
            None => p.url.clone(),
        };
        let mut server = Server::start(&p, &server_url, "outage", "info").await;
        let base = server.base.clone();
        let staff = client();
        let r = sign_in(
            &staff,
            &base,
            "quantri",
            demo::DEMO_ACCOUNTS
                .iter()
                .find(|a| a.username == "quantri")
                .expect("quantri")
                .password,
        )
        .await;
        assert_eq!(location(&r), "/staff");
        assert_eq!(get(&staff, &base, "/staff").await.0, StatusCode::OK);
        let kiosk = kiosk_client(&base, 0).await;
        let citizen = client();
        let session_page = format!("/sessions/{}", p.session_id);
        assert_eq!(get(&citizen, &base, &session_page).await.0, StatusCode::OK);

        // The outage: PostgreSQL's connections are cut and its port closed; SQLite's file is
        // held under an exclusive lock by another program longer than the busy timeout.
        let mut locker = None;
        match &proxy {
            Some(px) => px.cut().await,
            None => {
                use sqlx::Connection;
                let mut c = sqlx::SqliteConnection::connect(&p.url)
                    .await
                    .expect("second connection");
                sqlx::query("BEGIN EXCLUSIVE")
                    .execute(&mut c)
                    .await
                    .expect("exclusive lock");
                locker = Some(c);
            }
        }
        let down = Instant::now();
        let holiday = [
            ("day", "2027-03-08"),
            ("kind", "holiday"),
            ("name", "Nghỉ bù thử"),
        ];
        let (rating, signup, staff_post, page, staff_page, health) = tokio::join!(
            rate_once(&kiosk, &base, "5", "during-outage"),
            sign_up_once(
                &citizen,
                &base,
                p.session_id,
                "10.1.1.1",
                "Trần Thị Bình",
                "0912000777"
            ),
            post(
                &staff,
                &base,
                "/admin/calendar",
                "/api/calendar/set",
                "10.9.9.9",
                &holiday
            ),
            get(&citizen, &base, &session_page),
            get(&staff, &base, "/staff"),
            get(&citizen, &base, "/healthz"),
        );
        let answered_in = down.elapsed();
        let rating = rating.expect("the rating post is answered");
        assert!(
            acknowledged_rating(&rating).is_none(),
            "a rating that could not be written is not acknowledged: {rating}"
        );
        assert_eq!(rating, "/kiosk?e=1", "the kiosk says: not saved");
        let signup = signup.expect("the sign-up post is answered");
        assert_eq!(
            signup.status(),
            StatusCode::SERVICE_UNAVAILABLE,
            "a sign-up that could not be written is a clear 503"
        );
        let signup_page = signup.text().await.unwrap_or_default();
        assert!(
            signup_page.contains(TITLE_503),
            "the translated 503 page: {signup_page}"
        );
        let staff_post = staff_post.expect("the official's post is answered");
        assert_eq!(
            staff_post.status(),
            StatusCode::SERVICE_UNAVAILABLE,
            "an official's change that could not be saved is a clear 503"
        );
        assert!(staff_post
            .text()
            .await
            .unwrap_or_default()
            .contains(TITLE_503));
        match backend {
            Backend::Postgres => {
                // Nothing can be read either: pages that need the database say so, in
                // Vietnamese; the signed-in official is not sent to sign in again.
                for (what, (status, body)) in [("public page", &page), ("staff page", &staff_page)]
                {
                    assert_eq!(*status, StatusCode::SERVICE_UNAVAILABLE, "{what}: {body}");
                    assert!(body.contains(TITLE_503), "{what}: the translated 503 page");
                }
                assert_eq!(health.0, StatusCode::SERVICE_UNAVAILABLE, "{}", health.1);
                assert!(health.1.contains("unavailable"), "{}", health.1);
            }
            Backend::Sqlite => {
                // WAL: readers are not blocked by a writer's lock.
                assert_eq!(page.0, StatusCode::OK, "pages are still read");
                assert_eq!(staff_page.0, StatusCode::OK, "pages are still read");
                assert_eq!(health.0, StatusCode::OK, "{}", health.1);
            }
        }

        // The database returns; the same process serves again by itself.
        match &proxy {
            Some(px) => px.restore().await,
            None => {
                use sqlx::Connection;
                let mut c = locker.take().expect("locker");
                sqlx::query("ROLLBACK")
                    .execute(&mut c)
                    .await
                    .expect("release");
                c.close().await.expect("close");
            }
        }
        let back = Instant::now();
        let deadline = back + Duration::from_secs(60);
        loop {
            if get(&citizen, &base, &session_page).await.0 == StatusCode::OK {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the app did not recover within 60 s of the database's return"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let recovered_in = back.elapsed();
        assert!(server.running(), "no restart");
        assert_eq!(
            get(&staff, &base, "/staff").await.0,
            StatusCode::OK,
            "the official is still signed in"
        );
        assert_eq!(get(&citizen, &base, "/healthz").await.0, StatusCode::OK);
        let to = rate_once(&kiosk, &base, "5", "after-outage")
            .await
            .expect("rate");
        let rating_id = acknowledged_rating(&to).expect("ratings are taken again");
        let r = sign_up_once(
            &citizen,
            &base,
            p.session_id,
            "10.1.1.2",
            "Trần Thị Bình",
            "0912000777",
        )
        .await
        .expect("sign up");
        let code = acknowledged_signup(&location(&r)).expect("sign-ups are taken again");
        let r = post(
            &staff,
            &base,
            "/admin/calendar",
            "/api/calendar/set",
            "10.9.9.9",
            &holiday,
        )
        .await
        .expect("the official's post");
        assert!(
            r.status().is_redirection() && !location(&r).starts_with("/login"),
            "the official's change is saved: {} {}",
            r.status(),
            location(&r)
        );
        assert_eq!(server.stop().await.code(), Some(0));

        // Only what was acknowledged is in the database.
        let db = open(&p).await;
        let (checked, problems) = ratings::verify(&db).await.expect("verify");
        assert_eq!((checked, problems.len()), (1, 0), "one rating, chained");
        ratings::get(&db, rating_id).await.expect("the rating");
        let list = sessions::signups(&db, p.session_id)
            .await
            .expect("sign-ups");
        assert_eq!(
            list.iter().map(|s| s.code.clone()).collect::<Vec<_>>(),
            vec![code]
        );
        db.close().await;
        figure(
            "crash",
            &format!(
                "database away ({}): posts answered 503 (kiosk: \"not saved\") within {:.1} s, nothing half-written; back by itself {:.1} s after its return, no restart",
                match backend {
                    Backend::Postgres => "PostgreSQL connections cut, port closed",
                    Backend::Sqlite => "SQLite locked by another program",
                },
                answered_in.as_secs_f64(),
                recovered_in.as_secs_f64()
            ),
        );
    }
);

/// Reads a whole HTTP/1.1 response (the request said `Connection: close`): status and
/// `Location`.
async fn read_response(stream: &mut tokio::net::TcpStream) -> (u16, String) {
    use tokio::io::AsyncReadExt;
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(60), stream.read_to_end(&mut buf))
        .await
        .expect("the response within 60 s")
        .expect("read the response");
    let text = String::from_utf8_lossy(&buf);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    let location = text
        .lines()
        .take_while(|l| !l.is_empty())
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("location")
                .then(|| v.trim().to_string())
        })
        .unwrap_or_default();
    (status, location)
}

langnghe_tests::both_databases!(
    backend sigterm_finishes_the_request_in_flight_and_exits,
    |backend: Backend| async move {
        use tokio::io::AsyncWriteExt;
        let Some(p) = prepare(backend).await else {
            return;
        };
        // The background workers at their defaults (outbox every 5 s, deadline check); the
        // HTTP layer's debug lines say when a request has reached the application.
        let mut server = Server::start(&p, &p.url, "drain", "info,tower_http=debug").await;
        let base = server.base.clone();
        let addr = base.trim_start_matches("http://").to_string();

        // A kiosk on a slow line posts its rating: the head and half the body now…
        let body = "score=5&nonce=slow-line-0001";
        let (first, rest) = body.split_at(11);
        let mut slow = tokio::net::TcpStream::connect(&addr)
            .await
            .expect("connect");
        let head = format!(
            "POST /api/kiosk/rate HTTP/1.1\r\nHost: {addr}\r\nOrigin: {base}\r\nReferer: {base}/kiosk\r\n\
             Cookie: kiosk={}\r\nAccept: text/html\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{first}",
            demo::demo_kiosk_token(0),
            body.len()
        );
        slow.write_all(head.as_bytes())
            .await
            .expect("send the head");
        let deadline = Instant::now() + Duration::from_secs(30);
        while !server
            .log_text()
            .lines()
            .any(|l| l.contains("path=/api/kiosk/rate") && l.contains("started processing"))
        {
            assert!(
                Instant::now() < deadline,
                "the request never reached the app"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }

        // …the server is asked to stop while the rest of the body is still on its way.
        server.terminate();
        let stopping = Instant::now();
        let deadline = stopping + Duration::from_secs(30);
        loop {
            match tokio::net::TcpStream::connect(&addr).await {
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => break,
                _ => {}
            }
            assert!(
                Instant::now() < deadline,
                "new connections are still accepted 30 s after SIGTERM"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(
            server.running(),
            "the server waits for the request in flight"
        );
        slow.write_all(rest.as_bytes())
            .await
            .expect("send the rest of the body");
        let (status, to) = read_response(&mut slow).await;
        assert_eq!(status, 302, "the request in flight completes normally");
        let id =
            acknowledged_rating(&to).unwrap_or_else(|| panic!("the rating is acknowledged: {to}"));
        let exit = match tokio::time::timeout(Duration::from_secs(30), server.child.wait()).await {
            Ok(s) => s.expect("wait"),
            Err(_) => panic!(
                "langnghe did not exit within 30 s of SIGTERM:\n{}",
                server.log_text()
            ),
        };
        let exited_in = stopping.elapsed();
        assert_eq!(exit.code(), Some(0), "{}", server.log_text());
        assert!(server
            .log_text()
            .contains("shutting down: finishing requests in flight"));

        let db = open(&p).await;
        let row = ratings::get(&db, id).await.expect("the rating is stored");
        assert_eq!(row.score, 5);
        let (checked, problems) = ratings::verify(&db).await.expect("verify");
        db.close().await;
        assert_eq!((checked, problems.len()), (1, 0));
        figure(
            "crash",
            &format!(
                "SIGTERM with a rating half-sent ({}): new connections refused, the rating completed (302) and stored, exit 0 after {:.1} s",
                backend_name(backend),
                exited_in.as_secs_f64()
            ),
        );
    }
);

/// Everything a test citizen and official type that must never reach the log.
struct Personal {
    what: &'static str,
    value: String,
}

langnghe_tests::both_databases!(
    backend no_personal_data_in_the_logs,
    |backend: Backend| async move {
        let Some(p) = prepare(backend).await else {
            return;
        };
        // The administrator's password, changed from the demo one the start-up message prints.
        const ADMIN_PASSWORD: &str = "Mat-Khau-Dung-5512!";
        {
            let db = open(&p).await;
            let admin = admin_id(&db).await;
            let mut tx = db.begin().await.expect("begin");
            accounts::set_password(&mut tx, None, admin, ADMIN_PASSWORD)
                .await
                .expect("password");
            tx.commit().await.expect("commit");
            db.close().await;
        }
        let server = Server::start(&p, &p.url, "logs", "debug").await;
        let base = server.base.clone();
        let mut personal: Vec<Personal> = Vec::new();
        let mut keep = |what: &'static str, value: &str| {
            personal.push(Personal {
                what,
                value: value.to_string(),
            });
        };

        // A feedback case on the web, then its lookup with the phone number.
        let citizen = client();
        let case = [
            ("name", "Hoàng Thị Mộng Điệp"),
            ("phone", "0987 654 321"),
            ("email", "mongdiep.hoang@example.vn"),
            ("address", "Số 77 ngõ Trúc Lâm, thôn Đồng Xoài"),
            (
                "content",
                "Nhà hàng xóm lấn chiếm lối đi chung ở thửa đất số 4521 từ tháng trước",
            ),
        ];
        for (k, v) in case {
            keep("feedback form", v);
            if k == "content" {
                keep("feedback content", "thửa đất số 4521");
            }
        }
        keep("feedback phone", "0987654321");
        keep("feedback given name", "Mộng Điệp");
        keep("feedback address", "Trúc Lâm");
        assert_eq!(
            get(&citizen, &base, "/feedback/new").await.0,
            StatusCode::OK
        );
        let mut form = reqwest::multipart::Form::new().text("consent", "1");
        for (k, v) in case {
            form = form.text(k, v);
        }
        let r = citizen
            .post(format!("{base}/api/feedback/submit"))
            .header("Origin", &base)
            .header("Referer", format!("{base}/feedback/new"))
            .multipart(form)
            .send()
            .await
            .expect("send the case");
        let to = location(&r);
        let code = to
            .strip_prefix("/feedback/track/")
            .unwrap_or_else(|| panic!("the case is sent: {to}"))
            .to_string();
        let r = post(
            &citizen,
            &base,
            "/feedback/track",
            "/api/feedback/track",
            "10.2.0.1",
            &[("code", &code), ("contact", "0987 654 321")],
        )
        .await
        .expect("look the case up");
        assert!(
            r.status().is_redirection(),
            "{}: {}",
            r.status(),
            r.text().await.unwrap_or_default()
        );
        assert_eq!(get(&citizen, &base, &location(&r)).await.0, StatusCode::OK);

        // A sign-up for the dialogue session, with a citizen ID and a question.
        let signup = [
            ("name", "Phùng Văn Khiêm"),
            ("phone", "0978 111 222"),
            ("id_number", "079188012345"),
            ("topic", "Đường ống nước ở xóm Bờ Kè bị vỡ ba tuần chưa sửa"),
        ];
        for (_, v) in signup {
            keep("sign-up form", v);
        }
        keep("sign-up phone", "0978111222");
        let sid = p.session_id.to_string();
        let mut fields = vec![("session_id", sid.as_str())];
        fields.extend(signup);
        assert_eq!(
            get(&citizen, &base, &format!("/sessions/{sid}")).await.0,
            StatusCode::OK
        );
        let r = post(
            &citizen,
            &base,
            &format!("/sessions/{sid}"),
            "/api/sessions/signup",
            "10.2.0.2",
            &fields,
        )
        .await
        .expect("sign up");
        acknowledged_signup(&location(&r)).expect("signed up");

        // A kiosk rating with a comment in the second step.
        let comment = "Cô Lụa ở quầy số 3 hướng dẫn rất tận tình";
        keep("rating comment", comment);
        let kiosk = kiosk_client(&base, 0).await;
        let to = rate_once(&kiosk, &base, "5", "log-test-1")
            .await
            .expect("rate");
        let id = acknowledged_rating(&to).expect("rated");
        let sig = to.split("s=").nth(1).expect("signature").to_string();
        let r = post(
            &kiosk,
            &base,
            &to,
            "/api/kiosk/details",
            "10.2.0.3",
            &[("r", &id.to_string()), ("s", &sig), ("comment", comment)],
        )
        .await
        .expect("details");
        assert_eq!(location(&r), "/kiosk/done");

        // A failed sign-in, then the administrator's; the official reads the case.
        let (staff, jar) = client_with_jar();
        keep("failed sign-in username", "dangnhap.sai.8841");
        keep("failed sign-in password", "Mat-Khau-Sai-8841!");
        keep("administrator password", ADMIN_PASSWORD);
        let r = sign_in(&staff, &base, "dangnhap.sai.8841", "Mat-Khau-Sai-8841!").await;
        assert_eq!(location(&r), "/login");
        let r = sign_in(&staff, &base, "quantri", ADMIN_PASSWORD).await;
        assert_eq!(location(&r), "/staff");
        let (status, cases) = get(&staff, &base, "/feedback/cases").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            cases.contains("Hoàng Thị Mộng Điệp"),
            "the official sees the citizen's name"
        );
        let cookie = cookie_value(&jar, &base, "langnghe_session").expect("session cookie");
        keep("session cookie", &cookie);

        // The outbox takes the citizen's receipt and, with no gateway set up, does not send it.
        let deadline = Instant::now() + Duration::from_secs(60);
        while !server
            .log_text()
            .contains("message not sent: no gateway configured")
        {
            assert!(
                Instant::now() < deadline,
                "the outbox never sent the receipt"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let log_path = server.log.clone();
        assert_eq!(server.stop().await.code(), Some(0));
        let log = std::fs::read_to_string(&log_path).expect("log");
        assert!(
            log.contains("path=/api/feedback/submit") && log.contains("path=/api/login"),
            "the log has the requests"
        );
        let mut found = Vec::new();
        for p in &personal {
            // As typed, in lower case, and as a form body carries it.
            let encoded: String =
                url::form_urlencoded::byte_serialize(p.value.as_bytes()).collect();
            for v in [p.value.clone(), p.value.to_lowercase(), encoded] {
                if log.contains(&v) {
                    found.push(format!("{} ({v})", p.what));
                    break;
                }
            }
        }
        assert!(found.is_empty(), "personal data in the log: {found:?}");
        figure(
            "logs",
            &format!(
                "no personal data in the log at RUST_LOG=debug ({}): {} lines, 0 of {} values typed by citizens and staff (names, phones, e-mail, address, content, ID number, comment, passwords, session cookie)",
                backend_name(backend),
                log.lines().count(),
                personal.len()
            ),
        );
    }
);

langnghe_tests::both_databases!(
    backend no_survey_token_in_the_log_without_a_gateway,
    |backend: Backend| async move {
        let Some(p) = prepare(backend).await else {
            return;
        };
        // The one-stop software's key, made before the server starts.
        let key = {
            let db = open(&p).await;
            let unit = langnghe_app::db::units::all(&db)
                .await
                .expect("units")
                .into_iter()
                .find(|u| u.code == "XAPL")
                .expect("XAPL")
                .id;
            let mut tx = db.begin().await.expect("begin");
            let (_, key) =
                langnghe_app::db::dossiers::create_key(&mut tx, None, "Một cửa điện tử", unit)
                    .await
                    .expect("api key");
            tx.commit().await.expect("commit");
            db.close().await;
            key
        };
        // A new installation: no e-mail, SMS or Zalo gateway. Everything logged.
        let server = Server::start(&p, &p.url, "tokens", "debug").await;
        let reply: serde_json::Value = client()
            .post(server.url("/api/v1/dossiers"))
            .header("X-API-Key", &key)
            .json(
                &serde_json::json!({"code": "H41.12-261120-0042", "unit_code": "XAPL",
                "citizen_phone": "0987 654 312", "completed_at": "2026-11-20T09:30:00+07:00"}),
            )
            .send()
            .await
            .expect("dossier posted")
            .json()
            .await
            .expect("JSON reply");
        let url = reply["survey"]["url"]
            .as_str()
            .expect("a survey link")
            .to_string();
        let token = url.rsplit('/').next().expect("token").to_string();
        assert!(token.len() >= 16, "{url}");
        // The outbox worker (every 5 s) takes the invitation and, without a gateway, says so.
        let deadline = Instant::now() + Duration::from_secs(60);
        while !server.log_text().lines().any(|l| {
            l.contains("message not sent: no gateway configured") && l.contains("survey.invitation")
        }) {
            assert!(
                Instant::now() < deadline,
                "the invitation was never taken:\n{}",
                server.log_text()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let log_path = server.log.clone();
        assert_eq!(server.stop().await.code(), Some(0));
        let log = std::fs::read_to_string(&log_path).expect("log");
        for (what, secret) in [
            ("survey token", token.as_str()),
            ("survey link", url.as_str()),
            ("phone", "0987654312"),
            ("phone as typed", "0987 654 312"),
        ] {
            assert!(!log.contains(secret), "the {what} is in the log");
        }
        assert!(
            !log.contains("/s/"),
            "no survey path in the log at all:\n{log}"
        );
        let db = open(&p).await;
        let row = langnghe_app::db::notify::log(&db, false, 10)
            .await
            .expect("delivery log")
            .into_iter()
            .find(|d| d.event == "survey.invitation")
            .expect("the invitation");
        db.close().await;
        assert_eq!(row.status, "unsent", "not sent, and the log says why");
        assert!(row.body.is_empty() && !row.body.contains(&token));
        figure(
            "logs",
            &format!(
                "no survey token in the log at RUST_LOG=debug without a gateway ({}): {} lines, invitation 'unsent', its text kept nowhere",
                backend_name(backend),
                log.lines().count()
            ),
        );
    }
);
