//! The throttles' shared memory (`throttle_events`): events by kind and
//! address, kept in the database so that every instance counts alike.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::throttle_events;
use crate::domain::sign_in::Throttle;

/// Times of an address's events of the throttle's kind inside its window.
pub fn recent(
    conn: &mut DbConn,
    throttle: &Throttle,
    address: &str,
    now: NaiveDateTime,
) -> QueryResult<Vec<NaiveDateTime>> {
    throttle_events::table
        .filter(throttle_events::kind.eq(throttle.kind))
        .filter(throttle_events::address.eq(address))
        .filter(throttle_events::happened_at.gt(now - throttle.window))
        .select(throttle_events::happened_at)
        .load(conn)
}

/// Records an event and forgets this address's events of the kind that no
/// longer count.
pub fn record(
    conn: &mut DbConn,
    throttle: &Throttle,
    address: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(
        throttle_events::table
            .filter(throttle_events::kind.eq(throttle.kind))
            .filter(throttle_events::address.eq(address))
            .filter(throttle_events::happened_at.le(now - throttle.window)),
    )
    .execute(conn)?;
    diesel::insert_into(throttle_events::table)
        .values((
            throttle_events::kind.eq(throttle.kind),
            throttle_events::address.eq(address),
            throttle_events::happened_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}
