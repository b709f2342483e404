//! Staff accounts of one's subtree: list, create, edit, reset password.

use super::admin_units::unit_options;
use super::{path_id, PageResult};
use crate::components::form::{checkbox, hidden, input, select};
use crate::components::layout::{fmt_time, page_head};
use crate::ctx::Ctx;
use crate::db::{accounts, units};
use crate::domain::{Permission, Role, UnitPath};
use crate::i18n::{t, tf};
use leptos::prelude::*;

fn role_options() -> Vec<(String, String)> {
    Role::ALL
        .iter()
        .map(|r| (r.as_str().to_string(), t(r.label_key())))
        .collect()
}

pub async fn list(ctx: Ctx) -> PageResult {
    let user = ctx.require(Permission::ManageAccounts, None)?.clone();
    let list = accounts::in_subtree(ctx.db(), user.scope.as_str()).await?;
    Ok(ctx.render(&ctx.lang.t("accounts.title"), move || view! {
        {page_head(t("accounts.title"), Some(tf("accounts.count", &[("n", &list.len().to_string())])))}
        <div class="page-actions"><a class="btn btn-primary" href="/admin/accounts/new">{t("accounts.new")}</a></div>
        <div class="table-wrap" tabindex="0" role="region" aria-label=t("accounts.title")><table class="data">
            <thead><tr><th>{t("account.username")}</th><th>{t("account.full_name")}</th><th>{t("account.role")}</th><th>{t("account.unit")}</th><th>{t("account.status")}</th><th>{t("account.last_login")}</th></tr></thead>
            <tbody>{list.into_iter().map(|a| view! {
                <tr class=if a.active { "" } else { "row-muted" }>
                    <td><a href=format!("/admin/accounts/{}", a.id)>{a.username.clone()}</a></td>
                    <td>{a.full_name.clone()}</td><td>{t(a.role().label_key())}</td><td>{a.unit_name.clone()}</td>
                    <td>{if a.active { t("account.active") } else { t("account.locked") }}</td>
                    <td class="nowrap">{a.last_login_at.map(fmt_time).unwrap_or_else(|| "—".into())}</td>
                </tr>
            }).collect_view()}</tbody>
        </table></div>
    }))
}

pub async fn new_form(ctx: Ctx) -> PageResult {
    let user = ctx.require(Permission::ManageAccounts, None)?.clone();
    let scope_units = units::subtree(ctx.db(), user.scope.as_str()).await?;
    let unit = ctx.q("unit");
    let f = ctx.form("account");
    Ok(ctx.render(&ctx.lang.t("accounts.new"), move || view! {
        {page_head(t("accounts.new"), Some(t("accounts.new_lead")))}
        <section class="card">
            <form class="form" method="post" action="/api/accounts/create">
                <div class="field-row">
                    {input(&f, "username", "account.username", "text", "", true, Some(t("account.username_hint")))}
                    {input(&f, "full_name", "account.full_name", "text", "", true, None)}
                </div>
                {input(&f, "email", "account.email", "email", "", false, None)}
                <div class="field-row">
                    {select(&f, "role", "account.role", role_options(), "official", true)}
                    {select(&f, "unit_id", "account.unit", unit_options(&scope_units, true), &unit, true)}
                </div>
                {input(&f, "password", "account.initial_password", "password", "", true, Some(t("account.password_hint")))}
                <div class="actions"><button class="btn btn-primary" type="submit">{t("accounts.create")}</button></div>
            </form>
        </section>
    }))
}

pub async fn show(ctx: Ctx, axum::extract::Path(id): axum::extract::Path<String>) -> PageResult {
    ctx.user()?;
    let a = accounts::get(ctx.db(), path_id(&id)?).await?;
    let path = UnitPath::parse(&a.unit_path).unwrap_or_else(|| UnitPath::root(a.unit_id));
    let user = ctx
        .require(Permission::ManageAccounts, Some(&path))?
        .clone();
    let scope_units = units::subtree(ctx.db(), user.scope.as_str()).await?;
    let f = ctx.form("account_edit");
    let fp = ctx.form("account_password");
    Ok(ctx.render(&a.username.clone(), move || view! {
        {page_head(a.full_name.clone(), Some(format!("{} · {}", a.username, a.unit_name)))}
        <section class="card">
            <h2>{t("account.edit")}</h2>
            <form class="form" method="post" action="/api/accounts/update">
                {hidden("id", a.id.to_string())}
                {input(&f, "full_name", "account.full_name", "text", &a.full_name, true, None)}
                {input(&f, "email", "account.email", "email", &a.email, false, None)}
                <div class="field-row">
                    {select(&f, "role", "account.role", role_options(), &a.role, true)}
                    {select(&f, "unit_id", "account.unit", unit_options(&scope_units, false), &a.unit_id.to_string(), true)}
                </div>
                {checkbox(&f, "active", "account.active_label", a.active)}
                <div class="actions"><button class="btn btn-primary" type="submit">{t("form.save")}</button></div>
            </form>
        </section>
        <section class="card">
            <h2>{t("account.reset_password")}</h2>
            <form class="form" method="post" action="/api/accounts/reset-password">
                {hidden("id", a.id.to_string())}
                {input(&fp, "new_password", "account.new_password", "password", "", true, Some(t("account.password_hint")))}
                <div class="actions"><button class="btn btn-danger" type="submit">{t("account.reset_submit")}</button></div>
            </form>
        </section>
    }))
}
