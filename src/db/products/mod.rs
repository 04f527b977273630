//! Products, their revisions, plans, logos, activity log and delist
//! requests. Every step is one write transaction whose updates name the state
//! they expect, so a double click or a race applies once and the loser is told.

mod delist;
mod drafts;
mod lifecycle;
mod listing;
mod lists;
mod rows;

pub use delist::*;
pub use drafts::*;
pub use lifecycle::*;
pub use listing::*;
pub use lists::*;
pub use rows::*;
