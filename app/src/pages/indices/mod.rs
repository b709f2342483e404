//! Satisfaction indices: the ranking of units inside each peer group for a period with its funnel
//! plot, the public transparency page, a unit's drill-down ([`unit`]) and the exports
//! ([`export`]). Every figure comes from the read model (`crate::reports`); these pages only draw.

pub mod compare;
pub mod export;
pub mod unit;

pub use export::{cases_csv, dossiers_csv, ranking_csv, ranking_xlsx, ratings_csv};
pub use unit::{procedure, unit};

use super::PageResult;
use crate::components::chart::{FunnelDot, FunnelPlot};
use crate::components::layout::{fmt_date, page_head};
use crate::ctx::Ctx;
use crate::domain::index::{self, Counts766, FunnelZone, Headline, Ranked, Score766};
use crate::domain::index_rules::IndexRules;
use crate::domain::period::Period;
use crate::domain::Permission;
use crate::i18n::{t, tf, Lang};
use crate::reports::ranking::{rankings, GroupRanking, RankRow, Rankings};
use leptos::prelude::*;

/// A share as the pages print it: `75.4 %`, or a dash without answers.
pub fn pct(x: Option<f64>) -> String {
    x.map(|v| format!("{:.1} %", v * 100.0))
        .unwrap_or_else(|| "—".into())
}

/// A mean score as the pages print it: `4.21`.
pub fn num(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.2}")).unwrap_or_else(|| "—".into())
}

/// Points as the pages print them: `12.35`.
pub fn points(x: f64) -> String {
    format!("{x:.2}")
}

/// A maximum as the pages print it: `14`, `12.5`.
pub fn short(x: f64) -> String {
    crate::domain::index_rules::trimmed(x, 2)
}

/// The period asked for (`?period=`), else the current quarter.
pub fn period_of(ctx: &Ctx) -> Period {
    Period::parse(&ctx.q("period")).unwrap_or_else(|| Period::quarter_of(crate::db::today()))
}

/// Decision 766's satisfaction group as a card: points of the maximum and the three ratios
/// with their counts ("no data" where a ratio has nothing to count, and the total scored on
/// the ratios that have data).
pub fn card_766(g: &Score766, c: &Counts766) -> impl IntoView {
    let ratio = |r: Option<f64>, num: i64, den: i64| match r {
        Some(v) => format!("{} ({num}/{den})", pct(Some(v))),
        None => t("idx.no_data"),
    };
    let lines = [
        (
            "idx.r766_1",
            ratio(g.ratios[0], c.cases_on_time, c.cases_in_authority),
        ),
        (
            "idx.r766_2",
            ratio(
                g.ratios[1],
                c.cases - c.cases_dissatisfied_or_overdue,
                c.cases,
            ),
        ),
        (
            "idx.r766_3",
            ratio(g.ratios[2], c.dossiers - c.dossiers_bad, c.dossiers),
        ),
    ];
    let partial = g.with_data > 0 && g.with_data < 3;
    view! {
        <div class="stat card stat-wide">
            <p class="stat-label">{t("idx.g766")}</p>
            <p class="stat-value">{total_766(g)}<span class="small">{format!(" / {}", points(g.max))}</span></p>
            {partial.then(|| view! { <p class="small">{tf("idx.scored_on", &[("k", &g.with_data.to_string())])}</p> })}
            <ul class="small ratios">
                {lines.into_iter().zip(g.points).map(|((k, v), pts)| view! {
                    <li>{t(k)}": "<strong>{v}</strong>{pts.map(|p| format!(" · {}", points(p)))}</li>
                }).collect_view()}
            </ul>
        </div>
    }
}

/// The group's total, or "no data".
pub fn total_766(g: &Score766) -> String {
    g.total.map(points).unwrap_or_else(|| t("idx.no_data"))
}

