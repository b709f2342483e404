//! Layers that apply to every request: refusal of cross-site state-changing requests, the
//! translated error pages, and security headers.

use crate::components::layout::page_head;
use crate::ctx::{lang_of, prefs_of, render_html, Ctx};
use crate::error::{AppError, ErrorPage};
use crate::i18n::t;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use leptos::prelude::*;

/// Whether a state-changing request comes from this site. Browsers say where a request comes
/// from: `Sec-Fetch-Site` (all current browsers), else `Origin`, else `Referer`. A request with
/// none of them is not from a browser and carries no victim's cookies (SameSite=Lax keeps the
/// session cookie off cross-site posts as a second line).
pub fn same_site_request(headers: &HeaderMap, own_origins: &[String]) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        return own_origins.iter().any(|o| o == origin);
    }
    if let Some(referer) = headers.get(header::REFERER).and_then(|v| v.to_str().ok()) {
        return url::Url::parse(referer)
            .map(|u| own_origins.contains(&u.origin().ascii_serialization()))
            .unwrap_or(false);
    }
    true
}

/// The origins this site answers on: the configured base URL and the Host the request names.
fn own_origins(headers: &HeaderMap, state: &AppState) -> Vec<String> {
    let mut v = vec![state.config.origin()];
    if let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) {
        let scheme = headers
            .get("x-forwarded-proto")
            .and_then(|h| h.to_str().ok())
            .unwrap_or(if state.config.secure_cookies {
                "https"
            } else {
                "http"
            });
        v.push(format!("{scheme}://{host}"));
    }
    v
}

/// Refuses cross-site POST/PUT/PATCH/DELETE, except the machine API under `/api/v1/`,
/// which authenticates with API keys and no cookies.
pub async fn refuse_cross_site(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let m = req.method();
    let safe = m == Method::GET || m == Method::HEAD || m == Method::OPTIONS;
    if !safe
        && !req.uri().path().starts_with("/api/v1/")
        && !same_site_request(req.headers(), &own_origins(req.headers(), &state))
    {
        tracing::warn!(path = %req.uri().path(), "cross-site request refused");
        return AppError::CrossSite.into_response();
    }
    next.run(req).await
}

/// Renders the body of error responses ([`ErrorPage`]) as a full page in the visitor's
/// language; an `Unauthorized` page visit becomes a redirect to sign-in.
pub async fn error_pages(State(state): State<AppState>, req: Request, next: Next) -> Response {
    // Keep only what the error page needs (the uri, the cookies, the session handle): cheap
    // copies, so the common case (no error) costs little.
    let uri = req.uri().clone();
    let path = uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let mut headers = HeaderMap::new();
    for v in req.headers().get_all(header::COOKIE) {
        headers.append(header::COOKIE, v.clone());
    }
    let session = req.extensions().get::<tower_sessions::Session>().cloned();
    let res = next.run(req).await;
    let parts_for_ctx = {
        let mut p = Request::new(Body::empty());
        *p.headers_mut() = headers.clone();
        *p.uri_mut() = uri;
        if let Some(s) = session {
            p.extensions_mut().insert(s);
        }
        p.into_parts().0
    };
    // A body past its limit is refused by the limit layer (or the body reader) before any
    // handler: give it the same clear page, or a JSON error on the machine API.
    let too_large = res.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE;
    if too_large && path.starts_with("/api/v1/") {
        let body = serde_json::json!({
            "error": "too_large",
            "field": "body",
            "message": "The request body is larger than this endpoint accepts.",
            "message_vi": "Nội dung gửi lên vượt quá dung lượng cho phép.",
        });
        return (res.status(), axum::Json(body)).into_response();
    }
    let page = match res.extensions().get::<ErrorPage>().copied() {
        Some(page) => page,
        None if too_large => ErrorPage {
            status: axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            title_key: "error.413.title",
            text_key: "error.413.text",
        },
        None => return res,
    };
    if page.status == axum::http::StatusCode::UNAUTHORIZED && !path.starts_with("/api/") {
        let next: String = url::form_urlencoded::byte_serialize(path.as_bytes()).collect();
        return axum::response::Redirect::to(&format!("/login?next={next}")).into_response();
    }
    // With the session available the page gets the full shell; otherwise a plain one. When
    // the database is away the session cannot be read either: do not wait for it a second time.
    let ctx = if page.status == axum::http::StatusCode::SERVICE_UNAVAILABLE {
        Err(AppError::Unavailable(String::new()))
    } else {
        Ctx::from_parts(&parts_for_ctx, &state).await
    };
    let mut out = match ctx {
        Ok(ctx) => ctx.render_status(page.status, &ctx.lang.t(page.title_key), move || {
            error_body(page)
        }),
        Err(_) => {
            let lang = lang_of(&headers);
            let _ = prefs_of(&headers);
            (
                page.status,
                Html(render_html(lang, move || plain_error(page))),
            )
                .into_response()
        }
    };
    for (k, v) in res.headers() {
        if k != header::CONTENT_TYPE && k != header::CONTENT_LENGTH {
            out.headers_mut().insert(k.clone(), v.clone());
        }
    }
    out
}

