//! `tollgate verify`: checks a live database for broken money invariants. Each check is one
//! read-only query (the same SQL on SQLite and PostgreSQL), so it can run against production.

use std::collections::BTreeMap;

use sea_orm::{ConnectionTrait, Statement};

use crate::db::Db;
use crate::error::Result;

/// One broken invariant, named so a person can find the row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub check: &'static str,
    pub detail: String,
}

/// (check name, SQL returning one text column per violating row)
const CHECKS: &[(&str, &str)] = &[
    (
        // Kept by triggers (migration m0020, over its `COUNTED` tables, and m0021 for users
        // by bucket); staff's lists read their counts from them.
        "status-counters",
        "SELECT list || ' ' || status || ': counted ' || CAST(SUM(counted) AS TEXT) \
         || ', in the table ' || CAST(SUM(actual) AS TEXT) \
         FROM (SELECT list, status, n AS counted, 0 AS actual FROM status_counts \
               UNION ALL SELECT 'payments', status, 0, 1 FROM payments \
               UNION ALL SELECT 'accounts', status, 0, 1 FROM accounts \
               UNION ALL SELECT 'invoices', status, 0, 1 FROM invoices \
               UNION ALL SELECT 'users', (CASE WHEN users.is_staff THEN 'staff' ELSE 'customer' END \
               || ' ' || CASE WHEN users.is_active THEN 'active' ELSE 'inactive' END), 0, 1 \
               FROM users) c \
         GROUP BY list, status HAVING SUM(counted) <> SUM(actual)",
    ),
    (
        "credits-equal-ledger",
        "SELECT 'account ' || CAST(a.id AS TEXT) || ': credits ' || CAST(a.credits AS TEXT) \
         || ' but ledger sums to ' || CAST(COALESCE(SUM(t.amount), 0) AS TEXT) \
         FROM accounts a LEFT JOIN credit_transactions t ON t.account_id = a.id \
         GROUP BY a.id, a.credits HAVING a.credits <> COALESCE(SUM(t.amount), 0)",
    ),
    (
        "ledger-balance-chain",
        "SELECT 'account ' || CAST(account_id AS TEXT) || ': ledger row ' || CAST(id AS TEXT) \
         || ' says balance ' || CAST(balance_after AS TEXT) || ', running sum is ' \
         || CAST(running AS TEXT) \
         FROM (SELECT id, account_id, balance_after, \
               SUM(amount) OVER (PARTITION BY account_id ORDER BY id) AS running \
               FROM credit_transactions) chain \
         WHERE running <> balance_after",
    ),
    (
        "credits-not-negative",
        "SELECT 'account ' || CAST(id AS TEXT) || ': credits ' || CAST(credits AS TEXT) \
         FROM accounts WHERE credits < 0",
    ),
    (
        // Refunds leave the invoice paid and its payment (partially) refunded.
        "paid-invoice-has-one-payment",
        "SELECT 'invoice ' || i.invoice_number || ': paid with ' \
         || CAST((SELECT COUNT(*) FROM payments p WHERE p.invoice_id = i.id \
                  AND p.status IN ('succeeded', 'partially_refunded', 'refunded')) AS TEXT) \
         || ' settled payment(s), ' \
         || CAST((SELECT COUNT(*) FROM payments p WHERE p.invoice_id = i.id \
                  AND p.status IN ('succeeded', 'partially_refunded', 'refunded') \
                  AND p.amount = i.total) AS TEXT) \
         || ' of its total' \
         FROM invoices i WHERE i.status = 'paid' AND ( \
           (SELECT COUNT(*) FROM payments p WHERE p.invoice_id = i.id \
            AND p.status IN ('succeeded', 'partially_refunded', 'refunded')) <> 1 \
           OR (SELECT COUNT(*) FROM payments p WHERE p.invoice_id = i.id \
               AND p.status IN ('succeeded', 'partially_refunded', 'refunded') \
               AND p.amount = i.total) <> 1)",
    ),
    (
        "succeeded-payment-has-paid-invoice",
        "SELECT 'payment ' || CAST(p.id AS TEXT) || ': ' || p.status || ' but invoice ' \
         || i.invoice_number || ' is ' || i.status \
         FROM payments p JOIN invoices i ON i.id = p.invoice_id \
         WHERE p.status IN ('succeeded', 'partially_refunded', 'refunded') \
           AND i.status <> 'paid'",
    ),
    (
        "refunds-add-up",
        "SELECT 'payment ' || CAST(p.id AS TEXT) || ': refunded ' \
         || CAST(p.refunded_amount AS TEXT) || ' but its credit notes sum to ' \
         || CAST(COALESCE(SUM(n.amount), 0) AS TEXT) \
         FROM payments p LEFT JOIN credit_notes n ON n.payment_id = p.id \
         GROUP BY p.id, p.refunded_amount HAVING p.refunded_amount <> COALESCE(SUM(n.amount), 0)",
    ),
    (
        "refund-status-matches-amount",
        "SELECT 'payment ' || CAST(p.id AS TEXT) || ' is ' || p.status || ' with ' \
         || CAST(p.refunded_amount AS TEXT) || ' of ' || CAST(p.amount AS TEXT) || ' refunded' \
         FROM payments p WHERE \
           (p.status = 'refunded' AND p.refunded_amount <> p.amount) \
           OR (p.status = 'partially_refunded' \
               AND (p.refunded_amount <= 0 OR p.refunded_amount >= p.amount)) \
           OR (p.status NOT IN ('refunded', 'partially_refunded') AND p.refunded_amount <> 0)",
    ),
    (
        "credit-note-credits-in-ledger",
        "SELECT 'credit note ' || n.number || ' took back ' || CAST(n.credits AS TEXT) \
         || ' credits but its ledger rows say ' || CAST(COALESCE(-SUM(t.amount), 0) AS TEXT) \
         FROM credit_notes n LEFT JOIN credit_transactions t \
           ON t.reference = 'credit_note:' || CAST(n.id AS TEXT) \
         GROUP BY n.id, n.number, n.credits HAVING n.credits <> COALESCE(-SUM(t.amount), 0)",
    ),
    (
        "refund-within-grant",
        "SELECT 'payment ' || CAST(n.payment_id AS TEXT) || ': refunds took back ' \
         || CAST(SUM(n.credits) AS TEXT) || ' credits of a grant of ' \
         || CAST(COALESCE(MAX(g.amount), 0) AS TEXT) \
         FROM credit_notes n LEFT JOIN credit_transactions g \
           ON g.reference = 'payment:' || CAST(n.payment_id AS TEXT) AND g.amount > 0 \
         GROUP BY n.payment_id HAVING SUM(n.credits) > COALESCE(MAX(g.amount), 0)",
    ),
    (
        "refund-audited",
        "SELECT 'credit note ' || n.number || ' has no audit entry of its refund' \
         FROM credit_notes n WHERE NOT EXISTS (SELECT 1 FROM audit_log a \
           WHERE a.action = 'payment.refund' AND a.object_type = 'payment' \
             AND a.object_id = n.payment_id AND a.after LIKE '%' || n.number || '%')",
    ),
    (
        "money-change-audited",
        "SELECT 'ledger row ' || CAST(t.id AS TEXT) || ' of account ' || CAST(t.account_id AS TEXT) \
         || ' (' || t.transaction_type || ' ' || CAST(t.amount AS TEXT) || ') has no audit entry' \
         FROM credit_transactions t \
         WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.ledger_id = t.id)",
    ),
    (
        "payment-review-audited",
        "SELECT 'payment ' || CAST(p.id AS TEXT) || ' is ' || p.status \
         || ' without an audit entry of its review' \
         FROM payments p \
         WHERE p.status IN ('succeeded', 'failed', 'partially_refunded', 'refunded') \
         AND NOT EXISTS ( \
           SELECT 1 FROM audit_log a WHERE a.object_type = 'payment' AND a.object_id = p.id \
           AND a.action IN ('payment.approve', 'payment.reject', 'payment.settle', 'payment.fail'))",
    ),
    (
        "active-subscription-is-paid",
        "SELECT 'subscription ' || CAST(s.id AS TEXT) || ' of account ' \
         || CAST(s.account_id AS TEXT) || ': active without a paid invoice' \
         FROM subscriptions s WHERE s.status = 'active' AND NOT EXISTS ( \
           SELECT 1 FROM invoices i WHERE i.subscription_id = s.id AND i.status = 'paid')",
    ),
    (
        "one-renewal-per-period",
        "SELECT 'subscription ' || CAST(i.subscription_id AS TEXT) || ': ' \
         || CAST(COUNT(*) AS TEXT) || ' renewal invoices for one period' \
         FROM invoices i WHERE i.purpose = 'renewal' AND i.status <> 'void' \
         GROUP BY i.subscription_id, i.period_start HAVING COUNT(*) > 1",
    ),
    (
        "one-running-subscription-per-account",
        "SELECT 'account ' || CAST(s.account_id AS TEXT) || ': ' || CAST(COUNT(*) AS TEXT) \
         || ' subscriptions running at once' \
         FROM subscriptions s WHERE s.status IN ('pending_payment', 'active', 'past_due') \
         GROUP BY s.account_id HAVING COUNT(*) > 1",
    ),
    (
        "running-subscription-has-period",
        "SELECT 'subscription ' || CAST(s.id AS TEXT) || ' is ' || s.status \
         || ' without a period' \
         FROM subscriptions s WHERE s.status IN ('active', 'past_due') AND ( \
           s.current_period_start IS NULL OR s.current_period_end IS NULL \
           OR s.current_period_end <= s.current_period_start)",
    ),
    (
        "past-due-has-unpaid-renewal",
        "SELECT 'subscription ' || CAST(s.id AS TEXT) || ' is past_due with no unpaid renewal' \
         FROM subscriptions s WHERE s.status = 'past_due' AND (s.past_due_since IS NULL \
           OR NOT EXISTS (SELECT 1 FROM invoices i WHERE i.subscription_id = s.id \
             AND i.purpose = 'renewal' AND i.status = 'pending'))",
    ),
    (
        "suspended-account-is-past-due",
        "SELECT 'account ' || CAST(a.id AS TEXT) || ' is suspended with no past-due subscription' \
         FROM accounts a WHERE a.status = 'suspended' AND NOT EXISTS ( \
           SELECT 1 FROM subscriptions s WHERE s.account_id = a.id AND s.status = 'past_due')",
    ),
];

