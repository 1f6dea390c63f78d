//! Races: many concurrent requests against one payment, one account, one invoice. Money is
//! granted once, balances never go below zero, and no client ever sees a server error
//! (on SQLite that includes "database is locked").

mod common;

use std::collections::HashSet;

use chrono::Utc;
use common::TestApp;
use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::json;
use tollgate::domain::invoices::next_number;

on_both_backends!(
    many_staff_approving_one_payment_grant_credits_once,
    concurrent_spends_never_overdraw,
    concurrent_paid_signups_all_succeed_with_distinct_numbers,
    concurrent_confirmations_of_one_invoice_make_one_payment,
    concurrent_site_creation_respects_the_plan_limit,
    invoice_numbers_are_gap_free_under_concurrent_issue,
    a_failing_writer_leaves_the_rest_of_its_group_committed,
    concurrent_reviews_keep_the_status_counters_exact,
);

fn count(statuses: &[StatusCode], wanted: StatusCode) -> usize {
    statuses.iter().filter(|s| **s == wanted).count()
}

async fn many_staff_approving_one_payment_grant_credits_once(app: TestApp) {
    let (token, invoice) = app.paid_customer("paid@test.com").await;
    let id = app.confirm(&token, invoice, "89.00", "REF").await.data()["payment_id"]
        .as_i64()
        .unwrap();
    let mut staff = Vec::new();
    for i in 0..4 {
        staff.push(app.staff_token(&format!("staff{i}@example.com")).await);
    }
    let attempts = (0..24).map(|i| app.approve(&staff[i % staff.len()], id));
    let statuses: Vec<StatusCode> = join_all(attempts)
        .await
        .into_iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(count(&statuses, StatusCode::OK), 1, "{statuses:?}");
    assert_eq!(count(&statuses, StatusCode::CONFLICT), 23, "{statuses:?}");
    assert_eq!(app.assert_ledger_consistent(&token).await, 1000);
    let ledger = app
        .get("/billing/credits/transactions/", Some(&token))
        .await;
    assert_eq!(ledger.data()["count"], 1, "exactly one subscription grant");
}

async fn concurrent_spends_never_overdraw(app: TestApp) {
    let token = app.register_free("free@test.com").await.data()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    // 1000 credits, 50 spends of 30: exactly 33 fit.
    let spends = (0..50).map(|_| {
        app.post(
            "/billing/credits/usage/",
            Some(&token),
            json!({"operation_type": "idea_generation", "quantity": 2}),
        )
    });
    let statuses: Vec<StatusCode> = join_all(spends)
        .await
        .into_iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(count(&statuses, StatusCode::CREATED), 33, "{statuses:?}");
    assert_eq!(
        count(&statuses, StatusCode::PAYMENT_REQUIRED),
        17,
        "{statuses:?}"
    );
    assert_eq!(app.assert_ledger_consistent(&token).await, 10);
}

