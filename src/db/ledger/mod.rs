//! The settlement ledger (`ledger_entries`): what each order's history adds
//! to its vendor's statements, month by month, so that a statement costs
//! what its month holds rather than the vendor's whole history.
//!
//! Every step that changes an order's history (a purchase, a renewal, a
//! refund, billing stopped, a ticket completed or closed) calls `follow` in
//! its own transaction. `follow` asks the domain which lines the order's
//! history has decided for good (`domain::settlement::decided_lines`),
//! compares them with the entries already written, and writes the
//! difference as new entries: nothing is ever updated or deleted, a
//! correction takes a line back (`line_count` -1) or adjusts its sums.
//!
//! A month's lines (`month_lines`) are then its entries summed by line,
//! the hours of hourly subscriptions still running (their span is open, read
//! from the subscriptions), and the lines still waiting (a ticket not yet
//! completed, a five-day window still open), read from the few orders they
//! can be. The history-reading rules (`settlements::history`) stay as the
//! oracle: `check` compares the two, and the tests do on random histories.

mod check;
mod entries;
mod month;
mod rebuild;
mod running;
mod statement;

pub use check::{Difference, check};
pub use entries::follow;
pub use month::{month_lines, month_shown};
pub use rebuild::{ensure_built, rebuild};
pub use running::{hourly_started, hourly_stopped, month_totals};
pub use statement::{MonthToSettle, month_to_settle};
