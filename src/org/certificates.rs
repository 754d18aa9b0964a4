//! Enforcement certificates (执法证) with their history. R2+ and `certificateRate` read the
//! certificate valid on the date in question from `certificates`; `users.certificate_no` and
//! `certificate_valid_until` keep a copy of the current one for reading.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{certificate, user};
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// The users among `user_ids` holding a certificate valid on `on` (both ends inclusive).
pub async fn certified_on(conn: &impl ConnectionTrait, user_ids: &[Uuid], on: NaiveDate) -> AppResult<HashSet<Uuid>> {
    if user_ids.is_empty() {
        return Ok(HashSet::new());
    }
    let rows = certificate::Entity::find()
        .filter(certificate::Column::UserId.is_in(user_ids.iter().copied()))
        .filter(certificate::Column::ValidFrom.lte(on))
        .filter(certificate::Column::ValidUntil.gte(on))
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|c| c.user_id).collect())
}

/// `SELECT user_id FROM certificates WHERE` valid on `on`: for `user.id IN (…)` conditions.
pub fn holders_on(on: NaiveDate) -> SelectStatement {
    Query::select()
        .column(certificate::Column::UserId)
        .from(certificate::Entity)
        .and_where(certificate::Column::ValidFrom.lte(on))
        .and_where(certificate::Column::ValidUntil.gte(on))
        .to_owned()
}

/// A user's certificates, oldest first.
pub async fn history(conn: &impl ConnectionTrait, user_id: Uuid) -> AppResult<Vec<certificate::Model>> {
    Ok(certificate::Entity::find()
        .filter(certificate::Column::UserId.eq(user_id))
        .order_by_asc(certificate::Column::ValidFrom)
        .order_by_asc(certificate::Column::ValidUntil)
        .order_by_asc(certificate::Column::Id)
        .all(conn)
        .await?)
}

/// A certificate as given, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCertificate {
    pub number: String,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
}

impl NewCertificate {
    /// `prefix` is the input path of the certificate (`certificate` in `createUser`, empty in
    /// `addCertificate`), for error fields.
    pub fn parse(prefix: &str, number: &str, valid_from: NaiveDate, valid_until: NaiveDate) -> AppResult<Self> {
        let at = |f: &str| if prefix.is_empty() { f.to_string() } else { format!("{prefix}.{f}") };
        let number = number.trim();
        if number.is_empty() || number.chars().count() > 64 {
            return Err(AppError::bad_input(at("number"), "a certificate number of 1 to 64 characters is required"));
        }
        if valid_until < valid_from {
            return Err(AppError::bad_input(at("validUntil"), "a certificate ends on or after the day it starts"));
        }
        Ok(Self { number: number.to_string(), valid_from, valid_until })
    }
}

/// Adds a certificate to `user`'s history inside the caller's transaction and brings the
/// user's current certificate up to date. The very same certificate again adds nothing; a
/// number another officer holds is `CONFLICT`. Returns the user as it now is, and whether a
/// row was added.
pub async fn add(
    txn: &impl ConnectionTrait,
    user: user::Model,
    cert: &NewCertificate,
    now: DateTime<Utc>,
) -> AppResult<(user::Model, bool)> {
    let same_number =
        certificate::Entity::find().filter(certificate::Column::Number.eq(cert.number.as_str())).all(txn).await?;
    if same_number.iter().any(|c| c.user_id != user.id) {
        return Err(AppError::Conflict(format!("certificate {} belongs to another officer", cert.number)));
    }
    if same_number.iter().any(|c| c.valid_from == cert.valid_from && c.valid_until == cert.valid_until) {
        return Ok((user, false));
    }
    certificate::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user.id),
        number: Set(cert.number.clone()),
        valid_from: Set(cert.valid_from),
        valid_until: Set(cert.valid_until),
        created_at: Set(now),
    }
    .insert(txn)
    .await?;
    let user = sync_current(txn, user, crate::calendar::local_date(now)).await?;
    Ok((user, true))
}

