//! Feedback cases: the citizen's form (web and kiosk) and an official's entry on a citizen's
//! behalf, the lookup by code and phone or e-mail, the citizen's rating of the answer, and each
//! step of handling (assign, classify or forward, answer, approve or send back, close).

use super::{finish, Done, Errors, Fail};
use crate::ctx::{Ctx, Flash};
use crate::db::feedback::{self as fb, ForwardTo, NewCase, NewFile};
use crate::db::{accounts, calendar, procedures, units};
use crate::domain::feedback::{self, Channel, Class, Step};
use crate::domain::{validate, Permission};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::{MultipartData, MultipartFormData};
use std::collections::HashMap;

/// The fields of the case form, read from a multipart body.
#[derive(Default)]
struct Upload {
    fields: HashMap<String, String>,
    files: Vec<NewFile>,
    /// The first problem with the files (an i18n key), reported on the `files` field.
    file_error: Option<&'static str>,
}

/// The largest text field read from the form (the content is limited further by the rules).
const MAX_FIELD_BYTES: usize = 64 * 1024;

async fn read_upload(data: MultipartData) -> Result<Upload, Fail> {
    let mut multipart = data.into_inner().ok_or(Fail::Msg("err.bad_request"))?;
    let mut up = Upload::default();
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => return Err(Fail::Msg("fb.err_upload_failed")),
        };
        let name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().map(str::to_string);
        let limit = if name == "files" {
            feedback::MAX_FILE_BYTES
        } else {
            MAX_FIELD_BYTES
        };
        let mut buf = Vec::new();
        let mut too_big = false;
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    if buf.len() + chunk.len() > limit {
                        too_big = true;
                    } else if !too_big {
                        buf.extend_from_slice(&chunk);
                    }
                }
                Ok(None) => break,
                Err(_) => return Err(Fail::Msg("fb.err_upload_too_big")),
            }
        }
        if name == "files" {
            // A file input left empty still sends an empty part.
            if file_name.as_deref().unwrap_or("").is_empty() && buf.is_empty() {
                continue;
            }
            if up.file_error.is_some() {
                continue;
            }
            if too_big {
                up.file_error = Some("fb.err_file_too_big");
            } else if up.files.len() >= feedback::MAX_FILES {
                up.file_error = Some("fb.err_too_many_files");
            } else {
                match feedback::sniff(&buf) {
                    Some(kind) => up.files.push(NewFile {
                        name: feedback::clean_file_name(file_name.as_deref().unwrap_or(""), kind),
                        kind,
                        bytes: buf,
                    }),
                    None => up.file_error = Some("fb.err_file_type"),
                }
            }
        } else if !too_big {
            up.fields
                .insert(name, String::from_utf8_lossy(&buf).into_owned());
        } else {
            return Err(Fail::Msg("err.too_long"));
        }
    }
    Ok(up)
}

/// The procedure chosen in the form: "code — name" from the list, a bare code, or an exact name.
async fn pick_procedure(cx: &Ctx, typed: &str) -> Result<Option<i64>, Fail> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Ok(None);
    }
    let code = typed.split(['—', ' ']).next().unwrap_or("").trim();
    if let Some(p) = procedures::get_by_code(cx.db(), code).await? {
        return Ok(Some(p.id));
    }
    let (found, _) = procedures::search(cx.db(), typed, None, 2, 0).await?;
    match found.as_slice() {
        [one] => Ok(Some(one.id)),
        _ => Err(Fail::Invalid(vec![("procedure", "fb.err_procedure")])),
    }
}

