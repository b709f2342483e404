//! The monthly (or quarterly) report of a subtree, printable (`/dashboard/report`) and as a
//! workbook (`/dashboard/report.xlsx`): the ranking with its funnel plots, the trends, Decision
//! 766, feedback handling, dialogue sessions and the alerts. The same report goes by e-mail to
//! the leaders who subscribe to it.

use super::indices::unit::g766_section;
use super::indices::{card_766, group_section, pct, rules_summary};
use super::PageResult;
use crate::components::chart::TrendChart;
use crate::components::layout::page_head;
use crate::ctx::Ctx;
use crate::db::units;
use crate::domain::period::Period;
use crate::domain::Permission;
use crate::i18n::{t, tf, Lang};
use crate::reports::dashboard::dashboard;
use crate::reports::ranking::rankings;
use axum::http::header;
use axum::response::IntoResponse;
use leptos::prelude::*;

/// The unit (`?unit=`, checked) and period (`?period=`, the last complete month by default).
async fn scope(ctx: &Ctx) -> Result<(units::Unit, Period), crate::error::AppError> {
    let user = ctx.require(Permission::ViewRatings, None)?.clone();
    let root = match ctx.q("unit").parse::<i64>() {
        Ok(id) => {
            let u = units::get(ctx.db(), id).await?;
            ctx.require(Permission::ViewRatings, Some(&u.unit_path()))?;
            u
        }
        Err(_) => units::get(ctx.db(), user.unit_id).await?,
    };
    let p = Period::parse(&ctx.q("period")).unwrap_or_else(|| last_month(crate::db::today()));
    Ok((root, p))
}

/// The last complete month before `day`.
pub fn last_month(day: chrono::NaiveDate) -> Period {
    use chrono::Datelike;
    let first = day.with_day(1).unwrap_or(day) - chrono::Duration::days(1);
    Period::month(first.year(), first.month()).unwrap_or_else(|| Period::quarter_of(day))
}

/// `GET /dashboard/report?unit=&period=`: the printable report.
pub async fn page(ctx: Ctx) -> PageResult {
    let (root, p) = scope(&ctx).await?;
    let d = dashboard(ctx.db(), root.clone(), &p, ctx.lang).await?;
    let r = rankings(ctx.db(), &root.path, &p, ctx.lang).await?;
    let en = ctx.lang == Lang::En;
    let title = ctx.lang.tf(
        "report.title",
        &[("unit", &root.name), ("period", &p.label(en))],
    );
    let rules = r.rules.clone();
    let rules_text = rules_summary(&rules);
    let all_in_scope = r.groups.iter().all(|g| g.rows.iter().all(|x| x.in_scope));
    let key = p.key();
    let trend_title = ctx.lang.t("idx.trend");
    Ok(ctx.render(&title.clone(), move || {
        view! {
            {page_head(title.clone(), Some(t("report.lead")))}
            <p class="small no-print">
                <a href=format!("/dashboard/report.xlsx?unit={}&period={key}", d.root.id)>{t("report.download_xlsx")}</a>" · "
                <a href=format!("/dashboard?unit={}&period={key}", d.root.id)>{t("insight.back_dashboard")}</a>
            </p>
            <div class="stats">
                <div class="stat"><span class="stat-label">{t("idx.share_satisfied")}</span><span class="stat-value">{pct(d.head.share_satisfied)}</span>
                    <span class="small">{tf("dash.answers", &[("n", &d.head.n.to_string())])}</span></div>
                <div class="stat"><span class="stat-label">{t("dash.sipas_index")}</span><span class="stat-value">{pct(d.overall)}</span></div>
                <div class="stat"><span class="stat-label">{t("dash.cases")}</span><span class="stat-value">{d.handling.received}</span>
                    <span class="small">{tf("report.cases_line", &[("overdue", &d.overdue_now.to_string()), ("days", &d.handling.mean_working_days.map(|x| format!("{x:.1}")).unwrap_or_else(|| "—".into()))])}</span></div>
                <div class="stat"><span class="stat-label">{t("dash.sessions")}</span><span class="stat-value">{d.sessions.held}</span>
                    <span class="small">{tf("report.sessions_line", &[("attended", &d.sessions.attended.to_string()), ("confirmed", &d.sessions.confirmed.to_string())])}</span></div>
            </div>
            <div class="stats">{card_766(&d.g766, &d.c766)}</div>
            <section class="card">
                <h2>{t("idx.trend")}</h2>
                <div class="chart-wrap"><TrendChart points=d.trend.clone() basis_change=None title=trend_title.clone()/></div>
            </section>
            {g766_section(d.g766_months.clone())}
            <section class="card">
                <h2>{t("insight.alerts_title")}</h2>
                {d.alerts.is_empty().then(|| view! { <p class="muted">{t("insight.alerts_none")}</p> })}
                <ul class="plain-list">
                    {d.alerts.iter().map(|a| view! {
                        <li><strong>{a.alert.unit_name.clone()}{a.alert.counter_name.clone().filter(|_| a.alert.counter_id != 0).map(|c| format!(" — {c}"))}</strong>": "
                            {pct(Some(a.alert.recent))}" ← "{pct(Some(a.alert.usual))}</li>
                    }).collect_view()}
                </ul>
            </section>
            {r.groups.into_iter().map(|g| group_section(g, &rules, &key, all_in_scope)).collect_view()}
            <section class="card small"><p>{rules_text.clone()}</p></section>
        }
    }))
}

/// `GET /dashboard/report.xlsx?unit=&period=`: the same report as a workbook.
pub async fn xlsx(ctx: Ctx) -> PageResult {
    let (root, p) = scope(&ctx).await?;
    let body = crate::reports::export::report_bytes(ctx.db(), root, &p, ctx.lang).await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"bao-cao-{}.xlsx\"", p.key()),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        body,
    )
        .into_response())
}
