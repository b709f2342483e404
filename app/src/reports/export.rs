//! The files that leave the platform: the ranking as CSV and XLSX, and the raw records (every
//! rating with its answers, every dossier, every feedback case Decision 766 judges) from which
//! anyone can recompute every published figure.
//!
//! CSV files are UTF-8 with a byte-order mark. The comma variant is for programs (codes are
//! always quoted: read them as text, e.g. `pandas.read_csv(f, dtype=str)`); the semicolon variant
//! is for Excel in a Vietnamese locale, where the decimal separator is a comma and a code such as
//! `2.000720` would otherwise be read as the number 2000720: codes are written `="2.000720"` so
//! that Excel keeps them as text.

use super::ranking::{RankRow, Rankings};
use super::{ReportError, ReportResult};
use crate::db::{self, Db};
use crate::domain::feedback::judge_766;
use crate::domain::index::FunnelZone;
use crate::domain::period::Period;
use crate::domain::unit::fold_for_period;
use crate::i18n::Lang;
use std::collections::{BTreeSet, HashMap};

/// Which CSV: for programs, or for Excel in a Vietnamese locale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// `,` between fields, `.` in numbers, codes quoted.
    Comma,
    /// `;` between fields, `,` in numbers, codes as `="…"`.
    ExcelVi,
}

impl Dialect {
    /// `?format=excel` chooses the Excel variant.
    pub fn parse(s: &str) -> Dialect {
        if s == "excel" {
            Dialect::ExcelVi
        } else {
            Dialect::Comma
        }
    }
}

/// A CSV being written in one dialect.
struct Csv {
    w: csv::Writer<Vec<u8>>,
    dialect: Dialect,
}

impl Csv {
    fn new(dialect: Dialect) -> Csv {
        let w = csv::WriterBuilder::new()
            .delimiter(match dialect {
                Dialect::Comma => b',',
                Dialect::ExcelVi => b';',
            })
            .quote_style(match dialect {
                Dialect::Comma => csv::QuoteStyle::Always,
                Dialect::ExcelVi => csv::QuoteStyle::Necessary,
            })
            .from_writer(vec![0xEF, 0xBB, 0xBF]);
        Csv { w, dialect }
    }

    /// Writes one record; `codes` are the indexes of the fields that are codes (kept as text:
    /// the comma dialect quotes every field, the Excel one writes codes as `="…"`).
    fn row(&mut self, fields: &[String], codes: &[usize]) -> ReportResult<()> {
        let out: Vec<String> = fields
            .iter()
            .enumerate()
            .map(|(i, f)| match self.dialect {
                Dialect::ExcelVi if codes.contains(&i) && !f.is_empty() => {
                    format!("=\"{}\"", f.replace('"', "\"\""))
                }
                _ => f.clone(),
            })
            .collect();
        self.w
            .write_record(&out)
            .map_err(|e| ReportError::Export(e.to_string()))
    }

    /// A number as this dialect writes it.
    fn num(&self, x: Option<f64>, decimals: usize) -> String {
        let s = x.map(|v| format!("{v:.decimals$}")).unwrap_or_default();
        match self.dialect {
            Dialect::Comma => s,
            Dialect::ExcelVi => s.replace('.', ","),
        }
    }

    fn finish(self) -> ReportResult<Vec<u8>> {
        self.w
            .into_inner()
            .map_err(|e| ReportError::Export(e.to_string()))
    }
}

/// "yes" / "no" as the exports write a boolean.
fn yes(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

/// A row's status: `ranked`, `not_enough_answers` (listed apart), or `ended`.
pub fn status(row: &RankRow) -> &'static str {
    if row.ranked.rank.is_some() {
        "ranked"
    } else {
        "not_enough_answers"
    }
}

/// The funnel zone's code.
pub fn zone_code(z: Option<FunnelZone>) -> &'static str {
    match z {
        Some(FunnelZone::HighAlarm) => "above_99.8",
        Some(FunnelZone::High) => "above_95",
        Some(FunnelZone::Within) => "within",
        Some(FunnelZone::Low) => "below_95",
        Some(FunnelZone::LowAlarm) => "below_99.8",
        None => "",
    }
}

