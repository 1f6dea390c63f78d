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
use crate::domain::status::{InvoicePurpose, InvoiceStatus, PaymentMethod};
use crate::entities::{
    account, invoice, invoice_sequence as seq, plan, subscription, top_up_package,
};
use crate::error::{Error, Result};

/// Days a customer has to pay an invoice.
pub const DUE_DAYS: u64 = 7;

/// Where an invoice's metadata names the method chosen to pay it (a top-up's).
const METHOD_KEY: &str = "payment_method";

/// The next number in the account's month: `INV-{account}-{YYYYMM}-{NNNN}`.
pub async fn next_number<C: ConnectionTrait>(
    txn: &C,
    account_id: i64,
    now: DateTime<Utc>,
) -> Result<String> {
    let period = now.format("%Y%m").to_string();
    let n = next_in(txn, account_id, period.clone()).await?;
    Ok(format!("INV-{account_id}-{period}-{n:04}"))
}

/// The next credit-note number in the account's month: `CN-{account}-{YYYYMM}-{NNNN}`,
/// counted apart from invoices (under the period key `CN-{YYYYMM}`).
pub async fn next_credit_note_number<C: ConnectionTrait>(
    txn: &C,
    account_id: i64,
    now: DateTime<Utc>,
) -> Result<String> {
    let period = now.format("%Y%m").to_string();
    let n = next_in(txn, account_id, format!("CN-{period}")).await?;
    Ok(format!("CN-{account_id}-{period}-{n:04}"))
}

/// Increments and returns the account's counter under `key`, in one upsert, so concurrent
/// issuers each get their own number and a rolled-back document also rolls back its number
/// (gap-free).
async fn next_in<C: ConnectionTrait>(txn: &C, account_id: i64, key: String) -> Result<i64> {
    let row = seq::Entity::insert(seq::ActiveModel {
        account_id: Set(account_id),
        period: Set(key),
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
    Ok(row.last_number)
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
    let (description, total) = bill.line;
    let draft = Draft {
        purpose: bill.purpose,
        subscription_id: Some(subscription.id),
        currency: &bill.plan.currency,
        line: (description, total),
        plan_id: Some(bill.plan.id),
        package: None,
        method: None,
        period: bill.period,
        due: bill.due,
    };
    insert(txn, account, draft, now).await
}

/// Issues the invoice of a credit top-up: one line, the package's price, due in
/// [`DUE_DAYS`]; the credits it grants when paid are copied onto it.
pub async fn issue_top_up<C: ConnectionTrait>(
    txn: &C,
    account: &account::Model,
    package: &top_up_package::Model,
    now: DateTime<Utc>,
) -> Result<invoice::Model> {
    top_up(txn, account, package, None, now).await
}

/// [`issue_top_up`] for a customer who chose how to pay it: the method is kept in the
/// invoice's metadata (`payment_method`), so its page and mail give that method's payee
/// details rather than the account's default's (a trial account has none).
pub async fn issue_top_up_by<C: ConnectionTrait>(
    txn: &C,
    account: &account::Model,
    package: &top_up_package::Model,
    method: PaymentMethod,
    now: DateTime<Utc>,
) -> Result<invoice::Model> {
    top_up(txn, account, package, Some(method), now).await
}

async fn top_up<C: ConnectionTrait>(
    txn: &C,
    account: &account::Model,
    package: &top_up_package::Model,
    method: Option<PaymentMethod>,
    now: DateTime<Utc>,
) -> Result<invoice::Model> {
    let draft = Draft {
        purpose: InvoicePurpose::TopUp,
        subscription_id: None,
        currency: &package.currency,
        line: (format!("Credit top-up: {}", package.name), package.price),
        plan_id: None,
        package: Some((package.id, package.credits)),
        method,
        period: None,
        due: now.date_naive() + Days::new(DUE_DAYS),
    };
    insert(txn, account, draft, now).await
}

/// Any invoice, before it has a number: what [`issue`] and [`issue_top_up`] fill in.
struct Draft<'a> {
    purpose: InvoicePurpose,
    subscription_id: Option<i64>,
    currency: &'a str,
    line: (String, i64),
    plan_id: Option<i64>,
    /// A top-up's package and its credits.
    package: Option<(i64, i64)>,
    /// The method the customer chose to pay it by, when they chose one.
    method: Option<PaymentMethod>,
    period: Option<(DateTime<Utc>, DateTime<Utc>)>,
    due: NaiveDate,
}

async fn insert<C: ConnectionTrait>(
    txn: &C,
    account: &account::Model,
    draft: Draft<'_>,
    now: DateTime<Utc>,
) -> Result<invoice::Model> {
    let number = next_number(txn, account.id, now).await?;
    let (description, total) = draft.line;
    let amount = format_minor(total, draft.currency);
    let line_items = json!([{
        "description": description,
        "quantity": 1,
        "unit_price": amount,
        "amount": amount,
    }]);
    let mut metadata = json!({ "billing_snapshot": billing_snapshot(account) });
    if let Some(method) = draft.method {
        metadata[METHOD_KEY] = json!(method);
    }
    Ok(invoice::ActiveModel {
        invoice_number: Set(number),
        account_id: Set(account.id),
        subscription_id: Set(draft.subscription_id),
        status: Set(InvoiceStatus::Pending),
        currency: Set(draft.currency.to_owned()),
        subtotal: Set(total),
        tax: Set(0),
        total: Set(total),
        line_items: Set(line_items.to_string()),
        due_date: Set(draft.due),
        paid_at: Set(None),
        metadata: Set(metadata.to_string()),
        created_at: Set(now),
        updated_at: Set(now),
        purpose: Set(draft.purpose),
        plan_id: Set(draft.plan_id),
        period_start: Set(draft.period.map(|p| p.0)),
        period_end: Set(draft.period.map(|p| p.1)),
        package_id: Set(draft.package.map(|p| p.0)),
        credits: Set(draft.package.map(|p| p.1)),
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

/// The method chosen to pay `invoice` when it was issued (a top-up's), if one was.
pub fn chosen_method(invoice: &invoice::Model) -> Option<PaymentMethod> {
    let metadata = parse_json(&invoice.metadata);
    metadata[METHOD_KEY].as_str().and_then(PaymentMethod::parse)
}

/// How to pay `invoice`: the method chosen for it as configured for the account's country
/// when that is still offered there, otherwise the account's default
/// ([`payment_instructions`]).
pub async fn payment_instructions_for(
    db: &Db,
    account: &account::Model,
    invoice: &invoice::Model,
) -> Result<Option<crate::entities::payment_method_config::Model>> {
    if let Some(method) = chosen_method(invoice) {
        let country = account.billing_country.as_deref();
        if let Some(config) = crate::domain::catalog::payment_method(db, country, method).await? {
            return Ok(Some(config));
        }
    }
    payment_instructions(db, account).await
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
