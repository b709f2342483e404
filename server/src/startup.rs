//! Start-up: connect and migrate the database, fill a new one with the demo province, build the
//! router with its layers, and serve until asked to stop (draining requests in flight).

use crate::config::Opts;
use crate::session_store::Store;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, Uri};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{middleware, Json, Router};
use langnghe_app::db::{accounts, demo, Db};
use langnghe_app::{middleware as mw, pages, AppConfig, AppState};
use leptos::prelude::provide_context;
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tower_http::compression::predicate::NotForContentType;
use tower_http::compression::Predicate as _;
use tower_http::services::ServeDir;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

/// Connects to the configured database and applies migrations.
pub async fn connect(opts: &Opts) -> anyhow::Result<Db> {
    let url = opts.database_url();
    if url.starts_with("sqlite:") {
        std::fs::create_dir_all(&opts.data_dir)?;
        create_private_sqlite_file(&url)?;
    }
    let db = Db::connect(&url)
        .await
        .map_err(|e| anyhow::anyhow!("cannot open the database {}: {e}", redact(&url)))?;
    db.migrate().await?;
    langnghe_app::db::instruments::ensure_default(&db).await?;
    langnghe_app::db::insight::ensure_default_themes(&db).await?;
    Ok(db)
}

/// The file of a SQLite URL (`sqlite:path`, `sqlite://path`, options after `?`), unless it is
/// an in-memory database.
pub fn sqlite_path(url: &str) -> Option<std::path::PathBuf> {
    let rest = url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" || url.contains("mode=memory") {
        return None;
    }
    Some(std::path::PathBuf::from(path))
}

/// Creates a new SQLite database file readable and writable by its owner only (0600) before
/// SQLite opens it: it holds citizens' personal data. SQLite gives its `-wal` and `-shm` files
/// the same mode. An existing file is left as it is, with a warning when others may read it.
fn create_private_sqlite_file(url: &str) -> anyhow::Result<()> {
    let Some(path) = sqlite_path(url) else {
        return Ok(());
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
        {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                if let Ok(m) = std::fs::metadata(&path) {
                    if m.permissions().mode() & 0o077 != 0 {
                        tracing::warn!(
                            path = %path.display(),
                            "the database file may be read by other users of this machine (chmod 600 it)"
                        );
                    }
                }
            }
            Err(e) => {
                return Err(anyhow::anyhow!(
                    "cannot create the database file {}: {e}",
                    path.display()
                ))
            }
        }
    }
    Ok(())
}

/// A database URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

/// Fills an empty database with the demo province; returns whether it did.
pub async fn seed_demo_if_empty(db: &Db, spec: &demo::DemoSpec) -> anyhow::Result<bool> {
    if demo::is_empty(db).await? {
        demo::generate(db, spec).await?;
        return Ok(true);
    }
    Ok(false)
}

/// Prints the demo accounts when they exist (so a visitor can sign in).
pub async fn print_demo_accounts(db: &Db, base_url: &str) {
    let mut lines = Vec::new();
    for a in demo::DEMO_ACCOUNTS.iter() {
        if let Ok(Some(_)) = accounts::authenticate(db, a.username, a.password).await {
            lines.push(format!(
                "  {:<10} {:<18} {:?} ({})",
                a.username, a.password, a.role, a.unit_code
            ));
        }
    }
    if !lines.is_empty() {
        println!("\nLắng Nghe demo is running at {base_url}\nDemo accounts (username, password, role, unit):");
        for l in lines {
            println!("{l}");
        }
        if let Ok(Some(k)) =
            langnghe_app::db::kiosks::kiosk_by_token(db, &demo::demo_kiosk_token(0)).await
        {
            println!(
                "A demo kiosk ({}, {}): {base_url}/kiosk?token={}",
                k.name,
                k.unit_name,
                demo::demo_kiosk_token(0)
            );
        }
        let (code, phone) = langnghe_app::db::demo_feedback::sample();
        if let Ok(Some(_)) = langnghe_app::db::feedback::by_code(db, &code).await {
            println!("A demo feedback case to follow: {base_url}/feedback/track?code={code} (phone {phone})");
        }
        println!();
    }
}

/// On a database without any account, says how to create the first administrator.
pub async fn print_first_admin_hint(db: &Db, opts: &Opts) {
    if !matches!(accounts::count(db).await, Ok(0)) {
        return;
    }
    let url = if opts.embedded_default() {
        String::new()
    } else {
        format!(" --database-url '{}'", redact(&opts.database_url()))
    };
    println!(
        "\nLắng Nghe: this database has no account yet. Create the first administrator \
         (with no units yet it also creates the province root):\n  \
         langnghe{url} admin create --username admin --full-name \"Quản trị viên\" \
         --province \"Tỉnh …\" --password '<a long sentence>'\n\
         (or set LANGNGHE_ADMIN_PASSWORD instead of --password). \
         Demo data on purpose, into an empty database: langnghe{url} demo\n"
    );
}

