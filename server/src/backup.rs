//! `langnghe backup` and `langnghe restore`.
//!
//! A backup is taken while the server runs. SQLite: `VACUUM INTO` writes one consistent
//! snapshot of the live (WAL) database to a new file, which is then opened and checked with
//! `PRAGMA integrity_check`. PostgreSQL: `pg_dump --format=custom`, on a snapshot exported by a
//! read-only transaction, so the counts printed are exactly those of the dump.
//!
//! A restore needs the server stopped, and refuses when it finds the database in use or holding
//! data (unless `--force`). SQLite: the backup is copied next to the database, checked
//! (integrity, `_sqlx_migrations`, no migration newer than this build) and renamed over it.
//! PostgreSQL: `pg_restore --clean --if-exists --no-owner` in one transaction. Either way the
//! database is then opened as usual, which applies any newer migrations.

use crate::config::Opts;
use crate::startup::{self, redact};
use anyhow::{anyhow, bail, Context};
use langnghe_app::db::{backup as bk, Db};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// `langnghe backup <FILE>`: writes a consistent copy of the live database to a new file.
pub async fn backup(opts: &Opts, file: &Path) -> anyhow::Result<()> {
    let file = std::path::absolute(file)
        .with_context(|| format!("cannot resolve the path {}", file.display()))?;
    if file.symlink_metadata().is_ok() {
        bail!(
            "{} already exists: a backup never overwrites a file, choose a new name",
            file.display()
        );
    }
    match file.parent() {
        Some(dir) if !dir.is_dir() => bail!("the folder {} does not exist", dir.display()),
        _ => {}
    }
    let url = opts.database_url();
    let (counts, checked) = if is_postgres(&url) {
        (
            backup_postgres(&url, &file).await?,
            "the archive reads back (pg_restore --list)",
        )
    } else {
        (
            backup_sqlite(&url, &file).await?,
            "integrity check of the copy: ok",
        )
    };
    let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
    println!("backup written: {} ({})", file.display(), human_size(size));
    println!("  {checked}");
    println!("  {counts}");
    println!("  {}", secret_note(opts));
    Ok(())
}

/// `langnghe restore <FILE> [--force]`: replaces the database with a backup (server stopped).
pub async fn restore(opts: &Opts, file: &Path, force: bool) -> anyhow::Result<()> {
    match std::fs::metadata(file) {
        Ok(m) if m.is_file() => {}
        Ok(_) => bail!("{} is not a backup file", file.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            bail!("there is no backup file {}", file.display())
        }
        Err(e) => return Err(anyhow!(e).context(format!("cannot read {}", file.display()))),
    }
    let url = opts.database_url();
    let target = if is_postgres(&url) {
        restore_postgres(&url, file, force).await?
    } else {
        restore_sqlite(&url, file, force).await?
    };
    // The usual start-up path: applies migrations newer than the backup.
    let db = startup::connect(opts).await?;
    let counts = bk::counts(&db).await;
    close(db).await;
    println!("restored {} into {target}", file.display());
    println!("  {}", counts?);
    println!(
        "  the server needs the signing secret of the installation the backup came from \
         (LANGNGHE_SECRET or the data directory's secret file) for phone look-ups and signed links"
    );
    Ok(())
}

/// Closes a pool and lets it go: a connection still on its way back to the pool when it was
/// closed is only released when the pool is dropped, and a check for other users of the
/// database must not find our own.
async fn close(db: Db) {
    db.close().await;
    drop(db);
}

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres:") || url.starts_with("postgresql:")
}

/// The file of a `sqlite:` URL.
fn sqlite_path(url: &str) -> anyhow::Result<PathBuf> {
    let opts = sqlx::sqlite::SqliteConnectOptions::from_str(url)
        .with_context(|| format!("not a SQLite URL: {url}"))?;
    let path = opts.get_filename();
    let s = path.to_string_lossy();
    if s == ":memory:" || s.starts_with("file:") || url.contains("mode=memory") {
        bail!("{url} is an in-memory database: there is no file to back up or restore");
    }
    Ok(path.to_path_buf())
}

