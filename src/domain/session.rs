//! How long a signed-in session lives. Sessions are rows in the database
//! (the cookie holds a random token, the row its hash), so ending one is a
//! delete that every instance sees at the visitor's next request.

use chrono::{Duration, NaiveDateTime};

/// A session unused this long has ended: a console left open overnight
/// asks for the password in the morning, a working day of pauses does not.
pub const IDLE_LIFETIME: Duration = Duration::hours(8);

/// However busy, a session ends this long after sign-in.
pub const ABSOLUTE_LIFETIME: Duration = Duration::days(7);

/// How stale the recorded last use may get before a request records it
/// again: one write per session every few minutes, not one per page.
pub const TOUCH_AFTER: Duration = Duration::minutes(5);

/// What a request finds its session to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionAge {
    /// Alive; `touch` when its last use should be recorded as `now`.
    Alive { touch: bool },
    /// Idle too long, or past its absolute lifetime.
    Ended,
}

/// The state of a session signed in at `created_at` and last used at
/// `last_seen_at`, at `now`.
pub fn session_age(
    created_at: NaiveDateTime,
    last_seen_at: NaiveDateTime,
    now: NaiveDateTime,
) -> SessionAge {
    if now - created_at >= ABSOLUTE_LIFETIME || now - last_seen_at >= IDLE_LIFETIME {
        return SessionAge::Ended;
    }
    SessionAge::Alive {
        touch: now - last_seen_at >= TOUCH_AFTER,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(hours: i64, minutes: i64) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            + Duration::hours(hours)
            + Duration::minutes(minutes)
    }

    #[test]
    fn a_session_in_use_lives_and_is_touched_every_few_minutes() {
        assert_eq!(
            session_age(at(0, 0), at(0, 0), at(0, 4)),
            SessionAge::Alive { touch: false }
        );
        assert_eq!(
            session_age(at(0, 0), at(0, 0), at(0, 5)),
            SessionAge::Alive { touch: true }
        );
    }

    #[test]
    fn eight_idle_hours_end_a_session() {
        assert_eq!(
            session_age(at(0, 0), at(1, 0), at(8, 59)),
            SessionAge::Alive { touch: true }
        );
        assert_eq!(session_age(at(0, 0), at(1, 0), at(9, 0)), SessionAge::Ended);
    }

    #[test]
    fn a_week_ends_even_a_busy_session() {
        let week = 7 * 24;
        assert_eq!(
            session_age(at(0, 0), at(week - 1, 0), at(week - 1, 1)),
            SessionAge::Alive { touch: false }
        );
        assert_eq!(
            session_age(at(0, 0), at(week - 1, 0), at(week, 0)),
            SessionAge::Ended
        );
    }
}
