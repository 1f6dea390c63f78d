//! Indexes for staff's substring search (payment reference, invoice number, account name and
//! billing email, member email), so that it does not scan every row: at a million accounts a
//! scan took 1.5 s. PostgreSQL gets trigram GIN indexes (pg_trgm) on the lower-cased columns,
//! which serve `lower(col) LIKE '%term%'` directly. SQLite gets FTS5 tables with the trigram
//! tokenizer, kept in step with their base tables by triggers. Both need terms of three
//! characters or more; shorter ones fall back to a scan (see `domain::search`).

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

/// (table, searchable columns). The FTS5 table of `t` is `t_search`; its rowid is `t.id`.
pub(crate) const SEARCHABLE: [(&str, &[&str]); 4] = [
    ("payments", &["manual_reference"]),
    ("invoices", &["invoice_number"]),
    ("accounts", &["name", "billing_email"]),
    ("users", &["email"]),
];

pub(super) fn sqlite_statements(table: &str, cols: &[&str]) -> Vec<String> {
    let fts = format!("{table}_search");
    let list = cols.join(", ");
    let new = cols
        .iter()
        .map(|c| format!("new.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let old = cols
        .iter()
        .map(|c| format!("old.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    // External content: the index only, the text stays in the base table. Removing a row
    // from such an index takes its old values, which the triggers pass.
    vec![
        format!(
            "CREATE VIRTUAL TABLE {fts} USING fts5({list}, content='{table}', \
             content_rowid='id', tokenize='trigram')"
        ),
        format!(
            "CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN \
             INSERT INTO {fts}(rowid, {list}) VALUES (new.id, {new}); END"
        ),
        format!(
            "CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN \
             INSERT INTO {fts}({fts}, rowid, {list}) VALUES ('delete', old.id, {old}); END"
        ),
        format!(
            "CREATE TRIGGER {fts}_update AFTER UPDATE OF {list} ON {table} BEGIN \
             INSERT INTO {fts}({fts}, rowid, {list}) VALUES ('delete', old.id, {old}); \
             INSERT INTO {fts}(rowid, {list}) VALUES (new.id, {new}); END"
        ),
        format!("INSERT INTO {fts}({fts}) VALUES ('rebuild')"),
    ]
}

pub(super) fn postgres_statements(table: &str, cols: &[&str]) -> Vec<String> {
    cols.iter()
        .map(|col| {
            format!(
                "CREATE INDEX ix_{table}_{col}_trgm ON {table} \
                 USING gin (lower({col}) gin_trgm_ops)"
            )
        })
        .collect()
}

super::migration!(m => {
    let conn = m.get_connection();
    let mut statements = Vec::new();
    match m.get_database_backend() {
        DbBackend::Sqlite => {
            for (table, cols) in SEARCHABLE {
                statements.extend(sqlite_statements(table, cols));
            }
        }
        _ => {
            // pg_trgm ships with PostgreSQL (contrib) and is a trusted extension: the
            // database's owner may create it.
            statements.push("CREATE EXTENSION IF NOT EXISTS pg_trgm".to_owned());
            for (table, cols) in SEARCHABLE {
                statements.extend(postgres_statements(table, cols));
            }
        }
    }
    for sql in statements {
        conn.execute_unprepared(&sql).await?;
    }
    Ok(())
});
