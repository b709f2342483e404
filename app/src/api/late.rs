//! Late dossiers (Circular 01/2018/TT-VPCP): the official of the dossier's unit sets the new
//! date promised to the citizen, printed on the apology-and-new-date notice (Form 04).

use super::{finish, Done, Errors, Fail};
use crate::ctx::Flash;
use crate::db::{calendar, journey};
use crate::domain::journey::{check_new_date, local_start};
use crate::domain::{validate, Permission};
use leptos::prelude::*;

/// The longest reason accepted (characters).
pub const MAX_REASON: usize = 500;

/// Invisible characters dropped from a reason (a reason of only these is no reason).
const ZERO_WIDTH: [char; 5] = ['\u{200b}', '\u{200c}', '\u{200d}', '\u{2060}', '\u{feff}'];

/// Sets the new date of a late dossier: a working day after today, with the reason.
#[server(endpoint = "late/new_date")]
pub async fn set_new_date(
    dossier: String,
    new_date: String,
    reason: String,
) -> Result<(), ServerFnError> {
    let values = [("new_date", new_date.clone()), ("reason", reason.clone())];
    let form = format!("late-{}", dossier.trim());
    finish(&form, &values, "/staff/late", |cx| async move {
        cx.require(Permission::HandleDossiers, None)?;
        let id = dossier
            .trim()
            .parse::<i64>()
            .map_err(|_| Fail::Msg("err.bad_request"))?;
        let d = journey::late_one(cx.db(), id).await?;
        let user = cx
            .require(Permission::HandleDossiers, Some(&d.unit_scope()))?
            .clone();
        if d.ready_at_or_done() {
            return Err(Fail::Msg("late.err_not_late"));
        }
        let cal = calendar::load(cx.db()).await?;
        let today = crate::db::today();
        let mut errs = Errors::default();
        let day = errs.take("new_date", validate::date(&new_date).map(Some));
        if let Some(day) = day {
            if let Err(e) = check_new_date(&cal, today, day) {
                errs.add("new_date", e);
            }
        }
        let reason = errs.take(
            "reason",
            validate::required_text(
                &reason
                    .replace(['\r', '\n', '\t'], " ")
                    .replace(ZERO_WIDTH, ""),
                MAX_REASON,
            ),
        );
        errs.check()?;
        let Some(day) = day else {
            return Err(Fail::Msg("err.bad_request"));
        };
        let mut tx = cx.db().begin().await?;
        journey::set_new_date(&mut tx, user.id, &d, local_start(day), &reason).await?;
        tx.commit().await?;
        Ok(Done::to("/staff/late").with(
            Flash::ok("late.flash_new_date")
                .arg("code", d.code.clone())
                .arg("date", crate::components::layout::fmt_date(day)),
        ))
    })
    .await
}
