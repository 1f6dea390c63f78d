//! Two `tollgate serve` processes on one PostgreSQL database, each with its scheduler writing a
//! tick job every second and its job runner claiming them, while this test ticks too: every
//! subscription gets exactly one renewal invoice for its next period.

mod common;

use std::process::Child;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use tollgate::domain::status::InvoicePurpose;
use tollgate::entities::invoice;
use tollgate::entities::job::{self, JobState};

use common::{Backend, TestApp};

const CUSTOMERS: usize = 12;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A server whose renewal window (40 days) already holds every new monthly period, ticking
/// every second.
fn serve(app: &TestApp) -> Server {
    let (child, _) = app.serve_process(&[
        ("TOLLGATE_TICK_SECS", "1"),
        ("TOLLGATE_JOBS_POLL_MS", "50"),
        ("TOLLGATE_RENEW_DAYS_BEFORE", "40"),
    ]);
    Server(child)
}

async fn renewals(app: &TestApp) -> Vec<invoice::Model> {
    invoice::Entity::find()
        .filter(invoice::Column::Purpose.eq(InvoicePurpose::Renewal))
        .all(app.db.conn())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_issue_each_renewal_once() {
    let Some(app) = common::spawn_app(Backend::Postgres).await else {
        return;
    };
    let staff = app.staff_token("staff@example.com").await;
    for i in 0..CUSTOMERS {
        let (token, invoice) = app.paid_customer(&format!("renew{i}@test.com")).await;
        let payment = app
            .confirm(&token, invoice, "89.00", &format!("BT-{i}"))
            .await;
        assert_eq!(payment.status, StatusCode::CREATED, "{}", payment.body);
        let id = payment.data()["payment_id"].as_i64().unwrap();
        assert_eq!(app.approve(&staff, id).await.status, StatusCode::OK);
    }
    let servers = [serve(&app), serve(&app)];
    // This process races them with ticks of its own, as far ahead as theirs reach, from the
    // moment they start.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let ahead = app.db.now() + chrono::Duration::days(40);
    let mut ticks = Vec::new();
    for _ in 0..4 {
        let db = app.db.clone();
        ticks.push(tokio::spawn(async move {
            tollgate::domain::lifecycle::tick(&db, ahead).await
        }));
    }
    for tick in ticks {
        tick.await.unwrap().expect("tick");
    }
    // Let both schedulers tick a few more times after everything was issued.
    let deadline = Instant::now() + Duration::from_secs(30);
    while renewals(&app).await.len() < CUSTOMERS {
        assert!(Instant::now() < deadline, "renewals were not issued");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    drop(servers);

    let issued = renewals(&app).await;
    let mut periods: Vec<_> = issued
        .iter()
        .map(|i| (i.subscription_id, i.period_start))
        .collect();
    periods.sort();
    periods.dedup();
    assert_eq!(issued.len(), CUSTOMERS, "one renewal per subscription");
    assert_eq!(periods.len(), CUSTOMERS, "0 duplicate invoices");
    // The servers ran ticks, one job per second for both of them.
    let tick_jobs = job::Entity::find()
        .filter(job::Column::Kind.eq(tollgate::domain::lifecycle::TICK_JOB))
        .all(app.db.conn())
        .await
        .unwrap();
    assert!(
        tick_jobs.iter().any(|j| j.state == JobState::Done),
        "no tick ran"
    );
    let mut keys: Vec<_> = tick_jobs.iter().map(|j| j.unique_key.clone()).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), tick_jobs.len(), "one tick job per second");
    let violations = tollgate::ops::verify::verify(&app.db).await.unwrap();
    assert!(violations.is_empty(), "{violations:?}");
    println!(
        "{} subscriptions, 2 servers + 4 local ticks: {} renewal invoices, {} duplicates",
        CUSTOMERS,
        issued.len(),
        issued.len() - periods.len()
    );
}
