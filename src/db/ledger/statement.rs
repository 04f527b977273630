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
use crate::domain::settlement::{Line, LineKind, Month, Totals, sort_lines, totals_of};

/// An ended month of one vendor, ready to be written as a statement.
pub struct MonthToSettle {
    month: Month,
    vendor_id: i64,
    /// Every line but those of the subscriptions running through the month,
    /// in statement order.
    pub lines: Vec<Line>,
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
        let month_hours = (self.month.end() - self.month.start()).num_hours();
        let built: i64 = self
            .lines
            .iter()
            .filter(|line| line.kind.is_billed())
            .map(|line| line.amount_fen)
            .sum();
        totals_of(built + self.running.price_fen * month_hours, fee_bps)
    }

    /// How many lines the statement has.
    pub fn line_count(&self) -> usize {
        self.lines.len() + self.running.count as usize
    }

    /// Writes every line of the statement in statement order. Fails with
    /// `RollbackTransaction` if the subscriptions copied are not those
    /// counted (they cannot differ inside one snapshot).
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
        let mut waiting: Vec<StatementLineRow> = Vec::new();
        for line in &self.lines {
            if let Some(to) = copied_before(line, month)
                && to > from
            {
                insert_statement_lines(conn, &waiting)?;
                waiting.clear();
                from = copy_up_to(conn, from, to)?;
            }
            waiting.push(row(line));
        }
        insert_statement_lines(conn, &waiting)?;
        copy_up_to(conn, from, AFTER_EVERY_KEY)?;
        if copied != self.running.count as usize {
            return Err(diesel::result::Error::RollbackTransaction);
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

fn seconds_into(month: Month, at: NaiveDateTime) -> i32 {
    (at - month.start())
        .num_seconds()
        .clamp(0, i64::from(i32::MAX)) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(kind: LineKind, order_id: i64, at: NaiveDateTime) -> Line {
        Line {
            kind,
            order_id,
            refund_order_id: None,
            hours: 0,
            paid_fen: 0,
            refunded_fen: 0,
            amount_fen: 0,
            note: crate::domain::settlement::LineNote::None,
            at,
        }
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
