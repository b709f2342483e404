//! Dialogue sessions: an official creates and publishes one; anyone signs up (no account) and
//! cancels with the confirmation code and phone number.

use super::{finish, Done, Errors, Fail};
use crate::ctx::Flash;
use crate::db::sessions::{self, NewSession, Placed, SignupError};
use crate::db::{procedures, units};
use crate::domain::session::parse_signup;
use crate::domain::{validate, Permission};
use crate::error::AppError;
use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use leptos::prelude::*;

/// A local (Vietnam) date and time typed in a form, as a moment.
fn local(day: NaiveDate, time: &str) -> Result<chrono::DateTime<Utc>, &'static str> {
    let t = NaiveTime::parse_from_str(time.trim(), "%H:%M").map_err(|_| "ses.err_time")?;
    chrono_tz::Asia::Ho_Chi_Minh
        .from_local_datetime(&day.and_time(t))
        .single()
        .map(|d| d.with_timezone(&Utc))
        .ok_or("ses.err_time")
}

/// Creates a session (as a draft).
#[server(endpoint = "sessions/create")]
#[allow(clippy::too_many_arguments)]
pub async fn create_session(
    unit_id: String,
    kind_id: String,
    title: String,
    day: String,
    start: String,
    end: String,
    place: String,
    capacity: String,
    description: Option<String>,
    slot_minutes: Option<String>,
    procedure_codes: Option<String>,
) -> Result<(), ServerFnError> {
    let description = description.unwrap_or_default();
    let slot_minutes = slot_minutes.unwrap_or_default();
    let procedure_codes = procedure_codes.unwrap_or_default();
    let values = [
        ("unit_id", unit_id.clone()),
        ("kind_id", kind_id.clone()),
        ("title", title.clone()),
        ("day", day.clone()),
        ("start", start.clone()),
        ("end", end.clone()),
        ("place", place.clone()),
        ("capacity", capacity.clone()),
        ("description", description.clone()),
        ("slot_minutes", slot_minutes.clone()),
        ("procedure_codes", procedure_codes.clone()),
    ];
    finish("session", &values, "/sessions/manage", |cx| async move {
        let mut errs = Errors::default();
        let uid = errs.take("unit_id", validate::pick_id(&unit_id));
        let kid = errs.take("kind_id", validate::pick_id(&kind_id));
        let title = errs.take("title", validate::required_text(&title, 200));
        let day = errs.take("day", validate::date(&day).map(Some));
        let place = errs.take("place", validate::required_text(&place, 200));
        let capacity = errs.take(
            "capacity",
            capacity
                .trim()
                .parse::<i32>()
                .ok()
                .filter(|n| (1..=10_000).contains(n))
                .ok_or("ses.err_capacity"),
        );
        let description = errs.take(
            "description",
            validate::optional_text(&description.replace(['\r', '\n'], " "), 2000),
        );
        let (starts_at, ends_at) = match day {
            Some(d) => (
                errs.take("start", local(d, &start).map(Some)),
                errs.take("end", local(d, &end).map(Some)),
            ),
            None => (None, None),
        };
        if let (Some(s), Some(e)) = (starts_at, ends_at) {
            if e <= s {
                errs.add("end", "ses.err_end");
            }
        }
        errs.check()?;
        let unit = units::get(cx.db(), uid).await?;
        let user = cx
            .require(Permission::ManageSessions, Some(&unit.unit_path()))?
            .clone();
        let kind = sessions::kinds(cx.db())
            .await?
            .into_iter()
            .find(|k| k.id == kid)
            .ok_or(Fail::Invalid(vec![("kind_id", "err.choose")]))?;
        let mut slot = None;
        let mut procs = Vec::new();
        if kind.slots {
            let m = slot_minutes
                .trim()
                .parse::<i32>()
                .ok()
                .filter(|m| (5..=240).contains(m));
            let Some(m) = m else {
                return Err(Fail::Invalid(vec![(
                    "slot_minutes",
                    "ses.err_slot_minutes",
                )]));
            };
            slot = Some(m);
            for code in procedure_codes
                .split([',', ';', ' ', '\n'])
                .map(str::trim)
                .filter(|c| !c.is_empty())
            {
                match procedures::get_by_code(cx.db(), code).await? {
                    Some(p) => procs.push(p.id),
                    None => {
                        return Err(Fail::Invalid(vec![(
                            "procedure_codes",
                            "ses.err_procedure_code",
                        )]))
                    }
                }
            }
        }
        let (Some(starts_at), Some(ends_at)) = (starts_at, ends_at) else {
            return Err(Fail::Msg("err.bad_request"));
        };
        let new = NewSession {
            unit_id: uid,
            kind_id: kid,
            title,
            starts_at,
            ends_at,
            place,
            capacity,
            description,
            slot_minutes: slot,
            procedures: procs,
        };
        let mut tx = cx.db().begin().await?;
        let id = sessions::create(&mut tx, user.id, &new).await?;
        tx.commit().await?;
        Ok(Done::to(format!("/sessions/manage/{id}")).with(Flash::ok("ses.flash_created")))
    })
    .await
}

