//! The request context every page and server function starts from: who is signed in, the
//! visitor's language and display preferences (kept in cookies, so they work without
//! JavaScript), the one-time flash message, and the renderer of the page shell.

use crate::components::layout::{shell, NavItem, ShellInfo};
pub use crate::components::state::{Flash, FlashKind, FormState, FormView, Prefs};
use crate::db::accounts;
use crate::domain::{access, Permission, Role, UnitPath};
use crate::error::AppError;
use crate::i18n::{self, Lang};
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use leptos::prelude::*;
use std::collections::HashMap;
use tower_sessions::Session;

/// Session key of the signed-in account id.
pub const SESSION_USER: &str = "uid";
/// Session key of the flash message shown on the next page.
pub const SESSION_FLASH: &str = "flash";
/// Session key of the account's session epoch at sign-in: a password change or reset moves the
/// account's epoch on, and every session signed in with an older one is signed out.
pub const SESSION_EPOCH: &str = "epoch";
/// Session key of when (Unix minutes) a signed-in session was last renewed.
pub const SESSION_SEEN: &str = "seen";
/// How often a signed-in session is written back to renew its inactivity expiry (8 hours):
/// not on every page, so that reading pages does not write to the database.
const RENEW_EVERY_MINUTES: i64 = 5;

/// The signed-in staff member.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub role: Role,
    pub unit_id: i64,
    pub unit_name: String,
    pub scope: UnitPath,
}

impl CurrentUser {
    /// The one place where role and unit scope are checked.
    pub fn can(&self, perm: Permission, target: Option<&UnitPath>) -> bool {
        access::can(self.role, &self.scope, perm, target)
    }
}

/// The context of one request.
#[derive(Clone)]
pub struct Ctx {
    pub state: AppState,
    pub session: Session,
    pub lang: Lang,
    pub prefs: Prefs,
    pub user: Option<CurrentUser>,
    pub flash: Option<Flash>,
    /// Path and query of this request, for "back" links and preference switches.
    pub path_and_query: String,
    pub path: String,
    pub query: HashMap<String, String>,
    /// This browser is a registered kiosk (a public device): pages keep the kiosk layout.
    pub kiosk: bool,
}

/// The cookie that holds a kiosk's registration token.
pub const KIOSK_COOKIE: &str = "kiosk";

/// The kiosk's registration token from its cookie (64 hex digits), if the browser holds one.
pub fn kiosk_token(headers: &HeaderMap) -> Option<String> {
    cookie(headers, KIOSK_COOKIE)
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_string)
}

/// The value of cookie `name` in the request headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The visitor's language: the `lang` cookie, else Vietnamese (the default of every screen).
pub fn lang_of(headers: &HeaderMap) -> Lang {
    cookie(headers, "lang")
        .and_then(Lang::parse)
        .unwrap_or_default()
}

pub fn prefs_of(headers: &HeaderMap) -> Prefs {
    Prefs {
        font: cookie(headers, "fs")
            .and_then(|v| v.parse::<u8>().ok())
            .filter(|v| *v <= 3)
            .unwrap_or(1),
        contrast: cookie(headers, "hc") == Some("1"),
    }
}

/// Parses a query string into a map (last value wins).
pub fn parse_query(q: Option<&str>) -> HashMap<String, String> {
    q.map(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .into_owned()
            .collect()
    })
    .unwrap_or_default()
}

impl Ctx {
    /// Builds the context from request parts (in handlers and in server functions).
    pub async fn from_parts(parts: &Parts, state: &AppState) -> Result<Ctx, AppError> {
        let session = parts
            .extensions
            .get::<Session>()
            .cloned()
            .ok_or_else(|| AppError::Internal("session layer missing".into()))?;
        let lang = lang_of(&parts.headers);
        let prefs = prefs_of(&parts.headers);
        let user = load_user(&session, state).await?;
        // Removing marks the session as changed (a write when the response leaves): only
        // when there is a flash to show.
        let mut flash: Option<Flash> = match session.get_value(SESSION_FLASH).await {
            Ok(Some(_)) => session.remove(SESSION_FLASH).await.ok().flatten(),
            _ => None,
        };
        let query = parse_query(parts.uri.query());
        // A kiosk token that names no kiosk (removed) gives the ordinary site back; when the
        // lookup fails the browser is taken for the public device its cookie says it is.
        let kiosk = match kiosk_token(&parts.headers) {
            Some(tok) => state
                .kiosk_by_token(&tok)
                .await
                .map_or(true, |k| k.is_some()),
            None => false,
        };
        if flash.is_none() && query.contains_key("__err") {
            flash = Some(Flash::error("err.bad_request"));
        }
        Ok(Ctx {
            state: state.clone(),
            session,
            lang,
            prefs,
            user,
            flash,
            path_and_query: parts
                .uri
                .path_and_query()
                .map(|p| p.as_str().to_string())
                .unwrap_or_else(|| "/".into()),
            path: parts.uri.path().to_string(),
            query,
            kiosk,
        })
    }