async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match state.db.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(serde_json::json!({"status": "ok", "database": state.db.backend_name()})),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(
                    serde_json::json!({"status": "unavailable", "database": state.db.backend_name()}),
                ),
            )
        }
    }
}

/// The forms posted as `multipart/form-data` (they carry files).
const MULTIPART_FORMS: [&str; 3] = [
    "/api/feedback/submit",
    "/api/procedures/import",
    "/api/calendar/import",
];

async fn server_fn(State(state): State<AppState>, req: Request<Body>) -> axum::response::Response {
    // An unknown action is a translated 404 page, not the framework's English text.
    let known =
        leptos::server_fn::axum::get_server_fn_service(req.uri().path(), req.method().clone())
            .is_some();
    if !known {
        return pages::not_found().await.into_response();
    }
    // The forms that carry files are read as multipart; any other body would stop the reader
    // (a forged post, an old form): refuse it plainly.
    let multipart = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data") && v.contains("boundary="));
    if MULTIPART_FORMS.contains(&req.uri().path()) && !multipart {
        return langnghe_app::error::AppError::BadRequest("multipart expected").into_response();
    }
    // A body sent without its length is read here, so that one past the limit layer's bound
    // gets the clear 413 page instead of a form error.
    let req = if req
        .headers()
        .contains_key(axum::http::header::CONTENT_LENGTH)
    {
        req
    } else {
        let (parts, body) = req.into_parts();
        match axum::body::to_bytes(body, usize::MAX).await {
            Ok(bytes) => Request::from_parts(parts, Body::from(bytes)),
            Err(e) => {
                let inner = e.into_inner();
                let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&*inner);
                let mut too_large = false;
                while let Some(c) = cause {
                    too_large |= c.is::<http_body_util::LengthLimitError>();
                    cause = c.source();
                }
                return if too_large {
                    axum::http::StatusCode::PAYLOAD_TOO_LARGE.into_response()
                } else {
                    langnghe_app::error::AppError::BadRequest("unreadable body").into_response()
                };
            }
        }
    };
    let res =
        leptos_axum::handle_server_fns_with_context(move || provide_context(state.clone()), req)
            .await
            .into_response();
    let mut res = framework_error_page(res).await;
    // A form post that found the database away answers 503: give it the translated page.
    if res.status() == StatusCode::SERVICE_UNAVAILABLE
        && res
            .extensions()
            .get::<langnghe_app::error::ErrorPage>()
            .is_none()
    {
        let (title_key, text_key) =
            langnghe_app::error::AppError::Unavailable(String::new()).message_keys();
        res.extensions_mut().insert(langnghe_app::error::ErrorPage {
            status: StatusCode::SERVICE_UNAVAILABLE,
            title_key,
            text_key,
        });
    }
    res
}

/// A server function the framework itself refused (a form posted without one of its fields,
/// or with a value of the wrong type: `Args|missing field `id``) answers with a plain text
/// body, as 500 or as a redirect carrying it: give it the translated 400 page instead. Our own
/// server functions end through `api::finish` and never produce these, except the rare one
/// that found no request context (a 500 page).
async fn framework_error_page(res: axum::response::Response) -> axum::response::Response {
    if !res.headers().contains_key("serverfnerror") {
        return res;
    }
    let (_, body) = res.into_parts();
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let kind = String::from_utf8_lossy(&text)
        .split('|')
        .next()
        .unwrap_or_default()
        .to_string();
    tracing::info!(kind = %kind, "form post refused by the server function layer");
    match kind.as_str() {
        "Args" | "MissingArg" | "Deserialization" | "Request" => {
            langnghe_app::error::AppError::BadRequest("form fields").into_response()
        }
        _ => langnghe_app::error::AppError::Internal(format!("server function error: {kind}"))
            .into_response(),
    }
}

