//! Message channels and templates, edited by the province administrator.

use super::{finish, Done, Errors, Fail};
use crate::ctx::Flash;
use crate::db::settings;
use crate::domain::{validate, Permission};
use crate::i18n::Lang;
use crate::notify;
use leptos::prelude::*;

/// The longest value of a channel setting.
const CHANNEL_FIELD_MAX: usize = 2000;

/// Saves the channel settings (SMTP, SMS and Zalo gateways). Empty fields turn a channel off
/// (its messages then go to the log).
#[server(endpoint = "notify/channels")]
#[allow(clippy::too_many_arguments)]
pub async fn save_channels(
    smtp_url: String,
    mail_from: String,
    sms_url: String,
    sms_authorization: String,
    sms_body: String,
    zalo_url: String,
    zalo_authorization: String,
    zalo_body: String,
) -> Result<(), ServerFnError> {
    let fields = [
        ("smtp_url", smtp_url),
        ("mail_from", mail_from),
        ("sms_url", sms_url),
        ("sms_authorization", sms_authorization),
        ("sms_body", sms_body),
        ("zalo_url", zalo_url),
        ("zalo_authorization", zalo_authorization),
        ("zalo_body", zalo_body),
    ];
    let values: Vec<(&str, String)> = fields
        .iter()
        .filter(|(k, _)| !k.ends_with("authorization"))
        .map(|(k, v)| (*k, v.clone()))
        .collect();
    finish(
        "channels",
        &values,
        "/admin/notifications",
        |cx| async move {
            let user = cx.require(Permission::ManageNotifications, None)?.clone();
            let mut errs = Errors::default();
            for (k, v) in &fields {
                let v = v.trim();
                if v.is_empty() {
                    continue;
                }
                // Addresses, keys and message bodies of a gateway: a few hundred characters.
                if v.chars().count() > CHANNEL_FIELD_MAX {
                    errs.add(k, "err.too_long");
                    continue;
                }
                match *k {
                    "smtp_url" if !(v.starts_with("smtp://") || v.starts_with("smtps://")) => {
                        errs.add("smtp_url", "notify.err_smtp_url")
                    }
                    "sms_url" | "zalo_url"
                        if url::Url::parse(v).is_err() || !v.starts_with("http") =>
                    {
                        errs.add(
                            if *k == "sms_url" {
                                "sms_url"
                            } else {
                                "zalo_url"
                            },
                            "notify.err_url",
                        )
                    }
                    "mail_from" if validate::email(v).is_err() => {
                        errs.add("mail_from", "err.email")
                    }
                    "sms_body" | "zalo_body" => {
                        let probe = notify::gateway_body(v, "0912345678", "test", 1);
                        if serde_json::from_str::<serde_json::Value>(&probe).is_err()
                            || !v.contains("{{text}}")
                        {
                            errs.add(
                                if *k == "sms_body" {
                                    "sms_body"
                                } else {
                                    "zalo_body"
                                },
                                "notify.err_body",
                            );
                        }
                    }
                    _ => {}
                }
            }
            errs.check()?;
            let mut tx = cx.db().begin().await?;
            for (k, v) in &fields {
                // An empty credential keeps the stored one (it is never shown back).
                if k.ends_with("authorization") && v.trim().is_empty() {
                    continue;
                }
                settings::put(&mut tx, &format!("outbox.{k}"), v.trim()).await?;
            }
            crate::db::audit::record(
                &mut tx,
                Some(user.id),
                "notify.channels",
                "settings",
                None,
                "",
            )
            .await?;
            tx.commit().await?;
            Ok(Done::to("/admin/notifications").with(Flash::ok("notify.flash_channels")))
        },
    )
    .await
}

/// Saves one template (event and language); an empty text goes back to the app's own.
#[server(endpoint = "notify/template")]
pub async fn save_template(
    event: String,
    lang: String,
    subject: String,
    body: String,
) -> Result<(), ServerFnError> {
    let form_id = format!("tpl-{event}-{lang}");
    let values = [("subject", subject.clone()), ("body", body.clone())];
    finish(&form_id, &values, "/admin/notifications", |cx| async move {
        let user = cx.require(Permission::ManageNotifications, None)?.clone();
        let (Some(event), Some(lang)) = (
            notify::EVENTS.iter().find(|e| **e == event.as_str()),
            Lang::parse(&lang),
        ) else {
            return Err(Fail::Msg("err.bad_request"));
        };
        let mut errs = Errors::default();
        let body = errs.take(
            "body",
            crate::domain::validate::optional_text(&body.replace(['\r', '\n'], " "), 1000),
        );
        let subject = errs.take("subject", validate::optional_text(&subject, 200));
        errs.check()?;
        let mut tx = cx.db().begin().await?;
        crate::db::notify::save_template(
            &mut tx,
            Some(user.id),
            event,
            lang.code(),
            &subject,
            &body,
        )
        .await?;
        tx.commit().await?;
        Ok(
            Done::to(format!("/admin/notifications#tpl-{event}-{}", lang.code()))
                .with(Flash::ok("notify.flash_template").arg("event", event.to_string())),
        )
    })
    .await
}
