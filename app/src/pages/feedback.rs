//! Feedback cases as the citizen sees them: the form (web and kiosk), the lookup by code and
//! phone or e-mail with the status timeline and the answer, the rating of the answer, and the
//! public page of answered cases (personal data removed). The view pieces shared with the
//! officials' pages (status and deadline badges, the timeline, the case form) live here too.

use super::PageResult;
use crate::components::form::{field_class, field_error, hidden, input, select, textarea};
use crate::components::layout::{fmt_date, fmt_time, page_head};
use crate::components::pager::{page_of, pager, PAGE_SIZE};
use crate::ctx::{Ctx, FormView};
use crate::db::feedback::{self as fb, Case, Event};
use crate::db::{procedures, units};
use crate::domain::calendar::{due_state, Calendar, DueState};
use crate::domain::feedback::{self, Channel, Class, Status};
use crate::i18n::{t, tf};
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect};
use chrono::NaiveDate;
use leptos::prelude::*;

/// The badge of a status.
pub fn status_badge(s: Status) -> impl IntoView {
    let class = match s {
        Status::Received => "badge badge-info",
        Status::Processing | Status::AwaitingApproval => "badge badge-warn",
        Status::Answered | Status::Closed => "badge badge-ok",
        Status::NotAccepted | Status::Forwarded => "badge badge-muted",
    };
    view! { <span class=class>{t(s.label_key())}</span> }
}

/// Where a case stands against its deadline, as badges: overdue (with the new date promised),
/// due soon, on time or late for answered cases, and a late forward.
pub fn due_badges(c: &Case, cal: &Calendar, today: NaiveDate, warn_days: u32) -> impl IntoView {
    let mut out: Vec<AnyView> = Vec::new();
    let due = fmt_date(c.due_on);
    if c.status().is_open() {
        match due_state(cal, today, c.due_on, warn_days) {
            DueState::Overdue => out.push(
                view! { <span class="badge badge-danger">{tf("fb.overdue", &[("date", &due)])}</span> }
                    .into_any(),
            ),
            DueState::DueSoon => out.push(
                view! { <span class="badge badge-warn">{tf("fb.due_soon", &[("date", &due)])}</span> }
                    .into_any(),
            ),
            DueState::Ok => out.push(
                view! { <span class="badge badge-muted">{tf("fb.due_on", &[("date", &due)])}</span> }
                    .into_any(),
            ),
        }
        if let Some(d) = c.extended_due_on {
            out.push(
                view! { <span class="badge badge-info">{tf("fb.new_date", &[("date", &fmt_date(d))])}</span> }
                    .into_any(),
            );
        }
    } else if c.answered_at.is_some() {
        if c.answered_late {
            out.push(
                view! { <span class="badge badge-warn">{t("fb.answered_late")}</span> }.into_any(),
            );
        } else {
            out.push(
                view! { <span class="badge badge-ok">{t("fb.answered_on_time")}</span> }.into_any(),
            );
        }
    }
    if c.forward_late {
        out.push(
            view! { <span class="badge badge-danger">{t("fb.forward_late")}</span> }.into_any(),
        );
    }
    view! { <span class="badges">{out}</span> }
}

