//! The staff analytics dashboard (issue 17): a fixture with known answers — ten payments
//! approved after 1…10 hours, two rejected with reasons, invoices with known dates and due
//! dates, trial and paid sign-ups, credit grants and spends — and every figure, on the page
//! and as CSV, equal to them on SQLite and on PostgreSQL.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::admin::Panel;
use common::{PASSWORD, TestApp};
use reqwest::StatusCode;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Statement, Value,
};
use serde_json::json;
use tollgate::domain::analytics::{self, Asked, Figure};
use tollgate::entities::{account, user};

on_both_backends!(
    figures_equal_the_fixture,
    csv_downloads_equal_the_figures,
    bad_parameters_fall_back_to_defaults,
    only_staff_see_the_dashboard,
);

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("time")
        .with_timezone(&Utc)
}

/// Billing's present for the whole fixture: Monday 15 June 2026, noon.
const NOW: &str = "2026-06-15T12:00:00Z";
const RANGE: &str = "from=2026-05-01&to=2026-06-30&currency=USD";

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

struct Fixture {
    trial_ids: Vec<i64>,
}

/// Builds the fixture through the API (sign-ups, confirmations, reviews, spends), then moves
/// timestamps and due dates to known values with direct updates.
async fn fixture(app: &TestApp) -> Fixture {
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

async fn figures(app: &TestApp) -> Vec<Figure> {
    let asked = Asked {
        from: Some("2026-05-01".into()),
        to: Some("2026-06-30".into()),
        currency: Some("USD".into()),
    };
    let filter = analytics::filter(&app.db, &asked).await.unwrap();
    assert!(filter.problems.is_empty(), "{:?}", filter.problems);
    analytics::dashboard(&app.db, &filter).await.unwrap()
}

fn get<'a>(all: &'a [Figure], key: &str) -> &'a Figure {
    all.iter().find(|f| f.key == key).expect(key)
}

/// `(label, values)` of every row.
fn rows(f: &Figure) -> Vec<(String, Vec<i64>)> {
    f.rows
        .iter()
        .map(|r| (r.label.clone(), r.values.clone()))
        .collect()
}

fn r(label: &str, values: &[i64]) -> (String, Vec<i64>) {
    (label.to_owned(), values.to_vec())
}

async fn figures_equal_the_fixture(app: TestApp) {
    let fx = fixture(&app).await;
    let all = figures(&app).await;
    // The queue now: two payments, 89.00 each, by method and country; the oldest 2 days.
    assert_eq!(
        rows(get(&all, "queue-by-method")),
        vec![r("bank_transfer", &[17800, 2])]
    );
    assert_eq!(
        rows(get(&all, "queue-by-country")),
        vec![r("DE", &[8900, 1]), r("PK", &[8900, 1])]
    );
    assert_eq!(
        rows(get(&all, "queue-oldest")),
        vec![r("oldest pending", &[172_800, 2])]
    );
    // Review times: median and p90 (nearest rank) per week of review.
    let review = get(&all, "review-time");
    assert_eq!(review.rows.len(), 10, "weeks of 27 April … 29 June");
    assert_eq!(review.value("2026-06-01", "Median"), Some(5 * 3600));
    assert_eq!(
        review.value("2026-06-01", "90th percentile"),
        Some(9 * 3600)
    );
    assert_eq!(review.value("2026-06-01", "Reviews"), Some(10));
    assert_eq!(review.value("2026-06-08", "Median"), Some(2 * 3600));
    assert_eq!(
        review.value("2026-06-08", "90th percentile"),
        Some(4 * 3600)
    );
    assert_eq!(review.value("2026-06-15", "Reviews"), Some(0));
    assert_eq!(
        rows(get(&all, "review-outcomes")),
        vec![r("approved", &[10, 833]), r("rejected", &[2, 166])]
    );
    assert_eq!(
        rows(get(&all, "rejection-reasons")),
        vec![r("=SUM(A1)", &[1]), r("Reference not found", &[1])]
    );
    // Money.
    assert_eq!(
        rows(get(&all, "cash-invoiced")),
        vec![r("2026-05", &[44_500, 0]), r("2026-06", &[71_200, 89_000])]
    );
    let by_method = get(&all, "cash-by-method");
    assert_eq!(by_method.value("2026-06", "bank_transfer"), Some(89_000));
    assert_eq!(by_method.value("2026-05", "bank_transfer"), Some(0));
    assert_eq!(
        rows(get(&all, "outstanding")),
        vec![
            r("not yet due", &[8900, 1]),
            r("1–30 days", &[8900, 1]),
            r("31–60 days", &[0, 0]),
            r("61–90 days", &[0, 0]),
            r("over 90 days", &[8900, 1]),
        ]
    );
    // Customers.
    let signups = get(&all, "signups");
    assert_eq!(signups.value("2026-06-01", "Trial"), Some(1));
    assert_eq!(signups.value("2026-06-01", "Paid"), Some(0));
    assert_eq!(signups.value("2026-06-15", "Trial"), Some(3));
    assert_eq!(signups.value("2026-06-15", "Paid"), Some(12));
    assert_eq!(rows(get(&all, "conversion")), vec![r("all", &[4, 1, 250])]);
    assert_eq!(rows(get(&all, "paying")), vec![r("now", &[10, 89_000])]);
    // Credits: 3 trial grants and 10 subscription grants of 1000; 10 + 15 spent.
    assert_eq!(
        rows(get(&all, "credits-flow")),
        vec![r("2026-05", &[0, 0]), r("2026-06", &[13_000, 25])]
    );
    assert_eq!(
        rows(get(&all, "spend-by-operation")),
        vec![r("idea_generation", &[15, 1]), r("clustering", &[10, 1])]
    );
    assert_eq!(
        rows(get(&all, "low-credits")),
        vec![r("under the threshold", &[1, 100])]
    );
    let lowest = get(&all, "lowest-balances");
    assert_eq!(lowest.rows.len(), 1);
    assert!(
        lowest.rows[0]
            .label
            .ends_with(&format!("(#{})", fx.trial_ids[1]))
    );
    assert_eq!(lowest.rows[0].values, vec![7]);

    // The page shows them: a chart per figure with its table.
    let mut panel = Panel::staff(&app, "viewer@example.com").await;
    let page = panel.get(&format!("/admin/analytics/?{RANGE}")).await;
    assert_eq!(page.status, StatusCode::OK);
    for f in &all {
        assert!(
            page.body.contains(&format!("id=\"table-{}\"", f.key)) || f.rows.is_empty(),
            "{}",
            f.key
        );
        assert!(
            page.body
                .contains(&format!("/admin/analytics/{}.csv?", f.key))
        );
    }
    assert!(page.body.contains("role=\"img\""));
    assert!(
        page.body.contains("178.00 USD") || page.body.contains("178.00"),
        "pending amount"
    );
    let home = panel.get("/admin/").await;
    assert!(home.body.contains("href=\"/admin/analytics/\""));
}