/// Sends a case: the citizen's form (`mode` absent) or an official's entry (`mode=staff`, with
/// the channel and the day it was received). Attachments are checked on their bytes; when one is
/// refused the form comes back with everything else the visitor typed.
#[server(endpoint = "feedback/submit", input = MultipartFormData)]
pub async fn submit_case(data: MultipartData) -> Result<(), ServerFnError> {
    let up = match read_upload(data).await {
        Ok(up) => up,
        Err(fail) => {
            return finish("case", &[], "/feedback/new", |_| async move { Err(fail) }).await;
        }
    };
    let staff = up.fields.get("mode").map(String::as_str) == Some("staff");
    let keys = [
        "name",
        "phone",
        "email",
        "address",
        "unit_id",
        "procedure",
        "content",
        "consent",
        "channel",
        "received_on",
    ];
    let values: Vec<(&str, String)> = keys
        .iter()
        .map(|k| (*k, up.fields.get(*k).cloned().unwrap_or_default()))
        .collect();
    let fallback = if staff {
        "/feedback/cases/new"
    } else {
        "/feedback/new"
    };
    finish("case", &values, fallback, |cx| async move {
        let f = |k: &str| up.fields.get(k).cloned().unwrap_or_default();
        let user = if staff {
            Some(cx.require(Permission::HandleFeedback, None)?.clone())
        } else {
            None
        };
        let mut errs = Errors::default();
        let input = match feedback::parse_input(
            &f("name"),
            &f("phone"),
            &f("email"),
            &f("address"),
            &f("content"),
            !f("consent").is_empty(),
        ) {
            Ok(i) => Some(i),
            Err(list) => {
                errs.0.extend(list);
                None
            }
        };
        if let Some(key) = up.file_error {
            errs.add("files", key);
        }
        let kiosk = match use_context::<axum::http::request::Parts>() {
            Some(p) if !staff => crate::device::current_kiosk(&cx.state, &p.headers).await?,
            _ => None,
        };
        let today = crate::db::today();
        let (channel, received_on) = match &user {
            Some(_) => {
                let ch = errs.take(
                    "channel",
                    Channel::parse(&f("channel"))
                        .filter(|c| Channel::STAFF.contains(c))
                        .map(Some)
                        .ok_or("err.choose"),
                );
                let day = errs.take("received_on", validate::date(&f("received_on")).map(Some));
                let day = match day {
                    Some(d) if d > today => {
                        errs.add("received_on", "fb.err_future");
                        None
                    }
                    Some(d) if d < today - chrono::Duration::days(366) => {
                        errs.add("received_on", "fb.err_too_old");
                        None
                    }
                    d => d,
                };
                (ch.unwrap_or(Channel::Paper), day.unwrap_or(today))
            }
            None if kiosk.is_some() => (Channel::Kiosk, today),
            None => (Channel::Web, today),
        };
        let procedure_id = match pick_procedure(&cx, &f("procedure")).await {
            Ok(p) => p,
            Err(Fail::Invalid(list)) => {
                errs.0.extend(list);
                None
            }
            Err(e) => return Err(e),
        };
        // The unit: the one chosen, else the kiosk's, else the official's own, else the province.
        let unit_id = match f("unit_id").trim() {
            "" => match (&kiosk, &user) {
                (Some(k), _) => Some(k.unit_id),
                (None, Some(u)) => Some(u.unit_id),
                _ => units::root(cx.db()).await?.map(|u| u.id),
            },
            s => Some(errs.take("unit_id", validate::pick_id(s))),
        };
        errs.check()?;
        let (Some(input), Some(unit_id)) = (input, unit_id) else {
            return Err(Fail::Msg("err.bad_request"));
        };
        let unit = match units::get(cx.db(), unit_id).await {
            Ok(u) if u.in_force_on(today) => u,
            Ok(_) | Err(crate::db::DbError::NotFound) => {
                return Err(Fail::Invalid(vec![("unit_id", "err.choose")]))
            }
            Err(e) => return Err(e.into()),
        };
        if let Some(u) = &user {
            if !u.can(Permission::HandleFeedback, Some(&unit.unit_path())) {
                return Err(Fail::Invalid(vec![("unit_id", "fb.err_unit_scope")]));
            }
        }
        let cal = calendar::load(cx.db()).await?;
        let settings = calendar::feedback_settings(cx.db()).await?;
        let received_at = if received_on == today {
            crate::db::now()
        } else {
            received_on
                .and_hms_opt(8, 0, 0)
                .and_then(|t| t.and_local_timezone(chrono_tz::Asia::Ho_Chi_Minh).single())
                .map(|t| t.with_timezone(&chrono::Utc))
                .unwrap_or_else(crate::db::now)
        };
        let new = NewCase {
            unit_id,
            procedure_id,
            channel,
            lang: cx.lang.code(),
            input,
            received_at,
            received_on,
            entered_by: user.as_ref().map(|u| u.id),
            files: up.files,
            code: None,
        };
        let mut tx = cx.db().begin().await?;
        let (id, code) = fb::create(&mut tx, &cal, &settings, &new).await?;
        tx.commit().await?;
        if user.is_some() {
            Ok(Done::to(format!("/feedback/cases/{id}"))
                .with(Flash::ok("fb.flash_entered").arg("code", code)))
        } else if kiosk.is_some() {
            // A kiosk is shared: the next visitor must not see this case.
            Ok(Done::to(format!("/feedback/sent/{code}")))
        } else {
            crate::ctx::grant_case(&cx, id).await;
            Ok(Done::to(format!("/feedback/track/{code}"))
                .with(Flash::ok("fb.flash_sent").arg("code", code)))
        }
    })
    .await
}