/// Publishes a draft: it appears on the public calendar and takes sign-ups.
#[server(endpoint = "sessions/publish")]
pub async fn publish_session(id: String) -> Result<(), ServerFnError> {
    finish("publish", &[], "/sessions/manage", |cx| async move {
        let id = id
            .trim()
            .parse::<i64>()
            .map_err(|_| Fail::App(AppError::NotFound))?;
        let s = sessions::get(cx.db(), id).await?;
        let user = cx
            .require(Permission::ManageSessions, Some(&s.scope()))?
            .clone();
        let mut tx = cx.db().begin().await?;
        sessions::publish(&mut tx, user.id, id).await?;
        tx.commit().await?;
        Ok(Done::to(format!("/sessions/manage/{id}")).with(Flash::ok("ses.flash_published")))
    })
    .await
}

/// Signs up for a session: no account, a name and a phone number; a slot and a procedure for a
/// no-wait Thursday.
#[server(endpoint = "sessions/signup")]
pub async fn sign_up(
    session_id: String,
    name: String,
    phone: String,
    id_number: Option<String>,
    topic: Option<String>,
    procedure_id: Option<String>,
    slot: Option<String>,
) -> Result<(), ServerFnError> {
    let id_number = id_number.unwrap_or_default();
    let topic = topic.unwrap_or_default();
    let procedure_id = procedure_id.unwrap_or_default();
    let slot = slot.unwrap_or_default();
    let values = [
        ("name", name.clone()),
        ("phone", phone.clone()),
        ("id_number", id_number.clone()),
        ("topic", topic.clone()),
        ("procedure_id", procedure_id.clone()),
        ("slot", slot.clone()),
    ];
    let back = format!("/sessions/{}", session_id.trim());
    finish("signup", &values, &back, |cx| async move {
        let sid = session_id
            .trim()
            .parse::<i64>()
            .map_err(|_| Fail::App(AppError::NotFound))?;
        let s = sessions::get(cx.db(), sid).await?;
        if s.status != "published" || s.ends_at < Utc::now() {
            return Err(Fail::Msg("ses.err_closed"));
        }
        let input = parse_signup(&name, &phone, &id_number, &topic).map_err(Fail::Invalid)?;
        let (mut pid, mut at) = (None, None);
        if s.slots {
            let offered = sessions::procedures_of(cx.db(), s.id).await?;
            let p = procedure_id
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|p| offered.iter().any(|(id, ..)| id == p));
            let t = chrono::DateTime::parse_from_rfc3339(slot.trim())
                .ok()
                .map(|t| t.with_timezone(&Utc))
                .filter(|t| s.slot_starts().contains(t));
            let mut errs = Errors::default();
            if p.is_none() && !offered.is_empty() {
                errs.add("procedure_id", "err.choose");
            }
            if t.is_none() {
                errs.add("slot", "ses.err_slot");
            }
            errs.check()?;
            (pid, at) = (p, t);
        }
        let (code, placed) =
            match sessions::sign_up(cx.db(), &s, &input, pid, at, cx.lang.code()).await {
                Ok(done) => done,
                Err(SignupError::PhoneTaken) => {
                    return Err(Fail::Invalid(vec![("phone", "ses.err_phone_signed_up")]))
                }
                Err(SignupError::IdNumberTaken) => {
                    return Err(Fail::Invalid(vec![("id_number", "ses.err_id_signed_up")]))
                }
                Err(SignupError::SlotTaken) => return Err(Fail::Msg("ses.err_slot_taken")),
                Err(SignupError::Full) => return Err(Fail::Msg("ses.err_full_slots")),
                Err(SignupError::NoFreeCode) => return Err(Fail::Msg("err.try_again")),
                Err(SignupError::Db(e)) => return Err(e.into()),
            };
        let key = match placed {
            Placed::Confirmed => "ses.flash_confirmed",
            Placed::Waiting => "ses.flash_waiting",
        };
        Ok(Done::to(format!("/sessions/signup/{code}")).with(Flash::ok(key).arg("code", code)))
    })
    .await
}

