//! R13 (APL 9) penalty kinds and R12 (裁量基准) fine ranges: pure rules, no I/O.
//!
//! A case stores its kinds as a comma list of `PenaltyKind` names (`''` = none yet).

use entity::enums::{PartyKind, PenaltyKind, Procedure};
use entity::matter;

use crate::config::Rules;
use crate::domain::Yuan;
use crate::error::{AppError, AppResult};

/// The stored comma list, parsed; unknown names are skipped.
pub fn parse_list(stored: &str) -> Vec<PenaltyKind> {
    stored.split(',').map(str::trim).filter_map(PenaltyKind::parse).collect()
}

/// The stored comma list of `kinds`.
pub fn to_list(kinds: &[PenaltyKind]) -> String {
    kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(",")
}

/// Kinds that make a penalty hearing-level by themselves (APL 63).
pub fn heavy(kind: PenaltyKind) -> bool {
    use PenaltyKind::*;
    matches!(
        kind,
        RevokeLicence | LowerQualification | SuspendBusiness | OrderClosure | RestrictEmployment | RestrictActivity
    )
}

fn threshold(rules: &Rules, kind: PartyKind) -> i64 {
    match kind {
        PartyKind::Person => rules.hearing_person_fen,
        PartyKind::Organization => rules.hearing_org_fen,
    }
}

/// Hearing level (APL 63) of a whole penalty: a fine at or above the party's figure, a heavy
/// kind, or a confiscation at or above the hearing-level fine.
pub fn hearing_level(
    rules: &Rules,
    party: PartyKind,
    kinds: &[PenaltyKind],
    fine_fen: Option<i64>,
    confiscation_fen: Option<i64>,
) -> bool {
    let t = threshold(rules, party);
    fine_fen.is_some_and(|f| f >= t) || confiscation_fen.is_some_and(|c| c >= t) || kinds.iter().any(|k| heavy(*k))
}

/// The kinds of a notice or decision: as given (deduplicated, in the given order), or by
/// default FINE when a fine is given, else WARNING (clients from before R13). Checks R13: FINE
/// needs a fine above zero and a fine needs FINE; a confiscation amount needs a confiscation
/// kind; a SIMPLE case is a WARNING or a FINE only.
pub fn resolve(
    procedure: Procedure,
    given: Option<&[PenaltyKind]>,
    fine_fen: Option<i64>,
    confiscation_fen: Option<i64>,
) -> AppResult<Vec<PenaltyKind>> {
    let fined = fine_fen.is_some_and(|f| f > 0);
    let kinds: Vec<PenaltyKind> = match given {
        Some(given) => {
            let mut out = Vec::new();
            for k in given {
                if !out.contains(k) {
                    out.push(*k);
                }
            }
            if out.is_empty() {
                return Err(AppError::bad_input("penalties", "name at least one penalty (APL 9)"));
            }
            out
        }
        None if fined => vec![PenaltyKind::Fine],
        None => vec![PenaltyKind::Warning],
    };
    let has_fine = kinds.contains(&PenaltyKind::Fine);
    if has_fine && !fined {
        return Err(AppError::bad_input("fineAmount", "a FINE needs its fineAmount, above zero (APL 9)"));
    }
    if fined && !has_fine {
        return Err(AppError::bad_input("penalties", "a fineAmount is given only with the penalty FINE"));
    }
    let confiscates = kinds.iter().any(|k| matches!(k, PenaltyKind::ConfiscateGains | PenaltyKind::ConfiscateProperty));
    if confiscation_fen.is_some() && !confiscates {
        return Err(AppError::bad_input(
            "confiscationAmount",
            "a confiscationAmount goes with CONFISCATE_GAINS or CONFISCATE_PROPERTY",
        ));
    }
    if procedure == Procedure::Simple && kinds.iter().any(|k| !matches!(k, PenaltyKind::Warning | PenaltyKind::Fine)) {
        return Err(AppError::bad_input("penalties", "a simple case is a WARNING or a FINE only (APL 51)"));
    }
    Ok(kinds)
}

/// R12: a fine lies within the matter's range for the party's kind; a matter without a range
/// (on a side) takes any amount.
pub fn check_range(m: &matter::Model, party: PartyKind, fine_fen: Option<i64>) -> AppResult<()> {
    let Some(fine) = fine_fen.filter(|f| *f > 0) else { return Ok(()) };
    let (min, max) = match party {
        PartyKind::Person => (m.fine_person_min_fen, m.fine_person_max_fen),
        PartyKind::Organization => (m.fine_org_min_fen, m.fine_org_max_fen),
    };
    let whom = if party == PartyKind::Person { "a person" } else { "an organisation" };
    if min.is_some_and(|min| fine < min) || max.is_some_and(|max| fine > max) {
        let show = |v: Option<i64>| v.map(|f| Yuan::from_fen(f).to_string()).unwrap_or_else(|| "—".into());
        return Err(AppError::bad_input(
            "fineAmount",
            format!(
                "the fine lies outside the range of matter {} for {whom}: {} to {} yuan (裁量基准)",
                m.code,
                show(min),
                show(max)
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_default_and_are_checked() {
        use PenaltyKind::*;
        assert_eq!(resolve(Procedure::General, None, Some(100), None).expect("valid"), vec![Fine]);
        assert_eq!(resolve(Procedure::General, None, None, None).expect("valid"), vec![Warning]);
        assert!(resolve(Procedure::General, Some(&[Fine]), None, None).is_err());
        assert!(resolve(Procedure::General, Some(&[Warning]), Some(100), None).is_err());
        assert!(resolve(Procedure::Simple, Some(&[RevokeLicence]), None, None).is_err());
        assert!(resolve(Procedure::General, Some(&[Warning]), None, Some(5)).is_err());
        assert_eq!(parse_list(&to_list(&[Fine, ConfiscateGains])), vec![Fine, ConfiscateGains]);
        assert!(parse_list("").is_empty());
    }

    #[test]
    fn heavy_kinds_and_big_confiscations_are_hearing_level() {
        let r = Rules::default();
        assert!(hearing_level(&r, PartyKind::Person, &[PenaltyKind::SuspendBusiness], None, None));
        assert!(hearing_level(&r, PartyKind::Person, &[PenaltyKind::ConfiscateGains], None, Some(1_000_000)));
        assert!(!hearing_level(&r, PartyKind::Person, &[PenaltyKind::ConfiscateGains], None, Some(999_999)));
    }
}
