//! Throttling sign-ins, per email and per client address. Counted in the database, so every
//! server sharing it enforces the same limit.
//!
//! An attempt is counted *before* its password is checked, by one upsert that increments the
//! subject's counter and returns it: parallel attempts each see the ones before them, so at
//! most the limit of passwords is ever verified in a window, however many arrive at once. A
//! successful sign-in gives its attempt back (and clears the email's count), so only failures
//! — and sign-ins still being checked — use up the limit.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Alias, CaseStatement, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::db::Db;
use crate::entities::login_attempt as attempt;
use crate::error::{Error, Result};

/// The window attempts are counted in, from the first one.
pub const WINDOW_MINUTES: i64 = 15;
/// Attempts allowed per email in the window (a targeted guess at one account).
pub const PER_EMAIL: i32 = 5;
/// Attempts allowed per client address in the window (one client guessing many accounts).
pub const PER_CLIENT: i32 = 30;

const TOO_MANY: &str = "Too many failed sign-in attempts. Try again later.";

fn email_subject(email: &str) -> String {
    format!("email:{}", email.trim().to_lowercase())
}

fn subjects(email: &str, client: Option<IpAddr>) -> Vec<(String, i32)> {
    let mut subjects = vec![(email_subject(email), PER_EMAIL)];
    if let Some(ip) = client {
        subjects.push((format!("client:{ip}"), PER_CLIENT));
    }
    subjects
}

/// An attempt counted against its subjects, to be given back if the sign-in succeeds.
#[derive(Debug)]
pub struct Reservation {
    email: String,
    client: Option<String>,
}

/// Counts one attempt against the email and the client, or refuses (429, with when to retry)
/// when either is at its limit; then nothing is counted and no password may be checked.
pub async fn reserve(db: &Db, email: &str, client: Option<IpAddr>) -> Result<Reservation> {
    let now = Utc::now();
    let txn = db.begin_write().await?;
    for (subject, limit) in subjects(email, client) {
        let (attempts, started) = count_attempt(&*txn, &subject, now).await?;
        if attempts > limit {
            // Dropping the transaction takes back what this call counted.
            let ends = started + Duration::minutes(WINDOW_MINUTES);
            return Err(Error::TooManyRequests {
                message: TOO_MANY.into(),
                retry_after_secs: Ord::max((ends - now).num_seconds(), 1) as u64,
            });
        }
    }
    txn.commit().await?;
    Ok(Reservation {
        email: email_subject(email),
        client: client.map(|ip| format!("client:{ip}")),
    })
}

/// `attempts + 1` in the subject's current window (a new window when the last one is over),
/// returning the count and when the window started.
async fn count_attempt<C: ConnectionTrait>(
    txn: &C,
    subject: &str,
    now: DateTime<Utc>,
) -> Result<(i32, DateTime<Utc>)> {
    let table = Alias::new("login_attempts");
    let col = |name: &str| Expr::col((table.clone(), Alias::new(name)));
    let expired = || col("window_started_at").lte(now - Duration::minutes(WINDOW_MINUTES));
    let stmt = Query::insert()
        .into_table(attempt::Entity)
        .columns([
            attempt::Column::Subject,
            attempt::Column::WindowStartedAt,
            attempt::Column::Attempts,
        ])
        .values_panic([subject.into(), now.into(), 1.into()])
        .on_conflict(
            OnConflict::column(attempt::Column::Subject)
                .value(
                    attempt::Column::Attempts,
                    CaseStatement::new()
                        .case(expired(), 1)
                        .finally(col("attempts").add(1)),
                )
                .value(
                    attempt::Column::WindowStartedAt,
                    CaseStatement::new()
                        .case(expired(), now)
                        .finally(col("window_started_at")),
                )
                .to_owned(),
        )
        .returning(
            Query::returning()
                .columns([attempt::Column::Attempts, attempt::Column::WindowStartedAt]),
        )
        .to_owned();
    let row = txn
        .query_one(&stmt)
        .await?
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("upsert returned no row")))?;
    Ok((
        row.try_get("", "attempts")?,
        row.try_get("", "window_started_at")?,
    ))
}

/// A successful sign-in: the email's count is cleared and the client's attempt given back, in
/// the caller's transaction.
pub async fn succeeded<C: ConnectionTrait>(txn: &C, reservation: &Reservation) -> Result<()> {
    attempt::Entity::delete_by_id(reservation.email.clone())
        .exec(txn)
        .await?;
    if let Some(client) = &reservation.client {
        attempt::Entity::update_many()
            .col_expr(
                attempt::Column::Attempts,
                Expr::col(attempt::Column::Attempts).sub(1),
            )
            .filter(attempt::Column::Subject.eq(client.as_str()))
            .filter(attempt::Column::Attempts.gt(0))
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// Forgets windows that ended a day ago or more (housekeeping).
pub async fn purge(db: &Db) -> Result<u64> {
    let txn = db.begin_write().await?;
    let gone = attempt::Entity::delete_many()
        .filter(attempt::Column::WindowStartedAt.lt(Utc::now() - Duration::days(1)))
        .exec(&*txn)
        .await?
        .rows_affected;
    txn.commit().await?;
    Ok(gone)
}
