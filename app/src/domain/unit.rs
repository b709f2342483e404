//! Units (đơn vị) form a tree under the province; each has a materialised path of ids.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The path of ids from the province root to a unit, written `/1/4/9/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitPath(String);

impl UnitPath {
    /// Parses a stored path; `None` unless it has the `/id/…/` form.
    pub fn parse(s: &str) -> Option<UnitPath> {
        let inner = s.strip_prefix('/')?.strip_suffix('/')?;
        if inner.is_empty()
            || !inner
                .split('/')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        {
            return None;
        }
        Some(UnitPath(s.to_string()))
    }

    /// The path of the root unit with this id.
    pub fn root(id: i64) -> UnitPath {
        UnitPath(format!("/{id}/"))
    }

    /// The path of a child with id `id` under this unit.
    pub fn child(&self, id: i64) -> UnitPath {
        UnitPath(format!("{}{id}/", self.0))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `other` is this unit or lies below it.
    pub fn contains(&self, other: &UnitPath) -> bool {
        other.0.starts_with(&self.0)
    }

    /// How many levels below the root (the root has depth 0).
    pub fn depth(&self) -> usize {
        self.0.matches('/').count().saturating_sub(2)
    }

    pub fn is_root(&self) -> bool {
        self.depth() == 0
    }

    /// The ids along the path, root first.
    pub fn ids(&self) -> Vec<i64> {
        self.0.split('/').filter_map(|p| p.parse().ok()).collect()
    }

    /// The path this unit gets when its subtree moves from `old_prefix` to `new_prefix`.
    pub fn rebase(&self, old_prefix: &UnitPath, new_prefix: &UnitPath) -> Option<UnitPath> {
        self.0
            .strip_prefix(&old_prefix.0)
            .map(|rest| UnitPath(format!("{}{}", new_prefix.0, rest)))
    }
}

/// The kinds of unit, in the order an admin picks them.
pub const UNIT_KINDS: [&str; 7] = [
    "province",
    "department",
    "service_centre",
    "commune",
    "ward",
    "vertical",
    "other",
];

pub fn is_unit_kind(s: &str) -> bool {
    UNIT_KINDS.contains(&s)
}

/// A unit's life: the days it is in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub id: i64,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

impl Span {
    pub fn in_force_on(&self, day: NaiveDate) -> bool {
        self.from <= day && self.to.is_none_or(|t| day <= t)
    }
}

/// A succession: `predecessor`'s services pass to `successor` from `effective_on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Succession {
    pub predecessor: i64,
    pub successor: i64,
    pub effective_on: NaiveDate,
}

/// Where each unit's figures go in a report for the period `from..=to`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fold {
    /// unit → the unit whose row carries its answers, dossiers and cases.
    pub into: HashMap<i64, i64>,
    /// successor → (the day its basis changed inside the period, the predecessors folded into it).
    pub merged: HashMap<i64, (NaiveDate, Vec<i64>)>,
}

impl Fold {
    /// The row a unit's figures belong to (itself when the fold does not know it).
    pub fn row_of(&self, unit: i64) -> i64 {
        self.into.get(&unit).copied().unwrap_or(unit)
    }

    /// The units whose figures a row carries: itself and every unit folded into it.
    pub fn members(&self, row: i64) -> Vec<i64> {
        let mut v: Vec<i64> = self
            .into
            .iter()
            .filter(|(_, r)| **r == row)
            .map(|(u, _)| *u)
            .collect();
        if !v.contains(&row) {
            v.push(row);
        }
        v.sort_unstable();
        v
    }
}

