//! A server killed (SIGKILL) in the middle of keyed spends: afterwards every key either replays
//! the answer of the work that committed or, once its claim's lease has run out, runs afresh —
//! never twice, never stuck "still being processed" for a day. On SQLite and PostgreSQL.

mod common;

use std::time::Duration;

use common::TestApp;
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use tollgate::entities::credit_transaction as ledger;

on_both_backends!(every_key_replays_or_runs_afresh_after_a_kill);

const SPENDS: usize = 60;

async fn wait_until_up(client: &reqwest::Client, base: &str) {
    for _ in 0..200 {
        if client
            .get(format!("{base}/billing/plans/"))
            .send()
            .await
            .is_ok()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the second server did not start");
}

async fn spend(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    key: usize,
) -> Option<(StatusCode, Value, bool)> {
    let resp = client
        .post(format!("{base}/billing/credits/usage/"))
        .bearer_auth(token)
        .header("idempotency-key", format!("spend-{key}"))
        .json(&json!({"operation_type": "clustering", "quantity": 1}))
        .send()
        .await
        .ok()?;
    let replayed = resp.headers().contains_key("idempotent-replayed");
    let status = resp.status();
    Some((status, resp.json().await.ok()?, replayed))
}

async fn every_key_replays_or_runs_afresh_after_a_kill(app: TestApp) {
    let token = app.register_free("free@test.com").await.data()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    // A second tollgate process on the test's database, for killing.
    let (mut child, base) = app.serve_process(&[]);
    let client = reqwest::Client::new();
    wait_until_up(&client, &base).await;

    // All spends at once; the server dies once a few have been answered.
    let mut in_flight: FuturesUnordered<_> = (0..SPENDS)
        .map(|k| spend(&client, &base, &token, k))
        .collect();
    let mut answered_before_kill = 0;
    while let Some(answer) = in_flight.next().await {
        if let Some((status, body, _)) = answer {
            assert_eq!(status, StatusCode::CREATED, "{body}");
            answered_before_kill += 1;
        }
        if answered_before_kill == 5 {
            break;
        }
    }
    child.kill().expect("SIGKILL");
    child.wait().unwrap();
    drop(in_flight);

    // Every client retries with its own key, against a server that is still up.
    let live = app.url("");
    let retries = (0..SPENDS).map(|k| spend(&app.client, &live, &token, k));
    let answers = futures::future::join_all(retries).await;
    let mut usage_ids = std::collections::BTreeSet::new();
    let mut replays = 0;
    for (key, answer) in answers.into_iter().enumerate() {
        let (status, body, replayed) = answer.expect("the retry is answered");
        assert_eq!(status, StatusCode::CREATED, "key {key}: {body}");
        assert!(usage_ids.insert(body["data"]["usage_id"].as_i64().unwrap()));
        replays += usize::from(replayed);
    }
    assert!(
        replays >= 5,
        "answers given before the kill are replayed ({replays})"
    );
    let deductions = ledger::Entity::find()
        .filter(ledger::Column::TransactionType.eq("deduction"))
        .count(app.db.conn())
        .await
        .unwrap();
    assert_eq!(
        deductions, SPENDS as u64,
        "each key's spend happened exactly once"
    );
    assert_eq!(
        app.assert_ledger_consistent(&token).await,
        1000 - 10 * SPENDS as i64
    );
    let violations = tollgate::ops::verify::verify(&app.db).await.unwrap();
    assert!(violations.is_empty(), "{violations:?}");
    eprintln!(
        "{:?}: {replays} replayed, {} run afresh",
        app.backend,
        SPENDS - replays
    );
}
