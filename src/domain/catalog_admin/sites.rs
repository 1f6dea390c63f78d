//! Staff's view of every account's sites, and deactivating or reactivating one.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter,
};

use super::{contains, not_found, sorted, term};
use crate::db::Db;
use crate::domain::page::{self, Page, PageRequest};
use crate::domain::{audit, catalog, sites};
use crate::entities::{account, industry, site, site_user_access as access};
use crate::error::{Error, Result};

#[derive(Debug, Default, Clone)]
pub struct SiteFilter {
    pub industry_id: Option<i64>,
    pub active: Option<bool>,
    /// Site name, domain or account name.
    pub search: Option<String>,
    pub sort: Option<String>,
}

/// A site with the names staff recognise it by.
#[derive(Debug)]
pub struct SiteRow {
    pub site: site::Model,
    pub account_name: String,
    pub industry_name: String,
}

#[derive(Debug)]
pub struct SiteDetail {
    pub row: SiteRow,
    /// Each access row with its user's email.
    pub access: Vec<(access::Model, String)>,
}

const SITE_SORTS: [(&str, site::Column); 5] = [
    ("id", site::Column::Id),
    ("name", site::Column::Name),
    ("domain", site::Column::Domain),
    ("active", site::Column::IsActive),
    ("created", site::Column::CreatedAt),
];

/// Every account's sites, newest first unless sorted.
pub async fn list_sites(db: &Db, f: &SiteFilter, req: PageRequest) -> Result<Page<SiteRow>> {
    let mut select = site::Entity::find();
    if let Some(id) = f.industry_id {
        select = select.filter(site::Column::IndustryId.eq(id));
    }
    if let Some(active) = f.active {
        select = select.filter(site::Column::IsActive.eq(active));
    }
    if let Some(t) = term(&f.search) {
        let accounts = Query::select()
            .column(account::Column::Id)
            .from(account::Entity)
            .and_where(contains(account::Column::Name, t))
            .to_owned();
        let any = Condition::any()
            .add(contains((site::Entity, site::Column::Name), t))
            .add(contains((site::Entity, site::Column::Domain), t))
            .add(site::Column::AccountId.in_subquery(accounts));
        select = select.filter(any);
    }
    let ties = [site::Column::Id];
    let select = sorted(select, f.sort.as_deref(), "-id", &SITE_SORTS, &ties)?;
    let page = page::fetch(select, db.conn(), req).await?;
    let rows = describe_sites(db, page.items).await?;
    Ok(Page {
        count: page.count,
        items: rows,
        request: page.request,
    })
}

/// Account and industry names for a page of sites: two queries, whatever the page size.
async fn describe_sites(db: &Db, sites: Vec<site::Model>) -> Result<Vec<SiteRow>> {
    let account_ids: Vec<i64> = sites.iter().map(|s| s.account_id).collect();
    let industry_ids: Vec<i64> = sites.iter().map(|s| s.industry_id).collect();
    let accounts: HashMap<i64, String> = account::Entity::find()
        .filter(account::Column::Id.is_in(account_ids))
        .all(db.conn())
        .await?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    let industries: HashMap<i64, String> = industry::Entity::find()
        .filter(industry::Column::Id.is_in(industry_ids))
        .all(db.conn())
        .await?
        .into_iter()
        .map(|i| (i.id, i.name))
        .collect();
    Ok(sites
        .into_iter()
        .map(|site| SiteRow {
            account_name: accounts.get(&site.account_id).cloned().unwrap_or_default(),
            industry_name: industries
                .get(&site.industry_id)
                .cloned()
                .unwrap_or_default(),
            site,
        })
        .collect())
}

/// One site with its account, industry and who may use it.
pub async fn get_site(db: &Db, id: i64) -> Result<SiteDetail> {
    let found = site::Entity::find_by_id(id)
        .one(db.conn())
        .await?
        .ok_or_else(not_found("Site"))?;
    let with_access = sites::get(db, found.account_id, id).await?;
    let row = describe_sites(db, vec![with_access.site]).await?.pop();
    let row = row.ok_or_else(not_found("Site"))?;
    Ok(SiteDetail {
        row,
        access: with_access.access,
    })
}

/// Deactivates or reactivates a site. Reactivating counts against the plan's `max_sites`,
/// exactly as creating one does.
pub async fn set_site_active(db: &Db, actor: i64, id: i64, active: bool) -> Result<site::Model> {
    let txn = db.begin_write().await?;
    let current = site::Entity::find_by_id(id)
        .one(&*txn)
        .await?
        .ok_or_else(not_found("Site"))?;
    if active && !current.is_active {
        // Touch the account row first, as site creation does: on PostgreSQL it locks the row,
        // so a concurrent creation and this reactivation count sites one after the other.
        let owner = account::Entity::update_many()
            .col_expr(account::Column::UpdatedAt, Utc::now().into())
            .filter(account::Column::Id.eq(current.account_id))
            .exec_with_returning(&*txn)
            .await?
            .into_iter()
            .next()
            .ok_or_else(not_found("Account"))?;
        let plan = catalog::plan_by_id(&*txn, owner.plan_id).await?;
        let active_sites = site::Entity::find()
            .filter(site::Column::AccountId.eq(owner.id))
            .filter(site::Column::IsActive.eq(true))
            .count(&*txn)
            .await?;
        if active_sites >= u64::try_from(plan.max_sites).unwrap_or(0) {
            return Err(Error::Conflict(format!(
                "Site limit reached: the account's {} plan allows {} active site(s). \
                 Deactivate another of its sites first.",
                plan.name, plan.max_sites
            )));
        }
    }
    let before = current.clone();
    let mut row = current.into_active_model();
    row.is_active = Set(active);
    let saved = row.update(&*txn).await?;
    let action = if active {
        "site.activate"
    } else {
        "site.deactivate"
    };
    audit::record_change(&*txn, actor, action, "site", id, Some(&before), &saved).await?;
    txn.commit().await?;
    Ok(saved)
}