/// Cancels a sign-up with its code and the phone number it was made with.
#[server(endpoint = "sessions/cancel")]
pub async fn cancel_signup(code: String, phone: String) -> Result<(), ServerFnError> {
    let values = [("code", code.clone()), ("phone", phone.clone())];
    let code = code.trim().to_uppercase();
    let back = format!("/sessions/signup/{code}");
    finish("cancel", &values, &back.clone(), |cx| async move {
        let phone = validate::phone(&phone).map_err(|e| Fail::Invalid(vec![("phone", e)]))?;
        match sessions::cancel(cx.db(), &code, &phone).await {
            Ok(_) => Ok(Done::to(back).with(Flash::ok("ses.flash_cancelled"))),
            Err(crate::db::sessions::SessionError::Db(crate::db::DbError::NotFound)) => {
                Err(Fail::Msg("ses.err_cancel_not_found"))
            }
            Err(e) => Err(e.into()),
        }
    })
    .await
}

/// Checks a sign-up in at the door (the code typed, or read from its QR code).
#[server(endpoint = "sessions/checkin")]
pub async fn check_in(id: String, code: String) -> Result<(), ServerFnError> {
    let back = format!("/sessions/manage/{}", id.trim());
    finish("checkin", &[], &back.clone(), |cx| async move {
        let sid = id
            .trim()
            .parse::<i64>()
            .map_err(|_| Fail::App(AppError::NotFound))?;
        let s = sessions::get(cx.db(), sid).await?;
        let user = cx
            .require(Permission::ManageSessions, Some(&s.scope()))?
            .clone();
        let su =
            sessions::check_in(cx.db(), user.id, sid, &sessions::code_from_scan(&code)).await?;
        Ok(Done::to(back).with(
            Flash::ok("ses.flash_checked_in")
                .arg("name", su.name)
                .arg("code", su.code),
        ))
    })
    .await
}

/// No-wait Thursday: records that the result was handed back.
#[server(endpoint = "sessions/result")]
pub async fn result_returned(id: String, signup: String) -> Result<(), ServerFnError> {
    let back = format!("/sessions/manage/{}", id.trim());
    finish("result", &[], &back.clone(), |cx| async move {
        let sid = id
            .trim()
            .parse::<i64>()
            .map_err(|_| Fail::App(AppError::NotFound))?;
        let s = sessions::get(cx.db(), sid).await?;
        cx.require(Permission::ManageSessions, Some(&s.scope()))?;
        let su = signup
            .trim()
            .parse::<i64>()
            .map_err(|_| Fail::Msg("err.bad_request"))?;
        sessions::result_returned(cx.db(), sid, su).await?;
        Ok(Done::to(back).with(Flash::ok("ses.flash_result")))
    })
    .await
}

/// The session an official acts on, with their right to manage it checked.
async fn managed(cx: &crate::ctx::Ctx, id: &str) -> Result<(sessions::Session, i64), Fail> {
    let sid = id
        .trim()
        .parse::<i64>()
        .map_err(|_| Fail::App(AppError::NotFound))?;
    let s = sessions::get(cx.db(), sid).await?;
    let user = cx.require(Permission::ManageSessions, Some(&s.scope()))?;
    Ok((s, user.id))
}

