//! The analytics tests' fixture: built through the API, then timestamps and due dates moved
//! to known values with direct updates. Its known answers are asserted in `analytics.rs`.

use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Statement, Value,
};
use serde_json::json;
use tollgate::entities::{account, user};

use crate::common::{PASSWORD, TestApp};

pub fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("time")
        .with_timezone(&Utc)
}

/// Billing's present for the whole fixture: Monday 15 June 2026, noon.
pub const NOW: &str = "2026-06-15T12:00:00Z";

async fn exec(app: &TestApp, sql: &str, values: Vec<Value>) {
    let backend = app.db.backend();
    let sql = match backend {
        DbBackend::Postgres => sql.to_owned(),
        _ => sql.replace('$', "?"),
    };
    app.db
        .conn()
        .execute_raw(Statement::from_sql_and_values(backend, sql, values))
        .await
        .expect("fixture update");
}

async fn account_of(app: &TestApp, email: &str) -> i64 {
    let u = user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(app.db.conn())
        .await
        .unwrap()
        .unwrap();
    account::Entity::find()
        .filter(account::Column::OwnerId.eq(u.id))
        .one(app.db.conn())
        .await
        .unwrap()
        .unwrap()
        .id
}

pub struct Fixture {
    pub trial_ids: Vec<i64>,
}

/// Builds the fixture through the API (sign-ups, confirmations, reviews, spends), then moves
/// timestamps and due dates to known values with direct updates.
pub async fn fixture(app: &TestApp) -> Fixture {
    app.db.clock().set(at(NOW));
    let staff = app.staff_token("staff@example.com").await;
    let mut customers = Vec::new();
    for i in 1..=12 {
        let email = format!("paid{i}@test.com");
        let (token, invoice) = app.paid_customer(&email).await;
        customers.push((email, token, invoice));
    }
    // Customer 13 pays from Germany.
    let r = app
        .post(
            "/auth/register/",
            None,
            json!({
                "email": "paid13@test.com", "password": PASSWORD, "password_confirm": PASSWORD,
                "first_name": "Paid", "last_name": "Berlin", "plan_slug": "starter",
                "billing_email": "b@test.com", "billing_country": "DE", "billing_city": "Berlin",
                "billing_address_line1": "Strasse 1", "payment_method": "bank_transfer"
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let token13 = r.data()["token"].as_str().unwrap().to_owned();
    let invoice13 = r.data()["invoice"]["id"].as_i64().unwrap();

    // Ten approved after 1…10 hours, all confirmed on Tuesday 2 June.
    for (k, (_, token, invoice)) in customers.iter().take(10).enumerate() {
        let c = app
            .confirm(token, *invoice, "89.00", &format!("BT-{k}"))
            .await;
        let pid = c.data()["payment_id"].as_i64().unwrap();
        assert_eq!(app.approve(&staff, pid).await.status, StatusCode::OK);
        let confirmed = at("2026-06-02T00:00:00Z");
        let reviewed = confirmed + Duration::hours(k as i64 + 1);
        exec(
            app,
            "UPDATE payments SET created_at = $1, approved_at = $2 WHERE id = $3",
            vec![confirmed.into(), reviewed.into(), pid.into()],
        )
        .await;
    }
    // Two rejected on Tuesday 9 June after 2 and 4 hours; one reason is a formula.
    for (n, reason) in [(10usize, "Reference not found"), (11, "=SUM(A1)")] {
        let (_, token, invoice) = &customers[n];
        let c = app.confirm(token, *invoice, "89.00", "BT-X").await;
        let pid = c.data()["payment_id"].as_i64().unwrap();
        let r = app
            .post(
                &format!("/billing/admin/payments/{pid}/reject/"),
                Some(&staff),
                json!({"failure_reason": reason}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let confirmed = at("2026-06-09T00:00:00Z");
        let hours = if n == 10 { 2 } else { 4 };
        exec(
            app,
            "UPDATE payments SET created_at = $1, approved_at = $2 WHERE id = $3",
            vec![
                confirmed.into(),
                (confirmed + Duration::hours(hours)).into(),
                pid.into(),
            ],
        )
        .await;
    }
    // Waiting now: customer 12 again (PK, 3 hours), customer 13 (DE, 2 days).
    for ((token, invoice), waited) in [
        ((&customers[11].1, customers[11].2), Duration::hours(3)),
        ((&token13, invoice13), Duration::days(2)),
    ] {
        let c = app.confirm(token, invoice, "89.00", "BT-AGAIN").await;
        let pid = c.data()["payment_id"].as_i64().unwrap();
        exec(
            app,
            "UPDATE payments SET created_at = $1 WHERE id = $2",
            vec![(at(NOW) - waited).into(), pid.into()],
        )
        .await;
    }
    // Invoices: customers 1–5 issued in May, the rest in June; the three unpaid ones due in 5
    // days, 10 days ago and 100 days ago.
    exec(
        app,
        "UPDATE invoices SET created_at = $1",
        vec![at("2026-06-01T10:00:00Z").into()],
    )
    .await;
    for (_, _, invoice) in customers.iter().take(5) {
        exec(
            app,
            "UPDATE invoices SET created_at = $1 WHERE id = $2",
            vec![at("2026-05-10T10:00:00Z").into(), (*invoice).into()],
        )
        .await;
    }
    let today = at(NOW).date_naive();
    for (invoice, due) in [
        (customers[10].2, today + Duration::days(5)),
        (customers[11].2, today - Duration::days(10)),
        (invoice13, today - Duration::days(100)),
    ] {
        exec(
            app,
            "UPDATE invoices SET due_date = $1 WHERE id = $2",
            vec![due.into(), invoice.into()],
        )
        .await;
    }

    // Three free trials; the first spends 10 + 15 credits.
    let mut trial_ids = Vec::new();
    for i in 1..=3 {
        let email = format!("trial{i}@test.com");
        let r = app.register_free(&email).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        if i == 1 {
            let token = r.data()["token"].as_str().unwrap().to_owned();
            for op in ["clustering", "idea_generation"] {
                let s = app
                    .post(
                        "/billing/credits/usage/",
                        Some(&token),
                        json!({"operation_type": op}),
                    )
                    .await;
                assert_eq!(s.status, StatusCode::CREATED, "{}", s.body);
            }
        }
        trial_ids.push(account_of(app, &email).await);
    }
    // Every account signed up this week but the third trial (week of 1 June); customer 1
    // started on a trial before paying; the second trial is down to 7 credits.
    exec(
        app,
        "UPDATE accounts SET created_at = $1",
        vec![at(NOW).into()],
    )
    .await;
    exec(
        app,
        "UPDATE accounts SET created_at = $1 WHERE id = $2",
        vec![at("2026-06-03T08:00:00Z").into(), trial_ids[2].into()],
    )
    .await;
    let first = account_of(app, "paid1@test.com").await;
    exec(
        app,
        "UPDATE accounts SET trial_ends_at = $1 WHERE id = $2",
        vec![at("2026-06-29T12:00:00Z").into(), first.into()],
    )
    .await;
    exec(
        app,
        "UPDATE accounts SET credits = 7 WHERE id = $1",
        vec![trial_ids[1].into()],
    )
    .await;
    // Ledger and usage rows all in June.
    exec(
        app,
        "UPDATE credit_transactions SET created_at = $1",
        vec![at("2026-06-10T09:00:00Z").into()],
    )
    .await;
    exec(
        app,
        "UPDATE credit_usages SET created_at = $1",
        vec![at("2026-06-10T09:00:00Z").into()],
    )
    .await;
    Fixture { trial_ids }
}
