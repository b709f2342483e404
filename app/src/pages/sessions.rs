//! Dialogue sessions: the public calendar, a session's page with its sign-up form, the
//! confirmation (code, QR, cancel), and the officials' list, creation form and sign-ups.

use super::{path_id, PageResult};
use crate::components::form::{checkbox, hidden, input, select, textarea, textarea_text};
use crate::components::layout::{fmt_time, page_head};
use crate::components::publication::{highlighted, summary};
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

/// The unit's notice on a session it cancelled.
fn cancelled_notice(s: &Session) -> Option<impl IntoView> {
    (s.status == "cancelled").then(|| {
        view! {
            <p class="notice notice-warn" role="status">
                <strong>{t("ses.cancelled_by_unit")}</strong>" "{s.cancel_reason.clone()}
            </p>
        }
    })
}

/// The published minutes: each question, the answer and any follow-up as they were reviewed
/// and published (no names: the minutes are public, the askers are not).
fn minutes_view(
    list: &[sessions::Question],
    published: Option<chrono::DateTime<chrono::Utc>>,
) -> Option<impl IntoView> {
    let published = published?;
    let items = list.to_vec();
    Some(view! {
        <section class="card minutes" id="minutes">
            <h2>{t("ses.minutes")}</h2>
            <p class="small muted">{tf("ses.minutes_published_at", &[("time", &fmt_time(published))])}</p>
            <ol class="minutes-list">
                {items.into_iter().map(|q| view! {
                    <li>
                        <p class="minutes-q"><strong>{t("ses.question")}": "</strong>{q.public_question}</p>
                        {(!q.public_answer.is_empty()).then(|| view! {
                            <p class="minutes-a"><strong>{t("ses.answer")}{(!q.public_answered_by.is_empty()).then(|| format!(" ({})", q.public_answered_by))}": "</strong>{q.public_answer.clone()}</p>
                        })}
                        {(!q.public_follow_up.is_empty()).then(|| view! { <p class="minutes-f"><strong>{t("ses.follow_up")}": "</strong>{q.public_follow_up.clone()}</p> })}
                        {q.case_code.map(|c| view! { <p class="small">{tf("ses.became_case", &[("code", &c)])}</p> })}
                    </li>
                }).collect_view()}
            </ol>
        </section>
    })
}

/// The minutes as they would be published, each removal highlighted, with the words the
/// official adds and the button that publishes exactly what is shown.
fn minutes_review(
    s: &Session,
    review: &sessions::MinutesReview,
    f: &crate::ctx::FormView,
) -> impl IntoView {
    let labels = [
        "ses.question",
        "ses.answer",
        "ses.answered_by",
        "ses.follow_up",
    ];
    let again = s.minutes_published_at.is_some();
    view! {
        <section class="review-block" id="review">
            <h3>{t("pub.review_title")}</h3>
            <p class="hint">{t("pub.review_lead_minutes")}</p>
            <p><strong>{summary(review.removed())}</strong></p>
            <ol class="minutes-list">
                {review.items.iter().map(|item| view! {
                    <li>
                        {item.texts.iter().zip(labels).filter(|(p, _)| !p.source().is_empty()).map(|(p, label)| view! {
                            <div class="review-text"><p class="small muted">{t(label)}</p>{highlighted(p)}</div>
                        }).collect_view()}
                    </li>
                }).collect_view()}
            </ol>
            <form class="form" method="post" action="/api/sessions/publish_minutes">
                {hidden("id", s.id.to_string())}
                {hidden("reviewed", review.fingerprint())}
                {textarea(f, "extra", "pub.extra", &s.minutes_extra, false, Some(t("pub.extra_hint")), 3)}
                <div class="actions">
                    <button class="btn btn-secondary" type="submit" name="step" value="preview">{t("pub.preview")}</button>
                    <button class="btn btn-primary" type="submit" name="step" value="publish">{t(if again { "ses.republish_minutes" } else { "ses.publish_minutes" })}</button>
                </div>
            </form>
        </section>
    }
}

