//! Two-way texts (issue 19): the webhooks our SMS provider and Zalo OA post citizens' texts to,
//! one adapter per provider shape. A text is checked (HMAC-SHA-256 of the raw body with the
//! provider's shared secret), stored once per provider message id, understood (`TC <code>`, a
//! rating 1–5, anything else) and answered by a text queued in the outbox, which the worker
//! delivers through the same gateway as every other text. The README's section "Text messages:
//! the SMS provider's contract" is the provider's documentation.
//!
//! What a sender learns is bounded: the status of a dossier only when the sender's phone has
//! the dossier's keyed hash, else one neutral text whether the code exists or not; a rating
//! only for the phone's own latest completed dossier inside the survey window, once (the
//! survey link's one-answer rule, shared with the web survey). A Zalo user id is not a phone
//! number and is never taken for one: Zalo senders get the neutral text and the help text.

use crate::api_v1::ApiError;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{Duration, Utc};
use langnghe_app::db::inbound::{self, NewText};
use langnghe_app::db::notify::Message;
use langnghe_app::db::ratings::{NewRating, SaveError};
use langnghe_app::db::throttle;
use langnghe_app::domain::dossier::Invalid;
use langnghe_app::domain::inbound::{
    code_candidates, parse_sms, parse_zalo, understand, Inbound, Intent, Sender,
    TEXTS_PER_SENDER_PER_HOUR,
};
pub use langnghe_app::domain::inbound::{SmsIn, ZaloIn, ZaloMessage, ZaloSender};
use langnghe_app::domain::journey::local_day;
use langnghe_app::domain::rating::Channel;
use langnghe_app::i18n::Lang;
use langnghe_app::sign::{verify_webhook, WebhookRefusal};
use langnghe_app::AppState;
use serde::Serialize;
use utoipa::ToSchema;

/// What became of a text. A replay of its id answers the same, with `replayed` true.
#[derive(Debug, Serialize, ToSchema)]
pub struct InboundOut {
    /// The provider's message id, as stored (trimmed); empty for an ignored Zalo event.
    pub id: String,
    /// `status` (a `TC <code>` question), `rating` (a reply 1–5), `help` (anything else),
    /// `flood` (over the sender's hourly limit: stored, not answered) or `ignored` (a Zalo
    /// event that is not a user's text: not stored).
    pub understood: String,
    /// A reply was queued; the outbox worker sends it within seconds.
    pub reply_queued: bool,
    /// The id was already received: nothing was done or sent again.
    pub replayed: bool,
}

#[derive(Debug)]
enum Refusal {
    /// The provider's webhook is not configured (no secret).
    NotConfigured,
    Unauthorized(WebhookRefusal),
    Invalid(Invalid),
    Unavailable(String),
}

impl From<Invalid> for Refusal {
    fn from(e: Invalid) -> Self {
        Refusal::Invalid(e)
    }
}

impl From<langnghe_app::db::DbError> for Refusal {
    fn from(e: langnghe_app::db::DbError) -> Self {
        Refusal::Unavailable(e.to_string())
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let (status, error, field, en, vi): (_, _, Option<&str>, &str, &str) = match &self {
            Refusal::NotConfigured => (
                StatusCode::NOT_FOUND,
                "not_found",
                None,
                "Not found.",
                "Không tìm thấy.",
            ),
            Refusal::Unauthorized(why) => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                None,
                match why {
                    WebhookRefusal::Missing => {
                        "X-Signature (hex HMAC-SHA-256 of the body) is required."
                    }
                    WebhookRefusal::Stale => {
                        "X-Timestamp must be Unix seconds within 5 minutes of our clock."
                    }
                    WebhookRefusal::Wrong => "The signature does not match the body.",
                },
                match why {
                    WebhookRefusal::Missing => {
                        "Cần tiêu đề X-Signature (HMAC-SHA-256 dạng hex của nội dung)."
                    }
                    WebhookRefusal::Stale => {
                        "X-Timestamp phải là số giây Unix, lệch không quá 5 phút."
                    }
                    WebhookRefusal::Wrong => "Chữ ký không khớp với nội dung.",
                },
            ),
            Refusal::Invalid(e) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                Some(e.field),
                e.en,
                e.vi,
            ),
            Refusal::Unavailable(cause) => {
                tracing::error!(error = %cause, "inbound text");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    None,
                    crate::api_v1::UNAVAILABLE_EN,
                    crate::api_v1::UNAVAILABLE_VI,
                )
            }
        };
        ApiError::response(status, error, field, en, vi)
    }
}