/// Finds a case by its code and the phone number or e-mail it was sent with.
#[server(endpoint = "feedback/track")]
pub async fn track_case(code: String, contact: String) -> Result<(), ServerFnError> {
    let values = [("code", code.clone()), ("contact", contact.clone())];
    finish("track", &values, "/feedback/track", |cx| async move {
        let mut errs = Errors::default();
        let code = feedback::normalize_code(&code);
        if code.is_empty() {
            errs.add("code", "err.required");
        }
        if contact.trim().is_empty() {
            errs.add("contact", "err.required");
        }
        errs.check()?;
        let case = fb::by_code(cx.db(), &code).await?;
        match case {
            Some(c) if feedback::contact_matches(&contact, &c.citizen_phone, &c.citizen_email) => {
                crate::ctx::grant_case(&cx, c.id).await;
                Ok(Done::to(format!("/feedback/track/{}", c.code)))
            }
            _ => Err(Fail::Msg("fb.track_not_found")),
        }
    })
    .await
}

/// The citizen's rating of the answer: satisfied or not (feeds the Decision 766 ratios).
#[server(endpoint = "feedback/rate")]
pub async fn rate_answer(code: String, satisfied: String) -> Result<(), ServerFnError> {
    let back = format!("/feedback/track/{}", feedback::normalize_code(&code));
    finish("rate", &[], &back.clone(), |cx| async move {
        let case = fb::by_code(cx.db(), &feedback::normalize_code(&code))
            .await?
            .ok_or(Fail::App(AppError::NotFound))?;
        if !crate::ctx::case_granted(&cx, case.id).await {
            return Ok(Done::to("/feedback/track").with(Flash::error("fb.track_first")));
        }
        let satisfied = match satisfied.as_str() {
            "yes" => true,
            "no" => false,
            _ => return Err(Fail::Msg("fb.err_rate_choose")),
        };
        let mut tx = cx.db().begin().await?;
        fb::rate(&mut tx, &case, satisfied).await?;
        tx.commit().await?;
        Ok(Done::to(back).with(Flash::ok("fb.flash_rated")))
    })
    .await
}

/// The case `id` if the signed-in account may take `step` on it now.
async fn case_for(
    cx: &Ctx,
    id: &str,
    step: Step,
) -> Result<(crate::ctx::CurrentUser, fb::Case), Fail> {
    let id = id
        .trim()
        .parse::<i64>()
        .map_err(|_| Fail::App(AppError::NotFound))?;
    let case = fb::get(cx.db(), id).await?;
    let perm = if step == Step::Approve || step == Step::Return {
        Permission::ApproveFeedback
    } else {
        Permission::HandleFeedback
    };
    let user = cx.require(perm, Some(&case.scope()))?.clone();
    if !feedback::allowed(case.status(), step) {
        return Err(Fail::Msg("err.case_changed"));
    }
    Ok((user, case))
}

fn to_case(id: i64) -> String {
    format!("/feedback/cases/{id}")
}

/// Assigns a case to an official of its unit (empty: to nobody).
#[server(endpoint = "feedback/assign")]
pub async fn assign_case(id: String, assignee: String) -> Result<(), ServerFnError> {
    let values = [("assignee", assignee.clone())];
    finish("assign", &values, "/feedback/cases", |cx| async move {
        let (user, case) = case_for(&cx, &id, Step::Assign).await?;
        let who = match assignee.trim() {
            "" => None,
            s => {
                let aid = validate::pick_id(s).map_err(|e| Fail::Invalid(vec![("assignee", e)]))?;
                let a = accounts::get(cx.db(), aid).await?;
                let path = crate::domain::UnitPath::parse(&a.unit_path);
                if !a.active
                    || !path.is_some_and(|p| case.scope().contains(&p) || p.contains(&case.scope()))
                {
                    return Err(Fail::Invalid(vec![("assignee", "fb.err_assignee")]));
                }
                Some((a.id, a.full_name))
            }
        };
        let mut tx = cx.db().begin().await?;
        fb::assign(&mut tx, user.id, &case, who.clone()).await?;
        tx.commit().await?;
        let flash = match who {
            Some((_, name)) => Flash::ok("fb.flash_assigned").arg("name", name),
            None => Flash::ok("fb.flash_unassigned"),
        };
        Ok(Done::to(to_case(case.id)).with(flash))
    })
    .await
}

