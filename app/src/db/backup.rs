//! The database side of `langnghe backup` and `langnghe restore`: a consistent copy of a live
//! SQLite database (`VACUUM INTO`), the checks a backup file must pass, what a database holds
//! (the counts printed after a backup or a restore, and whether a restore would replace data),
//! whether another program has the database open, and the exported PostgreSQL snapshot that
//! `pg_dump --snapshot` dumps. Running pg_dump and pg_restore is the command line's job.

use super::{Db, DbResult};
use crate::db_run;
use sqlx::sqlite::{SqliteConnectOptions, SqliteLockingMode, SqlitePoolOptions};
use sqlx::SqlitePool;
use std::path::Path;
use std::time::Duration;

/// The tables whose row counts describe a backup to people.
const COUNTED: [&str; 3] = ["ratings", "feedback_cases", "session_signups"];

/// How many ratings, feedback cases and dialogue-session sign-ups a database holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub ratings: i64,
    pub feedback_cases: i64,
    pub session_signups: i64,
}

impl Counts {
    fn from_values(v: [i64; 3]) -> Counts {
        Counts {
            ratings: v[0],
            feedback_cases: v[1],
            session_signups: v[2],
        }
    }
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ratings, {} feedback cases, {} session sign-ups",
            self.ratings, self.feedback_cases, self.session_signups
        )
    }
}

/// Counts the rows of the three tables people recognise (the schema must be in place).
pub async fn counts(db: &Db) -> DbResult<Counts> {
    let mut v = [0i64; 3];
    for (slot, table) in v.iter_mut().zip(COUNTED) {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        *slot = db_run!(db, c => sqlx::query_scalar::<_, i64>(&sql).fetch_one(c).await)?;
    }
    Ok(Counts::from_values(v))
}

/// Whether the table exists (in the current schema on PostgreSQL).
pub async fn table_exists(db: &Db, table: &str) -> DbResult<bool> {
    let n: i64 = match db {
        Db::Sqlite(p) => {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1",
            )
            .bind(table)
            .fetch_one(p)
            .await?
        }
        Db::Postgres(p) => {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM information_schema.tables
                  WHERE table_schema = current_schema() AND table_name = $1",
            )
            .bind(table)
            .fetch_one(p)
            .await?
        }
    };
    Ok(n > 0)
}

/// What a restore would replace.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Existing {
    pub units: i64,
    pub counts: Counts,
}

impl Existing {
    /// No units and nothing counted: a new or only migrated database.
    pub fn is_empty(&self) -> bool {
        self.units == 0 && self.counts == Counts::default()
    }
}

/// The units and counted rows of a database that may not have the whole schema yet (a table
/// that does not exist counts as empty).
pub async fn existing(db: &Db) -> DbResult<Existing> {
    let mut v = [0i64; 4];
    for (slot, table) in v.iter_mut().zip(["units"].into_iter().chain(COUNTED)) {
        if table_exists(db, table).await? {
            let sql = format!("SELECT COUNT(*) FROM {table}");
            *slot = db_run!(db, c => sqlx::query_scalar::<_, i64>(&sql).fetch_one(c).await)?;
        }
    }
    Ok(Existing {
        units: v[0],
        counts: Counts::from_values([v[1], v[2], v[3]]),
    })
}

/// The migration versions recorded in the database (`_sqlx_migrations`, successful ones).
pub async fn applied_migrations(db: &Db) -> DbResult<Vec<i64>> {
    Ok(db_run!(db, c => sqlx::query_scalar::<_, i64>(
        "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
        .fetch_all(c).await)?)
}

/// Writes a consistent copy of a live SQLite database to `file` with `VACUUM INTO`: it reads
/// one snapshot, so the server may go on writing meanwhile (WAL mode). `file` must not exist
/// (SQLite refuses to overwrite); it is bound as a parameter, never spliced into the SQL.
pub async fn sqlite_vacuum_into(pool: &SqlitePool, file: &str) -> DbResult<()> {
    sqlx::query("VACUUM INTO $1")
        .bind(file)
        .execute(pool)
        .await?;
    Ok(())
}

/// Opens an existing SQLite file as it is (never created, journal mode left alone) with one
/// connection: for checking a backup or the database a restore would replace.
pub async fn open_sqlite_file(path: &Path) -> DbResult<Db> {
    let opts = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false)
        .busy_timeout(Duration::from_secs(10));
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(opts)
        .await?;
    Ok(Db::Sqlite(pool))
}

/// Opens a PostgreSQL database with exactly one connection, so that counting the other
/// connections ([`pg_other_connections`]) never counts one of our own.
pub async fn open_pg_single(url: &str) -> DbResult<Db> {
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(5))
        .connect(url)
        .await?;
    Ok(Db::Postgres(pool))
}

