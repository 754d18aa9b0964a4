//! What a case event says, typed: one shape per [`CaseEventKind`], built by the constructors
//! below (the event builders every writer uses: the API's services and the demo), serialised
//! once when the event is appended, parsed back when it is read, and anonymised field by field
//! for readers who may not see the party ([`EventDetail::masked`]).
//!
//! The stored text is the JSON of the kind's struct, in camelCase; every field is always
//! written (`null` when it does not apply), so a client sees one key set per kind. Money is a
//! decimal yuan string with two decimals (`"fineAmount": "200.00"`, R9). Rows written before
//! these shapes (the demo wrote `fineFen`/`noticeFineFen` in fen) are read leniently: missing
//! fields are `null`, and the fen amounts become `fineAmount`/`noticeFineAmount`.
//!
//! Which fields are personal: free text (`note`, `reason`) may name the party or quote its ID
//! number or phone, so it goes through [`crate::privacy`]. Ids of cases, transfers, records and
//! publications, case numbers, department codes and amounts are not personal data and stay
//! intact (a court trainee follows the record ids to the records it may read).

use entity::enums::{CaseAction, CaseEventKind, CaseStatus, Procedure, RecordKind, TransferCategory, TransferStatus};
use entity::{party, record};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::Yuan;

/// `FILED`: a case was filed; with `transferId`, on accepting that transfer. A simple case is
/// decided on the spot (APL 51–52), so its filing carries its fine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Filed {
    #[serde(default)]
    pub case_no: Option<String>,
    pub procedure: Procedure,
    pub status: CaseStatus,
    #[serde(default)]
    pub transfer_id: Option<Uuid>,
    #[serde(default, with = "money")]
    pub fine_amount: Option<Yuan>,
}

/// `UPDATED`: fields corrected by `updateCase` (with the officer's note), or the decision
/// published (T5 met).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Updated {
    /// The GraphQL names of the changed fields (`title`, `officers`, `decisionExtensionDays` …).
    #[serde(default)]
    pub changed: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub published: Option<bool>,
    #[serde(default)]
    pub publication_id: Option<Uuid>,
    /// R15: the amount of a recorded payment (`changed: ["payments"]`).
    #[serde(default, with = "money")]
    pub amount: Option<Yuan>,
}

/// `TRANSITIONED`: a state-machine action. `fineAmount` is the case's decided fine after the
/// action (from `DECIDE` on); `noticeFineAmount` the fine a `SERVE_NOTICE` announced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Transitioned {
    pub action: CaseAction,
    pub from: CaseStatus,
    pub to: CaseStatus,
    #[serde(default, with = "money")]
    pub fine_amount: Option<Yuan>,
    #[serde(default, with = "money")]
    pub notice_fine_amount: Option<Yuan>,
    #[serde(default)]
    pub note: Option<String>,
    /// R14: when the action happened, if recorded later (the event's own time is when it was
    /// recorded); `null` when it happened as recorded.
    #[serde(default)]
    pub effective_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// `TRANSFER_REQUESTED`, on the sender's case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransferRequested {
    pub transfer_id: Uuid,
    /// The receiving department's code.
    #[serde(default)]
    pub to_department: Option<String>,
    #[serde(default)]
    pub category: Option<TransferCategory>,
}

/// `TRANSFER_ANSWERED`: accepted (with the case it became), rejected or returned (with the
/// reason), or withdrawn. On the sender's handed-over case `from`/`to` record its move to
/// `TRANSFERRED_OUT` (R8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransferAnswered {
    pub transfer_id: Uuid,
    pub status: TransferStatus,
    #[serde(default)]
    pub resulting_case_id: Option<Uuid>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub from: Option<CaseStatus>,
    #[serde(default)]
    pub to: Option<CaseStatus>,
}

