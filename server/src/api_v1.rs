//! The machine API for the one-stop software (`/api/v1/…`), authenticated with API keys and
//! described by an OpenAPI document at `/api/v1/openapi.json`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use langnghe_app::db::dossiers::{self, DossierError, DossierInput};
use langnghe_app::db::throttle;
use langnghe_app::db::{kiosks, procedures, units};
pub use langnghe_app::domain::dossier::DossierIn;
pub use langnghe_app::domain::journey::{EventIn, EventKind};
use langnghe_app::domain::UnitPath;
use langnghe_app::AppState;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

/// The one-time survey link of a dossier.
#[derive(Debug, Serialize, ToSchema)]
pub struct SurveyLink {
    /// Print it as a QR code on the receipt, or send it by text message.
    pub url: String,
    pub qr_svg_url: String,
    pub qr_png_url: String,
    /// The QR code itself, as an SVG document.
    pub qr_svg: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DossierOut {
    pub dossier_id: i64,
    pub code: String,
    /// True when this post created the dossier; false when it was already known.
    pub created: bool,
    pub survey: SurveyLink,
}

/// What went wrong, with the field at fault.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiError {
    /// `unauthorized`, `forbidden`, `validation`, `conflict`, `too_many_requests`,
    /// `too_large` or `unavailable`.
    pub error: String,
    /// The field at fault, for `validation`.
    pub field: Option<String>,
    pub message: String,
    pub message_vi: String,
}

impl ApiError {
    /// The JSON answer of a refusal: `status` with this body, the message in English and in
    /// Vietnamese.
    pub fn response(
        status: StatusCode,
        error: &str,
        field: Option<&str>,
        en: &str,
        vi: &str,
    ) -> Response {
        let body = ApiError {
            error: error.into(),
            field: field.map(str::to_string),
            message: en.into(),
            message_vi: vi.into(),
        };
        (status, Json(body)).into_response()
    }
}

/// The messages of a `503 unavailable` (the database is away; the caller retries).
pub const UNAVAILABLE_EN: &str = "The service is temporarily unavailable; retry later.";
pub const UNAVAILABLE_VI: &str = "Hệ thống tạm thời gián đoạn, vui lòng gửi lại sau.";

/// Why a request was refused; becomes the JSON error body.
#[derive(Debug)]
enum Refusal {
    Unauthorized {
        en: &'static str,
        vi: &'static str,
    },
    Forbidden,
    Invalid {
        field: &'static str,
        en: &'static str,
        vi: &'static str,
    },
    /// The code is registered for another unit (which one is not said).
    Conflict,
    /// The key had too many conflicts lately; retry after the seconds given.
    TooMany(i64),
    /// No dossier with this code in the key's scope (whether it exists elsewhere is not said).
    NotFound,
    /// The event id was already used by this key for another dossier or kind.
    EventReused,
    Unavailable(String),
}

fn invalid(field: &'static str, en: &'static str, vi: &'static str) -> Refusal {
    Refusal::Invalid { field, en, vi }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let (status, error, field, en, vi) = match self {
            Refusal::Unauthorized { en, vi } => {
                (StatusCode::UNAUTHORIZED, "unauthorized", None, en, vi)
            }
            Refusal::Forbidden => (
                StatusCode::FORBIDDEN,
                "forbidden",
                Some("unit_code"),
                "This API key may not send dossiers of that unit.",
                "Khóa API này không được gửi hồ sơ của đơn vị đó.",
            ),
            Refusal::Invalid { field, en, vi } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                Some(field),
                en,
                vi,
            ),
            Refusal::Conflict => (
                StatusCode::CONFLICT,
                "conflict",
                Some("code"),
                "This dossier code is already registered for another unit; nothing was changed.",
                "Mã hồ sơ này đã được đăng ký cho một đơn vị khác; không có gì thay đổi.",
            ),
            Refusal::NotFound => (
                StatusCode::NOT_FOUND,
                "not_found",
                Some("code"),
                "No dossier with this code in the key's scope.",
                "Không có hồ sơ với mã này trong phạm vi của khóa API.",
            ),
            Refusal::EventReused => (
                StatusCode::CONFLICT,
                "conflict",
                Some("event_id"),
                "This event id was already used for another event; nothing was changed.",
                "Mã sự kiện này đã được dùng cho một sự kiện khác; không có gì thay đổi.",
            ),
            Refusal::TooMany(secs) => {
                let mut res = ApiError::response(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too_many_requests",
                    None,
                    "This API key sent too many conflicting dossier codes; retry later.",
                    "Khóa API này đã gửi quá nhiều mã hồ sơ trùng với đơn vị khác; vui lòng gửi lại sau.",
                );
                if let Ok(v) = axum::http::HeaderValue::from_str(&secs.max(1).to_string()) {
                    res.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
                }
                return res;
            }
            Refusal::Unavailable(cause) => {
                tracing::error!(error = %cause, "dossier API");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    None,
                    UNAVAILABLE_EN,
                    UNAVAILABLE_VI,
                )
            }
        };
        ApiError::response(status, error, field, en, vi)
    }
}

