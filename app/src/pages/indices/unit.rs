//! A unit's drill-down: its row of the ranking (the same figures, its rank among its peer group),
//! its subtree, the trend across mergers, channels, counters, procedures; and one procedure by
//! counter and channel.

use super::{card_766, ci_text, num, pct, period_form, points};
use crate::components::chart::{HeatMap, Series, SeriesChart, TrendChart};
use crate::components::layout::{fmt_date, page_head};
use crate::ctx::Ctx;
use crate::db::{procedures, rollup, units};
use crate::domain::index::{self, Headline, Tally};
use crate::domain::Permission;
use crate::error::AppError;
use crate::i18n::{t, tf, Lang};
use crate::pages::{path_id, PageResult};
use crate::reports::unit::{procedure_report, unit_report, UnitReport};
use leptos::prelude::*;

/// A headline as a card: share, answers, mean, interval, and "too few" with what is needed.
fn headline_card(label: String, h: &Headline, rank: Option<(i64, i64)>) -> impl IntoView {
    view! {
        <div class="stat card">
            <p class="stat-label">{label}</p>
            <p class="stat-value">{pct(h.share_satisfied)}</p>
            <p class="small">{tf("idx.headline_detail", &[("n", &h.n.to_string()), ("mean", &num(h.mean)), ("ci", &ci_text(h))])}</p>
            {rank.map(|(r, of)| view! { <p class="small"><strong>{tf("idx.rank_of", &[("rank", &r.to_string()), ("of", &of.to_string())])}</strong></p> })}
            {(!h.enough).then(|| view! { <p class="small"><span class="badge badge-warn">{t("idx.too_few")}</span>" "{tf("idx.required_n", &[("n", &h.required.to_string())])}</p> })}
        </div>
    }
}

/// The header of a breakdown table; `first` names the column of its rows (channel, counter…).
fn tally_thead(first: String) -> impl IntoView {
    view! { <thead><tr><th scope="col">{first}</th><th class="num">{t("idx.answers")}</th><th class="num">{t("idx.share_satisfied")}</th><th class="num">{t("idx.mean")}</th></tr></thead> }
}

/// One line of a breakdown table (a channel, counter or procedure), linked when it drills down.
fn tally_row(label: String, href: Option<String>, tl: &Tally) -> impl IntoView {
    view! {
        <tr>
            <td>{match href {
                Some(href) => view! { <a href=href>{label}</a> }.into_any(),
                None => label.into_any(),
            }}</td>
            <td class="num">{tl.n()}</td>
            <td class="num">{pct(tl.share_satisfied())}</td>
            <td class="num">{num(tl.mean())}</td>
        </tr>
    }
}

