//! Queries on `accounts`.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::effects::{self, Happened};
use super::notify::Parties;
use super::schema::{accounts, demo_accounts};
use super::{DbConn, sessions, write_transaction};
use crate::domain::account::{Role, uin_from_random};
use crate::domain::notice::{Event, Subject};

/// An account as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = accounts)]
pub struct Account {
    pub id: i64,
    pub uin: i64,
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
    pub disabled_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    /// The platform's fee on this vendor's statements, in basis points.
    pub fee_bps: i32,
}

impl Account {
    pub fn is_disabled(&self) -> bool {
        self.disabled_at.is_some()
    }
}

/// What creating an account needs; the password is already hashed.
pub struct NewAccount<'a> {
    pub login: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub password_hash: &'a str,
    pub now: NaiveDateTime,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateAccountError {
    #[error("that login is taken")]
    LoginTaken,
    #[error(transparent)]
    Db(#[from] DieselError),
}

/// Inserts an account with a fresh random user ID, drawing again on the rare
/// collision (the UNIQUE constraint decides, not a prior read).
pub fn create(conn: &mut DbConn, new: &NewAccount) -> Result<Account, CreateAccountError> {
    for _ in 0..8 {
        let uin = uin_from_random(rand::random::<u64>());
        let inserted = diesel::insert_into(accounts::table)
            .values((
                accounts::uin.eq(uin),
                accounts::login.eq(new.login),
                accounts::display_name.eq(new.display_name),
                accounts::role.eq(new.role.as_str()),
                accounts::password_hash.eq(new.password_hash),
                accounts::created_at.eq(new.now),
            ))
            .returning(accounts::all_columns)
            .get_result::<Account>(conn);
        match inserted {
            Ok(account) => return Ok(account),
            Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info)) => {
                let about_uin = info.message().contains("uin")
                    || info.constraint_name().is_some_and(|c| c.contains("uin"));
                if !about_uin {
                    return Err(CreateAccountError::LoginTaken);
                }
            }
            Err(other) => return Err(other.into()),
        }
    }
    Err(CreateAccountError::Db(DieselError::RollbackTransaction))
}

pub fn find_by_id(conn: &mut DbConn, id: i64) -> QueryResult<Option<Account>> {
    accounts::table.find(id).first(conn).optional()
}

pub fn find_by_login(conn: &mut DbConn, login: &str) -> QueryResult<Option<Account>> {
    accounts::table
        .filter(accounts::login.eq(login))
        .first(conn)
        .optional()
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    accounts::table.count().get_result(conn)
}

/// Filters of the operator's account list.
#[derive(Debug, Default, Clone)]
pub struct AccountFilter {
    pub role: Option<Role>,
    /// Matches the start of the login, or the whole user ID.
    pub search: Option<String>,
}

pub const ACCOUNT_LIST_LIMIT: i64 = 200;

/// The newest accounts matching the filter, at most [`ACCOUNT_LIST_LIMIT`].
pub fn list(conn: &mut DbConn, filter: &AccountFilter) -> QueryResult<Vec<Account>> {
    let mut query = accounts::table.into_boxed();
    if let Some(role) = filter.role {
        query = query.filter(accounts::role.eq(role.as_str()));
    }
    if let Some(search) = filter.search.as_deref() {
        match crate::domain::account::parse_uin(search) {
            Some(uin) => query = query.filter(accounts::uin.eq(uin)),
            None => {
                // A range instead of LIKE: same meaning on both backends, uses the index.
                let prefix = search.trim().to_lowercase();
                query = query
                    .filter(accounts::login.ge(prefix.clone()))
                    .filter(accounts::login.lt(format!("{prefix}\u{10FFFF}")));
            }
        }
    }
    query
        .order(accounts::id.desc())
        .limit(ACCOUNT_LIST_LIMIT)
        .load(conn)
}