/// The whole application: pages, server functions, static files and every layer.
pub async fn app(state: AppState, public_dir: std::path::PathBuf) -> anyhow::Result<Router> {
    let store = Store::new(&state.db).await?;
    {
        use tower_sessions::session_store::ExpiredDeletion;
        let s = store.clone();
        tokio::spawn(async move {
            if let Err(e) = s
                .continuously_delete_expired(tokio::time::Duration::from_secs(3600))
                .await
            {
                tracing::warn!(error = %e, "expired-session cleanup stopped");
            }
        });
    }
    let sessions = SessionManagerLayer::new(store)
        .with_name("langnghe_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.config.secure_cookies)
        .with_expiry(Expiry::OnInactivity(time::Duration::hours(8)));
    langnghe_app::components::layout::load_assets(&public_dir);
    let router = pages::router()
        .merge(crate::api_v1::router())
        .route("/healthz", get(healthz))
        .route("/api/{*fn_name}", post(server_fn))
        .route("/static/{file}", get(fingerprinted_file))
        .fallback_service(tower::ServiceExt::<Request<Body>>::map_response(
            ServeDir::new(&public_dir).fallback(get(not_found)),
            |res| plain_file_cache(res.map(Body::new)),
        ))
        // Inside the body limit: form fields in Unicode NFC before any handler reads them.
        .layer(middleware::from_fn(mw::nfc_forms))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(4 * 1024 * 1024))
        // The case form carries attachments (3 files of at most 5 MiB each).
        .route(
            "/api/feedback/submit",
            post(server_fn).layer(tower_http::limit::RequestBodyLimitLayer::new(
                20 * 1024 * 1024,
            )),
        )
        .layer(middleware::from_fn_with_state(state.clone(), mw::limit_public_forms))
        .layer(middleware::from_fn_with_state(state.clone(), mw::refuse_cross_site))
        .layer(middleware::from_fn_with_state(state.clone(), mw::error_pages))
        .layer(sessions)
        .layer(middleware::from_fn(mw::security_headers))
        // HTML, CSS, JS and JSON go compressed to a client that accepts it (not images or
        // spreadsheets, already compressed).
        .layer(
            tower_http::compression::CompressionLayer::new().compress_when(
                tower_http::compression::DefaultPredicate::new()
                    .and(NotForContentType::const_new("application/vnd"))
                    .and(NotForContentType::const_new("application/zip")),
            ),
        )
        // A bug that panics in a handler answers 500 (the error page) instead of dropping the
        // connection; the panic is logged.
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        .layer(
            tower_http::trace::TraceLayer::new_for_http()
                // Only method and path: query strings may carry tokens or personal data.
                .make_span_with(|req: &Request<Body>| tracing::info_span!("http", method = %req.method(), path = %req.uri().path())),
        )
        .with_state(state);
    Ok(router)
}

/// How long a browser keeps a static file fetched by its plain name (`/style.css`): a short
/// time, since the name stays when the content changes.
const PLAIN_FILE_CACHE: &str = "public, max-age=300";

/// A static file by its fingerprinted name (`/static/style.<hash>.css`), kept for a year: the
/// name changes with the content. An old fingerprint gets today's file with a short cache.
async fn fingerprinted_file(
    axum::extract::Path(file): axum::extract::Path<String>,
    uri: Uri,
) -> axum::response::Response {
    use axum::http::header;
    match langnghe_app::components::layout::fingerprinted(&file) {
        Some((a, current)) => (
            [
                (header::CONTENT_TYPE, a.content_type),
                (
                    header::CACHE_CONTROL,
                    if current {
                        "public, max-age=31536000, immutable"
                    } else {
                        PLAIN_FILE_CACHE
                    },
                ),
            ],
            a.bytes.clone(),
        )
            .into_response(),
        None => not_found(uri).await.into_response(),
    }
}

/// Adds the short cache to a static file served by its plain name (not to the 404 page).
fn plain_file_cache(mut res: axum::response::Response) -> axum::response::Response {
    use axum::http::{header, HeaderValue};
    if (res.status().is_success() || res.status() == StatusCode::NOT_MODIFIED)
        && !res.headers().contains_key(header::CACHE_CONTROL)
    {
        res.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(PLAIN_FILE_CACHE),
        );
    }
    res
}

async fn not_found(_uri: Uri) -> impl IntoResponse {
    pages::not_found().await
}

/// A running server.
pub struct Running {
    pub addr: SocketAddr,
    pub base_url: String,
    pub state: AppState,
    pub handle: tokio::task::JoinHandle<std::io::Result<()>>,
    pub shutdown: tokio::sync::watch::Sender<bool>,
}

