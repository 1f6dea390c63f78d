//! What staff read in the admin panel about accounts, users, invoices, subscriptions and the
//! credit ledger: filtered, searched, sorted and paged lists, counts for the filter sidebars, and
//! each record with its related rows. Reads only; every change has its own domain function.
//!
//! Accounts and users are here with the helpers every list shares; the billing records
//! (invoices, subscriptions, the ledger) are in `backoffice/billing.rs`.

mod billing;

pub use billing::{
    InvoiceDetail, InvoiceFilter, InvoiceRow, LedgerFilter, LedgerRow, LineItem,
    SubscriptionFilter, SubscriptionRow, invoice_detail, invoice_status_counts, invoices,
    ledger_entries, ledger_entry, ledger_type_counts, subscription_detail,
    subscription_status_counts, subscriptions,
};

use std::collections::HashMap;

use sea_orm::Order;
use sea_orm::sea_query::{Expr, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, ExprTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};

use crate::db::Db;
use crate::domain::catalog;
use crate::domain::page::search_term;
use crate::domain::page::{self, Page, PageRequest};
use crate::domain::payment_queue::{self, PaymentRow};
use crate::domain::search::contains;
use crate::domain::status::{AccountStatus, TextEnum};
use crate::entities::{
    account, credit_transaction as ledger, industry, invoice, payment, plan, site, user,
};
use crate::error::{Error, Result};

/// How many related rows a record's page shows (newest first).
pub const RELATED_ROWS: u64 = 50;

/// The ids of the accounts whose name matches `term`.
fn accounts_named(term: &str) -> SelectStatement {
    Query::select()
        .column(account::Column::Id)
        .from(account::Entity)
        .and_where(contains(account::Column::Name, term))
        .to_owned()
}

fn plan_with_slug(slug: &str) -> SelectStatement {
    Query::select()
        .column(plan::Column::Id)
        .from(plan::Entity)
        .and_where(Expr::col(plan::Column::Slug).eq(slug))
        .to_owned()
}

/// A filter value checked against its choices: a mistyped URL says so instead of listing nothing.
fn choice<T: TextEnum>(value: &Option<String>, field: &str) -> Result<Option<T>> {
    match value.as_deref().filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => T::from_text(v)
            .map(Some)
            .ok_or_else(|| Error::field(field, format!("Choose one of: {}.", T::listed()))),
    }
}

/// Newest first when no sort is asked for, and as the tie-breaker, so pages are stable.
fn newest_first<E: EntityTrait>(
    select: Select<E>,
    sortable: &[(&str, E::Column)],
    sort: &Option<String>,
    id: E::Column,
) -> Result<Select<E>> {
    page::sorted(
        select,
        sort.as_deref(),
        "-id",
        sortable,
        &[(id, Order::Desc)],
    )
}

/// How many rows of `select` have each value of `column`.
pub(crate) async fn count_by<E: EntityTrait>(
    db: &Db,
    select: Select<E>,
    column: E::Column,
) -> Result<HashMap<String, u64>> {
    page::count_by(db.conn(), select, column).await
}

