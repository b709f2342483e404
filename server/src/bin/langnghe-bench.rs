//! `langnghe-bench`: throughput and latency of the kiosk page and of kiosk rating posts on the
//! real application, beside a raw baseline measured in the same run on the same machine (axum
//! returning a fixed page; one INSERT per request). Run it on the release build:
//!
//! ```sh
//! cargo run --release --bin langnghe-bench -- --seconds 10 --connections 64
//! ```
//!
//! Each scenario runs on SQLite (a new file) and on PostgreSQL (a new database), unless
//! `--sqlite-only`. A rating is acknowledged only after its transaction committed.

// A measuring tool: a client that cannot be built is a reason to stop at once.
#![allow(clippy::expect_used)]

use axum::routing::{get, post};
use axum::Router;
use clap::Parser;
use langnghe_app::db::Db;
use langnghe_server::bench;
use langnghe_server::config::Opts;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Parser, Debug)]
#[command(about = "Lắng Nghe benchmark: kiosk page and rating posts against a raw baseline")]
struct Args {
    /// Seconds per scenario.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Concurrent clients.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// PostgreSQL server for the PostgreSQL runs (a database is created and dropped).
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pg: String,
    /// Skip PostgreSQL.
    #[arg(long)]
    sqlite_only: bool,
    /// How many of the eight demo kiosks (in several units) the clients use.
    #[arg(long, default_value_t = 8)]
    kiosks: usize,
}

/// What one scenario measured.
struct Outcome {
    name: String,
    ok: u64,
    errors: u64,
    secs: f64,
    p50: Duration,
    p99: Duration,
}

impl Outcome {
    fn rps(&self) -> f64 {
        self.ok as f64 / self.secs
    }
}

#[derive(Clone)]
enum Req {
    Get {
        url: String,
        cookies: Vec<String>,
    },
    Post {
        url: String,
        cookies: Vec<String>,
        origin: String,
        body: Vec<(String, String)>,
        expect_redirect_to: Option<String>,
    },
}

