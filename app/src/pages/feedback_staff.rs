//! Feedback cases for officials and leaders: the inbox of their units (filters by status, due
//! soon, overdue, assigned to me), one case with its timeline and the step its status allows, an
//! entry form for cases received by phone, paper or e-mail, and the attachments (served only to
//! staff of the case's units).

use super::feedback::{case_form, due_badges, form_lists, paragraphs, status_badge, timeline};
use super::{path_id, PageResult};
use crate::components::form::{field_error, hidden, input, select, textarea};
use crate::components::layout::{fmt_date, fmt_time, page_head};
use crate::components::pager::{page_of, pager, PAGE_SIZE};
use crate::components::publication::{highlighted, summary};
use crate::ctx::{Ctx, FormView};
use crate::db::feedback::{self as fb, Case, Filter, PublicTexts};
use crate::db::{accounts, calendar, units};
use crate::domain::feedback::{self, Class, FileKind, Status};
use crate::domain::Permission;
use crate::error::AppError;
use crate::i18n::{t, tf};
use axum::extract::Path;
use axum::http::header;
use axum::response::IntoResponse;
use leptos::prelude::*;

/// `GET /feedback/cases`: the inbox.
pub async fn inbox(ctx: Ctx) -> PageResult {
    let user = ctx.require(Permission::HandleFeedback, None)?.clone();
    let (status_s, due_s, mine_s, q) = (ctx.q("status"), ctx.q("due"), ctx.q("mine"), ctx.q("q"));
    let filter = Filter {
        status: Status::parse(&status_s),
        open_only: status_s == "open",
        due_soon: due_s == "soon",
        overdue: due_s == "overdue",
        assignee: (mine_s == "1").then_some(user.id),
        q: q.clone(),
    };
    let cal = calendar::load(ctx.db()).await?;
    let settings = calendar::feedback_settings(ctx.db()).await?;
    let today = crate::db::today();
    let soon = cal.add_working_days(today, settings.due_soon_days);
    let scope = user.scope.as_str().to_string();
    let page = page_of(&ctx.q("page"));
    let (rows, total) = fb::inbox(
        ctx.db(),
        &scope,
        &filter,
        today,
        soon,
        PAGE_SIZE,
        (page - 1) * PAGE_SIZE,
    )
    .await?;
    let (open, due_soon, overdue) = fb::counts(ctx.db(), &scope, today, soon).await?;
    let year_start =
        chrono::NaiveDate::from_ymd_opt(chrono::Datelike::year(&today), 1, 1).unwrap_or(today);
    let year_end =
        chrono::NaiveDate::from_ymd_opt(chrono::Datelike::year(&today), 12, 31).unwrap_or(today);
    let c766 = crate::reports::feedback_766(ctx.db(), &scope, year_start, year_end, today).await?;
    let f = ctx.form("filters");
    Ok(ctx.render(&ctx.lang.t("fb.inbox_title"), move || {
        let params = [
            ("status", status_s.clone()),
            ("due", due_s.clone()),
            ("mine", mine_s.clone()),
            ("q", q.clone()),
        ];
        let statuses = std::iter::once(("open".to_string(), t("fb.filter_open")))
            .chain(Status::ALL.iter().map(|s| (s.as_str().to_string(), t(s.label_key()))))
            .collect::<Vec<_>>();
        let many_units = rows.iter().any(|c| c.unit_id != user.unit_id);
        let dues = vec![
            ("soon".to_string(), t("fb.filter_due_soon")),
            ("overdue".to_string(), t("fb.filter_overdue")),
        ];
        view! {
            {page_head(t("fb.inbox_title"), Some(user.unit_name.clone()))}
            <div class="stats">
                <a class="stat" href="/feedback/cases?status=open"><span class="stat-value">{open}</span><span class="stat-label">{t("fb.stat_open")}</span></a>
                <a class="stat" href="/feedback/cases?due=soon"><span class="stat-value">{due_soon}</span><span class="stat-label">{t("fb.stat_due_soon")}</span></a>
                <a class="stat stat-danger" href="/feedback/cases?due=overdue"><span class="stat-value">{overdue}</span><span class="stat-label">{t("fb.stat_overdue")}</span></a>
            </div>
            <p class="ratios">{ratios_766(&c766, chrono::Datelike::year(&today))}</p>
            <div class="page-actions">
                <a class="btn btn-primary" href="/feedback/cases/new">{t("fb.enter_case")}</a>
                <a class="btn btn-secondary" href="/feedback/answers">{t("fb.answers_link")}</a>
            </div>
            <form class="form filters field-row" method="get" action="/feedback/cases">
                {select(&f, "status", "fb.status", statuses, &status_s, false)}
                {select(&f, "due", "fb.due", dues, &due_s, false)}
                {input(&f, "q", "fb.search_code_name", "search", &q, false, None)}
                <label class="check"><input type="checkbox" name="mine" value="1" checked=mine_s == "1"/>" "{t("fb.filter_mine")}</label>
                <div class="actions"><button class="btn btn-primary" type="submit">{t("form.filter")}</button></div>
            </form>
            <p class="muted">{tf("fb.cases_count", &[("n", &total.to_string())])}</p>
            <div class="table-wrap" tabindex="0" role="region" aria-label=t("fb.inbox_title")>
                <table class="data">
                    <thead><tr>
                        <th>{t("fb.code")}</th><th>{t("fb.received_on")}</th><th>{t("fb.citizen")}</th>
                        <th>{t("fb.status")}</th><th>{t("fb.due")}</th><th>{t("fb.assignee")}</th>
                    </tr></thead>
                    <tbody>
                        {rows.into_iter().map(|c| view! {
                            <tr>
                                <td class="nowrap"><a href=format!("/feedback/cases/{}", c.id)>{c.code.clone()}</a></td>
                                <td class="nowrap">{fmt_date(c.received_on)}</td>
                                <td>{c.citizen_name.clone()}<br/><span class="small muted">{short(c.procedure_name.as_deref().unwrap_or(""), 48)}</span>
                                    {many_units.then(|| view! { <br/><span class="small">{c.unit_name.clone()}</span> })}</td>
                                <td>{status_badge(c.status())}
                                    {(c.citizen_satisfied == Some(false)).then(|| view! { " "<span class="badge badge-danger">{t("fb.dissatisfied")}</span> })}</td>
                                <td>{due_badges(&c, &cal, today, settings.due_soon_days)}</td>
                                <td>{c.assignee_name.clone().unwrap_or_else(|| "—".into())}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            {pager("/feedback/cases", &params, page, total)}
        }
    }))
}

/// The feedback ratios of Decision 766 for the year so far, in one sentence.
fn ratios_766(c: &crate::domain::feedback::Counts766, year: i32) -> String {
    let pct = |r: Option<f64>| {
        r.map(|v| format!("{:.0} %", v * 100.0))
            .unwrap_or_else(|| "—".into())
    };
    tf(
        "fb.ratios_766",
        &[
            ("year", &year.to_string()),
            ("n", &c.in_authority.to_string()),
            ("on_time", &pct(c.on_time_ratio())),
            ("not_failed", &pct(c.not_failed_ratio())),
        ],
    )
}

/// The first `max` characters of `s`, with an ellipsis when cut.
fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max).collect();
        out.push('…');
        out
    }
}

