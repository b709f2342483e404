//! The working-day calendar and the deadlines computed from it. Monday to Friday are working
//! days, except the public holidays the administrator lists; a listed make-up working day (a
//! Saturday worked in exchange for a bridge day) counts even on a weekend.
//!
//! Time limits follow the Civil Code's rule: a limit of `n` working days starts on the day after
//! the event, so a case received on a Thursday with a 1-day limit is due on the Friday.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use std::collections::BTreeSet;

/// What kind of exception a listed day is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayKind {
    /// A weekday off (public holiday, bridge day).
    Holiday,
    /// A weekend day worked (make-up Saturday).
    Workday,
}

impl DayKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::Workday => "workday",
        }
    }
    pub fn parse(s: &str) -> Option<DayKind> {
        match s {
            "holiday" => Some(DayKind::Holiday),
            "workday" => Some(DayKind::Workday),
            _ => None,
        }
    }
}

/// The exceptions to Monday–Friday.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    holidays: BTreeSet<NaiveDate>,
    workdays: BTreeSet<NaiveDate>,
}

/// The longest limit accepted, so that a bad setting cannot loop for ever.
const MAX_DAYS: u32 = 3660;

impl Calendar {
    pub fn new(days: impl IntoIterator<Item = (NaiveDate, DayKind)>) -> Calendar {
        let mut c = Calendar::default();
        for (d, k) in days {
            match k {
                DayKind::Holiday => {
                    c.holidays.insert(d);
                }
                DayKind::Workday => {
                    c.workdays.insert(d);
                }
            }
        }
        c
    }

    /// Whether `d` is a working day.
    pub fn is_working(&self, d: NaiveDate) -> bool {
        if self.workdays.contains(&d) {
            return true;
        }
        if self.holidays.contains(&d) {
            return false;
        }
        !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
    }

    /// The deadline `n` working days after `start` (counting from the next day). With `n == 0`
    /// the deadline is `start` itself if it is a working day, else the next working day.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> NaiveDate {
        let n = n.min(MAX_DAYS);
        let mut d = start;
        if n == 0 {
            while !self.is_working(d) {
                d += Duration::days(1);
            }
            return d;
        }
        let mut left = n;
        while left > 0 {
            d += Duration::days(1);
            if self.is_working(d) {
                left -= 1;
            }
        }
        d
    }

    /// The working days after `from` up to and including `to` (0 when `to <= from`): how long a
    /// step took, or how late it was.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        if to <= from {
            return 0;
        }
        let mut n = 0;
        let mut d = from;
        while d < to {
            d += Duration::days(1);
            if self.is_working(d) {
                n += 1;
            }
        }
        n
    }
}

/// Where a deadline stands on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueState {
    /// More than the warning window away.
    Ok,
    /// Due within the warning window (today included).
    DueSoon,
    /// Past the deadline.
    Overdue,
}

/// Whether a deadline is overdue, due soon (within `warn_days` working days) or fine.
pub fn due_state(cal: &Calendar, today: NaiveDate, due: NaiveDate, warn_days: u32) -> DueState {
    if today > due {
        DueState::Overdue
    } else if due <= cal.add_working_days(today, warn_days) {
        DueState::DueSoon
    } else {
        DueState::Ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// The 2026 Lunar New Year break: Saturday 14 to Sunday 22 February, weekdays 16–20 listed.
    fn tet_2026() -> Calendar {
        Calendar::new((16..=20).map(|x| (d(2026, 2, x), DayKind::Holiday)))
    }

    #[test]
    fn weekends_are_skipped() {
        let c = Calendar::default();
        // Thursday 5 March 2026 + 5 working days: Fri 6, Mon 9, Tue 10, Wed 11, Thu 12.
        assert_eq!(c.add_working_days(d(2026, 3, 5), 5), d(2026, 3, 12));
        // Received on a Saturday: counting starts Monday.
        assert_eq!(c.add_working_days(d(2026, 3, 7), 1), d(2026, 3, 9));
        assert_eq!(c.add_working_days(d(2026, 3, 7), 0), d(2026, 3, 9));
        assert_eq!(c.add_working_days(d(2026, 3, 9), 0), d(2026, 3, 9));
    }

    #[test]
    fn a_deadline_across_tet_and_a_weekend() {
        let c = tet_2026();
        // Received Thursday 12 Feb 2026: Fri 13 (1), the break 14–22, Mon 23 (2), Tue 24 (3),
        // Wed 25 (4), Thu 26 (5).
        assert_eq!(c.add_working_days(d(2026, 2, 12), 5), d(2026, 2, 26));
        assert!(!c.is_working(d(2026, 2, 17)));
        assert!(!c.is_working(d(2026, 2, 21)));
        assert_eq!(c.working_days_between(d(2026, 2, 12), d(2026, 2, 26)), 5);
        // Received during the break: the first day counted is Tuesday 24 after Monday 23.
        assert_eq!(c.add_working_days(d(2026, 2, 18), 1), d(2026, 2, 23));
    }

    #[test]
    fn a_make_up_saturday_counts() {
        // 2025: Friday 2 May off, worked on Saturday 26 April; 30 April and 1 May are holidays.
        let c = Calendar::new([
            (d(2025, 4, 26), DayKind::Workday),
            (d(2025, 4, 30), DayKind::Holiday),
            (d(2025, 5, 1), DayKind::Holiday),
            (d(2025, 5, 2), DayKind::Holiday),
        ]);
        assert!(c.is_working(d(2025, 4, 26)));
        // Friday 25 April + 1 → Saturday 26 (worked); + 3 → Tue 29 (Sat 26, Mon 28, Tue 29).
        assert_eq!(c.add_working_days(d(2025, 4, 25), 1), d(2025, 4, 26));
        assert_eq!(c.add_working_days(d(2025, 4, 25), 3), d(2025, 4, 29));
        // Tue 29 April + 1 → Monday 5 May.
        assert_eq!(c.add_working_days(d(2025, 4, 29), 1), d(2025, 5, 5));
    }

    #[test]
    fn days_between_and_due_state() {
        let c = Calendar::default();
        assert_eq!(c.working_days_between(d(2026, 3, 6), d(2026, 3, 9)), 1);
        assert_eq!(c.working_days_between(d(2026, 3, 9), d(2026, 3, 6)), 0);
        let due = d(2026, 3, 12); // a Thursday
        assert_eq!(due_state(&c, d(2026, 3, 13), due, 2), DueState::Overdue);
        assert_eq!(due_state(&c, d(2026, 3, 12), due, 2), DueState::DueSoon);
        assert_eq!(due_state(&c, d(2026, 3, 10), due, 2), DueState::DueSoon);
        assert_eq!(due_state(&c, d(2026, 3, 9), due, 2), DueState::Ok);
        // Friday before a Thursday deadline with a 2-day window: Mon, Tue → not yet.
        assert_eq!(due_state(&c, d(2026, 3, 6), due, 2), DueState::Ok);
    }

    #[test]
    fn absurd_limits_stop() {
        let c = Calendar::default();
        let far = c.add_working_days(d(2026, 1, 1), u32::MAX);
        assert!(far.year() < 2045);
    }
}
