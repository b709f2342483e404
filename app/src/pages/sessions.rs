//! Dialogue sessions: the public calendar, a session's page with its sign-up form, the
//! confirmation (code, QR, cancel), and the officials' list, creation form and sign-ups.

use super::{path_id, PageResult};
use crate::components::form::{hidden, input, select, textarea};
use crate::components::layout::{fmt_time, page_head};
use crate::ctx::Ctx;
use crate::db::sessions::{self, Session};
use crate::db::units;
use crate::domain::Permission;
use crate::i18n::{t, tf};
use axum::extract::Path;
use leptos::prelude::*;

fn local_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
        .format("%H:%M")
        .to_string()
}

fn places_left(s: &Session) -> String {
    let left = (s.capacity - s.confirmed_count).max(0);
    if left == 0 {
        t("ses.full")
    } else {
        tf(
            "ses.places_left",
            &[("n", &left.to_string()), ("of", &s.capacity.to_string())],
        )
    }
}

/// `GET /sessions?unit=&kind=`: upcoming published sessions.
pub async fn calendar(ctx: Ctx) -> PageResult {
    let unit = ctx.q("unit").parse::<i64>().ok();
    let kind = ctx.q("kind").parse::<i64>().ok();
    let list = sessions::upcoming(ctx.db(), chrono::Utc::now(), unit, kind).await?;
    let kinds = sessions::kinds(ctx.db()).await?;
    let today = crate::db::today();
    let all_units = units::all(ctx.db()).await?;
    let lang = ctx.lang;
    let (unit_s, kind_s) = (ctx.q("unit"), ctx.q("kind"));
    let f = ctx.form("filters");
    Ok(ctx.render(&ctx.lang.t("ses.calendar_title"), move || {
        let unit_opts = all_units
            .into_iter()
            .filter(|u| u.in_force_on(today))
            .map(|u| (u.id.to_string(), u.name))
            .collect();
        let kind_opts = kinds.iter().map(|k| (k.id.to_string(), k.name(lang))).collect();
        view! {
            {page_head(t("ses.calendar_title"), Some(t("ses.calendar_lead")))}
            <form class="form filters field-row" method="get" action="/sessions">
                {select(&f, "unit", "ses.unit", unit_opts, &unit_s, false)}
                {select(&f, "kind", "ses.kind", kind_opts, &kind_s, false)}
                <div class="actions"><button class="btn btn-primary" type="submit">{t("form.filter")}</button></div>
            </form>
            {list.is_empty().then(|| view! { <p class="muted">{t("ses.none")}</p> })}
            {list.into_iter().map(|s| view! {
                <article class="card">
                    <h2 class="h3"><a href=format!("/sessions/{}", s.id)>{s.title.clone()}</a></h2>
                    <p><span class="badge badge-info">{s.kind_name(lang)}</span>" "{s.unit_name.clone()}</p>
                    <p>{fmt_time(s.starts_at)}" – "{local_time(s.ends_at)}" · "{s.place.clone()}</p>
                    <p class="small">{places_left(&s)}</p>
                </article>
            }).collect_view()}
        }
    }))
}