/// Classifies a received case into one of the decree's four classes; "outside" forwards it to
/// another unit on the platform or to a body outside it.
#[server(endpoint = "feedback/classify")]
pub async fn classify_case(
    id: String,
    class: String,
    reason: Option<String>,
    forward_unit: Option<String>,
    forward_external: Option<String>,
) -> Result<(), ServerFnError> {
    let reason = reason.unwrap_or_default();
    let forward_unit = forward_unit.unwrap_or_default();
    let forward_external = forward_external.unwrap_or_default();
    let values = [
        ("class", class.clone()),
        ("reason", reason.clone()),
        ("forward_unit", forward_unit.clone()),
        ("forward_external", forward_external.clone()),
    ];
    finish("classify", &values, "/feedback/cases", |cx| async move {
        let (user, case) = case_for(&cx, &id, Step::Classify).await?;
        let mut errs = Errors::default();
        let class = errs.take(
            "class",
            Class::parse(class.trim()).map(Some).ok_or("err.choose"),
        );
        let mut forward = None;
        let mut reason_text = String::new();
        match class {
            Some(Class::NotAccepted) => {
                reason_text = errs.take("reason", feedback::long_text(&reason, 2000));
            }
            Some(Class::Outside) => {
                let external = errs.take(
                    "forward_external",
                    validate::optional_text(&forward_external, 200),
                );
                match (forward_unit.trim(), external.is_empty()) {
                    ("", true) => errs.add("forward_unit", "fb.err_forward_target"),
                    ("", false) => forward = Some(ForwardTo::External(external)),
                    (s, true) => match validate::pick_id(s) {
                        Ok(uid) if uid == case.unit_id => {
                            errs.add("forward_unit", "fb.err_forward_self")
                        }
                        Ok(uid) => match units::get(cx.db(), uid).await {
                            Ok(u) if u.in_force_on(crate::db::today()) => {
                                forward = Some(ForwardTo::Unit {
                                    id: u.id,
                                    name: u.name,
                                })
                            }
                            Ok(_) | Err(crate::db::DbError::NotFound) => {
                                errs.add("forward_unit", "err.choose")
                            }
                            Err(e) => return Err(e.into()),
                        },
                        Err(e) => errs.add("forward_unit", e),
                    },
                    (_, false) => errs.add("forward_external", "fb.err_forward_both"),
                }
            }
            _ => {}
        }
        errs.check()?;
        let Some(class) = class else {
            return Err(Fail::Msg("err.bad_request"));
        };
        let cal = calendar::load(cx.db()).await?;
        let settings = calendar::feedback_settings(cx.db()).await?;
        let today = crate::db::today();
        let late = today > case.forward_due;
        let mut tx = cx.db().begin().await?;
        fb::classify(
            &mut tx,
            user.id,
            &case,
            class,
            &reason_text,
            forward,
            &cal,
            &settings,
            today,
        )
        .await?;
        tx.commit().await?;
        let key = match (class, late) {
            (Class::Outside, true) => "fb.flash_forwarded_late",
            (Class::Outside, false) => "fb.flash_forwarded",
            _ => "fb.flash_classified",
        };
        Ok(Done::to(to_case(case.id)).with(Flash::ok(key).arg("code", case.code.clone())))
    })
    .await
}

/// Saves the answer an official drafted and shows it as the public would see it: nothing is
/// published before the official has reviewed that (see [`review_answer`]).
#[server(endpoint = "feedback/answer")]
pub async fn answer_case(id: String, answer: String) -> Result<(), ServerFnError> {
    let values = [("answer", answer.clone())];
    finish("answer", &values, "/feedback/cases", |cx| async move {
        let (_, case) = case_for(&cx, &id, Step::Answer).await?;
        let text = feedback::long_text(&answer, feedback::MAX_CONTENT)
            .map_err(|e| Fail::Invalid(vec![("answer", e)]))?;
        let mut tx = cx.db().begin().await?;
        fb::save_draft(&mut tx, &case, &text).await?;
        tx.commit().await?;
        Ok(Done::to(format!("{}#review", to_case(case.id))).with(Flash::info("pub.flash_review")))
    })
    .await
}

