//! Trainings with their attendees, and the admin's update of an officer's certificate.

use chrono::{NaiveDate, Utc};
use entity::enums::TrainingOrganiser;
use entity::{training, training_attendee, user};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
};
use uuid::Uuid;

use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::oversight::access;
use crate::oversight::list::{Listed, Paging, newest_first};
use crate::oversight::write::{Store, Write, text};

/// A training with the ids of its attendees.
pub type Attended = (training::Model, Vec<Uuid>);

pub async fn record_training(
    store: Store<'_>,
    p: &Principal,
    title: String,
    organiser: TrainingOrganiser,
    held_on: NaiveDate,
    attendees: Vec<Uuid>,
) -> AppResult<Attended> {
    access::officer(p).or_else(|_| access::admin(p))?;
    let title = text("input.title", &title)?;
    let mut attendees = attendees;
    attendees.sort();
    attendees.dedup();
    let w = Write::begin(store).await?;
    let txn = w.txn();
    let known = user::Entity::find()
        .filter(user::Column::Id.is_in(attendees.clone()))
        .filter(user::Column::DepartmentId.eq(p.department_id))
        .count(txn)
        .await?;
    if known as usize != attendees.len() {
        return Err(AppError::bad_input("input.attendeeIds", "attendees are users of the recording department"));
    }
    let row = training::Model {
        id: Uuid::now_v7(),
        department_id: p.department_id,
        title,
        organiser,
        held_on,
        created_by: Some(p.user_id),
        created_at: Utc::now(),
    }
    .into_active_model()
    .insert(txn)
    .await?;
    for u in &attendees {
        training_attendee::Model { training_id: row.id, user_id: *u }.into_active_model().insert(txn).await?;
    }
    w.audit(p, "recordTraining", &[row.id], serde_json::json!({ "attendees": attendees.len() })).await?;
    w.commit().await?;
    Ok((row, attendees))
}

/// One page of the trainings `p` may read, newest first, with their attendees (one query for
/// the attendees of the whole page).
pub async fn trainings(db: &impl ConnectionTrait, p: &Principal, paging: Paging<'_>) -> AppResult<Listed<Attended>> {
    let cond = access::visible_by_department(p, training::Column::DepartmentId);
    let cols = (training::Column::CreatedAt, training::Column::Id);
    let (rows, info, cond) =
        newest_first::<training::Entity>(db, cond, paging, "trainings", cols, |m| (m.created_at, m.id)).await?;
    let ids: Vec<Uuid> = rows.iter().map(|(_, m)| m.id).collect();
    let attendees =
        training_attendee::Entity::find().filter(training_attendee::Column::TrainingId.is_in(ids)).all(db).await?;
    let rows = rows
        .into_iter()
        .map(|(c, m)| {
            let who = attendees.iter().filter(|a| a.training_id == m.id).map(|a| a.user_id).collect();
            (c, (m, who))
        })
        .collect();
    Ok((rows, info, cond))
}

/// An officer's certificate (执法证) and the day they joined: admin only.
pub async fn update_officer(
    store: Store<'_>,
    p: &Principal,
    id: Uuid,
    certificate_no: Option<String>,
    valid_until: Option<NaiveDate>,
    joined_on: Option<NaiveDate>,
) -> AppResult<user::Model> {
    access::admin(p)?;
    let w = Write::begin(store).await?;
    let txn = w.txn();
    let u = user::Entity::find_by_id(id).one(txn).await?.ok_or_else(|| AppError::not_found("user"))?;
    let before = u.clone();
    let mut active = u.into_active_model();
    if let Some(no) = certificate_no {
        active.certificate_no = sea_orm::Set(Some(text("certificateNo", &no)?));
    }
    if let Some(v) = valid_until {
        active.certificate_valid_until = sea_orm::Set(Some(v));
    }
    if let Some(j) = joined_on {
        active.joined_on = sea_orm::Set(Some(j));
    }
    let u = active.update(txn).await?;
    crate::org::certificates::follow_correction(txn, &before, &u, Utc::now()).await?;
    w.audit(p, "updateOfficer", &[u.id], serde_json::json!({})).await?;
    w.commit().await?;
    Ok(u)
}
