//! Delivery of the outbox. A worker claims a batch of due messages for a while (a lease written
//! in the row, so several instances on one PostgreSQL never hold the same message), renders each
//! in its recipient's language, sends it on its channel and marks it sent. A failure is retried
//! with growing back-off; a worker that dies mid-send leaves its lease to run out and another
//! worker sends the message again with the same idempotency key (`Message-ID` for e-mail,
//! `Idempotency-Key` for gateways), so a receiver can drop the copy: nothing is lost.

use crate::db::{Db, DbResult};
use crate::i18n::Lang;

use chrono::{DateTime, Duration, NaiveDate, Utc};

/// Chooses the TLS implementation (aws-lc-rs) for every HTTPS and SMTPS client of the process.
/// Call once at start, before any client is built; later calls do nothing.
pub fn install_tls_provider() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

/// How a message left (or did not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    /// No gateway is configured for its channel: not sent, and its text is kept nowhere (a
    /// survey invitation carries a one-time link that works as a password).
    NoGateway,
    /// Worth trying again later (network, 5xx, 429).
    Retry(String),
    /// Will never work (refused address, 4xx).
    Fail(String),
}

/// E-mail over SMTP.
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    /// `smtp://host:port` (plain, for a local relay), `smtp+starttls://…` or `smtps://…`, with
    /// optional `user:password@`.
    pub url: String,
    pub from: String,
}

/// An HTTP gateway for SMS or Zalo: the provider's URL, an `Authorization` header value and a
/// JSON body template with `{{to}}`, `{{text}}` and `{{id}}` (JSON-escaped when filled in).
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    pub url: String,
    pub authorization: String,
    pub body: String,
}

impl GatewayConfig {
    pub const DEFAULT_BODY: &'static str = r#"{"to": {{to}}, "text": {{text}}, "ref": {{id}}}"#;
}

/// Where messages go, from the settings an administrator edits (`outbox.*`). A message on a
/// channel without configuration is not sent (the delivery log says so; its text goes nowhere).
#[derive(Debug, Clone, Default)]
pub struct Channels {
    pub smtp: Option<SmtpConfig>,
    pub sms: Option<GatewayConfig>,
    pub zalo: Option<GatewayConfig>,
    /// The site's public base URL, for links in messages.
    pub base_url: String,
}

/// The events that send a message, in the order the templates page lists them.
pub const EVENTS: [&str; 28] = [
    "feedback.received",
    "feedback.classified",
    "feedback.not_accepted",
    "feedback.forwarded",
    "feedback.answered",
    "feedback.apology",
    "feedback.deadline_moved",
    "feedback.digest",
    "survey.invitation",
    "dossier.received",
    "dossier.supplement",
    "dossier.ready",
    "dossier.completed",
    "dossier.late",
    "dossier.apology",
    "inbound.status",
    "inbound.unknown",
    "inbound.rated",
    "inbound.already",
    "inbound.expired",
    "inbound.help",
    "session.confirmed",
    "session.waiting",
    "session.promoted",
    "session.reminder",
    "session.cancelled",
    "session.rate",
    "report.periodic",
];

