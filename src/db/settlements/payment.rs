//! Paying a statement, and the vendors' fee rates.

use crate::domain::refusal::Refusal;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::read::{Statement, find};
use crate::db::effects::{self, Happened};
use crate::db::notify::Parties;
use crate::db::schema::{accounts, statements};
use crate::db::{DbConn, StoreError, write_transaction};
use crate::domain::notice::{Event, Subject};
use crate::domain::settlement;

/// An operator records the payment of a ready statement; the vendor is told.
pub fn mark_paid(
    conn: &mut DbConn,
    operator_id: i64,
    statement_id: i64,
    reference: &str,
    now: NaiveDateTime,
) -> Result<Statement, StoreError> {
    write_transaction(conn, |conn| {
        let statement = find(conn, statement_id)?.ok_or(StoreError::NotFound)?;
        let paying = settlement::pay(statement.state, statement.net_fen)?;
        let target = format!("{} #{}", statement.month, statement.vendor_id);
        effects::apply(
            conn,
            &paying,
            |conn| {
                diesel::update(
                    statements::table
                        .filter(statements::id.eq(statement_id))
                        .filter(statements::state.eq(paying.from.as_str()))
                        .filter(statements::net_fen.eq(statement.net_fen)),
                )
                .set((
                    statements::state.eq(paying.to.as_str()),
                    statements::paid_reference.eq(Some(reference)),
                    statements::paid_by.eq(Some(operator_id)),
                    statements::paid_at.eq(Some(now)),
                ))
                .execute(conn)
            },
            |event| {
                Happened::new(
                    event,
                    Some(operator_id),
                    Subject::Statement {
                        month: &statement.month,
                    },
                    Parties::vendor(statement.vendor_id),
                    now,
                )
                .about(&statement.month)
                .audited_as(&target)
                .noted(reference)
            },
        )
        .map_err(|error| match error {
            // Paid by someone else between the read and the update.
            StoreError::Refused(Refusal::StateChanged) => Refusal::StatementPaid.into(),
            other => other,
        })?;
        Ok(statement)
    })
}

/// A vendor and the fee rate its next statements take.
#[derive(Debug, Clone, Queryable)]
pub struct VendorRate {
    pub id: i64,
    pub login: String,
    pub display_name: String,
    pub fee_bps: i32,
}

pub fn vendor_rates(conn: &mut DbConn) -> QueryResult<Vec<VendorRate>> {
    accounts::table
        .filter(accounts::role.eq("vendor"))
        .order(accounts::login)
        .select((
            accounts::id,
            accounts::login,
            accounts::display_name,
            accounts::fee_bps,
        ))
        .load(conn)
}

/// Sets a vendor's fee rate for statements not yet made.
pub fn set_fee(
    conn: &mut DbConn,
    operator_id: i64,
    vendor_id: i64,
    fee_bps: i32,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    write_transaction(conn, |conn| {
        let login: String = accounts::table
            .find(vendor_id)
            .filter(accounts::role.eq("vendor"))
            .select(accounts::login)
            .first(conn)
            .optional()?
            .ok_or(StoreError::NotFound)?;
        diesel::update(accounts::table.find(vendor_id))
            .set(accounts::fee_bps.eq(fee_bps))
            .execute(conn)?;
        // Kept in basis points; `PageCtx::audit_note` shows the percent.
        let bps = fee_bps.to_string();
        let changed = Happened::new(
            Event::FeeChanged,
            Some(operator_id),
            Subject::Account {
                account_id: vendor_id,
            },
            Parties::vendor(vendor_id),
            now,
        );
        effects::record(conn, &changed.about(&login).noted(&bps))?;
        Ok(())
    })
}
