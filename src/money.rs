//! Money as integer cents. Parsed from the decimal text a person types, never from a float.

use std::fmt;

/// An amount in cents. Non-negative amounts only come out of [`Money::parse`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(i64);

/// Largest amount the lab accepts as text: 12 integer digits keeps every sum far from `i64::MAX`.
const MAX_INTEGER_DIGITS: usize = 12;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("enter an amount")]
    Empty,
    #[error("the amount cannot be negative")]
    Negative,
    #[error("\"{0}\" is not a decimal amount such as 12.50")]
    NotDecimal(String),
    #[error("an amount has at most 2 decimal places (cents); \"{0}\" has more")]
    TooPrecise(String),
    #[error("\"{0}\" is far too large an amount")]
    TooLarge(String),
}

impl Money {
    pub const fn from_cents(cents: i64) -> Self {
        Self(cents)
    }

    pub const fn cents(self) -> i64 {
        self.0
    }

    /// Parses `12`, `12.5` or `12.50` (an optional leading `+` too, as number inputs may send).
    /// Exponents, separators, signs in the middle and more than two decimals are refused.
    pub fn parse(text: &str) -> Result<Self, MoneyError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(MoneyError::Empty);
        }
        if text.starts_with('-') {
            return Err(MoneyError::Negative);
        }
        let unsigned = text.strip_prefix('+').unwrap_or(text);
        let (whole, fraction) = match unsigned.split_once('.') {
            Some((whole, fraction)) => (whole, fraction),
            None => (unsigned, ""),
        };
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() && fraction.is_empty()
            || !digits(whole)
            || !digits(fraction)
            || unsigned.ends_with('.') && fraction.is_empty()
        {
            return Err(MoneyError::NotDecimal(text.to_owned()));
        }
        if fraction.len() > 2 {
            return Err(MoneyError::TooPrecise(text.to_owned()));
        }
        let whole = whole.trim_start_matches('0');
        if whole.len() > MAX_INTEGER_DIGITS {
            return Err(MoneyError::TooLarge(text.to_owned()));
        }
        let units: i64 = if whole.is_empty() { 0 } else { whole.parse().expect("checked digits") };
        let cents: i64 = match fraction.len() {
            0 => 0,
            1 => fraction.parse::<i64>().expect("checked digits") * 10,
            _ => fraction.parse().expect("checked digits"),
        };
        Ok(Self(units * 100 + cents))
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_decimal_text_into_cents() {
        assert_eq!(Money::parse("12").unwrap().cents(), 1200);
        assert_eq!(Money::parse("12.5").unwrap().cents(), 1250);
        assert_eq!(Money::parse(" 0.07 ").unwrap().cents(), 7);
        assert_eq!(Money::parse(".5").unwrap().cents(), 50);
        assert_eq!(Money::parse("+3.00").unwrap().cents(), 300);
        assert_eq!(Money::parse("0").unwrap().cents(), 0);
        assert_eq!(Money::parse("999999999999.99").unwrap().cents(), 99_999_999_999_999);
    }

    #[test]
    fn refuses_what_is_not_an_amount() {
        assert_eq!(Money::parse(""), Err(MoneyError::Empty));
        assert_eq!(Money::parse("-5"), Err(MoneyError::Negative));
        for bad in ["1e30", "abc", "1,000", "1.2.3", "12.", ".", "NaN", "0x10", "1 000", "٣"] {
            assert!(matches!(Money::parse(bad), Err(MoneyError::NotDecimal(_))), "{bad}");
        }
        assert!(matches!(Money::parse("1.234"), Err(MoneyError::TooPrecise(_))));
        assert!(matches!(Money::parse("1000000000000"), Err(MoneyError::TooLarge(_))));
    }

    #[test]
    fn displays_with_two_decimals() {
        assert_eq!(Money::from_cents(100_000).to_string(), "1000.00");
        assert_eq!(Money::from_cents(5).to_string(), "0.05");
        assert_eq!(Money::from_cents(-250).to_string(), "-2.50");
    }
}
