//! Slow and idle connections (issue 16.5): a flood of connections from one client that send
//! nothing, or half a request, is bounded in count (the per-address cap) and in time (the
//! header-read timeout), while a request from another client is served meanwhile.

use langnghe_server::config::Opts;
use langnghe_tests::{both_databases, TestApp, SECRET};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const FLOOD: usize = 1_100;
const CAP: usize = 100;
const HEADER_TIMEOUT: Duration = Duration::from_secs(2);

both_databases!(
    a_flood_of_idle_and_slow_connections_is_bounded,
    |app: TestApp| async move {
        langnghe_server::serve::raise_open_file_limit();
        // A second server on the same database, with a short header timeout for the test.
        let opts = Opts {
            header_timeout_seconds: HEADER_TIMEOUT.as_secs(),
            max_connections_per_address: Some(CAP),
            ..Opts::local(&app.database_url, &app.data_dir, SECRET)
        };
        let running = langnghe_server::startup::start(&opts, app.db.clone())
            .await
            .expect("start");
        let addr = running.addr;
        let started = Instant::now();
        // 1,100 connections from 127.0.0.1: half send nothing, half the start of a request
        // and then nothing more (slowloris). Each task reports when the server closed it.
        // The connections are opened one after the other (as fast as the loopback allows), so
        // that the kernel's queue of connections not yet accepted does not overflow: a
        // connection dropped there never reaches the server and is not what this measures.
        let mut tasks = Vec::new();
        let mut failed = 0;
        for i in 0..FLOOD {
            let mut s = match tokio::net::TcpStream::connect(addr).await {
                Ok(s) => s,
                Err(_) => {
                    failed += 1;
                    continue;
                }
            };
            let connected = Instant::now();
            tasks.push(tokio::spawn(async move {
                if i % 2 == 1 {
                    let _ = s
                        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
                        .await;
                }
                let mut buf = [0u8; 256];
                // The server closes it (EOF, or a reset), or it is still open after 20 s.
                match tokio::time::timeout(Duration::from_secs(20), s.read(&mut buf)).await {
                    Ok(_) => Some(connected.elapsed()),
                    Err(_) => None,
                }
            }));
        }
        assert_eq!(failed, 0, "every connection is taken by the kernel");
        // While they are held, a citizen elsewhere (another address) is served.
        tokio::time::sleep(Duration::from_millis(800)).await;
        let citizen = app.visitor_from("127.0.0.2");
        let t = Instant::now();
        let r = citizen
            .client
            .get(format!("http://{addr}/healthz"))
            .send()
            .await
            .expect("a request from another address is served");
        assert_eq!(r.status(), 200);
        let served_in = t.elapsed();
        assert!(served_in < Duration::from_secs(5), "{served_in:?}");
        let mut closed = Vec::new();
        for t in tasks {
            closed.push(t.await.unwrap());
        }
        let still_open = closed.iter().filter(|c| c.is_none()).count();
        let mut hist = std::collections::BTreeMap::new();
        for c in closed.iter().flatten() {
            *hist.entry(c.as_millis() / 500 * 500).or_insert(0) += 1;
        }
        eprintln!("closed after (ms, count): {hist:?}; open: {still_open}");
        assert_eq!(still_open, 0, "every flood connection is closed in the end");
        let closed: Vec<Duration> = closed.into_iter().flatten().collect();
        // Those past the cap were closed at once; the ones held, at the header timeout.
        let at_once = closed.iter().filter(|d| **d < HEADER_TIMEOUT / 2).count();
        let held = FLOOD - at_once;
        assert!(
            held <= CAP,
            "at most {CAP} connections of one address are held, {held} were"
        );
        let last = closed.iter().max().copied().unwrap_or_default();
        let total = started.elapsed();
        assert!(
            last < HEADER_TIMEOUT + Duration::from_secs(3),
            "the held ones end with the header timeout, the longest after {last:?}"
        );
        langnghe_tests::figure(
            "connection_flood",
            &format!(
                "{:?}: {FLOOD} idle/slow connections from one address: {held} held (cap {CAP}), {at_once} closed at once, none open longer than {:.1} s (header timeout {} s), the whole flood over in {:.1} s; a request from another address answered in {} ms",
                app.backend,
                last.as_secs_f64(),
                HEADER_TIMEOUT.as_secs(),
                total.as_secs_f64(),
                served_in.as_millis()
            ),
        );
        // The places are given back: the same address is served again.
        let r = app
            .client
            .get(format!("http://{addr}/healthz"))
            .send()
            .await
            .expect("served again");
        assert_eq!(r.status(), 200);
        let _ = running.shutdown.send(true);
    }
);
