//! Staff's payment search through the trigram indexes (FTS5 on SQLite, pg_trgm on PostgreSQL):
//! the same answers as a substring scan, terms taken literally, short terms still answered,
//! and the indexes kept in step when searchable columns change or rows go away.

mod common;

use common::TestApp;
use sea_orm::ConnectionTrait;
use serde_json::Value;

on_both_backends!(
    search_takes_the_term_literally_and_case_insensitively,
    short_terms_are_answered_by_a_scan,
    renamed_accounts_and_emails_are_found_by_their_new_names,
);

/// The references of the payments staff find with `term`, sorted.
async fn found(app: &TestApp, staff: &str, term: &str) -> Vec<String> {
    let query: String = url_encode(term);
    let r = app
        .get(
            &format!("/billing/admin/payments/?search={query}"),
            Some(staff),
        )
        .await;
    assert_eq!(r.status, reqwest::StatusCode::OK, "{term}: {:?}", r.body);
    let mut refs: Vec<String> = r.data()["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|p| {
            p["manual_reference"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    refs.sort();
    assert_eq!(
        r.data()["count"],
        Value::from(refs.len()),
        "count agrees with the page"
    );
    refs
}

fn url_encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Paid customers `email` with one confirmed payment each, carrying `reference`.
async fn customers(app: &TestApp, people: &[(&str, &str)]) {
    for (email, reference) in people {
        let (token, invoice) = app.paid_customer(email).await;
        let r = app.confirm(&token, invoice, "89.00", reference).await;
        assert_eq!(r.status, reqwest::StatusCode::CREATED, "{:?}", r.body);
    }
}

async fn search_takes_the_term_literally_and_case_insensitively(app: TestApp) {
    let staff = app.staff_token("admin@example.com").await;
    customers(
        &app,
        &[
            ("quote@test.com", r#"TX-"Q"-50%"#),
            ("percent@test.com", "TX-Q-50X"),
            ("star@test.com", "WIRE*77"),
        ],
    )
    .await;
    assert_eq!(found(&app, &staff, r#""q"-50%"#).await, [r#"TX-"Q"-50%"#]);
    assert_eq!(found(&app, &staff, "-50").await.len(), 2);
    assert_eq!(found(&app, &staff, "wire*").await, ["WIRE*77"]);
    assert_eq!(found(&app, &staff, "wire*8").await, Vec::<String>::new());
    assert_eq!(found(&app, &staff, "STAR@TEST").await, ["WIRE*77"]);
    // An FTS5 query operator is only text here.
    assert_eq!(found(&app, &staff, "OR NOT").await, Vec::<String>::new());
}

async fn short_terms_are_answered_by_a_scan(app: TestApp) {
    let staff = app.staff_token("admin@example.com").await;
    customers(&app, &[("a@test.com", "Z9"), ("b@test.com", "Y8")]).await;
    assert_eq!(found(&app, &staff, "z9").await, ["Z9"]);
    assert_eq!(found(&app, &staff, "8").await, ["Y8"]);
}

async fn renamed_accounts_and_emails_are_found_by_their_new_names(app: TestApp) {
    let staff = app.staff_token("admin@example.com").await;
    customers(&app, &[("old@test.com", "REF-RENAME")]).await;
    let conn = app.db.conn();
    conn.execute_unprepared(
        "UPDATE accounts SET name = 'Renamed Holdings', billing_email = 'fresh@billing.test' \
         WHERE id = (SELECT account_id FROM users WHERE email = 'old@test.com')",
    )
    .await
    .expect("rename account");
    conn.execute_unprepared("UPDATE users SET email = 'new@test.com' WHERE email = 'old@test.com'")
        .await
        .expect("change email");
    assert_eq!(found(&app, &staff, "renamed hold").await, ["REF-RENAME"]);
    assert_eq!(found(&app, &staff, "fresh@bill").await, ["REF-RENAME"]);
    assert_eq!(found(&app, &staff, "new@test").await, ["REF-RENAME"]);
    assert_eq!(found(&app, &staff, "old@test").await, Vec::<String>::new());
    // A deleted payment leaves the index too.
    conn.execute_unprepared("DELETE FROM payments WHERE manual_reference = 'REF-RENAME'")
        .await
        .expect("delete payment");
    assert_eq!(
        found(&app, &staff, "ref-rename").await,
        Vec::<String>::new()
    );
}
