//! Accounts: roles, what a valid login, display name and password look like,
//! and the public 10-digit user ID (用户ID).

use std::fmt;
use std::str::FromStr;

/// The three kinds of people who use yunshi.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// 运营: marketplace staff.
    Operator,
    /// 服务商: a company selling on the marketplace.
    Vendor,
    /// 用户: a cloud customer.
    Buyer,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Operator, Role::Vendor, Role::Buyer];

    /// The value stored in the database and used in URLs and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Vendor => "vendor",
            Role::Buyer => "buyer",
        }
    }

    /// The role a stored or typed code names, if any.
    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == text)
    }

    /// Where a signed-in account of this role lands.
    pub fn home(self) -> &'static str {
        match self {
            Role::Operator => "/admin",
            Role::Vendor => "/vendor",
            Role::Buyer => "/me",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = AccountRuleError;

    fn from_str(value: &str) -> Result<Role, AccountRuleError> {
        Role::parse(value).ok_or(AccountRuleError::UnknownRole)
    }
}

/// A rule that a proposed account broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AccountRuleError {
    #[error("the login must be 3 to 32 lowercase letters, digits, '.', '_' or '-'")]
    BadLogin,
    #[error("the display name must be 1 to 64 characters")]
    BadDisplayName,
    #[error("the password must be 8 to 128 characters")]
    BadPassword,
    #[error("the two passwords differ")]
    PasswordsDiffer,
    #[error("the role must be operator, vendor or buyer")]
    UnknownRole,
}

pub const PASSWORD_MIN_CHARS: usize = 8;
pub const PASSWORD_MAX_CHARS: usize = 128;

/// Normalises a login (trimmed, lowercase) and checks its shape.
pub fn normalize_login(raw: &str) -> Result<String, AccountRuleError> {
    let login = raw.trim().to_lowercase();
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c);
    if (3..=32).contains(&login.len()) && login.chars().all(allowed) {
        Ok(login)
    } else {
        Err(AccountRuleError::BadLogin)
    }
}

/// Trims a display name and checks its length; an empty one falls back to the login.
pub fn normalize_display_name(raw: &str, login: &str) -> Result<String, AccountRuleError> {
    let name = raw.trim();
    let name = if name.is_empty() { login } else { name };
    if name.chars().count() <= 64 && !name.chars().any(char::is_control) {
        Ok(name.to_string())
    } else {
        Err(AccountRuleError::BadDisplayName)
    }
}

/// Checks a new password's length in characters.
pub fn check_password(password: &str) -> Result<(), AccountRuleError> {
    let chars = password.chars().count();
    if (PASSWORD_MIN_CHARS..=PASSWORD_MAX_CHARS).contains(&chars) {
        Ok(())
    } else {
        Err(AccountRuleError::BadPassword)
    }
}

/// The lowest and highest user ID: ten digits starting with 2, like `2000085622`.
pub const UIN_RANGE: std::ops::RangeInclusive<i64> = 2_000_000_000..=2_999_999_999;

/// Turns a random draw into a user ID inside [`UIN_RANGE`].
pub fn uin_from_random(draw: u64) -> i64 {
    let span = (UIN_RANGE.end() - UIN_RANGE.start() + 1) as u64;
    UIN_RANGE.start() + (draw % span) as i64
}

/// Parses a user ID typed into a search box: exactly ten digits.
pub fn parse_uin(raw: &str) -> Option<i64> {
    let raw = raw.trim();
    if raw.len() == 10 && raw.bytes().all(|b| b.is_ascii_digit()) {
        raw.parse().ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_are_normalised_and_checked() {
        assert_eq!(normalize_login("  Vendor_1 ").unwrap(), "vendor_1");
        assert_eq!(normalize_login("ab"), Err(AccountRuleError::BadLogin));
        assert_eq!(normalize_login("a b c"), Err(AccountRuleError::BadLogin));
        assert_eq!(normalize_login("云市用户"), Err(AccountRuleError::BadLogin));
        assert_eq!(
            normalize_login(&"x".repeat(33)),
            Err(AccountRuleError::BadLogin)
        );
        assert!(normalize_login(&"x".repeat(32)).is_ok());
    }

    #[test]
    fn display_name_falls_back_to_login() {
        assert_eq!(normalize_display_name("  ", "buyer1").unwrap(), "buyer1");
        assert_eq!(normalize_display_name(" 云市 ", "x").unwrap(), "云市");
        assert!(normalize_display_name(&"名".repeat(64), "x").is_ok());
        assert_eq!(
            normalize_display_name(&"名".repeat(65), "x"),
            Err(AccountRuleError::BadDisplayName)
        );
        assert_eq!(
            normalize_display_name("a\u{0}b", "x"),
            Err(AccountRuleError::BadDisplayName)
        );
    }

    #[test]
    fn password_length_counts_characters() {
        assert_eq!(
            check_password("1234567"),
            Err(AccountRuleError::BadPassword)
        );
        assert!(check_password("12345678").is_ok());
        assert!(check_password("密码密码密码密码").is_ok());
        assert_eq!(
            check_password(&"x".repeat(129)),
            Err(AccountRuleError::BadPassword)
        );
    }

    #[test]
    fn user_ids_have_ten_digits() {
        for draw in [0, 1, 999_999_999, 1_000_000_000, u64::MAX] {
            let uin = uin_from_random(draw);
            assert!(UIN_RANGE.contains(&uin));
            assert_eq!(uin.to_string().len(), 10);
        }
        assert_eq!(parse_uin(" 2000085622 "), Some(2_000_085_622));
        assert_eq!(parse_uin("200008562"), None);
        assert_eq!(parse_uin("20000856x2"), None);
    }

    #[test]
    fn roles_round_trip() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        assert_eq!("admin".parse::<Role>(), Err(AccountRuleError::UnknownRole));
    }
}
