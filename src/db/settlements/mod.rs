//! Settlement statements: loading a vendor's month of history, generating
//! statements once, reading them, previews of the month so far, payment and
//! fee rates.

mod generate;
mod history;
mod payment;
mod preview;
mod read;

pub use generate::*;
pub use history::*;
pub use payment::*;
pub use preview::*;
pub use read::*;