/// `GET /sessions/{id}`: a session and its sign-up form.
pub async fn show(ctx: Ctx, Path(id): Path<String>) -> PageResult {
    let s = sessions::get(ctx.db(), path_id(&id)?).await?;
    if s.status != "published" {
        return Err(crate::error::AppError::NotFound);
    }
    let procs = sessions::procedures_of(ctx.db(), s.id).await?;
    let taken: Vec<chrono::DateTime<chrono::Utc>> = sessions::signups(ctx.db(), s.id)
        .await?
        .into_iter()
        .filter(|x| x.status == "confirmed")
        .filter_map(|x| x.slot_start)
        .collect();
    let f = ctx.form("signup");
    let lang = ctx.lang;
    let open = s.ends_at > chrono::Utc::now();
    Ok(ctx.render(&s.title.clone(), move || {
        let slots = s.slot_starts();
        let slot_field = (!slots.is_empty()).then(|| {
            let chosen = f.value("slot", "");
            view! {
                <fieldset>
                    <legend>{t("ses.slot")}" *"</legend>
                    <div class="slot-grid">
                        {slots.into_iter().map(|t0| {
                            let v = t0.to_rfc3339();
                            let busy = taken.contains(&t0);
                            let checked = chosen == v;
                            view! {
                                <label class=if busy { "slot slot-busy" } else { "slot" }>
                                    <input type="radio" name="slot" value=v disabled=busy checked=checked required=true/>
                                    " "{local_time(t0)}{busy.then(|| view! { " "<span class="small">{t("ses.slot_taken")}</span> })}
                                </label>
                            }
                        }).collect_view()}
                    </div>
                    {f.error("slot").map(|e| view! { <p class="error-text">{e}</p> })}
                </fieldset>
                {(!procs.is_empty()).then(|| {
                    let opts = procs.iter().map(|(id, code, name)| (id.to_string(), format!("{code} — {name}"))).collect();
                    select(&f, "procedure_id", "ses.procedure", opts, "", true)
                })}
            }
        });
        view! {
            {page_head(s.title.clone(), Some(s.kind_name(lang)))}
            <section class="card">
                <dl class="facts">
                    <dt>{t("ses.unit")}</dt><dd>{s.unit_name.clone()}</dd>
                    <dt>{t("ses.when")}</dt><dd>{fmt_time(s.starts_at)}" – "{local_time(s.ends_at)}</dd>
                    <dt>{t("ses.place")}</dt><dd>{s.place.clone()}</dd>
                    <dt>{t("ses.places")}</dt><dd>{places_left(&s)}</dd>
                </dl>
                {(!s.description.is_empty()).then(|| view! { <p>{s.description.clone()}</p> })}
            </section>
            {open.then(|| view! {
                <section class="card">
                    <h2>{t("ses.signup")}</h2>
                    <p class="muted">{t(if s.confirmed_count >= s.capacity && !s.slots { "ses.signup_waiting_lead" } else { "ses.signup_lead" })}</p>
                    <form class="form" method="post" action="/api/sessions/signup">
                        {hidden("session_id", s.id.to_string())}
                        {input(&f, "name", "ses.name", "text", "", true, None)}
                        {input(&f, "phone", "ses.phone", "tel", "", true, Some(t("ses.phone_hint")))}
                        {input(&f, "id_number", "ses.id_number", "text", "", false, Some(t("ses.id_number_hint")))}
                        {slot_field}
                        {textarea(&f, "topic", "ses.topic", "", false, Some(t("ses.topic_hint")), 4)}
                        <div class="actions"><button class="btn btn-primary btn-big" type="submit">{t("ses.signup_submit")}</button></div>
                    </form>
                </section>
            })}
            <p><a href="/sessions">{t("ses.back")}</a></p>
        }
    }))
}

/// `GET /sessions/signup/{code}`: the confirmation, its QR code, and the cancel form.
pub async fn signup_page(ctx: Ctx, Path(code): Path<String>) -> PageResult {
    let code = code.trim().to_uppercase();
    let Some(su) = sessions::signup_by_code(ctx.db(), &code).await? else {
        return Err(crate::error::AppError::NotFound);
    };
    let s = sessions::get(ctx.db(), su.session_id).await?;
    let qr = crate::components::qr::svg(&format!(
        "{}/sessions/signup/{code}",
        ctx.state.config.base_url
    ))
    .unwrap_or_default();
    let f = ctx.form("cancel");
    let lang = ctx.lang;
    Ok(ctx.render(&ctx.lang.t("ses.signup_title"), move || {
        let (badge, key) = match su.status.as_str() {
            "confirmed" => ("badge badge-ok", "ses.status.confirmed"),
            "waiting" => ("badge badge-warn", "ses.status.waiting"),
            _ => ("badge badge-muted", "ses.status.cancelled"),
        };
        let active = su.status != "cancelled";
        view! {
            {page_head(t("ses.signup_title"), Some(s.title.clone()))}
            <section class="card center">
                <p><span class=badge>{t(key)}</span></p>
                <p class="big-code">{code.clone()}</p>
                {active.then(|| view! { <div class="qr" inner_html=qr.clone()></div><p class="small">{t("ses.qr_hint")}</p> })}
                <p>{s.kind_name(lang)}" · "{s.unit_name.clone()}</p>
                <p>{fmt_time(s.starts_at)}" – "{local_time(s.ends_at)}" · "{s.place.clone()}</p>
                {su.slot_start.map(|t0| view! { <p><strong>{tf("ses.your_slot", &[("time", &local_time(t0))])}</strong></p> })}
            </section>
            {active.then(|| view! {
                <section class="card">
                    <h2>{t("ses.cancel")}</h2>
                    <form class="form" method="post" action="/api/sessions/cancel">
                        {hidden("code", code.clone())}
                        {input(&f, "phone", "ses.cancel_phone", "tel", "", true, None)}
                        <div class="actions"><button class="btn btn-secondary" type="submit">{t("ses.cancel_submit")}</button></div>
                    </form>
                </section>
            })}
            <p><a href="/sessions">{t("ses.back")}</a></p>
        }
    }))
}

