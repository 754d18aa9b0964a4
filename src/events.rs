//! The case timeline and its delivery. Every write that changes a case appends its event in
//! the same transaction ([`append`]); the caller publishes the returned events only after the
//! commit ([`Bus::publish`]), so subscribers never see a change that was rolled back.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use entity::case_event;
use entity::enums::CaseEventKind;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};
use tokio::sync::broadcast;
use uuid::Uuid;

pub mod schema;

/// What happened to a case, before it is stored.
pub struct NewEvent {
    pub case_id: Uuid,
    pub kind: CaseEventKind,
    pub at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub transfer_id: Option<Uuid>,
    pub record_id: Option<Uuid>,
    pub case_version: i32,
    pub detail: serde_json::Value,
}

/// Appends one event to a case's timeline inside the caller's transaction.
pub async fn append(txn: &impl ConnectionTrait, event: NewEvent) -> Result<case_event::Model, DbErr> {
    let model = case_event::Model {
        id: Uuid::now_v7(),
        case_id: event.case_id,
        kind: event.kind,
        at: event.at,
        actor_id: event.actor_id,
        transfer_id: event.transfer_id,
        record_id: event.record_id,
        case_version: event.case_version,
        detail: event.detail.to_string(),
    };
    let active: case_event::ActiveModel = case_event::ActiveModel {
        id: Set(model.id),
        case_id: Set(model.case_id),
        kind: Set(model.kind),
        at: Set(model.at),
        actor_id: Set(model.actor_id),
        transfer_id: Set(model.transfer_id),
        record_id: Set(model.record_id),
        case_version: Set(model.case_version),
        detail: Set(model.detail.clone()),
    };
    case_event::Entity::insert(active).exec_without_returning(txn).await?;
    Ok(model)
}

/// In-process fan-out of committed events. Subscribers that fall behind the buffer are told
/// they lagged (tokio's broadcast), never silently skipped.
#[derive(Clone)]
pub struct Bus {
    sender: broadcast::Sender<Arc<case_event::Model>>,
}

impl Default for Bus {
    fn default() -> Self {
        Self::new(4096)
    }
}

impl Bus {
    pub fn new(capacity: usize) -> Self {
        let (sender, _) = broadcast::channel(capacity);
        Self { sender }
    }

    /// Publishes committed events (call after `commit`).
    pub fn publish(&self, events: impl IntoIterator<Item = case_event::Model>) {
        for event in events {
            // No subscriber is not an error.
            let _ = self.sender.send(Arc::new(event));
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<case_event::Model>> {
        self.sender.subscribe()
    }
}
