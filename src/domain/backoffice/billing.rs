//! Staff reads of the billing records: invoices (with line items and the billing snapshot),
//! subscriptions and the credit ledger.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select};
use serde_json::Value;

use super::{
    account_names, accounts_named, choice, count_by, newest_first, plan_names, plan_with_slug,
};
use crate::db::Db;
use crate::domain::page::search_term;
use crate::domain::page::{self, Page, PageRequest};
use crate::domain::payment_queue::{self, PaymentRow};
use crate::domain::search::contains;
use crate::domain::status::{CreditTransactionType, InvoiceStatus, SubscriptionStatus};
use crate::domain::{catalog, invoices};
use crate::entities::{credit_transaction as ledger, invoice, payment, subscription};
use crate::error::{Error, Result};

// ---- Invoices --------------------------------------------------------------------------------

#[derive(Debug, Default, Clone)]
pub struct InvoiceFilter {
    pub status: Option<String>,
    pub account_id: Option<i64>,
    /// Invoice number or account name.
    pub search: Option<String>,
    /// `id`, `number`, `status`, `total`, `due`, `paid`, `created`; `-` first for descending.
    pub sort: Option<String>,
}

const INVOICE_SORT: [(&str, invoice::Column); 7] = [
    ("id", invoice::Column::Id),
    ("number", invoice::Column::InvoiceNumber),
    ("status", invoice::Column::Status),
    ("total", invoice::Column::Total),
    ("due", invoice::Column::DueDate),
    ("paid", invoice::Column::PaidAt),
    ("created", invoice::Column::CreatedAt),
];

#[derive(Debug)]
pub struct InvoiceRow {
    pub invoice: invoice::Model,
    pub account_name: String,
}

fn invoices_filtered(f: &InvoiceFilter, with_status: bool) -> Result<Select<invoice::Entity>> {
    let mut select = invoice::Entity::find();
    let wanted = choice::<InvoiceStatus>(&f.status, "status")?;
    if let Some(s) = wanted.filter(|_| with_status) {
        select = select.filter(invoice::Column::Status.eq(s));
    }
    if let Some(id) = f.account_id {
        select = select.filter(invoice::Column::AccountId.eq(id));
    }
    if let Some(term) = search_term(&f.search) {
        select = select.filter(
            Condition::any()
                .add(contains(
                    (invoice::Entity, invoice::Column::InvoiceNumber),
                    term,
                ))
                .add(invoice::Column::AccountId.in_subquery(accounts_named(term))),
        );
    }
    Ok(select)
}

pub async fn invoices(db: &Db, f: &InvoiceFilter, req: PageRequest) -> Result<Page<InvoiceRow>> {
    let select = invoices_filtered(f, true)?;
    let select = newest_first(select, &INVOICE_SORT, &f.sort, invoice::Column::Id)?;
    let page = page::fetch(select, db.conn(), req).await?;
    let names = account_names(db, page.items.iter().map(|i| i.account_id)).await?;
    Ok(page.map(|invoice| InvoiceRow {
        account_name: names.get(&invoice.account_id).cloned().unwrap_or_default(),
        invoice,
    }))
}

pub async fn invoice_status_counts(db: &Db, f: &InvoiceFilter) -> Result<HashMap<String, u64>> {
    count_by(db, invoices_filtered(f, false)?, invoice::Column::Status).await
}

/// One line of an invoice, as text (amounts are stored as decimal strings).
#[derive(Debug)]
pub struct LineItem {
    pub description: String,
    pub quantity: String,
    pub unit_price: String,
    pub amount: String,
}

#[derive(Debug)]
pub struct InvoiceDetail {
    pub invoice: invoice::Model,
    pub account_name: String,
    pub line_items: Vec<LineItem>,
    /// The account's billing fields as copied at issue time, in stored order.
    pub billing_snapshot: Vec<(String, Option<String>)>,
    pub payments: Vec<PaymentRow>,
}

/// A JSON value as text; null is none.
fn json_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

