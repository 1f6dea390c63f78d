//! How many rows of a counted table have each status, read from `status_counts`, which
//! triggers on payments, accounts and invoices keep in the same transaction as every change
//! (migration m0020): a handful of rows however many there are, where `COUNT(*)` over a list
//! grows with it. Checked against the tables by `tollgate verify` (`status-counters`).

use sea_orm::{ConnectionTrait, Statement};

use crate::db::Db;
use crate::domain::page::Counts;
use crate::error::{Error, Result};

/// A table whose rows per status the triggers count (m0020's `COUNTED`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted(&'static str);

pub const PAYMENTS: Counted = Counted("payments");
pub const ACCOUNTS: Counted = Counted("accounts");
pub const INVOICES: Counted = Counted("invoices");
/// Users by role and activation rather than status (m0021): `staff active`, `customer
/// inactive`…
pub const USERS: Counted = Counted("users");

impl Counted {
    /// Its name in `status_counts.list`: the table's own.
    pub fn list(self) -> &'static str {
        self.0
    }
}

/// The rows of `of` per status (statuses with none may be absent or zero).
pub async fn status_counts(db: &Db, of: Counted) -> Result<Counts> {
    // The list is one of the constants above, never input: written into the SQL, so that
    // one statement serves both backends' placeholder styles.
    let sql = format!(
        "SELECT status, CAST(SUM(n) AS BIGINT) FROM status_counts WHERE list = '{}' \
         GROUP BY status",
        of.list()
    );
    let rows = db
        .conn()
        .query_all_raw(Statement::from_string(db.backend(), sql))
        .await?;
    rows.iter()
        .map(|row| {
            let status: String = row.try_get_by_index(0)?;
            let n: i64 = row.try_get_by_index(1)?;
            Ok((status, u64::try_from(n).unwrap_or(0)))
        })
        .collect::<std::result::Result<Counts, sea_orm::DbErr>>()
        .map_err(|e| Error::Internal(anyhow::anyhow!("{} status counts: {e}", of.list())))
}

/// Of `counts` ([`status_counts`]), the rows with `status`, or all of them when it is `None`.
pub fn with_status(counts: &Counts, status: Option<&str>) -> u64 {
    match status {
        Some(s) => counts.get(s).copied().unwrap_or(0),
        None => counts.values().sum(),
    }
}

/// Of the users `counts` ([`status_counts`] of [`USERS`]), those that are staff or not
/// (`is_staff`) and active or not (`is_active`), each filter applying when given.
pub fn users_matching(counts: &Counts, is_staff: Option<bool>, is_active: Option<bool>) -> u64 {
    let role = is_staff.map(|staff| if staff { "staff" } else { "customer" });
    let state = is_active.map(|active| if active { "active" } else { "inactive" });
    counts
        .iter()
        .filter(|(bucket, _)| {
            let (r, s) = bucket.split_once(' ').unwrap_or((bucket, ""));
            role.is_none_or(|want| want == r) && state.is_none_or(|want| want == s)
        })
        .map(|(_, n)| *n)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::migrations::m0020_status_counts::COUNTED;

    #[test]
    fn every_counted_list_is_counted_by_the_migration() {
        for of in [PAYMENTS, ACCOUNTS, INVOICES] {
            assert!(
                COUNTED.contains(&of.list()),
                "{} has no triggers",
                of.list()
            );
        }
    }

    #[test]
    fn users_are_summed_over_the_buckets_their_filters_allow() {
        let counts: Counts = [
            ("staff active", 2),
            ("staff inactive", 1),
            ("customer active", 30),
            ("customer inactive", 4),
        ]
        .into_iter()
        .map(|(b, n)| (b.to_owned(), n))
        .collect();
        assert_eq!(users_matching(&counts, None, None), 37);
        assert_eq!(users_matching(&counts, Some(true), None), 3);
        assert_eq!(users_matching(&counts, Some(false), Some(true)), 30);
        assert_eq!(users_matching(&counts, None, Some(false)), 5);
        assert_eq!(
            users_matching(&Counts::default(), Some(true), Some(true)),
            0
        );
    }
}
