//! The phone survey's posts: the answers, and the lookup by dossier code and phone number.

use super::{finish, Done, Errors, Fail};
use crate::db::dossiers;
use crate::db::ratings::{NewRating, SaveError};
use crate::domain::rating::{Channel, Score};
use crate::domain::validate;
use crate::survey::{link_state, LinkState};
use leptos::prelude::*;
use std::collections::HashMap;

/// Saves a survey answer given through a one-time link. The link is marked used in the same
/// transaction, so a second answer is refused with a clear message.
#[server(endpoint = "survey/submit")]
pub async fn survey_submit(
    token: String,
    via: Option<String>,
    overall: Option<String>,
    answers: Option<HashMap<String, String>>,
    comment: Option<String>,
) -> Result<(), ServerFnError> {
    let answers = answers.unwrap_or_default();
    let mut values: Vec<(String, String)> = vec![
        ("overall".into(), overall.clone().unwrap_or_default()),
        ("comment".into(), comment.clone().unwrap_or_default()),
    ];
    values.extend(
        answers
            .iter()
            .map(|(k, v)| (format!("answers[{k}]"), v.clone())),
    );
    let values: Vec<(&str, String)> = values
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    let back = format!("/s/{}", token.trim());
    finish("survey", &values, &back, |cx| async move {
        let link = match link_state(cx.db(), token.trim()).await? {
            LinkState::Open(l) => l,
            LinkState::Used(_) => return Err(Fail::Msg("survey.used_text")),
            LinkState::Expired(_) => return Err(Fail::Msg("survey.expired_short")),
            LinkState::Unknown => return Err(Fail::Msg("survey.unknown_text")),
        };
        let (score, comment) =
            overall_and_comment(overall.as_deref(), &comment.unwrap_or_default())?;
        let instrument = cx.state.instrument(crate::db::sipas::CODE).await?;
        let mut list = Vec::new();
        for (k, v) in &answers {
            let (Ok(cid), Some(s)) = (k.parse::<i64>(), Score::parse(v)) else {
                continue;
            };
            if let Some(eid) = instrument.element_of(cid) {
                list.push((eid, Some(cid), s.get()));
            }
        }
        list.sort();
        let channel = if via.as_deref() == Some("web") {
            Channel::Web
        } else {
            Channel::SmsLink
        };
        let mut r = NewRating::new(link.unit_id, instrument.id(), channel, score.get());
        r.procedure_id = link.procedure_id;
        r.counter_id = link.counter_id;
        r.dossier_id = Some(link.dossier_id);
        r.answers = list;
        r.comment = comment;
        r.survey_link_id = Some(link.id);
        match cx.state.ratings.save(r).await {
            Ok(_) => Ok(Done::to("/s/done")),
            Err(SaveError::LinkUsed) => Err(Fail::Msg("survey.used_text")),
            Err(e) => {
                tracing::error!(error = %e, "survey answer not saved");
                Err(Fail::Msg("survey.not_saved"))
            }
        }
    })
    .await
}

/// The overall score every survey requires and its optional one-line comment, checked; errors
/// go back to the form under their fields.
pub(crate) fn overall_and_comment(
    overall: Option<&str>,
    comment: &str,
) -> Result<(Score, String), Fail> {
    crate::domain::rating::survey_answer(overall, comment).map_err(Fail::Invalid)
}

/// Finds a dossier by its code and the citizen's phone number and opens its survey.
#[server(endpoint = "survey/find")]
pub async fn survey_find(code: String, phone: String) -> Result<(), ServerFnError> {
    let values = [("code", code.clone()), ("phone", phone.clone())];
    finish("survey_find", &values, "/survey", |cx| async move {
        let mut errs = Errors::default();
        let code = errs.take("code", validate::required_text(&code, 60));
        let phone = errs.take("phone", validate::phone(&phone));
        errs.check()?;
        let hash = crate::survey::phone_hash(&cx.state.config, &phone);
        let Some(id) = dossiers::find_by_code_and_phone(cx.db(), code.trim(), &hash).await? else {
            return Err(Fail::Msg("survey_find.not_found"));
        };
        let token = crate::survey::token(&cx.state.config, id);
        Ok(Done::to(format!("/s/{token}?via=web")))
    })
    .await
}
