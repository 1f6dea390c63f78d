//! Scale: staff's payment queue and `account show` as the data grows. One database per backend
//! is filled with `tollgate::ops::demo::seed` (what `tollgate seed-demo` runs) up to each
//! size in turn — 10K, then 1M accounts by default — and the same requests are timed at every
//! size, so that the growth shows as a ratio to the smallest size. The analytics dashboard's
//! queries are timed at each size too, against their own target (500 ms).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::FutureExt;

use crate::harness::{Job, Outcome, Run, drive, get_job, outcome};
use crate::report::Row;
use crate::servers::{Backend, PgDatabase, Tollgate};
use crate::{PASSWORD, WARM_UP};

/// Accounts at each step, from `TOLLGATE_BENCH_SCALE` (comma-separated) or 10K and 1M.
pub fn sizes() -> Vec<i64> {
    let mut sizes: Vec<i64> = std::env::var("TOLLGATE_BENCH_SCALE")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![10_000, 1_000_000]);
    sizes.sort_unstable();
    sizes.dedup();
    sizes
}

/// What staff ask of the queue, as (row key, label, query). `{k}` is a demo account in the
/// middle of the data with a payment awaiting review; `{cursor}` an id half-way down the queue.
const QUERIES: [(&str, &str, &str); 5] = [
    (
        "scale_list",
        "staff pending list, page 1 with count",
        "status=pending_approval",
    ),
    (
        "scale_cursor",
        "staff pending list, keyset page 1",
        "status=pending_approval&cursor=",
    ),
    (
        "scale_deep",
        "staff pending list, keyset page half-way",
        "status=pending_approval&cursor={cursor}",
    ),
    (
        "scale_search",
        "staff search by reference",
        "status=pending_approval&search=DEMO-{k}",
    ),
    (
        "scale_search",
        "staff search by customer email",
        "search=demo{k}@",
    ),
];

/// The admin panel's lists that grow with the customers, first page and a search each, as
/// (label, path); `{k}` as in `QUERIES`.
const PANEL_PAGES: [(&str, &str); 8] = [
    ("panel: payments", "/admin/billing/payment/"),
    (
        "panel: payments, search by email",
        "/admin/billing/payment/?q=demo{k}@",
    ),
    ("panel: accounts", "/admin/accounts/account/"),
    (
        "panel: accounts, search by billing email",
        "/admin/accounts/account/?q=billing{k}@",
    ),
    ("panel: users", "/admin/accounts/user/"),
    (
        "panel: users, search by email",
        "/admin/accounts/user/?q=demo{k}@",
    ),
    ("panel: invoices", "/admin/billing/invoice/"),
    (
        "panel: invoices, search by number",
        "/admin/billing/invoice/?q=INV-{k}-",
    ),
];

/// A client signed in to the admin panel as `email` (its session cookie kept).
async fn panel_session(t: &Tollgate, email: &str) -> reqwest::Client {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let login = format!("{}/admin/login/", t.origin());
    let form = client.get(&login).send().await.expect("login page");
    let html = form.text().await.expect("login page");
    let marker = "name=\"csrf_token\" value=\"";
    let at = html.find(marker).expect("CSRF token on the login page") + marker.len();
    let csrf = html[at..].split('"').next().unwrap_or_default();
    let fields = [
        ("email", email),
        ("password", PASSWORD),
        ("next", "/admin/"),
        ("csrf_token", csrf),
    ];
    let signed_in = client
        .post(&login)
        .form(&fields)
        .send()
        .await
        .expect("sign in");
    assert_eq!(
        signed_in.status(),
        reqwest::StatusCode::SEE_OTHER,
        "panel sign-in"
    );
    client
}

/// GET `url` with the signed-in panel client (the worker's own client has no session).
fn panel_job(panel: reqwest::Client, url: String) -> Job {
    Arc::new(move |_, _| {
        let req = panel.get(&url);
        async move { outcome(req.send().await).await }.boxed()
    })
}

/// p95 of each (label) at the first size, to compare the later sizes with.
type Baseline = Vec<(String, f64)>;

pub async fn scale_scenarios(
    bin: &Path,
    backend: Backend,
    database_url: String,
    measure: Duration,
    rows: &mut Vec<Row>,
    notes: &mut Vec<String>,
) {
    let b = backend.name();
    let t = Tollgate::start(bin, database_url).await;
    tollgate::domain::accounts::create_staff_user(&t.db, "scale@bench.test", PASSWORD)
        .await
        .expect("staff user");
    let token = t.login("scale@bench.test", PASSWORD).await;
    let panel = panel_session(&t, "scale@bench.test").await;
    let mut seeded = 0;
    let mut baseline: Baseline = Vec::new();
    let sizes = sizes();
    for (step, &size) in sizes.iter().enumerate() {
        let t0 = Instant::now();
        tollgate::ops::demo::seed(&t.db, size - seeded, |_| {})
            .await
            .expect("seed-demo");
        notes.push(format!(
            "{b}: seed-demo from {seeded} to {size} accounts in {:.1} s.",
            t0.elapsed().as_secs_f64()
        ));
        seeded = size;
        // Demo account i has a payment awaiting review when i % 10 is 4 (src/domain/demo.rs).
        let k = size / 2 / 10 * 10 + 4;
        let cursor = half_way_cursor(&t, &token).await;
        for (key, label, query) in QUERIES {
            let query = query
                .replace("{k}", &k.to_string())
                .replace("{cursor}", &cursor.to_string());
            let url = t.url(&format!("/billing/admin/payments/?{query}"));
            for c in [1usize, 16] {
                let r = drive(
                    c,
                    WARM_UP,
                    measure,
                    get_job(url.clone(), Some(token.clone())),
                )
                .await;
                rows.push(judged(
                    Row::new(key, &format!("{label} ({size} accounts)"), b, c),
                    &r,
                    c == 1,
                    step,
                    label,
                    &mut baseline,
                ));
            }
        }
        for (label, path) in PANEL_PAGES {
            let url = format!("{}{}", t.origin(), path.replace("{k}", &k.to_string()));
            let r = drive(1, WARM_UP, measure, panel_job(panel.clone(), url)).await;
            rows.push(judged(
                Row::new("scale_panel", &format!("{label} ({size} accounts)"), b, 1),
                &r,
                true,
                step,
                label,
                &mut baseline,
            ));
        }
        let r = account_show(&t, k, measure).await;
        rows.push(judged(
            Row::new(
                "scale_account",
                &format!("account show, in-process ({size} accounts)"),
                b,
                1,
            ),
            &r,
            true,
            step,
            "account show",
            &mut baseline,
        ));
        rows.push(analytics_row(&t, size, b, measure).await);
    }
    let _ = t.db.close().await;
}

