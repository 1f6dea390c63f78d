//! Invoices: numbering, the billing snapshot, issuing, and reading them back.

use chrono::{DateTime, Days, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait,
    QueryFilter, QueryOrder,
};
use serde_json::{Value, json};

use crate::db::Db;
use crate::domain::money::format_minor;
use crate::domain::status::{InvoicePurpose, InvoiceStatus};
use crate::entities::{account, invoice, invoice_sequence as seq, plan, subscription};
use crate::error::{Error, Result};

/// Days a customer has to pay an invoice.
pub const DUE_DAYS: u64 = 7;

/// The next number in the account's month: `INV-{account}-{YYYYMM}-{NNNN}`.
///
/// One upsert that increments and returns the counter, so concurrent issuers each get their
/// own number and a rolled-back invoice also rolls back its number (gap-free).
pub async fn next_number<C: ConnectionTrait>(
    txn: &C,
    account_id: i64,
    now: DateTime<Utc>,
) -> Result<String> {
    let period = now.format("%Y%m").to_string();
    let row = seq::Entity::insert(seq::ActiveModel {
        account_id: Set(account_id),
        period: Set(period.clone()),
        last_number: Set(1),
    })
    .on_conflict(
        OnConflict::columns([seq::Column::AccountId, seq::Column::Period])
            .value(
                seq::Column::LastNumber,
                Expr::col((seq::Entity, seq::Column::LastNumber)).add(1),
            )
            .to_owned(),
    )
    .exec_with_returning(txn)
    .await?;
    Ok(format!("INV-{account_id}-{period}-{:04}", row.last_number))
}

/// The account's billing fields as they are now; stored in the invoice and never updated.
pub fn billing_snapshot(account: &account::Model) -> Value {
    json!({
        "name": account.name,
        "billing_email": account.billing_email,
        "billing_address_line1": account.billing_address_line1,
        "billing_address_line2": account.billing_address_line2,
        "billing_city": account.billing_city,
        "billing_state": account.billing_state,
        "billing_postal_code": account.billing_postal_code,
        "billing_country": account.billing_country,
        "tax_id": account.tax_id,
    })
}

/// What an invoice bills, before it has a number.
pub struct Bill<'a> {
    pub purpose: InvoicePurpose,
    /// The plan it is for.
    pub plan: &'a plan::Model,
    /// One line: its description and amount (in `plan.currency`).
    pub line: (String, i64),
    /// The period it pays, for renewals and plan changes.
    pub period: Option<(DateTime<Utc>, DateTime<Utc>)>,
    pub due: NaiveDate,
}

impl<'a> Bill<'a> {
    /// One period of `plan`, due in [`DUE_DAYS`]: a new subscription's first invoice.
    pub fn first_period(plan: &'a plan::Model, now: DateTime<Utc>) -> Bill<'a> {
        Bill {
            purpose: InvoicePurpose::Subscription,
            plan,
            line: (
                format!("{} plan ({})", plan.name, plan.billing_cycle),
                plan.price,
            ),
            period: None,
            due: now.date_naive() + Days::new(DUE_DAYS),
        }
    }
}

/// Issues `bill` to the account for `subscription` (inside the caller's transaction), numbered
/// in the account's month of `now`, with the account's billing fields of this moment.
pub async fn issue<C: ConnectionTrait>(
    txn: &C,
    account: &account::Model,
    subscription: &subscription::Model,
    bill: Bill<'_>,
    now: DateTime<Utc>,
) -> Result<invoice::Model> {
    let number = next_number(txn, account.id, now).await?;
    let (description, total) = bill.line;
    let amount = format_minor(total, &bill.plan.currency);
    let line_items = json!([{
        "description": description,
        "quantity": 1,
        "unit_price": amount,
        "amount": amount,
    }]);
    let metadata = json!({ "billing_snapshot": billing_snapshot(account) });
    Ok(invoice::ActiveModel {
        invoice_number: Set(number),
        account_id: Set(account.id),
        subscription_id: Set(Some(subscription.id)),
        status: Set(InvoiceStatus::Pending),
        currency: Set(bill.plan.currency.clone()),
        subtotal: Set(total),
        tax: Set(0),
        total: Set(total),
        line_items: Set(line_items.to_string()),
        due_date: Set(bill.due),
        paid_at: Set(None),
        metadata: Set(metadata.to_string()),
        created_at: Set(now),
        updated_at: Set(now),
        purpose: Set(bill.purpose),
        plan_id: Set(Some(bill.plan.id)),
        period_start: Set(bill.period.map(|p| p.0)),
        period_end: Set(bill.period.map(|p| p.1)),
        ..Default::default()
    }
    .insert(txn)
    .await?)
}

/// The subscription's invoices still waiting for payment, oldest first.
pub async fn open_of_subscription<C: ConnectionTrait>(
    conn: &C,
    subscription_id: i64,
) -> Result<Vec<invoice::Model>> {
    Ok(invoice::Entity::find()
        .filter(invoice::Column::SubscriptionId.eq(subscription_id))
        .filter(invoice::Column::Status.eq(InvoiceStatus::Pending))
        .order_by_asc(invoice::Column::Id)
        .all(conn)
        .await?)
}

/// One of the account's invoices. Another account's invoice is "not found", exactly like a
/// missing one.
pub async fn get_for_account(db: &Db, account_id: i64, id: i64) -> Result<invoice::Model> {
    invoice::Entity::find_by_id(id)
        .filter(invoice::Column::AccountId.eq(account_id))
        .one(db.conn())
        .await?
        .ok_or_else(|| Error::NotFound("Invoice not found".into()))
}

/// Parses a stored JSON text column; a corrupt value reads as JSON null rather than failing.
pub fn parse_json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

/// How to pay the account's invoices: its default payment method as configured for its
/// billing country.
pub async fn payment_instructions(
    db: &Db,
    account: &account::Model,
) -> Result<Option<crate::entities::payment_method_config::Model>> {
    use crate::entities::account_payment_method as apm;
    let method = apm::Entity::find()
        .filter(apm::Column::AccountId.eq(account.id))
        .order_by_desc(apm::Column::IsDefault)
        .order_by_asc(apm::Column::Id)
        .one(db.conn())
        .await?;
    match method {
        Some(m) => {
            crate::domain::catalog::payment_method(
                db,
                account.billing_country.as_deref(),
                m.method_type,
            )
            .await
        }
        None => Ok(None),
    }
}

/// One line of an invoice, as text (amounts are stored as decimal strings).
#[derive(Debug)]
pub struct LineItem {
    pub description: String,
    pub quantity: String,
    pub unit_price: String,
    pub amount: String,
}

/// What an invoice says beyond its columns: its lines, and the account's billing fields as
/// copied when it was issued, in stored order.
#[derive(Debug)]
pub struct Contents {
    pub line_items: Vec<LineItem>,
    pub billing_snapshot: Vec<(String, Option<String>)>,
}

/// A JSON value as text; null is none.
fn json_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

pub fn contents(invoice: &invoice::Model) -> Contents {
    let items = parse_json(&invoice.line_items);
    let text = |item: &Value, key: &str| json_text(&item[key]).unwrap_or_default();
    let line_items = items
        .as_array()
        .into_iter()
        .flatten()
        .map(|item| LineItem {
            description: text(item, "description"),
            quantity: text(item, "quantity"),
            unit_price: text(item, "unit_price"),
            amount: text(item, "amount"),
        })
        .collect();
    let metadata = parse_json(&invoice.metadata);
    let billing_snapshot = metadata["billing_snapshot"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), json_text(v)))
        .collect();
    Contents {
        line_items,
        billing_snapshot,
    }
}
