//! Two periods side by side for a unit's subtree (each figure with its change and whether it is
//! beyond chance), and several units on one trend chart.

use super::{num, pct, total_766};
use crate::components::chart::{Series, SeriesChart};
use crate::components::layout::page_head;
use crate::ctx::Ctx;
use crate::db::units;
use crate::domain::index::Tally;
use crate::domain::period::Period;
use crate::domain::Permission;
use crate::i18n::{t, tf, Lang};
use crate::pages::PageResult;
use crate::reports::insight::{compare as compare_periods, Compared};
use leptos::prelude::*;

/// The most units drawn together.
const MAX_UNITS: usize = 6;

/// The change column: "+5.0 điểm %" with whether it is beyond chance and its interval.
fn change_cell(c: &Compared) -> impl IntoView {
    match c.change {
        None => view! { <span class="muted">"—"</span> }.into_any(),
        Some(ch) => {
            let class = if !ch.beyond_chance {
                "muted"
            } else if ch.diff > 0.0 {
                "change-up"
            } else {
                "change-down"
            };
            let verdict = if ch.beyond_chance {
                t("insight.beyond_chance")
            } else {
                t("insight.within_chance")
            };
            view! {
                <strong class=class>{format!("{:+.1}", ch.diff * 100.0)}</strong>" "{t("insight.points")}
                <br/><span class="small">{verdict}</span>
                <br/><span class="small muted">{format!("{:+.1} … {:+.1}", ch.ci.0 * 100.0, ch.ci.1 * 100.0)}</span>
            }
            .into_any()
        }
    }
}

fn share_cell(t: &Tally) -> impl IntoView {
    view! { <strong>{pct(t.share_satisfied())}</strong><br/><span class="small muted">{tf("dash.answers", &[("n", &t.n().to_string())])}</span> }
}