/// A text from the SMS provider (our contract, see the README).
#[utoipa::path(
    post,
    path = "/api/v1/inbound/sms",
    request_body = SmsIn,
    params(
        ("X-Signature" = String, Header, description = "Hex HMAC-SHA-256 of the raw body (or of `<X-Timestamp>.<body>`) with the shared secret"),
        ("X-Timestamp" = Option<String>, Header, description = "Unix seconds; when sent, it is signed with the body and must be within 5 minutes of our clock"),
    ),
    responses(
        (status = 200, description = "Stored and understood (a reply is queued unless over the sender's hourly limit), or a replay of a stored id (nothing sent again)", body = InboundOut),
        (status = 401, description = "Missing, stale or wrong signature; nothing stored", body = ApiError),
        (status = 404, description = "No secret is configured for this provider"),
        (status = 413, description = "The body is larger than 64 KiB"),
        (status = 422, description = "A field is missing or malformed (`from`, `id`, `received_at`)", body = ApiError),
        (status = 503, description = "The database is unavailable; retry with the same id", body = ApiError),
    )
)]
pub async fn post_sms(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    respond(handle(&state, "sms", &headers, &body).await)
}

/// A Zalo OA webhook event; only `user_send_text` is read, others are acknowledged.
#[utoipa::path(
    post,
    path = "/api/v1/inbound/zalo",
    request_body = ZaloIn,
    params(
        ("X-Signature" = String, Header, description = "Hex HMAC-SHA-256 of the raw body (or of `<X-Timestamp>.<body>`) with the shared secret"),
        ("X-Timestamp" = Option<String>, Header, description = "Unix seconds; when sent, it is signed with the body and must be within 5 minutes of our clock"),
    ),
    responses(
        (status = 200, description = "Stored and understood, a replay, or an event that is not a text (`ignored`)", body = InboundOut),
        (status = 401, description = "Missing, stale or wrong signature; nothing stored", body = ApiError),
        (status = 404, description = "No secret is configured for Zalo"),
        (status = 413, description = "The body is larger than 64 KiB"),
        (status = 422, description = "A field is missing or malformed (`sender.id`, `message.msg_id`)", body = ApiError),
        (status = 503, description = "The database is unavailable; retry with the same id", body = ApiError),
    )
)]
pub async fn post_zalo(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    respond(handle(&state, "zalo", &headers, &body).await)
}