/// Disables an enabled account; returns whether this call changed it.
pub fn disable(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> QueryResult<bool> {
    let changed = diesel::update(
        accounts::table
            .filter(accounts::id.eq(id))
            .filter(accounts::disabled_at.is_null()),
    )
    .set(accounts::disabled_at.eq(Some(now)))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Enables a disabled account; returns whether this call changed it.
pub fn enable(conn: &mut DbConn, id: i64) -> QueryResult<bool> {
    let changed = diesel::update(
        accounts::table
            .filter(accounts::id.eq(id))
            .filter(accounts::disabled_at.is_not_null()),
    )
    .set(accounts::disabled_at.eq(None::<NaiveDateTime>))
    .execute(conn)?;
    Ok(changed == 1)
}

pub fn find_by_uin(conn: &mut DbConn, uin: i64) -> QueryResult<Option<Account>> {
    accounts::table
        .filter(accounts::uin.eq(uin))
        .first(conn)
        .optional()
}

/// Replaces an account's password hash, if it is still `expected` (the hash
/// the caller verified the current password against; `None` for an
/// operator's reset, which needs no current password). Returns whether it
/// changed: two changes at once cannot both start from the same password.
pub fn set_password(
    conn: &mut DbConn,
    id: i64,
    expected: Option<&str>,
    new_hash: &str,
) -> QueryResult<bool> {
    let account = accounts::table.filter(accounts::id.eq(id));
    let changed = match expected {
        Some(hash) => diesel::update(account.filter(accounts::password_hash.eq(hash)))
            .set(accounts::password_hash.eq(new_hash))
            .execute(conn)?,
        None => diesel::update(account)
            .set(accounts::password_hash.eq(new_hash))
            .execute(conn)?,
    };
    Ok(changed == 1)
}

/// Marks an account as a demo account whose password is published.
pub fn mark_demo(conn: &mut DbConn, account: &Account) -> QueryResult<()> {
    diesel::insert_into(demo_accounts::table)
        .values((
            demo_accounts::account_id.eq(account.id),
            demo_accounts::password_hash.eq(&account.password_hash),
        ))
        .execute(conn)
        .map(|_| ())
}

/// A demo account the sign-in page may offer: enabled, its password still
/// the published one (its hash unchanged since it was made).
#[derive(Debug, Clone, Queryable)]
pub struct DemoSignIn {
    pub login: String,
    pub display_name: String,
    pub role: Role,
}

pub fn demo_sign_ins(conn: &mut DbConn) -> QueryResult<Vec<DemoSignIn>> {
    demo_accounts::table
        .inner_join(accounts::table)
        .filter(accounts::password_hash.eq(demo_accounts::password_hash))
        .filter(accounts::disabled_at.is_null())
        .order(accounts::id.asc())
        .select((accounts::login, accounts::display_name, accounts::role))
        .load(conn)
}

/// An operator's step on an account, recorded (audited) as `event`.
fn recorded(
    conn: &mut DbConn,
    event: Event,
    operator_id: i64,
    account: &Account,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let described = format!("{} {} ({})", account.role, account.login, account.uin);
    let happened = Happened::new(
        event,
        Some(operator_id),
        Subject::Account {
            account_id: account.id,
        },
        Parties::default(),
        now,
    );
    effects::record(conn, &happened.about(&described))
}

/// An operator makes a vendor or operator account; `None`: the login is taken.
pub fn create_by_operator(
    conn: &mut DbConn,
    operator_id: i64,
    new: &NewAccount,
) -> QueryResult<Option<Account>> {
    write_transaction(conn, |conn| {
        let account = match create(conn, new) {
            Ok(account) => account,
            Err(CreateAccountError::LoginTaken) => return Ok(None),
            Err(CreateAccountError::Db(error)) => return Err(error),
        };
        recorded(conn, Event::AccountCreated, operator_id, &account, new.now)?;
        Ok(Some(account))
    })
}

/// Why a disable or enable did not happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SwitchRefusal {
    Missing,
    OwnAccount,
    AlreadyDone,
}

/// Disables (ending its sessions, so enabling it later brings none back) or
/// enables an account; returns its login.
pub fn switch(
    conn: &mut DbConn,
    operator_id: i64,
    account_id: i64,
    disable: bool,
    now: NaiveDateTime,
) -> QueryResult<Result<String, SwitchRefusal>> {
    write_transaction(conn, |conn| {
        let Some(target) = find_by_id(conn, account_id)? else {
            return Ok(Err(SwitchRefusal::Missing));
        };
        if disable && target.id == operator_id {
            return Ok(Err(SwitchRefusal::OwnAccount));
        }
        let changed = if disable {
            let changed = self::disable(conn, account_id, now)?;
            sessions::end_all_of(conn, account_id)?;
            changed
        } else {
            enable(conn, account_id)?
        };
        if !changed {
            return Ok(Err(SwitchRefusal::AlreadyDone));
        }
        let event = if disable {
            Event::AccountDisabled
        } else {
            Event::AccountEnabled
        };
        recorded(conn, event, operator_id, &target, now)?;
        Ok(Ok(target.login))
    })
}

/// An operator sets a new password (hashed already); the account's sessions end.
/// `false`: there is no such account.
pub fn reset_password(
    conn: &mut DbConn,
    operator_id: i64,
    account_id: i64,
    hash: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    write_transaction(conn, |conn| {
        let Some(target) = find_by_id(conn, account_id)? else {
            return Ok(false);
        };
        if !set_password(conn, account_id, None, hash)? {
            return Ok(false);
        }
        sessions::end_all_of(conn, account_id)?;
        recorded(conn, Event::PasswordReset, operator_id, &target, now)?;
        Ok(true)
    })
}
