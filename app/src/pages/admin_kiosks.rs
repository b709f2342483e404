//! Counters and kiosks of one's subtree: list, register (token shown once), edit, renew token.

use super::admin_units::unit_options;
use super::{path_id, PageResult};
use crate::components::form::{checkbox, hidden, input, select};
use crate::components::layout::{fmt_date, fmt_time, page_head};
use crate::ctx::Ctx;
use crate::db::{kiosks, units};
use crate::domain::{Permission, UnitPath};
use crate::i18n::{t, tf};
use leptos::prelude::*;

/// What an alert says, in the visitor's language.
fn alert_text(a: &kiosks::KioskAlert) -> String {
    match a.kind.as_str() {
        "day_held" => {
            let d: serde_json::Value = serde_json::from_str(&a.detail).unwrap_or_default();
            let pct = |k: &str| format!("{:.0} %", d[k].as_f64().unwrap_or(0.0) * 100.0);
            tf(
                "kiosk_alert.day_held",
                &[
                    ("day", &a.day.map(fmt_date).unwrap_or_default()),
                    ("answers", &d["answers"].as_i64().unwrap_or(0).to_string()),
                    ("share", &pct("share")),
                    ("usual", &pct("usual")),
                    ("days", &d["history_days"].as_i64().unwrap_or(0).to_string()),
                    (
                        "ratio",
                        &format!("{:.1}", d["volume_ratio"].as_f64().unwrap_or(0.0)),
                    ),
                    (
                        "p",
                        &format!("{:.1e}", d["p_value"].as_f64().unwrap_or(0.0)),
                    ),
                ],
            )
        }
        kind => tf(&format!("kiosk_alert.{kind}"), &[("addr", &a.addr)]),
    }
}

/// One alert with what an administrator can do about it.
fn alert_item(a: kiosks::KioskAlert, with_kiosk: bool) -> impl IntoView {
    let open = a.seen_at.is_none();
    let release = a.kind == "day_held" && !a.released;
    let hits = (a.hits > 1).then(|| tf("kiosk_alert.hits", &[("n", &a.hits.to_string())]));
    view! {
        <li class=if open { "notice notice-warn kiosk-alert-item" } else { "notice kiosk-alert-item" }>
            <p>
                {with_kiosk.then(|| view! { <strong><a href=format!("/admin/kiosks/{}", a.kiosk_id)>{a.kiosk_name.clone()}</a></strong>" · "{a.unit_name.clone()}" — " })}
                {alert_text(&a)}
            </p>
            <p class="small muted">
                {tf("kiosk_alert.when", &[("first", &fmt_time(a.created_at)), ("last", &fmt_time(a.last_at))])}
                {hits.map(|h| format!(" · {h}"))}
                {a.seen_at.map(|t| format!(" · {}", tf("kiosk_alert.seen", &[("time", &fmt_time(t))])))}
            </p>
            {(open || release).then(|| view! {
                <div class="rating-actions">
                    {release.then(|| view! {
                        <form class="inline" method="post" action="/api/kiosks/release-day">
                            {hidden("id", a.id.to_string())}
                            <button class="btn btn-small btn-secondary" type="submit">{t("kiosk_alert.release")}</button>
                        </form>
                    })}
                    {open.then(|| view! {
                        <form class="inline" method="post" action="/api/kiosks/alert-seen">
                            {hidden("id", a.id.to_string())}
                            <button class="btn btn-small btn-secondary" type="submit">{t("kiosk_alert.mark_seen")}</button>
                        </form>
                    })}
                </div>
            })}
        </li>
    }
}

fn faces_options() -> Vec<(String, String)> {
    ["3", "4", "5"]
        .iter()
        .map(|n| (n.to_string(), tf("kiosk.faces_n", &[("n", n)])))
        .collect()
}

