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
        Cancelled = "CANCELLED",
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
        RecordStatement = "RECORD_STATEMENT",
        Cancel = "CANCEL",
        RequestEnforcement = "REQUEST_ENFORCEMENT",
    }
);
text_enum!(
    /// The kinds of administrative penalty of APL 9 (stored as a comma list on a case).
    PenaltyKind {
        Warning = "WARNING",
        Criticism = "CRITICISM",
        Fine = "FINE",
        ConfiscateGains = "CONFISCATE_GAINS",
        ConfiscateProperty = "CONFISCATE_PROPERTY",
        SuspendLicence = "SUSPEND_LICENCE",
        RevokeLicence = "REVOKE_LICENCE",
        LowerQualification = "LOWER_QUALIFICATION",
        RestrictActivity = "RESTRICT_ACTIVITY",
        SuspendBusiness = "SUSPEND_BUSINESS",
        OrderClosure = "ORDER_CLOSURE",
        RestrictEmployment = "RESTRICT_EMPLOYMENT",
    }
);

text_enum!(
    /// The outcome of a legal review (法制审核).
    ReviewOutcome { Pending = "PENDING", Approved = "APPROVED", Rejected = "REJECTED" }
);
text_enum!(
    /// A rectification notice: issued, then verified as corrected or not corrected.
    RectificationStatus { Issued = "ISSUED", Corrected = "CORRECTED", NotCorrected = "NOT_CORRECTED" }
);
text_enum!(
    /// 行政复议 or 行政诉讼.
    ReconsiderationKind { Reconsideration = "RECONSIDERATION", Litigation = "LITIGATION" }
);
text_enum!(
    /// How a reconsideration or a lawsuit ended; `SETTLED` is a dispute resolved by
    /// settlement or mediation (化解), `REVOKED` revokes the decision (its publication is then
    /// withdrawn, T6).
    ReconsiderationOutcome {
        Pending = "PENDING",
        Upheld = "UPHELD",
        Altered = "ALTERED",
        Revoked = "REVOKED",
        ConfirmedIllegal = "CONFIRMED_ILLEGAL",
        Settled = "SETTLED",
        Withdrawn = "WITHDRAWN",
        Dismissed = "DISMISSED",
    }
);
text_enum!(
    /// 公示 of an administrative licence or of a penalty decision.
    PublicationKind { Licence = "LICENCE", PenaltyDecision = "PENALTY_DECISION" }
);
text_enum!(
    /// Who held a training: the department itself, or the province, city or district.
    TrainingOrganiser { Bureau = "BUREAU", Province = "PROVINCE", City = "CITY", District = "DISTRICT" }
);
text_enum!(
    /// A patrol action without a case, or an inspection of an empowered matter.
    PatrolKind {
        VendorPersuaded = "VENDOR_PERSUADED",
        VendorHelpedIntoMarket = "VENDOR_HELPED_INTO_MARKET",
        OpenBurningStopped = "OPEN_BURNING_STOPPED",
        Inspection = "INSPECTION",
    }
);
