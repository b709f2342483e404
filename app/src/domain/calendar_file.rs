//! A year's listed days as a file: read from CSV or iCalendar (the government's list, uploaded by
//! the administrator), written as iCalendar (for staff calendars), and compared with the list in
//! force. Pure: the database and the pages are elsewhere.

use super::calendar::DayKind;
use super::text::fold;
use chrono::{Datelike, Duration, NaiveDate};
use std::collections::BTreeMap;

/// One listed day as a file gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDay {
    pub day: NaiveDate,
    pub kind: DayKind,
    pub name: String,
    pub basis: String,
}

/// The most days one file may list, and the longest run one calendar event may cover.
pub const MAX_DAYS: usize = 200;
pub const MAX_EVENT_DAYS: i64 = 31;

/// Why a file was refused: the line (1-based, 0 for the whole file) and the message key.
pub type FileError = (usize, &'static str);

/// Reads the days of one year from iCalendar (`BEGIN:VCALENDAR`) or CSV (`date,kind,name,basis`,
/// separated by `,` or `;`, a header line allowed; dates `yyyy-mm-dd` or `dd/mm/yyyy`; kind
/// `holiday`/`nghỉ` or `workday`/`làm bù`). Every day must fall in the same year, once.
/// Returns the year and its days in date order.
pub fn read_days(text: &str) -> Result<(i32, Vec<FileDay>), FileError> {
    let text = text.trim_start_matches('\u{feff}');
    let days = if text.trim_start().starts_with("BEGIN:VCALENDAR") {
        read_ics(text)?
    } else {
        read_csv(text)?
    };
    if days.is_empty() {
        return Err((0, "cal.file_err_empty"));
    }
    if days.len() > MAX_DAYS {
        return Err((0, "cal.file_err_too_many"));
    }
    let year = days[0].1.day.year();
    let mut seen: BTreeMap<NaiveDate, FileDay> = BTreeMap::new();
    for (line, d) in days {
        if d.day.year() != year {
            return Err((line, "cal.file_err_years"));
        }
        if seen.insert(d.day, d).is_some() {
            return Err((line, "cal.file_err_twice"));
        }
    }
    Ok((year, seen.into_values().collect()))
}

fn kind_of(s: &str) -> Option<DayKind> {
    let f = fold(s.trim());
    match f.as_str() {
        "holiday" | "nghi" | "ngay nghi" | "nghi le" => Some(DayKind::Holiday),
        "workday" | "lam bu" | "ngay lam bu" | "lam viec" => Some(DayKind::Workday),
        _ => None,
    }
}

fn date_of(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .ok()
}

fn read_csv(text: &str) -> Result<Vec<(usize, FileDay)>, FileError> {
    let first = text.lines().next().unwrap_or_default();
    let delimiter = if first.matches(';').count() > first.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let line = i + 1;
        let rec = rec.map_err(|_| (line, "cal.file_err_format"))?;
        let cell = |k: usize| rec.get(k).unwrap_or_default().trim().to_string();
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let Some(day) = date_of(&cell(0)) else {
            // A header line (the first, with no date in it) is allowed.
            if line == 1 && !cell(0).chars().any(|c| c.is_ascii_digit()) {
                continue;
            }
            return Err((line, "cal.file_err_date"));
        };
        let kind = kind_of(&cell(1)).ok_or((line, "cal.file_err_kind"))?;
        let name = cell(2);
        if name.is_empty() || name.chars().count() > 120 {
            return Err((line, "cal.file_err_name"));
        }
        let basis = cell(3);
        if basis.chars().count() > 300 {
            return Err((line, "cal.file_err_basis"));
        }
        out.push((
            line,
            FileDay {
                day,
                kind,
                name,
                basis,
            },
        ));
    }
    Ok(out)
}

/// iCalendar's escaped text (RFC 5545, 3.3.11) back to plain text.
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') | Some('N') => out.push('\n'),
                Some(o) => out.push(o),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
        .replace('\r', "")
}

