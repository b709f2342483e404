//! `langnghe-inflation-bench`: how many fake kiosk answers still count, per kiosk and hour,
//! against the kiosk rules (`domain::kiosk_guard`), and how many ordinary answers are flagged.
//!
//! ```sh
//! cargo run --release --bin langnghe-inflation-bench -- --seconds 20
//! ```
//!
//! On SQLite (a new file) and PostgreSQL (a new database), each holding the whole demo (sixty
//! days of history at its eight kiosks):
//!
//! 1. **Copied cookies at full speed, over HTTP** (today): each demo kiosk is registered by its own
//!    device, which answers now and then; its cookies are copied to another machine
//!    (127.0.0.2) that posts as fast as it can for `--seconds` with `--connections` per kiosk:
//!    alternating 5/4, or 5,5,5,5,3 on a three-face kiosk.
//! 2. **Attackers who pace themselves**, one opening day each (07:30–16:30, through the writer's
//!    own batch path with the times the server would give): a script at two answers a second
//!    for an hour; six a minute (just under the minute ceiling) for an hour; thirty an hour at
//!    random moments all day (just under the hourly ceiling); and the most a day that the day
//!    test lets through, worked out from each kiosk's own history.
//! 3. **Ordinary traffic**: the demo's own sixty days, then ten busy ordinary days to come at
//!    every kiosk with the demo's patterns, and the rhythm rule on a million Poisson queues.
//!
//! The order printed is 1, 3, 2: the days of parts 3 and 2 come after today's attack.

// A measuring tool: a client that cannot be built is a reason to stop at once.
#![allow(clippy::expect_used)]

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use clap::Parser;
use langnghe_app::db::ratings::{self, NewRating, Rules};
use langnghe_app::db::{demo, kiosks, Db};
use langnghe_app::domain::kiosk_guard::{day_anomaly, metronome, DayCounts, KioskLimits};
use langnghe_app::domain::rating::{face_scores, Channel};
use langnghe_server::bench;
use langnghe_server::config::Opts;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

#[derive(Parser, Debug)]
#[command(about = "Lắng Nghe: fake kiosk answers that still count, and ordinary answers flagged")]
struct Args {
    /// Seconds of the full-speed attack over HTTP.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Attacking connections per kiosk.
    #[arg(long, default_value_t = 8)]
    connections: usize,
    /// PostgreSQL server for the PostgreSQL run (a database is created and dropped).
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pg: String,
    /// Skip PostgreSQL.
    #[arg(long)]
    sqlite_only: bool,
    /// Busy ordinary days replayed for false positives.
    #[arg(long, default_value_t = 10)]
    busy_days: usize,
}

/// Answers whose nonce starts with `prefix`: (all, counted, flagged by reason), per kiosk.
async fn tally(
    db: &Db,
    prefix: &str,
) -> anyhow::Result<BTreeMap<i64, (i64, i64, BTreeMap<String, i64>)>> {
    let like = format!("{prefix}%");
    let rows: Vec<(i64, Option<String>, i64)> = langnghe_app::db_run!(db, c => sqlx::query_as(
        "SELECT r.kiosk_id, CASE WHEN f.rating_id IS NULL OR f.cleared_at IS NOT NULL THEN NULL ELSE f.reason END, COUNT(*)
           FROM ratings r LEFT JOIN rating_flags f ON f.rating_id = r.id
          WHERE r.client_nonce LIKE $1 GROUP BY r.kiosk_id, 2")
        .bind(&like).fetch_all(c).await)?;
    let mut out: BTreeMap<i64, (i64, i64, BTreeMap<String, i64>)> = BTreeMap::new();
    for (k, why, n) in rows {
        let e = out.entry(k).or_default();
        e.0 += n;
        match why {
            None => e.1 += n,
            Some(w) => *e.2.entry(w).or_default() += n,
        }
    }
    Ok(out)
}

fn reasons(m: &BTreeMap<String, i64>) -> String {
    if m.is_empty() {
        return "-".into();
    }
    m.iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A client with its own cookie jar; from `local` when given.
fn client(local: Option<[u8; 4]>) -> (reqwest::Client, Arc<reqwest::cookie::Jar>) {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let mut b = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none());
    if let Some(ip) = local {
        b = b.local_address(std::net::IpAddr::from(ip));
    }
    (b.build().expect("client"), jar)
}

async fn post_rate(c: &reqwest::Client, base: &str, score: &str, nonce: &str) -> bool {
    let r = c
        .post(format!("{base}/api/kiosk/rate"))
        .header("origin", base)
        .header("referer", format!("{base}/kiosk"))
        .header("accept", "text/html")
        .form(&[("score", score), ("nonce", nonce)])
        .send()
        .await;
    match r {
        Ok(res) => {
            let ok = res
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|l| l.starts_with("/kiosk/thanks"));
            let _ = res.bytes().await;
            ok
        }
        Err(_) => false,
    }
}