/// The sentence that tells one step of the timeline.
fn event_text(e: &Event) -> String {
    let date = e.new_date.map(fmt_date).unwrap_or_default();
    match e.kind.as_str() {
        "received" => {
            let ch = Channel::parse(&e.detail).unwrap_or(Channel::Web);
            tf(
                "fb.ev.received",
                &[("channel", &t(ch.label_key())), ("date", &date)],
            )
        }
        "assigned" if e.detail.is_empty() => t("fb.ev.unassigned"),
        "assigned" => tf("fb.ev.assigned", &[("name", &e.detail)]),
        "not_accepted" => tf("fb.ev.not_accepted", &[("reason", &e.detail)]),
        "classified" => {
            let class = Class::parse(&e.detail)
                .map(|c| t(c.label_key()))
                .unwrap_or_default();
            tf("fb.ev.classified", &[("class", &class), ("date", &date)])
        }
        "forwarded" => {
            let (to, late) = e.detail.split_once('|').unwrap_or((&e.detail, ""));
            let mut s = tf("fb.ev.forwarded", &[("to", to)]);
            if late == "late" {
                s.push_str(" — ");
                s.push_str(&t("fb.forward_late"));
            }
            s
        }
        "forwarded_in" => tf(
            "fb.ev.forwarded_in",
            &[("from", &e.detail), ("date", &date)],
        ),
        "answer_submitted" => t("fb.ev.answer_submitted"),
        "returned" => tf("fb.ev.returned", &[("note", &e.detail)]),
        "approved" => t("fb.ev.approved"),
        "answered" => t("fb.ev.answered"),
        "withdrawn" => tf("fb.ev.withdrawn", &[("reason", &e.detail)]),
        "republished" => t("fb.ev.republished"),
        "closed" => t("fb.ev.closed"),
        "apology" => {
            let due = NaiveDate::parse_from_str(&e.detail, "%Y-%m-%d")
                .map(fmt_date)
                .unwrap_or_default();
            tf("fb.ev.apology", &[("due", &due), ("date", &date)])
        }
        "deadline_moved" => {
            // detail: "<from>|<holiday|workday|remove|import>|<day or year>|<name>"
            let mut parts = e.detail.splitn(4, '|');
            let from = parts.next().unwrap_or_default();
            let op = parts.next().unwrap_or_default();
            let day = parts.next().unwrap_or_default();
            let name = parts.next().unwrap_or_default();
            let fmt = |s: &str| {
                NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .map(fmt_date)
                    .unwrap_or_else(|_| s.to_string())
            };
            let why = match op {
                "holiday" | "workday" | "remove" | "import" => tf(
                    &format!("cal.why.{op}"),
                    &[("day", &fmt(day)), ("name", name)],
                ),
                _ => String::new(),
            };
            tf(
                "fb.ev.deadline_moved",
                &[("from", &fmt(from)), ("to", &date), ("why", &why)],
            )
        }
        "rated" if e.detail == "satisfied" => t("fb.ev.rated_yes"),
        "rated" => t("fb.ev.rated_no"),
        other => other.to_string(),
    }
}

/// The timeline of a case. `staff` shows who acted and the internal steps.
pub fn timeline(events: Vec<Event>, staff: bool) -> impl IntoView {
    view! {
        <ol class="timeline">
            {events.into_iter().map(|e| {
                let text = event_text(&e);
                let who = if staff {
                    match &e.actor_name {
                        Some(n) => format!("{n} · {}", e.unit_name),
                        None => e.unit_name.clone(),
                    }
                } else {
                    e.unit_name.clone()
                };
                let internal = (staff && !e.public).then(|| view! { <span class="badge badge-muted">{t("fb.internal")}</span> });
                view! {
                    <li class=if e.public { "tl-item" } else { "tl-item tl-internal" }>
                        <time class="tl-when">{fmt_time(e.at)}</time>
                        <p class="tl-what">{text}" "{internal}</p>
                        <p class="tl-who small muted">{who}</p>
                    </li>
                }
            }).collect_view()}
        </ol>
    }
}

/// Paragraphs of a multi-line text.
pub fn paragraphs(s: &str) -> impl IntoView {
    s.split('\n')
        .filter(|l| !l.trim().is_empty())
        .map(|l| view! { <p>{l.to_string()}</p> })
        .collect_view()
}

/// What the case form needs to offer: units and procedures.
pub struct FormLists {
    pub units: Vec<(String, String)>,
    pub procedures: Vec<String>,
}

