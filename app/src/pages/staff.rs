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
    // Kiosk alerts (a new address, a second device, a day held for review) wait on this page
    // for the administrators who look after the kiosks.
    let kiosk_alerts = if user.can(Permission::ManageKiosks, None) {
        kiosks::open_alerts(ctx.db(), &scope).await?.len()
    } else {
        0
    };
    let feedback_counts = if user.can(Permission::HandleFeedback, None) {
        let cal = crate::db::calendar::load(ctx.db()).await?;
        let settings = crate::db::calendar::feedback_settings(ctx.db()).await?;
        let today = crate::db::today();
        let soon = cal.add_working_days(today, settings.due_soon_days);
        Some(crate::db::feedback::counts(ctx.db(), &scope, today, soon).await?)
    } else {
        None
    };
    let candidates: [(Permission, &str, &str, &str); 18] = [
        (
            Permission::ViewUnit,
            own_unit.as_str(),
            "staff.link_my_unit",
            "staff.link_my_unit_text",
        ),
        (
            Permission::ViewRatings,
            "/dashboard",
            "staff.link_dashboard",
            "staff.link_dashboard_text",
        ),
        (
            Permission::ViewRatings,
            "/indices",
            "staff.link_indices",
            "staff.link_indices_text",
        ),
        (
            Permission::HandleFeedback,
            "/feedback/cases",
            "staff.link_feedback",
            "staff.link_feedback_text",
        ),
        (
            Permission::HandleDossiers,
            "/staff/late",
            "staff.link_late",
            "staff.link_late_text",
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
            Permission::ManageCalendar,
            "/admin/calendar",
            "staff.link_calendar",
            "staff.link_calendar_text",
        ),
        (
            Permission::ManageSessionKinds,
            "/admin/session-kinds",
            "staff.link_session_kinds",
            "staff.link_session_kinds_text",
        ),
        (
            Permission::ManageIndexRules,
            "/admin/index-rules",
            "staff.link_index_rules",
            "staff.link_index_rules_text",
        ),
        (
            Permission::ManageIndexRules,
            "/admin/themes",
            "staff.link_themes",
            "staff.link_themes_text",
        ),
        (
            Permission::ManageNotifications,
            "/admin/notifications",
            "staff.link_notifications",
            "staff.link_notifications_text",
        ),
        (
            Permission::ViewAudit,
            "/admin/audit",
            "staff.link_audit",
            "staff.link_audit_text",
        ),
    ];
    let gateway_warning = if user.can(Permission::ManageNotifications, None) {
        super::admin_notifications::gateway_warning(&ctx).await?
    } else {
        None
    };
    let links: Vec<(String, &str, &str)> = candidates
        .iter()
        .filter(|(perm, ..)| user.can(*perm, None))
        .map(|(_, href, title, text)| (href.to_string(), *title, *text))
        .collect();
    Ok(ctx.render(&ctx.lang.t("staff.title"), move || {
        view! {
            {page_head(tf("staff.heading", &[("name", &user.full_name)]), Some(tf("staff.lead", &[("role", &t(user.role.label_key())), ("unit", &user.unit_name)])))}
            {gateway_warning}
            {(kiosk_alerts > 0).then(|| view! {
                <p class="notice notice-warn" role="status">
                    <a href="/admin/kiosks#alerts">{tf("staff.kiosk_alerts", &[("n", &kiosk_alerts.to_string())])}</a>
                </p>
            })}
            {feedback_counts.map(|(open, soon, overdue)| view! {
                <h2>{t("staff.feedback_heading")}</h2>
                <div class="stats">
                    <a class="stat" href="/feedback/cases"><span class="stat-value">{open}</span><span class="stat-label">{t("fb.stat_open")}</span></a>
                    <a class="stat" href="/feedback/cases?due=soon"><span class="stat-value">{soon}</span><span class="stat-label">{t("fb.stat_due_soon")}</span></a>
                    <a class="stat stat-danger" href="/feedback/cases?due=overdue"><span class="stat-value">{overdue}</span><span class="stat-label">{t("fb.stat_overdue")}</span></a>
                </div>
            })}
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
