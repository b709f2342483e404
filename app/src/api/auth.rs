//! Sign in, sign out, change one's own password.

use super::{finish, Done, Errors, Fail};
use crate::ctx::{safe_local_path, Flash, SESSION_USER};
use crate::db::{accounts, throttle};
use crate::domain::validate::NewPassword;
use leptos::prelude::*;

/// Failed sign-ins allowed per username in [`LOGIN_WINDOW_MINUTES`] before it is refused.
pub const LOGIN_FAILURES_PER_USER: i64 = 5;
/// Failed sign-ins allowed per client address (many usernames tried from one place).
pub const LOGIN_FAILURES_PER_ADDRESS: i64 = 30;
pub const LOGIN_WINDOW_MINUTES: i64 = 15;

/// Signs a staff member in. The session id is renewed at sign-in (no session fixation).
#[server(endpoint = "login")]
pub async fn login(
    username: String,
    password: String,
    next: Option<String>,
) -> Result<(), ServerFnError> {
    finish(
        "login",
        &[("username", username.clone())],
        "/login",
        |cx| async move {
            let username = username.trim().to_lowercase();
            if username.is_empty() || password.is_empty() {
                return Err(Fail::Msg("err.login_missing"));
            }
            // Failed sign-ins are counted per username and per client address in the database
            // (every instance sees them); past the limit the password is not even checked.
            let ip = use_context::<axum::http::request::Parts>()
                .map(|p| {
                    crate::middleware::client_ip(
                        &p.headers,
                        &p.extensions,
                        cx.state.config.trust_proxy,
                    )
                })
                .unwrap_or_default();
            let window = chrono::Duration::minutes(LOGIN_WINDOW_MINUTES);
            // No account name is longer than 64 characters: an over-long one is keyed by its
            // start, so a crafted name cannot grow the counters' table.
            let user_key = format!(
                "login:user:{}",
                username.chars().take(64).collect::<String>()
            );
            let ip_key = format!("login:ip:{ip}");
            let (by_user, _) = throttle::count(cx.db(), &user_key, window).await?;
            let (by_ip, _) = throttle::count(cx.db(), &ip_key, window).await?;
            if by_user >= LOGIN_FAILURES_PER_USER || by_ip >= LOGIN_FAILURES_PER_ADDRESS {
                tracing::warn!("sign-in throttled");
                return Err(Fail::Msg("err.login_throttled"));
            }
            let Some(account) = accounts::authenticate(cx.db(), &username, &password).await? else {
                throttle::hit(cx.db(), &user_key, window).await?;
                throttle::hit(cx.db(), &ip_key, window).await?;
                tracing::info!("sign-in refused");
                return Err(Fail::Msg("err.login_wrong"));
            };
            throttle::clear(cx.db(), &user_key).await?;
            cx.session
                .cycle_id()
                .await
                .map_err(|e| Fail::App(crate::error::AppError::Internal(e.to_string())))?;
            cx.session
                .insert(SESSION_USER, account.id)
                .await
                .map_err(|e| Fail::App(crate::error::AppError::Internal(e.to_string())))?;
            let mut tx = cx.db().begin().await?;
            crate::db::audit::record(
                &mut tx,
                Some(account.id),
                "account.sign_in",
                "account",
                Some(account.id),
                "",
            )
            .await?;
            tx.commit().await?;
            let to = next
                .as_deref()
                .and_then(safe_local_path)
                .filter(|p| !p.starts_with("/login"))
                .unwrap_or_else(|| "/staff".into());
            Ok(Done::to(to).with(Flash::ok("flash.signed_in").arg("name", account.full_name)))
        },
    )
    .await
}

/// Signs out: the session is deleted from the store.
#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), ServerFnError> {
    finish("logout", &[], "/", |cx| async move {
        cx.session
            .flush()
            .await
            .map_err(|e| Fail::App(crate::error::AppError::Internal(e.to_string())))?;
        Ok(Done::to("/login").with(Flash::ok("flash.signed_out")))
    })
    .await
}

/// Changes the signed-in account's own password (the current one is asked again).
#[server(endpoint = "account/password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    confirm_password: String,
) -> Result<(), ServerFnError> {
    finish("password", &[], "/account", |cx| async move {
        let user = cx.user()?.clone();
        let mut errs = Errors::default();
        let new = errs.take("new_password", NewPassword::parse(&new_password).map(Some));
        if new_password != confirm_password {
            errs.add("confirm_password", "err.password_mismatch");
        }
        if !accounts::check_password(cx.db(), user.id, &current_password).await? {
            errs.add("current_password", "err.password_current");
        }
        errs.check()?;
        let Some(new) = new else {
            return Err(Fail::Msg("err.form_has_errors"));
        };
        let mut tx = cx.db().begin().await?;
        accounts::set_password(&mut tx, Some(user.id), user.id, new.as_str()).await?;
        tx.commit().await?;
        Ok(Done::to("/account").with(Flash::ok("flash.password_changed")))
    })
    .await
}