/// `GET /indices/unit/{id}?period=`: a unit's figures.
pub async fn unit(ctx: Ctx, axum::extract::Path(id): axum::extract::Path<String>) -> PageResult {
    let u = units::get(ctx.db(), path_id(&id)?).await?;
    ctx.require(Permission::ViewRatings, Some(&u.unit_path()))?;
    let p = super::period_of(&ctx);
    let counter: Option<i64> = ctx.q("counter").parse().ok().filter(|c| *c > 0);
    let counter_list = crate::db::kiosks::counters_of_unit(ctx.db(), u.id).await?;
    let counter = counter.filter(|c| counter_list.iter().any(|x| x.id == *c));
    let week = crate::reports::insight::week(ctx.db(), &u, counter, &p).await?;
    let by_month =
        crate::reports::insight::g766_by_month(ctx.db(), &u, p.to.min(crate::db::today())).await?;
    let UnitReport {
        unit: u,
        period: p,
        rules,
        row,
        own,
        carried_by,
        subtree,
        trend,
        basis_change,
        channels,
        counters,
        procedures,
    } = unit_report(ctx.db(), u, &p, ctx.lang).await?;
    let en = ctx.lang == Lang::En;
    let key = p.key();
    let title = u.name.clone();
    let head = row
        .as_ref()
        .map(|(_, r)| r.ranked.headline.clone())
        .unwrap_or(own);
    let rank = row
        .as_ref()
        .and_then(|(_, r)| r.ranked.rank.map(|k| (k, r.ranked.of)));
    let late_share = row.as_ref().and_then(|(_, r)| r.late);
    let par = row
        .as_ref()
        .map(|(_, r)| r.par.clone())
        .unwrap_or_else(|| index::par_score(head.share_satisfied, late_share, &rules.par));
    let g766 = row.as_ref().map(|(_, r)| (r.g766.clone(), r.c766));
    let merged = row.as_ref().and_then(|(_, r)| r.merged.clone());
    let group = row.as_ref().map(|(g, _)| g.name.clone());
    let max_points = points(rules.par.max_points);
    let trend_title = ctx.lang.t("idx.trend");
    Ok(ctx.render(&title.clone(), move || {
        view! {
            {page_head(title.clone(), Some(tf("idx.unit_lead", &[("period", &p.label(en))])))}
            {period_form(&p, &format!("/indices/unit/{}", u.id))}
            {group.map(|g| view! { <p class="small">{tf("idx.in_group", &[("group", &g)])}</p> })}
            {merged.map(|m| view! { <p class="notice">{tf("idx.merged_notice", &[("date", &fmt_date(m.on)), ("units", &m.from.iter().map(|(_, n)| n.clone()).collect::<Vec<_>>().join(", "))])}</p> })}
            {carried_by.map(|c| view! { <p class="notice">{t("idx.carried_by")}" "<a href=format!("/indices/unit/{}?period={}", c.id, p.key())>{c.name.clone()}</a></p> })}
            <div class="stats">
                {headline_card(t("idx.this_unit"), &head, rank)}
                {subtree.map(|s| headline_card(t("idx.with_subtree"), &s, None))}
                <div class="stat card">
                    <p class="stat-label">{t("idx.par_points")}</p>
                    <p class="stat-value">{par.points.map(points).unwrap_or_else(|| "—".into())}<span class="small">{format!(" / {max_points}")}</span></p>
                    <p class="small">{par.band.clone().map(|b| t(&format!("idx.band.{b}"))).unwrap_or_default()}
                        {par.capped.then(|| view! { " · "<span class="badge badge-warn">{t("idx.capped")}</span> })}</p>
                    <p class="small muted">{tf("idx.late_share", &[("pct", &pct(late_share))])}</p>
                </div>
                {g766.map(|(g, c)| card_766(&g, &c))}
            </div>
            <section class="card">
                <h2>{t("idx.trend")}</h2>
                <div class="chart-wrap"><TrendChart points=trend basis_change=basis_change title=trend_title.clone()/></div>
                <p class="small muted">{t("idx.trend_hint")}</p>
                {basis_change.map(|d| view! { <p class="small"><span class="badge badge-info">{t("idx.basis_changed")}</span>" "{tf("idx.basis_changed_text", &[("date", &fmt_date(d))])}</p> })}
            </section>
            {when_section(&u, &p, counter, &counter_list, week)}
            {g766_section(by_month)}
            <div class="grid-2">
                <section class="card">
                    <h2>{t("idx.by_channel")}</h2>
                    <table class="data breakdown">{tally_thead(t("fb.channel"))}<tbody>
                        {channels.iter().map(|(_, name, tl)| tally_row(name.clone(), None, tl)).collect_view()}
                    </tbody></table>
                </section>
                <section class="card">
                    <h2>{t("idx.by_counter")}</h2>
                    <table class="data breakdown">{tally_thead(t("kiosk.counter"))}<tbody>
                        {counters.iter().map(|(_, name, tl)| tally_row(name.clone(), None, tl)).collect_view()}
                    </tbody></table>
                </section>
            </div>
            <section class="card">
                <h2>{t("idx.by_procedure")}</h2>
                <p class="small muted">{t("idx.by_procedure_hint")}</p>
                <div class="table-wrap" tabindex="0" role="region" aria-label=t("idx.by_procedure")><table class="data breakdown">{tally_thead(t("procedure.name"))}<tbody>
                    {procedures.iter().map(|(pid, name, tl)| tally_row(name.clone(), Some(format!("/indices/unit/{}/procedure/{pid}?period={key}", u.id)), tl)).collect_view()}
                </tbody></table></div>
            </section>
            <p><a href=format!("/indices?period={key}")>{t("idx.back")}</a>" · "
               <a href=format!("/indices/ratings.csv?period={key}&unit={}", u.id)>{t("idx.export_raw")}</a></p>
        }
    }))
}

