//! One migration history for SQLite and PostgreSQL, embedded in the binary.

mod m0001_initial;
mod m0002_staff_sessions;
mod m0003_refresh_rotation;
mod m0004_idempotency_keys;
mod m0005_login_failures;
mod m0006_audit_log;
pub(crate) mod m0007_search_indexes;
mod m0008_login_attempts;
mod m0009_web_sessions;
mod m0010_jobs;
mod m0011_password_resets;
mod m0012_webhooks;
mod m0013_payment_proofs;
mod m0014_bank_statements;
mod m0015_provider_payments;
mod m0016_subscription_lifecycle;
mod m0017_credits_and_documents;
mod m0018_payment_status_counts;
pub(crate) mod m0019_list_search_indexes;
pub(crate) mod m0020_status_counts;
pub(crate) mod m0021_user_counts;

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, big_integer_null, big_pk_auto};

/// What every migration file repeats around its `async fn up`: the `Migration` type, named
/// after its file (`DeriveMigrationName` reads `file!()`, which is the invoking file's) as
/// recorded in `seaql_migrations`. Migrations here only go forward.
///
/// `migration!(m => { … })` also writes the `up` function's header around the block, with the
/// schema manager named `m`; `migration!()` leaves `async fn up(m)` to the file.
macro_rules! migration {
    ($m:ident => $body:block) => {
        super::migration!();

        async fn up($m: &SchemaManager<'_>) -> Result<(), DbErr> $body
    };
    () => {
        #[derive(DeriveMigrationName)]
        pub struct Migration;

        #[async_trait::async_trait]
        impl MigrationTrait for Migration {
            async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
                up(m).await
            }
        }
    };
}
use migration;

/// A table with the `id` primary key every table has.
fn create(name: &'static str) -> TableCreateStatement {
    Table::create().table(name).col(big_pk_auto("id")).take()
}

/// A reference from `from.col` to `to.id`, named `fk_<from>_<col>`.
fn fk(from: &str, col: &'static str, to: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{from}_{col}"))
        .from(from.to_owned(), col)
        .to(to, "id")
        .take()
}

/// A column referring to `to.id` declared with its foreign key ([`fk`]) in one call, so that
/// neither the column's nor the table's name is written twice.
trait References {
    /// A `NOT NULL` reference.
    fn reference(&mut self, col: &'static str, to: &'static str) -> &mut Self;
    /// A reference that may be `NULL`.
    fn reference_null(&mut self, col: &'static str, to: &'static str) -> &mut Self;
    /// A `NOT NULL` reference whose rows are deleted with the row they refer to.
    fn reference_cascade(&mut self, col: &'static str, to: &'static str) -> &mut Self;
}

impl References for TableCreateStatement {
    fn reference(&mut self, col: &'static str, to: &'static str) -> &mut Self {
        let mut key = fk(&table_name(self), col, to);
        self.col(big_integer(col)).foreign_key(&mut key)
    }

    fn reference_null(&mut self, col: &'static str, to: &'static str) -> &mut Self {
        let mut key = fk(&table_name(self), col, to);
        self.col(big_integer_null(col)).foreign_key(&mut key)
    }

    fn reference_cascade(&mut self, col: &'static str, to: &'static str) -> &mut Self {
        let mut key = fk(&table_name(self), col, to);
        key.on_delete(ForeignKeyAction::Cascade);
        self.col(big_integer(col)).foreign_key(&mut key)
    }
}

fn table_name(table: &TableCreateStatement) -> String {
    match table.get_table_name() {
        Some(TableRef::Table(TableName(_, name), _)) => name.to_string(),
        _ => String::new(),
    }
}

/// An index named `ix_<table>_<columns>`.
fn index(table: &'static str, cols: &[&'static str], unique: bool) -> IndexCreateStatement {
    named_index(
        &format!("ix_{table}_{}", cols.join("_")),
        table,
        cols,
        unique,
    )
}

/// A unique index named `ux_<table>_<columns>`.
fn unique(table: &'static str, cols: &[&'static str]) -> IndexCreateStatement {
    named_index(&format!("ux_{table}_{}", cols.join("_")), table, cols, true)
}

fn named_index(
    name: &str,
    table: &'static str,
    cols: &[&'static str],
    unique: bool,
) -> IndexCreateStatement {
    let mut idx = Index::create();
    idx.name(name).table(table);
    for col in cols {
        idx.col(*col);
    }
    if unique {
        idx.unique();
    }
    idx.take()
}

/// Creates the tables, then the indexes (on them or on earlier tables).
async fn create_all(
    m: &SchemaManager<'_>,
    tables: impl IntoIterator<Item = TableCreateStatement>,
    indexes: impl IntoIterator<Item = IndexCreateStatement>,
) -> Result<(), DbErr> {
    for table in tables {
        m.create_table(table).await?;
    }
    for idx in indexes {
        m.create_index(idx).await?;
    }
    Ok(())
}

/// Adds columns to a table one `ALTER TABLE` at a time (SQLite takes one change per statement).
async fn add_columns(
    m: &SchemaManager<'_>,
    table: &'static str,
    cols: Vec<ColumnDef>,
) -> Result<(), DbErr> {
    for col in cols {
        m.alter_table(Table::alter().table(table).add_column(col).take())
            .await?;
    }
    Ok(())
}

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_initial::Migration),
            Box::new(m0002_staff_sessions::Migration),
            Box::new(m0003_refresh_rotation::Migration),
            Box::new(m0004_idempotency_keys::Migration),
            Box::new(m0005_login_failures::Migration),
            Box::new(m0006_audit_log::Migration),
            Box::new(m0007_search_indexes::Migration),
            Box::new(m0008_login_attempts::Migration),
            Box::new(m0009_web_sessions::Migration),
            Box::new(m0010_jobs::Migration),
            Box::new(m0011_password_resets::Migration),
            Box::new(m0012_webhooks::Migration),
            Box::new(m0013_payment_proofs::Migration),
            Box::new(m0014_bank_statements::Migration),
            Box::new(m0015_provider_payments::Migration),
            Box::new(m0016_subscription_lifecycle::Migration),
            Box::new(m0017_credits_and_documents::Migration),
            Box::new(m0018_payment_status_counts::Migration),
            Box::new(m0019_list_search_indexes::Migration),
            Box::new(m0020_status_counts::Migration),
            Box::new(m0021_user_counts::Migration),
        ]
    }
}