pub async fn list(ctx: Ctx) -> PageResult {
    let user = ctx.require(Permission::ManageKiosks, None)?.clone();
    let scope = user.scope.as_str().to_string();
    let counters = kiosks::counters_in(ctx.db(), &scope).await?;
    let list = kiosks::kiosks_in(ctx.db(), &scope).await?;
    let scope_units = units::subtree(ctx.db(), &scope).await?;
    let alerts = kiosks::open_alerts(ctx.db(), &scope).await?;
    let f = ctx.form("counter");
    Ok(ctx.render(&ctx.lang.t("kiosks.title"), move || view! {
        {page_head(t("kiosks.title"), Some(t("kiosks.lead")))}
        <div class="page-actions"><a class="btn btn-primary" href="/admin/kiosks/new">{t("kiosks.new")}</a></div>
        <section class="card" id="alerts">
            <h2>{tf("kiosk_alert.heading", &[("n", &alerts.len().to_string())])}</h2>
            <p class="small muted">{t("kiosk_alert.lead")}</p>
            {if alerts.is_empty() {
                view! { <p>{t("kiosk_alert.none")}</p> }.into_any()
            } else {
                view! { <ul class="plain-list">{alerts.into_iter().map(|a| alert_item(a, true)).collect_view()}</ul> }.into_any()
            }}
        </section>
        <section class="card">
            <h2>{t("kiosks.kiosks")}</h2>
            <div class="table-wrap" tabindex="0" role="region" aria-label=t("kiosks.kiosks")><table class="data">
                <thead><tr><th>{t("kiosk.name")}</th><th>{t("kiosk.counter")}</th><th>{t("kiosk.unit")}</th><th>{t("kiosk.faces")}</th><th>{t("kiosk.status")}</th><th>{t("kiosk.last_seen")}</th></tr></thead>
                <tbody>{list.into_iter().map(|k| view! {
                    <tr class=if k.active { "" } else { "row-muted" }>
                        <td><a href=format!("/admin/kiosks/{}", k.id)>{k.name.clone()}</a></td>
                        <td>{k.counter_name.clone()}</td><td>{k.unit_name.clone()}</td>
                        <td class="num">{k.faces}</td>
                        <td>{if k.active { t("kiosk.active") } else { t("kiosk.inactive") }}</td>
                        <td class="nowrap">{k.last_seen_at.map(fmt_time).unwrap_or_else(|| t("kiosk.never"))}</td>
                    </tr>
                }).collect_view()}</tbody>
            </table></div>
        </section>
        <section class="card">
            <h2>{t("kiosks.counters")}</h2>
            <div class="table-wrap" tabindex="0" role="region" aria-label=t("kiosks.counters")><table class="data">
                <thead><tr><th>{t("counter.name")}</th><th>{t("kiosk.unit")}</th><th>{t("counter.location")}</th></tr></thead>
                <tbody>{counters.into_iter().map(|c| view! {
                    <tr><td>{c.name.clone()}</td><td><a href=format!("/admin/units/{}", c.unit_id)>{c.unit_name.clone()}</a></td><td>{c.location.clone()}</td></tr>
                }).collect_view()}</tbody>
            </table></div>
            <details class="disclosure">
                <summary>{t("counter.new")}</summary>
                <form class="form" method="post" action="/api/counters/create">
                    {select(&f, "unit_id", "kiosk.unit", unit_options(&scope_units, true), "", true)}
                    {input(&f, "name", "counter.name", "text", "", true, None)}
                    {input(&f, "location", "counter.location", "text", "", false, None)}
                    <div class="actions"><button class="btn btn-primary" type="submit">{t("counter.create")}</button></div>
                </form>
            </details>
        </section>
    }))
}

pub async fn new_form(ctx: Ctx) -> PageResult {
    let user = ctx.require(Permission::ManageKiosks, None)?.clone();
    let unit_filter = ctx.q("unit").parse::<i64>().ok();
    let counters: Vec<_> = kiosks::counters_in(ctx.db(), user.scope.as_str())
        .await?
        .into_iter()
        .filter(|c| c.active && unit_filter.is_none_or(|u| c.unit_id == u))
        .collect();
    let f = ctx.form("kiosk");
    Ok(ctx.render(&ctx.lang.t("kiosks.new"), move || {
        let options: Vec<(String, String)> = counters.iter().map(|c| (c.id.to_string(), format!("{} — {}", c.unit_name, c.name))).collect();
        view! {
            {page_head(t("kiosks.new"), Some(t("kiosks.new_lead")))}
            <section class="card">
                <form class="form" method="post" action="/api/kiosks/register">
                    {select(&f, "counter_id", "kiosk.counter", options, "", true)}
                    {input(&f, "name", "kiosk.name", "text", "", true, Some(t("kiosk.name_hint")))}
                    {select(&f, "faces", "kiosk.faces", faces_options(), "5", true)}
                    <div class="actions"><button class="btn btn-primary" type="submit">{t("kiosks.register")}</button></div>
                </form>
            </section>
        }
    }))
}

