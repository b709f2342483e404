//! API keys of the systems that send dossiers (the one-stop software).

use super::{finish, Done, Errors, Fail};
use crate::ctx::Flash;
use crate::db::{dossiers, units};
use crate::domain::{validate, Permission, UnitPath};
use leptos::prelude::*;

/// Creates an API key scoped to a unit subtree; the next page shows the key once.
#[server(endpoint = "api-keys/create")]
pub async fn create_api_key(name: String, unit_id: String) -> Result<(), ServerFnError> {
    let values = [("name", name.clone()), ("unit_id", unit_id.clone())];
    finish("api_key", &values, "/admin/api-keys", |cx| async move {
        let mut errs = Errors::default();
        let name = errs.take("name", validate::required_text(&name, 120));
        let uid = errs.take("unit_id", validate::pick_id(&unit_id));
        errs.check()?;
        let unit = units::get(cx.db(), uid).await?;
        let user = cx
            .require(Permission::ManageKiosks, Some(&unit.unit_path()))?
            .clone();
        let mut tx = cx.db().begin().await?;
        let (_, key) = dossiers::create_key(&mut tx, Some(user.id), &name, uid).await?;
        tx.commit().await?;
        Ok(Done::to("/admin/api-keys").with(
            Flash::ok("flash.api_key_created")
                .arg("name", name)
                .extra(serde_json::json!({ "key": key })),
        ))
    })
    .await
}

/// Revokes an API key: the system using it is refused from now on.
#[server(endpoint = "api-keys/revoke")]
pub async fn revoke_api_key(id: String) -> Result<(), ServerFnError> {
    finish("api_key_revoke", &[], "/admin/api-keys", |cx| async move {
        let kid = validate::pick_id(&id).map_err(Fail::Msg)?;
        let k = dossiers::key(cx.db(), kid).await?;
        let path = UnitPath::parse(&k.unit_path).ok_or(Fail::Msg("err.internal"))?;
        let user = cx.require(Permission::ManageKiosks, Some(&path))?.clone();
        let mut tx = cx.db().begin().await?;
        dossiers::revoke_key(&mut tx, Some(user.id), kid).await?;
        tx.commit().await?;
        Ok(
            Done::to("/admin/api-keys")
                .with(Flash::ok("flash.api_key_revoked").arg("name", k.name)),
        )
    })
    .await
}
