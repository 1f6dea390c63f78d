//! Staff reads of the billing records: invoices (with line items and the billing snapshot),
//! subscriptions and the credit ledger. A subscription's page, with its timeline, is in
//! `timeline.rs`.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use sea_orm::{QueryTrait, Select};

use super::plan_with_slug;
use crate::db::Db;
use crate::domain::invoices::{self, LineItem};
use crate::domain::page::{Counts, ListSpec, Listing, Page, PageRequest, choice, given, list_spec};
use crate::domain::payment_queue::{self, PaymentRow};
use crate::domain::search::{self, accounts_named};
use crate::domain::status::{CreditTransactionType, InvoiceStatus, SubscriptionStatus};
use crate::domain::{found, names, refunds, status_counts};
use crate::entities::{credit_note, credit_transaction as ledger, invoice, payment, subscription};
use crate::error::Result;

// ---- Invoices --------------------------------------------------------------------------------

#[derive(Debug, Default, Clone)]
pub struct InvoiceFilter {
    pub status: Option<String>,
    pub account_id: Option<i64>,
    /// Searches invoice number or account name; sorts by `id`, `number`, `status`, `total`,
    /// `due`, `paid`, `created` (`-` first for descending).
    pub listing: Listing,
}

const INVOICES: ListSpec<invoice::Entity> = list_spec! {
    invoice: indexed search::INVOICES,
    sorts ["id" Id, "number" InvoiceNumber, "status" Status, "total" Total, "due" DueDate,
        "paid" PaidAt, "created" CreatedAt],
    default "-id", ties [Id Desc]
};

#[derive(Debug)]
pub struct InvoiceRow {
    pub invoice: invoice::Model,
    pub account_name: String,
}

/// The invoices `f`'s filters ask for, before the search; by any status when `with_status` is
/// false (the status counts).
fn invoices_filtered(f: &InvoiceFilter, with_status: bool) -> Result<Select<invoice::Entity>> {
    let status = choice::<InvoiceStatus>(&f.status, "status")?.filter(|_| with_status);
    Ok(invoice::Entity::find()
        .apply_if(status, |q, s| q.filter(invoice::Column::Status.eq(s)))
        .apply_if(f.account_id, |q, id| {
            q.filter(invoice::Column::AccountId.eq(id))
        }))
}

/// A page of invoices, and how many the filters find of each status.
pub async fn invoices(
    db: &Db,
    f: &InvoiceFilter,
    req: PageRequest,
) -> Result<(Page<InvoiceRow>, Counts)> {
    let filtered = |with_status| invoices_filtered(f, with_status);
    let status = choice::<InvoiceStatus>(&f.status, "status")?;
    let counters = f
        .account_id
        .is_none()
        .then(|| (status_counts::INVOICES, status.map(InvoiceStatus::as_str)));
    let (page, counts) = INVOICES
        .list_counted(
            filtered,
            invoice::Column::Status,
            counters,
            &f.listing,
            db,
            req,
        )
        .await?;
    let names = names::accounts(db, page.items.iter().map(|i| i.account_id)).await?;
    let rows = page.map(|invoice| InvoiceRow {
        account_name: names.of(invoice.account_id),
        invoice,
    });
    Ok((rows, counts))
}

#[derive(Debug)]
pub struct InvoiceDetail {
    pub invoice: invoice::Model,
    pub account_name: String,
    pub line_items: Vec<LineItem>,
    /// The account's billing fields as copied at issue time, in stored order.
    pub billing_snapshot: Vec<(String, Option<String>)>,
    pub payments: Vec<PaymentRow>,
    /// Its refunds, oldest first.
    pub credit_notes: Vec<credit_note::Model>,
    /// What may still be refunded, when it is paid.
    pub refundable: Option<refunds::Refundable>,
}

pub async fn invoice_detail(db: &Db, id: i64) -> Result<InvoiceDetail> {
    let invoice: invoice::Model = found(db.conn(), id, "Invoice").await?;
    let account_name = names::account(db, invoice.account_id).await?;
    let invoices::Contents {
        line_items,
        billing_snapshot,
    } = invoices::contents(&invoice);
    let payments = payment_queue::newest_rows(db, payment::Column::InvoiceId.eq(id), None).await?;
    let credit_notes = refunds::of_invoice(db, id).await?;
    let refundable = refunds::refundable(db, id).await?.map(|(_, r)| r);
    Ok(InvoiceDetail {
        account_name,
        invoice,
        line_items,
        billing_snapshot,
        payments,
        credit_notes,
        refundable,
    })
}