/// `GET /sessions/manage`: the sessions of the official's units and the creation form.
pub async fn manage(ctx: Ctx) -> PageResult {
    let user = ctx.require(Permission::ManageSessions, None)?.clone();
    let list = sessions::in_scope(ctx.db(), user.scope.as_str()).await?;
    let kinds = sessions::kinds(ctx.db()).await?;
    let today = crate::db::today();
    let units_in = units::subtree(ctx.db(), user.scope.as_str()).await?;
    let f = ctx.form("session");
    let lang = ctx.lang;
    Ok(ctx.render(&ctx.lang.t("ses.manage_title"), move || {
        let unit_opts = units_in
            .into_iter()
            .filter(|u| u.in_force_on(today))
            .map(|u| (u.id.to_string(), u.name))
            .collect();
        let kind_opts = kinds.iter().map(|k| (k.id.to_string(), k.name(lang))).collect();
        view! {
            {page_head(t("ses.manage_title"), Some(user.unit_name.clone()))}
            <div class="table-wrap">
                <table class="data">
                    <thead><tr><th>{t("ses.title")}</th><th>{t("ses.when")}</th><th>{t("ses.unit")}</th><th>{t("ses.status")}</th><th>{t("ses.places")}</th></tr></thead>
                    <tbody>
                        {list.into_iter().map(|s| view! {
                            <tr>
                                <td><a href=format!("/sessions/manage/{}", s.id)>{s.title.clone()}</a><br/><span class="small muted">{s.kind_name(lang)}</span></td>
                                <td class="nowrap">{fmt_time(s.starts_at)}</td>
                                <td>{s.unit_name.clone()}</td>
                                <td>{t(&format!("ses.session_status.{}", s.status))}</td>
                                <td class="num">{format!("{}/{}", s.confirmed_count, s.capacity)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <section class="card">
                <h2>{t("ses.new")}</h2>
                <form class="form" method="post" action="/api/sessions/create">
                    <div class="field-row">
                        {select(&f, "unit_id", "ses.unit", unit_opts, &user.unit_id.to_string(), true)}
                        {select(&f, "kind_id", "ses.kind", kind_opts, "", true)}
                    </div>
                    {input(&f, "title", "ses.title", "text", "", true, None)}
                    <div class="field-row">
                        {input(&f, "day", "ses.day", "date", "", true, None)}
                        {input(&f, "start", "ses.start", "time", "08:00", true, None)}
                        {input(&f, "end", "ses.end", "time", "11:00", true, None)}
                    </div>
                    {input(&f, "place", "ses.place", "text", "", true, None)}
                    {input(&f, "capacity", "ses.capacity", "number", "30", true, None)}
                    {input(&f, "description", "ses.description", "text", "", false, None)}
                    <fieldset>
                        <legend>{t("ses.thursday_legend")}</legend>
                        {input(&f, "slot_minutes", "ses.slot_minutes", "number", "30", false, None)}
                        {input(&f, "procedure_codes", "ses.procedure_codes", "text", "", false, Some(t("ses.procedure_codes_hint")))}
                    </fieldset>
                    <div class="actions"><button class="btn btn-primary" type="submit">{t("form.save")}</button></div>
                </form>
            </section>
        }
    }))
}

/// `GET /sessions/manage/{id}`: a session for its officials: publish, sign-ups.
pub async fn manage_one(ctx: Ctx, Path(id): Path<String>) -> PageResult {
    let s = sessions::get(ctx.db(), path_id(&id)?).await?;
    ctx.require(Permission::ManageSessions, Some(&s.scope()))?;
    let list = sessions::signups(ctx.db(), s.id).await?;
    let lang = ctx.lang;
    let over = s.ends_at < chrono::Utc::now();
    let confirmed = list.iter().filter(|x| x.status == "confirmed").count();
    let present = list.iter().filter(|x| x.checked_in_at.is_some()).count();
    let f = ctx.form("checkin");
    Ok(ctx.render(&s.title.clone(), move || {
        let attendance = if over {
            tf("ses.attendance_over", &[("present", &present.to_string()), ("confirmed", &confirmed.to_string()), ("absent", &(confirmed - present).to_string())])
        } else {
            tf("ses.attendance", &[("present", &present.to_string()), ("confirmed", &confirmed.to_string())])
        };
        let slots = s.slots;
        let sid = s.id.to_string();
        view! {
            {page_head(s.title.clone(), Some(s.kind_name(lang)))}
            <section class="card">
                <dl class="facts">
                    <dt>{t("ses.status")}</dt><dd>{t(&format!("ses.session_status.{}", s.status))}</dd>
                    <dt>{t("ses.when")}</dt><dd>{fmt_time(s.starts_at)}" – "{local_time(s.ends_at)}</dd>
                    <dt>{t("ses.place")}</dt><dd>{s.place.clone()}</dd>
                    <dt>{t("ses.places")}</dt><dd>{format!("{}/{}", s.confirmed_count, s.capacity)}</dd>
                </dl>
                {(s.status == "draft").then(|| view! {
                    <form method="post" action="/api/sessions/publish">
                        {hidden("id", s.id.to_string())}
                        <button class="btn btn-primary" type="submit">{t("ses.publish")}</button>
                    </form>
                })}
                {(s.status == "published").then(|| view! { <p><a href=format!("/sessions/{}", s.id)>{t("ses.public_page")}</a></p> })}
            </section>
            {(s.status == "published").then(|| view! {
                <section class="card">
                    <h2>{t("ses.checkin")}</h2>
                    <p class="case-when">{attendance.clone()}</p>
                    <form class="form inline-form" method="post" action="/api/sessions/checkin">
                        {hidden("id", sid.clone())}
                        {input(&f, "code", "ses.checkin_code", "text", "", true, Some(t("ses.checkin_hint")))}
                        <button class="btn btn-primary" type="submit">{t("ses.checkin_submit")}</button>
                    </form>
                </section>
            })}
            <section class="card">
                <h2>{tf("ses.signups_count", &[("n", &list.len().to_string())])}</h2>
                <div class="table-wrap">
                    <table class="data">
                        <thead><tr><th>{t("ses.code")}</th><th>{t("fb.name")}</th><th>{t("ses.phone")}</th><th>{t("ses.status")}</th><th>{t("ses.slot")}</th><th>{t("ses.present")}</th><th>{t("ses.topic")}</th></tr></thead>
                        <tbody>
                            {list.into_iter().map(|x| view! {
                                <tr>
                                    <td class="nowrap">{x.code.clone()}</td>
                                    <td>{x.name.clone()}</td>
                                    <td class="nowrap">{x.phone.clone()}</td>
                                    <td>{t(&format!("ses.status.{}", x.status))}</td>
                                    <td>{x.slot_start.map(local_time).unwrap_or_default()}</td>
                                    <td>{x.checked_in_at.map(local_time).unwrap_or_default()}
                                        {x.minutes_taken().map(|m| {
                                            let class = if m <= 60 { "badge badge-ok" } else { "badge badge-danger" };
                                            view! { <br/><span class=class>{tf("ses.minutes_taken", &[("n", &m.to_string())])}</span> }
                                        })}
                                        {(slots && x.checked_in_at.is_some() && x.result_at.is_none()).then(|| view! {
                                            <form method="post" action="/api/sessions/result">
                                                {hidden("id", x.session_id.to_string())}
                                                {hidden("signup", x.id.to_string())}
                                                <button class="btn btn-small btn-secondary" type="submit">{t("ses.result_submit")}</button>
                                            </form>
                                        })}</td>
                                    <td class="small">{x.topic.clone()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            </section>
            <p><a href="/sessions/manage">{t("ses.back_manage")}</a></p>
        }
    }))
}