/// What the review form posts: the extra words, the fingerprint of what was shown, and
/// whether to publish or to show the public text again with the new words.
struct Review {
    extra: Vec<String>,
    publish: bool,
}

fn read_review(extra: &str, reviewed: &str, step: &str, now: &str) -> Result<Review, Fail> {
    let words = crate::domain::publish::parse_extra(extra)
        .map_err(|e| Fail::Invalid(vec![("extra", e)]))?;
    Ok(Review {
        // "Publish" goes ahead only for exactly what was shown.
        publish: step == "publish" && reviewed.trim() == now,
        extra: words,
    })
}

/// The review of an answer before it goes public: the official (or, for an answer taken down,
/// a leader) sees the public text with each removal highlighted, adds words to remove and
/// publishes (or sends for approval). The original text stays on the internal record only.
#[server(endpoint = "feedback/review")]
pub async fn review_answer(
    id: String,
    extra: Option<String>,
    reviewed: Option<String>,
    step: Option<String>,
) -> Result<(), ServerFnError> {
    let extra = extra.unwrap_or_default();
    let values = [("extra", extra.clone())];
    finish("review", &values, "/feedback/cases", |cx| async move {
        let id_n = id
            .trim()
            .parse::<i64>()
            .map_err(|_| Fail::App(AppError::NotFound))?;
        let case = fb::get(cx.db(), id_n).await?;
        let withdrawn = case.public_withdrawn_at.is_some();
        let user = if withdrawn {
            cx.require(Permission::WithdrawPublished, Some(&case.scope()))?
                .clone()
        } else {
            let (u, _) = case_for(&cx, &id, Step::Answer).await?;
            u
        };
        if case.answer.trim().is_empty() {
            return Err(Fail::Msg("pub.err_no_draft"));
        }
        let posted = crate::domain::publish::parse_extra(&extra)
            .map_err(|e| Fail::Invalid(vec![("extra", e)]))?;
        let now_fp = fb::PublicTexts::of(&case, &case.answer, &posted).fingerprint();
        let r = read_review(
            &extra,
            reviewed.as_deref().unwrap_or(""),
            step.as_deref().unwrap_or(""),
            &now_fp,
        )?;
        // Read before the transaction: a transaction waiting for another connection of the
        // pool could wait for ever when many publish at once.
        let settings = calendar::feedback_settings(cx.db()).await?;
        let mut tx = cx.db().begin().await?;
        fb::set_extra(&mut tx, &case, &r.extra).await?;
        let back = format!("{}#review", to_case(case.id));
        if !r.publish {
            tx.commit().await?;
            let key = if step.as_deref() == Some("publish") {
                "pub.err_changed"
            } else {
                "pub.flash_preview"
            };
            let flash = if key == "pub.err_changed" {
                Flash::error(key)
            } else {
                Flash::info(key)
            };
            return Ok(Done::to(back).with(flash));
        }
        let reviewed_case = fb::Case {
            public_extra: r.extra.join("\n"),
            ..case.clone()
        };
        if withdrawn {
            fb::republish(&mut tx, user.id, &reviewed_case).await?;
            tx.commit().await?;
            return Ok(Done::to(to_case(case.id)).with(Flash::ok("pub.flash_republished")));
        }
        fb::answer(
            &mut tx,
            user.id,
            &reviewed_case,
            &case.answer,
            &settings,
            crate::db::today(),
        )
        .await?;
        tx.commit().await?;
        let key = if settings.approval_required {
            "fb.flash_sent_for_approval"
        } else {
            "fb.flash_answered"
        };
        Ok(Done::to(to_case(case.id)).with(Flash::ok(key)))
    })
    .await
}

