//! pgbench as the PostgreSQL write ceiling, and the statement scripts it runs.

use std::process::{Command, Stdio};

pub struct PgBench {
    pub server: String,
}

impl PgBench {
    pub fn find(server: &str) -> Option<PgBench> {
        let ok = Command::new("pgbench")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        ok.then(|| PgBench {
            server: server.to_owned(),
        })
    }

    /// Runs pgbench; returns transactions per second.
    pub fn run(&self, db_url: &str, conc: usize, secs: u64, extra: &[String]) -> Option<f64> {
        let mut cmd = Command::new("pgbench");
        cmd.args(["-n", "-M", "prepared", "-c"])
            .arg(conc.to_string())
            .arg("-j")
            .arg(conc.min(2).to_string())
            .arg("-T")
            .arg(secs.to_string())
            .args(extra)
            .arg(db_url);
        let out = cmd.output().ok()?;
        let text = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            eprintln!(
                "pgbench failed: {}{}",
                text,
                String::from_utf8_lossy(&out.stderr)
            );
            return None;
        }
        text.lines()
            .find(|l| l.starts_with("tps = "))
            .and_then(|l| l.trim_start_matches("tps = ").split_whitespace().next())
            .and_then(|n| n.parse().ok())
    }
}

/// What one credit spend runs (captured from the PostgreSQL log with `log_statement = 'all'`
/// and checked against src/domain/credits.rs, src/domain/audit.rs): the token's user and its
/// account, then the transaction. The credit-cost lookup is left out (it is reference data a
/// cache can serve), which makes the ceiling easier, not harder, to reach.
pub const SPEND_SQL: &str = r#"SELECT "id", "email", "password_hash", "first_name", "last_name", "account_id", "role", "is_staff", "is_superuser", "is_active", "created_at", "last_login_at" FROM "users" WHERE "id" = :uid LIMIT 1;
SELECT * FROM "accounts" WHERE "id" = :id LIMIT 1;
BEGIN;
UPDATE "accounts" SET "credits" = "credits" - 10 WHERE "id" = :id AND "credits" >= 10 AND "status" IN ('trial', 'active') RETURNING *;
INSERT INTO "credit_transactions" ("account_id", "transaction_type", "amount", "balance_after", "description", "reference", "created_at") VALUES (:id, 'deduction', -10, 0, 'Keyword clustering (1 request)', NULL, now()) RETURNING "id" AS tx, "account_id", "transaction_type", "amount", "balance_after", "description", "reference", "created_at" \gset
INSERT INTO "credit_usages" ("account_id", "user_id", "operation_type", "quantity", "credits_used", "transaction_id", "created_at") VALUES (:id, :uid, 'clustering', 1, 10, :tx, now()) RETURNING *;
INSERT INTO "audit_log" ("at", "actor_id", "request_id", "action", "object_type", "object_id", "before", "after", "ledger_id") VALUES (now(), :uid, 'bench-request-id-0000', 'credits.spend', 'account', :id, '{"credits":1000}', '{"credits":990,"operation_type":"clustering","quantity":1}', :tx) RETURNING "id";
COMMIT;
"#;

/// What one approval runs (captured the same way; src/domain/payment_review.rs `approve_one`
/// and src/domain/settlement.rs, where the account's activation and grant are one update): the
/// staff token's user, then the cascade in one transaction. The status predicates also accept
/// the approved state so that a row can be approved again; each statement still finds and
/// changes exactly one row by primary key, as in tollgate.
pub const APPROVE_SQL: &str = r#"SELECT "id", "email", "password_hash", "first_name", "last_name", "account_id", "role", "is_staff", "is_superuser", "is_active", "created_at", "last_login_at" FROM "users" WHERE "id" = :staff LIMIT 1;
BEGIN;
UPDATE "payments" SET "status" = 'succeeded', "approved_by_id" = :staff, "approved_at" = now(), "admin_notes" = 'Verified', "updated_at" = now() WHERE "id" = :pid AND "status" IN ('pending_approval', 'succeeded') RETURNING "invoice_id" AS inv, "account_id" AS acc, "id", "amount", "currency", "payment_method", "status", "manual_reference", "manual_notes", "proof", "admin_notes", "approved_by_id", "approved_at", "failure_reason", "submitted_by_id", "created_at", "updated_at" \gset
UPDATE "invoices" SET "status" = 'paid', "paid_at" = now(), "updated_at" = now() WHERE "id" = :inv AND "status" IN ('pending', 'paid') RETURNING "subscription_id" AS sub, "id", "invoice_number", "account_id", "status", "currency", "subtotal", "tax", "total", "line_items", "due_date", "paid_at", "metadata", "created_at", "updated_at" \gset
SELECT "plan_id" AS plan, "id", "account_id", "status", "current_period_start", "current_period_end", "external_payment_id", "created_at", "updated_at" FROM "subscriptions" WHERE "id" = :sub LIMIT 1 \gset
SELECT * FROM "plans" WHERE "id" = :plan LIMIT 1;
UPDATE "subscriptions" SET "status" = 'active', "current_period_start" = now(), "current_period_end" = now() + interval '1 month', "external_payment_id" = 'BT-BENCH', "updated_at" = now() WHERE "id" = :sub RETURNING *;
UPDATE "accounts" SET "status" = 'active', "updated_at" = now(), "plan_id" = :plan, "credits" = "credits" + 1000 WHERE "id" = :acc AND "status" IN ('pending_payment', 'trial', 'active') RETURNING *;
INSERT INTO "credit_transactions" ("account_id", "transaction_type", "amount", "balance_after", "description", "reference", "created_at") VALUES (:acc, 'subscription', 1000, 1000, 'Starter plan credits (INV-1-202601-0001)', 'payment:1', now()) RETURNING "id" AS tx, "account_id", "transaction_type", "amount", "balance_after", "description", "reference", "created_at" \gset
INSERT INTO "audit_log" ("at", "actor_id", "request_id", "action", "object_type", "object_id", "before", "after", "ledger_id") VALUES (now(), :staff, 'bench-request-id-0000', 'payment.approve', 'payment', :pid, '{"status":"pending_approval","invoice_status":"pending","credits":0}', '{"status":"succeeded","invoice_status":"paid","account_status":"active","credits":1000,"admin_notes":"Verified"}', :tx) RETURNING "id";
COMMIT;
"#;
