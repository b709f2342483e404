//! A dossier's journey: the events the one-stop software posts (idempotent by its event id),
//! each updating the dossier and queuing the citizen's text in the same transaction.

use super::notify::{enqueue, enqueue_at, Message};
use super::{Db, DbError, Tx};
use crate::domain::dossier::{check_times, Invalid};
use crate::domain::journey::{apology_moment, default_apology_time, local_day, Event, EventKind};
use crate::{db_run, tx_run};
use chrono::{DateTime, Utc};

/// A dossier as the events API needs it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Target {
    pub id: i64,
    pub code: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub unit_path: String,
}

/// The dossier with this code, with its unit.
pub async fn target(db: &Db, code: &str) -> Result<Option<Target>, DbError> {
    Ok(db_run!(db, c => sqlx::query_as::<_, Target>(
        "SELECT d.id, d.code, d.unit_id, u.name AS unit_name, u.path AS unit_path
           FROM dossiers d JOIN units u ON u.id = d.unit_id WHERE d.code = $1")
        .bind(code).fetch_optional(c).await)?)
}

/// Why an event was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum JourneyError {
    /// The phone sent is not the dossier's (its keyed hash differs).
    #[error("the phone number is not the dossier's")]
    OtherPhone,
    /// The event's times, with the dossier's, break a rule of [`check_times`].
    #[error("event times refused: {0}")]
    Times(Invalid),
    /// The event id was already used by this key for another dossier or kind.
    #[error("the event id was used for another event")]
    Reused,
    #[error(transparent)]
    Db(#[from] DbError),
}
crate::from_sqlx!(JourneyError);

/// What an event did (a replay answers the same).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub dossier_id: i64,
    pub kind: EventKind,
    /// A text to the citizen was queued by this event.
    pub text_queued: bool,
    /// The event id was already recorded: nothing changed, nothing was sent.
    pub replayed: bool,
}

#[derive(sqlx::FromRow)]
struct Stored {
    received_at: Option<DateTime<Utc>>,
    due_at: Option<DateTime<Utc>>,
    completed_at: Option<DateTime<Utc>>,
    phone_hash: String,
}

