//! A subscription's page for staff: the subscription, its invoices, and its timeline — one
//! chronological list of what happened to it. The timeline is gathered rather than stored:
//! the subscription's own row (created), its invoices (issued), and the audit entries whose
//! object is the subscription (lifecycle steps and plan changes), its account (suspended,
//! expired) or a payment of one of its invoices (submitted, approved, settled, rejected).
//!
//! The order is the order things were written in, not a sort by the times shown: rows carry
//! billing's clock (`Db::now`) and audit entries the wall clock they were written at, which
//! differ once billing's is moved (tests, `tollgate tick --now`). So the audit entries come in
//! their log's order, each invoice right after the step that issued it, and what no step
//! issued (a subscription made at sign-up, its first invoice) first.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder};
use serde_json::Value;

use super::SubscriptionRow;
use super::billing::subscription_row;
use crate::db::Db;
use crate::domain::lifecycle::plans;
use crate::domain::money::format_minor;
use crate::domain::{found, names};
use crate::entities::{audit_entry as entry, invoice, payment, subscription};
use crate::error::Result;

/// The account's audit entries that belong on its subscriptions' timelines.
const ACCOUNT_STEPS: [&str; 2] = ["account.suspend", "account.expire"];

#[derive(Debug)]
pub struct SubscriptionDetail {
    pub row: SubscriptionRow,
    /// Newest first.
    pub invoices: Vec<invoice::Model>,
    /// Oldest first.
    pub timeline: Vec<Event>,
    /// Whether it is its account's newest subscription: the one plan changes and
    /// cancellations act on (`plans::change_plan` and `plans::set_cancel` take the account).
    pub current: bool,
}

/// The record an event is about, for a link to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum About {
    Invoice(i64),
    Payment(i64),
}

/// One thing that happened to a subscription.
#[derive(Debug, Clone)]
pub struct Event {
    pub at: DateTime<Utc>,
    /// What happened, in a few words: "Renewal issued", "Past due", "Payment approved".
    pub what: String,
    /// The particulars: invoice numbers, periods, amounts, plans, reasons.
    pub details: String,
    pub about: Option<About>,
    /// Who did it (their email); none when tollgate did (a scheduled step, a provider event).
    pub by: Option<String>,
}

pub async fn subscription_detail(db: &Db, id: i64) -> Result<SubscriptionDetail> {
    let conn = db.conn();
    let sub: subscription::Model = found(conn, id, "Subscription").await?;
    let accounts = names::accounts(db, [sub.account_id]).await?;
    let plan_names = names::plans(db).await?;
    let invoices = invoice::Entity::find()
        .filter(invoice::Column::SubscriptionId.eq(id))
        .order_by_desc(invoice::Column::Id)
        .all(conn)
        .await?;
    let current = plans::current(conn, sub.account_id)
        .await?
        .is_some_and(|newest| newest.id == id);
    let timeline = timeline(db, &sub, &invoices, &plan_names).await?;
    Ok(SubscriptionDetail {
        row: subscription_row(sub, &accounts, &plan_names),
        invoices,
        timeline,
        current,
    })
}

/// The audit actions that issue an invoice, naming it in their `after`.
const ISSUING: [&str; 3] = [
    "subscription.create",
    "subscription.renew",
    "subscription.upgrade",
];

