//! Staff's substring search through the trigram indexes of migration m0007: which payments
//! carry a term in their reference, invoice number, account name, billing email or a member's
//! email. One question per backend, because the indexes differ: FTS5 trigram tables on SQLite,
//! pg_trgm GIN indexes over `lower(column)` on PostgreSQL; and a scanning condition for the
//! terms the indexes cannot answer. All three are generated from [`SEARCHABLE`], so that they
//! cannot drift apart.

use std::sync::LazyLock;

use sea_orm::sea_query::{Alias, Expr, Func, IntoColumnRef, LikeExpr, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, ExprTrait, QueryFilter,
    QueryOrder, QuerySelect, Statement, TryGetable, Value,
};

use crate::db::Db;
use crate::entities::{account, payment};
use crate::error::Result;

/// Trigram indexes cannot answer terms shorter than this.
pub const MIN_INDEXED_CHARS: usize = 3;

/// How the rows of a searchable table lead to the payments they make findable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The rows are payments (the table is `payments`).
    Payment,
    /// The payments whose `payments_column` holds the row's `column`.
    Link {
        column: &'static str,
        payments_column: &'static str,
    },
}

/// A table staff's payment search looks into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Searchable {
    pub table: &'static str,
    /// Matched case-insensitively, as substrings. Each one needs its index: a column of the
    /// FTS5 table `<table>_search` on SQLite, a GIN trigram index over `lower(column)` on
    /// PostgreSQL (migration m0007; a new column needs a new migration).
    pub columns: &'static [&'static str],
    pub reach: Reach,
}

/// The one list of what staff's payment search matches. The index queries and the scanning
/// condition below are generated from it; tests check that m0007 indexes every column.
pub const SEARCHABLE: &[Searchable] = &[
    Searchable {
        table: "payments",
        columns: &["manual_reference"],
        reach: Reach::Payment,
    },
    Searchable {
        table: "invoices",
        columns: &["invoice_number"],
        reach: Reach::Link {
            column: "id",
            payments_column: "invoice_id",
        },
    },
    Searchable {
        table: "accounts",
        columns: &["name", "billing_email"],
        reach: Reach::Link {
            column: "id",
            payments_column: "account_id",
        },
    },
    // A member's email finds every payment of the member's account.
    Searchable {
        table: "users",
        columns: &["email"],
        reach: Reach::Link {
            column: "account_id",
            payments_column: "account_id",
        },
    },
];

/// `$1` is an FTS5 phrase ([`fts5_phrase`]), `$2` the row limit.
static SQLITE: LazyLock<String> = LazyLock::new(|| union_of_reached(sqlite_rows_matching));

/// `$1` is a LIKE pattern ([`like_contains`]), `$2` the row limit.
static POSTGRES: LazyLock<String> = LazyLock::new(|| union_of_reached(postgres_rows_matching));

/// The ids of the payments reached from each searchable table's matching rows, one `SELECT`
/// per table joined by `UNION` (so each can use its own index), at most `$2` of them.
/// `rows_matching` is the backend's condition on a table's rows.
fn union_of_reached(rows_matching: fn(&Searchable) -> String) -> String {
    let parts: Vec<String> = SEARCHABLE
        .iter()
        .map(|s| payments_reached(s, &rows_matching(s)))
        .collect();
    format!("{}\nLIMIT $2", parts.join("\nUNION\n"))
}

fn payments_reached(s: &Searchable, rows_matching: &str) -> String {
    let table = s.table;
    match s.reach {
        Reach::Payment => format!("SELECT id FROM payments WHERE {rows_matching}"),
        Reach::Link {
            column,
            payments_column,
        } => format!(
            "SELECT id FROM payments WHERE {payments_column} IN (\
             SELECT {table}.{column} FROM {table} WHERE {rows_matching})"
        ),
    }
}

/// The FTS5 table of `table` indexes all its searchable columns; its rowid is the row's id.
fn sqlite_rows_matching(s: &Searchable) -> String {
    let (table, fts) = (s.table, format!("{}_search", s.table));
    format!("{table}.id IN (SELECT rowid FROM {fts} WHERE {fts} MATCH $1)")
}

/// Written `lower(col) LIKE …` exactly, so that the GIN indexes over `lower(col)` serve it.
fn postgres_rows_matching(s: &Searchable) -> String {
    let likes: Vec<String> = s
        .columns
        .iter()
        .map(|col| format!("lower({}.{col}) LIKE $1 ESCAPE '\\'", s.table))
        .collect();
    format!("({})", likes.join(" OR "))
}

/// The ids of payments matching `term` (case-insensitive substring), when the indexes can
/// answer and at most `cap` match. `None` means "not answered here": the term is shorter than
/// [`MIN_INDEXED_CHARS`] or matches more than `cap` payments, and the caller filters by
/// scanning instead (for a broad term, the first page of matches is found early in a scan).
pub async fn payment_ids_matching(db: &Db, term: &str, cap: usize) -> Result<Option<Vec<i64>>> {
    if term.chars().count() < MIN_INDEXED_CHARS {
        return Ok(None);
    }
    let backend = db.backend();
    let (sql, needle) = match backend {
        DbBackend::Sqlite => (SQLITE.as_str(), fts5_phrase(term)),
        _ => (POSTGRES.as_str(), like_contains(term)),
    };
    let limit = i64::try_from(cap).unwrap_or(i64::MAX).saturating_add(1);
    let rows = db
        .conn()
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [Value::from(needle), Value::from(limit)],
        ))
        .await?;
    let ids = rows
        .iter()
        .map(|row| i64::try_get_by_index(row, 0))
        .collect::<std::result::Result<Vec<i64>, _>>()
        .map_err(|e| crate::error::Error::Internal(anyhow::anyhow!("search row: {e:?}")))?;
    Ok((ids.len() <= cap).then_some(ids))
}

