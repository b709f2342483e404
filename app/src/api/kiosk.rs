//! The kiosk's two posts: the face, then (optionally) the five elements and a comment.
//! Neither needs a session: the kiosk is known by its device-token cookie.

use crate::db::ratings::{KioskClient, NewRating, SaveError};
use crate::domain::rating::{kiosk_answers, kiosk_comment, kiosk_nonce, kiosk_score, Channel};
use crate::state::AppState;
use axum::http::request::Parts;
use leptos::prelude::*;
use std::collections::HashMap;

use crate::device::{current_kiosk, device_cookie, kiosk_key, rating_sig};

fn context() -> Option<(AppState, Parts)> {
    Some((use_context::<AppState>()?, use_context::<Parts>()?))
}

/// Saves a kiosk rating (the face tapped). Answers once it is committed: to the thank-you page,
/// or back to the faces with "not saved" when it could not be saved. `age` is how long the
/// answer waited in the kiosk's offline queue (milliseconds, by the kiosk's clock): the kiosk
/// rules judge it at that earlier time, within limits; it is stored under the server's time.
#[server(endpoint = "kiosk/rate")]
pub async fn kiosk_rate(
    score: String,
    nonce: Option<String>,
    age: Option<String>,
) -> Result<(), ServerFnError> {
    let Some((state, parts)) = context() else {
        leptos_axum::redirect("/kiosk?e=1");
        return Ok(());
    };
    let kiosk = match current_kiosk(&state, &parts.headers).await {
        Ok(Some(k)) => k,
        Ok(None) => {
            leptos_axum::redirect("/kiosk");
            return Ok(());
        }
        Err(e) => {
            tracing::warn!(error = %e, "kiosk lookup failed");
            leptos_axum::redirect("/kiosk?e=1");
            return Ok(());
        }
    };
    let score = kiosk_score(&score, kiosk.faces);
    let Some(score) = score else {
        leptos_axum::redirect("/kiosk?e=1");
        return Ok(());
    };
    let instrument = match state.instrument(crate::db::sipas::CODE).await {
        Ok(i) => i,
        Err(e) => {
            tracing::error!(error = %e, "no published instrument");
            leptos_axum::redirect("/kiosk?e=1");
            return Ok(());
        }
    };
    let mut r = NewRating::new(kiosk.unit_id, instrument.id(), Channel::Kiosk, score);
    r.faces = Some(kiosk.faces);
    r.counter_id = Some(kiosk.counter_id);
    r.kiosk_id = Some(kiosk.id);
    r.client_nonce = nonce.as_deref().and_then(kiosk_nonce);
    r.client = Some(KioskClient {
        key: kiosk_key(&parts.headers),
        addr: crate::middleware::client_ip(
            &parts.headers,
            &parts.extensions,
            state.config.trust_proxy,
        ),
        age_ms: age
            .as_deref()
            .and_then(|a| a.trim().parse::<i64>().ok())
            // Sent within two seconds of the touch: a live answer, judged at the server's time.
            .filter(|a| *a >= 2000),
    });
    match state.ratings.save(r).await {
        Ok(saved) => {
            if let Some(key) = &saved.kiosk_key {
                if let (Some(res), Ok(v)) = (
                    use_context::<leptos_axum::ResponseOptions>(),
                    axum::http::HeaderValue::from_str(&device_cookie(&state, key)),
                ) {
                    res.append_header(axum::http::header::SET_COOKIE, v);
                }
            }
            let sig = rating_sig(&state, saved.id, kiosk.id);
            leptos_axum::redirect(&format!("/kiosk/thanks?r={}&s={sig}", saved.id));
        }
        Err(e @ (SaveError::LinkUsed | SaveError::Stopped | SaveError::Db(_))) => {
            tracing::error!(kiosk = kiosk.id, error = %e, "kiosk rating not saved");
            leptos_axum::redirect("/kiosk?e=1");
        }
    }
    Ok(())
}

/// Adds the optional second step to the rating just made on this kiosk. `cid` is the client id
/// the thank-you page gave this second step: kiosk.js queues it while the network is down and
/// sends it again until it is confirmed, and the same id is saved once however often it arrives.
/// Every answer is a redirect (never an error page, also without JavaScript): to the last screen,
/// with `?e=1` when it could not be saved now and may be sent again.
#[server(endpoint = "kiosk/details")]
pub async fn kiosk_details(
    r: Option<String>,
    s: Option<String>,
    cid: Option<String>,
    age: Option<String>,
    answers: Option<HashMap<String, String>>,
    comment: Option<String>,
) -> Result<(), ServerFnError> {
    let Some((state, parts)) = context() else {
        leptos_axum::redirect("/kiosk");
        return Ok(());
    };
    let kiosk = match current_kiosk(&state, &parts.headers).await {
        Ok(Some(k)) => k,
        Ok(None) => {
            leptos_axum::redirect("/kiosk");
            return Ok(());
        }
        Err(e) => {
            tracing::warn!(error = %e, "kiosk lookup failed");
            leptos_axum::redirect("/kiosk/done?e=1");
            return Ok(());
        }
    };
    let rid = r
        .as_deref()
        .unwrap_or("")
        .trim()
        .parse::<i64>()
        .unwrap_or(0);
    if rid <= 0
        || !crate::sign::verify(
            &state.config.secret,
            &format!("kiosk-rating:{rid}:{}", kiosk.id),
            s.as_deref().unwrap_or("").trim(),
        )
    {
        leptos_axum::redirect("/kiosk");
        return Ok(());
    }
    let instrument = match state.instrument(crate::db::sipas::CODE).await {
        Ok(i) => i,
        Err(e) => {
            tracing::error!(error = %e, "no published instrument");
            leptos_axum::redirect("/kiosk/done?e=1");
            return Ok(());
        }
    };
    let list = kiosk_answers(
        answers
            .iter()
            .flatten()
            .map(|(k, v)| (k.as_str(), v.as_str())),
        kiosk.faces,
        |eid| instrument.elements.iter().any(|(e, _)| e.id == eid),
    );
    let comment = kiosk_comment(&comment.unwrap_or_default());
    let cid = cid.as_deref().and_then(kiosk_nonce);
    let mut to = "/kiosk/done";
    if !list.is_empty() || !comment.is_empty() {
        use crate::db::ratings::DetailsError;
        match crate::db::ratings::add_kiosk_details(
            &state.db,
            rid,
            kiosk.id,
            cid.as_deref(),
            // How long kiosk.js kept it in its offline queue (milliseconds; 0 when sent live).
            chrono::Duration::milliseconds(
                age.as_deref()
                    .and_then(|a| a.trim().parse::<i64>().ok())
                    .unwrap_or(0),
            ),
            &list,
            &comment,
        )
        .await
        {
            Ok(saved) => {
                tracing::debug!(kiosk = kiosk.id, rating = rid, ?saved, "kiosk details")
            }
            Err(e @ (DetailsError::NotFound | DetailsError::Late | DetailsError::Done)) => {
                tracing::info!(kiosk = kiosk.id, rating = rid, error = %e, "kiosk details refused")
            }
            Err(DetailsError::Db(e)) => {
                tracing::error!(kiosk = kiosk.id, rating = rid, error = %e, "kiosk details not saved");
                to = "/kiosk/done?e=1";
            }
        }
    }
    leptos_axum::redirect(to);
    Ok(())
}
