//! The external load generator for reads: `wrk` (Debian's package), which drives a server from
//! its own process, as a user's clients would, and the bare axum ceiling that answers with
//! exactly the bytes of the endpoint under test, so that payload size is not counted as
//! tollgate's overhead.

use std::process::Command;
use std::time::Duration;

use axum::http::header::CONTENT_TYPE;

pub struct WrkRun {
    pub rps: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Socket errors and non-2xx/3xx replies.
    pub errors: u64,
}

/// Whether `wrk` is on PATH.
pub fn available() -> bool {
    Command::new("wrk")
        .arg("--version")
        .output()
        .is_ok_and(|o| !o.stdout.is_empty() || !o.stderr.is_empty())
}

/// `wrk --latency` with `conns` keep-alive connections for `secs` (after a one-second warm-up
/// run whose figures are thrown away); two threads, one per core, or one for one connection.
pub fn run(url: &str, conns: usize, secs: Duration) -> Option<WrkRun> {
    let threads = conns.clamp(1, 2).to_string();
    let conns = conns.to_string();
    let once = |d: &str| {
        Command::new("wrk")
            .args(["--latency", "-t", &threads, "-c", &conns, "-d", d, url])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
    };
    once("1s")?;
    parse(&once(&format!("{}s", secs.as_secs().max(1)))?)
}

fn parse(out: &str) -> Option<WrkRun> {
    let mut run = WrkRun {
        rps: f64::NAN,
        p50_ms: f64::NAN,
        p99_ms: f64::NAN,
        errors: 0,
    };
    for line in out.lines().map(str::trim) {
        let mut words = line.split_whitespace();
        match (words.next(), words.next()) {
            (Some("Requests/sec:"), Some(v)) => run.rps = v.parse().ok()?,
            (Some("50%"), Some(v)) => run.p50_ms = millis(v)?,
            (Some("99%"), Some(v)) => run.p99_ms = millis(v)?,
            (Some("Non-2xx"), _) => run.errors += last_number(line),
            (Some("Socket"), Some("errors:")) => {
                // "Socket errors: connect 0, read 0, write 0, timeout 0"
                run.errors += line
                    .split(',')
                    .filter_map(|part| part.split_whitespace().last()?.parse::<u64>().ok())
                    .sum::<u64>();
            }
            _ => {}
        }
    }
    run.rps.is_finite().then_some(run)
}

fn last_number(line: &str) -> u64 {
    line.split_whitespace()
        .last()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// "812.00us", "1.23ms", "2.01s" → milliseconds.
fn millis(v: &str) -> Option<f64> {
    let (number, scale) = if let Some(n) = v.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = v.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = v.strip_suffix('s') {
        (n, 1000.0)
    } else {
        (v, 1.0)
    };
    number.parse::<f64>().ok().map(|n| n * scale)
}

/// A bare axum server in this process answering every GET with `body` and `content_type`.
pub async fn same_bytes_server(body: axum::body::Bytes, content_type: String) -> String {
    use axum::{Router, routing::get};
    let app = Router::new().fallback(get(move || {
        let (body, content_type) = (body.clone(), content_type.clone());
        async move { ([(CONTENT_TYPE, content_type)], body) }
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/")
}
