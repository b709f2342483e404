//! Sign in, sign out, change one's own password.

use super::{finish, Done, Errors, Fail};
use crate::ctx::{safe_local_path, Flash, SESSION_USER};
use crate::db::accounts;
use crate::domain::validate::NewPassword;
use leptos::prelude::*;

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
            let Some(account) = accounts::authenticate(cx.db(), &username, &password).await? else {
                tracing::info!("sign-in refused");
                return Err(Fail::Msg("err.login_wrong"));
            };
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
