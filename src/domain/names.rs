//! The names shown beside the ids a page of records holds: account names, emails, industry and
//! plan names, invoice numbers. One query per kind, whatever the page size.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::db::Db;
use crate::domain::catalog;
use crate::entities::{account, industry, invoice, user};
use crate::error::Result;

/// Names by id.
pub struct Names(HashMap<i64, String>);

impl Names {
    /// The name of `id`; empty when the row is gone (a list shows a blank, not an error).
    pub fn of(&self, id: i64) -> String {
        self.0.get(&id).cloned().unwrap_or_default()
    }

    /// The name of an optional reference (an account's owner, a payment's reviewer).
    pub fn of_some(&self, id: Option<i64>) -> Option<String> {
        id.and_then(|id| self.0.get(&id).cloned())
    }

    /// Each row with the name of the id `key` reads from it (a site with its industry's name).
    pub fn beside<T>(&self, rows: Vec<T>, key: impl Fn(&T) -> i64) -> Vec<(T, String)> {
        let named = |row: T| {
            let name = self.of(key(&row));
            (row, name)
        };
        rows.into_iter().map(named).collect()
    }
}

/// `id → name` for the rows of `E` whose `id` column is one of `ids`.
async fn named<E: EntityTrait>(
    db: &Db,
    id: E::Column,
    ids: impl IntoIterator<Item = i64>,
    name: fn(E::Model) -> (i64, String),
) -> Result<Names> {
    let rows = E::find().filter(id.is_in(ids)).all(db.conn()).await?;
    Ok(Names(rows.into_iter().map(name).collect()))
}

pub async fn accounts(db: &Db, ids: impl IntoIterator<Item = i64>) -> Result<Names> {
    named::<account::Entity>(db, account::Column::Id, ids, |a| (a.id, a.name)).await
}

/// One account's name (empty when it is gone).
pub async fn account(db: &Db, id: i64) -> Result<String> {
    Ok(accounts(db, [id]).await?.of(id))
}

pub async fn emails(db: &Db, ids: impl IntoIterator<Item = i64>) -> Result<Names> {
    named::<user::Entity>(db, user::Column::Id, ids, |u| (u.id, u.email)).await
}

pub async fn industries(db: &Db, ids: impl IntoIterator<Item = i64>) -> Result<Names> {
    named::<industry::Entity>(db, industry::Column::Id, ids, |i| (i.id, i.name)).await
}

pub async fn invoice_numbers(db: &Db, ids: impl IntoIterator<Item = i64>) -> Result<Names> {
    named::<invoice::Entity>(db, invoice::Column::Id, ids, |i| (i.id, i.invoice_number)).await
}

/// Every plan's name: there are few plans, so one query reads them all.
pub async fn plans(db: &Db) -> Result<Names> {
    let plans = catalog::all_plans(db).await?;
    Ok(Names(plans.into_iter().map(|p| (p.id, p.name)).collect()))
}
