//! Notifications for the province administrator: the delivery log (with failures first on
//! demand), the channels (SMTP, SMS and Zalo gateways) and the message templates in Vietnamese
//! and English.

use super::PageResult;
use crate::components::form::{hidden, input};
use crate::components::layout::{fmt_time, page_head};
use crate::ctx::Ctx;
use crate::db::settings;
use crate::domain::Permission;
use crate::i18n::{t, tf, Lang};
use crate::notify;
use leptos::prelude::*;

/// The warning an administrator sees while a channel has no gateway: its messages are not sent
/// (none is on a new installation), with how many were not sent so far. `None` when every
/// channel is configured and nothing is waiting unsent.
pub async fn gateway_warning(ctx: &Ctx) -> Result<Option<impl IntoView>, crate::error::AppError> {
    let channels = notify::Channels::load(ctx.db(), &ctx.state.config.base_url).await?;
    let missing = channels.missing();
    let unsent = crate::db::notify::unsent_count(ctx.db()).await?;
    if missing.is_empty() && unsent == 0 {
        return Ok(None);
    }
    let names = missing.iter().map(|k| t(k)).collect::<Vec<_>>().join(", ");
    Ok(Some(view! {
        <section class="card notice notice-warn" role="status">
            <h2 class="h3">{t("notify.warn_title")}</h2>
            {(!missing.is_empty()).then(|| view! { <p>{tf("notify.warn_missing", &[("channels", &names)])}</p> })}
            {(unsent > 0).then(|| view! { <p><strong>{tf("notify.warn_unsent", &[("n", &unsent.to_string())])}</strong></p> })}
            <p><a href="/admin/notifications?failed=1">{t("notify.warn_link")}</a></p>
        </section>
    }))
}

