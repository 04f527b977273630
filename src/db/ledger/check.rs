//! Comparing the ledger with the history-reading rules, its oracle.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::month::month_lines;
use crate::db::DbConn;
use crate::db::schema::orders;
use crate::db::settlements::history;
use crate::domain::settlement::{Line, Month, month_lines as oracle_lines};

/// A line that the ledger and the history-reading rules disagree on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub vendor_id: i64,
    /// The line as the history has it, and as the ledger does.
    pub history: Option<Line>,
    pub ledger: Option<Line>,
}

/// Compares the ledger's lines of `month` with those the history gives, for
/// every vendor with orders; every line they do not share.
pub fn check(conn: &mut DbConn, month: Month, now: NaiveDateTime) -> QueryResult<Vec<Difference>> {
    let until = now.min(month.end());
    let vendors: Vec<i64> = orders::table
        .filter(orders::created_at.lt(until))
        .select(orders::vendor_id)
        .distinct()
        .load(conn)?;
    let mut differences = Vec::new();
    for vendor_id in vendors {
        let from_history = oracle_lines(&history(conn, vendor_id, month, until)?, month, until);
        let from_ledger = month_lines(conn, vendor_id, month, until)?;
        differences.extend(compare(vendor_id, from_history, from_ledger));
    }
    Ok(differences)
}

/// The lines each list holds more often than the other.
fn compare(vendor_id: i64, history: Vec<Line>, ledger: Vec<Line>) -> Vec<Difference> {
    let mut balance: HashMap<Line, i64> = HashMap::new();
    for line in history {
        *balance.entry(line).or_default() += 1;
    }
    for line in ledger {
        *balance.entry(line).or_default() -= 1;
    }
    let mut differences = Vec::new();
    for (line, surplus) in balance {
        for _ in 0..surplus.unsigned_abs() {
            differences.push(Difference {
                vendor_id,
                history: (surplus > 0).then(|| line.clone()),
                ledger: (surplus < 0).then(|| line.clone()),
            });
        }
    }
    differences
}
