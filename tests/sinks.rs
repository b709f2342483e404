//! Real receivers for the notification tests, on localhost: a small SMTP server that keeps every
//! mail it is given, and an HTTP "SMS gateway" that can be told to fail its first requests.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One mail as received: envelope and raw data (headers and encoded body).
#[derive(Debug, Clone)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

impl Mail {
    /// A header's value (first occurrence, unfolded).
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next()?;
        let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
        unfolded
            .lines()
            .find(|l| {
                l.to_lowercase()
                    .starts_with(&format!("{}:", name.to_lowercase()))
            })
            .map(|l| l[name.len() + 1..].trim().to_string())
    }

    /// The body, decoded from base64 or quoted-printable as the mail says.
    pub fn text(&self) -> String {
        let body = self
            .data
            .split_once("\r\n\r\n")
            .map(|(_, b)| b)
            .unwrap_or("");
        let enc = self
            .header("Content-Transfer-Encoding")
            .unwrap_or_default()
            .to_lowercase();
        if enc == "base64" {
            use base64::Engine;
            let clean: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(clean)
                .unwrap_or_default();
            String::from_utf8_lossy(&bytes).into_owned()
        } else if enc == "quoted-printable" {
            let joined = body.replace("=\r\n", "");
            let mut out = Vec::new();
            let b = joined.as_bytes();
            let mut i = 0;
            while i < b.len() {
                if b[i] == b'=' && i + 2 < b.len() {
                    if let Ok(v) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                        out.push(v);
                        i += 3;
                        continue;
                    }
                }
                out.push(b[i]);
                i += 1;
            }
            String::from_utf8_lossy(&out).into_owned()
        } else {
            body.to_string()
        }
    }
}

/// An SMTP server on 127.0.0.1 that accepts every mail.
#[derive(Clone)]
pub struct SmtpSink {
    pub port: u16,
    pub mails: Arc<Mutex<Vec<Mail>>>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind smtp");
        let port = listener.local_addr().expect("addr").port();
        let mails = Arc::new(Mutex::new(Vec::new()));
        let store = mails.clone();
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let store = store.clone();
                tokio::spawn(async move {
                    let (r, mut w) = sock.into_split();
                    let mut lines = BufReader::new(r).lines();
                    let _ = w.write_all(b"220 localhost ESMTP test sink\r\n").await;
                    let (mut from, mut to) = (String::new(), Vec::new());
                    while let Ok(Some(line)) = lines.next_line().await {
                        let upper = line.to_uppercase();
                        let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO")
                        {
                            b"250-localhost\r\n250 8BITMIME\r\n"
                        } else if upper.starts_with("MAIL FROM:") {
                            from = line[10..].trim().to_string();
                            b"250 OK\r\n"
                        } else if upper.starts_with("RCPT TO:") {
                            to.push(line[8..].trim().to_string());
                            b"250 OK\r\n"
                        } else if upper == "DATA" {
                            let _ = w.write_all(b"354 go on\r\n").await;
                            let mut data = String::new();
                            while let Ok(Some(l)) = lines.next_line().await {
                                if l == "." {
                                    break;
                                }
                                data.push_str(
                                    l.strip_prefix('.')
                                        .filter(|_| l.starts_with(".."))
                                        .unwrap_or(&l),
                                );
                                data.push_str("\r\n");
                            }
                            store.lock().expect("lock").push(Mail {
                                from: std::mem::take(&mut from),
                                to: std::mem::take(&mut to),
                                data,
                            });
                            b"250 queued\r\n"
                        } else if upper == "QUIT" {
                            let _ = w.write_all(b"221 bye\r\n").await;
                            break;
                        } else {
                            b"250 OK\r\n"
                        };
                        if w.write_all(reply).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        SmtpSink { port, mails }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn mails(&self) -> Vec<Mail> {
        self.mails.lock().expect("lock").clone()
    }
}

/// One request the gateway received.
#[derive(Debug, Clone)]
pub struct GatewayHit {
    pub idempotency_key: String,
    pub authorization: String,
    pub body: serde_json::Value,
    /// Whether it was answered with success.
    pub accepted: bool,
}

/// An HTTP receiver standing in for an SMS or Zalo provider.
#[derive(Clone)]
pub struct HttpSink {
    pub url: String,
    pub hits: Arc<Mutex<Vec<GatewayHit>>>,
    /// How many of the next requests to answer with 503.
    pub fail_next: Arc<AtomicUsize>,
}

impl HttpSink {
    pub async fn start() -> HttpSink {
        use axum::http::{HeaderMap, StatusCode};
        let hits: Arc<Mutex<Vec<GatewayHit>>> = Arc::new(Mutex::new(Vec::new()));
        let fail_next = Arc::new(AtomicUsize::new(0));
        let (h, f) = (hits.clone(), fail_next.clone());
        let app = axum::Router::new().route(
            "/send",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let (h, f) = (h.clone(), f.clone());
                async move {
                    let fail = f
                        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                        .is_ok();
                    let get = |k: &str| {
                        headers
                            .get(k)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("")
                            .to_string()
                    };
                    h.lock().expect("lock").push(GatewayHit {
                        idempotency_key: get("idempotency-key"),
                        authorization: get("authorization"),
                        body: serde_json::from_str(&body).unwrap_or_default(),
                        accepted: !fail,
                    });
                    if fail {
                        StatusCode::SERVICE_UNAVAILABLE
                    } else {
                        StatusCode::OK
                    }
                }
            }),
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind http");
        let url = format!("http://{}/send", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        HttpSink {
            url,
            hits,
            fail_next,
        }
    }

    pub fn hits(&self) -> Vec<GatewayHit> {
        self.hits.lock().expect("lock").clone()
    }

    pub fn fail_next(&self, n: usize) {
        self.fail_next.store(n, Ordering::SeqCst);
    }
}
