//! A dossier's journey: the events the one-stop software posts (idempotent by its event id),
//! each updating the dossier and queuing the citizen's text in the same transaction.

use super::notify::{enqueue, enqueue_at, Message};
use super::{Db, DbError, DbResult, Tx};
use crate::domain::calendar::Calendar;
use crate::domain::dossier::{check_times, Invalid};
use crate::domain::journey::{
    apology_moment, default_apology_time, local_day, parse_time, time_text, Event, EventKind,
};
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
                let moment = apology_moment(&cal, due, apology_time_in(tx).await?);
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
async fn calendar_in(tx: &mut Tx) -> DbResult<Calendar> {
    use crate::domain::calendar::DayKind;
    let days: Vec<(chrono::NaiveDate, String)> = tx_run!(tx, c => sqlx::query_as(
        "SELECT day, kind FROM calendar_days").fetch_all(&mut *c).await)?;
    Ok(Calendar::new(days.into_iter().map(|(d, k)| {
        (d, DayKind::parse(&k).unwrap_or(DayKind::Holiday))
    })))
}

/// The setting that holds the apology time (`HH:MM`, Vietnam time).
pub const APOLOGY_TIME_KEY: &str = "journey.apology_time";

fn time_or_default(v: Option<String>) -> chrono::NaiveTime {
    v.and_then(|v| parse_time(&v).ok())
        .unwrap_or_else(default_apology_time)
}

/// The time of the apology rule in force (17:30 unless the administrator changed it).
pub async fn apology_time(db: &Db) -> DbResult<chrono::NaiveTime> {
    let v: Option<String> = db_run!(db, c => sqlx::query_scalar(
        "SELECT value FROM settings WHERE key = $1").bind(APOLOGY_TIME_KEY).fetch_optional(c).await)?;
    Ok(time_or_default(v))
}

/// [`apology_time`], read inside the transaction.
pub async fn apology_time_in(tx: &mut Tx) -> DbResult<chrono::NaiveTime> {
    let v: Option<String> = tx_run!(tx, c => sqlx::query_scalar(
        "SELECT value FROM settings WHERE key = $1").bind(APOLOGY_TIME_KEY).fetch_optional(&mut *c).await)?;
    Ok(time_or_default(v))
}

