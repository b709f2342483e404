//! Satisfaction indices: the ranking of units inside each peer group for a period, a unit's
//! drill-down (trend, channels, procedures, counters), and the exports (ranking CSV, raw ratings
//! CSV). Figures come from the rollups through the pure index engine (`domain::index`).

use super::{path_id, PageResult};
use crate::components::layout::{fmt_date, page_head};
use crate::ctx::Ctx;
use crate::db::{indices, procedures, rollup, units};
use crate::domain::index::{self, Counts766, Headline, RankInput, Ranked, Score766, Tally};
use crate::domain::index_rules::IndexRules;
use crate::domain::period::Period;
use crate::domain::{Permission, UnitPath};
use crate::error::AppError;
use crate::i18n::{t, tf, Lang};
use axum::http::header;
use axum::response::IntoResponse;
use leptos::prelude::*;
use std::collections::HashMap;

/// A share as the pages print it: `75.4 %`, or a dash without answers.
pub fn pct(x: Option<f64>) -> String {
    x.map(|v| format!("{:.1} %", v * 100.0))
        .unwrap_or_else(|| "—".into())
}

fn num(x: Option<f64>) -> String {
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
fn period_of(ctx: &Ctx) -> Period {
    Period::parse(&ctx.q("period")).unwrap_or_else(|| Period::quarter_of(crate::db::today()))
}

/// One unit's line in its peer group's ranking.
pub struct RankRow {
    pub ranked: Ranked,
    pub unit: units::Unit,
    /// The answers behind the headline (counts of each score).
    pub tally: Tally,
    pub par: index::ParScore,
    /// Share of the period's dossiers completed late.
    pub late: Option<f64>,
    /// Decision 766's satisfaction group and the counts behind it.
    pub g766: Score766,
    pub c766: Counts766,
}

/// One peer group's ranking.
pub struct GroupRanking {
    pub name: String,
    pub rows: Vec<RankRow>,
}

/// The rankings of a scope and the rules they were scored with.
pub struct Rankings {
    pub rules: IndexRules,
    pub groups: Vec<GroupRanking>,
}

/// Ranks the units of `scope` in force at the end of the period, inside each peer group, with
/// the administrator's rules (PAR points and bands, Decision 766 weights, margin).
pub async fn rankings(
    db: &crate::db::Db,
    scope: &str,
    p: &Period,
    lang: Lang,
) -> Result<Rankings, AppError> {
    let rules = indices::rules(db).await?;
    let all = units::subtree(db, scope).await?;
    let cur = indices::unit_tallies(db, p).await?;
    let prev_p = p.previous();
    let prev = indices::unit_tallies(db, &prev_p).await?;
    let dossiers = indices::dossiers(db, p).await?;
    let prev_dossiers = indices::dossiers(db, &prev_p).await?;
    let c766 = indices::counts_766(db, scope, p, &dossiers).await?;
    let mut groups: Vec<(i64, String, Vec<units::Unit>)> = Vec::new();
    for u in all.into_iter().filter(|u| u.in_force_on(p.to)) {
        let gid = u.group_id.unwrap_or(0);
        let name = match lang {
            Lang::En => u.group_name_en.clone(),
            _ => u.group_name_vi.clone(),
        }
        .unwrap_or_else(|| crate::i18n::t("idx.no_group"));
        match groups.iter_mut().find(|g| g.0 == gid) {
            Some(g) => g.2.push(u),
            None => groups.push((gid, name, vec![u])),
        }
    }
    groups.sort_by_key(|g| (g.0 == 0, g.0));
    let mut out = Vec::new();
    for (_, name, members) in groups {
        let inputs: Vec<RankInput> = members
            .iter()
            .map(|u| {
                let n_d = dossiers.get(&u.id).map(|d| d.completed).unwrap_or(0);
                let pn_d = prev_dossiers.get(&u.id).map(|d| d.completed).unwrap_or(0);
                RankInput {
                    unit_id: u.id,
                    current: index::headline(
                        &cur.get(&u.id).copied().unwrap_or_default(),
                        n_d,
                        rules.margin,
                    ),
                    previous: prev
                        .get(&u.id)
                        .map(|t| index::headline(t, pn_d, rules.margin)),
                }
            })
            .collect();
        let rows = index::rank(&inputs)
            .into_iter()
            .filter_map(|r| {
                let u = members.iter().find(|u| u.id == r.unit_id)?.clone();
                let late = dossiers.get(&u.id).and_then(|d| d.late_share());
                let par = index::par_score(r.headline.share_satisfied, late, &rules.par);
                let counts = c766.get(&u.id).copied().unwrap_or_default();
                Some(RankRow {
                    tally: cur.get(&u.id).copied().unwrap_or_default(),
                    g766: index::score_766(&counts, &rules.w766),
                    c766: counts,
                    ranked: r,
                    unit: u,
                    par,
                    late,
                })
            })
            .collect();
        out.push(GroupRanking { name, rows });
    }
    Ok(Rankings { rules, groups: out })
}

/// Decision 766's satisfaction group as a card: points of the maximum and the three ratios
/// with their counts ("no data" where a ratio has nothing to count).
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
    view! {
        <div class="stat card stat-wide">
            <p class="stat-label">{t("idx.g766")}</p>
            <p class="stat-value">{points(g.total)}<span class="small">{format!(" / {}", points(g.max))}</span></p>
            <ul class="small ratios">
                {lines.into_iter().zip(g.points).map(|((k, v), pts)| view! {
                    <li>{t(k)}": "<strong>{v}</strong>" · "{points(pts)}</li>
                }).collect_view()}
            </ul>
        </div>
    }
}

