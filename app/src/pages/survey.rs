//! The phone survey after a dossier: the one-time link (`/s/<token>`, from the receipt's QR
//! code or a text message), the lookup by dossier code and phone number, the QR images.

use super::PageResult;
use crate::components::faces::face;
use crate::components::form::{hidden, input};
use crate::components::layout::{fmt_date, page_head};
use crate::ctx::Ctx;
use crate::error::AppError;
use crate::i18n::{t, tf, Lang};
use crate::survey::{link_state, LinkState};
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use leptos::prelude::*;

pub fn message_page(ctx: &Ctx, status: StatusCode, title_key: &str, text: String) -> Response {
    let title = ctx.lang.t(title_key);
    ctx.render_status(status, &title.clone(), move || {
        view! {
            <div class="error-page">
                {page_head(title, Some(text))}
                <a class="btn btn-primary" href="/">{t("error.home")}</a>
            </div>
        }
    })
}

pub async fn survey_page(ctx: Ctx, Path(token): Path<String>) -> PageResult {
    let link = match link_state(ctx.db(), &token).await? {
        LinkState::Open(l) => l,
        LinkState::Used(_) => {
            let text = ctx.lang.t("survey.used_text");
            return Ok(message_page(
                &ctx,
                StatusCode::GONE,
                "survey.used_title",
                text,
            ));
        }
        LinkState::Expired(l) => {
            let local = l
                .expires_at
                .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
                .date_naive();
            let text = ctx
                .lang
                .tf("survey.expired_text", &[("date", &fmt_date(local))]);
            return Ok(message_page(
                &ctx,
                StatusCode::GONE,
                "survey.expired_title",
                text,
            ));
        }
        LinkState::Unknown => {
            let text = ctx.lang.t("survey.unknown_text");
            return Ok(message_page(
                &ctx,
                StatusCode::NOT_FOUND,
                "survey.unknown_title",
                text,
            ));
        }
    };
    let instrument = ctx.state.instrument(crate::db::sipas::CODE).await?;
    let f = ctx.form("survey");
    let lang = ctx.lang;
    let via = ctx.q("via");
    Ok(ctx.render(&lang.t("survey.title"), move || {
        let comment = f.value("comment", "");
        view! {
            {page_head(t("survey.title"), Some(tf("survey.lead", &[("unit", &link.unit_name)])))}
            <section class="card survey-about">
                <dl class="facts">
                    <dt>{t("survey.dossier")}</dt><dd>{link.dossier_code.clone()}</dd>
                    {link.procedure_name.clone().map(|p| view! { <dt>{t("procedure.name")}</dt><dd>{p}</dd> })}
                    <dt>{t("survey.unit")}</dt><dd>{link.unit_name.clone()}</dd>
                </dl>
            </section>
            <form class="form survey" method="post" action="/api/survey/submit">
                {hidden("token", token.clone())}
                {hidden("via", via.clone())}
                {overall_scale(&f, "survey.overall")}
                <p class="hint">{t("survey.details_hint")}</p>
                {instrument.elements.iter().map(|(e, cs)| {
                    let ename = if lang == Lang::En { e.name_en.clone() } else { e.name_vi.clone() };
                    view! {
                        <fieldset class="element">
                            <legend>{ename}</legend>
                            {cs.iter().map(|c| {
                                let text = if lang == Lang::En { c.text_en.clone() } else { c.text_vi.clone() };
                                let name = format!("answers[{}]", c.id);
                                let chosen = f.value(&name, "");
                                let label = text.clone();
                                view! {
                                    <div class="criterion" role="radiogroup" aria-label=label>
                                        <p class="criterion-text">{text}</p>
                                        <div class="scale-row">
                                            {(1..=5).map(|s| {
                                                let id = format!("c{}-{s}", c.id);
                                                let checked = chosen == s.to_string();
                                                view! {
                                                    <input type="radio" id=id.clone() name=name.clone() value=s.to_string() checked=checked/>
                                                    <label for=id class=format!("scale-option face-{s}") title=t(&format!("scale.{s}"))>
                                                        <span class="scale-num">{s}</span>
                                                        <span class="scale-word">{t(&format!("scale.{s}"))}</span>
                                                    </label>
                                                }
                                            }).collect_view()}
                                        </div>
                                    </div>
                                }
                            }).collect_view()}
                        </fieldset>
                    }
                }).collect_view()}
                <div class="field">
                    <label for="f-comment">{t("survey.comment")}</label>
                    <textarea id="f-comment" name="comment" maxlength="1000" rows="4">{crate::components::form::textarea_text(&comment)}</textarea>
                    <p class="hint">{t("survey.comment_hint")}</p>
                </div>
                <div class="actions"><button class="btn btn-primary btn-big" type="submit">{t("survey.submit")}</button></div>
            </form>
        }
    }))
}

