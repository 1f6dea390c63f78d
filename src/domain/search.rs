//! Staff's substring search through the trigram indexes of migration m0007: which payments
//! carry a term in their reference, invoice number, account name, billing email or a member's
//! email. One question per backend, because the indexes differ: FTS5 trigram tables on SQLite,
//! pg_trgm GIN indexes over `lower(column)` on PostgreSQL.

use sea_orm::sea_query::{Expr, Func, IntoColumnRef, LikeExpr};
use sea_orm::{ConnectionTrait, DbBackend, ExprTrait, Statement, TryGetable, Value};

use crate::db::Db;
use crate::error::Result;

/// Trigram indexes cannot answer terms shorter than this.
pub const MIN_INDEXED_CHARS: usize = 3;

const SQLITE: &str = r#"
SELECT id FROM payments WHERE id IN (SELECT rowid FROM payments_search WHERE payments_search MATCH $1)
UNION
SELECT id FROM payments WHERE invoice_id IN (SELECT rowid FROM invoices_search WHERE invoices_search MATCH $1)
UNION
SELECT id FROM payments WHERE account_id IN (
    SELECT rowid FROM accounts_search WHERE accounts_search MATCH $1
    UNION
    SELECT account_id FROM users WHERE id IN (SELECT rowid FROM users_search WHERE users_search MATCH $1))
LIMIT $2"#;

const POSTGRES: &str = r#"
SELECT id FROM payments WHERE lower(manual_reference) LIKE $1 ESCAPE '\'
UNION
SELECT id FROM payments WHERE invoice_id IN (
    SELECT id FROM invoices WHERE lower(invoice_number) LIKE $1 ESCAPE '\')
UNION
SELECT id FROM payments WHERE account_id IN (
    SELECT id FROM accounts WHERE lower(name) LIKE $1 ESCAPE '\' OR lower(billing_email) LIKE $1 ESCAPE '\'
    UNION
    SELECT account_id FROM users WHERE lower(email) LIKE $1 ESCAPE '\')
LIMIT $2"#;

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
        DbBackend::Sqlite => (SQLITE, fts5_phrase(term)),
        _ => (POSTGRES, like_contains(term)),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_and_patterns_take_the_term_literally() {
        assert_eq!(fts5_phrase(r#"a"b*c"#), r#""a""b*c""#);
        assert_eq!(like_contains(r"50%_A\b"), r"%50\%\_a\\b%");
    }
}
