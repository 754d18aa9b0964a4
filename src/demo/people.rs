//! Names, identity numbers and parties. ID numbers and credit codes carry valid check
//! characters (R10), so the API's own validation accepts every demo party.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use entity::{enums::PartyKind, party};

use super::catalogue::{COMPANY_KINDS, CONTRACTOR_KINDS, GIVEN, SHOP_KINDS, SURNAMES, TOWNS, TRADE_NAMES, TownDef};
use super::rng::Rng;
use crate::domain::{CreditCode, IdNumber};

/// A Chinese name with its pinyin (for logins).
pub(super) struct Name {
    pub hanzi: String,
    pub pinyin_surname: &'static str,
    pub pinyin_given: String,
}

pub(super) fn name(rng: &mut Rng) -> Name {
    let (surname, surname_py) = *rng.pick(SURNAMES);
    let mut hanzi = surname.to_string();
    let mut given_py = String::new();
    let chars = if rng.chance(0.7) { 2 } else { 1 };
    for _ in 0..chars {
        let (g, g_py) = *rng.pick(GIVEN);
        hanzi.push_str(g);
        given_py.push_str(g_py);
    }
    Name { hanzi, pinyin_surname: surname_py, pinyin_given: given_py }
}

/// A town drawn by its weight (where parties live and acts happen).
pub(super) fn town(rng: &mut Rng) -> &'static TownDef {
    let weights: Vec<u32> = TOWNS.iter().map(|t| t.weight).collect();
    &TOWNS[rng.weighted(&weights)]
}

/// A place in a town, e.g. 北岙街道中心街.
pub(super) fn place(rng: &mut Rng, town: &TownDef) -> String {
    format!("{}{}", town.name, rng.pick(town.places))
}

fn address(rng: &mut Rng, town: &TownDef) -> String {
    format!("温州市洞头区{}{}{}号", town.name, rng.pick(town.places), rng.range(1, 188))
}

fn phone(rng: &mut Rng) -> String {
    const PREFIXES: &[&str] = &["138", "139", "158", "159", "188", "157", "136", "135", "177", "180"];
    format!("{}{:08}", rng.pick(PREFIXES), rng.range(0, 99_999_999))
}

/// GB 11643: region, birth date, sequence, check. 330305 is 洞头区 since 2015; people
/// registered earlier still carry 330322 (the former 洞头县).
fn id_number(rng: &mut Rng, on: NaiveDate) -> String {
    let region = if rng.chance(0.6) { "330322" } else { "330305" };
    let age = rng.range(20, 70) as i32;
    let year = on.year() - age;
    let birth = NaiveDate::from_ymd_opt(year, rng.range(1, 12) as u32, rng.range(1, 28) as u32).unwrap_or(on);
    let seq = rng.range(0, 999);
    IdNumber::with_check(&format!("{region}{}{seq:03}", birth.format("%Y%m%d")))
}

/// GB 32100 characters (no I, O, Z, S, V).
const USCC: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// `9` (registered by market regulation), `1` company / `2` individual business, region,
/// a 9-character organisation code, check.
fn credit_code(rng: &mut Rng, individual: bool) -> String {
    let kind = if individual { '2' } else { '1' };
    let region = if individual || rng.chance(0.5) { "330305" } else { "330300" };
    let mut org = String::from("MA");
    for _ in 0..7 {
        org.push(char::from(*rng.pick(USCC)));
    }
    CreditCode::with_check(&format!("9{kind}{region}{org}"))
}

/// Which kind of organisation a case needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum OrgStyle {
    /// 个体工商户: 洞头区海风海鲜餐饮店.
    Shop,
    /// 温州海风建设有限公司.
    Company,
    /// A construction company of Wenzhou or Zhejiang (bidders, builders).
    Contractor,
}

pub(super) fn person(rng: &mut Rng, at: DateTime<Utc>, town: &TownDef) -> party::Model {
    let name = name(rng);
    let day = crate::calendar::local_date(at);
    party::Model {
        id: rng.uuid_at(at),
        kind: PartyKind::Person,
        name: name.hanzi,
        id_number: Some(id_number(rng, day)),
        credit_code: None,
        phone: Some(phone(rng)),
        address: Some(address(rng, town)),
        created_at: at,
    }
}

pub(super) fn organisation(rng: &mut Rng, at: DateTime<Utc>, town: &TownDef, style: OrgStyle) -> party::Model {
    let trade = rng.pick(TRADE_NAMES);
    let (name, individual) = match style {
        OrgStyle::Shop => (format!("洞头区{trade}{}", rng.pick(SHOP_KINDS)), true),
        OrgStyle::Company => (format!("温州{trade}{}有限公司", rng.pick(COMPANY_KINDS)), false),
        OrgStyle::Contractor => {
            let region = if rng.chance(0.5) { "温州" } else { "浙江" };
            let kind = rng.pick(CONTRACTOR_KINDS);
            (format!("{region}{trade}{kind}有限公司"), false)
        }
    };
    party::Model {
        id: rng.uuid_at(at),
        kind: PartyKind::Organization,
        name,
        id_number: None,
        credit_code: Some(credit_code(rng, individual)),
        phone: Some(phone(rng)),
        address: Some(address(rng, town)),
        created_at: at,
    }
}

/// A party of the given kind; organisations are shops or companies as the matter suggests.
pub(super) fn party(
    rng: &mut Rng,
    kind: PartyKind,
    at: DateTime<Utc>,
    town: &TownDef,
    style: OrgStyle,
) -> party::Model {
    match kind {
        PartyKind::Person => person(rng, at, town),
        PartyKind::Organization => organisation(rng, at, town, style),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_numbers_validate() {
        let mut rng = Rng::stream(7, "people");
        let at = DateTime::from_timestamp(1_690_000_000, 0).expect("ts");
        for _ in 0..200 {
            let p = person(&mut rng, at, &TOWNS[0]);
            let id = p.id_number.expect("person id");
            assert!(IdNumber::parse(&id).is_ok(), "{id}");
            let o = organisation(&mut rng, at, &TOWNS[1], OrgStyle::Company);
            let code = o.credit_code.expect("credit code");
            assert!(CreditCode::parse(&code).is_ok(), "{code}");
            let s = organisation(&mut rng, at, &TOWNS[2], OrgStyle::Shop);
            assert!(CreditCode::parse(s.credit_code.as_deref().unwrap_or("")).is_ok());
        }
    }
}
