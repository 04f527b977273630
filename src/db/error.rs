//! The one error of every store step: not there, refused by a rule (with the
//! refusal's own status and words), or the database's.

use diesel::result::Error as DieselError;

use crate::domain::order::PurchaseRefusal;
use crate::domain::product::StepRefusal;
use crate::domain::refund::RefundRefusal;
use crate::domain::refusal::Refusal;
use crate::domain::ticket::TicketRefusal;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Not there, or not this actor's to see.
    #[error("not found")]
    NotFound,
    #[error("refused: {0:?}")]
    Refused(Refusal),
    /// No connection could be had (work that opens its own).
    #[error("no database connection: {0}")]
    Pool(String),
    #[error(transparent)]
    Db(#[from] DieselError),
}

pub type StoreResult<T> = Result<T, StoreError>;

impl From<Refusal> for StoreError {
    fn from(refusal: Refusal) -> StoreError {
        StoreError::Refused(refusal)
    }
}

macro_rules! refused_from {
    ($($refusal:ty),+) => {
        $(impl From<$refusal> for StoreError {
            fn from(refusal: $refusal) -> StoreError {
                StoreError::Refused(refusal.into())
            }
        })+
    };
}

refused_from!(StepRefusal, PurchaseRefusal, RefundRefusal, TicketRefusal);

/// A conditional update that changed nothing lost a race or found another
/// state: the one check after every state change.
pub fn changed_once(changed: usize) -> StoreResult<()> {
    if changed == 1 {
        Ok(())
    } else {
        Err(StoreError::Refused(Refusal::StateChanged))
    }
}
