//! Dialogue sessions: an official creates and publishes one; anyone signs up (no account) and
//! cancels with the confirmation code and phone number.

use super::{finish, Done, Errors, Fail};
use crate::ctx::Flash;
use crate::db::sessions::{self, NewSession, Placed};
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
            sessions::sign_up(cx.db(), &s, &input, pid, at, cx.lang.code()).await?;
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
            Err(crate::db::DbError::NotFound) => Err(Fail::Msg("ses.err_cancel_not_found")),
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