fn respond(r: Result<InboundOut, Refusal>) -> Response {
    match r {
        Ok(out) => (StatusCode::OK, Json(out)).into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

/// The sender as we keep it, and where a reply goes.
struct Who {
    hash: String,
    hint: String,
    channel: &'static str,
    recipient: String,
    /// A phone number: status and rating may be matched with a dossier's keyed hash.
    phone: bool,
}

fn who(state: &AppState, sender: &Sender) -> Who {
    match sender {
        Sender::Phone(p) => Who {
            hash: langnghe_app::survey::phone_hash(&state.config, p),
            hint: p[p.len().saturating_sub(3)..].to_string(),
            channel: "sms",
            recipient: p.clone(),
            phone: true,
        },
        // Its own keyed hash: a Zalo id can never equal a phone's hash.
        Sender::Zalo(id) => Who {
            hash: langnghe_app::sign::sign(&state.config.secret, &format!("zalo:{id}")),
            hint: String::new(),
            channel: "zalo",
            recipient: id.clone(),
            phone: false,
        },
    }
}

fn replayed(msg: &Inbound, s: inbound::Stored) -> InboundOut {
    InboundOut {
        id: msg.msg_id.clone(),
        understood: s.understood,
        reply_queued: s.outbox_id.is_some(),
        replayed: true,
    }
}

async fn handle(
    state: &AppState,
    provider: &'static str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<InboundOut, Refusal> {
    let secret = match provider {
        "sms" => state.config.sms_inbound_secret.as_ref(),
        _ => state.config.zalo_inbound_secret.as_ref(),
    }
    .ok_or(Refusal::NotConfigured)?;
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    verify_webhook(
        secret,
        body,
        header("x-signature"),
        header("x-timestamp"),
        Utc::now().timestamp(),
    )
    .map_err(|why| {
        tracing::warn!(provider, refusal = ?why, "inbound text refused: signature");
        Refusal::Unauthorized(why)
    })?;
    let msg = match provider {
        "sms" => parse_sms(body)?,
        _ => match parse_zalo(body)? {
            Some(m) => m,
            None => {
                return Ok(InboundOut {
                    id: String::new(),
                    understood: "ignored".into(),
                    reply_queued: false,
                    replayed: false,
                })
            }
        },
    };
    if let Some(s) = inbound::find(&state.db, provider, &msg.msg_id).await? {
        return Ok(replayed(&msg, s));
    }
    let who = who(state, &msg.sender);
    let intent = understand(&msg.text);
    let understood = match intent {
        Intent::Status(_) => "status",
        Intent::Rating(_) => "rating",
        Intent::Help => "help",
    };
    let text = NewText {
        provider,
        msg_id: &msg.msg_id,
        sender_hash: &who.hash,
        sender_hint: &who.hint,
        body: &msg.text,
        understood,
        outcome: "",
        dossier_id: None,
        received_at: msg.received_at,
    };
    let out = |understood: &str, reply_queued: bool| InboundOut {
        id: msg.msg_id.clone(),
        understood: understood.to_string(),
        reply_queued,
        replayed: false,
    };
    // What to answer, read before the write: (event, outcome, values, dossier), or a rating to
    // write first.
    let vi = Lang::Vi;
    let mut rating = None;
    let (event, outcome, params, dossier_id) = match &intent {
        Intent::Status(code) => {
            let found = if who.phone {
                inbound::status(&state.db, &code_candidates(code), &who.hash).await?
            } else {
                None
            };
            match found {
                Some(d) => (
                    "inbound.status",
                    "status",
                    status_params(vi, &d),
                    Some(d.id),
                ),
                // The same words for a code of another phone and for no code at all.
                None => ("inbound.unknown", "neutral", serde_json::json!({}), None),
            }
        }
        Intent::Help => ("inbound.help", "help", serde_json::json!({}), None),
        Intent::Rating(score) => {
            let target = inbound::rating_target(&state.db, &who.hash).await?;
            let now = Utc::now();
            let window = Duration::days(state.config.survey_days);
            match target {
                // No completed dossier of this sender: the help text.
                None => ("inbound.help", "help", serde_json::json!({}), None),
                Some(t) => {
                    let p = serde_json::json!({
                        "dossier": t.code, "unit": t.unit_name, "score": score,
                    });
                    let dossier = Some(t.dossier_id);
                    if t.used_at.is_some() {
                        ("inbound.already", "already", p, dossier)
                    } else if t.expires_at <= now || t.completed_at + window <= now {
                        ("inbound.expired", "expired", p, dossier)
                    } else {
                        rating = Some((*score, t));
                        ("inbound.rated", "pending", p, dossier)
                    }
                }
            }
        }
    };
    let mut tx = state.db.begin().await?;
    let Some(id) = inbound::insert(
        &mut tx,
        &NewText {
            outcome,
            dossier_id,
            ..text
        },
    )
    .await?
    else {
        drop(tx);
        return replay_now(state, &msg).await;
    };
    // The flood limit, counted in the same transaction (each new text once, a replay never):
    // past it, the text is kept and nothing is answered.
    let flood_key = format!("inbound:{provider}:{}", who.hash);
    if !throttle::reserve_in(
        &mut tx,
        &flood_key,
        TEXTS_PER_SENDER_PER_HOUR,
        Duration::hours(1),
    )
    .await?
    {
        inbound::mark_flood(&mut tx, id).await?;
        tx.commit().await?;
        tracing::warn!(
            provider,
            "inbound text not answered: the sender's hourly limit"
        );
        return Ok(out("flood", false));
    }
    if let Some((score, t)) = rating {
        tx.commit().await?;
        return rate(state, id, &who, &msg, score, t, params).await;
    }
    let outbox =
        inbound::answer(&mut tx, id, outcome, None, &reply(&who, event, id, params)).await?;
    tx.commit().await?;
    langnghe_app::notify::wake();
    Ok(out(understood, outbox.is_some()))
}

/// Another request stored this id between our look-up and our insert: answer as its replay.
async fn replay_now(state: &AppState, msg: &Inbound) -> Result<InboundOut, Refusal> {
    match inbound::find(&state.db, msg.provider, &msg.msg_id).await? {
        Some(s) => Ok(replayed(msg, s)),
        None => Err(Refusal::Unavailable(
            "an inbound text vanished after its insert".into(),
        )),
    }
}

fn reply<'a>(who: &'a Who, event: &'a str, id: i64, params: serde_json::Value) -> Message<'a> {
    Message {
        event,
        entity: "inbound_text",
        entity_id: id,
        channel: who.channel,
        recipient: &who.recipient,
        lang: "vi",
        params,
        dedupe_key: Some(format!("inbound:{id}")),
    }
}

/// A rating by reply: the text is already stored (so a replay of its id never rates twice); the
/// rating goes through the rating writer with the dossier's survey link (marked used in the
/// writer's transaction: one answer per dossier, by text or on the web), then the reply is
/// queued with the text's outcome in one transaction.
async fn rate(
    state: &AppState,
    id: i64,
    who: &Who,
    msg: &Inbound,
    score: u8,
    t: inbound::RatingTarget,
    params: serde_json::Value,
) -> Result<InboundOut, Refusal> {
    let instrument = match state.instrument(langnghe_app::db::sipas::CODE).await {
        Ok(i) => i,
        Err(e) => {
            inbound::forget(&state.db, id).await?;
            return Err(e.into());
        }
    };
    let mut r = NewRating::new(
        t.unit_id,
        instrument.id(),
        Channel::SmsLink,
        i32::from(score),
    );
    r.procedure_id = t.procedure_id;
    r.counter_id = t.counter_id;
    r.dossier_id = Some(t.dossier_id);
    r.survey_link_id = Some(t.link_id);
    let (event, outcome, rating_id) = match state.ratings.save(r).await {
        Ok(saved) => ("inbound.rated", "rated", Some(saved.id)),
        // Another answer (a web one, or a text a moment before) took the link first.
        Err(SaveError::LinkUsed) => ("inbound.already", "already", None),
        Err(e) => {
            inbound::forget(&state.db, id).await?;
            return Err(Refusal::Unavailable(e.to_string()));
        }
    };
    let mut tx = state.db.begin().await?;
    let outbox = inbound::answer(
        &mut tx,
        id,
        outcome,
        rating_id,
        &reply(who, event, id, params),
    )
    .await?;
    tx.commit().await?;
    langnghe_app::notify::wake();
    Ok(InboundOut {
        id: msg.msg_id.clone(),
        understood: "rating".into(),
        reply_queued: outbox.is_some(),
        replayed: false,
    })
}

/// The values of a status answer, in Vietnamese: where the dossier stands, its due date (the
/// new one after a delay), the papers still missing.
fn status_params(vi: Lang, d: &inbound::Status) -> serde_json::Value {
    let state = match d.status.as_str() {
        s @ ("received" | "supplement" | "ready" | "completed" | "late") => s,
        _ if d.completed_at.is_some() => "completed",
        _ => "registered",
    };
    let due = d
        .new_due_at
        .or(d.due_at)
        .map(|t| local_day(t).to_string())
        .unwrap_or_else(|| vi.t("inbound.no_due"));
    let papers = if state == "supplement" && !d.papers.is_empty() {
        vi.tf("inbound.papers_missing", &[("papers", &d.papers)])
    } else {
        vi.t("inbound.papers_none")
    };
    serde_json::json!({
        "dossier": d.code, "unit": d.unit_name, "state": vi.t(&format!("inbound.state.{state}")),
        "due": due, "papers": papers,
    })
}
