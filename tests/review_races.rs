//! Overlapping staff reviews never deadlock into a 500: reviews lock their payments in one
//! global order, and a transaction the database still rolls back for contention is retried,
//! then answered 409. Repeated, on SQLite and PostgreSQL.

mod common;

use common::TestApp;
use common::admin::{Page, Panel};
use futures::future::join_all;
use reqwest::StatusCode;

on_both_backends!(
    bulk_approvals_in_opposite_orders_never_fail_with_a_server_error,
    api_approvals_racing_a_bulk_approval_never_fail_with_a_server_error,
);

const LIST: &str = "/admin/billing/payment/";
const ROUNDS: usize = 20;

/// Two paid customers confirm their invoices; returns their tokens and the payment ids.
async fn two_pending(app: &TestApp, round: usize) -> (Vec<String>, Vec<i64>) {
    let emails = [format!("a{round}@test.com"), format!("b{round}@test.com")];
    let customers = join_all(emails.iter().map(|e| app.paid_customer(e))).await;
    let mut ids = Vec::new();
    for (i, (token, invoice)) in customers.iter().enumerate() {
        let r = app
            .confirm(token, *invoice, "89.00", &format!("REF-{round}-{i}"))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        ids.push(r.data()["payment_id"].as_i64().unwrap());
    }
    (customers.into_iter().map(|c| c.0).collect(), ids)
}

async fn bulk_approve(panel: &mut Panel, ids: &[i64]) -> Page {
    let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
    let mut form = vec![("action", "approve_selected"), ("confirmed", "yes")];
    form.extend(ids.iter().map(|id| ("_selected_action", id.as_str())));
    panel.post(LIST, &form).await
}

/// Each payment ends approved exactly once: credits granted once, ledger intact.
async fn assert_approved_once(app: &TestApp, tokens: &[String]) {
    for token in tokens {
        let payment = &app.get("/billing/payments/", Some(token)).await.body["data"]["results"][0];
        assert_eq!(payment["status"], "succeeded", "{payment}");
        assert_eq!(app.assert_ledger_consistent(token).await, 1000);
    }
}

async fn bulk_approvals_in_opposite_orders_never_fail_with_a_server_error(app: TestApp) {
    let mut first = Panel::staff(&app, "first@example.com").await;
    let mut second = Panel::staff(&app, "second@example.com").await;
    first.get(LIST).await;
    second.get(LIST).await;
    let mut wins = [0; 2];
    for round in 0..ROUNDS {
        let (tokens, ids) = two_pending(&app, round).await;
        let reversed = [ids[1], ids[0]];
        let (a, b) = tokio::join!(
            bulk_approve(&mut first, &ids),
            bulk_approve(&mut second, &reversed)
        );
        for (i, page) in [&a, &b].into_iter().enumerate() {
            match page.status {
                StatusCode::SEE_OTHER => wins[i] += 1,
                StatusCode::CONFLICT => assert!(page.body.contains("Nothing was changed")),
                other => panic!(
                    "round {round}: bulk approval answered {other}: {}",
                    page.body
                ),
            }
        }
        assert_approved_once(&app, &tokens).await;
    }
    assert_eq!(
        wins[0] + wins[1],
        ROUNDS,
        "exactly one bulk action wins each round"
    );
}

async fn api_approvals_racing_a_bulk_approval_never_fail_with_a_server_error(app: TestApp) {
    let mut panel = Panel::staff(&app, "first@example.com").await;
    panel.get(LIST).await;
    let api_staff = app.staff_token("reviewer@example.com").await;
    for round in 0..ROUNDS {
        let (tokens, ids) = two_pending(&app, round).await;
        let reversed = [ids[1], ids[0]];
        let (bulk, api_second, api_first) = tokio::join!(
            bulk_approve(&mut panel, &reversed),
            app.approve(&api_staff, ids[1]),
            app.approve(&api_staff, ids[0]),
        );
        assert!(
            [StatusCode::SEE_OTHER, StatusCode::CONFLICT].contains(&bulk.status),
            "round {round}: bulk approval answered {}: {}",
            bulk.status,
            bulk.body
        );
        for api in [&api_second, &api_first] {
            assert!(
                [StatusCode::OK, StatusCode::CONFLICT].contains(&api.status),
                "round {round}: API approval answered {}: {}",
                api.status,
                api.body
            );
        }
        assert_approved_once(&app, &tokens).await;
    }
}
