//! Money: integer fen (分) everywhere; yuan only at the edges, typed and shown.

/// Why a typed price was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PriceError {
    #[error("not a price")]
    Malformed,
    #[error("negative or zero")]
    NotPositive,
    #[error("more than two decimals")]
    TooPrecise,
    #[error("too large")]
    TooLarge,
}

/// The largest price accepted: ¥10,000,000.
pub const MAX_PRICE_FEN: i64 = 1_000_000_000;

/// Parses a price typed in yuan (`99`, `54.62`, `1.1`, `¥0.5`) into fen.
/// Only digits and one decimal point are an amount: a comma is a thousands
/// separator to some and a decimal point to others (`1,0`), so it is
/// refused rather than guessed. Full-width digits and point (what a Chinese
/// input method types) count as their ASCII forms.
pub fn parse_yuan(typed: &str) -> Result<i64, PriceError> {
    let text: String = typed
        .trim()
        .trim_start_matches(['¥', '￥'])
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '．' => '.',
            other => other,
        })
        .collect();
    if text.starts_with('-') {
        return Err(PriceError::NotPositive);
    }
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !digits_only(whole) || !digits_only(fraction) {
        return Err(PriceError::Malformed);
    }
    if fraction.len() > 2 {
        return Err(PriceError::TooPrecise);
    }
    if whole.len() > 9 {
        return Err(PriceError::TooLarge);
    }
    let yuan: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| PriceError::Malformed)?
    };
    let mut cents = fraction.to_string();
    while cents.len() < 2 {
        cents.push('0');
    }
    let fen = yuan * 100 + cents.parse::<i64>().map_err(|_| PriceError::Malformed)?;
    if fen == 0 {
        return Err(PriceError::NotPositive);
    }
    if fen > MAX_PRICE_FEN {
        return Err(PriceError::TooLarge);
    }
    Ok(fen)
}

/// Fen as the seed shows money: `¥99`, `¥54.62`, `¥1.1` (no trailing zeros).
pub fn format_yuan(fen: i64) -> String {
    format!("¥{}", yuan_digits(fen))
}

/// Fen as finance reads money: two decimals, thousands grouped, the minus
/// before the currency sign: `¥21,796,593.20`, `-¥50.00`, `¥0.00`.
pub fn format_money(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    let digits = (abs / 100).to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{sign}¥{grouped}.{:02}", abs % 100)
}

/// Fen as yuan without the sign, for form fields: `99`, `54.62`, `1.1`.
pub fn yuan_digits(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    let (yuan, cents) = (abs / 100, abs % 100);
    match cents {
        0 => format!("{sign}{yuan}"),
        c if c % 10 == 0 => format!("{sign}{yuan}.{}", c / 10),
        c => format!("{sign}{yuan}.{c:02}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finance_reads_two_decimals_grouped_and_the_minus_first() {
        assert_eq!(format_money(2_179_659_320), "¥21,796,593.20");
        assert_eq!(format_money(-5000), "-¥50.00");
        assert_eq!(format_money(0), "¥0.00");
        assert_eq!(format_money(5), "¥0.05");
        assert_eq!(format_money(99_900), "¥999.00");
        assert_eq!(format_money(100_000), "¥1,000.00");
        assert_eq!(format_money(-123_456_789), "-¥1,234,567.89");
    }

    #[test]
    fn prices_parse_to_fen() {
        assert_eq!(parse_yuan("99"), Ok(9900));
        assert_eq!(parse_yuan("54.62"), Ok(5462));
        assert_eq!(parse_yuan("1.1"), Ok(110));
        assert_eq!(parse_yuan(" ¥0.5 "), Ok(50));
        assert_eq!(parse_yuan("0.01"), Ok(1));
        assert_eq!(parse_yuan(".5"), Ok(50));
        assert_eq!(parse_yuan("１２．５"), Ok(1250));
        assert_eq!(parse_yuan("￥９９"), Ok(9900));
        assert_eq!(parse_yuan("10000000"), Ok(MAX_PRICE_FEN));
    }

    #[test]
    fn bad_prices_are_refused() {
        assert_eq!(parse_yuan("-1"), Err(PriceError::NotPositive));
        assert_eq!(parse_yuan("0"), Err(PriceError::NotPositive));
        assert_eq!(parse_yuan("0.00"), Err(PriceError::NotPositive));
        assert_eq!(parse_yuan("1.234"), Err(PriceError::TooPrecise));
        assert_eq!(parse_yuan("abc"), Err(PriceError::Malformed));
        assert_eq!(parse_yuan(""), Err(PriceError::Malformed));
        assert_eq!(parse_yuan("."), Err(PriceError::Malformed));
        assert_eq!(parse_yuan("1.2.3"), Err(PriceError::Malformed));
        assert_eq!(parse_yuan("1e3"), Err(PriceError::Malformed));
        // A comma is a decimal point to some and a separator to others.
        assert_eq!(parse_yuan("1,0"), Err(PriceError::Malformed));
        assert_eq!(parse_yuan("0,99"), Err(PriceError::Malformed));
        assert_eq!(parse_yuan("1,200"), Err(PriceError::Malformed));
        assert_eq!(parse_yuan("1 200"), Err(PriceError::Malformed));
        assert_eq!(parse_yuan("٣"), Err(PriceError::Malformed));
        assert_eq!(parse_yuan("10000000.01"), Err(PriceError::TooLarge));
        assert_eq!(
            parse_yuan("99999999999999999999"),
            Err(PriceError::TooLarge)
        );
    }

    #[test]
    fn money_is_shown_as_the_seed_shows_it() {
        assert_eq!(format_yuan(9900), "¥99");
        assert_eq!(format_yuan(5462), "¥54.62");
        assert_eq!(format_yuan(110), "¥1.1");
        assert_eq!(format_yuan(5), "¥0.05");
        assert_eq!(format_yuan(0), "¥0");
        assert_eq!(format_yuan(-5462), "¥-54.62");
        assert_eq!(yuan_digits(120_000), "1200");
    }
}
