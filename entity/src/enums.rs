//! Enumerations stored as text. The string values are the GraphQL enum names of api.md.

use sea_orm::entity::prelude::*;

macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $value:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize)]
        #[sea_orm(rs_type = "String", db_type = "Text")]
        pub enum $name {
            $(
                #[sea_orm(string_value = $value)]
                #[serde(rename = $value)]
                $variant,
            )+
        }

        impl $name {
            /// The stored (and GraphQL) name of the value.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $value,)+
                }
            }

            /// Parses a stored name; `None` for anything else.
            pub fn parse(value: &str) -> Option<Self> {
                match value {
                    $($value => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

text_enum!(
    /// 简易程序 / 一般程序.
    Procedure { Simple = "SIMPLE", General = "GENERAL" }
);
text_enum!(
    /// 公民 / 法人或其他组织.
    PartyKind { Person = "PERSON", Organization = "ORGANIZATION" }
);
text_enum!(
    CaseStatus {
        Filed = "FILED",
        Investigating = "INVESTIGATING",
        NoticeServed = "NOTICE_SERVED",
        Hearing = "HEARING",
        LegalReview = "LEGAL_REVIEW",
        Decided = "DECIDED",
        Delivered = "DELIVERED",
        Closed = "CLOSED",
        NotPenalized = "NOT_PENALIZED",
        TransferredOut = "TRANSFERRED_OUT",
    }
);
text_enum!(
    TransferCategory { Forestry = "FORESTRY", BidRigging = "BID_RIGGING", ProvidentFund = "PROVIDENT_FUND", Other = "OTHER" }
);
text_enum!(
    TransferStatus { Pending = "PENDING", Accepted = "ACCEPTED", Rejected = "REJECTED", Returned = "RETURNED", Withdrawn = "WITHDRAWN" }
);
text_enum!(
    RecordKind {
        Inspection = "INSPECTION",
        Interview = "INTERVIEW",
        Photo = "PHOTO",
        Video = "VIDEO",
        Audio = "AUDIO",
        Document = "DOCUMENT",
        Note = "NOTE",
    }
);
text_enum!(
    CaseEventKind {
        Filed = "FILED",
        Updated = "UPDATED",
        Transitioned = "TRANSITIONED",
        TransferRequested = "TRANSFER_REQUESTED",
        TransferAnswered = "TRANSFER_ANSWERED",
        RecordSubmitted = "RECORD_SUBMITTED",
    }
);
text_enum!(
    DepartmentKind {
        Bureau = "BUREAU",
        TownTeam = "TOWN_TEAM",
        LineDepartment = "LINE_DEPARTMENT",
        Court = "COURT",
        Supervisor = "SUPERVISOR",
    }
);
text_enum!(
    Role {
        Admin = "ADMIN",
        BureauOfficer = "BUREAU_OFFICER",
        LegalReviewer = "LEGAL_REVIEWER",
        TownOfficer = "TOWN_OFFICER",
        DepartmentLiaison = "DEPARTMENT_LIAISON",
        CourtTrainee = "COURT_TRAINEE",
        Dashboard = "DASHBOARD",
    }
);
text_enum!(
    /// Where the hearing stands (APL 63–64); `NONE` until a notice says the penalty is hearing-level.
    HearingState {
        None = "NONE",
        Requested = "REQUESTED",
        Held = "HELD",
        Waived = "WAIVED",
    }
);
text_enum!(
    /// Where the legal review (法制审核, APL 58) stands.
    ReviewState {
        None = "NONE",
        Pending = "PENDING",
        Approved = "APPROVED",
        Rejected = "REJECTED",
    }
);
text_enum!(
    /// An action on a case's state machine (rules.md); stored in the timeline's detail.
    CaseAction {
        Investigate = "INVESTIGATE",
        ServeNotice = "SERVE_NOTICE",
        RequestHearing = "REQUEST_HEARING",
        HoldHearing = "HOLD_HEARING",
        WaiveHearing = "WAIVE_HEARING",
        SubmitForReview = "SUBMIT_FOR_REVIEW",
        ApproveReview = "APPROVE_REVIEW",
        RejectReview = "REJECT_REVIEW",
        Decide = "DECIDE",
        Deliver = "DELIVER",
        Close = "CLOSE",
        Exempt = "EXEMPT",
    }
);
