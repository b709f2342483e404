//! Counters and kiosks: create a counter, register a kiosk (its device token is shown once),
//! change it, renew its token.

use super::{finish, Done, Errors, Fail};
use crate::ctx::Flash;
use crate::db::{kiosks, units};
use crate::domain::{validate, Permission};
use leptos::prelude::*;

/// Adds a counter (quầy) to a unit.
#[server(endpoint = "counters/create")]
pub async fn create_counter(
    unit_id: String,
    name: String,
    location: String,
) -> Result<(), ServerFnError> {
    let values = [
        ("unit_id", unit_id.clone()),
        ("name", name.clone()),
        ("location", location.clone()),
    ];
    finish("counter", &values, "/admin/kiosks", |cx| async move {
        let mut errs = Errors::default();
        let uid = errs.take("unit_id", validate::pick_id(&unit_id));
        let name = errs.take("name", validate::required_text(&name, 120));
        let location = errs.take("location", validate::optional_text(&location, 200));
        errs.check()?;
        let unit = units::get(cx.db(), uid).await?;
        let user = cx
            .require(Permission::ManageKiosks, Some(&unit.unit_path()))?
            .clone();
        let mut tx = cx.db().begin().await?;
        kiosks::create_counter(&mut tx, Some(user.id), uid, &name, &location).await?;
        tx.commit().await?;
        Ok(Done::to(format!("/admin/units/{uid}"))
            .with(Flash::ok("flash.counter_saved").arg("name", name)))
    })
    .await
}

fn parse_faces(s: &str) -> Result<i32, &'static str> {
    match s.trim() {
        "3" => Ok(3),
        "4" => Ok(4),
        "5" => Ok(5),
        _ => Err("err.faces"),
    }
}

/// Registers a kiosk on a counter; the page that follows shows its device token once.
#[server(endpoint = "kiosks/register")]
pub async fn register_kiosk(
    counter_id: String,
    name: String,
    faces: String,
) -> Result<(), ServerFnError> {
    let values = [
        ("counter_id", counter_id.clone()),
        ("name", name.clone()),
        ("faces", faces.clone()),
    ];
    finish("kiosk", &values, "/admin/kiosks/new", |cx| async move {
        let mut errs = Errors::default();
        let cid = errs.take("counter_id", validate::pick_id(&counter_id));
        let name = errs.take("name", validate::required_text(&name, 120));
        let faces = errs.take("faces", parse_faces(&faces));
        errs.check()?;
        let counter = kiosks::counter(cx.db(), cid).await?;
        let unit = units::get(cx.db(), counter.unit_id).await?;
        let user = cx
            .require(Permission::ManageKiosks, Some(&unit.unit_path()))?
            .clone();
        let mut tx = cx.db().begin().await?;
        let (kid, token) = kiosks::register(&mut tx, Some(user.id), cid, &name, faces).await?;
        tx.commit().await?;
        Ok(Done::to(format!("/admin/kiosks/{kid}")).with(
            Flash::ok("flash.kiosk_registered")
                .arg("name", name)
                .extra(serde_json::json!({ "token": token })),
        ))
    })
    .await
}

/// Changes a kiosk's name, number of faces and whether it is in service.
#[server(endpoint = "kiosks/update")]
pub async fn update_kiosk(
    id: String,
    name: String,
    faces: String,
    active: Option<String>,
    ask_details: Option<String>,
) -> Result<(), ServerFnError> {
    let values = [
        ("name", name.clone()),
        ("faces", faces.clone()),
        ("active", active.clone().unwrap_or_default()),
        ("ask_details", ask_details.clone().unwrap_or_default()),
    ];
    finish("kiosk_edit", &values, "/admin/kiosks", |cx| async move {
        let mut errs = Errors::default();
        let kid = errs.take("id", validate::pick_id(&id));
        let name = errs.take("name", validate::required_text(&name, 120));
        let faces = errs.take("faces", parse_faces(&faces));
        errs.check()?;
        let k = kiosks::kiosk(cx.db(), kid).await?;
        let path = crate::domain::UnitPath::parse(&k.unit_path).ok_or(Fail::Msg("err.internal"))?;
        let user = cx.require(Permission::ManageKiosks, Some(&path))?.clone();
        let mut tx = cx.db().begin().await?;
        kiosks::update_kiosk(
            &mut tx,
            Some(user.id),
            kid,
            &name,
            faces,
            active.is_some(),
            ask_details.is_some(),
        )
        .await?;
        tx.commit().await?;
        cx.state.kiosks.clear();
        cx.state.kiosk_pages.clear();
        Ok(Done::to(format!("/admin/kiosks/{kid}"))
            .with(Flash::ok("flash.kiosk_saved").arg("name", name)))
    })
    .await
}

