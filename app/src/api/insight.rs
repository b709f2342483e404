//! The leaders' insight settings: the comment themes the province administrator edits, and a
//! leader's subscription to the monthly or quarterly report.

use super::{finish, Done, Errors, Fail};
use crate::ctx::Flash;
use crate::db::insight;
use crate::domain::insight::{parse_keywords, Theme};
use crate::domain::{validate, Permission};
use leptos::prelude::*;

/// Saves a comment theme (a new one without `id`): names and keywords, each checked.
#[server(endpoint = "themes/save")]
pub async fn save_theme(
    id: String,
    code: String,
    name_vi: String,
    name_en: String,
    keywords: String,
) -> Result<(), ServerFnError> {
    let form_id = if id.trim().is_empty() {
        "theme-new".to_string()
    } else {
        format!("theme-{}", id.trim())
    };
    let values = [
        ("id", id.clone()),
        ("code", code.clone()),
        ("name_vi", name_vi.clone()),
        ("name_en", name_en.clone()),
        ("keywords", keywords.clone()),
    ];
    finish(&form_id, &values, "/admin/themes", |cx| async move {
        let user = cx.require(Permission::ManageIndexRules, None)?.clone();
        let mut errs = Errors::default();
        let id: Option<i64> = match id.trim() {
            "" => None,
            s => Some(errs.take("id", validate::pick_id(s))),
        };
        // A saved theme keeps its code (the form sends it back; it is still checked).
        let code = errs.take("code", theme_code(&code));
        let name_vi = errs.take("name_vi", validate::required_text(&name_vi, 80));
        let name_en = errs.take("name_en", validate::required_text(&name_en, 80));
        let keywords = errs.take("keywords", parse_keywords(&keywords));
        errs.check()?;
        let theme = Theme {
            code,
            name_vi,
            name_en,
            keywords,
        };
        let mut tx = cx.db().begin().await?;
        insight::save_theme(&mut tx, user.id, id, &theme).await?;
        tx.commit().await?;
        Ok(Done::to("/admin/themes")
            .with(Flash::ok("theme.flash_saved").arg("name", theme.name_vi)))
    })
    .await
}

/// A new theme's code: 2–30 lower-case letters, digits or `_`.
fn theme_code(s: &str) -> Result<String, &'static str> {
    let s = s.trim();
    if (2..=30).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        Ok(s.to_string())
    } else {
        Err("theme.err_code")
    }
}

/// Removes a comment theme.
#[server(endpoint = "themes/delete")]
pub async fn delete_theme(id: String) -> Result<(), ServerFnError> {
    finish("theme-delete", &[], "/admin/themes", |cx| async move {
        let user = cx.require(Permission::ManageIndexRules, None)?.clone();
        let id = validate::pick_id(&id).map_err(|_| Fail::Msg("error.404.text"))?;
        let mut tx = cx.db().begin().await?;
        insight::delete_theme(&mut tx, user.id, id).await?;
        tx.commit().await?;
        Ok(Done::to("/admin/themes").with(Flash::ok("theme.flash_deleted")))
    })
    .await
}

/// A leader subscribes to the report of their subtree (`month`, `quarter`) or stops (empty).
#[server(endpoint = "reports/subscribe")]
pub async fn subscribe(frequency: Option<String>) -> Result<(), ServerFnError> {
    let frequency = frequency.unwrap_or_default();
    let values = [("frequency", frequency.clone())];
    finish("report", &values, "/account", |cx| async move {
        let user = cx.require(Permission::ViewRatings, None)?.clone();
        let f = match frequency.trim() {
            "" => None,
            "month" => Some("month"),
            "quarter" => Some("quarter"),
            _ => return Err(Fail::Invalid(vec![("frequency", "report.err_frequency")])),
        };
        let mut tx = cx.db().begin().await?;
        insight::subscribe(&mut tx, user.id, f).await?;
        crate::db::audit::record(
            &mut tx,
            Some(user.id),
            "report.subscribe",
            "account",
            Some(user.id),
            f.unwrap_or("none"),
        )
        .await?;
        tx.commit().await?;
        Ok(Done::to("/account#report").with(Flash::ok(match f {
            Some(_) => "report.flash_subscribed",
            None => "report.flash_unsubscribed",
        })))
    })
    .await
}

/// What the administrator reads when a theme is refused.
impl From<crate::db::insight::ThemeError> for Fail {
    fn from(e: crate::db::insight::ThemeError) -> Self {
        match e {
            crate::db::insight::ThemeError::CodeTaken => {
                Fail::Invalid(vec![("code", "theme.err_code_taken")])
            }
            crate::db::insight::ThemeError::Db(e) => e.into(),
        }
    }
}
