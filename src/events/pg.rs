//! Fan-out between instances through PostgreSQL `LISTEN/NOTIFY`.
//!
//! Each instance keeps one dedicated listener connection (not from the pool). A notification
//! carries the committed events themselves, or their ids when they do not fit in a payload
//! (`events::notification`); the listener loads what it is not given and feeds the local bus. When
//! the connection drops, notifications sent meanwhile are lost (sqlx reconnects silently), so
//! `try_recv` returning `None` triggers a replay from the event log: every event newer than
//! the last one seen (less a margin, since ids from several instances are only roughly
//! ordered), minus those already delivered.

use std::collections::{HashSet, VecDeque};
use std::time::Duration;

use entity::{case_event, transfer_event};
use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::{Bus, CHANNEL, FIGURES_CHANNEL as STATS_CHANNEL, TRANSFER_CHANNEL, USERS_CHANNEL};

/// Ids remembered to drop duplicates after a replay.
const REMEMBERED: usize = 20_000;
/// How far before the last seen event a replay starts (clock skew between instances, and
/// transactions that committed after a later-numbered one).
const REPLAY_MARGIN: Duration = Duration::from_secs(10);

/// Events a replay reads at most (a restarted listener misses what happened in its gap, not
/// the log's history); past it the replay says so and the rest is lost to live subscribers.
const REPLAY_LIMIT: u64 = 10_000;

struct Seen {
    order: VecDeque<Uuid>,
    set: HashSet<Uuid>,
    last: Option<Uuid>,
    /// The newest event when this listener started: it replays nothing at or before it.
    floor: Option<Uuid>,
}

impl Seen {
    fn insert(&mut self, id: Uuid) -> bool {
        if !self.set.insert(id) {
            return false;
        }
        self.order.push_back(id);
        if self.order.len() > REMEMBERED
            && let Some(old) = self.order.pop_front()
        {
            self.set.remove(&old);
        }
        if self.last.is_none_or(|l| id > l) {
            self.last = Some(id);
        }
        true
    }
}

/// The UUIDv7 that sorts just before anything created `margin` before `id` (an id without a
/// timestamp is its own start: never the beginning of the log).
fn replay_from(id: Uuid, margin: Duration) -> Uuid {
    let Some((secs, nanos)) = id.get_timestamp().map(|t| t.to_unix()) else { return id };
    let ms = (secs * 1000 + u64::from(nanos) / 1_000_000).saturating_sub(margin.as_millis() as u64);
    uuid::Builder::from_unix_timestamp_millis(ms, &[0; 10]).into_uuid()
}

/// The comma-separated ids a notification names (what a transfer's carries, and a case
/// event's when the events do not fit in a payload).
fn ids(payload: &str) -> Vec<Uuid> {
    payload.split(',').filter_map(|s| Uuid::try_parse(s.trim()).ok()).collect()
}

/// Delivers the events of one notification ([`super::notification`]): those it carries, or
/// those it names, read from the log.
async fn deliver(db: &DatabaseConnection, bus: &Bus, seen: &mut Seen, payload: &str) -> Result<(), sea_orm::DbErr> {
    if let Some(events) = super::carried_events(payload) {
        bus.deliver(events.into_iter().filter(|e| seen.insert(e.id)));
        return Ok(());
    }
    let ids = ids(payload);
    if ids.is_empty() {
        return Ok(());
    }
    let rows = case_event::Entity::find()
        .filter(case_event::Column::Id.is_in(ids))
        .order_by_asc(case_event::Column::Id)
        .all(db)
        .await?;
    bus.deliver(rows.into_iter().filter(|e| seen.insert(e.id)));
    Ok(())
}

