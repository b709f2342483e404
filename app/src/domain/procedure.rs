//! The procedure catalogue (thủ tục hành chính) and its CSV import rules.

use super::validate;

/// One procedure as parsed from a form or a CSV row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcedureInput {
    pub code: String,
    pub name: String,
    pub field: String,
    pub processing_days: i32,
}

/// A field error on an input: which field, and the i18n key of the message.
pub type FieldError = (&'static str, &'static str);

/// Parses the four fields of a procedure. Procedure codes look like `1.001612` or `2.000889-LG`.
pub fn parse(
    code: &str,
    name: &str,
    field: &str,
    days: &str,
) -> Result<ProcedureInput, Vec<FieldError>> {
    let mut errors = Vec::new();
    let code = code.trim().to_uppercase();
    if code.is_empty() {
        errors.push(("code", "err.required"));
    } else if code.len() > 30
        || !code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    {
        errors.push(("code", "err.procedure_code"));
    }
    let name = validate::required_text(name, 500)
        .map_err(|e| errors.push(("name", e)))
        .unwrap_or_default();
    let field = validate::required_text(field, 200)
        .map_err(|e| errors.push(("field", e)))
        .unwrap_or_default();
    let processing_days = match days.trim().parse::<i32>() {
        Ok(d) if (0..=365).contains(&d) => d,
        _ => {
            errors.push(("processing_days", "err.processing_days"));
            0
        }
    };
    if errors.is_empty() {
        Ok(ProcedureInput {
            code,
            name,
            field,
            processing_days,
        })
    } else {
        Err(errors)
    }
}

/// The outcome of reading one CSV data row (1-based line numbers, header is line 1).
#[derive(Debug, PartialEq, Eq)]
pub enum CsvRow {
    Ok {
        line: u64,
        input: ProcedureInput,
    },
    Bad {
        line: u64,
        errors: Vec<FieldError>,
        raw: String,
    },
}

/// The columns the importer accepts, in Vietnamese or English, in any order.
fn column_of(header: &str) -> Option<&'static str> {
    let h = super::text::fold(header.trim_start_matches('\u{feff}'));
    match h.as_str() {
        "code" | "ma" | "ma thu tuc" | "ma tthc" => Some("code"),
        "name" | "ten" | "ten thu tuc" | "ten tthc" => Some("name"),
        "field" | "linh vuc" => Some("field"),
        "processing_days"
        | "days"
        | "thoi han"
        | "thoi han giai quyet"
        | "so ngay"
        | "thoi han (ngay)" => Some("processing_days"),
        _ => None,
    }
}

/// Reads a catalogue CSV (UTF-8, optional BOM, comma or semicolon separated, with a header row).
/// Every data row comes back either parsed or with its errors, so good rows can be kept and bad
/// rows reported. A file with a missing column is one error for the whole file.
pub fn read_csv(bytes: &[u8]) -> Result<Vec<CsvRow>, &'static str> {
    let text = std::str::from_utf8(bytes).map_err(|_| "err.csv_encoding")?;
    let text = text.trim_start_matches('\u{feff}');
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = if first_line.matches(';').count() > first_line.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|_| "err.csv_header")?.clone();
    let mut idx: [Option<usize>; 4] = [None; 4];
    for (i, h) in headers.iter().enumerate() {
        let slot = match column_of(h) {
            Some("code") => 0,
            Some("name") => 1,
            Some("field") => 2,
            Some("processing_days") => 3,
            _ => continue,
        };
        idx[slot].get_or_insert(i);
    }
    if idx.iter().any(|i| i.is_none()) {
        return Err("err.csv_columns");
    }
    let mut rows = Vec::new();
    let mut seen = std::collections::HashSet::new();
    // Line numbers are counted as the reader goes (records come in file order).
    let bytes = text.as_bytes();
    let (mut counted_to, mut line_at) = (0usize, 1u64);
    for (n, record) in reader.records().enumerate() {
        let fallback_line = n as u64 + 2;
        let record = match record {
            Ok(r) => r,
            Err(_) => {
                rows.push(CsvRow::Bad {
                    line: fallback_line,
                    errors: vec![("row", "err.csv_row")],
                    raw: String::new(),
                });
                continue;
            }
        };
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        // The line in the file, as a spreadsheet shows it (blank lines count).
        let line = record
            .position()
            .map(|p| {
                // The record's position may point at blank lines before it: skip them.
                let mut start = (p.byte() as usize).min(bytes.len());
                while start < bytes.len() && matches!(bytes[start], b'\n' | b'\r') {
                    start += 1;
                }
                if start < counted_to {
                    (counted_to, line_at) = (0, 1);
                }
                line_at += line_breaks(bytes, counted_to, start);
                counted_to = start;
                line_at
            })
            .unwrap_or(fallback_line);
        let get = |slot: usize| idx[slot].and_then(|i| record.get(i)).unwrap_or("");
        let raw = record
            .iter()
            .collect::<Vec<_>>()
            .join(if delimiter == b';' { ";" } else { "," });
        match parse(get(0), get(1), get(2), get(3)) {
            Ok(input) => {
                if seen.insert(input.code.clone()) {
                    rows.push(CsvRow::Ok { line, input });
                } else {
                    rows.push(CsvRow::Bad {
                        line,
                        errors: vec![("code", "err.csv_duplicate")],
                        raw,
                    });
                }
            }
            Err(errors) => rows.push(CsvRow::Bad { line, errors, raw }),
        }
    }
    Ok(rows)
}