/// "When": the heat map of a unit (or one of its counters), with the counter picker.
fn when_section(
    u: &crate::db::units::Unit,
    p: &crate::domain::period::Period,
    counter: Option<i64>,
    counters: &[crate::db::kiosks::Counter],
    week: crate::domain::insight::Week,
) -> impl IntoView {
    let days = crate::pages::weekday_names();
    let options: Vec<(String, String)> =
        std::iter::once(("0".to_string(), t("insight.all_counters")))
            .chain(counters.iter().map(|c| (c.id.to_string(), c.name.clone())))
            .collect();
    let selected = counter.unwrap_or(0).to_string();
    let empty = week.total().n() == 0;
    let action = format!("/indices/unit/{}", u.id);
    view! {
        <section class="card" id="when">
            <h2>{t("insight.when_title")}</h2>
            <p class="small muted">{t("insight.when_hint")}</p>
            <form class="form filters field-row" method="get" action=action>
                <input type="hidden" name="period" value=p.key()/>
                <div class="field">
                    <label for="f-counter">{t("kiosk.counter")}</label>
                    <select id="f-counter" name="counter">
                        {options.into_iter().map(|(v, l)| {
                            let sel = v == selected;
                            view! { <option value=v selected=sel>{l}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <div class="actions"><button class="btn btn-secondary" type="submit">{t("form.filter")}</button></div>
            </form>
            {if empty {
                view! { <p class="muted">{t("idx.no_answers")}</p> }.into_any()
            } else {
                view! {
                    <div class="chart-wrap"><HeatMap week=week days=days title=t("insight.when_title")/></div>
                    {heat_legend()}
                }.into_any()
            }}
        </section>
    }
}

/// The colour key of the heat map.
pub fn heat_legend() -> impl IntoView {
    let steps = [
        ("h0", "< 50 %"),
        ("h1", "50–65 %"),
        ("h2", "65–75 %"),
        ("h3", "75–85 %"),
        ("h4", "85–95 %"),
        ("h5", "≥ 95 %"),
    ];
    view! {
        <p class="heat-legend">
            {steps.into_iter().map(|(c, l)| view! { <span><i class=c></i>{l}</span> }).collect_view()}
            <span><i class="hn"></i>{t("insight.no_answers_short")}</span>
            <span class="muted">{t("insight.heat_number")}</span>
        </p>
    }
}

/// Decision 766's satisfaction group month by month.
pub fn g766_section(
    months: Vec<(chrono::NaiveDate, crate::domain::index::Score766)>,
) -> impl IntoView {
    let labels: Vec<chrono::NaiveDate> = months.iter().map(|(m, _)| *m).collect();
    let series = vec![Series {
        label: t("idx.g766_short"),
        values: months.iter().map(|(_, s)| s.total).collect(),
    }];
    let any = months.iter().any(|(_, s)| s.total.is_some());
    view! {
        <section class="card">
            <h2>{t("insight.g766_title")}</h2>
            {if any {
                view! { <div class="chart-wrap"><SeriesChart months=labels series=series max=crate::domain::index::G766_POINTS percent=false title=t("insight.g766_title")/></div> }.into_any()
            } else {
                view! { <p class="muted">{t("idx.no_data")}</p> }.into_any()
            }}
            <p class="small muted">{t("insight.g766_hint")}</p>
        </section>
    }
}

/// `GET /indices/unit/{id}/procedure/{pid}?period=`: one procedure of a unit, by counter and by
/// channel (`pid` 0: answers given without a procedure).
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
    let p = super::period_of(&ctx);
    let r = procedure_report(ctx.db(), &u, (pid != 0).then_some(pid), &p, ctx.lang).await?;
    let en = ctx.lang == Lang::En;
    let key = p.key();
    let title = proc_name.clone();
    Ok(ctx.render(&title.clone(), move || {
        view! {
            {page_head(title.clone(), Some(tf("idx.procedure_lead", &[("unit", &u.name), ("period", &p.label(en))])))}
            {period_form(&p, &format!("/indices/unit/{}/procedure/{pid}", u.id))}
            <div class="stats">{headline_card(t("idx.this_procedure"), &r.head, None)}</div>
            <div class="grid-2">
                <section class="card">
                    <h2>{t("idx.by_counter")}</h2>
                    {r.counters.is_empty().then(|| view! { <p class="muted">{t("idx.no_answers")}</p> })}
                    <table class="data breakdown">{tally_thead(t("kiosk.counter"))}<tbody>
                        {r.counters.iter().map(|(name, tl)| tally_row(name.clone(), None, tl)).collect_view()}
                    </tbody></table>
                </section>
                <section class="card">
                    <h2>{t("idx.by_channel")}</h2>
                    <table class="data breakdown">{tally_thead(t("fb.channel"))}<tbody>
                        {r.channels.iter().map(|(k, tl)| tally_row(t(&format!("channel.{}", rollup::channel_of_key(*k))), None, tl)).collect_view()}
                    </tbody></table>
                </section>
            </div>
            <p><a href=format!("/indices/unit/{}?period={key}", u.id)>{tf("idx.back_to_unit", &[("unit", &u.name)])}</a></p>
        }
    }))
}
