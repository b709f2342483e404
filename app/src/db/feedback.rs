//! Feedback cases: receipt, the steps of handling (each on the case's timeline, with who and
//! when), attachments, the citizen's rating of the answer, apologies for overdue cases and the
//! public list of answered cases. Every step that changes a case checks the status it expects in
//! its `UPDATE`, so two officials acting at once cannot both move the same case.

use super::notify::{self, Message};
use super::{audit, Db, DbError, DbResult, Tx};
use crate::domain::calendar::Calendar;
use crate::domain::feedback::{self, CaseInput, Channel, Class, FileKind, Settings, Status};
use crate::domain::publish::{self, People, Publication};
use crate::domain::text;
use crate::{db_run, tx_run};
use chrono::{DateTime, NaiveDate, Utc};
use rand::Rng;
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Case {
    pub id: i64,
    pub code: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub unit_path: String,
    pub origin_unit_id: i64,
    pub origin_unit_path: String,
    pub procedure_id: Option<i64>,
    pub procedure_code: Option<String>,
    pub procedure_name: Option<String>,
    pub channel: String,
    pub lang: String,
    pub citizen_name: String,
    pub citizen_phone: String,
    pub citizen_email: String,
    pub citizen_address: String,
    pub content: String,
    pub status: String,
    pub class: Option<String>,
    pub reject_reason: String,
    pub assignee_id: Option<i64>,
    pub assignee_name: Option<String>,
    pub received_at: DateTime<Utc>,
    pub received_on: NaiveDate,
    pub unit_received_on: NaiveDate,
    pub forward_due: NaiveDate,
    pub due_on: NaiveDate,
    pub extended_due_on: Option<NaiveDate>,
    pub apologies: i32,
    pub forward_late: bool,
    pub forwarded_to: String,
    pub answer: String,
    pub answered_at: Option<DateTime<Utc>>,
    pub answered_late: bool,
    pub public_content: String,
    pub public_answer: String,
    /// The words the reviewing official removed by hand, one per line (internal record).
    pub public_extra: String,
    /// When a leader took the published answer down, and why.
    pub public_withdrawn_at: Option<DateTime<Utc>>,
    pub public_withdrawn_reason: String,
    pub closed_at: Option<DateTime<Utc>>,
    pub citizen_satisfied: Option<bool>,
}

impl Case {
    pub fn status(&self) -> Status {
        Status::parse(&self.status).unwrap_or(Status::Received)
    }
    pub fn class(&self) -> Option<Class> {
        self.class.as_deref().and_then(Class::parse)
    }
    pub fn channel(&self) -> Channel {
        Channel::parse(&self.channel).unwrap_or(Channel::Web)
    }
    pub fn scope(&self) -> crate::domain::UnitPath {
        crate::domain::UnitPath::parse(&self.unit_path)
            .unwrap_or_else(|| crate::domain::UnitPath::root(self.unit_id))
    }
    pub fn origin_scope(&self) -> crate::domain::UnitPath {
        crate::domain::UnitPath::parse(&self.origin_unit_path)
            .unwrap_or_else(|| crate::domain::UnitPath::root(self.origin_unit_id))
    }
    /// The person whose data is removed before publication.
    pub fn people(&self) -> People {
        People::new().person(
            &self.citizen_name,
            &self.citizen_phone,
            &self.citizen_email,
            &self.citizen_address,
        )
    }
    /// The extra words of the review, as a list.
    pub fn extra_words(&self) -> Vec<String> {
        self.public_extra
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    }
    /// Whether the answer is on the public page now.
    pub fn is_public(&self) -> bool {
        matches!(self.status(), Status::Answered | Status::Closed)
            && self.public_withdrawn_at.is_none()
    }
}

/// What the public page shows of a case: the citizen's content and the answer, each through
/// the one publication function.
pub struct PublicTexts {
    pub content: Publication,
    pub answer: Publication,
}

impl PublicTexts {
    /// The case's content and `answer` as they would be published with the extra words `extra`.
    pub fn of(case: &Case, answer: &str, extra: &[String]) -> PublicTexts {
        let people = case.people();
        PublicTexts {
            content: publish::publish(&case.content, &people, extra),
            answer: publish::publish(answer, &people, extra),
        }
    }
    /// What the reviewing official saw: the public texts' fingerprint, posted back with
    /// "publish" so that nothing else goes public.
    pub fn fingerprint(&self) -> String {
        publish::fingerprint(&[&self.content.public_text(), &self.answer.public_text()])
    }
    /// How many pieces come out.
    pub fn removed(&self) -> usize {
        self.content.removals().len() + self.answer.removals().len()
    }
}

const SELECT: &str = "SELECT f.id, f.code, f.unit_id, u.name AS unit_name, u.path AS unit_path,
        f.origin_unit_id, o.path AS origin_unit_path, f.procedure_id, p.code AS procedure_code,
        p.name AS procedure_name, f.channel, f.lang, f.citizen_name, f.citizen_phone, f.citizen_email,
        f.citizen_address, f.content, f.status, f.class, f.reject_reason, f.assignee_id,
        a.full_name AS assignee_name, f.received_at, f.received_on, f.unit_received_on, f.forward_due,
        f.due_on, f.extended_due_on, f.apologies, f.forward_late, f.forwarded_to, f.answer,
        f.answered_at, f.answered_late, f.public_content, f.public_answer, f.public_extra,
        f.public_withdrawn_at, f.public_withdrawn_reason, f.closed_at, f.citizen_satisfied
   FROM feedback_cases f
   JOIN units u ON u.id = f.unit_id
   JOIN units o ON o.id = f.origin_unit_id
   LEFT JOIN procedures p ON p.id = f.procedure_id
   LEFT JOIN accounts a ON a.id = f.assignee_id";

