//! The marketplace's rules as pure functions: no web, no database, and time
//! always comes in as a parameter.

/// The stored code of each variant of an enum declared beside it: `ALL`,
/// `as_str`, `parse` and `Display`, one table per enum.
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

        /// Shows the stored code (a CSS class, a form value, a CSV cell).
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// What a command decided: the state a row moves from and to, and the
/// events that causes. The store applies it with one conditional update that
/// names `from` (`db::effects::apply`) and records the events' effects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition<S> {
    pub from: S,
    pub to: S,
    pub events: Vec<notice::Event>,
}

impl<S> Transition<S> {
    pub fn new(from: S, to: S, event: notice::Event) -> Transition<S> {
        Transition {
            from,
            to,
            events: vec![event],
        }
    }
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
