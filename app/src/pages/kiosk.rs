//! Kiosk mode at a one-stop counter: a full-screen page of large faces, an optional second step
//! (the five elements and a comment), and a thank-you screen that returns to the start by itself.
//! Works without JavaScript; `kiosk.js` adds retries so that a rating made while the network is
//! down is said plainly to be "not saved yet" and is sent again, never lost silently.

use super::PageResult;
use crate::components::faces::face;
use crate::ctx::{lang_of, parse_query, render_html};
use crate::device::{current_kiosk, device_cookie, KIOSK_COOKIE};
use crate::domain::rating::face_scores;
use crate::i18n::{t, tf, Lang};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Redirect, Response};
use leptos::prelude::*;

/// A kiosk page: its own full-screen document, large type, no site navigation.
fn kiosk_doc(
    lang: Lang,
    title: String,
    refresh: Option<(u32, &'static str)>,
    body: impl IntoView + 'static,
) -> Response {
    kiosk_response(kiosk_html(lang, title, refresh, body).into())
}

fn kiosk_response(html: std::sync::Arc<str>) -> Response {
    let body = axum::body::Body::from(axum::body::Bytes::from_owner(ArcStr(html)));
    let mut res = Html(body).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// Shares a rendered page between responses without copying it.
struct ArcStr(std::sync::Arc<str>);

impl AsRef<[u8]> for ArcStr {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

fn kiosk_html(
    lang: Lang,
    title: String,
    refresh: Option<(u32, &'static str)>,
    body: impl IntoView + 'static,
) -> String {
    let (return_secs, return_to) = match refresh {
        Some((secs, to)) => (Some(secs.to_string()), Some(to)),
        None => (None, None),
    };
    render_html(lang, move || {
        // Without JavaScript the page returns after a fixed time; with it (kiosk.js) the time
        // counts only while nobody touches the screen, so a slow reader is never cut off.
        let refresh = refresh.map(|(secs, to)| {
            view! { <noscript><meta http-equiv="refresh" content=format!("{secs};url={to}")/></noscript> }
        });
        view! {
            <html lang=lang.code()>
                <head>
                    <meta charset="utf-8"/>
                    <meta name="viewport" content="width=device-width, initial-scale=1"/>
                    {refresh}
                    <title>{title}</title>
                    <link rel="stylesheet" href=crate::components::layout::asset("style.css")/>
                    <link rel="stylesheet" href=crate::components::layout::asset("kiosk.css")/>
                </head>
                <body class="kiosk">
                    <main id="main" class="kiosk-main" data-return=return_secs data-return-to=return_to>{body}</main>
                    <script src=crate::components::layout::asset("kiosk.js") defer></script>
                </body>
            </html>
        }
    })
}

fn lang_switch(lang: Lang) -> impl IntoView {
    let other = if lang == Lang::Vi { Lang::En } else { Lang::Vi };
    let label = if other == Lang::En {
        "English"
    } else {
        "Tiếng Việt"
    };
    view! { <a class="kiosk-lang" href=format!("/prefs?lang={}&next=%2Fkiosk", other.code()) lang=other.code()>{label}</a> }
}

/// `GET /kiosk`: the faces, or the set-up form when this browser is not a registered kiosk.
/// `GET /kiosk?token=…` registers this browser as that kiosk (a long-lived cookie) and goes on.
pub async fn kiosk_home(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    extensions: axum::http::Extensions,
) -> PageResult {
    let lang = lang_of(&headers);
    let q = parse_query(uri.query());
    if let Some(tok) = q.get("token").map(|t| t.trim().to_lowercase()) {
        return Ok(match state.kiosk_by_token(&tok).await? {
            Some(kiosk) => {
                // This browser becomes the kiosk's one device: a device key bound now (an
                // earlier device's key stops working, and the administrator is told).
                let addr =
                    crate::middleware::client_ip(&headers, &extensions, state.config.trust_proxy);
                let key = crate::db::kiosks::bind_device(
                    &state.db,
                    &state.config.secret,
                    kiosk.id,
                    &addr,
                )
                .await?;
                let secure = if state.config.secure_cookies {
                    "; Secure"
                } else {
                    ""
                };
                let cookie = format!("{KIOSK_COOKIE}={tok}; Path=/; Max-Age=315360000; HttpOnly; SameSite=Lax{secure}");
                let mut res = Redirect::to("/kiosk").into_response();
                for c in [cookie, device_cookie(&state, &key)] {
                    if let Ok(v) = HeaderValue::from_str(&c) {
                        res.headers_mut().append(header::SET_COOKIE, v);
                    }
                }
                res
            }
            None => setup_page(lang, true),
        });
    }
    let Some(kiosk) = current_kiosk(&state, &headers).await? else {
        return Ok(setup_page(lang, false));
    };
    let not_saved = q.contains_key("e");
    // The faces page is the same for every visit of a kiosk: keep it a few seconds.
    let key = (kiosk.id, lang.code(), not_saved);
    if let Some(html) = state.kiosk_pages.get(&key) {
        return Ok(kiosk_response(html));
    }
    let scores = face_scores(kiosk.faces);
    let faces_class = format!("faces faces-{}", scores.len());
    let html = crate::i18n::with_lang(lang, || {
        kiosk_html(
            lang,
            t("kiosk_page.title"),
            // Faces left in another language go back to Vietnamese for the next visitor.
            (lang != Lang::Vi).then_some((60, "/kiosk/reset")),
            view! {
                <header class="kiosk-head">
                    <span class="kiosk-unit">{kiosk.unit_name.clone()}</span>
                    <span class="kiosk-counter">{kiosk.counter_name.clone()}</span>
                    {lang_switch(lang)}
                </header>
                {not_saved.then(|| view! { <div class="kiosk-alert" role="alert">{t("kiosk_page.not_saved")}</div> })}
                <h1 class="kiosk-question">{t("kiosk_page.question")}</h1>
                <form class=faces_class method="post" action="/api/kiosk/rate" data-kiosk="rate"
                    data-sending=t("kiosk_page.offline_saving") data-offline=t("kiosk_js.offline")
                    data-pending=t("kiosk_js.pending") data-flushed=t("kiosk_js.flushed")>
                    <input type="hidden" name="nonce" value=""/>
                    {scores.iter().map(|s| view! {
                        <button class=format!("face face-{s}") type="submit" name="score" value=s.to_string()>
                            {face(*s)}
                            <span class="face-label">{t(&format!("scale.{s}"))}</span>
                        </button>
                    }).collect_view()}
                </form>
                <p class="kiosk-note">{t("kiosk_page.anonymous")}</p>
                <p class="kiosk-more"><a class="btn btn-secondary btn-big" href="/feedback/new">{t("kiosk_page.feedback")}</a></p>
                <div id="kiosk-status" class="kiosk-status" role="status" aria-live="assertive"></div>
            },
        )
    });
    let html: std::sync::Arc<str> = html.into();
    state.kiosk_pages.put(key, html.clone());
    Ok(kiosk_response(html))
}

fn setup_page(lang: Lang, bad_token: bool) -> Response {
    let mut res = crate::i18n::with_lang(lang, || {
        kiosk_doc(
            lang,
            t("kiosk_setup.title"),
            None,
            view! {
                <section class="kiosk-setup">
                    <h1>{t("kiosk_setup.title")}</h1>
                    <p>{t("kiosk_setup.text")}</p>
                    {bad_token.then(|| view! { <div class="kiosk-alert" role="alert">{t("kiosk_setup.bad_token")}</div> })}
                    <form class="form" method="get" action="/kiosk">
                        <div class="field">
                            <label for="token">{t("kiosk_setup.token")}</label>
                            <input id="token" name="token" type="text" autocomplete="off" required=true/>
                        </div>
                        <div class="actions"><button class="btn btn-primary btn-big" type="submit">{t("kiosk_setup.submit")}</button></div>
                    </form>
                </section>
            },
        )
    });
    if bad_token {
        *res.status_mut() = StatusCode::NOT_FOUND;
    }
    res
}

/// `GET /kiosk/thanks?r=…&s=…`: thanks, and on kiosks that ask it, the optional second step.
pub async fn kiosk_thanks(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
) -> PageResult {
    let lang = lang_of(&headers);
    let q = parse_query(uri.query());
    let Some(kiosk) = current_kiosk(&state, &headers).await? else {
        return Ok(Redirect::to("/kiosk").into_response());
    };
    let rid = q.get("r").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    let sig = q.get("s").cloned().unwrap_or_default();
    let valid = rid > 0
        && crate::sign::verify(
            &state.config.secret,
            &format!("kiosk-rating:{rid}:{}", kiosk.id),
            &sig,
        );
    if !kiosk.ask_details || !valid {
        return Ok(done_page(lang));
    }
    let instrument = state.instrument(crate::db::sipas::CODE).await?;
    let scores = face_scores(kiosk.faces.clamp(3, 5));
    // The client id of this second step: the same however often it is sent (a double tap, the
    // offline queue of kiosk.js), so that it is saved once.
    let cid = hex::encode(rand::random::<[u8; 16]>());
    let elements: Vec<(i64, String)> = instrument
        .elements
        .iter()
        .map(|(e, _)| {
            (
                e.id,
                if lang == Lang::En {
                    e.name_en.clone()
                } else {
                    e.name_vi.clone()
                },
            )
        })
        .collect();
    Ok(crate::i18n::with_lang(lang, || {
        kiosk_doc(
            lang,
            t("kiosk_page.thanks"),
            Some((90, "/kiosk/reset")),
            view! {
                <h1 class="kiosk-thanks">{t("kiosk_page.thanks")}</h1>
                <p class="kiosk-lead">{t("kiosk_page.details_lead")}</p>
                <form class="kiosk-details" method="post" action="/api/kiosk/details" data-kiosk="details"
                    data-queued=t("kiosk_js.details_queued") data-sending=t("kiosk_js.details_sending")>
                    <input type="hidden" name="r" value=rid.to_string()/>
                    <input type="hidden" name="s" value=sig/>
                    <input type="hidden" name="cid" value=cid/>
                    {elements.into_iter().map(|(eid, name)| view! {
                        <fieldset class="element-row">
                            <legend>{name}</legend>
                            <div class="mini-faces">
                                {scores.iter().map(|s| {
                                    let id = format!("e{eid}-{s}");
                                    view! {
                                        <input type="radio" id=id.clone() name=format!("answers[{eid}]") value=s.to_string()/>
                                        <label for=id class=format!("mini-face face-{s}") title=t(&format!("scale.{s}"))>
                                            {face(*s)}<span class="visually-hidden">{t(&format!("scale.{s}"))}</span>
                                        </label>
                                    }
                                }).collect_view()}
                            </div>
                        </fieldset>
                    }).collect_view()}
                    <div class="field">
                        <label for="comment">{t("kiosk_page.comment")}</label>
                        <textarea id="comment" name="comment" maxlength="500" rows="3"></textarea>
                    </div>
                    <div class="kiosk-actions">
                        <button class="btn btn-primary btn-big" type="submit">{t("kiosk_page.send_details")}</button>
                        <a class="btn btn-secondary btn-big" href="/kiosk">{t("kiosk_page.skip")}</a>
                    </div>
                    <p class="kiosk-note">{tf("kiosk_page.return_note", &[("secs", "90")])}</p>
                </form>
                <div id="kiosk-status" class="kiosk-status" role="status" aria-live="assertive"></div>
            },
        )
    }))
}

fn done_page(lang: Lang) -> Response {
    crate::i18n::with_lang(lang, || {
        kiosk_doc(
            lang,
            t("kiosk_page.thanks"),
            Some((4, "/kiosk/reset")),
            view! {
                <div class="kiosk-done">
                    {face(5)}
                    <h1 class="kiosk-thanks">{t("kiosk_page.thanks")}</h1>
                    <p class="kiosk-lead">{t("kiosk_page.saved")}</p>
                    <a class="btn btn-secondary btn-big" href="/kiosk">{t("kiosk_page.back")}</a>
                </div>
            },
        )
    })
}

/// `GET /kiosk/done`: the last screen after the second step (`?e=1`: it could not be saved).
pub async fn kiosk_done(headers: HeaderMap, uri: Uri) -> Response {
    let lang = lang_of(&headers);
    if parse_query(uri.query()).contains_key("e") {
        return details_not_saved(lang);
    }
    done_page(lang)
}

fn details_not_saved(lang: Lang) -> Response {
    crate::i18n::with_lang(lang, || {
        kiosk_doc(
            lang,
            t("kiosk_page.thanks"),
            Some((20, "/kiosk/reset")),
            view! {
                <div class="kiosk-done">
                    <h1 class="kiosk-thanks">{t("kiosk_page.thanks")}</h1>
                    <p class="kiosk-lead">{t("kiosk_page.saved")}</p>
                    <div class="kiosk-alert" role="alert">{t("kiosk_page.details_not_saved")}</div>
                    <a class="btn btn-secondary btn-big" href="/kiosk">{t("kiosk_page.back")}</a>
                </div>
            },
        )
    })
}

/// `GET /kiosk/reset`: where a kiosk goes back to its faces (the idle return and the "back"
/// button of every page opened from it). On a kiosk it forgets the browser's session (what was
/// typed into a form and came back with a message, the cases shown, a member of staff who
/// signed in on it) and gives the next visitor Vietnamese and the ordinary display; then the
/// faces. On any other browser it changes nothing and only goes to `/kiosk`.
pub async fn kiosk_reset(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
) -> Response {
    let mut res = Redirect::to("/kiosk").into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if !matches!(current_kiosk(&state, &headers).await, Ok(Some(_))) {
        return res;
    }
    if let Some(session) = extensions.get::<tower_sessions::Session>() {
        if let Err(e) = session.flush().await {
            tracing::warn!(error = %e, "kiosk session not cleared");
        }
    }
    for c in [
        "lang=vi; Path=/; Max-Age=31536000; SameSite=Lax",
        "fs=; Path=/; Max-Age=0; SameSite=Lax",
        "hc=; Path=/; Max-Age=0; SameSite=Lax",
    ] {
        res.headers_mut()
            .append(header::SET_COOKIE, HeaderValue::from_static(c));
    }
    res
}