/// The one required question of every survey: the overall 1–5 faces, asked with the question
/// `question` (an i18n key: the service, or a dialogue session). The scale runs from 1 to 5 here
/// as in the criteria below it and on the kiosk, so a citizen never meets it reversed.
pub fn overall_scale(f: &crate::ctx::FormView, question: &'static str) -> impl IntoView {
    let overall = f.value("overall", "");
    let overall_err = f.error("overall");
    let overall_class = if overall_err.is_some() {
        "overall has-error"
    } else {
        "overall"
    };
    view! {
        <fieldset class=overall_class>
            <legend>{t(question)} " *"</legend>
            {overall_err.map(|e| view! { <p class="error-text">{e}</p> })}
            <div class="overall-options">
                {(1..=5).map(|s| {
                    let id = format!("overall-{s}");
                    let checked = overall == s.to_string();
                    view! {
                        <input type="radio" id=id.clone() name="overall" value=s.to_string() checked=checked/>
                        <label for=id class=format!("overall-option face-{s}")>{face(s)}<span>{t(&format!("scale.{s}"))}</span></label>
                    }
                }).collect_view()}
            </div>
        </fieldset>
    }
}

pub async fn survey_done(ctx: Ctx) -> PageResult {
    Ok(ctx.render(&ctx.lang.t("survey.thanks_title"), || {
        view! {
            <div class="error-page">
                <span class="done-face">{face(5)}</span>
                {page_head(t("survey.thanks_title"), Some(t("survey.thanks_text")))}
                <a class="btn btn-primary" href="/">{t("error.home")}</a>
            </div>
        }
    }))
}

/// `GET /survey`: reach a dossier's survey with its code and the phone number given at the counter.
pub async fn survey_lookup(ctx: Ctx) -> PageResult {
    let f = ctx.form("survey_find");
    Ok(ctx.render(&ctx.lang.t("survey_find.title"), move || {
        view! {
            {page_head(t("survey_find.title"), Some(t("survey_find.lead")))}
            <section class="card narrow">
                <form class="form" method="post" action="/api/survey/find">
                    {input(&f, "code", "survey_find.code", "text", "", true, Some(t("survey_find.code_hint")))}
                    {input(&f, "phone", "survey_find.phone", "tel", "", true, Some(t("survey_find.phone_hint")))}
                    <div class="actions"><button class="btn btn-primary" type="submit">{t("survey_find.submit")}</button></div>
                </form>
            </section>
        }
    }))
}

fn qr_target(state: &crate::state::AppState, token: &str) -> Result<String, AppError> {
    if !crate::survey::is_token(token) {
        return Err(AppError::NotFound);
    }
    Ok(crate::survey::url(&state.config, token))
}

pub async fn qr_svg(
    State(state): State<crate::state::AppState>,
    Path(token): Path<String>,
) -> PageResult {
    let url = qr_target(&state, &token)?;
    let svg = crate::components::qr::svg(&url).ok_or(AppError::Internal("qr".into()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        svg,
    )
        .into_response())
}

pub async fn qr_png(
    State(state): State<crate::state::AppState>,
    Path(token): Path<String>,
) -> PageResult {
    let url = qr_target(&state, &token)?;
    let png = crate::components::qr::png(&url, 6).ok_or(AppError::Internal("qr".into()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        png,
    )
        .into_response())
}