    pub fn db(&self) -> &crate::db::Db {
        &self.state.db
    }

    /// The signed-in user, or `Unauthorized` (pages answer that with a redirect to sign-in).
    pub fn user(&self) -> Result<&CurrentUser, AppError> {
        self.user.as_ref().ok_or(AppError::Unauthorized)
    }

    /// The signed-in user if they may do `perm` on `target`; else `Unauthorized` or `Forbidden`.
    pub fn require(
        &self,
        perm: Permission,
        target: Option<&UnitPath>,
    ) -> Result<&CurrentUser, AppError> {
        let u = self.user()?;
        if u.can(perm, target) {
            Ok(u)
        } else {
            tracing::info!(account = u.id, ?perm, "refused");
            Err(AppError::Forbidden)
        }
    }

    /// The state of form `id` if the flash carries it back.
    pub fn form(&self, id: &str) -> FormView {
        FormView {
            state: self
                .flash
                .as_ref()
                .and_then(|f| f.form.clone())
                .filter(|s| s.id == id),
        }
    }

    /// A query parameter, trimmed ("" when absent).
    pub fn q(&self, name: &str) -> String {
        self.query
            .get(name)
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    }

    /// Renders a full page: the shell (header, navigation, preferences) around `body`.
    pub fn render<V: IntoView + 'static>(&self, title: &str, body: impl FnOnce() -> V) -> Response {
        self.render_status(StatusCode::OK, title, body)
    }

    pub fn render_status<V: IntoView + 'static>(
        &self,
        status: StatusCode,
        title: &str,
        body: impl FnOnce() -> V,
    ) -> Response {
        let info = shell_info(self, title);
        let html = render_html(self.lang, move || shell(info, body()));
        (status, Html(html)).into_response()
    }
}

/// Renders a view to a complete HTML document in `lang`.
pub fn render_html<V: IntoView + 'static>(lang: Lang, f: impl FnOnce() -> V) -> String {
    let owner = Owner::new();
    let body = i18n::with_lang(lang, || owner.with(|| f().to_html()));
    let mut html = String::with_capacity(body.len() + 16);
    html.push_str("<!DOCTYPE html>");
    html.push_str(&body);
    html
}