async fn concurrent_paid_signups_all_succeed_with_distinct_numbers(app: TestApp) {
    let emails: Vec<String> = (0..12).map(|i| format!("paid{i}@test.com")).collect();
    let signups = emails.iter().map(|e| app.register_paid(e));
    let results = join_all(signups).await;
    let mut numbers = HashSet::new();
    let mut slugs = HashSet::new();
    for r in &results {
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        numbers.insert(
            r.data()["invoice"]["invoice_number"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
        slugs.insert(r.data()["account"]["slug"].as_str().unwrap().to_owned());
    }
    assert_eq!(numbers.len(), 12, "{numbers:?}");
    assert_eq!(
        slugs.len(),
        12,
        "same account name, distinct slugs: {slugs:?}"
    );
    assert!(slugs.contains("paid-user"));
}

async fn concurrent_confirmations_of_one_invoice_make_one_payment(app: TestApp) {
    let (token, invoice) = app.paid_customer("paid@test.com").await;
    let refs: Vec<String> = (0..12).map(|i| format!("REF-{i}")).collect();
    let confirms = refs
        .iter()
        .map(|r| app.confirm(&token, invoice, "89.00", r));
    let statuses: Vec<StatusCode> = join_all(confirms)
        .await
        .into_iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(count(&statuses, StatusCode::CREATED), 1, "{statuses:?}");
    assert_eq!(count(&statuses, StatusCode::CONFLICT), 11, "{statuses:?}");
    let payments = app.get("/billing/payments/", Some(&token)).await;
    assert_eq!(payments.data()["count"], 1);
}

async fn concurrent_site_creation_respects_the_plan_limit(app: TestApp) {
    let token = app.register_free("free@test.com").await.data()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let creates = (0..10).map(|i| {
        app.post(
            "/sites/",
            Some(&token),
            json!({"name": format!("Site {i}"), "industry_id": 1}),
        )
    });
    let statuses: Vec<StatusCode> = join_all(creates)
        .await
        .into_iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(count(&statuses, StatusCode::CREATED), 1, "{statuses:?}");
    assert_eq!(count(&statuses, StatusCode::FORBIDDEN), 9, "{statuses:?}");
}

async fn invoice_numbers_are_gap_free_under_concurrent_issue(app: TestApp) {
    let r = app.register_paid("paid@test.com").await;
    let account = r.data()["account"]["id"].as_i64().unwrap();
    let now = Utc::now();

    // A number taken by a transaction that rolls back is handed out again.
    let txn = app.db.begin_write().await.unwrap();
    let abandoned = next_number(&*txn, account, now).await.unwrap();
    drop(txn);

    let issues = (0..16).map(|_| {
        let db = app.db.clone();
        tokio::spawn(async move {
            let txn = db.begin_write().await.unwrap();
            let number = next_number(&*txn, account, now).await.unwrap();
            txn.commit().await.unwrap();
            number
        })
    });
    let mut numbers: Vec<String> = join_all(issues)
        .await
        .into_iter()
        .map(|n| n.unwrap())
        .collect();
    numbers.sort();
    let period = now.format("%Y%m");
    let expected: Vec<String> = (2..=17)
        .map(|n| format!("INV-{account}-{period}-{n:04}"))
        .collect();
    assert_eq!(numbers, expected);
    assert_eq!(abandoned, expected[0]);
}

async fn insert_industry(txn: &tollgate::db::WriteTxn, slug: &str) -> Result<(), sea_orm::DbErr> {
    use sea_orm::{ConnectionTrait, Statement};
    let sql = match txn.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            "INSERT INTO industries (slug, name, is_active) VALUES ($1, $1, true)"
        }
        _ => "INSERT INTO industries (slug, name, is_active) VALUES (?, ?, 1)",
    };
    let values: Vec<sea_orm::Value> = match txn.get_database_backend() {
        sea_orm::DbBackend::Postgres => vec![slug.into()],
        _ => vec![slug.into(), slug.into()],
    };
    let stmt = Statement::from_sql_and_values(txn.get_database_backend(), sql, values);
    txn.execute_raw(stmt).await.map(|_| ())
}

