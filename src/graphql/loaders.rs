//! DataLoaders: every relation is fetched in one query per batch (`… WHERE key IN (…)`),
//! never one query per row. A fresh set is made for each request, so nothing leaks between
//! callers; loaders that return rows with their own visibility carry the caller.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use chrono::NaiveDate;
use entity::enums::Role;
use entity::{
    case, case_event, case_officer, certificate, department, matter, matter_empowerment, party, record, transfer, user,
    user_role,
};
use sea_orm::sea_query::{Asterisk, Condition, Query};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityName, EntityTrait, FromQueryResult, Iterable, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::auth::{Principal, visibility};

macro_rules! by_id_loader {
    ($name:ident, $module:ident) => {
        pub struct $name(DatabaseConnection);

        impl Loader<Uuid> for $name {
            type Value = $module::Model;
            type Error = DbErr;

            async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
                let rows = $module::Entity::find()
                    .filter($module::Column::Id.is_in(keys.iter().copied()))
                    .all(&self.0)
                    .await?;
                Ok(rows.into_iter().map(|r| (r.id, r)).collect())
            }
        }
    };
}

by_id_loader!(DepartmentById, department);
by_id_loader!(PartyById, party);
by_id_loader!(MatterById, matter);
by_id_loader!(RecordById, record);
by_id_loader!(UserById, user);

/// Cases by id, only those the caller may see. A court trainee's reads through relations
/// (`Transfer.case`, `FollowCaseEnrollment.case`, …) are audited here, like `case` and `cases`
/// do for direct reads: rules.md audits every read of a case by a trainee.
pub struct VisibleCaseById {
    db: DatabaseConnection,
    condition: Condition,
    trainee: Option<Arc<Principal>>,
}

impl Loader<Uuid> for VisibleCaseById {
    type Value = case::Model;
    type Error = DbErr;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = case::Entity::find()
            .filter(case::Column::Id.is_in(keys.iter().copied()))
            .filter(self.condition.clone())
            .all(&self.db)
            .await?;
        if let Some(p) = &self.trainee {
            let read: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
            crate::audit::insert(&self.db, Some(p), crate::audit::READ_CASE, &read, serde_json::json!({})).await?;
        }
        Ok(rows.into_iter().map(|r| (r.id, r)).collect())
    }
}

/// Transfers by id, only those the caller may see.
pub struct VisibleTransferById {
    db: DatabaseConnection,
    condition: Condition,
}

impl Loader<Uuid> for VisibleTransferById {
    type Value = transfer::Model;
    type Error = DbErr;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = transfer::Entity::find()
            .filter(transfer::Column::Id.is_in(keys.iter().copied()))
            .filter(self.condition.clone())
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|r| (r.id, r)).collect())
    }
}

/// The timeline of each case, oldest first.
pub struct EventsByCase(DatabaseConnection);

impl Loader<Uuid> for EventsByCase {
    type Value = Vec<case_event::Model>;
    type Error = DbErr;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = case_event::Entity::find()
            .filter(case_event::Column::CaseId.is_in(keys.iter().copied()))
            .order_by_asc(case_event::Column::Id)
            .all(&self.0)
            .await?;
        let mut out: HashMap<Uuid, Vec<case_event::Model>> = HashMap::new();
        for e in rows {
            out.entry(e.case_id).or_default().push(e);
        }
        Ok(out)
    }
}

/// Officers of each case, in assignment order.
pub struct OfficersByCase(DatabaseConnection);

impl Loader<Uuid> for OfficersByCase {
    type Value = Vec<user::Model>;
    type Error = DbErr;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let links = case_officer::Entity::find()
            .filter(case_officer::Column::CaseId.is_in(keys.iter().copied()))
            .order_by_asc(case_officer::Column::AssignedAt)
            .all(&self.0)
            .await?;
        let users: HashMap<Uuid, user::Model> = user::Entity::find()
            .filter(user::Column::Id.is_in(links.iter().map(|l| l.user_id)))
            .all(&self.0)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect();
        let mut out: HashMap<Uuid, Vec<user::Model>> = HashMap::new();
        for link in links {
            if let Some(u) = users.get(&link.user_id) {
                out.entry(link.case_id).or_default().push(u.clone());
            }
        }
        Ok(out)
    }
}

/// Transfers linked to each case (handed over from it, or filed as it), visible ones only.
pub struct TransfersByCase {
    db: DatabaseConnection,
    condition: Condition,
}

impl Loader<Uuid> for TransfersByCase {
    type Value = Vec<transfer::Model>;
    type Error = DbErr;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = transfer::Entity::find()
            .filter(
                Condition::any()
                    .add(transfer::Column::CaseId.is_in(keys.iter().copied()))
                    .add(transfer::Column::ResultingCaseId.is_in(keys.iter().copied())),
            )
            .filter(self.condition.clone())
            .order_by_asc(transfer::Column::RequestedAt)
            .all(&self.db)
            .await?;
        let mut out: HashMap<Uuid, Vec<transfer::Model>> = HashMap::new();
        for t in rows {
            for key in [t.case_id, t.resulting_case_id].into_iter().flatten() {
                if keys.contains(&key) {
                    out.entry(key).or_default().push(t.clone());
                }
            }
        }
        Ok(out)
    }
}

