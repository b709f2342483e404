//! Server functions: every form post of the site. Each has a stable URL under `/api/`
//! (`#[server(endpoint = …)]`) so that kiosks, bookmarks and tests can rely on it. A server
//! function parses its input, checks the caller through [`Ctx::require`], calls `db`, and ends
//! with a redirect: to the result page with a flash message on success, or back to the form with
//! the visitor's values and the field errors (the post/redirect/get pattern, without JavaScript).

pub mod accounts;
pub mod api_keys;
pub mod auth;
pub mod calendar;
pub mod feedback;
pub mod indices;
pub mod insight;
pub mod instruments;
pub mod kiosk;
pub mod kiosks;
pub mod late;
pub mod notify;
pub mod procedures;
pub mod ratings;
pub mod sessions;
pub mod survey;
pub mod units;

use crate::ctx::{safe_local_path, Ctx, Flash, FormState, SESSION_FLASH};
use crate::db::DbError;
use crate::error::AppError;
use crate::state::AppState;
use axum::http::request::Parts;
use leptos::prelude::*;
use std::collections::HashMap;
use std::future::Future;

/// How a form post ended well: where to go and what to say there.
pub struct Done {
    pub to: String,
    pub flash: Option<Flash>,
}

impl Done {
    pub fn to(to: impl Into<String>) -> Done {
        Done {
            to: to.into(),
            flash: None,
        }
    }
    pub fn with(mut self, flash: Flash) -> Done {
        self.flash = Some(flash);
        self
    }
}

/// How a form post ended badly.
#[derive(Debug)]
pub enum Fail {
    /// Field errors: (field, i18n key).
    Invalid(Vec<(&'static str, &'static str)>),
    /// One message for the whole form (i18n key).
    Msg(&'static str),
    App(AppError),
}

impl From<AppError> for Fail {
    fn from(e: AppError) -> Self {
        Fail::App(e)
    }
}

impl From<DbError> for Fail {
    fn from(e: DbError) -> Self {
        Fail::App(e.into())
    }
}

/// Collects field errors while parsing a form.
#[derive(Default)]
pub struct Errors(pub Vec<(&'static str, &'static str)>);

impl Errors {
    /// Keeps the value, or records the field's error.
    pub fn take<T: Default>(&mut self, field: &'static str, r: Result<T, &'static str>) -> T {
        r.unwrap_or_else(|e| {
            self.0.push((field, e));
            T::default()
        })
    }
    pub fn add(&mut self, field: &'static str, key: &'static str) {
        self.0.push((field, key));
    }
    pub fn check(self) -> Result<(), Fail> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Fail::Invalid(self.0))
        }
    }
}

/// The context of the request a server function runs in.
pub async fn ctx() -> Result<Ctx, AppError> {
    let state =
        use_context::<AppState>().ok_or_else(|| AppError::Internal("state missing".into()))?;
    let parts =
        use_context::<Parts>().ok_or_else(|| AppError::Internal("request missing".into()))?;
    Ctx::from_parts(&parts, &state).await
}

fn back(fallback: &str) -> String {
    use_context::<Parts>()
        .and_then(|p| {
            p.headers
                .get(axum::http::header::REFERER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        })
        .and_then(|r| url::Url::parse(&r).ok())
        .and_then(|u| {
            let pairs: Vec<(String, String)> = u
                .query_pairs()
                .filter(|(k, _)| k != "__err")
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            let q = if pairs.is_empty() {
                String::new()
            } else {
                format!(
                    "?{}",
                    url::form_urlencoded::Serializer::new(String::new())
                        .extend_pairs(pairs)
                        .finish()
                )
            };
            safe_local_path(&format!("{}{}", u.path(), q))
        })
        .unwrap_or_else(|| fallback.to_string())
}

/// Ends a form post: runs `f`, then redirects with the flash that tells the visitor how it went.
/// `form_id` and `values` let the form be shown again with what was typed (passwords are never
/// kept). `fallback` is where "back" goes when the browser sent no Referer.
pub async fn finish<F, Fut>(
    form_id: &str,
    values: &[(&str, String)],
    fallback: &str,
    f: F,
) -> Result<(), ServerFnError>
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = Result<Done, Fail>>,
{
    let cx = match ctx().await {
        Ok(c) => c,
        Err(AppError::Unavailable(cause)) => {
            unavailable(&cause);
            return Ok(());
        }
        Err(e) => {
            tracing::error!(error = %e, "server function without context");
            return Err(ServerFnError::new("unavailable"));
        }
    };
    let session = cx.session.clone();
    let form = || FormState {
        id: form_id.to_string(),
        values: values
            .iter()
            .filter(|(k, _)| !k.contains("password"))
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect::<HashMap<_, _>>(),
        errors: HashMap::new(),
    };
    let (to, flash) = match f(cx).await {
        Ok(done) => (done.to, done.flash),
        Err(Fail::Invalid(errs)) => {
            let mut state = form();
            for (field, key) in errs {
                state
                    .errors
                    .entry(field.to_string())
                    .or_insert_with(|| key.to_string());
            }
            let mut fl = Flash::error("err.form_has_errors");
            fl.form = Some(state);
            (back(fallback), Some(fl))
        }
        Err(Fail::Msg(key)) => {
            let mut fl = Flash::error(key);
            fl.form = Some(form());
            (back(fallback), Some(fl))
        }
        Err(Fail::App(AppError::Unauthorized)) => (
            "/login".to_string(),
            Some(Flash::error("err.sign_in_first")),
        ),
        Err(Fail::App(AppError::Forbidden)) => {
            (back(fallback), Some(Flash::error("error.403.text")))
        }
        Err(Fail::App(AppError::NotFound)) => {
            (back(fallback), Some(Flash::error("error.404.text")))
        }
        Err(Fail::App(AppError::Unavailable(cause))) => {
            unavailable(&cause);
            return Ok(());
        }
        Err(Fail::App(e)) => {
            let (_, text) = e.message_keys();
            e.into_response_log();
            let mut fl = Flash::error(text);
            fl.form = Some(form());
            (back(fallback), Some(fl))
        }
    };
    if let Some(fl) = flash {
        if let Err(e) = session.insert(SESSION_FLASH, fl).await {
            tracing::warn!(error = %e, "flash not stored");
        }
    }
    leptos_axum::redirect(&to);
    Ok(())
}

/// The database is away: nothing was saved, and the visitor gets the 503 page (the server
/// function layer renders it) rather than a redirect whose message could not be kept in the
/// session, which lives in the same database.
fn unavailable(cause: &str) {
    tracing::warn!(%cause, "database unavailable in a form post");
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(axum::http::StatusCode::SERVICE_UNAVAILABLE);
    }
}

impl AppError {
    /// Logs an internal cause the way the HTTP edge does.
    fn into_response_log(self) {
        if let AppError::Internal(cause) = &self {
            tracing::error!(%cause, "internal error in a form post");
        }
    }
}