/// Issues a new device token for a kiosk; the old one stops working at once.
#[server(endpoint = "kiosks/renew")]
pub async fn renew_kiosk_token(id: String) -> Result<(), ServerFnError> {
    finish("kiosk_renew", &[], "/admin/kiosks", |cx| async move {
        let kid = validate::pick_id(&id).map_err(Fail::Msg)?;
        let k = kiosks::kiosk(cx.db(), kid).await?;
        let path = crate::domain::UnitPath::parse(&k.unit_path).ok_or(Fail::Msg("err.internal"))?;
        let user = cx.require(Permission::ManageKiosks, Some(&path))?.clone();
        let mut tx = cx.db().begin().await?;
        let token = kiosks::renew_token(&mut tx, Some(user.id), kid).await?;
        tx.commit().await?;
        cx.state.kiosks.clear();
        cx.state.kiosk_pages.clear();
        Ok(Done::to(format!("/admin/kiosks/{kid}")).with(
            Flash::ok("flash.kiosk_token_renewed")
                .arg("name", k.name)
                .extra(serde_json::json!({ "token": token })),
        ))
    })
    .await
}

/// Marks a kiosk alert reviewed.
#[server(endpoint = "kiosks/alert-seen")]
pub async fn kiosk_alert_seen(id: String) -> Result<(), ServerFnError> {
    finish("kiosk_alert", &[], "/admin/kiosks", |cx| async move {
        let aid = validate::pick_id(&id).map_err(Fail::Msg)?;
        let a = kiosks::alert(cx.db(), aid).await?;
        let path = crate::domain::UnitPath::parse(&a.unit_path).ok_or(Fail::Msg("err.internal"))?;
        let user = cx.require(Permission::ManageKiosks, Some(&path))?.clone();
        let mut tx = cx.db().begin().await?;
        kiosks::mark_alert_seen(&mut tx, user.id, aid).await?;
        tx.commit().await?;
        Ok(Done::to("/admin/kiosks#alerts").with(Flash::ok("flash.kiosk_alert_seen")))
    })
    .await
}

/// Releases the day a kiosk alert held for review: its answers held for the review count again.
#[server(endpoint = "kiosks/release-day")]
pub async fn kiosk_release_day(id: String) -> Result<(), ServerFnError> {
    finish("kiosk_alert", &[], "/admin/kiosks", |cx| async move {
        let aid = validate::pick_id(&id).map_err(Fail::Msg)?;
        let a = kiosks::alert(cx.db(), aid).await?;
        let path = crate::domain::UnitPath::parse(&a.unit_path).ok_or(Fail::Msg("err.internal"))?;
        cx.require(Permission::ManageKiosks, Some(&path))?;
        let user = cx
            .require(Permission::ModerateRatings, Some(&path))?
            .clone();
        let (Some(day), "day_held") = (a.day, a.kind.as_str()) else {
            return Err(Fail::Msg("err.kiosk_not_held"));
        };
        let n = crate::db::ratings::release_kiosk_day(cx.db(), user.id, a.kiosk_id, day).await?;
        let mut tx = cx.db().begin().await?;
        if a.seen_at.is_none() {
            kiosks::mark_alert_seen(&mut tx, user.id, aid).await?;
        }
        tx.commit().await?;
        Ok(Done::to("/admin/kiosks#alerts").with(
            Flash::ok("flash.kiosk_day_released")
                .arg("n", n.to_string())
                .arg("name", a.kiosk_name),
        ))
    })
    .await
}