/// A file to attach, already checked.
#[derive(Debug, Clone)]
pub struct NewFile {
    pub name: String,
    pub kind: FileKind,
    pub bytes: Vec<u8>,
}

/// A case to receive.
pub struct NewCase {
    pub unit_id: i64,
    pub procedure_id: Option<i64>,
    pub channel: Channel,
    pub lang: &'static str,
    pub input: CaseInput,
    pub received_at: DateTime<Utc>,
    pub received_on: NaiveDate,
    /// The official who entered a case received by phone, paper or e-mail.
    pub entered_by: Option<i64>,
    pub files: Vec<NewFile>,
    /// A chosen code (the demo's); otherwise a random one is drawn.
    pub code: Option<String>,
}

/// Receives a case: stores it with its attachments, starts its timeline and queues the receipt
/// notice. Returns the id and the code given to the citizen.
pub async fn create(
    tx: &mut Tx,
    cal: &Calendar,
    s: &Settings,
    new: &NewCase,
) -> Result<(i64, String), CaseError> {
    let now = super::now();
    let forward_due = cal.add_working_days(new.received_on, s.forward_days);
    let mut code = String::new();
    for attempt in 0..20 {
        let candidate = match (&new.code, attempt) {
            (Some(c), 0) => c.clone(),
            _ => feedback::make_code(
                chrono::Datelike::year(&new.received_on),
                rand::thread_rng().gen_range(0..1_000_000),
            ),
        };
        let taken: Option<i64> = tx_run!(tx, c => sqlx::query_scalar(
            "SELECT id FROM feedback_cases WHERE code = $1").bind(&candidate).fetch_optional(&mut *c).await)?;
        if taken.is_none() {
            code = candidate;
            break;
        }
    }
    if code.is_empty() {
        return Err(CaseError::NoFreeCode);
    }
    let i = &new.input;
    let id: i64 = tx_run!(tx, c => sqlx::query_scalar(
        "INSERT INTO feedback_cases (code, unit_id, origin_unit_id, procedure_id, channel, lang, citizen_name,
            citizen_phone, citizen_email, citizen_address, content, consent_at, status, entered_by, received_at,
            received_on, unit_received_on, forward_due, due_on, created_at, updated_at)
         VALUES ($1, $2, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'received', $12, $13, $14, $14, $15, $15, $11, $11)
         RETURNING id")
        .bind(&code).bind(new.unit_id).bind(new.procedure_id).bind(new.channel.as_str()).bind(new.lang)
        .bind(&i.name).bind(&i.phone).bind(&i.email).bind(&i.address).bind(&i.content).bind(now)
        .bind(new.entered_by).bind(new.received_at).bind(new.received_on).bind(forward_due)
        .fetch_one(&mut *c).await)?;
    for f in &new.files {
        let sha = hex::encode(Sha256::digest(&f.bytes));
        tx_run!(tx, c => sqlx::query(
            "INSERT INTO feedback_attachments (case_id, file_name, content_type, size_bytes, sha256, data, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(id).bind(&f.name).bind(f.kind.mime()).bind(f.bytes.len() as i64).bind(&sha).bind(&f.bytes).bind(now)
            .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    }
    add_event(
        tx,
        id,
        new.entered_by,
        new.unit_id,
        "received",
        new.channel.as_str(),
        Some(forward_due),
        true,
    )
    .await?;
    if let Some(actor) = new.entered_by {
        audit::record(
            tx,
            Some(actor),
            "feedback.enter",
            "feedback",
            Some(id),
            &code,
        )
        .await?;
    }
    notify(
        tx,
        "feedback.received",
        id,
        &i.phone,
        &i.email,
        new.lang,
        serde_json::json!({ "code": code, "due": forward_due.to_string() }),
    )
    .await?;
    Ok((id, code))
}

/// Queues a message to the citizen: by e-mail when they gave one, else by SMS.
async fn notify(
    tx: &mut Tx,
    event: &str,
    case_id: i64,
    phone: &str,
    email: &str,
    lang: &str,
    params: serde_json::Value,
) -> DbResult<()> {
    let (channel, recipient) = if !email.is_empty() {
        ("email", email)
    } else if !phone.is_empty() {
        ("sms", phone)
    } else {
        return Ok(());
    };
    notify::enqueue(
        tx,
        &Message {
            event,
            entity: "feedback",
            entity_id: case_id,
            channel,
            recipient,
            lang,
            params,
            dedupe_key: None,
        },
    )
    .await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn add_event(
    tx: &mut Tx,
    case_id: i64,
    actor: Option<i64>,
    unit_id: i64,
    kind: &str,
    detail: &str,
    new_date: Option<NaiveDate>,
    public: bool,
) -> DbResult<()> {
    let now = super::now();
    tx_run!(tx, c => sqlx::query(
        "INSERT INTO feedback_events (case_id, at, actor_id, unit_id, kind, detail, new_date, public)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(case_id).bind(now).bind(actor).bind(unit_id).bind(kind).bind(detail).bind(new_date).bind(public)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn get(db: &Db, id: i64) -> DbResult<Case> {
    let sql = format!("{SELECT} WHERE f.id = $1");
    db_run!(db, c => sqlx::query_as::<_, Case>(&sql).bind(id).fetch_optional(c).await)?
        .ok_or(DbError::NotFound)
}

pub async fn by_code(db: &Db, code: &str) -> DbResult<Option<Case>> {
    let sql = format!("{SELECT} WHERE f.code = $1");
    Ok(db_run!(db, c => sqlx::query_as::<_, Case>(&sql).bind(code).fetch_optional(c).await)?)
}

/// One step on a case's timeline.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Event {
    pub at: DateTime<Utc>,
    pub actor_name: Option<String>,
    pub unit_name: String,
    pub kind: String,
    pub detail: String,
    pub new_date: Option<NaiveDate>,
    pub public: bool,
}

/// The timeline, oldest first; `public_only` for the citizen's view.
pub async fn events(db: &Db, case_id: i64, public_only: bool) -> DbResult<Vec<Event>> {
    Ok(db_run!(db, c => sqlx::query_as::<_, Event>(
        "SELECT e.at, a.full_name AS actor_name, u.name AS unit_name, e.kind, e.detail, e.new_date, e.public
           FROM feedback_events e
           JOIN units u ON u.id = e.unit_id
           LEFT JOIN accounts a ON a.id = e.actor_id
          WHERE e.case_id = $1 AND (e.public OR NOT $2)
          ORDER BY e.id")
        .bind(case_id).bind(public_only).fetch_all(c).await)?)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Attachment {
    pub id: i64,
    pub case_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
}

pub async fn attachments(db: &Db, case_id: i64) -> DbResult<Vec<Attachment>> {
    Ok(db_run!(db, c => sqlx::query_as::<_, Attachment>(
        "SELECT id, case_id, file_name, content_type, size_bytes FROM feedback_attachments WHERE case_id = $1 ORDER BY id")
        .bind(case_id).fetch_all(c).await)?)
}

/// An attachment's bytes with its description.
pub async fn attachment_data(db: &Db, case_id: i64, id: i64) -> DbResult<(Attachment, Vec<u8>)> {
    let meta = db_run!(db, c => sqlx::query_as::<_, Attachment>(
        "SELECT id, case_id, file_name, content_type, size_bytes FROM feedback_attachments WHERE case_id = $1 AND id = $2")
        .bind(case_id).bind(id).fetch_optional(c).await)?
    .ok_or(DbError::NotFound)?;
    let data: Vec<u8> = db_run!(db, c => sqlx::query_scalar(
        "SELECT data FROM feedback_attachments WHERE id = $1").bind(id).fetch_one(c).await)?;
    Ok((meta, data))
}

/// `domain::feedback::is_overdue` in SQL, with `today` as the placeholder given: an open case
/// past its legal deadline. The inbox, its counts, the dashboard and the leaders' digest all use
/// it (an apology's new date does not take a case out of it).
pub fn overdue_sql(today: &str) -> String {
    format!("(f.status IN ('received', 'processing', 'awaiting_approval') AND f.due_on < {today})")
}

/// What the inbox shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: Option<Status>,
    /// Only cases not answered yet (received, processing, awaiting approval).
    pub open_only: bool,
    /// Only open cases due within the warning window.
    pub due_soon: bool,
    /// Only open cases past their deadline.
    pub overdue: bool,
    pub assignee: Option<i64>,
    /// Code or citizen name (folded, without diacritics for the name is not kept: exact part).
    pub q: String,
}

/// Cases handled by units in `scope` matching `f`, the most urgent first; returns a page and the
/// total. `today` and `soon` (the last day of the warning window) decide "due soon" and "overdue".
pub async fn inbox(
    db: &Db,
    scope: &str,
    f: &Filter,
    today: NaiveDate,
    soon: NaiveDate,
    limit: i64,
    offset: i64,
) -> DbResult<(Vec<Case>, i64)> {
    let overdue = overdue_sql("$5");
    let cond = format!("WHERE u.path LIKE $1
          AND ($2 = '' OR f.status = $2)
          AND (NOT $3 OR (f.status IN ('received', 'processing', 'awaiting_approval') AND f.due_on >= $5 AND f.due_on <= $6))
          AND (NOT $4 OR {overdue})
          AND (NOT $10 OR f.status IN ('received', 'processing', 'awaiting_approval'))
          AND ($7 = 0 OR f.assignee_id = $7)
          AND ($8 = '' OR f.code LIKE $8 OR LOWER(f.citizen_name) LIKE $9)");
    let like = format!("{scope}%");
    let status = f.status.map(|s| s.as_str()).unwrap_or("");
    let assignee = f.assignee.unwrap_or(0);
    let q = f.q.trim();
    let code_like = if q.is_empty() {
        String::new()
    } else {
        format!("%{}%", feedback::normalize_code(q).replace(['%', '_'], ""))
    };
    let name_like = format!("%{}%", q.to_lowercase().replace(['%', '_'], ""));
    let sql = format!(
        "{SELECT} {cond}
         ORDER BY CASE WHEN f.status IN ('received', 'processing', 'awaiting_approval') THEN 0 ELSE 1 END,
                  f.due_on, f.id DESC
         LIMIT $11 OFFSET $12"
    );
    let count_sql =
        format!("SELECT COUNT(*) FROM feedback_cases f JOIN units u ON u.id = f.unit_id {cond}");
    let rows = db_run!(db, c => sqlx::query_as::<_, Case>(&sql)
        .bind(&like).bind(status).bind(f.due_soon).bind(f.overdue).bind(today).bind(soon)
        .bind(assignee).bind(&code_like).bind(&name_like).bind(f.open_only).bind(limit).bind(offset)
        .fetch_all(c).await)?;
    let total: i64 = db_run!(db, c => sqlx::query_scalar(&count_sql)
        .bind(&like).bind(status).bind(f.due_soon).bind(f.overdue).bind(today).bind(soon)
        .bind(assignee).bind(&code_like).bind(&name_like).bind(f.open_only)
        .fetch_one(c).await)?;
    Ok((rows, total))
}

/// Open, due-soon and overdue counts for units in `scope`.
pub async fn counts(
    db: &Db,
    scope: &str,
    today: NaiveDate,
    soon: NaiveDate,
) -> DbResult<(i64, i64, i64)> {
    let like = format!("{scope}%");
    let sql = format!(
        "SELECT COUNT(*),
                SUM(CASE WHEN f.due_on >= $2 AND f.due_on <= $3 THEN 1 ELSE 0 END),
                SUM(CASE WHEN {} THEN 1 ELSE 0 END)
           FROM feedback_cases f JOIN units u ON u.id = f.unit_id
          WHERE u.path LIKE $1 AND f.status IN ('received', 'processing', 'awaiting_approval')",
        overdue_sql("$2")
    );
    let row: (i64, Option<i64>, Option<i64>) = db_run!(db, c => sqlx::query_as(&sql)
        .bind(&like).bind(today).bind(soon).fetch_one(c).await)?;
    Ok((row.0, row.1.unwrap_or(0), row.2.unwrap_or(0)))
}

/// Why a step of a case's workflow was not taken.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    /// The case is no longer in the state the step starts from (another official moved it).
    #[error("the case changed in the meantime")]
    Changed,
    /// No free case code was found after several draws.
    #[error("no free case code")]
    NoFreeCode,
    /// Forwarding without a body to forward to.
    #[error("no body to forward to")]
    NoForwardTarget,
    /// The citizen already rated the answer.
    #[error("the answer is already rated")]
    AlreadyRated,
    #[error(transparent)]
    Db(#[from] DbError),
}
crate::from_sqlx!(CaseError);

/// For code that handles only the data layer's errors (the demo, sessions turning a question
/// into a case).
impl From<CaseError> for DbError {
    fn from(e: CaseError) -> Self {
        match e {
            CaseError::Db(e) => e,
            _ => DbError::Inconsistent("a case step was refused"),
        }
    }
}

fn changed(n: u64) -> Result<(), CaseError> {
    if n == 1 {
        Ok(())
    } else {
        Err(CaseError::Changed)
    }
}

/// Assigns the case to an official of its unit (or to nobody).
pub async fn assign(
    tx: &mut Tx,
    actor: i64,
    case: &Case,
    assignee: Option<(i64, String)>,
) -> Result<(), CaseError> {
    let now = super::now();
    let n = tx_run!(tx, c => sqlx::query(
        "UPDATE feedback_cases SET assignee_id = $1, updated_at = $2
          WHERE id = $3 AND status IN ('received', 'processing', 'awaiting_approval')")
        .bind(assignee.as_ref().map(|a| a.0)).bind(now).bind(case.id)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    changed(n)?;
    let name = assignee.map(|a| a.1).unwrap_or_default();
    Ok(mark(tx, case, Some(actor), "assigned", &name, None, false).await?)
}

/// Where an "outside our competence" case goes.
pub enum ForwardTo {
    /// Another unit on the platform, which receives it in its inbox.
    Unit { id: i64, name: String },
    /// A body outside the platform (a ministry, another province…): the case ends here.
    External(String),
}

/// Classifies a received case. `not_accepted` needs a reason (shown to the citizen); `outside`
/// forwards it; the other two start handling with the class's deadline.
#[allow(clippy::too_many_arguments)]
pub async fn classify(
    tx: &mut Tx,
    actor: i64,
    case: &Case,
    class: Class,
    reason: &str,
    forward: Option<ForwardTo>,
    cal: &Calendar,
    s: &Settings,
    today: NaiveDate,
) -> Result<(), CaseError> {
    let now = super::now();
    let late = today > case.forward_due;
    match class {
        Class::NotAccepted => {
            let n = tx_run!(tx, c => sqlx::query(
                "UPDATE feedback_cases SET status = 'not_accepted', class = 'not_accepted', reject_reason = $1,
                        classified_at = $2, updated_at = $2 WHERE id = $3 AND status = 'received'")
                .bind(reason).bind(now).bind(case.id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
            changed(n)?;
            tell(
                tx,
                case,
                Some(actor),
                "not_accepted",
                reason,
                None,
                "feedback.not_accepted",
                serde_json::json!({ "code": case.code, "reason": reason }),
            )
            .await?;
        }
        Class::Applying | Class::Competent => {
            let due = cal.add_working_days(case.unit_received_on, s.handling_days(class));
            let n = tx_run!(tx, c => sqlx::query(
                "UPDATE feedback_cases SET status = 'processing', class = $1, due_on = $2, classified_at = $3, updated_at = $3,
                        assignee_id = COALESCE(assignee_id, $5)
                  WHERE id = $4 AND status = 'received'")
                .bind(class.as_str()).bind(due).bind(now).bind(case.id).bind(actor).execute(&mut *c).await.map(|r| r.rows_affected()))?;
            changed(n)?;
            tell(tx, case, Some(actor), "classified", class.as_str(), Some(due), "feedback.classified", serde_json::json!({ "code": case.code, "class": class.as_str(), "due": due.to_string() })).await?;
        }
        Class::Outside => {
            let late_mark = if late { "late" } else { "" };
            match forward {
                Some(ForwardTo::Unit { id: to, name }) => {
                    let fdue = cal.add_working_days(today, s.forward_days);
                    let n = tx_run!(tx, c => sqlx::query(
                        "UPDATE feedback_cases SET unit_id = $1, class = NULL, assignee_id = NULL, unit_received_on = $2,
                                forward_due = $3, due_on = $3, extended_due_on = NULL, forwarded_at = $4,
                                forward_late = (forward_late OR $5), classified_at = $4, updated_at = $4
                          WHERE id = $6 AND status = 'received'")
                        .bind(to).bind(today).bind(fdue).bind(now).bind(late).bind(case.id)
                        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
                    changed(n)?;
                    let detail = format!("{name}|{late_mark}");
                    tell(
                        tx,
                        case,
                        Some(actor),
                        "forwarded",
                        &detail,
                        Some(fdue),
                        "feedback.forwarded",
                        serde_json::json!({ "code": case.code, "to": name }),
                    )
                    .await?;
                    add_event(
                        tx,
                        case.id,
                        None,
                        to,
                        "forwarded_in",
                        &case.unit_name,
                        Some(fdue),
                        false,
                    )
                    .await?;
                }
                Some(ForwardTo::External(body)) => {
                    let n = tx_run!(tx, c => sqlx::query(
                        "UPDATE feedback_cases SET status = 'forwarded', class = 'outside', forwarded_to = $1, forwarded_at = $2,
                                forward_late = (forward_late OR $3), classified_at = $2, updated_at = $2
                          WHERE id = $4 AND status = 'received'")
                        .bind(&body).bind(now).bind(late).bind(case.id)
                        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
                    changed(n)?;
                    let detail = format!("{body}|{late_mark}");
                    tell(
                        tx,
                        case,
                        Some(actor),
                        "forwarded",
                        &detail,
                        None,
                        "feedback.forwarded",
                        serde_json::json!({ "code": case.code, "to": body }),
                    )
                    .await?;
                }
                None => return Err(CaseError::NoForwardTarget),
            }
        }
    }
    Ok(())
}

/// A public step the citizen is told about: on the timeline and, in the same transaction, in the
/// outbox.
#[allow(clippy::too_many_arguments)]
async fn tell(
    tx: &mut Tx,
    case: &Case,
    actor: Option<i64>,
    kind: &str,
    detail: &str,
    new_date: Option<NaiveDate>,
    event: &str,
    params: serde_json::Value,
) -> DbResult<()> {
    mark(tx, case, actor, kind, detail, new_date, true).await?;
    notify_case(tx, case, event, params).await
}

/// A step on `case`'s timeline, at the unit handling it.
#[allow(clippy::too_many_arguments)]
async fn mark(
    tx: &mut Tx,
    case: &Case,
    actor: Option<i64>,
    kind: &str,
    detail: &str,
    new_date: Option<NaiveDate>,
    public: bool,
) -> DbResult<()> {
    add_event(
        tx,
        case.id,
        actor,
        case.unit_id,
        kind,
        detail,
        new_date,
        public,
    )
    .await
}

async fn notify_case(
    tx: &mut Tx,
    case: &Case,
    event: &str,
    params: serde_json::Value,
) -> DbResult<()> {
    notify(
        tx,
        event,
        case.id,
        &case.citizen_phone,
        &case.citizen_email,
        &case.lang,
        params,
    )
    .await
}

/// Records the answer (after its review: the extra words saved on the case apply). With
/// approval required it waits for a leader; otherwise it is published. Refused when the draft
/// or the extra words changed since `case` was read (another official at the same time).
pub async fn answer(
    tx: &mut Tx,
    actor: i64,
    case: &Case,
    text: &str,
    s: &Settings,
    today: NaiveDate,
) -> Result<(), CaseError> {
    let now = super::now();
    if s.approval_required {
        let n = tx_run!(tx, c => sqlx::query(
            "UPDATE feedback_cases SET status = 'awaiting_approval', answer = $1, updated_at = $2,
                    assignee_id = COALESCE(assignee_id, $4)
              WHERE id = $3 AND status = 'processing' AND answer = $5 AND public_extra = $6")
            .bind(text).bind(now).bind(case.id).bind(actor).bind(&case.answer).bind(&case.public_extra)
            .execute(&mut *c).await.map(|r| r.rows_affected()))?;
        changed(n)?;
        Ok(mark(tx, case, Some(actor), "answer_submitted", "", None, false).await?)
    } else {
        publish(tx, actor, case, text, today, "processing").await
    }
}

/// A leader approves the answer waiting for approval: it is published.
pub async fn approve(
    tx: &mut Tx,
    actor: i64,
    case: &Case,
    today: NaiveDate,
) -> Result<(), CaseError> {
    mark(tx, case, Some(actor), "approved", "", None, false).await?;
    publish(tx, actor, case, &case.answer, today, "awaiting_approval").await
}

/// A leader sends the answer back with a note; the case is handled again.
pub async fn send_back(tx: &mut Tx, actor: i64, case: &Case, note: &str) -> Result<(), CaseError> {
    let now = super::now();
    let n = tx_run!(tx, c => sqlx::query(
        "UPDATE feedback_cases SET status = 'processing', updated_at = $1 WHERE id = $2 AND status = 'awaiting_approval'")
        .bind(now).bind(case.id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    changed(n)?;
    Ok(mark(tx, case, Some(actor), "returned", note, None, false).await?)
}

async fn publish(
    tx: &mut Tx,
    actor: i64,
    case: &Case,
    text: &str,
    today: NaiveDate,
    from: &str,
) -> Result<(), CaseError> {
    let now = super::now();
    let late = today > case.due_on;
    let texts = PublicTexts::of(case, text, &case.extra_words());
    let (public_content, public_answer) = (texts.content.public_text(), texts.answer.public_text());
    let search = public_search(case, &public_content, &public_answer);
    let n = tx_run!(tx, c => sqlx::query(
        "UPDATE feedback_cases SET status = 'answered', answer = $1, answered_at = $2, answered_late = $3,
                public_content = $4, public_answer = $5, public_search = $6, public_rules = $9, updated_at = $2
          WHERE id = $7 AND status = $8 AND answer = $10 AND public_extra = $11")
        .bind(text).bind(now).bind(late).bind(&public_content).bind(&public_answer).bind(&search)
        .bind(case.id).bind(from).bind(publish::RULES_VERSION).bind(&case.answer).bind(&case.public_extra)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    changed(n)?;
    audit::record(
        tx,
        Some(actor),
        "feedback.publish",
        "feedback",
        Some(case.id),
        &removed_detail(&texts, case),
    )
    .await?;
    Ok(tell(
        tx,
        case,
        Some(actor),
        "answered",
        "",
        None,
        "feedback.answered",
        serde_json::json!({ "code": case.code }),
    )
    .await?)
}

/// The search column of a published case: its code, procedure, unit and public texts, folded.
fn public_search(case: &Case, public_content: &str, public_answer: &str) -> String {
    text::fold(&format!(
        "{} {} {} {} {}",
        case.code,
        case.procedure_name.as_deref().unwrap_or(""),
        case.unit_name,
        public_content,
        public_answer
    ))
}

/// The audit detail of a publication: how many pieces came out, how many words were added by
/// hand (never the words themselves: the audit log is read more widely than the case).
fn removed_detail(texts: &PublicTexts, case: &Case) -> String {
    format!(
        "{}: {} removed, {} extra words",
        case.code,
        texts.removed(),
        case.extra_words().len()
    )
}

/// Saves the answer an official drafted (not published: it is reviewed first).
pub async fn save_draft(tx: &mut Tx, case: &Case, text: &str) -> Result<(), CaseError> {
    let n = tx_run!(tx, c => sqlx::query(
        "UPDATE feedback_cases SET answer = $1, updated_at = $2 WHERE id = $3 AND status = 'processing'")
        .bind(text).bind(super::now()).bind(case.id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    changed(n)
}

/// Saves the extra words of the review (one per line).
pub async fn set_extra(tx: &mut Tx, case: &Case, extra: &[String]) -> Result<(), CaseError> {
    let n = tx_run!(tx, c => sqlx::query(
        "UPDATE feedback_cases SET public_extra = $1, updated_at = $2
          WHERE id = $3 AND status IN ('processing', 'awaiting_approval', 'answered', 'closed')")
        .bind(extra.join("\n")).bind(super::now()).bind(case.id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    changed(n)
}

/// A leader takes a published answer down: it leaves the public page (the citizen still sees
/// it on their own page), with the reason on the internal timeline and in the audit log.
pub async fn withdraw(tx: &mut Tx, actor: i64, case: &Case, reason: &str) -> Result<(), CaseError> {
    let now = super::now();
    let n = tx_run!(tx, c => sqlx::query(
        "UPDATE feedback_cases SET public_withdrawn_at = $1, public_withdrawn_by = $2, public_withdrawn_reason = $3,
                updated_at = $1
          WHERE id = $4 AND status IN ('answered', 'closed') AND public_withdrawn_at IS NULL")
        .bind(now).bind(actor).bind(reason).bind(case.id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    changed(n)?;
    mark(tx, case, Some(actor), "withdrawn", reason, None, false).await?;
    Ok(audit::record(
        tx,
        Some(actor),
        "feedback.withdraw",
        "feedback",
        Some(case.id),
        &case.code,
    )
    .await?)
}

/// A leader publishes again an answer taken down, after reviewing it (with the extra words
/// saved on the case).
pub async fn republish(tx: &mut Tx, actor: i64, case: &Case) -> Result<(), CaseError> {
    let texts = PublicTexts::of(case, &case.answer, &case.extra_words());
    let (public_content, public_answer) = (texts.content.public_text(), texts.answer.public_text());
    let search = public_search(case, &public_content, &public_answer);
    let n = tx_run!(tx, c => sqlx::query(
        "UPDATE feedback_cases SET public_content = $1, public_answer = $2, public_search = $3, public_rules = $4,
                public_withdrawn_at = NULL, public_withdrawn_by = NULL, public_withdrawn_reason = '', updated_at = $5
          WHERE id = $6 AND status IN ('answered', 'closed') AND public_withdrawn_at IS NOT NULL")
        .bind(&public_content).bind(&public_answer).bind(&search).bind(publish::RULES_VERSION)
        .bind(super::now()).bind(case.id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    changed(n)?;
    mark(tx, case, Some(actor), "republished", "", None, false).await?;
    Ok(audit::record(
        tx,
        Some(actor),
        "feedback.republish",
        "feedback",
        Some(case.id),
        &removed_detail(&texts, case),
    )
    .await?)
}

/// Makes again, with the publication rules of this version, the public texts of every answer
/// published with older ones (run at start-up after the migrations). Returns how many.
pub async fn refresh_public_texts(db: &Db) -> DbResult<usize> {
    let ids: Vec<i64> = db_run!(db, c => sqlx::query_scalar(
        "SELECT id FROM feedback_cases WHERE status IN ('answered', 'closed') AND public_rules < $1 ORDER BY id")
        .bind(publish::RULES_VERSION).fetch_all(c).await)?;
    for id in &ids {
        let case = get(db, *id).await?;
        let texts = PublicTexts::of(&case, &case.answer, &case.extra_words());
        let (public_content, public_answer) =
            (texts.content.public_text(), texts.answer.public_text());
        let search = public_search(&case, &public_content, &public_answer);
        db_run!(db, c => sqlx::query(
            "UPDATE feedback_cases SET public_content = $1, public_answer = $2, public_search = $3, public_rules = $4
              WHERE id = $5 AND public_rules < $4")
            .bind(&public_content).bind(&public_answer).bind(&search).bind(publish::RULES_VERSION).bind(case.id)
            .execute(c).await.map(|r| r.rows_affected()))?;
    }
    Ok(ids.len())
}

/// Closes an answered case.
pub async fn close(tx: &mut Tx, actor: i64, case: &Case) -> Result<(), CaseError> {
    let now = super::now();
    let n = tx_run!(tx, c => sqlx::query(
        "UPDATE feedback_cases SET status = 'closed', closed_at = $1, updated_at = $1 WHERE id = $2 AND status = 'answered'")
        .bind(now).bind(case.id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    changed(n)?;
    Ok(mark(tx, case, Some(actor), "closed", "", None, true).await?)
}

/// The citizen's rating of the answer: once, after it is published.
pub async fn rate(tx: &mut Tx, case: &Case, satisfied: bool) -> Result<(), CaseError> {
    let now = super::now();
    let n = tx_run!(tx, c => sqlx::query(
        "UPDATE feedback_cases SET citizen_satisfied = $1, rated_at = $2, updated_at = $2
          WHERE id = $3 AND status IN ('answered', 'closed') AND rated_at IS NULL")
        .bind(satisfied).bind(now).bind(case.id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(CaseError::AlreadyRated);
    }
    let detail = if satisfied {
        "satisfied"
    } else {
        "dissatisfied"
    };
    Ok(mark(tx, case, None, "rated", detail, None, true).await?)
}

/// Sends an apology with a new date for every open case past its deadline that has not been
/// given one for its current date yet (the decree's practice). Safe to run on several instances
/// at once: each case is claimed by a conditional update. Returns how many were sent.
pub async fn apologise_overdue(
    db: &Db,
    cal: &Calendar,
    s: &Settings,
    today: NaiveDate,
) -> DbResult<usize> {
    let ids: Vec<i64> = db_run!(db, c => sqlx::query_scalar(
        "SELECT id FROM feedback_cases
          WHERE status IN ('received', 'processing', 'awaiting_approval') AND due_on < $1
            AND (extended_due_on IS NULL OR extended_due_on < $1)
          ORDER BY id LIMIT 1000")
        .bind(today).fetch_all(c).await)?;
    let new_date = cal.add_working_days(today, s.apology_days);
    let mut sent = 0;
    for id in ids {
        let case = get(db, id).await?;
        let mut tx = db.begin().await?;
        let n = tx_run!(&mut tx, c => sqlx::query(
            "UPDATE feedback_cases SET extended_due_on = $1, apologies = apologies + 1, updated_at = $2
              WHERE id = $3 AND status IN ('received', 'processing', 'awaiting_approval') AND due_on < $4
                AND (extended_due_on IS NULL OR extended_due_on < $4)")
            .bind(new_date).bind(super::now()).bind(id).bind(today)
            .execute(&mut *c).await.map(|r| r.rows_affected()))?;
        if n == 1 {
            tell(&mut tx, &case, None, "apology", &case.due_on.to_string(), Some(new_date), "feedback.apology", serde_json::json!({ "code": case.code, "due": case.due_on.to_string(), "new_date": new_date.to_string() })).await?;
            sent += 1;
        }
        tx.commit().await?;
    }
    Ok(sent)
}

/// One answered case as the public page shows it: no personal data.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PublicCase {
    pub code: String,
    pub unit_name: String,
    pub procedure_name: Option<String>,
    pub received_on: NaiveDate,
    pub answered_at: DateTime<Utc>,
    pub public_content: String,
    pub public_answer: String,
}

/// Answered cases matching every word of `query` (with or without diacritics), newest first.
pub async fn public_answers(
    db: &Db,
    query: &str,
    limit: i64,
    offset: i64,
) -> DbResult<(Vec<PublicCase>, i64)> {
    let words: Vec<String> = text::fold(query)
        .split_whitespace()
        .take(6)
        .map(text::like_pattern)
        .collect();
    let mut cond = String::from(
        "WHERE f.status IN ('answered', 'closed') AND f.answered_at IS NOT NULL AND f.public_withdrawn_at IS NULL",
    );
    for i in 0..words.len() {
        cond.push_str(&format!(" AND f.public_search LIKE ${} ESCAPE '\\'", i + 1));
    }
    let n = words.len();
    let sql = format!(
        "SELECT f.code, u.name AS unit_name, p.name AS procedure_name, f.received_on, f.answered_at,
                f.public_content, f.public_answer
           FROM feedback_cases f JOIN units u ON u.id = f.unit_id LEFT JOIN procedures p ON p.id = f.procedure_id
           {cond} ORDER BY f.answered_at DESC, f.id DESC LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let count_sql = format!("SELECT COUNT(*) FROM feedback_cases f {cond}");
    let rows = db_run!(db, c => {
        let mut q = sqlx::query_as::<_, PublicCase>(&sql);
        for w in &words { q = q.bind(w); }
        q.bind(limit).bind(offset).fetch_all(c).await
    })?;
    let total: i64 = db_run!(db, c => {
        let mut q = sqlx::query_scalar(&count_sql);
        for w in &words { q = q.bind(w); }
        q.fetch_one(c).await
    })?;
    Ok((rows, total))
}

/// A case Decision 766 may judge, as the reports read it (no personal data).
#[derive(Debug, Clone)]
pub struct CaseRow {
    pub code: String,
    /// The unit handling it.
    pub unit_id: i64,
    pub unit_code: String,
    pub received_on: NaiveDate,
    pub facts: feedback::CaseFacts,
}

/// The cases of the units under `prefix` that Decision 766 may judge in `from..=to`: those whose
/// deadline in force falls in the period or that were answered in it
/// (`domain::feedback::judge_766` decides).
pub async fn facts_766(
    db: &Db,
    prefix: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> DbResult<Vec<CaseRow>> {
    let like = format!("{prefix}%");
    let from_t = super::local_noon(from) - chrono::Duration::hours(12);
    let to_t = super::local_noon(to) + chrono::Duration::hours(12);
    #[allow(clippy::type_complexity)]
    let rows: Vec<(
        String,
        i64,
        String,
        NaiveDate,
        String,
        Option<String>,
        NaiveDate,
        Option<DateTime<Utc>>,
        bool,
        Option<bool>,
    )> = db_run!(db, c => sqlx::query_as(
        "SELECT f.code, f.unit_id, u.code, f.received_on, f.status, f.class, f.due_on, f.answered_at,
                f.answered_late, f.citizen_satisfied
           FROM feedback_cases f JOIN units u ON u.id = f.unit_id
          WHERE u.path LIKE $1
            AND ((f.due_on >= $2 AND f.due_on <= $3) OR (f.answered_at >= $4 AND f.answered_at < $5))
          ORDER BY f.id")
        .bind(&like).bind(from).bind(to).bind(from_t).bind(to_t).fetch_all(c).await)?;
    Ok(rows
        .into_iter()
        .map(
            |(
                code,
                unit_id,
                unit_code,
                received_on,
                status,
                class,
                due_on,
                answered_at,
                late,
                sat,
            )| {
                CaseRow {
                    code,
                    unit_id,
                    unit_code,
                    received_on,
                    facts: feedback::CaseFacts {
                        status: Status::parse(&status).unwrap_or(Status::Received),
                        class: class.as_deref().and_then(Class::parse),
                        due_on,
                        answered_on: answered_at.map(super::local_date),
                        answered_late: late,
                        citizen_satisfied: sat,
                    },
                }
            },
        )
        .collect())
}

/// An open deadline that a change of the calendar moves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MovedDeadline {
    pub case_id: i64,
    pub code: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// The open cases (received, processing or awaiting approval) whose deadline moves when the
/// calendar goes from `old` to `new`: each deadline is recounted from the day its unit received
/// the case with the number of working days it was given (`domain::calendar::recount`). The
/// apology's promised date is a promise already made and is not recounted.
pub async fn moved_deadlines(
    tx: &mut Tx,
    old: &Calendar,
    new: &Calendar,
) -> DbResult<Vec<MovedDeadline>> {
    let rows: Vec<(i64, String, NaiveDate, NaiveDate)> = tx_run!(tx, c => sqlx::query_as(
        "SELECT id, code, unit_received_on, due_on FROM feedback_cases
          WHERE status IN ('received', 'processing', 'awaiting_approval') ORDER BY id")
        .fetch_all(&mut *c).await)?;
    Ok(rows
        .into_iter()
        .filter_map(|(case_id, code, start, from)| {
            let to = crate::domain::calendar::recount(old, new, start, from);
            (to != from).then_some(MovedDeadline {
                case_id,
                code,
                from,
                to,
            })
        })
        .collect())
}

/// Writes the moves of [`moved_deadlines`] in the caller's transaction: the new deadline (and
/// the forward limit of a case not classified yet), a public step on each timeline saying why
/// (`why`: the change of the calendar, see `pages::feedback::event_text`), and a message to the
/// citizen when the date moves later. A case that changed in between is left alone.
pub async fn apply_moved_deadlines(
    tx: &mut Tx,
    actor: Option<i64>,
    moves: &[MovedDeadline],
    why: &str,
) -> DbResult<usize> {
    let now = super::now();
    let mut n = 0;
    for m in moves {
        let changed = tx_run!(tx, c => sqlx::query(
            "UPDATE feedback_cases
                SET forward_due = CASE WHEN status = 'received' THEN $1 ELSE forward_due END,
                    due_on = $1, updated_at = $2
              WHERE id = $3 AND due_on = $4 AND status IN ('received', 'processing', 'awaiting_approval')")
            .bind(m.to).bind(now).bind(m.case_id).bind(m.from)
            .execute(&mut *c).await.map(|r| r.rows_affected()))?;
        if changed == 0 {
            continue;
        }
        n += 1;
        let case_row: (i64, String, String, String) = tx_run!(tx, c => sqlx::query_as(
            "SELECT unit_id, citizen_phone, citizen_email, lang FROM feedback_cases WHERE id = $1")
            .bind(m.case_id).fetch_one(&mut *c).await)?;
        let (unit_id, phone, email, lang) = case_row;
        let detail = format!("{}|{why}", m.from);
        add_event(
            tx,
            m.case_id,
            actor,
            unit_id,
            "deadline_moved",
            &detail,
            Some(m.to),
            true,
        )
        .await?;
        if m.to > m.from {
            let day = |d: NaiveDate| d.format("%d/%m/%Y").to_string();
            notify(
                tx,
                "feedback.deadline_moved",
                m.case_id,
                &phone,
                &email,
                &lang,
                serde_json::json!({ "code": m.code, "from": day(m.from), "to": day(m.to) }),
            )
            .await?;
        }
    }
    Ok(n)
}