/// `RECORD_SUBMITTED`: a record joined the case's file (R11).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordSubmitted {
    pub record_id: Uuid,
    #[serde(default)]
    pub seq: Option<i32>,
    #[serde(default)]
    pub kind: Option<RecordKind>,
    #[serde(default)]
    pub corrects_record_id: Option<Uuid>,
}

/// The detail of one case event; the variant is the event's kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventDetail {
    Filed(Filed),
    Updated(Updated),
    Transitioned(Transitioned),
    TransferRequested(TransferRequested),
    TransferAnswered(TransferAnswered),
    RecordSubmitted(RecordSubmitted),
}

impl EventDetail {
    /// A filing. `fine_fen` is the fine of a case decided on filing (simple procedure).
    pub fn filed(
        case_no: Option<&str>,
        procedure: Procedure,
        status: CaseStatus,
        transfer_id: Option<Uuid>,
        fine_fen: Option<i64>,
    ) -> Self {
        Self::Filed(Filed {
            case_no: case_no.filter(|n| !n.is_empty()).map(str::to_string),
            procedure,
            status,
            transfer_id,
            fine_amount: if status == CaseStatus::Decided { fine_fen.map(Yuan::from_fen) } else { None },
        })
    }

    /// A correction through `updateCase`.
    pub fn updated(changed: &[&str], note: Option<String>) -> Self {
        Self::Updated(Updated {
            changed: changed.iter().map(|c| c.to_string()).collect(),
            note,
            published: None,
            publication_id: None,
            amount: None,
        })
    }

    /// A payment recorded on the case (R15).
    pub fn paid(amount: Yuan, note: String) -> Self {
        Self::Updated(Updated {
            changed: vec!["payments".into()],
            note: Some(note),
            published: None,
            publication_id: None,
            amount: Some(amount),
        })
    }

    /// The decision was published (T5 met).
    pub fn published(publication_id: Uuid) -> Self {
        Self::Updated(Updated {
            changed: vec!["publishedAt".into()],
            note: None,
            published: Some(true),
            publication_id: Some(publication_id),
            amount: None,
        })
    }

    /// A state-machine action, from the case's fines after it: the decided fine once there is
    /// one, and the notice's fine on `SERVE_NOTICE`.
    pub fn transitioned(
        action: CaseAction,
        from: CaseStatus,
        to: CaseStatus,
        fine_fen: Option<i64>,
        notice_fine_fen: Option<i64>,
        note: Option<String>,
    ) -> Self {
        Self::Transitioned(Transitioned {
            action,
            from,
            to,
            fine_amount: fine_fen.map(Yuan::from_fen),
            notice_fine_amount: notice_fine_fen.filter(|_| action == CaseAction::ServeNotice).map(Yuan::from_fen),
            note,
            effective_at: None,
        })
    }

    /// R14: the time a transition happened, when recorded later.
    pub fn effective(self, at: Option<chrono::DateTime<chrono::Utc>>) -> Self {
        match self {
            Self::Transitioned(t) => Self::Transitioned(Transitioned { effective_at: at, ..t }),
            other => other,
        }
    }

    pub fn transfer_requested(transfer_id: Uuid, to_department: &str, category: TransferCategory) -> Self {
        Self::TransferRequested(TransferRequested {
            transfer_id,
            to_department: Some(to_department.to_string()),
            category: Some(category),
        })
    }

    /// The receiver accepted the transfer and filed `resulting_case_id`.
    pub fn transfer_accepted(transfer_id: Uuid, resulting_case_id: Uuid, note: Option<String>) -> Self {
        Self::TransferAnswered(TransferAnswered {
            transfer_id,
            status: TransferStatus::Accepted,
            resulting_case_id: Some(resulting_case_id),
            note,
            reason: None,
            from: None,
            to: None,
        })
    }

    /// The receiver rejected or returned the transfer, with its reason.
    pub fn transfer_refused(transfer_id: Uuid, status: TransferStatus, reason: String) -> Self {
        Self::TransferAnswered(TransferAnswered {
            transfer_id,
            status,
            resulting_case_id: None,
            note: None,
            reason: Some(reason),
            from: None,
            to: None,
        })
    }