/// Queues, once a day, an e-mail to each leader with an e-mail address whose units have feedback
/// cases due soon or overdue. Safe to call often and from several instances (one per leader and
/// day, by its dedupe key). Returns how many were queued.
pub async fn queue_digests(db: &Db, base_url: &str, today: NaiveDate) -> DbResult<usize> {
    let cal = crate::db::calendar::load(db).await?;
    let settings = crate::db::calendar::feedback_settings(db).await?;
    let soon = cal.add_working_days(today, settings.due_soon_days);
    let leaders: Vec<_> = crate::db::accounts::in_subtree(db, "/")
        .await?
        .into_iter()
        .filter(|a| a.active && a.role == "leader" && !a.email.is_empty())
        .collect();
    let mut queued = 0;
    for a in leaders {
        let (open, due_soon, overdue) =
            crate::db::feedback::counts(db, &a.unit_path, today, soon).await?;
        // Satisfaction drops this leader has not been told of yet (each reaches them once).
        let alerts = crate::db::insight::unsent_alerts(db, &a.unit_path, a.id).await?;
        if due_soon + overdue == 0 && alerts.is_empty() {
            continue;
        }
        let alert_lines = alerts
            .iter()
            .map(|x| {
                let place = match (&x.counter_name, x.counter_id) {
                    (Some(c), k) if k != 0 => format!("{} — {c}", x.unit_name),
                    _ => x.unit_name.clone(),
                };
                format!(
                    "- {place}: {:.1} % ({}) / {:.1} %",
                    x.recent * 100.0,
                    x.answers,
                    x.usual * 100.0
                )
            })
            .collect::<Vec<_>>()
            .join("\n");
        let mut tx = db.begin().await?;
        let id = crate::db::notify::enqueue(
            &mut tx,
            &crate::db::notify::Message {
                event: "feedback.digest",
                entity: "account",
                entity_id: a.id,
                channel: "email",
                recipient: &a.email,
                lang: "vi",
                params: serde_json::json!({
                    "name": a.full_name, "unit": a.unit_name, "open": open, "due_soon": due_soon,
                    "overdue": overdue, "url": format!("{base_url}/feedback/cases?due=overdue"),
                    "date": today.to_string(), "alerts": alerts.len(), "alert_lines": alert_lines,
                    "dashboard": format!("{base_url}/dashboard#alerts"),
                }),
                dedupe_key: Some(format!("digest:{}:{today}", a.id)),
            },
        )
        .await?;
        if id.is_some() {
            let ids: Vec<i64> = alerts.iter().map(|x| x.id).collect();
            crate::db::insight::mark_sent(&mut tx, &ids, a.id, today).await?;
        }
        tx.commit().await?;
        queued += usize::from(id.is_some());
    }
    Ok(queued)
}

/// A recipient as the delivery log shows it: enough to tell messages apart, not a contact list.
pub fn mask(recipient: &str) -> String {
    match recipient.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}…@{domain}")
        }
        None => {
            let n = recipient.chars().count();
            let tail: String = recipient.chars().skip(n.saturating_sub(3)).collect();
            format!("…{tail}")
        }
    }
}

/// The keys of the channel settings.
pub const SETTINGS: [&str; 8] = [
    "outbox.smtp_url",
    "outbox.mail_from",
    "outbox.sms_url",
    "outbox.sms_authorization",
    "outbox.sms_body",
    "outbox.zalo_url",
    "outbox.zalo_authorization",
    "outbox.zalo_body",
];

impl Channels {
    /// Whether messages on `channel` can be sent.
    pub fn configured(&self, channel: &str) -> bool {
        match channel {
            "email" => self.smtp.is_some(),
            "sms" => self.sms.is_some(),
            "zalo" => self.zalo.is_some(),
            _ => false,
        }
    }

    /// The channels without a gateway, as i18n keys of their names.
    pub fn missing(&self) -> Vec<&'static str> {
        [
            ("email", "notify.email"),
            ("sms", "notify.sms"),
            ("zalo", "notify.zalo"),
        ]
        .into_iter()
        .filter(|(c, _)| !self.configured(c))
        .map(|(_, k)| k)
        .collect()
    }

    /// The channels as configured now.
    pub async fn load(db: &Db, base_url: &str) -> DbResult<Channels> {
        let pairs = crate::db::settings::with_prefix(db, "outbox.").await?;
        let get = |k: &str| {
            pairs
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let gateway = |prefix: &str| {
            get(&format!("outbox.{prefix}_url")).map(|url| GatewayConfig {
                url,
                authorization: get(&format!("outbox.{prefix}_authorization")).unwrap_or_default(),
                body: get(&format!("outbox.{prefix}_body"))
                    .unwrap_or_else(|| GatewayConfig::DEFAULT_BODY.to_string()),
            })
        };
        Ok(Channels {
            smtp: get("outbox.smtp_url").map(|url| SmtpConfig {
                url,
                from: get("outbox.mail_from").unwrap_or_else(|| "langnghe@localhost".into()),
            }),
            sms: gateway("sms"),
            zalo: gateway("zalo"),
            base_url: base_url.to_string(),
        })
    }
}

