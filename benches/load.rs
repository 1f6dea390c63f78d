//! `cargo bench --bench load`: tollgate against this machine's own ceilings, in one run.
//!
//! Starts a bare axum JSON endpoint (the HTTP ceiling) and a fresh tollgate on SQLite — and on
//! PostgreSQL too when `TOLLGATE_BENCH_POSTGRES_URL` is set — in this process, on one
//! multi-thread tokio runtime like tollgate's own. A closed-loop load generator (N workers, each
//! with its own keep-alive connection, sending requests back to back) drives each scenario at
//! fixed concurrency levels; latencies go into an HDR histogram. Ceilings are measured in the
//! same run: the bare endpoint, argon2id time per hash, and on PostgreSQL `pgbench` (TPC-B-like
//! and custom scripts of the statements tollgate's spend and approval run). Memory is read from
//! `/proc/<pid>/status` of tollgate started as a child process. Prints one table and writes it,
//! with the machine description, to `docs/PERFORMANCE.md`.
//!
//! Environment: `TOLLGATE_BENCH_POSTGRES_URL` (server URL, no database), `TOLLGATE_BENCH_C256=1`
//! (also run concurrency 256), `TOLLGATE_BENCH_SECS` (measured seconds per run, default 3),
//! `TOLLGATE_BIN` (the release binary for the memory runs; built when missing or stale).

use std::fmt::Write as _;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures::FutureExt;
use futures::future::BoxFuture;
use hdrhistogram::Histogram;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use tollgate::app::Application;
use tollgate::config::{Secret, Settings};
use tollgate::db::Db;

const PASSWORD: &str = "BenchPass123!";
const WARM_UP: Duration = Duration::from_secs(1);
/// Free-trial accounts for the spread credit spend: one per worker at 64 connections.
const SPREAD_ACCOUNTS: usize = 64;
/// Pending payments per concurrency level for the approval cascade.
const APPROVALS: [(usize, usize); 3] = [(1, 150), (16, 500), (64, 800)];

/// Why a missed target was missed and what would close it, keyed by `Row::key`. Written after
/// reading the numbers of a run; a miss without an entry says so in the document.
const EXPLANATIONS: &[(&str, &str)] = &[
    (
        "read",
        "The configuration is served from memory (src/db/cache.rs), yet the route reaches only \
         a third of the bare one: what remains is tollgate's middleware stack (request id, trace \
         span, security headers, the per-client rate check, CORS, the trailing-slash rewrite) \
         and building the JSON envelope on every request; profiling that stack and keeping the \
         serialised list per country in the cache are the next steps.",
    ),
    (
        "staff_list",
        "One list request costs about 4 ms on SQLite and 7 ms on PostgreSQL even at this small \
         size (count plus page, with the search as LIKE over joined references, invoice numbers, \
         account names and emails), so 16 concurrent staff queue for 2 cores; trigram or prefix \
         indexes for the search and a count that is not recomputed per page would close it.",
    ),
    (
        "login",
        "At 64 connections this varies between runs (SQLite 86% in one run and 57% in the next, \
         PostgreSQL 89% to 108%; 16 connections reach the ceiling every time): 62 requests wait \
         for one of the 2 hash slots while the load generator, the other work of each login \
         (throttle check and clear, user lookup, last_login update and refresh-token insert, \
         the writes queued on SQLite's single write gate) and any other process on this shared \
         machine take CPU from the hashes. The cause is not pinned down; profiling one login at \
         64 connections on SQLite is the next step.",
    ),
    (
        "login_read",
        "With one hash slot per core both cores are busy hashing and the async workers (and the \
         load generator on the same cores) get what is left; cores - 1 hash slots (at least 1) \
         would keep a core for requests at the price of login throughput.",
    ),
    (
        "approve/SQLite",
        "Every approval queues on the in-process write gate and runs its 11 statements one \
         round trip at a time on the single writer, several returning whole rows it does not \
         use; dropping the subscription and plan reads (use RETURNING and cached plans), the \
         final account re-read (use the RETURNING of the credit grant) and the unused RETURNING \
         columns would shorten the time the gate is held.",
    ),
    (
        "approve/PostgreSQL",
        "Each statement of the cascade is a round trip from the server through SeaORM while the \
         transaction holds its row locks, where pgbench sends them back to back from C with no \
         HTTP, JSON or ORM work in between; the same round-trip cuts as on SQLite (or one \
         statement with CTEs) would close it.",
    ),
    (
        "spend_spread/SQLite",
        "Every spend takes the single write gate for 5 statements (update, ledger, usage, audit, \
         commit) and before it reads the user, the account and the credit cost; with WAL and \
         synchronous=NORMAL one writer tops out near 1,200 of these per second here. Caching \
         credit costs, reusing the account row the extractor already read, and committing \
         several spends per transaction (group commit behind the gate) would raise it.",
    ),
    (
        "spend_spread/PostgreSQL",
        "pgbench sends the same statements back to back from C; tollgate adds HTTP, JSON, \
         token checks and SeaORM per statement on the same 2 cores that PostgreSQL and the load \
         generator use, and reads the credit cost from the database on every spend (the script \
         leaves that read out); caching credit costs and dropping unused RETURNING columns would \
         close most of the gap.",
    ),
    (
        "memory_256",
        "The peak comes from argon2, not from connections (256 reading connections stay small): \
         each hash allocates a 19 MiB block and frees it, glibc then raises its mmap threshold \
         and serves the next blocks from its heaps, which it keeps; with \
         MALLOC_MMAP_THRESHOLD_=131072 the same login load peaks at about 20 MiB instead of \
         about 470 MiB. Reusing one preallocated block per hash slot (argon2's \
         hash_password_into_with_memory) or a different allocator would close it.",
    ),
];

// ---------------------------------------------------------------- load generator