/// Part 1: the copied cookies at full speed over HTTP.
async fn http_attack(base: &str, db: &Db, args: &Args, label: &str) -> anyhow::Result<()> {
    let n = langnghe_app::db::demo_catalog::KIOSKS.len();
    let mut devices = Vec::new();
    for k in 0..n {
        let (c, jar) = client(None);
        let token = demo::demo_kiosk_token(k);
        c.get(format!("{base}/kiosk?token={token}")).send().await?;
        let kiosk = kiosks::kiosk_by_token(db, &token)
            .await?
            .ok_or_else(|| anyhow::anyhow!("demo kiosk {k}"))?;
        post_rate(
            &c,
            base,
            &face_scores(kiosk.faces)[1].to_string(),
            &format!("legit-{k}-0"),
        )
        .await;
        devices.push((kiosk, c, jar));
    }
    let deadline = Instant::now() + std::time::Duration::from_secs(args.seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (kiosk, legit, jar) in &devices {
        use reqwest::cookie::CookieStore;
        let url: reqwest::Url = base.parse()?;
        let cookies = jar
            .cookies(&url)
            .and_then(|v| v.to_str().ok().map(str::to_string))
            .unwrap_or_default();
        let pattern: Vec<&'static str> = if kiosk.faces == 3 {
            vec!["5", "5", "5", "5", "3"]
        } else {
            vec!["5", "4"]
        };
        for conn in 0..args.connections {
            // The copy: the same cookies on another machine (one browser there).
            let (c, _) = {
                let (c, jar) = client(Some([127, 0, 0, 2]));
                for part in cookies.split(';') {
                    jar.add_cookie_str(&format!("{}; Path=/", part.trim()), &url);
                }
                (c, jar)
            };
            let (base, pattern, kid) = (base.to_string(), pattern.clone(), kiosk.id);
            tasks.push(tokio::spawn(async move {
                let (mut sent, mut acked) = (0u64, 0u64);
                let mut i = 0usize;
                while Instant::now() < deadline {
                    let nonce = format!("attack-{kid}-{conn}-{i}");
                    if post_rate(&c, &base, pattern[i % pattern.len()], &nonce).await {
                        acked += 1;
                    }
                    sent += 1;
                    i += 1;
                }
                (sent, acked)
            }));
        }
        // Meanwhile the counter's own device goes on: a citizen every few seconds here (the
        // attack is short), with the device's own cookies.
        let (legit, base, kid) = (legit.clone(), base.to_string(), kiosk.id);
        let faces = face_scores(kiosk.faces);
        tasks.push(tokio::spawn(async move {
            let mut i = 1u64;
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(kid as u64);
            while Instant::now() < deadline {
                tokio::time::sleep(std::time::Duration::from_millis(rng.gen_range(2000..6000)))
                    .await;
                let s = faces[rng.gen_range(0..faces.len())].to_string();
                post_rate(&legit, &base, &s, &format!("legit-{kid}-{i}")).await;
                i += 1;
            }
            (0, 0)
        }));
    }
    let (mut sent, mut acked) = (0, 0);
    for t in tasks {
        if let Ok((s, a)) = t.await {
            sent += s;
            acked += a;
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let fake = tally(db, "attack-").await?;
    let legit = tally(db, "legit-").await?;
    let alerts = kiosks::open_alerts(db, "/").await?;
    println!(
        "\n{label} — 1. copied cookies of {n} kiosks at full speed from another machine, {:.0} s, {} connections per kiosk",
        secs, args.connections
    );
    println!(
        "   {sent} answers posted, {acked} acknowledged ({:.0}/s)",
        acked as f64 / secs
    );
    println!(
        "   {:<36} {:>7} {:>8}  {:<34} alerts · the counter's own device",
        "kiosk", "fake", "counted", "flagged"
    );
    let mut total_counted = 0;
    for (kiosk, _, _) in &devices {
        let (all, counted, why) = fake.get(&kiosk.id).cloned().unwrap_or_default();
        total_counted += counted;
        let kinds: Vec<String> = alerts
            .iter()
            .filter(|a| a.kiosk_id == kiosk.id)
            .map(|a| format!("{} ×{}", a.kind, a.hits))
            .collect();
        let own = legit.get(&kiosk.id).cloned().unwrap_or_default();
        println!(
            "   {:<36} {:>7} {:>8}  {:<34} {} · own: {} of {} counted ({})",
            format!("{} ({} faces)", kiosk.name, kiosk.faces),
            all,
            counted,
            reasons(&why),
            kinds.join(", "),
            own.1,
            own.0,
            reasons(&own.2)
        );
    }
    println!(
        "   fake answers counted in all: {total_counted} (before: 3,868 unflagged in 20 s from 8 kiosks). The ceilings count every\n   answer received, so at this speed the minute and the hour stay full: the count would not grow however long it went on."
    );
    Ok(())
}

/// The next `n` weekdays after `from`.
fn weekdays_after(from: NaiveDate, n: usize) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let mut d = from;
    while out.len() < n {
        d += Duration::days(1);
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            out.push(d);
        }
    }
    out
}

