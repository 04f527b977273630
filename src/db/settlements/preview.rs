//! The month so far: the vendor's running total and the operator's preview.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::generate::untaken_deficits;
use super::history::IDS_PER_QUERY;
use super::read::{OrderNames, ShownGroup, with_refund_numbers};
use crate::db::DbConn;
use crate::db::ledger;
use crate::db::schema::{accounts, orders};
use crate::domain::settlement::{Line, Month, Totals};

/// The current month so far, as a statement would show it now (not stored).
pub struct Preview {
    pub month: Month,
    /// The vendor's fee rate now, which the preview's totals use.
    pub fee_bps: i32,
    pub groups: Vec<ShownGroup>,
    pub totals: Totals,
    /// Deficits of earlier statements this month's statement will take.
    pub carried_in_fen: i64,
}

/// The vendor's fee rate now, which the month so far is shown with.
fn fee_rate(conn: &mut DbConn, vendor_id: i64) -> QueryResult<i32> {
    accounts::table
        .find(vendor_id)
        .select(accounts::fee_bps)
        .first(conn)
}

/// This month's totals up to `now`, without the lines (`ledger::month_totals`).
pub fn running_totals(
    conn: &mut DbConn,
    vendor_id: i64,
    now: NaiveDateTime,
) -> QueryResult<Totals> {
    let fee_bps = fee_rate(conn, vendor_id)?;
    ledger::month_totals(conn, vendor_id, Month::of(now), now, fee_bps)
}

/// This month's lines up to `now`: totals over all of them, and the first
/// `shown` of each kind with their orders (only those are read and looked
/// up; `ledger::month_shown`).
pub fn preview(
    conn: &mut DbConn,
    vendor_id: i64,
    now: NaiveDateTime,
    shown: usize,
) -> QueryResult<Preview> {
    let fee_bps = fee_rate(conn, vendor_id)?;
    let (groups, sums) = ledger::month_shown(conn, vendor_id, Month::of(now), now, shown, fee_bps)?;
    let ids: Vec<i64> = groups
        .iter()
        .flat_map(|group| group.lines.iter().map(|line| line.order_id))
        .collect();
    let mut orders_by_id: HashMap<i64, OrderNames> = HashMap::new();
    for chunk in ids.chunks(IDS_PER_QUERY) {
        let found: Vec<(i64, String, String, i64)> = orders::table
            .filter(orders::id.eq_any(chunk))
            .select((
                orders::id,
                orders::order_no,
                orders::product_name,
                orders::buyer_uin,
            ))
            .load(conn)?;
        orders_by_id.extend(
            found
                .into_iter()
                .map(|(id, no, name, uin)| (id, (no, name, uin))),
        );
    }
    let mut shown_groups = Vec::with_capacity(groups.len());
    for group in groups {
        let with_orders: Vec<(Line, OrderNames)> = group
            .lines
            .iter()
            .map(|line| {
                let order = orders_by_id
                    .get(&line.order_id)
                    .cloned()
                    .unwrap_or_default();
                (line.clone(), order)
            })
            .collect();
        let mut named = with_refund_numbers(conn, with_orders)?.into_iter();
        shown_groups.push(group.map(|_| named.next().expect("one shown line per line")));
    }
    let carried_in_fen = untaken_deficits(conn, vendor_id, Month::of(now))?
        .iter()
        .map(|(_, net_fen)| net_fen)
        .sum();
    Ok(Preview {
        month: Month::of(now),
        fee_bps,
        groups: shown_groups,
        totals: sums,
        carried_in_fen,
    })
}
