//! Staff's payment queue: filter, search, sort, paginate (by page or by keyset); counts and
//! duplicate references.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use sea_orm::sea_query::{Expr, IntoCondition};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, ExprTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, Select,
};

use crate::db::Db;
use crate::domain::page::{
    self, Counts, KeysetPage, KeysetRequest, ListSpec, Listing, Page, PageRequest, list_spec,
};
use crate::domain::page::{choice, given};
use crate::domain::status::PaymentStatus;
use crate::domain::{names, search, status_counts};
use crate::entities::payment;
use crate::entities::status::TextEnum;
use crate::error::{Error, Result};

/// A payment with what staff need to recognise it.
#[derive(Debug)]
pub struct PaymentRow {
    pub payment: payment::Model,
    pub invoice_number: String,
    pub account_name: String,
    pub approved_by: Option<String>,
}

#[derive(Debug, Default, Clone)]
pub struct StaffFilter {
    pub status: Option<String>,
    pub method: Option<String>,
    /// Submitted at or after this moment.
    pub since: Option<DateTime<Utc>>,
    /// Searches through the search indexes (`resolve_search`); sorts by a column name (`id`,
    /// `amount`, `created`, `status`, `method`, `reference`, `approved`), `-` first for
    /// descending, newest first when absent.
    pub listing: Listing,
}

/// How the queue sorts. Its search is not one of these columns: it goes through the search
/// indexes (`resolve_search`), so `search` stays empty.
/// Ties (same amount, same status…) fall back to newest first, so pages are stable.
const PAYMENTS: ListSpec<payment::Entity> = list_spec! {
    payment: search [],
    sorts ["id" Id, "amount" Amount, "created" CreatedAt, "status" Status, "method" PaymentMethod,
        "reference" ManualReference, "approved" ApprovedAt],
    default "-id", ties [Id Desc]
};

/// The filtered query, without status when `with_status` is false (for the status counts).
/// `search` is the filter's search, resolved once by `resolve_search`.
fn filtered(
    filter: &StaffFilter,
    with_status: bool,
    search: Option<Condition>,
) -> Result<Select<payment::Entity>> {
    let status = choice::<PaymentStatus>(&filter.status, "status")?.filter(|_| with_status);
    Ok(payment::Entity::find()
        .apply_if(status, |q, s| q.filter(payment::Column::Status.eq(s)))
        .apply_if(given(&filter.method), |q, method| {
            q.filter(payment::Column::PaymentMethod.eq(method))
        })
        .apply_if(filter.since, |q, since| {
            q.filter(payment::Column::CreatedAt.gte(since))
        })
        .apply_if(search, QueryFilter::filter))
}

/// The filter's search as a condition: the ids the search indexes found, or the scanning
/// condition when they cannot answer. One index lookup per request, however many queries
/// (page, count, status counts) then use it.
async fn resolve_search(db: &Db, filter: &StaffFilter) -> Result<Option<Condition>> {
    let Some(term) = filter.listing.term() else {
        return Ok(None);
    };
    Ok(Some(
        match search::PAYMENTS
            .ids_matching(db.conn(), term, search::INDEXED_MATCHES_CAP)
            .await?
        {
            Some(ids) => Condition::all().add(payment::Column::Id.is_in(ids)),
            None => search::PAYMENTS.scan(term),
        },
    ))
}

/// Staff's payment queue, newest first unless sorted. The listing's search matches
/// (case-insensitive substring) the manual reference, invoice number, account name, billing
/// email or a member's email.
pub async fn list_for_staff(
    db: &Db,
    filter: StaffFilter,
    req: PageRequest,
) -> Result<Page<PaymentRow>> {
    let search = resolve_search(db, &filter).await?;
    let counters = match by_status_only(&filter) {
        true => Some(status_counts::status_counts(db, status_counts::PAYMENTS).await?),
        false => None,
    };
    page_of(db, &filter, req, search, counters.as_ref()).await
}

/// `list_for_staff` with how many payments of each status match the filter's other criteria
/// (the panel's status tabs), the search resolved once for both.
pub async fn list_for_staff_with_counts(
    db: &Db,
    filter: StaffFilter,
    req: PageRequest,
) -> Result<(Page<PaymentRow>, HashMap<String, u64>)> {
    let search = resolve_search(db, &filter).await?;
    if by_status_only(&filter) {
        let counts = status_counts::status_counts(db, status_counts::PAYMENTS).await?;
        let page = page_of(db, &filter, req, search, Some(&counts)).await?;
        return Ok((page, counts));
    }
    let select = filtered(&filter, false, search.clone())?;
    let counts = page::count_by(db.conn(), select, payment::Column::Status).await?;
    Ok((page_of(db, &filter, req, search, None).await?, counts))
}

/// Whether the filter asks for a status at most: then the status counters answer its counts
/// (`status_counts`), read once per request.
fn by_status_only(filter: &StaffFilter) -> bool {
    given(&filter.method).is_none() && filter.since.is_none() && filter.listing.term().is_none()
}

