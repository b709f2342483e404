//! Staff accounts: create, edit (role, unit, active), reset a password.

use super::{finish, Done, Errors, Fail};
use crate::ctx::Flash;
use crate::db::{accounts, units};
use crate::domain::validate::{self, NewPassword, Username};
use crate::domain::{Permission, Role};
use leptos::prelude::*;

/// Creates a staff account in a unit of the admin's subtree.
#[server(endpoint = "accounts/create")]
pub async fn create_account(
    username: String,
    full_name: String,
    email: String,
    role: String,
    unit_id: String,
    password: String,
) -> Result<(), ServerFnError> {
    let values = [
        ("username", username.clone()),
        ("full_name", full_name.clone()),
        ("email", email.clone()),
        ("role", role.clone()),
        ("unit_id", unit_id.clone()),
    ];
    finish("account", &values, "/admin/accounts/new", |cx| async move {
        let mut errs = Errors::default();
        let uname = errs.take("username", Username::parse(&username).map(Some));
        let full_name = errs.take("full_name", validate::required_text(&full_name, 120));
        let email = errs.take("email", validate::optional_text(&email, 200));
        let role = errs.take("role", Role::parse(&role).map(Some).ok_or("err.choose"));
        let uid = errs.take("unit_id", validate::pick_id(&unit_id));
        let pw = errs.take(
            "password",
            NewPassword::parse(&password, &[&username, &full_name]).map(Some),
        );
        errs.check()?;
        let (Some(uname), Some(role), Some(pw)) = (uname, role, pw) else {
            return Err(Fail::Msg("err.form_has_errors"));
        };
        let unit = units::get(cx.db(), uid).await?;
        let actor = cx
            .require(Permission::ManageAccounts, Some(&unit.unit_path()))?
            .clone();
        let mut tx = cx.db().begin().await?;
        let new = accounts::NewAccount {
            username: uname.as_str(),
            full_name: &full_name,
            email: &email,
            password: pw.as_str(),
            role,
            unit_id: uid,
        };
        let id = match accounts::create(&mut tx, Some(actor.id), &new).await {
            Ok(id) => id,
            Err(e) if e.is_unique_violation() => {
                return Err(Fail::Invalid(vec![("username", "err.username_taken")]))
            }
            Err(e) => return Err(e.into()),
        };
        tx.commit().await?;
        Ok(Done::to(format!("/admin/accounts/{id}"))
            .with(Flash::ok("flash.account_created").arg("name", uname.as_str())))
    })
    .await
}

/// Changes an account's name, e-mail, role, unit and whether it may sign in. An admin cannot
/// take away their own admin role or lock themselves out.
#[server(endpoint = "accounts/update")]
pub async fn update_account(
    id: String,
    full_name: String,
    email: String,
    role: String,
    unit_id: String,
    active: Option<String>,
) -> Result<(), ServerFnError> {
    let values = [
        ("full_name", full_name.clone()),
        ("email", email.clone()),
        ("role", role.clone()),
        ("unit_id", unit_id.clone()),
        ("active", active.clone().unwrap_or_default()),
    ];
    finish(
        "account_edit",
        &values,
        "/admin/accounts",
        |cx| async move {
            let mut errs = Errors::default();
            let aid = errs.take("id", validate::pick_id(&id));
            let full_name = errs.take("full_name", validate::required_text(&full_name, 120));
            let email = errs.take("email", validate::optional_text(&email, 200));
            let role = errs.take("role", Role::parse(&role).map(Some).ok_or("err.choose"));
            let uid = errs.take("unit_id", validate::pick_id(&unit_id));
            errs.check()?;
            let Some(role) = role else {
                return Err(Fail::Msg("err.form_has_errors"));
            };
            let target = accounts::get(cx.db(), aid).await?;
            let old_path = crate::domain::UnitPath::parse(&target.unit_path)
                .ok_or(Fail::Msg("err.internal"))?;
            let actor = cx
                .require(Permission::ManageAccounts, Some(&old_path))?
                .clone();
            let unit = units::get(cx.db(), uid).await?;
            cx.require(Permission::ManageAccounts, Some(&unit.unit_path()))?;
            if actor.id == aid && (role != Role::Admin || active.is_none()) {
                return Err(Fail::Msg("err.self_lockout"));
            }
            let mut tx = cx.db().begin().await?;
            accounts::update(
                &mut tx,
                Some(actor.id),
                aid,
                &full_name,
                &email,
                role,
                uid,
                active.is_some(),
            )
            .await?;
            tx.commit().await?;
            Ok(Done::to(format!("/admin/accounts/{aid}"))
                .with(Flash::ok("flash.account_saved").arg("name", target.username)))
        },
    )
    .await
}

/// Sets a new password for an account (told to its owner in person).
#[server(endpoint = "accounts/reset-password")]
pub async fn reset_password(id: String, new_password: String) -> Result<(), ServerFnError> {
    finish(
        "account_password",
        &[],
        "/admin/accounts",
        |cx| async move {
            let aid = validate::pick_id(&id).map_err(Fail::Msg)?;
            let target = accounts::get(cx.db(), aid).await?;
            let path = crate::domain::UnitPath::parse(&target.unit_path)
                .ok_or(Fail::Msg("err.internal"))?;
            let actor = cx.require(Permission::ManageAccounts, Some(&path))?.clone();
            let mut errs = Errors::default();
            let pw = errs.take(
                "new_password",
                NewPassword::parse(&new_password, &[&target.username, &target.full_name]).map(Some),
            );
            errs.check()?;
            let Some(pw) = pw else {
                return Err(Fail::Msg("err.form_has_errors"));
            };
            // Every session of the account ends (the epoch moves on); an administrator who
            // resets their own password keeps this one.
            let mut tx = cx.db().begin().await?;
            let epoch = accounts::set_password(&mut tx, Some(actor.id), aid, pw.as_str()).await?;
            tx.commit().await?;
            if actor.id == aid {
                crate::ctx::keep_signed_in(&cx.session, epoch).await?;
            }
            Ok(Done::to(format!("/admin/accounts/{aid}"))
                .with(Flash::ok("flash.password_reset").arg("name", target.username)))
        },
    )
    .await
}