pub struct RolesByUser(DatabaseConnection);

impl Loader<Uuid> for RolesByUser {
    type Value = Vec<Role>;
    type Error = DbErr;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = user_role::Entity::find()
            .filter(user_role::Column::UserId.is_in(keys.iter().copied()))
            .order_by_asc(user_role::Column::Role)
            .all(&self.0)
            .await?;
        let mut out: HashMap<Uuid, Vec<Role>> = HashMap::new();
        for r in rows {
            out.entry(r.user_id).or_default().push(r.role);
        }
        Ok(out)
    }
}

/// Each user's enforcement certificates, oldest first (the order of `org::certificates::history`).
/// Who may see them is the resolver's check.
pub struct CertificatesByUser(DatabaseConnection);

impl Loader<Uuid> for CertificatesByUser {
    type Value = Vec<certificate::Model>;
    type Error = DbErr;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = certificate::Entity::find()
            .filter(certificate::Column::UserId.is_in(keys.iter().copied()))
            .order_by_asc(certificate::Column::ValidFrom)
            .order_by_asc(certificate::Column::ValidUntil)
            .order_by_asc(certificate::Column::Id)
            .all(&self.0)
            .await?;
        let mut out: HashMap<Uuid, Vec<certificate::Model>> = HashMap::new();
        for c in rows {
            out.entry(c.user_id).or_default().push(c);
        }
        Ok(out)
    }
}

pub struct EmpowermentsByMatter(DatabaseConnection);

impl Loader<Uuid> for EmpowermentsByMatter {
    type Value = Vec<matter_empowerment::Model>;
    type Error = DbErr;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = matter_empowerment::Entity::find()
            .filter(matter_empowerment::Column::MatterId.is_in(keys.iter().copied()))
            .order_by_asc(matter_empowerment::Column::Town)
            .order_by_asc(matter_empowerment::Column::ValidFrom)
            .all(&self.0)
            .await?;
        let mut out: HashMap<Uuid, Vec<matter_empowerment::Model>> = HashMap::new();
        for e in rows {
            out.entry(e.matter_id).or_default().push(e);
        }
        Ok(out)
    }
}

/// A page of a case's records: `(case, after seq, page size + 1)`. One query serves every
/// case of a batch that asks for the same page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RecordPageKey {
    pub case_id: Uuid,
    pub after_seq: i32,
    pub take: u64,
}

pub struct RecordPages(DatabaseConnection);

/// Cases per statement of [`RecordPages`] (SQLite allows 500 terms in a compound select).
const RECORD_PAGE_CASES: usize = 100;

impl Loader<RecordPageKey> for RecordPages {
    type Value = Vec<record::Model>;
    type Error = DbErr;

    async fn load(&self, keys: &[RecordPageKey]) -> Result<HashMap<RecordPageKey, Self::Value>, Self::Error> {
        let mut groups: HashMap<(i32, u64), Vec<Uuid>> = HashMap::new();
        for k in keys {
            groups.entry((k.after_seq, k.take)).or_default().push(k.case_id);
        }
        let mut out = HashMap::new();
        for ((after_seq, take), case_ids) in groups {
            for case_id in &case_ids {
                out.insert(RecordPageKey { case_id: *case_id, after_seq, take }, Vec::new());
            }
            for chunk in case_ids.chunks(RECORD_PAGE_CASES) {
                let stmt = self.0.get_database_backend().build(&record_page_query(chunk, after_seq, take));
                for r in record::Model::find_by_statement(stmt).all(&self.0).await? {
                    if let Some(v) = out.get_mut(&RecordPageKey { case_id: r.case_id, after_seq, take }) {
                        v.push(r);
                    }
                }
            }
        }
        Ok(out)
    }
}

/// The first `take` records after `after_seq` of each case, read through the `(case_id, seq)`
/// index: `ORDER BY seq LIMIT take` per case (a UNION ALL of one limited subquery per case,
/// which SQLite and PostgreSQL both run), so a page reads `take` rows per case, never the
/// whole chain. Rows come in seq order within each case.
fn record_page_query(case_ids: &[Uuid], after_seq: i32, take: u64) -> sea_orm::sea_query::SelectStatement {
    let one = |case_id: Uuid| {
        Query::select()
            .columns(record::Column::iter())
            .from(record::Entity.table_ref())
            .and_where(record::Column::CaseId.eq(case_id))
            .and_where(record::Column::Seq.gt(after_seq))
            .order_by(record::Column::Seq, sea_orm::sea_query::Order::Asc)
            .limit(take)
            .to_owned()
    };
    let wrapped = |case_id: Uuid| {
        Query::select().column(Asterisk).from_subquery(one(case_id), sea_orm::sea_query::Alias::new("p")).to_owned()
    };
    match case_ids {
        [] => one(Uuid::nil()),
        [only] => one(*only),
        [first, rest @ ..] => {
            let mut q = wrapped(*first);
            for id in rest {
                q.union(sea_orm::sea_query::UnionType::All, wrapped(*id));
            }
            q
        }
    }
}

