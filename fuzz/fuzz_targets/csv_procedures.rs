//! The procedure catalogue's CSV import (`domain::procedure::read_csv`) on arbitrary bytes:
//! every good row is a valid procedure with a unique code on a data line of its own (after the
//! header, in file order), every bad row says why.
#![no_main]

use langnghe_app::domain::procedure::{self, CsvRow};
use libfuzzer_sys::fuzz_target;
use std::collections::HashSet;

fuzz_target!(|data: &[u8]| {
    let Ok(rows) = procedure::read_csv(data) else {
        return;
    };
    // Lines end at "\n", "\r\n" or a lone "\r", as the CSV reader ends its records.
    let lone_cr = data
        .windows(2)
        .filter(|w| w[0] == b'\r' && w[1] != b'\n')
        .count()
        + usize::from(data.last() == Some(&b'\r'));
    let lines = (data.iter().filter(|b| **b == b'\n').count() + lone_cr) as u64 + 1;
    let mut codes = HashSet::new();
    let mut last_ok = 1;
    for row in rows {
        match row {
            CsvRow::Ok { line, input } => {
                assert!(line >= 2 && line <= lines, "line {line} of {lines}");
                assert!(line > last_ok, "line {line} after {last_ok}");
                last_ok = line;
                assert_eq!(
                    procedure::parse(
                        &input.code,
                        &input.name,
                        &input.field,
                        &input.processing_days.to_string()
                    ),
                    Ok(input.clone())
                );
                assert!(
                    codes.insert(input.code.clone()),
                    "duplicate {:?}",
                    input.code
                );
            }
            CsvRow::Bad { errors, .. } => assert!(!errors.is_empty()),
        }
    }
});
