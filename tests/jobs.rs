//! The outbox and its runner, on both databases: a job exists if and only if its transaction
//! committed, is enqueued once per key, runs once when runners compete, is retried later when
//! it fails, is given up on after its last attempt, and is taken over when its runner died.

mod common;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::TestApp;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, IntoActiveModel, PaginatorTrait};
use serde_json::json;
use tollgate::domain::outbox::{self, NewJob};
use tollgate::entities::job::{self, JobState};
use tollgate::jobs::{Handler, Outcome, Runner};

on_both_backends!(
    a_job_exists_only_if_its_transaction_committed,
    a_key_is_enqueued_once,
    a_failed_job_is_retried_later_then_given_up_on,
    a_job_whose_runner_died_is_taken_over,
    competing_runners_run_each_job_once,
    a_stopping_runner_finishes_its_job_and_hands_back_the_rest,
);

/// Counts each job's runs; fails every run when told to.
#[derive(Default)]
struct Recorder {
    runs: Mutex<HashMap<i64, u32>>,
    fail: bool,
}

impl Handler for Recorder {
    fn run<'a>(
        &'a self,
        job: &'a job::Model,
    ) -> Pin<Box<dyn Future<Output = Outcome> + Send + 'a>> {
        Box::pin(async move {
            *self.runs.lock().unwrap().entry(job.id).or_default() += 1;
            // A little work, so that competing runners overlap.
            tokio::time::sleep(Duration::from_millis(2)).await;
            if self.fail {
                Err("the receiver said no".into())
            } else {
                Ok(())
            }
        })
    }
}

async fn enqueue(app: &TestApp, subject: &str) {
    let txn = app.db.begin_write().await.unwrap();
    outbox::enqueue(
        &*txn,
        NewJob::now("test.note", subject, json!({"subject": subject})),
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
}

async fn jobs(app: &TestApp) -> Vec<job::Model> {
    job::Entity::find().all(app.db.conn()).await.unwrap()
}

fn runner(app: &TestApp, handler: &Arc<Recorder>) -> Runner {
    Runner::new(app.db.clone()).handle("test.note", handler.clone())
}

async fn a_job_exists_only_if_its_transaction_committed(app: TestApp) {
    let txn = app.db.begin_write().await.unwrap();
    outbox::enqueue(&*txn, NewJob::now("test.note", "rolled-back", json!({})))
        .await
        .unwrap();
    drop(txn); // rolled back: never committed
    assert!(jobs(&app).await.is_empty());
    enqueue(&app, "committed").await;
    let all = jobs(&app).await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].unique_key, "test.note:committed");
    assert_eq!(all[0].state, JobState::Pending);
}

async fn a_key_is_enqueued_once(app: TestApp) {
    enqueue(&app, "payment:1").await;
    enqueue(&app, "payment:1").await;
    enqueue(&app, "payment:2").await;
    assert_eq!(jobs(&app).await.len(), 2);
}

async fn a_failed_job_is_retried_later_then_given_up_on(app: TestApp) {
    enqueue(&app, "failing").await;
    let handler = Arc::new(Recorder {
        fail: true,
        ..Recorder::default()
    });
    let runner = runner(&app, &handler);
    assert_eq!(runner.run_once().await.unwrap(), 1);
    let after_one = &jobs(&app).await[0];
    assert_eq!(after_one.state, JobState::Pending);
    assert_eq!(after_one.attempts, 1);
    assert_eq!(
        after_one.last_error.as_deref(),
        Some("the receiver said no")
    );
    assert!(
        after_one.run_at > chrono::Utc::now(),
        "retried later, not at once"
    );
    assert_eq!(after_one.locked_by, None);
    assert_eq!(runner.run_once().await.unwrap(), 0, "not due yet");

    // Its last attempt, made due now: it fails again and is given up on.
    let mut last = after_one.clone().into_active_model();
    last.max_attempts = Set(2);
    last.run_at = Set(chrono::Utc::now());
    last.update(app.db.conn()).await.unwrap();
    assert_eq!(runner.run_once().await.unwrap(), 1);
    let dead = &jobs(&app).await[0];
    assert_eq!(dead.state, JobState::Dead);
    assert_eq!(dead.attempts, 2);
    assert_eq!(runner.run_once().await.unwrap(), 0, "a dead job stays dead");
}

async fn a_job_whose_runner_died_is_taken_over(app: TestApp) {
    enqueue(&app, "orphan").await;
    // A runner claims it and dies before recording anything: its lease runs out.
    let claimed = tollgate::jobs::claim::claim(&app.db, "dead-runner", Duration::ZERO, 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(jobs(&app).await[0].state, JobState::Running);
    tokio::time::sleep(Duration::from_millis(20)).await;
    let handler = Arc::new(Recorder::default());
    let survivor = runner(&app, &handler);
    assert_eq!(survivor.run_once().await.unwrap(), 1);
    let done = &jobs(&app).await[0];
    assert_eq!(done.state, JobState::Done);
    assert_eq!(done.attempts, 2, "the lost run counts");
}

async fn competing_runners_run_each_job_once(app: TestApp) {
    for i in 0..60 {
        enqueue(&app, &format!("n:{i}")).await;
    }
    let handler = Arc::new(Recorder::default());
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let mut r = runner(&app, &handler);
        r.batch = 5;
        tasks.push(tokio::spawn(async move {
            while r.run_once().await.unwrap() > 0 {}
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let runs = handler.runs.lock().unwrap().clone();
    assert_eq!(runs.len(), 60, "every job ran");
    assert!(runs.values().all(|&n| n == 1), "none twice: {runs:?}");
    let done = job::Entity::find().count(app.db.conn()).await.unwrap();
    assert_eq!(done, 60);
    assert!(jobs(&app).await.iter().all(|j| j.state == JobState::Done));
}

/// Tells the test when its first run has started, then takes a moment.
struct SlowStart {
    started: tokio::sync::Notify,
}

impl Handler for SlowStart {
    fn run<'a>(
        &'a self,
        _job: &'a job::Model,
    ) -> Pin<Box<dyn Future<Output = Outcome> + Send + 'a>> {
        Box::pin(async move {
            self.started.notify_one();
            tokio::time::sleep(Duration::from_millis(100)).await;
            Ok(())
        })
    }
}

async fn a_stopping_runner_finishes_its_job_and_hands_back_the_rest(app: TestApp) {
    for i in 0..5 {
        enqueue(&app, &format!("s:{i}")).await;
    }
    let handler = Arc::new(SlowStart {
        started: tokio::sync::Notify::new(),
    });
    let runner = Runner::new(app.db.clone()).handle("test.note", handler.clone());
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(runner.run(stopped));
    // It claimed all five and started the first; told to stop now, it finishes that one.
    handler.started.notified().await;
    stop.send(true).unwrap();
    running.await.unwrap();
    let all = jobs(&app).await;
    let done: Vec<_> = all.iter().filter(|j| j.state == JobState::Done).collect();
    assert_eq!(done.len(), 1, "the job in hand is finished: {all:?}");
    let back: Vec<_> = all
        .iter()
        .filter(|j| j.state == JobState::Pending)
        .collect();
    assert_eq!(back.len(), 4, "the rest are handed back: {all:?}");
    for j in back {
        assert_eq!(j.locked_by, None);
        assert_eq!(j.attempts, 0, "a claim that never ran is not an attempt");
        assert!(
            j.run_at <= chrono::Utc::now(),
            "due at once for another runner"
        );
    }
}
