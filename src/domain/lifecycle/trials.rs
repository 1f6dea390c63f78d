//! Free trials: reminder mails before the trial ends (each once, counted on the account), and
//! at its end a trial account that has not moved to a paid plan becomes `expired` — its
//! credits kept but not spendable, its sites read-only — until a plan is paid for.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use super::steps::{each_due, page_of};
use crate::db::Db;
use crate::domain::status::{AccountStatus, Lifecycle};
use crate::domain::{audit, found, notify};
use crate::entities::account;
use crate::error::Result;

/// Trial accounts ending by `until` that have had fewer than `reminded` reminders (all, when
/// none), a page after `after`.
async fn ending_by(
    db: &Db,
    until: DateTime<Utc>,
    reminded: Option<i32>,
    after: i64,
) -> Result<Vec<i64>> {
    let mut query = account::Entity::find()
        .filter(account::Column::Status.eq(AccountStatus::Trial))
        .filter(account::Column::TrialEndsAt.lte(until));
    if let Some(reminded) = reminded {
        query = query.filter(account::Column::TrialRemindersSent.lt(reminded));
    }
    page_of(db, query, account::Column::Id, after).await
}

/// Sends the reminders due, `days` before the end. Reminder `k` (by days, largest first) goes
/// to trials ending within its days that have had fewer than `k + 1`; the latest due is sent
/// first, so a trial whose earlier reminder's day was missed gets only the later one.
pub(super) async fn remind(db: &Db, now: DateTime<Utc>, days: &[i64]) -> Result<u64> {
    let mut days = days.to_vec();
    days.sort_unstable_by(|a, b| b.cmp(a));
    days.dedup();
    let mut sent = 0;
    for (k, &before) in days.iter().enumerate().rev() {
        let number = i32::try_from(k + 1).unwrap_or(i32::MAX);
        let due = |after| ending_by(db, now + Duration::days(before), Some(number), after);
        sent += each_due("trial_reminder", due, |id| async move {
            let txn = db.begin_write().await?;
            let account: account::Model = found(&*txn, id, "Account").await?;
            let Some(ends) = account.trial_ends_at.filter(|end| *end > now) else {
                return Ok(false);
            };
            let counted = account::Entity::update_many()
                .col_expr(account::Column::TrialRemindersSent, number.into())
                .filter(account::Column::Id.eq(id))
                .filter(account::Column::Status.eq(AccountStatus::Trial))
                .filter(account::Column::TrialRemindersSent.eq(account.trial_reminders_sent))
                .filter(account::Column::TrialRemindersSent.lt(number))
                .exec(&*txn)
                .await?;
            if counted.rows_affected == 0 {
                return Ok(false);
            }
            // Whole days left, counting a started one.
            let left = (ends - now).num_seconds().div_euclid(86_400) + 1;
            notify::trial_ending(&*txn, &account, left.min(before)).await?;
            txn.commit().await?;
            Ok(true)
        })
        .await?;
    }
    Ok(sent)
}

/// Trials that ended become `expired`.
pub(super) async fn expire(db: &Db, now: DateTime<Utc>) -> Result<u64> {
    let due = |after| ending_by(db, now, None, after);
    each_due("trial_expiry", due, |id| async move {
        let txn = db.begin_write().await?;
        let expired = AccountStatus::Expired;
        let moved = account::Entity::update_many()
            .col_expr(account::Column::Status, expired.into())
            .col_expr(account::Column::UpdatedAt, now.into())
            .filter(account::Column::Id.eq(id))
            .filter(account::Column::Status.is_in(AccountStatus::sources_of(expired)))
            .filter(account::Column::TrialEndsAt.lte(now))
            .exec_with_returning(&*txn)
            .await?
            .into_iter()
            .next();
        let Some(account) = moved else {
            return Ok(false);
        };
        audit::record(
            &*txn,
            audit::Action {
                actor: None,
                action: "account.expire",
                object_type: "account",
                object_id: id,
                before: json!({"status": AccountStatus::Trial}),
                after: json!({"status": expired, "trial_ends_at": account.trial_ends_at,
                              "credits": account.credits}),
                ledger_id: None,
            },
        )
        .await?;
        notify::trial_expired(&*txn, &account).await?;
        txn.commit().await?;
        Ok(true)
    })
    .await
}
