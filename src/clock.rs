//! The time the app believes it is. The server reads the system clock; a
//! test moves the clock forward to travel in time instead of editing rows
//! (see docs/ARCHITECTURE.md, "Time").

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{Duration, NaiveDateTime};

use crate::domain::time::to_stored;

/// The system clock, shifted by an offset that only tests change.
#[derive(Debug, Default)]
pub struct Clock {
    offset_seconds: AtomicI64,
}

impl Clock {
    pub fn system() -> Clock {
        Clock::default()
    }

    /// Now, in UTC, as rows store it.
    pub fn now(&self) -> NaiveDateTime {
        to_stored(chrono::Utc::now())
            + Duration::seconds(self.offset_seconds.load(Ordering::Relaxed))
    }

    /// Moves the clock on by `by` (tests only need it; the server never calls it).
    pub fn advance(&self, by: Duration) {
        self.offset_seconds
            .fetch_add(by.num_seconds(), Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_advanced_clock_reads_later_by_the_advance() {
        let clock = Clock::system();
        let before = clock.now();
        clock.advance(Duration::days(40));
        let after = clock.now();
        assert!(after - before >= Duration::days(40));
        assert!(after - before < Duration::days(40) + Duration::minutes(1));
    }
}
