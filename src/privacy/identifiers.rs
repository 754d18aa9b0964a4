//! Numbers that identify someone, in any spacing, separators or width: mobile and landline
//! phones (with or without +86), 居民身份证 numbers (18 chars, check char X), unified social
//! credit codes (18 chars), bank cards (16–19 digits) and licence plates (浙C·12345,
//! 浙C12345, new-energy 浙CD12345). Dates, amounts, case numbers and article numbers stay.

use super::chars::{splice, split};

/// What an identifier becomes.
pub const BLOT: &str = "***";

/// Province abbreviations that open a licence plate.
const PROVINCES: &str = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";

/// Blots out licence plates, then every run of digits and capitals (joined by at most three
/// spaces, dashes, dots or slashes at a time) that holds seven or more digits, unless the
/// run is a date (2023-03-01, 2023.3.1 08, 20230301) or an amount (1234567.50) with at most
/// ten digits: eleven or more digits are always a phone, an ID, a card or a code.
pub fn blot(text: &str) -> String {
    let (cs, ns) = split(text);
    let mut spans = plates(&cs, &ns);
    let n = ns.len();
    let mut i = 0;
    while i < n {
        if let Some(len) = uuid_at(&ns[i..]) {
            // Record and case ids quoted in text are not personal data: keep them whole.
            i += len;
            continue;
        }
        if !is_run_char(ns[i]) {
            i += 1;
            continue;
        }
        // A run: groups of run chars joined by short separator sequences.
        let start = i;
        let mut groups: Vec<(usize, usize)> = Vec::new();
        let mut seps: Vec<String> = Vec::new();
        let mut j = i;
        loop {
            let g = j;
            while j < n && is_run_char(ns[j]) {
                j += 1;
            }
            groups.push((g, j));
            let mut k = j;
            while k < n && k - j < 3 && is_separator(ns[k]) {
                k += 1;
            }
            if k > j && k < n && is_run_char(ns[k]) && uuid_at(&ns[k..]).is_none() {
                seps.push(ns[j..k].iter().filter(|c| **c != ' ').collect());
                j = k;
            } else {
                break;
            }
        }
        let end = j;
        let digits = ns[start..end].iter().filter(|c| c.is_ascii_digit()).count();
        let keep = digits < 7 || (digits <= 10 && (is_date(&ns, &groups, &seps) || is_amount(&ns, &groups, &seps)));
        if !keep {
            spans.retain(|s: &(usize, usize, String)| s.1 <= start || s.0 >= end);
            spans.push((start, end, BLOT.to_string()));
        }
        i = end;
    }
    splice(&cs, spans)
}

/// Digits, capitals (credit codes, the X of an ID) and a lower-case x.
fn is_run_char(c: char) -> bool {
    c.is_ascii_digit() || c.is_ascii_uppercase() || c == 'x'
}

fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '-' | '.' | '/' | '_' | '·' | '\u{200B}' | '\u{2060}' | '\u{FEFF}')
}

fn number(ns: &[char], g: (usize, usize)) -> Option<u32> {
    let s: String = ns[g.0..g.1].iter().collect();
    if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn valid_date(y: u32, m: u32, d: u32) -> bool {
    (1900..=2099).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d)
}

/// 2023-03-01, 2023.3.1, 2023/03/01 (optionally followed by an hour), or 20230301.
fn is_date(ns: &[char], groups: &[(usize, usize)], seps: &[String]) -> bool {
    let len = |g: (usize, usize)| g.1 - g.0;
    if groups.len() == 1 && len(groups[0]) == 8 {
        let y = number(ns, (groups[0].0, groups[0].0 + 4));
        let m = number(ns, (groups[0].0 + 4, groups[0].0 + 6));
        let d = number(ns, (groups[0].0 + 6, groups[0].1));
        return matches!((y, m, d), (Some(y), Some(m), Some(d)) if valid_date(y, m, d));
    }
    if groups.len() < 3 || len(groups[0]) != 4 || len(groups[1]) > 2 || len(groups[2]) > 2 || seps[0] != seps[1] {
        return false;
    }
    let parts = (number(ns, groups[0]), number(ns, groups[1]), number(ns, groups[2]));
    let (Some(y), Some(m), Some(d)) = parts else { return false };
    valid_date(y, m, d) && groups[3..].iter().all(|g| len(*g) <= 2 && number(ns, *g).is_some())
}

/// 1234567.50: one dot, then one or two digits.
fn is_amount(ns: &[char], groups: &[(usize, usize)], seps: &[String]) -> bool {
    groups.len() == 2
        && seps[0] == "."
        && groups[1].1 - groups[1].0 <= 2
        && number(ns, groups[1]).is_some()
        && ns[groups[0].0..groups[0].1].iter().all(char::is_ascii_digit)
}

/// The length of a UUID (8-4-4-4-12 hex digits) at the start of `ns`, not glued to more hex.
fn uuid_at(ns: &[char]) -> Option<usize> {
    const SHAPE: [usize; 5] = [8, 4, 4, 4, 12];
    let mut at = 0;
    for (k, len) in SHAPE.iter().enumerate() {
        if k > 0 {
            if ns.get(at) != Some(&'-') {
                return None;
            }
            at += 1;
        }
        for _ in 0..*len {
            if !ns.get(at).is_some_and(char::is_ascii_hexdigit) {
                return None;
            }
            at += 1;
        }
    }
    if ns.get(at).is_some_and(char::is_ascii_alphanumeric) {
        return None;
    }
    Some(at)
}

/// Licence plates: province, city letter, optional dot or space, then five or six capitals
/// and digits (at least two digits), not followed by more. Keeps province and city letter.
fn plates(cs: &[char], ns: &[char]) -> Vec<(usize, usize, String)> {
    let mut spans = Vec::new();
    let n = ns.len();
    for i in 0..n.saturating_sub(6) {
        if !PROVINCES.contains(cs[i]) || !ns[i + 1].is_ascii_uppercase() {
            continue;
        }
        let mut j = i + 2;
        if j < n && matches!(ns[j], '·' | ' ' | '-' | '.') {
            j += 1;
        }
        let body = j;
        while j < n && j - body < 7 && (ns[j].is_ascii_digit() || ns[j].is_ascii_uppercase()) {
            j += 1;
        }
        let len = j - body;
        let digits = ns[body..j].iter().filter(|c| c.is_ascii_digit()).count();
        if (5..=6).contains(&len) && digits >= 2 {
            spans.push((i + 2, j, "·*****".to_string()));
        }
    }
    spans
}