    /// The sender withdrew the transfer (no kind of its own in api.md's fixed enum).
    pub fn transfer_withdrawn(transfer_id: Uuid) -> Self {
        Self::TransferAnswered(TransferAnswered {
            transfer_id,
            status: TransferStatus::Withdrawn,
            resulting_case_id: None,
            note: None,
            reason: None,
            from: None,
            to: None,
        })
    }

    /// The same answer on the sender's own case, which it moved from `from` to `to`.
    pub fn moving(self, from: CaseStatus, to: CaseStatus) -> Self {
        match self {
            Self::TransferAnswered(a) => {
                Self::TransferAnswered(TransferAnswered { from: Some(from), to: Some(to), ..a })
            }
            other => other,
        }
    }

    pub fn record_submitted(r: &record::Model) -> Self {
        Self::RecordSubmitted(RecordSubmitted {
            record_id: r.id,
            seq: Some(r.seq),
            kind: Some(r.kind),
            corrects_record_id: r.corrects_record_id,
        })
    }

    /// The event kind this detail belongs to.
    pub fn kind(&self) -> CaseEventKind {
        match self {
            Self::Filed(_) => CaseEventKind::Filed,
            Self::Updated(_) => CaseEventKind::Updated,
            Self::Transitioned(_) => CaseEventKind::Transitioned,
            Self::TransferRequested(_) => CaseEventKind::TransferRequested,
            Self::TransferAnswered(_) => CaseEventKind::TransferAnswered,
            Self::RecordSubmitted(_) => CaseEventKind::RecordSubmitted,
        }
    }

    /// The stored (and GraphQL) text.
    pub fn to_json(&self) -> String {
        let written = match self {
            Self::Filed(d) => serde_json::to_string(d),
            Self::Updated(d) => serde_json::to_string(d),
            Self::Transitioned(d) => serde_json::to_string(d),
            Self::TransferRequested(d) => serde_json::to_string(d),
            Self::TransferAnswered(d) => serde_json::to_string(d),
            Self::RecordSubmitted(d) => serde_json::to_string(d),
        };
        // Plain structs of strings, numbers and enums: serialising cannot fail.
        written.unwrap_or_else(|_| "{}".into())
    }

    /// Parses a stored detail of `kind`, including the older shapes (see the module docs).
    pub fn read(kind: CaseEventKind, stored: &str) -> Result<Self, serde_json::Error> {
        let mut value: serde_json::Value = serde_json::from_str(stored)?;
        upgrade_legacy(&mut value);
        Ok(match kind {
            CaseEventKind::Filed => Self::Filed(serde_json::from_value(value)?),
            CaseEventKind::Updated => Self::Updated(serde_json::from_value(value)?),
            CaseEventKind::Transitioned => Self::Transitioned(serde_json::from_value(value)?),
            CaseEventKind::TransferRequested => Self::TransferRequested(serde_json::from_value(value)?),
            CaseEventKind::TransferAnswered => Self::TransferAnswered(serde_json::from_value(value)?),
            CaseEventKind::RecordSubmitted => Self::RecordSubmitted(serde_json::from_value(value)?),
        })
    }

    /// The detail as a reader who may not know the party sees it (court trainees): free text
    /// anonymised through [`crate::privacy`], everything else as it is.
    pub fn masked(self, party: Option<&party::Model>) -> Self {
        let text = |t: Option<String>| t.map(|t| crate::privacy::mask_text(&t, party));
        match self {
            Self::Updated(d) => Self::Updated(Updated { note: text(d.note), ..d }),
            Self::Transitioned(d) => Self::Transitioned(Transitioned { note: text(d.note), ..d }),
            Self::TransferAnswered(d) => {
                Self::TransferAnswered(TransferAnswered { note: text(d.note), reason: text(d.reason), ..d })
            }
            other @ (Self::Filed(_) | Self::TransferRequested(_) | Self::RecordSubmitted(_)) => other,
        }
    }