/// The columns of the ranking CSV.
pub const RANKING_COLUMNS: [&str; 52] = [
    "period",
    "group",
    "rank",
    "of",
    "status",
    "change",
    "unit_code",
    "unit",
    "merged_on",
    "merged_from",
    "answers",
    "s1",
    "s2",
    "s3",
    "s4",
    "s5",
    "satisfied",
    "dossiers",
    "required",
    "enough",
    "share_satisfied",
    "ci_low",
    "ci_high",
    "mean",
    "funnel",
    "par_points",
    "par_band",
    "late_share",
    "g766_points",
    "g766_with_data",
    "r766_on_time",
    "r766_not_dissatisfied",
    "r766_dossiers",
    "cases_judged",
    "cases_on_time",
    "cases_dissatisfied_or_overdue",
    "dossiers_completed",
    "dossiers_bad",
    "dossiers_late",
    "ended_on",
    "invited_sms",
    "answered_sms",
    "response_rate_sms",
    "invited_zalo",
    "answered_zalo",
    "response_rate_zalo",
    "invited_email",
    "answered_email",
    "response_rate_email",
    "invited",
    "answered",
    "response_rate",
];

/// The ranking, one row per unit of the reader's scope (ranks among the whole peer group).
pub fn ranking_csv(r: &Rankings, dialect: Dialect) -> ReportResult<Vec<u8>> {
    let mut w = Csv::new(dialect);
    let head: Vec<String> = RANKING_COLUMNS.iter().map(|s| s.to_string()).collect();
    w.row(&head, &[])?;
    for g in &r.groups {
        for row in g.rows.iter().filter(|x| x.in_scope) {
            let (rk, u, h, c) = (&row.ranked, &row.unit, &row.ranked.headline, &row.c766);
            let mut fields = vec![
                r.period.key(),
                g.name.clone(),
                rk.rank.map(|x| x.to_string()).unwrap_or_default(),
                rk.of.to_string(),
                status(row).to_string(),
                rk.change.map(|x| x.to_string()).unwrap_or_default(),
                u.code.clone(),
                u.name.clone(),
                row.merged
                    .as_ref()
                    .map(|m| m.on.to_string())
                    .unwrap_or_default(),
                row.merged
                    .as_ref()
                    .map(|m| {
                        m.from
                            .iter()
                            .map(|(c, _)| c.clone())
                            .collect::<Vec<_>>()
                            .join(" ")
                    })
                    .unwrap_or_default(),
                h.n.to_string(),
                row.tally.s[0].to_string(),
                row.tally.s[1].to_string(),
                row.tally.s[2].to_string(),
                row.tally.s[3].to_string(),
                row.tally.s[4].to_string(),
                h.satisfied.to_string(),
                h.population.to_string(),
                h.required.to_string(),
                yes(h.enough),
                w.num(h.share_satisfied, 6),
                w.num(h.ci.map(|x| x.0), 6),
                w.num(h.ci.map(|x| x.1), 6),
                w.num(h.mean, 6),
                zone_code(row.zone).to_string(),
                w.num(row.par.points, 6),
                row.par.band.clone().unwrap_or_default(),
                w.num(row.late, 6),
                w.num(row.g766.total, 6),
                row.g766.with_data.to_string(),
                w.num(row.g766.ratios[0], 6),
                w.num(row.g766.ratios[1], 6),
                w.num(row.g766.ratios[2], 6),
                c.cases_in_authority.to_string(),
                c.cases_on_time.to_string(),
                c.cases_dissatisfied_or_overdue.to_string(),
                c.dossiers.to_string(),
                c.dossiers_bad.to_string(),
                row.dossiers.late.to_string(),
                row.ended.map(|d| d.to_string()).unwrap_or_default(),
            ];
            let resp = &row.responses;
            for (c, (invited, answered)) in resp.by_channel.iter().enumerate() {
                fields.push(invited.to_string());
                fields.push(answered.to_string());
                fields.push(w.num(resp.rate_of(c), 6));
            }
            let (invited, answered) = resp.total();
            fields.push(invited.to_string());
            fields.push(answered.to_string());
            fields.push(w.num(resp.rate(), 6));
            w.row(&fields, &[6, 9])?;
        }
    }
    w.finish()
}