enum Outcome {
    Ok,
    Err,
    /// The worker has no more work (the approval queue is empty).
    Stop,
}

type Job = Arc<dyn Fn(reqwest::Client, usize) -> BoxFuture<'static, Outcome> + Send + Sync>;

struct Run {
    ok: u64,
    errors: u64,
    secs: f64,
    hist: Histogram<u64>,
}

impl Run {
    fn rps(&self) -> f64 {
        self.ok as f64 / self.secs.max(1e-9)
    }
    /// Latency percentile in milliseconds.
    fn ms(&self, q: f64) -> f64 {
        self.hist.value_at_quantile(q) as f64 / 1000.0
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .timeout(Duration::from_secs(60))
        .build()
        .expect("HTTP client")
}

/// `conc` workers, each with its own connection, run `job` back to back: `warm_up` first (not
/// counted), then `measure`. A request counts when it completes inside the measured window.
/// When every worker stops early (`Outcome::Stop`), the window ends at the last completion.
async fn drive(conc: usize, warm_up: Duration, measure: Duration, job: Job) -> Run {
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

async fn outcome(r: reqwest::Result<reqwest::Response>) -> Outcome {
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

fn get_job(url: String, token: Option<String>) -> Job {
    Arc::new(move |c: reqwest::Client, _| {
        let mut req = c.get(&url);
        if let Some(t) = &token {
            req = req.bearer_auth(t);
        }
        async move { outcome(req.send().await).await }.boxed()
    })
}

fn post_job(url: String, body: Value, token: Option<String>) -> Job {
    Arc::new(move |c: reqwest::Client, _| {
        let mut req = c.post(&url).json(&body);
        if let Some(t) = &token {
            req = req.bearer_auth(t);
        }
        async move { outcome(req.send().await).await }.boxed()
    })
}

// ---------------------------------------------------------------- servers

async fn bare_server() -> String {
    use axum::{Json, Router, routing::get};
    let app = Router::new().route(
        "/",
        get(|| async { Json(json!({"success": true, "data": {"status": "ok"}})) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/")
}

#[derive(Clone, Copy, PartialEq)]
enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

/// A database created for this run and dropped afterwards.
struct PgDatabase {
    server: String,
    name: String,
}

impl PgDatabase {
    async fn create(server: &str, prefix: &str) -> PgDatabase {
        let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
        let admin = sea_orm::Database::connect(format!("{server}/postgres"))
            .await
            .expect("PostgreSQL at TOLLGATE_BENCH_POSTGRES_URL is reachable");
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create database");
        let _ = admin.close().await;
        PgDatabase {
            server: server.to_owned(),
            name,
        }
    }
    fn url(&self) -> String {
        format!("{}/{}", self.server, self.name)
    }
    async fn drop_now(&self) {
        if let Ok(admin) = sea_orm::Database::connect(format!("{}/postgres", self.server)).await {
            let _ = admin
                .execute_unprepared(&format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.name
                ))
                .await;
            let _ = admin.close().await;
        }
    }
}

struct Tollgate {
    base: String,
    db: Db,
    http: reqwest::Client,
}

impl Tollgate {
    async fn start(database_url: String) -> Tollgate {
        let settings = Settings {
            database_url,
            bind: "127.0.0.1:0".into(),
            secret_key: Some(Secret::new("bench-secret-key")),
            ..Settings::default()
        };
        let app = Application::build(&settings)
            .await
            .expect("tollgate builds");
        let base = format!("http://127.0.0.1:{}/api/v1", app.port);
        let db = app.db();
        tokio::spawn(app.run_until_stopped());
        Tollgate {
            base,
            db,
            http: reqwest::Client::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Value {
        let mut req = self.http.post(self.url(path)).json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let body: Value = resp.json().await.expect("JSON reply");
        assert!(status.is_success(), "POST {path}: {status} {body}");
        body
    }

    async fn register(&self, email: &str, paid: bool) -> Value {
        let mut body = json!({
            "email": email, "password": PASSWORD, "password_confirm": PASSWORD,
            "first_name": "Bench", "last_name": "User",
        });
        if paid {
            for (k, v) in [
                ("plan_slug", "starter"),
                ("billing_email", "billing@bench.test"),
                ("billing_country", "PK"),
                ("billing_city", "Karachi"),
                ("billing_address_line1", "1 Main Street"),
                ("payment_method", "bank_transfer"),
            ] {
                body[k] = json!(v);
            }
        }
        self.post("/auth/register/", None, body).await["data"].clone()
    }

    async fn login(&self, email: &str, password: &str) -> String {
        let r = self
            .post(
                "/auth/login/",
                None,
                json!({"email": email, "password": password}),
            )
            .await;
        r["data"]["token"].as_str().expect("token").to_owned()
    }
}

/// Runs `f` over `items` with `parallel` in flight, keeping the order.
async fn in_parallel<T, F, Fut, R>(items: Vec<T>, parallel: usize, f: F) -> Vec<R>
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

// ---------------------------------------------------------------- the table

struct Row {
    /// Key into `EXPLANATIONS`.
    key: &'static str,
    scenario: String,
    backend: String,
    conc: String,
    rps: String,
    p50: String,
    p99: String,
    ceiling: String,
    ratio: String,
    target: String,
    met: Option<bool>,
}

impl Row {
    fn new(key: &'static str, scenario: &str, backend: &str, conc: usize) -> Row {
        Row {
            key,
            scenario: scenario.into(),
            backend: backend.into(),
            conc: conc.to_string(),
            rps: "—".into(),
            p50: "—".into(),
            p99: "—".into(),
            ceiling: "—".into(),
            ratio: "—".into(),
            target: "—".into(),
            met: None,
        }
    }
    fn run(mut self, r: &Run) -> Row {
        self.rps = format!("{:.0}", r.rps());
        if r.errors > 0 {
            self.rps.push_str(&format!(" ({} errors)", r.errors));
        }
        self.p50 = format!("{:.2} ms", r.ms(0.50));
        self.p99 = format!("{:.2} ms", r.ms(0.99));
        self
    }
    /// Ratio against a throughput ceiling, with the target ratio when there is one.
    fn against(mut self, r: &Run, ceiling: Option<(f64, String)>, target: Option<f64>) -> Row {
        match ceiling {
            Some((c, label)) => {
                let ratio = r.rps() / c;
                self.ceiling = format!("{c:.0}/s {label}");
                self.ratio = format!("{:.0}%", ratio * 100.0);
                if let Some(t) = target {
                    self.target = format!("≥ {:.0}%", t * 100.0);
                    self.met = Some(ratio >= t);
                }
            }
            None => {
                if let Some(t) = target {
                    self.target = format!("≥ {:.0}% (ceiling not measured)", t * 100.0);
                }
            }
        }
        self
    }
    fn absolute(mut self, r: &Run, min_rps: f64) -> Row {
        self.target = format!("≥ {min_rps:.0}/s");
        self.met = Some(r.rps() >= min_rps);
        self
    }
}

fn print_table(rows: &[Row]) -> String {
    let mut s = String::new();
    s.push_str("| scenario | backend | conc. | tollgate req/s | p50 | p99 | ceiling | ratio | target | met? |\n");
    s.push_str("|---|---|---|---|---|---|---|---|---|---|\n");
    for r in rows {
        let met = match r.met {
            Some(true) => "yes",
            Some(false) => "**no**",
            None => "—",
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r.scenario, r.backend, r.conc, r.rps, r.p50, r.p99, r.ceiling, r.ratio, r.target, met
        );
    }
    s
}

// ---------------------------------------------------------------- pgbench

struct PgBench {
    server: String,
}

impl PgBench {
    fn find(server: &str) -> Option<PgBench> {
        let ok = Command::new("pgbench")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        ok.then(|| PgBench {
            server: server.to_owned(),
        })
    }

    /// Runs pgbench; returns transactions per second.
    fn run(&self, db_url: &str, conc: usize, secs: u64, extra: &[String]) -> Option<f64> {
        let mut cmd = Command::new("pgbench");
        cmd.args(["-n", "-M", "prepared", "-c"])
            .arg(conc.to_string())
            .arg("-j")
            .arg(conc.min(2).to_string())
            .arg("-T")
            .arg(secs.to_string())
            .args(extra)
            .arg(db_url);
        let out = cmd.output().ok()?;
        let text = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            eprintln!(
                "pgbench failed: {}{}",
                text,
                String::from_utf8_lossy(&out.stderr)
            );
            return None;
        }
        text.lines()
            .find(|l| l.starts_with("tps = "))
            .and_then(|l| l.trim_start_matches("tps = ").split_whitespace().next())
            .and_then(|n| n.parse().ok())
    }
}

/// What one credit spend runs (captured from the PostgreSQL log with `log_statement = 'all'`
/// and checked against src/domain/credits.rs, src/domain/audit.rs): the token's user and its
/// account, then the transaction. The credit-cost lookup is left out (it is reference data a
/// cache can serve), which makes the ceiling easier, not harder, to reach.
const SPEND_SQL: &str = r#"SELECT "id", "email", "password_hash", "first_name", "last_name", "account_id", "role", "is_staff", "is_superuser", "is_active", "created_at", "last_login_at" FROM "users" WHERE "id" = :uid LIMIT 1;
SELECT * FROM "accounts" WHERE "id" = :id LIMIT 1;
BEGIN;
UPDATE "accounts" SET "credits" = "credits" - 10 WHERE "id" = :id AND "credits" >= 10 AND "status" IN ('trial', 'active') RETURNING *;
INSERT INTO "credit_transactions" ("account_id", "transaction_type", "amount", "balance_after", "description", "reference", "created_at") VALUES (:id, 'deduction', -10, 0, 'Keyword clustering (1 request)', NULL, now()) RETURNING "id" AS tx, "account_id", "transaction_type", "amount", "balance_after", "description", "reference", "created_at" \gset
INSERT INTO "credit_usages" ("account_id", "user_id", "operation_type", "quantity", "credits_used", "transaction_id", "created_at") VALUES (:id, :uid, 'clustering', 1, 10, :tx, now()) RETURNING *;
INSERT INTO "audit_log" ("at", "actor_id", "request_id", "action", "object_type", "object_id", "before", "after", "ledger_id") VALUES (now(), :uid, 'bench-request-id-0000', 'credits.spend', 'account', :id, '{"credits":1000}', '{"credits":990,"operation_type":"clustering","quantity":1}', :tx) RETURNING "id";
COMMIT;
"#;

/// What one approval runs (captured the same way; src/domain/payments.rs `approve_one`): the
/// staff token's user, then the cascade in one transaction. The status predicates also accept
/// the approved state so that a row can be approved again; each statement still finds and
/// changes exactly one row by primary key, as in tollgate.
const APPROVE_SQL: &str = r#"SELECT "id", "email", "password_hash", "first_name", "last_name", "account_id", "role", "is_staff", "is_superuser", "is_active", "created_at", "last_login_at" FROM "users" WHERE "id" = :staff LIMIT 1;
BEGIN;
UPDATE "payments" SET "status" = 'succeeded', "approved_by_id" = :staff, "approved_at" = now(), "admin_notes" = 'Verified', "updated_at" = now() WHERE "id" = :pid AND "status" IN ('pending_approval', 'succeeded') RETURNING "invoice_id" AS inv, "account_id" AS acc, "id", "amount", "currency", "payment_method", "status", "manual_reference", "manual_notes", "proof", "admin_notes", "approved_by_id", "approved_at", "failure_reason", "submitted_by_id", "created_at", "updated_at" \gset
UPDATE "invoices" SET "status" = 'paid', "paid_at" = now(), "updated_at" = now() WHERE "id" = :inv AND "status" IN ('pending', 'paid') RETURNING "subscription_id" AS sub, "id", "invoice_number", "account_id", "status", "currency", "subtotal", "tax", "total", "line_items", "due_date", "paid_at", "metadata", "created_at", "updated_at" \gset
SELECT "plan_id" AS plan, "id", "account_id", "status", "current_period_start", "current_period_end", "external_payment_id", "created_at", "updated_at" FROM "subscriptions" WHERE "id" = :sub LIMIT 1 \gset
SELECT * FROM "plans" WHERE "id" = :plan LIMIT 1;
UPDATE "subscriptions" SET "status" = 'active', "current_period_start" = now(), "current_period_end" = now() + interval '1 month', "external_payment_id" = 'BT-BENCH', "updated_at" = now() WHERE "id" = :sub RETURNING *;
UPDATE "accounts" SET "status" = 'active', "updated_at" = now(), "plan_id" = :plan WHERE "id" = :acc;
UPDATE "accounts" SET "credits" = "credits" + 1000 WHERE "id" = :acc RETURNING *;
INSERT INTO "credit_transactions" ("account_id", "transaction_type", "amount", "balance_after", "description", "reference", "created_at") VALUES (:acc, 'subscription', 1000, 1000, 'Starter plan credits (INV-1-202601-0001)', 'payment:1', now()) RETURNING "id" AS tx, "account_id", "transaction_type", "amount", "balance_after", "description", "reference", "created_at" \gset
SELECT * FROM "accounts" WHERE "id" = :acc LIMIT 1;
INSERT INTO "audit_log" ("at", "actor_id", "request_id", "action", "object_type", "object_id", "before", "after", "ledger_id") VALUES (now(), :staff, 'bench-request-id-0000', 'payment.approve', 'payment', :pid, '{"status":"pending_approval","invoice_status":"pending","credits":0}', '{"status":"succeeded","invoice_status":"paid","account_status":"active","credits":1000,"admin_notes":"Verified"}', :tx) RETURNING "id";
COMMIT;
"#;

// ---------------------------------------------------------------- memory (child process)

fn vm_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn newest_mtime(dir: &Path) -> Option<std::time::SystemTime> {
    let mut newest = None;
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        let t = if path.is_dir() {
            newest_mtime(&path)
        } else {
            entry.metadata().and_then(|m| m.modified()).ok()
        };
        newest = newest.max(t);
    }
    newest
}

/// The release binary: `TOLLGATE_BIN`, or target/release/tollgate built when missing or older
/// than the sources.
fn tollgate_binary(root: &Path) -> Option<PathBuf> {
    if let Ok(bin) = std::env::var("TOLLGATE_BIN") {
        return Some(PathBuf::from(bin));
    }
    let bin = root.join("target/release/tollgate");
    let built = std::fs::metadata(&bin).and_then(|m| m.modified()).ok();
    let sources = [
        root.join("src"),
        root.join("templates"),
        root.join("static"),
        root.join("Cargo.toml"),
    ]
    .iter()
    .filter_map(|p| {
        if p.is_dir() {
            newest_mtime(p)
        } else {
            std::fs::metadata(p).and_then(|m| m.modified()).ok()
        }
    })
    .max();
    if built.is_none() || sources > built {
        eprintln!("building target/release/tollgate for the memory runs…");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let ok = Command::new(cargo)
            .args(["build", "--release", "--bin", "tollgate"])
            .current_dir(root)
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if !ok {
            return None;
        }
    }
    bin.exists().then_some(bin)
}

struct ChildServer(Child);

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Memory {
    idle_mib: f64,
    /// (connections, of which signing in, peak MiB)
    loaded: Vec<(usize, usize, f64)>,
}

async fn measure_memory(bin: &Path, secs: Duration) -> Option<Memory> {
    let dir = tempfile::tempdir().ok()?;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").ok()?;
        l.local_addr().ok()?.port()
    };
    let child = Command::new(bin)
        .env(
            "TOLLGATE_DATABASE_URL",
            format!("sqlite://{}", dir.path().join("mem.db").display()),
        )
        .env("TOLLGATE_BIND", format!("127.0.0.1:{port}"))
        .env("TOLLGATE_SECRET_KEY", "bench-secret-key")
        .env("TOLLGATE_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let child = ChildServer(child);
    let pid = child.0.id();
    let base = format!("http://127.0.0.1:{port}/api/v1");
    let http = reqwest::Client::new();
    let mut up = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if http
            .get(format!("{base}/billing/plans/"))
            .send()
            .await
            .is_ok()
        {
            up = true;
            break;
        }
    }
    if !up {
        return None;
    }
    let email = "memory@bench.test";
    let _ = http
        .post(format!("{base}/auth/register/"))
        .json(
            &json!({"email": email, "password": PASSWORD, "password_confirm": PASSWORD,
                      "first_name": "Mem", "last_name": "Bench"}),
        )
        .send()
        .await
        .ok()?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle = vm_rss_kib(pid)?;

    // Under load: reads only, then reads with logins (argon2, 19 MiB per hash) on 16 of the
    // connections; the peak of VmRSS sampled every 50 ms.
    let mut loaded = Vec::new();
    for (conc, logins) in [(64usize, 0usize), (256, 0), (256, 16)] {
        let read = get_job(
            format!("{base}/billing/admin/payment-methods/?country=PK"),
            None,
        );
        let login = post_job(
            format!("{base}/auth/login/"),
            json!({"email": email, "password": PASSWORD}),
            None,
        );
        let job: Job = Arc::new(
            move |c, w| {
                if w < logins { login(c, w) } else { read(c, w) }
            },
        );
        let load = tokio::spawn(drive(conc, Duration::ZERO, secs, job));
        let mut peak = 0;
        while !load.is_finished() {
            peak = peak.max(vm_rss_kib(pid).unwrap_or(0));
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = load.await;
        loaded.push((conc, logins, peak as f64 / 1024.0));
    }
    Some(Memory {
        idle_mib: idle as f64 / 1024.0,
        loaded,
    })
}

// ---------------------------------------------------------------- scenarios per backend

struct Ceilings {
    bare: Vec<(usize, Run)>,
    /// Logins per second the cores could hash.
    argon2: f64,
    argon2_ms: f64,
}

impl Ceilings {
    fn bare_at(&self, conc: usize) -> Option<(f64, String)> {
        self.bare
            .iter()
            .find(|(c, _)| *c == conc)
            .map(|(_, r)| (r.rps(), "bare axum".to_owned()))
    }
}

#[allow(clippy::too_many_arguments)]
async fn backend_scenarios(
    backend: Backend,
    database_url: String,
    levels: &[usize],
    measure: Duration,
    ceilings: &Ceilings,
    pgbench: Option<&PgBench>,
    rows: &mut Vec<Row>,
    notes: &mut Vec<String>,
) {
    let b = backend.name();
    let t = Tollgate::start(database_url.clone()).await;
    let setup = Instant::now();

    // Paid customers with confirmed payments first, so that account, subscription, invoice and
    // payment ids line up (1..=n) for the pgbench approval script.
    let total: usize = APPROVALS.iter().map(|(_, n)| n).sum();
    let t_ref = &t;
    let payment_ids: Vec<i64> = in_parallel((0..total).collect(), 4, |i| async move {
        let email = format!("paid{i:05}@bench.test");
        let data = t_ref.register(&email, true).await;
        let token = data["token"].as_str().expect("token").to_owned();
        let invoice = data["invoice"]["id"].as_i64().expect("invoice id");
        let r = t_ref
            .post(
                "/billing/admin/payments/confirm/",
                Some(&token),
                json!({"invoice_id": invoice, "payment_method": "bank_transfer",
                       "manual_reference": format!("BT-BENCH-{i:05}"), "amount": "89.00"}),
            )
            .await;
        r["data"]["payment_id"].as_i64().expect("payment id")
    })
    .await;

    let staff = tollgate::domain::accounts::create_staff_user(&t.db, "staff@bench.test", PASSWORD)
        .await
        .expect("staff user");
    let staff_token = t.login("staff@bench.test", PASSWORD).await;

    // One hot account and 64 spread ones, free trials topped up by a staff adjustment.
    let hot = t.register("hot@bench.test", false).await;
    let hot_token = hot["token"].as_str().expect("token").to_owned();
    let hot_account = hot["account"]["id"].as_i64().expect("account id");
    let hot_user = hot["user"]["id"].as_i64().expect("user id");
    tollgate::domain::credits::adjust(&t.db, &staff, hot_account, 900_000_000, "bench")
        .await
        .expect("adjust");
    let mut spread = Vec::new();
    for i in 0..SPREAD_ACCOUNTS {
        let d = t.register(&format!("spread{i:02}@bench.test"), false).await;
        let account = d["account"]["id"].as_i64().expect("account id");
        tollgate::domain::credits::adjust(&t.db, &staff, account, 100_000_000, "bench")
            .await
            .expect("adjust");
        spread.push((
            d["token"].as_str().expect("token").to_owned(),
            account,
            d["user"]["id"].as_i64().expect("user id"),
        ));
    }
    t.register("login@bench.test", false).await;
    notes.push(format!(
        "{b}: set up {total} paid customers with confirmed payments, {} free-trial accounts and a \
         staff user through the API in {:.1} s.",
        SPREAD_ACCOUNTS + 2,
        setup.elapsed().as_secs_f64()
    ));

    // (b) read
    let read_url = t.url("/billing/admin/payment-methods/?country=PK");
    let mut read_p99 = Vec::new();
    for &c in levels {
        let r = drive(c, WARM_UP, measure, get_job(read_url.clone(), None)).await;
        read_p99.push((c, r.ms(0.99)));
        let target = (c == 64).then_some(0.70);
        rows.push(
            Row::new("read", "GET payment-methods?country=PK", b, c)
                .run(&r)
                .against(&r, ceilings.bare_at(c), target),
        );
    }

    // (f) staff pending list with search, before the approvals empty the queue
    let accounts_now = total + SPREAD_ACCOUNTS + 2;
    let list_url = t.url("/billing/admin/payments/?status=pending_approval&search=BT-BENCH-00123");
    for c in [1usize, 16] {
        let r = drive(
            c,
            WARM_UP,
            measure,
            get_job(list_url.clone(), Some(staff_token.clone())),
        )
        .await;
        let p95 = r.ms(0.95);
        let mut row = Row::new(
            "staff_list",
            &format!("staff pending list + search ({accounts_now} accounts)"),
            b,
            c,
        )
        .run(&r);
        row.ceiling = format!("p95 = {p95:.2} ms");
        row.target = "p95 < 20 ms".into();
        row.met = Some(p95 < 20.0);
        rows.push(row);
    }
    let mut row = Row::new(
        "staff_list_1m",
        "staff pending list + search (1M accounts)",
        b,
        1,
    );
    row.target = "p95 < 20 ms, ≤ 1.5× 10K".into();
    row.ceiling = "not measured: needs seed-demo".into();
    rows.push(row);

    // (c) login, and reads while logins saturate the CPU
    let login_job = post_job(
        t.url("/auth/login/"),
        json!({"email": "login@bench.test", "password": PASSWORD}),
        None,
    );
    for &c in levels {
        let r = drive(c, WARM_UP, measure, login_job.clone()).await;
        let target = (c >= 16).then_some(0.90);
        rows.push(
            Row::new("login", "POST auth/login (argon2id)", b, c)
                .run(&r)
                .against(
                    &r,
                    Some((
                        ceilings.argon2,
                        format!("argon2 ({:.1} ms/hash)", ceilings.argon2_ms),
                    )),
                    target,
                ),
        );
    }
    let (logins, reads) = tokio::join!(
        drive(16, WARM_UP, measure, login_job.clone()),
        drive(16, WARM_UP, measure, get_job(read_url.clone(), None)),
    );
    let unloaded = read_p99
        .iter()
        .find(|(c, _)| *c == 16)
        .map_or(f64::NAN, |(_, p)| *p);
    let mut row = Row::new(
        "login_read",
        &format!(
            "GET payment-methods during 16 logins ({:.0} logins/s)",
            logins.rps()
        ),
        b,
        16,
    )
    .run(&reads);
    row.ceiling = format!("unloaded p99 {unloaded:.2} ms");
    row.ratio = format!("{:.1}×", reads.ms(0.99) / unloaded);
    row.target = "p99 < 4× unloaded".into();
    row.met = Some(reads.ms(0.99) < 4.0 * unloaded);
    rows.push(row);

    // (e) credit spend, hot and spread
    let spend_body = json!({"operation_type": "clustering"});
    let spend_url = t.url("/billing/credits/usage/");
    let pg_db_url = database_url.clone();
    let pg_spend = |conc: usize, hot_id: Option<(i64, i64)>| -> Option<f64> {
        let pg = pgbench?;
        let script = std::env::temp_dir().join(format!("tollgate-bench-spend-{conc}.sql"));
        let spread_base = spread.iter().map(|s| s.1).min()?;
        let user_base = spread.iter().map(|s| s.2).min()?;
        let contiguous = spread.iter().all(|s| {
            (s.1 - spread_base) as usize == (s.2 - user_base) as usize
                && ((s.1 - spread_base) as usize) < SPREAD_ACCOUNTS
        });
        let header = match hot_id {
            Some((acc, user)) => format!("\\set id {acc}\n\\set uid {user}\n"),
            None if contiguous => format!(
                "\\set k :client_id % {SPREAD_ACCOUNTS}\n\\set id {spread_base} + :k\n\\set uid {user_base} + :k\n"
            ),
            None => return None,
        };
        std::fs::write(&script, format!("{header}{SPEND_SQL}")).ok()?;
        pg.run(
            &pg_db_url,
            conc,
            measure.as_secs(),
            &["-f".into(), script.display().to_string()],
        )
    };
    for &c in levels {
        let r = drive(
            c,
            WARM_UP,
            measure,
            post_job(
                spend_url.clone(),
                spend_body.clone(),
                Some(hot_token.clone()),
            ),
        )
        .await;
        let mut row = Row::new("spend_hot", "credit spend, one hot account", b, c).run(&r);
        if backend == Backend::Postgres {
            let ceiling = pg_spend(c, Some((hot_account, hot_user)));
            row = row.against(
                &r,
                ceiling.map(|t| (t, "pgbench spend script".into())),
                (c >= 16).then_some(0.60),
            );
        }
        rows.push(row);
    }
    let tokens: Arc<Vec<String>> = Arc::new(spread.iter().map(|s| s.0.clone()).collect());
    for &c in levels {
        let (url, body, tokens) = (spend_url.clone(), spend_body.clone(), tokens.clone());
        let job: Job = Arc::new(move |cl: reqwest::Client, w| {
            let req = cl
                .post(&url)
                .json(&body)
                .bearer_auth(&tokens[w % tokens.len()]);
            async move { outcome(req.send().await).await }.boxed()
        });
        let r = drive(c, WARM_UP, measure, job).await;
        let mut row = Row::new(
            "spend_spread",
            &format!("credit spend, spread over {SPREAD_ACCOUNTS} accounts"),
            b,
            c,
        )
        .run(&r);
        row = match backend {
            Backend::Sqlite if c >= 16 => row.absolute(&r, 2000.0),
            Backend::Sqlite => row,
            Backend::Postgres => {
                let ceiling = pg_spend(c, None);
                row.against(
                    &r,
                    ceiling.map(|t| (t, "pgbench spend script".into())),
                    (c >= 16).then_some(0.60),
                )
            }
        };
        rows.push(row);
    }

    // (d) approval cascade: each worker takes the next pending payment until none are left
    let mut offset = 0;
    for &(c, n) in APPROVALS.iter().filter(|(c, _)| levels.contains(c)) {
        let ids = Arc::new(payment_ids[offset..offset + n].to_vec());
        offset += n;
        let next = Arc::new(AtomicUsize::new(0));
        let (base, token) = (t.base.clone(), staff_token.clone());
        let job: Job = Arc::new(move |cl: reqwest::Client, _| {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(id) = ids.get(i) else {
                return async { Outcome::Stop }.boxed();
            };
            let req = cl
                .post(format!("{base}/billing/admin/payments/{id}/approve/"))
                .json(&json!({"admin_notes": "Verified"}))
                .bearer_auth(&token);
            async move { outcome(req.send().await).await }.boxed()
        });
        let r = drive(c, Duration::ZERO, Duration::from_secs(120), job).await;
        let mut row = Row::new(
            "approve",
            &format!("approve payment (cascade), {n} payments"),
            b,
            c,
        )
        .run(&r);
        row = match backend {
            Backend::Sqlite if c >= 16 => row.absolute(&r, 1000.0),
            Backend::Sqlite => row,
            Backend::Postgres => {
                let ceiling = pgbench.and_then(|pg| {
                    let script =
                        std::env::temp_dir().join(format!("tollgate-bench-approve-{c}.sql"));
                    let header = format!(
                        "\\set pid 1 + (:client_id % {total})\n\\set staff {}\n",
                        staff.id
                    );
                    std::fs::write(&script, format!("{header}{APPROVE_SQL}")).ok()?;
                    pg.run(
                        &database_url,
                        c,
                        measure.as_secs(),
                        &["-f".into(), script.display().to_string()],
                    )
                });
                row.against(
                    &r,
                    ceiling.map(|t| (t, "pgbench approval script".into())),
                    (c >= 16).then_some(0.60),
                )
            }
        };
        rows.push(row);
    }
    let _ = t.db.close().await;
}

// ---------------------------------------------------------------- main

fn machine(root: &Path, pg_version: Option<String>) -> String {
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    let cpu = read("/proc/cpuinfo")
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .unwrap_or("unknown")
        .trim()
        .to_owned();
    let mem = read("/proc/meminfo")
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|k| k.parse::<f64>().ok())
        .map_or("unknown".into(), |k| {
            format!("{:.1} GiB", k / 1024.0 / 1024.0)
        });
    let os = read("/etc/os-release")
        .lines()
        .find(|l| l.starts_with("PRETTY_NAME="))
        .map(|l| {
            l.trim_start_matches("PRETTY_NAME=")
                .trim_matches('"')
                .to_owned()
        })
        .unwrap_or_else(|| "unknown".into());
    let kernel = read("/proc/sys/kernel/osrelease").trim().to_owned();
    let rustc = Command::new("rustc")
        .arg("--version")
        .current_dir(root)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mut s = format!(
        "- cores (nproc): {cores}\n- CPU: {cpu}\n- memory: {mem}\n- OS: {os}, Linux {kernel}\n- rustc: {rustc}\n"
    );
    if let Some(v) = pg_version {
        let _ = writeln!(s, "- PostgreSQL: {v}");
    }
    s
}

fn main() {
    // Like tollgate's own: tokio's multi-thread runtime with its defaults (one worker per core).
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(run());
}

async fn run() {
    let began = Instant::now();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let secs: u64 = std::env::var("TOLLGATE_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let measure = Duration::from_secs(secs);
    let mut levels = vec![1usize, 16, 64];
    if std::env::var("TOLLGATE_BENCH_C256").as_deref() == Ok("1") {
        levels.push(256);
    }
    let pg_server = std::env::var("TOLLGATE_BENCH_POSTGRES_URL")
        .ok()
        .filter(|s| !s.is_empty())
        .map(|s| s.trim_end_matches('/').to_owned());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut rows = Vec::new();
    let mut notes = Vec::new();

    // Ceilings: the bare endpoint and argon2id.
    eprintln!("ceiling: bare axum endpoint");
    let bare_url = bare_server().await;
    let mut bare = Vec::new();
    for &c in &levels {
        let r = drive(c, WARM_UP, measure, get_job(bare_url.clone(), None)).await;
        rows.push(Row::new("ceiling", "ceiling: bare axum JSON", "—", c).run(&r));
        bare.push((c, r));
    }
    eprintln!("ceiling: argon2id");
    let _ = tollgate::auth::password::hash(PASSWORD).await; // warm the blocking pool
    let hashes = 20;
    let t0 = Instant::now();
    for _ in 0..hashes {
        tollgate::auth::password::hash(PASSWORD)
            .await
            .expect("argon2 hash");
    }
    let argon2_ms = t0.elapsed().as_secs_f64() * 1000.0 / f64::from(hashes);
    let argon2 = cores as f64 * 1000.0 / argon2_ms;
    let mut row = Row::new("ceiling", "ceiling: argon2id hash (19 MiB, t=2)", "—", 1);
    row.p50 = format!("{argon2_ms:.1} ms/hash");
    row.ceiling = format!("{argon2:.0} logins/s ({cores} cores ÷ time per hash)");
    rows.push(row);
    let ceilings = Ceilings {
        bare,
        argon2,
        argon2_ms,
    };

    eprintln!("tollgate on SQLite");
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite_url = format!("sqlite://{}", dir.path().join("bench.db").display());
    backend_scenarios(
        Backend::Sqlite,
        sqlite_url,
        &levels,
        measure,
        &ceilings,
        None,
        &mut rows,
        &mut notes,
    )
    .await;

    let mut pg_version = None;
    match &pg_server {
        None => notes.push(
            "PostgreSQL: skipped (TOLLGATE_BENCH_POSTGRES_URL is not set), and with it pgbench."
                .into(),
        ),
        Some(server) => {
            eprintln!("tollgate on PostgreSQL");
            let pgbench = PgBench::find(server);
            if pgbench.is_none() {
                notes.push(
                    "pgbench: not found on PATH; the PostgreSQL ceilings were skipped.".into(),
                );
            }
            let db = PgDatabase::create(server, "tollgate_bench").await;
            if let Ok(conn) = sea_orm::Database::connect(db.url()).await {
                if let Ok(Some(row)) = conn
                    .query_one_raw(sea_orm::Statement::from_string(
                        sea_orm::DbBackend::Postgres,
                        "SELECT version()",
                    ))
                    .await
                {
                    pg_version = row.try_get_by_index::<String>(0).ok();
                }
                let _ = conn.close().await;
            }
            backend_scenarios(
                Backend::Postgres,
                db.url(),
                &levels,
                measure,
                &ceilings,
                pgbench.as_ref(),
                &mut rows,
                &mut notes,
            )
            .await;
            db.drop_now().await;
            if let Some(pg) = &pgbench {
                eprintln!("ceiling: pgbench TPC-B-like");
                let scratch = PgDatabase::create(&pg.server, "tollgate_pgbench").await;
                let init = Command::new("pgbench")
                    .args(["-i", "-s", "1", "-q"])
                    .arg(scratch.url())
                    .output()
                    .map(|o| o.status.success())
                    .unwrap_or(false);
                if init {
                    for &c in &levels {
                        if let Some(tps) = pg.run(&scratch.url(), c, secs, &[]) {
                            let mut row = Row::new(
                                "ceiling",
                                "ceiling: pgbench TPC-B-like, scale 1",
                                "PostgreSQL",
                                c,
                            );
                            row.rps = format!("{tps:.0} tps");
                            rows.push(row);
                        }
                    }
                } else {
                    notes.push("pgbench -i failed; TPC-B-like ceiling skipped.".into());
                }
                scratch.drop_now().await;
            }
        }
    }

    eprintln!("memory: tollgate as a child process");
    match tollgate_binary(&root) {
        None => notes.push("memory: the release binary could not be built; skipped.".into()),
        Some(bin) => match measure_memory(&bin, measure).await {
            None => notes.push("memory: the child process did not start; skipped.".into()),
            Some(m) => {
                let mut row = Row::new("memory_idle", "memory: RSS idle", "SQLite", 0);
                row.rps = format!("{:.1} MiB", m.idle_mib);
                row.target = "< 50 MiB".into();
                row.met = Some(m.idle_mib < 50.0);
                rows.push(row);
                for (conc, logins, mib) in m.loaded {
                    let label = match logins {
                        0 => "memory: RSS peak, reads only".to_owned(),
                        n => format!("memory: RSS peak, reads + {n} signing in"),
                    };
                    let mut row = Row::new("memory_256", &label, "SQLite", conc);
                    row.rps = format!("{mib:.1} MiB");
                    if conc == 256 {
                        row.target = "< 150 MiB".into();
                        row.met = Some(mib < 150.0);
                    }
                    rows.push(row);
                }
                notes.push(format!(
                    "memory: `{}` on SQLite, VmRSS from /proc/<pid>/status, peak sampled every \
                     50 ms over each load.",
                    bin.strip_prefix(&root).unwrap_or(&bin).display()
                ));
            }
        },
    }

    // The table, the misses explained, and the document.
    let table = print_table(&rows);
    println!("\n{table}");
    let mut misses = String::new();
    let mut seen = Vec::new();
    for r in rows.iter().filter(|r| r.met == Some(false)) {
        if seen.contains(&(r.key, r.backend.as_str())) {
            continue;
        }
        seen.push((r.key, r.backend.as_str()));
        let specific = format!("{}/{}", r.key, r.backend);
        let why = EXPLANATIONS
            .iter()
            .find(|(k, _)| *k == specific)
            .or_else(|| EXPLANATIONS.iter().find(|(k, _)| *k == r.key))
            .map_or("No explanation recorded for this miss yet.", |(_, w)| w);
        let _ = writeln!(misses, "- **{}** ({}): {why}", r.scenario, r.backend);
    }
    if misses.is_empty() {
        misses.push_str("- none\n");
    }
    for n in &notes {
        println!("note: {n}");
    }
    let command = match &pg_server {
        Some(url) => format!("TOLLGATE_BENCH_POSTGRES_URL={url} cargo bench --bench load"),
        None => "cargo bench --bench load".into(),
    };
    let doc = format!(
        "# Performance\n\n\
         Generated by `benches/load.rs` on {date}; every figure comes from one run of\n\n\
         ```sh\n{command}\n```\n\n\
         ## Machine\n\n{machine}\n\
         Server and load generator share these cores (one process, one multi-thread tokio \
         runtime with its defaults, as tollgate's own). Figures drift between runs on a shared \
         machine: compare the ratios, which are measured against ceilings taken in the same run.\n\n\
         ## Method\n\n\
         - Closed loop: N workers, each with its own keep-alive HTTP/1.1 connection (reqwest), \
         send requests back to back; {warm} s warm-up, then {secs} s measured. Requests/s counts \
         successful replies (errors are shown beside it); p50/p99 from an HDR histogram of every \
         measured request.\n\
         - Ceilings: a bare axum route answering a fixed small JSON body on its own port, same \
         runtime; argon2id time per hash through `tollgate::auth::password::hash` over {hashes} \
         hashes, so the login ceiling is cores ÷ time per hash; on PostgreSQL, `pgbench` \
         TPC-B-like (scale 1) and custom scripts of the statements a credit spend and an \
         approval run (taken from the PostgreSQL log with `log_statement = 'all'`; see \
         `SPEND_SQL` and `APPROVE_SQL` in `benches/load.rs`), against tollgate's own database \
         and rows, same client count, `-M prepared`.\n\
         - tollgate runs in-process for the throughput figures (fresh SQLite file; fresh \
         PostgreSQL database, dropped afterwards), with no log subscriber installed, so the \
         per-request log line is not paid; data is set up through the HTTP API, the staff user \
         with `create_staff_user` and the credit top-ups with `credits::adjust`. Memory is the \
         release binary as a child process.\n\
         - Approval: each worker takes the next pending payment from a shared counter until none \
         are left; requests/s is approvals per second. Spend: `POST billing/credits/usage/` \
         `{{\"operation_type\":\"clustering\"}}` on one account from every worker, or worker i on \
         account i mod {spread}.\n\
         - Targets that are ratios are judged at 16 and 64 connections (the read target at 64); \
         the rows at 1 connection show latency.\n\n\
         ## Results\n\n{table}\n\
         ## Missed targets: why, and what would close them\n\n{misses}\n\
         ## Notes\n\n{notes}\n\
         Run time: {total:.0} s.\n",
        date = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
        machine = machine(&root, pg_version),
        warm = WARM_UP.as_secs(),
        spread = SPREAD_ACCOUNTS,
        notes = notes.iter().map(|n| format!("- {n}\n")).collect::<String>(),
        total = began.elapsed().as_secs_f64(),
    );
    let path = root.join("docs/PERFORMANCE.md");
    std::fs::write(&path, doc).expect("write docs/PERFORMANCE.md");
    println!(
        "wrote {} in {:.0} s",
        path.display(),
        began.elapsed().as_secs_f64()
    );
}
