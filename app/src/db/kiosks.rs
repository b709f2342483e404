//! Counters (quầy) and the kiosks registered on them.

use super::{audit, Db, DbError, DbResult, Tx};
use crate::{db_run, tx_run};
use chrono::{DateTime, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Counter {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub name: String,
    pub location: String,
    pub active: bool,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Kiosk {
    pub id: i64,
    pub counter_id: i64,
    pub counter_name: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub unit_path: String,
    pub name: String,
    pub faces: i32,
    pub token_hint: String,
    pub active: bool,
    pub ask_details: bool,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: Option<DateTime<Utc>>,
}

const COUNTER_SELECT: &str =
    "SELECT c.id, c.unit_id, u.name AS unit_name, c.name, c.location, c.active
   FROM counters c JOIN units u ON u.id = c.unit_id";
const KIOSK_SELECT: &str =
    "SELECT k.id, k.counter_id, c.name AS counter_name, u.id AS unit_id, u.name AS unit_name,
        u.path AS unit_path, k.name, k.faces, k.token_hint, k.active, k.ask_details, k.created_at, k.last_seen_at
   FROM kiosks k JOIN counters c ON c.id = k.counter_id JOIN units u ON u.id = c.unit_id";

/// Counters of the units in a subtree.
pub async fn counters_in(db: &Db, path_prefix: &str) -> DbResult<Vec<Counter>> {
    let sql = format!("{COUNTER_SELECT} WHERE u.path LIKE $1 ORDER BY u.path, c.name");
    let like = format!("{path_prefix}%");
    Ok(db_run!(db, c => sqlx::query_as::<_, Counter>(&sql).bind(&like).fetch_all(c).await)?)
}

pub async fn counters_of_unit(db: &Db, unit_id: i64) -> DbResult<Vec<Counter>> {
    let sql = format!("{COUNTER_SELECT} WHERE c.unit_id = $1 ORDER BY c.name");
    Ok(db_run!(db, c => sqlx::query_as::<_, Counter>(&sql).bind(unit_id).fetch_all(c).await)?)
}

pub async fn counter(db: &Db, id: i64) -> DbResult<Counter> {
    let sql = format!("{COUNTER_SELECT} WHERE c.id = $1");
    db_run!(db, c => sqlx::query_as::<_, Counter>(&sql).bind(id).fetch_optional(c).await)?
        .ok_or(DbError::NotFound)
}

pub async fn create_counter(
    tx: &mut Tx,
    actor: Option<i64>,
    unit_id: i64,
    name: &str,
    location: &str,
) -> DbResult<i64> {
    let now = super::now();
    let id: i64 = tx_run!(tx, c => sqlx::query_scalar(
        "INSERT INTO counters (unit_id, name, location, active, created_at) VALUES ($1, $2, $3, TRUE, $4) RETURNING id")
        .bind(unit_id).bind(name).bind(location).bind(now).fetch_one(&mut *c).await)?;
    audit::record(tx, actor, "counter.create", "counter", Some(id), name).await?;
    Ok(id)
}

/// Kiosks of the units in a subtree.
pub async fn kiosks_in(db: &Db, path_prefix: &str) -> DbResult<Vec<Kiosk>> {
    let sql = format!("{KIOSK_SELECT} WHERE u.path LIKE $1 ORDER BY u.path, c.name, k.name");
    let like = format!("{path_prefix}%");
    Ok(db_run!(db, c => sqlx::query_as::<_, Kiosk>(&sql).bind(&like).fetch_all(c).await)?)
}

pub async fn kiosks_of_unit(db: &Db, unit_id: i64) -> DbResult<Vec<Kiosk>> {
    let sql = format!("{KIOSK_SELECT} WHERE u.id = $1 ORDER BY c.name, k.name");
    Ok(db_run!(db, c => sqlx::query_as::<_, Kiosk>(&sql).bind(unit_id).fetch_all(c).await)?)
}

pub async fn kiosk(db: &Db, id: i64) -> DbResult<Kiosk> {
    let sql = format!("{KIOSK_SELECT} WHERE k.id = $1");
    db_run!(db, c => sqlx::query_as::<_, Kiosk>(&sql).bind(id).fetch_optional(c).await)?
        .ok_or(DbError::NotFound)
}

/// The active kiosk a device token belongs to.
pub async fn kiosk_by_token(db: &Db, token: &str) -> DbResult<Option<Kiosk>> {
    let sql = format!("{KIOSK_SELECT} WHERE k.token_hash = $1 AND k.active = TRUE");
    let h = hash_token(token);
    Ok(db_run!(db, c => sqlx::query_as::<_, Kiosk>(&sql).bind(&h).fetch_optional(c).await)?)
}

/// A new random device token (256 bits, hex).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn hint(token: &str) -> String {
    token
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect()
}

/// Registers a kiosk on a counter and returns its id and its device token (shown once).
pub async fn register(
    tx: &mut Tx,
    actor: Option<i64>,
    counter_id: i64,
    name: &str,
    faces: i32,
) -> DbResult<(i64, String)> {
    register_with_token(tx, actor, counter_id, name, faces, new_token()).await
}

/// Registers a kiosk with a given token (the demo data uses published tokens).
pub async fn register_with_token(
    tx: &mut Tx,
    actor: Option<i64>,
    counter_id: i64,
    name: &str,
    faces: i32,
    token: String,
) -> DbResult<(i64, String)> {
    let now = super::now();
    let id: i64 = tx_run!(tx, c => sqlx::query_scalar(
        "INSERT INTO kiosks (counter_id, name, faces, token_hash, token_hint, active, created_at) VALUES ($1, $2, $3, $4, $5, TRUE, $6) RETURNING id")
        .bind(counter_id).bind(name).bind(faces).bind(hash_token(&token)).bind(hint(&token)).bind(now)
        .fetch_one(&mut *c).await)?;
    audit::record(tx, actor, "kiosk.register", "kiosk", Some(id), name).await?;
    Ok((id, token))
}

/// Replaces a kiosk's token (the old one stops working at once) and returns the new one.
pub async fn renew_token(tx: &mut Tx, actor: Option<i64>, id: i64) -> DbResult<String> {
    let token = new_token();
    let n = tx_run!(tx, c => sqlx::query("UPDATE kiosks SET token_hash = $1, token_hint = $2, active = TRUE WHERE id = $3")
        .bind(hash_token(&token)).bind(hint(&token)).bind(id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(DbError::NotFound);
    }
    audit::record(tx, actor, "kiosk.renew_token", "kiosk", Some(id), "").await?;
    Ok(token)
}

pub async fn update_kiosk(
    tx: &mut Tx,
    actor: Option<i64>,
    id: i64,
    name: &str,
    faces: i32,
    active: bool,
    ask_details: bool,
) -> DbResult<()> {
    tx_run!(tx, c => sqlx::query("UPDATE kiosks SET name = $1, faces = $2, active = $3, ask_details = $4 WHERE id = $5")
        .bind(name).bind(faces).bind(active).bind(ask_details).bind(id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    audit::record(tx, actor, "kiosk.update", "kiosk", Some(id), name).await?;
    Ok(())
}
