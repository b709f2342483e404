//! Short-lived read caches for hot paths (a kiosk's settings, the published instrument). They
//! hold copies of database rows for a few seconds, never state of their own, so several
//! instances behind a load balancer stay consistent within that delay.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct TtlCache<K, V> {
    ttl: Duration,
    map: Arc<Mutex<HashMap<K, (Instant, V)>>>,
}

impl<K, V> Clone for TtlCache<K, V> {
    fn clone(&self) -> Self {
        TtlCache {
            ttl: self.ttl,
            map: self.map.clone(),
        }
    }
}

impl<K: Eq + Hash + Clone, V: Clone> TtlCache<K, V> {
    pub fn new(ttl: Duration) -> Self {
        TtlCache {
            ttl,
            map: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// A fresh cached value, if any.
    pub fn get(&self, k: &K) -> Option<V> {
        self.get_at(k, Instant::now())
    }

    pub fn put(&self, k: K, v: V) {
        self.put_at(k, v, Instant::now())
    }

    /// [`TtlCache::get`] as seen at `now` (the clock is the caller's, so tests need not sleep).
    fn get_at(&self, k: &K, now: Instant) -> Option<V> {
        let map = self.map.lock().ok()?;
        map.get(k)
            .filter(|(at, _)| now.saturating_duration_since(*at) < self.ttl)
            .map(|(_, v)| v.clone())
    }

    /// [`TtlCache::put`] at `now`.
    fn put_at(&self, k: K, v: V, now: Instant) {
        if let Ok(mut map) = self.map.lock() {
            if map.len() > 10_000 {
                let ttl = self.ttl;
                map.retain(|_, (at, _)| now.saturating_duration_since(*at) < ttl);
            }
            map.insert(k, (now, v));
        }
    }

    /// Forgets everything (after a change made through this instance).
    pub fn clear(&self) {
        if let Ok(mut map) = self.map.lock() {
            map.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire() {
        // A controlled clock: the entry is put at t0 and read at chosen instants.
        let t0 = Instant::now();
        let c = TtlCache::new(Duration::from_secs(10));
        c.put_at("a", 1, t0);
        assert_eq!(c.get_at(&"a", t0), Some(1));
        assert_eq!(c.get_at(&"a", t0 + Duration::from_millis(9_999)), Some(1));
        assert_eq!(
            c.get_at(&"a", t0 + Duration::from_secs(10)),
            None,
            "expired at its TTL"
        );
        assert_eq!(c.get_at(&"b", t0), None);
        // A new put renews it; clear forgets everything.
        c.put_at("a", 2, t0 + Duration::from_secs(20));
        assert_eq!(c.get_at(&"a", t0 + Duration::from_secs(25)), Some(2));
        c.clear();
        assert_eq!(c.get_at(&"a", t0 + Duration::from_secs(25)), None);
    }

    #[test]
    fn a_full_cache_drops_only_stale_entries() {
        let t0 = Instant::now();
        let c = TtlCache::new(Duration::from_secs(10));
        for i in 0..=10_000 {
            c.put_at(i, i, t0);
        }
        // Past the TTL, the next put sweeps the stale ones before inserting.
        c.put_at(-1, -1, t0 + Duration::from_secs(11));
        assert_eq!(c.map.lock().unwrap().len(), 1);
        assert_eq!(c.get_at(&-1, t0 + Duration::from_secs(11)), Some(-1));
    }
}
