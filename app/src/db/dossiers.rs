//! Dossiers sent by the one-stop software, their one-time survey links, and API keys.

use super::{audit, Db, DbError, DbResult, Tx};
use crate::domain::dossier::{check_times, Invalid};
use crate::{db_run, tx_run};
use chrono::{DateTime, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A dossier as the API receives it (already validated).
#[derive(Debug, Clone)]
pub struct DossierInput {
    pub code: String,
    pub unit_id: i64,
    pub procedure_id: Option<i64>,
    pub counter_id: Option<i64>,
    pub phone_hash: String,
    pub phone_hint: String,
    pub received_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    /// The citizen complained about this dossier (Decision 766's third ratio).
    pub complained: bool,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Dossier {
    pub id: i64,
    pub code: String,
    pub unit_id: i64,
    pub procedure_id: Option<i64>,
    pub counter_id: Option<i64>,
    pub completed_at: Option<DateTime<Utc>>,
}

/// Why a dossier was not saved.
#[derive(Debug, thiserror::Error)]
pub enum DossierError {
    /// The code is already registered for another unit (inside the key's scope or not: the
    /// caller learns nothing about which unit, nor its survey link).
    #[error("the dossier code is registered for another unit")]
    OtherUnit,
    /// The times sent, with the ones already stored, break a rule of [`check_times`].
    #[error("dossier times refused: {0}")]
    Times(Invalid),
    /// Another post of the same code kept winning the race (try again).
    #[error("the dossier code was being saved by another request")]
    Race,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<sqlx::Error> for DossierError {
    fn from(e: sqlx::Error) -> Self {
        DossierError::Db(e.into())
    }
}

/// What is already stored for a dossier code.
#[derive(sqlx::FromRow)]
struct Stored {
    id: i64,
    unit_id: i64,
    received_at: Option<DateTime<Utc>>,
    due_at: Option<DateTime<Utc>>,
    completed_at: Option<DateTime<Utc>>,
}

/// Saves a dossier, idempotent on its code: the same code again for the same unit is the same
/// dossier (times sent later fill in what was missing, and a complaint reported later is kept);
/// the same code for another unit is refused ([`DossierError::OtherUnit`]) and changes nothing.
/// The times the dossier would then have (stored or new) are checked together with
/// [`check_times`]. On PostgreSQL the stored row is locked until the transaction ends, so two
/// posts of one code are judged one after the other. Returns the id and whether it was new.
pub async fn upsert(tx: &mut Tx, d: &DossierInput) -> Result<(i64, bool), DossierError> {
    let now = super::now();
    let select = match tx {
        Tx::Postgres(_) => "SELECT id, unit_id, received_at, due_at, completed_at FROM dossiers WHERE code = $1 FOR UPDATE",
        Tx::Sqlite(_) => "SELECT id, unit_id, received_at, due_at, completed_at FROM dossiers WHERE code = $1",
    };
    // Two attempts: a post of the same new code that commits between our look-up and our
    // insert makes the insert do nothing; the second look-up then finds its row.
    for _ in 0..2 {
        let stored: Option<Stored> = tx_run!(tx, c => sqlx::query_as::<_, Stored>(select)
            .bind(&d.code).fetch_optional(&mut *c).await)?;
        if let Some(s) = stored {
            if s.unit_id != d.unit_id {
                return Err(DossierError::OtherUnit);
            }
            check_times(
                s.received_at.or(d.received_at),
                s.due_at.or(d.due_at),
                s.completed_at.or(d.completed_at),
                now,
            )
            .map_err(DossierError::Times)?;
            tx_run!(tx, c => sqlx::query(
                "UPDATE dossiers SET received_at = COALESCE(received_at, $1), due_at = COALESCE(due_at, $2),
                        completed_at = COALESCE(completed_at, $3), complained = (complained OR $6), updated_at = $4 WHERE id = $5")
                .bind(d.received_at).bind(d.due_at).bind(d.completed_at).bind(now).bind(s.id).bind(d.complained)
                .execute(&mut *c).await.map(|r| r.rows_affected()))?;
            return Ok((s.id, false));
        }
        let id: Option<i64> = tx_run!(tx, c => sqlx::query_scalar(
            "INSERT INTO dossiers (code, unit_id, procedure_id, counter_id, phone_hash, phone_hint, received_at, due_at, completed_at, complained, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $11, $10, $10) ON CONFLICT (code) DO NOTHING RETURNING id")
            .bind(&d.code).bind(d.unit_id).bind(d.procedure_id).bind(d.counter_id).bind(&d.phone_hash).bind(&d.phone_hint)
            .bind(d.received_at).bind(d.due_at).bind(d.completed_at).bind(now).bind(d.complained)
            .fetch_optional(&mut *c).await)?;
        if let Some(id) = id {
            return Ok((id, true));
        }
    }
    Err(DossierError::Race)
}

/// Makes sure the dossier has its survey link; returns its expiry.
pub async fn ensure_link(
    tx: &mut Tx,
    dossier_id: i64,
    token_hash: &str,
    expires_at: DateTime<Utc>,
) -> DbResult<DateTime<Utc>> {
    let now = super::now();
    tx_run!(tx, c => sqlx::query(
        "INSERT INTO survey_links (dossier_id, token_hash, expires_at, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (dossier_id) DO NOTHING")
        .bind(dossier_id).bind(token_hash).bind(expires_at).bind(now).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(
        tx_run!(tx, c => sqlx::query_scalar("SELECT expires_at FROM survey_links WHERE dossier_id = $1")
        .bind(dossier_id).fetch_one(&mut *c).await)?,
    )
}

/// A survey link with what the survey needs to know of its dossier.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Link {
    pub id: i64,
    pub dossier_id: i64,
    pub dossier_code: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub procedure_id: Option<i64>,
    pub procedure_name: Option<String>,
    pub counter_id: Option<i64>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub async fn link_by_token(db: &Db, token: &str) -> DbResult<Option<Link>> {
    let h = hash_token(token);
    Ok(db_run!(db, c => sqlx::query_as::<_, Link>(
        "SELECT l.id, l.dossier_id, d.code AS dossier_code, d.unit_id, u.name AS unit_name, d.procedure_id, p.name AS procedure_name,
                d.counter_id, l.expires_at, l.used_at
           FROM survey_links l JOIN dossiers d ON d.id = l.dossier_id JOIN units u ON u.id = d.unit_id
           LEFT JOIN procedures p ON p.id = d.procedure_id
          WHERE l.token_hash = $1")
        .bind(&h).fetch_optional(c).await)?)
}

/// The dossier with this code whose citizen phone has this keyed hash.
pub async fn find_by_code_and_phone(
    db: &Db,
    code: &str,
    phone_hash: &str,
) -> DbResult<Option<i64>> {
    // A citizen types the code as they read it: as typed, then in capitals, then in small
    // letters (each one a look-up by the unique code, so the index serves it).
    let mut tried: Vec<String> = Vec::new();
    for candidate in [code.to_string(), code.to_uppercase(), code.to_lowercase()] {
        if tried.contains(&candidate) {
            continue;
        }
        let found = db_run!(db, c => sqlx::query_scalar::<_, i64>("SELECT id FROM dossiers WHERE code = $1 AND phone_hash = $2 AND phone_hash <> ''")
            .bind(&candidate).bind(phone_hash).fetch_optional(c).await)?;
        if found.is_some() {
            return Ok(found);
        }
        tried.push(candidate);
    }
    Ok(None)
}

pub async fn get(db: &Db, id: i64) -> DbResult<Dossier> {
    db_run!(db, c => sqlx::query_as::<_, Dossier>("SELECT id, code, unit_id, procedure_id, counter_id, completed_at FROM dossiers WHERE id = $1")
        .bind(id).fetch_optional(c).await)?.ok_or(DbError::NotFound)
}

pub async fn count(db: &Db) -> DbResult<i64> {
    Ok(
        db_run!(db, c => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM dossiers").fetch_one(c).await)?,
    )
}

/// An API key of a system that sends dossiers, scoped to a unit subtree.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiKey {
    pub id: i64,
    pub name: String,
    pub key_hint: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub unit_path: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

const KEY_SELECT: &str = "SELECT k.id, k.name, k.key_hint, k.unit_id, u.name AS unit_name, u.path AS unit_path, k.active, k.created_at, k.last_used_at
   FROM api_keys k JOIN units u ON u.id = k.unit_id";

/// Creates an API key; returns its id and the key itself (shown once).
pub async fn create_key(
    tx: &mut Tx,
    actor: Option<i64>,
    name: &str,
    unit_id: i64,
) -> DbResult<(i64, String)> {
    let mut bytes = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let key = format!("ln_{}", hex::encode(bytes));
    let hint = key[key.len() - 4..].to_string();
    let id: i64 = tx_run!(tx, c => sqlx::query_scalar(
        "INSERT INTO api_keys (name, key_hash, key_hint, unit_id, active, created_by, created_at) VALUES ($1, $2, $3, $4, TRUE, $5, $6) RETURNING id")
        .bind(name).bind(hash_token(&key)).bind(&hint).bind(unit_id).bind(actor).bind(super::now()).fetch_one(&mut *c).await)?;
    audit::record(tx, actor, "api_key.create", "api_key", Some(id), name).await?;
    Ok((id, key))
}

pub async fn revoke_key(tx: &mut Tx, actor: Option<i64>, id: i64) -> DbResult<()> {
    tx_run!(tx, c => sqlx::query("UPDATE api_keys SET active = FALSE WHERE id = $1").bind(id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    audit::record(tx, actor, "api_key.revoke", "api_key", Some(id), "").await
}

pub async fn keys_in(db: &Db, path_prefix: &str) -> DbResult<Vec<ApiKey>> {
    let sql =
        format!("{KEY_SELECT} WHERE u.path LIKE $1 ORDER BY k.active DESC, k.created_at DESC");
    let like = format!("{path_prefix}%");
    Ok(db_run!(db, c => sqlx::query_as::<_, ApiKey>(&sql).bind(&like).fetch_all(c).await)?)
}

pub async fn key(db: &Db, id: i64) -> DbResult<ApiKey> {
    let sql = format!("{KEY_SELECT} WHERE k.id = $1");
    db_run!(db, c => sqlx::query_as::<_, ApiKey>(&sql).bind(id).fetch_optional(c).await)?
        .ok_or(DbError::NotFound)
}

/// The active key with this secret, marked as used now.
pub async fn authenticate_key(db: &Db, key: &str) -> DbResult<Option<ApiKey>> {
    let sql = format!("{KEY_SELECT} WHERE k.key_hash = $1 AND k.active = TRUE");
    let h = hash_token(key);
    let found =
        db_run!(db, c => sqlx::query_as::<_, ApiKey>(&sql).bind(&h).fetch_optional(c).await)?;
    if let Some(k) = &found {
        db_run!(db, c => sqlx::query("UPDATE api_keys SET last_used_at = $1 WHERE id = $2").bind(super::now()).bind(k.id).execute(c).await.map(|r| r.rows_affected()))?;
    }
    Ok(found)
}
