//! Messages in the database: the outbox (written in the same transaction as the event that causes
//! them, so that no message is lost when the event is saved and none is sent for an event rolled
//! back), its claims and outcomes, and the administrator's templates.

use super::{Db, DbResult, Tx};
use crate::{db_run, tx_run};
use chrono::{DateTime, Utc};

/// A message to queue.
pub struct Message<'a> {
    /// What happened, e.g. `feedback.received` (the template is chosen by it).
    pub event: &'a str,
    pub entity: &'a str,
    pub entity_id: i64,
    /// `email`, `sms`, `zalo` or `log`.
    pub channel: &'a str,
    pub recipient: &'a str,
    /// The recipient's language (`vi`, `en`).
    pub lang: &'a str,
    /// Values for the template, as JSON.
    pub params: serde_json::Value,
    /// At most one message per key (e.g. one digest per leader and day); `None` for most.
    pub dedupe_key: Option<String>,
}

/// The messages anyone can cause without an account (by signing up for a session or sending a
/// feedback case with someone's number): at most [`VISITOR_MESSAGES_PER_DAY`] of them go to one
/// recipient in a day. Messages staff's work causes (answers, apologies, promotions, reminders,
/// a session cancelled) are not capped.
pub const VISITOR_EVENTS: [&str; 3] = ["session.confirmed", "session.waiting", "feedback.received"];

/// See [`VISITOR_EVENTS`]: per recipient (phone number or e-mail address) and local day.
pub const VISITOR_MESSAGES_PER_DAY: i64 = 10;