/// `GET /sessions?unit=&kind=`: upcoming published sessions.
pub async fn calendar(ctx: Ctx) -> PageResult {
    let unit = ctx.q("unit").parse::<i64>().ok();
    let kind = ctx.q("kind").parse::<i64>().ok();
    let list = sessions::upcoming(ctx.db(), chrono::Utc::now(), unit, kind).await?;
    let past = sessions::with_minutes(ctx.db(), unit, kind).await?;
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
                    {if s.status == "cancelled" {
                        view! { <p><span class="badge badge-danger">{t("ses.session_status.cancelled")}</span>" "{s.cancel_reason.clone()}</p> }.into_any()
                    } else {
                        view! { <p class="small">{places_left(&s)}</p> }.into_any()
                    }}
                </article>
            }).collect_view()}
            {(!past.is_empty()).then(|| view! {
                <section class="card">
                    <h2>{t("ses.past_minutes")}</h2>
                    <ul class="plain-list">
                        {past.into_iter().map(|s| view! {
                            <li><a href=format!("/sessions/{}#minutes", s.id)>{s.title.clone()}</a>
                                <span class="small muted">" · "{fmt_time(s.starts_at)}" · "{s.unit_name.clone()}</span></li>
                        }).collect_view()}
                    </ul>
                </section>
            })}
        }
    }))
}

