//! Charts drawn on the server as SVG: readable without JavaScript, printed, and by a screen
//! reader (each chart's `<title>` lists the figures it draws).

use crate::domain::index::{funnel_limits, Tally};
use chrono::{Datelike, NaiveDate};
use leptos::prelude::*;

/// A share as a chart labels it: `75.4 %`.
fn pct1(v: f64) -> String {
    format!("{:.1} %", v * 100.0)
}

/// The share satisfied per month as a line. `basis_change` marks the month a merger changed
/// what the line counts.
#[component]
pub fn TrendChart(
    points: Vec<(NaiveDate, Tally)>,
    basis_change: Option<NaiveDate>,
    title: String,
) -> impl IntoView {
    let (w, h, left, right, top, bottom) = (640.0, 240.0, 44.0, 24.0, 14.0, 36.0);
    let n = points.len().max(1);
    let step = (w - left - right) / (n.max(2) - 1) as f64;
    let x = move |i: usize| left + step * i as f64;
    let y = move |v: f64| top + (1.0 - v) * (h - top - bottom);
    let alt = format!(
        "{title}. {}",
        points
            .iter()
            .map(|(m, t)| match t.share_satisfied() {
                Some(v) => format!("{}: {} (n = {})", m.format("%m/%Y"), pct1(v), t.n()),
                None => format!("{}: —", m.format("%m/%Y")),
            })
            .collect::<Vec<_>>()
            .join("; ")
    );
    let path = points
        .iter()
        .enumerate()
        .filter_map(|(i, (_, t))| t.share_satisfied().map(|v| (i, v)))
        .enumerate()
        .map(|(k, (i, v))| format!("{}{:.1},{:.1}", if k == 0 { "M" } else { "L" }, x(i), y(v)))
        .collect::<Vec<_>>()
        .join(" ");
    let grid = [0.0, 0.25, 0.5, 0.75, 1.0].map(|g| {
        view! {
            <line x1=left x2=w - right y1=format!("{:.1}", y(g)) y2=format!("{:.1}", y(g)) class="grid"/>
            <text x=left - 6.0 y=format!("{:.1}", y(g) + 4.0) class="axis" text-anchor="end">{format!("{:.0}%", g * 100.0)}</text>
        }
    });
    let marks = points
        .iter()
        .enumerate()
        .map(|(i, (m, t))| {
            let dot = t.share_satisfied().map(|v| {
                let label = format!("{}: {} (n = {})", m.format("%m/%Y"), pct1(v), t.n());
                view! {
                    <circle cx=format!("{:.1}", x(i)) cy=format!("{:.1}", y(v)) r="3.5" class="dot"><title>{label}</title></circle>
                    <text x=format!("{:.1}", x(i)) y=h - 4.0 class="n" text-anchor="middle">{t.n()}</text>
                }
            });
            let basis = basis_change
                .filter(|b| b.year() == m.year() && b.month() == m.month())
                .map(|_| {
                    view! { <line x1=format!("{:.1}", x(i)) x2=format!("{:.1}", x(i)) y1=top y2=h - bottom class="basis"/> }
                });
            view! {
                <text x=format!("{:.1}", x(i)) y=h - 18.0 class="axis" text-anchor="middle">{m.format("%m/%y").to_string()}</text>
                {dot}
                {basis}
            }
        })
        .collect_view();
    view! {
        <div class="chart-scroll from-end" role="region" tabindex="0" aria-label=title.clone()>
        <svg class="chart" viewBox=format!("0 0 {w} {h}") role="img" xmlns="http://www.w3.org/2000/svg">
            <title>{alt}</title>
            {grid}
            {marks}
            <path d=path class="line"/>
        </svg>
        </div>
    }
}

/// One unit on a funnel plot.
#[derive(Debug, Clone, PartialEq)]
pub struct FunnelDot {
    /// Drawn next to the dot (the unit's code); empty for a unit drawn without its name.
    pub label: String,
    /// Said in the chart's text alternative (the unit's name, or "another unit").
    pub name: String,
    pub n: i64,
    pub satisfied: i64,
    /// The reader's own unit (drawn stronger).
    pub mine: bool,
}

