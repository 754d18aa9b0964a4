//! The GraphQL face of legal reviews and review committee meetings.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use entity::{legal_review, review_meeting};

use super::service;
use crate::graphql::context::{principal, request, state};
use crate::graphql::ids::Kind;
use crate::graphql::scalars::{Date, DateTime};
use crate::oversight::list::Paging;
use crate::oversight::schema::{decode_all, id_of, nodes, opt_decode, opt_id, store};

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::ReviewOutcome")]
pub enum ReviewOutcome {
    Pending,
    Approved,
    Rejected,
}

/// 法制审核: one submission of a case for legal review and its outcome.
#[derive(SimpleObject)]
pub struct LegalReview {
    pub id: ID,
    pub case_id: ID,
    pub submitted_at: DateTime,
    pub outcome: ReviewOutcome,
    pub reviewer_id: Option<ID>,
    pub decided_at: Option<DateTime>,
    pub opinion: Option<String>,
    /// The case review committee meeting (案审委员会) that discussed it.
    pub meeting_id: Option<ID>,
}

impl From<legal_review::Model> for LegalReview {
    fn from(m: legal_review::Model) -> Self {
        LegalReview {
            id: id_of(Kind::LegalReview, m.id),
            case_id: id_of(Kind::Case, m.case_id),
            submitted_at: m.submitted_at.into(),
            outcome: m.outcome.into(),
            reviewer_id: opt_id(Kind::User, m.reviewer_id),
            decided_at: m.decided_at.map(Into::into),
            opinion: m.opinion,
            meeting_id: opt_id(Kind::ReviewMeeting, m.meeting_id),
        }
    }
}

/// 案审委员会: a meeting of the case review committee.
#[derive(SimpleObject)]
pub struct ReviewMeeting {
    pub id: ID,
    pub held_on: Date,
    pub topic: String,
    pub conclusion: String,
}

impl From<review_meeting::Model> for ReviewMeeting {
    fn from(m: review_meeting::Model) -> Self {
        ReviewMeeting {
            id: id_of(Kind::ReviewMeeting, m.id),
            held_on: m.held_on.into(),
            topic: m.topic,
            conclusion: m.conclusion,
        }
    }
}

crate::connection!(
    LegalReviewConnection,
    LegalReviewEdge,
    LegalReview,
    legal_review::Entity,
    "Legal reviews, newest first."
);
crate::connection!(
    ReviewMeetingConnection,
    ReviewMeetingEdge,
    ReviewMeeting,
    review_meeting::Entity,
    "Review committee meetings, newest first."
);

#[derive(Default)]
pub struct ReviewQuery;

#[Object]
impl ReviewQuery {
    /// Legal reviews of the cases the caller may read, newest first.
    async fn legal_reviews(
        &self,
        ctx: &Context<'_>,
        case_id: Option<ID>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<LegalReviewConnection> {
        let p = principal(ctx)?;
        let today = request(ctx)?.today;
        let case_id = opt_decode(case_id.as_ref(), Kind::Case, "caseId")?;
        let paging = Paging::new(first, after.as_deref());
        let (rows, info, cond) = service::legal_reviews(&state(ctx)?.db, p, today, case_id, paging).await?;
        Ok(LegalReviewConnection::new(nodes(rows, LegalReview::from), info, cond))
    }

    /// Meetings of the case review committee, newest first.
    async fn review_meetings(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ReviewMeetingConnection> {
        let p = principal(ctx)?;
        let paging = Paging::new(first, after.as_deref());
        let (rows, info, cond) = service::meetings(&state(ctx)?.db, p, paging).await?;
        Ok(ReviewMeetingConnection::new(nodes(rows, ReviewMeeting::from), info, cond))
    }
}

#[derive(InputObject)]
pub struct RecordReviewMeetingInput {
    pub held_on: Date,
    pub topic: String,
    pub conclusion: String,
    pub legal_review_ids: Vec<ID>,
}

#[derive(Default)]
pub struct ReviewMutation;

#[Object]
impl ReviewMutation {
    /// 案审委员会: a meeting that discussed legal reviews.
    async fn record_review_meeting(&self, ctx: &Context<'_>, input: RecordReviewMeetingInput) -> Result<ReviewMeeting> {
        let p = principal(ctx)?;
        let reviews = decode_all(&input.legal_review_ids, Kind::LegalReview, "input.legalReviewIds")?;
        let held_on = input.held_on.get("input.heldOn")?;
        let row = service::record_meeting(store(ctx)?, p, held_on, input.topic, input.conclusion, reviews).await?;
        Ok(row.into())
    }
}