/// Writers queued behind one another on SQLite commit as one group, each in its own savepoint:
/// one that fails (a unique violation, then it gives up) takes only its own work back, and every
/// other member's `commit` returns once the group is durably committed. On PostgreSQL the same
/// writers run side by side with the same outcome.
async fn a_failing_writer_leaves_the_rest_of_its_group_committed(app: TestApp) {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use tollgate::entities::industry;
    let db = app.db.clone();
    let before = db.write_gate_stats();
    // The first writer holds the gate while eight more queue behind it.
    let first = db.begin_write().await.expect("first writer");
    insert_industry(&first, "group-0").await.expect("insert");
    let writers: Vec<_> = (1..=8)
        .map(|i| {
            let db = db.clone();
            tokio::spawn(async move {
                let txn = db.begin_write().await.expect("writer");
                insert_industry(&txn, &format!("group-{i}"))
                    .await
                    .expect("insert");
                if i == 4 {
                    // The slug the first writer took: refused, and this writer gives up.
                    let duplicate = insert_industry(&txn, "group-0").await;
                    assert!(duplicate.is_err(), "duplicate slug accepted");
                    return false;
                }
                txn.commit().await.expect("member committed");
                true
            })
        })
        .collect();
    if before.is_some() {
        // SQLite: wait until all eight are queued at the gate, so they form one group (the
        // server's own background writers, its job runner and scheduler, may queue too).
        let queued = || db.write_gate_stats().map_or(0, |s| s.waiting);
        for _ in 0..500 {
            if queued() >= 8 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert!(queued() >= 8, "only {} writers queued", queued());
    }
    first.commit().await.expect("first committed");
    let committed = join_all(writers).await;
    assert_eq!(
        committed.iter().filter(|r| matches!(r, Ok(true))).count(),
        7
    );
    let slugs: HashSet<String> = industry::Entity::find()
        .filter(industry::Column::Slug.starts_with("group-"))
        .all(db.conn())
        .await
        .expect("industries")
        .into_iter()
        .map(|i| i.slug)
        .collect();
    let expected: HashSet<String> = [0, 1, 2, 3, 5, 6, 7, 8]
        .iter()
        .map(|i| format!("group-{i}"))
        .collect();
    assert_eq!(slugs, expected);
    if let (Some(before), Some(after)) = (before, db.write_gate_stats()) {
        // The first writer and the seven members that committed shared one COMMIT: at least
        // seven transactions rode along in another's (a background writer that queued too
        // joins the group or commits on its own; either way it adds no shortfall).
        let transactions = after.transactions - before.transactions;
        let commits = after.commits - before.commits;
        assert!(transactions >= 8, "{transactions} transactions");
        assert!(
            transactions - commits >= 7,
            "{transactions} transactions in {commits} commits"
        );
    }
}

/// Twelve payments confirmed, then approved, rejected and confirmed again by many concurrent
/// requests (several for each payment): the queue's counts, which come from the status
/// counters kept by triggers, equal the rows, and `tollgate verify` finds nothing.
async fn concurrent_reviews_keep_the_status_counters_exact(app: TestApp) {
    let mut customers = Vec::new();
    for i in 0..12 {
        let (token, invoice) = app.paid_customer(&format!("count{i}@test.com")).await;
        let id = app
            .confirm(&token, invoice, "89.00", &format!("CNT-{i}"))
            .await
            .data()["payment_id"]
            .as_i64()
            .unwrap();
        customers.push((token, invoice, id));
    }
    let staff = [
        app.staff_token("counter0@example.com").await,
        app.staff_token("counter1@example.com").await,
    ];
    let app = &app;
    let mut reviews = Vec::new();
    for (i, (_, _, id)) in customers.iter().enumerate() {
        let decision = if i % 3 == 0 { "reject" } else { "approve" };
        for k in 0..3 {
            let path = format!("/billing/admin/payments/{id}/{decision}/");
            let token = staff[k % 2].clone();
            reviews.push(async move {
                let body = json!({"admin_notes": "checked", "failure_reason": "No transfer"});
                app.post(&path, Some(&token), body).await.status
            });
        }
    }
    let statuses = join_all(reviews).await;
    assert_eq!(count(&statuses, StatusCode::OK), 12, "{statuses:?}");
    // The rejected ones confirmed again, all at once.
    let references: Vec<String> = (0..12).map(|i| format!("CNT-{i}b")).collect();
    let again = customers
        .iter()
        .zip(&references)
        .step_by(3)
        .map(|((token, invoice, _), reference)| app.confirm(token, *invoice, "89.00", reference));
    let again: Vec<StatusCode> = join_all(again)
        .await
        .into_iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(count(&again, StatusCode::CREATED), 4, "{again:?}");

    for (status, expected) in [("pending_approval", 4), ("succeeded", 8), ("failed", 4)] {
        let path = format!("/billing/admin/payments/?status={status}");
        let listed = app.get(&path, Some(&staff[0])).await;
        assert_eq!(listed.data()["count"], expected, "{status}");
    }
    let all = app.get("/billing/admin/payments/", Some(&staff[0])).await;
    assert_eq!(all.data()["count"], 16);
    assert_eq!(
        tollgate::ops::verify::verify(&app.db).await.unwrap(),
        vec![]
    );
}
