//! The load generator: closed-loop workers with their own keep-alive connections, latencies
//! in an HDR histogram.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::FutureExt;
use futures::future::BoxFuture;
use hdrhistogram::Histogram;
use serde_json::Value;

pub enum Outcome {
    Ok,
    Err,
    /// The worker has no more work (the approval queue is empty).
    Stop,
}

pub type Job = Arc<dyn Fn(reqwest::Client, usize) -> BoxFuture<'static, Outcome> + Send + Sync>;

pub struct Run {
    pub ok: u64,
    pub errors: u64,
    pub secs: f64,
    pub hist: Histogram<u64>,
}

impl Run {
    pub fn rps(&self) -> f64 {
        self.ok as f64 / self.secs.max(1e-9)
    }
    /// Latency percentile in milliseconds.
    pub fn ms(&self, q: f64) -> f64 {
        self.hist.value_at_quantile(q) as f64 / 1000.0
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .timeout(Duration::from_secs(60))
        .build()
        .expect("HTTP client")
}

/// `conc` workers, each with its own connection, run `job` back to back: `warm_up` first (not
/// counted), then `measure`. A request counts when it completes inside the measured window.
/// When every worker stops early (`Outcome::Stop`), the window ends at the last completion.
pub async fn drive(conc: usize, warm_up: Duration, measure: Duration, job: Job) -> Run {
    let start = Instant::now();
    let from = start + warm_up;
    let end = from + measure;
    let mut tasks = Vec::new();
    for w in 0..conc {
        let job = job.clone();
        let c = client();
        tasks.push(tokio::spawn(async move {
            let mut hist = Histogram::<u64>::new_with_bounds(1, 120_000_000, 3).expect("hist");
            let (mut ok, mut errors) = (0u64, 0u64);
            let mut stopped = false;
            let mut last = from;
            loop {
                let t0 = Instant::now();
                if t0 >= end {
                    break;
                }
                let outcome = job(c.clone(), w).await;
                let t1 = Instant::now();
                let counted = t0 >= from && t1 <= end;
                match outcome {
                    Outcome::Stop => {
                        stopped = true;
                        break;
                    }
                    Outcome::Ok if counted => {
                        ok += 1;
                        last = t1;
                        let _ = hist.record(t1.duration_since(t0).as_micros().max(1) as u64);
                    }
                    Outcome::Err if counted => errors += 1,
                    _ => {}
                }
            }
            (ok, errors, hist, stopped, last)
        }));
    }
    let mut run = Run {
        ok: 0,
        errors: 0,
        secs: measure.as_secs_f64(),
        hist: Histogram::new_with_bounds(1, 120_000_000, 3).expect("hist"),
    };
    let mut all_stopped = true;
    let mut last = from;
    for t in tasks {
        let (ok, errors, hist, stopped, l) = t.await.expect("worker");
        run.ok += ok;
        run.errors += errors;
        run.hist.add(hist).expect("merge histograms");
        all_stopped &= stopped;
        last = last.max(l);
    }
    if all_stopped {
        run.secs = last.duration_since(from).as_secs_f64();
    }
    run
}

pub async fn outcome(r: reqwest::Result<reqwest::Response>) -> Outcome {
    match r {
        Ok(resp) => {
            let good = resp.status().is_success();
            match resp.bytes().await {
                Ok(_) if good => Outcome::Ok,
                _ => Outcome::Err,
            }
        }
        Err(_) => Outcome::Err,
    }
}

pub fn get_job(url: String, token: Option<String>) -> Job {
    Arc::new(move |c: reqwest::Client, _| {
        let mut req = c.get(&url);
        if let Some(t) = &token {
            req = req.bearer_auth(t);
        }
        async move { outcome(req.send().await).await }.boxed()
    })
}

pub fn post_job(url: String, body: Value, token: Option<String>) -> Job {
    Arc::new(move |c: reqwest::Client, _| {
        let mut req = c.post(&url).json(&body);
        if let Some(t) = &token {
            req = req.bearer_auth(t);
        }
        async move { outcome(req.send().await).await }.boxed()
    })
}

/// Runs `f` over `items` with `parallel` in flight, keeping the order.
pub async fn in_parallel<T, F, Fut, R>(items: Vec<T>, parallel: usize, f: F) -> Vec<R>
where
    F: Fn(T) -> Fut,
    Fut: Future<Output = R>,
{
    use futures::StreamExt;
    futures::stream::iter(items.into_iter().map(f))
        .buffered(parallel)
        .collect()
        .await
}