/// The subscription's events, oldest first.
async fn timeline(
    db: &Db,
    sub: &subscription::Model,
    invoices: &[invoice::Model],
    plan_names: &names::Names,
) -> Result<Vec<Event>> {
    let invoice_ids = invoices.iter().map(|i| i.id);
    let payments: HashMap<i64, payment::Model> = payment::Entity::find()
        .filter(payment::Column::InvoiceId.is_in(invoice_ids))
        .all(db.conn())
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let numbers: HashMap<i64, &str> = invoices
        .iter()
        .map(|i| (i.id, i.invoice_number.as_str()))
        .collect();
    let object = |kind: &str, ids: Vec<i64>| {
        Condition::all()
            .add(entry::Column::ObjectType.eq(kind))
            .add(entry::Column::ObjectId.is_in(ids))
    };
    let entries = entry::Entity::find()
        .filter(
            Condition::any()
                .add(object("subscription", vec![sub.id]))
                .add(
                    object("account", vec![sub.account_id])
                        .add(entry::Column::Action.is_in(ACCOUNT_STEPS)),
                )
                .add(object("payment", payments.keys().copied().collect())),
        )
        .order_by_asc(entry::Column::Id)
        .all(db.conn())
        .await?;
    let actors = names::emails(db, entries.iter().filter_map(|e| e.actor_id)).await?;
    let parsed = |json: &str| serde_json::from_str::<Value>(json).unwrap_or(Value::Null);
    let steps: Vec<(&entry::Model, Value)> =
        entries.iter().map(|e| (e, parsed(&e.after))).collect();

    // The invoice each issuing step names, by number or id.
    let issued_by = |e: &entry::Model, after: &Value| {
        let number = text(after, "invoice");
        let id = after.get("invoice_id").and_then(Value::as_i64);
        invoices
            .iter()
            .filter(|_| e.object_type == "subscription" && ISSUING.contains(&e.action.as_str()))
            .find(|i| Some(i.id) == id || i.invoice_number == number)
    };
    let named: Vec<i64> = steps
        .iter()
        .filter_map(|(e, after)| issued_by(e, after).map(|i| i.id))
        .collect();
    let mut events = Vec::new();
    // A subscription made at sign-up has no `subscription.create` entry: its row says when,
    // and its first invoice came with it.
    if !entries.iter().any(|e| e.action == "subscription.create") {
        events.push(Event {
            at: sub.created_at,
            what: "Created".into(),
            details: format!("{} plan", plan_names.of(sub.plan_id)),
            about: None,
            by: None,
        });
    }
    let unnamed = invoices.iter().rev().filter(|i| !named.contains(&i.id));
    events.extend(unnamed.map(issued));
    for (e, after) in &steps {
        // An account step of another of the account's subscriptions.
        let other = after.get("subscription_id").and_then(Value::as_i64);
        if e.object_type == "account" && other.is_some_and(|other| other != sub.id) {
            continue;
        }
        let (what, details, about) = match e.object_type.as_str() {
            "payment" => match payments.get(&e.object_id) {
                Some(p) => payment_step(&e.action, p, &numbers, after),
                None => continue,
            },
            _ => step(&e.action, &parsed(&e.before), after, plan_names),
        };
        events.push(Event {
            at: e.at,
            what,
            details,
            about,
            by: actors.of_some(e.actor_id),
        });
        events.extend(issued_by(e, after).map(issued));
    }
    Ok(events)
}

fn issued(i: &invoice::Model) -> Event {
    let mut details = format!(
        "{}: {}",
        i.invoice_number,
        i.purpose.as_str().replace('_', " ")
    );
    if let (Some(start), Some(end)) = (i.period_start, i.period_end) {
        details.push_str(&format!(", {} – {}", start.date_naive(), end.date_naive()));
    }
    details.push_str(&format!(
        ", {} {}, {}",
        format_minor(i.total, &i.currency),
        i.currency,
        i.status.as_str()
    ));
    Event {
        at: i.created_at,
        what: "Invoice issued".into(),
        details,
        about: Some(About::Invoice(i.id)),
        by: None,
    }
}

/// A value of an audit entry's JSON as text ("" when absent).
fn text(v: &Value, key: &str) -> String {
    match v.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// A moment of an audit entry's JSON as its date (`2027-01-04`).
fn day(v: &Value, key: &str) -> String {
    let t = text(v, key);
    match t.parse::<DateTime<Utc>>() {
        Ok(t) => t.date_naive().to_string(),
        Err(_) => t,
    }
}

/// The invoices a step voided, as a clause ("; voided INV-…"), or nothing.
fn voided(after: &Value) -> String {
    let numbers: Vec<String> = match after.get("voided") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|n| n.as_str())
            .map(str::to_owned)
            .collect(),
        Some(Value::String(n)) => vec![n.clone()],
        _ => Vec::new(),
    };
    match numbers.is_empty() {
        true => String::new(),
        false => format!("; voided {}", numbers.join(", ")),
    }
}