/// The case `id` if the signed-in account may read it: staff of the unit handling it, or of the
/// unit that first received it.
async fn readable_case(
    ctx: &Ctx,
    id: &str,
) -> Result<(crate::ctx::CurrentUser, fb::Case), AppError> {
    let user = ctx.require(Permission::HandleFeedback, None)?.clone();
    let case = fb::get(ctx.db(), path_id(id)?).await?;
    if user.can(Permission::HandleFeedback, Some(&case.scope()))
        || user.can(Permission::HandleFeedback, Some(&case.origin_scope()))
    {
        Ok((user, case))
    } else {
        tracing::info!(account = user.id, case = case.id, "case refused");
        Err(AppError::Forbidden)
    }
}

/// The review of an answer before it goes public: the citizen's content and the answer as the
/// public page will show them, each removal highlighted, the words the official adds, and the
/// buttons to see it again or to publish (`action`, with `publish_label`).
fn review_card(
    case: &Case,
    f: &FormView,
    action: &'static str,
    publish_label: String,
) -> impl IntoView {
    let texts = PublicTexts::of(case, &case.answer, &case.extra_words());
    view! {
        <section class="card review" id="review">
            <h2>{t("pub.review_title")}</h2>
            <p class="hint">{t("pub.review_lead")}</p>
            <p><strong>{summary(texts.removed())}</strong></p>
            <h3 class="h4">{t("fb.public_question")}</h3>
            <div class="review-text">{highlighted(&texts.content)}</div>
            <h3 class="h4">{t("fb.public_answer")}</h3>
            <div class="review-text">{highlighted(&texts.answer)}</div>
            <form class="form" method="post" action=action>
                {hidden("id", case.id.to_string())}
                {hidden("reviewed", texts.fingerprint())}
                {textarea(f, "extra", "pub.extra", &case.public_extra, false, Some(t("pub.extra_hint")), 3)}
                <div class="actions">
                    <button class="btn btn-secondary" type="submit" name="step" value="preview">{t("pub.preview")}</button>
                    <button class="btn btn-primary" type="submit" name="step" value="publish">{publish_label}</button>
                </div>
            </form>
        </section>
    }
}