/// Refuses to replace a database that already has data, unless `--force`.
fn refuse_unless_forced(existing: bk::Existing, force: bool, what: &str) -> anyhow::Result<()> {
    if !existing.is_empty() && !force {
        bail!(
            "the database {what} already has data ({} units, {}): a restore would replace it; \
             stop the server and run the restore again with --force to replace it",
            existing.units,
            existing.counts
        );
    }
    Ok(())
}

async fn backup_sqlite(url: &str, file: &Path) -> anyhow::Result<bk::Counts> {
    let db_path = sqlite_path(url)?;
    if !db_path.is_file() {
        bail!(
            "there is no database at {}: nothing to back up",
            db_path.display()
        );
    }
    let name = file
        .to_str()
        .ok_or_else(|| anyhow!("the backup path is not valid UTF-8: {}", file.display()))?;
    // Opened without migrating: a backup never changes the database it copies.
    let db = Db::connect(url)
        .await
        .map_err(|e| anyhow!("cannot open the database {}: {e}", db_path.display()))?;
    let written = match &db {
        Db::Sqlite(pool) => bk::sqlite_vacuum_into(pool, name).await,
        Db::Postgres(_) => Ok(()),
    };
    close(db).await;
    written.with_context(|| format!("cannot write the backup {}", file.display()))?;
    let checked = check_sqlite_backup(file, &file.display().to_string()).await;
    if checked.is_err() {
        // A copy that does not pass its own check is no backup: do not leave it around.
        let _ = std::fs::remove_file(file);
    }
    checked
}

/// Checks a SQLite backup file (or its copy at `path`): sound, a Lắng Nghe database, not made
/// by a newer version. Returns its counts. `name` is how messages call the file.
async fn check_sqlite_backup(path: &Path, name: &str) -> anyhow::Result<bk::Counts> {
    let db = bk::open_sqlite_file(path)
        .await
        .map_err(|e| anyhow!("{name} is not a usable backup: {e}"))?;
    let checked = async {
        let Db::Sqlite(pool) = &db else {
            bail!("{name}: not a SQLite file");
        };
        let problems = bk::sqlite_integrity_problems(pool)
            .await
            .map_err(|e| anyhow!("{name} is not a usable backup: {e}"))?;
        if !problems.is_empty() {
            let first: Vec<&str> = problems.iter().take(3).map(String::as_str).collect();
            bail!(
                "{name} is damaged: the integrity check found {} problem(s), first: {}",
                problems.len(),
                first.join("; ")
            );
        }
        if !bk::table_exists(&db, "_sqlx_migrations").await? {
            bail!("{name} is a SQLite database but not a Lắng Nghe backup (it has no _sqlx_migrations table)");
        }
        let known = db.known_migrations();
        let applied = bk::applied_migrations(&db).await?;
        if let Some(v) = applied.iter().find(|v| !known.contains(v)) {
            bail!("{name} was made by a newer version of Lắng Nghe (migration {v}): restore it with that version");
        }
        Ok(bk::existing(&db).await?.counts)
    }
    .await;
    close(db).await;
    checked
}

async fn restore_sqlite(url: &str, file: &Path, force: bool) -> anyhow::Result<String> {
    let target = sqlite_path(url)?;
    let shown = target.display().to_string();
    if target.exists() {
        let db = bk::open_sqlite_file(&target)
            .await
            .map_err(|e| anyhow!("cannot open the database {shown}: {e}"))?;
        let existing = bk::existing(&db).await;
        close(db).await;
        refuse_unless_forced(existing?, force, &shown)?;
        if bk::sqlite_in_use(&target).await? {
            bail!("the database {shown} is in use: stop the Lắng Nghe server (and anything else that has it open) before restoring");
        }
    }
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the folder {}", dir.display()))?;
    }
    // Copy next to the database, check the copy, then rename it over the database: the
    // backup file itself is never opened for writing, and the swap is one rename.
    let mut temp = target.clone().into_os_string();
    temp.push(".restoring");
    let temp = PathBuf::from(temp);
    remove_if_present(&temp)?;
    let copied = std::fs::copy(file, &temp)
        .and_then(|_| std::fs::File::open(&temp)?.sync_all())
        .with_context(|| format!("cannot copy {} to {}", file.display(), temp.display()));
    let checked = match copied {
        Ok(()) => check_sqlite_backup(&temp, &file.display().to_string()).await,
        Err(e) => Err(e),
    };
    if let Err(e) = checked {
        let _ = std::fs::remove_file(&temp);
        return Err(e);
    }
    // The old write-ahead log belongs to the old database: left behind, SQLite would replay it
    // into the restored one.
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut side = target.clone().into_os_string();
        side.push(suffix);
        remove_if_present(Path::new(&side))?;
    }
    std::fs::rename(&temp, &target)
        .with_context(|| format!("cannot move {} to {shown}", temp.display()))?;
    Ok(shown)
}

