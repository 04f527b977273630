//! Who is asking: password hashing, the CSRF guard, and identity extractors
//! that let only the right role into a handler.

pub mod csrf;
pub mod guard;
pub mod identity;
pub mod password;

pub use identity::{Buyer, CurrentUser, MaybeUser, Operator, Vendor};
