//! All SQL lives here, one module per table group. One binary serves SQLite and PostgreSQL,
//! chosen at run time by `DATABASE_URL`: [`Db`] holds whichever pool is live, and the
//! [`db_run!`] / [`tx_run!`] macros expand the same query code for each backend, so SQL is
//! written once in portable form (`$1` placeholders work on both).

pub mod accounts;
pub mod audit;
pub mod backup;
pub mod calendar;
pub mod demo;
pub mod demo_catalog;
pub mod demo_feedback;
pub mod demo_sessions;
pub mod dossiers;
pub mod feedback;
pub mod inbound;
pub mod indices;
pub mod insight;
pub mod instruments;
pub mod journey;
pub mod kiosks;
pub mod notify;
pub mod procedures;
pub mod ratings;
pub mod rollup;
pub mod sessions;
pub mod settings;
pub mod sipas;
pub mod throttle;
pub mod units;

use sqlx::{
    postgres::PgPoolOptions, sqlite::SqlitePoolOptions, PgPool, Postgres, Sqlite, SqlitePool,
};
use std::str::FromStr;
use std::time::Duration;

/// A database error at the data-access boundary.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("not found")]
    NotFound,
    /// A write the stored data refuses for a reason of the data layer itself (a row that
    /// should be there is not, a hash could not be computed): logged, answered as an error.
    #[error("inconsistent data: {0}")]
    Inconsistent(&'static str),
    #[error("unknown database URL scheme in {0:?}: use sqlite:PATH (the embedded default) or postgres://USER@HOST/DB")]
    UnknownScheme(String),
}

/// The database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// `sqlite:…` or `postgres://…` / `postgresql://…`; anything else is refused (a mistyped
    /// `postgress://` must not silently open a SQLite file of that name).
    pub fn of_url(url: &str) -> Result<Backend, DbError> {
        let scheme = url.split_once(':').map(|(s, _)| s.to_ascii_lowercase());
        match scheme.as_deref() {
            Some("sqlite") => Ok(Backend::Sqlite),
            Some("postgres" | "postgresql") if url.contains("://") => Ok(Backend::Postgres),
            _ => Err(DbError::UnknownScheme(
                url.chars().take(40).collect::<String>(),
            )),
        }
    }
}

impl DbError {
    /// Whether the database could not be reached or used for now, so that the request may
    /// well succeed if tried again later (503, not 500): the pool found no connection in time
    /// or is closed, the connection broke, PostgreSQL refuses connections or is shutting down,
    /// or SQLite stayed locked by another writer beyond the busy timeout.
    pub fn is_unavailable(&self) -> bool {
        let DbError::Sqlx(e) = self else {
            return false;
        };
        match e {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => true,
            sqlx::Error::Database(d) => {
                if let Some(pg) = d.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
                    // 08: connection exception; 53300: too many connections; 57P01-57P03:
                    // the server is shutting down, crashed or still starting.
                    let code = pg.code();
                    code.starts_with("08") || code == "53300" || code.starts_with("57P0")
                } else if d.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                    // SQLITE_BUSY (5) and SQLITE_LOCKED (6), with their extended codes.
                    d.code()
                        .and_then(|c| c.parse::<i32>().ok())
                        .is_some_and(|c| matches!(c & 0xff, 5 | 6))
                } else {
                    false
                }
            }
            _ => false,
        }
    }

    /// Whether the error is a unique-constraint violation (a duplicate code or name), of any
    /// constraint. Feature code asks [`DbError::violates`] to know which one.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            DbError::Sqlx(sqlx::Error::Database(e)) => e.is_unique_violation(),
            _ => false,
        }
    }

    /// Whether the error is the violation of the unique constraint on `table.column` (the
    /// first column of a composite key): PostgreSQL names the table and the key in its detail
    /// ("Key (code)=(…) already exists."), SQLite in its message ("UNIQUE constraint failed:
    /// units.code"). A violation of another constraint of the same table is not this one.
    pub fn violates(&self, table: &str, column: &str) -> bool {
        let DbError::Sqlx(sqlx::Error::Database(e)) = self else {
            return false;
        };
        if !e.is_unique_violation() {
            return false;
        }
        if let Some(pg) = e.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
            pg.table() == Some(table)
                && pg.detail().is_some_and(|d| {
                    d.starts_with(&format!("Key ({column})"))
                        || d.starts_with(&format!("Key ({column},"))
                })
        } else {
            let m = e.message();
            m.split_once("constraint failed: ")
                .and_then(|(_, cols)| cols.split(", ").next())
                .is_some_and(|first| first == format!("{table}.{column}"))
        }
    }
}

/// A feature's error enum (with a `Db(DbError)` variant) built from sqlx's errors by `?`.
#[macro_export]
macro_rules! from_sqlx {
    ($t:ty) => {
        impl From<sqlx::Error> for $t {
            fn from(e: sqlx::Error) -> Self {
                <$t>::Db(e.into())
            }
        }
    };
}

pub type DbResult<T> = Result<T, DbError>;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

/// The live connection pool.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// An open transaction on whichever backend is live.
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

/// Runs the same query code on the live pool: `db_run!(db, c => query.fetch_all(c).await)`.
#[macro_export]
macro_rules! db_run {
    ($db:expr, $c:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($c) => $body,
            $crate::db::Db::Postgres($c) => $body,
        }
    };
}