impl From<langnghe_app::db::DbError> for Refusal {
    fn from(e: langnghe_app::db::DbError) -> Self {
        Refusal::Unavailable(e.to_string())
    }
}

fn api_key(headers: &HeaderMap) -> Option<String> {
    if let Some(v) = headers.get("x-api-key").and_then(|v| v.to_str().ok()) {
        return Some(v.trim().to_string());
    }
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|v| v.trim().to_string())
}

impl From<langnghe_app::domain::dossier::Invalid> for Refusal {
    fn from(e: langnghe_app::domain::dossier::Invalid) -> Self {
        invalid(e.field, e.en, e.vi)
    }
}

/// Registers a dossier and returns its one-time survey link and QR code.
#[utoipa::path(
    post,
    path = "/api/v1/dossiers",
    request_body = DossierIn,
    security(("api_key" = [])),
    responses(
        (status = 201, description = "Dossier created", body = DossierOut),
        (status = 200, description = "Dossier already known (same code, same unit): nothing changed but missing times", body = DossierOut),
        (status = 401, description = "Missing or unknown API key", body = ApiError),
        (status = 403, description = "The unit is outside the key's scope", body = ApiError),
        (status = 409, description = "The code is registered for another unit (which one is not said); nothing changed", body = ApiError),
        (status = 413, description = "The body is larger than 64 KiB", body = ApiError),
        (status = 422, description = "A field is missing or malformed, or its times are impossible (completion before reception, in the future, before 2000)", body = ApiError),
        (status = 429, description = "The key had too many conflicting codes in the last hour (header Retry-After)", body = ApiError),
        (status = 503, description = "The database is unavailable; retry", body = ApiError),
    )
)]
pub async fn post_dossier(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match handle_dossier(&state, &headers, &body).await {
        Ok((status, out)) => (status, Json(out)).into_response(),
        Err(r) => r.into_response(),
    }
}

/// Conflicting codes (registered for another unit) one key may post in an hour before its
/// posts are refused for the rest of that hour: each 409 tells the key that a code exists, so
/// probing many codes is stopped. A one-stop system that posts its own dossiers meets none.
pub const CONFLICTS_PER_KEY_PER_HOUR: i64 = 20;

