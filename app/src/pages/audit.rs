//! The audit log of changes made by accounts in one's subtree.

use super::PageResult;
use crate::components::layout::{fmt_time, page_head};
use crate::components::pager::{page_of, pager, PAGE_SIZE};
use crate::ctx::Ctx;
use crate::db::audit;
use crate::domain::Permission;
use crate::i18n::t;
use leptos::prelude::*;

pub async fn list(ctx: Ctx) -> PageResult {
    let user = ctx.require(Permission::ViewAudit, None)?.clone();
    let page = page_of(&ctx.q("page"));
    let rows = audit::latest(
        ctx.db(),
        user.scope.as_str(),
        user.scope.is_root(),
        PAGE_SIZE + 1,
        (page - 1) * PAGE_SIZE,
    )
    .await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    let total = (page - 1) * PAGE_SIZE + rows.len() as i64;
    Ok(ctx.render(&ctx.lang.t("audit.title"), move || view! {
        {page_head(t("audit.title"), Some(t("audit.lead")))}
        <div class="table-wrap" tabindex="0" role="region" aria-label=t("audit.title")><table class="data">
            <thead><tr><th>{t("audit.at")}</th><th>{t("audit.who")}</th><th>{t("audit.action")}</th><th>{t("audit.object")}</th><th>{t("audit.detail")}</th></tr></thead>
            <tbody>{rows.into_iter().take(PAGE_SIZE as usize).map(|r| view! {
                <tr>
                    <td class="nowrap">{fmt_time(r.at)}</td>
                    <td>{r.username.clone().unwrap_or_else(|| t("audit.system"))}</td>
                    <td>{t(&format!("audit.action.{}", r.action))}</td>
                    <td class="nowrap">{format!("{} #{}", r.entity, r.entity_id.map(|i| i.to_string()).unwrap_or_default())}</td>
                    <td class="small">{r.detail.clone()}</td>
                </tr>
            }).collect_view()}</tbody>
        </table></div>
        {(page > 1 || more).then(|| pager("/admin/audit", &[], page, if more { total + 1 } else { total }))}
    }))
}
