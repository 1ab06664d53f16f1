//! The one strict reading of a quantity typed by a person or a script: the command line, the
//! kiosk's keypad, the admin forms and imported files all go through [`parse`].
//!
//! A quantity is plain decimal digits, optionally a point and more digits: `5`, `12.5`, `0.25`.
//! Refused, each with its own message: exponents (`1e3`), digit separators (`1_000`, `1,000`,
//! `1 000`), signs (`+5`, `-5`), spaces around it (` 5`), a point without digits on both sides
//! (`5.`, `.5`), more fraction digits than the product's unit allows (`1.5` pcs, `2.0` pcs — the
//! written digits count, zeros too), zero, and more than 12 integer digits. rust_decimal's own
//! `from_str` accepts several of these (`1e3` and `1_000` both give 1000), which is why nothing
//! else parses quantities.

use rust_decimal::Decimal;

/// Integer digits at most: the ledger's NUMERIC(18,6) holds less than 10^12.
pub const MAX_INTEGER_DIGITS: usize = 12;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    #[error("no quantity given")]
    Empty,
    #[error("`{0}` has spaces around it; type the number alone")]
    Spaces(String),
    #[error("`{0}` has a sign; a quantity is a plain number (the movement's kind says in or out)")]
    Sign(String),
    #[error("`{0}` is not a plain number: use only the digits 0-9 and one decimal point")]
    NotPlain(String),
    #[error("`{0}` needs a digit on both sides of the decimal point (write 5 or 0.5)")]
    BarePoint(String),
    #[error("`{text}` has {given} decimal places; this unit allows {allowed}")]
    TooManyDecimals { text: String, given: u32, allowed: u32 },
    #[error("the quantity must be greater than zero")]
    Zero,
    #[error("`{0}` is too large")]
    TooLarge(String),
}

/// Reads `text` as a quantity. `unit_decimals` is how many fraction digits the product's unit
/// allows (`None`: any number up to the ledger's 6).
pub fn parse(text: &str, unit_decimals: Option<u32>) -> Result<Decimal, QuantityError> {
    if text.is_empty() {
        return Err(QuantityError::Empty);
    }
    if text.trim() != text {
        return Err(if text.trim().is_empty() { QuantityError::Empty } else { QuantityError::Spaces(text.into()) });
    }
    if text.starts_with(['+', '-']) {
        return Err(QuantityError::Sign(text.into()));
    }
    if !text.chars().all(|c| c.is_ascii_digit() || c == '.') || text.matches('.').count() > 1 {
        return Err(QuantityError::NotPlain(text.into()));
    }
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    if int.is_empty() || (text.contains('.') && frac.is_empty()) {
        return Err(QuantityError::BarePoint(text.into()));
    }
    let given = frac.len() as u32;
    let allowed = unit_decimals.unwrap_or(6).min(6);
    if given > allowed {
        return Err(QuantityError::TooManyDecimals { text: text.into(), given, allowed });
    }
    if int.trim_start_matches('0').len() > MAX_INTEGER_DIGITS {
        return Err(QuantityError::TooLarge(text.into()));
    }
    // Digits only and at most 12 + 6 of them that matter: this cannot fail.
    let value: Decimal = text.parse().map_err(|_| QuantityError::NotPlain(text.into()))?;
    if value.is_zero() {
        return Err(QuantityError::Zero);
    }
    Ok(value)
}

/// As [`parse`], for values that may be zero (a product's minimum stock).
pub fn parse_allowing_zero(text: &str, unit_decimals: Option<u32>) -> Result<Decimal, QuantityError> {
    match parse(text, unit_decimals) {
        Err(QuantityError::Zero) => Ok(Decimal::ZERO),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn plain_numbers_within_the_units_decimals() {
        assert_eq!(parse("5", Some(0)), Ok(d("5")));
        assert_eq!(parse("007", Some(0)), Ok(d("7")));
        assert_eq!(parse("12.5", Some(1)), Ok(d("12.5")));
        assert_eq!(parse("0.125", Some(3)), Ok(d("0.125")));
        assert_eq!(parse("999999999999", Some(0)), Ok(d("999999999999")));
        assert_eq!(parse("0.000001", None), Ok(d("0.000001")));
    }

    #[test]
    fn everything_else_is_refused_with_a_reason() {
        use QuantityError::*;
        for (text, decimals, want) in [
            ("", Some(0), Empty),
            ("  ", Some(0), Empty),
            ("1e3", Some(0), NotPlain("1e3".into())),
            ("1E3", Some(0), NotPlain("1E3".into())),
            ("1_000", Some(0), NotPlain("1_000".into())),
            ("1,000", Some(0), NotPlain("1,000".into())),
            ("1 000", Some(0), NotPlain("1 000".into())),
            ("1.2.3", Some(3), NotPlain("1.2.3".into())),
            ("٣", Some(0), NotPlain("٣".into())),
            ("0x10", Some(0), NotPlain("0x10".into())),
            ("+5", Some(0), Sign("+5".into())),
            ("-5", Some(0), Sign("-5".into())),
            (" 5", Some(0), Spaces(" 5".into())),
            ("5\n", Some(0), Spaces("5\n".into())),
            ("5.", Some(2), BarePoint("5.".into())),
            (".5", Some(2), BarePoint(".5".into())),
            ("1.5", Some(0), TooManyDecimals { text: "1.5".into(), given: 1, allowed: 0 }),
            ("2.0", Some(0), TooManyDecimals { text: "2.0".into(), given: 1, allowed: 0 }),
            ("0.1234567", None, TooManyDecimals { text: "0.1234567".into(), given: 7, allowed: 6 }),
            ("0", Some(0), Zero),
            ("0.00", Some(2), Zero),
            ("1000000000000", Some(0), TooLarge("1000000000000".into())),
        ] {
            assert_eq!(parse(text, decimals), Err(want), "{text:?}");
        }
        assert!(parse("1e3", Some(0)).unwrap_err().to_string().contains("only the digits 0-9"));
        assert!(parse("1.5", Some(0)).unwrap_err().to_string().contains("this unit allows 0"));
        assert_eq!(parse_allowing_zero("0", Some(0)), Ok(Decimal::ZERO));
        assert!(parse_allowing_zero("-1", Some(0)).is_err());
    }
}