/// A funnel plot (Spiegelhalter 2005): each unit's share satisfied against its number of
/// answers, around the peer group's share `target`, with the exact binomial 95 % and 99.8 %
/// control limits. A unit outside the funnel differs from its peers by more than chance.
#[component]
pub fn FunnelPlot(
    dots: Vec<FunnelDot>,
    target: f64,
    title: String,
    legend: [String; 3],
) -> impl IntoView {
    let (w, h, left, right, top, bottom) = (640.0, 320.0, 48.0, 20.0, 14.0, 60.0);
    let max_n = dots.iter().map(|d| d.n).max().unwrap_or(10).max(10);
    let x_max = (max_n as f64 * 1.08).ceil();
    let shares: Vec<f64> = dots
        .iter()
        .filter(|d| d.n > 0)
        .map(|d| d.satisfied as f64 / d.n as f64)
        .collect();
    let low = shares.iter().copied().fold(target, f64::min);
    // The axis starts at the lowest tenth below every dot and the target (at most 50 %).
    let y_min = ((low * 10.0).floor() / 10.0).clamp(0.0, 0.5);
    let x = move |n: f64| left + n / x_max * (w - left - right);
    let y = move |v: f64| {
        let v = v.clamp(y_min, 1.0);
        top + (1.0 - (v - y_min) / (1.0 - y_min)) * (h - top - bottom)
    };
    // The limits at 90 answer counts spread over the axis (closer together at small n, where
    // the funnel bends).
    let ns: Vec<i64> = (0..90)
        .map(|i| {
            let f = i as f64 / 89.0;
            (2.0 + (x_max - 2.0) * f * f).round() as i64
        })
        .collect::<std::collections::BTreeSet<i64>>()
        .into_iter()
        .collect();
    let probs = [0.001, 0.025, 0.975, 0.999];
    let limits: Vec<(i64, Vec<f64>)> = ns
        .iter()
        .filter_map(|n| funnel_limits(target, *n, &probs).map(|l| (*n, l)))
        .collect();
    let curve = |k: usize| {
        limits
            .iter()
            .enumerate()
            .map(|(i, (n, l))| {
                format!(
                    "{}{:.1},{:.1}",
                    if i == 0 { "M" } else { "L" },
                    x(*n as f64),
                    y(l[k])
                )
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let (c0, c1, c2, c3) = (curve(0), curve(1), curve(2), curve(3));
    let ticks_y: Vec<f64> = (0..=10)
        .map(|i| i as f64 / 10.0)
        .filter(|v| *v >= y_min - 1e-9)
        .collect();
    let step = [
        10i64, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000,
    ]
    .into_iter()
    .find(|s| x_max / (*s as f64) <= 8.0)
    .unwrap_or(100_000);
    let ticks_x: Vec<i64> = (0..)
        .map(|i| i * step)
        .take_while(|v| (*v as f64) <= x_max)
        .collect();
    let alt = format!(
        "{title}. {}",
        dots.iter()
            .filter(|d| d.n > 0)
            .map(|d| format!(
                "{}: {} ({}/{})",
                d.name,
                pct1(d.satisfied as f64 / d.n as f64),
                d.satisfied,
                d.n
            ))
            .collect::<Vec<_>>()
            .join("; ")
    );
    let [l_target, l_95, l_998] = legend;
    view! {
        <div class="chart-scroll" role="region" tabindex="0" aria-label=title.clone()>
        <svg class="chart funnel" viewBox=format!("0 0 {w} {h}") role="img" xmlns="http://www.w3.org/2000/svg">
            <title>{alt}</title>
            {ticks_y.into_iter().map(|v| view! {
                <line x1=left x2=w - right y1=format!("{:.1}", y(v)) y2=format!("{:.1}", y(v)) class="grid"/>
                <text x=left - 6.0 y=format!("{:.1}", y(v) + 4.0) class="axis" text-anchor="end">{format!("{:.0}%", v * 100.0)}</text>
            }).collect_view()}
            {ticks_x.into_iter().map(|n| view! {
                <text x=format!("{:.1}", x(n as f64)) y=h - bottom + 16.0 class="axis" text-anchor="middle">{n}</text>
            }).collect_view()}
            <line x1=left x2=w - right y1=format!("{:.1}", y(target)) y2=format!("{:.1}", y(target)) class="target"/>
            <path d=c1 class="limit95"/>
            <path d=c2 class="limit95"/>
            <path d=c0 class="limit998"/>
            <path d=c3 class="limit998"/>
            {dots.into_iter().filter(|d| d.n > 0).map(|d| {
                let (cx, cy) = (x(d.n as f64), y(d.satisfied as f64 / d.n as f64));
                let class = if d.mine { "dot mine" } else { "dot" };
                let tip = format!("{}: {} ({}/{})", d.name, pct1(d.satisfied as f64 / d.n as f64), d.satisfied, d.n);
                view! {
                    <circle cx=format!("{cx:.1}") cy=format!("{cy:.1}") r=if d.mine { "5" } else { "4" } class=class><title>{tip}</title></circle>
                    {(!d.label.is_empty()).then(|| {
                        // Near the right edge the name goes to the dot's left.
                        let (lx, anchor) = if cx > w - right - 70.0 { (cx - 7.0, "end") } else { (cx + 7.0, "start") };
                        view! {
                            <text x=format!("{lx:.1}") y=format!("{:.1}", cy - 6.0) class="dot-label" text-anchor=anchor>{d.label.clone()}</text>
                        }
                    })}
                }
            }).collect_view()}
            <g class="legend">
                <line x1=left x2=left + 24.0 y1=h - 28.0 y2=h - 28.0 class="limit95"/>
                <text x=left + 28.0 y=h - 24.0 class="axis">{l_95}</text>
                <line x1=left + 150.0 x2=left + 174.0 y1=h - 28.0 y2=h - 28.0 class="limit998"/>
                <text x=left + 178.0 y=h - 24.0 class="axis">{l_998}</text>
                <text x=left y=h - 6.0 class="axis">{l_target.clone()}</text>
            </g>
        </svg>
        </div>
    }
}

/// The colour class of a share on the heat map: six steps from "low" to "high", or none.
fn heat_class(share: Option<f64>) -> &'static str {
    match share {
        None => "heat heat-none",
        Some(v) if v < 0.5 => "heat heat-0",
        Some(v) if v < 0.65 => "heat heat-1",
        Some(v) if v < 0.75 => "heat heat-2",
        Some(v) if v < 0.85 => "heat heat-3",
        Some(v) if v < 0.95 => "heat heat-4",
        Some(_) => "heat heat-5",
    }
}

/// Share satisfied by weekday (rows, Monday first) and hour (columns, only the hours that have
/// answers): each cell coloured by its share and labelled with its number of answers, its exact
/// figures in its tooltip and in the chart's text. `days` are the weekday names.
#[component]
pub fn HeatMap(
    week: crate::domain::insight::Week,
    days: [String; 7],
    title: String,
) -> impl IntoView {
    let (first, last) = week.hours_used().unwrap_or((7, 17));
    let hours: Vec<usize> = (first..=last).collect();
    let (left, top, cw, ch) = (64.0, 22.0, 40.0, 30.0);
    let w = left + cw * hours.len() as f64 + 8.0;
    let h = top + ch * 7.0 + 8.0;
    let alt = {
        let mut parts = Vec::new();
        for (d, name) in days.iter().enumerate() {
            for hr in &hours {
                let t = week.cells[d][*hr];
                if let Some(s) = t.share_satisfied() {
                    parts.push(format!(
                        "{name} {hr}h: {} ({}/{})",
                        pct1(s),
                        t.satisfied(),
                        t.n()
                    ));
                }
            }
        }
        format!("{title}. {}", parts.join("; "))
    };
    let head = hours
        .iter()
        .enumerate()
        .map(|(i, hr)| {
            view! { <text x=format!("{:.1}", left + cw * i as f64 + cw / 2.0) y="14" class="axis" text-anchor="middle">{format!("{hr}h")}</text> }
        })
        .collect_view();
    let rows = days
        .iter()
        .enumerate()
        .map(|(d, name)| {
            let y = top + ch * d as f64;
            let cells = hours
                .iter()
                .enumerate()
                .map(|(i, hr)| {
                    let t = week.cells[d][*hr];
                    let x = left + cw * i as f64;
                    let tip = match t.share_satisfied() {
                        Some(s) => format!("{name} {hr}h: {} ({}/{})", pct1(s), t.satisfied(), t.n()),
                        None => format!("{name} {hr}h: —"),
                    };
                    view! {
                        <rect x=format!("{x:.1}") y=format!("{y:.1}") width=cw - 2.0 height=ch - 2.0 class=heat_class(t.share_satisfied())><title>{tip}</title></rect>
                        {(t.n() > 0).then(|| view! {
                            <text x=format!("{:.1}", x + cw / 2.0 - 1.0) y=format!("{:.1}", y + ch / 2.0 + 4.0) class="heat-n" text-anchor="middle">{t.n()}</text>
                        })}
                    }
                })
                .collect_view();
            view! {
                <text x=left - 8.0 y=format!("{:.1}", y + ch / 2.0 + 4.0) class="axis" text-anchor="end">{name.clone()}</text>
                {cells}
            }
        })
        .collect_view();
    view! {
        <div class="chart-scroll" role="region" tabindex="0" aria-label=title.clone()>
        <svg class="chart heatmap" viewBox=format!("0 0 {w} {h}") width=format!("{w}") height=format!("{h}") role="img" xmlns="http://www.w3.org/2000/svg">
            <title>{alt}</title>
            {head}
            {rows}
        </svg>
        </div>
    }
}

/// One line of a [`SeriesChart`].
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub label: String,
    pub values: Vec<Option<f64>>,
}

/// Several lines over the same months (units side by side, or Decision 766's points): values
/// between 0 and `max`, written with `fmt` in the tooltips and the text alternative.
#[component]
pub fn SeriesChart(
    months: Vec<NaiveDate>,
    series: Vec<Series>,
    max: f64,
    percent: bool,
    title: String,
) -> impl IntoView {
    let (w, h, left, right, top, bottom) = (640.0, 260.0, 44.0, 24.0, 14.0, 52.0);
    let n = months.len().max(2);
    let step = (w - left - right) / (n - 1) as f64;
    let x = move |i: usize| left + step * i as f64;
    let y = move |v: f64| top + (1.0 - (v / max).clamp(0.0, 1.0)) * (h - top - bottom);
    let fmt = move |v: f64| {
        if percent {
            pct1(v)
        } else {
            format!("{v:.2}")
        }
    };
    let alt = format!(
        "{title}. {}",
        series
            .iter()
            .map(|s| {
                let vals = s
                    .values
                    .iter()
                    .zip(&months)
                    .map(|(v, m)| {
                        format!(
                            "{}: {}",
                            m.format("%m/%Y"),
                            v.map(fmt).unwrap_or_else(|| "—".into())
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                format!("{}: {vals}", s.label)
            })
            .collect::<Vec<_>>()
            .join("; ")
    );
    let grid = [0.0, 0.25, 0.5, 0.75, 1.0].map(|g| {
        let label = if percent { format!("{:.0}%", g * 100.0) } else { format!("{:.1}", g * max) };
        view! {
            <line x1=left x2=w - right y1=format!("{:.1}", y(g * max)) y2=format!("{:.1}", y(g * max)) class="grid"/>
            <text x=left - 6.0 y=format!("{:.1}", y(g * max) + 4.0) class="axis" text-anchor="end">{label}</text>
        }
    });
    let ticks = months
        .iter()
        .enumerate()
        .map(|(i, m)| view! { <text x=format!("{:.1}", x(i)) y=h - bottom + 16.0 class="axis" text-anchor="middle">{m.format("%m/%y").to_string()}</text> })
        .collect_view();
    let lines = series
        .iter()
        .enumerate()
        .map(|(k, s)| {
            let d = s
                .values
                .iter()
                .enumerate()
                .filter_map(|(i, v)| v.map(|v| (i, v)))
                .enumerate()
                .map(|(j, (i, v))| format!("{}{:.1},{:.1}", if j == 0 { "M" } else { "L" }, x(i), y(v)))
                .collect::<Vec<_>>()
                .join(" ");
            let class = format!("line series-{}", k % 6);
            let dots = s
                .values
                .iter()
                .zip(&months)
                .enumerate()
                .filter_map(|(i, (v, m))| v.map(|v| (i, v, m)))
                .map(|(i, v, m)| {
                    let tip = format!("{} {}: {}", s.label, m.format("%m/%Y"), fmt(v));
                    view! { <circle cx=format!("{:.1}", x(i)) cy=format!("{:.1}", y(v)) r="3" class=format!("dot series-{}", k % 6)><title>{tip}</title></circle> }
                })
                .collect_view();
            let lx = left + 150.0 * (k % 4) as f64;
            let ly = h - 18.0 + 14.0 * (k / 4) as f64;
            view! {
                <path d=d class=class/>
                {dots}
                <line x1=lx x2=lx + 18.0 y1=ly - 4.0 y2=ly - 4.0 class=format!("line series-{}", k % 6)/>
                <text x=lx + 22.0 y=ly class="axis">{s.label.clone()}</text>
            }
        })
        .collect_view();
    let h = h + 14.0 * (series.len().saturating_sub(1) / 4) as f64;
    view! {
        <div class="chart-scroll from-end" role="region" tabindex="0" aria-label=title.clone()>
        <svg class="chart series" viewBox=format!("0 0 {w} {h}") role="img" xmlns="http://www.w3.org/2000/svg">
            <title>{alt}</title>
            {grid}
            {ticks}
            {lines}
        </svg>
        </div>
    }
}
