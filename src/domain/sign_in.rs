//! Sign-in throttling: too many failures from one address in a short window
//! refuse further attempts until the oldest failure leaves the window.

use chrono::{Duration, NaiveDateTime};

/// How far back failures count.
pub const FAILURE_WINDOW: Duration = Duration::minutes(15);
/// How many failures inside the window an address may have before being refused.
pub const MAX_FAILURES: usize = 10;

/// Decides whether an address may try to sign in now, given the times of its
/// failures inside [`FAILURE_WINDOW`] (any order). `Err` carries the whole
/// minutes to wait.
pub fn may_attempt(recent_failures: &[NaiveDateTime], now: NaiveDateTime) -> Result<(), i64> {
    let window_start = now - FAILURE_WINDOW;
    let mut inside: Vec<NaiveDateTime> = recent_failures
        .iter()
        .copied()
        .filter(|at| *at > window_start)
        .collect();
    if inside.len() < MAX_FAILURES {
        return Ok(());
    }
    inside.sort_unstable();
    // Attempts resume when enough failures have aged out of the window.
    let frees_at = inside[inside.len() - MAX_FAILURES] + FAILURE_WINDOW;
    let seconds = (frees_at - now).num_seconds().max(1);
    Err((seconds + 59) / 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(minute: u32, second: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 30)
            .unwrap()
            .and_hms_opt(10, minute, second)
            .unwrap()
    }

    #[test]
    fn nine_failures_still_allow_an_attempt() {
        let failures: Vec<_> = (0..9).map(|i| at(20, i)).collect();
        assert_eq!(may_attempt(&failures, at(21, 0)), Ok(()));
    }

    #[test]
    fn ten_failures_refuse_until_the_first_ages_out() {
        let failures: Vec<_> = (0..10).map(|i| at(20, i)).collect();
        assert_eq!(may_attempt(&failures, at(21, 0)), Err(14));
        // 10:35:00 is exactly 15 minutes after the first failure: it has left the window.
        assert_eq!(may_attempt(&failures, at(35, 0)), Ok(()));
        assert_eq!(may_attempt(&failures, at(34, 59)), Err(1));
    }

    #[test]
    fn failures_outside_the_window_do_not_count() {
        let failures: Vec<_> = (0..20).map(|i| at(0, i)).collect();
        assert_eq!(may_attempt(&failures, at(30, 0)), Ok(()));
    }
}
