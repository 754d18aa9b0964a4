//! The public text of a penalty decision (公示): what the public `publications` query shows.
//! Written once, at publication, from the case; personal data is masked before it is stored
//! (a person's name becomes 张某; ID numbers, phones and addresses are blotted out), so the
//! public text never holds it. An organisation's name stays: an enterprise's penalty is public
//! information (the 2018 State Council guideline on the three systems).

use chrono::NaiveDate;
use entity::enums::PartyKind;
use entity::{case, party};

use crate::domain::money::Yuan;
use crate::privacy::{mask_text, masked_name};

/// (title, content) of the publication of `case`'s decision.
pub fn decision(
    case: &case::Model,
    party: &party::Model,
    matter_name: &str,
    legal_basis: &str,
    department_name: &str,
    decided_on: NaiveDate,
) -> (String, String) {
    let shown_name = match party.kind {
        PartyKind::Person => masked_name(party.kind, &party.name),
        PartyKind::Organization => party.name.clone(),
    };
    // For an organisation keep the name, blot out the rest.
    let masking = match party.kind {
        PartyKind::Person => party.clone(),
        PartyKind::Organization => party::Model { name: String::new(), ..party.clone() },
    };
    let penalty = match case.fine_fen {
        Some(f) if f > 0 => format!("罚款人民币{}元", Yuan::from_fen(f)),
        _ => "警告".to_string(),
    };
    let title = format!("{}行政处罚决定书({})", department_name, case.case_no);
    let content = format!(
        "案号:{}。当事人:{}。违法行为:{}。主要事实:{}。处罚依据:{}。处罚决定:{}。作出决定日期:{}。",
        case.case_no,
        shown_name,
        matter_name,
        mask_text(case.facts.trim().trim_end_matches(['。', '.']), Some(&masking)),
        legal_basis,
        penalty,
        decided_on.format("%Y年%m月%d日"),
    );
    (title, mask_text(&content, Some(&masking)))
}