/// A lifecycle step of the subscription or of its account, in words.
fn step(
    action: &str,
    before: &Value,
    after: &Value,
    plan_names: &names::Names,
) -> (String, String, Option<About>) {
    let invoice = text(after, "invoice");
    let (what, details) = match action {
        "subscription.create" => (
            "Subscribed",
            format!("{} plan; first invoice {invoice}", text(after, "plan")),
        ),
        "subscription.renew" => {
            let about = after["invoice_id"].as_i64().map(About::Invoice);
            let details = format!(
                "{invoice} for {} – {} on the {} plan, due {}",
                day(after, "period_start"),
                day(after, "period_end"),
                text(after, "plan"),
                day(after, "due_date")
            );
            return ("Renewal issued".into(), details, about);
        }
        "subscription.past_due" => (
            "Past due",
            format!("{invoice} unpaid at its due date, {}", day(after, "due")),
        ),
        "account.suspend" => ("Account suspended", format!("{invoice} still unpaid")),
        "subscription.cancel" => match text(after, "reason").as_str() {
            "asked" => ("Cancelled", "At the period end, as asked".to_owned()),
            _ => ("Cancelled", format!("Renewal unpaid{}", voided(after))),
        },
        "subscription.upgrade" => (
            "Upgrade asked",
            format!(
                "{} → {}: invoice {invoice} for {}",
                text(before, "plan"),
                text(after, "plan"),
                text(after, "amount")
            ),
        ),
        "subscription.downgrade" => (
            "Downgrade scheduled",
            format!(
                "{} → {} from {}{}",
                text(before, "plan"),
                text(after, "scheduled_plan"),
                day(after, "from"),
                voided(after)
            ),
        ),
        "subscription.unschedule" => ("Scheduled change withdrawn", "Stays on its plan".to_owned()),
        "subscription.cancel_at_period_end" => (
            "Cancellation asked",
            format!("Ends on {}{}", day(after, "ends"), voided(after)),
        ),
        "subscription.resume" => (
            "Cancellation undone",
            format!("Renews on {}", day(after, "ends")),
        ),
        "subscription.plan_switch" => {
            let plan = |v: &Value| v["plan_id"].as_i64().map(|id| plan_names.of(id));
            (
                "Plan switched",
                format!(
                    "{} → {}",
                    plan(before).unwrap_or_default(),
                    plan(after).unwrap_or_default()
                ),
            )
        }
        "account.expire" => (
            "Trial expired",
            format!("The trial ended {}", day(after, "trial_ends_at")),
        ),
        other => (other, String::new()),
    };
    (what.to_owned(), details, None)
}

/// A payment's step, in words, with the payment's amount, method and reference.
fn payment_step(
    action: &str,
    p: &payment::Model,
    numbers: &HashMap<i64, &str>,
    after: &Value,
) -> (String, String, Option<About>) {
    let what = match action {
        "payment.confirm" => "Payment submitted",
        "payment.start" => "Payment started",
        "payment.approve" => "Payment approved",
        "payment.settle" => "Payment settled by its provider",
        "payment.reject" => "Payment rejected",
        "payment.fail" => "Payment failed",
        other => other,
    };
    let mut details = format!(
        "#{}: {} {} for {} by {}",
        p.id,
        format_minor(p.amount, &p.currency),
        p.currency,
        numbers.get(&p.invoice_id).copied().unwrap_or_default(),
        p.payment_method.as_str().replace('_', " ")
    );
    if let Some(reference) = &p.manual_reference {
        details.push_str(&format!(", reference {reference}"));
    }
    let reason = text(after, "failure_reason");
    if !reason.is_empty() {
        details.push_str(&format!("; reason: {reason}"));
    }
    (what.to_owned(), details, Some(About::Payment(p.id)))
}
