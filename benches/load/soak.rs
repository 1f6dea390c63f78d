//! The soak (`TOLLGATE_BENCH_ONLY=soak cargo bench --bench load`): the release binary on SQLite
//! under a mixed load at half its measured capacity for `TOLLGATE_SOAK_MINUTES` (default 20),
//! counting errors and sampling its RSS, then rewriting the soak section of
//! `docs/PERFORMANCE.md`. Not part of every run: it takes twenty minutes.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::document::{SOAK_HEADING, section};
use crate::harness::{Outcome, client, drive};
use crate::memory::{proc_status, vm_rss_kib};
use crate::servers::Tollgate;
use crate::soak_mix::{Failures, Session, Sessions, mixed, renew_sessions};
use crate::{PASSWORD, SPREAD_ACCOUNTS};

const WORKERS: usize = 64;

pub async fn run(bin: &Path, root: &Path) {
    let minutes: u64 = std::env::var("TOLLGATE_SOAK_MINUTES")
        .ok()
        .and_then(|m| m.parse().ok())
        .unwrap_or(20);
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("soak.db").display());
    let t = Arc::new(Tollgate::start(bin, url).await);
    let staff = tollgate::domain::accounts::create_staff_user(&t.db, "staff@soak.test", PASSWORD)
        .await
        .expect("staff user");
    let staff = tollgate::domain::staff::StaffActor::verify(staff).expect("staff");
    let staff_session = t
        .post(
            "/auth/login/",
            None,
            json!({"email": "staff@soak.test", "password": PASSWORD}),
        )
        .await;
    let mut customers = Vec::new();
    for i in 0..SPREAD_ACCOUNTS {
        let d = t.register(&format!("soak{i:02}@bench.test"), false).await;
        let account = d["account"]["id"].as_i64().expect("account id");
        tollgate::domain::credits::adjust(&t.db, &staff, account, 1_000_000_000, "soak")
            .await
            .expect("adjust");
        customers.push(Session::from_reply(&d));
    }
    let sessions = Arc::new(Sessions {
        customers: customers.into(),
        staff: Session::from_reply(&staff_session["data"]).into(),
    });
    // The capacity run's failures are not the soak's.
    let job = mixed(t.base.clone(), sessions.clone(), Arc::default());

    // Capacity: the same mix, closed loop, as fast as it goes.
    let capacity = drive(
        WORKERS,
        Duration::from_secs(2),
        Duration::from_secs(10),
        job.clone(),
    )
    .await
    .rps();
    let rate = capacity / 2.0;
    eprintln!("soak: capacity {capacity:.0} req/s; {minutes} min at {rate:.0} req/s");
    let failures = Arc::new(Failures::default());
    let job = mixed(t.base.clone(), sessions.clone(), failures.clone());
    let renewer = renew_sessions(t.clone(), sessions, failures.clone());

    // The soak: every worker paced to rate / WORKERS requests per second.
    let ok = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let end = Instant::now() + Duration::from_secs(minutes * 60);
    let period = Duration::from_secs_f64(WORKERS as f64 / rate);
    let mut workers = Vec::new();
    for w in 0..WORKERS {
        let (job, ok, errors, c) = (job.clone(), ok.clone(), errors.clone(), client());
        workers.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(period);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            while Instant::now() < end {
                tick.tick().await;
                match job(c.clone(), w).await {
                    Outcome::Ok => ok.fetch_add(1, Ordering::Relaxed),
                    _ => errors.fetch_add(1, Ordering::Relaxed),
                };
            }
        }));
    }
    let started = Instant::now();
    let mut samples = Vec::new(); // (minute, MiB)
    // Every sample in full, to tell a step in RSS apart: heap (RssAnon) or mapped files
    // (RssFile, SQLite's shared memory), new threads, a stall of the log writer (the log file
    // not growing while the lossy line buffer fills).
    let mut trace = String::from(
        "minute,rss_kib,rss_anon_kib,rss_file_kib,threads,log_bytes,sqlite_workers_seen\n",
    );
    let mut workers_seen = std::collections::HashSet::new();
    while Instant::now() < end {
        tokio::time::sleep(Duration::from_secs(10)).await;
        let kib = vm_rss_kib(t.pid).unwrap_or(0);
        let minute = started.elapsed().as_secs_f64() / 60.0;
        samples.push((minute, kib as f64 / 1024.0));
        let field = |f| proc_status(t.pid, f).unwrap_or(0);
        let log = std::fs::metadata(t.log_path()).map_or(0, |m| m.len());
        trace += &format!(
            "{minute:.2},{kib},{},{},{},{log},{}\n",
            field("RssAnon"),
            field("RssFile"),
            field("Threads"),
            {
                note_sqlite_workers(t.pid, &mut workers_seen);
                workers_seen.len()
            }
        );
    }
    let trace_path = root.join("target/soak-samples.csv");
    let _ = std::fs::write(&trace_path, trace);
    eprintln!("soak: every sample in {}", trace_path.display());
    for w in workers {
        let _ = w.await;
    }
    renewer.abort();
    let (ok, errors) = (ok.load(Ordering::Relaxed), errors.load(Ordering::Relaxed));

    // Flat: the last minute's median RSS against the second minute's (after warm-up).
    let median_in = |from: f64, to: f64| {
        let mut v: Vec<f64> = samples
            .iter()
            .filter(|(m, _)| *m >= from && *m < to)
            .map(|(_, r)| *r)
            .collect();
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
    };
    let total = minutes as f64;
    let early = median_in(1.0, 2.0);
    let late = median_in(total - 1.0, total + 1.0);
    let drift = (late - early) / early;
    let peak = samples.iter().map(|s| s.1).fold(0.0, f64::max);
    let met = errors == 0 && drift.abs() <= 0.10;
    // The whole curve, a median per minute, shows whether growth levels off or keeps on.
    let curve: Vec<String> = (0..minutes)
        .map(|m| format!("{:.1}", median_in(m as f64, m as f64 + 1.0)))
        .collect();
    let body = format!(
        "{SOAK_HEADING}\n\n\
         Run on {date} with `TOLLGATE_BENCH_ONLY=soak cargo bench --bench load` \
         ({minutes} minutes): the release binary on SQLite, {WORKERS} connections, a mix of 6 \
         reads of the payment methods, 2 credit spends over {SPREAD_ACCOUNTS} accounts, 1 balance \
         and 1 staff pending list in every 10 requests, each connection paced to an equal \
         share of half the mix's capacity measured just before (closed loop, 10 s).\n\n\
         | capacity | paced rate | requests | errors | RSS 2nd minute | RSS last minute | drift | peak RSS | target | met? |\n\
         |---|---|---|---|---|---|---|---|---|---|\n\
         | {capacity:.0}/s | {rate:.0}/s | {total} | {errors} | {early:.1} MiB | {late:.1} MiB | {pct:+.1}% | {peak:.1} MiB | 0 errors, RSS within 10% | {met} |\n\n\
         - failed requests, by kind and status: {failed}\n\
         - RSS, median of each minute (MiB): {curve}\n\
         - access tokens live 15 minutes; every client renews its pair through `auth/refresh` \
         each {renew} minutes, as a client of the API does.\n{why}",
        why = if drift.abs() > 0.10 {
            format!(
                "- why RSS is not within 10%: {}\n",
                crate::explanations::SOAK_RSS
            )
        } else {
            String::new()
        },
        total = ok + errors,
        failed = failures.summary(),
        curve = curve.join(", "),
        renew = crate::soak_mix::RENEW_EVERY.as_secs() / 60,
        date = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
        pct = drift * 100.0,
        met = if met { "yes" } else { "**no**" },
    );
    println!("{body}");
    let path = root.join("docs/PERFORMANCE.md");
    let doc = std::fs::read_to_string(&path).unwrap_or_default();
    let doc = match section(&doc, SOAK_HEADING) {
        Some(old) => doc.replacen(&old, &body, 1),
        None => format!("{}\n\n{body}", doc.trim_end()),
    };
    std::fs::write(&path, doc).expect("write docs/PERFORMANCE.md");
    println!("wrote the soak section of {}", path.display());
}

/// Adds the ids of the process's SQLite worker threads (sqlx runs one per connection; its
/// name, `sqlx-sqlite-worker-N`, is cut to `sqlx-sqlite-wor` in `comm`) to `seen`: a growing
/// set means connections were closed and others opened.
fn note_sqlite_workers(pid: u32, seen: &mut std::collections::HashSet<u64>) {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return;
    };
    for task in tasks.flatten() {
        let name = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if name.starts_with("sqlx-sqlite")
            && let Some(tid) = task.file_name().to_str().and_then(|t| t.parse().ok())
        {
            seen.insert(tid);
        }
    }
}