/// Checks of what the lifecycle should have done by now (a day's grace for the scheduler):
/// SQL with one bound value, the cutoff, written `$1`.
const OVERDUE: &[(&str, &str)] = &[
    (
        "unpaid-renewal-escalated",
        "SELECT 'subscription ' || CAST(s.id AS TEXT) || ' is active with renewal ' \
         || i.invoice_number || ' unpaid past its due date' \
         FROM subscriptions s JOIN invoices i ON i.subscription_id = s.id \
         WHERE s.status = 'active' AND i.purpose = 'renewal' AND i.status = 'pending' \
           AND i.period_start = s.current_period_end AND s.current_period_end < $1 \
           AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.invoice_id = i.id \
             AND p.status IN ('pending_approval', 'processing'))",
    ),
    (
        "trial-expired",
        "SELECT 'account ' || CAST(a.id AS TEXT) || ' is still on a trial that ended' \
         FROM accounts a WHERE a.status = 'trial' AND a.trial_ends_at < $1",
    ),
];

/// Runs every check; an empty list means the database is sound.
pub async fn verify(db: &Db) -> Result<Vec<Violation>> {
    let conn = db.conn();
    let backend = db.backend();
    let mut found = Vec::new();
    for (check, sql) in CHECKS {
        for row in conn
            .query_all_raw(Statement::from_string(backend, *sql))
            .await?
        {
            found.push(Violation {
                check,
                detail: row.try_get_by_index::<String>(0)?,
            });
        }
    }
    // What should have happened a day ago at the latest, as billing's clock reads.
    let cutoff = db.now() - chrono::Duration::days(1);
    for (check, sql) in OVERDUE {
        let sql = match backend {
            sea_orm::DbBackend::Postgres => (*sql).to_owned(),
            _ => sql.replace("$1", "?"),
        };
        let statement = Statement::from_sql_and_values(backend, sql, [cutoff.into()]);
        for row in conn.query_all_raw(statement).await? {
            found.push(Violation {
                check,
                detail: row.try_get_by_index::<String>(0)?,
            });
        }
    }
    found.extend(invoice_number_violations(db).await?);
    Ok(found)
}

