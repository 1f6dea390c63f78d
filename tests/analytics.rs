//! The staff analytics dashboard (issue 17): a fixture with known answers — ten payments
//! approved after 1…10 hours, two rejected with reasons, invoices with known dates and due
//! dates, trial and paid sign-ups, credit grants and spends — and every figure, on the page
//! and as CSV, equal to them on SQLite and on PostgreSQL.

mod common;
#[path = "analytics/fixture.rs"]
mod fixture;

use common::TestApp;
use common::admin::Panel;
use fixture::{NOW, at, fixture};
use reqwest::StatusCode;
use tollgate::domain::analytics::{self, Asked, Figure};

on_both_backends!(
    figures_equal_the_fixture,
    csv_downloads_equal_the_figures,
    bad_parameters_fall_back_to_defaults,
    only_staff_see_the_dashboard,
);

const RANGE: &str = "from=2026-05-01&to=2026-06-30&currency=USD";

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
