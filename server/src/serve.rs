//! The connection loop: accepts TCP connections and serves HTTP/1.1 on each, with the limits
//! that keep slow and idle clients from taking the server's connections (and its open files):
//!
//! - a cap on the connections one client address holds at once (past it a new connection is
//!   closed at once, without a byte read); off behind a trusted proxy, whose address every
//!   connection has (the proxy limits its clients);
//! - a cap on all connections at once;
//! - a header-read timeout: the request line and headers must arrive within it, counted from the
//!   moment the server waits for them, so it also closes a kept-alive connection that stays idle;
//! - an idle timeout of the request body (no byte of it for that long) and of the response (the
//!   client does not take a byte of it for that long).
//!
//! On shutdown the listener closes first, then every connection finishes its request in flight.

use axum::extract::ConnectInfo;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tower::ServiceExt;

/// The limits of [`serve`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Connections one client address may hold at once; `None`: no cap.
    pub per_address: Option<usize>,
    /// Connections held at once, from everyone.
    pub total: usize,
    /// The request line and headers must arrive within it (also the longest idle keep-alive).
    pub header_timeout: Duration,
    /// The longest wait for the next byte of a request body, or for the client to take the
    /// next bytes of a response.
    pub idle_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            per_address: Some(256),
            total: 10_000,
            header_timeout: Duration::from_secs(15),
            idle_timeout: Duration::from_secs(60),
        }
    }
}

/// Connections held now, per client address and in all.
#[derive(Default)]
struct Held {
    by_address: HashMap<IpAddr, usize>,
    total: usize,
}

/// One held connection; dropping it gives its place back.
struct Place {
    held: Arc<Mutex<Held>>,
    ip: IpAddr,
}

impl Place {
    fn take(held: &Arc<Mutex<Held>>, ip: IpAddr, limits: &Limits) -> Option<Place> {
        let mut h = held.lock().ok()?;
        let mine = h.by_address.get(&ip).copied().unwrap_or(0);
        if h.total >= limits.total || limits.per_address.is_some_and(|cap| mine >= cap) {
            return None;
        }
        h.total += 1;
        *h.by_address.entry(ip).or_insert(0) += 1;
        Some(Place {
            held: held.clone(),
            ip,
        })
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        if let Ok(mut h) = self.held.lock() {
            h.total = h.total.saturating_sub(1);
            if let Some(n) = h.by_address.get_mut(&self.ip) {
                *n -= 1;
                if *n == 0 {
                    h.by_address.remove(&self.ip);
                }
            }
        }
    }
}

/// The address a connection is counted under: an IPv4 client seen through IPv6 is its IPv4
/// address, an IPv6 client its /64 (like the rate limits).
fn client_of(peer: &SocketAddr) -> IpAddr {
    match peer.ip() {
        IpAddr::V6(a) => match a.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = a.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
        v4 => v4,
    }
}

/// A body refused for its size is left unread, so the connection cannot carry another request:
/// say so (`Connection: close`), or a client would send its next request on it and see the
/// connection drop.
async fn close_after_refused_body(mut res: axum::response::Response) -> axum::response::Response {
    if res.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        res.headers_mut().insert(
            axum::http::header::CONNECTION,
            axum::http::HeaderValue::from_static("close"),
        );
    }
    res
}

/// Serves `router` on `listener` until `stop` turns true, then drains the connections.
/// Each request carries `ConnectInfo<SocketAddr>` like `axum::serve` gives it.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> std::io::Result<()> {
    let router = router
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            limits.idle_timeout,
        ))
        .layer(axum::middleware::map_response(close_after_refused_body));
    let held = Arc::new(Mutex::new(Held::default()));
    let graceful = GracefulShutdown::new();
    let mut refused: u64 = 0;
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stop.wait_for(|v| *v) => break,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // Out of open files or a connection reset before it was taken: wait a little
                // (the connections in flight end and give their files back) and go on.
                tracing::warn!(error = %e, "accepting a connection failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Some(place) = Place::take(&held, client_of(&peer), &limits) else {
            refused += 1;
            // Once per 100, so that a flood does not flood the log too.
            if refused % 100 == 1 {
                tracing::warn!(refused, "connection refused: too many from one address");
            }
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let mut io = tokio_io_timeout::TimeoutStream::new(stream);
        io.set_write_timeout(Some(limits.idle_timeout));
        let io = TokioIo::new(Box::pin(io));
        let svc = router.clone().map_request(
            move |mut req: axum::http::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                req
            },
        );
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            .serve_connection(io, TowerToHyperService::new(svc));
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
            drop(place);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// Raises this process's soft limit of open files to its hard limit (where the system allows;
/// every connection is an open file). Returns the limit in force.
pub fn raise_open_file_limit() -> Option<u64> {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(n) => Some(n),
        Err(e) => {
            tracing::warn!(error = %e, "the open-file limit could not be raised");
            rlimit::getrlimit(rlimit::Resource::NOFILE)
                .ok()
                .map(|(soft, _)| soft)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_are_capped_per_address_and_given_back() {
        let limits = Limits {
            per_address: Some(2),
            total: 3,
            ..Limits::default()
        };
        let held = Arc::new(Mutex::new(Held::default()));
        let a: IpAddr = "203.0.113.7".parse().unwrap();
        let b: IpAddr = "203.0.113.8".parse().unwrap();
        let p1 = Place::take(&held, a, &limits).unwrap();
        let _p2 = Place::take(&held, a, &limits).unwrap();
        assert!(Place::take(&held, a, &limits).is_none(), "a third from a");
        let _p3 = Place::take(&held, b, &limits).unwrap();
        assert!(Place::take(&held, b, &limits).is_none(), "three in all");
        drop(p1);
        assert!(
            Place::take(&held, a, &limits).is_some(),
            "a place came back"
        );
        let unlimited = Limits {
            per_address: None,
            ..Limits::default()
        };
        let many: Vec<_> = (0..500)
            .map(|_| Place::take(&held, a, &unlimited))
            .collect();
        assert!(many.iter().all(Option::is_some));
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64() {
        let p = |s: &str| client_of(&s.parse::<SocketAddr>().unwrap());
        assert_eq!(
            p("[2001:db8:1:2:aaaa::1]:5000"),
            p("[2001:db8:1:2:bbbb::9]:6000")
        );
        assert_ne!(p("[2001:db8:1:2::1]:5000"), p("[2001:db8:1:3::1]:5000"));
        assert_eq!(
            p("[::ffff:203.0.113.7]:80"),
            "203.0.113.7".parse::<IpAddr>().unwrap()
        );
    }
}
