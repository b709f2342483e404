//! The sign-in page and the account page (change one's own password).

use super::PageResult;
use crate::components::form::{hidden, input};
use crate::components::layout::page_head;
use crate::ctx::Ctx;
use crate::i18n::t;
use axum::response::{IntoResponse, Redirect};
use leptos::prelude::*;

pub async fn login_page(ctx: Ctx) -> PageResult {
    if ctx.user.is_some() {
        return Ok(Redirect::to("/staff").into_response());
    }
    let f = ctx.form("login");
    let next = crate::ctx::safe_local_path(&ctx.q("next")).unwrap_or_default();
    Ok(ctx.render(&ctx.lang.t("login.title"), move || {
        view! {
            {page_head(t("login.title"), Some(t("login.lead")))}
            <section class="card narrow">
                <form class="form" method="post" action="/api/login">
                    {hidden("next", next)}
                    {input(&f, "username", "login.username", "text", "", true, None)}
                    {input(&f, "password", "login.password", "password", "", true, None)}
                    <div class="actions">
                        <button class="btn btn-primary" type="submit">{t("login.submit")}</button>
                    </div>
                </form>
            </section>
        }
    }))
}

pub async fn account_page(ctx: Ctx) -> PageResult {
    let user = ctx.user()?.clone();
    let f = ctx.form("password");
    let leader = user.can(crate::domain::Permission::ViewRatings, None);
    let sub = if leader {
        crate::db::insight::subscription(ctx.db(), user.id)
            .await?
            .map(|(f, _)| f)
            .unwrap_or_default()
    } else {
        String::new()
    };
    Ok(ctx.render(&ctx.lang.t("account.title"), move || {
        view! {
            {page_head(t("account.title"), None)}
            <section class="card">
                <dl class="facts">
                    <dt>{t("account.username")}</dt><dd>{user.username.clone()}</dd>
                    <dt>{t("account.full_name")}</dt><dd>{user.full_name.clone()}</dd>
                    <dt>{t("account.role")}</dt><dd>{t(user.role.label_key())}</dd>
                    <dt>{t("account.unit")}</dt><dd>{user.unit_name.clone()}</dd>
                </dl>
            </section>
            <section class="card">
                <h2>{t("account.change_password")}</h2>
                <form class="form" method="post" action="/api/account/password">
                    {input(&f, "current_password", "account.current_password", "password", "", true, None)}
                    {input(&f, "new_password", "account.new_password", "password", "", true, Some(t("account.password_hint")))}
                    {input(&f, "confirm_password", "account.confirm_password", "password", "", true, None)}
                    <div class="actions"><button class="btn btn-primary" type="submit">{t("account.save_password")}</button></div>
                </form>
            </section>
            {leader.then(|| report_subscription(&sub))}
        }
    }))
}

/// A leader's subscription to the report of their subtree by e-mail.
fn report_subscription(current: &str) -> impl IntoView {
    let choices = [
        ("", "report.sub_none"),
        ("month", "report.sub_month"),
        ("quarter", "report.sub_quarter"),
    ];
    let current = current.to_string();
    view! {
        <section class="card" id="report">
            <h2>{t("report.sub_title")}</h2>
            <p class="small muted">{t("report.sub_hint")}</p>
            <form class="form" method="post" action="/api/reports/subscribe">
                <fieldset class="checks">
                    <legend>{t("report.sub_legend")}</legend>
                    {choices.into_iter().map(|(v, k)| {
                        let on = v == current;
                        view! { <label class="check"><input type="radio" name="frequency" value=v checked=on/>" "{t(k)}</label> }
                    }).collect_view()}
                </fieldset>
                <div class="actions"><button class="btn btn-primary" type="submit">{t("form.save")}</button></div>
            </form>
        </section>
    }
}