/// The unit cancels a session; everyone signed up is told, with the reason.
#[server(endpoint = "sessions/cancel_session")]
pub async fn cancel_session(id: String, reason: String) -> Result<(), ServerFnError> {
    let back = format!("/sessions/manage/{}", id.trim());
    let values = [("reason", reason.clone())];
    finish("cancel_session", &values, &back.clone(), |cx| async move {
        let (s, actor) = managed(&cx, &id).await?;
        let reason = validate::required_text(&reason.replace(['\r', '\n'], " "), 500)
            .map_err(|e| Fail::Invalid(vec![("reason", e)]))?;
        let n = sessions::cancel_session(cx.db(), actor, s.id, &reason).await?;
        Ok(Done::to(back).with(Flash::ok("ses.flash_session_cancelled").arg("n", n.to_string())))
    })
    .await
}

/// Adds a question to a session's minutes, or changes one (`question_id`).
#[server(endpoint = "sessions/question")]
#[allow(clippy::too_many_arguments)]
pub async fn save_question(
    id: String,
    question_id: Option<String>,
    signup_code: Option<String>,
    asker: Option<String>,
    asker_phone: Option<String>,
    asker_address: Option<String>,
    question: String,
    answer: Option<String>,
    answered_by: Option<String>,
    follow_up: Option<String>,
) -> Result<(), ServerFnError> {
    use crate::domain::session::{parse_question, QuestionFields};
    let question_id = question_id.unwrap_or_default();
    let signup_code = signup_code.unwrap_or_default();
    let fields = QuestionFields {
        asker: asker.unwrap_or_default(),
        asker_phone: asker_phone.unwrap_or_default(),
        asker_address: asker_address.unwrap_or_default(),
        question,
        answer: answer.unwrap_or_default(),
        answered_by: answered_by.unwrap_or_default(),
        follow_up: follow_up.unwrap_or_default(),
    };
    let values = [
        ("signup_code", signup_code.clone()),
        ("asker", fields.asker.clone()),
        ("asker_phone", fields.asker_phone.clone()),
        ("asker_address", fields.asker_address.clone()),
        ("question", fields.question.clone()),
        ("answer", fields.answer.clone()),
        ("answered_by", fields.answered_by.clone()),
        ("follow_up", fields.follow_up.clone()),
    ];
    let qid = question_id.trim().parse::<i64>().ok();
    let form_id = match qid {
        Some(q) => format!("question-{q}"),
        None => "question".to_string(),
    };
    let back = format!("/sessions/manage/{}#minutes", id.trim());
    finish(&form_id, &values, &back.clone(), |cx| async move {
        let (s, actor) = managed(&cx, &id).await?;
        if s.status != "published" || s.starts_at > Utc::now() {
            return Err(Fail::Msg("ses.err_minutes_not_started"));
        }
        // A sign-up's code fills in who asked (their name and phone stay with the sign-up).
        let mut fields = fields;
        let signup = match signup_code.trim() {
            "" => None,
            c => {
                let su = sessions::signup_by_code(cx.db(), &sessions::code_from_scan(c))
                    .await?
                    .filter(|x| x.session_id == s.id)
                    .ok_or(Fail::Invalid(vec![(
                        "signup_code",
                        "ses.err_checkin_unknown",
                    )]))?;
                if fields.asker.trim().is_empty() {
                    fields.asker = su.name.clone();
                }
                Some(su.id)
            }
        };
        let q = parse_question(&fields).map_err(Fail::Invalid)?;
        sessions::save_question(cx.db(), actor, s.id, qid, signup, &q).await?;
        Ok(Done::to(back).with(Flash::ok("ses.flash_question_saved")))
    })
    .await
}

