//! What the two bench binaries share: logging, the machine's cores, a scratch directory and a
//! throw-away PostgreSQL database for one run.

use std::future::Future;
use std::path::PathBuf;

/// The server secret of bench instances.
pub const SECRET: &str = "bench-secret-bench-secret-bench-secret";

/// Sets up TLS and logging (`RUST_LOG`, else `default_filter`) for a bench run.
pub fn init(default_filter: &str) {
    langnghe_app::notify::install_tls_provider();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter)),
        )
        .init();
}

/// The cores this machine offers (printed with every figure: they depend on it).
pub fn cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// A new scratch directory for this run, named after `prefix` and the process.
pub fn scratch_dir(prefix: &str) -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("{prefix}-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Creates a new PostgreSQL database on the server of `admin_url` (a URL ending in a database
/// name), runs `run` with its URL, then drops it whatever `run` returned.
pub async fn with_pg_database<T, F, Fut>(admin_url: &str, prefix: &str, run: F) -> anyhow::Result<T>
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = anyhow::Result<T>>,
{
    let name = format!("{prefix}_{}", std::process::id());
    let Some(i) = admin_url.rfind('/') else {
        anyhow::bail!("--pg must end with a database name");
    };
    let url = format!("{}/{name}", &admin_url[..i]);
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(admin_url).await?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await?;
    let out = run(url).await;
    // Give the pool a moment to close before the database goes.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await;
    out
}