/// Transfer events (`events::transfer`) by id, as [`deliver`] does for case events.
async fn deliver_transfer(
    db: &DatabaseConnection,
    bus: &Bus,
    seen: &mut Seen,
    ids: Vec<Uuid>,
) -> Result<(), sea_orm::DbErr> {
    if ids.is_empty() {
        return Ok(());
    }
    let rows = transfer_event::Entity::find()
        .filter(transfer_event::Column::Id.is_in(ids))
        .order_by_asc(transfer_event::Column::Id)
        .all(db)
        .await?;
    bus.deliver_transfer(rows.into_iter().filter(|e| seen.insert(e.id)));
    Ok(())
}

/// [`replay`] for transfer events.
async fn replay_transfers(db: &DatabaseConnection, bus: &Bus, seen: &mut Seen) -> Result<(), sea_orm::DbErr> {
    let Some(last) = seen.last else { return Ok(()) };
    let from = seen.floor.map_or(replay_from(last, REPLAY_MARGIN), |f| f.max(replay_from(last, REPLAY_MARGIN)));
    let rows = transfer_event::Entity::find()
        .filter(transfer_event::Column::Id.gt(from))
        .order_by_asc(transfer_event::Column::Id)
        .limit(REPLAY_LIMIT)
        .all(db)
        .await?;
    bus.deliver_transfer(rows.into_iter().filter(|e| seen.insert(e.id)).collect::<Vec<_>>());
    Ok(())
}

async fn replay(db: &DatabaseConnection, bus: &Bus, seen: &mut Seen) -> Result<(), sea_orm::DbErr> {
    let Some(last) = seen.last else { return Ok(()) };
    let from = seen.floor.map_or(replay_from(last, REPLAY_MARGIN), |f| f.max(replay_from(last, REPLAY_MARGIN)));
    let rows = case_event::Entity::find()
        .filter(case_event::Column::Id.gt(from))
        .order_by_asc(case_event::Column::Id)
        .limit(REPLAY_LIMIT)
        .all(db)
        .await?;
    if rows.len() as u64 == REPLAY_LIMIT {
        tracing::warn!(limit = REPLAY_LIMIT, "event listener: the gap held more events than a replay reads");
    }
    let missed: Vec<_> = rows.into_iter().filter(|e| seen.insert(e.id)).collect();
    if !missed.is_empty() {
        tracing::warn!(count = missed.len(), "replayed events missed while the listener reconnected");
    }
    bus.deliver(missed);
    Ok(())
}