// ---- Subscriptions ---------------------------------------------------------------------------

#[derive(Debug, Default, Clone)]
pub struct SubscriptionFilter {
    pub status: Option<String>,
    /// A plan's slug.
    pub plan: Option<String>,
    pub account_id: Option<i64>,
    /// Only the subscriptions that renew within this long from now (billing's clock): active,
    /// not cancelled at the period end, their period ending between now and then.
    pub renews_within: Option<Duration>,
    /// Searches account name or external payment id; sorts by `id`, `status`, `start`, `end`,
    /// `created` (`-` first for descending).
    pub listing: Listing,
}

const SUBSCRIPTIONS: ListSpec<subscription::Entity> = list_spec! {
    subscription: search [ExternalPaymentId], linked (AccountId, accounts_named),
    sorts ["id" Id, "status" Status, "start" CurrentPeriodStart, "end" CurrentPeriodEnd,
        "created" CreatedAt],
    default "-id", ties [Id Desc]
};

#[derive(Debug)]
pub struct SubscriptionRow {
    pub subscription: subscription::Model,
    pub account_name: String,
    pub plan_name: String,
    /// The plan a downgrade moves it to at the period end.
    pub scheduled_plan_name: Option<String>,
}

/// The subscriptions `f`'s filters ask for, before the search; by any status when
/// `with_status` is false (the status counts).
fn subscriptions_filtered(
    f: &SubscriptionFilter,
    with_status: bool,
    now: DateTime<Utc>,
) -> Result<Select<subscription::Entity>> {
    let status = choice::<SubscriptionStatus>(&f.status, "status")?.filter(|_| with_status);
    Ok(subscription::Entity::find()
        .apply_if(status, |q, s| q.filter(subscription::Column::Status.eq(s)))
        .apply_if(f.renews_within, |q, within| {
            // Running and not ending at the period end, as the renewal step asks, in a window.
            q.filter(subscription::Column::Status.eq(SubscriptionStatus::Active))
                .filter(subscription::Column::CancelAtPeriodEnd.eq(false))
                .filter(subscription::Column::CurrentPeriodEnd.gte(now))
                .filter(subscription::Column::CurrentPeriodEnd.lte(now + within))
        })
        .apply_if(given(&f.plan), |q, slug| {
            q.filter(subscription::Column::PlanId.in_subquery(plan_with_slug(slug)))
        })
        .apply_if(f.account_id, |q, id| {
            q.filter(subscription::Column::AccountId.eq(id))
        }))
}

/// A page of subscriptions, and how many the filters find of each status.
pub async fn subscriptions(
    db: &Db,
    f: &SubscriptionFilter,
    req: PageRequest,
) -> Result<(Page<SubscriptionRow>, Counts)> {
    let now = db.now();
    let filtered = |with_status| subscriptions_filtered(f, with_status, now);
    let status = subscription::Column::Status;
    let (page, counts) = SUBSCRIPTIONS
        .list_counted(filtered, status, None, &f.listing, db, req)
        .await?;
    let names = names::accounts(db, page.items.iter().map(|s| s.account_id)).await?;
    let plans = names::plans(db).await?;
    let rows = page.map(|subscription| subscription_row(subscription, &names, &plans));
    Ok((rows, counts))
}

/// A subscription with its account's and its plans' names (`accounts` holds its account's).
pub(super) fn subscription_row(
    subscription: subscription::Model,
    accounts: &names::Names,
    plans: &names::Names,
) -> SubscriptionRow {
    SubscriptionRow {
        account_name: accounts.of(subscription.account_id),
        plan_name: plans.of(subscription.plan_id),
        scheduled_plan_name: plans.of_some(subscription.scheduled_plan_id),
        subscription,
    }
}

// ---- The credit ledger -----------------------------------------------------------------------

