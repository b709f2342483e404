//! The index rules the province administrator sets: PAR-INDEX points and bands with the
//! late-dossier cap, Decision 766 weights, the sample-size margin.

use super::{finish, Done, Fail};
use crate::ctx::Flash;
use crate::db::indices;
use crate::domain::index_rules::IndexRules;
use crate::domain::Permission;
use leptos::prelude::*;

/// Saves the rules; every field is checked and named on error, nothing is saved then.
#[allow(clippy::too_many_arguments)]
#[server(endpoint = "indices/rules")]
pub async fn save_rules(
    par_max_points: String,
    band_excellent: String,
    band_good: String,
    band_fair: String,
    late_cap_pct: String,
    late_cap_band: String,
    w766_on_time: String,
    w766_not_dissatisfied: String,
    w766_dossiers: String,
    margin_pct: String,
    /// Older forms without the field keep the default.
    min_answers: Option<String>,
) -> Result<(), ServerFnError> {
    let min_answers =
        min_answers.unwrap_or_else(|| crate::domain::index::DEFAULT_MIN_ANSWERS.to_string());
    let values = [
        ("par_max_points", par_max_points),
        ("band_excellent", band_excellent),
        ("band_good", band_good),
        ("band_fair", band_fair),
        ("late_cap_pct", late_cap_pct),
        ("late_cap_band", late_cap_band),
        ("w766_on_time", w766_on_time),
        ("w766_not_dissatisfied", w766_not_dissatisfied),
        ("w766_dossiers", w766_dossiers),
        ("margin_pct", margin_pct),
        ("min_answers", min_answers),
    ];
    let typed = values.clone();
    finish("rules", &values, "/admin/index-rules", |cx| async move {
        let user = cx.require(Permission::ManageIndexRules, None)?.clone();
        let rules = IndexRules::from_fields(|k| {
            typed.iter().find(|(n, _)| *n == k).map(|(_, v)| v.as_str())
        })
        .map_err(Fail::Invalid)?;
        let mut tx = cx.db().begin().await?;
        indices::save_rules(&mut tx, Some(user.id), &rules).await?;
        tx.commit().await?;
        Ok(Done::to("/admin/index-rules").with(Flash::ok("idx.flash_rules")))
    })
    .await
}
