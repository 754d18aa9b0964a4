//! Anonymisation for readers who must not see who a party is (court trainees, the public):
//! one masking pass over a text value (titles, facts, record content, transfer text, and the
//! free-text fields of a timeline event's typed detail, `events::detail`: never serialised
//! JSON, whose ids and amounts the identifier blotting would cut). In order:
//!
//! 1. the party's own identifiers and address as stored, then its name wherever it appears,
//!    also spread out (朱 福, 朱·福) and as the nicknames built from it (阿福, 老朱);
//! 2. licence plates, phones, ID numbers, credit codes and bank cards in any spacing,
//!    separators or width ([`identifiers`]);
//! 3. nicknames after a cue, and every other person name the jieba tagger finds
//!    ([`names`]), as 张某 or 某某;
//! 4. addresses below the town or village ([`address`]).
//!
//! What stays: case numbers, dates, amounts, article numbers, matter, department and town
//! names. The pass is idempotent, and the tests in `privacy::tests` hold it to a corpus of
//! hard sentences (`tests/fixtures/masking.tsv`) and to property tests.

mod address;
mod chars;
mod identifiers;
mod names;
#[cfg(test)]
mod tests;

pub use names::warm_up;

use entity::enums::PartyKind;
use entity::party;

/// Organisation suffixes kept after 某, so a reader still sees what kind of party it was.
const ORG_SUFFIXES: &[&str] = &[
    "有限责任公司",
    "股份有限公司",
    "有限公司",
    "公司",
    "合作社",
    "工作室",
    "中心",
    "餐饮店",
    "商店",
    "超市",
    "酒店",
    "饭店",
    "店",
    "厂",
    "馆",
];

/// The masked name of a party: 张三 → 张某, 温州某某建设有限公司 → 某有限公司.
pub fn masked_name(kind: PartyKind, name: &str) -> String {
    match kind {
        PartyKind::Person => {
            let chars = name.chars().count();
            let surname = names::COMPOUND_SURNAMES
                .iter()
                .find(|s| name.starts_with(**s) && chars > 2)
                .map(|s| s.to_string())
                .unwrap_or_else(|| name.chars().next().map(String::from).unwrap_or_default());
            format!("{surname}某")
        }
        PartyKind::Organization => {
            let suffix = ORG_SUFFIXES.iter().find(|s| name.ends_with(**s)).copied().unwrap_or("单位");
            format!("某{suffix}")
        }
    }
}

/// The masking pass: `party`'s identifiers, address and names, then every identifier,
/// address below the town, nickname and person name in `text` (see the module docs).
pub fn mask_text(text: &str, party: Option<&party::Model>) -> String {
    let mut out = text.to_string();
    if let Some(p) = party {
        for secret in [&p.id_number, &p.credit_code, &p.phone].into_iter().flatten() {
            if secret.chars().count() >= 4 {
                out = out.replace(secret.as_str(), identifiers::BLOT);
            }
        }
        if let Some(home) = p.address.as_deref().filter(|a| a.chars().count() >= 4) {
            // Keep the town when the generic pass knows where it ends (北岙街道***).
            let masked = address::blot(home);
            out = out.replace(home, if masked != home { &masked } else { identifiers::BLOT });
        }
        let name = p.name.trim();
        if !name.is_empty() {
            let masked = masked_name(p.kind, name);
            out = out.replace(name, &masked);
            out = names::replace_spread(&out, name, &masked);
            if p.kind == PartyKind::Person {
                for nick in names::nicknames(name) {
                    out = out.replace(&nick, &masked);
                }
            }
        }
    }
    let out = identifiers::blot(&out);
    let out = names::nickname_cues(&out);
    let out = names::person_cues(&out);
    let out = names::tagged(&out);
    address::blot(&out)
}
