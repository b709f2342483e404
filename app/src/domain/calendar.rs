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

/// A deadline after the calendar changed: `due` was `n` working days after `start` under `old`;
/// it becomes `n` working days after `start` under `new`. A date that `old` does not give for
/// any `n` (set by hand, or counted under other rules) is left as it is, and so is a date not
/// after its start.
pub fn recount(old: &Calendar, new: &Calendar, start: NaiveDate, due: NaiveDate) -> NaiveDate {
    if due <= start {
        return due;
    }
    let n = old.working_days_between(start, due);
    if n == 0 || old.add_working_days(start, n as u32) != due {
        return due;
    }
    new.add_working_days(start, n as u32)
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

    /// The government's days for 2026 and 2027 as announced (2027 as we expect it), typed in
    /// here from the notices, not from our migration.
    fn vn_2026_2027() -> Calendar {
        let h = DayKind::Holiday;
        let w = DayKind::Workday;
        Calendar::new([
            (d(2026, 1, 1), h),
            (d(2026, 1, 2), h),
            (d(2026, 1, 10), w),
            (d(2026, 2, 16), h),
            (d(2026, 2, 17), h),
            (d(2026, 2, 18), h),
            (d(2026, 2, 19), h),
            (d(2026, 2, 20), h),
            (d(2026, 4, 27), h),
            (d(2026, 4, 30), h),
            (d(2026, 5, 1), h),
            (d(2026, 8, 22), w),
            (d(2026, 8, 31), h),
            (d(2026, 9, 1), h),
            (d(2026, 9, 2), h),
            (d(2026, 11, 24), h),
            (d(2027, 1, 1), h),
            (d(2027, 2, 4), h),
            (d(2027, 2, 5), h),
            (d(2027, 2, 8), h),
            (d(2027, 2, 9), h),
            (d(2027, 2, 10), h),
            (d(2027, 4, 16), h),
            (d(2027, 4, 30), h),
            (d(2027, 5, 3), h),
            (d(2027, 9, 2), h),
            (d(2027, 9, 3), h),
            (d(2027, 11, 24), h),
        ])
    }

    #[test]
    fn new_year_2026_and_its_make_up_saturday() {
        let c = vn_2026_2027();
        // Wed 31/12/2025 + 1: Thu 1/1 off, Fri 2/1 off (swap), Sat 3 and Sun 4 weekend → Mon 5/1.
        assert_eq!(c.add_working_days(d(2025, 12, 31), 1), d(2026, 1, 5));
        // Wed 7/1 + 3: Thu 8 (1), Fri 9 (2), Sat 10 worked (3) → due on the make-up Saturday.
        assert_eq!(c.add_working_days(d(2026, 1, 7), 3), d(2026, 1, 10));
        // + 4: Sun 11 off → Mon 12/1.
        assert_eq!(c.add_working_days(d(2026, 1, 7), 4), d(2026, 1, 12));
        // Received on the Saturday worked: it is a working day, the count starts Sun → Mon 12 is day 1.
        assert_eq!(c.add_working_days(d(2026, 1, 10), 1), d(2026, 1, 12));
        assert_eq!(c.add_working_days(d(2026, 1, 10), 0), d(2026, 1, 10));
    }

    #[test]
    fn tet_2026_on_the_official_calendar() {
        let c = vn_2026_2027();
        // Received Fri 13/2/2026 with 10 days. Sat 14 – Sun 22 off (weekdays 16–20 Tết).
        // Mon 23 (1), Tue 24 (2), Wed 25 (3), Thu 26 (4), Fri 27 (5), Mon 2/3 (6), Tue 3 (7),
        // Wed 4 (8), Thu 5 (9), Fri 6/3 (10).
        assert_eq!(c.add_working_days(d(2026, 2, 13), 10), d(2026, 3, 6));
        // Received Sun 15/2 (in the break) with 5 days: Mon 23 (1) … Fri 27/2 (5).
        assert_eq!(c.add_working_days(d(2026, 2, 15), 5), d(2026, 2, 27));
    }

    #[test]
    fn hung_kings_and_30_4_1_5_in_2026() {
        let c = vn_2026_2027();
        // Fri 24/4/2026 + 5: Sat 25, Sun 26 off, Mon 27 off (Giỗ Tổ taken on Monday), Tue 28 (1),
        // Wed 29 (2), Thu 30 off, Fri 1/5 off, weekend, Mon 4 (3), Tue 5 (4), Wed 6/5 (5).
        assert_eq!(c.add_working_days(d(2026, 4, 24), 5), d(2026, 5, 6));
        // Wed 29/4 + 1 → Mon 4/5.
        assert_eq!(c.add_working_days(d(2026, 4, 29), 1), d(2026, 5, 4));
    }

    #[test]
    fn national_day_2026_with_the_31_8_swap() {
        let c = vn_2026_2027();
        // Thu 20/8/2026 + 2: Fri 21 (1), Sat 22 worked (2) → due on the make-up Saturday.
        assert_eq!(c.add_working_days(d(2026, 8, 20), 2), d(2026, 8, 22));
        // Thu 27/8 + 2: Fri 28 (1), Sat 29, Sun 30, Mon 31 (swap), Tue 1/9, Wed 2/9 off,
        // Thu 3/9 (2).
        assert_eq!(c.add_working_days(d(2026, 8, 27), 2), d(2026, 9, 3));
        // Fri 28/8 + 1 → Thu 3/9 (five days off from Sat 29/8 to Wed 2/9).
        assert_eq!(c.add_working_days(d(2026, 8, 28), 1), d(2026, 9, 3));
        assert_eq!(c.working_days_between(d(2026, 8, 28), d(2026, 9, 3)), 1);
        assert!(c.is_working(d(2026, 8, 22)));
        assert!(!c.is_working(d(2026, 8, 31)));
    }

    #[test]
    fn vietnam_culture_day_2026() {
        let c = vn_2026_2027();
        // Mon 23/11/2026 + 1: Tue 24 off → Wed 25/11.
        assert_eq!(c.add_working_days(d(2026, 11, 23), 1), d(2026, 11, 25));
        // Fri 20/11 + 5: Mon 23 (1), Wed 25 (2), Thu 26 (3), Fri 27 (4), Mon 30/11 (5).
        assert_eq!(c.add_working_days(d(2026, 11, 20), 5), d(2026, 11, 30));
    }

    #[test]
    fn tet_2027_lunar_new_year_on_a_saturday() {
        let c = vn_2026_2027();
        // Tết Đinh Mùi: mùng 1 is Sat 6/2/2027. Off Thu 4 – Wed 10/2.
        // Wed 3/2 + 1: Thu 4, Fri 5 off, Sat 6, Sun 7 weekend, Mon 8, Tue 9, Wed 10 off → Thu 11/2.
        assert_eq!(c.add_working_days(d(2027, 2, 3), 1), d(2027, 2, 11));
        // Mon 1/2 + 5: Tue 2 (1), Wed 3 (2), Thu 11 (3), Fri 12 (4), Mon 15/2 (5).
        assert_eq!(c.add_working_days(d(2027, 2, 1), 5), d(2027, 2, 15));
        // 30/4/2027 is a Friday, 1/5 a Saturday taken on Mon 3/5: Thu 29/4 + 1 → Tue 4/5.
        assert_eq!(c.add_working_days(d(2027, 4, 29), 1), d(2027, 5, 4));
        // Wed 1/9/2027 + 1: Thu 2, Fri 3 off, weekend → Mon 6/9.
        assert_eq!(c.add_working_days(d(2027, 9, 1), 1), d(2027, 9, 6));
    }

    #[test]
    fn a_new_holiday_moves_a_deadline_by_one_day() {
        let old = Calendar::default();
        let new = Calendar::new([(d(2026, 3, 10), DayKind::Holiday)]);
        // Thu 5/3/2026 + 5 = Thu 12/3 (Fri 6, Mon 9, Tue 10, Wed 11, Thu 12); with Tue 10 off:
        // Fri 6, Mon 9, Wed 11, Thu 12, Fri 13.
        assert_eq!(
            recount(&old, &new, d(2026, 3, 5), d(2026, 3, 12)),
            d(2026, 3, 13)
        );
        // And back again when the day is removed.
        assert_eq!(
            recount(&new, &old, d(2026, 3, 5), d(2026, 3, 13)),
            d(2026, 3, 12)
        );
        // A date the old calendar cannot give (a Saturday) stays.
        assert_eq!(
            recount(&old, &new, d(2026, 3, 5), d(2026, 3, 14)),
            d(2026, 3, 14)
        );
        // A holiday after the deadline changes nothing.
        let later = Calendar::new([(d(2026, 3, 20), DayKind::Holiday)]);
        assert_eq!(
            recount(&old, &later, d(2026, 3, 5), d(2026, 3, 12)),
            d(2026, 3, 12)
        );
        // A make-up Saturday inside the period brings it one day earlier: Fri 6, Sat 7, Mon 9,
        // Tue 10, Wed 11.
        let sat = Calendar::new([(d(2026, 3, 7), DayKind::Workday)]);
        assert_eq!(
            recount(&old, &sat, d(2026, 3, 5), d(2026, 3, 12)),
            d(2026, 3, 11)
        );
    }

    #[test]
    fn absurd_limits_stop() {
        let c = Calendar::default();
        let far = c.add_working_days(d(2026, 1, 1), u32::MAX);
        assert!(far.year() < 2045);
    }
}
