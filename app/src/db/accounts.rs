//! Staff accounts: argon2 password hashes, a role and a unit scope.

use super::{audit, Db, DbError, DbResult, Tx};
use crate::domain::Role;
use crate::{db_run, tx_run};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub email: String,
    pub role: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub unit_path: String,
    pub active: bool,
    pub last_login_at: Option<DateTime<Utc>>,
    /// Moves on at each password change or reset: sessions signed in before are ended.
    pub session_epoch: i64,
}

impl Account {
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Official)
    }
}

const SELECT: &str =
    "SELECT a.id, a.username, a.full_name, a.email, a.role, a.unit_id, u.name AS unit_name,
        u.path AS unit_path, a.active, a.last_login_at, CAST(a.session_epoch AS BIGINT) AS session_epoch
   FROM accounts a JOIN units u ON u.id = a.unit_id";

pub async fn get(db: &Db, id: i64) -> DbResult<Account> {
    let sql = format!("{SELECT} WHERE a.id = $1");
    db_run!(db, c => sqlx::query_as::<_, Account>(&sql).bind(id).fetch_optional(c).await)?
        .ok_or(DbError::NotFound)
}

/// Accounts whose unit lies in the subtree.
pub async fn in_subtree(db: &Db, path_prefix: &str) -> DbResult<Vec<Account>> {
    let sql = format!("{SELECT} WHERE u.path LIKE $1 ORDER BY u.path, a.username");
    let like = format!("{path_prefix}%");
    Ok(db_run!(db, c => sqlx::query_as::<_, Account>(&sql).bind(&like).fetch_all(c).await)?)
}

pub async fn of_unit(db: &Db, unit_id: i64) -> DbResult<Vec<Account>> {
    let sql = format!("{SELECT} WHERE a.unit_id = $1 ORDER BY a.username");
    Ok(db_run!(db, c => sqlx::query_as::<_, Account>(&sql).bind(unit_id).fetch_all(c).await)?)
}

pub async fn count(db: &Db) -> DbResult<i64> {
    Ok(
        db_run!(db, c => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM accounts").fetch_one(c).await)?,
    )
}

/// Hashes a password with argon2id and a random salt.
pub fn hash_password(password: &str) -> Result<String, DbError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| DbError::Inconsistent("password hashing failed"))
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A fixed hash to verify against when the username does not exist, so that a wrong username
/// takes as long as a wrong password.
fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hash_password("not a real password").unwrap_or_default())
}

/// Checks a username and password; returns the active account they belong to.
/// Argon2 is slow on purpose, so it runs off the async threads.
pub async fn authenticate(db: &Db, username: &str, password: &str) -> DbResult<Option<Account>> {
    let row: Option<(i64, String, bool)> = db_run!(db, c => sqlx::query_as(
        "SELECT id, password_hash, active FROM accounts WHERE username = $1")
        .bind(username).fetch_optional(c).await)?;
    let (hash, found) = match &row {
        Some((_, h, active)) => (h.clone(), *active),
        None => (dummy_hash().to_string(), false),
    };
    let pw = password.to_string();
    let ok = tokio::task::spawn_blocking(move || verify_password(&pw, &hash))
        .await
        .unwrap_or(false);
    match row {
        Some((id, _, _)) if ok && found => {
            db_run!(db, c => sqlx::query("UPDATE accounts SET last_login_at = $1 WHERE id = $2")
                .bind(super::now()).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
            Ok(Some(get(db, id).await?))
        }
        _ => Ok(None),
    }
}

/// What an admin types to create an account.
pub struct NewAccount<'a> {
    pub username: &'a str,
    pub full_name: &'a str,
    pub email: &'a str,
    pub password: &'a str,
    pub role: Role,
    pub unit_id: i64,
}

pub async fn create(tx: &mut Tx, actor: Option<i64>, a: &NewAccount<'_>) -> DbResult<i64> {
    let hash = {
        let pw = a.password.to_string();
        tokio::task::spawn_blocking(move || hash_password(&pw))
            .await
            .map_err(|_| DbError::Inconsistent("password hashing task stopped"))??
    };
    let now = super::now();
    let id: i64 = tx_run!(tx, c => sqlx::query_scalar(
        "INSERT INTO accounts (username, full_name, email, password_hash, role, unit_id, active, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, TRUE, $7, $7) RETURNING id")
        .bind(a.username).bind(a.full_name).bind(a.email).bind(&hash).bind(a.role.as_str()).bind(a.unit_id).bind(now)
        .fetch_one(&mut *c).await)?;
    audit::record(
        tx,
        actor,
        "account.create",
        "account",
        Some(id),
        &format!("{} {}", a.username, a.role.as_str()),
    )
    .await?;
    Ok(id)
}