pub use crate::db::notify::{claim, Claimed, LEASE_SECONDS};

/// Attempts before a message is given up (marked failed, shown in the delivery log).
pub const MAX_ATTEMPTS: i32 = 8;

/// The wait before attempt `n + 1`: 30 s, 1 min, 2 min … capped at 1 hour.
pub fn backoff(attempts: i32) -> Duration {
    let secs = 30i64.saturating_mul(1 << attempts.clamp(1, 8).saturating_sub(1));
    Duration::seconds(secs.min(3600))
}

/// Records how a claimed message went; only the worker holding it may.
pub async fn finish(
    db: &Db,
    worker: &str,
    m: &Claimed,
    outcome: &Outcome,
    text: &Rendered,
    now: DateTime<Utc>,
) -> DbResult<()> {
    let (status, next, error) = match outcome {
        Outcome::Sent => ("sent", now, String::new()),
        Outcome::NoGateway => ("unsent", now, String::new()),
        Outcome::Retry(e) if m.attempts < MAX_ATTEMPTS => {
            ("pending", now + backoff(m.attempts), e.clone())
        }
        Outcome::Retry(e) | Outcome::Fail(e) => ("failed", now, e.clone()),
    };
    let sent_at = (status == "sent").then_some(now);
    // A dossier's citizen phone is otherwise kept only as a keyed hash: once the invitation has
    // gone (or been given up), only the masked number stays.
    // The same for the replies to citizens' texts: the sender is otherwise kept only hashed.
    let recipient = if status != "pending"
        && (m.event == "survey.invitation" || m.event.starts_with("inbound."))
    {
        mask(&m.recipient)
    } else {
        m.recipient.clone()
    };
    // The delivery log keeps the text as sent, its one-time links masked; nothing of a message
    // that was not sent.
    let (subject, body) = if status == "unsent" {
        (String::new(), String::new())
    } else {
        let params: serde_json::Value = serde_json::from_str(&m.params).unwrap_or_default();
        (text.subject.clone(), mask_links(&text.body, &params))
    };
    crate::db::notify::record_outcome(
        db,
        worker,
        m.id,
        &crate::db::notify::Outcome {
            status,
            next_attempt_at: next,
            error: &error,
            sent_at,
            subject: &subject,
            body: &body,
            recipient: &recipient,
        },
    )
    .await?;
    // The dossier's apology counts as sent when its text has left, not when it was queued.
    if let (Some(at), "dossier.apology") = (sent_at, m.event.as_str()) {
        crate::db::journey::mark_apology_sent(db, m.id, at).await?;
    }
    Ok(())
}

/// The text with the one-time links of its values (`url` of a survey invitation or a session's
/// rating link: whoever holds one can answer in the citizen's name) cut after their first path
/// part: `http://host/s/…`.
pub fn mask_links(text: &str, params: &serde_json::Value) -> String {
    let mut out = text.to_string();
    if let Some(url) = params.get("url").and_then(|v| v.as_str()) {
        if let Ok(u) = url::Url::parse(url) {
            let first = u.path_segments().and_then(|mut p| p.next()).unwrap_or("");
            if matches!(first, "s" | "sessions") {
                let masked = format!("{}/{first}/…", u.origin().ascii_serialization());
                out = out.replace(url, &masked);
            }
        }
    }
    out
}

/// A message in its recipient's language.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub body: String,
}