    /// The case number of a filing, once known (the demo numbers its cases after planning them).
    pub fn set_case_no(&mut self, case_no: &str) {
        if let Self::Filed(d) = self {
            d.case_no = Some(case_no.to_string());
        }
    }
}

/// The demo's first rows gave amounts in fen (`fineFen`, `noticeFineFen`); they read as the
/// yuan strings written since.
fn upgrade_legacy(value: &mut serde_json::Value) {
    let Some(map) = value.as_object_mut() else { return };
    for (old, new) in [("fineFen", "fineAmount"), ("noticeFineFen", "noticeFineAmount")] {
        if let Some(old_value) = map.remove(old) {
            let missing = map.get(new).is_none_or(serde_json::Value::is_null);
            if let (true, Some(fen)) = (missing, old_value.as_i64()) {
                map.insert(new.into(), Yuan::from_fen(fen).to_string().into());
            }
        }
    }
}

/// `Option<Yuan>` as a decimal yuan string (`"200.00"`) or `null`.
mod money {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    use crate::domain::Yuan;

    pub fn serialize<S: Serializer>(amount: &Option<Yuan>, s: S) -> Result<S::Ok, S::Error> {
        match amount {
            Some(a) => s.serialize_str(&a.to_string()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Yuan>, D::Error> {
        let text: Option<String> = Option::deserialize(d)?;
        text.map(|t| Yuan::parse(&t).map_err(D::Error::custom)).transpose()
    }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;
    use entity::enums::PartyKind;

    use super::*;

    const NAME: &str = "张三丰";
    const ID_NUMBER: &str = "11010519491231002X";
    const PHONE: &str = "13805770001";
    const ADDRESS: &str = "北岙街道中心街12号";

    fn party() -> party::Model {
        party::Model {
            id: Uuid::nil(),
            kind: PartyKind::Person,
            name: NAME.into(),
            id_number: Some(ID_NUMBER.into()),
            credit_code: None,
            phone: Some(PHONE.into()),
            address: Some(ADDRESS.into()),
            created_at: DateTime::UNIX_EPOCH,
        }
    }

    /// A note an officer might write, full of the party's data.
    fn gossip() -> Option<String> {
        Some(format!("{NAME}(身份证{ID_NUMBER},电话{PHONE},住{ADDRESS})到场陈述"))
    }

    fn record_id() -> Uuid {
        Uuid::parse_str("01890a5d-ac96-774b-bcce-b302099a8057").expect("uuid")
    }

    /// One detail of every kind (and every shape of a kind), each with personal data where the
    /// kind may carry it and ids whose last group is long digit runs.
    fn one_of_each() -> Vec<EventDetail> {
        let transfer = Uuid::parse_str("01890a5d-ac96-7a9c-b123-456789012345").expect("uuid");
        let case = Uuid::parse_str("01890a5d-ac96-7000-8000-123456789012").expect("uuid");
        let record = record::Model {
            id: record_id(),
            case_id: case,
            seq: 3,
            kind: RecordKind::Interview,
            content: format!("询问{NAME}"),
            recorded_at: DateTime::UNIX_EPOCH,
            submitted_at: DateTime::UNIX_EPOCH,
            submitted_by: Uuid::nil(),
            idempotency_key: "k".into(),
            attachment_sha256: None,
            attachment_media_type: None,
            attachment_size_bytes: None,
            attachment_uri: None,
            attachment_personal: None,
            corrects_record_id: Some(Uuid::parse_str("01890a5d-ac96-7a9c-a9cb-123456789012").expect("uuid")),
            hash: String::new(),
            previous_hash: None,
            hash_version: 2,
        };
        vec![
            EventDetail::filed(
                Some("洞综执罚〔2023〕0001号"),
                Procedure::Simple,
                CaseStatus::Decided,
                None,
                Some(20_000),
            ),
            EventDetail::filed(None, Procedure::General, CaseStatus::Filed, Some(transfer), None),
            EventDetail::updated(&["title", "officers"], gossip()),
            EventDetail::published(transfer),
            EventDetail::transitioned(
                CaseAction::ServeNotice,
                CaseStatus::Investigating,
                CaseStatus::NoticeServed,
                None,
                Some(1_234_567_800),
                gossip(),
            ),
            EventDetail::transitioned(
                CaseAction::Decide,
                CaseStatus::LegalReview,
                CaseStatus::Decided,
                Some(1_234_567_800),
                Some(1_234_567_800),
                None,
            ),
            EventDetail::transfer_requested(transfer, "natural-resources", TransferCategory::Forestry),
            EventDetail::transfer_accepted(transfer, case, gossip())
                .moving(CaseStatus::Investigating, CaseStatus::TransferredOut),
            EventDetail::transfer_refused(transfer, TransferStatus::Rejected, gossip().unwrap_or_default()),
            EventDetail::transfer_withdrawn(transfer),
            EventDetail::record_submitted(&record),
        ]
    }

    #[test]
    fn every_kind_round_trips_through_its_stored_text() {
        let all = one_of_each();
        let kinds: std::collections::HashSet<CaseEventKind> = all.iter().map(EventDetail::kind).collect();
        assert_eq!(kinds.len(), 6, "every event kind has a detail");
        for detail in all {
            let text = detail.to_json();
            assert_eq!(EventDetail::read(detail.kind(), &text).expect("reads back"), detail, "{text}");
        }
    }

    #[test]
    fn every_kind_masks_to_valid_json_without_personal_data() {
        let p = party();
        for detail in one_of_each() {
            let text = detail.clone().masked(Some(&p)).to_json();
            let value: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
            for secret in [NAME, ID_NUMBER, PHONE, ADDRESS, "1101051949"] {
                assert!(!text.contains(secret), "{secret} in {text}");
            }
            // Ids and amounts are not personal: intact.
            let original: serde_json::Value = serde_json::from_str(&detail.to_json()).expect("json");
            for key in
                ["recordId", "correctsRecordId", "transferId", "resultingCaseId", "fineAmount", "noticeFineAmount"]
            {
                assert_eq!(value.get(key), original.get(key), "{key} in {text}");
            }
        }
        let masked = one_of_each().pop().expect("record").masked(Some(&p)).to_json();
        assert!(masked.contains(&record_id().to_string()), "{masked}");
    }

    #[test]
    fn the_demos_old_rows_read_in_the_one_shape() {
        let old = r#"{"action":"DECIDE","from":"NOTICE_SERVED","to":"DECIDED","fineFen":1234567}"#;
        let EventDetail::Transitioned(d) = EventDetail::read(CaseEventKind::Transitioned, old).expect("reads") else {
            panic!("a transition");
        };
        assert_eq!(d.fine_amount.map(|f| f.to_string()), Some("12345.67".to_string()));
        assert_eq!(d.note, None);

        let old = r#"{"action":"SERVE_NOTICE","from":"INVESTIGATING","to":"NOTICE_SERVED","noticeFineFen":500000}"#;
        let d = EventDetail::read(CaseEventKind::Transitioned, old).expect("reads");
        assert!(d.to_json().contains(r#""noticeFineAmount":"5000.00""#), "{}", d.to_json());

        let old = r#"{"status":"DECIDED","procedure":"SIMPLE","fineFen":null}"#;
        let d = EventDetail::read(CaseEventKind::Filed, old).expect("reads");
        assert_eq!(d, EventDetail::filed(None, Procedure::Simple, CaseStatus::Decided, None, None));

        let old = r#"{"recordId":"01890a5d-ac96-774b-bcce-b302099a8057","seq":1,"kind":"INSPECTION"}"#;
        assert!(EventDetail::read(CaseEventKind::RecordSubmitted, old).is_ok());
        assert!(EventDetail::read(CaseEventKind::Transitioned, "not json").is_err());
    }
}
