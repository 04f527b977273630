//! A statement's lines as the ledger makes them when its month has ended.
//!
//! Most lines of a busy month are hourly subscriptions that ran through all
//! of it: each bills every hour of the month at its unit price, the first at
//! the month's start plus its phase. Those are added up from one query and
//! copied inside the database (`copy_running_lines`) instead of being read,
//! built and written back one by one; every other line is built here. The
//! stored lines keep statement order (pages read them by id), so the copied
//! lines are merged in where they fall among the others.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::entries::entry_lines;
use super::month::waiting;
use super::running::{
    RunningKey, RunningThrough, copy_running_lines, running_hours, running_through,
};
use crate::db::DbConn;
use crate::db::bulk::{StatementLineRow, insert_statement_lines};
use crate::domain::settlement::{Line, LineKind, Month, Totals, gross_of, sort_lines, totals_of};

/// An ended month of one vendor, ready to be written as a statement.
pub struct MonthToSettle {
    month: Month,
    vendor_id: i64,
    /// Every line but those of the subscriptions running through the month,
    /// in statement order.
    lines: Vec<Line>,
    running: RunningThrough,
}

/// The lines of the vendor's ended `month`: its entries, the hourly
/// subscriptions that started in it and still run, the lines still waiting
/// at its end, and the count of those that ran through it.
pub fn month_to_settle(
    conn: &mut DbConn,
    vendor_id: i64,
    month: Month,
) -> QueryResult<MonthToSettle> {
    let end = month.end();
    let mut lines = entry_lines(conn, vendor_id, month, end)?;
    lines.extend(running_hours(
        conn,
        vendor_id,
        month,
        Some(month.start()),
        end,
    )?);
    lines.extend(waiting(conn, vendor_id, month, end)?);
    sort_lines(&mut lines);
    Ok(MonthToSettle {
        month,
        vendor_id,
        lines,
        running: running_through(conn, vendor_id, month)?,
    })
}

impl MonthToSettle {
    /// The month's totals, the copied lines included: `totals` of every line.
    pub fn totals(&self, fee_bps: i32) -> Totals {
        let copied = self.running.price_fen * self.month.hours();
        totals_of(gross_of(&self.lines) + copied, fee_bps)
    }

    /// Writes every line of the statement in statement order. Fails, and
    /// says so, if the subscriptions copied are not those counted: inside
    /// one snapshot they cannot differ, so that would be a bug, not a race
    /// to retry.
    pub fn write(&self, conn: &mut DbConn, statement_id: i64) -> QueryResult<()> {
        let month = self.month;
        let row = |line: &Line| StatementLineRow {
            statement_id,
            kind: line.kind.as_str(),
            order_id: line.order_id,
            refund_order_id: line.refund_order_id,
            bill_part: line.bill_part(month),
            hours: line.hours,
            paid_fen: line.paid_fen,
            refunded_fen: line.refunded_fen,
            amount_fen: line.amount_fen,
            note: line.note.as_str(),
            happened_at: line.at,
        };
        let mut copied = 0;
        let mut copy_up_to = |conn: &mut DbConn, from: RunningKey, to: RunningKey| {
            copied += copy_running_lines(conn, statement_id, self.vendor_id, month, (from, to))?;
            QueryResult::Ok(to)
        };
        // The copied lines' keys not yet written start at `from`; each built
        // line is written after the copied lines before it.
        let mut from: RunningKey = (0, 0);
        let mut unwritten: Vec<StatementLineRow> = Vec::new();
        for line in &self.lines {
            if let Some(to) = copied_before(line, month)
                && to > from
            {
                insert_statement_lines(conn, &unwritten)?;
                unwritten.clear();
                from = copy_up_to(conn, from, to)?;
            }
            unwritten.push(row(line));
        }
        insert_statement_lines(conn, &unwritten)?;
        if from < AFTER_EVERY_KEY {
            copy_up_to(conn, from, AFTER_EVERY_KEY)?;
        }
        if copied != self.running.count as usize {
            let counted = self.running.count;
            return Err(diesel::result::Error::QueryBuilderError(
                format!("statement {statement_id}: {copied} running subscriptions copied, {counted} counted")
                    .into(),
            ));
        }
        Ok(())
    }
}

/// Past every copied line's key (phases are below 3600).
const AFTER_EVERY_KEY: RunningKey = (i32::MAX, i64::MAX);

/// The key up to which copied lines come before `line` in statement order:
/// none before the hourly kind, all after it; among hourly lines, those
/// whose first hour comes before this line's (orders break ties).
fn copied_before(line: &Line, month: Month) -> Option<RunningKey> {
    match line.kind {
        kind if kind < LineKind::Hourly => None,
        LineKind::Hourly if line.at < month.start() + Duration::hours(1) => {
            Some((seconds_into(month, line.at), line.order_id))
        }
        _ => Some(AFTER_EVERY_KEY),
    }
}

/// Whole seconds from the month's start to an hourly line of its first hour
/// (a whole second itself, `first_hour_from`, and never before the month).
fn seconds_into(month: Month, at: NaiveDateTime) -> i32 {
    let seconds = (at - month.start()).num_seconds();
    debug_assert!((0..3600).contains(&seconds), "{at} in {month}'s first hour");
    seconds as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(kind: LineKind, order_id: i64, at: NaiveDateTime) -> Line {
        Line::new(kind, order_id, at)
    }

    #[test]
    fn copied_lines_fall_in_time_order_among_the_hourly_ones() {
        let month = Month::parse("2026-02").unwrap();
        let start = month.start();
        assert_eq!(
            copied_before(&line(LineKind::Renewal, 5, start), month),
            None
        );
        assert_eq!(
            copied_before(
                &line(LineKind::Hourly, 7, start + Duration::seconds(90)),
                month
            ),
            Some((90, 7))
        );
        assert_eq!(
            copied_before(
                &line(LineKind::Hourly, 7, start + Duration::hours(2)),
                month
            ),
            Some(AFTER_EVERY_KEY)
        );
        assert_eq!(
            copied_before(&line(LineKind::Service, 1, start), month),
            Some(AFTER_EVERY_KEY)
        );
    }
}
