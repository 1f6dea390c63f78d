//! What staff do from a subscription's page: change its plan, cancel it at the period end or
//! undo that. The rules are the lifecycle's (`lifecycle::plans`), the same as the API's and
//! the portal's; these only check that the page's subscription is the one they act on.

use crate::db::Db;
use crate::domain::found;
use crate::domain::lifecycle::plans::{self, By, Changed};
use crate::domain::staff::StaffActor;
use crate::entities::subscription;
use crate::error::{Error, Result};

/// The account of subscription `id`, when it is the account's newest subscription: the plan
/// actions take an account and act on its newest, so an older page must not reach it.
async fn account_of_current(db: &Db, id: i64) -> Result<i64> {
    let sub: subscription::Model = found(db.conn(), id, "Subscription").await?;
    match plans::current(db.conn(), sub.account_id).await? {
        Some(newest) if newest.id != id => Err(Error::Conflict(format!(
            "Subscription #{id} is not the account's current one; change subscription #{} instead.",
            newest.id
        ))),
        _ => Ok(sub.account_id),
    }
}

/// Moves the subscription's account to the plan `slug` names (`plans::change_plan`).
pub async fn change_plan(
    db: &Db,
    staff: &StaffActor,
    id: i64,
    slug: Option<&str>,
) -> Result<Changed> {
    let account_id = account_of_current(db, id).await?;
    plans::change_plan(db, By::Staff(staff), account_id, slug).await
}

/// Cancels the subscription at its period end, or undoes that (`plans::set_cancel`).
pub async fn set_cancel(
    db: &Db,
    staff: &StaffActor,
    id: i64,
    cancel: bool,
) -> Result<subscription::Model> {
    let account_id = account_of_current(db, id).await?;
    plans::set_cancel(db, By::Staff(staff), account_id, cancel).await
}
