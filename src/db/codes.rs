//! Rows hold the domain's code enums, not strings: each is stored as its
//! code (`codes!` in `domain`), and a stored value that is no code of its
//! enum is an error when read, never a silent default that would hide a
//! corrupt row.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;

use crate::domain::account::Role;
use crate::domain::order::{OrderStatus, OrderType};
use crate::domain::product::{Billing, DelistRequestState, Kind, Listing, RevisionState};
use crate::domain::refund::{RefundKind, RequestState, VendorPosition};
use crate::domain::settlement::{LineKind, LineNote, StatementState};
use crate::domain::ticket::{Template, TicketState};

macro_rules! stored_as_code {
    ($($code:ident),+ $(,)?) => {$(
        const _: () = {
            /// Lets rows and filters hold the enum (diesel's derive for a
            /// type declared in another module).
            #[derive(diesel::AsExpression, diesel::FromSqlRow)]
            #[diesel(foreign_derive, sql_type = Text)]
            #[allow(dead_code)]
            struct Stored($code);
        };

        impl<DB: Backend> FromSql<Text, DB> for $code
        where
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                let text = <String as FromSql<Text, DB>>::from_sql(bytes)?;
                $code::parse(&text).ok_or_else(|| {
                    format!("{text:?} is not a stored code of {}", stringify!($code)).into()
                })
            }
        }

        impl<DB: Backend> ToSql<Text, DB> for $code
        where
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                <str as ToSql<Text, DB>>::to_sql(self.as_str(), out)
            }
        }
    )+};
}

stored_as_code!(
    Role,
    Kind,
    Listing,
    RevisionState,
    Billing,
    DelistRequestState,
    OrderType,
    OrderStatus,
    RefundKind,
    RequestState,
    VendorPosition,
    StatementState,
    LineKind,
    LineNote,
    Template,
    TicketState,
);

#[cfg(test)]
mod tests {
    use diesel::dsl::sql;
    use diesel::prelude::*;

    use super::*;
    use crate::db::DbConn;

    fn memory() -> DbConn {
        DbConn::Sqlite(SqliteConnection::establish(":memory:").unwrap())
    }

    #[test]
    fn a_stored_code_reads_as_its_variant_and_anything_else_is_an_error() {
        let mut conn = memory();
        let kind: Kind = diesel::select(sql::<Text>("'service'"))
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(kind, Kind::Service);
        let corrupt = diesel::select(sql::<Text>("'servise'")).get_result::<Kind>(&mut conn);
        let error = corrupt.expect_err("an unknown code is not defaulted");
        assert!(error.to_string().contains("servise"), "{error}");
    }

    #[test]
    fn a_code_is_written_as_its_text() {
        let mut conn = memory();
        let written: String = diesel::select(TicketState::InService.into_sql::<Text>())
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(written, "in_service");
    }
}
