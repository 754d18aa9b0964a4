//! R9: money is exact decimal yuan, never negative, never a float. Stored as i64 fen.

use std::fmt;

/// An amount of money in fen (1/100 yuan).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Yuan(i64);

/// Largest accepted amount: 10^13 yuan, far above any fine and far below i64 overflow in sums.
const MAX_FEN: i64 = 1_000_000_000_000_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("an amount is a string of yuan with at most two decimals, like \"100\" or \"100.10\"")]
    Malformed,
    #[error("an amount may not be negative")]
    Negative,
    #[error("an amount may have at most two decimals")]
    TooPrecise,
    #[error("the amount is too large")]
    TooLarge,
}

impl Yuan {
    pub const ZERO: Yuan = Yuan(0);

    pub fn from_fen(fen: i64) -> Self {
        Yuan(fen)
    }

    pub fn from_yuan(yuan: i64) -> Self {
        Yuan(yuan * 100)
    }

    pub fn fen(self) -> i64 {
        self.0
    }

    /// Parses `"100"`, `"100.1"` or `"100.10"`. Signs, exponents, spaces and more than two
    /// decimals are refused.
    pub fn parse(input: &str) -> Result<Self, MoneyError> {
        if input.starts_with('-') {
            return Err(MoneyError::Negative);
        }
        let (whole, frac) = match input.split_once('.') {
            Some((w, f)) => (w, f),
            None => (input, ""),
        };
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !digits(whole) || !digits(frac) || (input.contains('.') && frac.is_empty()) {
            return Err(MoneyError::Malformed);
        }
        if frac.len() > 2 {
            return Err(MoneyError::TooPrecise);
        }
        if whole.len() > 14 {
            return Err(MoneyError::TooLarge);
        }
        let whole: i64 = whole.parse().map_err(|_| MoneyError::Malformed)?;
        let cents: i64 = match frac.len() {
            0 => 0,
            1 => frac.parse::<i64>().map_err(|_| MoneyError::Malformed)? * 10,
            _ => frac.parse().map_err(|_| MoneyError::Malformed)?,
        };
        let fen = whole * 100 + cents;
        if fen > MAX_FEN {
            return Err(MoneyError::TooLarge);
        }
        Ok(Yuan(fen))
    }

    /// 万元 with two decimals, as the annual report prints money (384.25).
    pub fn wan_yuan(self) -> String {
        // Round half up to 0.01 万元 = 100 yuan = 10,000 fen.
        let units = (self.0 + 5_000) / 10_000;
        format!("{}.{:02}", units / 100, units % 100)
    }
}

impl fmt::Display for Yuan {
    /// Always two decimals: `"3842500.00"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

impl std::iter::Sum for Yuan {
    fn sum<I: Iterator<Item = Yuan>>(iter: I) -> Self {
        Yuan(iter.map(|y| y.0).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_up_to_two_decimals_and_prints_two() {
        assert_eq!(Yuan::parse("100").map(|y| y.to_string()), Ok("100.00".into()));
        assert_eq!(Yuan::parse("100.1").map(|y| y.to_string()), Ok("100.10".into()));
        assert_eq!(Yuan::parse("100.10").map(|y| y.fen()), Ok(10_010));
        assert_eq!(Yuan::parse("0").map(|y| y.fen()), Ok(0));
        assert_eq!(Yuan::parse("3842500.00").map(|y| y.to_string()), Ok("3842500.00".into()));
    }

    #[test]
    fn refuses_what_is_not_exact_yuan() {
        assert_eq!(Yuan::parse("-1"), Err(MoneyError::Negative));
        assert_eq!(Yuan::parse("1.001"), Err(MoneyError::TooPrecise));
        for bad in ["", "1e3", " 1", "1.", ".5", "+1", "1,000", "abc", "１"] {
            assert_eq!(Yuan::parse(bad), Err(MoneyError::Malformed), "{bad:?}");
        }
        assert_eq!(Yuan::parse("99999999999999999"), Err(MoneyError::TooLarge));
    }

    #[test]
    fn wan_yuan_like_the_report() {
        assert_eq!(Yuan::from_fen(384_250_000).wan_yuan(), "384.25");
    }
}
