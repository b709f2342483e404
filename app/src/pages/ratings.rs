//! Ratings of one's own units: the latest answers with their comments, filtered by period,
//! procedure and counter, the low ratings first; flagged answers for admins to review.

use super::{path_id, PageResult};
use crate::components::faces::face;
use crate::components::form::{hidden, input};
use crate::components::layout::{fmt_time, page_head};
use crate::components::pager::{page_of, pager, PAGE_SIZE};
use crate::ctx::Ctx;
use crate::db::ratings::{self, Filter};
use crate::db::{kiosks, procedures};
use crate::domain::{validate, Permission, UnitPath};
use crate::i18n::{t, tf};
use leptos::prelude::*;

pub async fn list(ctx: Ctx) -> PageResult {
    let user = ctx.require(Permission::ViewRatings, None)?.clone();
    let moderate = user.can(Permission::ModerateRatings, None);
    let (from_s, to_s, proc_s, counter_s) = (
        ctx.q("from"),
        ctx.q("to"),
        ctx.q("procedure"),
        ctx.q("counter"),
    );
    let flagged_s = ctx.q("flagged");
    let filter = Filter {
        from: validate::date(&from_s).ok(),
        to: validate::date(&to_s).ok(),
        procedure_id: proc_s.parse().ok(),
        counter_id: counter_s.parse().ok(),
        flagged_only: flagged_s == "1",
    };
    let page = page_of(&ctx.q("page"));
    let scope = user.scope.as_str().to_string();
    let (rows, total) =
        ratings::list(ctx.db(), &scope, &filter, PAGE_SIZE, (page - 1) * PAGE_SIZE).await?;
    let (n, mean, satisfied) = ratings::summary(ctx.db(), &scope, &filter).await?;
    let (procs, _) = procedures::search(ctx.db(), "", None, 1000, 0).await?;
    let counters = kiosks::counters_in(ctx.db(), &scope).await?;
    Ok(ctx.render(&ctx.lang.t("ratings.title"), move || {
        let params = [
            ("from", from_s.clone()),
            ("to", to_s.clone()),
            ("procedure", proc_s.clone()),
            ("counter", counter_s.clone()),
            ("flagged", flagged_s.clone()),
        ];
        let share = if n > 0 { satisfied as f64 * 100.0 / n as f64 } else { 0.0 };
        view! {
            {page_head(t("ratings.title"), Some(tf("ratings.lead", &[("unit", &user.unit_name)])))}
            <form class="search-bar filters" method="get" action="/ratings">
                <label>{t("ratings.from")} <input type="date" name="from" value=from_s.clone()/></label>
                <label>{t("ratings.to")} <input type="date" name="to" value=to_s.clone()/></label>
                <label>{t("procedure.name")}
                    <select name="procedure">
                        <option value="">{t("ratings.all")}</option>
                        {procs.into_iter().map(|p| { let sel = p.id.to_string() == proc_s; view! { <option value=p.id.to_string() selected=sel>{format!("{} — {}", p.code, p.name)}</option> } }).collect_view()}
                    </select>
                </label>
                <label>{t("kiosk.counter")}
                    <select name="counter">
                        <option value="">{t("ratings.all")}</option>
                        {counters.into_iter().map(|c| { let sel = c.id.to_string() == counter_s; view! { <option value=c.id.to_string() selected=sel>{format!("{} — {}", c.unit_name, c.name)}</option> } }).collect_view()}
                    </select>
                </label>
                {moderate.then(|| { let checked = flagged_s == "1"; view! { <label class="check"><input type="checkbox" name="flagged" value="1" checked=checked/>" " {t("ratings.flagged_only")}</label> } })}
                <button class="btn btn-primary" type="submit">{t("ratings.apply")}</button>
            </form>
            <div class="stats">
                <div class="stat"><span class="stat-value">{n}</span><span class="stat-label">{t("ratings.count")}</span></div>
                <div class="stat"><span class="stat-value">{format!("{mean:.2}")}</span><span class="stat-label">{t("ratings.mean")}</span></div>
                <div class="stat"><span class="stat-value">{format!("{share:.1} %")}</span><span class="stat-label">{t("ratings.satisfied")}</span></div>
            </div>
            <p class="muted small">{tf("ratings.listed", &[("n", &total.to_string())])}</p>
            <ul class="rating-list">
                {rows.into_iter().map(|r| {
                    let flagged = r.flag.is_some() && !r.flag_cleared;
                    view! {
                        <li class=if flagged || r.corrected_later { "rating-item muted-item" } else { "rating-item" }>
                            <span class="rating-face">{face(r.score)}</span>
                            <div class="rating-body">
                                <p class="rating-top">
                                    <strong>{t(&format!("scale.{}", r.score))}</strong>
                                    " · " {fmt_time(r.created_at)} " · " {t(&format!("channel.{}", r.channel))}
                                    {flagged.then(|| view! { " " <span class="badge badge-warn">{t(&format!("ratings.flag.{}", r.flag.clone().unwrap_or_default()))}</span> })}
                                    {r.corrected_later.then(|| view! { " " <span class="badge badge-muted">{t("ratings.corrected")}</span> })}
                                    {r.corrects_id.map(|id| view! { " " <span class="badge badge-info">{tf("ratings.correction_of", &[("id", &id.to_string())])}</span> })}
                                </p>
                                <p class="small muted">
                                    {r.unit_name.clone()}
                                    {r.counter_name.clone().map(|c| format!(" · {c}"))}
                                    {r.procedure_name.clone().map(|p| format!(" · {p}"))}
                                    {r.dossier_code.clone().map(|d| format!(" · {d}"))}
                                </p>
                                {r.comment.clone().map(|c| view! { <blockquote class="rating-comment">{c}</blockquote> })}
                                {(!r.correction_reason.is_empty()).then(|| view! { <p class="small">{tf("ratings.reason", &[("reason", &r.correction_reason), ("who", &r.corrected_by_name.clone().unwrap_or_default())])}</p> })}
                                {moderate.then(|| view! {
                                    <div class="rating-actions">
                                        {flagged.then(|| view! {
                                            <form class="inline" method="post" action="/api/ratings/clear-flag">
                                                {hidden("id", r.id.to_string())}
                                                <button class="btn btn-small btn-secondary" type="submit">{t("ratings.clear_flag")}</button>
                                            </form>
                                        })}
                                        {(!r.corrected_later).then(|| view! { <a class="btn btn-small btn-secondary" href=format!("/ratings/{}/correct", r.id)>{t("ratings.correct")}</a> })}
                                    </div>
                                })}
                            </div>
                        </li>
                    }
                }).collect_view()}
            </ul>
            {pager("/ratings", &params, page, total)}
        }
    }))
}