/// Records `e` for dossier `d` from API key `key_id`, updates the dossier and, when the
/// event carries the citizen's phone (`phone` with its keyed hash and last digits), queues the
/// citizen's text — all in `tx`. The same event id from the same key again changes nothing
/// and answers what the first did.
pub async fn record(
    tx: &mut Tx,
    key_id: i64,
    d: &Target,
    e: &Event,
    phone: Option<(&str, &str, &str)>,
    payload: &str,
) -> Result<Recorded, JourneyError> {
    let now = super::now();
    let kind = e.kind.as_str();
    let row: Option<i64> = tx_run!(tx, c => sqlx::query_scalar(
        "INSERT INTO dossier_events (api_key_id, event_id, dossier_id, kind, payload, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (api_key_id, event_id) DO NOTHING RETURNING id")
        .bind(key_id).bind(&e.event_id).bind(d.id).bind(kind).bind(payload).bind(now)
        .fetch_optional(&mut *c).await)?;
    let Some(row) = row else {
        let (dossier_id, stored_kind, outbox_id): (i64, String, Option<i64>) = tx_run!(tx, c => sqlx::query_as(
            "SELECT dossier_id, kind, outbox_id FROM dossier_events WHERE api_key_id = $1 AND event_id = $2")
            .bind(key_id).bind(&e.event_id).fetch_one(&mut *c).await)?;
        if dossier_id != d.id || stored_kind != kind {
            return Err(JourneyError::Reused);
        }
        return Ok(Recorded {
            dossier_id,
            kind: e.kind,
            text_queued: outbox_id.is_some(),
            replayed: true,
        });
    };
    let select = match tx {
        Tx::Postgres(_) => "SELECT received_at, due_at, completed_at, phone_hash FROM dossiers WHERE id = $1 FOR UPDATE",
        Tx::Sqlite(_) => "SELECT received_at, due_at, completed_at, phone_hash FROM dossiers WHERE id = $1",
    };
    let s: Stored =
        tx_run!(tx, c => sqlx::query_as::<_, Stored>(select).bind(d.id).fetch_one(&mut *c).await)?;
    if let Some((_, hash, hint)) = phone {
        if !s.phone_hash.is_empty() && s.phone_hash != hash {
            return Err(JourneyError::OtherPhone);
        }
        if s.phone_hash.is_empty() {
            tx_run!(tx, c => sqlx::query("UPDATE dossiers SET phone_hash = $1, phone_hint = $2 WHERE id = $3")
                .bind(hash).bind(hint).bind(d.id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
        }
    }
    let status = e.kind.status();
    match e.kind {
        EventKind::Received => {
            check_times(s.received_at.or(Some(e.at)), e.due_at, s.completed_at, now)
                .map_err(JourneyError::Times)?;
            tx_run!(tx, c => sqlx::query(
                "UPDATE dossiers SET status = $1, received_at = COALESCE(received_at, $2), due_at = $3, updated_at = $4 WHERE id = $5")
                .bind(status).bind(e.at).bind(e.due_at).bind(now).bind(d.id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
        }
        EventKind::SupplementRequested => {
            tx_run!(tx, c => sqlx::query(
                "UPDATE dossiers SET status = $1, papers = $2, updated_at = $3 WHERE id = $4")
                .bind(status).bind(&e.papers).bind(now).bind(d.id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
        }
        EventKind::Ready => {
            check_times(s.received_at, s.due_at, Some(e.at), now)
                .map_err(|x| JourneyError::Times(Invalid { field: "at", ..x }))?;
            tx_run!(tx, c => sqlx::query(
                "UPDATE dossiers SET status = $1, ready_at = COALESCE(ready_at, $2), updated_at = $3 WHERE id = $4")
                .bind(status).bind(e.at).bind(now).bind(d.id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
        }
        EventKind::Completed => {
            check_times(s.received_at, s.due_at, s.completed_at.or(Some(e.at)), now)
                .map_err(|x| JourneyError::Times(Invalid { field: "at", ..x }))?;
            tx_run!(tx, c => sqlx::query(
                "UPDATE dossiers SET status = $1, ready_at = COALESCE(ready_at, $2), completed_at = COALESCE(completed_at, $2), updated_at = $3 WHERE id = $4")
                .bind(status).bind(e.at).bind(now).bind(d.id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
        }
        EventKind::ReturnedLate => {
            check_times(s.received_at, e.new_due_at, None, now).map_err(|x| {
                JourneyError::Times(Invalid {
                    field: "new_due_at",
                    ..x
                })
            })?;
            tx_run!(tx, c => sqlx::query(
                "UPDATE dossiers SET status = $1, new_due_at = $2, updated_at = $3 WHERE id = $4")
                .bind(status).bind(e.new_due_at).bind(now).bind(d.id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
        }
    }
    // The apology (Circular 01/2018/TT-VPCP): queued now for 17:30 on the working day before
    // the due date, taken back when the dossier is ready, completed or given a new date in
    // time (a message that has left is never taken back: it fires once).
    let apology_key = format!("dossier-apology:{}", d.id);
    match e.kind {
        EventKind::Received => {
            super::notify::cancel(tx, &apology_key).await?;
            if let (Some((number, _, _)), Some(due)) = (phone, e.due_at) {
                let cal = calendar_in(tx).await?;
                let moment = apology_moment(&cal, due, default_apology_time());
                enqueue_at(
                    tx,
                    &Message {
                        event: "dossier.apology",
                        entity: "dossier",
                        entity_id: d.id,
                        channel: "sms",
                        recipient: number,
                        lang: "vi",
                        params: serde_json::json!({
                            "dossier": d.code, "unit": d.unit_name, "due": local_day(due).to_string(),
                        }),
                        dedupe_key: Some(apology_key.clone()),
                    },
                    moment,
                )
                .await?;
            }
        }
        EventKind::Ready | EventKind::Completed | EventKind::ReturnedLate => {
            super::notify::cancel(tx, &apology_key).await?;
        }
        EventKind::SupplementRequested => {}
    }
    let mut text_queued = false;
    if let Some((number, _, _)) = phone {
        let day =
            |t: Option<DateTime<Utc>>| t.map(|t| local_day(t).to_string()).unwrap_or_default();
        let outbox_id = enqueue(
            tx,
            &Message {
                event: e.kind.message(),
                entity: "dossier",
                entity_id: d.id,
                channel: "sms",
                recipient: number,
                lang: "vi",
                params: serde_json::json!({
                    "dossier": d.code, "unit": d.unit_name, "due": day(e.due_at.or(s.due_at)),
                    "papers": e.papers, "new_due": day(e.new_due_at),
                }),
                dedupe_key: Some(format!("dossier-event:{row}")),
            },
        )
        .await?;
        if let Some(id) = outbox_id {
            tx_run!(tx, c => sqlx::query("UPDATE dossier_events SET outbox_id = $1 WHERE id = $2")
                .bind(id).bind(row).execute(&mut *c).await.map(|r| r.rows_affected()))?;
            text_queued = true;
        }
    }
    Ok(Recorded {
        dossier_id: d.id,
        kind: e.kind,
        text_queued,
        replayed: false,
    })
}

/// The working-day calendar, read inside the transaction.
async fn calendar_in(tx: &mut Tx) -> Result<crate::domain::calendar::Calendar, JourneyError> {
    use crate::domain::calendar::{Calendar, DayKind};
    let days: Vec<(chrono::NaiveDate, String)> = tx_run!(tx, c => sqlx::query_as(
        "SELECT day, kind FROM calendar_days").fetch_all(&mut *c).await)?;
    Ok(Calendar::new(days.into_iter().map(|(d, k)| {
        (d, DayKind::parse(&k).unwrap_or(DayKind::Holiday))
    })))
}
