//! Anonymisation for readers who must not see who a party is (court trainees, the public):
//! names become 张某 / 某公司, and ID numbers, credit codes and phone numbers are blotted out
//! wherever they appear in free text (titles, facts, record content, and the free-text fields
//! of a timeline event's typed detail, `events::detail`: never serialised JSON, whose ids and
//! amounts the identifier blotting would cut).

use entity::enums::PartyKind;
use entity::party;

/// Two-character surnames common enough to matter (欧阳某, not 欧某).
const COMPOUND_SURNAMES: &[&str] =
    &["欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "司徒", "夏侯"];

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
            let surname = COMPOUND_SURNAMES
                .iter()
                .find(|s| name.starts_with(**s) && name.chars().count() > 2)
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

/// Replaces the party's name (and its personal identifiers) in free text, then blots out
/// any remaining run of seven or more digits/letters-with-digits that looks like an ID
/// number, credit code or phone number.
pub fn mask_text(text: &str, party: Option<&party::Model>) -> String {
    let mut out = text.to_string();
    if let Some(p) = party {
        let masked = masked_name(p.kind, &p.name);
        if !p.name.is_empty() {
            out = out.replace(&p.name, &masked);
        }
        for secret in [&p.id_number, &p.credit_code, &p.phone, &p.address].into_iter().flatten() {
            if !secret.is_empty() {
                out = out.replace(secret.as_str(), "***");
            }
        }
    }
    blot_identifiers(&out)
}

/// Runs of 7+ ASCII alphanumerics containing at least 7 digits become `***`.
fn blot_identifiers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        let digits = run.chars().filter(char::is_ascii_digit).count();
        if run.len() >= 7 && digits >= 7 {
            out.push_str("***");
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(name: &str) -> party::Model {
        party::Model {
            id: uuid::Uuid::nil(),
            kind: PartyKind::Person,
            name: name.into(),
            id_number: Some("11010519491231002X".into()),
            credit_code: None,
            phone: Some("13805770001".into()),
            address: Some("北岙街道中心街12号".into()),
            created_at: chrono::DateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn names_are_masked_like_the_court_does() {
        assert_eq!(masked_name(PartyKind::Person, "张三"), "张某");
        assert_eq!(masked_name(PartyKind::Person, "欧阳明华"), "欧阳某");
        assert_eq!(masked_name(PartyKind::Organization, "温州洞海建设有限公司"), "某有限公司");
        assert_eq!(masked_name(PartyKind::Organization, "洞头小陈海鲜餐饮店"), "某餐饮店");
        assert_eq!(masked_name(PartyKind::Organization, "洞头渔业"), "某单位");
    }

    #[test]
    fn free_text_loses_names_and_identifiers() {
        let p = person("张三");
        let text =
            "张三(身份证11010519491231002X,电话13805770001,住北岙街道中心街12号)在店外占道经营;另一人电话13900001111";
        let masked = mask_text(text, Some(&p));
        assert!(!masked.contains("张三"), "{masked}");
        assert!(!masked.contains("1101051949"), "{masked}");
        assert!(!masked.contains("13805770001"), "{masked}");
        assert!(!masked.contains("13900001111"), "{masked}");
        assert!(!masked.contains("中心街12号"), "{masked}");
        assert!(masked.starts_with("张某"), "{masked}");
        // Short numbers (amounts, dates) stay.
        assert_eq!(mask_text("罚款200元,2023年3月1日", None), "罚款200元,2023年3月1日");
    }
}
