//! The home page: what citizens can do here, and the province's units by peer group.

use super::PageResult;
use crate::components::icons;
use crate::components::layout::page_head;
use crate::ctx::Ctx;
use crate::db::{procedures, units};
use crate::i18n::{t, tf, Lang};
use leptos::prelude::*;

pub async fn home(ctx: Ctx) -> PageResult {
    let db = ctx.db();
    let province = units::root(db).await?;
    let all = units::all(db).await?;
    let groups = units::groups(db).await?;
    let n_procedures = procedures::count(db).await?;
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
        .date_naive();
    let lang = ctx.lang;
    let province_name = province.map(|p| p.name).unwrap_or_default();
    let signed_in = ctx.user.is_some();
    // A kiosk is a public device: no way to staff sign-in is offered on it.
    let kiosk = ctx.kiosk;
    let sections: Vec<(String, Vec<(i64, String)>)> = groups
        .iter()
        .map(|g| {
            let name = if lang == Lang::En {
                g.name_en.clone()
            } else {
                g.name_vi.clone()
            };
            let list = all
                .iter()
                .filter(|u| u.group_id == Some(g.id) && u.in_force_on(today))
                .map(|u| (u.id, u.name.clone()))
                .collect();
            (name, list)
        })
        .collect();
    let n_units = all.iter().filter(|u| u.in_force_on(today)).count();
    Ok(ctx.render(&ctx.lang.t("home.title"), move || {
        let staff_tile = if kiosk && !signed_in {
            ().into_any()
        } else if signed_in {
            view! {
                <a class="tile" href="/staff">
                    <span class="tile-icon">{icons::briefcase()}</span>
                    <span class="tile-title">{t("home.tile_staff")}</span>
                    <span class="tile-text">{t("home.tile_staff_text")}</span>
                </a>
            }
            .into_any()
        } else {
            view! {
                <a class="tile" href="/login">
                    <span class="tile-icon">{icons::key()}</span>
                    <span class="tile-title">{t("home.tile_login")}</span>
                    <span class="tile-text">{t("home.tile_login_text")}</span>
                </a>
            }
            .into_any()
        };
        view! {
            {page_head(tf("home.heading", &[("province", &province_name)]), Some(t("home.lead")))}
            <div class="tiles">
                <a class="tile" href="/survey">
                    <span class="tile-icon">{icons::smile()}</span>
                    <span class="tile-title">{t("home.tile_rate")}</span>
                    <span class="tile-text">{t("home.tile_rate_text")}</span>
                </a>
                <a class="tile" href="/feedback/new">
                    <span class="tile-icon">{icons::chat()}</span>
                    <span class="tile-title">{t("home.tile_feedback")}</span>
                    <span class="tile-text">{t("home.tile_feedback_text")}</span>
                </a>
                <a class="tile" href="/feedback/track">
                    <span class="tile-icon">{icons::search()}</span>
                    <span class="tile-title">{t("home.tile_track")}</span>
                    <span class="tile-text">{t("home.tile_track_text")}</span>
                </a>
                <a class="tile" href="/feedback/answers">
                    <span class="tile-icon">{icons::document()}</span>
                    <span class="tile-title">{t("home.tile_answers")}</span>
                    <span class="tile-text">{t("home.tile_answers_text")}</span>
                </a>
                <a class="tile" href="/procedures">
                    <span class="tile-icon">{icons::document()}</span>
                    <span class="tile-title">{t("home.tile_procedures")}</span>
                    <span class="tile-text">{tf("home.tile_procedures_text", &[("n", &n_procedures.to_string())])}</span>
                </a>
                {staff_tile}
            </div>
            <section class="card">
                <h2>{t("home.units_heading")}</h2>
                <p class="muted">{tf("home.units_lead", &[("n", &n_units.to_string())])}</p>
                <div class="grid-2">
                    {sections.into_iter().map(|(name, list)| view! {
                        <div>
                            <h3>{name}</h3>
                            <ul>{list.into_iter().map(|(_, n)| view! { <li>{n}</li> }).collect_view()}</ul>
                        </div>
                    }).collect_view()}
                </div>
            </section>
            <section class="card">
                <h2>{t("home.about_heading")}</h2>
                <p>{t("home.about_text")}</p>
            </section>
        }
    }))
}