async fn handle_dossier(
    state: &AppState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(StatusCode, DossierOut), Refusal> {
    let key = api_key(headers).ok_or(Refusal::Unauthorized {
        en: "An API key is required (header X-API-Key or Authorization: Bearer).",
        vi: "Cần khóa API (tiêu đề X-API-Key hoặc Authorization: Bearer).",
    })?;
    let key = dossiers::authenticate_key(&state.db, &key)
        .await?
        .ok_or(Refusal::Unauthorized {
            en: "Unknown or revoked API key.",
            vi: "Khóa API không đúng hoặc đã bị thu hồi.",
        })?;
    let conflicts_key = format!("api:conflicts:{}", key.id);
    let hour = chrono::Duration::hours(1);
    let (conflicts, until) = throttle::count(&state.db, &conflicts_key, hour).await?;
    if conflicts >= CONFLICTS_PER_KEY_PER_HOUR {
        tracing::warn!(
            api_key = key.id,
            "dossier API: key throttled after conflicts"
        );
        return Err(Refusal::TooMany((until - Utc::now()).num_seconds()));
    }
    let body = langnghe_app::domain::dossier::parse_body(body, Utc::now())?;
    let all = units::all(&state.db).await?;
    let unit = all
        .iter()
        .find(|u| u.code == body.unit_code)
        .ok_or(invalid(
            "unit_code",
            "no unit has this code",
            "không có đơn vị với mã này",
        ))?;
    let scope = UnitPath::parse(&key.unit_path).unwrap_or_else(|| UnitPath::root(key.unit_id));
    if !scope.contains(&unit.unit_path()) {
        return Err(Refusal::Forbidden);
    }
    let procedure_id = match &body.procedure_code {
        Some(pc) => Some(
            procedures::get_by_code(&state.db, pc)
                .await?
                .ok_or(invalid(
                    "procedure_code",
                    "no procedure has this code",
                    "không có thủ tục với mã này",
                ))?
                .id,
        ),
        None => None,
    };
    let counter_id = match body.counter_id {
        None => None,
        Some(id) => match kiosks::counter(&state.db, id).await {
            Ok(c) if c.unit_id == unit.id => Some(id),
            Ok(_) | Err(langnghe_app::db::DbError::NotFound) => {
                return Err(invalid(
                    "counter_id",
                    "no counter with this id in that unit",
                    "đơn vị không có quầy này",
                ))
            }
            Err(e) => return Err(e.into()),
        },
    };
    let (phone_hash, phone_hint) = match &body.citizen_phone {
        Some(p) => (
            langnghe_app::survey::phone_hash(&state.config, p),
            p[p.len() - 3..].to_string(),
        ),
        None => (String::new(), String::new()),
    };
    let input = DossierInput {
        code: body.code.clone(),
        unit_id: unit.id,
        procedure_id,
        counter_id,
        phone_hash,
        phone_hint,
        received_at: body.received_at,
        due_at: body.due_at,
        completed_at: body.completed_at,
        complained: body.complained,
    };
    let mut tx = state.db.begin().await?;
    // The scope check above is on the unit named in the body; the code may already belong to a
    // dossier of another unit, in or out of the key's scope: then the stored dossier decides
    // and the answer is the same 409 either way, with neither the unit nor the link.
    let (id, created) = match dossiers::upsert(&mut tx, &input).await {
        Ok(saved) => saved,
        Err(DossierError::OtherUnit) => {
            drop(tx);
            tracing::warn!(
                api_key = key.id,
                "dossier API: code registered for another unit"
            );
            throttle::hit(&state.db, &conflicts_key, hour).await?;
            return Err(Refusal::Conflict);
        }
        Err(DossierError::Times(e)) => return Err(e.into()),
        Err(DossierError::Race) => {
            return Err(Refusal::Unavailable("dossier code raced twice".into()))
        }
        Err(DossierError::Db(e)) => return Err(e.into()),
    };
    let token = langnghe_app::survey::token(&state.config, id);
    let expires = Utc::now() + chrono::Duration::days(state.config.survey_days);
    let expires_at =
        dossiers::ensure_link(&mut tx, id, &dossiers::hash_token(&token), expires).await?;
    let url = langnghe_app::survey::url(&state.config, &token);
    // A completed dossier with a phone number: the citizen is invited by SMS, once. The number
    // stays in the outbox only until the message is sent.
    if let (Some(phone), Some(_)) = (&body.citizen_phone, input.completed_at) {
        langnghe_app::db::notify::enqueue(
            &mut tx,
            &langnghe_app::db::notify::Message {
                event: "survey.invitation",
                entity: "dossier",
                entity_id: id,
                channel: "sms",
                recipient: phone,
                lang: "vi",
                params: serde_json::json!({ "dossier": input.code, "url": url, "unit": unit.name }),
                dedupe_key: Some(format!("survey:{id}")),
            },
        )
        .await?;
    }
    tx.commit().await?;
    let out = DossierOut {
        dossier_id: id,
        code: input.code,
        created,
        survey: SurveyLink {
            qr_svg_url: format!("{url}/qr.svg"),
            qr_png_url: format!("{url}/qr.png"),
            qr_svg: langnghe_app::components::qr::svg(&url).unwrap_or_default(),
            url,
            expires_at,
        },
    };
    Ok((
        if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        out,
    ))
}

/// What an event did. A replay of its event id answers the same, with `replayed` true.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventOut {
    pub event_id: String,
    pub dossier_id: i64,
    pub code: String,
    pub kind: EventKind,
    /// The dossier's status after the event: `received`, `supplement`, `ready`, `completed`
    /// or `late`.
    pub status: String,
    /// A text to the citizen was queued (the event carried the dossier's phone number).
    pub text_queued: bool,
    /// The event id was already recorded: nothing changed and nothing was sent again.
    pub replayed: bool,
}

