//! The version of what a vendor's pages show, bumped in the transaction of
//! every change that concerns the vendor, so that a kept copy of a page is
//! retired by exactly the writes that can change it, in every instance on
//! the database, and by nothing else: another vendor's purchase, an
//! anonymous or refused POST leave it standing. The operators' views, which
//! show every vendor, are at the sum of the vendors' versions (one row per
//! vendor, so no single row that every change in the market would wait on).

use diesel::prelude::*;

use super::DbConn;
use super::schema::vendor_page_versions as versions;
use crate::domain::account::Role;

/// Moves the vendor's version on; part of the change's own transaction.
pub fn bump(conn: &mut DbConn, vendor_id: i64) -> QueryResult<()> {
    on_inner!(conn, |inner| diesel::insert_into(versions::table)
        .values((versions::vendor_id.eq(vendor_id), versions::version.eq(1)))
        .on_conflict(versions::vendor_id)
        .do_update()
        .set(versions::version.eq(versions::version + 1))
        .execute(inner))?;
    Ok(())
}

/// The SQL of the version of what an account's pages show, for the
/// signed-in account's query (`accounts.id` and `accounts.role` in scope):
/// a vendor's own version, the sum over vendors for an operator, 0 for a
/// buyer (whose pages are not kept).
pub fn of_signed_in_sql() -> String {
    format!(
        "CASE accounts.role \
         WHEN '{vendor}' THEN COALESCE((SELECT v.version FROM vendor_page_versions v \
         WHERE v.vendor_id = accounts.id), 0) \
         WHEN '{operator}' THEN COALESCE((SELECT CAST(SUM(v.version) AS BIGINT) \
         FROM vendor_page_versions v), 0) \
         ELSE 0 END",
        vendor = Role::Vendor.as_str(),
        operator = Role::Operator.as_str(),
    )
}