/// Fills `%{name}` placeholders from a JSON object; dates (`yyyy-mm-dd`) are written dd/mm/yyyy.
pub fn fill(template: &str, params: &serde_json::Value) -> String {
    let mut out = template.to_string();
    if let Some(map) = params.as_object() {
        for (k, v) in map {
            let s = match v {
                serde_json::Value::String(s) => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                    Ok(d) => d.format("%d/%m/%Y").to_string(),
                    Err(_) => s.clone(),
                },
                other => other.to_string(),
            };
            out = out.replace(&format!("%{{{k}}}"), &s);
        }
    }
    out
}

/// The template of `event` in `lang`: the administrator's version if there is one, else the
/// app's own.
pub async fn template(db: &Db, event: &str, lang: Lang) -> DbResult<Rendered> {
    Ok(
        match crate::db::notify::own_template(db, event, lang.code()).await? {
            Some((subject, body)) => Rendered { subject, body },
            None => Rendered {
                subject: lang.t(&format!("msg.{event}.subject")),
                body: lang.t(&format!("msg.{event}.body")),
            },
        },
    )
}

/// Renders a claimed message: its template with its values, plus the link to follow it.
pub async fn render(db: &Db, channels: &Channels, m: &Claimed) -> DbResult<Rendered> {
    let lang = Lang::parse(&m.lang).unwrap_or_default();
    let mut params: serde_json::Value = serde_json::from_str(&m.params).unwrap_or_default();
    let follow = m.event.starts_with("feedback.") && m.event != "feedback.digest";
    let code = params
        .get("code")
        .and_then(|c| c.as_str())
        .map(str::to_string);
    if let (true, Some(map), Some(code)) = (follow, params.as_object_mut(), code) {
        map.insert(
            "url".into(),
            serde_json::Value::String(format!("{}/feedback/track?code={code}", channels.base_url)),
        );
    }
    let t = template(db, &m.event, lang).await?;
    Ok(Rendered {
        subject: fill(&t.subject, &params),
        body: fill(&t.body, &params),
    })
}

/// The file a message carries (`params.attachment`: name, MIME type, base64 bytes), if any.
fn attachment_of(params: &str) -> Option<(String, String, Vec<u8>)> {
    use base64::Engine;
    let v: serde_json::Value = serde_json::from_str(params).ok()?;
    let a = v.get("attachment")?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(a.get("base64")?.as_str()?)
        .ok()?;
    Some((
        a.get("name")?.as_str()?.to_string(),
        a.get("type")?.as_str()?.to_string(),
        bytes,
    ))
}

/// Sends one rendered message on its channel; without a gateway for it, it is not sent.
pub async fn send(
    channels: &Channels,
    http: &reqwest::Client,
    m: &Claimed,
    text: &Rendered,
) -> Outcome {
    match (
        m.channel.as_str(),
        &channels.smtp,
        &channels.sms,
        &channels.zalo,
    ) {
        ("email", Some(cfg), _, _) => send_mail(cfg, m, text).await,
        ("sms", _, Some(cfg), _) => send_gateway(http, cfg, m, &text.body).await,
        ("zalo", _, _, Some(cfg)) => send_gateway(http, cfg, m, &text.body).await,
        _ => Outcome::NoGateway,
    }
}

