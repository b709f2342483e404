//! The procedure catalogue for the provincial administrator: list, create, edit, CSV import.

use super::procedures::days_label;
use super::{path_id, PageResult};
use crate::components::form::{checkbox, hidden, input};
use crate::components::layout::page_head;
use crate::components::pager::{page_of, pager, PAGE_SIZE};
use crate::ctx::Ctx;
use crate::db::procedures::{self, Procedure};
use crate::domain::procedure::ReportRow;
use crate::domain::Permission;
use crate::i18n::{t, tf};
use leptos::prelude::*;

pub async fn list(ctx: Ctx) -> PageResult {
    ctx.require(Permission::ManageCatalogue, None)?;
    let q = ctx.q("q");
    let page = page_of(&ctx.q("page"));
    let (rows, total) =
        procedures::search(ctx.db(), &q, None, PAGE_SIZE, (page - 1) * PAGE_SIZE).await?;
    Ok(ctx.render(&ctx.lang.t("catalogue.title"), move || {
        let params = [("q", q.clone())];
        view! {
            {page_head(t("catalogue.title"), Some(tf("procedures.count", &[("n", &total.to_string())])))}
            <div class="page-actions">
                <a class="btn btn-primary" href="/admin/procedures/new">{t("catalogue.new")}</a>
                <a class="btn btn-secondary" href="/admin/procedures/import">{t("catalogue.import")}</a>
            </div>
            <form class="search-bar" method="get" action="/admin/procedures" role="search">
                <label class="visually-hidden" for="q">{t("procedures.search_label")}</label>
                <input id="q" name="q" type="search" value=q.clone() placeholder=t("procedures.search_placeholder")/>
                <button class="btn btn-primary" type="submit">{t("form.search")}</button>
            </form>
            <div class="table-wrap" tabindex="0" role="region" aria-label=t("catalogue.title")>
                <table class="data">
                    <thead><tr>
                        <th>{t("procedure.code")}</th><th>{t("procedure.name")}</th><th>{t("procedure.field")}</th>
                        <th>{t("procedure.processing_days")}</th><th>{t("procedure.status")}</th><th><span class="visually-hidden">{t("shell.actions")}</span></th>
                    </tr></thead>
                    <tbody>
                        {rows.into_iter().map(|p| view! {
                            <tr class=if p.active { "" } else { "row-muted" }>
                                <td class="nowrap">{p.code.clone()}</td><td>{p.name.clone()}</td><td>{p.field.clone()}</td>
                                <td class="nowrap">{days_label(p.processing_days)}</td>
                                <td>{if p.active { t("procedure.active") } else { t("procedure.inactive") }}</td>
                                <td><a href=format!("/admin/procedures/{}/edit", p.id)>{t("form.edit")}</a></td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            {pager("/admin/procedures", &params, page, total)}
        }
    }))
}

fn procedure_form(f: crate::ctx::FormView, p: Option<Procedure>) -> impl IntoView {
    let d = |g: fn(&Procedure) -> String| p.as_ref().map(g).unwrap_or_default();
    view! {
        <form class="form" method="post" action="/api/procedures/save">
            {p.as_ref().map(|p| hidden("id", p.id.to_string()))}
            <div class="field-row">
                {input(&f, "code", "procedure.code", "text", &d(|p| p.code.clone()), true, Some(t("procedure.code_hint")))}
                {input(&f, "processing_days", "procedure.processing_days_input", "number", &d(|p| p.processing_days.to_string()), true, Some(t("procedure.days_hint")))}
            </div>
            {input(&f, "name", "procedure.name", "text", &d(|p| p.name.clone()), true, None)}
            {input(&f, "field", "procedure.field", "text", &d(|p| p.field.clone()), true, None)}
            {checkbox(&f, "active", "procedure.active_label", p.as_ref().is_none_or(|p| p.active))}
            <div class="actions"><button class="btn btn-primary" type="submit">{t("form.save")}</button></div>
        </form>
    }
}

pub async fn new_form(ctx: Ctx) -> PageResult {
    ctx.require(Permission::ManageCatalogue, None)?;
    let f = ctx.form("procedure");
    Ok(ctx.render(&ctx.lang.t("catalogue.new"), move || {
        view! {
            {page_head(t("catalogue.new"), None)}
            <section class="card">{procedure_form(f, None)}</section>
        }
    }))
}

pub async fn edit_form(
    ctx: Ctx,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> PageResult {
    ctx.require(Permission::ManageCatalogue, None)?;
    let p = procedures::get(ctx.db(), path_id(&id)?).await?;
    let f = ctx.form("procedure");
    let title = ctx.lang.tf("catalogue.edit_title", &[("code", &p.code)]);
    Ok(ctx.render(&title.clone(), move || {
        view! {
            {page_head(title, Some(p.name.clone()))}
            <section class="card">{procedure_form(f, Some(p))}</section>
        }
    }))
}

pub async fn import_page(ctx: Ctx) -> PageResult {
    ctx.require(Permission::ManageCatalogue, None)?;
    let report: Vec<ReportRow> = ctx
        .flash
        .as_ref()
        .and_then(|f| f.extra.clone())
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    Ok(ctx.render(&ctx.lang.t("import.title"), move || {
        let report_view = (!report.is_empty()).then(|| view! {
            <section class="card">
                <h2>{t("import.report")}</h2>
                <div class="table-wrap" tabindex="0" role="region" aria-label=t("import.report")>
                    <table class="data report">
                        <thead><tr><th class="num">{t("import.line")}</th><th>{t("import.column")}</th><th>{t("import.problem")}</th><th>{t("import.content")}</th></tr></thead>
                        <tbody>{report.into_iter().map(|r| view! {
                            <tr>
                                <td class="num">{r.line}</td>
                                <td>{if r.field.is_empty() { String::new() } else { t(&format!("import.col.{}", r.field)) }}</td>
                                <td class="err">{t(&r.error_key)}</td>
                                <td class="small">{r.raw}</td>
                            </tr>
                        }).collect_view()}</tbody>
                    </table>
                </div>
            </section>
        });
        view! {
            {page_head(t("import.title"), Some(t("import.lead")))}
            {report_view}
            <section class="card">
                <form class="form" method="post" action="/api/procedures/import" enctype="multipart/form-data">
                    <div class="field">
                        <label for="f-file">{t("import.file")}</label>
                        <input id="f-file" name="file" type="file" accept=".csv,text/csv" required=true/>
                        <p class="hint">{t("import.hint")}</p>
                    </div>
                    <pre class="report">"Mã thủ tục;Tên thủ tục;Lĩnh vực;Thời hạn giải quyết\n1.001193;Đăng ký khai sinh;Hộ tịch;0"</pre>
                    <div class="actions"><button class="btn btn-primary" type="submit">{t("import.submit")}</button></div>
                </form>
            </section>
            <p><a href="/admin/procedures">{t("catalogue.back")}</a></p>
        }
    }))
}