/// Publishes the minutes on the session's public page, as reviewed: the official sees each
/// question, answer and follow-up as the public would, each removal highlighted, may add words
/// to remove (`step=preview` shows it again) and publishes exactly what was shown. Minutes a
/// leader took down are published again by a leader only.
#[server(endpoint = "sessions/publish_minutes")]
pub async fn publish_minutes(
    id: String,
    extra: Option<String>,
    reviewed: Option<String>,
    step: Option<String>,
) -> Result<(), ServerFnError> {
    let back = format!("/sessions/manage/{}#minutes", id.trim());
    let extra = extra.unwrap_or_default();
    let values = [("extra", extra.clone())];
    finish("minutes", &values, &back.clone(), |cx| async move {
        let (s, actor) = managed(&cx, &id).await?;
        if s.minutes_withdrawn_at.is_some() {
            cx.require(Permission::WithdrawPublished, Some(&s.scope()))?;
        }
        let words = crate::domain::publish::parse_extra(&extra)
            .map_err(|e| Fail::Invalid(vec![("extra", e)]))?;
        let changed = words != s.minutes_extra_words();
        if changed {
            sessions::set_minutes_extra(cx.db(), s.id, &words).await?;
        }
        if step.as_deref() != Some("publish") {
            return Ok(Done::to(back).with(Flash::info("pub.flash_preview")));
        }
        // New words change what goes public: show it again first.
        let reviewed = reviewed.unwrap_or_default();
        if changed || reviewed.trim().is_empty() {
            return Err(Fail::Msg("pub.err_changed"));
        }
        sessions::publish_minutes(cx.db(), actor, s.id, Some(reviewed.trim())).await?;
        Ok(Done::to(back).with(Flash::ok("ses.flash_minutes_published")))
    })
    .await
}

/// A leader takes a session's published minutes down from the public pages, with the reason.
#[server(endpoint = "sessions/withdraw_minutes")]
pub async fn withdraw_minutes(id: String, reason: String) -> Result<(), ServerFnError> {
    let back = format!("/sessions/manage/{}#minutes", id.trim());
    let values = [("reason", reason.clone())];
    finish(
        "withdraw_minutes",
        &values,
        &back.clone(),
        |cx| async move {
            let sid = id
                .trim()
                .parse::<i64>()
                .map_err(|_| Fail::App(AppError::NotFound))?;
            let s = sessions::get(cx.db(), sid).await?;
            let user = cx
                .require(Permission::WithdrawPublished, Some(&s.scope()))?
                .clone();
            let reason = validate::required_text(&reason.replace(['\r', '\n'], " "), 500)
                .map_err(|e| Fail::Invalid(vec![("reason", e)]))?;
            sessions::withdraw_minutes(cx.db(), user.id, s.id, &reason).await?;
            Ok(Done::to(back).with(Flash::ok("pub.flash_withdrawn")))
        },
    )
    .await
}

/// Turns a question of the minutes into a feedback case (one action), linked both ways.
#[server(endpoint = "sessions/to_case")]
pub async fn question_to_case(id: String, question: String) -> Result<(), ServerFnError> {
    let back = format!("/sessions/manage/{}#minutes", id.trim());
    finish("to_case", &[], &back.clone(), |cx| async move {
        let (s, actor) = managed(&cx, &id).await?;
        cx.require(Permission::HandleFeedback, Some(&s.scope()))?;
        let qid = question
            .trim()
            .parse::<i64>()
            .map_err(|_| Fail::Msg("err.bad_request"))?;
        let q = sessions::question(cx.db(), qid).await?;
        if q.session_id != s.id {
            return Err(Fail::App(AppError::NotFound));
        }
        let cal = crate::db::calendar::load(cx.db()).await?;
        let settings = crate::db::calendar::feedback_settings(cx.db()).await?;
        let (_, code) = sessions::question_to_case(cx.db(), &cal, &settings, actor, qid).await?;
        Ok(Done::to(back).with(Flash::ok("ses.flash_case_made").arg("code", code)))
    })
    .await
}