pub async fn invoice_detail(db: &Db, id: i64) -> Result<InvoiceDetail> {
    let invoice = invoice::Entity::find_by_id(id)
        .one(db.conn())
        .await?
        .ok_or_else(|| Error::NotFound("Invoice not found".into()))?;
    let names = account_names(db, std::iter::once(invoice.account_id)).await?;
    let items = invoices::parse_json(&invoice.line_items);
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
    let metadata = invoices::parse_json(&invoice.metadata);
    let billing_snapshot = metadata["billing_snapshot"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), json_text(v)))
        .collect();
    let payment_ids: Vec<i64> = payment::Entity::find()
        .select_only()
        .column(payment::Column::Id)
        .filter(payment::Column::InvoiceId.eq(id))
        .into_tuple()
        .all(db.conn())
        .await?;
    let mut payments = payment_queue::rows_by_ids(db, &payment_ids).await?;
    payments.reverse();
    Ok(InvoiceDetail {
        account_name: names.get(&invoice.account_id).cloned().unwrap_or_default(),
        invoice,
        line_items,
        billing_snapshot,
        payments,
    })
}

// ---- Subscriptions ---------------------------------------------------------------------------

#[derive(Debug, Default, Clone)]
pub struct SubscriptionFilter {
    pub status: Option<String>,
    /// A plan's slug.
    pub plan: Option<String>,
    pub account_id: Option<i64>,
    /// Account name or external payment id.
    pub search: Option<String>,
    /// `id`, `status`, `start`, `end`, `created`; `-` first for descending.
    pub sort: Option<String>,
}

const SUBSCRIPTION_SORT: [(&str, subscription::Column); 5] = [
    ("id", subscription::Column::Id),
    ("status", subscription::Column::Status),
    ("start", subscription::Column::CurrentPeriodStart),
    ("end", subscription::Column::CurrentPeriodEnd),
    ("created", subscription::Column::CreatedAt),
];

#[derive(Debug)]
pub struct SubscriptionRow {
    pub subscription: subscription::Model,
    pub account_name: String,
    pub plan_name: String,
}

fn subscriptions_filtered(
    f: &SubscriptionFilter,
    with_status: bool,
) -> Result<Select<subscription::Entity>> {
    let mut select = subscription::Entity::find();
    let wanted = choice::<SubscriptionStatus>(&f.status, "status")?;
    if let Some(s) = wanted.filter(|_| with_status) {
        select = select.filter(subscription::Column::Status.eq(s));
    }
    if let Some(slug) = f.plan.as_deref().filter(|s| !s.is_empty()) {
        select = select.filter(subscription::Column::PlanId.in_subquery(plan_with_slug(slug)));
    }
    if let Some(id) = f.account_id {
        select = select.filter(subscription::Column::AccountId.eq(id));
    }
    if let Some(term) = search_term(&f.search) {
        let reference = (
            subscription::Entity,
            subscription::Column::ExternalPaymentId,
        );
        select = select.filter(
            Condition::any()
                .add(contains(reference, term))
                .add(subscription::Column::AccountId.in_subquery(accounts_named(term))),
        );
    }
    Ok(select)
}

pub async fn subscriptions(
    db: &Db,
    f: &SubscriptionFilter,
    req: PageRequest,
) -> Result<Page<SubscriptionRow>> {
    let select = subscriptions_filtered(f, true)?;
    let select = newest_first(
        select,
        &SUBSCRIPTION_SORT,
        &f.sort,
        subscription::Column::Id,
    )?;
    let page = page::fetch(select, db.conn(), req).await?;
    let names = account_names(db, page.items.iter().map(|s| s.account_id)).await?;
    let plans = plan_names(db).await?;
    Ok(page.map(|subscription| SubscriptionRow {
        account_name: names
            .get(&subscription.account_id)
            .cloned()
            .unwrap_or_default(),
        plan_name: plans
            .get(&subscription.plan_id)
            .cloned()
            .unwrap_or_default(),
        subscription,
    }))
}