/// The date of a `DTSTART`/`DTEND` value (`20260101`, or a date-time whose date is taken).
fn ics_date(v: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(v.get(..8)?, "%Y%m%d").ok()
}

/// An event being read: its first line, start, end, summary, description, kind.
type Event = (
    usize,
    Option<NaiveDate>,
    Option<NaiveDate>,
    String,
    String,
    Option<DayKind>,
);

fn read_ics(text: &str) -> Result<Vec<(usize, FileDay)>, FileError> {
    // Unfold (a line starting with a space or a tab continues the one before), keeping the
    // number of each logical line's first physical line.
    let mut lines: Vec<(usize, String)> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let raw = raw.trim_end_matches('\r');
        match (raw.strip_prefix([' ', '\t']), lines.last_mut()) {
            (Some(rest), Some((_, last))) => last.push_str(rest),
            _ => lines.push((i + 1, raw.to_string())),
        }
    }
    let mut out = Vec::new();
    // The event being read: its first line, start, end, summary, description, kind.
    let mut ev: Option<Event> = None;
    for (line, l) in lines {
        let Some((head, value)) = l.split_once(':') else {
            continue;
        };
        let name = head
            .split(';')
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        match (name.as_str(), ev.as_mut()) {
            ("BEGIN", _) if value.eq_ignore_ascii_case("VEVENT") => {
                ev = Some((line, None, None, String::new(), String::new(), None));
            }
            ("END", Some(_)) if value.eq_ignore_ascii_case("VEVENT") => {
                let (at, start, end, summary, basis, kind) = ev.take().unwrap_or_default();
                let start = start.ok_or((at, "cal.file_err_date"))?;
                let end = end.unwrap_or(start + Duration::days(1));
                let span = (end - start).num_days();
                if !(1..=MAX_EVENT_DAYS).contains(&span) {
                    return Err((at, "cal.file_err_date"));
                }
                let name = summary.trim().to_string();
                if name.is_empty() || name.chars().count() > 120 {
                    return Err((at, "cal.file_err_name"));
                }
                let kind = kind.unwrap_or_else(|| {
                    if fold(&name).contains("lam bu") {
                        DayKind::Workday
                    } else {
                        DayKind::Holiday
                    }
                });
                let basis: String = basis.trim().chars().take(300).collect();
                for k in 0..span {
                    out.push((
                        at,
                        FileDay {
                            day: start + Duration::days(k),
                            kind,
                            name: name.clone(),
                            basis: basis.clone(),
                        },
                    ));
                    if out.len() > MAX_DAYS {
                        return Err((0, "cal.file_err_too_many"));
                    }
                }
            }
            ("DTSTART", Some(e)) => e.1 = Some(ics_date(value).ok_or((line, "cal.file_err_date"))?),
            ("DTEND", Some(e)) => e.2 = Some(ics_date(value).ok_or((line, "cal.file_err_date"))?),
            ("SUMMARY", Some(e)) => e.3 = unescape(value),
            ("DESCRIPTION", Some(e)) => e.4 = unescape(value),
            ("X-LANGNGHE-KIND", Some(e)) => {
                e.5 = Some(kind_of(value).ok_or((line, "cal.file_err_kind"))?)
            }
            ("CATEGORIES", Some(e)) if e.5.is_none() => {
                let v = value.to_ascii_uppercase();
                if v.contains("WORKDAY") {
                    e.5 = Some(DayKind::Workday);
                } else if v.contains("HOLIDAY") {
                    e.5 = Some(DayKind::Holiday);
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// Folds a content line at 75 octets (RFC 5545, 3.1), never inside a character.
fn fold_line(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

/// The days of `year` as an iCalendar file: one all-day event a day, its kind kept in
/// `CATEGORIES` and `X-LANGNGHE-KIND`, its legal basis in `DESCRIPTION`. Reading it back with
/// [`read_days`] gives the same days.
pub fn to_ics(year: i32, days: &[FileDay]) -> String {
    let mut out = String::new();
    for l in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Lang Nghe//Working-day calendar//VI",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ] {
        fold_line(&mut out, l);
    }
    fold_line(&mut out, &format!("X-WR-CALNAME:Lịch ngày nghỉ {year}"));
    for d in days.iter().filter(|d| d.day.year() == year) {
        let ymd = d.day.format("%Y%m%d");
        let (cat, kind) = match d.kind {
            DayKind::Holiday => ("HOLIDAY", "holiday"),
            DayKind::Workday => ("WORKDAY", "workday"),
        };
        fold_line(&mut out, "BEGIN:VEVENT");
        fold_line(&mut out, &format!("UID:{ymd}-{kind}@langnghe"));
        fold_line(&mut out, &format!("DTSTAMP:{ymd}T000000Z"));
        fold_line(&mut out, &format!("DTSTART;VALUE=DATE:{ymd}"));
        fold_line(
            &mut out,
            &format!(
                "DTEND;VALUE=DATE:{}",
                (d.day + Duration::days(1)).format("%Y%m%d")
            ),
        );
        fold_line(&mut out, &format!("SUMMARY:{}", escape(&d.name)));
        if !d.basis.is_empty() {
            fold_line(&mut out, &format!("DESCRIPTION:{}", escape(&d.basis)));
        }
        fold_line(&mut out, &format!("CATEGORIES:{cat}"));
        fold_line(&mut out, &format!("X-LANGNGHE-KIND:{kind}"));
        fold_line(&mut out, "TRANSP:TRANSPARENT");
        fold_line(&mut out, "END:VEVENT");
    }
    fold_line(&mut out, "END:VCALENDAR");
    out
}

/// What importing a year's file changes in the list in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayChange {
    Added(FileDay),
    Changed { old: FileDay, new: FileDay },
    Removed(FileDay),
}

impl DayChange {
    pub fn day(&self) -> NaiveDate {
        match self {
            DayChange::Added(d) | DayChange::Removed(d) | DayChange::Changed { new: d, .. } => {
                d.day
            }
        }
    }
}

/// The changes from `current` (the year's listed days) to `file`, in date order.
pub fn changes(current: &[FileDay], file: &[FileDay]) -> Vec<DayChange> {
    let old: BTreeMap<NaiveDate, &FileDay> = current.iter().map(|d| (d.day, d)).collect();
    let new: BTreeMap<NaiveDate, &FileDay> = file.iter().map(|d| (d.day, d)).collect();
    let mut out = Vec::new();
    for (day, o) in &old {
        match new.get(day) {
            None => out.push(DayChange::Removed((*o).clone())),
            Some(n) if n != o => out.push(DayChange::Changed {
                old: (*o).clone(),
                new: (*n).clone(),
            }),
            Some(_) => {}
        }
    }
    for (day, n) in &new {
        if !old.contains_key(day) {
            out.push(DayChange::Added((*n).clone()));
        }
    }
    out.sort_by_key(DayChange::day);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_csv_with_a_header_semicolons_and_vietnamese_kinds() {
        let text = "Ngày;Loại;Tên;Căn cứ\n01/01/2026;nghỉ;Tết Dương lịch;Bộ luật Lao động 2019, Điều 112\n2026-01-10;Làm bù;Làm bù cho ngày 02/01;\n";
        let (year, days) = read_days(text).unwrap();
        assert_eq!(year, 2026);
        assert_eq!(days.len(), 2);
        assert_eq!(days[0].day, d(2026, 1, 1));
        assert_eq!(days[0].kind, DayKind::Holiday);
        assert_eq!(days[0].basis, "Bộ luật Lao động 2019, Điều 112");
        assert_eq!(days[1].kind, DayKind::Workday);
    }

    #[test]
    fn bad_files_say_which_line() {
        assert_eq!(read_days(""), Err((0, "cal.file_err_empty")));
        assert_eq!(
            read_days("2026-01-01,holiday,A\n2026-13-01,holiday,B\n"),
            Err((2, "cal.file_err_date"))
        );
        assert_eq!(
            read_days("2026-01-01,maybe,A\n"),
            Err((1, "cal.file_err_kind"))
        );
        assert_eq!(
            read_days("2026-01-01,holiday,A\n2027-01-01,holiday,B\n"),
            Err((2, "cal.file_err_years"))
        );
        assert_eq!(
            read_days("2026-01-01,holiday,A\n2026-01-01,workday,B\n"),
            Err((2, "cal.file_err_twice"))
        );
        assert_eq!(
            read_days("2026-01-01,holiday,\n"),
            Err((1, "cal.file_err_name"))
        );
    }

    #[test]
    fn a_government_style_ics_with_a_multi_day_event_and_folded_lines() {
        // Tết 2027 as one event of five days (DTEND exclusive: 4, 5, 6, 7, 8 February), a
        // summary folded over two lines, and a make-up day recognised by its name.
        let text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270204\r\nDTEND;VALUE=DATE:20270209\r\nSUMMARY:Tết Nguyên\r\n  đán Đinh Mùi\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nDTSTART:20270130T000000\r\nSUMMARY:Làm bù cho ngày 08/02\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let (year, days) = read_days(text).unwrap();
        assert_eq!(year, 2027);
        let listed: Vec<_> = days.iter().map(|x| (x.day, x.kind)).collect();
        assert_eq!(
            listed,
            vec![
                (d(2027, 1, 30), DayKind::Workday),
                (d(2027, 2, 4), DayKind::Holiday),
                (d(2027, 2, 5), DayKind::Holiday),
                (d(2027, 2, 6), DayKind::Holiday),
                (d(2027, 2, 7), DayKind::Holiday),
                (d(2027, 2, 8), DayKind::Holiday),
            ]
        );
        assert_eq!(days[1].name, "Tết Nguyên đán Đinh Mùi");
    }

    #[test]
    fn writing_then_reading_gives_the_same_days() {
        let days = vec![
            FileDay {
                day: d(2026, 8, 22),
                kind: DayKind::Workday,
                name: "Làm bù cho ngày 31/08".into(),
                basis: "Thông báo của Bộ Nội vụ; hoán đổi ngày làm việc, năm 2026 \\ dài".repeat(3),
            },
            FileDay {
                day: d(2026, 8, 31),
                kind: DayKind::Holiday,
                name: "Nghỉ hoán đổi (Quốc khánh)".into(),
                basis: String::new(),
            },
        ];
        let ics = to_ics(2026, &days);
        assert!(
            ics.lines().all(|l| l.len() <= 76),
            "every line folded at 75 octets"
        );
        assert_eq!(read_days(&ics), Ok((2026, days.clone())));
        assert!(changes(&days, &read_days(&ics).unwrap().1).is_empty());
    }

    #[test]
    fn changes_list_what_is_added_changed_and_removed() {
        let a = FileDay {
            day: d(2026, 11, 24),
            kind: DayKind::Holiday,
            name: "Ngày Văn hóa Việt Nam".into(),
            basis: String::new(),
        };
        let b = FileDay {
            day: d(2026, 1, 2),
            kind: DayKind::Holiday,
            name: "Nghỉ hoán đổi".into(),
            basis: String::new(),
        };
        let b2 = FileDay {
            kind: DayKind::Workday,
            ..b.clone()
        };
        let c = FileDay {
            day: d(2026, 5, 1),
            kind: DayKind::Holiday,
            name: "Quốc tế Lao động".into(),
            basis: String::new(),
        };
        let got = changes(&[b.clone(), c.clone()], &[b2.clone(), a.clone()]);
        assert_eq!(
            got,
            vec![
                DayChange::Changed { old: b, new: b2 },
                DayChange::Removed(c),
                DayChange::Added(a),
            ]
        );
    }
}
