//! Units: create, edit, merge (or succeed).

use super::{finish, Done, Errors, Fail};
use crate::ctx::Flash;
use crate::db::units::{self, UnitError, UnitInput};
use crate::domain::{unit::is_unit_kind, validate, Permission};
use leptos::prelude::*;

#[allow(clippy::too_many_arguments)]
fn parse_unit(
    errs: &mut Errors,
    parent_id: &str,
    group_id: &str,
    code: &str,
    name: &str,
    kind: &str,
    address: &str,
    effective_from: &str,
    effective_to: &str,
) -> UnitInput {
    let parent_id = errs.take("parent_id", validate::pick_id(parent_id).map(Some));
    let group_id = if group_id.trim().is_empty() {
        None
    } else {
        errs.take("group_id", validate::pick_id(group_id).map(Some))
    };
    let code = errs.take("code", validate::code(code));
    let name = errs.take("name", validate::required_text(name, 200));
    if !is_unit_kind(kind) {
        errs.add("kind", "err.choose");
    }
    let address = errs.take("address", validate::optional_text(address, 300));
    let effective_from = errs.take("effective_from", validate::date(effective_from).map(Some));
    let effective_to = if effective_to.trim().is_empty() {
        None
    } else {
        errs.take("effective_to", validate::date(effective_to).map(Some))
    };
    if let (Some(f), Some(t)) = (effective_from, effective_to) {
        if t < f {
            errs.add("effective_to", "err.date_order");
        }
    }
    UnitInput {
        parent_id,
        group_id,
        code,
        name,
        kind: kind.to_string(),
        address,
        effective_from: effective_from.unwrap_or_default(),
        effective_to,
    }
}

/// Creates a unit (no `id`) or edits one.
#[server(endpoint = "units/save")]
#[allow(clippy::too_many_arguments)]
pub async fn save_unit(
    id: Option<String>,
    parent_id: String,
    group_id: String,
    code: String,
    name: String,
    kind: String,
    address: String,
    effective_from: String,
    effective_to: String,
) -> Result<(), ServerFnError> {
    let values = [
        ("parent_id", parent_id.clone()),
        ("group_id", group_id.clone()),
        ("code", code.clone()),
        ("name", name.clone()),
        ("kind", kind.clone()),
        ("address", address.clone()),
        ("effective_from", effective_from.clone()),
        ("effective_to", effective_to.clone()),
    ];
    finish("unit", &values, "/admin/units", |cx| async move {
        let user = cx.user()?.clone();
        let mut errs = Errors::default();
        let input = parse_unit(
            &mut errs,
            &parent_id,
            &group_id,
            &code,
            &name,
            &kind,
            &address,
            &effective_from,
            &effective_to,
        );
        errs.check()?;
        // The new parent must be inside the admin's scope; so must the unit being edited.
        let parent = units::get(cx.db(), input.parent_id.unwrap_or_default()).await?;
        cx.require(Permission::ManageUnits, Some(&parent.unit_path()))?;
        let existing = match id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => {
                let uid = s.parse::<i64>().map_err(|_| Fail::Msg("err.bad_request"))?;
                let unit = units::get(cx.db(), uid).await?;
                cx.require(Permission::ManageUnits, Some(&unit.unit_path()))?;
                if unit.parent_id.is_none() {
                    return Err(Fail::Msg("err.unit_root"));
                }
                Some(uid)
            }
            None => None,
        };
        let mut tx = cx.db().begin().await?;
        let result = match existing {
            Some(uid) => units::update(&mut tx, Some(user.id), uid, &input)
                .await
                .map(|_| uid),
            None => units::create(&mut tx, Some(user.id), &input).await,
        };
        let uid = result?;
        tx.commit().await?;
        Ok(Done::to(format!("/admin/units/{uid}"))
            .with(Flash::ok("flash.unit_saved").arg("name", input.name)))
    })
    .await
}

/// Merges the chosen units into a new successor in one action (a single predecessor is a
/// succession: a rename or a re-founding). The form sends one checkbox per unit, named
/// `predecessors[i]`.
#[server(endpoint = "units/merge")]
#[allow(clippy::too_many_arguments)]
pub async fn merge_units(
    predecessors: Option<Vec<String>>,
    parent_id: String,
    group_id: String,
    code: String,
    name: String,
    kind: String,
    address: String,
    effective_from: String,
    move_staff: Option<String>,
    note: String,
) -> Result<(), ServerFnError> {
    let preds_raw = predecessors.unwrap_or_default().join(",");
    let values = [
        ("predecessors", preds_raw.clone()),
        ("parent_id", parent_id.clone()),
        ("group_id", group_id.clone()),
        ("code", code.clone()),
        ("name", name.clone()),
        ("kind", kind.clone()),
        ("address", address.clone()),
        ("effective_from", effective_from.clone()),
        ("move_staff", move_staff.clone().unwrap_or_default()),
        ("note", note.clone()),
    ];
    finish("merge", &values, "/admin/units/merge", |cx| async move {
        let user = cx.user()?.clone();
        let mut errs = Errors::default();
        let input = parse_unit(
            &mut errs,
            &parent_id,
            &group_id,
            &code,
            &name,
            &kind,
            &address,
            &effective_from,
            "",
        );
        let note = errs.take("note", validate::optional_text(&note, 300));
        let preds: Vec<i64> = preds_raw
            .split(',')
            .filter_map(|s| s.trim().parse().ok())
            .collect();
        if preds.is_empty() {
            errs.add("predecessors", "err.merge_none");
        }
        errs.check()?;
        let parent = units::get(cx.db(), input.parent_id.unwrap_or_default()).await?;
        cx.require(Permission::ManageUnits, Some(&parent.unit_path()))?;
        for p in &preds {
            let u = units::get(cx.db(), *p).await?;
            cx.require(Permission::ManageUnits, Some(&u.unit_path()))?;
            if u.parent_id.is_none() {
                return Err(Fail::Msg("err.unit_root"));
            }
        }
        let mut tx = cx.db().begin().await?;
        let new_id = units::merge(
            &mut tx,
            Some(user.id),
            &preds,
            &input,
            move_staff.is_some(),
            &note,
        )
        .await?;
        tx.commit().await?;
        Ok(Done::to(format!("/admin/units/{new_id}"))
            .with(Flash::ok("flash.units_merged").arg("name", input.name)))
    })
    .await
}

/// What the administrator reads when a unit is refused (the i18n key is chosen here, at the edge).
impl From<UnitError> for Fail {
    fn from(e: UnitError) -> Self {
        match e {
            UnitError::Cycle => Fail::Msg("err.unit_cycle"),
            UnitError::Root => Fail::Msg("err.unit_root"),
            UnitError::CodeTaken(_) => Fail::Invalid(vec![("code", "err.code_taken")]),
            UnitError::NoPredecessor => Fail::Msg("err.merge_none"),
            UnitError::BadDate => Fail::Invalid(vec![("effective_from", "err.date_format")]),
            UnitError::NotInForce => Fail::Msg("err.merge_not_in_force"),
            UnitError::Db(e) => e.into(),
        }
    }
}
