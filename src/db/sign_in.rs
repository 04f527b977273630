//! The throttles' shared memory (`throttle_events`): events by kind and
//! address, kept in the database so that every instance counts alike.
//!
//! An attempt is *reserved* before the expensive work it guards (hashing a
//! password, creating an account): one write transaction counts the
//! address's events inside the window and records the new one only if the
//! throttle allows it. Reading the count, hashing, and recording afterwards
//! let hundreds of simultaneous attempts all read the same count and all go
//! through; a reservation lets exactly the limit through, however many
//! arrive at once.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::throttle_events;
use super::{DbConn, write_transaction};
use crate::domain::sign_in::Throttle;

/// A reserved attempt, to be released if it turns out not to count (a
/// successful sign-in, a sign-up whose login was taken).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reservation(i64);

/// Reserves one event of the throttle's kind for `address` at `now`, unless
/// the address already has the most the window allows: then `Err` carries
/// the whole minutes to wait and nothing is written. Old events of this
/// address and kind are forgotten on the way.
pub fn reserve(
    conn: &mut DbConn,
    throttle: &Throttle,
    address: &str,
    now: NaiveDateTime,
) -> QueryResult<Result<Reservation, i64>> {
    write_transaction(conn, |conn| {
        // SQLite's BEGIN IMMEDIATE already makes writers take turns; on
        // PostgreSQL two transactions would both count before either
        // inserts, so they take turns per address and kind on a lock that
        // ends with the transaction.
        if let DbConn::Postgres(pg) = conn {
            diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext($1))")
                .bind::<diesel::sql_types::Text, _>(format!("{}:{address}", throttle.kind))
                .execute(pg)?;
        }
        diesel::delete(
            throttle_events::table
                .filter(throttle_events::kind.eq(throttle.kind))
                .filter(throttle_events::address.eq(address))
                .filter(throttle_events::happened_at.le(now - throttle.window)),
        )
        .execute(conn)?;
        let recent: Vec<NaiveDateTime> = throttle_events::table
            .filter(throttle_events::kind.eq(throttle.kind))
            .filter(throttle_events::address.eq(address))
            .filter(throttle_events::happened_at.gt(now - throttle.window))
            .select(throttle_events::happened_at)
            .load(conn)?;
        if let Err(minutes) = throttle.check(&recent, now) {
            return Ok(Err(minutes));
        }
        let id = diesel::insert_into(throttle_events::table)
            .values((
                throttle_events::kind.eq(throttle.kind),
                throttle_events::address.eq(address),
                throttle_events::happened_at.eq(now),
            ))
            .returning(throttle_events::id)
            .get_result(conn)?;
        Ok(Ok(Reservation(id)))
    })
}

/// Gives a reserved attempt back: it did not count after all.
pub fn release(conn: &mut DbConn, reservation: Reservation) -> QueryResult<()> {
    diesel::delete(throttle_events::table.filter(throttle_events::id.eq(reservation.0)))
        .execute(conn)?;
    Ok(())
}