async fn send_mail(cfg: &SmtpConfig, m: &Claimed, text: &Rendered) -> Outcome {
    use lettre::message::header::ContentType;
    use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
    let (Ok(from), Ok(to)) = (cfg.from.parse(), m.recipient.parse()) else {
        return Outcome::Fail("bad address".into());
    };
    let host = cfg.from.rsplit('@').next().unwrap_or("langnghe");
    let builder = Message::builder()
        .from(from)
        .to(to)
        .subject(text.subject.clone())
        .message_id(Some(format!("<outbox-{}@{host}>", m.id)));
    let built = match attachment_of(&m.params) {
        // A report: the text and the workbook as a MIME attachment.
        Some((name, kind, bytes)) => {
            use lettre::message::{Attachment, MultiPart, SinglePart};
            let Ok(kind) = ContentType::parse(&kind) else {
                return Outcome::Fail("bad attachment type".into());
            };
            builder.multipart(
                MultiPart::mixed()
                    .singlepart(SinglePart::plain(text.body.clone()))
                    .singlepart(Attachment::new(name).body(bytes, kind)),
            )
        }
        None => builder
            .header(ContentType::TEXT_PLAIN)
            .body(text.body.clone()),
    };
    let mail = match built {
        Ok(mail) => mail,
        Err(e) => return Outcome::Fail(e.to_string()),
    };
    let transport = match AsyncSmtpTransport::<Tokio1Executor>::from_url(&cfg.url) {
        Ok(b) => b.timeout(Some(std::time::Duration::from_secs(20))).build(),
        Err(e) => return Outcome::Fail(format!("SMTP URL: {e}")),
    };
    match transport.send(mail).await {
        Ok(_) => Outcome::Sent,
        Err(e) if e.is_permanent() => Outcome::Fail(e.to_string()),
        Err(e) => Outcome::Retry(e.to_string()),
    }
}

/// Fills the gateway's JSON body template.
pub fn gateway_body(template: &str, to: &str, text: &str, id: i64) -> String {
    let q = |s: &str| serde_json::Value::String(s.to_string()).to_string();
    template
        .replace("{{to}}", &q(to))
        .replace("{{text}}", &q(text))
        .replace("{{id}}", &q(&format!("langnghe-outbox-{id}")))
}

async fn send_gateway(
    http: &reqwest::Client,
    cfg: &GatewayConfig,
    m: &Claimed,
    text: &str,
) -> Outcome {
    let body = gateway_body(&cfg.body, &m.recipient, text, m.id);
    let mut req = http
        .post(&cfg.url)
        .header("Content-Type", "application/json")
        .header("Idempotency-Key", format!("langnghe-outbox-{}", m.id))
        .body(body);
    if !cfg.authorization.is_empty() {
        req = req.header("Authorization", &cfg.authorization);
    }
    match req.send().await {
        Ok(r) if r.status().is_success() => Outcome::Sent,
        Ok(r) if r.status().as_u16() == 429 || r.status().is_server_error() => {
            Outcome::Retry(format!("gateway answered {}", r.status()))
        }
        Ok(r) => Outcome::Fail(format!("gateway answered {}", r.status())),
        Err(e) => Outcome::Retry(format!("gateway unreachable: {e}")),
    }
}

/// One pass: claim what is due, send it, record the outcome. Returns how many were handled.
pub async fn run_once(
    db: &Db,
    base_url: &str,
    http: &reqwest::Client,
    worker: &str,
) -> DbResult<usize> {
    run_once_at(db, base_url, http, worker, Utc::now()).await
}

/// One pass as if it were `now` (tests move the clock past a back-off or a lease).
pub async fn run_once_at(
    db: &Db,
    base_url: &str,
    http: &reqwest::Client,
    worker: &str,
    now: DateTime<Utc>,
) -> DbResult<usize> {
    let channels = Channels::load(db, base_url).await?;
    let batch = claim(db, worker, now, 20).await?;
    let n = batch.len();
    for m in batch {
        // Without a gateway nothing is rendered: the text (with its one-time link) goes nowhere,
        // the log included.
        if !channels.configured(&m.channel) {
            tracing::info!(message = m.id, event = %m.event, channel = %m.channel, "message not sent: no gateway configured");
            finish(
                db,
                worker,
                &m,
                &Outcome::NoGateway,
                &Rendered::default(),
                now,
            )
            .await?;
            continue;
        }
        let text = render(db, &channels, &m).await?;
        let outcome = send(&channels, http, &m, &text).await;
        if let Outcome::Retry(e) | Outcome::Fail(e) = &outcome {
            tracing::warn!(message = m.id, event = %m.event, channel = %m.channel, error = %e, "message not delivered");
        }
        finish(db, worker, &m, &outcome, &text, now).await?;
    }
    Ok(n)
}

