//! Survey instruments: start a new version, edit a draft, publish it.

use super::{finish, Done, Errors, Fail};
use crate::ctx::Flash;
use crate::db::instruments;
use crate::domain::{validate, Permission};
use leptos::prelude::*;

#[server(endpoint = "instruments/draft")]
pub async fn instrument_draft(code: String) -> Result<(), ServerFnError> {
    finish("instrument", &[], "/admin/instruments", |cx| async move {
        let user = cx.require(Permission::ManageInstruments, None)?.clone();
        let id = instruments::new_draft(cx.db(), Some(user.id), code.trim()).await?;
        Ok(Done::to(format!("/admin/instruments/{id}")).with(Flash::ok("flash.instrument_draft")))
    })
    .await
}

#[server(endpoint = "instruments/criterion")]
pub async fn instrument_edit_criterion(
    instrument_id: String,
    criterion_id: String,
    text_vi: String,
    text_en: String,
) -> Result<(), ServerFnError> {
    let back = format!("/admin/instruments/{}", instrument_id.trim());
    finish("criterion", &[], &back.clone(), |cx| async move {
        let user = cx.require(Permission::ManageInstruments, None)?.clone();
        let mut errs = Errors::default();
        let iid = errs.take("instrument_id", validate::pick_id(&instrument_id));
        let cid = errs.take("criterion_id", validate::pick_id(&criterion_id));
        let vi = errs.take("text_vi", validate::required_text(&text_vi, 300));
        let en = errs.take("text_en", validate::required_text(&text_en, 300));
        errs.check()?;
        instruments::edit_criterion(cx.db(), Some(user.id), iid, cid, &vi, &en).await?;
        Ok(Done::to(back).with(Flash::ok("flash.instrument_saved")))
    })
    .await
}

#[server(endpoint = "instruments/add-criterion")]
pub async fn instrument_add_criterion(
    instrument_id: String,
    element_id: String,
    code: String,
    text_vi: String,
    text_en: String,
) -> Result<(), ServerFnError> {
    let back = format!("/admin/instruments/{}", instrument_id.trim());
    let values = [
        ("code", code.clone()),
        ("text_vi", text_vi.clone()),
        ("text_en", text_en.clone()),
    ];
    finish("add_criterion", &values, &back.clone(), |cx| async move {
        let user = cx.require(Permission::ManageInstruments, None)?.clone();
        let mut errs = Errors::default();
        let iid = errs.take("instrument_id", validate::pick_id(&instrument_id));
        let eid = errs.take("element_id", validate::pick_id(&element_id));
        let code = errs.take("code", validate::code(&code));
        let vi = errs.take("text_vi", validate::required_text(&text_vi, 300));
        let en = errs.take("text_en", validate::required_text(&text_en, 300));
        errs.check()?;
        instruments::add_criterion(cx.db(), Some(user.id), iid, eid, &code, &vi, &en).await?;
        Ok(Done::to(back).with(Flash::ok("flash.instrument_saved")))
    })
    .await
}

#[server(endpoint = "instruments/remove-criterion")]
pub async fn instrument_remove_criterion(
    instrument_id: String,
    criterion_id: String,
) -> Result<(), ServerFnError> {
    let back = format!("/admin/instruments/{}", instrument_id.trim());
    finish("criterion", &[], &back.clone(), |cx| async move {
        let user = cx.require(Permission::ManageInstruments, None)?.clone();
        let iid = validate::pick_id(&instrument_id).map_err(Fail::Msg)?;
        let cid = validate::pick_id(&criterion_id).map_err(Fail::Msg)?;
        instruments::remove_criterion(cx.db(), Some(user.id), iid, cid).await?;
        Ok(Done::to(back).with(Flash::ok("flash.instrument_saved")))
    })
    .await
}

#[server(endpoint = "instruments/publish")]
pub async fn instrument_publish(instrument_id: String) -> Result<(), ServerFnError> {
    finish("publish", &[], "/admin/instruments", |cx| async move {
        let user = cx.require(Permission::ManageInstruments, None)?.clone();
        let iid = validate::pick_id(&instrument_id).map_err(Fail::Msg)?;
        instruments::publish(cx.db(), Some(user.id), iid).await?;
        cx.state.instruments.clear();
        Ok(Done::to(format!("/admin/instruments/{iid}"))
            .with(Flash::ok("flash.instrument_published")))
    })
    .await
}

/// What the administrator reads when a questionnaire change is refused.
impl From<instruments::InstrumentError> for Fail {
    fn from(e: instruments::InstrumentError) -> Self {
        use instruments::InstrumentError as E;
        match e {
            E::Locked => Fail::Msg("err.instrument_locked"),
            E::Empty => Fail::Msg("err.instrument_empty"),
            E::CodeTaken(_) => Fail::Invalid(vec![("code", "err.code_taken")]),
            E::Db(e) => e.into(),
        }
    }
}
