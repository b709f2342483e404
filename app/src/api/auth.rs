//! Sign in, sign out, change one's own password.

use super::{finish, Done, Errors, Fail};
use crate::ctx::{safe_local_path, Flash, SESSION_USER};
use crate::db::{accounts, throttle};
use crate::domain::validate::NewPassword;
use leptos::prelude::*;

/// Failed sign-ins allowed for one username from one client address in
/// [`LOGIN_WINDOW_MINUTES`] (or, from an address the account signed in from before, in
/// [`KNOWN_ADDRESS_WINDOW_MINUTES`]). Counted first: one person's typing mistakes lock only
/// their own place, and only for a while.
pub const LOGIN_FAILURES_PER_PAIR: i64 = 5;
/// Failed sign-ins allowed for one username from all addresses the account never signed in
/// from (a guessing attack spread over many addresses). It never stops a known address.
pub const LOGIN_FAILURES_PER_USER: i64 = 20;
/// Failed sign-ins allowed from one client address over all usernames (one place trying many
/// accounts). It never stops an account at an address it is known at.
pub const LOGIN_FAILURES_PER_ADDRESS: i64 = 30;
pub const LOGIN_WINDOW_MINUTES: i64 = 15;
/// The short delay of a known address: five failures from it wait this long, not longer.
pub const KNOWN_ADDRESS_WINDOW_MINUTES: i64 = 1;

/// The attempt places a sign-in takes before its password is checked: (key, limit, window).
fn attempt_places(username: &str, address: &str, known: bool) -> Vec<(String, i64, i64)> {
    // No account name is longer than 64 characters: an over-long one is keyed by its start,
    // so a crafted name cannot grow the counters' table.
    let user: String = username.chars().take(64).collect();
    let pair = format!("login:pair:{user}:{address}");
    if known {
        return vec![(pair, LOGIN_FAILURES_PER_PAIR, KNOWN_ADDRESS_WINDOW_MINUTES)];
    }
    vec![
        (pair, LOGIN_FAILURES_PER_PAIR, LOGIN_WINDOW_MINUTES),
        (
            format!("login:user:{user}"),
            LOGIN_FAILURES_PER_USER,
            LOGIN_WINDOW_MINUTES,
        ),
        (
            format!("login:ip:{address}"),
            LOGIN_FAILURES_PER_ADDRESS,
            LOGIN_WINDOW_MINUTES,
        ),
    ]
}

/// Signs a staff member in. The session id is renewed at sign-in (no session fixation).
///
/// Each attempt first takes a place in the counters of its username + address pair, its
/// username and its address (see the limits above) with one conditional statement each, and
/// only then is the password checked: 25 attempts at once check at most 5 passwords. A right
/// password gives its places back; a wrong one keeps them until the window ends.
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
            let ip = use_context::<axum::http::request::Parts>()
                .map(|p| {
                    crate::middleware::client_ip(
                        &p.headers,
                        &p.extensions,
                        cx.state.config.trust_proxy,
                    )
                })
                .unwrap_or_default();
            let address = throttle::address_key(&ip);
            let known = accounts::is_known_address(cx.db(), &username, &address).await?;
            let places = attempt_places(&username, &address, known);
            let mut taken: Vec<&str> = Vec::new();
            for (key, limit, minutes) in &places {
                let window = chrono::Duration::minutes(*minutes);
                if throttle::reserve(cx.db(), key, *limit, window).await? {
                    taken.push(key);
                } else {
                    for k in &taken {
                        throttle::release(cx.db(), k).await?;
                    }
                    tracing::warn!(known, "sign-in throttled");
                    return Err(Fail::Msg(if known {
                        "err.login_throttled_short"
                    } else {
                        "err.login_throttled"
                    }));
                }
            }
            let Some(account) = accounts::authenticate(cx.db(), &username, &password).await? else {
                tracing::info!("sign-in refused");
                return Err(Fail::Msg("err.login_wrong"));
            };
            // Not a failure: the places go back, and this pair starts afresh.
            for (i, k) in taken.iter().enumerate() {
                if i == 0 {
                    throttle::clear(cx.db(), k).await?;
                } else {
                    throttle::release(cx.db(), k).await?;
                }
            }
            accounts::remember_address(cx.db(), account.id, &address).await?;
            cx.session
                .cycle_id()
                .await
                .map_err(|e| Fail::App(crate::error::AppError::Internal(e.to_string())))?;
            cx.session
                .insert(SESSION_USER, account.id)
                .await
                .map_err(|e| Fail::App(crate::error::AppError::Internal(e.to_string())))?;
            crate::ctx::keep_signed_in(&cx.session, account.session_epoch).await?;
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
        let new = errs.take(
            "new_password",
            NewPassword::parse(&new_password, &[&user.username, &user.full_name]).map(Some),
        );
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
        // Every other session of the account ends (the epoch moves on); this one is renewed
        // with a new id and the new epoch.
        let mut tx = cx.db().begin().await?;
        let epoch = accounts::set_password(&mut tx, Some(user.id), user.id, new.as_str()).await?;
        tx.commit().await?;
        cx.session
            .cycle_id()
            .await
            .map_err(|e| Fail::App(crate::error::AppError::Internal(e.to_string())))?;
        crate::ctx::keep_signed_in(&cx.session, epoch).await?;
        Ok(Done::to("/account").with(Flash::ok("flash.password_changed")))
    })
    .await
}