/// A leader reviews the answer waiting for approval (the public text, each removal
/// highlighted, more words to remove) and approves it: it is published.
#[server(endpoint = "feedback/approve")]
pub async fn approve_case(
    id: String,
    extra: Option<String>,
    reviewed: Option<String>,
    step: Option<String>,
) -> Result<(), ServerFnError> {
    let extra = extra.unwrap_or_default();
    let values = [("extra", extra.clone())];
    finish("approve", &values, "/feedback/cases", |cx| async move {
        let (user, case) = case_for(&cx, &id, Step::Approve).await?;
        let posted = crate::domain::publish::parse_extra(&extra)
            .map_err(|e| Fail::Invalid(vec![("extra", e)]))?;
        let now_fp = fb::PublicTexts::of(&case, &case.answer, &posted).fingerprint();
        let step = step.unwrap_or_else(|| "publish".into());
        let r = read_review(&extra, reviewed.as_deref().unwrap_or(""), &step, &now_fp)?;
        let mut tx = cx.db().begin().await?;
        fb::set_extra(&mut tx, &case, &r.extra).await?;
        if !r.publish {
            tx.commit().await?;
            let flash = if step == "publish" {
                Flash::error("pub.err_changed")
            } else {
                Flash::info("pub.flash_preview")
            };
            return Ok(Done::to(format!("{}#review", to_case(case.id))).with(flash));
        }
        let reviewed_case = fb::Case {
            public_extra: r.extra.join("\n"),
            ..case.clone()
        };
        fb::approve(&mut tx, user.id, &reviewed_case, crate::db::today()).await?;
        tx.commit().await?;
        Ok(Done::to(to_case(case.id)).with(Flash::ok("fb.flash_answered")))
    })
    .await
}

/// A leader takes a published answer down from the public page, with the reason (audit log and
/// internal timeline); the citizen still reads it on their own page.
#[server(endpoint = "feedback/withdraw")]
pub async fn withdraw_answer(id: String, reason: String) -> Result<(), ServerFnError> {
    let values = [("reason", reason.clone())];
    finish("withdraw", &values, "/feedback/cases", |cx| async move {
        let id = id
            .trim()
            .parse::<i64>()
            .map_err(|_| Fail::App(AppError::NotFound))?;
        let case = fb::get(cx.db(), id).await?;
        let user = cx
            .require(Permission::WithdrawPublished, Some(&case.scope()))?
            .clone();
        let reason = validate::required_text(&reason.replace(['\r', '\n'], " "), 500)
            .map_err(|e| Fail::Invalid(vec![("reason", e)]))?;
        if !case.is_public() {
            return Err(Fail::Msg("pub.err_not_public"));
        }
        let mut tx = cx.db().begin().await?;
        fb::withdraw(&mut tx, user.id, &case, &reason).await?;
        tx.commit().await?;
        Ok(Done::to(to_case(case.id)).with(Flash::ok("pub.flash_withdrawn")))
    })
    .await
}

/// A leader sends the answer back with a note.
#[server(endpoint = "feedback/return")]
pub async fn return_case(id: String, note: String) -> Result<(), ServerFnError> {
    let values = [("note", note.clone())];
    finish("return", &values, "/feedback/cases", |cx| async move {
        let (user, case) = case_for(&cx, &id, Step::Return).await?;
        let note =
            feedback::long_text(&note, 2000).map_err(|e| Fail::Invalid(vec![("note", e)]))?;
        let mut tx = cx.db().begin().await?;
        fb::send_back(&mut tx, user.id, &case, &note).await?;
        tx.commit().await?;
        Ok(Done::to(to_case(case.id)).with(Flash::ok("fb.flash_returned")))
    })
    .await
}

/// Closes an answered case.
#[server(endpoint = "feedback/close")]
pub async fn close_case(id: String) -> Result<(), ServerFnError> {
    finish("close", &[], "/feedback/cases", |cx| async move {
        let (user, case) = case_for(&cx, &id, Step::Close).await?;
        let mut tx = cx.db().begin().await?;
        fb::close(&mut tx, user.id, &case).await?;
        tx.commit().await?;
        Ok(Done::to(to_case(case.id)).with(Flash::ok("fb.flash_closed")))
    })
    .await
}

/// What the official or the citizen reads when a case step is refused (keys chosen here, at the
/// edge).
impl From<fb::CaseError> for Fail {
    fn from(e: fb::CaseError) -> Self {
        match e {
            fb::CaseError::Changed => Fail::Msg("err.case_changed"),
            fb::CaseError::NoFreeCode => Fail::Msg("err.try_again"),
            fb::CaseError::NoForwardTarget => Fail::Msg("err.forward_target"),
            fb::CaseError::AlreadyRated => Fail::Msg("err.already_rated"),
            fb::CaseError::Db(e) => e.into(),
        }
    }
}