/// Wakes this process's outbox worker for a pass now (a reply to a citizen's text should leave
/// within a second, not at the next pass). Without a running worker it does nothing.
pub fn wake() {
    WAKES.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    WAKE.notify_waiters();
}

static WAKE: tokio::sync::Notify = tokio::sync::Notify::const_new();
/// How many times [`wake`] was called: a wake-up during a pass (when no worker waits) is seen
/// after it, and the worker passes again at once.
static WAKES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Runs the worker until the process stops: a pass every `every` (or at once when [`wake`]
/// is called), at once again after a full batch. Each instance has its own worker name; the
/// leases keep them apart.
pub fn spawn(db: Db, base_url: String, every: std::time::Duration) -> tokio::task::JoinHandle<()> {
    let worker = format!("{}-{}", std::process::id(), rand::random::<u32>());
    tokio::spawn(async move {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(20))
            .build()
            .unwrap_or_default();
        use std::sync::atomic::Ordering::SeqCst;
        loop {
            let seen = WAKES.load(SeqCst);
            match run_once(&db, &base_url, &http, &worker).await {
                Ok(n) if n >= 20 => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "outbox worker pass failed"),
            }
            // Listening before looking, so that no wake-up falls between the two.
            let woken = WAKE.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            if WAKES.load(SeqCst) != seen {
                continue;
            }
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = woken => {}
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_are_masked_in_the_log() {
        assert_eq!(mask("0912345678"), "…678");
        assert_eq!(mask("an.nguyen@example.vn"), "a…@example.vn");
    }

    #[test]
    fn one_time_links_are_masked_in_the_delivery_log() {
        let p = serde_json::json!({"url": "https://lg.example.vn/s/AbCdEf0123456789xyz"});
        assert_eq!(
            mask_links(
                "Mời đánh giá tại https://lg.example.vn/s/AbCdEf0123456789xyz nhé",
                &p
            ),
            "Mời đánh giá tại https://lg.example.vn/s/… nhé"
        );
        let p = serde_json::json!({"url": "http://127.0.0.1:3000/sessions/rate/DT1/abc"});
        assert_eq!(
            mask_links("x http://127.0.0.1:3000/sessions/rate/DT1/abc", &p),
            "x http://127.0.0.1:3000/sessions/…"
        );
        // A case's follow link needs the citizen's phone too: it stays.
        let p = serde_json::json!({"url": "http://h/feedback/track?code=PA26000101"});
        assert_eq!(
            mask_links("http://h/feedback/track?code=PA26000101", &p),
            "http://h/feedback/track?code=PA26000101"
        );
    }

    #[test]
    fn backoff_grows_and_stops_at_an_hour() {
        assert_eq!(backoff(1), Duration::seconds(30));
        assert_eq!(backoff(2), Duration::seconds(60));
        assert_eq!(backoff(4), Duration::seconds(240));
        assert_eq!(backoff(20), Duration::seconds(3600));
    }

    #[test]
    fn templates_are_filled_and_gateway_bodies_escaped() {
        let p = serde_json::json!({"code": "PA26000101", "due": "2026-02-26"});
        assert_eq!(
            fill("Mã %{code}, hạn %{due}", &p),
            "Mã PA26000101, hạn 26/02/2026"
        );
        let b = gateway_body(
            GatewayConfig::DEFAULT_BODY,
            "0912345678",
            "Trả lời \"đã có\"",
            7,
        );
        let v: serde_json::Value = serde_json::from_str(&b).unwrap();
        assert_eq!(v["to"], "0912345678");
        assert_eq!(v["text"], "Trả lời \"đã có\"");
        assert_eq!(v["ref"], "langnghe-outbox-7");
    }
}