/// The units in force (`within` a subtree, if given) and the catalogue for the form.
pub async fn form_lists(
    ctx: &Ctx,
    within: Option<&str>,
) -> Result<FormLists, crate::error::AppError> {
    let today = crate::db::today();
    let list = match within {
        Some(p) => units::subtree(ctx.db(), p).await?,
        None => units::all(ctx.db()).await?,
    };
    let mut list: Vec<_> = list.into_iter().filter(|u| u.in_force_on(today)).collect();
    // The province first, then by name (Vietnamese letters compared without their marks).
    list.sort_by_key(|u| (u.parent_id.is_some(), crate::domain::text::fold(&u.name)));
    let units = list
        .into_iter()
        .map(|u| (u.id.to_string(), u.name))
        .collect();
    let total = procedures::count(ctx.db()).await?;
    let procedures = if total <= 400 {
        procedures::search(ctx.db(), "", None, 400, 0)
            .await?
            .0
            .into_iter()
            .filter(|p| p.active)
            .map(|p| format!("{} — {}", p.code, p.name))
            .collect()
    } else {
        Vec::new()
    };
    Ok(FormLists { units, procedures })
}

/// The case form: the citizen's (`staff == false`) or an official's entry on a citizen's behalf.
pub fn case_form(
    f: FormView,
    lists: FormLists,
    staff: bool,
    default_unit: String,
    today: NaiveDate,
) -> impl IntoView {
    let consent_err = f.error("consent");
    let consent_err_class = field_class(&consent_err);
    let consent_checked = f
        .state
        .as_ref()
        .is_some_and(|s| s.values.get("consent").is_some_and(|v| !v.is_empty()));
    let files_err = f.error("files");
    let files_err_class = field_class(&files_err);
    let staff_fields = staff.then(|| {
        let channels = Channel::STAFF
            .iter()
            .map(|c| (c.as_str().to_string(), t(c.label_key())))
            .collect();
        view! {
            {hidden("mode", "staff".into())}
            <div class="field-row">
                {select(&f, "channel", "fb.channel", channels, "paper", true)}
                {input(&f, "received_on", "fb.received_on", "date", &today.to_string(), true, Some(t("fb.received_on_hint")))}
            </div>
        }
    });
    let proc_list = (!lists.procedures.is_empty()).then(|| {
        view! {
            <datalist id="procedure-list">
                {lists.procedures.into_iter().map(|p| view! { <option value=p/> }).collect_view()}
            </datalist>
        }
    });
    let proc_err = f.error("procedure");
    let proc_err_class = field_class(&proc_err);
    let proc_value = f.value("procedure", "");
    let proc_invalid = proc_err.as_ref().map(|_| "true");
    view! {
        <form class="form" method="post" action="/api/feedback/submit" enctype="multipart/form-data">
            {staff_fields}
            <fieldset>
                <legend>{t(if staff { "fb.form_citizen_staff" } else { "fb.form_you" })}</legend>
                {input(&f, "name", "fb.name", "text", "", true, None)}
                <div class="field-row">
                    {input(&f, "phone", "fb.phone", "tel", "", false, Some(t("fb.phone_hint")))}
                    {input(&f, "email", "fb.email", "email", "", false, None)}
                </div>
                {input(&f, "address", "fb.address", "text", "", true, None)}
            </fieldset>
            <fieldset>
                <legend>{t("fb.form_about")}</legend>
                {select(&f, "unit_id", "fb.unit", lists.units, &default_unit, false)}
                {(!staff).then(|| view! { <p class="hint">{t("fb.unit_hint")}</p> })}
                <div class=proc_err_class>
                    <label for="f-procedure">{t("fb.procedure")}</label>
                    <input id="f-procedure" name="procedure" type="text" list="procedure-list" value=proc_value
                        autocomplete="off" aria-invalid=proc_invalid/>
                    <p class="hint">{t("fb.procedure_hint")}</p>
                    {proc_err.map(|e| view! { <p class="error-text">{e}</p> })}
                </div>
                {proc_list}
                {textarea(&f, "content", if staff { "fb.content_staff" } else { "fb.content" }, "", true,
                    Some(t(if staff { "fb.content_hint_staff" } else { "fb.content_hint" })), 8)}
                <div class=files_err_class>
                    <label for="f-files">{t("fb.files")}</label>
                    <input id="f-files" name="files" type="file" multiple=true
                        accept=".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
                        aria-describedby="f-files-hint"/>
                    <p class="hint" id="f-files-hint">{t("fb.files_hint")}</p>
                    {files_err.map(|e| view! { <p class="error-text" id="f-files-err">{e}</p> })}
                </div>
            </fieldset>
            <div class=consent_err_class>
                <label class="check">
                    <input type="checkbox" name="consent" value="1" checked=consent_checked required=true/>
                    " "{t(if staff { "fb.consent_staff" } else { "fb.consent" })}
                </label>
                {consent_err.map(|e| view! { <p class="error-text">{e}</p> })}
            </div>
            <div class="actions"><button class="btn btn-primary btn-big" type="submit">{t(if staff { "fb.send_staff" } else { "fb.send" })}</button></div>
        </form>
    }
}

