//! Units (đơn vị) form a tree under the province; each has a materialised path of ids.

use serde::{Deserialize, Serialize};

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
}