fn remove_if_present(path: &Path) -> anyhow::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(anyhow!(e).context(format!("cannot remove {}", path.display())))
        }
        _ => Ok(()),
    }
}

async fn backup_postgres(url: &str, file: &Path) -> anyhow::Result<bk::Counts> {
    let db = Db::connect(url)
        .await
        .map_err(|e| anyhow!("cannot open the database {}: {e}", redact(url)))?;
    let dumped = async {
        let server = bk::pg_server_major(&db).await?;
        let tool = tool_major("pg_dump", server).await?;
        if let Some(server) = server.filter(|s| *s > tool) {
            bail!("pg_dump {tool} cannot dump a PostgreSQL {server} server: install the PostgreSQL {server} client tools and put them first on PATH");
        }
        let snapshot = bk::pg_snapshot(&db)
            .await?
            .ok_or_else(|| anyhow!("not a PostgreSQL database"))?;
        let (conn, password) = libpq_url(url)?;
        let mut cmd = tokio::process::Command::new("pg_dump");
        cmd.arg("--format=custom")
            .arg(format!("--snapshot={}", snapshot.id))
            .arg("--file")
            .arg(file)
            .arg(format!("--dbname={conn}"));
        if let Some(p) = password {
            cmd.env("PGPASSWORD", p);
        }
        let status = cmd.status().await;
        let counts = snapshot.counts;
        snapshot.finish().await?;
        let status = status.map_err(|e| missing_tool("pg_dump", server, e))?;
        if !status.success() {
            let _ = std::fs::remove_file(file);
            bail!("pg_dump failed ({status}); no backup was written");
        }
        Ok(counts)
    }
    .await;
    close(db).await;
    let counts = dumped?;
    // The archive must read back, as a restore will read it.
    if let Err(e) = check_pg_archive(file).await {
        let _ = std::fs::remove_file(file);
        return Err(e);
    }
    Ok(counts)
}

async fn restore_postgres(url: &str, file: &Path, force: bool) -> anyhow::Result<String> {
    check_pg_archive(file).await?;
    let shown = redact(url);
    let db = bk::open_pg_single(url)
        .await
        .map_err(|e| anyhow!("cannot open the database {shown}: {e}"))?;
    let checks = async {
        refuse_unless_forced(bk::existing(&db).await?, force, &shown)?;
        // A server that was just stopped may take a moment to leave.
        let mut others = bk::pg_other_connections(&db).await?;
        for _ in 0..10 {
            if others == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            others = bk::pg_other_connections(&db).await?;
        }
        if others > 0 {
            bail!("the database {shown} is in use ({others} other connection(s)): stop the Lắng Nghe server (and anything else connected to it) before restoring");
        }
        Ok(())
    }
    .await;
    close(db).await;
    checks?;
    let (conn, password) = libpq_url(url)?;
    let mut cmd = tokio::process::Command::new("pg_restore");
    cmd.args([
        "--clean",
        "--if-exists",
        "--no-owner",
        "--single-transaction",
    ])
    .arg(format!("--dbname={conn}"))
    .arg(file);
    if let Some(p) = password {
        cmd.env("PGPASSWORD", p);
    }
    let status = cmd
        .status()
        .await
        .map_err(|e| missing_tool("pg_restore", None, e))?;
    if !status.success() {
        bail!("pg_restore failed ({status}); it ran in one transaction, so the database is as it was before");
    }
    Ok(shown)
}