/// `GET /feedback/new`: the citizen's form.
pub async fn new_case(ctx: Ctx) -> PageResult {
    let lists = form_lists(&ctx, None).await?;
    let f = ctx.form("case");
    let today = crate::db::today();
    let default_unit = ctx.q("unit");
    Ok(ctx.render(&ctx.lang.t("fb.new_title"), move || {
        view! {
            {page_head(t("fb.new_title"), Some(t("fb.new_lead")))}
            <section class="card">{case_form(f, lists, false, default_unit, today)}</section>
            <p class="muted small">{t("fb.privacy_note")}</p>
            <p><a href="/feedback/track">{t("fb.track_link")}</a>" · "<a href="/feedback/answers">{t("fb.answers_link")}</a></p>
        }
    }))
}

/// `GET /feedback/track`: the lookup form.
pub async fn track_form(ctx: Ctx) -> PageResult {
    let f = ctx.form("track");
    let code = ctx.q("code");
    Ok(ctx.render(&ctx.lang.t("fb.track_title"), move || {
        view! {
            {page_head(t("fb.track_title"), Some(t("fb.track_lead")))}
            <section class="card">
                <form class="form" method="post" action="/api/feedback/track">
                    {input(&f, "code", "fb.code", "text", &code, true, Some(t("fb.code_hint")))}
                    {input(&f, "contact", "fb.contact", "text", "", true, Some(t("fb.contact_hint")))}
                    <div class="actions"><button class="btn btn-primary" type="submit">{t("fb.track_submit")}</button></div>
                </form>
            </section>
            <p><a href="/feedback/new">{t("fb.new_link")}</a>" · "<a href="/feedback/answers">{t("fb.answers_link")}</a></p>
        }
    }))
}

