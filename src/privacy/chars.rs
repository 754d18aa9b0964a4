//! Character classes the masking pass reads text through: every stage looks at a folded
//! twin of the text (full-width and other compatibility digits and letters folded to ASCII,
//! dashes to `-`, wide spaces to ` `), one char for one char, so a match found in the twin
//! is cut out of the original at the same positions.

/// The folded twin of `c`: ０-９ → 0-9, Ａ-Ｚ → A-Z, ａ-ｚ → a-z, ＋ → +, every dash to `-`,
/// every space to ` `, every middle dot to `·`; other characters stay.
pub fn fold(c: char) -> char {
    match c {
        '\u{FF10}'..='\u{FF19}' | '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}' => {
            char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
        }
        // Mathematical bold, double-struck, sans-serif and monospace digits.
        '\u{1D7CE}'..='\u{1D7FF}' => char::from_digit((c as u32 - 0x1D7CE) % 10, 10).unwrap_or(c),
        '＋' => '+',
        '－' | '‐' | '‑' | '‒' | '–' | '—' | '―' | '﹣' | '−' | '⁃' => '-',
        '\u{3000}' | '\u{A0}' | '\t' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' => ' ',
        '．' => '.',
        '／' => '/',
        '•' | '・' | '‧' | '･' | '∙' | '⋅' => '·',
        _ => c,
    }
}

/// The text as chars and as their folded twins.
pub fn split(text: &str) -> (Vec<char>, Vec<char>) {
    let cs: Vec<char> = text.chars().collect();
    let ns = cs.iter().map(|c| fold(*c)).collect();
    (cs, ns)
}

/// A CJK ideograph (the basic block and extension A: enough for names and places).
pub fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')
}

/// Replaces the char ranges `[start, end)` in `spans` by their replacement; a span that
/// overlaps one before it is dropped (the earlier, then the longer, wins).
pub fn splice(cs: &[char], mut spans: Vec<(usize, usize, String)>) -> String {
    spans.sort_by_key(|s| (s.0, std::cmp::Reverse(s.1)));
    let mut out = String::with_capacity(cs.len() * 3);
    let mut at = 0;
    for (start, end, with) in spans {
        if start < at {
            continue;
        }
        out.extend(&cs[at..start]);
        out.push_str(&with);
        at = end;
    }
    out.extend(&cs[at.min(cs.len())..]);
    out
}
