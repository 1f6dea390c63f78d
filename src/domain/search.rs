//! Staff's substring searches through the trigram indexes of migrations m0007 and m0019: the
//! payment queue (reference, invoice number, account name, billing email, a member's email)
//! and the panel's account, user and invoice lists. One question per backend, because the
//! indexes differ: FTS5 trigram tables on SQLite, pg_trgm GIN indexes over `lower(column)` on
//! PostgreSQL; and a scanning condition for the terms the indexes cannot answer. All three are
//! generated from one [`Search`] per list, so that they cannot drift apart.

use sea_orm::sea_query::{Alias, Expr, Func, IntoColumnRef, LikeExpr, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, ExprTrait, Statement, TryGetable, Value,
};

use crate::domain::rare_trigrams::{self, Ask};
use crate::entities::account;
use crate::error::Result;

/// Trigram indexes cannot answer terms shorter than this.
pub const MIN_INDEXED_CHARS: usize = 3;

/// Matches answered through the search indexes; above this a list's search scans instead.
pub const INDEXED_MATCHES_CAP: usize = 1000;

/// How the rows of a searchable table lead to the rows the search lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The rows are the listed rows themselves.
    Same,
    /// The listed rows whose `target_column` holds the row's `column`.
    Link {
        column: &'static str,
        target_column: &'static str,
    },
}

/// A table a search looks into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Searchable {
    pub table: &'static str,
    /// Matched case-insensitively, as substrings. Each one needs its index: a column of the
    /// FTS5 table `<table>_search` on SQLite, a GIN trigram index over `lower(column)` on
    /// PostgreSQL (migrations m0007 and m0019; a new column needs a new migration).
    pub columns: &'static [&'static str],
    pub reach: Reach,
}

/// What one staff list's search box matches: the rows of `target` (by `id`) reached from the
/// matching rows of each part.
#[derive(Debug, PartialEq, Eq)]
pub struct Search {
    pub target: &'static str,
    pub parts: &'static [Searchable],
}

const fn own(table: &'static str, columns: &'static [&'static str]) -> Searchable {
    Searchable {
        table,
        columns,
        reach: Reach::Same,
    }
}

const fn linked(
    table: &'static str,
    columns: &'static [&'static str],
    column: &'static str,
    target_column: &'static str,
) -> Searchable {
    Searchable {
        table,
        columns,
        reach: Reach::Link {
            column,
            target_column,
        },
    }
}

/// Staff's payment queue: reference, invoice number, account name and billing email, and a
/// member's email (which finds every payment of the member's account).
pub const PAYMENTS: Search = Search {
    target: "payments",
    parts: &[
        own("payments", &["manual_reference"]),
        linked("invoices", &["invoice_number"], "id", "invoice_id"),
        linked("accounts", &["name", "billing_email"], "id", "account_id"),
        linked("users", &["email"], "account_id", "account_id"),
    ],
};

/// The panel's accounts: name, slug, billing email, and a member's email.
pub const ACCOUNTS: Search = Search {
    target: "accounts",
    parts: &[
        own("accounts", &["name", "slug", "billing_email"]),
        linked("users", &["email"], "account_id", "id"),
    ],
};

/// The panel's users: email and names.
pub const USERS: Search = Search {
    target: "users",
    parts: &[own("users", &["email", "first_name", "last_name"])],
};

/// The panel's invoices: number, and the account's name.
pub const INVOICES: Search = Search {
    target: "invoices",
    parts: &[
        own("invoices", &["invoice_number"]),
        linked("accounts", &["name"], "id", "account_id"),
    ],
};

/// Every search, for the tests that check their indexes.
pub const EVERY: [&Search; 4] = [&PAYMENTS, &ACCOUNTS, &USERS, &INVOICES];

impl Search {
    /// The ids of the target rows reached from each part's matching rows, one `SELECT` per
    /// part joined by `UNION` (so each can use its own index), at most `$2` of them. On SQLite
    /// `$1` is an FTS5 phrase ([`fts5_phrase`]), on PostgreSQL a LIKE pattern
    /// ([`like_contains`]).
    pub fn index_sql(&self, backend: DbBackend) -> String {
        if backend != DbBackend::Sqlite {
            return self.postgres_query("", 0, &[]).sql;
        }
        let parts: Vec<String> = self
            .parts
            .iter()
            .map(|s| self.reached(s, &sqlite_rows_matching(s)))
            .collect();
        format!("{}\nLIMIT $2", parts.join("\nUNION\n"))
    }

