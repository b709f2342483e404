//! `langnghe-index-bench`: the leader's home and the province ranking at province scale.
//!
//! Loads synthetic ratings in bulk (default 10 million over three years, ~500 units, the demo
//! catalogue's procedures, every rating a real link of its unit's hash chain), builds the
//! rollups from the raw rows, proves that the rollups agree with a recomputation from the raw
//! ratings (quarter and year, every unit), then measures over HTTP on the real application:
//! `GET /dashboard` (a leader, the whole province, this quarter, with its alerts, themes and
//! Decision 766 by month), `GET /indices` (the ranking tables with their funnel plots), a busy
//! unit's page (with its heat map), `GET /indices/compare` and `GET /dashboard/report`, warm, and
//! prints p50 / p95. It also times the figures the pages need from the
//! rollups and from a raw scan, so the ratio is visible. Run it on the release build:
//!
//! ```sh
//! cargo run --release --bin langnghe-index-bench -- --ratings 10000000
//! ```

// A measuring tool: a client that cannot be built is a reason to stop at once.
#![allow(clippy::expect_used)]

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use clap::Parser;
use langnghe_app::db::{indices, rollup, Db};
use langnghe_app::domain::period::Period;
use langnghe_app::domain::rating::{chain_hash, ChainFields, GENESIS};
use langnghe_server::bench;
use langnghe_server::config::Opts;
use rand::{Rng, SeedableRng};
use std::time::Instant;

