//! One file per route group. Each handler reads its input, checks the caller, calls `db` and
//! renders a view in the page shell.

pub mod admin_accounts;
pub mod admin_api_keys;
pub mod admin_calendar;
pub mod admin_index_rules;
pub mod admin_instruments;
pub mod admin_kiosks;
pub mod admin_notifications;
pub mod admin_procedures;
pub mod admin_themes;
pub mod admin_units;
pub mod audit;
pub mod auth;
pub mod dashboard;
pub mod feedback;
pub mod feedback_staff;
pub mod home;
pub mod indices;
pub mod kiosk;
pub mod late;
pub mod prefs;
pub mod procedures;
pub mod ratings;
pub mod report;
pub mod sessions;
pub mod staff;
pub mod survey;

use crate::error::AppError;
use crate::state::AppState;
use axum::routing::get;
use axum::Router;

/// The weekday names, Monday first, in the page's language.
pub fn weekday_names() -> [String; 7] {
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .map(|d| crate::i18n::t(&format!("weekday.{d}")))
}

/// The result of a page handler.
pub type PageResult = Result<axum::response::Response, AppError>;

/// Every page of the site (GET). Form posts are server functions under `/api/`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/procedures", get(procedures::catalogue))
        .route("/prefs", get(prefs::set_prefs))
        .route("/login", get(auth::login_page))
        .route("/account", get(auth::account_page))
        .route("/staff", get(staff::staff_home))
        .route("/staff/late", get(late::list))
        .route("/staff/late/{id}/form04", get(late::form04))
        .route("/admin/units", get(admin_units::list))
        .route("/admin/units/new", get(admin_units::new_form))
        .route("/admin/units/merge", get(admin_units::merge_form))
        .route("/admin/units/{id}", get(admin_units::show))
        .route("/admin/units/{id}/edit", get(admin_units::edit_form))
        .route("/admin/procedures", get(admin_procedures::list))
        .route("/admin/procedures/new", get(admin_procedures::new_form))
        .route(
            "/admin/procedures/import",
            get(admin_procedures::import_page),
        )
        .route(
            "/admin/procedures/{id}/edit",
            get(admin_procedures::edit_form),
        )
        .route("/admin/kiosks", get(admin_kiosks::list))
        .route("/admin/kiosks/new", get(admin_kiosks::new_form))
        .route("/admin/kiosks/{id}", get(admin_kiosks::show))
        .route("/admin/accounts", get(admin_accounts::list))
        .route("/admin/accounts/new", get(admin_accounts::new_form))
        .route("/admin/accounts/{id}", get(admin_accounts::show))
        .route("/admin/audit", get(audit::list))
        .route("/admin/api-keys", get(admin_api_keys::list))
        .route("/admin/instruments", get(admin_instruments::list))
        .route("/admin/instruments/{id}", get(admin_instruments::show))
        .route("/admin/calendar", get(admin_calendar::page))
        .route("/admin/calendar.ics", get(admin_calendar::ics))
        .route(
            "/admin/calendar/import/{id}",
            get(admin_calendar::import_preview),
        )
        .route("/admin/notifications", get(admin_notifications::page))
        .route("/admin/themes", get(admin_themes::page))
        .route("/feedback/new", get(feedback::new_case))
        .route("/feedback/track", get(feedback::track_form))
        .route("/feedback/track/{code}", get(feedback::track_case))
        .route("/feedback/sent/{code}", get(feedback::sent_on_kiosk))
        .route("/feedback/answers", get(feedback::public_answers))
        .route("/feedback/cases", get(feedback_staff::inbox))
        .route("/feedback/cases/new", get(feedback_staff::new_case))
        .route("/feedback/cases/{id}", get(feedback_staff::show))
        .route(
            "/feedback/cases/{id}/files/{file}",
            get(feedback_staff::attachment),
        )
        .route("/dashboard", get(dashboard::page))
        .route("/indices", get(indices::ranking))
        .route("/transparency", get(indices::transparency))
        .route("/indices/ranking.csv", get(indices::ranking_csv))
        .route("/indices/ranking.xlsx", get(indices::ranking_xlsx))
        .route("/indices/ratings.csv", get(indices::ratings_csv))
        .route("/indices/dossiers.csv", get(indices::dossiers_csv))
        .route("/indices/cases.csv", get(indices::cases_csv))
        .route("/indices/compare", get(indices::compare::page))
        .route("/dashboard/report", get(report::page))
        .route("/dashboard/report.xlsx", get(report::xlsx))
        .route("/indices/unit/{id}", get(indices::unit))
        .route(
            "/indices/unit/{id}/procedure/{pid}",
            get(indices::procedure),
        )
        .route("/admin/index-rules", get(admin_index_rules::page))
        .route("/sessions", get(sessions::calendar))
        .route("/sessions/manage", get(sessions::manage))
        .route("/sessions/manage/{id}", get(sessions::manage_one))
        .route("/sessions/signup/{code}", get(sessions::signup_page))
        .route("/sessions/rate/{code}/{sig}", get(sessions::rate_page))
        .route("/admin/session-kinds", get(sessions::kinds_page))
        .route("/sessions/{id}", get(sessions::show))
        .route("/ratings", get(ratings::list))
        .route("/ratings/{id}/correct", get(ratings::correct_form))
        .route("/kiosk", get(kiosk::kiosk_home))
        .route("/kiosk/thanks", get(kiosk::kiosk_thanks))
        .route("/kiosk/done", get(kiosk::kiosk_done))
        .route("/kiosk/reset", get(kiosk::kiosk_reset))
        .route("/survey", get(survey::survey_lookup))
        .route("/s/done", get(survey::survey_done))
        .route("/s/{token}", get(survey::survey_page))
        .route("/s/{token}/qr.svg", get(survey::qr_svg))
        .route("/s/{token}/qr.png", get(survey::qr_png))
}

/// The answer to a path no route knows.
pub async fn not_found() -> AppError {
    AppError::NotFound
}

/// Parses an id from the path; a malformed one is "not found".
pub fn path_id(s: &str) -> Result<i64, AppError> {
    s.parse::<i64>().map_err(|_| AppError::NotFound)
}
