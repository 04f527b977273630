//! The marketplace's rules as pure functions: no web, no database, and time
//! always comes in as a parameter.

/// The stored code of each variant of an enum declared beside it: `ALL`,
/// `as_str` and `parse`, one table per enum.
macro_rules! codes {
    ($name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Option<$name> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

pub mod account;
pub mod logo;
pub mod money;
pub mod notice;
pub mod order;
pub mod product;
pub mod refund;
pub mod refusal;
pub mod sales;
pub mod session;
pub mod settlement;
pub mod sign_in;
pub mod ticket;
pub mod time;