    fn reached(&self, s: &Searchable, rows_matching: &str) -> String {
        let (table, target) = (s.table, self.target);
        match s.reach {
            Reach::Same => format!("SELECT id FROM {target} WHERE {rows_matching}"),
            Reach::Link {
                column,
                target_column,
            } => format!(
                "SELECT id FROM {target} WHERE {target_column} IN (\
                 SELECT {table}.{column} FROM {table} WHERE {rows_matching})"
            ),
        }
    }

    /// The ids of the target rows matching `term` (case-insensitive substring), when the
    /// indexes can answer and at most `cap` match. `None` means "not answered here": the term
    /// is shorter than [`MIN_INDEXED_CHARS`] or matches more than `cap` rows, and the caller
    /// filters by scanning instead (for a broad term, the first page of matches is found early
    /// in a scan).
    pub async fn ids_matching<C: ConnectionTrait>(
        &self,
        db: &C,
        term: &str,
        cap: usize,
    ) -> Result<Option<Vec<i64>>> {
        if term.chars().count() < MIN_INDEXED_CHARS {
            return Ok(None);
        }
        let backend = db.get_database_backend();
        let limit = i64::try_from(cap).unwrap_or(i64::MAX).saturating_add(1);
        let statement = match backend {
            DbBackend::Sqlite => Statement::from_sql_and_values(
                backend,
                self.index_sql(backend),
                [Value::from(fts5_phrase(term)), Value::from(limit)],
            ),
            _ => {
                let lower = term.to_lowercase();
                let mut asks = Vec::new();
                for s in self.parts {
                    for col in s.columns {
                        asks.push(rare_trigrams::ask(db, s.table, col, &lower).await?);
                    }
                }
                self.postgres_query(term, limit, &asks)
            }
        };
        let ids = ids(db, statement).await?;
        Ok((ids.len() <= cap).then_some(ids))
    }

    /// The PostgreSQL index query for `term` with `asks`, one per column of every part in
    /// order ([`rare_trigrams::ask`]): [`Search::index_sql`] where every ask is
    /// [`Ask::Whole`]; a column asked for windows has its index asked for those, and the term
    /// checked with `strpos` on the rows they find.
    pub fn postgres_query(&self, term: &str, limit: i64, asks: &[Ask]) -> Statement {
        let mut values = vec![Value::from(like_contains(term)), Value::from(limit)];
        let mut asks = asks.iter();
        let mut recheck: Option<usize> = None;
        let mut parts = Vec::new();
        for s in self.parts {
            let mut columns = Vec::new();
            for col in s.columns {
                let column = format!("lower({}.{col})", s.table);
                let narrowed = match asks.next() {
                    Some(Ask::Windows(windows)) if !windows.is_empty() => windows,
                    // Written `lower(col) LIKE …` exactly, so that the GIN index over
                    // `lower(col)` serves it.
                    _ => {
                        columns.push(format!("{column} LIKE $1 ESCAPE '\\'"));
                        continue;
                    }
                };
                let mut conditions = Vec::new();
                for w in narrowed {
                    values.push(Value::from(format!("%{w}%")));
                    conditions.push(format!("{column} LIKE ${}", values.len()));
                }
                let whole = *recheck.get_or_insert_with(|| {
                    values.push(Value::from(term.to_lowercase()));
                    values.len()
                });
                conditions.push(format!("strpos({column}, ${whole}) > 0"));
                columns.push(format!("({})", conditions.join(" AND ")));
            }
            parts.push(self.reached(s, &format!("({})", columns.join(" OR "))));
        }
        let sql = format!("{}\nLIMIT $2", parts.join("\nUNION\n"));
        Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
    }

    /// The search by scanning, for what the indexes do not answer: a condition on the target
    /// table, the same question as the index query, with `lower(col) LIKE '%term%'` on every
    /// column.
    pub fn scan(&self, term: &str) -> Condition {
        self.parts.iter().fold(Condition::any(), |any, s| {
            any.add(self.scan_reached(s, term))
        })
    }

