//! The throughput and latency scenarios, run once per backend.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures::FutureExt;
use serde_json::json;

use crate::harness::{Job, Outcome, drive, get_job, in_parallel, outcome, post_job};
use crate::pgbench::{APPROVE_SQL, PgBench, SPEND_SQL};
use crate::report::Row;
use crate::servers::{Backend, Tollgate};
use crate::sqlite_ceiling::spend_ceiling;
use crate::wrk;
use crate::{APPROVALS, PASSWORD, SPREAD_ACCOUNTS, WARM_UP};

pub struct Ceilings {
    /// Logins per second the cores could hash.
    pub argon2: f64,
    pub argon2_ms: f64,
}

#[allow(clippy::too_many_arguments)]
pub async fn backend_scenarios(
    bin: &Path,
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
    let t = Tollgate::start(bin, database_url.clone()).await;
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
    let staff = tollgate::domain::staff::StaffActor::verify(staff).expect("staff");
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

    // (b) read: wrk against the binary, and against a bare axum server with the same bytes
    let read_url = t.url("/billing/admin/payment-methods/?country=PK");
    let (bytes, ctype) = t.body_of(&read_url).await;
    let size = bytes.len();
    let bare_url = wrk::same_bytes_server(bytes, ctype).await;
    if wrk::available() {
        for &c in levels {
            let (Some(r), Some(bare)) = (
                wrk::run(&read_url, c, measure),
                wrk::run(&bare_url, c, measure),
            ) else {
                notes.push(format!(
                    "{b}: wrk failed at {c} connections; read row skipped."
                ));
                continue;
            };
            let mut row = Row::new("read", "GET payment-methods?country=PK (wrk)", b, c).wrk(&r);
            row = row.against(
                r.rps,
                Some((bare.rps, format!("bare axum, same {size} bytes (wrk)"))),
                (c == 64).then_some(0.75),
            );
            rows.push(row);
        }
    } else {
        notes.push(format!(
            "{b}: wrk is not installed (`apt-get install wrk`); the read rows were skipped."
        ));
    }
    let unloaded_reads = drive(16, WARM_UP, measure, get_job(read_url.clone(), None)).await;

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
        // Judged in the scale rows (scale.rs), on seed-demo data; shown here for the small set.
        row.ceiling = format!("p95 = {p95:.2} ms");
        rows.push(row);
    }
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
                    r.rps(),
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
    let unloaded = unloaded_reads.ms(0.99);
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
    notes.push(format!(
        "{b}: reads during logins — argon2 runs on nice-10 threads, so when 16 read workers \
         and 16 sign-ins compete for the 2 cores the reads get the CPU first and sign-ins the \
         rest: {:.0} logins/s in that mix ({:.0} req/s of reads), against the login rows' \
         figure when they run alone. The price of reads staying fast is that sign-ins slow \
         down (but keep going) while the CPU is saturated by other requests.",
        logins.rps(),
        reads.rps()
    ));

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
                r.rps(),
                ceiling.map(|t| (t, "pgbench spend script".into())),
                (c >= 16).then_some(0.75),
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
            Backend::Sqlite if c == 64 => {
                let ceiling = sqlite_spend_ceilings(&t.db, &spread, measure, rows).await;
                row.absolute(&r, 3000.0).beside(r.rps(), ceiling)
            }
            Backend::Sqlite => row,
            Backend::Postgres => {
                let ceiling = pg_spend(c, None);
                row.against(
                    r.rps(),
                    ceiling.map(|t| (t, "pgbench spend script".into())),
                    (c >= 16).then_some(0.75),
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
            Backend::Sqlite if c == 64 => row.absolute(&r, 2000.0),
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
                    r.rps(),
                    ceiling.map(|t| (t, "pgbench approval script".into())),
                    (c >= 16).then_some(0.75),
                )
            }
        };
        rows.push(row);
    }
    let _ = t.db.close().await;
}

/// The SQLite spend ceilings (`sqlite_ceiling.rs`), one spend per COMMIT and a full commit
/// group's worth per COMMIT, each as a row; returns the second, which tollgate's group commit
/// could at best approach.
async fn sqlite_spend_ceilings(
    db: &tollgate::db::Db,
    spread: &[(String, i64, i64)],
    measure: Duration,
    rows: &mut Vec<Row>,
) -> Option<(f64, String)> {
    let accounts: Vec<(i64, i64)> = spread.iter().map(|s| (s.1, s.2)).collect();
    let mut grouped = None;
    for per_commit in [1, 32] {
        eprintln!("ceiling: SQLite spend statements, {per_commit} per COMMIT");
        let label = format!("spend statements through sqlx, {per_commit} per COMMIT");
        let rate = spend_ceiling(db, &accounts, measure, per_commit).await;
        let mut row = Row::new("ceiling", &format!("ceiling: {label}"), "SQLite", 1);
        row.rps = rate.map_or("failed".into(), |r| format!("{r:.0}"));
        rows.push(row);
        grouped = rate.map(|r| (r, label));
    }
    grouped
}