/// The line breaks in `bytes[from..to]`: "\n", "\r\n" or a lone "\r" (old Mac files), as the
/// CSV reader ends its records.
fn line_breaks(bytes: &[u8], from: usize, to: usize) -> u64 {
    (from..to)
        .filter(|&i| bytes[i] == b'\n' || (bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
        .count() as u64
}

/// One row of the import report shown after an import.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ReportRow {
    pub line: u64,
    pub field: String,
    pub error_key: String,
    pub raw: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_good_and_bad_rows() {
        let csv = "\u{feff}Mã thủ tục;Tên thủ tục;Lĩnh vực;Thời hạn giải quyết\n\
                   1.001612;Đăng ký khai sinh;Hộ tịch;0\n\
                   ;Thiếu mã;Hộ tịch;3\n\
                   1.002;Sai số ngày;Đất đai;mười\n\
                   1.001612;Trùng mã;Hộ tịch;1\n\
                   \n\
                   2.000889;Cấp giấy phép xây dựng;Xây dựng;15\n";
        let rows = read_csv(csv.as_bytes()).unwrap();
        assert_eq!(rows.len(), 5);
        assert!(
            matches!(&rows[0], CsvRow::Ok { line: 2, input } if input.code == "1.001612" && input.processing_days == 0)
        );
        assert!(
            matches!(&rows[1], CsvRow::Bad { line: 3, errors, .. } if errors == &vec![("code", "err.required")])
        );
        assert!(
            matches!(&rows[2], CsvRow::Bad { line: 4, errors, .. } if errors == &vec![("processing_days", "err.processing_days")])
        );
        assert!(
            matches!(&rows[3], CsvRow::Bad { line: 5, errors, .. } if errors == &vec![("code", "err.csv_duplicate")])
        );
        assert!(
            matches!(&rows[4], CsvRow::Ok { line: 7, .. }),
            "{:?}",
            rows[4]
        );
    }

    #[test]
    fn line_numbers_with_any_line_ending() {
        let lines = |csv: &str| -> Vec<u64> {
            read_csv(csv.as_bytes())
                .unwrap()
                .iter()
                .map(|r| match r {
                    CsvRow::Ok { line, .. } | CsvRow::Bad { line, .. } => *line,
                })
                .collect()
        };
        let rows = ["code,name,field,days", "A,N,F,1", "", "B,N,F,x", "C,N,F,2"];
        for eol in ["\n", "\r\n", "\r"] {
            assert_eq!(lines(&rows.join(eol)), vec![2, 4, 5], "{eol:?}");
        }
        // Found by the csv_procedures fuzz target: a data row after a lone "\r" was on "line 1".
        assert_eq!(
            lines("code,name,field,days\rA.0,Name,Field,2\n\"B\",\"N, n\",F,1\n"),
            vec![2, 3]
        );
    }

    #[test]
    fn english_headers_with_commas_and_missing_column() {
        let rows = read_csv(b"code,name,field,processing_days\nA.1,Name,Field,2\n").unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(read_csv(b"code,name\nA,B\n"), Err("err.csv_columns"));
        assert_eq!(read_csv(&[0xff, 0xfe, 0x00]), Err("err.csv_encoding"));
    }
}