/// Changes an account's name, e-mail, role, unit and whether it may sign in.
#[allow(clippy::too_many_arguments)]
pub async fn update(
    tx: &mut Tx,
    actor: Option<i64>,
    id: i64,
    full_name: &str,
    email: &str,
    role: Role,
    unit_id: i64,
    active: bool,
) -> DbResult<()> {
    let n = tx_run!(tx, c => sqlx::query(
        "UPDATE accounts SET full_name = $1, email = $2, role = $3, unit_id = $4, active = $5, updated_at = $6 WHERE id = $7")
        .bind(full_name).bind(email).bind(role.as_str()).bind(unit_id).bind(active).bind(super::now()).bind(id)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(DbError::NotFound);
    }
    audit::record(
        tx,
        actor,
        "account.update",
        "account",
        Some(id),
        &format!("{} active={active}", role.as_str()),
    )
    .await?;
    Ok(())
}

/// Sets a new password and moves the account's session epoch on, so that every session signed
/// in before ends; returns the new epoch (for the session that stays, if any).
pub async fn set_password(
    tx: &mut Tx,
    actor: Option<i64>,
    id: i64,
    password: &str,
) -> DbResult<i64> {
    let pw = password.to_string();
    let hash = tokio::task::spawn_blocking(move || hash_password(&pw))
        .await
        .map_err(|_| DbError::Inconsistent("password hashing task stopped"))??;
    let epoch: Option<i64> = tx_run!(tx, c => sqlx::query_scalar(
        "UPDATE accounts SET password_hash = $1, session_epoch = session_epoch + 1, updated_at = $2
          WHERE id = $3 RETURNING CAST(session_epoch AS BIGINT)")
        .bind(&hash).bind(super::now()).bind(id).fetch_optional(&mut *c).await)?;
    let epoch = epoch.ok_or(DbError::NotFound)?;
    audit::record(tx, actor, "account.password", "account", Some(id), "").await?;
    Ok(epoch)
}

/// Whether the account named `username` signed in with its right password from `address` (a
/// key of [`super::throttle::address_key`]) in the last [`KNOWN_ADDRESS_DAYS`] days.
pub async fn is_known_address(db: &Db, username: &str, address: &str) -> DbResult<bool> {
    let since = super::now() - chrono::Duration::days(KNOWN_ADDRESS_DAYS);
    let found: Option<i64> = db_run!(db, c => sqlx::query_scalar(
        "SELECT l.account_id FROM login_addresses l JOIN accounts a ON a.id = l.account_id
          WHERE a.username = $1 AND l.address = $2 AND l.last_at > $3")
        .bind(username).bind(address).bind(since).fetch_optional(c).await)?;
    Ok(found.is_some())
}

/// How long an address stays known to an account after its last successful sign-in from it.
pub const KNOWN_ADDRESS_DAYS: i64 = 90;

/// Remembers that the account signed in from `address` now.
pub async fn remember_address(db: &Db, account_id: i64, address: &str) -> DbResult<()> {
    db_run!(db, c => sqlx::query(
        "INSERT INTO login_addresses (account_id, address, last_at) VALUES ($1, $2, $3)
         ON CONFLICT (account_id, address) DO UPDATE SET last_at = excluded.last_at")
        .bind(account_id).bind(address).bind(super::now()).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Forgets addresses not used for [`KNOWN_ADDRESS_DAYS`] days (run now and then).
pub async fn purge_addresses(db: &Db) -> DbResult<u64> {
    let before = super::now() - chrono::Duration::days(KNOWN_ADDRESS_DAYS);
    Ok(
        db_run!(db, c => sqlx::query("DELETE FROM login_addresses WHERE last_at < $1")
        .bind(before).execute(c).await.map(|r| r.rows_affected()))?,
    )
}

/// Whether a password matches the account's current one (for changing one's own password).
pub async fn check_password(db: &Db, id: i64, password: &str) -> DbResult<bool> {
    let hash: String =
        db_run!(db, c => sqlx::query_scalar("SELECT password_hash FROM accounts WHERE id = $1")
        .bind(id).fetch_optional(c).await)?
        .ok_or(DbError::NotFound)?;
    let pw = password.to_string();
    Ok(
        tokio::task::spawn_blocking(move || verify_password(&pw, &hash))
            .await
            .unwrap_or(false),
    )
}
