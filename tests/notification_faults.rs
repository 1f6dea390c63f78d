//! Notifications under faults, with the real binary and a real SMTP server:
//!
//! - 200 approvals while `tollgate worker` is killed with SIGKILL at random moments and
//!   restarted: afterwards every approval has exactly one receipt (one Message-ID) and one
//!   `payment.approved` webhook (one webhook-id), none was lost, and rolled-back reviews sent
//!   nothing — on SQLite and PostgreSQL.
//! - Two `tollgate serve` processes on one PostgreSQL database, both running jobs: no job runs
//!   twice and no mail is sent twice.

mod common;

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::receiver::Receiver;
use common::smtp::SmtpServer;
use common::{Backend, PASSWORD, TestApp, spawn_app};
use rand::Rng;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use tollgate::entities::job::{self, JobState};

const APPROVALS: usize = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killed_workers_lose_and_repeat_no_receipt_sqlite() {
    killed_workers_lose_and_repeat_no_receipt(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killed_workers_lose_and_repeat_no_receipt_postgres() {
    killed_workers_lose_and_repeat_no_receipt(Backend::Postgres).await;
}

/// A `tollgate` process of the test's database, sending mail to `smtp`.
fn tollgate(app: &TestApp, smtp: &SmtpServer, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(args)
        .env("TOLLGATE_DATABASE_URL", &app.database_url)
        .env("TOLLGATE_SMTP_URL", smtp.url())
        .env("TOLLGATE_STAFF_EMAILS", "review@tollgate.test")
        .env("TOLLGATE_JOBS_POLL_MS", "20")
        .env("TOLLGATE_JOBS_LEASE_SECS", "3")
        .env("TOLLGATE_SECRET_KEY", "test-secret-key")
        .env("TOLLGATE_WEBHOOK_ALLOW_PRIVATE", "1")
        .env("TOLLGATE_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("tollgate starts")
}

/// Registers a paid customer billed at `billing-{n}@test.com` and confirms their payment;
/// returns (payment id, invoice number).
async fn confirmed_payment(app: &TestApp, base: &str, n: usize) -> (i64, String) {
    let url = |path: &str| format!("{base}/api/v1{path}");
    let client = &app.client;
    let r: serde_json::Value = client
        .post(url("/auth/register/"))
        .json(&json!({
            "email": format!("owner-{n}@test.com"), "password": PASSWORD, "password_confirm": PASSWORD,
            "first_name": "Owner", "last_name": format!("{n}"), "plan_slug": "starter",
            "billing_email": format!("billing-{n}@test.com"), "billing_country": "PK",
            "billing_city": "Karachi", "billing_address_line1": "1 Main Street",
            "payment_method": "bank_transfer"
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = r["data"]["token"].as_str().expect("registered").to_owned();
    let invoice = r["data"]["invoice"]["id"].as_i64().unwrap();
    let number = r["data"]["invoice"]["invoice_number"]
        .as_str()
        .unwrap()
        .to_owned();
    let c: serde_json::Value = client
        .post(url("/billing/admin/payments/confirm/"))
        .bearer_auth(&token)
        .json(
            &json!({"invoice_id": invoice, "payment_method": "bank_transfer",
                      "manual_reference": format!("BT-{n}"), "amount": "89.00"}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (c["data"]["payment_id"].as_i64().expect("confirmed"), number)
}

async fn killed_workers_lose_and_repeat_no_receipt(backend: Backend) {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    // The API in this process runs no jobs; the worker processes do.
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let mut payments = Vec::new();
    for n in 0..APPROVALS {
        payments.push(confirmed_payment(&app, &app.address, n).await);
    }
    let staff_user =
        tollgate::domain::accounts::create_staff_user(&app.db, "admin@example.com", "adminpass")
            .await
            .unwrap();
    let staff = app.login("admin@example.com", "adminpass").await;
    let actor = tollgate::domain::staff::StaffActor::verify(staff_user).unwrap();
    let hooks = Receiver::start().await;
    let endpoint = tollgate::domain::webhooks::EndpointInput {
        url: hooks.url.clone(),
        description: "kill test".into(),
        event_types: vec!["payment.approved".into()],
        enabled: true,
    };
    tollgate::domain::webhooks::create_endpoint(&app.db, &actor, endpoint, true)
        .await
        .unwrap();

    // Approve everything, 8 at a time, with a rolled-back bulk review among every tenth.
    let approving = {
        let (ids, app_address, client, db) = (
            payments.iter().map(|p| p.0).collect::<Vec<_>>(),
            app.address.clone(),
            app.client.clone(),
            app.db.clone(),
        );
        tokio::spawn(async move {
            for chunk in ids.chunks(8) {
                if chunk[0] % 10 == 0 {
                    let refused = tollgate::domain::payment_review::approve(
                        &db,
                        &actor,
                        &[chunk[0], i64::MAX],
                        None,
                        &tollgate::domain::idempotency::Seal::none(),
                    )
                    .await;
                    assert!(
                        refused.is_err(),
                        "a bulk review with a missing payment is refused"
                    );
                }
                let calls = chunk.iter().map(|id| {
                    client
                        .post(format!(
                            "{app_address}/api/v1/billing/admin/payments/{id}/approve/"
                        ))
                        .bearer_auth(&staff)
                        .json(&json!({}))
                        .send()
                });
                for r in futures::future::join_all(calls).await {
                    assert_eq!(r.unwrap().status(), StatusCode::OK);
                }
            }
        })
    };

    // Meanwhile: start a worker, kill it at a random moment, again and again.
    let mut kills = 0;
    while !approving.is_finished() || kills < 8 {
        let mut worker = tollgate(&app, &smtp, &["worker"]);
        let pause = rand::rng().random_range(100..700);
        tokio::time::sleep(Duration::from_millis(pause)).await;
        assert!(
            worker.try_wait().unwrap().is_none(),
            "the worker stopped by itself"
        );
        worker.kill().expect("SIGKILL"); // Child::kill is SIGKILL on Unix
        worker.wait().unwrap();
        kills += 1;
    }
    approving.await.unwrap();

    let before = job::Entity::find().all(app.db.conn()).await.unwrap();
    let done_by_killed = before.iter().filter(|j| j.state == JobState::Done).count();
    let orphaned = before
        .iter()
        .filter(|j| j.state == JobState::Running)
        .count();
    // One last worker drains what is left (the killed ones' jobs come back when their leases end).
    let mut last = tollgate(&app, &smtp, &["worker"]);
    wait_until_done(&app, Duration::from_secs(120)).await;
    last.kill().unwrap();
    last.wait().unwrap();

    let mails = smtp.messages();
    let mut receipts: HashMap<String, Vec<String>> = HashMap::new();
    for m in mails
        .iter()
        .filter(|m| m.subject.starts_with("Receipt for"))
    {
        receipts
            .entry(m.subject.clone())
            .or_default()
            .push(m.message_id.clone());
    }
    let mut resent = 0;
    for (_, number) in &payments {
        let ids = receipts
            .get(&format!("Receipt for {number}: payment approved"))
            .unwrap_or_else(|| panic!("no receipt for {number} (lost)"));
        let mut distinct = ids.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(
            distinct.len(),
            1,
            "{number}: two different receipts {ids:?}"
        );
        resent += ids.len() - 1;
    }
    assert_eq!(receipts.len(), APPROVALS, "no receipt for anything else");

    // The same for the webhook: one payment.approved per approval, whatever the repeats.
    let mut webhooks: HashMap<i64, Vec<String>> = HashMap::new();
    for r in hooks.received() {
        let body = r.json();
        assert_eq!(body["type"], "payment.approved");
        assert_eq!(
            body["id"].as_str(),
            Some(r.id.as_str()),
            "webhook-id is the event's id"
        );
        let payment = body["data"]["payment"]["id"].as_i64().unwrap();
        webhooks.entry(payment).or_default().push(r.id.clone());
    }
    let mut redelivered = 0;
    for (payment, _) in &payments {
        let ids = webhooks
            .get(payment)
            .unwrap_or_else(|| panic!("no payment.approved for payment {payment} (lost)"));
        let mut distinct = ids.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), 1, "payment {payment}: two events {ids:?}");
        redelivered += ids.len() - 1;
    }
    assert_eq!(webhooks.len(), APPROVALS, "no event for anything else");
    let dead = job::Entity::find()
        .filter(job::Column::State.eq(JobState::Dead))
        .all(app.db.conn())
        .await
        .unwrap();
    assert!(dead.is_empty(), "no job given up on: {dead:?}");
    let retaken = job::Entity::find()
        .filter(job::Column::Attempts.gt(1))
        .all(app.db.conn())
        .await
        .unwrap()
        .len();
    eprintln!(
        "{backend:?}: {APPROVALS} approvals, worker killed {kills} times ({done_by_killed} jobs done by \
         killed workers, {orphaned} left running by them, {retaken} run again after a kill); {} receipts, \
         each one Message-ID; {resent} re-sent with the same Message-ID by a worker killed between \
         sending and recording; {} payment.approved webhooks, each one webhook-id, {redelivered} \
         delivered again with the same webhook-id",
        receipts.len(),
        webhooks.len()
    );
}

/// Waits until every job is done (none pending, running or dead).
async fn wait_until_done(app: &TestApp, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let open = job::Entity::find()
            .filter(job::Column::State.ne(JobState::Done))
            .all(app.db.conn())
            .await
            .unwrap();
        if open.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{} jobs not done: {:?}",
            open.len(),
            &open[..open.len().min(3)]
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_on_one_postgres_run_each_job_once() {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let Some(app) = spawn_app(Backend::Postgres).await else {
        return;
    };
    let ports: Vec<u16> = (0..2)
        .map(|_| {
            std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port()
        })
        .collect();
    let mut servers: Vec<Child> = ports
        .iter()
        .map(|port| {
            tollgate(
                &app,
                &smtp,
                &["--bind", &format!("127.0.0.1:{port}"), "serve"],
            )
        })
        .collect();
    let bases: Vec<String> = ports
        .iter()
        .map(|p| format!("http://127.0.0.1:{p}"))
        .collect();
    for base in &bases {
        let deadline = Instant::now() + Duration::from_secs(30);
        while app
            .client
            .get(format!("{base}/api/v1/plans/"))
            .send()
            .await
            .is_err()
        {
            assert!(Instant::now() < deadline, "{base} did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let staff_user =
        tollgate::domain::accounts::create_staff_user(&app.db, "admin@example.com", "adminpass")
            .await
            .unwrap();
    drop(staff_user);
    let staff = app.login("admin@example.com", "adminpass").await;
    let count = 60;
    for n in 0..count {
        let base = &bases[n % 2];
        let (payment, _) = confirmed_payment(&app, base, n).await;
        let r = app
            .client
            .post(format!(
                "{}/api/v1/billing/admin/payments/{payment}/approve/",
                bases[(n + 1) % 2]
            ))
            .bearer_auth(&staff)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
    wait_until_done(&app, Duration::from_secs(120)).await;
    for server in &mut servers {
        server.kill().unwrap();
        server.wait().unwrap();
    }
    let jobs = job::Entity::find().all(app.db.conn()).await.unwrap();
    let twice: Vec<_> = jobs.iter().filter(|j| j.attempts != 1).collect();
    assert!(twice.is_empty(), "jobs claimed more than once: {twice:?}");
    let mails = smtp.messages();
    // Per customer: welcome, payment received, receipt; and staff's copy of each payment.
    assert_eq!(mails.len(), count * 4, "every mail sent once");
    let mut ids: Vec<&str> = mails.iter().map(|m| m.message_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), count * 4, "no mail sent twice");
}