#[derive(Parser, Debug)]
#[command(about = "Lắng Nghe benchmark: dashboards over millions of ratings")]
struct Args {
    /// Ratings to load.
    #[arg(long, default_value_t = 10_000_000)]
    ratings: usize,
    /// Units in the province (the demo's, plus synthetic communes up to this number).
    #[arg(long, default_value_t = 500)]
    units: usize,
    /// Days of history, ending today.
    #[arg(long, default_value_t = 3 * 365)]
    days: i64,
    /// Requests per page measured (after 5 to warm up).
    #[arg(long, default_value_t = 40)]
    requests: usize,
    /// PostgreSQL server for the PostgreSQL run (a database is created and dropped).
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pg: String,
    /// Skip PostgreSQL.
    #[arg(long)]
    sqlite_only: bool,
    /// Skip SQLite.
    #[arg(long)]
    pg_only: bool,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Times `f` `n` times after 3 warm-up runs; returns (p50, p95) in milliseconds.
async fn time<F, Fut, T>(n: usize, mut f: F) -> anyhow::Result<(f64, f64)>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>>,
{
    for _ in 0..3 {
        f().await?;
    }
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        f().await?;
        v.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    v.sort_by(f64::total_cmp);
    Ok((percentile(&v, 0.5), percentile(&v, 0.95)))
}

struct Unit {
    id: i64,
    seq: i64,
    head: String,
    counters: Vec<i64>,
}

/// Loads the ratings in bulk, unit chains and all; returns how many were loaded.
async fn load(db: &Db, url: &str, args: &Args) -> anyhow::Result<usize> {
    let mut l = loader(db, url).await?;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(766);
    let unit_rows: Vec<(i64,)> = langnghe_app::db_run!(db, c => sqlx::query_as(
        "SELECT id FROM units WHERE effective_to IS NULL ORDER BY id").fetch_all(c).await)?;
    let counters: Vec<(i64, i64)> = langnghe_app::db_run!(db, c => sqlx::query_as(
        "SELECT id, unit_id FROM counters ORDER BY id").fetch_all(c).await)?;
    let procs: Vec<(i64,)> = langnghe_app::db_run!(db, c => sqlx::query_as(
        "SELECT id FROM procedures ORDER BY id LIMIT 50").fetch_all(c).await)?;
    let inst: i64 = langnghe_app::db_run!(db, c => sqlx::query_scalar(
        "SELECT id FROM instruments WHERE status = 'published' ORDER BY id LIMIT 1").fetch_one(c).await)?;
    let mut units: Vec<Unit> = unit_rows
        .into_iter()
        .map(|(id,)| Unit {
            id,
            seq: 0,
            head: GENESIS.to_string(),
            counters: counters.iter().filter(|c| c.1 == id).map(|c| c.0).collect(),
        })
        .collect();
    // Each unit has its own level of satisfaction, so rankings have something to rank.
    let quality: Vec<f64> = units.iter().map(|_| rng.gen_range(0.45..0.95)).collect();
    // Busy units get more answers (a few large centres, many small communes).
    let weights: Vec<f64> = units
        .iter()
        .enumerate()
        .map(|(i, _)| if i < 20 { 6.0 } else { 1.0 })
        .collect();
    let total_w: f64 = weights.iter().sum();
    let today = langnghe_app::db::today();
    let start = today - Duration::days(args.days - 1);
    let channels = ["kiosk", "kiosk", "kiosk", "web", "sms"];
    let batch = 20_000usize;
    let mut loaded = 0usize;
    let began = Instant::now();
    // Ratings are written in time order, day by day, so each chain runs forward in time.
    let per_day = args.ratings as f64 / args.days as f64;
    let mut carry = 0.0;
    let mut rows: Vec<Row> = Vec::with_capacity(batch);
    for d in 0..args.days {
        let day: NaiveDate = start + Duration::days(d);
        carry += per_day;
        let n = carry as usize;
        carry -= n as f64;
        let mut times: Vec<(i64, usize)> = (0..n)
            .map(|_| {
                let secs = rng.gen_range(7 * 3600..17 * 3600);
                let mut x = rng.gen_range(0.0..total_w);
                let mut u = 0;
                while u + 1 < weights.len() && x >= weights[u] {
                    x -= weights[u];
                    u += 1;
                }
                (secs, u)
            })
            .collect();
        times.sort_unstable();
        for (secs, u) in times {
            let q = quality[u];
            let score = if rng.gen_bool(q) {
                if rng.gen_bool(0.6) {
                    5
                } else {
                    4
                }
            } else {
                rng.gen_range(1..=3)
            };
            let channel = channels[rng.gen_range(0..channels.len())];
            let unit = &mut units[u];
            let counter = (channel == "kiosk" && !unit.counters.is_empty())
                .then(|| unit.counters[rng.gen_range(0..unit.counters.len())]);
            let procedure = (channel != "kiosk" || rng.gen_bool(0.3))
                .then(|| procs[rng.gen_range(0..procs.len())].0);
            let local = day.and_hms_opt(0, 0, 0).expect("midnight") + Duration::seconds(secs);
            let at = chrono_tz::Asia::Ho_Chi_Minh
                .from_local_datetime(&local)
                .single()
                .expect("Vietnam has no DST")
                .with_timezone(&Utc);
            unit.seq += 1;
            let f = ChainFields {
                unit_id: unit.id,
                seq: unit.seq,
                instrument_id: inst,
                channel,
                score,
                faces: None,
                counter_id: counter,
                kiosk_id: None,
                procedure_id: procedure,
                dossier_id: None,
                corrects_id: None,
                correction_reason: "",
                created_at: at,
            };
            let hash = chain_hash(&unit.head, &f);
            rows.push(Row {
                unit_id: unit.id,
                seq: unit.seq,
                channel,
                score,
                counter,
                procedure,
                at,
                day,
                prev: std::mem::replace(&mut unit.head, hash.clone()),
                hash,
            });
            if rows.len() >= batch {
                insert(&mut l, inst, &rows).await?;
                loaded += rows.len();
                rows.clear();
                if loaded % 1_000_000 < batch {
                    println!(
                        "  {loaded} ratings loaded ({:.0} rows/s)",
                        loaded as f64 / began.elapsed().as_secs_f64()
                    );
                }
            }
        }
    }
    insert(&mut l, inst, &rows).await?;
    loaded += rows.len();
    // The chain heads, so that the application carries on each chain.
    let mut tx = db.begin().await?;
    for u in units.iter().filter(|u| u.seq > 0) {
        langnghe_app::tx_run!(&mut tx, c => sqlx::query(
            "INSERT INTO chain_heads (unit_id, seq, hash) VALUES ($1, $2, $3)
             ON CONFLICT (unit_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash")
            .bind(u.id).bind(u.seq).bind(&u.head).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    }
    tx.commit().await?;
    Ok(loaded)
}

struct Row {
    unit_id: i64,
    seq: i64,
    channel: &'static str,
    score: i32,
    counter: Option<i64>,
    procedure: Option<i64>,
    at: chrono::DateTime<Utc>,
    day: NaiveDate,
    prev: String,
    hash: String,
}

/// The connection that loads: PostgreSQL with COPY; SQLite with one connection, a large page
/// cache and no sync (a bulk load for a benchmark: durability is not what is measured here).
enum Loader {
    Pg(sqlx::pool::PoolConnection<sqlx::Postgres>),
    Sqlite(sqlx::SqliteConnection),
}

async fn loader(db: &Db, url: &str) -> anyhow::Result<Loader> {
    use sqlx::Connection;
    Ok(match db {
        Db::Postgres(pool) => Loader::Pg(pool.acquire().await?),
        Db::Sqlite(_) => {
            let mut c = sqlx::SqliteConnection::connect(url).await?;
            for pragma in [
                "PRAGMA cache_size = -1000000",
                "PRAGMA synchronous = OFF",
                "PRAGMA temp_store = MEMORY",
            ] {
                sqlx::query(pragma).execute(&mut c).await?;
            }
            Loader::Sqlite(c)
        }
    })
}

async fn insert(l: &mut Loader, inst: i64, rows: &[Row]) -> anyhow::Result<()> {
    use sqlx::Connection;
    if rows.is_empty() {
        return Ok(());
    }
    match l {
        Loader::Pg(c) => {
            let mut copy = c
                .copy_in_raw(
                    "COPY ratings (unit_id, seq, instrument_id, channel, score, counter_id, procedure_id,
                                   created_at, day, prev_hash, hash) FROM STDIN",
                )
                .await?;
            let mut buf = String::with_capacity(rows.len() * 220);
            let opt = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_else(|| "\\N".into());
            for r in rows {
                buf.push_str(&format!(
                    "{}\t{}\t{inst}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
                    r.unit_id,
                    r.seq,
                    r.channel,
                    r.score,
                    opt(r.counter),
                    opt(r.procedure),
                    r.at.to_rfc3339(),
                    r.day,
                    r.prev,
                    r.hash
                ));
            }
            copy.send(buf.as_bytes()).await?;
            copy.finish().await?;
        }
        Loader::Sqlite(c) => {
            let mut tx = c.begin().await?;
            for chunk in rows.chunks(100) {
                let values: Vec<String> = (0..chunk.len())
                    .map(|_| format!("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, {inst})"))
                    .collect();
                let sql = format!(
                    "INSERT INTO ratings (unit_id, seq, channel, score, counter_id, procedure_id, created_at, day,
                                          prev_hash, hash, instrument_id) VALUES {}",
                    values.join(", ")
                );
                let mut q = sqlx::query(&sql);
                for r in chunk {
                    q = q
                        .bind(r.unit_id)
                        .bind(r.seq)
                        .bind(r.channel)
                        .bind(r.score)
                        .bind(r.counter)
                        .bind(r.procedure)
                        .bind(r.at)
                        .bind(r.day)
                        .bind(&r.prev)
                        .bind(&r.hash);
                }
                q.execute(&mut *tx).await?;
            }
            tx.commit().await?;
        }
    }
    Ok(())
}

async fn run_backend(
    label: &str,
    url: &str,
    args: &Args,
    dir: &std::path::Path,
) -> anyhow::Result<()> {
    let opts = Opts::local(url, dir, bench::SECRET);
    let db = langnghe_server::startup::connect(&opts).await?;
    let demo = langnghe_app::db::demo::DemoSpec::structure_only();
    // The demo province has 22 units; synthetic communes make up the rest.
    let spec = langnghe_app::db::demo::DemoSpec {
        synthetic_units: args.units.saturating_sub(22),
        ..demo
    };
    langnghe_server::startup::seed_demo_if_empty(&db, &spec).await?;
    let t = Instant::now();
    let n = load(&db, url, args).await?;
    let load_s = t.elapsed().as_secs_f64();
    let units: i64 = langnghe_app::db_run!(&db, c => sqlx::query_scalar("SELECT COUNT(*) FROM units").fetch_one(c).await)?;
    println!(
        "{label}: {n} ratings over {units} units loaded in {load_s:.1} s ({:.0} rows/s)",
        n as f64 / load_s
    );
    let t = Instant::now();
    rollup::rebuild(&db).await?;
    println!(
        "{label}: rollups built from the raw rows in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    match &db {
        Db::Sqlite(p) => {
            sqlx::query("ANALYZE").execute(p).await?;
        }
        Db::Postgres(p) => {
            sqlx::query("VACUUM ANALYZE").execute(p).await?;
        }
    }
    let today = langnghe_app::db::today();
    let quarter = Period::quarter_of(today);
    let year =
        Period::parse(&format!("{}..{}", today - Duration::days(364), today)).expect("a year");
    // Agreement: every unit's counts for the quarter and the year, rollup against raw.
    for p in [&quarter, &year] {
        let a = indices::unit_tallies(&db, p).await?;
        let b = indices::unit_tallies_raw(&db, p).await?;
        anyhow::ensure!(
            a == b,
            "{label}: rollups and raw ratings disagree for {}",
            p.key()
        );
        println!(
            "{label}: rollups agree with the raw ratings for {} ({} units, {} answers)",
            p.key(),
            a.len(),
            a.values().map(|t| t.n()).sum::<i64>()
        );
    }
    let reps = args.requests;
    let (r50, r95) = time(reps, || async {
        Ok(indices::unit_tallies(&db, &quarter).await?)
    })
    .await?;
    let (w50, w95) = time(reps.min(10), || async {
        Ok(indices::unit_tallies_raw(&db, &quarter).await?)
    })
    .await?;
    println!(
        "{label}: the quarter's counts per unit — rollup p50 {r50:.1} ms p95 {r95:.1} ms; raw scan p50 {w50:.1} ms p95 {w95:.1} ms ({:.0}× faster)",
        w50 / r50.max(0.001)
    );
    // The pages, over HTTP, as a leader of the whole province.
    let running = langnghe_server::startup::start(&opts, db.clone()).await?;
    let base = running.base_url.clone();
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let login = client
        .post(format!("{base}/api/login"))
        .header("origin", &base)
        .header("accept", "text/html")
        .form(&[("username", "lanhdao"), ("password", "langnghe-lanhdao")])
        .send()
        .await?;
    anyhow::ensure!(
        login.status().is_redirection(),
        "sign-in failed: {}",
        login.status()
    );
    // A busy unit for the unit page (its heat map reads that unit's raw answers).
    let busy = langnghe_app::db::units::all(&db)
        .await?
        .into_iter()
        .find(|u| u.code == "TTHCC")
        .map(|u| u.id)
        .unwrap_or(1);
    let paths = [
        "/dashboard".to_string(),
        "/indices".to_string(),
        format!("/indices/unit/{busy}"),
        "/indices/compare".to_string(),
        "/dashboard/report".to_string(),
    ];
    for path in paths.iter() {
        let url = format!("{base}{path}");
        let (p50, p95) = time(reps, || {
            let c = client.clone();
            let url = url.clone();
            async move {
                let r = c.get(&url).header("accept", "text/html").send().await?;
                anyhow::ensure!(r.status() == 200, "{url}: {}", r.status());
                r.bytes().await?;
                Ok(())
            }
        })
        .await?;
        println!("{label}: GET {path} (warm, {reps} requests) p50 {p50:.1} ms p95 {p95:.1} ms");
    }
    let _ = running.shutdown.send(true);
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    bench::init("warn,sqlx=error");
    let dir = bench::scratch_dir("langnghe-index-bench")?;
    println!(
        "Lắng Nghe index bench: {} ratings, {} units, {} days, {} cores",
        args.ratings,
        args.units,
        args.days,
        bench::cores()
    );
    if !args.pg_only {
        let url = format!("sqlite:{}", dir.join("bench.db").display());
        run_backend("SQLite", &url, &args, &dir).await?;
    }
    if !args.sqlite_only {
        bench::with_pg_database(&args.pg, "langnghe_ibench", |url| {
            let (args, dir) = (&args, &dir);
            async move { run_backend("PostgreSQL", &url, args, dir).await }
        })
        .await?;
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
