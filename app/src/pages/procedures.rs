//! The public procedure catalogue: search by code, name or field, with or without diacritics.

use super::PageResult;
use crate::components::layout::page_head;
use crate::components::pager::{page_of, pager, PAGE_SIZE};
use crate::ctx::Ctx;
use crate::db::procedures;
use crate::i18n::{t, tf};
use leptos::prelude::*;

/// "Same day" or "N working days".
pub fn days_label(days: i32) -> String {
    if days == 0 {
        t("procedure.same_day")
    } else {
        tf("procedure.days", &[("n", &days.to_string())])
    }
}

pub async fn catalogue(ctx: Ctx) -> PageResult {
    let q = ctx.q("q");
    let field = ctx.q("field");
    let page = page_of(&ctx.q("page"));
    let (rows, total) = procedures::search(
        ctx.db(),
        &q,
        Some(&field),
        PAGE_SIZE,
        (page - 1) * PAGE_SIZE,
    )
    .await?;
    let fields = procedures::fields(ctx.db()).await?;
    Ok(ctx.render(&ctx.lang.t("procedures.title"), move || {
        let params = [("q", q.clone()), ("field", field.clone())];
        view! {
            {page_head(t("procedures.title"), Some(t("procedures.lead")))}
            <form class="search-bar" method="get" action="/procedures" role="search">
                <label class="visually-hidden" for="q">{t("procedures.search_label")}</label>
                <input id="q" name="q" type="search" value=q.clone() placeholder=t("procedures.search_placeholder")/>
                <label class="visually-hidden" for="field">{t("procedure.field")}</label>
                <select id="field" name="field">
                    <option value="">{t("procedures.all_fields")}</option>
                    {fields.into_iter().map(|f| { let sel = f == field; let label = f.clone(); view! { <option value=f selected=sel>{label}</option> } }).collect_view()}
                </select>
                <button class="btn btn-primary" type="submit">{t("form.search")}</button>
            </form>
            <p class="muted">{tf("procedures.count", &[("n", &total.to_string())])}</p>
            <div class="table-wrap" tabindex="0" role="region" aria-label=t("procedures.title")>
                <table class="data stack">
                    <thead><tr>
                        <th>{t("procedure.code")}</th><th>{t("procedure.name")}</th>
                        <th>{t("procedure.field")}</th><th>{t("procedure.processing_days")}</th>
                    </tr></thead>
                    <tbody>
                        {rows.into_iter().map(|p| view! {
                            <tr>
                                <td class="nowrap" data-label=t("procedure.code")>{p.code}</td>
                                <td data-label=t("procedure.name")>{p.name}</td>
                                <td data-label=t("procedure.field")>{p.field}</td>
                                <td class="nowrap" data-label=t("procedure.processing_days")>{days_label(p.processing_days)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            {pager("/procedures", &params, page, total)}
        }
    }))
}
