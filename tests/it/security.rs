//! Security: every page route walked as four people (anonymous, an official of unit A, a leader
//! of another subtree, the province administrator), each allowed or refused as they should be;
//! sign-in throttled after repeated failures; public forms rate-limited; security headers.

use langnghe_tests::{both_databases, location, TestApp};

/// What a role gets on a route: the page, the sign-in page, refused, or not found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Want {
    Ok,
    Login,
    /// Sent on to another page (not sign-in): a preference set, a lookup to its form.
    Elsewhere,
    Forbidden,
    NotFound,
}
use Want::*;

/// The route patterns the router declares (pages), read from its source so that a new route
/// without an entry in the walk below fails this test.
fn declared_routes() -> Vec<String> {
    let src = include_str!("../../app/src/pages/mod.rs");
    let mut out = Vec::new();
    let mut rest = src;
    while let Some(i) = rest.find(".route(") {
        rest = &rest[i + 7..];
        let start = rest.find('"').unwrap() + 1;
        let end = start + rest[start..].find('"').unwrap();
        out.push(rest[start..end].to_string());
        rest = &rest[end..];
    }
    out
}

async fn got(who: &TestApp, path: &str) -> Want {
    let r = who.get(path).await;
    match r.status().as_u16() {
        200 => Ok,
        303 | 302 if location(&r).starts_with("/login") => Login,
        303 | 302 => Elsewhere,
        403 => Forbidden,
        404 => NotFound,
        s => panic!("{path}: unexpected {s} (to {})", location(&r)),
    }
}

