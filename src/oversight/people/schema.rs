//! The GraphQL face of trainings and officers' certificates.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use entity::training;

use super::service::{self, Attended};
use crate::graphql::context::{principal, state};
use crate::graphql::ids::{self, Kind};
use crate::graphql::scalars::Date;
use crate::oversight::list::Paging;
use crate::oversight::schema::{decode_all, id_of, nodes, store};

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::TrainingOrganiser")]
pub enum TrainingOrganiser {
    /// Held by the department itself.
    Bureau,
    Province,
    City,
    District,
}

/// A training held or attended, with its attendees.
#[derive(SimpleObject)]
pub struct Training {
    pub id: ID,
    pub title: String,
    pub organiser: TrainingOrganiser,
    pub held_on: Date,
    pub attendee_ids: Vec<ID>,
}

impl From<Attended> for Training {
    fn from((m, attendees): Attended) -> Self {
        Training {
            id: id_of(Kind::Training, m.id),
            title: m.title,
            organiser: m.organiser.into(),
            held_on: m.held_on.into(),
            attendee_ids: attendees.into_iter().map(|u| id_of(Kind::User, u)).collect(),
        }
    }
}

crate::connection!(TrainingConnection, TrainingEdge, Training, training::Entity, "Trainings, newest first.");

#[derive(Default)]
pub struct PeopleQuery;

#[Object]
impl PeopleQuery {
    /// Trainings held or attended, newest first, with their attendees.
    async fn trainings(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<TrainingConnection> {
        let p = principal(ctx)?;
        let paging = Paging::new(first, after.as_deref());
        let (rows, info, cond) = service::trainings(&state(ctx)?.db, p, paging).await?;
        Ok(TrainingConnection::new(nodes(rows, Training::from), info, cond))
    }
}

#[derive(InputObject)]
pub struct RecordTrainingInput {
    pub title: String,
    pub organiser: TrainingOrganiser,
    pub held_on: Date,
    pub attendee_ids: Vec<ID>,
}

#[derive(Default)]
pub struct PeopleMutation;

#[Object]
impl PeopleMutation {
    /// A training held or attended, with the department's attendees.
    async fn record_training(&self, ctx: &Context<'_>, input: RecordTrainingInput) -> Result<Training> {
        let p = principal(ctx)?;
        let attendees = decode_all(&input.attendee_ids, Kind::User, "input.attendeeIds")?;
        let held_on = input.held_on.get("input.heldOn")?;
        let organiser = input.organiser.into();
        let row = service::record_training(store(ctx)?, p, input.title, organiser, held_on, attendees).await?;
        Ok(row.into())
    }

    /// An officer's enforcement certificate (执法证) and joining day: admin only.
    async fn update_officer(
        &self,
        ctx: &Context<'_>,
        id: ID,
        certificate_no: Option<String>,
        certificate_valid_until: Option<Date>,
        joined_on: Option<Date>,
    ) -> Result<crate::org::schema::UserObject> {
        let p = principal(ctx)?;
        let id = ids::decode(&id, Kind::User, "id")?;
        let until = certificate_valid_until.as_ref().map(|d| d.get("certificateValidUntil")).transpose()?;
        let joined = joined_on.as_ref().map(|d| d.get("joinedOn")).transpose()?;
        let u = service::update_officer(store(ctx)?, p, id, certificate_no, until, joined).await?;
        Ok(crate::org::schema::UserObject(u))
    }
}