fn period_form(p: &Period, action: &str) -> impl IntoView {
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

fn ci_text(h: &Headline) -> String {
    h.ci.map(|(a, b)| format!("{:.1}–{:.1} %", a * 100.0, b * 100.0))
        .unwrap_or_else(|| "—".into())
}

/// `GET /indices?period=`: the ranking tables per peer group of the units one may see.
pub async fn ranking(ctx: Ctx) -> PageResult {
    let user = ctx.require(Permission::ViewRatings, None)?.clone();
    let p = period_of(&ctx);
    let Rankings { rules, groups } = rankings(ctx.db(), user.scope.as_str(), &p, ctx.lang).await?;
    let en = ctx.lang == Lang::En;
    let key = p.key();
    let can_edit = user.can(Permission::ManageIndexRules, None);
    let rules_text = rules_summary(&rules);
    Ok(ctx.render(&ctx.lang.t("idx.title"), move || {
        let l = |k: &str| t(k);
        view! {
            {page_head(t("idx.title"), Some(tf("idx.lead", &[("period", &p.label(en))])))}
            {period_form(&p, "/indices")}
            <p class="small">
                <a href=format!("/indices/ranking.xlsx?period={key}")>{t("idx.export_xlsx")}</a>" · "
                <a href=format!("/indices/ranking.csv?period={key}")>{t("idx.export_csv")}</a>" · "
                <a href=format!("/indices/ratings.csv?period={key}")>{t("idx.export_raw")}</a>
            </p>
            {groups.into_iter().map(|g| view! {
                <section class="card">
                    <h2>{g.name.clone()}</h2>
                    <div class="table-wrap" tabindex="0" role="region" aria-label=g.name.clone()>
                        <table class="data ranking stack">
                            <thead><tr>
                                <th>{t("idx.rank")}<br/><span class="small">{t("idx.change")}</span></th><th>{t("idx.unit")}</th>
                                <th class="num">{t("idx.answers")}<br/><span class="small">{t("idx.required")}</span></th>
                                <th class="num">{t("idx.share_satisfied")}<br/><span class="small">{t("idx.ci")}</span></th>
                                <th class="num">{t("idx.mean")}</th>
                                <th class="num">"PAR INDEX"<br/><span class="small">{tf("idx.of_max", &[("max", &short(rules.par.max_points))])}</span></th>
                                <th class="num">{t("idx.g766_short")}<br/><span class="small">{tf("idx.of_max", &[("max", &short(g766_max(&rules)))])}</span></th>
                            </tr></thead>
                            <tbody>
                                {g.rows.into_iter().map(|row| {
                                    let r = &row.ranked;
                                    let h = r.headline.clone();
                                    view! {
                                        <tr class=if r.flagged { "flagged" } else { "" }>
                                            <td class="num" data-label=l("idx.rank")><strong>{r.rank.map(|x| x.to_string()).unwrap_or_else(|| "—".into())}</strong><br/>{change_view(r)}</td>
                                            <td class="unit-name" data-label=l("idx.unit")><a href=format!("/indices/unit/{}?period={}", row.unit.id, p.key())>{row.unit.name.clone()}</a>
                                                {r.flagged.then(|| view! { " "<span class="badge badge-warn" title=t("idx.too_few_hint")>{t("idx.too_few")}</span> })}</td>
                                            <td class="num" data-label=l("idx.answers")>{h.n}<br/><span class="small muted">{tf("idx.required_short", &[("n", &h.required.to_string())])}</span></td>
                                            <td class="num" data-label=l("idx.share_satisfied")><strong>{pct(h.share_satisfied)}</strong><br/><span class="small nowrap">{ci_text(&h)}</span></td>
                                            <td class="num" data-label=l("idx.mean")>{num(h.mean)}</td>
                                            <td class="num" data-label=l("idx.par_points")>{par_cell(&row.par)}</td>
                                            <td class="num" data-label=l("idx.g766")>{points(row.g766.total)}</td>
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
                <p>{t("idx.how_text")}</p>
                <p>{rules_text.clone()}
                    {can_edit.then(|| view! { " "<a href="/admin/index-rules">{t("idx.rules_edit")}</a> })}</p>
            </section>
        }
    }))
}

/// The maximum of Decision 766's satisfaction group under these rules (18 by default).
pub fn g766_max(r: &IndexRules) -> f64 {
    r.w766.on_time + r.w766.not_dissatisfied + r.w766.dossiers
}

/// The rules in one sentence, under every ranking ("PAR: 14 points; excellent ≥ 90 %, …").
pub fn rules_summary(r: &IndexRules) -> String {
    let bands = r
        .par
        .bands
        .iter()
        .map(|(b, min)| format!("{} ≥ {:.0} %", t(&format!("idx.band.{b}")), min * 100.0))
        .collect::<Vec<_>>()
        .join(", ");
    let cap = match &r.par.late_cap {
        Some((th, band)) => tf(
            "idx.rules_cap",
            &[
                ("pct", &format!("{:.0}", th * 100.0)),
                ("band", &t(&format!("idx.band.{band}"))),
            ],
        ),
        None => t("idx.rules_no_cap"),
    };
    tf(
        "idx.rules_summary",
        &[
            ("points", &points(r.par.max_points)),
            ("bands", &bands),
            ("cap", &cap),
            ("w1", &points(r.w766.on_time)),
            ("w2", &points(r.w766.not_dissatisfied)),
            ("w3", &points(r.w766.dossiers)),
            ("margin", &format!("{:.1}", r.margin * 100.0)),
        ],
    )
}

/// The unit and every unit merged into it, back through the chain of predecessors.
async fn with_predecessors(db: &crate::db::Db, id: i64) -> Result<Vec<i64>, AppError> {
    let links = units::all_links(db).await?;
    let mut out = vec![id];
    let mut i = 0;
    while i < out.len() && out.len() < 1000 {
        let cur = out[i];
        for (pred, succ) in &links {
            if *succ == cur && !out.contains(pred) {
                out.push(*pred);
            }
        }
        i += 1;
    }
    Ok(out)
}

/// A line of share satisfied per month, drawn on the server (no script), readable printed.
/// `title` names the chart; its text alternative (the SVG's `<title>`) lists every month's
/// figure, so a screen reader reads the same numbers the line shows.
pub fn trend_svg(
    points: &[(chrono::NaiveDate, Tally)],
    basis_change: Option<chrono::NaiveDate>,
    title: &str,
) -> String {
    let (w, h, left, right, top, bottom) = (640.0, 240.0, 44.0, 24.0, 14.0, 36.0);
    let n = points.len().max(1);
    let step = (w - left - right) / (n.max(2) - 1) as f64;
    let x = |i: usize| left + step * i as f64;
    let y = |v: f64| top + (1.0 - v) * (h - top - bottom);
    let months: Vec<String> = points
        .iter()
        .map(|(m, t)| match t.share_satisfied() {
            Some(v) => format!("{}: {:.1} % (n = {})", m.format("%m/%Y"), v * 100.0, t.n()),
            None => format!("{}: —", m.format("%m/%Y")),
        })
        .collect();
    let alt = format!("{title}. {}", months.join("; "))
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let mut s = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\"><title>{alt}</title>"
    );
    for g in [0.0, 0.25, 0.5, 0.75, 1.0] {
        s.push_str(&format!(
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{y0:.1}\" y2=\"{y0:.1}\" class=\"grid\"/><text x=\"{}\" y=\"{:.1}\" class=\"axis\" text-anchor=\"end\">{:.0}%</text>",
            w - right,
            left - 6.0,
            y(g) + 4.0,
            g * 100.0,
            y0 = y(g)
        ));
    }
    let mut path = String::new();
    for (i, (m, t)) in points.iter().enumerate() {
        s.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{}\" class=\"axis\" text-anchor=\"middle\">{}</text>",
            x(i),
            h - 18.0,
            m.format("%m/%y")
        ));
        if let Some(v) = t.share_satisfied() {
            path.push_str(&format!(
                "{}{:.1},{:.1} ",
                if path.is_empty() { "M" } else { "L" },
                x(i),
                y(v)
            ));
            s.push_str(&format!(
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" class=\"dot\"><title>{}: {:.1}% (n = {})</title></circle><text x=\"{:.1}\" y=\"{}\" class=\"n\" text-anchor=\"middle\">{}</text>",
                x(i),
                y(v),
                m.format("%m/%Y"),
                v * 100.0,
                t.n(),
                x(i),
                h - 4.0,
                t.n()
            ));
        }
        if basis_change.is_some_and(|b| rollup::month_of(b) == *m) {
            s.push_str(&format!(
                "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{top}\" y2=\"{1:.1}\" class=\"basis\"/>",
                x(i),
                h - bottom
            ));
        }
    }
    s.push_str(&format!(
        "<path d=\"{}\" class=\"line\"/></svg>",
        path.trim()
    ));
    s
}

/// `GET /indices/unit/{id}?period=`: a unit's figures: headline, the twelve-month trend (across
/// a merger, the predecessors' answers re-aggregated), channels, procedures, counters.
pub async fn unit(ctx: Ctx, axum::extract::Path(id): axum::extract::Path<String>) -> PageResult {
    let u = units::get(ctx.db(), path_id(&id)?).await?;
    ctx.require(Permission::ViewRatings, Some(&u.unit_path()))?;
    let p = period_of(&ctx);
    let subtree: Vec<i64> = units::subtree(ctx.db(), &u.path)
        .await?
        .into_iter()
        .map(|x| x.id)
        .collect();
    let rules = indices::rules(ctx.db()).await?;
    let tallies = indices::unit_tallies(ctx.db(), &p).await?;
    let dossiers = indices::dossiers(ctx.db(), &p).await?;
    let own = tallies.get(&u.id).copied().unwrap_or_default();
    let d = dossiers.get(&u.id).copied().unwrap_or_default();
    let head = index::headline(&own, d.completed, rules.margin);
    let sub: Tally = subtree.iter().filter_map(|x| tallies.get(x)).copied().sum();
    let sub_n: i64 = subtree
        .iter()
        .filter_map(|x| dossiers.get(x))
        .map(|d| d.completed)
        .sum();
    let sub_head = index::headline(&sub, sub_n, rules.margin);
    let c766 = indices::counts_766(ctx.db(), &u.path, &p, &dossiers)
        .await?
        .get(&u.id)
        .copied()
        .unwrap_or_default();
    let g766 = index::score_766(&c766, &rules.w766);
    // Twelve months to the end of the period, with the predecessors of a merged unit.
    let chain = with_predecessors(ctx.db(), u.id).await?;
    let year = Period::twelve_months_to(p.to.min(crate::db::today()));
    let trend = indices::trend(ctx.db(), &chain, &year).await?;
    let merged = chain.len() > 1;
    let basis = merged.then_some(u.effective_from);
    let svg = trend_svg(&trend, basis, &ctx.lang.t("idx.trend"));
    let channels = indices::by_dim(ctx.db(), &[u.id], "channel", &p).await?;
    let procs = indices::by_dim(ctx.db(), &[u.id], "procedure", &p).await?;
    let counters = indices::by_dim(ctx.db(), &[u.id], "counter", &p).await?;
    let mut proc_rows: Vec<(i64, String, Tally)> = Vec::new();
    for (pid, t) in procs {
        let name = if pid == 0 {
            ctx.lang.t("idx.no_procedure")
        } else {
            procedures::get(ctx.db(), pid)
                .await
                .map(|p| format!("{} — {}", p.code, p.name))
                .unwrap_or_else(|_| pid.to_string())
        };
        proc_rows.push((pid, name, t));
    }
    proc_rows.sort_by(|a, b| b.2.n().cmp(&a.2.n()).then(a.1.cmp(&b.1)));
    let names = counter_names(ctx.db(), &u.path, ctx.lang).await?;
    let mut counter_rows: Vec<(i64, String, Tally)> = counters
        .into_iter()
        .map(|(k, t)| (k, names(k), t))
        .collect();
    counter_rows.sort_by_key(|c| std::cmp::Reverse(c.2.n()));
    let mut channel_rows: Vec<(i64, Tally)> = channels.into_iter().collect();
    channel_rows.sort_by_key(|c| c.0);
    let en = ctx.lang == Lang::En;
    let late_share = d.late_share();
    let par = index::par_score(head.share_satisfied, late_share, &rules.par);
    let max_points = points(rules.par.max_points);
    let title = u.name.clone();
    let key = p.key();
    let has_sub = subtree.len() > 1;
    Ok(ctx.render(&title.clone(), move || {
        view! {
            {page_head(title.clone(), Some(tf("idx.unit_lead", &[("period", &p.label(en))])))}
            {period_form(&p, &format!("/indices/unit/{}", u.id))}
            <div class="stats">
                {headline_card(t("idx.this_unit"), &head)}
                {has_sub.then(|| headline_card(t("idx.with_subtree"), &sub_head))}
                <div class="stat card">
                    <p class="stat-label">{t("idx.par_points")}</p>
                    <p class="stat-value">{par.points.map(points).unwrap_or_else(|| "—".into())}<span class="small">{format!(" / {max_points}")}</span></p>
                    <p class="small">{par.band.clone().map(|b| t(&format!("idx.band.{b}"))).unwrap_or_default()}
                        {par.capped.then(|| view! { " · "<span class="badge badge-warn">{t("idx.capped")}</span> })}</p>
                    <p class="small muted">{tf("idx.late_share", &[("pct", &pct(late_share))])}</p>
                </div>
                {card_766(&g766, &c766)}
            </div>
            <section class="card">
                <h2>{t("idx.trend")}</h2>
                <div class="chart-wrap" inner_html=svg.clone()></div>
                <p class="small muted">{t("idx.trend_hint")}</p>
                {merged.then(|| view! { <p class="small"><span class="badge badge-info">{t("idx.basis_changed")}</span>" "{tf("idx.basis_changed_text", &[("date", &fmt_date(u.effective_from))])}</p> })}
            </section>
            <div class="grid-2">
                <section class="card">
                    <h2>{t("idx.by_channel")}</h2>
                    <table class="data breakdown">{tally_thead(t("fb.channel"))}<tbody>
                        {channel_rows.iter().map(|(k, t)| tally_row(crate::i18n::t(&format!("channel.{}", rollup::channel_of_key(*k))), None, t)).collect_view()}
                    </tbody></table>
                </section>
                <section class="card">
                    <h2>{t("idx.by_counter")}</h2>
                    <table class="data breakdown">{tally_thead(t("kiosk.counter"))}<tbody>
                        {counter_rows.iter().map(|(_, name, tl)| tally_row(name.clone(), None, tl)).collect_view()}
                    </tbody></table>
                </section>
            </div>
            <section class="card">
                <h2>{t("idx.by_procedure")}</h2>
                <p class="small muted">{t("idx.by_procedure_hint")}</p>
                <div class="table-wrap" tabindex="0" role="region" aria-label=t("idx.by_procedure")><table class="data breakdown">{tally_thead(t("procedure.name"))}<tbody>
                    {proc_rows.iter().map(|(pid, name, tl)| tally_row(name.clone(), Some(format!("/indices/unit/{}/procedure/{pid}?period={key}", u.id)), tl)).collect_view()}
                </tbody></table></div>
            </section>
            <p><a href=format!("/indices?period={key}")>{t("idx.back")}</a>" · "
               <a href=format!("/indices/ratings.csv?period={key}&unit={}", u.id)>{t("idx.export_raw")}</a></p>
        }
    }))
}

/// The names of the counters of a subtree, by id ("no counter" for 0 or an unknown id).
async fn counter_names(
    db: &crate::db::Db,
    path: &str,
    lang: Lang,
) -> Result<impl Fn(i64) -> String, AppError> {
    let names: HashMap<i64, String> = crate::db::kiosks::counters_in(db, path)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let none = lang.t("idx.no_counter");
    Ok(move |id: i64| names.get(&id).cloned().unwrap_or_else(|| none.clone()))
}

/// The header of a breakdown table: answers, share satisfied, mean.
/// The header of a breakdown table; `first` names the column of its rows (channel, counter…).
fn tally_thead(first: String) -> impl IntoView {
    view! { <thead><tr><th scope="col">{first}</th><th class="num">{t("idx.answers")}</th><th class="num">{t("idx.share_satisfied")}</th><th class="num">{t("idx.mean")}</th></tr></thead> }
}

/// One line of a breakdown table (a channel, counter or procedure), linked when it drills down.
fn tally_row(label: String, href: Option<String>, tl: &Tally) -> impl IntoView {
    let h = index::headline(tl, 0, index::DEFAULT_MARGIN);
    view! {
        <tr>
            <td>{match href {
                Some(href) => view! { <a href=href>{label}</a> }.into_any(),
                None => label.into_any(),
            }}</td>
            <td class="num">{h.n}</td>
            <td class="num">{pct(h.share_satisfied)}</td>
            <td class="num">{num(h.mean)}</td>
        </tr>
    }
}

/// `GET /indices/unit/{id}/procedure/{pid}?period=`: one procedure of a unit, by counter and by
/// channel (`pid` 0: answers given without a procedure). Read from the unit's raw ratings of
/// the period (a unit's quarter is small; the rollups keep procedure and counter apart).
pub async fn procedure(
    ctx: Ctx,
    axum::extract::Path((id, pid)): axum::extract::Path<(String, String)>,
) -> PageResult {
    let u = units::get(ctx.db(), path_id(&id)?).await?;
    ctx.require(Permission::ViewRatings, Some(&u.unit_path()))?;
    let pid: i64 = pid.parse().map_err(|_| AppError::NotFound)?;
    let proc_name = if pid == 0 {
        ctx.lang.t("idx.no_procedure")
    } else {
        let pr = procedures::get(ctx.db(), pid).await?;
        format!("{} — {}", pr.code, pr.name)
    };
    let p = period_of(&ctx);
    let cells = indices::procedure_cells(ctx.db(), u.id, (pid != 0).then_some(pid), &p).await?;
    let mut total = Tally::default();
    let mut by_counter: HashMap<i64, Tally> = HashMap::new();
    let mut by_channel: HashMap<i64, Tally> = HashMap::new();
    for (counter, channel, tl) in &cells {
        total.add(tl);
        by_counter.entry(*counter).or_default().add(tl);
        by_channel.entry(*channel).or_default().add(tl);
    }
    let names = counter_names(ctx.db(), &u.path, ctx.lang).await?;
    let mut counters: Vec<(String, Tally)> = by_counter
        .into_iter()
        .map(|(k, tl)| (names(k), tl))
        .collect();
    counters.sort_by(|a, b| b.1.n().cmp(&a.1.n()).then(a.0.cmp(&b.0)));
    let mut channels: Vec<(i64, Tally)> = by_channel.into_iter().collect();
    channels.sort_by_key(|c| c.0);
    let rules = indices::rules(ctx.db()).await?;
    let head = index::headline(&total, 0, rules.margin);
    let en = ctx.lang == Lang::En;
    let key = p.key();
    let title = proc_name.clone();
    Ok(ctx.render(&title.clone(), move || {
        view! {
            {page_head(title.clone(), Some(tf("idx.procedure_lead", &[("unit", &u.name), ("period", &p.label(en))])))}
            {period_form(&p, &format!("/indices/unit/{}/procedure/{pid}", u.id))}
            <div class="stats">{headline_card(t("idx.this_procedure"), &head)}</div>
            <div class="grid-2">
                <section class="card">
                    <h2>{t("idx.by_counter")}</h2>
                    {counters.is_empty().then(|| view! { <p class="muted">{t("idx.no_answers")}</p> })}
                    <table class="data breakdown">{tally_thead(t("kiosk.counter"))}<tbody>
                        {counters.iter().map(|(name, tl)| tally_row(name.clone(), None, tl)).collect_view()}
                    </tbody></table>
                </section>
                <section class="card">
                    <h2>{t("idx.by_channel")}</h2>
                    <table class="data breakdown">{tally_thead(t("fb.channel"))}<tbody>
                        {channels.iter().map(|(k, tl)| tally_row(t(&format!("channel.{}", rollup::channel_of_key(*k))), None, tl)).collect_view()}
                    </tbody></table>
                </section>
            </div>
            <p><a href=format!("/indices/unit/{}?period={key}", u.id)>{tf("idx.back_to_unit", &[("unit", &u.name)])}</a></p>
        }
    }))
}

fn headline_card(label: String, h: &Headline) -> impl IntoView {
    let ci =
        h.ci.map(|(a, b)| format!("{:.1}–{:.1} %", a * 100.0, b * 100.0))
            .unwrap_or_else(|| "—".into());
    view! {
        <div class="stat card">
            <p class="stat-label">{label}</p>
            <p class="stat-value">{pct(h.share_satisfied)}</p>
            <p class="small">{tf("idx.headline_detail", &[("n", &h.n.to_string()), ("mean", &num(h.mean)), ("ci", &ci)])}</p>
            {(!h.enough).then(|| view! { <p class="small"><span class="badge badge-warn">{t("idx.too_few")}</span>" "{tf("idx.required_n", &[("n", &h.required.to_string())])}</p> })}
        </div>
    }
}

fn csv_response(name: &str, body: Vec<u8>) -> axum::response::Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        body,
    )
        .into_response()
}

/// `GET /indices/ranking.csv?period=`: the ranking tables, one row per unit.
pub async fn ranking_csv(ctx: Ctx) -> PageResult {
    let user = ctx.require(Permission::ViewRatings, None)?.clone();
    let p = period_of(&ctx);
    let groups = rankings(ctx.db(), user.scope.as_str(), &p, ctx.lang)
        .await?
        .groups;
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    let io = |e: csv::Error| AppError::Internal(e.to_string());
    w.write_record([
        "period",
        "group",
        "rank",
        "change",
        "unit_code",
        "unit",
        "answers",
        "s1",
        "s2",
        "s3",
        "s4",
        "s5",
        "dossiers",
        "required",
        "enough",
        "share_satisfied",
        "ci_low",
        "ci_high",
        "mean",
        "par_points",
        "par_band",
        "late_share",
        "g766_points",
        "r766_on_time",
        "r766_not_dissatisfied",
        "r766_dossiers",
        "dossiers_bad",
    ])
    .map_err(io)?;
    let f = |x: Option<f64>| x.map(|v| format!("{v:.6}")).unwrap_or_default();
    for g in &groups {
        for row in &g.rows {
            let (r, u, par, tl) = (&row.ranked, &row.unit, &row.par, &row.tally);
            let h = &r.headline;
            w.write_record([
                p.key(),
                g.name.clone(),
                r.rank.map(|x| x.to_string()).unwrap_or_default(),
                r.change.map(|x| x.to_string()).unwrap_or_default(),
                u.code.clone(),
                u.name.clone(),
                h.n.to_string(),
                tl.s[0].to_string(),
                tl.s[1].to_string(),
                tl.s[2].to_string(),
                tl.s[3].to_string(),
                tl.s[4].to_string(),
                h.population.to_string(),
                h.required.to_string(),
                h.enough.to_string(),
                f(h.share_satisfied),
                f(h.ci.map(|c| c.0)),
                f(h.ci.map(|c| c.1)),
                f(h.mean),
                f(par.points),
                par.band.clone().unwrap_or_default(),
                f(row.late),
                f(Some(row.g766.total)),
                f(row.g766.ratios[0]),
                f(row.g766.ratios[1]),
                f(row.g766.ratios[2]),
                row.c766.dossiers_bad.to_string(),
            ])
            .map_err(io)?;
        }
    }
    let body = w
        .into_inner()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(csv_response(&format!("xep-hang-{}.csv", p.key()), body))
}

/// `GET /indices/ratings.csv?period=&unit=`: every rating of the period (of one unit and its
/// subtree, or of all one may see) with whether it counts, so anyone can recompute an index.
pub async fn ratings_csv(ctx: Ctx) -> PageResult {
    let user = ctx.require(Permission::ViewRatings, None)?.clone();
    let p = period_of(&ctx);
    let prefix = match ctx.q("unit").parse::<i64>() {
        Ok(id) => {
            let u = units::get(ctx.db(), id).await?;
            ctx.require(Permission::ViewRatings, Some(&u.unit_path()))?;
            u.path
        }
        Err(_) => user.scope.as_str().to_string(),
    };
    let _ = UnitPath::parse(&prefix);
    let rows = indices::raw(ctx.db(), &prefix, &p).await?;
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    let io = |e: csv::Error| AppError::Internal(e.to_string());
    w.write_record([
        "rating_id",
        "unit_id",
        "unit_code",
        "day",
        "channel",
        "score",
        "procedure_code",
        "counter_id",
        "counted",
    ])
    .map_err(io)?;
    for r in rows {
        w.write_record([
            r.id.to_string(),
            r.unit_id.to_string(),
            r.unit_code,
            r.day.to_string(),
            r.channel,
            r.score.to_string(),
            r.procedure_code.unwrap_or_default(),
            r.counter_id.map(|c| c.to_string()).unwrap_or_default(),
            if r.counted { "1".into() } else { "0".into() },
        ])
        .map_err(io)?;
    }
    let body = w
        .into_inner()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(csv_response(&format!("danh-gia-{}.csv", p.key()), body))
}

/// `GET /transparency`: the public page: each unit's satisfaction index and rank in its peer
/// group for the last complete quarter (counts only; no comment, no personal data).
pub async fn transparency(ctx: Ctx) -> PageResult {
    let root = units::root(ctx.db()).await?.ok_or(AppError::NotFound)?;
    let p = Period::last_quarter(crate::db::today());
    let groups = rankings(ctx.db(), &root.path, &p, ctx.lang).await?.groups;
    let en = ctx.lang == Lang::En;
    Ok(ctx.render(&ctx.lang.t("idx.public_title"), move || {
        let l = |k: &str| t(k);
        view! {
            {page_head(t("idx.public_title"), Some(tf("idx.public_lead", &[("period", &p.label(en))])))}
            {groups.into_iter().map(|g| view! {
                <section class="card">
                    <h2>{g.name.clone()}</h2>
                    <div class="table-wrap" tabindex="0" role="region" aria-label=g.name.clone()>
                        <table class="data ranking stack">
                            <thead><tr>
                                <th>{t("idx.rank")}</th><th>{t("idx.unit")}</th>
                                <th class="num">{t("idx.share_satisfied")}</th><th class="num">{t("idx.answers")}</th>
                            </tr></thead>
                            <tbody>
                                {g.rows.into_iter().map(|RankRow { ranked: r, unit: u, .. }| view! {
                                    <tr class=if r.flagged { "flagged" } else { "" }>
                                        <td class="num" data-label=l("idx.rank")>{r.rank.map(|x| x.to_string()).unwrap_or_else(|| "—".into())}</td>
                                        <td data-label=l("idx.unit")>{u.name.clone()}{r.flagged.then(|| view! { " "<span class="badge badge-warn">{t("idx.too_few")}</span> })}</td>
                                        <td class="num" data-label=l("idx.share_satisfied")><strong>{pct(r.headline.share_satisfied)}</strong></td>
                                        <td class="num" data-label=l("idx.answers")>{r.headline.n}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                </section>
            }).collect_view()}
            <section class="card small">
                <h2 class="h3">{t("idx.how_title")}</h2>
                <p>{t("idx.public_how")}</p>
            </section>
        }
    }))
}

/// `GET /indices/ranking.xlsx?period=`: the ranking laid out for the provincial report: a title,
/// then each peer group with its units in rank order (flagged units last), one sheet.
pub async fn ranking_xlsx(ctx: Ctx) -> PageResult {
    use rust_xlsxwriter::{Format, FormatAlign, Workbook};
    let user = ctx.require(Permission::ViewRatings, None)?.clone();
    let p = period_of(&ctx);
    let Rankings { rules, groups } = rankings(ctx.db(), user.scope.as_str(), &p, ctx.lang).await?;
    let en = ctx.lang == Lang::En;
    let lang = ctx.lang;
    let x = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(lang.t("idx.xlsx_sheet")).map_err(x)?;
    let bold = Format::new().set_bold();
    let title = Format::new().set_bold().set_font_size(14);
    let head = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    let pct_f = Format::new().set_num_format("0.0%");
    let num_f = Format::new().set_num_format("0.00");
    ws.write_string_with_format(
        0,
        0,
        lang.tf("idx.xlsx_title", &[("period", &p.label(en))]),
        &title,
    )
    .map_err(x)?;
    ws.write_string(1, 0, lang.t("idx.xlsx_note")).map_err(x)?;
    ws.write_string(2, 0, rules_summary(&rules)).map_err(x)?;
    let cols = [
        "idx.rank",
        "idx.unit",
        "idx.answers",
        "idx.xlsx_dossiers",
        "idx.required",
        "idx.share_satisfied",
        "idx.xlsx_ci_low",
        "idx.xlsx_ci_high",
        "idx.mean",
        "idx.par_points",
        "idx.xlsx_band",
        "idx.change",
        "idx.xlsx_766",
    ];
    let mut row: u32 = 4;
    for g in &groups {
        ws.write_string_with_format(row, 0, &g.name, &bold)
            .map_err(x)?;
        row += 1;
        for (c, key) in cols.iter().enumerate() {
            ws.write_string_with_format(row, c as u16, lang.t(key), &head)
                .map_err(x)?;
        }
        row += 1;
        for line in &g.rows {
            let (r, u, par) = (&line.ranked, &line.unit, &line.par);
            let h = &r.headline;
            match r.rank {
                Some(k) => ws.write_number(row, 0, k as f64).map_err(x)?,
                None => ws.write_string(row, 0, lang.t("idx.too_few")).map_err(x)?,
            };
            ws.write_string(row, 1, &u.name).map_err(x)?;
            ws.write_number(row, 2, h.n as f64).map_err(x)?;
            ws.write_number(row, 3, h.population as f64).map_err(x)?;
            ws.write_number(row, 4, h.required as f64).map_err(x)?;
            if let Some(v) = h.share_satisfied {
                ws.write_number_with_format(row, 5, v, &pct_f).map_err(x)?;
            }
            if let Some((lo, hi)) = h.ci {
                ws.write_number_with_format(row, 6, lo, &pct_f).map_err(x)?;
                ws.write_number_with_format(row, 7, hi, &pct_f).map_err(x)?;
            }
            if let Some(v) = h.mean {
                ws.write_number_with_format(row, 8, v, &num_f).map_err(x)?;
            }
            if let Some(v) = par.points {
                ws.write_number_with_format(row, 9, v, &num_f).map_err(x)?;
            }
            if let Some(b) = par.band.clone() {
                ws.write_string(row, 10, lang.t(&format!("idx.band.{b}")))
                    .map_err(x)?;
            }
            if let Some(c) = r.change {
                ws.write_number(row, 11, c as f64).map_err(x)?;
            }
            ws.write_number_with_format(row, 12, line.g766.total, &num_f)
                .map_err(x)?;
            row += 1;
        }
        row += 1;
    }
    ws.set_column_width(1, 42).map_err(x)?;
    for c in 2..13u16 {
        ws.set_column_width(c, 12).map_err(x)?;
    }
    let body = wb.save_to_buffer().map_err(x)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"xep-hang-{}.xlsx\"", p.key()),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        body,
    )
        .into_response())
}