async fn page_of(
    db: &Db,
    filter: &StaffFilter,
    req: PageRequest,
    search: Option<Condition>,
    counters: Option<&Counts>,
) -> Result<Page<PaymentRow>> {
    let select = filtered(filter, true, search)?;
    // `filtered` has checked the status against the known ones.
    let count = counters.map(|c| status_counts::with_status(c, given(&filter.status)));
    let sort = filter.listing.sort.as_deref();
    let page = PAYMENTS.page(select, sort, db.conn(), req, count).await?;
    let rows = describe(db, page.items).await?;
    Ok(Page {
        count: page.count,
        items: rows,
        request: page.request,
    })
}

/// Staff's payment queue one keyset page at a time, newest first, with `list_for_staff`'s
/// filters; no count, so the first page and a deep one cost the same. The listing's sort is not
/// used: `KeysetRequest::parse` refuses a sort.
pub async fn list_for_staff_keyset(
    db: &Db,
    filter: StaffFilter,
    req: KeysetRequest,
) -> Result<KeysetPage<PaymentRow>> {
    let search = resolve_search(db, &filter).await?;
    let select = filtered(&filter, true, search)?;
    let page = page::fetch_keyset(select, db.conn(), payment::Column::Id, req).await?;
    Ok(KeysetPage {
        items: describe(db, page.items).await?,
        next: page.next,
    })
}

/// The payments with these ids (in id order), described for staff.
pub async fn rows_by_ids(db: &Db, ids: &[i64]) -> Result<Vec<PaymentRow>> {
    let payments = payment::Entity::find()
        .filter(payment::Column::Id.is_in(ids.iter().copied()))
        .order_by_asc(payment::Column::Id)
        .all(db.conn())
        .await?;
    describe(db, payments).await
}

/// The payments matching `condition` (an account's, an invoice's), newest first and at most
/// `limit`, described for staff.
pub async fn newest_rows(
    db: &Db,
    condition: impl IntoCondition,
    limit: Option<u64>,
) -> Result<Vec<PaymentRow>> {
    let ids: Vec<i64> = payment::Entity::find()
        .select_only()
        .column(payment::Column::Id)
        .filter(condition)
        .order_by_desc(payment::Column::Id)
        .limit(limit)
        .into_tuple()
        .all(db.conn())
        .await?;
    let mut rows = rows_by_ids(db, &ids).await?;
    rows.reverse();
    Ok(rows)
}

pub async fn row(db: &Db, id: i64) -> Result<PaymentRow> {
    rows_by_ids(db, &[id])
        .await?
        .pop()
        .ok_or_else(|| Error::NotFound("Payment not found".into()))
}

/// Which of these references another payment also carries: a likely duplicate or fraud.
/// Returns the references used by more than one payment.
pub async fn shared_references(db: &Db, references: &[String]) -> Result<HashSet<String>> {
    shared_values(db, payment::Column::ManualReference, references).await
}

/// Which of these proof hashes (SHA-256) another payment's proof also has: the same receipt
/// sent for two payments, flagged like a reused reference.
pub async fn shared_proofs(db: &Db, hashes: &[String]) -> Result<HashSet<String>> {
    shared_values(db, payment::Column::ProofSha256, hashes).await
}

/// The values of `column` among `values` that more than one payment holds.
async fn shared_values(
    db: &Db,
    column: payment::Column,
    values: &[String],
) -> Result<HashSet<String>> {
    if values.is_empty() {
        return Ok(HashSet::new());
    }
    let shared: Vec<(Option<String>, i64)> = payment::Entity::find()
        .select_only()
        .column(column)
        .column_as(payment::Column::Id.count(), "n")
        .filter(column.is_in(values.iter().cloned()))
        .group_by(column)
        .having(Expr::col(payment::Column::Id).count().gt(1))
        .into_tuple()
        .all(db.conn())
        .await?;
    Ok(shared.into_iter().filter_map(|(r, _)| r).collect())
}

/// The number of payments awaiting review and when the oldest was submitted.
pub async fn pending_summary(db: &Db) -> Result<(u64, Option<DateTime<Utc>>)> {
    let pending =
        payment::Entity::find().filter(payment::Column::Status.eq(PaymentStatus::PendingApproval));
    let counters = status_counts::status_counts(db, status_counts::PAYMENTS).await?;
    let count = status_counts::with_status(&counters, Some(PaymentStatus::PendingApproval.text()));
    let oldest = pending
        .order_by_asc(payment::Column::CreatedAt)
        .one(db.conn())
        .await?
        .map(|p| p.created_at);
    Ok((count, oldest))
}

/// Invoice numbers, account names and reviewer emails for a page of payments: three queries,
/// whatever the page size.
async fn describe(db: &Db, payments: Vec<payment::Model>) -> Result<Vec<PaymentRow>> {
    let invoices = names::invoice_numbers(db, payments.iter().map(|p| p.invoice_id)).await?;
    let accounts = names::accounts(db, payments.iter().map(|p| p.account_id)).await?;
    let reviewers = payments.iter().filter_map(|p| p.approved_by_id);
    let reviewers = names::emails(db, reviewers).await?;
    Ok(payments
        .into_iter()
        .map(|payment| PaymentRow {
            invoice_number: invoices.of(payment.invoice_id),
            account_name: accounts.of(payment.account_id),
            approved_by: reviewers.of_some(payment.approved_by_id),
            payment,
        })
        .collect())
}