/// `updateOfficer` corrects the user's current certificate in place (its number, its end);
/// the history follows: the certificate that was current takes the new number and end (its
/// start stays, moved back if the new end lies before it), or, when the user had none, one
/// valid from `today` (or the end, if earlier) is added.
pub async fn follow_correction(
    txn: &impl ConnectionTrait,
    before: &user::Model,
    after: &user::Model,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let (Some(number), Some(until)) = (&after.certificate_no, after.certificate_valid_until) else {
        return Ok(());
    };
    if before.certificate_no == after.certificate_no && before.certificate_valid_until == after.certificate_valid_until
    {
        return Ok(());
    }
    let was = history(txn, after.id).await?.into_iter().find(|c| {
        Some(&c.number) == before.certificate_no.as_ref() && Some(c.valid_until) == before.certificate_valid_until
    });
    match was {
        Some(c) => {
            let from = c.valid_from.min(until);
            let mut row = c.into_active_model();
            row.number = Set(number.clone());
            row.valid_from = Set(from);
            row.valid_until = Set(until);
            row.update(txn).await?;
        }
        None => {
            certificate::ActiveModel {
                id: Set(Uuid::now_v7()),
                user_id: Set(after.id),
                number: Set(number.clone()),
                valid_from: Set(crate::calendar::local_date(now).min(until)),
                valid_until: Set(until),
                created_at: Set(now),
            }
            .insert(txn)
            .await?;
        }
    }
    Ok(())
}

/// The certificate `users` shows as current on `today`: of those begun by then, the one that
/// runs longest (so one valid today wins over a lapsed one); none when none has begun.
pub fn current(history: &[certificate::Model], today: NaiveDate) -> Option<&certificate::Model> {
    history.iter().filter(|c| c.valid_from <= today).max_by_key(|c| (c.valid_until, c.valid_from, c.created_at))
}

/// Copies the current certificate onto the user row.
async fn sync_current(txn: &impl ConnectionTrait, user: user::Model, today: NaiveDate) -> AppResult<user::Model> {
    let all = history(txn, user.id).await?;
    let (no, until) = match current(&all, today) {
        Some(c) => (Some(c.number.clone()), Some(c.valid_until)),
        None => (None, None),
    };
    if user.certificate_no == no && user.certificate_valid_until == until {
        return Ok(user);
    }
    let mut active = user.into_active_model();
    active.certificate_no = Set(no);
    active.certificate_valid_until = Set(until);
    Ok(active.update(txn).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn cert(number: &str, from: &str, until: &str) -> certificate::Model {
        certificate::Model {
            id: Uuid::now_v7(),
            user_id: Uuid::nil(),
            number: number.into(),
            valid_from: d(from),
            valid_until: d(until),
            created_at: Utc::now(),
        }
    }

    #[test]
    fn a_certificate_ends_on_or_after_its_start() {
        let err = NewCertificate::parse("", "A1", d("2024-01-02"), d("2024-01-01")).expect_err("refused");
        assert!(matches!(err, AppError::BadInput { ref field, .. } if field == "validUntil"), "{err:?}");
        let err = NewCertificate::parse("certificate", " ", d("2024-01-01"), d("2024-01-01")).expect_err("refused");
        assert!(matches!(err, AppError::BadInput { ref field, .. } if field == "certificate.number"), "{err:?}");
        let ok = NewCertificate::parse("", " A1 ", d("2024-01-01"), d("2024-01-01")).expect("one day is a period");
        assert_eq!(ok.number, "A1");
    }

    #[test]
    fn the_current_certificate_is_the_latest_valid_one() {
        let history = [
            cert("old", "2018-01-01", "2023-05-31"),
            cert("new", "2025-01-01", "2029-12-31"),
            cert("future", "2031-01-01", "2035-12-31"),
        ];
        assert_eq!(current(&history, d("2023-01-01")).map(|c| c.number.as_str()), Some("old"));
        assert_eq!(current(&history, d("2024-06-01")).map(|c| c.number.as_str()), Some("old"), "lapsed, still shown");
        assert_eq!(current(&history, d("2026-12-01")).map(|c| c.number.as_str()), Some("new"));
        assert_eq!(current(&history, d("2017-12-01")), None);
    }
}