/// Reports what happened to a dossier; each event updates it and queues one text to the
/// citizen (when the event carries the dossier's phone), in one transaction. Idempotent by
/// `event_id` per API key.
#[utoipa::path(
    post,
    path = "/api/v1/dossiers/{code}/events",
    params(("code" = String, Path, description = "The dossier code, as posted to /api/v1/dossiers")),
    request_body = EventIn,
    security(("api_key" = [])),
    responses(
        (status = 201, description = "Event recorded", body = EventOut),
        (status = 200, description = "The event id was already recorded: the first answer, nothing sent again", body = EventOut),
        (status = 401, description = "Missing or unknown API key", body = ApiError),
        (status = 404, description = "No dossier with this code in the key's scope", body = ApiError),
        (status = 409, description = "The event id was used for another dossier or kind", body = ApiError),
        (status = 413, description = "The body is larger than 64 KiB", body = ApiError),
        (status = 422, description = "A field is missing or malformed, the phone is not the dossier's, or a time is impossible", body = ApiError),
        (status = 503, description = "The database is unavailable; retry", body = ApiError),
    )
)]
pub async fn post_event(
    State(state): State<AppState>,
    axum::extract::Path(code): axum::extract::Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match handle_event(&state, &headers, &code, &body).await {
        Ok((status, out)) => (status, Json(out)).into_response(),
        Err(r) => r.into_response(),
    }
}

async fn handle_event(
    state: &AppState,
    headers: &HeaderMap,
    code: &str,
    body: &[u8],
) -> Result<(StatusCode, EventOut), Refusal> {
    use langnghe_app::db::journey::{self, JourneyError};
    let key = api_key(headers).ok_or(Refusal::Unauthorized {
        en: "An API key is required (header X-API-Key or Authorization: Bearer).",
        vi: "Cần khóa API (tiêu đề X-API-Key hoặc Authorization: Bearer).",
    })?;
    let key = dossiers::authenticate_key(&state.db, &key)
        .await?
        .ok_or(Refusal::Unauthorized {
            en: "Unknown or revoked API key.",
            vi: "Khóa API không đúng hoặc đã bị thu hồi.",
        })?;
    let code = langnghe_app::domain::text::nfc(code.trim());
    let scope = UnitPath::parse(&key.unit_path).unwrap_or_else(|| UnitPath::root(key.unit_id));
    let target = match journey::target(&state.db, &code).await? {
        Some(t) if UnitPath::parse(&t.unit_path).is_some_and(|p| scope.contains(&p)) => t,
        _ => return Err(Refusal::NotFound),
    };
    let event = langnghe_app::domain::journey::parse_event(body, Utc::now())?;
    let phone = event.citizen_phone.as_ref().map(|p| {
        (
            p.clone(),
            langnghe_app::survey::phone_hash(&state.config, p),
            p[p.len().saturating_sub(3)..].to_string(),
        )
    });
    // The body as stored: without the phone number.
    let mut payload: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    if let Some(map) = payload.as_object_mut() {
        map.remove("citizen_phone");
    }
    let mut tx = state.db.begin().await?;
    let recorded = match journey::record(
        &mut tx,
        key.id,
        &target,
        &event,
        phone
            .as_ref()
            .map(|(p, h, t)| (p.as_str(), h.as_str(), t.as_str())),
        &payload.to_string(),
    )
    .await
    {
        Ok(r) => r,
        Err(JourneyError::OtherPhone) => {
            return Err(invalid(
                "citizen_phone",
                "is not the dossier's phone number",
                "không phải số điện thoại của hồ sơ",
            ))
        }
        Err(JourneyError::Times(e)) => return Err(e.into()),
        Err(JourneyError::Reused) => return Err(Refusal::EventReused),
        Err(JourneyError::Db(e)) => return Err(e.into()),
    };
    tx.commit().await?;
    Ok((
        if recorded.replayed {
            StatusCode::OK
        } else {
            StatusCode::CREATED
        },
        EventOut {
            event_id: event.event_id,
            dossier_id: recorded.dossier_id,
            code: target.code,
            kind: recorded.kind,
            status: recorded.kind.status().to_string(),
            text_queued: recorded.text_queued,
            replayed: recorded.replayed,
        },
    ))
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Lắng Nghe API", description = "Dossiers from the one-stop software; each gets a one-time satisfaction survey link."),
    paths(post_dossier, post_event, get_indices, crate::inbound::post_sms, crate::inbound::post_zalo),
    components(schemas(DossierIn, DossierOut, EventIn, EventKind, EventOut, SurveyLink, ApiError, IndicesOut, GroupIndex, UnitIndex,
        crate::inbound::SmsIn, crate::inbound::ZaloIn, crate::inbound::ZaloSender, crate::inbound::ZaloMessage, crate::inbound::InboundOut)),
    modifiers(&SecurityAddon)
)]
pub struct ApiDoc;