/// `GET /feedback/track/{code}`: the case for the citizen who showed its code and contact.
/// Without that proof, a known code and an unknown one get the same answer (the lookup form
/// with the code filled in), and each such visit counts against the lookup form's limit per
/// client address, so codes cannot be probed here faster than through the form.
pub async fn track_case(
    ctx: Ctx,
    parts: axum::http::request::Parts,
    Path(code): Path<String>,
) -> PageResult {
    let code = feedback::normalize_code(&code);
    let case = fb::by_code(ctx.db(), &code).await?;
    let case = match case {
        Some(c) if crate::ctx::case_granted(&ctx, c.id).await => c,
        _ => {
            let ip = crate::db::throttle::address_key(&crate::middleware::client_ip(
                &parts.headers,
                &parts.extensions,
                ctx.state.config.trust_proxy,
            ));
            let limit = crate::middleware::PUBLIC_LIMITS
                .iter()
                .find(|(e, _)| *e == "feedback/track")
                .map(|(_, l)| *l)
                .unwrap_or(60);
            let window = chrono::Duration::minutes(crate::middleware::PUBLIC_WINDOW_MINUTES);
            let key = format!("form:feedback/track:{ip}");
            let (hits, until) = crate::db::throttle::hit(ctx.db(), &key, window).await?;
            if hits > limit {
                tracing::warn!("case look-ups by address rate limit reached");
                return Err(crate::error::AppError::TooManyRequests(
                    (until - chrono::Utc::now()).num_seconds(),
                ));
            }
            let q: String = url::form_urlencoded::byte_serialize(code.as_bytes()).collect();
            return Ok(Redirect::to(&format!("/feedback/track?code={q}")).into_response());
        }
    };
    let events = fb::events(ctx.db(), case.id, true).await?;
    let title = ctx.lang.tf("fb.case_title", &[("code", &case.code)]);
    let f = ctx.form("rate");
    Ok(ctx.render(&title.clone(), move || {
        let status = case.status();
        let reason = (status == Status::NotAccepted).then(|| view! {
            <section class="card notice notice-warn">
                <h2>{t("fb.not_accepted_heading")}</h2>
                {paragraphs(&case.reject_reason)}
            </section>
        });
        let forwarded = (status == Status::Forwarded).then(|| view! {
            <section class="card notice">
                <p>{tf("fb.forwarded_external", &[("to", &case.forwarded_to)])}</p>
            </section>
        });
        let apology = (case.extended_due_on.is_some() && status.is_open()).then(|| {
            let d = case.extended_due_on.map(fmt_date).unwrap_or_default();
            view! {
                <section class="card notice notice-warn">
                    <h2>{t("fb.apology_heading")}</h2>
                    <p>{tf("fb.apology_text", &[("due", &fmt_date(case.due_on)), ("date", &d)])}</p>
                </section>
            }
        });
        let answered = matches!(status, Status::Answered | Status::Closed);
        let answer = answered.then(|| view! {
            <section class="card answer">
                <h2>{t("fb.answer_heading")}</h2>
                <p class="small muted">{case.answered_at.map(fmt_time).unwrap_or_default()}" · "{case.unit_name.clone()}</p>
                {paragraphs(&case.answer)}
            </section>
        });
        let rating = match (answered, case.citizen_satisfied) {
            (true, None) => Some(view! {
                <section class="card">
                    <h2>{t("fb.rate_heading")}</h2>
                    <form class="form" method="post" action="/api/feedback/rate">
                        {hidden("code", case.code.clone())}
                        <div class="rate-choices">
                            <button class="btn btn-big btn-primary" type="submit" name="satisfied" value="yes">{t("fb.rate_yes")}</button>
                            <button class="btn btn-big btn-secondary" type="submit" name="satisfied" value="no">{t("fb.rate_no")}</button>
                        </div>
                        {field_error(&f, "satisfied")}
                    </form>
                </section>
            }.into_any()),
            (true, Some(yes)) => Some(view! {
                <p class="notice">{t(if yes { "fb.rated_yes" } else { "fb.rated_no" })}</p>
            }.into_any()),
            _ => None,
        };
        view! {
            {page_head(title, None)}
            <section class="card">
                <p class="case-status">{status_badge(status)}</p>
                <dl class="facts">
                    <dt>{t("fb.unit")}</dt><dd>{case.unit_name.clone()}</dd>
                    <dt>{t("fb.received_at")}</dt><dd>{fmt_time(case.received_at)}</dd>
                    {case.procedure_name.clone().map(|p| view! { <dt>{t("fb.procedure")}</dt><dd>{p}</dd> })}
                </dl>
                <p class="code-box">{t("fb.code_box")}" "<strong>{case.code.clone()}</strong></p>
                <p class="case-when">{citizen_deadline(&case)}</p>
                <details class="disclosure">
                    <summary>{t("fb.your_content")}</summary>
                    {paragraphs(&case.content)}
                </details>
            </section>
            {reason}
            {forwarded}
            {apology}
            {answer}
            {rating}
            <section class="card">
                <h2>{t("fb.timeline")}</h2>
                {timeline(events, false)}
            </section>
        }
    }))
}