/// Re-aggregation across mergers for a report over `from..=to`: a unit in force on the last day
/// keeps its own row; a unit that ended before it (merged, renamed, succeeded) has its figures
/// for the **whole period** carried by the one successor in force on the last day that its
/// succession links lead to (through several mergers if need be), so a ranking sums the raw
/// answers of every predecessor into its successor — weighted by answers, never by averaging
/// indices. A unit whose links lead to no successor in force, or to several (a split), keeps a
/// row of its own (it is shown as ended, not lost). A successor is marked merged when one of its
/// links into it took effect inside the period (after `from`, on or before `to`).
pub fn fold_for_period(
    units: &[Span],
    links: &[Succession],
    from: NaiveDate,
    to: NaiveDate,
) -> Fold {
    let by_id: HashMap<i64, &Span> = units.iter().map(|u| (u.id, u)).collect();
    let mut fold = Fold::default();
    for u in units {
        if u.in_force_on(to) {
            fold.into.insert(u.id, u.id);
            continue;
        }
        // Follow the successions breadth first; collect the successors in force on `to`.
        let mut seen = vec![u.id];
        let mut queue = vec![u.id];
        let mut found: Vec<i64> = Vec::new();
        while let Some(cur) = queue.pop() {
            for l in links.iter().filter(|l| l.predecessor == cur) {
                if seen.contains(&l.successor) {
                    continue;
                }
                seen.push(l.successor);
                match by_id.get(&l.successor) {
                    Some(s) if s.in_force_on(to) && !found.contains(&s.id) => found.push(s.id),
                    Some(s) if s.in_force_on(to) => {}
                    Some(_) => queue.push(l.successor),
                    None => {}
                }
            }
        }
        let row = if found.len() == 1 { found[0] } else { u.id };
        fold.into.insert(u.id, row);
    }
    for l in links {
        let (Some(&row), true) = (fold.into.get(&l.predecessor), l.effective_on > from) else {
            continue;
        };
        if row == l.predecessor || l.effective_on > to {
            continue;
        }
        let e = fold
            .merged
            .entry(row)
            .or_insert((l.effective_on, Vec::new()));
        e.0 = e.0.max(l.effective_on);
        if !e.1.contains(&l.predecessor) {
            e.1.push(l.predecessor);
            e.1.sort_unstable();
        }
    }
    fold
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_parse_and_nest() {
        let root = UnitPath::root(1);
        let child = root.child(4);
        assert_eq!(child.as_str(), "/1/4/");
        assert!(root.contains(&child));
        assert!(!child.contains(&root));
        assert_eq!(child.depth(), 1);
        assert!(root.is_root());
        assert_eq!(child.child(9).ids(), vec![1, 4, 9]);
        assert!(UnitPath::parse("1/4").is_none());
        assert!(UnitPath::parse("/1/x/").is_none());
        assert!(UnitPath::parse("//").is_none());
    }

    #[test]
    fn rebase_moves_a_subtree() {
        let old = UnitPath::parse("/1/4/").unwrap();
        let new = UnitPath::parse("/1/5/4/").unwrap();
        let inside = UnitPath::parse("/1/4/9/").unwrap();
        assert_eq!(inside.rebase(&old, &new).unwrap().as_str(), "/1/5/4/9/");
        assert!(UnitPath::parse("/1/6/")
            .unwrap()
            .rebase(&old, &new)
            .is_none());
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_merger_mid_quarter_folds_both_predecessors_into_the_successor() {
        // Xã An Phú (1) and Xã An Lạc (2) merge into Xã An Phú Lạc (3) with effect 15/11/2026;
        // the predecessors end on 14/11. Report for Q4 2026 (01/10–31/12).
        let units = [
            Span {
                id: 1,
                from: d(2020, 1, 1),
                to: Some(d(2026, 11, 14)),
            },
            Span {
                id: 2,
                from: d(2020, 1, 1),
                to: Some(d(2026, 11, 14)),
            },
            Span {
                id: 3,
                from: d(2026, 11, 15),
                to: None,
            },
            Span {
                id: 4,
                from: d(2020, 1, 1),
                to: None,
            },
        ];
        let links = [
            Succession {
                predecessor: 1,
                successor: 3,
                effective_on: d(2026, 11, 15),
            },
            Succession {
                predecessor: 2,
                successor: 3,
                effective_on: d(2026, 11, 15),
            },
        ];
        let f = fold_for_period(&units, &links, d(2026, 10, 1), d(2026, 12, 31));
        assert_eq!(f.row_of(1), 3);
        assert_eq!(f.row_of(2), 3);
        assert_eq!(f.row_of(3), 3);
        assert_eq!(f.row_of(4), 4);
        assert_eq!(f.members(3), vec![1, 2, 3]);
        assert_eq!(f.merged.get(&3), Some(&(d(2026, 11, 15), vec![1, 2])));
        assert_eq!(f.merged.get(&4), None);
        // Q3 (before the merger): each predecessor is in force on 30/09 and keeps its row; the
        // successor is not yet in force and carries nothing.
        let f = fold_for_period(&units, &links, d(2026, 7, 1), d(2026, 9, 30));
        assert_eq!(f.row_of(1), 1);
        assert_eq!(f.row_of(2), 2);
        assert!(f.merged.is_empty());
        // Q1 2027 (after): folded, but the basis did not change inside the period.
        let f = fold_for_period(&units, &links, d(2027, 1, 1), d(2027, 3, 31));
        assert_eq!(f.row_of(1), 3);
        assert!(f.merged.is_empty());
    }

    #[test]
    fn mergers_chain_and_splits_keep_their_rows() {
        // 1 → 2 (01/03), 2 → 3 (01/06): in a report for the year, 1 and 2 both go to 3.
        let units = [
            Span {
                id: 1,
                from: d(2020, 1, 1),
                to: Some(d(2026, 2, 28)),
            },
            Span {
                id: 2,
                from: d(2026, 3, 1),
                to: Some(d(2026, 5, 31)),
            },
            Span {
                id: 3,
                from: d(2026, 6, 1),
                to: None,
            },
            // 5 splits into 6 and 7: its answers cannot be divided; it keeps its own row.
            Span {
                id: 5,
                from: d(2020, 1, 1),
                to: Some(d(2026, 4, 30)),
            },
            Span {
                id: 6,
                from: d(2026, 5, 1),
                to: None,
            },
            Span {
                id: 7,
                from: d(2026, 5, 1),
                to: None,
            },
            // 8 ended with no successor.
            Span {
                id: 8,
                from: d(2020, 1, 1),
                to: Some(d(2026, 1, 31)),
            },
        ];
        let links = [
            Succession {
                predecessor: 1,
                successor: 2,
                effective_on: d(2026, 3, 1),
            },
            Succession {
                predecessor: 2,
                successor: 3,
                effective_on: d(2026, 6, 1),
            },
            Succession {
                predecessor: 5,
                successor: 6,
                effective_on: d(2026, 5, 1),
            },
            Succession {
                predecessor: 5,
                successor: 7,
                effective_on: d(2026, 5, 1),
            },
            // a cycle written by mistake must not loop
            Succession {
                predecessor: 3,
                successor: 1,
                effective_on: d(2026, 7, 1),
            },
        ];
        let f = fold_for_period(&units, &links, d(2026, 1, 1), d(2026, 12, 31));
        assert_eq!(f.row_of(1), 3);
        assert_eq!(f.row_of(2), 3);
        assert_eq!(f.members(3), vec![1, 2, 3]);
        assert_eq!(f.merged.get(&3), Some(&(d(2026, 6, 1), vec![1, 2])));
        assert_eq!(f.row_of(5), 5);
        assert_eq!(f.row_of(8), 8);
    }
}