/// `GET /admin/notifications?failed=1`.
pub async fn page(ctx: Ctx) -> PageResult {
    ctx.require(Permission::ManageNotifications, None)?;
    let failed_only = ctx.q("failed") == "1";
    let log = crate::db::notify::log(ctx.db(), failed_only, 100).await?;
    let warning = gateway_warning(&ctx).await?;
    let stored = settings::with_prefix(ctx.db(), "outbox.").await?;
    let setting = |k: &str| {
        stored
            .iter()
            .find(|(key, _)| key == &format!("outbox.{k}"))
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let current: Vec<(&'static str, String)> = [
        "smtp_url",
        "mail_from",
        "sms_url",
        "sms_body",
        "zalo_url",
        "zalo_body",
    ]
    .into_iter()
    .map(|k| (k, setting(k)))
    .collect();
    let has_auth = (
        !setting("sms_authorization").is_empty(),
        !setting("zalo_authorization").is_empty(),
    );
    let mut templates = Vec::new();
    for event in notify::EVENTS {
        for lang in [Lang::Vi, Lang::En] {
            let tpl = notify::template(ctx.db(), event, lang).await?;
            let custom = crate::db::notify::is_custom(ctx.db(), event, lang.code()).await?;
            templates.push((event, lang, tpl, custom));
        }
    }
    let f_channels = ctx.form("channels");
    let forms: Vec<crate::ctx::FormView> = templates
        .iter()
        .map(|(e, l, _, _)| ctx.form(&format!("tpl-{e}-{}", l.code())))
        .collect();
    Ok(ctx.render(&ctx.lang.t("notify.title"), move || {
        let val = |k: &str| current.iter().find(|(key, _)| *key == k).map(|(_, v)| v.clone()).unwrap_or_default();
        let status_badge = |s: &str| {
            let (class, key) = match s {
                "sent" => ("badge badge-ok", "notify.status.sent"),
                "failed" => ("badge badge-danger", "notify.status.failed"),
                "sending" => ("badge badge-info", "notify.status.sending"),
                "unsent" => ("badge badge-danger", "notify.status.unsent"),
                _ => ("badge badge-warn", "notify.status.pending"),
            };
            view! { <span class=class>{t(key)}</span> }
        };
        view! {
            {page_head(t("notify.title"), Some(t("notify.lead")))}
            {warning}
            <section class="card">
                <h2>{t("notify.log")}</h2>
                <p class="page-actions">
                    <a class="btn btn-small btn-secondary" href="/admin/notifications" aria-current=(!failed_only).then_some("page")>{t("notify.log_all")}</a>
                    <a class="btn btn-small btn-secondary" href="/admin/notifications?failed=1" aria-current=failed_only.then_some("page")>{t("notify.log_failed")}</a>
                </p>
                <div class="table-wrap" tabindex="0" role="region" aria-label=t("notify.log")>
                    <table class="data">
                        <thead><tr>
                            <th>{t("notify.when")}</th><th>{t("notify.event")}</th>
                            <th>{t("notify.recipient")}</th><th>{t("notify.status")}</th><th>{t("notify.text")}</th>
                        </tr></thead>
                        <tbody>
                            {log.into_iter().map(|d| view! {
                                <tr>
                                    <td class="nowrap">{fmt_time(d.sent_at.unwrap_or(d.created_at))}</td>
                                    <td class="small">{d.event.clone()}<br/>{d.channel.clone()}</td>
                                    <td class="nowrap">{notify::mask(&d.recipient)}</td>
                                    <td>{status_badge(&d.status)}
                                        {(d.attempts > 1).then(|| view! { <br/><span class="small">{tf("notify.attempts_n", &[("n", &d.attempts.to_string())])}</span> })}</td>
                                    <td class="small msg-text">{d.body.clone()}
                                        {(!d.last_error.is_empty()).then(|| view! { <br/><span class="err">{d.last_error.clone()}</span> })}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            </section>
            <section class="card">
                <h2>{t("notify.channels")}</h2>
                <p class="muted">{t("notify.channels_lead")}</p>
                <form class="form" method="post" action="/api/notify/channels">
                    <fieldset>
                        <legend>{t("notify.email")}</legend>
                        {input(&f_channels, "smtp_url", "notify.smtp_url", "text", &val("smtp_url"), false, Some(t("notify.smtp_url_hint")))}
                        {input(&f_channels, "mail_from", "notify.mail_from", "email", &val("mail_from"), false, None)}
                    </fieldset>
                    <fieldset>
                        <legend>{t("notify.sms")}</legend>
                        {input(&f_channels, "sms_url", "notify.gateway_url", "url", &val("sms_url"), false, None)}
                        {input(&f_channels, "sms_authorization", "notify.gateway_auth", "password", "", false,
                            Some(t(if has_auth.0 { "notify.auth_kept" } else { "notify.auth_hint" })))}
                        {input(&f_channels, "sms_body", "notify.gateway_body", "text", &val("sms_body"), false, Some(tf("notify.body_hint", &[("default", notify::GatewayConfig::DEFAULT_BODY)])))}
                    </fieldset>
                    <fieldset>
                        <legend>{t("notify.zalo")}</legend>
                        {input(&f_channels, "zalo_url", "notify.gateway_url", "url", &val("zalo_url"), false, None)}
                        {input(&f_channels, "zalo_authorization", "notify.gateway_auth", "password", "", false,
                            Some(t(if has_auth.1 { "notify.auth_kept" } else { "notify.auth_hint" })))}
                        {input(&f_channels, "zalo_body", "notify.gateway_body", "text", &val("zalo_body"), false, None)}
                    </fieldset>
                    <div class="actions"><button class="btn btn-primary" type="submit">{t("form.save")}</button></div>
                </form>
            </section>
            <section class="card">
                <h2>{t("notify.templates")}</h2>
                <p class="muted">{t("notify.templates_lead")}</p>
                {templates.into_iter().zip(forms).map(|((event, lang, tpl, custom), f)| {
                    let anchor = format!("tpl-{event}-{}", lang.code());
                    view! {
                        <form class="form template" id=anchor.clone() method="post" action="/api/notify/template">
                            <h3 class="h4">{event}" · "{lang.code().to_uppercase()}
                                {custom.then(|| view! { " "<span class="badge badge-info">{t("notify.custom")}</span> })}</h3>
                            {hidden("event", event.to_string())}
                            {hidden("lang", lang.code().to_string())}
                            <div class="field">
                                <label for=format!("{anchor}-s")>{t("notify.subject")}</label>
                                <input id=format!("{anchor}-s") name="subject" type="text" value=f.value("subject", &tpl.subject)/>
                            </div>
                            <div class="field">
                                <label for=format!("{anchor}-b")>{t("notify.body")}</label>
                                <textarea id=format!("{anchor}-b") name="body" rows="3">{crate::components::form::textarea_text(&f.value("body", &tpl.body))}</textarea>
                                {f.error("body").map(|e| view! { <p class="error-text">{e}</p> })}
                            </div>
                            <div class="actions"><button class="btn btn-small btn-secondary" type="submit">{t("form.save")}</button></div>
                        </form>
                    }
                }).collect_view()}
            </section>
        }
    }))
}