async fn load_user(session: &Session, state: &AppState) -> Result<Option<CurrentUser>, AppError> {
    let uid = match session.get::<i64>(SESSION_USER).await {
        Ok(Some(uid)) => uid,
        Ok(None) => return Ok(None),
        // The session could not be read from the database: the visitor may well be signed in,
        // so this is the database being away (503), not a reason to ask them to sign in again.
        Err(tower_sessions::session::Error::Store(e)) => {
            return Err(AppError::Unavailable(format!("session store: {e}")))
        }
        Err(_) => return Ok(None),
    };
    let epoch = session
        .get::<i64>(SESSION_EPOCH)
        .await
        .ok()
        .flatten()
        .unwrap_or(0);
    match accounts::get(&state.db, uid).await {
        Ok(a) if a.active && a.session_epoch == epoch => {
            let now = chrono::Utc::now().timestamp() / 60;
            let seen = session.get::<i64>(SESSION_SEEN).await.ok().flatten();
            if seen.is_none_or(|s| now - s >= RENEW_EVERY_MINUTES) {
                if let Err(e) = session.insert(SESSION_SEEN, now).await {
                    tracing::warn!(error = %e, "session not renewed");
                }
            }
            Ok(Some(CurrentUser {
                id: a.id,
                role: a.role(),
                scope: UnitPath::parse(&a.unit_path).unwrap_or_else(|| UnitPath::root(a.unit_id)),
                username: a.username,
                full_name: a.full_name,
                unit_id: a.unit_id,
                unit_name: a.unit_name,
            }))
        }
        Ok(_) | Err(crate::db::DbError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Marks `session` as signed in with the account's current session `epoch` (after sign-in, or
/// after one's own password change, which ends every other session).
pub async fn keep_signed_in(session: &Session, epoch: i64) -> Result<(), AppError> {
    session
        .insert(SESSION_EPOCH, epoch)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx
where
    AppState: axum::extract::FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = <AppState as axum::extract::FromRef<S>>::from_ref(state);
        Ctx::from_parts(parts, &state).await
    }
}

fn nav_for(ctx: &Ctx) -> Vec<NavItem> {
    let mut items: Vec<(String, &str)> = vec![
        ("/".into(), "nav.home"),
        ("/procedures".into(), "nav.procedures"),
    ];
    if let Some(u) = &ctx.user {
        items.push(("/staff".into(), "nav.staff"));
        // Officials see their own unit; leaders and admins the tree of their subtree.
        if u.role == Role::Official {
            items.push((format!("/admin/units/{}", u.unit_id), "nav.my_unit"));
        } else {
            items.push(("/admin/units".into(), "nav.units"));
        }
        items.push(("/ratings".into(), "nav.ratings"));
        if u.can(Permission::ViewRatings, None) {
            items.push(("/dashboard".into(), "nav.dashboard"));
            items.push(("/indices".into(), "nav.indices"));
        }
        if u.can(Permission::HandleFeedback, None) {
            items.push(("/feedback/cases".into(), "nav.feedback"));
        }
        if u.can(Permission::ManageSessions, None) {
            items.push(("/sessions/manage".into(), "nav.sessions"));
        }
        if u.can(Permission::ManageCatalogue, None) {
            items.push(("/admin/procedures".into(), "nav.catalogue"));
        }
        if u.can(Permission::ManageKiosks, None) {
            items.push(("/admin/kiosks".into(), "nav.kiosks"));
        }
        if u.can(Permission::ManageAccounts, None) {
            items.push(("/admin/accounts".into(), "nav.accounts"));
        }
        if u.can(Permission::ManageCalendar, None) {
            items.push(("/admin/calendar".into(), "nav.calendar"));
        }
        if u.can(Permission::ManageNotifications, None) {
            items.push(("/admin/notifications".into(), "nav.notifications"));
        }
        if u.can(Permission::ViewAudit, None) {
            items.push(("/admin/audit".into(), "nav.audit"));
        }
    } else {
        items.push(("/feedback/new".into(), "nav.feedback_new"));
        items.push(("/feedback/track".into(), "nav.feedback_track"));
        items.push(("/sessions".into(), "nav.sessions_public"));
        items.push(("/transparency".into(), "nav.transparency"));
    }
    // The current item is the longest href the path starts with.
    let path = ctx.path.as_str();
    let matches = |h: &str| {
        if h == "/" {
            path == "/"
        } else {
            path == h || path.starts_with(&format!("{h}/"))
        }
    };
    let best = items
        .iter()
        .filter(|(h, _)| matches(h))
        .max_by_key(|(h, _)| h.len())
        .map(|(h, _)| h.clone());
    items
        .into_iter()
        .map(|(href, key)| NavItem {
            current: best.as_deref() == Some(href.as_str()),
            label: i18n::t(key),
            href,
        })
        .collect()
}

/// Everything the shell shows of this request.
pub fn shell_info(ctx: &Ctx, title: &str) -> ShellInfo {
    ShellInfo {
        title: title.to_string(),
        lang: ctx.lang,
        prefs: ctx.prefs,
        user: ctx
            .user
            .as_ref()
            .map(|u| (u.full_name.clone(), u.role, u.unit_name.clone())),
        nav: crate::i18n::with_lang(ctx.lang, || nav_for(ctx)),
        flash: ctx.flash.clone(),
        here: ctx.path_and_query.clone(),
        kiosk: ctx.kiosk,
    }
}

/// Session key: the cases this browser has shown it may follow (by code and phone or e-mail).
pub const SESSION_CASES: &str = "fb_cases";

/// Remembers that this browser may see case `id` (at most the last 20).
pub async fn grant_case(cx: &Ctx, id: i64) {
    let mut ids: Vec<i64> = cx
        .session
        .get(SESSION_CASES)
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    ids.retain(|x| *x != id);
    ids.push(id);
    if ids.len() > 20 {
        ids.remove(0);
    }
    if let Err(e) = cx.session.insert(SESSION_CASES, ids).await {
        tracing::warn!(error = %e, "case access not stored");
    }
}

/// Whether this browser has shown it may see case `id`.
pub async fn case_granted(cx: &Ctx, id: i64) -> bool {
    cx.session
        .get::<Vec<i64>>(SESSION_CASES)
        .await
        .ok()
        .flatten()
        .is_some_and(|ids| ids.contains(&id))
}

/// Only a path on this site may be a redirect target (no open redirects). The candidate is
/// read the way a browser reads a `Location` (the WHATWG URL parser of the `url` crate, which
/// drops tabs and newlines and takes `\` for `/`) against a placeholder origin, and refused
/// unless it stays on that origin; what comes back is the parsed path and query, re-encoded,
/// never the raw text. Refused outright: anything not starting with one `/`, any control or
/// white-space character, any backslash (decoded once already by the query parser, so
/// `/%09/host` arrives here as `/<tab>/host`).
pub fn safe_local_path(p: &str) -> Option<String> {
    if !p.starts_with('/')
        || p.starts_with("//")
        || p.chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    {
        return None;
    }
    let base = url::Url::parse("http://local.invalid/").ok()?;
    let u = base.join(p).ok()?;
    if u.origin() != base.origin() || u.username() != "" || u.password().is_some() {
        return None;
    }
    let path = u.path();
    // A path the parser made into `//…` (from `/./`-tricks) would be protocol-relative again.
    if path.starts_with("//") {
        return None;
    }
    Some(match u.query() {
        Some(q) => format!("{path}?{q}"),
        None => path.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_redirect_targets() {
        assert_eq!(
            safe_local_path("/admin/units?x=1").as_deref(),
            Some("/admin/units?x=1")
        );
        assert_eq!(safe_local_path("//evil.example/"), None);
        assert_eq!(safe_local_path("https://evil.example/"), None);
        assert_eq!(safe_local_path("/\\evil"), None);
    }

    #[test]
    fn no_spelling_of_another_host_is_a_redirect_target() {
        // As the query parser hands them over (decoded once).
        for bad in [
            "//evil.example",
            "///evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "\\/evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "\t//evil.example",
            " //evil.example",
            "https:evil.example",
            "https://evil.example",
            "javascript:alert(1)",
            "//\u{3000}evil.example",
            "/\u{3000}/evil.example",
            "/\u{a0}/evil.example",
            "/\u{2028}/evil.example",
            "//evil.example@local.invalid",
            "",
            "evil.example",
        ] {
            assert_eq!(safe_local_path(bad), None, "{bad:?}");
        }
        // Harmless on this site: a percent-encoded or Unicode slash stays in the path.
        for (ok, want) in [
            ("/%2F%2Fevil.example", "/%2F%2Fevil.example"),
            ("/%09/evil.example", "/%09/evil.example"),
            ("/\u{ff0f}evil.example", "/%EF%BC%8Fevil.example"),
            ("/\u{2215}evil.example", "/%E2%88%95evil.example"),
            ("/a/../b?x=1&y=đ", "/b?x=1&y=%C4%91"),
            (
                "/feedback/track?code=PA26000102",
                "/feedback/track?code=PA26000102",
            ),
            ("/.//evil.example", "/.//evil.example"),
        ] {
            let got = safe_local_path(ok);
            // Whatever is given back, a browser resolves it on this site.
            if let Some(g) = &got {
                let base = url::Url::parse("http://local.invalid/").unwrap();
                assert_eq!(
                    base.join(g).unwrap().host_str(),
                    Some("local.invalid"),
                    "{ok:?}"
                );
            }
            if want != "/.//evil.example" {
                assert_eq!(got.as_deref(), Some(want), "{ok:?}");
            }
        }
    }

    #[test]
    fn prefs_come_from_cookies() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "lang=en; fs=3; hc=1".parse().unwrap());
        assert_eq!(lang_of(&h), Lang::En);
        assert_eq!(
            prefs_of(&h),
            Prefs {
                font: 3,
                contrast: true
            }
        );
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "fs=9; lang=fr".parse().unwrap());
        assert_eq!(lang_of(&h), Lang::Vi);
        assert_eq!(prefs_of(&h), Prefs::default());
    }
}