async fn load(name: &str, req: Req, connections: usize, secs: u64) -> Outcome {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for n in 0..connections {
        let req = req.clone();
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .pool_max_idle_per_host(1)
                .build()
                .expect("client");
            let mut lat = Vec::with_capacity(100_000);
            let (mut ok, mut errors) = (0u64, 0u64);
            let mut i = n;
            while Instant::now() < deadline {
                let t = Instant::now();
                let good = match &req {
                    Req::Get { url, cookies } => {
                        let mut r = client.get(url);
                        if !cookies.is_empty() {
                            r = r.header("cookie", &cookies[n % cookies.len()]);
                        }
                        match r.send().await {
                            Ok(res) if res.status().is_success() => res.bytes().await.is_ok(),
                            _ => false,
                        }
                    }
                    Req::Post {
                        url,
                        cookies,
                        origin,
                        body,
                        expect_redirect_to,
                    } => {
                        i += 1;
                        let mut form = body.clone();
                        // Vary the answer so kiosk ratings are not all one value.
                        if let Some(score) = form.iter_mut().find(|(k, _)| k == "score") {
                            score.1 = ["5", "5", "1", "5", "1", "5", "5", "1"][i % 8].to_string();
                            // valid on 3-, 4- and 5-face kiosks
                        }
                        let mut r = client
                            .post(url)
                            .header("origin", origin)
                            .header("referer", format!("{origin}/kiosk"))
                            .header("accept", "text/html")
                            .form(&form);
                        if !cookies.is_empty() {
                            r = r.header("cookie", &cookies[n % cookies.len()]);
                        }
                        match r.send().await {
                            Ok(res) => {
                                let loc = res
                                    .headers()
                                    .get("location")
                                    .and_then(|v| v.to_str().ok())
                                    .unwrap_or("")
                                    .to_string();
                                let status = res.status();
                                let _ = res.bytes().await;
                                match expect_redirect_to {
                                    Some(prefix) => {
                                        status.is_redirection() && loc.contains(prefix.as_str())
                                    }
                                    None => status.is_success(),
                                }
                            }
                            Err(_) => false,
                        }
                    }
                };
                if good {
                    ok += 1;
                    lat.push(t.elapsed());
                } else {
                    errors += 1;
                }
            }
            (ok, errors, lat)
        }));
    }
    let (mut ok, mut errors, mut lat) = (0, 0, Vec::new());
    for t in tasks {
        if let Ok((o, e, l)) = t.await {
            ok += o;
            errors += e;
            lat.extend(l);
        }
    }
    let secs = started.elapsed().as_secs_f64();
    lat.sort();
    let pick = |q: f64| {
        lat.get(((lat.len() as f64 * q) as usize).min(lat.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    Outcome {
        name: name.to_string(),
        ok,
        errors,
        secs,
        p50: pick(0.50),
        p99: pick(0.99),
    }
}

const FIXED_PAGE: &str = concat!(
    "<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>baseline</title></head><body>",
    "<main><h1>Ông/Bà có hài lòng với sự phục vụ hôm nay không?</h1><form method=\"post\">",
    "<button name=\"score\" value=\"1\">Rất không hài lòng</button><button name=\"score\" value=\"2\">Không hài lòng</button>",
    "<button name=\"score\" value=\"3\">Bình thường</button><button name=\"score\" value=\"4\">Hài lòng</button>",
    "<button name=\"score\" value=\"5\">Rất hài lòng</button></form></main></body></html>"
);

/// The raw baseline: a fixed page, and one INSERT per request on the same kind of database.
async fn baseline(db: Db) -> anyhow::Result<(String, tokio::task::JoinHandle<()>)> {
    langnghe_app::db_run!(&db, c => sqlx::query("CREATE TABLE IF NOT EXISTS bench_raw (id BIGINT, score INTEGER, at TEXT)").execute(c).await.map(|_| ()))?;
    let db = Arc::new(db);
    let app = Router::new()
        .route("/fixed", get(|| async { axum::response::Html(FIXED_PAGE) }))
        .route(
            "/insert",
            post(move |axum::Form(f): axum::Form<std::collections::HashMap<String, String>>| {
                let db = db.clone();
                async move {
                    let score: i32 = f.get("score").and_then(|s| s.parse().ok()).unwrap_or(3);
                    let at = chrono::Utc::now().to_rfc3339();
                    let r = langnghe_app::db_run!(&*db, c => sqlx::query("INSERT INTO bench_raw (id, score, at) VALUES ($1, $2, $3)")
                        .bind(1i64).bind(score).bind(&at).execute(c).await.map(|_| ()));
                    if r.is_ok() { axum::http::StatusCode::OK } else { axum::http::StatusCode::INTERNAL_SERVER_ERROR }
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let h = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((format!("http://{addr}"), h))
}

async fn run_backend(
    label: &str,
    url: &str,
    args: &Args,
    data_dir: &std::path::Path,
) -> anyhow::Result<Vec<Outcome>> {
    let opts = Opts::local(url, data_dir, bench::SECRET);
    let db = langnghe_server::startup::connect(&opts).await?;
    langnghe_server::startup::seed_demo_if_empty(
        &db,
        &langnghe_app::db::demo::DemoSpec::structure_only(),
    )
    .await?;
    let running = langnghe_server::startup::start(&opts, db.clone()).await?;
    let base = running.base_url.clone();
    // Every demo kiosk (eight, in several units) takes part, as kiosks across a province would.
    let kiosks = args
        .kiosks
        .clamp(1, langnghe_app::db::demo_catalog::KIOSKS.len());
    let cookies: Vec<String> = (0..kiosks)
        .map(|k| format!("kiosk={}", langnghe_app::db::demo::demo_kiosk_token(k)))
        .collect();
    let raw_db = Db::connect(url).await?;
    let (raw, raw_handle) = baseline(raw_db).await?;
    let n = args.connections;
    let s = args.seconds;
    let mut out = Vec::new();
    out.push(
        load(
            &format!("{label}: raw GET fixed page"),
            Req::Get {
                url: format!("{raw}/fixed"),
                cookies: Vec::new(),
            },
            n,
            s,
        )
        .await,
    );
    out.push(
        load(
            &format!("{label}: GET /kiosk"),
            Req::Get {
                url: format!("{base}/kiosk"),
                cookies: cookies.clone(),
            },
            n,
            s,
        )
        .await,
    );
    out.push(
        load(
            &format!("{label}: raw POST, one INSERT per request"),
            Req::Post {
                url: format!("{raw}/insert"),
                cookies: Vec::new(),
                origin: raw.clone(),
                body: vec![("score".into(), "4".into())],
                expect_redirect_to: None,
            },
            n,
            s,
        )
        .await,
    );
    out.push(
        load(
            &format!("{label}: POST /api/kiosk/rate"),
            Req::Post {
                url: format!("{base}/api/kiosk/rate"),
                cookies,
                origin: base.clone(),
                body: vec![("score".into(), "4".into())],
                expect_redirect_to: Some("/kiosk/thanks".into()),
            },
            n,
            s,
        )
        .await,
    );
    let (checked, problems) = langnghe_app::db::ratings::verify(&db).await?;
    println!(
        "{label}: {checked} ratings written and verified, {} chain problems",
        problems.len()
    );
    raw_handle.abort();
    let _ = running.shutdown.send(true);
    Ok(out)
}

fn print(results: &[Outcome]) {
    println!(
        "\n{:<48} {:>10} {:>9} {:>9} {:>8} {:>8}",
        "scenario", "req/s", "p50 ms", "p99 ms", "errors", "vs raw"
    );
    let mut raw_get = 0.0;
    let mut raw_post = 0.0;
    for r in results {
        let ratio = if r.name.contains("raw GET") {
            raw_get = r.rps();
            String::new()
        } else if r.name.contains("raw POST") {
            raw_post = r.rps();
            String::new()
        } else if r.name.contains("GET") {
            format!("{:.0} %", 100.0 * r.rps() / raw_get.max(1.0))
        } else {
            format!("{:.0} %", 100.0 * r.rps() / raw_post.max(1.0))
        };
        println!(
            "{:<48} {:>10.0} {:>9.2} {:>9.2} {:>8} {:>8}",
            r.name,
            r.rps(),
            r.p50.as_secs_f64() * 1000.0,
            r.p99.as_secs_f64() * 1000.0,
            r.errors,
            ratio
        );
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    bench::init("warn");
    let dir = bench::scratch_dir("langnghe-bench")?;
    println!(
        "Lắng Nghe bench: {} s per scenario, {} connections, {} kiosks, {} cores",
        args.seconds,
        args.connections,
        args.kiosks,
        bench::cores()
    );
    let mut all = Vec::new();
    let sqlite_url = format!("sqlite:{}", dir.join("bench.db").display());
    all.extend(run_backend("SQLite", &sqlite_url, &args, &dir).await?);
    if !args.sqlite_only {
        let pg = bench::with_pg_database(&args.pg, "langnghe_bench", |url| {
            let (args, dir) = (&args, &dir);
            async move { run_backend("PostgreSQL", &url, args, dir).await }
        })
        .await?;
        all.extend(pg);
    }
    print(&all);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