/// `GET /indices/compare?unit=&a=&b=&with=`: period A against period B for the unit's subtree;
/// `with` adds units (ids, comma separated, in one's scope) to a shared trend chart.
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
    let b = Period::parse(&ctx.q("b")).unwrap_or_else(|| Period::quarter_of(today));
    let a = Period::parse(&ctx.q("a")).unwrap_or_else(|| b.previous());
    let cmp = compare_periods(ctx.db(), root.clone(), &a, &b, ctx.lang).await?;
    // The units of the shared trend: the root and those asked for, in one's scope.
    let scope = units::subtree(ctx.db(), user.scope.as_str()).await?;
    let mut chosen: Vec<units::Unit> = vec![root.clone()];
    // `with=1,2` (a link) or `w=1&w=2` (the checkboxes).
    let query = ctx
        .path_and_query
        .split_once('?')
        .map(|(_, q)| q)
        .unwrap_or("");
    let asked: Vec<i64> = url::form_urlencoded::parse(query.as_bytes())
        .filter(|(k, _)| k == "w" || k == "with")
        .flat_map(|(_, v)| {
            v.split(',')
                .filter_map(|x| x.trim().parse::<i64>().ok())
                .collect::<Vec<_>>()
        })
        .collect();
    for id in asked {
        if chosen.len() >= MAX_UNITS {
            break;
        }
        if let Some(u) = scope.iter().find(|u| u.id == id) {
            if !chosen.iter().any(|c| c.id == u.id) {
                chosen.push(u.clone());
            }
        }
    }
    let year = Period::twelve_months_to(b.to.min(today));
    let mut series = Vec::new();
    let mut months = Vec::new();
    for u in &chosen {
        let ids: Vec<i64> = crate::reports::subtree_ids(&scope, &u.path);
        let trend = crate::db::indices::trend(ctx.db(), &ids, &year).await?;
        months = trend.iter().map(|(m, _)| *m).collect();
        series.push(Series {
            label: u.code.clone(),
            values: trend.iter().map(|(_, t)| t.share_satisfied()).collect(),
        });
    }
    let en = ctx.lang == Lang::En;
    let title = ctx.lang.t("insight.compare_title");
    let with_ids: Vec<i64> = chosen.iter().skip(1).map(|u| u.id).collect();
    let options: Vec<(i64, String, bool)> = scope
        .iter()
        .filter(|u| u.id != root.id && u.in_force_on(today))
        .map(|u| (u.id, u.name.clone(), with_ids.contains(&u.id)))
        .collect();
    Ok(ctx.render(&title.clone(), move || {
        let l = |k: &str| t(k);
        let (ga, gb) = (&cmp.g766.0, &cmp.g766.1);
        view! {
            {page_head(title.clone(), Some(tf("insight.compare_lead", &[("unit", &cmp.root.name), ("a", &a.label(en)), ("b", &b.label(en))])))}
            <form class="form filters field-row" method="get" action="/indices/compare">
                <input type="hidden" name="unit" value=cmp.root.id.to_string()/>
                <div class="field"><label for="f-a">{t("insight.period_a")}</label><input id="f-a" name="a" type="text" value=a.key()/></div>
                <div class="field"><label for="f-b">{t("insight.period_b")}</label><input id="f-b" name="b" type="text" value=b.key()/>
                    <p class="hint">{t("idx.period_hint")}</p></div>
                <div class="actions"><button class="btn btn-primary" type="submit">{t("form.filter")}</button></div>
            </form>
            <section class="card">
                <div class="table-wrap" tabindex="0" role="region" aria-label=title.clone()>
                    <table class="data stack">
                        <thead><tr><th>{t("insight.figure")}</th><th class="num">{a.label(en)}</th><th class="num">{b.label(en)}</th><th class="num">{t("insight.change")}</th></tr></thead>
                        <tbody>
                            <tr>
                                <td data-label=l("insight.figure")><strong>{t("idx.share_satisfied")}</strong><br/><span class="small muted">{t("idx.mean")}" "{num(cmp.headline.a.mean())}" → "{num(cmp.headline.b.mean())}</span></td>
                                <td class="num" data-label=a.label(en)>{share_cell(&cmp.headline.a)}</td>
                                <td class="num" data-label=b.label(en)>{share_cell(&cmp.headline.b)}</td>
                                <td class="num" data-label=l("insight.change")>{change_cell(&cmp.headline)}</td>
                            </tr>
                            {cmp.elements.iter().map(|(name, ia, ib, c)| view! {
                                <tr>
                                    <td data-label=l("insight.figure")>{name.clone()}</td>
                                    <td class="num" data-label=a.label(en)><strong>{pct(*ia)}</strong><br/><span class="small muted">{tf("dash.answers", &[("n", &c.a.n().to_string())])}</span></td>
                                    <td class="num" data-label=b.label(en)><strong>{pct(*ib)}</strong><br/><span class="small muted">{tf("dash.answers", &[("n", &c.b.n().to_string())])}</span></td>
                                    <td class="num" data-label=l("insight.change")>{change_cell(c)}</td>
                                </tr>
                            }).collect_view()}
                            {["idx.r766_1", "idx.r766_2", "idx.r766_3"].iter().zip(cmp.ratios.iter()).map(|(k, c)| view! {
                                <tr>
                                    <td data-label=l("insight.figure")>{t(k)}</td>
                                    <td class="num" data-label=a.label(en)>{ratio(&c.a)}</td>
                                    <td class="num" data-label=b.label(en)>{ratio(&c.b)}</td>
                                    <td class="num" data-label=l("insight.change")>{change_cell(c)}</td>
                                </tr>
                            }).collect_view()}
                            <tr>
                                <td data-label=l("insight.figure")><strong>{t("idx.g766")}</strong></td>
                                <td class="num" data-label=a.label(en)>{total_766(ga)}</td>
                                <td class="num" data-label=b.label(en)>{total_766(gb)}</td>
                                <td class="num" data-label=l("insight.change")>{match (ga.total, gb.total) {
                                    (Some(x), Some(y)) => format!("{:+.2}", y - x),
                                    _ => "—".into(),
                                }}</td>
                            </tr>
                        </tbody>
                    </table>
                </div>
                <p class="small muted">{t("insight.compare_hint")}</p>
            </section>
            <section class="card">
                <h2>{t("insight.units_trend")}</h2>
                <div class="chart-wrap"><SeriesChart months=months.clone() series=series.clone() max=1.0 percent=true title=t("insight.units_trend")/></div>
                <form class="form" method="get" action="/indices/compare">
                    <input type="hidden" name="unit" value=cmp.root.id.to_string()/>
                    <input type="hidden" name="a" value=a.key()/>
                    <input type="hidden" name="b" value=b.key()/>
                    <fieldset class="checks">
                        <legend>{tf("insight.add_units", &[("max", &(MAX_UNITS - 1).to_string())])}</legend>
                        {options.into_iter().map(|(id, name, on)| view! {
                            <label class="check"><input type="checkbox" name="w" value=id.to_string() checked=on/>" "{name}</label>
                        }).collect_view()}
                    </fieldset>
                    <div class="actions"><button class="btn btn-secondary" type="submit">{t("insight.draw")}</button></div>
                </form>
            </section>
            <p><a href=format!("/dashboard?unit={}&period={}", cmp.root.id, b.key())>{t("insight.back_dashboard")}</a></p>
        }
    }))
}

/// A ratio's "part/whole (share)", or "no data".
fn ratio(t: &Tally) -> String {
    match t.share_satisfied() {
        Some(v) => format!("{} ({}/{})", pct(Some(v)), t.satisfied(), t.n()),
        None => crate::i18n::t("idx.no_data"),
    }
}