struct SecurityAddon;

impl utoipa::Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
        if let Some(c) = openapi.components.as_mut() {
            c.add_security_scheme(
                "api_key",
                SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-API-Key"))),
            );
        }
    }
}

async fn openapi() -> impl IntoResponse {
    Json(ApiDoc::openapi())
}

/// One unit's figures for a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitIndex {
    pub unit_code: String,
    pub unit: String,
    /// Rank inside the province's peer group (by the lower bound of the 95 % Wilson interval);
    /// absent when the unit has fewer answers than the sample needs.
    pub rank: Option<i64>,
    /// How many units of the peer group were ranked.
    pub of: i64,
    /// `ranked`, or `not_enough_answers` (listed apart, not ranked).
    pub status: String,
    /// The value ranked on: the lower bound of the 95 % Wilson interval.
    pub ranked_on: Option<f64>,
    /// The day units merged into this one inside the period (their answers are counted here).
    pub merged_on: Option<chrono::NaiveDate>,
    /// Codes of the units merged into this one inside the period.
    pub merged_from: Vec<String>,
    /// Against the funnel plot's limits around the peer group's share: `above_99.8`,
    /// `above_95`, `within`, `below_95`, `below_99.8`.
    pub funnel: String,
    /// Previous rank minus this rank (positive: moved up).
    pub change: Option<i64>,
    pub answers: i64,
    /// Counted answers for each score 1..5 (recompute any figure from these).
    pub scores: [i64; 5],
    /// Dossiers completed in the period (N of the sample-size rule).
    pub dossiers: i64,
    pub required: i64,
    pub enough: bool,
    pub share_satisfied: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub mean: Option<f64>,
    pub par_points: Option<f64>,
    pub par_band: Option<String>,
    pub late_share: Option<f64>,
    /// Points of Decision 766's satisfaction group (of 18), scored on the ratios that have data;
    /// null when none has.
    pub g766_points: Option<f64>,
    /// How many of the three ratios had data.
    pub g766_with_data: usize,
    /// Its three ratios (feedback on time; feedback not dissatisfied nor overdue; dossiers not
    /// rated dissatisfied, complained about or late); null where there is nothing to count.
    pub g766_ratios: [Option<f64>; 3],
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GroupIndex {
    pub group: String,
    pub units: Vec<UnitIndex>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IndicesOut {
    /// The period as asked (`2026-Q3`, `2026-11`, `2026`, `2026-01-01..2026-03-31`).
    pub period: String,
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
    pub groups: Vec<GroupIndex>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct IndicesQuery {
    /// `2026-Q3`, `2026-11`, `2026` or `2026-01-01..2026-03-31`; the current quarter when absent.
    pub period: Option<String>,
}

/// Satisfaction indices and rankings of the units in the key's scope (read only).
#[utoipa::path(
    get,
    path = "/api/v1/indices",
    params(IndicesQuery),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Rankings per peer group", body = IndicesOut),
        (status = 401, description = "Missing or unknown API key", body = ApiError),
        (status = 422, description = "The period is malformed", body = ApiError),
    )
)]
pub async fn get_indices(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<IndicesQuery>,
) -> Response {
    match handle_indices(&state, &headers, q).await {
        Ok(out) => Json(out).into_response(),
        Err(r) => r.into_response(),
    }
}