async fn csv_downloads_equal_the_figures(app: TestApp) {
    fixture(&app).await;
    let panel = Panel::staff(&app, "viewer@example.com").await;
    let f = get_csv(&panel, "review-time").await;
    assert_eq!(f.status, StatusCode::OK);
    assert_eq!(f.header("content-type"), "text/csv; charset=utf-8");
    assert_eq!(
        f.header("content-disposition"),
        "attachment; filename=\"tollgate-review-time-2026-05-01-2026-06-30-USD.csv\""
    );
    let text = String::from_utf8(f.bytes.clone()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "Week of,Median (seconds),90th percentile (seconds),Reviews"
    );
    assert!(lines.contains(&"2026-06-01,18000,32400,10"), "{text}");
    assert!(lines.contains(&"2026-06-08,7200,14400,2"), "{text}");
    // A reason that looks like a formula is written as text.
    let reasons = String::from_utf8(get_csv(&panel, "rejection-reasons").await.bytes).unwrap();
    assert_eq!(
        reasons,
        "Reason,Rejections\n'=SUM(A1),1\nReference not found,1\n"
    );
    let cash = String::from_utf8(get_csv(&panel, "cash-invoiced").await.bytes).unwrap();
    assert_eq!(
        cash,
        "Month,Invoiced (USD minor units),Cash received (USD minor units)\n2026-05,44500,0\n2026-06,71200,89000\n"
    );
    let outstanding = String::from_utf8(get_csv(&panel, "outstanding").await.bytes).unwrap();
    assert!(
        outstanding.contains("over 90 days,8900,1\n"),
        "{outstanding}"
    );
    assert_eq!(
        get_csv(&panel, "no-such-figure").await.status,
        StatusCode::NOT_FOUND
    );
}

async fn get_csv(panel: &Panel, key: &str) -> common::FileRes {
    panel
        .get_file(&format!("/admin/analytics/{key}.csv?{RANGE}"))
        .await
}

async fn bad_parameters_fall_back_to_defaults(app: TestApp) {
    fixture(&app).await;
    let mut panel = Panel::staff(&app, "viewer@example.com").await;
    for query in [
        "from=2026-13-45&to=yesterday&currency=USD",
        "currency=XYZ%27%3B--",
        "from=2026-06-30&to=2026-05-01",
        "from=%ZZ&currency[]=1",
    ] {
        let page = panel.get(&format!("/admin/analytics/?{query}")).await;
        assert_eq!(page.status, StatusCode::OK, "{query}");
        let csv = panel
            .get_file(&format!("/admin/analytics/signups.csv?{query}"))
            .await;
        assert_eq!(csv.status, StatusCode::OK, "{query}");
    }
    let page = panel.get("/admin/analytics/?currency=XYZ").await;
    assert!(
        page.body.contains("No invoice or plan uses the currency"),
        "{}",
        page.body
    );
    let page = panel.get("/admin/analytics/?from=2026-13-45").await;
    assert!(page.body.contains("is not a date"));
    // The defaults: the last twelve months including this one, the most used currency.
    let filter = analytics::filter(&app.db, &Asked::default()).await.unwrap();
    assert_eq!(filter.currency, "USD");
    assert_eq!(filter.to, at(NOW).date_naive());
    assert_eq!(
        filter.from,
        chrono::NaiveDate::from_ymd_opt(2025, 7, 1).unwrap()
    );
}

async fn only_staff_see_the_dashboard(app: TestApp) {
    app.paid_customer("customer@test.com").await;
    let anonymous = Panel::new(&app);
    for path in ["/admin/analytics/", "/admin/analytics/signups.csv"] {
        let page = anonymous.get_file(path).await;
        assert_ne!(page.status, StatusCode::OK, "{path}");
        let customer = Panel::customer(&app, "customer@test.com").await;
        let page = customer.get_file(path).await;
        assert_ne!(page.status, StatusCode::OK, "{path}");
        assert!(!String::from_utf8_lossy(&page.bytes).contains("Week of"));
    }
}
