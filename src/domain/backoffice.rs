//! What staff read in the admin panel about accounts, users, invoices, subscriptions and the
//! credit ledger: filtered, searched, sorted and paged lists, counts for the filter sidebars, and
//! each record with its related rows. Reads only; every change has its own domain function
//! (`subscription_actions` only hands the subscription page's to `lifecycle::plans`).
//!
//! Every list is a `page::ListSpec` (what it searches and sorts by) plus its own filters.
//! Accounts and users are here; the billing records (invoices, subscriptions, the ledger) are
//! in `backoffice/billing.rs`, a subscription's page with its timeline in
//! `backoffice/timeline.rs`, and what staff do from that page in
//! `backoffice/subscription_actions.rs`.

mod billing;
pub mod subscription_actions;
mod timeline;

pub use billing::{
    InvoiceDetail, InvoiceFilter, InvoiceRow, LedgerFilter, LedgerRow, SubscriptionFilter,
    SubscriptionRow, invoice_detail, invoices, ledger_entries, ledger_entry, subscriptions,
};
pub use timeline::{About, Event, SubscriptionDetail, subscription_detail};

use sea_orm::sea_query::{Expr, Query, SelectStatement};
use sea_orm::{ColumnTrait, EntityTrait, ExprTrait, QueryFilter, QueryOrder, QueryTrait, Select};

use crate::db::Db;
use crate::domain::page::{Counts, ListSpec, Listing, Page, PageRequest, choice, given, list_spec};
use crate::domain::payment_queue::{self, PaymentRow};
use crate::domain::search;
use crate::domain::status::AccountStatus;
use crate::domain::{catalog, found, names, of_account, status_counts};
use crate::entities::{account, credit_transaction as ledger, invoice, payment, plan, site, user};
use crate::error::Result;

/// How many related rows a record's page shows (newest first).
pub const RELATED_ROWS: u64 = 50;

/// The ids of the plans with this slug (one at most).
fn plan_with_slug(slug: &str) -> SelectStatement {
    Query::select()
        .column(plan::Column::Id)
        .from(plan::Entity)
        .and_where(Expr::col(plan::Column::Slug).eq(slug))
        .to_owned()
}

// ---- Accounts --------------------------------------------------------------------------------

#[derive(Debug, Default, Clone)]
pub struct AccountFilter {
    pub status: Option<String>,
    /// A plan's slug.
    pub plan: Option<String>,
    /// Searches name, slug, billing email or a member's email; sorts by `id`, `name`,
    /// `status`, `credits`, `created` (`-` first for descending).
    pub listing: Listing,
}

const ACCOUNTS: ListSpec<account::Entity> = list_spec! {
    account: indexed search::ACCOUNTS,
    sorts ["id" Id, "name" Name, "status" Status, "credits" Credits, "created" CreatedAt],
    default "-id", ties [Id Desc]
};

#[derive(Debug)]
pub struct AccountRow {
    pub account: account::Model,
    pub plan_name: String,
    pub owner_email: Option<String>,
}

/// The accounts `f`'s filters ask for, before the search; by any status when `with_status` is
/// false (the status counts).
fn accounts_filtered(f: &AccountFilter, with_status: bool) -> Result<Select<account::Entity>> {
    let status = choice::<AccountStatus>(&f.status, "status")?.filter(|_| with_status);
    Ok(account::Entity::find()
        .apply_if(status, |q, s| q.filter(account::Column::Status.eq(s)))
        .apply_if(given(&f.plan), |q, slug| {
            q.filter(account::Column::PlanId.in_subquery(plan_with_slug(slug)))
        }))
}

/// A page of accounts, and how many the filters find of each status.
pub async fn accounts(
    db: &Db,
    f: &AccountFilter,
    req: PageRequest,
) -> Result<(Page<AccountRow>, Counts)> {
    let filtered = |with_status| accounts_filtered(f, with_status);
    let status = choice::<AccountStatus>(&f.status, "status")?;
    let counters = given(&f.plan)
        .is_none()
        .then(|| (status_counts::ACCOUNTS, status.map(AccountStatus::as_str)));
    let (page, counts) = ACCOUNTS
        .list_counted(
            filtered,
            account::Column::Status,
            counters,
            &f.listing,
            db,
            req,
        )
        .await?;
    let plans = names::plans(db).await?;
    let owners = names::emails(db, page.items.iter().filter_map(|a| a.owner_id)).await?;
    let rows = page.map(|account| AccountRow {
        plan_name: plans.of(account.plan_id),
        owner_email: owners.of_some(account.owner_id),
        account,
    });
    Ok((rows, counts))
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
    let account: account::Model = found(conn, id, "Account").await?;
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
    let subscription = subscriptions(db, &of_account, one).await?.0.items.pop();
    let invoices = of_account::newest::<invoice::Entity>(db, id, newest).await?;
    let account_payments = payment::Column::AccountId.eq(id);
    let payments = payment_queue::newest_rows(db, account_payments, Some(RELATED_ROWS)).await?;
    let sites = of_account::all::<site::Entity>(db, id).await?;
    let industries = names::industries(db, sites.iter().map(|s| s.industry_id)).await?;
    let sites = industries.beside(sites, |s| s.industry_id);
    let ledger = of_account::newest::<ledger::Entity>(db, id, newest).await?;
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
    /// Searches email, first or last name; sorts by `id`, `email`, `joined`, `last_login`
    /// (`-` first for descending).
    pub listing: Listing,
}

const USERS: ListSpec<user::Entity> = list_spec! {
    user: indexed search::USERS,
    sorts ["id" Id, "email" Email, "joined" CreatedAt, "last_login" LastLoginAt],
    default "-id", ties [Id Desc]
};

#[derive(Debug)]
pub struct UserRow {
    pub user: user::Model,
    pub account_name: Option<String>,
}

pub async fn users(db: &Db, f: &UserFilter, req: PageRequest) -> Result<Page<UserRow>> {
    let select = user::Entity::find()
        .apply_if(f.is_staff, |q, staff| {
            q.filter(user::Column::IsStaff.eq(staff))
        })
        .apply_if(f.is_active, |q, on| q.filter(user::Column::IsActive.eq(on)));
    // Without a search term the total comes from the counters (m0021), not a count of the
    // table, which grows with it.
    let page = match f.listing.term() {
        None => {
            let counts = status_counts::status_counts(db, status_counts::USERS).await?;
            let total = status_counts::users_matching(&counts, f.is_staff, f.is_active);
            let sort = f.listing.sort.as_deref();
            USERS
                .page(select, sort, db.conn(), req, Some(total))
                .await?
        }
        Some(_) => USERS.list(select, &f.listing, db.conn(), req).await?,
    };
    let names = names::accounts(db, page.items.iter().filter_map(|u| u.account_id)).await?;
    Ok(page.map(|user| UserRow {
        account_name: names.of_some(user.account_id),
        user,
    }))
}

pub async fn user_detail(db: &Db, id: i64) -> Result<UserRow> {
    let user: user::Model = found(db.conn(), id, "User").await?;
    let names = names::accounts(db, user.account_id).await?;
    Ok(UserRow {
        account_name: names.of_some(user.account_id),
        user,
    })
}
