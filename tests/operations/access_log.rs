//! The access line as JSON: one per request, carrying its request id, method, route template,
//! status and latency. Logged through the server's own subscriber (`telemetry::logs`) into a
//! buffer: the subscriber is global, so it is set once for this test binary and each test
//! finds its own lines by request id.

use std::sync::{Arc, Mutex, OnceLock};

use reqwest::StatusCode;
use serde_json::Value;
use tracing_subscriber::fmt::MakeWriter;

use crate::common::TestApp;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'w> MakeWriter<'w> for Capture {
    type Writer = Capture;
    fn make_writer(&'w self) -> Capture {
        self.clone()
    }
}

fn captured() -> &'static Capture {
    static CAPTURE: OnceLock<Capture> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let capture = Capture::default();
        let filter = tracing_subscriber::EnvFilter::new("tollgate::access=info");
        let json = tollgate::telemetry::logs::subscriber(true, false, filter, capture.clone());
        tracing::subscriber::set_global_default(json).expect("first subscriber of this binary");
        capture
    })
}

/// The JSON access lines logged for `request_id`.
fn lines_of(request_id: &str) -> Vec<Value> {
    let text = String::from_utf8(captured().0.lock().unwrap().clone()).unwrap();
    text.lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .filter(|v| v["request_id"] == request_id)
        .collect()
}

crate::on_both_backends!(access_line_is_json_with_the_request_fields);

async fn access_line_is_json_with_the_request_fields(app: TestApp) {
    captured();
    // A client's id is kept; the route is the template, not the path with its id.
    let id = format!("access-{:?}-{}", app.backend, std::process::id());
    let resp = app
        .client
        .get(app.url("/billing/invoices/777/"))
        .header("x-request-id", &id)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let lines = lines_of(&id);
    assert_eq!(lines.len(), 1, "one access line per request: {lines:?}");
    let line = &lines[0];
    assert_eq!(line["target"], "tollgate::access");
    assert_eq!(line["level"], "INFO");
    assert_eq!(line["method"], "GET");
    assert_eq!(line["route"], "/api/v1/billing/invoices/{id}");
    assert_eq!(line["status"], 401);
    assert!(
        line["latency_ms"].as_f64().is_some_and(|ms| ms >= 0.0),
        "{line}"
    );
    assert!(line["timestamp"].is_string(), "{line}");

    // Without one, the server's own id: the header and the line agree. An unmatched path is
    // logged as such.
    let resp = app
        .client
        .get(format!("{}/no/such/page/42", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let given = resp.headers()["x-request-id"].to_str().unwrap().to_owned();
    let (prefix, counter) = given.split_once('-').expect("prefix-counter");
    assert_eq!((prefix.len(), counter.len()), (16, 10), "{given}");
    let lines = lines_of(&given);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["route"], "unmatched");
    assert_eq!(lines[0]["status"], 404);
}