/// The people of the walk and the page routes with a concrete path each, with what each of
/// the four gets (anonymous, official of XAPL, leader of STP, admin).
pub(crate) struct Walk {
    pub official: TestApp,
    pub leader: TestApp,
    pub admin: TestApp,
    pub table: Vec<(&'static str, String, [Want; 4])>,
    pub xapl: i64,
}

/// Sets up the walk: a leader of another subtree, a case, a session, a rating, and signs the
/// three members of staff in.
pub(crate) async fn walk(app: &TestApp) -> Walk {
    // A leader of another subtree (the Department of Justice).
    let stp = app.unit_id("STP").await;
    let mut tx = app.db.begin().await.unwrap();
    langnghe_app::db::accounts::create(
        &mut tx,
        None,
        &langnghe_app::db::accounts::NewAccount {
            username: "lanhdao.stp",
            full_name: "Lãnh đạo Sở Tư pháp",
            email: "",
            password: "mat-khau-lanh-dao-stp",
            role: langnghe_app::domain::Role::Leader,
            unit_id: stp,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let xapl = app.unit_id("XAPL").await;
    let (case_id, case_code) = app
        .case_received_on("XAPL", langnghe_app::db::today(), "0912345678", "vi")
        .await;
    let session = app.published_session("saturday", 20, None).await;
    let rating = app.web_rating(xapl, 4).await;
    let inst = langnghe_app::db::ratings::get(&app.db, rating)
        .await
        .unwrap()
        .instrument_id;
    let ids = |sql: &'static str| {
        let db = app.db.clone();
        async move {
            langnghe_app::db_run!(&db, c => sqlx::query_scalar::<_, i64>(sql).bind(xapl).fetch_one(c).await)
                .unwrap()
        }
    };
    let kiosk = ids("SELECT k.id FROM kiosks k JOIN counters c ON c.id = k.counter_id WHERE c.unit_id = $1 OR $1 > 0 ORDER BY k.id LIMIT 1").await;
    let procedure = ids("SELECT id FROM procedures WHERE $1 > 0 ORDER BY id LIMIT 1").await;
    let quantri = ids("SELECT id FROM accounts WHERE username = 'quantri' AND $1 > 0").await;
    let mut tx = app.db.begin().await.unwrap();
    let cal_import = langnghe_app::db::calendar::save_import(
        &mut tx,
        quantri,
        2027,
        "lich.csv",
        "2027-03-09,nghỉ,Nghỉ thử\n",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let account = ids("SELECT id FROM accounts WHERE unit_id = $1 ORDER BY id LIMIT 1").await;
    // A late dossier of XAPL (due yesterday, not ready), listed on /staff/late with its form,
    // and its Form 04.
    let now = chrono::Utc::now();
    let dossier: i64 = langnghe_app::db_run!(&app.db, c => sqlx::query_scalar(
        "INSERT INTO dossiers (code, unit_id, status, received_at, due_at, created_at, updated_at)
         VALUES ('WALK-LATE-1', $1, 'received', $2, $3, $2, $2) RETURNING id")
        .bind(xapl).bind(now - chrono::Duration::days(10)).bind(now - chrono::Duration::days(1))
        .fetch_one(c).await)
    .unwrap();

    let official = app.another_visitor();
    official.login_as("canbo").await;
    let leader = app.another_visitor();
    let r = leader.login("lanhdao.stp", "mat-khau-lanh-dao-stp").await;
    assert_eq!(location(&r), "/staff");
    let admin = app.another_visitor();
    admin.login_as("quantri").await;

    // (route pattern, concrete path, [anonymous, official of XAPL, leader of STP, admin])
    let public = [Ok, Ok, Ok, Ok];
    let staff = [Login, Ok, Ok, Ok];
    let root_admin = [Login, Forbidden, Forbidden, Ok];
    let unit_a = [Login, Ok, Forbidden, Ok];
    let gone = [NotFound, NotFound, NotFound, NotFound];
    let table: Vec<(&'static str, String, [Want; 4])> = vec![
        ("/", "/".into(), public),
        ("/procedures", "/procedures".into(), public),
        ("/prefs", "/prefs".into(), [Elsewhere; 4]),
        (
            "/login",
            "/login".into(),
            [Ok, Elsewhere, Elsewhere, Elsewhere],
        ),
        ("/account", "/account".into(), staff),
        ("/staff", "/staff".into(), staff),
        ("/staff/late", "/staff/late".into(), staff),
        (
            "/staff/late/{id}/form04",
            format!("/staff/late/{dossier}/form04"),
            unit_a,
        ),
        ("/admin/units", "/admin/units".into(), staff),
        ("/admin/units/new", "/admin/units/new".into(), root_admin),
        (
            "/admin/units/merge",
            "/admin/units/merge".into(),
            root_admin,
        ),
        ("/admin/units/{id}", format!("/admin/units/{xapl}"), unit_a),
        (
            "/admin/units/{id}/edit",
            format!("/admin/units/{xapl}/edit"),
            root_admin,
        ),
        ("/admin/procedures", "/admin/procedures".into(), root_admin),
        (
            "/admin/procedures/new",
            "/admin/procedures/new".into(),
            root_admin,
        ),
        (
            "/admin/procedures/import",
            "/admin/procedures/import".into(),
            root_admin,
        ),
        (
            "/admin/procedures/{id}/edit",
            format!("/admin/procedures/{procedure}/edit"),
            root_admin,
        ),
        ("/admin/kiosks", "/admin/kiosks".into(), root_admin),
        ("/admin/kiosks/new", "/admin/kiosks/new".into(), root_admin),
        (
            "/admin/kiosks/{id}",
            format!("/admin/kiosks/{kiosk}"),
            root_admin,
        ),
        ("/admin/accounts", "/admin/accounts".into(), root_admin),
        (
            "/admin/accounts/new",
            "/admin/accounts/new".into(),
            root_admin,
        ),
        (
            "/admin/accounts/{id}",
            format!("/admin/accounts/{account}"),
            root_admin,
        ),
        (
            "/admin/audit",
            "/admin/audit".into(),
            [Login, Forbidden, Ok, Ok],
        ),
        ("/admin/api-keys", "/admin/api-keys".into(), root_admin),
        (
            "/admin/instruments",
            "/admin/instruments".into(),
            root_admin,
        ),
        (
            "/admin/instruments/{id}",
            format!("/admin/instruments/{inst}"),
            root_admin,
        ),
        ("/admin/calendar", "/admin/calendar".into(), root_admin),
        (
            "/admin/calendar.ics",
            "/admin/calendar.ics?year=2027".into(),
            root_admin,
        ),
        (
            "/admin/calendar/import/{id}",
            format!("/admin/calendar/import/{cal_import}"),
            root_admin,
        ),
        (
            "/admin/notifications",
            "/admin/notifications".into(),
            root_admin,
        ),
        ("/feedback/new", "/feedback/new".into(), public),
        ("/feedback/track", "/feedback/track".into(), public),
        (
            "/feedback/track/{code}",
            format!("/feedback/track/{case_code}"),
            [Elsewhere; 4],
        ),
        (
            "/feedback/sent/{code}",
            format!("/feedback/sent/{case_code}"),
            public,
        ),
        ("/feedback/answers", "/feedback/answers".into(), public),
        ("/feedback/cases", "/feedback/cases".into(), staff),
        ("/feedback/cases/new", "/feedback/cases/new".into(), staff),
        (
            "/feedback/cases/{id}",
            format!("/feedback/cases/{case_id}"),
            unit_a,
        ),
        (
            "/feedback/cases/{id}/files/{file}",
            format!("/feedback/cases/{case_id}/files/999999"),
            [Login, NotFound, Forbidden, NotFound],
        ),
        ("/dashboard", "/dashboard".into(), staff),
        ("/indices", "/indices".into(), staff),
        ("/transparency", "/transparency".into(), public),
        ("/indices/ranking.csv", "/indices/ranking.csv".into(), staff),
        (
            "/indices/ranking.xlsx",
            "/indices/ranking.xlsx".into(),
            staff,
        ),
        ("/indices/ratings.csv", "/indices/ratings.csv".into(), staff),
        (
            "/indices/dossiers.csv",
            "/indices/dossiers.csv".into(),
            staff,
        ),
        ("/indices/cases.csv", "/indices/cases.csv".into(), staff),
        ("/indices/compare", "/indices/compare".into(), staff),
        ("/dashboard/report", "/dashboard/report".into(), staff),
        (
            "/dashboard/report.xlsx",
            "/dashboard/report.xlsx".into(),
            staff,
        ),
        (
            "/indices/unit/{id}",
            format!("/indices/unit/{xapl}"),
            unit_a,
        ),
        (
            "/indices/unit/{id}/procedure/{pid}",
            format!("/indices/unit/{xapl}/procedure/0"),
            unit_a,
        ),
        (
            "/admin/index-rules",
            "/admin/index-rules".into(),
            root_admin,
        ),
        ("/admin/themes", "/admin/themes".into(), root_admin),
        ("/sessions", "/sessions".into(), public),
        ("/sessions/manage", "/sessions/manage".into(), staff),
        (
            "/sessions/manage/{id}",
            format!("/sessions/manage/{session}"),
            unit_a,
        ),
        (
            "/sessions/signup/{code}",
            "/sessions/signup/NOPE1234".into(),
            gone,
        ),
        (
            "/sessions/rate/{code}/{sig}",
            "/sessions/rate/NOPE1234/abcdef".into(),
            gone,
        ),
        (
            "/admin/session-kinds",
            "/admin/session-kinds".into(),
            root_admin,
        ),
        ("/sessions/{id}", format!("/sessions/{session}"), public),
        ("/ratings", "/ratings".into(), staff),
        (
            "/ratings/{id}/correct",
            format!("/ratings/{rating}/correct"),
            [Login, Forbidden, Forbidden, Ok],
        ),
        ("/kiosk", "/kiosk".into(), public),
        ("/kiosk/thanks", "/kiosk/thanks".into(), [Elsewhere; 4]),
        ("/kiosk/done", "/kiosk/done".into(), public),
        ("/kiosk/reset", "/kiosk/reset".into(), [Elsewhere; 4]),
        ("/survey", "/survey".into(), public),
        ("/s/done", "/s/done".into(), public),
        ("/s/{token}", "/s/not-a-token".into(), gone),
        ("/s/{token}/qr.svg", "/s/not-a-token/qr.svg".into(), gone),
        ("/s/{token}/qr.png", "/s/not-a-token/qr.png".into(), gone),
    ];
    Walk {
        official,
        leader,
        admin,
        table,
        xapl,
    }
}

both_databases!(
    every_route_is_allowed_or_refused_for_each_role,
    |app: TestApp| async move {
        let Walk {
            official,
            leader,
            admin,
            table,
            xapl,
        } = walk(&app).await;
        let declared = declared_routes();
        let missing: Vec<&String> = declared
            .iter()
            .filter(|d| !table.iter().any(|(p, _, _)| p == d))
            .collect();
        assert!(missing.is_empty(), "routes not walked: {missing:?}");
        let who = [&app, &official, &leader, &admin];
        let names = ["anonymous", "official A", "leader B", "admin"];
        let mut wrong = Vec::new();
        let mut checked = 0;
        for (_, path, want) in &table {
            for i in 0..4 {
                let g = got(who[i], path).await;
                checked += 1;
                if g != want[i] {
                    wrong.push(format!(
                        "{path} as {}: got {g:?}, want {:?}",
                        names[i], want[i]
                    ));
                }
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
        langnghe_tests::figure(
            "routes_roles",
            &format!(
                "{:?}: {} routes × 4 roles = {checked} checks, all as expected",
                app.backend,
                table.len()
            ),
        );
        // The dashboard of another subtree's unit is refused too.
        assert_eq!(
            got(&leader, &format!("/dashboard?unit={xapl}")).await,
            Forbidden
        );
    }
);

both_databases!(
    sign_in_is_throttled_after_repeated_failures,
    |app: TestApp| async move {
        let v = app.another_visitor();
        for _ in 0..5 {
            let r = v.login("canbo", "sai-mat-khau").await;
            assert!(location(&r).starts_with("/login"));
        }
        // The sixth try is refused even with the right password, with the reason.
        let r = v.login("canbo", "langnghe-canbo").await;
        assert!(
            location(&r).starts_with("/login"),
            "throttled: {}",
            location(&r)
        );
        let (_, page) = v.page(&location(&r)).await;
        assert!(page.contains("Đăng nhập sai quá nhiều lần"), "{page}");
        // Another account is not locked by it.
        let other = app.another_visitor();
        other.login_as("canbo.stp").await;
        // The failures are counted in the database, so every instance sees them.
        let n: i64 = langnghe_app::db_run!(&app.db, c => sqlx::query_scalar(
            "SELECT CAST(hits AS BIGINT) FROM rate_limits WHERE key = 'login:user:canbo'").fetch_one(c).await)
        .unwrap();
        assert_eq!(n, 5);
    }
);

both_databases!(
    public_forms_are_rate_limited_per_address,
    |app: TestApp| async move {
        let limit = langnghe_app::middleware::PUBLIC_LIMITS
            .iter()
            .find(|(e, _)| *e == "feedback/track")
            .unwrap()
            .1;
        for i in 0..limit {
            let r = app
                .post_form(
                    "/feedback/track",
                    "/api/feedback/track",
                    &[("code", "PA26999999"), ("contact", "0912345678")],
                )
                .await;
            assert_ne!(r.status(), 429, "post {i} is within the limit");
        }
        let r = app
            .post_form(
                "/feedback/track",
                "/api/feedback/track",
                &[("code", "PA26999999"), ("contact", "0912345678")],
            )
            .await;
        assert_eq!(r.status(), 429);
        assert!(r.headers().contains_key("retry-after"));
        let body = r.text().await.unwrap();
        assert!(body.contains("Quá nhiều yêu cầu"), "{body}");
        // Security headers on every page.
        let r = app.get("/").await;
        let h = r.headers();
        assert!(h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'"));
        assert!(h.contains_key("x-frame-options"));
        assert!(h.contains_key("referrer-policy"));
        assert_eq!(h["x-content-type-options"], "nosniff");
    }
);

/// The endpoints of every form (`#[server(endpoint = "…")]` in `app/src/api/`), read from the
/// source so that a new form is walked without being listed here.
pub(crate) fn form_endpoints() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../app/src/api");
    let mut out = Vec::new();
    for f in std::fs::read_dir(dir).unwrap() {
        let src = std::fs::read_to_string(f.unwrap().path()).unwrap();
        for part in src.split("#[server(endpoint = \"").skip(1) {
            out.push(part[..part.find('"').unwrap()].to_string());
        }
    }
    out.sort();
    out
}

both_databases!(
    every_form_refuses_anonymous_staff_actions,
    |app: TestApp| async move {
        let public = [
            "login",
            "logout",
            "feedback/submit",
            "feedback/track",
            "feedback/rate",
            "sessions/signup",
            "sessions/cancel",
            "sessions/rate",
            "survey/submit",
            "survey/find",
            "kiosk/rate",
            "kiosk/details",
        ];
        let endpoints = form_endpoints();
        assert!(endpoints.len() > 40, "{endpoints:?}");
        let mut wrong = Vec::new();
        for ep in &endpoints {
            let r = app
                .post_form("/", &format!("/api/{ep}"), &[("id", "1"), ("x", "1")])
                .await;
            let s = r.status().as_u16();
            let to = location(&r);
            if s >= 500 {
                wrong.push(format!("{ep}: {s}"));
                continue;
            }
            // Follow the answer: never a success message for an anonymous visitor on a staff
            // form; a refusal says so (sign-in, an error message, or the arguments refused).
            let (refused, succeeded) = if r.status().is_redirection() {
                let (_, page) = app.page(&to).await;
                (
                    to.starts_with("/login")
                        || to.contains("__err=")
                        || page.contains("flash-error"),
                    page.contains("flash-ok"),
                )
            } else {
                (s >= 400, false)
            };
            if !public.contains(&ep.as_str()) && (succeeded || !refused) {
                wrong.push(format!("{ep}: anonymous got {s} → {to}"));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
        langnghe_tests::figure(
            "forms_anonymous",
            &format!(
                "{:?}: {} form endpoints posted anonymously, {} staff-only all refused",
                app.backend,
                endpoints.len(),
                endpoints.len() - public.len()
            ),
        );
    }
);
