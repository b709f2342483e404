//! Counters (quầy) and the kiosks registered on them.

use super::{audit, Db, DbError, DbResult, Tx};
use crate::{db_run, tx_run};
use chrono::{DateTime, NaiveDate, Utc};
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
    /// Bound to one device (see `bind_device`).
    pub device_bound: bool,
    /// When its current device key was issued.
    pub key_issued_at: Option<DateTime<Utc>>,
    /// The address it was last seen from.
    pub last_addr: Option<String>,
}

const COUNTER_SELECT: &str =
    "SELECT c.id, c.unit_id, u.name AS unit_name, c.name, c.location, c.active
   FROM counters c JOIN units u ON u.id = c.unit_id";
const KIOSK_SELECT: &str =
    "SELECT k.id, k.counter_id, c.name AS counter_name, u.id AS unit_id, u.name AS unit_name,
        u.path AS unit_path, k.name, k.faces, k.token_hint, k.active, k.ask_details, k.created_at, k.last_seen_at,
        (k.device_nonce IS NOT NULL) AS device_bound, k.key_issued_at, k.last_addr
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
    // The device bound with the old token is unbound: the next registration binds afresh.
    let n = tx_run!(tx, c => sqlx::query("UPDATE kiosks SET token_hash = $1, token_hint = $2, active = TRUE,
            device_nonce = NULL, key_epoch = 0, key_issued_at = NULL, key_seen_at = NULL WHERE id = $3")
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

/// What a kiosk's device key signs: the kiosk, its binding to one device, the key's epoch.
pub fn device_key_message(kiosk_id: i64, nonce: &str, epoch: i64) -> String {
    format!("kiosk-key:{kiosk_id}:{nonce}:{epoch}")
}

/// A kiosk's device key of `epoch` (derived from the server secret: only the binding and the
/// epoch are stored).
pub fn device_key(secret: &[u8], kiosk_id: i64, nonce: &str, epoch: i64) -> String {
    crate::sign::sign(secret, &device_key_message(kiosk_id, nonce, epoch))
}

/// Binds a kiosk to the device that opens its registration link, from `addr`: a new binding
/// (any earlier device's key stops working), and the key to set in the device's cookie. A kiosk
/// bound before is registered again: the administrator is told.
pub async fn bind_device(db: &Db, secret: &[u8], kiosk_id: i64, addr: &str) -> DbResult<String> {
    let mut tx = db.begin().await?;
    let now = super::now_micros();
    let before: Option<Option<String>> = tx_run!(&mut tx, c => sqlx::query_scalar(
        "SELECT device_nonce FROM kiosks WHERE id = $1").bind(kiosk_id).fetch_optional(&mut *c).await)?;
    let Some(before) = before else {
        return Err(DbError::NotFound);
    };
    let nonce = new_token();
    tx_run!(&mut tx, c => sqlx::query(
        "UPDATE kiosks SET device_nonce = $1, key_epoch = 1, key_issued_at = $2, key_seen_at = NULL, last_addr = $3 WHERE id = $4")
        .bind(&nonce).bind(now).bind(addr).bind(kiosk_id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    if before.is_some() {
        raise_alerts(
            &mut tx,
            &[Alert {
                kiosk_id,
                kind: "registered_again",
                addr: addr.to_string(),
                day: None,
                detail: String::new(),
                at: now,
                repeats: 1,
            }],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(device_key(secret, kiosk_id, &nonce, 1))
}

/// Records alerts: an open alert of the same kiosk, kind and address counts one more, else a
/// new one is opened.
pub(crate) async fn raise_alerts(tx: &mut Tx, alerts: &[Alert]) -> DbResult<()> {
    let mut grouped: std::collections::BTreeMap<(i64, &str, &str), (i64, &Alert)> =
        std::collections::BTreeMap::new();
    for a in alerts {
        grouped
            .entry((a.kiosk_id, a.kind, a.addr.as_str()))
            .and_modify(|e| e.0 += a.repeats)
            .or_insert((a.repeats, a));
    }
    for ((kiosk, kind, addr), (n, a)) in grouped {
        let bumped = tx_run!(tx, c => sqlx::query(
            "UPDATE kiosk_alerts SET hits = hits + $1, last_at = $2
              WHERE kiosk_id = $3 AND kind = $4 AND addr = $5 AND seen_at IS NULL AND (day IS NULL OR day = $6)")
            .bind(n).bind(a.at).bind(kiosk).bind(kind).bind(addr).bind(a.day)
            .execute(&mut *c).await.map(|r| r.rows_affected()))?;
        if bumped == 0 {
            tx_run!(tx, c => sqlx::query(
                "INSERT INTO kiosk_alerts (kiosk_id, kind, addr, day, detail, hits, created_at, last_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)")
                .bind(kiosk).bind(kind).bind(addr).bind(a.day).bind(&a.detail).bind(n).bind(a.at)
                .execute(&mut *c).await.map(|r| r.rows_affected()))?;
        }
    }
    Ok(())
}

/// An alert about a kiosk, as administrators see it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KioskAlert {
    pub id: i64,
    pub kiosk_id: i64,
    pub kiosk_name: String,
    pub unit_name: String,
    pub unit_path: String,
    pub kind: String,
    pub addr: String,
    pub day: Option<chrono::NaiveDate>,
    pub detail: String,
    pub hits: i64,
    pub created_at: DateTime<Utc>,
    pub last_at: DateTime<Utc>,
    pub seen_at: Option<DateTime<Utc>>,
    /// For a held day: whether it was released.
    pub released: bool,
}

const ALERT_SELECT: &str = "SELECT a.id, a.kiosk_id, k.name AS kiosk_name, u.name AS unit_name, u.path AS unit_path,
        a.kind, a.addr, a.day, a.detail, CAST(a.hits AS BIGINT) AS hits, a.created_at, a.last_at, a.seen_at,
        EXISTS (SELECT 1 FROM kiosk_days d WHERE d.kiosk_id = a.kiosk_id AND d.day = a.day AND d.released_at IS NOT NULL) AS released
   FROM kiosk_alerts a JOIN kiosks k ON k.id = a.kiosk_id JOIN counters c ON c.id = k.counter_id JOIN units u ON u.id = c.unit_id";

/// The open alerts of the kiosks in a subtree, newest first.
pub async fn open_alerts(db: &Db, path_prefix: &str) -> DbResult<Vec<KioskAlert>> {
    let sql = format!("{ALERT_SELECT} WHERE u.path LIKE $1 AND a.seen_at IS NULL ORDER BY a.last_at DESC, a.id DESC");
    let like = format!("{path_prefix}%");
    Ok(db_run!(db, c => sqlx::query_as::<_, KioskAlert>(&sql).bind(&like).fetch_all(c).await)?)
}

/// A kiosk's alerts (open and reviewed), newest first.
pub async fn alerts_of(db: &Db, kiosk_id: i64, limit: i64) -> DbResult<Vec<KioskAlert>> {
    let sql =
        format!("{ALERT_SELECT} WHERE a.kiosk_id = $1 ORDER BY a.last_at DESC, a.id DESC LIMIT $2");
    Ok(
        db_run!(db, c => sqlx::query_as::<_, KioskAlert>(&sql).bind(kiosk_id).bind(limit).fetch_all(c).await)?,
    )
}

/// One alert.
pub async fn alert(db: &Db, id: i64) -> DbResult<KioskAlert> {
    let sql = format!("{ALERT_SELECT} WHERE a.id = $1");
    db_run!(db, c => sqlx::query_as::<_, KioskAlert>(&sql).bind(id).fetch_optional(c).await)?
        .ok_or(DbError::NotFound)
}

/// Marks an alert reviewed (with who and when, and an audit entry).
pub async fn mark_alert_seen(tx: &mut Tx, actor: i64, id: i64) -> DbResult<()> {
    let n = tx_run!(tx, c => sqlx::query("UPDATE kiosk_alerts SET seen_by = $1, seen_at = $2 WHERE id = $3 AND seen_at IS NULL")
        .bind(actor).bind(super::now()).bind(id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(DbError::NotFound);
    }
    audit::record(
        tx,
        Some(actor),
        "kiosk.alert_seen",
        "kiosk_alert",
        Some(id),
        "",
    )
    .await?;
    Ok(())
}

/// Something an administrator is told about a kiosk.
#[derive(Debug, Clone)]
pub(crate) struct Alert {
    pub kiosk_id: i64,
    pub kind: &'static str,
    pub addr: String,
    pub day: Option<NaiveDate>,
    pub detail: String,
    pub at: DateTime<Utc>,
    /// How many times it happened (one alert, several repeats).
    pub repeats: i64,
}
