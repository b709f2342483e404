//! The error policy at the HTTP edge. Handlers and server functions return [`AppError`]; each
//! kind maps to a status and a translated message. Internal causes are logged with `tracing` and
//! never shown: the citizen sees a plain sentence in their language.

use crate::db::DbError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("sign-in required")]
    Unauthorized,
    #[error("forbidden")]
    Forbidden,
    #[error("cross-site request refused")]
    CrossSite,
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    #[error("too many requests; retry in {0} s")]
    TooManyRequests(i64),
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::NotFound => AppError::NotFound,
            e if e.is_unavailable() => AppError::Unavailable(e.to_string()),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<crate::reports::ReportError> for AppError {
    fn from(e: crate::reports::ReportError) -> Self {
        match e {
            crate::reports::ReportError::Db(d) => d.into(),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::CrossSite => StatusCode::FORBIDDEN,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The i18n keys of the error page's title and explanation.
    pub fn message_keys(&self) -> (&'static str, &'static str) {
        match self {
            AppError::NotFound => ("error.404.title", "error.404.text"),
            AppError::Unauthorized => ("error.401.title", "error.401.text"),
            AppError::Forbidden => ("error.403.title", "error.403.text"),
            AppError::CrossSite => ("error.csrf.title", "error.csrf.text"),
            AppError::BadRequest(_) => ("error.400.title", "error.400.text"),
            AppError::TooManyRequests(_) => ("error.429.title", "error.429.text"),
            AppError::Unavailable(_) => ("error.503.title", "error.503.text"),
            AppError::Internal(_) => ("error.500.title", "error.500.text"),
        }
    }
}

/// Marks a response whose body the error-page layer renders, in the visitor's language.
#[derive(Debug, Clone, Copy)]
pub struct ErrorPage {
    pub status: StatusCode,
    pub title_key: &'static str,
    pub text_key: &'static str,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match &self {
            AppError::Internal(cause) => tracing::error!(%cause, "internal error"),
            AppError::Unavailable(cause) => tracing::warn!(%cause, "database unavailable"),
            _ => {}
        }
        let status = self.status();
        let (title_key, text_key) = self.message_keys();
        let mut res = (status, "").into_response();
        if let AppError::TooManyRequests(secs) = self {
            if let Ok(v) = axum::http::HeaderValue::from_str(&secs.max(1).to_string()) {
                res.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
            }
        }
        res.extensions_mut().insert(ErrorPage {
            status,
            title_key,
            text_key,
        });
        res
    }
}
