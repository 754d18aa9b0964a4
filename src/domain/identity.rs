//! R10: a person's ID number (GB 11643) or an organisation's unified social credit code
//! (GB 32100) is checked when given.

use chrono::NaiveDate;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdNumber(String);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditCode(String);

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: &[u8; 11] = b"10X98765432";

/// The 31 characters of GB 32100 (no I, O, Z, S, V).
const USCC_CHARS: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

impl IdNumber {
    /// 18 characters: 6-digit region, birth date YYYYMMDD, 3-digit sequence, check character.
    pub fn parse(input: &str) -> Result<Self, &'static str> {
        let s = input.trim().to_ascii_uppercase();
        let b = s.as_bytes();
        if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
            return Err("an ID number has 17 digits and a check character");
        }
        if NaiveDate::parse_from_str(&s[6..14], "%Y%m%d").is_err() {
            return Err("the birth date inside the ID number is not a date");
        }
        if id_check(&b[..17]) != b[17] {
            return Err("the ID number's check character is wrong (GB 11643)");
        }
        Ok(Self(s))
    }

    /// Appends the check character to 17 digits (used by the demo generator).
    pub fn with_check(first17: &str) -> String {
        format!("{first17}{}", id_check(first17.as_bytes()) as char)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn id_check(digits: &[u8]) -> u8 {
    let sum: u32 = digits.iter().zip(ID_WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
    ID_CHECK[(sum % 11) as usize]
}

impl CreditCode {
    pub fn parse(input: &str) -> Result<Self, &'static str> {
        let s = input.trim().to_ascii_uppercase();
        let b = s.as_bytes();
        if b.len() != 18 || !b.iter().all(|c| USCC_CHARS.contains(c)) {
            return Err("a unified social credit code has 18 characters of GB 32100");
        }
        if uscc_check(&b[..17]) != Some(b[17]) {
            return Err("the credit code's check character is wrong (GB 32100)");
        }
        Ok(Self(s))
    }

    /// Appends the check character to 17 code characters (used by the demo generator).
    pub fn with_check(first17: &str) -> String {
        let check = uscc_check(first17.as_bytes()).map_or('0', char::from);
        format!("{first17}{check}")
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn uscc_check(chars: &[u8]) -> Option<u8> {
    let mut sum = 0u32;
    for (c, w) in chars.iter().zip(USCC_WEIGHTS) {
        let value = USCC_CHARS.iter().position(|x| x == c)? as u32;
        sum += value * w;
    }
    let check = (31 - sum % 31) % 31;
    Some(USCC_CHARS[check as usize])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_numbers_are_checked() {
        // The GB 11643 example number.
        assert!(IdNumber::parse("11010519491231002X").is_ok());
        assert!(IdNumber::parse("11010519491231002x").is_ok());
        assert!(IdNumber::parse("110105194912310021").is_err());
        assert!(IdNumber::parse("110105194913310029").is_err());
        assert!(IdNumber::parse("1101051949123100").is_err());
        let made = IdNumber::with_check("33032219850612301");
        assert!(IdNumber::parse(&made).is_ok(), "{made}");
    }

    #[test]
    fn credit_codes_are_checked() {
        assert!(CreditCode::parse("91350100M000100Y43").is_ok());
        assert!(CreditCode::parse("91350100M000100Y44").is_err());
        assert!(CreditCode::parse("91350100M000100Y4").is_err());
        assert!(CreditCode::parse("91350100I000100Y43").is_err());
        let made = CreditCode::with_check("91330322MA2AB1234");
        assert!(CreditCode::parse(&made).is_ok(), "{made}");
    }
}
