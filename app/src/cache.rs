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
        let map = self.map.lock().ok()?;
        map.get(k)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, v)| v.clone())
    }

    pub fn put(&self, k: K, v: V) {
        if let Ok(mut map) = self.map.lock() {
            if map.len() > 10_000 {
                let ttl = self.ttl;
                map.retain(|_, (at, _)| at.elapsed() < ttl);
            }
            map.insert(k, (Instant::now(), v));
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
        let c = TtlCache::new(Duration::from_millis(30));
        c.put("a", 1);
        assert_eq!(c.get(&"a"), Some(1));
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(c.get(&"a"), None);
    }
}