/// The scale phase on a PostgreSQL database made for it and dropped afterwards.
pub async fn on_postgres(
    bin: &Path,
    server: &str,
    measure: Duration,
    rows: &mut Vec<Row>,
    notes: &mut Vec<String>,
) {
    let db = PgDatabase::create(server, "tollgate_scale").await;
    scale_scenarios(bin, Backend::Postgres, db.url(), measure, rows, notes).await;
    db.drop_now().await;
}

/// The staff analytics dashboard's figures (issue 17: < 500 ms at 1M accounts), all of them
/// with the default filter (the last twelve months, the most used currency), timed in-process
/// back to back: what `/admin/analytics/` asks the database, without the page's rendering
/// (a few hundred table rows and SVG shapes, well under a millisecond).
async fn analytics_row(t: &Tollgate, size: i64, b: &str, measure: Duration) -> Row {
    use tollgate::domain::analytics;
    // Loads timed one after another until the window has passed and at least three are
    // done: one load may take longer than the window, which `drive` would count as none.
    let mut r = Run {
        ok: 0,
        errors: 0,
        secs: 0.0,
        hist: hdrhistogram::Histogram::new_with_bounds(1, 600_000_000, 3).expect("hist"),
    };
    let start = Instant::now();
    while r.ok + r.errors < 3 || start.elapsed() < measure {
        let t0 = Instant::now();
        let asked = analytics::Asked::default();
        let loaded = match analytics::filter(&t.db, &asked).await {
            Ok(filter) => analytics::dashboard(&t.db, &filter).await.is_ok(),
            Err(_) => false,
        };
        if loaded {
            r.ok += 1;
            let _ = r.hist.record(t0.elapsed().as_micros().max(1) as u64);
        } else {
            r.errors += 1;
            if r.errors >= 3 {
                break;
            }
        }
    }
    r.secs = start.elapsed().as_secs_f64();
    let mut row = Row::new(
        "scale_analytics",
        &format!("analytics dashboard, every figure, in-process ({size} accounts)"),
        b,
        1,
    )
    .run(&r);
    let p95 = r.ms(0.95);
    row.ceiling = format!("p95 = {p95:.1} ms");
    row.target = "p95 < 500 ms".into();
    row.met = Some(r.ok > 0 && p95 < 500.0);
    row
}

/// The row with its p95, judged against 20 ms and (after the first size) 1.5× the first size.
fn judged(
    row: Row,
    r: &Run,
    target: bool,
    step: usize,
    label: &str,
    baseline: &mut Baseline,
) -> Row {
    let mut row = row.run(r);
    let p95 = r.ms(0.95);
    row.ceiling = format!("p95 = {p95:.2} ms");
    if !target {
        return row;
    }
    if r.ok == 0 {
        // Nothing finished inside the window: no figure, and certainly not a met target.
        row.ceiling = "no request completed in the window".into();
        row.target = "p95 < 20 ms".into();
        row.met = Some(false);
        return row;
    }
    if step == 0 {
        baseline.push((label.to_owned(), p95));
        row.target = "p95 < 20 ms".into();
        row.met = Some(p95 < 20.0);
        return row;
    }
    let first = baseline
        .iter()
        .find(|(l, _)| l == label)
        .map_or(f64::NAN, |(_, p)| *p);
    let growth = p95 / first;
    row.ratio = format!("{growth:.2}× first size");
    row.target = "p95 < 20 ms, ≤ 1.5× first size".into();
    row.met = Some(p95 < 20.0 && growth <= 1.5);
    row
}

/// The id of a pending payment half-way down the queue, for a keyset page deep in it.
async fn half_way_cursor(t: &Tollgate, token: &str) -> i64 {
    let first: serde_json::Value = t
        .http
        .get(t.url("/billing/admin/payments/?status=pending_approval&page_size=1"))
        .bearer_auth(token)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("JSON");
    let newest = first["data"]["results"][0]["id"].as_i64().unwrap_or(0);
    newest / 2
}

/// `report::account_report`, what `tollgate account show` prints, timed in-process (without
/// the command's process start) back to back for `measure`.
async fn account_show(t: &Tollgate, account: i64, measure: Duration) -> Run {
    let db = t.db.clone();
    let job: Job = Arc::new(move |_, _| {
        let db = db.clone();
        async move {
            match tollgate::ops::report::account_report(&db, account).await {
                Ok(_) => Outcome::Ok,
                Err(_) => Outcome::Err,
            }
        }
        .boxed()
    });
    drive(1, WARM_UP, measure, job).await
}
