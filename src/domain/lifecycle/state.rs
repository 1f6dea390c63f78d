//! Where an account stands in the lifecycle, as the API and the pages show it: its status and
//! plan, its trial's end, its latest subscription with its plans, and what it has to pay.

use crate::db::Db;
use crate::domain::{catalog, found, invoices};
use crate::entities::{account, invoice, plan, subscription};
use crate::error::Result;

#[derive(Debug)]
pub struct Standing {
    pub account: account::Model,
    /// The plan the account is on.
    pub plan: plan::Model,
    /// The latest subscription, its plan, and the plan of a scheduled downgrade.
    pub subscription: Option<(subscription::Model, plan::Model, Option<plan::Model>)>,
    /// The subscription's invoices waiting for payment, oldest first.
    pub open_invoices: Vec<invoice::Model>,
}

pub async fn standing(db: &Db, account_id: i64) -> Result<Standing> {
    let conn = db.conn();
    let account: account::Model = found(conn, account_id, "Account").await?;
    let plan = catalog::plan_by_id(conn, account.plan_id).await?;
    let (subscription, open_invoices) = match super::plans::current(conn, account_id).await? {
        None => (None, Vec::new()),
        Some(sub) => {
            let sub_plan = catalog::plan_by_id(conn, sub.plan_id).await?;
            let scheduled = match sub.scheduled_plan_id {
                Some(id) => Some(catalog::plan_by_id(conn, id).await?),
                None => None,
            };
            let open = invoices::open_of_subscription(conn, sub.id).await?;
            (Some((sub, sub_plan, scheduled)), open)
        }
    };
    Ok(Standing {
        account,
        plan,
        subscription,
        open_invoices,
    })
}
