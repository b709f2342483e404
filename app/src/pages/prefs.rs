//! Language, font size and contrast: links that set a cookie and go back, so they work without
//! JavaScript on every page.

use crate::ctx::{parse_query, safe_local_path};
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

pub async fn set_prefs(uri: Uri) -> Response {
    let q = parse_query(uri.query());
    let mut cookies = Vec::new();
    if let Some(l) = q
        .get("lang")
        .filter(|l| crate::i18n::Lang::parse(l).is_some())
    {
        cookies.push(format!("lang={l}"));
    }
    if let Some(f) = q
        .get("fs")
        .filter(|f| matches!(f.as_str(), "0" | "1" | "2" | "3"))
    {
        cookies.push(format!("fs={f}"));
    }
    if let Some(h) = q.get("hc").filter(|h| matches!(h.as_str(), "0" | "1")) {
        cookies.push(format!("hc={h}"));
    }
    let next = q
        .get("next")
        .and_then(|n| safe_local_path(n))
        .unwrap_or_else(|| "/".into());
    let mut res = (StatusCode::SEE_OTHER, [(header::LOCATION, next)]).into_response();
    for c in cookies {
        if let Ok(v) =
            HeaderValue::from_str(&format!("{c}; Path=/; Max-Age=31536000; SameSite=Lax"))
        {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}