/// Takes one of the day's places of a visitor-caused message to `recipient`, in the
/// transaction (a rolled-back event gives its place back): false when none is left. The
/// recipient is kept only as a hash in the counter.
async fn within_daily_cap(tx: &mut Tx, recipient: &str) -> DbResult<bool> {
    use sha2::{Digest, Sha256};
    let now = super::now();
    let who = hex::encode(Sha256::digest(recipient.trim().to_lowercase().as_bytes()));
    let key = format!("msgcap:{who}:{}", super::local_date(now));
    let taken: Option<i64> = tx_run!(tx, c => sqlx::query_scalar(
        "INSERT INTO rate_limits (key, window_start, hits) VALUES ($1, $2, 1)
         ON CONFLICT (key) DO UPDATE SET hits = rate_limits.hits + 1 WHERE rate_limits.hits < $3
         RETURNING CAST(hits AS BIGINT)")
        .bind(&key).bind(now).bind(VISITOR_MESSAGES_PER_DAY).fetch_optional(&mut *c).await)?;
    Ok(taken.is_some())
}

/// Queues a message; with a dedupe key already used, nothing is queued and `None` comes back.
/// A visitor-caused message past its recipient's daily cap ([`VISITOR_EVENTS`]) is not queued
/// either (`None`; the event itself is saved as usual).
pub async fn enqueue(tx: &mut Tx, m: &Message<'_>) -> DbResult<Option<i64>> {
    enqueue_at(tx, m, super::now()).await
}

/// Like [`enqueue`], for a message not to be sent before `at` (an apology due at 17:30 on a
/// later day); until then [`cancel`] can take it back.
pub async fn enqueue_at(tx: &mut Tx, m: &Message<'_>, at: DateTime<Utc>) -> DbResult<Option<i64>> {
    if m.channel != "log"
        && VISITOR_EVENTS.contains(&m.event)
        && !within_daily_cap(tx, m.recipient).await?
    {
        tracing::warn!(
            event = m.event,
            "message not queued: its recipient reached the day's cap"
        );
        return Ok(None);
    }
    let now = super::now();
    let params = m.params.to_string();
    Ok(tx_run!(tx, c => sqlx::query_scalar::<_, i64>(
        "INSERT INTO outbox (event, entity, entity_id, channel, recipient, lang, params, next_attempt_at, created_at, dedupe_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $10, $9)
         ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING RETURNING id")
        .bind(m.event).bind(m.entity).bind(m.entity_id).bind(m.channel).bind(m.recipient).bind(m.lang)
        .bind(&params).bind(at).bind(m.dedupe_key.as_deref()).bind(now)
        .fetch_optional(&mut *c).await)?)
}

/// Takes back the message with this dedupe key if it has not left yet (still pending); returns
/// whether one was taken back.
pub async fn cancel(tx: &mut Tx, dedupe_key: &str) -> DbResult<bool> {
    Ok(
        tx_run!(tx, c => sqlx::query("DELETE FROM outbox WHERE dedupe_key = $1 AND status = 'pending'")
        .bind(dedupe_key).execute(&mut *c).await.map(|r| r.rows_affected()))?
            > 0,
    )
}

/// One line of the delivery log.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Delivery {
    pub id: i64,
    pub event: String,
    pub channel: String,
    pub recipient: String,
    pub status: String,
    pub attempts: i32,
    pub last_error: String,
    pub subject: String,
    pub body: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub sent_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// How many messages were not sent because their channel has no gateway.
pub async fn unsent_count(db: &super::Db) -> DbResult<i64> {
    Ok(crate::db_run!(db, c => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM outbox WHERE status = 'unsent'").fetch_one(c).await)?)
}

/// The latest messages, newest first; `failed_only` for those given up, not sent (no gateway)
/// or being retried.
pub async fn log(db: &super::Db, failed_only: bool, limit: i64) -> DbResult<Vec<Delivery>> {
    Ok(crate::db_run!(db, c => sqlx::query_as::<_, Delivery>(
        "SELECT id, event, channel, recipient, status, attempts, last_error, subject, body, created_at, sent_at
           FROM outbox WHERE NOT $1 OR status IN ('failed', 'unsent') OR (status = 'pending' AND attempts > 0)
          ORDER BY id DESC LIMIT $2")
        .bind(failed_only).bind(limit).fetch_all(c).await)?)
}

/// The messages queued for an entity, oldest first: (event, channel, recipient, params).
pub async fn for_entity(
    db: &super::Db,
    entity: &str,
    entity_id: i64,
) -> DbResult<Vec<(String, String, String, String)>> {
    Ok(
        crate::db_run!(db, c => sqlx::query_as::<_, (String, String, String, String)>(
        "SELECT event, channel, recipient, params FROM outbox WHERE entity = $1 AND entity_id = $2 ORDER BY id")
        .bind(entity).bind(entity_id).fetch_all(c).await)?,
    )
}

/// Saves an administrator's template; an empty body goes back to the app's own.
pub async fn save_template(
    tx: &mut Tx,
    actor: Option<i64>,
    event: &str,
    lang: &str,
    subject: &str,
    body: &str,
) -> DbResult<()> {
    let now = Utc::now();
    if body.trim().is_empty() {
        tx_run!(tx, c => sqlx::query("DELETE FROM message_templates WHERE event = $1 AND lang = $2")
            .bind(event).bind(lang).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    } else {
        tx_run!(tx, c => sqlx::query(
            "INSERT INTO message_templates (event, lang, subject, body, updated_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (event, lang) DO UPDATE SET subject = excluded.subject, body = excluded.body, updated_at = excluded.updated_at")
            .bind(event).bind(lang).bind(subject).bind(body).bind(now)
            .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    }
    super::audit::record(
        tx,
        actor,
        "notify.template",
        "template",
        None,
        &format!("{event} {lang}"),
    )
    .await
}

/// Whether the administrator has changed this template.
pub async fn is_custom(db: &Db, event: &str, lang: &str) -> DbResult<bool> {
    let n: i64 = db_run!(db, c => sqlx::query_scalar(
        "SELECT COUNT(*) FROM message_templates WHERE event = $1 AND lang = $2")
        .bind(event).bind(lang).fetch_one(c).await)?;
    Ok(n > 0)
}

/// The longest a worker holds a message before another may take it.
pub const LEASE_SECONDS: i64 = 120;

/// One claimed message.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Claimed {
    pub id: i64,
    pub event: String,
    pub channel: String,
    pub recipient: String,
    pub lang: String,
    pub params: String,
    pub attempts: i32,
}

/// Claims up to `limit` messages due at `now` for `worker`.
pub async fn claim(
    db: &Db,
    worker: &str,
    now: DateTime<Utc>,
    limit: i64,
) -> DbResult<Vec<Claimed>> {
    let until = now + chrono::Duration::seconds(LEASE_SECONDS);
    let lock = match db {
        Db::Postgres(_) => "FOR UPDATE SKIP LOCKED",
        Db::Sqlite(_) => "",
    };
    let sql = format!(
        "UPDATE outbox SET status = 'sending', claimed_by = $1, claimed_until = $2, attempts = attempts + 1
          WHERE id IN (SELECT id FROM outbox
                        WHERE (status = 'pending' AND next_attempt_at <= $3)
                           OR (status = 'sending' AND claimed_until < $3)
                        ORDER BY id LIMIT $4 {lock})
         RETURNING id, event, channel, recipient, lang, params, attempts"
    );
    let mut tx = db.begin().await?;
    let rows = tx_run!(&mut tx, c => sqlx::query_as::<_, Claimed>(&sql)
        .bind(worker).bind(until).bind(now).bind(limit).fetch_all(&mut *c).await)?;
    tx.commit().await?;
    // UPDATE … RETURNING gives no order: send in the order the events happened.
    let mut rows = rows;
    rows.sort_by_key(|r| r.id);
    Ok(rows)
}

/// How a claimed message went, as the delivery log keeps it.
pub struct Outcome<'a> {
    /// `sent`, `unsent`, `pending` (to retry) or `failed`.
    pub status: &'a str,
    pub next_attempt_at: DateTime<Utc>,
    pub error: &'a str,
    pub sent_at: Option<DateTime<Utc>>,
    pub subject: &'a str,
    pub body: &'a str,
    pub recipient: &'a str,
}

/// Records how a claimed message went; only the worker holding it may.
pub async fn record_outcome(db: &Db, worker: &str, id: i64, o: &Outcome<'_>) -> DbResult<()> {
    db_run!(db, c => sqlx::query(
        "UPDATE outbox SET status = $1, next_attempt_at = $2, last_error = $3, sent_at = $4, subject = $5, body = $6,
                claimed_until = NULL, recipient = $9
          WHERE id = $7 AND claimed_by = $8 AND status = 'sending'")
        .bind(o.status).bind(o.next_attempt_at).bind(o.error).bind(o.sent_at).bind(o.subject).bind(o.body)
        .bind(id).bind(worker).bind(o.recipient).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The administrator's version of a template (subject, body), if there is one.
pub async fn own_template(db: &Db, event: &str, lang: &str) -> DbResult<Option<(String, String)>> {
    let own = db_run!(db, c => sqlx::query_as(
        "SELECT subject, body FROM message_templates WHERE event = $1 AND lang = $2")
        .bind(event).bind(lang).fetch_optional(c).await)?;
    Ok(own)
}