pub async fn subscription_status_counts(
    db: &Db,
    f: &SubscriptionFilter,
) -> Result<HashMap<String, u64>> {
    count_by(
        db,
        subscriptions_filtered(f, false)?,
        subscription::Column::Status,
    )
    .await
}

/// A subscription with the invoices issued for it (newest first).
pub async fn subscription_detail(
    db: &Db,
    id: i64,
) -> Result<(SubscriptionRow, Vec<invoice::Model>)> {
    let subscription = subscription::Entity::find_by_id(id)
        .one(db.conn())
        .await?
        .ok_or_else(|| Error::NotFound("Subscription not found".into()))?;
    let names = account_names(db, std::iter::once(subscription.account_id)).await?;
    let plan = catalog::plan_by_id(db.conn(), subscription.plan_id).await?;
    let invoices = invoice::Entity::find()
        .filter(invoice::Column::SubscriptionId.eq(id))
        .order_by_desc(invoice::Column::Id)
        .all(db.conn())
        .await?;
    let row = SubscriptionRow {
        account_name: names
            .get(&subscription.account_id)
            .cloned()
            .unwrap_or_default(),
        plan_name: plan.name,
        subscription,
    };
    Ok((row, invoices))
}

// ---- The credit ledger -----------------------------------------------------------------------

#[derive(Debug, Default, Clone)]
pub struct LedgerFilter {
    pub transaction_type: Option<String>,
    pub account_id: Option<i64>,
    /// Account name or description.
    pub search: Option<String>,
    /// `id`, `type`, `amount`, `created`; `-` first for descending.
    pub sort: Option<String>,
}

const LEDGER_SORT: [(&str, ledger::Column); 4] = [
    ("id", ledger::Column::Id),
    ("type", ledger::Column::TransactionType),
    ("amount", ledger::Column::Amount),
    ("created", ledger::Column::CreatedAt),
];

#[derive(Debug)]
pub struct LedgerRow {
    pub entry: ledger::Model,
    pub account_name: String,
}

fn ledger_filtered(f: &LedgerFilter, with_type: bool) -> Result<Select<ledger::Entity>> {
    let mut select = ledger::Entity::find();
    let wanted = choice::<CreditTransactionType>(&f.transaction_type, "type")?;
    if let Some(kind) = wanted.filter(|_| with_type) {
        select = select.filter(ledger::Column::TransactionType.eq(kind));
    }
    if let Some(id) = f.account_id {
        select = select.filter(ledger::Column::AccountId.eq(id));
    }
    if let Some(term) = search_term(&f.search) {
        select = select.filter(
            Condition::any()
                .add(contains(
                    (ledger::Entity, ledger::Column::Description),
                    term,
                ))
                .add(ledger::Column::AccountId.in_subquery(accounts_named(term))),
        );
    }
    Ok(select)
}

pub async fn ledger_entries(
    db: &Db,
    f: &LedgerFilter,
    req: PageRequest,
) -> Result<Page<LedgerRow>> {
    let select = newest_first(
        ledger_filtered(f, true)?,
        &LEDGER_SORT,
        &f.sort,
        ledger::Column::Id,
    )?;
    let page = page::fetch(select, db.conn(), req).await?;
    let names = account_names(db, page.items.iter().map(|t| t.account_id)).await?;
    Ok(page.map(|entry| LedgerRow {
        account_name: names.get(&entry.account_id).cloned().unwrap_or_default(),
        entry,
    }))
}

pub async fn ledger_type_counts(db: &Db, f: &LedgerFilter) -> Result<HashMap<String, u64>> {
    count_by(
        db,
        ledger_filtered(f, false)?,
        ledger::Column::TransactionType,
    )
    .await
}

pub async fn ledger_entry(db: &Db, id: i64) -> Result<LedgerRow> {
    let entry = ledger::Entity::find_by_id(id)
        .one(db.conn())
        .await?
        .ok_or_else(|| Error::NotFound("Credit transaction not found".into()))?;
    let names = account_names(db, std::iter::once(entry.account_id)).await?;
    Ok(LedgerRow {
        account_name: names.get(&entry.account_id).cloned().unwrap_or_default(),
        entry,
    })
}
