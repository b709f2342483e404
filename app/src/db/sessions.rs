//! Dialogue sessions and their sign-ups. A place is decided by one conditional `UPDATE` of the
//! session's confirmed count (`… WHERE confirmed_count < capacity`): PostgreSQL locks the row and
//! re-checks the condition for each waiting writer, SQLite takes one writer at a time, so the
//! capacity is never exceeded however many people sign up at once. Those who find it full join
//! the waiting list; a cancellation promotes the first of it in the same transaction.

use super::notify::{self, Message};
use super::{audit, Db, DbError, DbResult, Tx};
use crate::domain::publish::{self, People, Publication};
use crate::domain::session::{self, SignupInput};
use crate::{db_run, tx_run};
use chrono::{DateTime, Utc};
use rand::Rng;

/// A sign-up as the messages about it need it.
type SignupRow = (i64, String, String, String, Option<DateTime<Utc>>);

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
    pub cancel_reason: String,
    pub minutes_published_at: Option<DateTime<Utc>>,
    /// The words the reviewing official removed by hand from the minutes, one per line.
    pub minutes_extra: String,
    /// When a leader took the minutes down, and why.
    pub minutes_withdrawn_at: Option<DateTime<Utc>>,
    pub minutes_withdrawn_reason: String,
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
    /// Whether the minutes are on the public page now.
    pub fn minutes_public(&self) -> bool {
        self.minutes_published_at.is_some() && self.minutes_withdrawn_at.is_none()
    }
    /// The extra words of the minutes' review, as a list.
    pub fn minutes_extra_words(&self) -> Vec<String> {
        self.minutes_extra
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
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
        s.starts_at, s.ends_at, s.place, s.capacity, s.description, s.slot_minutes, s.status, s.confirmed_count,
        s.cancel_reason, s.minutes_published_at, s.minutes_extra, s.minutes_withdrawn_at,
        s.minutes_withdrawn_reason
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

/// Why a step of a session (publishing, check-in, minutes, a question made a case) was refused.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("the session is not a draft")]
    NotDraft,
    #[error("the sign-up is already cancelled")]
    AlreadyCancelled,
    #[error("no sign-up of this session has this code")]
    CheckinUnknown,
    #[error("the sign-up was cancelled")]
    CheckinCancelled,
    #[error("the sign-up is on the waiting list")]
    CheckinWaiting,
    #[error("the sign-up is already checked in")]
    CheckinTwice,
    #[error("the sign-up has no result to return")]
    NoResult,
    #[error("the session cannot be cancelled")]
    CannotCancel,
    #[error("the minutes changed since they were reviewed")]
    MinutesChanged,
    #[error("the minutes cannot be published yet")]
    MinutesNotReady,
    #[error("the minutes are not public")]
    NotPublic,
    #[error("the question is already a case")]
    AlreadyCase,
    #[error("the question has no contact a case needs")]
    CaseContact,
    #[error("the session kind code is taken")]
    KindCodeTaken(#[source] DbError),
    #[error(transparent)]
    Db(#[from] DbError),
}
crate::from_sqlx!(SessionError);

/// For code that handles only the data layer's errors (the demo).
impl From<SessionError> for DbError {
    fn from(e: SessionError) -> Self {
        match e {
            SessionError::Db(e) | SessionError::KindCodeTaken(e) => e,
            _ => DbError::Inconsistent("a session step was refused"),
        }
    }
}

pub async fn publish(tx: &mut Tx, actor: i64, id: i64) -> Result<(), SessionError> {
    let n = tx_run!(tx, c => sqlx::query(
        "UPDATE dialogue_sessions SET status = 'published', updated_at = $1 WHERE id = $2 AND status = 'draft'")
        .bind(super::now()).bind(id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(SessionError::NotDraft);
    }
    Ok(audit::record(tx, Some(actor), "session.publish", "session", Some(id), "").await?)
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
        "{SELECT} WHERE s.status IN ('published', 'cancelled') AND s.ends_at >= $1 AND ($2 = 0 OR s.unit_id = $2)
           AND ($3 = 0 OR s.kind_id = $3) ORDER BY s.starts_at, s.id LIMIT 200"
    );
    Ok(db_run!(db, c => sqlx::query_as::<_, Session>(&sql)
        .bind(from).bind(unit.unwrap_or(0)).bind(kind.unwrap_or(0)).fetch_all(c).await)?)
}

/// Past sessions whose minutes are published, optionally of one unit and one kind, latest first.
pub async fn with_minutes(db: &Db, unit: Option<i64>, kind: Option<i64>) -> DbResult<Vec<Session>> {
    let sql = format!(
        "{SELECT} WHERE s.minutes_published_at IS NOT NULL AND s.minutes_withdrawn_at IS NULL
           AND ($1 = 0 OR s.unit_id = $1)
           AND ($2 = 0 OR s.kind_id = $2) ORDER BY s.starts_at DESC, s.id DESC LIMIT 20"
    );
    Ok(db_run!(db, c => sqlx::query_as::<_, Session>(&sql)
        .bind(unit.unwrap_or(0)).bind(kind.unwrap_or(0)).fetch_all(c).await)?)
}

/// The ratings participants gave a session: (count, sum of scores).
pub async fn rating_totals(db: &Db, session_id: i64) -> DbResult<(i64, i64)> {
    let (n, sum): (i64, Option<i64>) = db_run!(db, c => sqlx::query_as(
        "SELECT COUNT(r.id), SUM(r.score) FROM session_signups su JOIN ratings r ON r.id = su.rating_id
          WHERE su.session_id = $1").bind(session_id).fetch_one(c).await)?;
    Ok((n, sum.unwrap_or(0)))
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
    pub rated_at: Option<DateTime<Utc>>,
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
        checked_in_at, result_at, rated_at
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

/// Why a sign-up was refused.
#[derive(Debug, thiserror::Error)]
pub enum SignupError {
    /// This phone number already has a place, or waits for one, in this session.
    #[error("the phone number is already signed up for this session")]
    PhoneTaken,
    /// This ID number already has a place, or waits for one, in this session.
    #[error("the ID number is already signed up for this session")]
    IdNumberTaken,
    /// The time slot asked for is booked by someone else.
    #[error("the slot is taken")]
    SlotTaken,
    /// Every slot of the session is booked.
    #[error("every slot is booked")]
    Full,
    /// No free sign-up code was found after several draws.
    #[error("no free sign-up code")]
    NoFreeCode,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<sqlx::Error> for SignupError {
    fn from(e: sqlx::Error) -> Self {
        SignupError::Db(e.into())
    }
}

/// Which one-per-session rule a unique violation broke: PostgreSQL names the index, SQLite
/// names the columns (`UNIQUE constraint failed: session_signups.session_id, session_signups.phone`).
fn broken_rule(e: &dyn sqlx::error::DatabaseError) -> Option<SignupError> {
    let name = e.constraint().unwrap_or_default().to_string() + " " + e.message();
    if name.contains("one_per_phone") || name.contains("session_signups.phone") {
        Some(SignupError::PhoneTaken)
    } else if name.contains("one_per_id_number") || name.contains("session_signups.id_number") {
        Some(SignupError::IdNumberTaken)
    } else if name.contains("session_signups_slot") || name.contains("slot_start") {
        Some(SignupError::SlotTaken)
    } else {
        None
    }
}

/// Signs up for a published session: a confirmed place while there is one, else the waiting list
/// (a slot booking is refused instead when its slot or the session is taken). A phone number,
/// and an ID number when one is given, holds at most one active sign-up (confirmed or waiting)
/// per session: checked in the transaction after the session's row is taken (so sign-ups that
/// race for a place are judged one after the other), and kept by two unique indexes for those
/// that race for the waiting list.
pub async fn sign_up(
    db: &Db,
    s: &Session,
    input: &SignupInput,
    procedure_id: Option<i64>,
    slot: Option<DateTime<Utc>>,
    lang: &str,
) -> Result<(String, Placed), SignupError> {
    let now = super::now();
    let mut tx = db.begin().await?;
    let got: u64 = tx_run!(&mut tx, c => sqlx::query(
        "UPDATE dialogue_sessions SET confirmed_count = confirmed_count + 1, updated_at = $1
          WHERE id = $2 AND status = 'published' AND confirmed_count < capacity")
        .bind(now).bind(s.id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    let placed = if got == 1 {
        Placed::Confirmed
    } else if slot.is_some() {
        return Err(SignupError::Full);
    } else {
        Placed::Waiting
    };
    let active: Option<(String, String)> = tx_run!(&mut tx, c => sqlx::query_as(
        "SELECT phone, id_number FROM session_signups
          WHERE session_id = $1 AND status IN ('confirmed', 'waiting')
            AND (phone = $2 OR ($3 <> '' AND id_number = $3)) LIMIT 1")
        .bind(s.id).bind(&input.phone).bind(&input.id_number).fetch_optional(&mut *c).await)?;
    if let Some((phone, _)) = active {
        return Err(if phone == input.phone {
            SignupError::PhoneTaken
        } else {
            SignupError::IdNumberTaken
        });
    }
    if slot.is_some() {
        let taken: Option<i64> = tx_run!(&mut tx, c => sqlx::query_scalar(
            "SELECT id FROM session_signups WHERE session_id = $1 AND slot_start = $2 AND status = 'confirmed'")
            .bind(s.id).bind(slot).fetch_optional(&mut *c).await)?;
        if taken.is_some() {
            return Err(SignupError::SlotTaken);
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
        return Err(SignupError::NoFreeCode);
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
            return Err(broken_rule(e.as_ref()).unwrap_or(SignupError::SlotTaken))
        }
        Err(e) => return Err(e.into()),
    }
    let event = if placed == Placed::Confirmed {
        "session.confirmed"
    } else {
        "session.waiting"
    };
    let to = To {
        code: &code,
        phone: &input.phone,
        lang,
        slot,
    };
    tell(&mut tx, s, event, to, &[], None).await?;
    tx.commit().await?;
    Ok((code, placed))
}

/// Who a session message goes to.
struct To<'a> {
    code: &'a str,
    phone: &'a str,
    lang: &'a str,
    /// The sign-up's booked slot, if it has one: its messages give that time.
    slot: Option<DateTime<Utc>>,
}

/// Queues an SMS about session `s` (`extra` adds template values; `dedupe` makes it once only).
async fn tell(
    tx: &mut Tx,
    s: &Session,
    event: &str,
    to: To<'_>,
    extra: &[(&str, String)],
    dedupe: Option<String>,
) -> DbResult<()> {
    let when = session::message_time(s.starts_at, to.slot)
        .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
        .format("%H:%M %d/%m/%Y")
        .to_string();
    let mut params =
        serde_json::json!({ "code": to.code, "title": s.title, "when": when, "place": s.place });
    for (k, v) in extra {
        params[*k] = serde_json::Value::String(v.clone());
    }
    notify::enqueue(
        tx,
        &Message {
            event,
            entity: "session",
            entity_id: s.id,
            channel: "sms",
            recipient: to.phone,
            lang: to.lang,
            params,
            dedupe_key: dedupe,
        },
    )
    .await?;
    Ok(())
}

/// Cancels a sign-up (by its code and phone number). A confirmed place goes to the first on the
/// waiting list, who is told. Returns the code of the one promoted, if any.
pub async fn cancel(db: &Db, code: &str, phone: &str) -> Result<Option<String>, SessionError> {
    let Some(su) = signup_by_code(db, code).await? else {
        return Err(DbError::NotFound.into());
    };
    if su.phone != phone {
        return Err(DbError::NotFound.into());
    }
    let s = get(db, su.session_id).await?;
    let now = super::now();
    let mut tx = db.begin().await?;
    let n = tx_run!(&mut tx, c => sqlx::query(
        "UPDATE session_signups SET status = 'cancelled', cancelled_at = $1 WHERE id = $2 AND status IN ('confirmed', 'waiting')")
        .bind(now).bind(su.id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(SessionError::AlreadyCancelled);
    }
    let mut promoted = None;
    if su.status == "confirmed" {
        tx_run!(&mut tx, c => sqlx::query(
            "UPDATE dialogue_sessions SET confirmed_count = confirmed_count - 1, updated_at = $1 WHERE id = $2")
            .bind(now).bind(s.id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
        // The first still waiting takes the place (a slot booking never waits).
        let first: Option<SignupRow> = tx_run!(&mut tx, c => sqlx::query_as(
            "SELECT id, code, phone, lang, slot_start FROM session_signups WHERE session_id = $1 AND status = 'waiting' ORDER BY id LIMIT 1")
            .bind(s.id).fetch_optional(&mut *c).await)?;
        // The session row is locked by the decrement above, so cancellations of one session
        // take turns here and each waiting person is promoted once.
        if let Some((wid, wcode, wphone, wlang, wslot)) = first {
            let moved = tx_run!(&mut tx, c => sqlx::query(
                "UPDATE session_signups SET status = 'confirmed', promoted_at = $1 WHERE id = $2 AND status = 'waiting'")
                .bind(now).bind(wid).execute(&mut *c).await.map(|r| r.rows_affected()))?;
            if moved == 1 {
                tx_run!(&mut tx, c => sqlx::query(
                    "UPDATE dialogue_sessions SET confirmed_count = confirmed_count + 1 WHERE id = $1")
                    .bind(s.id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
                let to = To {
                    code: &wcode,
                    phone: &wphone,
                    lang: &wlang,
                    slot: wslot,
                };
                tell(&mut tx, &s, "session.promoted", to, &[], None).await?;
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
pub async fn check_in(
    db: &Db,
    actor: i64,
    session_id: i64,
    code: &str,
) -> Result<Signup, SessionError> {
    let su = signup_by_code(db, code)
        .await?
        .filter(|s| s.session_id == session_id)
        .ok_or(SessionError::CheckinUnknown)?;
    match su.status.as_str() {
        "cancelled" => return Err(SessionError::CheckinCancelled),
        "waiting" => return Err(SessionError::CheckinWaiting),
        _ => {}
    }
    if su.checked_in_at.is_some() {
        return Err(SessionError::CheckinTwice);
    }
    let mut tx = db.begin().await?;
    let n = tx_run!(&mut tx, c => sqlx::query(
        "UPDATE session_signups SET checked_in_at = $1, checked_in_by = $2
          WHERE id = $3 AND status = 'confirmed' AND checked_in_at IS NULL")
        .bind(super::now()).bind(actor).bind(su.id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(SessionError::CheckinTwice);
    }
    tx.commit().await?;
    Ok(su)
}

/// No-wait Thursday: the result was handed back now.
pub async fn result_returned(db: &Db, session_id: i64, signup_id: i64) -> Result<(), SessionError> {
    let mut tx = db.begin().await?;
    let n = tx_run!(&mut tx, c => sqlx::query(
        "UPDATE session_signups SET result_at = $1
          WHERE id = $2 AND session_id = $3 AND checked_in_at IS NOT NULL AND result_at IS NULL")
        .bind(super::now()).bind(signup_id).bind(session_id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(SessionError::NoResult);
    }
    Ok(tx.commit().await?)
}

/// The unit cancels a session (draft or published, not yet over): everyone signed up or waiting
/// is told, once, with the reason.
pub async fn cancel_session(
    db: &Db,
    actor: i64,
    id: i64,
    reason: &str,
) -> Result<usize, SessionError> {
    let now = super::now();
    let mut tx = db.begin().await?;
    let n = tx_run!(&mut tx, c => sqlx::query(
        "UPDATE dialogue_sessions SET status = 'cancelled', cancel_reason = $1, cancelled_at = $2, updated_at = $2
          WHERE id = $3 AND status IN ('draft', 'published') AND ends_at > $2")
        .bind(reason).bind(now).bind(id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(SessionError::CannotCancel);
    }
    let s = {
        let sql = format!("{SELECT} WHERE s.id = $1");
        tx_run!(&mut tx, c => sqlx::query_as::<_, Session>(&sql).bind(id).fetch_one(&mut *c).await)?
    };
    let people: Vec<SignupRow> = tx_run!(&mut tx, c => sqlx::query_as(
        "SELECT id, code, phone, lang, slot_start FROM session_signups WHERE session_id = $1 AND status IN ('confirmed', 'waiting') ORDER BY id")
        .bind(id).fetch_all(&mut *c).await)?;
    for (sid, code, phone, lang, slot) in &people {
        let to = To {
            code,
            phone,
            lang,
            slot: *slot,
        };
        let extra = [("reason", reason.to_string())];
        let key = Some(format!("session.cancelled:{sid}"));
        tell(&mut tx, &s, "session.cancelled", to, &extra, key).await?;
    }
    audit::record(
        &mut tx,
        Some(actor),
        "session.cancel",
        "session",
        Some(id),
        reason,
    )
    .await?;
    tx.commit().await?;
    Ok(people.len())
}

/// The signature that makes a participant's rating link (`/sessions/rate/{code}/{sig}`).
pub fn rate_sig(secret: &[u8], code: &str) -> String {
    crate::sign::sign(secret, &format!("session-rate:{code}"))
}

/// The public address of a participant's rating link.
pub fn rate_url(base_url: &str, secret: &[u8], code: &str) -> String {
    format!("{base_url}/sessions/rate/{code}/{}", rate_sig(secret, code))
}

/// How long after a session its participants may still rate it.
pub const RATE_DAYS: i64 = 14;

/// Queues the messages that depend on the clock, once each (dedupe keys): a reminder the day
/// before a session (from 8:00, local time) to each confirmed sign-up, and after a session the
/// rating link to each participant who came (in the day, 8:00–20:00, for up to two days after).
/// Safe to call often and from several instances. Returns (reminders, rating links) queued.
pub async fn queue_messages(
    db: &Db,
    secret: &[u8],
    base_url: &str,
    now: DateTime<Utc>,
) -> DbResult<(usize, usize)> {
    use chrono::Timelike;
    let local = now.with_timezone(&chrono_tz::Asia::Ho_Chi_Minh);
    if !(8..20).contains(&local.hour()) {
        return Ok((0, 0));
    }
    let tomorrow = local.date_naive() + chrono::Duration::days(1);
    let (from, to) = (
        super::local_noon(tomorrow) - chrono::Duration::hours(12),
        super::local_noon(tomorrow) + chrono::Duration::hours(12),
    );
    let soon =
        format!("{SELECT} WHERE s.status = 'published' AND s.starts_at >= $1 AND s.starts_at < $2");
    let tomorrow_sessions = db_run!(db, c => sqlx::query_as::<_, Session>(&soon)
        .bind(from).bind(to).fetch_all(c).await)?;
    let ended =
        format!("{SELECT} WHERE s.status = 'published' AND s.ends_at <= $1 AND s.ends_at > $2");
    let ended_sessions = db_run!(db, c => sqlx::query_as::<_, Session>(&ended)
        .bind(now).bind(now - chrono::Duration::days(2)).fetch_all(c).await)?;
    let mut counts = (0, 0);
    for (list, attended) in [(tomorrow_sessions, false), (ended_sessions, true)] {
        for s in list {
            let people = signups(db, s.id).await?;
            let mut tx = db.begin().await?;
            for p in people.iter().filter(|p| p.status == "confirmed") {
                let to = To {
                    code: &p.code,
                    phone: &p.phone,
                    lang: &p.lang,
                    slot: p.slot_start,
                };
                if attended {
                    if p.checked_in_at.is_none() || p.rated_at.is_some() {
                        continue;
                    }
                    let url = rate_url(base_url, secret, &p.code);
                    let key = Some(format!("session.rate:{}", p.id));
                    tell(&mut tx, &s, "session.rate", to, &[("url", url)], key).await?;
                    counts.1 += 1;
                } else {
                    let key = Some(format!("session.reminder:{}", p.id));
                    tell(&mut tx, &s, "session.reminder", to, &[], key).await?;
                    counts.0 += 1;
                }
            }
            tx.commit().await?;
        }
    }
    Ok(counts)
}

/// A sign-up found by its rating link, if the link is genuine.
pub async fn signup_for_rating(
    db: &Db,
    secret: &[u8],
    code: &str,
    sig: &str,
) -> DbResult<Option<Signup>> {
    let code = code.trim().to_uppercase();
    if !crate::sign::verify(secret, &format!("session-rate:{code}"), sig.trim()) {
        return Ok(None);
    }
    signup_by_code(db, &code).await
}

/// One question of the minutes.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Question {
    pub id: i64,
    pub session_id: i64,
    pub signup_id: Option<i64>,
    pub asker: String,
    pub asker_phone: String,
    pub asker_address: String,
    pub question: String,
    pub answer: String,
    pub answered_by: String,
    pub follow_up: String,
    pub case_id: Option<i64>,
    pub case_code: Option<String>,
    pub updated_at: DateTime<Utc>,
    /// The question, answer, answerer and follow-up as published (after review).
    pub public_question: String,
    pub public_answer: String,
    pub public_answered_by: String,
    pub public_follow_up: String,
    /// When it was last published; `None` for a question not published yet.
    pub public_at: Option<DateTime<Utc>>,
}

impl Question {
    /// Whether the public page shows what is typed now (published, not changed since).
    pub fn published_as_is(&self) -> bool {
        self.public_at.is_some_and(|at| self.updated_at <= at)
    }
}

const QUESTION: &str =
    "SELECT q.id, q.session_id, q.signup_id, q.asker, q.asker_phone, q.asker_address, q.question,
        q.answer, q.answered_by, q.follow_up, q.case_id, f.code AS case_code, q.updated_at,
        q.public_question, q.public_answer, q.public_answered_by, q.public_follow_up, q.public_at
   FROM session_questions q LEFT JOIN feedback_cases f ON f.id = q.case_id";

/// The minutes of a session, in the order the questions were asked.
pub async fn questions(db: &Db, session_id: i64) -> DbResult<Vec<Question>> {
    let sql = format!("{QUESTION} WHERE q.session_id = $1 ORDER BY q.id");
    Ok(db_run!(db, c => sqlx::query_as::<_, Question>(&sql).bind(session_id).fetch_all(c).await)?)
}

pub async fn question(db: &Db, id: i64) -> DbResult<Question> {
    let sql = format!("{QUESTION} WHERE q.id = $1");
    db_run!(db, c => sqlx::query_as::<_, Question>(&sql).bind(id).fetch_optional(c).await)?
        .ok_or(DbError::NotFound)
}

/// Adds a question to the minutes (`id` None) or changes one of session `session_id`.
pub async fn save_question(
    db: &Db,
    actor: i64,
    session_id: i64,
    id: Option<i64>,
    signup_id: Option<i64>,
    q: &session::QuestionFields,
) -> DbResult<i64> {
    let now = super::now();
    let mut tx = db.begin().await?;
    let id = match id {
        None => tx_run!(&mut tx, c => sqlx::query_scalar(
            "INSERT INTO session_questions (session_id, signup_id, asker, asker_phone, asker_address, question, answer,
                answered_by, follow_up, created_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id")
            .bind(session_id).bind(signup_id).bind(&q.asker).bind(&q.asker_phone).bind(&q.asker_address)
            .bind(&q.question).bind(&q.answer).bind(&q.answered_by).bind(&q.follow_up).bind(actor).bind(now)
            .fetch_one(&mut *c).await)?,
        Some(id) => {
            let n = tx_run!(&mut tx, c => sqlx::query(
                "UPDATE session_questions SET signup_id = $1, asker = $2, asker_phone = $3, asker_address = $4,
                    question = $5, answer = $6, answered_by = $7, follow_up = $8, updated_at = $9
                  WHERE id = $10 AND session_id = $11")
                .bind(signup_id).bind(&q.asker).bind(&q.asker_phone).bind(&q.asker_address).bind(&q.question)
                .bind(&q.answer).bind(&q.answered_by).bind(&q.follow_up).bind(now).bind(id).bind(session_id)
                .execute(&mut *c).await.map(|r| r.rows_affected()))?;
            if n == 0 {
                return Err(DbError::NotFound);
            }
            id
        }
    };
    audit::record(
        &mut tx,
        Some(actor),
        "session.minutes",
        "session",
        Some(session_id),
        &format!("question {id}"),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The people a session's minutes may name: everyone who signed up (name, phone, ID number)
/// and everyone who asked a question (name, phone, address).
pub async fn people_of(db: &Db, session_id: i64) -> DbResult<People> {
    let signups: Vec<(String, String, String)> = db_run!(db, c => sqlx::query_as(
        "SELECT name, phone, id_number FROM session_signups WHERE session_id = $1 ORDER BY id")
        .bind(session_id).fetch_all(c).await)?;
    let askers: Vec<(String, String, String)> = db_run!(db, c => sqlx::query_as(
        "SELECT asker, asker_phone, asker_address FROM session_questions WHERE session_id = $1 ORDER BY id")
        .bind(session_id).fetch_all(c).await)?;
    let mut people = People::new();
    for (name, phone, id) in signups {
        people = people.person(&name, &phone, "", "").id_number(&id);
    }
    for (name, phone, address) in askers {
        people = people.person(&name, &phone, "", &address);
    }
    Ok(people)
}

/// One question of the minutes as it would be published: the question, the answer, who
/// answered and the follow-up, each through the one publication function.
pub struct QuestionReview {
    pub question: Question,
    pub texts: [Publication; 4],
}

/// The minutes of a session as they would be published, for the review.
pub struct MinutesReview {
    pub items: Vec<QuestionReview>,
}

impl MinutesReview {
    /// What the reviewing official saw (see [`publish::fingerprint`]).
    pub fn fingerprint(&self) -> String {
        let texts: Vec<String> = self
            .items
            .iter()
            .flat_map(|i| {
                std::iter::once(i.question.id.to_string())
                    .chain(i.texts.iter().map(Publication::public_text))
            })
            .collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        publish::fingerprint(&refs)
    }
    /// How many pieces come out.
    pub fn removed(&self) -> usize {
        self.items
            .iter()
            .flat_map(|i| i.texts.iter())
            .map(|t| t.removals().len())
            .sum()
    }
}

fn review_of(questions: Vec<Question>, people: &People, extra: &[String]) -> MinutesReview {
    let items = questions
        .into_iter()
        .map(|q| {
            let texts = [
                publish::publish(&q.question, people, extra),
                publish::publish(&q.answer, people, extra),
                publish::publish(&q.answered_by, people, extra),
                publish::publish(&q.follow_up, people, extra),
            ];
            QuestionReview { question: q, texts }
        })
        .collect();
    MinutesReview { items }
}

/// The minutes of session `s` as they would be published now, with its saved extra words.
pub async fn review_minutes(db: &Db, s: &Session) -> DbResult<MinutesReview> {
    let people = people_of(db, s.id).await?;
    let list = questions(db, s.id).await?;
    Ok(review_of(list, &people, &s.minutes_extra_words()))
}

/// Saves the extra words of the minutes' review (one per line).
pub async fn set_minutes_extra(db: &Db, session_id: i64, extra: &[String]) -> DbResult<()> {
    db_run!(db, c => sqlx::query(
        "UPDATE dialogue_sessions SET minutes_extra = $1, updated_at = $2 WHERE id = $3")
        .bind(extra.join("\n")).bind(super::now()).bind(session_id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Writes the public texts of `review` in one transaction: each question as reviewed, refused
/// (nothing written) if one was changed meanwhile.
async fn write_minutes(
    tx: &mut Tx,
    review: &MinutesReview,
    at: DateTime<Utc>,
) -> Result<(), SessionError> {
    for item in &review.items {
        let q = &item.question;
        let [pq, pa, pb, pf] = &item.texts;
        let n = tx_run!(tx, c => sqlx::query(
            "UPDATE session_questions SET public_question = $1, public_answer = $2, public_answered_by = $3,
                    public_follow_up = $4, public_at = $5
              WHERE id = $6 AND question = $7 AND answer = $8 AND answered_by = $9 AND follow_up = $10")
            .bind(pq.public_text()).bind(pa.public_text()).bind(pb.public_text()).bind(pf.public_text()).bind(at)
            .bind(q.id).bind(&q.question).bind(&q.answer).bind(&q.answered_by).bind(&q.follow_up)
            .execute(&mut *c).await.map(|r| r.rows_affected()))?;
        if n == 0 {
            return Err(SessionError::MinutesChanged);
        }
    }
    Ok(())
}

/// Publishes the minutes on the session's public page (again after a change: the time moves
/// on), as reviewed: `reviewed` is the fingerprint of what the official saw, and nothing is
/// published when what would go public differs from it (`None` only for the demo province).
pub async fn publish_minutes(
    db: &Db,
    actor: i64,
    session_id: i64,
    reviewed: Option<&str>,
) -> Result<(), SessionError> {
    let s = get(db, session_id).await?;
    let review = review_minutes(db, &s).await?;
    if reviewed.is_some_and(|r| r != review.fingerprint()) {
        return Err(SessionError::MinutesChanged);
    }
    let now = super::now();
    let mut tx = db.begin().await?;
    let n = tx_run!(&mut tx, c => sqlx::query(
        "UPDATE dialogue_sessions SET minutes_published_at = $1, minutes_rules = $3, minutes_withdrawn_at = NULL,
                minutes_withdrawn_by = NULL, minutes_withdrawn_reason = '', updated_at = $1
          WHERE id = $2 AND status = 'published' AND ends_at <= $1
            AND EXISTS (SELECT 1 FROM session_questions q WHERE q.session_id = $2)")
        .bind(now).bind(session_id).bind(publish::RULES_VERSION).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(SessionError::MinutesNotReady);
    }
    write_minutes(&mut tx, &review, now).await?;
    audit::record(
        &mut tx,
        Some(actor),
        "session.publish_minutes",
        "session",
        Some(session_id),
        &format!(
            "{} removed, {} extra words",
            review.removed(),
            s.minutes_extra_words().len()
        ),
    )
    .await?;
    Ok(tx.commit().await?)
}

/// A leader takes published minutes down (the reason goes to the audit log); they come back
/// only when published again.
pub async fn withdraw_minutes(
    db: &Db,
    actor: i64,
    session_id: i64,
    reason: &str,
) -> Result<(), SessionError> {
    let now = super::now();
    let mut tx = db.begin().await?;
    let n = tx_run!(&mut tx, c => sqlx::query(
        "UPDATE dialogue_sessions SET minutes_withdrawn_at = $1, minutes_withdrawn_by = $2, minutes_withdrawn_reason = $3,
                updated_at = $1
          WHERE id = $4 AND minutes_published_at IS NOT NULL AND minutes_withdrawn_at IS NULL")
        .bind(now).bind(actor).bind(reason).bind(session_id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(SessionError::NotPublic);
    }
    audit::record(
        &mut tx,
        Some(actor),
        "session.withdraw_minutes",
        "session",
        Some(session_id),
        reason,
    )
    .await?;
    Ok(tx.commit().await?)
}

/// The published minutes of a session (what the public page shows): the questions published,
/// in the order they were asked, as they were published.
pub async fn public_minutes(db: &Db, session_id: i64) -> DbResult<Vec<Question>> {
    let sql =
        format!("{QUESTION} WHERE q.session_id = $1 AND q.public_at IS NOT NULL ORDER BY q.id");
    Ok(db_run!(db, c => sqlx::query_as::<_, Question>(&sql).bind(session_id).fetch_all(c).await)?)
}

/// Makes again, with the publication rules of this version, the public minutes of every
/// session published with older ones (run at start-up after the migrations): the questions
/// published then (all those not changed since) as they read now. Returns how many sessions.
pub async fn refresh_minutes(db: &Db) -> DbResult<usize> {
    let ids: Vec<i64> = db_run!(db, c => sqlx::query_scalar(
        "SELECT id FROM dialogue_sessions WHERE minutes_published_at IS NOT NULL AND minutes_rules < $1 ORDER BY id")
        .bind(publish::RULES_VERSION).fetch_all(c).await)?;
    for id in &ids {
        let s = get(db, *id).await?;
        let Some(at) = s.minutes_published_at else {
            continue;
        };
        let people = people_of(db, s.id).await?;
        let published: Vec<Question> = questions(db, s.id)
            .await?
            .into_iter()
            .filter(|q| q.public_at.is_some() || q.updated_at <= at)
            .collect();
        let review = review_of(published, &people, &s.minutes_extra_words());
        let mut tx = db.begin().await?;
        write_minutes(&mut tx, &review, at).await?;
        tx_run!(&mut tx, c => sqlx::query("UPDATE dialogue_sessions SET minutes_rules = $1 WHERE id = $2")
            .bind(publish::RULES_VERSION).bind(s.id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
        tx.commit().await?;
    }
    Ok(ids.len())
}

/// Turns a question of the minutes into a feedback case of the session's unit (channel
/// `session`, received on the day of the session, entered by `actor`), linked both ways.
/// The asker's name, phone and address must be known (from the sign-up or typed in).
pub async fn question_to_case(
    db: &Db,
    cal: &crate::domain::calendar::Calendar,
    settings: &crate::domain::feedback::Settings,
    actor: i64,
    question_id: i64,
) -> Result<(i64, String), SessionError> {
    use crate::domain::feedback::{parse_input, Channel};
    let q = question(db, question_id).await?;
    if q.case_id.is_some() {
        return Err(SessionError::AlreadyCase);
    }
    let s = get(db, q.session_id).await?;
    let (phone, lang) = match q.signup_id {
        Some(id) => {
            let su: Option<(String, String)> = db_run!(db, c => sqlx::query_as(
                "SELECT phone, lang FROM session_signups WHERE id = $1").bind(id).fetch_optional(c).await)?;
            su.unwrap_or_default()
        }
        None => (q.asker_phone.clone(), "vi".to_string()),
    };
    let phone = if phone.is_empty() {
        q.asker_phone.clone()
    } else {
        phone
    };
    let input = parse_input(&q.asker, &phone, "", &q.asker_address, &q.question, true)
        .map_err(|_| SessionError::CaseContact)?;
    let received_on = super::local_date(s.starts_at);
    let new = super::feedback::NewCase {
        unit_id: s.unit_id,
        procedure_id: None,
        channel: Channel::Session,
        lang: if lang == "en" { "en" } else { "vi" },
        input,
        received_at: s.starts_at,
        received_on,
        entered_by: Some(actor),
        files: Vec::new(),
        code: None,
    };
    let mut tx = db.begin().await?;
    let (case_id, code) = super::feedback::create(&mut tx, cal, settings, &new)
        .await
        .map_err(DbError::from)?;
    let n = tx_run!(&mut tx, c => sqlx::query(
        "UPDATE session_questions SET case_id = $1, updated_at = $2 WHERE id = $3 AND case_id IS NULL")
        .bind(case_id).bind(super::now()).bind(question_id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(SessionError::AlreadyCase);
    }
    tx.commit().await?;
    Ok((case_id, code))
}

/// The session question a feedback case came from: (session id, session title, question id).
pub async fn source_of_case(db: &Db, case_id: i64) -> DbResult<Option<(i64, String, i64)>> {
    Ok(db_run!(db, c => sqlx::query_as::<_, (i64, String, i64)>(
        "SELECT s.id, s.title, q.id FROM session_questions q JOIN dialogue_sessions s ON s.id = q.session_id
          WHERE q.case_id = $1").bind(case_id).fetch_optional(c).await)?)
}

/// Adds a session kind (an administrator).
pub async fn add_kind(
    db: &Db,
    actor: i64,
    code: &str,
    name_vi: &str,
    name_en: &str,
    slots: bool,
) -> Result<i64, SessionError> {
    let mut tx = db.begin().await?;
    let id: Result<i64, sqlx::Error> = tx_run!(&mut tx, c => sqlx::query_scalar(
        "INSERT INTO session_kinds (code, name_vi, name_en, slots, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
        .bind(code).bind(name_vi).bind(name_en).bind(slots).bind(super::now()).fetch_one(&mut *c).await);
    let id = match id {
        Ok(id) => id,
        Err(e) => {
            let e = DbError::from(e);
            if e.violates("session_kinds", "code") {
                return Err(SessionError::KindCodeTaken(e));
            }
            return Err(e.into());
        }
    };
    audit::record(
        &mut tx,
        Some(actor),
        "session.kind",
        "session_kind",
        Some(id),
        code,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}
