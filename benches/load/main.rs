//! `cargo bench --bench load`: the release binary against this machine's own ceilings, in one run.
//!
//! Builds `target/release/tollgate` when it is missing or older than the sources and starts it
//! as a child process with its default settings (logging on) on a fresh SQLite file — and on a
//! fresh PostgreSQL database too when `TOLLGATE_BENCH_POSTGRES_URL` is set. Reads are driven by
//! `wrk` against the binary and against a bare axum server in this process that answers the same
//! bytes (the HTTP ceiling); the write, login and scale scenarios by this process's closed-loop
//! generator (N workers, each with its own keep-alive connection), latencies in an HDR
//! histogram. Other ceilings are measured in the same run: argon2id time per hash, and on
//! PostgreSQL `pgbench` (TPC-B-like and custom scripts of the statements tollgate's spend and
//! approval run). Memory is read from `/proc/<pid>/status`. Prints one table and writes it,
//! with the machine description, to `docs/PERFORMANCE.md`.
//!
//! Environment: `TOLLGATE_BENCH_POSTGRES_URL` (server URL, no database), `TOLLGATE_BENCH_C256=1`
//! (also run concurrency 256), `TOLLGATE_BENCH_SECS` (measured seconds per run, default 3),
//! `TOLLGATE_BIN` (the release binary; built when unset and missing or stale),
//! `TOLLGATE_BENCH_SCALE` (accounts per scale step, comma-separated; default `10000,1000000`;
//! empty skips the scale phase), `TOLLGATE_BENCH_ONLY=scale` (only the scale phase, printed,
//! no document written), `TOLLGATE_BENCH_ONLY=soak` (only the soak, `soak.rs`, which rewrites
//! the document's soak section; `TOLLGATE_SOAK_MINUTES`, default 20).

mod document;
mod explanations;
mod harness;
mod memory;
mod pgbench;
mod report;
mod scale;
mod scenarios;
mod servers;
mod soak;
mod soak_mix;
mod sqlite_ceiling;
mod wrk;

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use sea_orm::ConnectionTrait;

use memory::{measure_memory, tollgate_binary};
use pgbench::PgBench;
use report::{Row, print_table};
use scenarios::{Ceilings, backend_scenarios};
use servers::{Backend, PgDatabase};

// As in tollgate's binary (src/main.rs): the in-process server must allocate like the real one.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub const PASSWORD: &str = "BenchPass123!";
pub const WARM_UP: Duration = Duration::from_secs(1);
/// Free-trial accounts for the spread credit spend: one per worker at 64 connections.
pub const SPREAD_ACCOUNTS: usize = 64;
/// Pending payments per concurrency level for the approval cascade.
pub const APPROVALS: [(usize, usize); 3] = [(1, 150), (16, 1000), (64, 3000)];

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

    let bin = tollgate_binary(&root).expect("the release binary (cargo build --release) builds");

    // For working on the scale phase alone: its rows, printed, and no document written.
    match std::env::var("TOLLGATE_BENCH_ONLY").as_deref() {
        Ok("scale") => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}", dir.path().join("scale.db").display());
            scale::scale_scenarios(&bin, Backend::Sqlite, url, measure, &mut rows, &mut notes)
                .await;
            if let Some(server) = &pg_server {
                scale::on_postgres(&bin, server, measure, &mut rows, &mut notes).await;
            }
            println!("\n{}", print_table(&rows));
            notes.iter().for_each(|n| println!("note: {n}"));
            return;
        }
        Ok("soak") => {
            soak::run(&bin, &root).await;
            return;
        }
        _ => {}
    }

    // Ceiling: argon2id. (The HTTP ceiling is measured beside each read, with the same bytes.)
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
    let ceilings = Ceilings { argon2, argon2_ms };

    eprintln!("tollgate on SQLite");
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite_url = format!("sqlite://{}", dir.path().join("bench.db").display());
    backend_scenarios(
        &bin,
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
        scale::scale_scenarios(&bin, Backend::Sqlite, url, measure, &mut rows, &mut notes).await;
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
                &bin,
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
                scale::on_postgres(&bin, server, measure, &mut rows, &mut notes).await;
            }
        }
    }

    eprintln!("memory: tollgate as a child process");
    match measure_memory(&bin, measure).await {
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
    }

    let command = match &pg_server {
        Some(url) => format!("TOLLGATE_BENCH_POSTGRES_URL={url} cargo bench --bench load"),
        None => "cargo bench --bench load".into(),
    };
    let run = document::Run {
        command,
        rows: &rows,
        notes: &notes,
        pg_version,
        hashes,
        began,
    };
    document::write(&root, &run);
}