/// `GET /feedback/cases/{id}`: one case, its timeline and the next step.
pub async fn show(ctx: Ctx, Path(id): Path<String>) -> PageResult {
    let (user, case) = readable_case(&ctx, &id).await?;
    let events = fb::events(ctx.db(), case.id, false).await?;
    let files = fb::attachments(ctx.db(), case.id).await?;
    let source = crate::db::sessions::source_of_case(ctx.db(), case.id).await?;
    let cal = calendar::load(ctx.db()).await?;
    let settings = calendar::feedback_settings(ctx.db()).await?;
    let today = crate::db::today();
    let acts = user.can(Permission::HandleFeedback, Some(&case.scope()));
    let approves = user.can(Permission::ApproveFeedback, Some(&case.scope()));
    let withdraws = user.can(Permission::WithdrawPublished, Some(&case.scope()));
    let staff = if acts && case.status().is_open() {
        accounts::in_subtree(ctx.db(), &case.unit_path)
            .await?
            .into_iter()
            .filter(|a| a.active)
            .map(|a| (a.id.to_string(), a.full_name))
            .collect::<Vec<_>>()
    } else {
        Vec::new()
    };
    let targets = if acts && case.status() == Status::Received {
        units::all(ctx.db())
            .await?
            .into_iter()
            .filter(|u| u.in_force_on(today) && u.id != case.unit_id)
            .map(|u| (u.id.to_string(), u.name))
            .collect::<Vec<_>>()
    } else {
        Vec::new()
    };
    let forms = [
        ctx.form("assign"),
        ctx.form("classify"),
        ctx.form("answer"),
        ctx.form("return"),
        ctx.form("review"),
        ctx.form("approve"),
        ctx.form("withdraw"),
    ];
    let title = ctx.lang.tf("fb.case_title", &[("code", &case.code)]);
    Ok(ctx.render(&title.clone(), move || {
        let [f_assign, f_classify, f_answer, f_return, f_review, f_approve, f_withdraw] = forms;
        let status = case.status();
        let id = case.id.to_string();
        let assign = (acts && status.is_open()).then(|| view! {
            <form class="form inline-form" method="post" action="/api/feedback/assign">
                {hidden("id", id.clone())}
                {select(&f_assign, "assignee", "fb.assign_to", staff.clone(), &case.assignee_id.map(|a| a.to_string()).unwrap_or_default(), false)}
                <button class="btn btn-secondary" type="submit">{t("fb.assign")}</button>
            </form>
        });
        let classify = (acts && status == Status::Received).then(|| {
            let chosen = f_classify.value("class", "");
            view! {
                <form class="form" method="post" action="/api/feedback/classify">
                    {hidden("id", id.clone())}
                    <fieldset>
                        <legend>{t("fb.classify")}</legend>
                        <p class="hint">{tf("fb.classify_hint", &[("date", &fmt_date(case.forward_due))])}</p>
                        {Class::ALL.into_iter().map(|c| {
                            let checked = chosen == c.as_str();
                            view! {
                                <label class="check radio-line">
                                    <input type="radio" name="class" value=c.as_str() checked=checked required=true/>
                                    " "{t(c.label_key())}
                                </label>
                            }
                        }).collect_view()}
                        {field_error(&f_classify, "class")}
                    </fieldset>
                    {textarea(&f_classify, "reason", "fb.reason", "", false, Some(t("fb.reason_hint")), 3)}
                    <fieldset>
                        <legend>{t("fb.forward_legend")}</legend>
                        {select(&f_classify, "forward_unit", "fb.forward_unit", targets.clone(), "", false)}
                        {input(&f_classify, "forward_external", "fb.forward_external", "text", "", false, Some(t("fb.forward_external_hint")))}
                    </fieldset>
                    <div class="actions"><button class="btn btn-primary" type="submit">{t("fb.classify_submit")}</button></div>
                </form>
            }
        });
        let answer_form = (acts && status == Status::Processing).then(|| view! {
            <form class="form" method="post" action="/api/feedback/answer">
                {hidden("id", id.clone())}
                {textarea(&f_answer, "answer", "fb.answer", &case.answer, true,
                    Some(t(if settings.approval_required { "fb.answer_hint_approval" } else { "fb.answer_hint" })), 8)}
                <div class="actions"><button class="btn btn-primary" type="submit">{t("pub.save_and_review")}</button></div>
            </form>
        });
        // The draft as the public would read it, before it is published or sent for approval.
        let review = (acts && status == Status::Processing && !case.answer.trim().is_empty()).then(|| {
            review_card(&case, &f_review, "/api/feedback/review",
                t(if settings.approval_required { "fb.submit_for_approval" } else { "fb.publish_answer" }))
        });
        let approval = (status == Status::AwaitingApproval).then(|| {
            let buttons = approves.then(|| view! {
                {review_card(&case, &f_approve, "/api/feedback/approve", t("fb.approve"))}
                <form class="form" method="post" action="/api/feedback/return">
                    <h3>{t("fb.or_return")}</h3>
                    {hidden("id", id.clone())}
                    {textarea(&f_return, "note", "fb.return_note", "", true, None, 3)}
                    <button class="btn btn-secondary" type="submit">{t("fb.return")}</button>
                </form>
            });
            view! {
                <section class="card">
                    <h2>{t("fb.draft_answer")}</h2>
                    <div class="quote">{paragraphs(&case.answer)}</div>
                    {if approves { None } else { Some(view! { <p class="muted">{t("fb.waiting_approval")}</p> }) }}
                    {buttons}
                </section>
            }
        });
        let close = (acts && status == Status::Answered).then(|| view! {
            <form class="form inline-form" method="post" action="/api/feedback/close">
                {hidden("id", id.clone())}
                <button class="btn btn-secondary" type="submit">{t("fb.close")}</button>
            </form>
        });
        let answered = matches!(status, Status::Answered | Status::Closed);
        let published = answered.then(|| view! {
            <section class="card answer">
                <h2>{t("fb.answer_heading")}</h2>
                <p class="small muted">{case.answered_at.map(fmt_time).unwrap_or_default()}</p>
                {paragraphs(&case.answer)}
                <p class="small">{match case.citizen_satisfied {
                    Some(true) => t("fb.rated_yes_staff"),
                    Some(false) => t("fb.rated_no_staff"),
                    None => t("fb.not_rated"),
                }}</p>
            </section>
        });
        // What the public page shows of it, a leader's take-down, and publishing it again.
        let public = answered.then(|| match case.public_withdrawn_at {
            None => view! {
                <section class="card">
                    <h2>{t("pub.public_version")}</h2>
                    <p class="small muted"><a href="/feedback/answers">{t("fb.answers_link")}</a></p>
                    <h3 class="h4">{t("fb.public_question")}</h3>
                    <div class="quote">{paragraphs(&case.public_content)}</div>
                    <h3 class="h4">{t("fb.public_answer")}</h3>
                    {paragraphs(&case.public_answer)}
                    {withdraws.then(|| view! {
                        <form class="form" method="post" action="/api/feedback/withdraw">
                            {hidden("id", id.clone())}
                            {input(&f_withdraw, "reason", "pub.withdraw_reason", "text", "", true, Some(t("pub.withdraw_hint")))}
                            <div class="actions"><button class="btn btn-danger" type="submit">{t("pub.withdraw")}</button></div>
                        </form>
                    })}
                </section>
            }.into_any(),
            Some(at) => view! {
                <section class="card notice notice-warn">
                    <h2>{t("pub.withdrawn_title")}</h2>
                    <p>{tf("pub.withdrawn_text", &[("time", &fmt_time(at)), ("reason", &case.public_withdrawn_reason)])}</p>
                </section>
                {withdraws.then(|| review_card(&case, &f_review, "/api/feedback/review", t("pub.republish")))}
            }.into_any(),
        });
        let reason = (status == Status::NotAccepted).then(|| view! {
            <section class="card notice notice-warn"><h2>{t("fb.not_accepted_heading")}</h2>{paragraphs(&case.reject_reason)}</section>
        });
        let contact = |label: &'static str, v: &str| (!v.is_empty()).then(|| {
            let v = v.to_string();
            view! { <dt>{t(label)}</dt><dd>{v}</dd> }
        });
        view! {
            {page_head(title, Some(case.unit_name.clone()))}
            <p class="case-status">{status_badge(status)}" "{due_badges(&case, &cal, today, settings.due_soon_days)}
                {case.class().map(|c| view! { " "<span class="badge badge-muted">{t(c.label_key())}</span> })}</p>
            <div class="grid-2 case-grid">
                <div>
                    <section class="card">
                        <h2>{t("fb.citizen")}</h2>
                        <dl class="facts">
                            <dt>{t("fb.name")}</dt><dd>{case.citizen_name.clone()}</dd>
                            {contact("fb.phone", &case.citizen_phone)}
                            {contact("fb.email", &case.citizen_email)}
                            <dt>{t("fb.address")}</dt><dd>{case.citizen_address.clone()}</dd>
                            <dt>{t("fb.channel")}</dt><dd>{t(case.channel().label_key())}</dd>
                            {source.clone().map(|(sid, title, _)| view! {
                                <dt>{t("fb.from_session")}</dt><dd><a href=format!("/sessions/manage/{sid}#minutes")>{title}</a></dd>
                            })}
                            <dt>{t("fb.received_at")}</dt><dd>{fmt_time(case.received_at)}</dd>
                            {(case.unit_received_on != case.received_on).then(|| view! {
                                <dt>{t("fb.unit_received_on")}</dt><dd>{fmt_date(case.unit_received_on)}</dd>
                            })}
                            {case.procedure_name.clone().map(|p| view! { <dt>{t("fb.procedure")}</dt><dd>{p}</dd> })}
                            <dt>{t("fb.assignee")}</dt><dd>{case.assignee_name.clone().unwrap_or_else(|| "—".into())}</dd>
                        </dl>
                    </section>
                    <section class="card">
                        <h2>{t("fb.content")}</h2>
                        {paragraphs(&case.content)}
                        {(!files.is_empty()).then(|| view! {
                            <h3>{t("fb.files")}</h3>
                            <ul class="files">
                                {files.into_iter().enumerate().map(|(i, a)| {
                                    // Served under a name we make; the citizen's is shown as text only.
                                    let served = FileKind::from_mime(&a.content_type)
                                        .map(|k| feedback::served_file_name(&case.code, i + 1, k))
                                        .unwrap_or_default();
                                    let typed = feedback::clean_file_name(&a.file_name, FileKind::Pdf);
                                    view! {
                                        <li><a href=format!("/feedback/cases/{}/files/{}", a.case_id, a.id) download=served.clone()>{served.clone()}</a>
                                            " "<span class="small muted">{format!("{} · {} KB", a.content_type, (a.size_bytes + 1023) / 1024)}</span>
                                            <br/><span class="small">{tf("fb.file_sent_as", &[("name", &typed)])}</span></li>
                                    }
                                }).collect_view()}
                            </ul>
                        })}
                    </section>
                    {reason}
                    {published}
                    {public}
                    {approval}
                </div>
                <div>
                    {(acts && (status.is_open() || status == Status::Answered)).then(|| view! {
                        <section class="card">
                            <h2>{t("fb.next_step")}</h2>
                            {assign}
                            {classify}
                            {answer_form}
                            {close}
                        </section>
                    })}
                    {review}
                    <section class="card">
                        <h2>{t("fb.timeline")}</h2>
                        {timeline(events, true)}
                    </section>
                </div>
            </div>
            <p><a href="/feedback/cases">{t("fb.back_to_inbox")}</a></p>
        }
    }))
}

