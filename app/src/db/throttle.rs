//! Request counters in fixed windows, shared by every app instance (they live in the database):
//! public forms are limited per client address, failed sign-ins per username and address.
//! A client address is keyed by [`address_key`]: an IPv6 client by its /64 network.

use super::{Db, DbResult};
use crate::db_run;
use chrono::{DateTime, Duration, Utc};

/// Counts one hit on `key` and returns the hits in the current window (a window older than
/// `window` starts again at 1) and when the window ends.
pub async fn hit(db: &Db, key: &str, window: Duration) -> DbResult<(i64, DateTime<Utc>)> {
    let now = super::now();
    let stale = now - window;
    let (hits, start): (i64, DateTime<Utc>) = db_run!(db, c => sqlx::query_as(
        "INSERT INTO rate_limits (key, window_start, hits) VALUES ($1, $2, 1)
         ON CONFLICT (key) DO UPDATE SET
            hits = CASE WHEN rate_limits.window_start <= $3 THEN 1 ELSE rate_limits.hits + 1 END,
            window_start = CASE WHEN rate_limits.window_start <= $3 THEN $2 ELSE rate_limits.window_start END
         RETURNING CAST(hits AS BIGINT), window_start")
        .bind(key).bind(now).bind(stale).fetch_one(c).await)?;
    Ok((hits, start + window))
}

/// Takes one of the `limit` places of `key` in its window, in one conditional statement: true
/// when a place was taken (the hit is counted), false when all are taken (nothing is counted).
/// Many requests racing for the last place get it once: the database decides.
pub async fn reserve(db: &Db, key: &str, limit: i64, window: Duration) -> DbResult<bool> {
    let now = super::now();
    let stale = now - window;
    let taken: Option<i64> = db_run!(db, c => sqlx::query_scalar(
        "INSERT INTO rate_limits (key, window_start, hits) VALUES ($1, $2, 1)
         ON CONFLICT (key) DO UPDATE SET
            hits = CASE WHEN rate_limits.window_start <= $3 THEN 1 ELSE rate_limits.hits + 1 END,
            window_start = CASE WHEN rate_limits.window_start <= $3 THEN $2 ELSE rate_limits.window_start END
          WHERE rate_limits.window_start <= $3 OR rate_limits.hits < $4
         RETURNING CAST(hits AS BIGINT)")
        .bind(key).bind(now).bind(stale).bind(limit).fetch_optional(c).await)?;
    Ok(taken.is_some())
}

/// [`reserve`] inside a transaction: the place is taken only if the transaction commits, and
/// requests for one key are judged one after the other.
pub async fn reserve_in(
    tx: &mut super::Tx,
    key: &str,
    limit: i64,
    window: Duration,
) -> DbResult<bool> {
    let now = super::now();
    let stale = now - window;
    let taken: Option<i64> = crate::tx_run!(tx, c => sqlx::query_scalar(
        "INSERT INTO rate_limits (key, window_start, hits) VALUES ($1, $2, 1)
         ON CONFLICT (key) DO UPDATE SET
            hits = CASE WHEN rate_limits.window_start <= $3 THEN 1 ELSE rate_limits.hits + 1 END,
            window_start = CASE WHEN rate_limits.window_start <= $3 THEN $2 ELSE rate_limits.window_start END
          WHERE rate_limits.window_start <= $3 OR rate_limits.hits < $4
         RETURNING CAST(hits AS BIGINT)")
        .bind(key).bind(now).bind(stale).bind(limit).fetch_optional(&mut *c).await)?;
    Ok(taken.is_some())
}

/// Gives back a place taken by [`reserve`] (the attempt turned out not to count).
pub async fn release(db: &Db, key: &str) -> DbResult<()> {
    db_run!(db, c => sqlx::query("UPDATE rate_limits SET hits = hits - 1 WHERE key = $1 AND hits > 0")
        .bind(key).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The key of a client address in the counters: an IPv4 address as it is, an IPv6 address by
/// its /64 network (one household or phone gets a whole /64, and changes address inside it at
/// will), an IPv4 address mapped into IPv6 as the IPv4 address. Anything else as given.
pub fn address_key(ip: &str) -> String {
    use std::net::IpAddr;
    match ip.parse::<IpAddr>() {
        Ok(IpAddr::V4(a)) => a.to_string(),
        Ok(IpAddr::V6(a)) => match a.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = a.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        Err(_) => ip.to_string(),
    }
}

/// The hits on `key` in its current window (0 when the window has passed), without counting.
pub async fn count(db: &Db, key: &str, window: Duration) -> DbResult<(i64, DateTime<Utc>)> {
    let now = super::now();
    let row: Option<(i64, DateTime<Utc>)> = db_run!(db, c => sqlx::query_as(
        "SELECT CAST(hits AS BIGINT), window_start FROM rate_limits WHERE key = $1 AND window_start > $2")
        .bind(key).bind(now - window).fetch_optional(c).await)?;
    Ok(row.map(|(h, s)| (h, s + window)).unwrap_or((0, now)))
}

/// Forgets a key (a successful sign-in clears the username's failures).
pub async fn clear(db: &Db, key: &str) -> DbResult<()> {
    db_run!(db, c => sqlx::query("DELETE FROM rate_limits WHERE key = $1")
        .bind(key).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Removes counters whose window started before `before` (run now and then).
pub async fn purge(db: &Db, before: DateTime<Utc>) -> DbResult<u64> {
    Ok(
        db_run!(db, c => sqlx::query("DELETE FROM rate_limits WHERE window_start < $1")
        .bind(before).execute(c).await.map(|r| r.rows_affected()))?,
    )
}

#[cfg(test)]
mod tests {
    use super::address_key;

    #[test]
    fn ipv6_clients_are_keyed_by_their_64() {
        // Two addresses of one /64 (the last 64 bits differ) are one client.
        assert_eq!(
            address_key("2001:db8:85a3:12::8a2e:370:7334"),
            "2001:db8:85a3:12::/64"
        );
        assert_eq!(
            address_key("2001:0db8:85a3:0012:ffff:ffff:ffff:fffe"),
            "2001:db8:85a3:12::/64"
        );
        // The next /64 is another client.
        assert_eq!(address_key("2001:db8:85a3:13::1"), "2001:db8:85a3:13::/64");
        assert_eq!(address_key("::1"), "0:0:0:0::/64");
        // IPv4, and IPv4 mapped into IPv6, are the IPv4 address.
        assert_eq!(address_key("203.0.113.7"), "203.0.113.7");
        assert_eq!(address_key("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(address_key("unknown"), "unknown");
    }
}
