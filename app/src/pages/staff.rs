//! The staff workspace: where an official, leader or admin starts after signing in.

use super::PageResult;
use crate::components::layout::page_head;
use crate::ctx::Ctx;
use crate::db::{accounts, kiosks, units};
use crate::domain::Permission;
use crate::i18n::{t, tf};
use leptos::prelude::*;

pub async fn staff_home(ctx: Ctx) -> PageResult {
    let user = ctx.user()?.clone();
    let scope = user.scope.as_str().to_string();
    let n_units = units::subtree(ctx.db(), &scope).await?.len();
    let n_kiosks = kiosks::kiosks_in(ctx.db(), &scope).await?.len();
    let n_accounts = accounts::in_subtree(ctx.db(), &scope).await?.len();
    let own_unit = format!("/admin/units/{}", user.unit_id);
    let candidates: [(Permission, &str, &str, &str); 9] = [
        (
            Permission::ViewUnit,
            own_unit.as_str(),
            "staff.link_my_unit",
            "staff.link_my_unit_text",
        ),
        (
            Permission::ViewRatings,
            "/ratings",
            "staff.link_ratings",
            "staff.link_ratings_text",
        ),
        (
            Permission::ManageUnits,
            "/admin/units",
            "staff.link_units",
            "staff.link_units_text",
        ),
        (
            Permission::ManageCatalogue,
            "/admin/procedures",
            "staff.link_catalogue",
            "staff.link_catalogue_text",
        ),
        (
            Permission::ManageInstruments,
            "/admin/instruments",
            "staff.link_instruments",
            "staff.link_instruments_text",
        ),
        (
            Permission::ManageKiosks,
            "/admin/kiosks",
            "staff.link_kiosks",
            "staff.link_kiosks_text",
        ),
        (
            Permission::ManageKiosks,
            "/admin/api-keys",
            "staff.link_api_keys",
            "staff.link_api_keys_text",
        ),
        (
            Permission::ManageAccounts,
            "/admin/accounts",
            "staff.link_accounts",
            "staff.link_accounts_text",
        ),
        (
            Permission::ViewAudit,
            "/admin/audit",
            "staff.link_audit",
            "staff.link_audit_text",
        ),
    ];
    let links: Vec<(String, &str, &str)> = candidates
        .iter()
        .filter(|(perm, ..)| user.can(*perm, None))
        .map(|(_, href, title, text)| (href.to_string(), *title, *text))
        .collect();
    Ok(ctx.render(&ctx.lang.t("staff.title"), move || {
        view! {
            {page_head(tf("staff.heading", &[("name", &user.full_name)]), Some(tf("staff.lead", &[("role", &t(user.role.label_key())), ("unit", &user.unit_name)])))}
            <div class="stats">
                <div class="stat"><span class="stat-value">{n_units}</span><span class="stat-label">{t("staff.stat_units")}</span></div>
                <div class="stat"><span class="stat-value">{n_kiosks}</span><span class="stat-label">{t("staff.stat_kiosks")}</span></div>
                <div class="stat"><span class="stat-value">{n_accounts}</span><span class="stat-label">{t("staff.stat_accounts")}</span></div>
            </div>
            <div class="tiles">
                {links.into_iter().map(|(href, title, text)| view! {
                    <a class="tile" href=href>
                        <span class="tile-title">{t(title)}</span>
                        <span class="tile-text">{t(text)}</span>
                    </a>
                }).collect_view()}
            </div>
        }
    }))
}