/// `GET /feedback/cases/new`: an official enters a case received by phone, paper or e-mail.
pub async fn new_case(ctx: Ctx) -> PageResult {
    let user = ctx.require(Permission::HandleFeedback, None)?.clone();
    let lists = form_lists(&ctx, Some(user.scope.as_str())).await?;
    let f = ctx.form("case");
    let today = crate::db::today();
    let unit = user.unit_id.to_string();
    Ok(ctx.render(&ctx.lang.t("fb.enter_title"), move || {
        view! {
            {page_head(t("fb.enter_title"), Some(t("fb.enter_lead")))}
            <section class="card">{case_form(f, lists, true, unit, today)}</section>
        }
    }))
}

/// `GET /feedback/cases/{id}/files/{file}`: an attachment, to staff who may read the case. It is
/// served for saving under a name we make, with the extension of the type its bytes were
/// recognised as (`hs-PA26048213-1.pdf`): a PDF that also reads as HTML, sent as `evil.html`,
/// is saved as a `.pdf` and opened by a PDF reader, never by the browser as a page.
pub async fn attachment(ctx: Ctx, Path((id, file)): Path<(String, String)>) -> PageResult {
    let (_, case) = readable_case(&ctx, &id).await?;
    let file_id = path_id(&file)?;
    let (meta, data) = fb::attachment_data(ctx.db(), case.id, file_id).await?;
    let kind = FileKind::from_mime(&meta.content_type)
        .ok_or_else(|| AppError::Internal(format!("attachment {file_id} of unknown type")))?;
    let n = fb::attachments(ctx.db(), case.id)
        .await?
        .iter()
        .position(|a| a.id == meta.id)
        .map_or(1, |i| i + 1);
    let name = feedback::served_file_name(&case.code, n, kind);
    Ok((
        [
            (header::CONTENT_TYPE, kind.mime().to_string()),
            (
                header::CONTENT_DISPOSITION,
                feedback::content_disposition(&name),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        data,
    )
        .into_response())
}
