//! The outbox: messages to send, written in the same transaction as the event that causes them,
//! so that no message is lost when the event is saved and none is sent for an event rolled back.

use super::{DbResult, Tx};
use crate::tx_run;

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
}

pub async fn enqueue(tx: &mut Tx, m: &Message<'_>) -> DbResult<i64> {
    let now = super::now();
    let params = m.params.to_string();
    Ok(tx_run!(tx, c => sqlx::query_scalar::<_, i64>(
        "INSERT INTO outbox (event, entity, entity_id, channel, recipient, lang, params, next_attempt_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id")
        .bind(m.event).bind(m.entity).bind(m.entity_id).bind(m.channel).bind(m.recipient).bind(m.lang)
        .bind(&params).bind(now)
        .fetch_one(&mut *c).await)?)
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
