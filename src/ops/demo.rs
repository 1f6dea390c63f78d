//! `tollgate seed-demo`: realistic volumes for benchmarks and capacity checks — accounts on
//! every plan and in every status, their invoices, payments (pending, succeeded, failed),
//! subscriptions, about ten ledger rows each with their audit entries — written in large
//! batches. The data keeps every invariant `tollgate verify` checks.

use chrono::{Duration, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait};
use serde_json::json;

use crate::auth::password;
use crate::db::Db;
use crate::domain::{catalog, status};
use crate::entities::{
    account, audit_entry, credit_transaction as ledger, invoice, payment, subscription, user,
};
use crate::error::Result;

mod batch;
use batch::{Batch, Ids, write};

/// Accounts written per transaction.
const BATCH: i64 = 500;
/// Rows per INSERT statement (SQLite allows 32,766 bound values).
const ROWS_PER_INSERT: usize = 1000;
/// Spends per account after its grant: with the grant, ~10 ledger rows.
const SPENDS: i64 = 9;

/// Adds `accounts` demo accounts; `progress` is called with the number written so far.
pub async fn seed(db: &Db, accounts: i64, progress: impl Fn(i64)) -> Result<()> {
    let free = catalog::plan_by_slug(db, "free").await?;
    let starter = catalog::plan_by_slug(db, "starter").await?;
    let (Some(free), Some(starter)) = (free, starter) else {
        return Err(crate::error::Error::Internal(anyhow::anyhow!(
            "reference data missing"
        )));
    };
    // One real argon2id hash shared by every demo user: hashing a million passwords would
    // take hours and prove nothing. Their password is `DemoPass123!`.
    let hash = password::hash("DemoPass123!").await?;
    let mut next = Ids::load(db).await?;
    let now = Utc::now();
    let mut done = 0;
    while done < accounts {
        let n = BATCH.min(accounts - done);
        let mut b = Batch::default();
        for _ in 0..n {
            let i = next.account;
            next.account += 1;
            // 30% trial, 20% awaiting payment, 40% active, 10% with a rejected payment.
            let kind = i % 10;
            let paid = kind >= 3;
            let plan = if paid { &starter } else { &free };
            let acc_status = match kind {
                0..=2 => status::AccountStatus::Trial,
                3 | 4 | 9 => status::AccountStatus::PendingPayment,
                _ => status::AccountStatus::Active,
            };
            let created = now - Duration::minutes(i % 100_000);
            let uid = next.user;
            next.user += 1;
            b.users.push(user::ActiveModel {
                id: Set(uid),
                email: Set(format!("demo{i}@demo.test")),
                password_hash: Set(hash.clone()),
                first_name: Set("Demo".into()),
                last_name: Set(format!("{i}")),
                account_id: Set(Some(i)),
                role: Set(status::role::OWNER.into()),
                is_staff: Set(false),
                is_superuser: Set(false),
                is_active: Set(true),
                created_at: Set(created),
                last_login_at: Set(None),
            });
            let mut balance = 0;
            let mut ledger_rows = Vec::new();
            if acc_status != status::AccountStatus::PendingPayment {
                let kind_name = if paid {
                    status::CreditTransactionType::Subscription
                } else {
                    status::CreditTransactionType::Trial
                };
                balance += plan.included_credits;
                ledger_rows.push((kind_name, plan.included_credits, "Plan credits"));
                for _ in 0..SPENDS {
                    balance -= 10;
                    ledger_rows.push((
                        status::CreditTransactionType::Deduction,
                        -10,
                        "Keyword clustering (1 request)",
                    ));
                }
            }
            let mut running = 0;
            for (kind_name, amount, description) in ledger_rows {
                running += amount;
                let lid = next.ledger;
                next.ledger += 1;
                b.ledger.push(ledger::ActiveModel {
                    id: Set(lid),
                    account_id: Set(i),
                    transaction_type: Set(kind_name),
                    amount: Set(amount),
                    balance_after: Set(running),
                    description: Set(description.into()),
                    reference: Set(None),
                    created_at: Set(created),
                });
                b.audit.push(audit_row(
                    &mut next,
                    uid,
                    "demo.seed",
                    i,
                    json!({"credits": running - amount}),
                    json!({"credits": running}),
                    Some(lid),
                    created,
                ));
            }
            b.accounts.push(account::ActiveModel {
                id: Set(i),
                name: Set(format!("Demo Account {i}")),
                slug: Set(format!("demo-account-{i}")),
                owner_id: Set(None),
                plan_id: Set(plan.id),
                status: Set(acc_status),
                credits: Set(balance),
                billing_email: Set(Some(format!("billing{i}@demo.test"))),
                billing_address_line1: Set(Some(format!("{i} Demo Street"))),
                billing_address_line2: Set(None),
                billing_city: Set(Some("Karachi".into())),
                billing_state: Set(None),
                billing_postal_code: Set(None),
                billing_country: Set(Some("PK".into())),
                tax_id: Set(None),
                created_at: Set(created),
                updated_at: Set(created),
                // Demo trials never end, so that a server over demo data has no wave of work.
                trial_ends_at: Set(None),
                trial_reminders_sent: Set(0),
            });
            if paid {
                paid_records(&mut b, &mut next, i, uid, kind, &starter, created);
            }
        }
        write(db, b).await?;
        done += n;
        progress(done);
    }
    next.fix_sequences(db).await?;
    refresh_statistics(db).await
}

