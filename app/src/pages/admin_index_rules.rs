//! `/admin/index-rules`: the rules behind the rankings, set by the province administrator:
//! PAR-INDEX satisfaction points, band minimums and the late-dossier cap; the weights of the
//! Decision 766 satisfaction group; the margin of error of the sample-size rule.

use super::PageResult;
use crate::components::form::{input, select};
use crate::components::layout::page_head;
use crate::ctx::Ctx;
use crate::db::indices;
use crate::domain::Permission;
use crate::i18n::t;
use leptos::prelude::*;

/// `GET /admin/index-rules`.
pub async fn page(ctx: Ctx) -> PageResult {
    ctx.require(Permission::ManageIndexRules, None)?;
    let rules = indices::rules(ctx.db()).await?;
    let summary = super::indices::rules_summary(&rules);
    let v: std::collections::HashMap<&str, String> = rules.to_fields().into_iter().collect();
    let f = ctx.form("rules");
    Ok(ctx.render(&ctx.lang.t("idx.rules_title"), move || {
        let val = |k: &str| v.get(k).cloned().unwrap_or_default();
        let num = |name: &'static str, key: &str, hint: Option<String>| {
            input(&f, name, key, "text", &val(name), true, hint)
        };
        let bands = vec![
            (String::new(), t("idx.rules_no_cap_option")),
            ("excellent".to_string(), t("idx.band.excellent")),
            ("good".to_string(), t("idx.band.good")),
            ("fair".to_string(), t("idx.band.fair")),
        ];
        view! {
            {page_head(t("idx.rules_title"), Some(t("idx.rules_lead")))}
            <p class="notice small">{summary.clone()}</p>
            <form class="form" method="post" action="/api/indices/rules">
                <section class="card">
                    <h2>{t("idx.rules_par")}</h2>
                    {num("par_max_points", "idx.rules_max_points", Some(t("idx.rules_max_points_hint")))}
                    <div class="field-row">
                        {num("band_excellent", "idx.rules_band_excellent", None)}
                        {num("band_good", "idx.rules_band_good", None)}
                        {num("band_fair", "idx.rules_band_fair", Some(t("idx.rules_bands_hint")))}
                    </div>
                    <div class="field-row">
                        {input(&f, "late_cap_pct", "idx.rules_late_cap_pct", "text", &val("late_cap_pct"), false, Some(t("idx.rules_late_cap_hint")))}
                        {select(&f, "late_cap_band", "idx.rules_late_cap_band", bands, &val("late_cap_band"), false)}
                    </div>
                </section>
                <section class="card">
                    <h2>{t("idx.rules_766")}</h2>
                    <p class="small muted">{t("idx.rules_766_hint")}</p>
                    <div class="field-row">
                        {num("w766_on_time", "idx.r766_1", None)}
                        {num("w766_not_dissatisfied", "idx.r766_2", None)}
                        {num("w766_dossiers", "idx.r766_3", None)}
                    </div>
                </section>
                <section class="card">
                    <h2>{t("idx.rules_sample")}</h2>
                    {num("margin_pct", "idx.rules_margin", Some(t("idx.rules_margin_hint")))}
                    {num("min_answers", "idx.rules_min_answers", Some(t("idx.rules_min_answers_hint")))}
                </section>
                <div class="actions"><button class="btn btn-primary" type="submit">{t("form.save")}</button>
                    " "<a href="/indices">{t("idx.back")}</a></div>
            </form>
        }
    }))
}
