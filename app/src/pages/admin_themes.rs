//! `/admin/themes`: the themes the dashboard groups comments by (waiting time, attitude, fees,
//! papers beyond the rules, facilities…), each with the words that mark it, edited by the
//! province administrator.

use super::PageResult;
use crate::components::form::{hidden, input, textarea};
use crate::components::layout::page_head;
use crate::ctx::Ctx;
use crate::db::insight;
use crate::domain::Permission;
use crate::i18n::t;
use leptos::prelude::*;

/// `GET /admin/themes`.
pub async fn page(ctx: Ctx) -> PageResult {
    ctx.require(Permission::ManageIndexRules, None)?;
    insight::ensure_default_themes(ctx.db()).await?;
    let themes = insight::themes(ctx.db()).await?;
    let forms: Vec<_> = themes
        .iter()
        .map(|(id, _)| ctx.form(&format!("theme-{id}")))
        .collect();
    let new_form = ctx.form("theme-new");
    Ok(ctx.render(&ctx.lang.t("theme.title"), move || {
        view! {
            {page_head(t("theme.title"), Some(t("theme.lead")))}
            {themes.into_iter().zip(forms).map(|((id, th), f)| {
                let words = th.keywords.join("\n");
                view! {
                    <section class="card">
                        <h2>{th.name_vi.clone()}<span class="small muted">{format!(" ({})", th.code)}</span></h2>
                        <form class="form" method="post" action="/api/themes/save">
                            {hidden("id", id.to_string())}
                            {hidden("code", th.code.clone())}
                            <div class="field-row">
                                {input(&f, "name_vi", "theme.name_vi", "text", &th.name_vi, true, None)}
                                {input(&f, "name_en", "theme.name_en", "text", &th.name_en, true, None)}
                            </div>
                            {textarea(&f, "keywords", "theme.keywords", &words, true, Some(t("theme.keywords_hint")), 4)}
                            <div class="actions"><button class="btn btn-primary" type="submit">{t("form.save")}</button></div>
                        </form>
                        <form class="inline" method="post" action="/api/themes/delete">
                            {hidden("id", id.to_string())}
                            <button class="btn btn-small btn-secondary" type="submit">{t("theme.delete")}</button>
                        </form>
                    </section>
                }
            }).collect_view()}
            <section class="card">
                <h2>{t("theme.new")}</h2>
                <form class="form" method="post" action="/api/themes/save">
                    {hidden("id", String::new())}
                    {input(&new_form, "code", "theme.code", "text", "", true, Some(t("theme.code_hint")))}
                    <div class="field-row">
                        {input(&new_form, "name_vi", "theme.name_vi", "text", "", true, None)}
                        {input(&new_form, "name_en", "theme.name_en", "text", "", true, None)}
                    </div>
                    {textarea(&new_form, "keywords", "theme.keywords", "", true, Some(t("theme.keywords_hint")), 4)}
                    <div class="actions"><button class="btn btn-primary" type="submit">{t("theme.add")}</button></div>
                </form>
            </section>
        }
    }))
}
