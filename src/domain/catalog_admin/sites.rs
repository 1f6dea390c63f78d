//! Staff's view of every account's sites, and deactivating or reactivating one.

use std::collections::HashMap;

use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, EntityTrait, IntoActiveModel,
    QueryFilter,
};

use super::not_found;
use crate::db::Db;
use crate::domain::page::search_term;
use crate::domain::page::{self, Page, PageRequest};
use crate::domain::search::contains;
use crate::domain::staff::StaffActor;
use crate::domain::{audit, sites};
use crate::entities::{account, industry, site, site_user_access as access};
use crate::error::Result;
use sea_orm::Order;

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
    if let Some(t) = search_term(&f.search) {
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
    let ties = [(site::Column::Id, Order::Asc)];
    let select = page::sorted(select, f.sort.as_deref(), "-id", &SITE_SORTS, &ties)?;
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
pub async fn set_site_active(
    db: &Db,
    actor: &StaffActor,
    id: i64,
    active: bool,
) -> Result<site::Model> {
    let txn = db.begin_write().await?;
    let current = site::Entity::find_by_id(id)
        .one(&*txn)
        .await?
        .ok_or_else(not_found("Site"))?;
    if active && !current.is_active {
        sites::take_site_slot(&*txn, current.account_id, sites::Holder::Staff)
            .await?
            .ok_or_else(not_found("Account"))?;
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
    audit::record_change(&*txn, actor.id(), action, "site", id, Some(&before), &saved).await?;
    txn.commit().await?;
    Ok(saved)
}
