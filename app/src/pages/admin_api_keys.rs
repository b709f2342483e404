//! API keys for the one-stop software: list, create (shown once), revoke.

use super::admin_units::unit_options;
use super::PageResult;
use crate::components::form::{hidden, input, select};
use crate::components::layout::{fmt_time, page_head};
use crate::ctx::Ctx;
use crate::db::{dossiers, units};
use crate::domain::Permission;
use crate::i18n::t;
use leptos::prelude::*;

pub async fn list(ctx: Ctx) -> PageResult {
    let user = ctx.require(Permission::ManageKiosks, None)?.clone();
    let keys = dossiers::keys_in(ctx.db(), user.scope.as_str()).await?;
    let scope_units = units::subtree(ctx.db(), user.scope.as_str()).await?;
    let new_key: Option<String> = ctx
        .flash
        .as_ref()
        .and_then(|f| f.extra.as_ref())
        .and_then(|v| v.get("key"))
        .and_then(|v| v.as_str())
        .map(str::to_string);
    let f = ctx.form("api_key");
    let base = ctx.state.config.base_url.clone();
    Ok(ctx.render(&ctx.lang.t("api_keys.title"), move || view! {
        {page_head(t("api_keys.title"), Some(t("api_keys.lead")))}
        {new_key.map(|k| view! {
            <section class="card">
                <h2>{t("api_keys.new_key")}</h2>
                <p>{t("api_keys.once")}</p>
                <div class="token-box">{k}</div>
            </section>
        })}
        <section class="card">
            <div class="table-wrap" tabindex="0" role="region" aria-label=t("api_keys.title")><table class="data">
                <thead><tr><th>{t("api_keys.name")}</th><th>{t("kiosk.unit")}</th><th>{t("api_keys.hint")}</th><th>{t("api_keys.last_used")}</th><th>{t("kiosk.status")}</th><th><span class="visually-hidden">{t("shell.actions")}</span></th></tr></thead>
                <tbody>{keys.into_iter().map(|k| view! {
                    <tr class=if k.active { "" } else { "row-muted" }>
                        <td>{k.name.clone()}</td><td>{k.unit_name.clone()}</td><td class="nowrap">{format!("…{}", k.key_hint)}</td>
                        <td class="nowrap">{k.last_used_at.map(fmt_time).unwrap_or_else(|| t("kiosk.never"))}</td>
                        <td>{if k.active { t("api_keys.active") } else { t("api_keys.revoked") }}</td>
                        <td>{k.active.then(|| view! {
                            <form class="inline" method="post" action="/api/api-keys/revoke">
                                {hidden("id", k.id.to_string())}
                                <button class="btn btn-small btn-danger" type="submit">{t("api_keys.revoke")}</button>
                            </form>
                        })}</td>
                    </tr>
                }).collect_view()}</tbody>
            </table></div>
        </section>
        <section class="card">
            <h2>{t("api_keys.create")}</h2>
            <form class="form" method="post" action="/api/api-keys/create">
                {input(&f, "name", "api_keys.name", "text", "", true, Some(t("api_keys.name_hint")))}
                {select(&f, "unit_id", "api_keys.scope", unit_options(&scope_units, true), &user.unit_id.to_string(), true)}
                <div class="actions"><button class="btn btn-primary" type="submit">{t("api_keys.create")}</button></div>
            </form>
            <p class="small">{t("api_keys.docs")} " " <a href="/api/v1/openapi.json">{format!("{base}/api/v1/openapi.json")}</a></p>
        </section>
    }))
}