/// Runs the same query code inside an open transaction: the body uses `&mut *c` as executor.
#[macro_export]
macro_rules! tx_run {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx {
            $crate::db::Tx::Sqlite(t) => {
                let $c: &mut sqlx::SqliteConnection = &mut *t;
                $body
            }
            $crate::db::Tx::Postgres(t) => {
                let $c: &mut sqlx::PgConnection = &mut *t;
                $body
            }
        }
    };
}

impl Db {
    /// Connects to `url` (`sqlite:…` or `postgres://…`). A SQLite file is created if missing and
    /// opened in WAL mode with foreign keys on.
    pub async fn connect(url: &str) -> DbResult<Db> {
        if Backend::of_url(url)? == Backend::Postgres {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(5))
                .connect(url)
                .await?;
            Ok(Db::Postgres(pool))
        } else {
            let opts = sqlx::sqlite::SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(opts)
                .await?;
            Ok(Db::Sqlite(pool))
        }
    }

    /// Applies the migrations of the live dialect (embedded at build time), then the steps SQL
    /// cannot do: chaining the flags a database had before flags were chained, and making again
    /// the public texts published under older publication rules (`domain::publish`).
    pub async fn migrate(&self) -> DbResult<()> {
        match self {
            Db::Sqlite(p) => SQLITE_MIGRATIONS.run(p).await?,
            Db::Postgres(p) => POSTGRES_MIGRATIONS.run(p).await?,
        }
        ratings::chain_existing_flags(self).await?;
        let answers = feedback::refresh_public_texts(self).await?;
        let minutes = sessions::refresh_minutes(self).await?;
        if answers + minutes > 0 {
            tracing::info!(
                answers,
                minutes,
                "public texts made again with the current publication rules"
            );
        }
        Ok(())
    }

    /// The migration versions this build knows for the live dialect.
    pub fn known_migrations(&self) -> Vec<i64> {
        let m = match self {
            Db::Sqlite(_) => &SQLITE_MIGRATIONS,
            Db::Postgres(_) => &POSTGRES_MIGRATIONS,
        };
        m.iter().map(|m| m.version).collect()
    }

    /// The Vietnam calendar month of a timestamp column, as `'YYYY-MM'` text, in this
    /// database's dialect (for grouping by month in one query).
    pub fn local_month_sql(&self, column: &str) -> String {
        match self {
            Db::Sqlite(_) => format!("strftime('%Y-%m', {column}, '+7 hours')"),
            Db::Postgres(_) => {
                format!("to_char({column} AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM')")
            }
        }
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// A cheap round trip, for `/healthz`.
    pub async fn ping(&self) -> DbResult<()> {
        db_run!(self, c => sqlx::query("SELECT 1").execute(c).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn begin(&self) -> DbResult<Tx> {
        Ok(match self {
            // Every transaction here writes: take the write lock at once rather than upgrading later.
            Db::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    pub async fn close(&self) {
        db_run!(self, c => c.close().await)
    }
}

impl Tx {
    pub async fn commit(self) -> DbResult<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}

/// Now, to the microsecond (what both databases keep, so hashes can be recomputed).
pub fn now_micros() -> chrono::DateTime<chrono::Utc> {
    let n = chrono::Utc::now();
    chrono::DurationRound::duration_trunc(n, chrono::Duration::microseconds(1)).unwrap_or(n)
}

/// The current time, as stored.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

/// Today's date in Vietnam (deadlines count in local days).
pub fn today() -> chrono::NaiveDate {
    local_date(now())
}

/// The local (Vietnam) day of an instant.
pub fn local_date(t: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDate {
    t.with_timezone(&chrono_tz::Asia::Ho_Chi_Minh).date_naive()
}

/// A period of Vietnam days as instants: from the first instant of its first day to the first
/// instant of the day after its last (Vietnam keeps UTC+7 all year).
pub fn period_instants(
    p: &crate::domain::period::Period,
) -> (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>) {
    (
        local_noon(p.from) - chrono::Duration::hours(12),
        local_noon(p.to) + chrono::Duration::hours(12),
    )
}

/// Noon in Vietnam on `day`, as stored.
pub fn local_noon(day: chrono::NaiveDate) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    day.and_hms_opt(12, 0, 0)
        .and_then(|t| {
            chrono_tz::Asia::Ho_Chi_Minh
                .from_local_datetime(&t)
                .single()
        })
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_else(now)
}

#[cfg(test)]
mod tests {
    use super::Backend;

    #[test]
    fn only_known_schemes_open_a_database() {
        assert_eq!(
            Backend::of_url("sqlite:data/langnghe.db").unwrap(),
            Backend::Sqlite
        );
        assert_eq!(Backend::of_url("sqlite::memory:").unwrap(), Backend::Sqlite);
        assert_eq!(
            Backend::of_url("postgres://postgres@127.0.0.1/ln").unwrap(),
            Backend::Postgres
        );
        assert_eq!(
            Backend::of_url("postgresql://u@h/db").unwrap(),
            Backend::Postgres
        );
        assert_eq!(
            Backend::of_url("PostgreSQL://u@h/db").unwrap(),
            Backend::Postgres
        );
        for bad in [
            "postgress://u@h/db",
            "mysql://root@h/db",
            "data/langnghe.db",
            "",
            "postgres:db",
            "http://x",
        ] {
            let e = Backend::of_url(bad).unwrap_err().to_string();
            assert!(e.contains("unknown database URL scheme"), "{bad}: {e}");
        }
    }
}