/// The row (unit code) each unit's records count in for the period: itself, or the successor
/// that carries it after a merger.
async fn ranked_in(db: &Db, p: &Period) -> ReportResult<HashMap<i64, String>> {
    let all = db::units::all(db).await?;
    let (spans, links) = db::units::spans_and_successions(db).await?;
    let fold = fold_for_period(&spans, &links, p.from, p.to);
    let code: HashMap<i64, String> = all.iter().map(|u| (u.id, u.code.clone())).collect();
    Ok(all
        .iter()
        .map(|u| {
            let row = fold.row_of(u.id);
            (u.id, code.get(&row).cloned().unwrap_or_default())
        })
        .collect())
}

/// Every rating of the period under `prefix`: one row each, with its time (ISO 8601 with the
/// Vietnam offset), unit, the ranking row it counts in, counter, kiosk, channel, procedure,
/// dossier, instrument version, overall score, one column per criterion (`ELEMENT.CRITERION`)
/// and per element answered as a whole (`ELEMENT`), whether it counts and why not.
pub async fn ratings_csv(
    db: &Db,
    prefix: &str,
    p: &Period,
    dialect: Dialect,
) -> ReportResult<Vec<u8>> {
    let rows = db::indices::raw(db, prefix, p).await?;
    let answers = db::indices::raw_answers(db, prefix, p).await?;
    let carried = ranked_in(db, p).await?;
    let mut cols: BTreeSet<String> = BTreeSet::new();
    let mut by_rating: HashMap<i64, HashMap<String, i32>> = HashMap::new();
    for (id, e, c, score) in answers {
        let key = match c {
            Some(c) => format!("{e}.{c}"),
            None => e,
        };
        cols.insert(key.clone());
        by_rating.entry(id).or_default().insert(key, score);
    }
    let cols: Vec<String> = cols.into_iter().collect();
    let mut w = Csv::new(dialect);
    let mut head: Vec<String> = [
        "rating_id",
        "time",
        "day",
        "unit_code",
        "ranked_in",
        "counter_id",
        "kiosk_id",
        "channel",
        "procedure_code",
        "dossier_code",
        "instrument",
        "instrument_version",
        "faces",
        "score",
        "corrects",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    head.extend(cols.iter().cloned());
    head.push("counted".into());
    head.push("why_not".into());
    w.row(&head, &[])?;
    let tz = chrono_tz::Asia::Ho_Chi_Minh;
    for r in rows {
        let mut f = vec![
            r.id.to_string(),
            r.created_at
                .with_timezone(&tz)
                .format("%Y-%m-%dT%H:%M:%S%.6f%:z")
                .to_string(),
            r.day.to_string(),
            r.unit_code.clone(),
            carried.get(&r.unit_id).cloned().unwrap_or_default(),
            r.counter_id.map(|x| x.to_string()).unwrap_or_default(),
            r.kiosk_id.map(|x| x.to_string()).unwrap_or_default(),
            r.channel.clone(),
            r.procedure_code.clone().unwrap_or_default(),
            r.dossier_code.clone().unwrap_or_default(),
            r.instrument_code.clone(),
            r.instrument_version.to_string(),
            r.faces.map(|x| x.to_string()).unwrap_or_default(),
            r.score.to_string(),
            r.corrects_id.map(|x| x.to_string()).unwrap_or_default(),
        ];
        let mine = by_rating.get(&r.id);
        for c in &cols {
            f.push(
                mine.and_then(|m| m.get(c))
                    .map(|s| s.to_string())
                    .unwrap_or_default(),
            );
        }
        f.push(yes(r.counted()));
        f.push(match (&r.flag_reason, r.corrected) {
            (Some(reason), _) => format!("flagged:{reason}"),
            (None, true) => "corrected".into(),
            (None, false) => String::new(),
        });
        w.row(&f, &[3, 4, 8, 9, 10])?;
    }
    w.finish()
}

/// Every dossier completed in the period under `prefix` (no personal data): the population of
/// the sample-size rule and Decision 766's third ratio.
pub async fn dossiers_csv(
    db: &Db,
    prefix: &str,
    p: &Period,
    dialect: Dialect,
) -> ReportResult<Vec<u8>> {
    let rows = db::indices::raw_dossiers(db, prefix, p).await?;
    let carried = ranked_in(db, p).await?;
    let mut w = Csv::new(dialect);
    let head: Vec<String> = [
        "dossier_code",
        "unit_code",
        "ranked_in",
        "procedure_code",
        "received_at",
        "due_at",
        "completed_at",
        "late",
        "complained",
        "rated_dissatisfied",
        "counts_against_766",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    w.row(&head, &[])?;
    let tz = chrono_tz::Asia::Ho_Chi_Minh;
    let t = |x: Option<chrono::DateTime<chrono::Utc>>| {
        x.map(|v| {
            v.with_timezone(&tz)
                .format("%Y-%m-%dT%H:%M:%S%:z")
                .to_string()
        })
        .unwrap_or_default()
    };
    for d in rows {
        let f = vec![
            d.code.clone(),
            d.unit_code.clone(),
            carried.get(&d.unit_id).cloned().unwrap_or_default(),
            d.procedure_code.clone().unwrap_or_default(),
            t(d.received_at),
            t(d.due_at),
            t(Some(d.completed_at)),
            yes(d.late()),
            yes(d.complained),
            yes(d.rated_dissatisfied),
            yes(d.bad()),
        ];
        w.row(&f, &[0, 1, 2, 3])?;
    }
    w.finish()
}

/// Every feedback case Decision 766 may judge in the period under `prefix` (no personal data:
/// code, unit, class, dates, the citizen's satisfied / not satisfied), with how it counts.
pub async fn cases_csv(
    db: &Db,
    prefix: &str,
    p: &Period,
    dialect: Dialect,
) -> ReportResult<Vec<u8>> {
    let rows = db::feedback::facts_766(db, prefix, p.from, p.to).await?;
    let carried = ranked_in(db, p).await?;
    let today = db::today();
    let mut w = Csv::new(dialect);
    let head: Vec<String> = [
        "case_code",
        "unit_code",
        "ranked_in",
        "class",
        "status",
        "received_on",
        "due_on",
        "answered_on",
        "answered_late",
        "citizen_satisfied",
        "judged_766",
        "on_time",
        "overdue",
        "dissatisfied",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    w.row(&head, &[])?;
    for c in rows {
        let v = judge_766(&c.facts, p.from, p.to, today);
        let f = vec![
            c.code.clone(),
            c.unit_code.clone(),
            carried.get(&c.unit_id).cloned().unwrap_or_default(),
            c.facts.class.map(|x| x.as_str()).unwrap_or("").to_string(),
            c.facts.status.as_str().to_string(),
            c.received_on.to_string(),
            c.facts.due_on.to_string(),
            c.facts
                .answered_on
                .map(|d| d.to_string())
                .unwrap_or_default(),
            yes(c.facts.answered_late),
            match c.facts.citizen_satisfied {
                Some(true) => "yes".into(),
                Some(false) => "no".into(),
                None => String::new(),
            },
            yes(v.is_some()),
            v.map(|v| yes(v.on_time)).unwrap_or_default(),
            v.map(|v| yes(v.overdue)).unwrap_or_default(),
            v.map(|v| yes(v.dissatisfied)).unwrap_or_default(),
        ];
        w.row(&f, &[0, 1, 2])?;
    }
    w.finish()
}

/// The ranking laid out for the provincial report: a title and the rules, then each peer group
/// with its units in rank order (those with too few answers after them), one sheet. The rank
/// column holds numbers only; the status has its own column.
pub fn ranking_xlsx(r: &Rankings, lang: Lang, rules_text: &str) -> ReportResult<Vec<u8>> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    ranking_sheet(&mut wb, r, lang, rules_text)?;
    wb.save_to_buffer().map_err(xlsx_error)
}

fn xlsx_error(e: rust_xlsxwriter::XlsxError) -> ReportError {
    ReportError::Export(e.to_string())
}

/// The ranking as a sheet of `wb`.
pub fn ranking_sheet(
    wb: &mut rust_xlsxwriter::Workbook,
    r: &Rankings,
    lang: Lang,
    rules_text: &str,
) -> ReportResult<()> {
    use rust_xlsxwriter::{Format, FormatAlign, FormatBorder};
    let x = xlsx_error;
    let en = lang == Lang::En;
    let ws = wb.add_worksheet();
    ws.set_name(lang.t("idx.xlsx_sheet")).map_err(x)?;
    let bold = Format::new().set_bold();
    let title = Format::new().set_bold().set_font_size(14);
    let head = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_border(FormatBorder::Thin);
    let pct_f = Format::new().set_num_format("0.0%");
    let num_f = Format::new().set_num_format("0.00");
    ws.write_string_with_format(
        0,
        0,
        lang.tf("idx.xlsx_title", &[("period", &r.period.label(en))]),
        &title,
    )
    .map_err(x)?;
    ws.write_string(1, 0, lang.t("idx.xlsx_note")).map_err(x)?;
    ws.write_string(2, 0, rules_text).map_err(x)?;
    let cols = [
        "idx.rank",
        "idx.xlsx_of",
        "idx.xlsx_status",
        "idx.xlsx_unit_code",
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
        "idx.r766_1",
        "idx.r766_2",
        "idx.r766_3",
        "idx.xlsx_merged",
        "idx.xlsx_invited",
        "idx.xlsx_answered",
        "idx.xlsx_response",
        "idx.xlsx_response_sms",
        "idx.xlsx_response_zalo",
        "idx.xlsx_response_email",
    ];
    let mut row: u32 = 4;
    for g in &r.groups {
        ws.write_string_with_format(row, 0, &g.name, &bold)
            .map_err(x)?;
        row += 1;
        for (c, key) in cols.iter().enumerate() {
            ws.write_string_with_format(row, c as u16, lang.t(key), &head)
                .map_err(x)?;
        }
        row += 1;
        for line in g.rows.iter().filter(|l| l.in_scope) {
            let (rk, u, par) = (&line.ranked, &line.unit, &line.par);
            let h = &rk.headline;
            if let Some(k) = rk.rank {
                ws.write_number(row, 0, k as f64).map_err(x)?;
            }
            ws.write_number(row, 1, rk.of as f64).map_err(x)?;
            ws.write_string(row, 2, lang.t(&format!("idx.status.{}", status(line))))
                .map_err(x)?;
            ws.write_string(row, 3, &u.code).map_err(x)?;
            ws.write_string(row, 4, &u.name).map_err(x)?;
            ws.write_number(row, 5, h.n as f64).map_err(x)?;
            ws.write_number(row, 6, h.population as f64).map_err(x)?;
            ws.write_number(row, 7, h.required as f64).map_err(x)?;
            if let Some(v) = h.share_satisfied {
                ws.write_number_with_format(row, 8, v, &pct_f).map_err(x)?;
            }
            if let Some((lo, hi)) = h.ci {
                ws.write_number_with_format(row, 9, lo, &pct_f).map_err(x)?;
                ws.write_number_with_format(row, 10, hi, &pct_f)
                    .map_err(x)?;
            }
            if let Some(v) = h.mean {
                ws.write_number_with_format(row, 11, v, &num_f).map_err(x)?;
            }
            if let Some(v) = par.points {
                ws.write_number_with_format(row, 12, v, &num_f).map_err(x)?;
            }
            if let Some(b) = par.band.clone() {
                ws.write_string(row, 13, lang.t(&format!("idx.band.{b}")))
                    .map_err(x)?;
            }
            if let Some(c) = rk.change {
                ws.write_number(row, 14, c as f64).map_err(x)?;
            }
            if let Some(v) = line.g766.total {
                ws.write_number_with_format(row, 15, v, &num_f).map_err(x)?;
            }
            for (i, ratio) in line.g766.ratios.iter().enumerate() {
                if let Some(v) = ratio {
                    ws.write_number_with_format(row, 16 + i as u16, *v, &pct_f)
                        .map_err(x)?;
                }
            }
            if let Some(m) = &line.merged {
                ws.write_string(
                    row,
                    19,
                    lang.tf(
                        "idx.merged_on",
                        &[("date", &m.on.format("%d/%m/%Y").to_string())],
                    ),
                )
                .map_err(x)?;
            }
            let resp = &line.responses;
            let (invited, answered) = resp.total();
            ws.write_number(row, 20, invited as f64).map_err(x)?;
            ws.write_number(row, 21, answered as f64).map_err(x)?;
            if let Some(v) = resp.rate() {
                ws.write_number_with_format(row, 22, v, &pct_f).map_err(x)?;
            }
            for c in 0..3 {
                if let Some(v) = resp.rate_of(c) {
                    ws.write_number_with_format(row, 23 + c as u16, v, &pct_f)
                        .map_err(x)?;
                }
            }
            row += 1;
        }
        row += 1;
    }
    ws.set_column_width(4, 42).map_err(x)?;
    for c in (0..26u16).filter(|c| *c != 4) {
        ws.set_column_width(c, 12).map_err(x)?;
    }
    Ok(())
}

/// The monthly (or quarterly) report of a subtree as a workbook: the summary (headline,
/// Decision 766, feedback handling, sessions, alerts), the ranking, and the twelve-month trends.
pub fn report_xlsx(
    d: &super::dashboard::Dashboard,
    r: &Rankings,
    lang: Lang,
    rules_text: &str,
) -> ReportResult<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let x = xlsx_error;
    let en = lang == Lang::En;
    let mut wb = Workbook::new();
    let pct_f = Format::new().set_num_format("0.0%");
    let num_f = Format::new().set_num_format("0.00");
    let bold = Format::new().set_bold();
    let title = Format::new().set_bold().set_font_size(14);
    {
        let ws = wb.add_worksheet();
        ws.set_name(lang.t("report.sheet_summary")).map_err(x)?;
        ws.write_string_with_format(
            0,
            0,
            lang.tf(
                "report.title",
                &[("unit", &d.root.name), ("period", &d.period.label(en))],
            ),
            &title,
        )
        .map_err(x)?;
        let mut row = 2u32;
        let mut line = |label: &str,
                        v: Option<f64>,
                        f: &Format,
                        ws: &mut rust_xlsxwriter::Worksheet|
         -> ReportResult<()> {
            ws.write_string(row, 0, label).map_err(x)?;
            if let Some(v) = v {
                ws.write_number_with_format(row, 1, v, f).map_err(x)?;
            }
            row += 1;
            Ok(())
        };
        line(
            &lang.t("idx.share_satisfied"),
            d.head.share_satisfied,
            &pct_f,
            ws,
        )?;
        line(
            &lang.t("idx.answers"),
            Some(d.head.n as f64),
            &Format::new(),
            ws,
        )?;
        line(&lang.t("idx.mean"), d.head.mean, &num_f, ws)?;
        line(&lang.t("dash.sipas_index"), d.overall, &pct_f, ws)?;
        line(&lang.t("idx.g766"), d.g766.total, &num_f, ws)?;
        line(&lang.t("idx.r766_1"), d.g766.ratios[0], &pct_f, ws)?;
        line(&lang.t("idx.r766_2"), d.g766.ratios[1], &pct_f, ws)?;
        line(&lang.t("idx.r766_3"), d.g766.ratios[2], &pct_f, ws)?;
        line(
            &lang.t("dash.cases"),
            Some(d.handling.received as f64),
            &Format::new(),
            ws,
        )?;
        line(
            &lang.t("report.overdue_now"),
            Some(d.overdue_now as f64),
            &Format::new(),
            ws,
        )?;
        line(
            &lang.t("report.mean_days"),
            d.handling.mean_working_days,
            &num_f,
            ws,
        )?;
        line(
            &lang.t("dash.sessions"),
            Some(d.sessions.held as f64),
            &Format::new(),
            ws,
        )?;
        line(
            &lang.t("report.attended"),
            Some(d.sessions.attended as f64),
            &Format::new(),
            ws,
        )?;
        row += 1;
        ws.write_string_with_format(row, 0, lang.t("insight.alerts_title"), &bold)
            .map_err(x)?;
        row += 1;
        for a in &d.alerts {
            let place = match &a.alert.counter_name {
                Some(c) if a.alert.counter_id != 0 => format!("{} — {c}", a.alert.unit_name),
                _ => a.alert.unit_name.clone(),
            };
            ws.write_string(row, 0, &place).map_err(x)?;
            ws.write_number_with_format(row, 1, a.alert.recent, &pct_f)
                .map_err(x)?;
            ws.write_number_with_format(row, 2, a.alert.usual, &pct_f)
                .map_err(x)?;
            row += 1;
        }
        ws.set_column_width(0, 60).map_err(x)?;
        ws.set_column_width(1, 14).map_err(x)?;
    }
    ranking_sheet(&mut wb, r, lang, rules_text)?;
    {
        let ws = wb.add_worksheet();
        ws.set_name(lang.t("report.sheet_trend")).map_err(x)?;
        for (c, k) in [
            "report.month",
            "idx.answers",
            "idx.share_satisfied",
            "idx.g766",
        ]
        .iter()
        .enumerate()
        {
            ws.write_string_with_format(0, c as u16, lang.t(k), &bold)
                .map_err(x)?;
        }
        for (i, (m, t)) in d.trend.iter().enumerate() {
            let row = i as u32 + 1;
            ws.write_string(row, 0, m.format("%m/%Y").to_string())
                .map_err(x)?;
            ws.write_number(row, 1, t.n() as f64).map_err(x)?;
            if let Some(s) = t.share_satisfied() {
                ws.write_number_with_format(row, 2, s, &pct_f).map_err(x)?;
            }
            if let Some((_, g)) = d.g766_months.iter().find(|(gm, _)| gm == m) {
                if let Some(v) = g.total {
                    ws.write_number_with_format(row, 3, v, &num_f).map_err(x)?;
                }
            }
        }
        ws.set_column_width(0, 12).map_err(x)?;
    }
    wb.save_to_buffer().map_err(x)
}

/// The rules in one sentence, under every ranking ("PAR: 14 points; excellent ≥ 90 %, …").
pub fn rules_summary(r: &crate::domain::index_rules::IndexRules) -> String {
    let bands = r
        .par
        .bands
        .iter()
        .map(|(b, min)| {
            format!(
                "{} ≥ {:.0} %",
                crate::i18n::t(&format!("idx.band.{b}")),
                min * 100.0
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let cap = match &r.par.late_cap {
        Some((th, band)) => crate::i18n::tf(
            "idx.rules_cap",
            &[
                ("pct", &format!("{:.0}", th * 100.0)),
                ("band", &crate::i18n::t(&format!("idx.band.{band}"))),
            ],
        ),
        None => crate::i18n::t("idx.rules_no_cap"),
    };
    crate::i18n::tf(
        "idx.rules_summary",
        &[
            ("points", &format!("{:.2}", r.par.max_points)),
            ("bands", &bands),
            ("cap", &cap),
            ("w1", &format!("{:.2}", r.w766.on_time)),
            ("w2", &format!("{:.2}", r.w766.not_dissatisfied)),
            ("w3", &format!("{:.2}", r.w766.dossiers)),
            ("margin", &format!("{:.1}", r.margin * 100.0)),
            ("min", &r.min_answers.to_string()),
        ],
    )
}

/// The report workbook of `root`'s subtree for `p` (the page's download and the e-mail's
/// attachment).
pub async fn report_bytes(
    db: &Db,
    root: crate::db::units::Unit,
    p: &Period,
    lang: Lang,
) -> ReportResult<Vec<u8>> {
    let r = super::ranking::rankings(db, &root.path, p, lang).await?;
    let d = super::dashboard::dashboard(db, root, p, lang).await?;
    report_xlsx(&d, &r, lang, &rules_summary(&r.rules))
}