fn error_body(page: ErrorPage) -> impl IntoView {
    view! {
        <div class="error-page">
            <span class="error-code">{page.status.as_u16()}</span>
            {page_head(t(page.title_key), Some(t(page.text_key)))}
            <a class="btn btn-primary" href="/">{t("error.home")}</a>
        </div>
    }
}

fn plain_error(page: ErrorPage) -> impl IntoView {
    view! {
        <html>
            <head><meta charset="utf-8"/><meta name="viewport" content="width=device-width, initial-scale=1"/>
                <title>{t(page.title_key)}</title><link rel="stylesheet" href=crate::components::layout::asset("style.css")/></head>
            <body class="fs-m"><main id="main" class="container">{error_body(page)}</main></body>
        </html>
    }
}

/// Puts every field of a posted form (`application/x-www-form-urlencoded`) in Unicode
/// Normalization Form C before any handler reads it, so that text typed with decomposed
/// letters (some phones, macOS) is stored, compared, hashed and searched like the same text
/// typed composed — whichever form reads it. A body that is ASCII, or already NFC, goes on
/// untouched. (Multipart forms and the JSON API are put in NFC where they are parsed.)
pub async fn nfc_forms(req: Request, next: Next) -> Response {
    let is_form = req.method() == Method::POST
        && req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    // Within the body limit of the layer outside this one; past it, the same 413 page.
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(_) => return axum::http::StatusCode::PAYLOAD_TOO_LARGE.into_response(),
    };
    let bytes = match nfc_form_body(&bytes) {
        Some(changed) => {
            parts
                .headers
                .insert(header::CONTENT_LENGTH, HeaderValue::from(changed.len()));
            axum::body::Bytes::from(changed)
        }
        None => bytes,
    };
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// The form body with every name and value in NFC, or `None` when it already is.
fn nfc_form_body(body: &[u8]) -> Option<String> {
    // Only bytes of 0x80 and above, raw or percent-encoded, can be other than NFC.
    let high_escape = body.windows(3).any(|w| {
        w[0] == b'%'
            && matches!(w[1], b'8'..=b'9' | b'a'..=b'f' | b'A'..=b'F')
            && w[2].is_ascii_hexdigit()
    });
    if !high_escape && body.is_ascii() {
        return None;
    }
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(body).into_owned().collect();
    if pairs
        .iter()
        .all(|(k, v)| crate::domain::text::is_nfc(k) && crate::domain::text::is_nfc(v))
    {
        return None;
    }
    let nfc = crate::domain::text::nfc;
    Some(
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs.iter().map(|(k, v)| (nfc(k), nfc(v))))
            .finish(),
    )
}

/// Adds the security headers every response carries.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
             frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    res
}