/// A participant rates the session they attended (from the link sent after it).
#[server(endpoint = "sessions/rate")]
pub async fn rate_session(
    code: String,
    sig: String,
    overall: Option<String>,
    comment: Option<String>,
) -> Result<(), ServerFnError> {
    use crate::db::ratings::{NewRating, SaveError};
    use crate::domain::rating::Channel;
    let comment = comment.unwrap_or_default();
    let values = [
        ("overall", overall.clone().unwrap_or_default()),
        ("comment", comment.clone()),
    ];
    let back = format!("/sessions/rate/{}/{}", code.trim(), sig.trim());
    finish("session_rate", &values, &back, |cx| async move {
        let su = sessions::signup_for_rating(cx.db(), &cx.state.config.secret, &code, &sig)
            .await?
            .ok_or(Fail::App(AppError::NotFound))?;
        if su.rated_at.is_some() {
            return Err(Fail::Msg("ses.rate_done_text"));
        }
        if su.checked_in_at.is_none() {
            return Err(Fail::Msg("ses.rate_not_attended"));
        }
        let (score, comment) = super::survey::overall_and_comment(overall.as_deref(), &comment)?;
        let s = sessions::get(cx.db(), su.session_id).await?;
        let instrument = cx.state.instrument(crate::db::sipas::CODE).await?;
        let mut r = NewRating::new(s.unit_id, instrument.id(), Channel::Session, score.get());
        r.procedure_id = su.procedure_id;
        r.comment = comment;
        r.session_signup_id = Some(su.id);
        match cx.state.ratings.save(r).await {
            Ok(_) => Ok(Done::to("/s/done")),
            Err(SaveError::LinkUsed) => Err(Fail::Msg("ses.rate_done_text")),
            Err(e) => {
                tracing::error!(error = %e, "session rating not saved");
                Err(Fail::Msg("survey.not_saved"))
            }
        }
    })
    .await
}

/// An administrator adds a kind of session (besides the three the app comes with).
#[server(endpoint = "sessions/kind")]
pub async fn add_kind(
    code: String,
    name_vi: String,
    name_en: Option<String>,
    slots: Option<String>,
) -> Result<(), ServerFnError> {
    let name_en = name_en.unwrap_or_default();
    let slots = slots.is_some_and(|v| !v.is_empty());
    let values = [
        ("code", code.clone()),
        ("name_vi", name_vi.clone()),
        ("name_en", name_en.clone()),
        ("slots", if slots { "1".into() } else { String::new() }),
    ];
    finish("kind", &values, "/admin/session-kinds", |cx| async move {
        let user = cx.require(Permission::ManageSessionKinds, None)?.clone();
        let mut errs = Errors::default();
        let code = errs.take("code", validate::code(&code).map(|c| c.to_lowercase()));
        let vi = errs.take("name_vi", validate::required_text(&name_vi, 120));
        let en = errs.take("name_en", validate::optional_text(&name_en, 120));
        errs.check()?;
        let en = if en.is_empty() { vi.clone() } else { en };
        sessions::add_kind(cx.db(), user.id, &code, &vi, &en, slots).await?;
        Ok(Done::to("/admin/session-kinds").with(Flash::ok("ses.flash_kind_added")))
    })
    .await
}

/// What the official or the citizen reads when a session step is refused (keys chosen here).
impl From<crate::db::sessions::SessionError> for Fail {
    fn from(e: crate::db::sessions::SessionError) -> Self {
        use crate::db::sessions::SessionError as E;
        match e {
            E::NotDraft => Fail::Msg("ses.err_not_draft"),
            E::AlreadyCancelled => Fail::Msg("ses.err_already_cancelled"),
            E::CheckinUnknown => Fail::Msg("ses.err_checkin_unknown"),
            E::CheckinCancelled => Fail::Msg("ses.err_checkin_cancelled"),
            E::CheckinWaiting => Fail::Msg("ses.err_checkin_waiting"),
            E::CheckinTwice => Fail::Msg("ses.err_checkin_twice"),
            E::NoResult => Fail::Msg("ses.err_result"),
            E::CannotCancel => Fail::Msg("ses.err_cannot_cancel"),
            E::MinutesChanged => Fail::Msg("pub.err_changed"),
            E::MinutesNotReady => Fail::Msg("ses.err_minutes_publish"),
            E::NotPublic => Fail::Msg("pub.err_not_public"),
            E::AlreadyCase => Fail::Msg("ses.err_already_case"),
            E::CaseContact => Fail::Msg("ses.err_case_contact"),
            E::KindCodeTaken(_) => Fail::Invalid(vec![("code", "ses.err_kind_code_taken")]),
            E::Db(e) => e.into(),
        }
    }
}