async fn plan_names(db: &Db) -> Result<HashMap<i64, String>> {
    Ok(catalog::all_plans(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect())
}

async fn account_names(db: &Db, ids: impl Iterator<Item = i64>) -> Result<HashMap<i64, String>> {
    let found = account::Entity::find()
        .filter(account::Column::Id.is_in(ids.collect::<Vec<_>>()))
        .all(db.conn())
        .await?;
    Ok(found.into_iter().map(|a| (a.id, a.name)).collect())
}

async fn emails(db: &Db, ids: impl Iterator<Item = i64>) -> Result<HashMap<i64, String>> {
    let found = user::Entity::find()
        .filter(user::Column::Id.is_in(ids.collect::<Vec<_>>()))
        .all(db.conn())
        .await?;
    Ok(found.into_iter().map(|u| (u.id, u.email)).collect())
}

// ---- Accounts --------------------------------------------------------------------------------

#[derive(Debug, Default, Clone)]
pub struct AccountFilter {
    pub status: Option<String>,
    /// A plan's slug.
    pub plan: Option<String>,
    /// Name, slug, billing email or a member's email.
    pub search: Option<String>,
    /// `id`, `name`, `status`, `credits`, `created`; `-` first for descending.
    pub sort: Option<String>,
}

const ACCOUNT_SORT: [(&str, account::Column); 5] = [
    ("id", account::Column::Id),
    ("name", account::Column::Name),
    ("status", account::Column::Status),
    ("credits", account::Column::Credits),
    ("created", account::Column::CreatedAt),
];

#[derive(Debug)]
pub struct AccountRow {
    pub account: account::Model,
    pub plan_name: String,
    pub owner_email: Option<String>,
}

fn accounts_filtered(f: &AccountFilter, with_status: bool) -> Result<Select<account::Entity>> {
    let mut select = account::Entity::find();
    let wanted = choice::<AccountStatus>(&f.status, "status")?;
    if let Some(s) = wanted.filter(|_| with_status) {
        select = select.filter(account::Column::Status.eq(s));
    }
    if let Some(slug) = f.plan.as_deref().filter(|s| !s.is_empty()) {
        select = select.filter(account::Column::PlanId.in_subquery(plan_with_slug(slug)));
    }
    if let Some(term) = search_term(&f.search) {
        let members = Query::select()
            .column(user::Column::AccountId)
            .from(user::Entity)
            .and_where(contains(user::Column::Email, term))
            .to_owned();
        select = select.filter(
            Condition::any()
                .add(contains((account::Entity, account::Column::Name), term))
                .add(contains((account::Entity, account::Column::Slug), term))
                .add(contains(
                    (account::Entity, account::Column::BillingEmail),
                    term,
                ))
                .add(account::Column::Id.in_subquery(members)),
        );
    }
    Ok(select)
}

pub async fn accounts(db: &Db, f: &AccountFilter, req: PageRequest) -> Result<Page<AccountRow>> {
    let select = newest_first(
        accounts_filtered(f, true)?,
        &ACCOUNT_SORT,
        &f.sort,
        account::Column::Id,
    )?;
    let page = page::fetch(select, db.conn(), req).await?;
    let plans = plan_names(db).await?;
    let owners = emails(db, page.items.iter().filter_map(|a| a.owner_id)).await?;
    Ok(page.map(|account| AccountRow {
        plan_name: plans.get(&account.plan_id).cloned().unwrap_or_default(),
        owner_email: account.owner_id.and_then(|id| owners.get(&id).cloned()),
        account,
    }))
}

/// Accounts per status, among those matching the filter's other criteria.
pub async fn account_status_counts(db: &Db, f: &AccountFilter) -> Result<HashMap<String, u64>> {
    count_by(db, accounts_filtered(f, false)?, account::Column::Status).await
}

#[derive(Debug)]
pub struct AccountDetail {
    pub account: account::Model,
    pub plan: plan::Model,
    pub members: Vec<user::Model>,
    /// The newest subscription.
    pub subscription: Option<SubscriptionRow>,
    /// Newest first, at most `RELATED_ROWS` of each; `count` says how many there are in all.
    pub invoices: Page<invoice::Model>,
    pub payments: Vec<PaymentRow>,
    /// Each site with its industry's name.
    pub sites: Vec<(site::Model, String)>,
    pub ledger: Page<ledger::Model>,
}

pub async fn account_detail(db: &Db, id: i64) -> Result<AccountDetail> {
    let conn = db.conn();
    let account = account::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| Error::NotFound("Account not found".into()))?;
    let plan = catalog::plan_by_id(conn, account.plan_id).await?;
    let members = user::Entity::find()
        .filter(user::Column::AccountId.eq(id))
        .order_by_asc(user::Column::Id)
        .all(conn)
        .await?;
    let newest = PageRequest {
        page: 1,
        page_size: RELATED_ROWS,
    };
    let of_account = SubscriptionFilter {
        account_id: Some(id),
        ..Default::default()
    };
    let one = PageRequest {
        page: 1,
        page_size: 1,
    };
    let subscription = subscriptions(db, &of_account, one).await?.items.pop();
    let invoices = invoice::Entity::find()
        .filter(invoice::Column::AccountId.eq(id))
        .order_by_desc(invoice::Column::Id);
    let invoices = page::fetch(invoices, conn, newest).await?;
    let payment_ids: Vec<i64> = payment::Entity::find()
        .select_only()
        .column(payment::Column::Id)
        .filter(payment::Column::AccountId.eq(id))
        .order_by_desc(payment::Column::Id)
        .limit(RELATED_ROWS)
        .into_tuple()
        .all(conn)
        .await?;
    let mut payments = payment_queue::rows_by_ids(db, &payment_ids).await?;
    payments.reverse();
    let sites = site::Entity::find()
        .filter(site::Column::AccountId.eq(id))
        .order_by_asc(site::Column::Id)
        .all(conn)
        .await?;
    let industries: HashMap<i64, String> = industry::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|i| (i.id, i.name))
        .collect();
    let sites = sites
        .into_iter()
        .map(|s| {
            let industry = industries.get(&s.industry_id).cloned().unwrap_or_default();
            (s, industry)
        })
        .collect();
    let ledger = ledger::Entity::find()
        .filter(ledger::Column::AccountId.eq(id))
        .order_by_desc(ledger::Column::Id);
    let ledger = page::fetch(ledger, conn, newest).await?;
    Ok(AccountDetail {
        account,
        plan,
        members,
        subscription,
        invoices,
        payments,
        sites,
        ledger,
    })
}