/// The client's address: the peer of the connection, or behind a trusted proxy the last entry
/// the proxy appended to `X-Forwarded-For`.
pub fn client_ip(
    headers: &HeaderMap,
    extensions: &axum::http::Extensions,
    trust_proxy: bool,
) -> String {
    if trust_proxy {
        if let Some(last) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .map(str::trim)
            .filter(|v| v.parse::<std::net::IpAddr>().is_ok())
        {
            return last.to_string();
        }
    }
    extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// The public forms a visitor can post without an account, with how many posts one client
/// address may make in ten minutes. Generous: many phones share one carrier address (CGNAT),
/// and a one-stop centre's visitors share its Wi-Fi. Kiosks post with their device token and
/// the machine API with its key; neither is limited by address.
pub const PUBLIC_LIMITS: [(&str, i64); 8] = [
    ("feedback/submit", 20),
    ("feedback/track", 60),
    ("feedback/rate", 30),
    ("sessions/signup", 60),
    ("sessions/cancel", 60),
    ("sessions/rate", 60),
    ("survey/find", 60),
    ("survey/submit", 120),
];

/// The window of [`PUBLIC_LIMITS`].
pub const PUBLIC_WINDOW_MINUTES: i64 = 10;

/// Refuses a public form post past its limit with a translated 429 page and `Retry-After`.
pub async fn limit_public_forms(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let Some(ep) = req.uri().path().strip_prefix("/api/") else {
        return next.run(req).await;
    };
    let Some((ep, limit)) = PUBLIC_LIMITS.iter().find(|(e, _)| *e == ep) else {
        return next.run(req).await;
    };
    // An IPv6 client is counted by its /64 (it may change address inside it at will).
    let ip = crate::db::throttle::address_key(&client_ip(
        req.headers(),
        req.extensions(),
        state.config.trust_proxy,
    ));
    let window = chrono::Duration::minutes(PUBLIC_WINDOW_MINUTES);
    match crate::db::throttle::hit(&state.db, &format!("form:{ep}:{ip}"), window).await {
        Ok((hits, until)) if hits > *limit => {
            tracing::warn!(endpoint = ep, "public form rate limit reached");
            AppError::TooManyRequests((until - chrono::Utc::now()).num_seconds()).into_response()
        }
        Ok(_) => next.run(req).await,
        Err(e) => AppError::from(e).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (k, v) in pairs {
            m.insert(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        m
    }

    #[test]
    fn form_bodies_come_out_in_nfc() {
        // "Lê" with the circumflex as a combining mark (e, U+0302: %65%CC%82) becomes U+00EA.
        assert_eq!(
            nfc_form_body(b"name=Le%CC%82&x=1").as_deref(),
            Some("name=L%C3%AA&x=1")
        );
        assert_eq!(
            nfc_form_body(b"score=5&nonce=abc"),
            None,
            "ASCII goes on as it is"
        );
        assert_eq!(
            nfc_form_body("name=L%C3%AA".as_bytes()),
            None,
            "already NFC"
        );
    }

    #[test]
    fn cross_site_detection() {
        let own = vec!["http://127.0.0.1:3000".to_string()];
        assert!(same_site_request(
            &h(&[("sec-fetch-site", "same-origin")]),
            &own
        ));
        assert!(!same_site_request(
            &h(&[("sec-fetch-site", "cross-site")]),
            &own
        ));
        assert!(!same_site_request(
            &h(&[("sec-fetch-site", "same-site")]),
            &own
        ));
        assert!(same_site_request(
            &h(&[("origin", "http://127.0.0.1:3000")]),
            &own
        ));
        assert!(!same_site_request(
            &h(&[("origin", "https://evil.example")]),
            &own
        ));
        assert!(!same_site_request(&h(&[("origin", "null")]), &own));
        assert!(!same_site_request(
            &h(&[("referer", "https://evil.example/form")]),
            &own
        ));
        assert!(same_site_request(
            &h(&[("referer", "http://127.0.0.1:3000/login")]),
            &own
        ));
        assert!(same_site_request(&h(&[]), &own));
    }
}