/// Number of records of each case.
pub struct RecordCounts(DatabaseConnection);

impl Loader<Uuid> for RecordCounts {
    type Value = i64;
    type Error = DbErr;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        #[derive(FromQueryResult)]
        struct Row {
            case_id: Uuid,
            n: i64,
        }
        let rows = record::Entity::find()
            .select_only()
            .column(record::Column::CaseId)
            .column_as(record::Column::Id.count(), "n")
            .filter(record::Column::CaseId.is_in(keys.iter().copied()))
            .group_by(record::Column::CaseId)
            .into_model::<Row>()
            .all(&self.0)
            .await?;
        Ok(rows.into_iter().map(|r| (r.case_id, r.n)).collect())
    }
}

/// The loaders of one request.
pub struct Loaders {
    pub departments: DataLoader<DepartmentById>,
    /// Cached for the request: `cases` and `case` read the party in their own statement and
    /// feed it here (parties are never changed after they are filed).
    pub parties: DataLoader<PartyById, HashMapCache>,
    pub matters: DataLoader<MatterById>,
    pub records: DataLoader<RecordById>,
    pub users: DataLoader<UserById>,
    pub cases: DataLoader<VisibleCaseById>,
    pub transfers: DataLoader<VisibleTransferById>,
    pub events_by_case: DataLoader<EventsByCase>,
    pub officers: DataLoader<OfficersByCase>,
    pub transfers_by_case: DataLoader<TransfersByCase>,
    pub roles: DataLoader<RolesByUser>,
    pub certificates: DataLoader<CertificatesByUser>,
    pub empowerments: DataLoader<EmpowermentsByMatter>,
    pub record_pages: DataLoader<RecordPages>,
    pub record_counts: DataLoader<RecordCounts>,
    pub joint_answers: DataLoader<AnswersByCall>,
}

impl Loaders {
    pub fn new(db: &DatabaseConnection, principal: Option<&Arc<Principal>>, today: NaiveDate) -> Self {
        let (cases, transfers) = match principal {
            Some(p) => (visibility::cases(p, today), visibility::transfers(p, today)),
            None => (crate::sql::never(), crate::sql::never()),
        };
        let trainee = principal.filter(|p| p.has(Role::CourtTrainee)).cloned();
        let spawn = |f| tokio::spawn(f);
        Self {
            departments: DataLoader::new(DepartmentById(db.clone()), spawn),
            parties: DataLoader::with_cache(PartyById(db.clone()), spawn, HashMapCache::default()),
            matters: DataLoader::new(MatterById(db.clone()), spawn),
            records: DataLoader::new(RecordById(db.clone()), spawn),
            users: DataLoader::new(UserById(db.clone()), spawn),
            cases: DataLoader::new(VisibleCaseById { db: db.clone(), condition: cases, trainee }, spawn),
            transfers: DataLoader::new(VisibleTransferById { db: db.clone(), condition: transfers.clone() }, spawn),
            events_by_case: DataLoader::new(EventsByCase(db.clone()), spawn),
            officers: DataLoader::new(OfficersByCase(db.clone()), spawn),
            transfers_by_case: DataLoader::new(TransfersByCase { db: db.clone(), condition: transfers }, spawn),
            roles: DataLoader::new(RolesByUser(db.clone()), spawn),
            certificates: DataLoader::new(CertificatesByUser(db.clone()), spawn),
            empowerments: DataLoader::new(EmpowermentsByMatter(db.clone()), spawn),
            record_pages: DataLoader::new(RecordPages(db.clone()), spawn),
            record_counts: DataLoader::new(RecordCounts(db.clone()), spawn),
            joint_answers: DataLoader::new(AnswersByCall(db.clone()), spawn),
        }
    }
}

/// The called departments of each call, with their answers: one query per batch of calls.
pub struct AnswersByCall(pub DatabaseConnection);

impl Loader<Uuid> for AnswersByCall {
    type Value = Vec<entity::joint_call_department::Model>;
    type Error = DbErr;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = entity::joint_call_department::Entity::find()
            .filter(entity::joint_call_department::Column::CallId.is_in(keys.iter().copied()))
            .all(&self.0)
            .await?;
        let mut out: HashMap<Uuid, Self::Value> = HashMap::new();
        for r in rows {
            out.entry(r.call_id).or_default().push(r);
        }
        Ok(out)
    }
}
