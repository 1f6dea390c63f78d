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
//! `TOLLGATE_BIN` (the release binary for the memory runs; built when missing or stale),
//! `TOLLGATE_BENCH_SCALE` (accounts per scale step, comma-separated; default `10000,1000000`;
//! empty skips the scale phase), `TOLLGATE_BENCH_ONLY=scale` (only the scale phase, printed,
//! no document written).

mod explanations;
mod harness;
mod memory;
mod pgbench;
mod report;
mod scale;
mod scenarios;
mod servers;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use sea_orm::ConnectionTrait;

use explanations::EXPLANATIONS;
use harness::{drive, get_job};
use memory::{measure_memory, tollgate_binary};
use pgbench::PgBench;
use report::{Row, machine, print_table};
use scenarios::{Ceilings, backend_scenarios};
use servers::{Backend, PgDatabase, bare_server};

// As in tollgate's binary (src/main.rs): the in-process server must allocate like the real one.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub const PASSWORD: &str = "BenchPass123!";
pub const WARM_UP: Duration = Duration::from_secs(1);
/// Free-trial accounts for the spread credit spend: one per worker at 64 connections.
pub const SPREAD_ACCOUNTS: usize = 64;
/// Pending payments per concurrency level for the approval cascade.
pub const APPROVALS: [(usize, usize); 3] = [(1, 150), (16, 500), (64, 800)];

fn main() {
    tollgate::alloc::return_freed_memory_promptly();
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

    // For working on the scale phase alone: its rows, printed, and no document written.
    if std::env::var("TOLLGATE_BENCH_ONLY").as_deref() == Ok("scale") {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("scale.db").display());
        scale::scale_scenarios(Backend::Sqlite, url, measure, &mut rows, &mut notes).await;
        if let Some(server) = &pg_server {
            let db = PgDatabase::create(server, "tollgate_scale").await;
            scale::scale_scenarios(Backend::Postgres, db.url(), measure, &mut rows, &mut notes)
                .await;
            db.drop_now().await;
        }
        println!("\n{}", print_table(&rows));
        notes.iter().for_each(|n| println!("note: {n}"));
        return;
    }

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
    if !scale::sizes().is_empty() {
        eprintln!("scale on SQLite: {:?} accounts", scale::sizes());
        let url = format!("sqlite://{}", dir.path().join("scale.db").display());
        scale::scale_scenarios(Backend::Sqlite, url, measure, &mut rows, &mut notes).await;
    }

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
            if !scale::sizes().is_empty() {
                eprintln!("scale on PostgreSQL: {:?} accounts", scale::sizes());
                let db = PgDatabase::create(server, "tollgate_scale").await;
                scale::scale_scenarios(Backend::Postgres, db.url(), measure, &mut rows, &mut notes)
                    .await;
                db.drop_now().await;
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
         Generated by `benches/load/` on {date}; every figure comes from one run of\n\n\
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
         `SPEND_SQL` and `APPROVE_SQL` in `benches/load/pgbench.rs`), against tollgate's own database \
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
         the rows at 1 connection show latency.\n\
         - Scale: a fresh database per backend is filled with `tollgate::ops::demo::seed` \
         (what `tollgate seed-demo` runs) to each size in turn ({scale}); at each size the \
         staff queue — the page-number list with its count, the keyset list (`cursor=`) first \
         and half-way down, search by payment reference and by customer email — and \
         `account show` (`report::account_report`, in-process) are timed. Their target is \
         judged at 1 connection: one staff member's request as the data grows; the rows at 16 \
         show queueing on 2 cores and are not judged.\n\
         - The benchmark installs mimalloc with the same settings as the binary, so the bare \
         ceiling and tollgate allocate alike.\n\n\
         ## Results\n\n{table}\n\
         ## Missed targets: why, and what would close them\n\n{misses}\n\
         ## Notes\n\n{notes}\n\
         Run time: {total:.0} s.\n",
        date = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
        machine = machine(&root, pg_version),
        warm = WARM_UP.as_secs(),
        spread = SPREAD_ACCOUNTS,
        scale = match scale::sizes().as_slice() {
            [] => "skipped: TOLLGATE_BENCH_SCALE is empty".to_owned(),
            sizes => sizes
                .iter()
                .map(|n| format!("{n} accounts"))
                .collect::<Vec<_>>()
                .join(", then "),
        },
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
