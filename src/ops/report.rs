//! Everything about one account, for `tollgate account show` (the guide's verification queries).

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::db::Db;
use crate::domain::payments::reviewer_email;
use crate::domain::{catalog, of_account};
use crate::entities::{account, credit_transaction, invoice, payment, plan, subscription};
use crate::error::{Error, Result};

#[derive(Debug)]
pub struct AccountReport {
    pub account: account::Model,
    pub plan: plan::Model,
    pub subscription: Option<(subscription::Model, plan::Model)>,
    pub invoices: Vec<invoice::Model>,
    /// Each payment with its reviewer's email.
    pub payments: Vec<(payment::Model, Option<String>)>,
    /// Newest first.
    pub ledger: Vec<credit_transaction::Model>,
}

pub async fn account_report(db: &Db, account_id: i64) -> Result<AccountReport> {
    let conn = db.conn();
    let account = account::Entity::find_by_id(account_id)
        .one(conn)
        .await?
        .ok_or_else(|| Error::NotFound(format!("Account {account_id} not found")))?;
    let plan = catalog::plan_by_id(conn, account.plan_id).await?;
    let subscription = match of_account::latest::<subscription::Entity>(db, account_id).await? {
        Some(sub) => {
            let sub_plan = catalog::plan_by_id(conn, sub.plan_id).await?;
            Some((sub, sub_plan))
        }
        None => None,
    };
    let invoices = invoice::Entity::find()
        .filter(invoice::Column::AccountId.eq(account_id))
        .order_by_asc(invoice::Column::Id)
        .all(conn)
        .await?;
    let mut payments = Vec::new();
    for p in payment::Entity::find()
        .filter(payment::Column::AccountId.eq(account_id))
        .order_by_asc(payment::Column::Id)
        .all(conn)
        .await?
    {
        let reviewer = reviewer_email(db, &p).await?;
        payments.push((p, reviewer));
    }
    let ledger = credit_transaction::Entity::find()
        .filter(credit_transaction::Column::AccountId.eq(account_id))
        .order_by_desc(credit_transaction::Column::Id)
        .all(conn)
        .await?;
    Ok(AccountReport {
        account,
        plan,
        subscription,
        invoices,
        payments,
        ledger,
    })
}

/// The report as text, in the order of the guide's verification queries.
pub fn render(r: &AccountReport) -> String {
    use crate::domain::money::format_minor;
    use std::fmt::Write;
    let mut out = String::new();
    let a = &r.account;
    let none = "-".to_owned();
    let _ = writeln!(out, "Account: {} (id {}, slug {})", a.name, a.id, a.slug);
    let _ = writeln!(out, "Status: {}", a.status);
    let _ = writeln!(out, "Credits: {}", a.credits);
    let _ = writeln!(out, "Plan: {}", r.plan.name);
    let _ = writeln!(
        out,
        "Billing Email: {}",
        a.billing_email.as_ref().unwrap_or(&none)
    );
    let _ = writeln!(out);
    match &r.subscription {
        Some((s, plan)) => {
            let _ = writeln!(out, "Subscription Status: {}", s.status);
            let _ = writeln!(out, "Plan: {}", plan.name);
        }
        None => {
            let _ = writeln!(out, "Subscription: none");
        }
    }
    for i in &r.invoices {
        let snapshot = crate::domain::invoices::parse_json(&i.metadata)
            .get("billing_snapshot")
            .is_some();
        let _ = writeln!(out);
        let _ = writeln!(out, "Invoice: {}", i.invoice_number);
        let _ = writeln!(out, "Status: {}", i.status);
        let _ = writeln!(
            out,
            "Total: {} {}",
            format_minor(i.total, &i.currency),
            i.currency
        );
        let _ = writeln!(out, "Has billing snapshot: {snapshot}");
    }
    for (p, reviewer) in &r.payments {
        let _ = writeln!(out);
        let _ = writeln!(out, "Payment Status: {} (id {})", p.status, p.id);
        let _ = writeln!(
            out,
            "Reference: {}",
            p.manual_reference.as_ref().unwrap_or(&none)
        );
        let _ = writeln!(out, "Approved by: {}", reviewer.as_ref().unwrap_or(&none));
        if let Some(reason) = &p.failure_reason {
            let _ = writeln!(out, "Failure reason: {reason}");
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "Credit Transactions: {}", r.ledger.len());
    let _ = writeln!(out);
    for t in &r.ledger {
        let _ = writeln!(
            out,
            "{} | {:15} | {:6} credits | Balance: {}",
            t.created_at.format("%Y-%m-%d %H:%M"),
            t.transaction_type,
            t.amount,
            t.balance_after
        );
        let _ = writeln!(out, " {}", t.description);
    }
    out
}

/// What `tollgate tick` did, one line per step.
pub fn ticked(at: chrono::DateTime<chrono::Utc>, t: &crate::domain::lifecycle::Ticked) -> String {
    let rows = [
        ("scheduled plan changes applied", t.plans_switched),
        (
            "subscriptions ended at their period end",
            t.ended_at_period_end,
        ),
        ("renewal invoices issued", t.renewals_issued),
        ("subscriptions past due", t.past_due),
        ("accounts suspended", t.suspended),
        ("subscriptions cancelled unpaid", t.cancelled),
        ("trial reminders sent", t.trial_reminders),
        ("trials expired", t.trials_expired),
    ];
    let mut out = format!(
        "Lifecycle as of {}:\n",
        at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    for (what, n) in rows {
        out.push_str(&format!("  {n:>6}  {what}\n"));
    }
    out.push_str(&format!("  {:>6}  in all\n", t.total()));
    out
}
