//! Dialogue sessions and their sign-ups. A place is decided by one conditional `UPDATE` of the
//! session's confirmed count (`… WHERE confirmed_count < capacity`): PostgreSQL locks the row and
//! re-checks the condition for each waiting writer, SQLite takes one writer at a time, so the
//! capacity is never exceeded however many people sign up at once. Those who find it full join
//! the waiting list; a cancellation promotes the first of it in the same transaction.

use super::outbox::{self, Message};
use super::{audit, Db, DbError, DbResult, Tx};
use crate::domain::session::{self, SignupInput};
use crate::{db_run, tx_run};
use chrono::{DateTime, Utc};
use rand::Rng;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Kind {
    pub id: i64,
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub slots: bool,
}

impl Kind {
    pub fn name(&self, lang: crate::i18n::Lang) -> String {
        if lang == crate::i18n::Lang::En {
            self.name_en.clone()
        } else {
            self.name_vi.clone()
        }
    }
}

pub async fn kinds(db: &Db) -> DbResult<Vec<Kind>> {
    Ok(db_run!(db, c => sqlx::query_as::<_, Kind>(
        "SELECT id, code, name_vi, name_en, slots FROM session_kinds ORDER BY id").fetch_all(c).await)?)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Session {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub unit_path: String,
    pub kind_id: i64,
    pub kind_code: String,
    pub kind_name_vi: String,
    pub kind_name_en: String,
    pub slots: bool,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub place: String,
    pub capacity: i32,
    pub description: String,
    pub slot_minutes: Option<i32>,
    pub status: String,
    pub confirmed_count: i32,
}

impl Session {
    pub fn scope(&self) -> crate::domain::UnitPath {
        crate::domain::UnitPath::parse(&self.unit_path)
            .unwrap_or_else(|| crate::domain::UnitPath::root(self.unit_id))
    }
    pub fn kind_name(&self, lang: crate::i18n::Lang) -> String {
        if lang == crate::i18n::Lang::En {
            self.kind_name_en.clone()
        } else {
            self.kind_name_vi.clone()
        }
    }
    /// The start of each slot (no-wait Thursday).
    pub fn slot_starts(&self) -> Vec<DateTime<Utc>> {
        match (self.slots, self.slot_minutes) {
            (true, Some(m)) => session::slots(self.starts_at, self.ends_at, m as i64),
            _ => Vec::new(),
        }
    }
}

const SELECT: &str = "SELECT s.id, s.unit_id, u.name AS unit_name, u.path AS unit_path, s.kind_id,
        k.code AS kind_code, k.name_vi AS kind_name_vi, k.name_en AS kind_name_en, k.slots, s.title,
        s.starts_at, s.ends_at, s.place, s.capacity, s.description, s.slot_minutes, s.status, s.confirmed_count
   FROM dialogue_sessions s JOIN units u ON u.id = s.unit_id JOIN session_kinds k ON k.id = s.kind_id";

/// A session to create.
pub struct NewSession {
    pub unit_id: i64,
    pub kind_id: i64,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub place: String,
    pub capacity: i32,
    pub description: String,
    pub slot_minutes: Option<i32>,
    pub procedures: Vec<i64>,
}

pub async fn create(tx: &mut Tx, actor: i64, s: &NewSession) -> DbResult<i64> {
    let now = super::now();
    let id: i64 = tx_run!(tx, c => sqlx::query_scalar(
        "INSERT INTO dialogue_sessions (unit_id, kind_id, title, starts_at, ends_at, place, capacity, description,
            slot_minutes, status, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'draft', $10, $11, $11) RETURNING id")
        .bind(s.unit_id).bind(s.kind_id).bind(&s.title).bind(s.starts_at).bind(s.ends_at).bind(&s.place)
        .bind(s.capacity).bind(&s.description).bind(s.slot_minutes).bind(actor).bind(now)
        .fetch_one(&mut *c).await)?;
    for p in &s.procedures {
        tx_run!(tx, c => sqlx::query("INSERT INTO session_procedures (session_id, procedure_id) VALUES ($1, $2)")
            .bind(id).bind(p).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    }
    audit::record(
        tx,
        Some(actor),
        "session.create",
        "session",
        Some(id),
        &s.title,
    )
    .await?;
    Ok(id)
}

pub async fn publish(tx: &mut Tx, actor: i64, id: i64) -> DbResult<()> {
    let n = tx_run!(tx, c => sqlx::query(
        "UPDATE dialogue_sessions SET status = 'published', updated_at = $1 WHERE id = $2 AND status = 'draft'")
        .bind(super::now()).bind(id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(DbError::Conflict("ses.err_not_draft"));
    }
    audit::record(tx, Some(actor), "session.publish", "session", Some(id), "").await
}

pub async fn get(db: &Db, id: i64) -> DbResult<Session> {
    let sql = format!("{SELECT} WHERE s.id = $1");
    db_run!(db, c => sqlx::query_as::<_, Session>(&sql).bind(id).fetch_optional(c).await)?
        .ok_or(DbError::NotFound)
}

/// Published sessions from `from` on, optionally of one unit and one kind, soonest first.
pub async fn upcoming(
    db: &Db,
    from: DateTime<Utc>,
    unit: Option<i64>,
    kind: Option<i64>,
) -> DbResult<Vec<Session>> {
    let sql = format!(
        "{SELECT} WHERE s.status = 'published' AND s.ends_at >= $1 AND ($2 = 0 OR s.unit_id = $2)
           AND ($3 = 0 OR s.kind_id = $3) ORDER BY s.starts_at, s.id LIMIT 200"
    );
    Ok(db_run!(db, c => sqlx::query_as::<_, Session>(&sql)
        .bind(from).bind(unit.unwrap_or(0)).bind(kind.unwrap_or(0)).fetch_all(c).await)?)
}

/// Every session of units in `scope`, newest first.
pub async fn in_scope(db: &Db, scope: &str) -> DbResult<Vec<Session>> {
    let sql =
        format!("{SELECT} WHERE u.path LIKE $1 ORDER BY s.starts_at DESC, s.id DESC LIMIT 200");
    let like = format!("{scope}%");
    Ok(db_run!(db, c => sqlx::query_as::<_, Session>(&sql).bind(&like).fetch_all(c).await)?)
}

/// The procedures a no-wait Thursday session takes: (id, code, name).
pub async fn procedures_of(db: &Db, id: i64) -> DbResult<Vec<(i64, String, String)>> {
    Ok(db_run!(db, c => sqlx::query_as::<_, (i64, String, String)>(
        "SELECT p.id, p.code, p.name FROM session_procedures sp JOIN procedures p ON p.id = sp.procedure_id
          WHERE sp.session_id = $1 ORDER BY p.name").bind(id).fetch_all(c).await)?)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Signup {
    pub id: i64,
    pub session_id: i64,
    pub code: String,
    pub name: String,
    pub phone: String,
    pub id_number: String,
    pub topic: String,
    pub procedure_id: Option<i64>,
    pub slot_start: Option<DateTime<Utc>>,
    pub status: String,
    pub lang: String,
    pub created_at: DateTime<Utc>,
    pub checked_in_at: Option<DateTime<Utc>>,
    pub result_at: Option<DateTime<Utc>>,
}

impl Signup {
    /// For no-wait Thursday: the minutes from arrival to the result handed back.
    pub fn minutes_taken(&self) -> Option<i64> {
        match (self.checked_in_at, self.result_at) {
            (Some(a), Some(r)) => Some((r - a).num_minutes()),
            _ => None,
        }
    }
}

const SIGNUP: &str = "SELECT id, session_id, code, name, phone, id_number, topic, procedure_id, slot_start, status, lang, created_at,
        checked_in_at, result_at
   FROM session_signups";

pub async fn signup_by_code(db: &Db, code: &str) -> DbResult<Option<Signup>> {
    let sql = format!("{SIGNUP} WHERE code = $1");
    Ok(db_run!(db, c => sqlx::query_as::<_, Signup>(&sql).bind(code).fetch_optional(c).await)?)
}

/// The sign-ups of a session: confirmed and waiting in order, then cancelled.
pub async fn signups(db: &Db, session_id: i64) -> DbResult<Vec<Signup>> {
    let sql = format!(
        "{SIGNUP} WHERE session_id = $1
          ORDER BY CASE status WHEN 'confirmed' THEN 0 WHEN 'waiting' THEN 1 ELSE 2 END, slot_start, id"
    );
    Ok(db_run!(db, c => sqlx::query_as::<_, Signup>(&sql).bind(session_id).fetch_all(c).await)?)
}

/// Where a sign-up landed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placed {
    Confirmed,
    Waiting,
}

/// Signs up for a published session: a confirmed place while there is one, else the waiting list
/// (a slot booking is refused instead when its slot or the session is taken).
pub async fn sign_up(
    db: &Db,
    s: &Session,
    input: &SignupInput,
    procedure_id: Option<i64>,
    slot: Option<DateTime<Utc>>,
    lang: &str,
) -> DbResult<(String, Placed)> {
    let now = super::now();
    let mut tx = db.begin().await?;
    let got: u64 = tx_run!(&mut tx, c => sqlx::query(
        "UPDATE dialogue_sessions SET confirmed_count = confirmed_count + 1, updated_at = $1
          WHERE id = $2 AND status = 'published' AND confirmed_count < capacity")
        .bind(now).bind(s.id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    let placed = if got == 1 {
        Placed::Confirmed
    } else if slot.is_some() {
        return Err(DbError::Conflict("ses.err_full_slots"));
    } else {
        Placed::Waiting
    };
    if slot.is_some() {
        let taken: Option<i64> = tx_run!(&mut tx, c => sqlx::query_scalar(
            "SELECT id FROM session_signups WHERE session_id = $1 AND slot_start = $2 AND status = 'confirmed'")
            .bind(s.id).bind(slot).fetch_optional(&mut *c).await)?;
        if taken.is_some() {
            return Err(DbError::Conflict("ses.err_slot_taken"));
        }
    }
    let status = if placed == Placed::Confirmed {
        "confirmed"
    } else {
        "waiting"
    };
    let mut code = String::new();
    for _ in 0..20 {
        let candidate = session::make_code(rand::thread_rng().gen_range(0..100_000_000));
        let used: Option<i64> = tx_run!(&mut tx, c => sqlx::query_scalar(
            "SELECT id FROM session_signups WHERE code = $1").bind(&candidate).fetch_optional(&mut *c).await)?;
        if used.is_none() {
            code = candidate;
            break;
        }
    }
    if code.is_empty() {
        return Err(DbError::Conflict("err.try_again"));
    }
    let inserted = tx_run!(&mut tx, c => sqlx::query(
        "INSERT INTO session_signups (session_id, code, name, phone, id_number, topic, procedure_id, slot_start, status, lang, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
        .bind(s.id).bind(&code).bind(&input.name).bind(&input.phone).bind(&input.id_number).bind(&input.topic)
        .bind(procedure_id).bind(slot).bind(status).bind(lang).bind(now)
        .execute(&mut *c).await.map(|r| r.rows_affected()));
    match inserted {
        Ok(_) => {}
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            return Err(DbError::Conflict("ses.err_slot_taken"))
        }
        Err(e) => return Err(e.into()),
    }
    let event = if placed == Placed::Confirmed {
        "session.confirmed"
    } else {
        "session.waiting"
    };
    tell(&mut tx, s, event, &code, &input.phone, lang).await?;
    tx.commit().await?;
    Ok((code, placed))
}

async fn tell(
    tx: &mut Tx,
    s: &Session,
    event: &str,
    code: &str,
    phone: &str,
    lang: &str,
) -> DbResult<()> {
    let when = s
        .starts_at
        .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
        .format("%H:%M %d/%m/%Y")
        .to_string();
    outbox::enqueue(
        tx,
        &Message {
            event,
            entity: "session",
            entity_id: s.id,
            channel: "sms",
            recipient: phone,
            lang,
            params: serde_json::json!({ "code": code, "title": s.title, "when": when, "place": s.place }),
            dedupe_key: None,
        },
    )
    .await?;
    Ok(())
}

/// Cancels a sign-up (by its code and phone number). A confirmed place goes to the first on the
/// waiting list, who is told. Returns the code of the one promoted, if any.
pub async fn cancel(db: &Db, code: &str, phone: &str) -> DbResult<Option<String>> {
    let Some(su) = signup_by_code(db, code).await? else {
        return Err(DbError::NotFound);
    };
    if su.phone != phone {
        return Err(DbError::NotFound);
    }
    let s = get(db, su.session_id).await?;
    let now = super::now();
    let mut tx = db.begin().await?;
    let n = tx_run!(&mut tx, c => sqlx::query(
        "UPDATE session_signups SET status = 'cancelled', cancelled_at = $1 WHERE id = $2 AND status IN ('confirmed', 'waiting')")
        .bind(now).bind(su.id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(DbError::Conflict("ses.err_already_cancelled"));
    }
    let mut promoted = None;
    if su.status == "confirmed" {
        tx_run!(&mut tx, c => sqlx::query(
            "UPDATE dialogue_sessions SET confirmed_count = confirmed_count - 1, updated_at = $1 WHERE id = $2")
            .bind(now).bind(s.id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
        // The first still waiting takes the place (a slot booking never waits).
        let first: Option<(i64, String, String, String)> = tx_run!(&mut tx, c => sqlx::query_as(
            "SELECT id, code, phone, lang FROM session_signups WHERE session_id = $1 AND status = 'waiting' ORDER BY id LIMIT 1")
            .bind(s.id).fetch_optional(&mut *c).await)?;
        // The session row is locked by the decrement above, so cancellations of one session
        // take turns here and each waiting person is promoted once.
        if let Some((wid, wcode, wphone, wlang)) = first {
            let moved = tx_run!(&mut tx, c => sqlx::query(
                "UPDATE session_signups SET status = 'confirmed', promoted_at = $1 WHERE id = $2 AND status = 'waiting'")
                .bind(now).bind(wid).execute(&mut *c).await.map(|r| r.rows_affected()))?;
            if moved == 1 {
                tx_run!(&mut tx, c => sqlx::query(
                    "UPDATE dialogue_sessions SET confirmed_count = confirmed_count + 1 WHERE id = $1")
                    .bind(s.id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
                tell(&mut tx, &s, "session.promoted", &wcode, &wphone, &wlang).await?;
                promoted = Some(wcode);
            }
        }
    }
    tx.commit().await?;
    Ok(promoted)
}

/// A code as read at the door: typed, or the confirmation page's URL from the QR code.
pub fn code_from_scan(s: &str) -> String {
    s.trim()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("")
        .trim()
        .to_uppercase()
}

/// Checks a confirmed sign-up in at the door of session `session_id`.
pub async fn check_in(db: &Db, actor: i64, session_id: i64, code: &str) -> DbResult<Signup> {
    let su = signup_by_code(db, code)
        .await?
        .filter(|s| s.session_id == session_id)
        .ok_or(DbError::Conflict("ses.err_checkin_unknown"))?;
    match su.status.as_str() {
        "cancelled" => return Err(DbError::Conflict("ses.err_checkin_cancelled")),
        "waiting" => return Err(DbError::Conflict("ses.err_checkin_waiting")),
        _ => {}
    }
    if su.checked_in_at.is_some() {
        return Err(DbError::Conflict("ses.err_checkin_twice"));
    }
    let mut tx = db.begin().await?;
    let n = tx_run!(&mut tx, c => sqlx::query(
        "UPDATE session_signups SET checked_in_at = $1, checked_in_by = $2
          WHERE id = $3 AND status = 'confirmed' AND checked_in_at IS NULL")
        .bind(super::now()).bind(actor).bind(su.id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(DbError::Conflict("ses.err_checkin_twice"));
    }
    tx.commit().await?;
    Ok(su)
}

/// No-wait Thursday: the result was handed back now.
pub async fn result_returned(db: &Db, session_id: i64, signup_id: i64) -> DbResult<()> {
    let mut tx = db.begin().await?;
    let n = tx_run!(&mut tx, c => sqlx::query(
        "UPDATE session_signups SET result_at = $1
          WHERE id = $2 AND session_id = $3 AND checked_in_at IS NOT NULL AND result_at IS NULL")
        .bind(super::now()).bind(signup_id).bind(session_id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(DbError::Conflict("ses.err_result"));
    }
    tx.commit().await
}
