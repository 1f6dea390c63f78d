//! The rows of one account in the tables that hold an `account_id`: what a customer lists of
//! their own, and the staff account page shows. One set of queries for every such table.

use sea_orm::{ColumnTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, Select};

use crate::db::Db;
use crate::domain::page::{Page, PageRequest, fetch};
use crate::error::Result;

/// A table whose rows each belong to one account, by these columns.
pub trait OfAccount: EntityTrait {
    const ACCOUNT_ID: Self::Column;
    const ID: Self::Column;
}

macro_rules! of_account {
    ($($m:ident),*) => {$(
        impl OfAccount for crate::entities::$m::Entity {
            const ACCOUNT_ID: Self::Column = crate::entities::$m::Column::AccountId;
            const ID: Self::Column = crate::entities::$m::Column::Id;
        }
    )*};
}
of_account!(
    invoice,
    payment,
    credit_transaction,
    subscription,
    site,
    credit_note
);

fn of<E: OfAccount>(account_id: i64) -> Select<E> {
    E::find().filter(E::ACCOUNT_ID.eq(account_id))
}

/// One page of an account's rows (its invoices, payments or ledger entries), newest — the
/// highest `id` — first.
pub async fn newest<E>(db: &Db, account_id: i64, req: PageRequest) -> Result<Page<E::Model>>
where
    E: OfAccount,
    E::Model: FromQueryResult + Send + Sync,
{
    fetch(
        of::<E>(account_id).order_by_desc(E::ID),
        db.conn(),
        req,
        None,
    )
    .await
}

/// The account's newest row (its current subscription).
pub async fn latest<E: OfAccount>(db: &Db, account_id: i64) -> Result<Option<E::Model>> {
    Ok(of::<E>(account_id)
        .order_by_desc(E::ID)
        .one(db.conn())
        .await?)
}

/// All the account's rows, oldest first (its sites).
pub async fn all<E: OfAccount>(db: &Db, account_id: i64) -> Result<Vec<E::Model>> {
    Ok(of::<E>(account_id)
        .order_by_asc(E::ID)
        .all(db.conn())
        .await?)
}