/// Invoice numbers are `INV-{account}-{YYYYMM}-{NNNN}`, counting 1, 2, 3… within each
/// account-month: a number for another account, a duplicate or a gap is a violation.
async fn invoice_number_violations(db: &Db) -> Result<Vec<Violation>> {
    let rows = db
        .conn()
        .query_all_raw(Statement::from_string(
            db.backend(),
            "SELECT account_id, invoice_number FROM invoices ORDER BY account_id, id",
        ))
        .await?;
    let mut by_month: BTreeMap<(i64, String), Vec<u32>> = BTreeMap::new();
    let mut found = Vec::new();
    let bad = |detail: String| Violation {
        check: "invoice-numbering",
        detail,
    };
    for row in rows {
        let account: i64 = row.try_get_by_index(0)?;
        let number: String = row.try_get_by_index(1)?;
        let parts: Vec<&str> = number.split('-').collect();
        let parsed = match parts.as_slice() {
            ["INV", acc, month, seq] if acc.parse() == Ok(account) && month.len() == 6 => {
                seq.parse::<u32>().ok().map(|n| (month.to_string(), n))
            }
            _ => None,
        };
        match parsed {
            Some((month, n)) => by_month.entry((account, month)).or_default().push(n),
            None => found.push(bad(format!(
                "invoice {number}: not a number of account {account}"
            ))),
        }
    }
    for ((account, month), mut numbers) in by_month {
        numbers.sort_unstable();
        let expected: Vec<u32> = (1..=numbers.len() as u32).collect();
        if numbers != expected {
            found.push(bad(format!(
                "account {account}, month {month}: numbers {numbers:?}, expected 1..={}",
                expected.len()
            )));
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::{CHECKS, OVERDUE};
    use crate::domain::status::{
        AccountStatus, InvoicePurpose, InvoiceStatus, PaymentStatus, SubscriptionStatus,
    };

    /// The texts `column` is compared with (`= 'x'`, `<> 'x'`, `IN ('x', 'y')`) in `sql`.
    fn compared(sql: &str, column: &str) -> Vec<String> {
        let mut found = Vec::new();
        for (at, _) in sql.match_indices(column) {
            let rest = sql[at + column.len()..].trim_start();
            let Some(mut rest) = ["= ", "<> ", "IN ("]
                .iter()
                .find_map(|op| rest.strip_prefix(op))
            else {
                continue;
            };
            while let Some(quoted) = rest.strip_prefix('\'') {
                let end = quoted.find('\'').unwrap_or(quoted.len());
                found.push(quoted[..end].to_owned());
                rest = quoted.get(end + 1..).unwrap_or("");
                rest = rest.trim_start_matches([',', ' ']);
            }
        }
        found
    }

    /// The checks' SQL spells statuses as the domain's enums do (the SQL is plain text).
    #[test]
    fn checks_spell_statuses_as_the_domain() {
        let columns: [(&str, &[&str]); 5] = [
            ("p.status", &PaymentStatus::TEXTS),
            ("i.status", &InvoiceStatus::TEXTS),
            ("s.status", &SubscriptionStatus::TEXTS),
            ("a.status", &AccountStatus::TEXTS),
            ("i.purpose", &InvoicePurpose::TEXTS),
        ];
        let mut seen = 0;
        for (check, sql) in CHECKS.iter().chain(OVERDUE) {
            for (column, known) in columns {
                for text in compared(sql, column) {
                    assert!(known.contains(&text.as_str()), "{check}: {column} {text}");
                    seen += 1;
                }
            }
        }
        assert_eq!(seen, 43, "every comparison with a status is read");
    }
}

#[cfg(test)]
mod counted_tests {
    use crate::db::migrations::m0020_status_counts::COUNTED;

    /// `status-counters` compares every table the triggers count.
    #[test]
    fn the_counter_check_reads_every_counted_table() {
        let (_, sql) = super::CHECKS
            .iter()
            .find(|(name, _)| *name == "status-counters")
            .expect("the check exists");
        for table in COUNTED {
            assert!(sql.contains(&format!("SELECT '{table}', status, 0, 1 FROM {table}")));
        }
        let users = crate::db::migrations::m0021_user_counts::user_bucket("users");
        let squeezed = |s: &str| s.split_whitespace().collect::<String>();
        assert!(
            squeezed(sql).contains(&squeezed(&format!(
                "SELECT 'users', {users}, 0, 1 FROM users"
            ))),
            "the users' buckets are the migration's"
        );
    }
}