/// `GET /sessions/{id}`: a session and its sign-up form.
pub async fn show(ctx: Ctx, Path(id): Path<String>) -> PageResult {
    let s = sessions::get(ctx.db(), path_id(&id)?).await?;
    if s.status == "draft" {
        return Err(crate::error::AppError::NotFound);
    }
    let minutes = if s.minutes_public() {
        sessions::public_minutes(ctx.db(), s.id).await?
    } else {
        Vec::new()
    };
    let procs = sessions::procedures_of(ctx.db(), s.id).await?;
    let taken: Vec<chrono::DateTime<chrono::Utc>> = sessions::signups(ctx.db(), s.id)
        .await?
        .into_iter()
        .filter(|x| x.status == "confirmed")
        .filter_map(|x| x.slot_start)
        .collect();
    let f = ctx.form("signup");
    let lang = ctx.lang;
    let over = s.ends_at <= chrono::Utc::now();
    let open = !over && s.status == "published";
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
                    {if over {
                        view! { <dt>{t("ses.status")}</dt><dd>{t("ses.held")}</dd> }.into_any()
                    } else {
                        view! { <dt>{t("ses.places")}</dt><dd>{places_left(&s)}</dd> }.into_any()
                    }}
                </dl>
                {(!s.description.is_empty()).then(|| view! { <p>{s.description.clone()}</p> })}
                {cancelled_notice(&s)}
            </section>
            {minutes_view(&minutes, s.minutes_published_at.filter(|_| s.minutes_withdrawn_at.is_none()))}
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
    // An official of the session's unit scanning the QR at the door gets the check-in form
    // with this code filled in; the citizen (or anyone else) gets the confirmation.
    let manages = ctx
        .user
        .as_ref()
        .is_some_and(|u| u.can(Permission::ManageSessions, Some(&s.scope())));
    if manages && s.status == "published" {
        use axum::response::IntoResponse;
        return Ok(axum::response::Redirect::to(&format!(
            "/sessions/manage/{}?code={code}#checkin",
            s.id
        ))
        .into_response());
    }
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
        let active = su.status != "cancelled" && s.status != "cancelled";
        view! {
            {page_head(t("ses.signup_title"), Some(s.title.clone()))}
            <section class="card center">
                <p><span class=badge>{t(key)}</span></p>
                <p class="big-code">{code.clone()}</p>
                {active.then(|| view! { <div class="qr" inner_html=qr.clone()></div><p class="small">{t("ses.qr_hint")}</p> })}
                <p>{s.kind_name(lang)}" · "{s.unit_name.clone()}</p>
                <p>{fmt_time(s.starts_at)}" – "{local_time(s.ends_at)}" · "{s.place.clone()}</p>
                {su.slot_start.map(|t0| view! { <p><strong>{tf("ses.your_slot", &[("time", &local_time(t0))])}</strong></p> })}
                {cancelled_notice(&s)}
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
            <div class="table-wrap" tabindex="0" role="region" aria-label=t("ses.manage_title")>
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
    let review = sessions::review_minutes(ctx.db(), &s).await?;
    let minutes: Vec<sessions::Question> =
        review.items.iter().map(|i| i.question.clone()).collect();
    let (rated, score_sum) = sessions::rating_totals(ctx.db(), s.id).await?;
    let withdraws = ctx
        .user
        .as_ref()
        .is_some_and(|u| u.can(Permission::WithdrawPublished, Some(&s.scope())));
    let can_case = ctx
        .user
        .as_ref()
        .is_some_and(|u| u.can(Permission::HandleFeedback, Some(&s.scope())));
    let lang = ctx.lang;
    let now = chrono::Utc::now();
    let over = s.ends_at < now;
    let started = s.starts_at <= now;
    // Questions added or changed since the minutes were last published (or taken down).
    let unpublished_changes =
        s.minutes_withdrawn_at.is_some() || minutes.iter().any(|q| !q.published_as_is());
    let may_publish = s.minutes_withdrawn_at.is_none() || withdraws;
    let confirmed = list.iter().filter(|x| x.status == "confirmed").count();
    let present = list.iter().filter(|x| x.checked_in_at.is_some()).count();
    let f = ctx.form("checkin");
    // A code from a scanned sign-up QR (see `signup_page`), only letters and digits kept.
    let scanned: String = ctx
        .q("code")
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(16)
        .collect();
    let fq = ctx.form("question");
    let fc = ctx.form("cancel_session");
    let fm = ctx.form("minutes");
    let fw = ctx.form("withdraw_minutes");
    let edit_forms: Vec<_> = minutes
        .iter()
        .map(|q| ctx.form(&format!("question-{}", q.id)))
        .collect();
    Ok(ctx.render(&s.title.clone(), move || {
        let attendance = if over {
            tf("ses.attendance_over", &[("present", &present.to_string()), ("confirmed", &confirmed.to_string()), ("absent", &(confirmed - present).to_string())])
        } else {
            tf("ses.attendance", &[("present", &present.to_string()), ("confirmed", &confirmed.to_string())])
        };
        let slots = s.slots;
        let sid = s.id.to_string();
        let signups_heading = tf("ses.signups_count", &[("n", &list.len().to_string())]);
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
                {(s.status != "draft").then(|| view! { <p><a href=format!("/sessions/{}", s.id)>{t("ses.public_page")}</a></p> })}
                {cancelled_notice(&s)}
            </section>
            {(s.status == "published").then(|| view! {
                <section class="card" id="checkin">
                    <h2>{t("ses.checkin")}</h2>
                    <p class="case-when">{attendance.clone()}</p>
                    <form class="form inline-form" method="post" action="/api/sessions/checkin">
                        {hidden("id", sid.clone())}
                        {input(&f, "code", "ses.checkin_code", "text", &scanned, true, Some(t("ses.checkin_hint")))}
                        <button class="btn btn-primary" type="submit">{t("ses.checkin_submit")}</button>
                    </form>
                </section>
            })}
            {(s.status == "published" && started).then(|| {
                let sid = s.id.to_string();
                view! {
                    <section class="card" id="minutes">
                        <h2>{t("ses.minutes")}</h2>
                        <p class="small muted">{match (s.minutes_published_at, s.minutes_withdrawn_at) {
                            (_, Some(at)) => tf("pub.withdrawn_text", &[("time", &fmt_time(at)), ("reason", &s.minutes_withdrawn_reason)]),
                            (Some(at), None) => tf("ses.minutes_published_at", &[("time", &fmt_time(at))]),
                            (None, None) => t("ses.minutes_draft"),
                        }}</p>
                        {(over && unpublished_changes && may_publish && !minutes.is_empty()).then(|| minutes_review(&s, &review, &fm))}
                        {(s.minutes_public() && withdraws).then(|| view! {
                            <form class="form" method="post" action="/api/sessions/withdraw_minutes">
                                {hidden("id", sid.clone())}
                                {input(&fw, "reason", "pub.withdraw_reason", "text", "", true, Some(t("pub.withdraw_hint")))}
                                <div class="actions"><button class="btn btn-danger" type="submit">{t("pub.withdraw_minutes")}</button></div>
                            </form>
                        })}
                        <ol class="minutes-list">
                            {minutes.iter().zip(edit_forms.iter()).map(|(q, fe)| {
                                let open = fe.has_errors();
                                view! {
                                    <li>
                                        <p class="minutes-q"><strong>{q.asker.clone()}": "</strong>{q.question.clone()}</p>
                                        {(!q.answer.is_empty()).then(|| view! {
                                            <p class="minutes-a"><strong>{t("ses.answer")}{(!q.answered_by.is_empty()).then(|| format!(" ({})", q.answered_by))}": "</strong>{q.answer.clone()}</p>
                                        })}
                                        {(!q.follow_up.is_empty()).then(|| view! { <p class="minutes-f"><strong>{t("ses.follow_up")}": "</strong>{q.follow_up.clone()}</p> })}
                                        {match (q.case_id, q.case_code.clone()) {
                                            (Some(cid), Some(code)) => view! {
                                                <p><a href=format!("/feedback/cases/{cid}")>{tf("ses.became_case", &[("code", &code)])}</a></p>
                                            }.into_any(),
                                            _ => can_case.then(|| view! {
                                                <form method="post" action="/api/sessions/to_case">
                                                    {hidden("id", sid.clone())}
                                                    {hidden("question", q.id.to_string())}
                                                    <button class="btn btn-small btn-secondary" type="submit">{t("ses.to_case")}</button>
                                                </form>
                                            }).into_any(),
                                        }}
                                        <details open=open>
                                            <summary>{t("ses.edit_question")}</summary>
                                            {question_form(fe, &sid, Some(q))}
                                        </details>
                                    </li>
                                }
                            }).collect_view()}
                        </ol>
                        <h3>{t("ses.add_question")}</h3>
                        {question_form(&fq, &sid, None)}
                    </section>
                }
            })}
            {(over && s.status == "published").then(|| view! {
                <section class="card">
                    <h2>{t("ses.ratings")}</h2>
                    <p>{if rated == 0 { t("ses.ratings_none") } else {
                        tf("ses.ratings_summary", &[("n", &rated.to_string()), ("mean", &format!("{:.2}", score_sum as f64 / rated as f64))])
                    }}</p>
                    <p class="small muted">{t("ses.ratings_hint")}</p>
                </section>
            })}
            {(!over && s.status != "cancelled").then(|| view! {
                <section class="card">
                    <h2>{t("ses.cancel_session")}</h2>
                    <form class="form" method="post" action="/api/sessions/cancel_session">
                        {hidden("id", s.id.to_string())}
                        {input(&fc, "reason", "ses.cancel_reason", "text", "", true, Some(t("ses.cancel_reason_hint")))}
                        <div class="actions"><button class="btn btn-danger" type="submit">{t("ses.cancel_session_submit")}</button></div>
                    </form>
                </section>
            })}
            <section class="card">
                <h2>{signups_heading.clone()}</h2>
                <div class="table-wrap" tabindex="0" role="region" aria-label=signups_heading>
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

/// The form for one question of the minutes: a new one, or `q` to change.
fn question_form(
    f: &crate::ctx::FormView,
    sid: &str,
    q: Option<&sessions::Question>,
) -> impl IntoView {
    let v = |get: fn(&sessions::Question) -> &String| q.map(|q| get(q).clone()).unwrap_or_default();
    let (asker, phone, address) = (
        v(|q| &q.asker),
        v(|q| &q.asker_phone),
        v(|q| &q.asker_address),
    );
    let (question, answer) = (v(|q| &q.question), v(|q| &q.answer));
    let (by, follow) = (v(|q| &q.answered_by), v(|q| &q.follow_up));
    view! {
        <form class="form" method="post" action="/api/sessions/question">
            {hidden("id", sid.to_string())}
            {q.map(|q| hidden("question_id", q.id.to_string()))}
            <div class="field-row">
                {input(f, "signup_code", "ses.question_signup", "text", "", false, Some(t("ses.question_signup_hint")))}
                {input(f, "asker", "ses.asker", "text", &asker, false, None)}
            </div>
            <div class="field-row">
                {input(f, "asker_phone", "ses.asker_phone", "tel", &phone, false, None)}
                {input(f, "asker_address", "ses.asker_address", "text", &address, false, Some(t("ses.asker_private_hint")))}
            </div>
            {textarea(f, "question", "ses.question", &question, true, None, 3)}
            {textarea(f, "answer", "ses.answer", &answer, false, None, 3)}
            {input(f, "answered_by", "ses.answered_by", "text", &by, false, Some(t("ses.answered_by_hint")))}
            {textarea(f, "follow_up", "ses.follow_up", &follow, false, Some(t("ses.follow_up_hint")), 2)}
            <div class="actions"><button class="btn btn-primary" type="submit">{t("form.save")}</button></div>
        </form>
    }
}

/// `GET /sessions/rate/{code}/{sig}`: a participant rates the session (the link sent after it).
pub async fn rate_page(ctx: Ctx, Path((code, sig)): Path<(String, String)>) -> PageResult {
    use super::survey::{message_page, overall_scale};
    use axum::http::StatusCode;
    let Some(su) =
        sessions::signup_for_rating(ctx.db(), &ctx.state.config.secret, &code, &sig).await?
    else {
        return Err(crate::error::AppError::NotFound);
    };
    let s = sessions::get(ctx.db(), su.session_id).await?;
    let closed = s.ends_at + chrono::Duration::days(sessions::RATE_DAYS) < chrono::Utc::now();
    if su.rated_at.is_some() || closed || su.checked_in_at.is_none() {
        let (title, text) = if su.rated_at.is_some() {
            ("ses.rate_done_title", "ses.rate_done_text")
        } else if closed {
            ("survey.expired_title", "ses.rate_closed")
        } else {
            ("ses.rate_title", "ses.rate_not_attended")
        };
        return Ok(message_page(
            &ctx,
            StatusCode::GONE,
            title,
            ctx.lang.t(text),
        ));
    }
    let f = ctx.form("session_rate");
    let lang = ctx.lang;
    let (code, sig) = (su.code.clone(), sig.trim().to_string());
    Ok(ctx.render(&ctx.lang.t("ses.rate_title"), move || {
        let comment = f.value("comment", "");
        view! {
            {page_head(t("ses.rate_title"), Some(tf("ses.rate_lead", &[("unit", &s.unit_name)])))}
            <section class="card survey-about">
                <dl class="facts">
                    <dt>{t("ses.kind")}</dt><dd>{s.kind_name(lang)}</dd>
                    <dt>{t("ses.title")}</dt><dd>{s.title.clone()}</dd>
                    <dt>{t("ses.when")}</dt><dd>{fmt_time(s.starts_at)}</dd>
                </dl>
            </section>
            <form class="form survey" method="post" action="/api/sessions/rate">
                {hidden("code", code.clone())}
                {hidden("sig", sig.clone())}
                {overall_scale(&f, "ses.rate_overall")}
                <div class="field">
                    <label for="f-comment">{t("survey.comment")}</label>
                    <textarea id="f-comment" name="comment" maxlength="1000" rows="4">{textarea_text(&comment)}</textarea>
                    <p class="hint">{t("survey.comment_hint")}</p>
                </div>
                <div class="actions"><button class="btn btn-primary btn-big" type="submit">{t("survey.submit")}</button></div>
            </form>
        }
    }))
}

/// `GET /admin/session-kinds`: the kinds of session offered, and a form to add one.
pub async fn kinds_page(ctx: Ctx) -> PageResult {
    ctx.require(Permission::ManageSessionKinds, None)?;
    let kinds = sessions::kinds(ctx.db()).await?;
    let f = ctx.form("kind");
    Ok(ctx.render(&ctx.lang.t("ses.kinds_title"), move || {
        view! {
            {page_head(t("ses.kinds_title"), Some(t("ses.kinds_lead")))}
            <div class="table-wrap" tabindex="0" role="region" aria-label=t("ses.kinds_title")>
                <table class="data">
                    <thead><tr><th>{t("ses.kind_code")}</th><th>{t("ses.kind_name_vi")}</th><th>{t("ses.kind_name_en")}</th><th>{t("ses.kind_slots")}</th></tr></thead>
                    <tbody>
                        {kinds.into_iter().map(|k| view! {
                            <tr>
                                <td class="nowrap">{k.code.clone()}</td>
                                <td>{k.name_vi.clone()}</td>
                                <td>{k.name_en.clone()}</td>
                                <td>{if k.slots { t("form.yes") } else { t("form.no") }}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <section class="card">
                <h2>{t("ses.kind_new")}</h2>
                <form class="form" method="post" action="/api/sessions/kind">
                    {input(&f, "code", "ses.kind_code", "text", "", true, Some(t("ses.kind_code_hint")))}
                    {input(&f, "name_vi", "ses.kind_name_vi", "text", "", true, None)}
                    {input(&f, "name_en", "ses.kind_name_en", "text", "", false, None)}
                    {checkbox(&f, "slots", "ses.kind_slots_label", false)}
                    <div class="actions"><button class="btn btn-primary" type="submit">{t("form.save")}</button></div>
                </form>
            </section>
        }
    }))
}
