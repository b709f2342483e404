//! Moderation of ratings: clear a suspicious flag; record a correction (a new record that
//! points at the one it corrects, with the reason and the account; nothing is edited).

use super::{finish, Done, Errors, Fail};
use crate::ctx::Flash;
use crate::db::ratings::{self, NewRating};
use crate::domain::rating::{Channel, Score};
use crate::domain::{validate, Permission, UnitPath};
use leptos::prelude::*;

async fn scope_check(cx: &crate::ctx::Ctx, id: i64) -> Result<i64, Fail> {
    let (_, path) = ratings::unit_of(cx.db(), id).await?;
    let path = UnitPath::parse(&path).ok_or(Fail::Msg("err.internal"))?;
    Ok(cx.require(Permission::ModerateRatings, Some(&path))?.id)
}

#[server(endpoint = "ratings/clear-flag")]
pub async fn clear_flag(id: String) -> Result<(), ServerFnError> {
    finish("clear_flag", &[], "/ratings", |cx| async move {
        let rid = validate::pick_id(&id).map_err(Fail::Msg)?;
        let actor = scope_check(&cx, rid).await?;
        ratings::clear_flag(cx.db(), actor, rid).await?;
        Ok(Done::to("/ratings?flagged=1").with(Flash::ok("flash.flag_cleared")))
    })
    .await
}

#[server(endpoint = "ratings/correct")]
pub async fn correct_rating(
    id: String,
    score: Option<String>,
    reason: String,
) -> Result<(), ServerFnError> {
    let values = [
        ("score", score.clone().unwrap_or_default()),
        ("reason", reason.clone()),
    ];
    finish("correct", &values, "/ratings", |cx| async move {
        let rid = validate::pick_id(&id).map_err(Fail::Msg)?;
        let actor = scope_check(&cx, rid).await?;
        let mut errs = Errors::default();
        let score = errs.take(
            "score",
            score
                .as_deref()
                .and_then(Score::parse)
                .map(Some)
                .ok_or("err.choose"),
        );
        let reason = errs.take("reason", validate::required_text(&reason, 300));
        errs.check()?;
        let Some(score) = score else {
            return Err(Fail::Msg("err.choose"));
        };
        let orig = ratings::get(cx.db(), rid).await?;
        let mut r = NewRating::new(
            orig.unit_id,
            orig.instrument_id,
            Channel::parse(&orig.channel).unwrap_or(Channel::Web),
            score.get(),
        );
        r.faces = orig.faces;
        r.counter_id = orig.counter_id;
        r.kiosk_id = orig.kiosk_id;
        r.procedure_id = orig.procedure_id;
        r.dossier_id = orig.dossier_id;
        r.correction = Some((rid, reason, actor));
        cx.state.ratings.save(r).await.map_err(|e| {
            tracing::error!(error = %e, "correction not saved");
            Fail::Msg("err.internal")
        })?;
        let mut tx = cx.db().begin().await?;
        crate::db::audit::record(
            &mut tx,
            Some(actor),
            "rating.correct",
            "rating",
            Some(rid),
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(Done::to("/ratings").with(Flash::ok("flash.rating_corrected")))
    })
    .await
}