/// Binds the listen address, builds the app and serves it in the background.
pub async fn start(opts: &Opts, db: Db) -> anyhow::Result<Running> {
    let listener = TcpListener::bind(opts.listen).await.map_err(|e| {
        anyhow::anyhow!("cannot listen on {}: {e} (is another program using this port? choose another with --listen)", opts.listen)
    })?;
    let addr = listener.local_addr()?;
    let base_url = opts.base_url(addr);
    let config = AppConfig {
        secure_cookies: base_url.starts_with("https://"),
        base_url: base_url.clone(),
        secret: opts.secret()?,
        survey_days: opts.survey_days,
        rules: opts.rules()?,
        trust_proxy: opts.trust_proxy,
        sms_inbound_secret: Opts::inbound_secret(&opts.sms_inbound_secret),
        zalo_inbound_secret: Opts::inbound_secret(&opts.zalo_inbound_secret),
    };
    let state = AppState::new(db, config);
    let router = app(state.clone(), opts.public_dir()).await?;
    spawn_deadline_watch(
        state.db.clone(),
        base_url.clone(),
        state.config.secret.clone(),
        opts.deadline_check_minutes,
    );
    if opts.outbox_seconds > 0 {
        langnghe_app::notify::spawn(
            state.db.clone(),
            base_url.clone(),
            std::time::Duration::from_secs(opts.outbox_seconds),
        );
    }
    let (tx, rx) = tokio::sync::watch::channel(false);
    let limits = opts.connection_limits();
    let handle = tokio::spawn(crate::serve::serve(listener, router, limits, rx));
    Ok(Running {
        addr,
        base_url,
        state,
        handle,
        shutdown: tx,
    })
}

/// Every `minutes` (and at start), sends the apology notice with a new date for each feedback
/// case past its deadline, and the day's digest to leaders whose units have cases due soon or
/// overdue, the reminders the day before a dialogue session and the rating links after one.
/// Several instances may run it at once: each case, digest and message is claimed once.
fn spawn_deadline_watch(db: Db, base_url: String, secret: Vec<u8>, minutes: u64) {
    if minutes == 0 {
        return;
    }
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60 * minutes));
        loop {
            tick.tick().await;
            if let Err(e) = apologise_overdue(&db).await {
                tracing::warn!(error = %e, "overdue feedback check failed");
            }
            let today = langnghe_app::db::today();
            // Satisfaction alerts before the digest, so a new drop reaches today's e-mail.
            if let Err(e) = langnghe_app::reports::insight::daily_alerts(&db, today).await {
                tracing::warn!(error = %e, "satisfaction alert check failed");
            }
            if let Err(e) =
                langnghe_app::reports::subscription::queue_reports(&db, &base_url, today).await
            {
                tracing::warn!(error = %e, "periodic reports not queued");
            }
            if let Err(e) = langnghe_app::notify::queue_digests(&db, &base_url, today).await {
                tracing::warn!(error = %e, "leaders' digest failed");
            }
            let now = chrono::Utc::now();
            match langnghe_app::db::sessions::queue_messages(&db, &secret, &base_url, now).await {
                Ok((0, 0)) => {}
                Ok((reminders, rating_links)) => {
                    tracing::info!(reminders, rating_links, "dialogue session messages queued")
                }
                Err(e) => tracing::warn!(error = %e, "dialogue session messages failed"),
            }
            // Rate-limit counters older than a day serve nobody.
            if let Err(e) =
                langnghe_app::db::throttle::purge(&db, now - chrono::Duration::days(1)).await
            {
                tracing::warn!(error = %e, "rate-limit counters not purged");
            }
            // Addresses staff have not signed in from for 90 days are no longer "known".
            if let Err(e) = langnghe_app::db::accounts::purge_addresses(&db).await {
                tracing::warn!(error = %e, "known sign-in addresses not purged");
            }
        }
    });
}

/// One pass of the overdue check (also run by tests).
pub async fn apologise_overdue(db: &Db) -> anyhow::Result<usize> {
    use langnghe_app::db::{calendar, feedback};
    let cal = calendar::load(db).await?;
    let settings = calendar::feedback_settings(db).await?;
    let n = feedback::apologise_overdue(db, &cal, &settings, langnghe_app::db::today()).await?;
    if n > 0 {
        tracing::info!(cases = n, "apology notices sent for overdue feedback cases");
    }
    Ok(n)
}

/// Resolves when the process is asked to stop (Ctrl-C or SIGTERM). The signal handlers are
/// installed when this is called, not when it is first awaited: call it before the server
/// starts listening, so that a stop asked for during start-up is not the default "terminate
/// at once" but a drain like any other.
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let interrupt = signal(SignalKind::interrupt());
        let terminate = signal(SignalKind::terminate());
        if let Err(e) = &terminate {
            tracing::warn!(error = %e, "SIGTERM handler not installed");
        }
        async move {
            let wait = |s: std::io::Result<tokio::signal::unix::Signal>| async move {
                match s {
                    Ok(mut s) => {
                        s.recv().await;
                    }
                    Err(_) => std::future::pending::<()>().await,
                }
            };
            tokio::select! { _ = wait(interrupt) => {}, _ = wait(terminate) => {} }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}
