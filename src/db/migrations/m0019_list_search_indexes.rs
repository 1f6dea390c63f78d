//! The panel's account and user lists search through the trigram indexes as the payment queue
//! does (`domain::search`): the account's slug and the user's first and last name are indexed
//! too. On SQLite the FTS5 tables of `accounts` and `users` are made again with the new columns
//! (an FTS5 table's columns are fixed), with their triggers, and filled from their base tables;
//! on PostgreSQL each new column gets its GIN trigram index over `lower(column)`.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

use super::m0007_search_indexes;

/// What is indexed once this migration has run, by table: m0007's columns and this one's.
/// `domain::search`'s tests check that every searched column is here.
pub(crate) const INDEXED: [(&str, &[&str]); 4] = [
    ("payments", &["manual_reference"]),
    ("invoices", &["invoice_number"]),
    ("accounts", &["name", "slug", "billing_email"]),
    ("users", &["email", "first_name", "last_name"]),
];

/// (table, the columns this migration adds)
const ADDED: [(&str, &[&str]); 2] = [
    ("accounts", &["slug"]),
    ("users", &["first_name", "last_name"]),
];

/// m0007's FTS5 table and triggers, made again over `cols` after the old ones are dropped.
fn sqlite_statements(table: &str, cols: &[&str]) -> Vec<String> {
    let fts = format!("{table}_search");
    let mut statements: Vec<String> = ["insert", "delete", "update"]
        .iter()
        .map(|event| format!("DROP TRIGGER {fts}_{event}"))
        .collect();
    statements.push(format!("DROP TABLE {fts}"));
    statements.extend(m0007_search_indexes::sqlite_statements(table, cols));
    statements
}

super::migration!(m => {
    let conn = m.get_connection();
    let backend = m.get_database_backend();
    for (table, added) in ADDED {
        let statements = match backend {
            DbBackend::Sqlite => {
                let (_, cols) = INDEXED.iter().find(|(t, _)| *t == table).expect("listed");
                sqlite_statements(table, cols)
            }
            _ => m0007_search_indexes::postgres_statements(table, added),
        };
        for sql in statements {
            conn.execute_unprepared(&sql).await?;
        }
    }
    Ok(())
});