pub async fn correct_form(
    ctx: Ctx,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> PageResult {
    ctx.user()?;
    let id = path_id(&id)?;
    let (_, path) = ratings::unit_of(ctx.db(), id).await?;
    let path = UnitPath::parse(&path).ok_or(crate::error::AppError::NotFound)?;
    ctx.require(Permission::ModerateRatings, Some(&path))?;
    let row = ratings::get(ctx.db(), id).await?;
    let f = ctx.form("correct");
    Ok(ctx.render(&ctx.lang.t("ratings.correct_title"), move || view! {
        {page_head(t("ratings.correct_title"), Some(t("ratings.correct_lead")))}
        <section class="card narrow">
            <p>{tf("ratings.correct_original", &[("score", &t(&format!("scale.{}", row.score))), ("time", &fmt_time(row.created_at))])}</p>
            <form class="form" method="post" action="/api/ratings/correct">
                {hidden("id", id.to_string())}
                <fieldset class="checks">
                    <legend>{t("ratings.correct_score")}</legend>
                    {(1..=5).map(|s| { let checked = f.value("score", "") == s.to_string(); view! {
                        <label class="check"><input type="radio" name="score" value=s.to_string() checked=checked/>" " {t(&format!("scale.{s}"))}</label>
                    } }).collect_view()}
                    {f.error("score").map(|e| view! { <p class="error-text">{e}</p> })}
                </fieldset>
                {input(&f, "reason", "ratings.correct_reason", "text", "", true, Some(t("ratings.correct_reason_hint")))}
                <div class="actions"><button class="btn btn-primary" type="submit">{t("ratings.correct_submit")}</button></div>
            </form>
        </section>
    }))
}
