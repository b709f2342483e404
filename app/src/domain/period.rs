//! Reporting periods: a month, a quarter, a year or any range of days (inclusive), written in
//! URLs as `2026-11`, `2026-Q3`, `2026` or `2026-01-15..2026-03-31`.

use chrono::{Datelike, Duration, NaiveDate};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Month,
    Quarter,
    Year,
    Range,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub kind: Kind,
}

fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn month_end(y: i32, m: u32) -> Option<NaiveDate> {
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    ymd(ny, nm, 1).map(|d| d - Duration::days(1))
}

impl Period {
    pub fn month(y: i32, m: u32) -> Option<Period> {
        Some(Period {
            from: ymd(y, m, 1)?,
            to: month_end(y, m)?,
            kind: Kind::Month,
        })
    }
    pub fn quarter(y: i32, q: u32) -> Option<Period> {
        if !(1..=4).contains(&q) {
            return None;
        }
        Some(Period {
            from: ymd(y, 3 * q - 2, 1)?,
            to: month_end(y, 3 * q)?,
            kind: Kind::Quarter,
        })
    }
    pub fn year(y: i32) -> Option<Period> {
        Some(Period {
            from: ymd(y, 1, 1)?,
            to: ymd(y, 12, 31)?,
            kind: Kind::Year,
        })
    }
    /// The quarter that holds `day`.
    pub fn quarter_of(day: NaiveDate) -> Period {
        Period::quarter(day.year(), (day.month() - 1) / 3 + 1).unwrap_or(Period {
            from: day,
            to: day,
            kind: Kind::Range,
        })
    }
    /// The last complete quarter before `day` (the transparency page's period).
    pub fn last_quarter(day: NaiveDate) -> Period {
        Period::quarter_of(Period::quarter_of(day).from - Duration::days(1))
    }

    /// The twelve months ending with `end`'s month (a trend): from the first day of the month
    /// eleven months before, to `end`.
    pub fn twelve_months_to(end: NaiveDate) -> Period {
        let first = end.with_day(1).unwrap_or(end);
        Period {
            from: first - chrono::Months::new(11),
            to: end,
            kind: Kind::Range,
        }
    }

    /// Parses `2026-11`, `2026-Q3`, `2026` or `2026-01-15..2026-03-31` (a range of at most ten
    /// years). Every kind lies within the years 2000–2100.
    pub fn parse(s: &str) -> Option<Period> {
        let s = s.trim();
        let y_ok = |y: i32| (2000..=2100).contains(&y);
        if let Some((a, b)) = s.split_once("..") {
            let from = NaiveDate::parse_from_str(a.trim(), "%Y-%m-%d").ok()?;
            let to = NaiveDate::parse_from_str(b.trim(), "%Y-%m-%d").ok()?;
            // Out of these years, `previous` overflowed on the first day chrono knows
            // (`-262143-01-01`; seen writing the form_period fuzz target, whose seeds replay it).
            if to < from || (to - from).num_days() > 3660 || !y_ok(from.year()) || !y_ok(to.year())
            {
                return None;
            }
            return Some(Period {
                from,
                to,
                kind: Kind::Range,
            });
        }
        if let Some((y, q)) = s.split_once("-Q").or_else(|| s.split_once("-q")) {
            let y = y.parse().ok().filter(|y| y_ok(*y))?;
            return Period::quarter(y, q.parse().ok()?);
        }
        if let Some((y, m)) = s.split_once('-') {
            let y = y.parse().ok().filter(|y| y_ok(*y))?;
            return Period::month(y, m.parse().ok()?);
        }
        Period::year(s.parse().ok().filter(|y| y_ok(*y))?)
    }

    /// How the period is written in a URL (the inverse of `parse`).
    pub fn key(&self) -> String {
        match self.kind {
            Kind::Month => format!("{}-{:02}", self.from.year(), self.from.month()),
            Kind::Quarter => format!("{}-Q{}", self.from.year(), (self.from.month() - 1) / 3 + 1),
            Kind::Year => format!("{}", self.from.year()),
            Kind::Range => format!("{}..{}", self.from, self.to),
        }
    }

    /// How the period reads on a page: `11/2026`, `Quý 3/2026` (`Q3 2026`), `2026`, `15/01/2026 – 31/03/2026`.
    pub fn label(&self, en: bool) -> String {
        match self.kind {
            Kind::Month => format!("{:02}/{}", self.from.month(), self.from.year()),
            Kind::Quarter => {
                let q = (self.from.month() - 1) / 3 + 1;
                if en {
                    format!("Q{q} {}", self.from.year())
                } else {
                    format!("Quý {q}/{}", self.from.year())
                }
            }
            Kind::Year => format!("{}", self.from.year()),
            Kind::Range => format!(
                "{} – {}",
                self.from.format("%d/%m/%Y"),
                self.to.format("%d/%m/%Y")
            ),
        }
    }

    /// The period just before, of the same kind (a range: the same number of days before).
    pub fn previous(&self) -> Period {
        let before = self.from - Duration::days(1);
        match self.kind {
            Kind::Month => Period::month(before.year(), before.month()),
            Kind::Quarter => Some(Period::quarter_of(before)),
            Kind::Year => Period::year(before.year()),
            Kind::Range => None,
        }
        .unwrap_or_else(|| {
            let days = (self.to - self.from).num_days();
            Period {
                from: before - Duration::days(days),
                to: before,
                kind: Kind::Range,
            }
        })
    }

    /// The first day of each month the period touches.
    pub fn months(&self) -> Vec<NaiveDate> {
        let mut out = Vec::new();
        let mut m = self.from.with_day(1).unwrap_or(self.from);
        while m <= self.to && out.len() < 240 {
            out.push(m);
            m = month_end(m.year(), m.month()).unwrap_or(m) + Duration::days(1);
        }
        out
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.to
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn periods_parse_and_print() {
        let q = Period::parse("2026-Q1").unwrap();
        assert_eq!((q.from, q.to), (d(2026, 1, 1), d(2026, 3, 31)));
        assert_eq!(q.key(), "2026-Q1");
        assert_eq!(q.label(false), "Quý 1/2026");
        assert_eq!(q.previous().key(), "2025-Q4");
        let m = Period::parse("2024-02").unwrap();
        assert_eq!(m.to, d(2024, 2, 29), "a leap year");
        assert_eq!(m.previous().key(), "2024-01");
        assert_eq!(Period::parse("2026").unwrap().previous().key(), "2025");
        let r = Period::parse("2026-01-15..2026-01-24").unwrap();
        assert_eq!(r.previous().key(), "2026-01-05..2026-01-14");
        assert_eq!(r.months(), vec![d(2026, 1, 1)]);
        assert_eq!(
            Period::parse("2025-11-20..2026-02-01")
                .unwrap()
                .months()
                .len(),
            4
        );
        for bad in [
            "",
            "2026-13",
            "2026-Q5",
            "1999",
            "2026-02-01..2026-01-01",
            "abc",
            "-262143-01-01..-262143-01-02",
            "+262143-12-30..+262143-12-31",
            "1999-12-31..2000-01-01",
        ] {
            assert!(Period::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(Period::last_quarter(d(2026, 11, 21)).key(), "2026-Q3");
        let t = Period::twelve_months_to(d(2026, 11, 21));
        assert_eq!(
            (t.from, t.to, t.months().len()),
            (d(2025, 12, 1), d(2026, 11, 21), 12)
        );
        assert_eq!(Period::last_quarter(d(2026, 1, 2)).key(), "2025-Q4");
    }
}
