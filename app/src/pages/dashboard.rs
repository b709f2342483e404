//! The leader's home (`/dashboard`): for the leader's subtree and a period, the headline index
//! and its trend, the five elements, the weakest criteria, the latest low ratings with comments,
//! feedback-case handling and dialogue sessions, on one page that prints on A4.

use super::indices::{card_766, pct, trend_svg};
use super::PageResult;
use crate::components::layout::{fmt_time, page_head};
use crate::ctx::Ctx;
use crate::db::{calendar, indices, units};
use crate::domain::index::{self, ElementInput, Tally};
use crate::domain::period::Period;
use crate::domain::Permission;
use crate::i18n::{t, tf, Lang};
use leptos::prelude::*;
use std::collections::BTreeMap;

/// An element as the dashboard shows it: code, name, index, answers, criteria (text, index, n).
type ElementRow = (
    String,
    String,
    Option<f64>,
    i64,
    Vec<(String, Option<f64>, i64)>,
);

/// The five elements of the answers in the period, instrument versions combined at the levels
/// they share: criteria by (element code, criterion code), elements by code.
async fn elements(
    db: &crate::db::Db,
    units: &[i64],
    p: &Period,
    lang: Lang,
) -> Result<(Vec<ElementRow>, Option<f64>), crate::error::AppError> {
    let crit = indices::by_dim(db, units, "criterion", p).await?;
    let own = indices::by_dim(db, units, "element", p).await?;
    let meta = indices::criteria_meta(db).await?;
    let emeta = indices::elements_meta(db).await?;
    let en = lang == Lang::En;
    // element code → (name, criterion code → (text, tally), own tally)
    type Acc = (String, BTreeMap<String, (String, Tally)>, Tally, usize);
    let mut by_code: BTreeMap<String, Acc> = BTreeMap::new();
    for (i, (id, code, vi, en_name)) in emeta.iter().enumerate() {
        let e = by_code.entry(code.clone()).or_insert_with(|| {
            (
                if en { en_name.clone() } else { vi.clone() },
                BTreeMap::new(),
                Tally::default(),
                i,
            )
        });
        if let Some(t) = own.get(id) {
            e.2.add(t);
        }
    }
    for (cid, _eid, ecode, _, _, ccode, tvi, ten) in &meta {
        if let Some(e) = by_code.get_mut(ecode) {
            let c = e
                .1
                .entry(ccode.clone())
                .or_insert_with(|| (if en { ten.clone() } else { tvi.clone() }, Tally::default()));
            if let Some(t) = crit.get(cid) {
                c.1.add(t);
            }
        }
    }
    let mut ordered: Vec<(String, Acc)> = by_code.into_iter().collect();
    ordered.sort_by_key(|(_, a)| a.3);
    let inputs: Vec<ElementInput> = ordered
        .iter()
        .map(|(code, (_, cs, own, _))| ElementInput {
            code,
            criteria: cs.iter().map(|(k, (_, t))| (k.as_str(), *t)).collect(),
            own: *own,
        })
        .collect();
    let ix = index::instrument_index(&inputs);
    let rows = ix
        .elements
        .iter()
        .zip(ordered.iter())
        .map(|(e, (code, (name, cs, _, _)))| {
            let criteria = e
                .criteria
                .iter()
                .map(|(ccode, v, n)| {
                    let text = cs.get(ccode).map(|c| c.0.clone()).unwrap_or_default();
                    (text, *v, *n)
                })
                .collect();
            (code.clone(), name.clone(), e.index, e.n, criteria)
        })
        .collect();
    Ok((rows, ix.overall))
}

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
    let prev = p.previous();
    let ids: Vec<i64> = units::subtree(ctx.db(), &root.path)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect();
    let cur = indices::unit_tallies(ctx.db(), &p).await?;
    let before = indices::unit_tallies(ctx.db(), &prev).await?;
    let rules = indices::rules(ctx.db()).await?;
    let dossiers = indices::dossiers(ctx.db(), &p).await?;
    let c766 = indices::counts_766(ctx.db(), &root.path, &p, &dossiers).await?;
    let c766: index::Counts766 = c766.values().copied().sum();
    let g766 = index::score_766(&c766, &rules.w766);
    let sum = |m: &std::collections::HashMap<i64, Tally>| -> Tally {
        ids.iter().filter_map(|u| m.get(u)).copied().sum()
    };
    let n_dossiers: i64 = ids
        .iter()
        .filter_map(|u| dossiers.get(u))
        .map(|d| d.completed)
        .sum();
    let head = index::headline(&sum(&cur), n_dossiers, rules.margin);
    let head_prev = index::headline(&sum(&before), 0, rules.margin);
    let year = Period::twelve_months_to(p.to.min(today));
    let svg = trend_svg(
        &indices::trend(ctx.db(), &ids, &year).await?,
        None,
        &ctx.lang.t("idx.trend"),
    );
    let (elems, overall) = elements(ctx.db(), &ids, &p, ctx.lang).await?;
    let mut weakest: Vec<(String, String, f64, i64)> = elems
        .iter()
        .flat_map(|(_, ename, _, _, cs)| {
            cs.iter()
                .filter_map(|(text, v, n)| v.map(|v| (ename.clone(), text.clone(), v, *n)))
                .collect::<Vec<_>>()
        })
        .filter(|c| c.3 >= 5)
        .collect();
    weakest.sort_by(|a, b| a.2.total_cmp(&b.2));
    weakest.truncate(5);
    let low = indices::low_ratings(ctx.db(), &root.path, &p, 8).await?;
    let cal = calendar::load(ctx.db()).await?;
    let handling = indices::handling(ctx.db(), &cal, &root.path, &p, today).await?;
    let held = indices::sessions_held(ctx.db(), &root.path, &p, chrono::Utc::now()).await?;
    let en = ctx.lang == Lang::En;
    let title = ctx.lang.t("dash.title");
    Ok(ctx.render(&title.clone(), move || {
        let delta = match (head.share_satisfied, head_prev.share_satisfied) {
            (Some(a), Some(b)) => {
                let d = (a - b) * 100.0;
                let class = if d >= 0.0 { "delta up" } else { "delta down" };
                Some(view! { <span class=class>{format!("{}{:.1} {}", if d >= 0.0 { "+" } else { "" }, d, t("dash.points_vs_previous"))}</span> })
            }
            _ => None,
        };
        view! {
            {page_head(title.clone(), Some(tf("dash.lead", &[("unit", &root.name), ("period", &p.label(en))])))}
            <form class="form filters field-row" method="get" action="/dashboard">
                <div class="field">
                    <label for="f-period">{t("idx.period")}</label>
                    <input id="f-period" name="period" type="text" value=p.key()/>
                    <p class="hint">{t("idx.period_hint")}</p>
                </div>
                {hidden_unit(&ctx_unit(&root, user.unit_id))}
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
                        ("on_time", &pct((handling.answered > 0).then(|| handling.answered_on_time as f64 / handling.answered as f64))),
                        ("overdue", &handling.overdue.to_string()),
                        ("days", &handling.mean_working_days.map(|d| format!("{d:.1}")).unwrap_or_else(|| "—".into())),
                    ])}</span>
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
            <div class="stats">{card_766(&g766, &c766)}</div>
            <section class="card">
                <h2>{t("idx.trend")}</h2>
                <div class="chart-wrap" inner_html=svg.clone()></div>
                <p class="small muted">{t("idx.trend_hint")}</p>
            </section>
            <div class="grid-2">
                <section class="card">
                    <h2>{t("dash.elements")}</h2>
                    <table class="data">
                        <thead><tr><th>{t("dash.element")}</th><th class="num">{t("dash.index")}</th><th class="num">{t("idx.answers")}</th></tr></thead>
                        <tbody>
                            {elems.iter().map(|(_, name, v, n, _)| view! {
                                <tr><td>{name.clone()}</td><td class="num"><strong>{pct(*v)}</strong></td><td class="num">{*n}</td></tr>
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
            <p><a href=format!("/indices?period={}", p.key())>{t("dash.to_rankings")}</a>" · "
               <a href=format!("/indices/unit/{}?period={}", root.id, p.key())>{t("dash.to_unit")}</a></p>
        }
    }))
}

fn ctx_unit(root: &units::Unit, own: i64) -> Option<i64> {
    (root.id != own).then_some(root.id)
}

fn hidden_unit(id: &Option<i64>) -> impl IntoView {
    id.map(|id| view! { <input type="hidden" name="unit" value=id.to_string()/> })
}