/// Checks that `file` is a pg_dump archive of a Lắng Nghe database (`pg_restore --list`).
async fn check_pg_archive(file: &Path) -> anyhow::Result<()> {
    let out = tokio::process::Command::new("pg_restore")
        .arg("--list")
        .arg(file)
        .output()
        .await
        .map_err(|e| missing_tool("pg_restore", None, e))?;
    if !out.status.success() {
        let why = String::from_utf8_lossy(&out.stderr);
        bail!(
            "{} is not a usable PostgreSQL backup: {}",
            file.display(),
            why.trim()
        );
    }
    let list = String::from_utf8_lossy(&out.stdout);
    let has_migrations = list.lines().any(|l| {
        !l.starts_with(';')
            && l.contains(" TABLE ")
            && l.split_whitespace().any(|w| w == "_sqlx_migrations")
    });
    if !has_migrations {
        bail!("{} is a PostgreSQL backup but not a Lắng Nghe backup (it has no _sqlx_migrations table)", file.display());
    }
    Ok(())
}

/// The major version of a PostgreSQL client tool (`pg_dump --version`).
async fn tool_major(tool: &str, server: Option<i64>) -> anyhow::Result<i64> {
    let out = tokio::process::Command::new(tool)
        .arg("--version")
        .output()
        .await
        .map_err(|e| missing_tool(tool, server, e))?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .find_map(|w| w.split('.').next().and_then(|m| m.parse::<i64>().ok()))
        .ok_or_else(|| anyhow!("cannot read the version of {tool}: {}", text.trim()))
}

fn missing_tool(tool: &str, server: Option<i64>, e: std::io::Error) -> anyhow::Error {
    if e.kind() == std::io::ErrorKind::NotFound {
        let version = server
            .map(|v| format!(" {v} (the server's major version)"))
            .unwrap_or_default();
        anyhow!("{tool} was not found: install the PostgreSQL{version} client tools and put them on PATH")
    } else {
        anyhow!(e).context(format!("cannot run {tool}"))
    }
}

/// The URL for libpq without its password (kept out of the process list), and the password.
fn libpq_url(url: &str) -> anyhow::Result<(String, Option<String>)> {
    let mut u = url::Url::parse(url).map_err(|e| anyhow!("bad database URL: {e}"))?;
    let password = u.password().map(|p| {
        percent_encoding::percent_decode_str(p)
            .decode_utf8_lossy()
            .into_owned()
    });
    if password.is_some() {
        u.set_password(None)
            .map_err(|()| anyhow!("bad database URL"))?;
    }
    Ok((u.to_string(), password))
}

fn human_size(bytes: u64) -> String {
    match bytes {
        b if b < 1_000 => format!("{b} bytes"),
        b if b < 1_000_000 => format!("{:.1} kB", b as f64 / 1e3),
        b if b < 1_000_000_000 => format!("{:.1} MB", b as f64 / 1e6),
        b => format!("{:.2} GB", b as f64 / 1e9),
    }
}

/// What to keep with a backup besides the file.
fn secret_note(opts: &Opts) -> String {
    let secret = if opts.secret.as_deref().is_some_and(|s| !s.is_empty()) {
        "the LANGNGHE_SECRET value".to_string()
    } else {
        opts.data_dir.join("secret").display().to_string()
    };
    format!("keep {secret} with it: after a restore, phone look-ups and signed links need the same secret")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_stays_out_of_the_command_line() {
        let (conn, pw) = libpq_url("postgres://app:p%40ss@db.example:5432/langnghe").unwrap();
        assert_eq!(conn, "postgres://app@db.example:5432/langnghe");
        assert_eq!(pw.as_deref(), Some("p@ss"));
        let (conn, pw) = libpq_url("postgres://postgres@127.0.0.1/x?sslmode=require").unwrap();
        assert_eq!(conn, "postgres://postgres@127.0.0.1/x?sslmode=require");
        assert_eq!(pw, None);
    }

    #[test]
    fn the_sqlite_file_comes_from_the_url() {
        assert_eq!(
            sqlite_path("sqlite:data/langnghe.db").unwrap(),
            PathBuf::from("data/langnghe.db")
        );
        assert!(sqlite_path("sqlite::memory:").is_err());
    }

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(human_size(512), "512 bytes");
        assert_eq!(human_size(1_468_006), "1.5 MB");
    }
}