/// The search by scanning, for what the indexes do not answer: a condition on `payments`,
/// the same question as the index queries, with `lower(col) LIKE '%term%'` on every column.
pub fn scan_condition(term: &str) -> Condition {
    SEARCHABLE
        .iter()
        .fold(Condition::any(), |any, s| any.add(scan_reached(s, term)))
}

fn scan_reached(s: &Searchable, term: &str) -> Condition {
    let rows_matching = scan_rows_matching(s, term);
    match s.reach {
        Reach::Payment => rows_matching,
        Reach::Link {
            column,
            payments_column,
        } => {
            let keys = Query::select()
                .column((Alias::new(s.table), Alias::new(column)))
                .from(Alias::new(s.table))
                .cond_where(rows_matching)
                .to_owned();
            // Qualified: the condition runs on `payments`, the subquery on another table.
            let linked = Expr::col((payment::Entity, Alias::new(payments_column)));
            Condition::all().add(linked.in_subquery(keys))
        }
    }
}

fn scan_rows_matching(s: &Searchable, term: &str) -> Condition {
    s.columns.iter().fold(Condition::any(), |any, col| {
        any.add(contains((Alias::new(s.table), Alias::new(*col)), term))
    })
}

/// The ids of every payment matching `term` by scanning ([`scan_condition`]), in id order:
/// what the index queries must agree with.
pub async fn payment_ids_scanning(db: &Db, term: &str) -> Result<Vec<i64>> {
    Ok(payment::Entity::find()
        .select_only()
        .column(payment::Column::Id)
        .filter(scan_condition(term))
        .order_by_asc(payment::Column::Id)
        .into_tuple()
        .all(db.conn())
        .await?)
}

/// An FTS5 phrase: with the trigram tokenizer, a case-insensitive substring match in which
/// every character of the term is literal (a `"` is written twice).
fn fts5_phrase(term: &str) -> String {
    format!("\"{}\"", term.replace('"', "\"\""))
}

/// `%term%` for `lower(col) LIKE … ESCAPE '\'`, with `%`, `_` and `\` matched literally.
pub(crate) fn like_contains(term: &str) -> String {
    let mut escaped = String::with_capacity(term.len() + 2);
    escaped.push('%');
    for c in term.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped.push('%');
    escaped
}

/// `%term%` for a LIKE against a lower-cased column: a case-insensitive substring match in which
/// `%`, `_` and `\` in the term are matched literally. Every staff search shares it.
pub fn contains_pattern(term: &str) -> LikeExpr {
    LikeExpr::new(like_contains(term)).escape('\\')
}

/// `LOWER(column) LIKE '%term%'`: the scanning search of every staff list.
pub fn contains(column: impl IntoColumnRef, term: &str) -> Expr {
    Expr::expr(Func::lower(Expr::col(column))).like(contains_pattern(term))
}

/// The `key` of every row whose `column` contains `term` ([`contains`]): the subquery that
/// finds a record by a related row's text (an invoice by its account's name).
pub fn keys_matching<C: ColumnTrait>(key: C, column: C, term: &str) -> SelectStatement {
    Query::select()
        .column(key)
        .from(C::EntityName::default())
        .and_where(contains(column, term))
        .to_owned()
}

/// The ids of the accounts whose name contains `term`.
pub fn accounts_named(term: &str) -> SelectStatement {
    keys_matching(account::Column::Id, account::Column::Name, term)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_and_patterns_take_the_term_literally() {
        assert_eq!(fts5_phrase(r#"a"b*c"#), r#""a""b*c""#);
        assert_eq!(like_contains(r"50%_A\b"), r"%50\%\_a\\b%");
    }

    #[test]
    fn index_queries_ask_every_listed_table_and_column() {
        for sql in [SQLITE.as_str(), POSTGRES.as_str()] {
            assert_eq!(
                sql.matches("\nUNION\n").count(),
                SEARCHABLE.len() - 1,
                "{sql}"
            );
            assert!(sql.ends_with("\nLIMIT $2"), "{sql}");
        }
        for s in SEARCHABLE {
            let fts = format!("{0}_search WHERE {0}_search MATCH $1", s.table);
            assert!(SQLITE.contains(&fts), "{fts} in {}", *SQLITE);
            for col in s.columns {
                let like = format!("lower({}.{col}) LIKE $1 ESCAPE '\\'", s.table);
                assert!(POSTGRES.contains(&like), "{like} in {}", *POSTGRES);
            }
        }
        // A member's email reaches payments through the member's account.
        assert!(SQLITE.contains(
            "SELECT id FROM payments WHERE account_id IN (SELECT users.account_id FROM users \
             WHERE users.id IN (SELECT rowid FROM users_search WHERE users_search MATCH $1))"
        ));
    }

    /// Migration m0007 is frozen and keeps its own literal, so this list must name the same
    /// tables and columns: a column listed here but not indexed there would be scanned, or
    /// missed by the FTS5 query on SQLite. A later migration that indexes more columns
    /// changes this test with it.
    #[test]
    fn the_list_names_the_tables_and_columns_the_migration_indexed() {
        let searched: Vec<(&str, &[&str])> =
            SEARCHABLE.iter().map(|s| (s.table, s.columns)).collect();
        assert_eq!(
            searched,
            crate::db::migrations::m0007_search_indexes::SEARCHABLE
        );
    }
}
