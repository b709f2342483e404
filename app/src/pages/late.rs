//! Late dossiers (issue 19, Circular 01/2018/TT-VPCP): `/staff/late` lists the dossiers of the
//! official's subtree that ran late (the apology's moment has come, its text has left, or a new
//! date was set), each with its form for the new date and its printable apology-and-new-date
//! notice, Form 04 (`/staff/late/{id}/form04`).

use super::{path_id, PageResult};
use crate::components::form::{hidden, input, textarea};
use crate::components::layout::{fmt_date, fmt_time, page_head};
use crate::ctx::Ctx;
use crate::db::{calendar, journey};
use crate::domain::journey::{apology_moment, local_day};
use crate::domain::Permission;
use crate::i18n::{t, tf};
use axum::extract::Path;
use chrono::{DateTime, Utc};
use leptos::prelude::*;

fn day(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| fmt_date(local_day(t)))
        .unwrap_or_else(|| "—".into())
}

/// `GET /staff/late`: the late dossiers of the official's subtree.
pub async fn list(ctx: Ctx) -> PageResult {
    let user = ctx.require(Permission::HandleDossiers, None)?.clone();
    let cal = calendar::load(ctx.db()).await?;
    let at = journey::apology_time(ctx.db()).await?;
    let now = Utc::now();
    let rows = journey::late_in(ctx.db(), user.scope.as_str(), &cal, at, now).await?;
    let forms: Vec<_> = rows
        .iter()
        .map(|r| ctx.form(&format!("late-{}", r.id)))
        .collect();
    let title = ctx.lang.t("late.title");
    Ok(ctx.render(&title.clone(), move || {
        view! {
            {page_head(title.clone(), Some(t("late.lead")))}
            {rows.is_empty().then(|| view! { <p class="muted">{t("late.none")}</p> })}
            {rows.into_iter().zip(forms).map(|(r, f)| {
                let moment = r.due_at.map(|due| fmt_time(apology_moment(&cal, due, at)));
                let apology = match (r.apology_sent_at, r.apology_queued_for) {
                    (Some(s), _) => tf("late.apology_sent", &[("time", &fmt_time(s))]),
                    (None, Some(q)) => tf("late.apology_queued", &[("time", &fmt_time(q))]),
                    (None, None) => tf("late.apology_due", &[("time", &moment.clone().unwrap_or_default())]),
                };
                let status = t(&format!("late.status.{}", if r.status.is_empty() { "registered" } else { r.status.as_str() }));
                let default_date = r.new_due_at.map(|d| local_day(d).to_string()).unwrap_or_default();
                view! {
                    <section class="card late-dossier" id=format!("dossier-{}", r.id)>
                        <h2>{r.code.clone()}" "<span class="badge badge-warn">{status}</span></h2>
                        <dl class="facts">
                            <dt>{t("late.unit")}</dt><dd>{r.unit_name.clone()}</dd>
                            <dt>{t("late.procedure")}</dt><dd>{r.procedure_name.clone().unwrap_or_else(|| "—".into())}</dd>
                            <dt>{t("late.received")}</dt><dd>{day(r.received_at)}</dd>
                            <dt>{t("late.due")}</dt><dd>{day(r.due_at)}</dd>
                            <dt>{t("late.apology")}</dt><dd>{apology}</dd>
                            <dt>{t("late.new_due")}</dt><dd>{day(r.new_due_at)}</dd>
                        </dl>
                        <form class="form" method="post" action="/api/late/new_date">
                            {hidden("dossier", r.id.to_string())}
                            <div class="field-row">
                                {input(&f, "new_date", "late.new_date", "date", &default_date, true, Some(t("late.new_date_hint")))}
                            </div>
                            {textarea(&f, "reason", "late.reason", &r.reason.clone().unwrap_or_default(), true, Some(t("late.reason_hint")), 2)}
                            <div class="actions">
                                <button class="btn btn-primary" type="submit">{t("late.save")}</button>
                                " "<a class="btn btn-secondary" href=format!("/staff/late/{}/form04", r.id)>{t("late.form04")}</a>
                            </div>
                        </form>
                    </section>
                }
            }).collect_view()}
        }
    }))
}

/// A line to fill by hand on the printed notice.
fn dots() -> impl IntoView {
    view! { <span class="dots">"……………………………………………………"</span> }
}

/// `GET /staff/late/{id}/form04`: the apology-and-new-date notice of one dossier in the layout
/// of Form 04 (Mẫu số 04, Circular 01/2018/TT-VPCP), to print and hand to the citizen.
pub async fn form04(ctx: Ctx, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id)?;
    let d = journey::late_one(ctx.db(), id).await?;
    ctx.require(Permission::HandleDossiers, Some(&d.unit_scope()))?;
    let today = crate::db::today();
    let place = d
        .unit_address
        .rsplit(',')
        .next()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let title = ctx.lang.t("late.form04_title");
    Ok(ctx.render(&title.clone(), move || {
        // The form is a Vietnamese legal form: it prints in Vietnamese whatever the page's language.
        let vi = crate::i18n::Lang::Vi;
        let dated = vi.tf(
            "late.form04_dated",
            &[
                ("day", &format!("{:02}", chrono::Datelike::day(&today))),
                ("month", &format!("{:02}", chrono::Datelike::month(&today))),
                ("year", &chrono::Datelike::year(&today).to_string()),
            ],
        );
        let new_due = d.new_due_at.map(|x| fmt_date(local_day(x)));
        view! {
            <p class="no-print"><a href="/staff/late">{t("late.back")}</a>" · "{t("late.print_hint")}</p>
            <article class="form04" lang="vi">
                <p class="form04-number">{vi.t("late.form04_number")}</p>
                <div class="form04-heads">
                    <div class="form04-unit">
                        <strong>{d.unit_name.to_uppercase()}</strong>
                        <hr/>
                    </div>
                    <div class="form04-nation">
                        <strong>"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"</strong><br/>
                        <strong>"Độc lập - Tự do - Hạnh phúc"</strong>
                        <hr/>
                        <p class="form04-date"><em>{place.map(|p| view! { {p}", " }.into_any()).unwrap_or_else(|| dots().into_any())}{dated}</em></p>
                    </div>
                </div>
                <h1 class="form04-title">"PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ"</h1>
                <p>{vi.t("late.form04_to")}" "{dots()}</p>
                <p>{vi.tf("late.form04_body", &[
                    ("unit", &d.unit_name),
                    ("received", &day(d.received_at)),
                    ("code", &d.code),
                ])}</p>
                <p>{vi.t("late.form04_procedure")}" "{d.procedure_name.clone().map(|p| view! { <strong>{p}</strong> }.into_any()).unwrap_or_else(|| dots().into_any())}</p>
                <p>{vi.tf("late.form04_due", &[("due", &day(d.due_at))])}</p>
                <p>{vi.t("late.form04_reason")}" "{d.reason.clone().map(|r| view! { {r} }.into_any()).unwrap_or_else(|| dots().into_any())}</p>
                <p>{vi.tf("late.form04_apology", &[("unit", &d.unit_name)])}" "
                   {new_due.map(|x| view! { <strong>{x}</strong> }.into_any()).unwrap_or_else(|| dots().into_any())}"."</p>
                <p>{vi.t("late.form04_sorry")}</p>
                <div class="form04-sign">
                    <p><strong>{vi.t("late.form04_signer")}</strong><br/><em>{vi.t("late.form04_sign_hint")}</em></p>
                </div>
            </article>
        }
    }))
}