// ---- Users -----------------------------------------------------------------------------------

#[derive(Debug, Default, Clone)]
pub struct UserFilter {
    pub is_staff: Option<bool>,
    pub is_active: Option<bool>,
    /// Email, first or last name.
    pub search: Option<String>,
    /// `id`, `email`, `joined`, `last_login`; `-` first for descending.
    pub sort: Option<String>,
}

const USER_SORT: [(&str, user::Column); 4] = [
    ("id", user::Column::Id),
    ("email", user::Column::Email),
    ("joined", user::Column::CreatedAt),
    ("last_login", user::Column::LastLoginAt),
];

#[derive(Debug)]
pub struct UserRow {
    pub user: user::Model,
    pub account_name: Option<String>,
}

pub async fn users(db: &Db, f: &UserFilter, req: PageRequest) -> Result<Page<UserRow>> {
    let mut select = user::Entity::find();
    if let Some(staff) = f.is_staff {
        select = select.filter(user::Column::IsStaff.eq(staff));
    }
    if let Some(active) = f.is_active {
        select = select.filter(user::Column::IsActive.eq(active));
    }
    if let Some(term) = search_term(&f.search) {
        select = select.filter(
            Condition::any()
                .add(contains(user::Column::Email, term))
                .add(contains(user::Column::FirstName, term))
                .add(contains(user::Column::LastName, term)),
        );
    }
    let select = newest_first(select, &USER_SORT, &f.sort, user::Column::Id)?;
    let page = page::fetch(select, db.conn(), req).await?;
    let names = account_names(db, page.items.iter().filter_map(|u| u.account_id)).await?;
    Ok(page.map(|user| UserRow {
        account_name: user.account_id.and_then(|id| names.get(&id).cloned()),
        user,
    }))
}

pub async fn user_detail(db: &Db, id: i64) -> Result<UserRow> {
    let user = user::Entity::find_by_id(id)
        .one(db.conn())
        .await?
        .ok_or_else(|| Error::NotFound("User not found".into()))?;
    let names = account_names(db, user.account_id.into_iter()).await?;
    Ok(UserRow {
        account_name: user.account_id.and_then(|id| names.get(&id).cloned()),
        user,
    })
}
