//! The working-day calendar and the feedback deadlines, edited by the province administrator.

use super::{finish, Done, Errors, Fail};
use crate::ctx::{Flash, FlashKind};
use crate::db::calendar;
use crate::domain::calendar::DayKind;
use crate::domain::calendar_file::read_days;
use crate::domain::feedback::Settings;
use crate::domain::{validate, Permission};
use leptos::prelude::*;
use leptos::server_fn::codec::{MultipartData, MultipartFormData};

fn back_to(day: chrono::NaiveDate) -> String {
    format!("/admin/calendar?year={}", chrono::Datelike::year(&day))
}

/// Lists a day as a holiday or a make-up working day (or changes it).
#[server(endpoint = "calendar/set")]
pub async fn set_day(
    day: String,
    kind: String,
    name: String,
    basis: Option<String>,
) -> Result<(), ServerFnError> {
    let basis = basis.unwrap_or_default();
    let values = [
        ("day", day.clone()),
        ("kind", kind.clone()),
        ("name", name.clone()),
        ("basis", basis.clone()),
    ];
    finish("day", &values, "/admin/calendar", |cx| async move {
        let user = cx.require(Permission::ManageCalendar, None)?.clone();
        let mut errs = Errors::default();
        let d = errs.take("day", validate::date(&day).map(Some));
        let k = errs.take(
            "kind",
            DayKind::parse(kind.trim()).map(Some).ok_or("err.choose"),
        );
        let name = errs.take("name", validate::required_text(&name, 120));
        let basis = errs.take("basis", validate::optional_text(&basis, 300));
        errs.check()?;
        let (Some(d), Some(k)) = (d, k) else {
            return Err(Fail::Msg("err.bad_request"));
        };
        let mut tx = cx.db().begin().await?;
        calendar::set_day(&mut tx, Some(user.id), d, k, &name, &basis).await?;
        tx.commit().await?;
        Ok(Done::to(back_to(d))
            .with(Flash::ok("cal.flash_set").arg("day", crate::components::layout::fmt_date(d))))
    })
    .await
}

/// Removes a listed day.
#[server(endpoint = "calendar/remove")]
pub async fn remove_day(day: String) -> Result<(), ServerFnError> {
    finish("remove", &[], "/admin/calendar", |cx| async move {
        let user = cx.require(Permission::ManageCalendar, None)?.clone();
        let d = validate::date(&day).map_err(|_| Fail::Msg("err.bad_request"))?;
        let mut tx = cx.db().begin().await?;
        calendar::remove_day(&mut tx, Some(user.id), d).await?;
        tx.commit().await?;
        Ok(Done::to(back_to(d)).with(
            Flash::ok("cal.flash_removed").arg("day", crate::components::layout::fmt_date(d)),
        ))
    })
    .await
}

fn days_field(s: &str, min: u32) -> Result<u32, &'static str> {
    s.trim()
        .parse::<u32>()
        .ok()
        .filter(|n| *n >= min && *n <= 365)
        .ok_or("cal.err_days")
}

/// Saves the feedback deadlines (working days) and whether answers need a leader's approval.
#[server(endpoint = "calendar/settings")]
pub async fn save_settings(
    forward_days: String,
    applying_days: String,
    competent_days: String,
    due_soon_days: String,
    apology_days: String,
    approval_required: Option<String>,
) -> Result<(), ServerFnError> {
    let values = [
        ("forward_days", forward_days.clone()),
        ("applying_days", applying_days.clone()),
        ("competent_days", competent_days.clone()),
        ("due_soon_days", due_soon_days.clone()),
        ("apology_days", apology_days.clone()),
        (
            "approval_required",
            approval_required.clone().unwrap_or_default(),
        ),
    ];
    finish("settings", &values, "/admin/calendar", |cx| async move {
        let user = cx.require(Permission::ManageCalendar, None)?.clone();
        let mut errs = Errors::default();
        let s = Settings {
            forward_days: errs.take("forward_days", days_field(&forward_days, 1)),
            applying_days: errs.take("applying_days", days_field(&applying_days, 1)),
            competent_days: errs.take("competent_days", days_field(&competent_days, 1)),
            due_soon_days: errs.take("due_soon_days", days_field(&due_soon_days, 0)),
            apology_days: errs.take("apology_days", days_field(&apology_days, 1)),
            approval_required: approval_required.is_some_and(|v| !v.is_empty()),
        };
        errs.check()?;
        let mut tx = cx.db().begin().await?;
        calendar::save_feedback_settings(&mut tx, Some(user.id), &s).await?;
        tx.commit().await?;
        Ok(Done::to("/admin/calendar").with(Flash::ok("cal.flash_settings")))
    })
    .await
}

