//! Opaque global IDs (`Node.id`): base64url of `Type:uuid`. Clients must not parse them; the
//! type prefix lets `node(id)` dispatch and stops an ID of one type being used for another.

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use crate::error::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Case,
    Department,
    User,
    Matter,
    Record,
    Transfer,
    FollowCaseEnrollment,
    JointCall,
    RectificationNotice,
    Exemption,
    LegalReview,
    ReviewMeeting,
    Reconsideration,
    FileEvaluation,
    EvaluationFinding,
    CreditRepair,
    ThreeDocumentDelivery,
    ComplianceGuidanceItem,
    Publication,
    Training,
    PatrolAction,
    MatterClaim,
}

impl Kind {
    fn prefix(self) -> &'static str {
        match self {
            Kind::Case => "Case",
            Kind::Department => "Department",
            Kind::User => "User",
            Kind::Matter => "Matter",
            Kind::Record => "Record",
            Kind::Transfer => "Transfer",
            Kind::FollowCaseEnrollment => "FollowCaseEnrollment",
            Kind::JointCall => "JointCall",
            Kind::RectificationNotice => "RectificationNotice",
            Kind::Exemption => "Exemption",
            Kind::LegalReview => "LegalReview",
            Kind::ReviewMeeting => "ReviewMeeting",
            Kind::Reconsideration => "Reconsideration",
            Kind::FileEvaluation => "FileEvaluation",
            Kind::EvaluationFinding => "EvaluationFinding",
            Kind::CreditRepair => "CreditRepair",
            Kind::ThreeDocumentDelivery => "ThreeDocumentDelivery",
            Kind::ComplianceGuidanceItem => "ComplianceGuidanceItem",
            Kind::Publication => "Publication",
            Kind::Training => "Training",
            Kind::PatrolAction => "PatrolAction",
            Kind::MatterClaim => "MatterClaim",
        }
    }

    const ALL: [Kind; 22] = [
        Kind::Case,
        Kind::Department,
        Kind::User,
        Kind::Matter,
        Kind::Record,
        Kind::Transfer,
        Kind::FollowCaseEnrollment,
        Kind::JointCall,
        Kind::RectificationNotice,
        Kind::Exemption,
        Kind::LegalReview,
        Kind::ReviewMeeting,
        Kind::Reconsideration,
        Kind::FileEvaluation,
        Kind::EvaluationFinding,
        Kind::CreditRepair,
        Kind::ThreeDocumentDelivery,
        Kind::ComplianceGuidanceItem,
        Kind::Publication,
        Kind::Training,
        Kind::PatrolAction,
        Kind::MatterClaim,
    ];
}

pub fn encode(kind: Kind, id: Uuid) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{}", kind.prefix(), id.simple())))
}

/// Decodes any global ID into its kind and key; `field` names the input for the error.
pub fn decode_any(id: &str, field: &str) -> Result<(Kind, Uuid), AppError> {
    let bad = || AppError::bad_input(field, "not a valid ID");
    let bytes = URL_SAFE_NO_PAD.decode(id.trim()).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (prefix, key) = text.split_once(':').ok_or_else(bad)?;
    let kind = Kind::ALL.into_iter().find(|k| k.prefix() == prefix).ok_or_else(bad)?;
    let key = Uuid::try_parse(key).map_err(|_| bad())?;
    Ok((kind, key))
}

/// Decodes an ID that must be of `kind`.
pub fn decode(id: &str, kind: Kind, field: &str) -> Result<Uuid, AppError> {
    match decode_any(id, field)? {
        (k, key) if k == kind => Ok(key),
        _ => Err(AppError::bad_input(field, format!("not a {} ID", kind.prefix()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_keep_their_kind() {
        let key = Uuid::now_v7();
        let id = encode(Kind::Case, key);
        assert_eq!(decode(&id, Kind::Case, "id").ok(), Some(key));
        assert!(decode(&id, Kind::User, "id").is_err());
        assert!(decode("not-an-id", Kind::Case, "id").is_err());
        assert!(decode_any(&URL_SAFE_NO_PAD.encode("Bogus:123"), "id").is_err());
    }
}
