//! The leader's home (`/dashboard`): for the leader's subtree and a period, the headline index
//! and its trend, the five elements, the weakest criteria, the latest low ratings with comments,
//! feedback-case handling and dialogue sessions, on one page that prints on A4. Every figure
//! comes from `crate::reports::dashboard`.

use super::indices::unit::g766_section;
use super::indices::{card_766, pct};
use super::PageResult;
use crate::components::chart::TrendChart;
use crate::components::layout::{fmt_date, fmt_time, page_head};
use crate::ctx::Ctx;
use crate::db::units;
use crate::domain::period::Period;
use crate::domain::Permission;
use crate::i18n::{t, tf, Lang};
use crate::reports::dashboard::{dashboard, Dashboard};
use leptos::prelude::*;

/// `GET /dashboard?period=&unit=`: the leader's home for their subtree (or a unit inside it).
pub async fn page(ctx: Ctx) -> PageResult {
    let user = ctx.require(Permission::ViewRatings, None)?.clone();
    let root = match ctx.q("unit").parse::<i64>() {
        Ok(id) => {
            let u = units::get(ctx.db(), id).await?;
            ctx.require(Permission::ViewRatings, Some(&u.unit_path()))?;
            u
        }
        Err(_) => units::get(ctx.db(), user.unit_id).await?,
    };
    let today = crate::db::today();
    let p = Period::parse(&ctx.q("period")).unwrap_or_else(|| Period::quarter_of(today));
    let own_unit = user.unit_id;
    let Dashboard {
        root,
        period: p,
        head,
        head_prev,
        overall,
        elements,
        weakest,
        trend,
        low,
        handling,
        overdue_now,
        g766,
        c766,
        sessions: held,
        alerts,
        themes,
        g766_months,
        by_child,
        ..
    } = dashboard(ctx.db(), root, &p, ctx.lang).await?;
    let en = ctx.lang == Lang::En;
    let title = ctx.lang.t("dash.title");
    let trend_title = ctx.lang.t("idx.trend");
    Ok(ctx.render(&title.clone(), move || {
        let delta = match (head.share_satisfied, head_prev.share_satisfied) {
            (Some(a), Some(b)) => {
                let d = (a - b) * 100.0;
                let class = if d >= 0.0 { "delta up" } else { "delta down" };
                Some(view! { <span class=class>{format!("{}{:.1} {}", if d >= 0.0 { "+" } else { "" }, d, t("dash.points_vs_previous"))}</span> })
            }
            _ => None,
        };
        let on_time = match g766.ratios[0] {
            Some(r) => format!("{} ({}/{})", pct(Some(r)), c766.cases_on_time, c766.cases_in_authority),
            None => t("idx.no_data"),
        };
        view! {
            {page_head(title.clone(), Some(tf("dash.lead", &[("unit", &root.name), ("period", &p.label(en))])))}
            <form class="form filters field-row" method="get" action="/dashboard">
                <div class="field">
                    <label for="f-period">{t("idx.period")}</label>
                    <input id="f-period" name="period" type="text" value=p.key()/>
                    <p class="hint">{t("idx.period_hint")}</p>
                </div>
                {(root.id != own_unit).then(|| view! { <input type="hidden" name="unit" value=root.id.to_string()/> })}
                <div class="actions"><button class="btn btn-primary" type="submit">{t("form.filter")}</button></div>
            </form>
            <div class="stats">
                <div class="stat">
                    <span class="stat-label">{t("idx.share_satisfied")}</span>
                    <span class="stat-value">{pct(head.share_satisfied)}</span>
                    <span class="small">{tf("dash.answers", &[("n", &head.n.to_string())])}" "{delta}</span>
                    {(!head.enough).then(|| view! { <span class="badge badge-warn">{t("idx.too_few")}</span> })}
                </div>
                <div class="stat">
                    <span class="stat-label">{t("dash.sipas_index")}</span>
                    <span class="stat-value">{pct(overall)}</span>
                    <span class="small">{t("dash.sipas_hint")}</span>
                </div>
                <div class="stat">
                    <span class="stat-label">{t("dash.cases")}</span>
                    <span class="stat-value">{handling.received}</span>
                    <span class="small">{tf("dash.cases_detail", &[
                        ("on_time", &on_time),
                        ("overdue", &overdue_now.to_string()),
                        ("days", &handling.mean_working_days.map(|d| format!("{d:.1}")).unwrap_or_else(|| "—".into())),
                    ])}</span>
                    <br/><span class="small muted">{t("dash.cases_hint")}</span>
                </div>
                <div class="stat">
                    <span class="stat-label">{t("dash.sessions")}</span>
                    <span class="stat-value">{held.held}</span>
                    <span class="small">{tf("dash.sessions_detail", &[
                        ("attended", &held.attended.to_string()), ("confirmed", &held.confirmed.to_string()),
                        ("minutes", &held.no_wait.1.map(|m| format!("{m:.0}")).unwrap_or_else(|| "—".into())),
                    ])}</span>
                </div>
            </div>
            {alerts_section(alerts)}
            <div class="stats">{card_766(&g766, &c766)}</div>
            <section class="card">
                <h2>{t("idx.trend")}</h2>
                <div class="chart-wrap"><TrendChart points=trend basis_change=None title=trend_title.clone()/></div>
                <p class="small muted">{t("idx.trend_hint")}</p>
            </section>
            <div class="grid-2">
                <section class="card">
                    <h2>{t("dash.elements")}</h2>
                    <table class="data">
                        <thead><tr><th>{t("dash.element")}</th><th class="num">{t("dash.index")}</th><th class="num">{t("idx.answers")}</th></tr></thead>
                        <tbody>
                            {elements.iter().map(|e| view! {
                                <tr><td>{e.name.clone()}</td><td class="num"><strong>{pct(e.index)}</strong></td><td class="num">{e.n}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </section>
                <section class="card">
                    <h2>{t("dash.weakest")}</h2>
                    {weakest.is_empty().then(|| view! { <p class="muted">{t("dash.weakest_none")}</p> })}
                    <ol>
                        {weakest.iter().map(|(e, text, v, n)| view! {
                            <li><strong>{pct(Some(*v))}</strong>" — "{text.clone()}<br/><span class="small muted">{e.clone()}" · "{tf("dash.answers", &[("n", &n.to_string())])}</span></li>
                        }).collect_view()}
                    </ol>
                </section>
            </div>
            <section class="card">
                <h2>{t("dash.low")}</h2>
                {low.is_empty().then(|| view! { <p class="muted">{t("dash.low_none")}</p> })}
                <ul class="plain-list">
                    {low.iter().map(|r| view! {
                        <li><span class="badge badge-danger">{r.score}"/5"</span>" "{r.comment.clone()}
                            <br/><span class="small muted">{r.unit_name.clone()}" · "{t(&format!("channel.{}", r.channel))}" · "{fmt_time(r.created_at)}</span></li>
                    }).collect_view()}
                </ul>
            </section>
            {late_and_response_section(by_child)}
            {themes_section(themes, en)}
            {g766_section(g766_months)}
            <p><a href=format!("/indices?period={}", p.key())>{t("dash.to_rankings")}</a>" · "
               <a href=format!("/indices/compare?unit={}&b={}&a={}", root.id, p.key(), p.previous().key())>{t("insight.to_compare")}</a>" · "
               <a href=format!("/indices/unit/{}?period={}", root.id, p.key())>{t("dash.to_unit")}</a></p>
        }
    }))
}

/// The alerts of the subtree: each drop with its usual and recent share and the low comments
/// of its stretch.
fn alerts_section(alerts: Vec<crate::reports::insight::AlertView>) -> impl IntoView {
    let open = alerts
        .iter()
        .filter(|a| a.alert.cleared_on.is_none())
        .count();
    view! {
        <section class="card" id="alerts">
            <h2>{t("insight.alerts_title")}{(open > 0).then(|| view! { " "<span class="badge badge-danger">{open}</span> })}</h2>
            <p class="small muted">{t("insight.alerts_hint")}</p>
            {alerts.is_empty().then(|| view! { <p class="muted">{t("insight.alerts_none")}</p> })}
            <ul class="plain-list">
                {alerts.into_iter().map(|a| {
                    let x = a.alert;
                    let place = match &x.counter_name {
                        Some(c) if x.counter_id != 0 => format!("{} — {c}", x.unit_name),
                        _ => x.unit_name.clone(),
                    };
                    let status = match x.cleared_on {
                        None => view! { <span class="badge badge-danger">{t("insight.alert_open")}</span> }.into_any(),
                        Some(d) => view! { <span class="badge">{tf("insight.alert_cleared", &[("date", &fmt_date(d))])}</span> }.into_any(),
                    };
                    view! {
                        <li>
                            {status}" "<strong>{place}</strong>" — "
                            {tf("insight.alert_text", &[
                                ("recent", &pct(Some(x.recent))), ("n", &x.answers.to_string()),
                                ("usual", &pct(Some(x.usual))), ("limit", &pct(Some(x.limit_share))),
                                ("from", &fmt_date(x.window_from)), ("to", &fmt_date(x.window_to)),
                            ])}
                            {(!a.comments.is_empty()).then(|| view! {
                                <ul class="small">
                                    {a.comments.into_iter().map(|c| view! {
                                        <li><span class="badge badge-danger">{c.score}"/5"</span>" "{c.comment}</li>
                                    }).collect_view()}
                                </ul>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

/// The period's comments by theme, with a few examples each.
fn themes_section(th: crate::reports::insight::Themes, en: bool) -> impl IntoView {
    let total = th.comments;
    view! {
        <section class="card" id="themes">
            <h2>{t("insight.themes_title")}</h2>
            <p class="small muted">{tf("insight.themes_hint", &[("n", &total.to_string()), ("none", &th.unthemed.to_string())])}</p>
            {(total == 0).then(|| view! { <p class="muted">{t("insight.themes_none")}</p> })}
            {(total > 0).then(|| view! {
                <div class="table-wrap" tabindex="0" role="region" aria-label=t("insight.themes_title")>
                    <table class="data">
                        <thead><tr><th>{t("insight.theme")}</th><th class="num">{t("insight.comments")}</th><th>{t("insight.examples")}</th></tr></thead>
                        <tbody>
                            {th.themes.into_iter().map(|x| view! {
                                <tr>
                                    <td>{if en { x.theme.name_en.clone() } else { x.theme.name_vi.clone() }}</td>
                                    <td class="num"><strong>{x.count}</strong><br/><span class="small muted">{pct((total > 0).then(|| x.count as f64 / total as f64))}</span></td>
                                    <td class="small">{x.examples.into_iter().map(|c| view! { <p>"“"{c.comment}"” "<span class="muted">{c.score}"/5"</span></p> }).collect_view()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            })}
        </section>
    }
}

/// Per child unit: the apologies sent in the period (late dossiers) and the response rate by
/// channel (invitations sent, answered, share answered), as GSA Touchpoints and OMB A-11
/// report it beside every score.
fn late_and_response_section(lines: Vec<crate::reports::dashboard::ChildLine>) -> impl IntoView {
    use crate::db::journey::INVITATION_CHANNELS;
    let cell = |(i, a): (i64, i64)| {
        let rate = crate::domain::journey::response_rate(a, i);
        view! { <td class="num">{format!("{a}/{i}")}<br/><strong>{pct(rate)}</strong></td> }
    };
    view! {
        <section class="card" id="late-and-response">
            <h2>{t("dash.late_title")}</h2>
            <p class="small muted">{t("dash.response_hint")}</p>
            <div class="table-wrap" tabindex="0" role="region" aria-label=t("dash.late_title")>
                <table class="data">
                    <thead><tr>
                        <th>{t("dash.unit")}</th>
                        <th class="num">{t("dash.apologies")}</th>
                        {INVITATION_CHANNELS.iter().map(|c| view! { <th class="num">{t(&format!("dash.response_{c}"))}</th> }).collect_view()}
                        <th class="num">{t("dash.response_all")}</th>
                    </tr></thead>
                    <tbody>
                        {lines.into_iter().map(|l| view! {
                            <tr>
                                <td>{l.name.clone()}</td>
                                <td class="num"><strong>{l.apologies}</strong></td>
                                {l.responses.by_channel.iter().map(|x| cell(*x)).collect_view()}
                                {cell(l.responses.total())}
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}
