//! Staff's view of every account's sites, and deactivating or reactivating one.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryTrait,
};

use super::not_found;
use crate::db::Db;
use crate::domain::page::{ListSpec, Listing, Page, PageRequest, list_spec};
use crate::domain::search::accounts_named;
use crate::domain::staff::StaffActor;
use crate::domain::{audit, found, names, sites};
use crate::entities::{site, site_user_access as access};
use crate::error::Result;

#[derive(Debug, Default, Clone)]
pub struct SiteFilter {
    pub industry_id: Option<i64>,
    pub active: Option<bool>,
    /// Searches site name, domain or account name.
    pub listing: Listing,
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

// Oldest first among ties, unlike the newest-first lists of `backoffice`: kept as it was.
const SITES: ListSpec<site::Entity> = list_spec! {
    site: search [Name, Domain], linked (AccountId, accounts_named),
    sorts ["id" Id, "name" Name, "domain" Domain, "active" IsActive, "created" CreatedAt],
    default "-id", ties [Id Asc]
};

/// Every account's sites, newest first unless sorted.
pub async fn list_sites(db: &Db, f: &SiteFilter, req: PageRequest) -> Result<Page<SiteRow>> {
    let select = site::Entity::find()
        .apply_if(f.industry_id, |q, id| {
            q.filter(site::Column::IndustryId.eq(id))
        })
        .apply_if(f.active, |q, on| q.filter(site::Column::IsActive.eq(on)));
    let page = SITES.list(select, &f.listing, db.conn(), req).await?;
    let rows = describe_sites(db, page.items).await?;
    Ok(Page {
        count: page.count,
        items: rows,
        request: page.request,
    })
}

/// Account and industry names for a page of sites: two queries, whatever the page size.
async fn describe_sites(db: &Db, sites: Vec<site::Model>) -> Result<Vec<SiteRow>> {
    let accounts = names::accounts(db, sites.iter().map(|s| s.account_id)).await?;
    let industries = names::industries(db, sites.iter().map(|s| s.industry_id)).await?;
    Ok(sites
        .into_iter()
        .map(|site| SiteRow {
            account_name: accounts.of(site.account_id),
            industry_name: industries.of(site.industry_id),
            site,
        })
        .collect())
}

/// One site with its account, industry and who may use it.
pub async fn get_site(db: &Db, id: i64) -> Result<SiteDetail> {
    let site: site::Model = found(db.conn(), id, "Site").await?;
    let with_access = sites::get(db, site.account_id, id).await?;
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
    let before: site::Model = found(&*txn, id, "Site").await?;
    if active && !before.is_active {
        sites::take_site_slot(&*txn, before.account_id, sites::Holder::Staff)
            .await?
            .ok_or_else(not_found("Account"))?;
    }
    let mut row = before.clone().into_active_model();
    row.is_active = Set(active);
    let saved = row.update(&*txn).await?;
    let action = if active {
        "site.activate"
    } else {
        "site.deactivate"
    };
    audit::commit_one(txn, actor.id(), action, "site", id, Some(&before), saved).await
}
