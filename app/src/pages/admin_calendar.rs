//! The working-day calendar (holidays and make-up working days, by year), the feedback deadlines,
//! and a deadline checker that shows what the calendar gives for a date and a number of days.

use super::PageResult;
use crate::components::form::{checkbox, hidden, input, select};
use crate::components::layout::{fmt_date, page_head};
use crate::ctx::Ctx;
use crate::db::calendar;
use crate::domain::calendar::DayKind;
use crate::domain::calendar_file::{changes, read_days, to_ics, DayChange, FileDay};
use crate::domain::{validate, Permission};
use crate::i18n::{t, tf};
use chrono::Datelike;
use leptos::prelude::*;

fn weekday_key(d: chrono::NaiveDate) -> &'static str {
    match d.weekday() {
        chrono::Weekday::Mon => "cal.wd.mon",
        chrono::Weekday::Tue => "cal.wd.tue",
        chrono::Weekday::Wed => "cal.wd.wed",
        chrono::Weekday::Thu => "cal.wd.thu",
        chrono::Weekday::Fri => "cal.wd.fri",
        chrono::Weekday::Sat => "cal.wd.sat",
        chrono::Weekday::Sun => "cal.wd.sun",
    }
}

/// `GET /admin/calendar?year=…&from=…&n=…`.
pub async fn page(ctx: Ctx) -> PageResult {
    ctx.require(Permission::ManageCalendar, None)?;
    let today = crate::db::today();
    let year = ctx
        .q("year")
        .parse::<i32>()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or(today.year());
    let days = calendar::days(ctx.db()).await?;
    let cal = calendar::load(ctx.db()).await?;
    let settings = calendar::feedback_settings(ctx.db()).await?;
    let mut years: Vec<i32> = days.iter().map(|d| d.day.year()).collect();
    years.extend([today.year() - 1, today.year(), today.year() + 1]);
    years.sort_unstable();
    years.dedup();
    let listed: Vec<_> = days.into_iter().filter(|d| d.day.year() == year).collect();
    // The deadline checker.
    let (from_s, n_s) = (ctx.q("from"), ctx.q("n"));
    let check = match (validate::date(&from_s), n_s.parse::<u32>()) {
        (Ok(from), Ok(n)) if n <= 365 => Some((from, n, cal.add_working_days(from, n))),
        _ => None,
    };
    let (f_day, f_settings) = (ctx.form("day"), ctx.form("settings"));
    let f_apology = ctx.form("apology_time");
    let apology_time =
        crate::domain::journey::time_text(crate::db::journey::apology_time(ctx.db()).await?);
    Ok(ctx.render(&ctx.lang.t("cal.title"), move || {
        let kinds = vec![
            ("holiday".to_string(), t("cal.kind.holiday")),
            ("workday".to_string(), t("cal.kind.workday")),
        ];
        let num = |f: &crate::ctx::FormView, name: &'static str, key: &str, v: u32| {
            input(f, name, key, "number", &v.to_string(), true, None)
        };
        view! {
            {page_head(t("cal.title"), Some(t("cal.lead")))}
            <nav class="year-links" aria-label=t("cal.years")>
                {years.into_iter().map(|y| {
                    let current = (y == year).then_some("page");
                    view! { <a class="btn btn-small btn-secondary" href=format!("/admin/calendar?year={y}") aria-current=current>{y}</a> }
                }).collect_view()}
            </nav>
            <div class="grid-2 grid-wide-left">
                <section class="card">
                    <h2>{tf("cal.year_heading", &[("year", &year.to_string())])}</h2>
                    <div class="table-wrap" tabindex="0" role="region" aria-label=tf("cal.year_heading", &[("year", &year.to_string())])>
                        <table class="data">
                            <thead><tr><th>{t("cal.day")}</th><th>{t("cal.kind")}</th><th>{t("cal.name")}</th><th>{t("cal.basis")}</th><th><span class="visually-hidden">{t("shell.actions")}</span></th></tr></thead>
                            <tbody>
                                {listed.into_iter().map(|d| {
                                    let kind = d.kind();
                                    let badge = match kind {
                                        DayKind::Holiday => "badge badge-danger",
                                        DayKind::Workday => "badge badge-info",
                                    };
                                    view! {
                                        <tr>
                                            <td class="nowrap">{t(weekday_key(d.day))}" "{fmt_date(d.day)}</td>
                                            <td><span class=badge>{t(if kind == DayKind::Holiday { "cal.kind.holiday" } else { "cal.kind.workday" })}</span></td>
                                            <td>{d.name.clone()}
                                                {d.provisional.then(|| view! { " " <span class="badge badge-warn" title=t("cal.provisional_note")>{t("cal.provisional")}</span> })}
                                            </td>
                                            <td class="small">{d.basis.clone()}</td>
                                            <td>
                                                <form method="post" action="/api/calendar/remove">
                                                    {hidden("day", d.day.to_string())}
                                                    <button class="btn btn-small btn-secondary" type="submit" aria-label=tf("cal.remove_label", &[("day", &fmt_date(d.day))])>{t("cal.remove")}</button>
                                                </form>
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                    <h3>{t("cal.add")}</h3>
                    <form class="form" method="post" action="/api/calendar/set">
                        <div class="field-row">
                            {input(&f_day, "day", "cal.day", "date", "", true, None)}
                            {select(&f_day, "kind", "cal.kind", kinds, "holiday", true)}
                        </div>
                        {input(&f_day, "name", "cal.name", "text", "", true, Some(t("cal.name_hint")))}
                        {input(&f_day, "basis", "cal.basis", "text", "", false, Some(t("cal.basis_hint")))}
                        <div class="actions"><button class="btn btn-primary" type="submit">{t("form.save")}</button></div>
                    </form>
                </section>
                <div>
                    <section class="card">
                        <h2>{t("cal.settings")}</h2>
                        <form class="form" method="post" action="/api/calendar/settings">
                            {num(&f_settings, "forward_days", "cal.forward_days", settings.forward_days)}
                            {num(&f_settings, "applying_days", "cal.applying_days", settings.applying_days)}
                            {num(&f_settings, "competent_days", "cal.competent_days", settings.competent_days)}
                            {num(&f_settings, "due_soon_days", "cal.due_soon_days", settings.due_soon_days)}
                            {num(&f_settings, "apology_days", "cal.apology_days", settings.apology_days)}
                            {checkbox(&f_settings, "approval_required", "cal.approval_required", settings.approval_required)}
                            <div class="actions"><button class="btn btn-primary" type="submit">{t("form.save")}</button></div>
                        </form>
                    </section>
                    <section class="card" id="apology-time">
                        <h2>{t("late.time_heading")}</h2>
                        <p class="small">{t("late.time_text")}</p>
                        <form class="form" method="post" action="/api/calendar/apology_time">
                            {input(&f_apology, "apology_time", "late.time_label", "text", &apology_time, true, Some(t("late.time_hint")))}
                            <div class="actions"><button class="btn btn-primary" type="submit">{t("form.save")}</button></div>
                        </form>
                    </section>
                    {import_card(year)}
                    <section class="card" id="counting-rule">
                        <h2>{t("cal.rule_heading")}</h2>
                        <p>{t("cal.rule_text")}</p>
                    </section>
                    <section class="card">
                        <h2>{t("cal.check")}</h2>
                        <form class="form" method="get" action="/admin/calendar">
                            {hidden("year", year.to_string())}
                            <div class="field-row">
                                <div class="field"><label for="c-from">{t("cal.check_from")}</label>
                                    <input id="c-from" name="from" type="date" value=from_s.clone()/></div>
                                <div class="field"><label for="c-n">{t("cal.check_days")}</label>
                                    <input id="c-n" name="n" type="number" min="0" max="365" value=n_s.clone()/></div>
                            </div>
                            <div class="actions"><button class="btn btn-secondary" type="submit">{t("cal.check_submit")}</button></div>
                        </form>
                        {check.map(|(from, n, due)| view! {
                            <p class="notice" id="check-result">{tf("cal.check_result", &[
                                ("from", &fmt_date(from)), ("n", &n.to_string()),
                                ("weekday", &t(weekday_key(due))), ("due", &fmt_date(due)),
                            ])}</p>
                        })}
                    </section>
                </div>
            </div>
        }
    }))
}

/// Import a year's file (to a preview) and export a year as iCalendar.
fn import_card(year: i32) -> AnyView {
    view! {
        <section class="card" id="import">
            <h2>{t("cal.import_heading")}</h2>
            <p><a class="btn btn-secondary" href=format!("/admin/calendar.ics?year={year}") download="">{tf("cal.export", &[("year", &year.to_string())])}</a></p>
            <form class="form" method="post" action="/api/calendar/import" enctype="multipart/form-data">
                <div class="field">
                    <label for="cal-file">{t("cal.import_file")}</label>
                    <input id="cal-file" name="file" type="file" accept=".csv,.ics,text/csv,text/calendar" required=true/>
                    <p class="hint">{t("cal.import_hint")}</p>
                </div>
                <pre class="report">"2026-08-22;làm bù;Làm bù cho ngày 31/08;Thông báo của Bộ Nội vụ\n2026-08-31;nghỉ;Nghỉ hoán đổi dịp Quốc khánh;Thông báo của Bộ Nội vụ"</pre>
                <div class="actions"><button class="btn btn-primary" type="submit">{t("cal.import_submit")}</button></div>
            </form>
        </section>
    }
    .into_any()
}

/// `GET /admin/calendar/import/{id}`: what an uploaded file changes, before it applies.
pub async fn import_preview(
    ctx: Ctx,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> PageResult {
    ctx.require(Permission::ManageCalendar, None)?;
    let import = calendar::get_import(ctx.db(), super::path_id(&id)?).await?;
    let (_, file) = read_days(&import.content).map_err(|_| crate::error::AppError::NotFound)?;
    let current = calendar::year_days(ctx.db(), import.year).await?;
    let changes = changes(&current, &file);
    let moves = if import.applied_at.is_none() {
        calendar::import_moves(ctx.db(), import.year, &file).await?
    } else {
        Vec::new()
    };
    let year = import.year.to_string();
    let title = tf("cal.preview_title", &[("year", &year)]);
    let head = title.clone();
    Ok(ctx.render(&title, move || {
        let kind_text = |d: &FileDay| t(if d.kind == DayKind::Holiday { "cal.kind.holiday" } else { "cal.kind.workday" });
        let day_cell = |d: &FileDay| format!("{} — {} ({})", fmt_date(d.day), d.name, kind_text(d));
        let change_rows = changes.iter().map(|c| {
            let (what, text) = match c {
                DayChange::Added(d) => (t("cal.change.added"), day_cell(d)),
                DayChange::Removed(d) => (t("cal.change.removed"), day_cell(d)),
                DayChange::Changed { old, new } => (t("cal.change.changed"), format!("{} → {}", day_cell(old), day_cell(new))),
            };
            view! { <tr><td>{what}</td><td>{text}</td></tr> }
        }).collect_view();
        let days_view = if changes.is_empty() {
            view! { <p id="no-change">{t("cal.preview_no_change")}</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap" tabindex="0" role="region" aria-label=t("cal.preview_days")>
                    <table class="data" id="day-changes"><tbody>{change_rows}</tbody></table>
                </div>
            }.into_any()
        };
        let moves_view = if moves.is_empty() {
            view! { <p id="no-moves">{t("cal.preview_no_moves")}</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap" tabindex="0" role="region" aria-label=t("cal.preview_moves")>
                    <table class="data" id="moves">
                        <thead><tr><th>{t("cal.case_code")}</th><th>{t("cal.move_from")}</th><th>{t("cal.move_to")}</th></tr></thead>
                        <tbody>{moves.iter().map(|m| view! {
                            <tr><td>{m.code.clone()}</td><td>{fmt_date(m.from)}</td><td>{fmt_date(m.to)}</td></tr>
                        }).collect_view()}</tbody>
                    </table>
                </div>
            }.into_any()
        };
        let action = match import.applied_at {
            Some(at) => view! { <p class="notice">{tf("cal.applied_on", &[("at", &crate::components::layout::fmt_time(at))])}</p> }.into_any(),
            None => view! {
                <form method="post" action="/api/calendar/apply">
                    {hidden("id", import.id.to_string())}
                    <div class="actions"><button class="btn btn-primary" type="submit">{t("cal.apply")}</button></div>
                </form>
            }.into_any(),
        };
        view! {
            {page_head(head.clone(), Some(tf("cal.preview_lead", &[("file", &import.file_name), ("year", &year)])))}
            <section class="card">
                <h2>{t("cal.preview_days")}</h2>
                {days_view}
                <h2>{t("cal.preview_moves")}</h2>
                {moves_view}
                {action}
            </section>
            <p><a href=format!("/admin/calendar?year={year}")>{t("cal.title")}</a></p>
        }
    }))
}

/// `GET /admin/calendar.ics?year=`: a year's listed days for staff calendars (and to import
/// again: the round trip changes nothing).
pub async fn ics(ctx: Ctx) -> PageResult {
    use axum::response::IntoResponse;
    ctx.require(Permission::ManageCalendar, None)?;
    let year = ctx
        .q("year")
        .parse::<i32>()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or(crate::db::today().year());
    let days = calendar::year_days(ctx.db(), year).await?;
    let body = to_ics(year, &days);
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/calendar; charset=utf-8".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"lich-ngay-nghi-{year}.ics\""),
            ),
            (
                axum::http::header::CACHE_CONTROL,
                "private, no-store".to_string(),
            ),
        ],
        body,
    )
        .into_response())
}
