//! How `seed-demo` writes: a batch of rows per table, a few big INSERTs per transaction, with
//! ids assigned ahead from each table's next free id.

use sea_orm::{ConnectionTrait, EntityTrait, Statement};

use super::ROWS_PER_INSERT;
use crate::db::Db;
use crate::entities::{
    account, audit_entry, credit_transaction as ledger, invoice, payment, subscription, user,
};
use crate::error::Result;

#[derive(Default)]
pub(super) struct Batch {
    pub(super) users: Vec<user::ActiveModel>,
    pub(super) accounts: Vec<account::ActiveModel>,
    pub(super) subscriptions: Vec<subscription::ActiveModel>,
    pub(super) invoices: Vec<invoice::ActiveModel>,
    pub(super) payments: Vec<payment::ActiveModel>,
    pub(super) ledger: Vec<ledger::ActiveModel>,
    pub(super) audit: Vec<audit_entry::ActiveModel>,
}

async fn insert_all<E, C>(txn: &C, rows: Vec<E::ActiveModel>) -> Result<()>
where
    E: EntityTrait,
    E::ActiveModel: sea_orm::ActiveModelTrait<Entity = E> + Send,
    C: ConnectionTrait,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<E::ActiveModel> = rows.by_ref().take(ROWS_PER_INSERT).collect();
        E::insert_many(chunk).exec(txn).await?;
    }
    Ok(())
}

/// One transaction per batch, parents before children (foreign keys are enforced).
pub(super) async fn write(db: &Db, b: Batch) -> Result<()> {
    let txn = db.begin_write().await?;
    insert_all::<account::Entity, _>(&*txn, b.accounts).await?;
    insert_all::<user::Entity, _>(&*txn, b.users).await?;
    insert_all::<subscription::Entity, _>(&*txn, b.subscriptions).await?;
    insert_all::<invoice::Entity, _>(&*txn, b.invoices).await?;
    insert_all::<payment::Entity, _>(&*txn, b.payments).await?;
    insert_all::<ledger::Entity, _>(&*txn, b.ledger).await?;
    insert_all::<audit_entry::Entity, _>(&*txn, b.audit).await?;
    txn.commit().await?;
    Ok(())
}

/// The next free id of each table: ids are assigned here so a batch is a few big INSERTs.
pub(super) struct Ids {
    pub(super) account: i64,
    pub(super) user: i64,
    pub(super) subscription: i64,
    pub(super) invoice: i64,
    pub(super) payment: i64,
    pub(super) ledger: i64,
    pub(super) audit: i64,
}

const TABLES: [&str; 7] = [
    "accounts",
    "users",
    "subscriptions",
    "invoices",
    "payments",
    "credit_transactions",
    "audit_log",
];

impl Ids {
    pub(super) async fn load(db: &Db) -> Result<Ids> {
        let mut next = [0i64; 7];
        for (slot, table) in next.iter_mut().zip(TABLES) {
            let row = db
                .conn()
                .query_one_raw(Statement::from_string(
                    db.backend(),
                    format!("SELECT COALESCE(MAX(id), 0) + 1 FROM {table}"),
                ))
                .await?;
            *slot = row
                .map(|r| r.try_get_by_index::<i64>(0))
                .transpose()?
                .unwrap_or(1);
        }
        let [account, user, subscription, invoice, payment, ledger, audit] = next;
        Ok(Ids {
            account,
            user,
            subscription,
            invoice,
            payment,
            ledger,
            audit,
        })
    }

    /// PostgreSQL's identity sequences did not see the ids set here: move them past them.
    pub(super) async fn fix_sequences(&self, db: &Db) -> Result<()> {
        if db.backend() != sea_orm::DbBackend::Postgres {
            return Ok(());
        }
        for table in TABLES {
            db.conn()
                .execute_unprepared(&format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                     (SELECT COALESCE(MAX(id), 1) FROM {table}))"
                ))
                .await?;
        }
        Ok(())
    }
}