async fn handle_indices(
    state: &AppState,
    headers: &HeaderMap,
    q: IndicesQuery,
) -> Result<IndicesOut, Refusal> {
    use langnghe_app::domain::period::Period;
    let key = api_key(headers).ok_or(Refusal::Unauthorized {
        en: "An API key is required (header X-API-Key or Authorization: Bearer).",
        vi: "Cần khóa API (tiêu đề X-API-Key hoặc Authorization: Bearer).",
    })?;
    let key = dossiers::authenticate_key(&state.db, &key)
        .await?
        .ok_or(Refusal::Unauthorized {
            en: "Unknown or revoked API key.",
            vi: "Khóa API không đúng hoặc đã bị thu hồi.",
        })?;
    let p = match q.period.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Period::quarter_of(langnghe_app::db::today()),
        Some(s) => Period::parse(s).ok_or(invalid(
            "period",
            "use 2026-Q3, 2026-11, 2026 or 2026-01-01..2026-03-31",
            "dùng 2026-Q3, 2026-11, 2026 hoặc 2026-01-01..2026-03-31",
        ))?,
    };
    let ranked = langnghe_app::reports::ranking::rankings(
        &state.db,
        &key.unit_path,
        &p,
        langnghe_app::i18n::Lang::Vi,
    )
    .await
    .map_err(|e| Refusal::Unavailable(e.to_string()))?;
    use langnghe_app::reports::export::{status, zone_code};
    Ok(IndicesOut {
        period: p.key(),
        from: p.from,
        to: p.to,
        groups: ranked
            .groups
            .into_iter()
            .map(|g| GroupIndex {
                group: g.name,
                units: g
                    .rows
                    .into_iter()
                    .filter(|row| row.in_scope)
                    .map(|row| UnitIndex {
                        status: status(&row).to_string(),
                        funnel: zone_code(row.zone).to_string(),
                        scores: row.tally.s,
                        unit_code: row.unit.code,
                        unit: row.unit.name,
                        rank: row.ranked.rank,
                        of: row.ranked.of,
                        ranked_on: row.ranked.lower_bound,
                        merged_on: row.merged.as_ref().map(|m| m.on),
                        merged_from: row
                            .merged
                            .map(|m| m.from.into_iter().map(|(c, _)| c).collect())
                            .unwrap_or_default(),
                        change: row.ranked.change,
                        answers: row.ranked.headline.n,
                        dossiers: row.ranked.headline.population,
                        required: row.ranked.headline.required,
                        enough: row.ranked.headline.enough,
                        share_satisfied: row.ranked.headline.share_satisfied,
                        ci_low: row.ranked.headline.ci.map(|c| c.0),
                        ci_high: row.ranked.headline.ci.map(|c| c.1),
                        mean: row.ranked.headline.mean,
                        par_points: row.par.points,
                        par_band: row.par.band,
                        late_share: row.late,
                        g766_points: row.g766.total,
                        g766_with_data: row.g766.with_data,
                        g766_ratios: row.g766.ratios,
                    })
                    .collect(),
            })
            .collect(),
    })
}

/// The largest dossier body accepted (bytes).
pub const DOSSIER_BODY_LIMIT: usize = 64 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        // A dossier is a few hundred bytes; nothing near this limit is a real one.
        .route(
            "/api/v1/dossiers",
            post(post_dossier).layer(tower_http::limit::RequestBodyLimitLayer::new(
                DOSSIER_BODY_LIMIT,
            )),
        )
        .route(
            "/api/v1/dossiers/{code}/events",
            post(post_event).layer(tower_http::limit::RequestBodyLimitLayer::new(
                DOSSIER_BODY_LIMIT,
            )),
        )
        // Citizens' texts from the SMS provider and Zalo OA (signed; 404 without a secret).
        .route(
            "/api/v1/inbound/sms",
            post(crate::inbound::post_sms).layer(tower_http::limit::RequestBodyLimitLayer::new(
                DOSSIER_BODY_LIMIT,
            )),
        )
        .route(
            "/api/v1/inbound/zalo",
            post(crate::inbound::post_zalo).layer(tower_http::limit::RequestBodyLimitLayer::new(
                DOSSIER_BODY_LIMIT,
            )),
        )
        .route("/api/v1/indices", get(get_indices))
        .route("/api/v1/openapi.json", get(openapi))
}