pub async fn show(ctx: Ctx, axum::extract::Path(id): axum::extract::Path<String>) -> PageResult {
    ctx.user()?;
    let k = kiosks::kiosk(ctx.db(), path_id(&id)?).await?;
    let path = UnitPath::parse(&k.unit_path).unwrap_or_else(|| UnitPath::root(k.unit_id));
    ctx.require(Permission::ManageKiosks, Some(&path))?;
    let token: Option<String> = ctx
        .flash
        .as_ref()
        .and_then(|f| f.extra.as_ref())
        .and_then(|v| v.get("token"))
        .and_then(|v| v.as_str())
        .map(str::to_string);
    let base = ctx.state.config.base_url.clone();
    let alerts = kiosks::alerts_of(ctx.db(), k.id, 20).await?;
    let f = ctx.form("kiosk_edit");
    Ok(ctx.render(&k.name.clone(), move || {
        let token_view = token.map(|tok| view! {
            <section class="card">
                <h2>{t("kiosk.token_title")}</h2>
                <p>{t("kiosk.token_once")}</p>
                <div class="token-box">{tok.clone()}</div>
                <p class="small">{t("kiosk.token_url")}</p>
                <div class="token-box">{format!("{base}/kiosk?token={tok}")}</div>
            </section>
        });
        view! {
            {page_head(k.name.clone(), Some(format!("{} · {}", k.unit_name, k.counter_name)))}
            {token_view}
            <section class="card">
                <dl class="facts">
                    <dt>{t("kiosk.unit")}</dt><dd><a href=format!("/admin/units/{}", k.unit_id)>{k.unit_name.clone()}</a></dd>
                    <dt>{t("kiosk.counter")}</dt><dd>{k.counter_name.clone()}</dd>
                    <dt>{t("kiosk.token_hint")}</dt><dd>{format!("…{}", k.token_hint)}</dd>
                    <dt>{t("kiosk.registered")}</dt><dd>{fmt_time(k.created_at)}</dd>
                    <dt>{t("kiosk.last_seen")}</dt><dd>{k.last_seen_at.map(fmt_time).unwrap_or_else(|| t("kiosk.never"))}</dd>
                    <dt>{t("kiosk.device")}</dt><dd>{if k.device_bound {
                        tf("kiosk.device_bound", &[("time", &k.key_issued_at.map(fmt_time).unwrap_or_default())])
                    } else {
                        t("kiosk.device_unbound")
                    }}</dd>
                    <dt>{t("kiosk.last_addr")}</dt><dd>{k.last_addr.clone().unwrap_or_else(|| t("kiosk.never"))}</dd>
                </dl>
            </section>
            <section class="card" id="alerts">
                <h2>{t("kiosk_alert.of_kiosk")}</h2>
                {if alerts.is_empty() {
                    view! { <p>{t("kiosk_alert.none")}</p> }.into_any()
                } else {
                    view! { <ul class="plain-list">{alerts.into_iter().map(|a| alert_item(a, false)).collect_view()}</ul> }.into_any()
                }}
            </section>
            <section class="card">
                <h2>{t("kiosk.edit")}</h2>
                <form class="form" method="post" action="/api/kiosks/update">
                    {hidden("id", k.id.to_string())}
                    {input(&f, "name", "kiosk.name", "text", &k.name, true, None)}
                    {select(&f, "faces", "kiosk.faces", faces_options(), &k.faces.to_string(), true)}
                    {checkbox(&f, "active", "kiosk.active_label", k.active)}
                    {checkbox(&f, "ask_details", "kiosk.ask_details_label", k.ask_details)}
                    <div class="actions"><button class="btn btn-primary" type="submit">{t("form.save")}</button></div>
                </form>
            </section>
            <section class="card">
                <h2>{t("kiosk.renew_title")}</h2>
                <p>{t("kiosk.renew_text")}</p>
                <form class="form" method="post" action="/api/kiosks/renew">
                    {hidden("id", k.id.to_string())}
                    <div class="actions"><button class="btn btn-danger" type="submit">{t("kiosk.renew")}</button></div>
                </form>
            </section>
        }
    }))
}
