//! Short-lived copies of what many requests read and few change: the signed-in
//! account and the rendered rows of an order list.
//!
//! A copy is used only while two things hold:
//! - no state-changing request has finished in this instance since the copy
//!   was read (`Writes`, counted by middleware after every POST), so what a
//!   user just did here shows on their next page;
//! - it is younger than the time to live, which bounds how long a change made
//!   elsewhere (another instance on the same PostgreSQL, the CLI, the hourly
//!   settler) can go unseen. A time to live of zero keeps nothing.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How many state-changing requests this instance has finished.
#[derive(Debug, Default)]
pub struct Writes(AtomicU64);

impl Writes {
    pub fn seen(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }

    /// Called once a state-changing request's response exists, that is after
    /// its transaction has committed.
    pub fn finished_one(&self) {
        self.0.fetch_add(1, Ordering::AcqRel);
    }
}

struct CacheEntry<V> {
    value: V,
    /// `Writes::seen` before the value was read from the database.
    writes: u64,
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

    fn usable(&self, kept: &CacheEntry<V>, writes: u64, now: Instant) -> bool {
        kept.writes == writes && now.saturating_duration_since(kept.read_at) < self.time_to_live
    }

    /// The copy under `key`, if it is still usable with `writes` finished so far.
    pub fn get(&self, key: &K, writes: u64, now: Instant) -> Option<V> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .filter(|kept| self.usable(kept, writes, now))
            .map(|kept| kept.value.clone())
    }

    /// Keeps `value`, read when `writes_before` writes had finished, unless a
    /// write finished while it was being read (`writes_now` differs): the
    /// value may predate that write, and keeping it would hide the write.
    pub fn put(&self, key: K, value: V, writes_before: u64, writes_now: u64, now: Instant) {
        if self.time_to_live.is_zero() || writes_before != writes_now {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= self.capacity && !entries.contains_key(&key) {
            entries.retain(|_, kept| self.usable(kept, writes_now, now));
            // Every copy is fresh: many distinct keys at once. Start over
            // rather than keep an order of use; memory stays bounded either way.
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(
            key,
            CacheEntry {
                value,
                writes: writes_before,
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
        cache.put("page", 1, 0, 0, start);
        assert_eq!(cache.get(&"page", 0, start), Some(1));
        assert_eq!(cache.get(&"page", 0, start + SECOND / 2), Some(1));
        assert_eq!(cache.get(&"page", 0, start + SECOND), None);
        assert_eq!(cache.get(&"other", 0, start), None);
    }

    #[test]
    fn a_finished_write_retires_every_earlier_copy() {
        let cache = ShortCache::new(SECOND, 8);
        let start = Instant::now();
        cache.put("page", 1, 4, 4, start);
        assert_eq!(cache.get(&"page", 5, start), None);
        cache.put("page", 2, 5, 5, start);
        assert_eq!(cache.get(&"page", 5, start), Some(2));
    }

    #[test]
    fn a_value_read_across_a_write_is_not_kept() {
        let cache = ShortCache::new(SECOND, 8);
        let start = Instant::now();
        // Read began after 4 writes; a fifth finished before the read ended.
        cache.put("page", 1, 4, 5, start);
        assert_eq!(cache.get(&"page", 5, start), None);
        assert!(cache.is_empty());
    }

    #[test]
    fn zero_time_to_live_keeps_nothing() {
        let cache = ShortCache::new(Duration::ZERO, 8);
        let start = Instant::now();
        cache.put("page", 1, 0, 0, start);
        assert_eq!(cache.get(&"page", 0, start), None);
        assert!(cache.is_empty());
    }

    #[test]
    fn the_map_never_grows_past_its_capacity() {
        let cache = ShortCache::new(SECOND, 3);
        let start = Instant::now();
        for key in 0..3 {
            cache.put(key, key, 0, 0, start);
        }
        // Stale copies go first: after a write, the three are all retired.
        cache.put(3, 3, 1, 1, start);
        assert_eq!(cache.len(), 1);
        assert_eq!(cache.get(&3, 1, start), Some(3));
        // All fresh and full: start over.
        for key in 4..10 {
            cache.put(key, key, 1, 1, start);
            assert!(cache.len() <= 3);
        }
        assert_eq!(cache.get(&9, 1, start), Some(9));
    }
}