/// After a bulk load the query planners' statistics describe the tables as they were; refresh
/// them, as one would after any large import. SQLite samples (`analysis_limit`) so that this
/// takes seconds, not minutes, on a multi-gigabyte file. On PostgreSQL, VACUUM also merges
/// the trigram indexes' pending lists (a search read them sequentially: 16 ms instead of 13 ms
/// at a million accounts) and marks pages all-visible for index-only counts.
async fn refresh_statistics(db: &Db) -> Result<()> {
    let sql = match db.backend() {
        sea_orm::DbBackend::Sqlite => "PRAGMA analysis_limit = 1000; ANALYZE;",
        _ => "VACUUM ANALYZE",
    };
    db.conn().execute_unprepared(sql).await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn audit_row(
    next: &mut Ids,
    actor: i64,
    action: &str,
    object_id: i64,
    before: serde_json::Value,
    after: serde_json::Value,
    ledger_id: Option<i64>,
    at: chrono::DateTime<Utc>,
) -> audit_entry::ActiveModel {
    let id = next.audit;
    next.audit += 1;
    audit_entry::ActiveModel {
        id: Set(id),
        at: Set(at),
        actor_id: Set(Some(actor)),
        request_id: Set(String::new()),
        action: Set(action.into()),
        object_type: Set(if action.starts_with("payment") {
            "payment"
        } else {
            "account"
        }
        .into()),
        object_id: Set(object_id),
        before: Set(before.to_string()),
        after: Set(after.to_string()),
        ledger_id: Set(ledger_id),
    }
}

/// The subscription, invoice and payment of a paid account, as its status implies.
fn paid_records(
    b: &mut Batch,
    next: &mut Ids,
    account: i64,
    user: i64,
    kind: i64,
    plan: &crate::entities::plan::Model,
    created: chrono::DateTime<Utc>,
) {
    let active = (5..=8).contains(&kind);
    let sid = next.subscription;
    next.subscription += 1;
    b.subscriptions.push(subscription::ActiveModel {
        id: Set(sid),
        account_id: Set(account),
        plan_id: Set(plan.id),
        status: Set(if active {
            status::SubscriptionStatus::Active
        } else {
            status::SubscriptionStatus::PendingPayment
        }),
        current_period_start: Set(active.then_some(created)),
        // Renewals fall due over the weeks after seeding, at least 8 days out, a few per day.
        current_period_end: Set(active.then(|| Utc::now() + Duration::days(8 + account % 22))),
        external_payment_id: Set(active.then(|| format!("DEMO-{account}"))),
        created_at: Set(created),
        updated_at: Set(created),
        cancel_at_period_end: Set(false),
        scheduled_plan_id: Set(None),
        past_due_since: Set(None),
    });
    let iid = next.invoice;
    next.invoice += 1;
    b.invoices.push(invoice::ActiveModel {
        id: Set(iid),
        invoice_number: Set(format!("INV-{account}-{}-0001", created.format("%Y%m"))),
        account_id: Set(account),
        subscription_id: Set(Some(sid)),
        status: Set(if active {
            status::InvoiceStatus::Paid
        } else {
            status::InvoiceStatus::Pending
        }),
        currency: Set(plan.currency.clone()),
        subtotal: Set(plan.price),
        tax: Set(0),
        total: Set(plan.price),
        line_items: Set("[]".into()),
        due_date: Set(created.date_naive() + Duration::days(7)),
        paid_at: Set(active.then_some(created)),
        metadata: Set(json!({"billing_snapshot": {"billing_country": "PK"}}).to_string()),
        created_at: Set(created),
        updated_at: Set(created),
        purpose: Set(status::InvoicePurpose::Subscription),
        plan_id: Set(Some(plan.id)),
        period_start: Set(None),
        period_end: Set(None),
        package_id: Set(None),
        credits: Set(None),
    });
    // kind 3: no payment yet; 4: awaiting approval; 5–8: approved; 9: rejected.
    let payment_status = match kind {
        4 => status::PaymentStatus::PendingApproval,
        9 => status::PaymentStatus::Failed,
        k if (5..=8).contains(&k) => status::PaymentStatus::Succeeded,
        _ => return,
    };
    let pid = next.payment;
    next.payment += 1;
    let reviewed = payment_status != status::PaymentStatus::PendingApproval;
    b.payments.push(payment::ActiveModel {
        id: Set(pid),
        invoice_id: Set(iid),
        account_id: Set(account),
        amount: Set(plan.price),
        currency: Set(plan.currency.clone()),
        payment_method: Set(status::PaymentMethod::BankTransfer),
        status: Set(payment_status),
        manual_reference: Set(Some(format!("DEMO-{account}"))),
        manual_notes: Set(None),
        admin_notes: Set(None),
        approved_by_id: Set(None),
        approved_at: Set(reviewed.then_some(created)),
        failure_reason: Set(
            (payment_status == status::PaymentStatus::Failed).then(|| "Reference not found".into())
        ),
        submitted_by_id: Set(Some(user)),
        created_at: Set(created),
        updated_at: Set(created),
        // No proof: its columns are left to their default, null.
        ..Default::default()
    });
    if reviewed {
        let action = if active {
            "payment.approve"
        } else {
            "payment.reject"
        };
        b.audit.push(audit_row(
            next,
            user,
            action,
            pid,
            json!({"status": status::PaymentStatus::PendingApproval}),
            json!({"status": payment_status}),
            None,
            created,
        ));
    }
}
