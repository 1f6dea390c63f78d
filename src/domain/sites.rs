//! Sites: limited per plan, each needing an industry; the creator gets access automatically.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder,
};
use serde::Deserialize;

use crate::db::Db;
use crate::domain::status::{AccountStatus, role};
use crate::domain::validate::{optional_text, required_text};
use crate::domain::{Member, audit, catalog, names};
use crate::entities::{account, industry, site, site_user_access as access};
use crate::error::{Error, Problems, Result};

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct SiteInput {
    #[schema(value_type = String, example = "My blog")]
    pub name: Option<String>,
    #[schema(nullable = false, example = "example.com")]
    pub domain: Option<String>,
    /// Required (`GET industries`).
    #[schema(value_type = i64, example = 1)]
    pub industry_id: Option<i64>,
}

#[derive(Debug)]
pub struct SiteWithAccess {
    pub site: site::Model,
    /// Each access row with its user's email.
    pub access: Vec<(access::Model, String)>,
}

/// Creates a site within the plan's `max_sites`, and the creator's access row.
pub async fn create(db: &Db, member: &Member, input: SiteInput) -> Result<SiteWithAccess> {
    let mut p = Problems::default();
    let name = required_text(input.name.as_deref(), "name", 200, &mut p);
    let domain = optional_text(input.domain.as_deref(), "domain", 253, &mut p);
    match input.industry_id {
        None => p.add("industry_id", "This field is required."),
        Some(id) => {
            let found = industry::Entity::find_by_id(id).one(db.conn()).await?;
            if !found.is_some_and(|i| i.is_active) {
                p.add("industry_id", "Select a valid industry.");
            }
        }
    }
    p.finish()?;
    member.ensure_can_use_features()?;
    let now = db.now();

    let txn = db.begin_write().await?;
    let Some(account) = take_site_slot(&*txn, member.account.id, Holder::Customer).await? else {
        return Err(Error::Forbidden(
            "Your account is not active; sites cannot be created.".into(),
        ));
    };
    let site = site::ActiveModel {
        account_id: Set(account.id),
        name: Set(name),
        domain: Set(domain),
        industry_id: Set(input.industry_id.unwrap_or_default()),
        is_active: Set(true),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    let grant = access::ActiveModel {
        site_id: Set(site.id),
        user_id: Set(member.user.id),
        role: Set(role::OWNER.into()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    let actor = member.user.id;
    audit::commit_changes(txn, actor, "site.create", "site", [(site.id, None, &site)]).await?;
    Ok(SiteWithAccess {
        site,
        access: vec![(grant, member.user.email.clone())],
    })
}

/// Who wants a site slot: a customer's own account must be usable (trial or active); staff
/// reactivating a site may do so for an account in any status.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    Customer,
    Staff,
}

/// The one site-limit rule, for creating a site and for reactivating one: an account may have
/// as many active sites as its plan's `max_sites`. Locks the account row first (on PostgreSQL),
/// so concurrent creations and reactivations count one after the other and cannot both slip
/// under the limit. `None` when the account is missing (or, for a customer, not usable).
pub async fn take_site_slot<C: ConnectionTrait>(
    txn: &C,
    account_id: i64,
    holder: Holder,
) -> Result<Option<account::Model>> {
    let mut touch = account::Entity::update_many()
        .col_expr(account::Column::UpdatedAt, Utc::now().into())
        .filter(account::Column::Id.eq(account_id));
    if holder == Holder::Customer {
        touch = touch.filter(account::Column::Status.is_in(AccountStatus::USABLE));
    }
    let Some(account) = touch.exec_with_returning(txn).await?.into_iter().next() else {
        return Ok(None);
    };
    let plan = catalog::plan_by_id(txn, account.plan_id).await?;
    let active = site::Entity::find()
        .filter(site::Column::AccountId.eq(account.id))
        .filter(site::Column::IsActive.eq(true))
        .count(txn)
        .await?;
    if active >= u64::try_from(plan.max_sites).unwrap_or(0) {
        return Err(Error::Forbidden(format!(
            "Site limit reached: the {} plan allows {} active site(s).",
            plan.name, plan.max_sites
        )));
    }
    Ok(Some(account))
}

/// One of the account's sites with its access list; another account's site is "not found".
pub async fn get(db: &Db, account_id: i64, id: i64) -> Result<SiteWithAccess> {
    let site = site::Entity::find_by_id(id)
        .filter(site::Column::AccountId.eq(account_id))
        .one(db.conn())
        .await?
        .ok_or_else(|| Error::NotFound("Site not found".into()))?;
    let rows = access::Entity::find()
        .filter(access::Column::SiteId.eq(site.id))
        .order_by_asc(access::Column::Id)
        .all(db.conn())
        .await?;
    let emails = names::emails(db, rows.iter().map(|r| r.user_id)).await?;
    let access = emails.beside(rows, |r| r.user_id);
    Ok(SiteWithAccess { site, access })
}