/// Moves every queued apology that has not left yet (pending, never tried) to its moment on
/// `cal` at the time in force, in the transaction of the change (a calendar day, a year's import,
/// the apology time). Returns how many moved. A moment already past fires at the worker's next
/// pass.
pub async fn reschedule_apologies(tx: &mut Tx, cal: &Calendar) -> DbResult<usize> {
    let at = apology_time_in(tx).await?;
    let queued: Vec<(i64, Option<DateTime<Utc>>, DateTime<Utc>)> = tx_run!(tx, c => sqlx::query_as(
        "SELECT o.id, d.due_at, o.next_attempt_at FROM outbox o JOIN dossiers d ON d.id = o.entity_id
          WHERE o.event = 'dossier.apology' AND o.entity = 'dossier' AND o.status = 'pending' AND o.attempts = 0")
        .fetch_all(&mut *c).await)?;
    let mut moved = 0;
    for (id, due, was) in queued {
        let Some(due) = due else { continue };
        let moment = apology_moment(cal, due, at);
        if moment == was {
            continue;
        }
        moved += tx_run!(tx, c => sqlx::query(
            "UPDATE outbox SET next_attempt_at = $1 WHERE id = $2 AND status = 'pending' AND attempts = 0")
            .bind(moment).bind(id).execute(&mut *c).await.map(|r| r.rows_affected()))?
            as usize;
    }
    Ok(moved)
}

/// Saves the apology time (with its audit row) and moves the queued apologies to it, in `tx`.
pub async fn save_apology_time(
    tx: &mut Tx,
    actor: Option<i64>,
    at: chrono::NaiveTime,
) -> DbResult<usize> {
    super::settings::save_group(
        tx,
        actor,
        "journey.apology_time",
        "journey.",
        &[(APOLOGY_TIME_KEY.to_string(), time_text(at))],
    )
    .await?;
    let cal = calendar_in(tx).await?;
    reschedule_apologies(tx, &cal).await
}

/// After the worker's outcome: when the message `outbox_id` is an apology that has left
/// (status `sent`), its dossier's `apology_sent_at` becomes `at` (once).
pub async fn mark_apology_sent(db: &Db, outbox_id: i64, at: DateTime<Utc>) -> DbResult<bool> {
    let n = db_run!(db, c => sqlx::query(
        "UPDATE dossiers SET apology_sent_at = $1
          WHERE apology_sent_at IS NULL AND id = (SELECT entity_id FROM outbox
                 WHERE id = $2 AND event = 'dossier.apology' AND entity = 'dossier' AND status = 'sent')")
        .bind(at).bind(outbox_id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// A dossier as the late dossiers page and Form 04 show it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LateDossier {
    pub id: i64,
    pub code: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub unit_path: String,
    pub unit_address: String,
    pub procedure_name: Option<String>,
    pub status: String,
    pub received_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub new_due_at: Option<DateTime<Utc>>,
    pub apology_sent_at: Option<DateTime<Utc>>,
    /// The apology still queued (not sent yet): when it is due to leave.
    pub apology_queued_for: Option<DateTime<Utc>>,
    /// The reason of the latest new date set on the page.
    pub reason: Option<String>,
}

impl LateDossier {
    /// Whether the dossier is ready or completed (no longer late to act on).
    pub fn ready_at_or_done(&self) -> bool {
        matches!(self.status.as_str(), "ready" | "completed")
    }

    pub fn unit_scope(&self) -> crate::domain::UnitPath {
        crate::domain::UnitPath::parse(&self.unit_path)
            .unwrap_or_else(|| crate::domain::UnitPath::root(self.unit_id))
    }
}

const LATE_SELECT: &str = "SELECT d.id, d.code, d.unit_id, u.name AS unit_name, u.path AS unit_path,
        u.address AS unit_address, p.name AS procedure_name, d.status, d.received_at, d.due_at,
        d.new_due_at, d.apology_sent_at,
        (SELECT o.next_attempt_at FROM outbox o WHERE o.dedupe_key = 'dossier-apology:' || CAST(d.id AS TEXT)
            AND o.status = 'pending') AS apology_queued_for,
        (SELECT n.reason FROM late_notices n WHERE n.dossier_id = d.id ORDER BY n.id DESC LIMIT 1) AS reason
   FROM dossiers d JOIN units u ON u.id = d.unit_id LEFT JOIN procedures p ON p.id = d.procedure_id";

/// The late dossiers of the subtree `prefix` at `now`: not ready nor completed, with a due
/// date, and either the apology's moment has come on `cal` at `at`, its apology has left, or
/// the dossier was given a new date. Soonest due first.
pub async fn late_in(
    db: &Db,
    prefix: &str,
    cal: &Calendar,
    at: chrono::NaiveTime,
    now: DateTime<Utc>,
) -> DbResult<Vec<LateDossier>> {
    let like = format!("{prefix}%");
    let sql = format!(
        "{LATE_SELECT} WHERE u.path LIKE $1 AND d.due_at IS NOT NULL AND d.ready_at IS NULL
            AND d.completed_at IS NULL AND d.status NOT IN ('ready', 'completed')
          ORDER BY d.due_at, d.id"
    );
    let rows: Vec<LateDossier> = db_run!(db, c => sqlx::query_as::<_, LateDossier>(&sql)
        .bind(&like).fetch_all(c).await)?;
    Ok(rows
        .into_iter()
        .filter(|r| {
            r.apology_sent_at.is_some()
                || r.status == "late"
                || r.due_at
                    .is_some_and(|due| now >= apology_moment(cal, due, at))
        })
        .collect())
}

/// One dossier as Form 04 prints it (whatever its status now).
pub async fn late_one(db: &Db, id: i64) -> DbResult<LateDossier> {
    let sql = format!("{LATE_SELECT} WHERE d.id = $1");
    db_run!(db, c => sqlx::query_as::<_, LateDossier>(&sql).bind(id).fetch_optional(c).await)?
        .ok_or(DbError::NotFound)
}

/// Records the new date an official set for a late dossier, with the reason, its audit row
/// and the dossier's status `late`; a queued apology not sent yet is taken back (the citizen
/// gets the new date on Form 04).
pub async fn set_new_date(
    tx: &mut Tx,
    actor: i64,
    d: &LateDossier,
    new_due_at: DateTime<Utc>,
    reason: &str,
) -> DbResult<()> {
    let now = super::now();
    tx_run!(tx, c => sqlx::query(
        "INSERT INTO late_notices (dossier_id, new_due_at, reason, account_id, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(d.id).bind(new_due_at).bind(reason).bind(actor).bind(now)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    tx_run!(tx, c => sqlx::query(
        "UPDATE dossiers SET status = 'late', new_due_at = $1, updated_at = $2 WHERE id = $3")
        .bind(new_due_at).bind(now).bind(d.id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    super::notify::cancel(tx, &format!("dossier-apology:{}", d.id)).await?;
    let detail = format!("{} {}", d.code, local_day(new_due_at));
    super::audit::record(
        tx,
        Some(actor),
        "dossier.new_date",
        "dossier",
        Some(d.id),
        &detail,
    )
    .await
}

/// Apologies that left in `[from, to)` per unit of the subtree `prefix`: (unit id, count).
pub async fn apologies_by_unit(
    db: &Db,
    prefix: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> DbResult<Vec<(i64, i64)>> {
    let like = format!("{prefix}%");
    Ok(db_run!(db, c => sqlx::query_as::<_, (i64, i64)>(
        "SELECT d.unit_id, CAST(COUNT(*) AS BIGINT) FROM dossiers d JOIN units u ON u.id = d.unit_id
          WHERE u.path LIKE $1 AND d.apology_sent_at >= $2 AND d.apology_sent_at < $3
          GROUP BY d.unit_id")
        .bind(&like).bind(from).bind(to).fetch_all(c).await)?)
}

/// The messages that invite a citizen to rate a dossier: the survey link, and the completion
/// text that asks for a reply 1–5.
pub const INVITATIONS: [&str; 2] = ["survey.invitation", "dossier.completed"];

/// The channels invitations go through, in the order reports show them.
pub const INVITATION_CHANNELS: [&str; 3] = ["sms", "zalo", "email"];

/// Invitations per unit and channel for the period `[from, to)`, as (unit id, channel,
/// invited, answered). An invitation is a dossier invited on a channel, counted once, on the
/// day its first invitation on that channel left (outbox status `sent`); it is answered when
/// the dossier has a rating (not a correction) made after that moment, on any channel.
pub async fn responses_by_unit(
    db: &Db,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> DbResult<Vec<(i64, String, i64, i64)>> {
    Ok(
        db_run!(db, c => sqlx::query_as::<_, (i64, String, i64, i64)>(
        "SELECT d.unit_id, i.channel, CAST(COUNT(*) AS BIGINT),
                CAST(COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM ratings r WHERE r.dossier_id = i.dossier_id
                        AND r.corrects_id IS NULL AND r.created_at >= i.sent_at) THEN 1 ELSE 0 END), 0) AS BIGINT)
           FROM (SELECT entity_id AS dossier_id, channel, MIN(sent_at) AS sent_at FROM outbox
                  WHERE entity = 'dossier' AND event IN ($1, $2) AND status = 'sent' AND sent_at IS NOT NULL
                  GROUP BY entity_id, channel) i
           JOIN dossiers d ON d.id = i.dossier_id
          WHERE i.sent_at >= $3 AND i.sent_at < $4
          GROUP BY d.unit_id, i.channel")
        .bind(INVITATIONS[0]).bind(INVITATIONS[1]).bind(from).bind(to).fetch_all(c).await)?,
    )
}