fn local(day: NaiveDate, secs: i64) -> DateTime<Utc> {
    chrono_tz::Asia::Ho_Chi_Minh
        .from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(Utc::now)
        + Duration::seconds(secs)
}

/// Part 2: attackers who pace themselves, one simulated opening day each.
async fn paced(db: &Db, label: &str, days: &[NaiveDate]) -> anyhow::Result<()> {
    let root = langnghe_app::db::units::root(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no province"))?;
    let list = kiosks::kiosks_in(db, &root.path).await?;
    let inst: i64 = langnghe_app::db_run!(db, c => sqlx::query_scalar(
        "SELECT id FROM instruments WHERE status = 'published' ORDER BY id LIMIT 1").fetch_one(c).await)?;
    let rules = Rules::default();
    let limits = KioskLimits::default();
    let answer = |k: &kiosks::Kiosk, score: i32, nonce: String| {
        let mut r = NewRating::new(k.unit_id, inst, Channel::Kiosk, score);
        r.faces = Some(k.faces);
        r.counter_id = Some(k.counter_id);
        r.kiosk_id = Some(k.id);
        r.client_nonce = Some(nonce);
        r
    };
    println!("\n{label} — 2. attackers who pace themselves (one opening day each, 07:30–16:30, with a busy day's own answers)");
    println!(
        "   {:<58} {:>9} {:>9} {:>9} {:>9}  flagged",
        "strategy", "fake/day", "counted", "per hour", "worst/h"
    );
    let strategies = [
        "a script, 2 a second for an hour (5/4 or 5,5,5,5,3)",
        "6 a minute for an hour (just under the minute ceiling)",
        "30 an hour at random moments all day (under the hour)",
        "the most a day the day test lets through, at random",
    ];
    for (s, name) in strategies.iter().enumerate() {
        let started = Instant::now();
        let day = days[s];
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(100 + s as u64);
        let ordinary = demo::busy_day(db, day, 15, 200 + s as u64).await?;
        let mut jobs: Vec<(NewRating, DateTime<Utc>)> = Vec::new();
        for (i, (mut r, at)) in ordinary.into_iter().enumerate() {
            r.client_nonce = Some(format!("ordinary-{s}-{i}"));
            jobs.push((r, at));
        }
        for k in &list {
            let top = *face_scores(k.faces).last().unwrap_or(&5);
            let pattern: Vec<i32> = if k.faces == 3 {
                vec![5, 5, 5, 5, 3]
            } else {
                vec![5, 4]
            };
            let times: Vec<(i32, DateTime<Utc>)> = match s {
                0 => (0..7200)
                    .map(|i| {
                        (
                            pattern[i % pattern.len()],
                            local(day, 9 * 3600) + Duration::milliseconds(i as i64 * 500),
                        )
                    })
                    .collect(),
                1 => (0..360)
                    .map(|i| {
                        (
                            pattern[i % pattern.len()],
                            local(day, 9 * 3600) + Duration::seconds(i as i64 * 10),
                        )
                    })
                    .collect(),
                2 => {
                    let mut v: Vec<(i32, DateTime<Utc>)> = (0..9)
                        .flat_map(|h| {
                            let mut in_hour: Vec<i64> =
                                (0..30).map(|_| rng.gen_range(0..3600)).collect();
                            in_hour.sort();
                            in_hour
                                .into_iter()
                                .map(move |x| (top, local(day, 7 * 3600 + 1800 + h * 3600 + x)))
                        })
                        .collect();
                    v.sort_by_key(|(_, t)| *t);
                    v
                }
                _ => {
                    // The kiosk's history and the day's own answers, as the day test sees them.
                    let (ha, hs, hd): (i64, i64, i64) = langnghe_app::db_run!(db, c => sqlx::query_as(
                        "SELECT CAST(COALESCE(SUM(kept), 0) AS BIGINT), CAST(COALESCE(SUM(kept_satisfied), 0) AS BIGINT), COUNT(*)
                           FROM kiosk_days WHERE kiosk_id = $1 AND day >= $2 AND day < $3 AND kept > 0 AND (held_at IS NULL OR released_at IS NOT NULL)")
                        .bind(k.id).bind(day - Duration::days(limits.day.history_days)).bind(day).fetch_one(c).await)?;
                    let own: Vec<&(NewRating, DateTime<Utc>)> = jobs
                        .iter()
                        .filter(|(r, _)| r.kiosk_id == Some(k.id))
                        .collect();
                    let (oa, os) = (
                        own.len() as i64,
                        own.iter().filter(|(r, _)| r.score >= 4).count() as i64,
                    );
                    let passes = |f: i64| {
                        // Every moment of the day: the fakes spread evenly among the answers.
                        (1..=oa + f).all(|m| {
                            let fakes = f * m / (oa + f).max(1);
                            let real = m - fakes;
                            let sat = fakes + os * real / oa.max(1);
                            day_anomaly(
                                DayCounts {
                                    answers: m,
                                    satisfied: sat,
                                    history_answers: ha,
                                    history_satisfied: hs,
                                    history_days: hd,
                                },
                                &limits.day,
                            )
                            .is_none()
                        })
                    };
                    let f = (0..500).take_while(|f| passes(*f)).last().unwrap_or(0);
                    let mut v: Vec<(i32, DateTime<Utc>)> = (0..f)
                        .map(|_| {
                            (
                                top,
                                local(day, 7 * 3600 + 1800 + rng.gen_range(0..9 * 3600)),
                            )
                        })
                        .collect();
                    v.sort_by_key(|(_, t)| *t);
                    v
                }
            };
            for (i, (score, at)) in times.into_iter().enumerate() {
                let score = if face_scores(k.faces).contains(&score) {
                    score
                } else {
                    top
                };
                jobs.push((answer(k, score, format!("paced-{s}-{}-{i}", k.id)), at));
            }
        }
        jobs.sort_by_key(|(_, t)| *t);
        ratings::save_many(db, &rules, jobs).await?;
        let fake = tally(db, &format!("paced-{s}-")).await?;
        let ordinary = tally(db, &format!("ordinary-{s}-")).await?;
        let (mut all, mut counted, mut why, mut worst) = (0, 0, BTreeMap::new(), 0);
        for (a, c, w) in fake.values() {
            all += a;
            counted += c;
            worst = worst.max(*c);
            for (k, v) in w {
                *why.entry(k.clone()).or_insert(0) += v;
            }
        }
        let n = list.len() as i64;
        let own: (i64, i64) = ordinary
            .values()
            .fold((0, 0), |acc, (a, c, _)| (acc.0 + a, acc.1 + c));
        println!(
            "   {:<58} {:>9} {:>9} {:>9.1} {:>9.1}  {}",
            name,
            all / n,
            format!("{:.1}", counted as f64 / n as f64),
            counted as f64 / n as f64 / 9.0,
            worst as f64 / 9.0,
            reasons(&why)
        );
        println!(
            "   {:<58} the kiosks' own answers that day: {} of {} counted ({:.0} s)",
            "",
            own.1,
            own.0,
            started.elapsed().as_secs_f64()
        );
    }
    println!("   (per kiosk, the mean of the eight and the worst one; \"per hour\" is per opening hour of the day; the day test");
    println!("   holds a kiosk's whole day once it fires, the kiosk's own answers of that day with it, until an administrator releases it)");
    Ok(())
}

/// Part 3: ordinary traffic is not flagged.
async fn ordinary(db: &Db, label: &str, days: &[NaiveDate]) -> anyhow::Result<()> {
    let reasons_all: Vec<(String, i64)> = langnghe_app::db_run!(db, c => sqlx::query_as(
        "SELECT f.reason, COUNT(*) FROM rating_flags f JOIN ratings r ON r.id = f.rating_id
          WHERE r.client_nonce IS NULL AND r.kiosk_id IS NOT NULL GROUP BY f.reason ORDER BY f.reason")
        .fetch_all(c).await)?;
    let demo_answers: i64 = langnghe_app::db_run!(db, c => sqlx::query_scalar(
        "SELECT COUNT(*) FROM ratings WHERE client_nonce IS NULL AND kiosk_id IS NOT NULL").fetch_one(c).await)?;
    println!("\n{label} — 3. ordinary traffic");
    println!(
        "   the demo's sixty days: {demo_answers} kiosk answers, flagged: {} (the demo plants one burst of 6 on purpose)",
        reasons(&reasons_all.into_iter().collect())
    );
    // Busy ordinary days after the demo's sixty (their history is the demo's, then theirs).
    let rules = Rules::default();
    let mut n = 0;
    for (i, d) in days.iter().enumerate() {
        let mut list = demo::busy_day(db, *d, 40, 1000 + i as u64).await?;
        for (j, (r, _)) in list.iter_mut().enumerate() {
            r.client_nonce = Some(format!("busy-{i}-{j}"));
        }
        n += list.len();
        ratings::save_many(db, &rules, list).await?;
    }
    let busy = tally(db, "busy-").await?;
    let flagged: BTreeMap<String, i64> = busy.values().fold(BTreeMap::new(), |mut m, (_, _, w)| {
        for (k, v) in w {
            *m.entry(k.clone()).or_insert(0) += v;
        }
        m
    });
    println!(
        "   {} busy ordinary days at {} kiosks (about 40 answers each a day, the demo's patterns): {n} answers, flagged: {}",
        days.len(),
        busy.len(),
        reasons(&flagged)
    );
    // The rhythm rule on people: 9 gaps drawn from an exponential law (a Poisson queue).
    let limits = KioskLimits::default();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(42);
    let runs = 1_000_000;
    let mut alarms = 0;
    let t0 = Utc::now();
    for _ in 0..runs {
        let mut t = t0;
        let mut times = vec![t];
        for _ in 0..limits.rhythm_run - 1 {
            let u: f64 = rng.gen_range(f64::MIN_POSITIVE..1.0);
            t += Duration::milliseconds((-u.ln() * 120_000.0) as i64);
            times.push(t);
        }
        if metronome(
            &times,
            limits.rhythm_run,
            limits.rhythm_cv,
            Duration::seconds(limits.rhythm_max_gap_secs),
        ) {
            alarms += 1;
        }
    }
    println!(
        "   the rhythm rule on {runs} runs of 10 answers arriving at random (mean gap 2 min): {alarms} false alarms"
    );
    Ok(())
}

async fn run_backend(
    label: &str,
    url: &str,
    args: &Args,
    dir: &std::path::Path,
) -> anyhow::Result<()> {
    // Opening hours off for the app ("always"): the attack over HTTP is measured against the
    // other rules alone, whenever the bench runs (at night every answer would be flagged).
    let opts = Opts::local(url, dir, bench::SECRET);
    let db = langnghe_server::startup::connect(&opts).await?;
    let spec = demo::DemoSpec {
        secret: Some(bench::SECRET.as_bytes().to_vec()),
        feedback: false,
        // The history the README's figures were measured with: sixty days, 600 kiosk answers.
        ratings: 600,
        days: 60,
        ..demo::DemoSpec::default()
    };
    langnghe_server::startup::seed_demo_if_empty(&db, &spec).await?;
    let running = langnghe_server::startup::start(&opts, db.clone()).await?;
    let t = Instant::now();
    let future = weekdays_after(langnghe_app::db::today(), args.busy_days + 4);
    // The attack first, today; then the days to come (busy ordinary days, paced attackers).
    http_attack(&running.base_url, &db, args, label).await?;
    ordinary(&db, label, &future[..args.busy_days]).await?;
    paced(&db, label, &future[args.busy_days..]).await?;
    let (checked, problems) = ratings::verify(&db).await?;
    println!(
        "\n{label}: {checked} ratings and their flags verified, {} problems ({:.0} s)",
        problems.len(),
        t.elapsed().as_secs_f64()
    );
    let _ = running.shutdown.send(true);
    db.close().await;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    bench::init("warn");
    let dir = bench::scratch_dir("langnghe-inflation-bench")?;
    println!(
        "Lắng Nghe inflation bench: {} s attack, {} connections per kiosk, {} cores",
        args.seconds,
        args.connections,
        bench::cores()
    );
    let sqlite_url = format!("sqlite:{}", dir.join("bench.db").display());
    run_backend("SQLite", &sqlite_url, &args, &dir).await?;
    if !args.sqlite_only {
        bench::with_pg_database(&args.pg, "langnghe_inflation", |url| {
            let (args, dir) = (&args, &dir);
            async move { run_backend("PostgreSQL", &url, args, dir).await }
        })
        .await?;
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