/// Runs for the life of the process: listens, delivers, reconnects and replays. The same
/// connection carries the statistics channel: another instance's oversight write (or a gap in
/// which one may have been missed) becomes a change signal for the live statistics.
pub async fn listen(url: String, db: DatabaseConnection, bus: Bus) {
    let mut seen = Seen { order: VecDeque::new(), set: HashSet::new(), last: None, floor: None };
    // Start after the newest event already stored (one indexed row, whatever the log's size):
    // what was committed before this instance started is not delivered, and a gap right after
    // start-up replays from there.
    match case_event::Entity::find()
        .select_only()
        .column(case_event::Column::Id)
        .order_by_desc(case_event::Column::Id)
        .into_tuple::<Uuid>()
        .one(&db)
        .await
    {
        Ok(Some(newest)) => {
            seen.last = Some(newest);
            seen.floor = Some(newest);
        }
        Ok(None) => seen.floor = Some(Uuid::nil()),
        Err(e) => tracing::warn!(error = %e, "event listener: cannot read the newest event"),
    }
    // Transfer events are numbered apart; their replays start from the listener's start too.
    let start = Uuid::now_v7();
    let mut seen_transfers =
        Seen { order: VecDeque::new(), set: HashSet::new(), last: Some(start), floor: Some(start) };
    loop {
        let mut listener = match PgListener::connect(&url).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "event listener: cannot connect; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if let Err(e) = listener.listen_all([CHANNEL, STATS_CHANNEL, TRANSFER_CHANNEL, USERS_CHANNEL]).await {
            tracing::warn!(error = %e, "event listener: LISTEN failed; retrying");
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        // Whatever committed while we were not listening.
        bus.figures_changed_here();
        bus.users_changed_here();
        bus.set_users_live(true);
        if let Err(e) = replay(&db, &bus, &mut seen).await {
            tracing::warn!(error = %e, "event listener: replay failed");
        }
        if let Err(e) = replay_transfers(&db, &bus, &mut seen_transfers).await {
            tracing::warn!(error = %e, "event listener: transfer replay failed");
        }
        tracing::info!("event listener: listening on {CHANNEL} and {STATS_CHANNEL}");
        loop {
            match listener.try_recv().await {
                Ok(Some(n)) if n.channel() == STATS_CHANNEL => bus.figures_changed_here(),
                Ok(Some(n)) if n.channel() == USERS_CHANNEL => bus.users_changed_here(),
                Ok(Some(n)) if n.channel() == TRANSFER_CHANNEL => {
                    let ids = ids(n.payload());
                    if let Err(e) = deliver_transfer(&db, &bus, &mut seen_transfers, ids).await {
                        tracing::warn!(error = %e, "event listener: loading transfer events failed; replaying");
                        let _ = replay_transfers(&db, &bus, &mut seen_transfers).await;
                    }
                }
                Ok(Some(n)) => {
                    if let Err(e) = deliver(&db, &bus, &mut seen, n.payload()).await {
                        tracing::warn!(error = %e, "event listener: loading events failed; replaying");
                        let _ = replay(&db, &bus, &mut seen).await;
                    }
                }
                Ok(None) => {
                    // The connection dropped and was re-established: notifications in the gap
                    // are lost, so read them from the log.
                    tracing::warn!("event listener: connection lost and re-established; replaying");
                    bus.figures_changed_here();
                    bus.users_changed_here();
                    if let Err(e) = replay(&db, &bus, &mut seen).await {
                        tracing::warn!(error = %e, "event listener: replay failed");
                    }
                    if let Err(e) = replay_transfers(&db, &bus, &mut seen_transfers).await {
                        tracing::warn!(error = %e, "event listener: transfer replay failed");
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "event listener: receive failed; reconnecting");
                    // Notifications are lost until it listens again: nothing cached on them is used.
                    bus.set_users_live(false);
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(detail: String) -> case_event::Model {
        case_event::Model {
            id: Uuid::now_v7(),
            case_id: Uuid::now_v7(),
            kind: entity::enums::CaseEventKind::RecordSubmitted,
            at: chrono::DateTime::from_timestamp_micros(1_764_000_000_123_456).expect("time"),
            actor_id: Some(Uuid::now_v7()),
            transfer_id: None,
            record_id: Some(Uuid::now_v7()),
            case_version: 7,
            detail,
        }
    }

    #[test]
    fn a_notification_carries_the_events_as_stored_or_else_their_ids() {
        let events = vec![event(r#"{"seq":3,"kind":"NOTE"}"#.into()), event("{}".into())];
        let payload = super::super::notification(&events);
        assert_eq!(super::super::carried_events(&payload), Some(events.clone()));

        // Too long for a payload: the ids, which the listener reads back.
        let long = vec![event(format!(r#"{{"note":"{}"}}"#, "x".repeat(8000)))];
        let payload = super::super::notification(&long);
        assert_eq!(payload, long[0].id.to_string());
        assert_eq!(super::super::carried_events(&payload), None);

        // A time finer than PostgreSQL keeps would differ from the stored row: the ids.
        let mut fine = event("{}".into());
        fine.at += chrono::Duration::nanoseconds(1);
        let payload = super::super::notification(&[fine.clone(), events[0].clone()]);
        assert_eq!(payload, format!("{},{}", fine.id, events[0].id));
    }

    #[test]
    fn replay_starts_before_the_last_seen_event() {
        let id = Uuid::now_v7();
        let from = replay_from(id, Duration::from_secs(10));
        assert!(from < id);
        assert!(replay_from(id, Duration::ZERO) <= id);
        // A v4 id has no timestamp: the replay starts at it, never at the log's beginning.
        let v4 = Uuid::new_v4();
        assert_eq!(replay_from(v4, Duration::from_secs(10)), v4);
    }
}