/// When the citizen will hear back, in plain words.
fn citizen_deadline(c: &Case) -> String {
    let date = fmt_date(c.extended_due_on.unwrap_or(c.due_on));
    match c.status() {
        Status::Received => tf("fb.when_received", &[("date", &date)]),
        Status::Processing | Status::AwaitingApproval => {
            tf("fb.when_processing", &[("date", &date)])
        }
        _ => String::new(),
    }
}

/// `GET /feedback/answers`: answered cases, personal data removed, searchable without diacritics.
pub async fn public_answers(ctx: Ctx) -> PageResult {
    let q = ctx.q("q");
    let page = page_of(&ctx.q("page"));
    let (rows, total) = fb::public_answers(ctx.db(), &q, PAGE_SIZE, (page - 1) * PAGE_SIZE).await?;
    Ok(ctx.render(&ctx.lang.t("fb.answers_title"), move || {
        let params = [("q", q.clone())];
        view! {
            {page_head(t("fb.answers_title"), Some(t("fb.answers_lead")))}
            <form class="search-bar" method="get" action="/feedback/answers" role="search">
                <label class="visually-hidden" for="q">{t("fb.answers_search")}</label>
                <input id="q" name="q" type="search" value=q.clone() placeholder=t("fb.answers_placeholder")/>
                <button class="btn btn-primary" type="submit">{t("form.search")}</button>
            </form>
            <p class="muted">{tf("fb.answers_count", &[("n", &total.to_string())])}</p>
            {rows.into_iter().map(|r| view! {
                <article class="card public-case">
                    <h2 class="h3">{r.procedure_name.clone().unwrap_or_else(|| t("fb.no_procedure"))}</h2>
                    <p class="small muted">{r.unit_name.clone()}" · "{tf("fb.received_short", &[("date", &fmt_date(r.received_on))])}
                        " · "{tf("fb.answered_short", &[("date", &fmt_time(r.answered_at))])}" · "{r.code.clone()}</p>
                    <h3 class="h4">{t("fb.public_question")}</h3>
                    <div class="quote">{paragraphs(&r.public_content)}</div>
                    <h3 class="h4">{t("fb.public_answer")}</h3>
                    {paragraphs(&r.public_answer)}
                </article>
            }).collect_view()}
            {pager("/feedback/answers", &params, page, total)}
            <p><a href="/feedback/new">{t("fb.new_link")}</a>" · "<a href="/feedback/track">{t("fb.track_link")}</a></p>
        }
    }))
}

/// `GET /feedback/sent/{code}`: the code of a case just sent from a kiosk. Nothing else of the
/// case is shown (the next visitor uses the same screen); the kiosk returns to its faces.
pub async fn sent_on_kiosk(ctx: Ctx, Path(code): Path<String>) -> PageResult {
    let code = feedback::normalize_code(&code);
    if code.len() > 20 || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(crate::error::AppError::NotFound);
    }
    // On a kiosk the page shell returns to the faces (through /kiosk/reset, which also forgets
    // that this browser may see the case); this page only makes the wait shorter.
    let kiosk = ctx.kiosk;
    Ok(ctx.render(&ctx.lang.t("fb.sent_title"), move || {
        view! {
            // Back to the kiosk's faces by itself (the next visitor must not see this code):
            // after 90 s without JavaScript, after 90 s without a touch with kiosk.js.
            <noscript><meta http-equiv="refresh" content="90;url=/kiosk/reset"/></noscript>
            {page_head(t("fb.sent_title"), Some(t("fb.sent_lead")))}
            <section class="card center" data-return="90" data-return-to="/kiosk/reset">
                <p class="big-code">{code.clone()}</p>
                <p>{t("fb.sent_keep_code")}</p>
                <p class="muted">{tf("kiosk_page.return_note", &[("secs", "90")])}</p>
                <p><a class="btn btn-primary btn-big" href="/kiosk/reset">{t("fb.back_to_kiosk")}</a></p>
            </section>
            {(!kiosk).then(|| view! { <script src=crate::components::layout::asset("kiosk.js") defer></script> })}
        }
    }))
}