/// Saves the time of the apology rule (`HH:MM`, Vietnam time); the apologies queued and not
/// sent yet move to it in the same transaction.
#[server(endpoint = "calendar/apology_time")]
pub async fn save_apology_time(apology_time: String) -> Result<(), ServerFnError> {
    let values = [("apology_time", apology_time.clone())];
    finish(
        "apology_time",
        &values,
        "/admin/calendar",
        |cx| async move {
            let user = cx.require(Permission::ManageCalendar, None)?.clone();
            let mut errs = Errors::default();
            let at = errs.take(
                "apology_time",
                crate::domain::journey::parse_time(&apology_time).map(Some),
            );
            errs.check()?;
            let Some(at) = at else {
                return Err(Fail::Msg("err.bad_request"));
            };
            let mut tx = cx.db().begin().await?;
            let moved = crate::db::journey::save_apology_time(&mut tx, Some(user.id), at).await?;
            tx.commit().await?;
            Ok(Done::to("/admin/calendar").with(
                Flash::ok("late.flash_time")
                    .arg("time", crate::domain::journey::time_text(at))
                    .arg("moved", moved.to_string()),
            ))
        },
    )
    .await
}

/// The largest calendar file accepted (a year's days are a few kilobytes).
pub const MAX_CALENDAR_BYTES: usize = 256 * 1024;

/// Receives a year's days as CSV or iCalendar and keeps the file for its preview at
/// `/admin/calendar/import/{id}`: nothing in force changes until the administrator confirms.
#[server(endpoint = "calendar/import", input = MultipartFormData)]
pub async fn import_calendar(data: MultipartData) -> Result<(), ServerFnError> {
    finish("import", &[], "/admin/calendar", |cx| async move {
        let user = cx.require(Permission::ManageCalendar, None)?.clone();
        let mut multipart = data.into_inner().ok_or(Fail::Msg("err.bad_request"))?;
        let mut file: Option<(String, Vec<u8>)> = None;
        while let Ok(Some(mut field)) = multipart.next_field().await {
            if field.name() != Some("file") {
                continue;
            }
            let name = field.file_name().unwrap_or_default().to_string();
            let mut buf = Vec::new();
            while let Some(chunk) = field
                .chunk()
                .await
                .map_err(|_| Fail::Msg("err.upload_failed"))?
            {
                if buf.len() + chunk.len() > MAX_CALENDAR_BYTES {
                    return Err(Fail::Msg("cal.file_err_too_big"));
                }
                buf.extend_from_slice(&chunk);
            }
            file = Some((name, buf));
        }
        let (name, bytes) = file
            .filter(|(_, b)| !b.is_empty())
            .ok_or(Fail::Msg("cal.file_err_empty"))?;
        let text = String::from_utf8(bytes).map_err(|_| Fail::Msg("cal.file_err_encoding"))?;
        let year = match read_days(&text) {
            Ok((year, _)) => year,
            Err((line, key)) => {
                let flash = Flash::new(FlashKind::Error, key).arg("line", line.to_string());
                return Ok(Done::to("/admin/calendar").with(flash));
            }
        };
        let name: String = name.chars().filter(|c| !c.is_control()).take(120).collect();
        let mut tx = cx.db().begin().await?;
        let id = calendar::save_import(&mut tx, user.id, year, &name, &text).await?;
        tx.commit().await?;
        Ok(Done::to(format!("/admin/calendar/import/{id}")))
    })
    .await
}

/// Applies a previewed file once: the year's days become the file's and every open deadline is
/// recounted, in one transaction.
#[server(endpoint = "calendar/apply")]
pub async fn apply_calendar(id: String) -> Result<(), ServerFnError> {
    finish("apply", &[], "/admin/calendar", |cx| async move {
        let user = cx.require(Permission::ManageCalendar, None)?.clone();
        let id = id
            .trim()
            .parse::<i64>()
            .map_err(|_| Fail::Msg("err.bad_request"))?;
        let import = calendar::get_import(cx.db(), id).await?;
        let (_, days) = read_days(&import.content).map_err(|(_, key)| Fail::Msg(key))?;
        let mut tx = cx.db().begin().await?;
        let Some(moved) = calendar::apply_import(&mut tx, user.id, &import, &days).await? else {
            return Err(Fail::Msg("cal.file_applied_already"));
        };
        tx.commit().await?;
        Ok(
            Done::to(format!("/admin/calendar?year={}", import.year)).with(
                Flash::ok("cal.flash_imported")
                    .arg("year", import.year.to_string())
                    .arg("moved", moved.to_string()),
            ),
        )
    })
    .await
}
