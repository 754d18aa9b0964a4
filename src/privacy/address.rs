//! Addresses below the village or street level: after a 街道/镇/乡/村/社区, a road (某路,
//! 中心街, 东巷) and house numbers (1号, 3幢2单元501室, 一组), or the house numbers alone,
//! are blotted out; the town or village name before them stays (北岙街道***).

use super::chars::{is_han, splice, split};
use super::identifiers::BLOT;

/// Where an address reaches below the town.
const LOCALITIES: &[&str] = &["街道", "社区", "镇", "乡", "村"];
/// A road or lane.
const ROADS: &[&str] = &["大道", "路", "街", "巷", "弄", "里", "道"];
/// What a house number ends with (longest first).
const UNITS: &[&str] = &["号楼", "单元", "号", "室", "弄", "栋", "幢", "楼", "组", "座", "层"];
/// The longest road or place name looked at between the locality and the road.
const MAX_NAME: usize = 12;

/// Blots out what lies below the town or village in `text`.
pub fn blot(text: &str) -> String {
    let (cs, ns) = split(text);
    let n = cs.len();
    let mut spans: Vec<(usize, usize, String)> = Vec::new();
    let mut i = 0;
    while i < n {
        let Some(marker) = LOCALITIES.iter().find(|m| starts_with(&cs, i, m)) else {
            i += 1;
            continue;
        };
        let start = i + marker.chars().count();
        if let Some(end) = below(&cs, &ns, start) {
            spans.push((start, end, BLOT.to_string()));
            i = end;
        } else {
            i = start;
        }
    }
    splice(&cs, spans)
}

/// The end of a road-and-house-number (or a house number alone) starting at `start`.
fn below(cs: &[char], ns: &[char], start: usize) -> Option<usize> {
    if let Some(end) = house_number(cs, ns, start) {
        return Some(end);
    }
    let mut k = start;
    while k < cs.len() && k - start < MAX_NAME && is_han(cs[k]) {
        if LOCALITIES.iter().any(|m| starts_with(cs, k, m)) {
            // A smaller locality (北岙街道新城社区): masking starts after that one.
            return None;
        }
        if let Some(road) = ROADS.iter().find(|r| starts_with(cs, k, r)) {
            let after = k + road.chars().count();
            // A road needs a name before it (北岙街道路口 is not an address).
            if k > start
                && let Some(end) = house_number(cs, ns, after)
            {
                return Some(end);
            }
        }
        k += 1;
    }
    None
}

/// One or more `<number><unit>` (12号, 3幢, 501室, 一组, A座), optionally joined by `-`.
fn house_number(cs: &[char], ns: &[char], mut at: usize) -> Option<usize> {
    let mut end = None;
    loop {
        let digits_from = at;
        while at < cs.len() && is_house_digit(ns[at]) {
            at += 1;
        }
        if at == digits_from {
            return end;
        }
        match UNITS.iter().find(|u| starts_with(cs, at, u)) {
            Some(unit) => {
                at += unit.chars().count();
                end = Some(at);
            }
            None => return end,
        }
    }
}

fn is_house_digit(c: char) -> bool {
    c.is_ascii_digit() || c.is_ascii_uppercase() || c == '-' || c == '#' || "一二三四五六七八九十百零〇两".contains(c)
}

fn starts_with(cs: &[char], at: usize, word: &str) -> bool {
    word.chars().enumerate().all(|(k, w)| cs.get(at + k) == Some(&w))
}
