//! Survey instruments: the versions, and one version's elements and criteria (editable while a draft).

use super::{path_id, PageResult};
use crate::components::form::hidden;
use crate::components::layout::{fmt_time, page_head};
use crate::ctx::Ctx;
use crate::db::instruments;
use crate::domain::Permission;
use crate::i18n::{t, tf, Lang};
use leptos::prelude::*;

fn status_badge(status: &str) -> impl IntoView {
    let class = match status {
        "published" => "badge badge-ok",
        "draft" => "badge badge-info",
        _ => "badge badge-muted",
    };
    view! { <span class=class>{t(&format!("instrument.status.{status}"))}</span> }
}

pub async fn list(ctx: Ctx) -> PageResult {
    ctx.require(Permission::ManageInstruments, None)?;
    let rows = instruments::all(ctx.db()).await?;
    let mut usage = Vec::new();
    for r in &rows {
        usage.push(instruments::usage(ctx.db(), r.id).await?);
    }
    let lang = ctx.lang;
    Ok(ctx.render(&ctx.lang.t("instruments.title"), move || view! {
        {page_head(t("instruments.title"), Some(t("instruments.lead")))}
        <div class="page-actions">
            <form class="inline" method="post" action="/api/instruments/draft">
                {hidden("code", crate::db::sipas::CODE.to_string())}
                <button class="btn btn-primary" type="submit">{t("instruments.new_version")}</button>
            </form>
        </div>
        <div class="table-wrap" tabindex="0" role="region" aria-label=t("instruments.title")><table class="data">
            <thead><tr><th>{t("instruments.name")}</th><th class="num">{t("instruments.version")}</th><th>{t("kiosk.status")}</th><th>{t("instruments.published_at")}</th><th class="num">{t("instruments.answers")}</th></tr></thead>
            <tbody>{rows.into_iter().zip(usage).map(|(r, n)| view! {
                <tr>
                    <td><a href=format!("/admin/instruments/{}", r.id)>{if lang == Lang::En { r.name_en.clone() } else { r.name_vi.clone() }}</a></td>
                    <td class="num">{r.version}</td>
                    <td>{status_badge(&r.status)}</td>
                    <td class="nowrap">{r.published_at.map(fmt_time).unwrap_or_else(|| "—".into())}</td>
                    <td class="num">{n}</td>
                </tr>
            }).collect_view()}</tbody>
        </table></div>
    }))
}

pub async fn show(ctx: Ctx, axum::extract::Path(id): axum::extract::Path<String>) -> PageResult {
    ctx.require(Permission::ManageInstruments, None)?;
    let inst = instruments::load(ctx.db(), path_id(&id)?).await?;
    let used = instruments::usage(ctx.db(), inst.id()).await?;
    let editable = inst.row.status == "draft" && used == 0;
    let lang = ctx.lang;
    let f = ctx.form("add_criterion");
    Ok(ctx.render(&ctx.lang.t("instruments.title"), move || {
        let iid = inst.id().to_string();
        let title = format!("{} · {}", if lang == Lang::En { inst.row.name_en.clone() } else { inst.row.name_vi.clone() }, tf("instruments.version_n", &[("n", &inst.row.version.to_string())]));
        view! {
            {page_head(title, Some(tf("instruments.summary", &[("elements", &inst.elements.len().to_string()), ("criteria", &inst.criteria_count().to_string()), ("answers", &used.to_string())])))}
            <p>{status_badge(&inst.row.status)} " " {if editable { t("instruments.editable") } else { t("instruments.locked") }}</p>
            {editable.then(|| view! {
                <form class="inline" method="post" action="/api/instruments/publish">
                    {hidden("instrument_id", iid.clone())}
                    <button class="btn btn-primary" type="submit">{t("instruments.publish")}</button>
                </form>
            })}
            {inst.elements.iter().map(|(e, cs)| {
                let ename = if lang == Lang::En { e.name_en.clone() } else { e.name_vi.clone() };
                view! {
                    <section class="card">
                        <h2>{format!("{}. {}", e.position, ename)}</h2>
                        <ol class="criteria">
                            {cs.iter().map(|c| if editable {
                                view! {
                                    <li>
                                        <form class="form criterion-edit" method="post" action="/api/instruments/criterion">
                                            {hidden("instrument_id", iid.clone())}
                                            {hidden("criterion_id", c.id.to_string())}
                                            <div class="field-row">
                                                <div class="field"><label>{format!("{} · VI", c.code)}<input name="text_vi" value=c.text_vi.clone()/></label></div>
                                                <div class="field"><label>"EN"<input name="text_en" value=c.text_en.clone()/></label></div>
                                            </div>
                                            <div class="actions">
                                                <button class="btn btn-small btn-secondary" type="submit">{t("form.save")}</button>
                                                <button class="btn btn-small btn-danger" type="submit" formaction="/api/instruments/remove-criterion">{t("instruments.remove")}</button>
                                            </div>
                                        </form>
                                    </li>
                                }.into_any()
                            } else {
                                view! { <li><span class="muted small">{c.code.clone()}</span> " " {if lang == Lang::En { c.text_en.clone() } else { c.text_vi.clone() }}</li> }.into_any()
                            }).collect_view()}
                        </ol>
                        {editable.then(|| view! {
                            <details class="disclosure">
                                <summary>{t("instruments.add_criterion")}</summary>
                                <form class="form" method="post" action="/api/instruments/add-criterion">
                                    {hidden("instrument_id", iid.clone())}
                                    {hidden("element_id", e.id.to_string())}
                                    {crate::components::form::input(&f, "code", "instruments.criterion_code", "text", "", true, None)}
                                    {crate::components::form::input(&f, "text_vi", "instruments.text_vi", "text", "", true, None)}
                                    {crate::components::form::input(&f, "text_en", "instruments.text_en", "text", "", true, None)}
                                    <div class="actions"><button class="btn btn-primary" type="submit">{t("instruments.add_criterion")}</button></div>
                                </form>
                            </details>
                        })}
                    </section>
                }
            }).collect_view()}
            <p><a href="/admin/instruments">{t("instruments.back")}</a></p>
        }
    }))
}
