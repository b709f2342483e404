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
    let links: Vec<(String, &str, &str)> = [
        (
            Some(format!("/admin/units/{}", user.unit_id)),
            "staff.link_my_unit",
            "staff.link_my_unit_text",
        ),
        (
            user.can(Permission::ManageUnits, None)
                .then(|| "/admin/units".to_string()),
            "staff.link_units",
            "staff.link_units_text",
        ),
        (
            user.can(Permission::ManageCatalogue, None)
                .then(|| "/admin/procedures".to_string()),
            "staff.link_catalogue",
            "staff.link_catalogue_text",
        ),
        (
            user.can(Permission::ManageKiosks, None)
                .then(|| "/admin/kiosks".to_string()),
            "staff.link_kiosks",
            "staff.link_kiosks_text",
        ),
        (
            user.can(Permission::ManageAccounts, None)
                .then(|| "/admin/accounts".to_string()),
            "staff.link_accounts",
            "staff.link_accounts_text",
        ),
        (
            user.can(Permission::ViewAudit, None)
                .then(|| "/admin/audit".to_string()),
            "staff.link_audit",
            "staff.link_audit_text",
        ),
    ]
    .into_iter()
    .filter_map(|(h, a, b)| h.map(|h| (h, a, b)))
    .collect();
    Ok(ctx.render(&t("staff.title"), move || {
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
