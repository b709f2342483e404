//! Texts citizens send (`inbound_texts`), idempotent by the provider's message id, and the two
//! look-ups they need: a dossier by code and phone (keyed hash), and the dossier a rating by
//! reply is for.

use super::notify::{enqueue, Message};
use super::{Db, DbResult, Tx};
use crate::{db_run, tx_run};
use chrono::{DateTime, Utc};

/// A stored text, as a replay is answered.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Stored {
    pub id: i64,
    pub understood: String,
    pub outcome: String,
    pub outbox_id: Option<i64>,
}

/// The text already stored under this provider's message id.
pub async fn find(db: &Db, provider: &str, msg_id: &str) -> DbResult<Option<Stored>> {
    Ok(db_run!(db, c => sqlx::query_as::<_, Stored>(
        "SELECT id, understood, outcome, outbox_id FROM inbound_texts WHERE provider = $1 AND provider_msg_id = $2")
        .bind(provider).bind(msg_id).fetch_optional(c).await)?)
}

/// A text to store.
pub struct NewText<'a> {
    pub provider: &'a str,
    pub msg_id: &'a str,
    pub sender_hash: &'a str,
    pub sender_hint: &'a str,
    pub body: &'a str,
    pub understood: &'a str,
    pub outcome: &'a str,
    pub dossier_id: Option<i64>,
    pub received_at: Option<DateTime<Utc>>,
}

/// Stores a text; `None` when its provider id is already stored (another request got there
/// first: the caller answers as a replay and sends nothing).
pub async fn insert(tx: &mut Tx, t: &NewText<'_>) -> DbResult<Option<i64>> {
    Ok(tx_run!(tx, c => sqlx::query_scalar::<_, i64>(
        "INSERT INTO inbound_texts (provider, provider_msg_id, sender_hash, sender_hint, body, understood, outcome, dossier_id, received_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (provider, provider_msg_id) DO NOTHING RETURNING id")
        .bind(t.provider).bind(t.msg_id).bind(t.sender_hash).bind(t.sender_hint).bind(t.body)
        .bind(t.understood).bind(t.outcome).bind(t.dossier_id).bind(t.received_at).bind(super::now())
        .fetch_optional(&mut *c).await)?)
}

/// Records what a stored text was answered, and queues the reply, in `tx`. Returns the outbox
/// id of the reply.
pub async fn answer(
    tx: &mut Tx,
    id: i64,
    outcome: &str,
    rating_id: Option<i64>,
    reply: &Message<'_>,
) -> DbResult<Option<i64>> {
    let outbox_id = enqueue(tx, reply).await?;
    tx_run!(tx, c => sqlx::query(
        "UPDATE inbound_texts SET outcome = $1, rating_id = $2, outbox_id = $3 WHERE id = $4")
        .bind(outcome).bind(rating_id).bind(outbox_id).bind(id)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(outbox_id)
}

/// Marks a stored text as over its sender's hourly limit: kept, not answered.
pub async fn mark_flood(tx: &mut Tx, id: i64) -> DbResult<()> {
    tx_run!(tx, c => sqlx::query(
        "UPDATE inbound_texts SET understood = 'flood', outcome = '', dossier_id = NULL WHERE id = $1")
        .bind(id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// What a status answer says of a dossier.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Status {
    pub id: i64,
    pub code: String,
    pub unit_name: String,
    pub status: String,
    pub papers: String,
    pub due_at: Option<DateTime<Utc>>,
    pub new_due_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
}

/// The dossier with one of these codes whose citizen phone has this keyed hash; `None` for a
/// code that does not exist and for a code of another phone alike.
pub async fn status(db: &Db, codes: &[String], phone_hash: &str) -> DbResult<Option<Status>> {
    if phone_hash.is_empty() {
        return Ok(None);
    }
    for code in codes {
        let found = db_run!(db, c => sqlx::query_as::<_, Status>(
            "SELECT d.id, d.code, u.name AS unit_name, d.status, d.papers, d.due_at, d.new_due_at, d.completed_at
               FROM dossiers d JOIN units u ON u.id = d.unit_id
              WHERE d.code = $1 AND d.phone_hash = $2 AND d.phone_hash <> ''")
            .bind(code).bind(phone_hash).fetch_optional(c).await)?;
        if found.is_some() {
            return Ok(found);
        }
    }
    Ok(None)
}

/// The dossier a rating by reply from a phone is for: the phone's latest completed dossier,
/// with its survey link.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RatingTarget {
    pub dossier_id: i64,
    pub code: String,
    pub unit_name: String,
    pub unit_id: i64,
    pub procedure_id: Option<i64>,
    pub counter_id: Option<i64>,
    pub completed_at: DateTime<Utc>,
    pub link_id: i64,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

/// The latest completed dossier of the phone with this keyed hash that has a survey link.
pub async fn rating_target(db: &Db, phone_hash: &str) -> DbResult<Option<RatingTarget>> {
    if phone_hash.is_empty() {
        return Ok(None);
    }
    Ok(db_run!(db, c => sqlx::query_as::<_, RatingTarget>(
        "SELECT d.id AS dossier_id, d.code, u.name AS unit_name, d.unit_id, d.procedure_id, d.counter_id,
                d.completed_at, l.id AS link_id, l.expires_at, l.used_at
           FROM dossiers d JOIN survey_links l ON l.dossier_id = d.id JOIN units u ON u.id = d.unit_id
          WHERE d.phone_hash = $1 AND d.phone_hash <> '' AND d.completed_at IS NOT NULL
          ORDER BY d.completed_at DESC, d.id DESC LIMIT 1")
        .bind(phone_hash).fetch_optional(c).await)?)
}

/// Forgets a text whose rating could not be written (the database failed): the provider's
/// retry of the same id is then handled afresh instead of answered as a replay.
pub async fn forget(db: &Db, id: i64) -> DbResult<()> {
    db_run!(db, c => sqlx::query("DELETE FROM inbound_texts WHERE id = $1 AND outcome = 'pending'")
        .bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// How many texts are stored (tests and the operator's checks).
pub async fn count(db: &Db) -> DbResult<i64> {
    Ok(
        db_run!(db, c => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM inbound_texts").fetch_one(c).await)?,
    )
}
