//! Throttling failed sign-ins, per email and per client address. Counted in the database, so
//! every server sharing it enforces the same limit.

use std::net::IpAddr;

use chrono::{Duration, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};

use crate::db::Db;
use crate::entities::login_failure as failure;
use crate::error::{Error, Result};

/// The window failures are counted in.
pub const WINDOW_MINUTES: i64 = 15;
/// Failures allowed per email in the window (a targeted guess at one account).
pub const PER_EMAIL: u64 = 5;
/// Failures allowed per client address in the window (one client guessing many accounts).
pub const PER_CLIENT: u64 = 30;

fn subjects(email: &str, client: Option<IpAddr>) -> Vec<(String, u64)> {
    let mut subjects = vec![(format!("email:{}", email.trim().to_lowercase()), PER_EMAIL)];
    if let Some(ip) = client {
        subjects.push((format!("client:{ip}"), PER_CLIENT));
    }
    subjects
}

/// Refuses (429, with when to retry) a sign-in from a subject over its limit, before any
/// password is checked. Returns the email's recent failures, so a success clears them only
/// when there are some (a write on every sign-in would queue behind SQLite's one writer).
pub async fn check(db: &Db, email: &str, client: Option<IpAddr>) -> Result<u64> {
    let since = Utc::now() - Duration::minutes(WINDOW_MINUTES);
    let mut email_failures = 0;
    for (subject, limit) in subjects(email, client) {
        let recent = failure::Entity::find()
            .filter(failure::Column::Subject.eq(subject.as_str()))
            .filter(failure::Column::CreatedAt.gt(since));
        let failures = recent.clone().count(db.conn()).await?;
        if subject.starts_with("email:") {
            email_failures = failures;
        }
        if failures >= limit {
            // The window frees a slot when its oldest failure ages out.
            let oldest = recent
                .order_by_asc(failure::Column::CreatedAt)
                .one(db.conn())
                .await?
                .map_or(since, |f| f.created_at);
            let wait = (oldest - since).num_seconds().max(1) as u64;
            return Err(Error::TooManyRequests {
                message: "Too many failed sign-in attempts. Try again later.".into(),
                retry_after_secs: wait,
            });
        }
    }
    Ok(email_failures)
}

/// Records a failed sign-in against the email and the client, and forgets failures older than
/// a day.
pub async fn record_failure(db: &Db, email: &str, client: Option<IpAddr>) -> Result<()> {
    let now = Utc::now();
    let rows = subjects(email, client)
        .into_iter()
        .map(|(subject, _)| failure::ActiveModel {
            subject: Set(subject),
            created_at: Set(now),
            ..Default::default()
        });
    let txn = db.begin_write().await?;
    failure::Entity::insert_many(rows).exec(&*txn).await?;
    failure::Entity::delete_many()
        .filter(failure::Column::CreatedAt.lt(now - Duration::days(1)))
        .exec(&*txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// A successful sign-in clears the email's failures (not the client's).
pub async fn clear(db: &Db, email: &str) -> Result<()> {
    let txn = db.begin_write().await?;
    failure::Entity::delete_many()
        .filter(failure::Column::Subject.eq(format!("email:{}", email.trim().to_lowercase())))
        .exec(&*txn)
        .await?;
    txn.commit().await?;
    Ok(())
}