/// `PRAGMA integrity_check`: the problems SQLite finds, empty when the file is sound. A file
/// that is not a SQLite database at all is an error.
pub async fn sqlite_integrity_problems(pool: &SqlitePool) -> DbResult<Vec<String>> {
    let rows: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().filter(|r| r != "ok").collect())
}

/// Whether another connection has this SQLite file open, as a running server's pool does. A
/// connection in exclusive locking mode cannot even read a WAL database that someone else has
/// open, and takes the lock at once when nobody has. The file must exist.
pub async fn sqlite_in_use(path: &Path) -> DbResult<bool> {
    let opts = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false)
        .locking_mode(SqliteLockingMode::Exclusive)
        .busy_timeout(Duration::from_secs(2));
    let probe = async {
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(opts)
            .await?;
        let locked = async {
            let mut tx = pool.begin_with("BEGIN EXCLUSIVE").await?;
            sqlx::query("SELECT COUNT(*) FROM sqlite_master")
                .execute(&mut *tx)
                .await?;
            tx.rollback().await
        }
        .await;
        pool.close().await;
        drop(pool);
        locked
    }
    .await;
    match probe {
        Ok(()) => Ok(false),
        Err(sqlx::Error::Database(e)) if is_busy(e.code().as_deref()) => Ok(true),
        Err(e) => Err(e.into()),
    }
}

/// SQLITE_BUSY (5) or SQLITE_LOCKED (6), extended codes included.
fn is_busy(code: Option<&str>) -> bool {
    code.and_then(|c| c.parse::<i64>().ok())
        .is_some_and(|c| matches!(c & 0xff, 5 | 6))
}

/// How many other client connections a PostgreSQL database has (a running server keeps some);
/// open `db` with [`open_pg_single`].
pub async fn pg_other_connections(db: &Db) -> DbResult<i64> {
    match db {
        Db::Sqlite(_) => Ok(0),
        Db::Postgres(p) => Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_stat_activity
              WHERE datname = current_database() AND pid <> pg_backend_pid()
                AND backend_type = 'client backend'",
        )
        .fetch_one(p)
        .await?),
    }
}

/// The major version of the PostgreSQL server (15 for 15.4).
pub async fn pg_server_major(db: &Db) -> DbResult<Option<i64>> {
    match db {
        Db::Sqlite(_) => Ok(None),
        Db::Postgres(p) => {
            let num: String = sqlx::query_scalar("SHOW server_version_num")
                .fetch_one(p)
                .await?;
            Ok(num.trim().parse::<i64>().ok().map(|n| n / 10000))
        }
    }
}

/// A read-only, repeatable-read PostgreSQL transaction whose snapshot is exported: the counts
/// were taken in it and `pg_dump --snapshot <id>` dumps exactly the same data. Keep it open
/// until pg_dump has finished, then [`PgSnapshot::finish`] it.
pub struct PgSnapshot {
    tx: sqlx::Transaction<'static, sqlx::Postgres>,
    /// The snapshot identifier for `pg_dump --snapshot`.
    pub id: String,
    /// The counts in this snapshot.
    pub counts: Counts,
}

/// Opens a [`PgSnapshot`] on a PostgreSQL database (`None` on SQLite).
pub async fn pg_snapshot(db: &Db) -> DbResult<Option<PgSnapshot>> {
    let Db::Postgres(p) = db else {
        return Ok(None);
    };
    let mut tx = p.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    let id: String = sqlx::query_scalar("SELECT pg_export_snapshot()")
        .fetch_one(&mut *tx)
        .await?;
    let mut v = [0i64; 3];
    for (slot, table) in v.iter_mut().zip(COUNTED) {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        *slot = sqlx::query_scalar::<_, i64>(&sql)
            .fetch_one(&mut *tx)
            .await?;
    }
    Ok(Some(PgSnapshot {
        tx,
        id,
        counts: Counts::from_values(v),
    }))
}

impl PgSnapshot {
    /// Ends the transaction (it only read).
    pub async fn finish(self) -> DbResult<()> {
        self.tx.rollback().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_and_locked_codes_mean_in_use() {
        assert!(is_busy(Some("5")));
        assert!(is_busy(Some("517"))); // SQLITE_BUSY_SNAPSHOT
        assert!(is_busy(Some("6")));
        assert!(!is_busy(Some("26"))); // not a database
        assert!(!is_busy(None));
    }

    #[test]
    fn counts_read_as_people_say_them() {
        let c = Counts::from_values([12, 3, 1]);
        assert_eq!(
            c.to_string(),
            "12 ratings, 3 feedback cases, 1 session sign-ups"
        );
        assert!(!Existing {
            units: 0,
            counts: c
        }
        .is_empty());
        assert!(Existing::default().is_empty());
    }
}