    fn scan_reached(&self, s: &Searchable, term: &str) -> Condition {
        let rows_matching = s.columns.iter().fold(Condition::any(), |any, col| {
            any.add(contains((Alias::new(s.table), Alias::new(*col)), term))
        });
        match s.reach {
            Reach::Same => rows_matching,
            Reach::Link {
                column,
                target_column,
            } => {
                let keys = Query::select()
                    .column((Alias::new(s.table), Alias::new(column)))
                    .from(Alias::new(s.table))
                    .cond_where(rows_matching)
                    .to_owned();
                // Qualified: the condition runs on the target, the subquery on another table.
                let linked = Expr::col((Alias::new(self.target), Alias::new(target_column)));
                Condition::all().add(linked.in_subquery(keys))
            }
        }
    }

    /// The ids of every target row matching `term` by scanning ([`Search::scan`]), in id
    /// order: what the index query must agree with.
    pub async fn ids_scanning<C: ConnectionTrait>(&self, db: &C, term: &str) -> Result<Vec<i64>> {
        let target = Alias::new(self.target);
        let select = Query::select()
            .column((target.clone(), Alias::new("id")))
            .from(target.clone())
            .cond_where(self.scan(term))
            .order_by((target, Alias::new("id")), sea_orm::Order::Asc)
            .to_owned();
        let backend = db.get_database_backend();
        ids(db, backend.build(&select)).await
    }
}

async fn ids<C: ConnectionTrait>(db: &C, statement: Statement) -> Result<Vec<i64>> {
    let rows = db.query_all_raw(statement).await?;
    rows.iter()
        .map(|row| i64::try_get_by_index(row, 0))
        .collect::<std::result::Result<Vec<i64>, _>>()
        .map_err(|e| crate::error::Error::Internal(anyhow::anyhow!("search row: {e:?}")))
}

/// The FTS5 table of `table` indexes its searchable columns (perhaps more than this search
/// asks, hence the column filter); its rowid is the row's id.
fn sqlite_rows_matching(s: &Searchable) -> String {
    let (table, fts) = (s.table, format!("{}_search", s.table));
    let columns = s.columns.join(" ");
    format!("{table}.id IN (SELECT rowid FROM {fts} WHERE {fts} MATCH ('{{{columns}}} : ' || $1))")
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
        for search in EVERY {
            let sqlite = search.index_sql(DbBackend::Sqlite);
            let postgres = search.index_sql(DbBackend::Postgres);
            for sql in [&sqlite, &postgres] {
                let unions = sql.matches("\nUNION\n").count();
                assert_eq!(unions, search.parts.len() - 1, "{sql}");
                assert!(sql.ends_with("\nLIMIT $2"), "{sql}");
            }
            for s in search.parts {
                let fts = format!(
                    "{0}_search WHERE {0}_search MATCH ('{{{1}}} : ' || $1)",
                    s.table,
                    s.columns.join(" ")
                );
                assert!(sqlite.contains(&fts), "{fts} in {sqlite}");
                for col in s.columns {
                    let like = format!("lower({}.{col}) LIKE $1 ESCAPE '\\'", s.table);
                    assert!(postgres.contains(&like), "{like} in {postgres}");
                }
            }
        }
        // A member's email reaches payments through the member's account.
        assert!(PAYMENTS.index_sql(DbBackend::Sqlite).contains(
            "SELECT id FROM payments WHERE account_id IN (SELECT users.account_id FROM users \
             WHERE users.id IN (SELECT rowid FROM users_search WHERE users_search MATCH \
             ('{email} : ' || $1)))"
        ));
    }

    /// The migrations are frozen and keep their own literal (m0019's is what m0007 and m0019
    /// left indexed), so every column a search asks for must be there: a column listed here
    /// but not indexed would be missed by the FTS5 query on SQLite. A later migration that
    /// indexes more columns changes this test with it.
    #[test]
    fn every_searched_column_is_one_the_migrations_indexed() {
        let indexed = crate::db::migrations::m0019_list_search_indexes::INDEXED;
        for search in EVERY {
            for s in search.parts {
                let (_, columns) = indexed
                    .iter()
                    .find(|(table, _)| *table == s.table)
                    .unwrap_or_else(|| panic!("{} is not indexed", s.table));
                for col in s.columns {
                    assert!(columns.contains(col), "{}.{col} is not indexed", s.table);
                }
            }
        }
    }
}
