//! Roles and the permissions they carry. Unit scope is checked with [`crate::domain::UnitPath`];
//! the one place that combines both is [`can`].

use super::unit::UnitPath;
use serde::{Deserialize, Serialize};

/// A staff account's role. Every role is scoped to the subtree of the account's unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    /// Provincial (or unit) administrator: units, catalogue, kiosks, accounts.
    Admin,
    /// A leader of a unit or of the province: reads dashboards and everything below.
    Leader,
    /// An official (cán bộ, công chức): works in the unit.
    Official,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Leader, Role::Official];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Leader => "leader",
            Role::Official => "official",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "leader" => Some(Role::Leader),
            "official" => Some(Role::Official),
            _ => None,
        }
    }

    /// The i18n key of the role's name.
    pub fn label_key(self) -> &'static str {
        match self {
            Role::Admin => "role.admin",
            Role::Leader => "role.leader",
            Role::Official => "role.official",
        }
    }
}

/// What an account may want to do. Each is checked against a unit (the target's unit) where it has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// See a unit's page: its details, counters, kiosks and staff.
    ViewUnit,
    /// Create, edit, merge units below one's own unit.
    ManageUnits,
    /// Counters and kiosks of a unit.
    ManageKiosks,
    /// Staff accounts of a unit.
    ManageAccounts,
    /// The province-wide procedure catalogue: only an administrator of the province root.
    ManageCatalogue,
    /// Read the audit log of changes made in the subtree.
    ViewAudit,
    /// Read the satisfaction ratings of the subtree.
    ViewRatings,
    /// Clear a suspicious flag, record a correction.
    ModerateRatings,
    /// Survey instruments: draft, edit, publish (province administrator).
    ManageInstruments,
    /// Read the feedback cases of the subtree, with the citizen's contact and attachments;
    /// assign, classify, forward, answer, close them, enter cases received by phone or paper.
    HandleFeedback,
    /// Approve an answer before it is published (when approval is required).
    ApproveFeedback,
    /// Take a published text (an answer, a session's minutes) down from the public pages, and
    /// publish it again.
    WithdrawPublished,
    /// The working-day calendar and the feedback deadlines (province administrator).
    ManageCalendar,
    /// Message channels, templates and the delivery log (province administrator).
    ManageNotifications,
    /// Dialogue sessions of the subtree: create, publish, see sign-ups.
    ManageSessions,
    /// The kinds of dialogue session offered province-wide (province administrator).
    ManageSessionKinds,
    /// The PAR-INDEX points and bands, the Decision 766 weights and the sample-size margin
    /// (province administrator).
    ManageIndexRules,
    /// The late dossiers of the subtree: set a new date, print the apology-and-new-date notice
    /// (Form 04 of Circular 01/2018/TT-VPCP).
    HandleDossiers,
}

fn role_allows(role: Role, perm: Permission) -> bool {
    use Permission::*;
    match role {
        Role::Admin => true,
        Role::Leader => matches!(
            perm,
            ViewUnit
                | ViewAudit
                | ViewRatings
                | HandleFeedback
                | ApproveFeedback
                | WithdrawPublished
                | ManageSessions
                | HandleDossiers
        ),
        Role::Official => matches!(
            perm,
            ViewUnit | ViewRatings | HandleFeedback | ManageSessions | HandleDossiers
        ),
    }
}

/// The single rule for "may this account do that there": the role must carry the permission and
/// the target unit must lie in the account's subtree. The catalogue belongs to the whole province,
/// so only an administrator whose scope is the province root manages it.
pub fn can(role: Role, scope: &UnitPath, perm: Permission, target: Option<&UnitPath>) -> bool {
    if !role_allows(role, perm) {
        return false;
    }
    if matches!(
        perm,
        Permission::ManageCatalogue
            | Permission::ManageInstruments
            | Permission::ManageCalendar
            | Permission::ManageNotifications
            | Permission::ManageSessionKinds
            | Permission::ManageIndexRules
    ) {
        return scope.is_root();
    }
    match target {
        Some(t) => scope.contains(t),
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> UnitPath {
        UnitPath::parse(s).unwrap()
    }

    #[test]
    fn official_sees_only_own_subtree() {
        let own = p("/1/4/");
        assert!(can(
            Role::Official,
            &own,
            Permission::ViewUnit,
            Some(&p("/1/4/"))
        ));
        assert!(can(
            Role::Official,
            &own,
            Permission::ViewUnit,
            Some(&p("/1/4/7/"))
        ));
        assert!(!can(
            Role::Official,
            &own,
            Permission::ViewUnit,
            Some(&p("/1/5/"))
        ));
        assert!(!can(
            Role::Official,
            &own,
            Permission::ViewUnit,
            Some(&p("/1/"))
        ));
        assert!(!can(
            Role::Official,
            &own,
            Permission::ManageKiosks,
            Some(&own)
        ));
    }

    #[test]
    fn sibling_with_common_prefix_is_not_inside() {
        // '/1/4/' must not contain '/1/45/'
        assert!(!can(
            Role::Admin,
            &p("/1/4/"),
            Permission::ManageUnits,
            Some(&p("/1/45/"))
        ));
    }

    #[test]
    fn catalogue_needs_the_province_root() {
        assert!(can(
            Role::Admin,
            &p("/1/"),
            Permission::ManageCatalogue,
            None
        ));
        assert!(!can(
            Role::Admin,
            &p("/1/4/"),
            Permission::ManageCatalogue,
            None
        ));
        assert!(!can(
            Role::Leader,
            &p("/1/"),
            Permission::ManageCatalogue,
            None
        ));
    }

    #[test]
    fn roles_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
