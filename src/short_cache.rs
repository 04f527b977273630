//! Short-lived copies of what many requests read and few change: the
//! rendered rows of an order list.
//!
//! A copy is used only while two things hold:
//! - the version it was read at is still the current version of what it
//!   shows (`db::page_versions`, bumped in the transaction of every change
//!   that concerns it and read with the signed-in account), so a change
//!   shows on the next page in every instance on the database, and a change
//!   that concerns someone else leaves the copy standing;
//! - it is younger than the time to live, which bounds how long a change
//!   made behind the application's back (rows written by hand) can go
//!   unseen. A time to live of zero keeps nothing.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

struct CacheEntry<V> {
    value: V,
    /// The version of what the value shows, read before the value was.
    version: i64,
    read_at: Instant,
}

/// A bounded map of recent copies; see the module documentation for when a
/// copy is used.
pub struct ShortCache<K, V> {
    time_to_live: Duration,
    capacity: usize,
    entries: Mutex<HashMap<K, CacheEntry<V>>>,
}

impl<K: Eq + Hash, V: Clone> ShortCache<K, V> {
    pub fn new(time_to_live: Duration, capacity: usize) -> ShortCache<K, V> {
        ShortCache {
            time_to_live,
            capacity,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn young(&self, kept: &CacheEntry<V>, now: Instant) -> bool {
        now.saturating_duration_since(kept.read_at) < self.time_to_live
    }

    /// The copy under `key`, if it was read at `version` and is young enough.
    pub fn get(&self, key: &K, version: i64, now: Instant) -> Option<V> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .filter(|kept| kept.version == version && self.young(kept, now))
            .map(|kept| kept.value.clone())
    }

    /// Keeps `value`, read after `version` was: a change committed while it
    /// was being read makes it newer than its version, never older, so at
    /// worst the next request reads again.
    pub fn put(&self, key: K, value: V, version: i64, now: Instant) {
        if self.time_to_live.is_zero() {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= self.capacity && !entries.contains_key(&key) {
            entries.retain(|_, kept| self.young(kept, now));
            // Every copy is young: many distinct keys at once. Start over
            // rather than keep an order of use; memory stays bounded either way.
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(
            key,
            CacheEntry {
                value,
                version,
                read_at: now,
            },
        );
    }

    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn a_copy_serves_until_its_time_to_live_ends() {
        let cache = ShortCache::new(SECOND, 8);
        let start = Instant::now();
        cache.put("page", 1, 0, start);
        assert_eq!(cache.get(&"page", 0, start), Some(1));
        assert_eq!(cache.get(&"page", 0, start + SECOND / 2), Some(1));
        assert_eq!(cache.get(&"page", 0, start + SECOND), None);
    }

    #[test]
    fn a_copy_read_at_another_version_is_not_used() {
        let cache = ShortCache::new(SECOND, 8);
        let start = Instant::now();
        cache.put("page", 1, 4, start);
        assert_eq!(cache.get(&"page", 5, start), None);
        assert_eq!(cache.get(&"page", 3, start), None);
        cache.put("page", 2, 5, start);
        assert_eq!(cache.get(&"page", 5, start), Some(2));
    }

    #[test]
    fn zero_time_to_live_keeps_nothing() {
        let cache = ShortCache::new(Duration::ZERO, 8);
        let start = Instant::now();
        cache.put("page", 1, 0, start);
        assert_eq!(cache.get(&"page", 0, start), None);
        assert!(cache.is_empty());
    }

    #[test]
    fn the_map_never_grows_past_its_capacity() {
        let cache = ShortCache::new(SECOND, 3);
        let start = Instant::now();
        for key in 0..3 {
            cache.put(key, key, 0, start);
        }
        // Old copies go first: a second on, the three are all past their time.
        cache.put(3, 3, 0, start + SECOND);
        assert_eq!(cache.len(), 1);
        assert_eq!(cache.get(&3, 0, start + SECOND), Some(3));
        // All young and full: start over.
        for key in 4..10 {
            cache.put(key, key, 0, start + SECOND);
            assert!(cache.len() <= 3);
        }
        assert_eq!(cache.get(&9, 0, start + SECOND), Some(9));
    }
}