/// The period form of the index pages, with a link to the previous period.
pub fn period_form(p: &Period, action: &str) -> impl IntoView {
    let key = p.key();
    let prev = p.previous().key();
    let action = action.to_string();
    view! {
        <form class="form filters field-row" method="get" action=action.clone()>
            <div class="field">
                <label for="f-period">{t("idx.period")}</label>
                <input id="f-period" name="period" type="text" value=key inputmode="text"/>
                <p class="hint">{t("idx.period_hint")}</p>
            </div>
            <div class="actions">
                <button class="btn btn-primary" type="submit">{t("form.filter")}</button>
                " "<a href=format!("{action}?period={prev}")>{t("idx.previous_period")}</a>
            </div>
        </form>
    }
}

/// The citizen's period picker on `/transparency`: a list of the current quarter, the four before
/// it, this year and the last (and the period shown, if it is another one), without typing.
fn public_period_picker(p: &Period, today: chrono::NaiveDate, en: bool) -> impl IntoView {
    use chrono::Datelike;
    let mut choices = vec![Period::quarter_of(today)];
    for _ in 0..4 {
        let before = choices[choices.len() - 1].previous();
        choices.push(before);
    }
    choices.extend(Period::year(today.year()));
    choices.extend(Period::year(today.year() - 1));
    if !choices.iter().any(|c| c.key() == p.key()) {
        choices.insert(0, *p);
    }
    let shown = p.key();
    view! {
        <form class="form filters field-row" method="get" action="/transparency">
            <div class="field">
                <label for="f-period">{t("idx.period")}</label>
                <select id="f-period" name="period">
                    {choices.into_iter().map(|c| {
                        let key = c.key();
                        let selected = key == shown;
                        view! { <option value=key selected=selected>{c.label(en)}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="actions">
                <button class="btn btn-primary" type="submit">{t("idx.show_period")}</button>
            </div>
        </form>
    }
}

fn change_view(r: &Ranked) -> impl IntoView {
    match r.change {
        Some(c) if c > 0 => {
            view! { <span class="delta up" title=t("idx.moved_up")>{format!("▲ {c}")}</span> }
                .into_any()
        }
        Some(c) if c < 0 => view! { <span class="delta down" title=t("idx.moved_down")>{format!("▼ {}", -c)}</span> }.into_any(),
        Some(_) => view! { <span class="delta same">"="</span> }.into_any(),
        None => view! { <span class="muted">"—"</span> }.into_any(),
    }
}

/// A ranking row's PAR points and band, e.g. `12.35` and `Tốt` (with the cap noted).
fn par_cell(par: &index::ParScore) -> impl IntoView {
    let band = par.band.clone();
    let capped = par.capped;
    view! {
        {par.points.map(points).unwrap_or_else(|| "—".into())}
        {band.map(|b| view! { <br/><span class="small">{t(&format!("idx.band.{b}"))}</span> })}
        {capped.then(|| view! { " "<span class="badge badge-warn" title=t("idx.capped_hint")>{t("idx.capped_short")}</span> })}
    }
}

/// `34.2–100.0 %`, or a dash without answers.
pub fn ci_text(h: &Headline) -> String {
    h.ci.map(|(a, b)| format!("{:.1}–{:.1} %", a * 100.0, b * 100.0))
        .unwrap_or_else(|| "—".into())
}

/// The badge of a unit's place on the funnel plot (nothing within the limits).
fn zone_badge(z: Option<FunnelZone>) -> Option<impl IntoView> {
    let (class, key) = match z? {
        FunnelZone::HighAlarm => ("badge badge-ok", "idx.zone.high_alarm"),
        FunnelZone::High => ("badge badge-ok", "idx.zone.high"),
        FunnelZone::Low => ("badge badge-warn", "idx.zone.low"),
        FunnelZone::LowAlarm => ("badge badge-danger", "idx.zone.low_alarm"),
        FunnelZone::Within => return None,
    };
    Some(view! { <span class=class title=t("idx.zone_hint")>{t(key)}</span> })
}

/// The notes under a unit's name: merged, ended, too few answers.
fn unit_notes(row: &RankRow) -> impl IntoView {
    let merged = row.merged.clone().map(|m| {
        let from = m
            .from
            .iter()
            .map(|(_, n)| n.clone())
            .collect::<Vec<_>>()
            .join(", ");
        view! { <br/><span class="badge badge-info" title=tf("idx.merged_from", &[("units", &from)])>{tf("idx.merged_on", &[("date", &fmt_date(m.on))])}</span> }
    });
    let ended = row.ended.map(|d| {
        view! { <br/><span class="badge">{tf("idx.ended_on", &[("date", &fmt_date(d))])}</span> }
    });
    view! { {merged}{ended}{zone_badge(row.zone).map(|b| view! { " "{b} })} }
}

/// The head of a ranking table.
fn ranking_head(rules: &IndexRules, ranked: bool) -> impl IntoView {
    view! {
        <thead><tr>
            <th>{if ranked { t("idx.rank") } else { t("idx.status") }}<br/><span class="small">{if ranked { t("idx.change") } else { String::new() }}</span></th>
            <th>{t("idx.unit")}</th>
            <th class="num">{t("idx.answers")}<br/><span class="small">{t("idx.required")}</span></th>
            <th class="num">{t("idx.share_satisfied")}<br/><span class="small">{t("idx.ci")}</span></th>
            <th class="num">{t("idx.mean")}</th>
            <th class="num">"PAR INDEX"<br/><span class="small">{tf("idx.of_max", &[("max", &short(rules.par.max_points))])}</span></th>
            <th class="num">{t("idx.g766_short")}<br/><span class="small">{tf("idx.of_max", &[("max", &short(index::G766_POINTS))])}</span></th>
        </tr></thead>
    }
}

/// One unit's line of a ranking table.
fn ranking_line(row: &RankRow, key: &str) -> impl IntoView {
    let l = |k: &str| t(k);
    let r = &row.ranked;
    let h = r.headline.clone();
    let first = match r.rank {
        Some(k) => view! {
            <strong>{k}</strong><span class="small muted">{format!(" / {}", r.of)}</span><br/>{change_view(r)}
        }
        .into_any(),
        None => view! { <span class="badge badge-warn" title=t("idx.too_few_hint")>{t("idx.too_few")}</span> }.into_any(),
    };
    let g766_note = (row.g766.with_data > 0 && row.g766.with_data < 3).then(|| {
        view! { <br/><span class="small muted">{tf("idx.scored_on_short", &[("k", &row.g766.with_data.to_string())])}</span> }
    });
    view! {
        <tr class=if row.in_scope { "" } else { "muted" }>
            <td class="num" data-label=l("idx.rank")>{first}</td>
            <td class="unit-name" data-label=l("idx.unit")><a href=format!("/indices/unit/{}?period={key}", row.unit.id)>{row.unit.name.clone()}</a>{unit_notes(row)}</td>
            <td class="num" data-label=l("idx.answers")>{h.n}<br/><span class="small muted">{tf("idx.required_short", &[("n", &h.required.to_string())])}</span></td>
            <td class="num" data-label=l("idx.share_satisfied")><strong>{pct(h.share_satisfied)}</strong><br/><span class="small nowrap">{ci_text(&h)}</span></td>
            <td class="num" data-label=l("idx.mean")>{num(h.mean)}</td>
            <td class="num" data-label=l("idx.par_points")>{par_cell(&row.par)}</td>
            <td class="num" data-label=l("idx.g766")>{total_766(&row.g766)}{g766_note}</td>
        </tr>
    }
}

/// The funnel plot of a peer group. Units outside the reader's scope are drawn without their
/// names (the reader sees where their own units stand among the whole group).
pub fn funnel(g: &GroupRanking, all_in_scope: bool) -> impl IntoView {
    let target = g.pooled.share_satisfied();
    let other = t("idx.funnel_other");
    let dots: Vec<FunnelDot> = g
        .rows
        .iter()
        .filter(|r| r.tally.n() > 0)
        .map(|r| {
            let named = r.in_scope || all_in_scope;
            // Names beside the ranked units' dots only (the others crowd the small-n end);
            // every dot names its unit in its tooltip and the chart's text.
            let labelled = named && (r.ranked.rank.is_some() || (r.in_scope && !all_in_scope));
            FunnelDot {
                label: if labelled {
                    r.unit.code.clone()
                } else {
                    String::new()
                },
                name: if named {
                    r.unit.name.clone()
                } else {
                    other.clone()
                },
                n: r.tally.n(),
                satisfied: r.tally.satisfied(),
                mine: r.in_scope && !all_in_scope,
            }
        })
        .collect();
    let title = tf("idx.funnel_title", &[("group", &g.name)]);
    target.filter(|_| !dots.is_empty()).map(|target| {
        let legend = [
            tf("idx.funnel_axis", &[("pct", &pct(Some(target)))]),
            t("idx.funnel_95"),
            t("idx.funnel_998"),
        ];
        view! {
            <figure class="chart-wrap">
                <FunnelPlot dots=dots target=target title=title.clone() legend=legend/>
                <figcaption class="small muted">{t("idx.funnel_hint")}</figcaption>
            </figure>
        }
    })
}

/// One peer group: the funnel plot, the ranked units, then those with too few answers apart.
pub fn group_section(
    g: GroupRanking,
    rules: &IndexRules,
    key: &str,
    all_in_scope: bool,
) -> impl IntoView {
    let ranked: Vec<RankRow> = g
        .rows
        .iter()
        .filter(|r| r.ranked.rank.is_some() && (r.in_scope || all_in_scope))
        .cloned()
        .collect();
    let apart: Vec<RankRow> = g
        .rows
        .iter()
        .filter(|r| r.ranked.rank.is_none() && (r.in_scope || all_in_scope))
        .cloned()
        .collect();
    let summary = tf(
        "idx.group_summary",
        &[
            ("ranked", &g.ranked_count().to_string()),
            ("units", &g.rows.len().to_string()),
            ("pct", &pct(g.pooled.share_satisfied())),
            ("n", &g.pooled.n().to_string()),
        ],
    );
    let key = key.to_string();
    let name = g.name.clone();
    view! {
        <section class="card">
            <h2>{name.clone()}</h2>
            <p class="small">{summary}</p>
            {funnel(&g, all_in_scope)}
            {(!ranked.is_empty()).then(|| view! {
                <div class="table-wrap" tabindex="0" role="region" aria-label=name.clone()>
                    <table class="data ranking stack">
                        {ranking_head(rules, true)}
                        <tbody>{ranked.iter().map(|r| ranking_line(r, &key)).collect_view()}</tbody>
                    </table>
                </div>
            })}
            {(!apart.is_empty()).then(|| view! {
                <h3 class="h3">{t("idx.not_ranked_title")}</h3>
                <p class="small muted">{t("idx.not_ranked_hint")}</p>
                <div class="table-wrap" tabindex="0" role="region" aria-label=t("idx.not_ranked_title")>
                    <table class="data ranking stack">
                        {ranking_head(rules, false)}
                        <tbody>{apart.iter().map(|r| ranking_line(r, &key)).collect_view()}</tbody>
                    </table>
                </div>
            })}
        </section>
    }
}

/// `GET /indices?period=`: the ranking of each peer group one's units belong to.
pub async fn ranking(ctx: Ctx) -> PageResult {
    let user = ctx.require(Permission::ViewRatings, None)?.clone();
    let p = period_of(&ctx);
    let Rankings { rules, groups, .. } =
        rankings(ctx.db(), user.scope.as_str(), &p, ctx.lang).await?;
    let en = ctx.lang == Lang::En;
    let key = p.key();
    let can_edit = user.can(Permission::ManageIndexRules, None);
    // A reader whose scope covers every unit of the groups sees every name; a commune's leader
    // sees the commune's place among them.
    let all_in_scope = groups.iter().all(|g| g.rows.iter().all(|r| r.in_scope));
    let rules_text = rules_summary(&rules);
    Ok(ctx.render(&ctx.lang.t("idx.title"), move || {
        view! {
            {page_head(t("idx.title"), Some(tf("idx.lead", &[("period", &p.label(en))])))}
            {period_form(&p, "/indices")}
            <p class="small">
                <a href=format!("/indices/ranking.xlsx?period={key}")>{t("idx.export_xlsx")}</a>" · "
                <a href=format!("/indices/ranking.csv?period={key}")>{t("idx.export_csv")}</a>" · "
                <a href=format!("/indices/ratings.csv?period={key}")>{t("idx.export_raw")}</a>" ("
                <a href=format!("/indices/ratings.csv?period={key}&format=excel")>{t("idx.export_excel")}</a>") · "
                <a href=format!("/indices/dossiers.csv?period={key}")>{t("idx.export_dossiers")}</a>" · "
                <a href=format!("/indices/cases.csv?period={key}")>{t("idx.export_cases")}</a>
            </p>
            {(!all_in_scope).then(|| view! { <p class="notice">{t("idx.scoped_note")}</p> })}
            {groups.into_iter().map(|g| group_section(g, &rules, &key, all_in_scope)).collect_view()}
            {how_section(&rules_text, can_edit)}
        }
    }))
}

/// "How it is computed": every rule in words, under every ranking.
fn how_section(rules_text: &str, can_edit: bool) -> impl IntoView {
    let rules_text = rules_text.to_string();
    view! {
        <section class="card small" id="how">
            <h2 class="h3">{t("idx.how_title")}</h2>
            <p>{t("idx.how_text")}</p>
            <p>{t("idx.how_rank")}</p>
            <p>{t("idx.how_766")}</p>
            <p>{t("idx.how_merged")}</p>
            <p>{t("idx.how_funnel")}</p>
            <p>{rules_text}
                {can_edit.then(|| view! { " "<a href="/admin/index-rules">{t("idx.rules_edit")}</a> })}</p>
        </section>
    }
}

pub use crate::reports::export::rules_summary;

/// `GET /transparency?period=`: the public page: each unit's satisfaction index and rank in its
/// peer group (counts only; no comment, no personal data), the last complete quarter by default.
pub async fn transparency(ctx: Ctx) -> PageResult {
    let root = crate::db::units::root(ctx.db())
        .await?
        .ok_or(crate::error::AppError::NotFound)?;
    // The current quarter (so far) unless the visitor picks another period.
    let today = crate::db::today();
    let p = Period::parse(&ctx.q("period")).unwrap_or_else(|| Period::quarter_of(today));
    let groups = rankings(ctx.db(), &root.path, &p, ctx.lang).await?.groups;
    let en = ctx.lang == Lang::En;
    Ok(ctx.render(&ctx.lang.t("idx.public_title"), move || {
        let l = |k: &str| t(k);
        view! {
            {page_head(t("idx.public_title"), Some(tf("idx.public_lead", &[("period", &p.label(en))])))}
            {public_period_picker(&p, today, en)}
            {groups.into_iter().map(|g| view! {
                <section class="card">
                    <h2>{g.name.clone()}</h2>
                    {funnel(&g, true)}
                    <div class="table-wrap" tabindex="0" role="region" aria-label=g.name.clone()>
                        <table class="data ranking stack">
                            <thead><tr>
                                <th>{t("idx.rank")}</th><th>{t("idx.unit")}</th>
                                <th class="num">{t("idx.share_satisfied")}<br/><span class="small">{t("idx.ci")}</span></th><th class="num">{t("idx.answers")}</th>
                            </tr></thead>
                            <tbody>
                                {g.rows.into_iter().map(|row| {
                                    let r = &row.ranked;
                                    view! {
                                        <tr class=if r.flagged { "flagged" } else { "" }>
                                            <td class="num" data-label=l("idx.rank")>{r.rank.map(|x| format!("{x} / {}", r.of)).unwrap_or_else(|| "—".into())}</td>
                                            <td data-label=l("idx.unit")>{row.unit.name.clone()}{r.flagged.then(|| view! { " "<span class="badge badge-warn">{t("idx.too_few")}</span> })}{unit_notes(&row)}</td>
                                            <td class="num" data-label=l("idx.share_satisfied")><strong>{pct(r.headline.share_satisfied)}</strong><br/><span class="small nowrap">{ci_text(&r.headline)}</span></td>
                                            <td class="num" data-label=l("idx.answers")>{r.headline.n}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                </section>
            }).collect_view()}
            <section class="card small">
                <h2 class="h3">{t("idx.how_title")}</h2>
                <p>{t("idx.public_how")}</p>
                <p>{t("idx.how_rank")}</p>
                <p>{t("idx.how_funnel")}</p>
            </section>
        }
    }))
}
