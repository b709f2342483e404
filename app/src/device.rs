//! The kiosk device behind a request: its registration token and device key (cookies), the
//! kiosk they name, and the signature of a rating made on it. Pages (the faces, the thank-you
//! screen) and server functions (the kiosk's posts) both read them.

use crate::db::kiosks::Kiosk;
use crate::state::AppState;
use axum::http::HeaderMap;

pub use crate::ctx::{kiosk_token, KIOSK_COOKIE};

/// The cookie that holds a kiosk's device key (bound to one device, replaced every few minutes).
pub const KIOSK_KEY_COOKIE: &str = "kiosk_key";

/// A value of `len` hex digits (a device key: 32) from a cookie.
fn hex_cookie(headers: &HeaderMap, name: &str, len: usize) -> Option<String> {
    crate::ctx::cookie(headers, name)
        .filter(|v| v.len() == len && v.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_string)
}

/// The kiosk's device key from its cookie.
pub fn kiosk_key(headers: &HeaderMap) -> Option<String> {
    hex_cookie(headers, KIOSK_KEY_COOKIE, 32)
}

/// The `Set-Cookie` value that gives the kiosk its (new) device key.
pub fn device_cookie(state: &AppState, key: &str) -> String {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!("{KIOSK_KEY_COOKIE}={key}; Path=/; Max-Age=315360000; HttpOnly; SameSite=Lax{secure}")
}

/// The kiosk that this browser is, if its cookie holds a valid registration token.
pub async fn current_kiosk(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<Kiosk>, crate::error::AppError> {
    match kiosk_token(headers) {
        Some(tok) => Ok(state.kiosk_by_token(&tok).await?),
        None => Ok(None),
    }
}

/// The signature that lets a thank-you page add details to the rating just made, on this kiosk.
pub fn rating_sig(state: &AppState, rating_id: i64, kiosk_id: i64) -> String {
    crate::sign::sign(
        &state.config.secret,
        &format!("kiosk-rating:{rating_id}:{kiosk_id}"),
    )
}
