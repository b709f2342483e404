//! The working-day calendar (holidays and make-up working days, by year), the feedback deadlines,
//! and a deadline checker that shows what the calendar gives for a date and a number of days.

use super::PageResult;
use crate::components::form::{checkbox, hidden, input, select};
use crate::components::layout::{fmt_date, page_head};
use crate::ctx::Ctx;
use crate::db::calendar;
use crate::domain::calendar::DayKind;
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
