//! The marketplace's rules as pure functions: no web, no database, and time
//! always comes in as a parameter.

pub mod account;
pub mod logo;
pub mod money;
pub mod order;
pub mod product;
pub mod refund;
pub mod settlement;
pub mod sign_in;
pub mod ticket;
pub mod time;
