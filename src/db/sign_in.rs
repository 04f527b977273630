//! Queries on `sign_in_failures`, the shared memory of the sign-in throttle.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::sign_in_failures;
use crate::domain::sign_in::FAILURE_WINDOW;

/// Failure times of an address inside the throttle window.
pub fn recent_failures(
    conn: &mut DbConn,
    address: &str,
    now: NaiveDateTime,
) -> QueryResult<Vec<NaiveDateTime>> {
    sign_in_failures::table
        .filter(sign_in_failures::address.eq(address))
        .filter(sign_in_failures::failed_at.gt(now - FAILURE_WINDOW))
        .select(sign_in_failures::failed_at)
        .load(conn)
}

/// Records a failure and forgets this address's failures that no longer count.
pub fn record_failure(conn: &mut DbConn, address: &str, now: NaiveDateTime) -> QueryResult<()> {
    diesel::delete(
        sign_in_failures::table
            .filter(sign_in_failures::address.eq(address))
            .filter(sign_in_failures::failed_at.le(now - FAILURE_WINDOW)),
    )
    .execute(conn)?;
    diesel::insert_into(sign_in_failures::table)
        .values((
            sign_in_failures::address.eq(address),
            sign_in_failures::failed_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}