#[derive(Debug, Default, Clone)]
pub struct LedgerFilter {
    pub transaction_type: Option<String>,
    pub account_id: Option<i64>,
    /// Searches account name or description; sorts by `id`, `type`, `amount`, `created` (`-`
    /// first for descending).
    pub listing: Listing,
}

const LEDGER: ListSpec<ledger::Entity> = list_spec! {
    ledger: search [Description], linked (AccountId, accounts_named),
    sorts ["id" Id, "type" TransactionType, "amount" Amount, "created" CreatedAt],
    default "-id", ties [Id Desc]
};

#[derive(Debug)]
pub struct LedgerRow {
    pub entry: ledger::Model,
    pub account_name: String,
}

/// The entries `f`'s filters ask for, before the search; of any type when `with_type` is
/// false (the type counts).
fn ledger_filtered(f: &LedgerFilter, with_type: bool) -> Result<Select<ledger::Entity>> {
    let kind = choice::<CreditTransactionType>(&f.transaction_type, "type")?;
    Ok(ledger::Entity::find()
        .apply_if(kind.filter(|_| with_type), |q, kind| {
            q.filter(ledger::Column::TransactionType.eq(kind))
        })
        .apply_if(f.account_id, |q, id| {
            q.filter(ledger::Column::AccountId.eq(id))
        }))
}

/// A page of ledger entries, and how many the filters find of each type.
pub async fn ledger_entries(
    db: &Db,
    f: &LedgerFilter,
    req: PageRequest,
) -> Result<(Page<LedgerRow>, Counts)> {
    let filtered = |with_type| ledger_filtered(f, with_type);
    let kind = ledger::Column::TransactionType;
    let (page, counts) = LEDGER
        .list_counted(filtered, kind, None, &f.listing, db, req)
        .await?;
    let names = names::accounts(db, page.items.iter().map(|t| t.account_id)).await?;
    let rows = page.map(|entry| LedgerRow {
        account_name: names.of(entry.account_id),
        entry,
    });
    Ok((rows, counts))
}

pub async fn ledger_entry(db: &Db, id: i64) -> Result<LedgerRow> {
    let entry: ledger::Model = found(db.conn(), id, "Credit transaction").await?;
    let account_name = names::account(db, entry.account_id).await?;
    Ok(LedgerRow {
        account_name,
        entry,
    })
}

#[cfg(test)]
mod tests {
    use sea_orm::{DbBackend, QueryTrait};

    use super::*;
    use crate::domain::page::sorted;

    /// The list's query when the search is scanned (a term the indexes do not answer).
    fn listed(term: &str, sort: Option<&str>) -> Result<String> {
        let listing = Listing {
            search: Some(term.into()),
            sort: None,
        };
        let mut select = invoice::Entity::find();
        if let Some(term) = listing.term() {
            select = select.filter(search::INVOICES.scan(term));
        }
        let spec = &INVOICES;
        let select = sorted(select, sort, spec.default_sort, spec.sorts, spec.ties)?;
        Ok(select.build(DbBackend::Sqlite).to_string())
    }

    /// The search looks in the list's own columns (qualified) and in the linked accounts, and
    /// every sort ends with the ties, so that pages are stable.
    #[test]
    fn invoices_are_searched_by_number_and_account_and_sorted_with_ties() {
        let sql = listed(" INV-7 ", Some("total")).unwrap_or_default();
        let own = r#"LOWER("invoices"."invoice_number") LIKE '%inv-7%'"#;
        assert!(sql.contains(own), "{sql}");
        let linked = r#""invoices"."account_id" IN (SELECT "accounts"."id" FROM "accounts" WHERE "#;
        assert!(sql.contains(linked), "{sql}");
        let order = r#"ORDER BY "invoices"."total" ASC, "invoices"."id" DESC"#;
        assert!(sql.ends_with(order), "{sql}");
    }

    #[test]
    fn no_term_no_search_and_newest_first() {
        let sql = listed("  ", None).unwrap_or_default();
        assert!(!sql.contains("WHERE"), "{sql}");
        let order = r#"ORDER BY "invoices"."id" DESC, "invoices"."id" DESC"#;
        assert!(sql.ends_with(order), "{sql}");
        assert!(
            listed("", Some("-nope")).is_err(),
            "an unknown sort is refused"
        );
    }
}
