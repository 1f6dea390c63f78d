//! The process's one Prometheus recorder. The `metrics` facade has a single global recorder,
//! so it is installed once per process (the first server built installs it; later ones, as in
//! the tests, share it) and rendered by our own `/metrics` route: the exporter opens no port.

use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use super::http::REQUEST_DURATION;

/// Request latency buckets, in seconds: a cached read takes well under a millisecond, a
/// sign-in's password hash tens of milliseconds, a PDF or a bulk review up to seconds.
const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// How often the histograms' samples are folded into their buckets when nobody scrapes (a
/// scrape does it too); without it they would pile up in memory.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the recorder (once per process) and returns its handle; `None` when another
/// recorder was installed first (then `/metrics` shows nothing, and says so in the log).
pub fn install() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(REQUEST_DURATION.into()), LATENCY_BUCKETS);
            let installed = builder.and_then(|b| b.install_recorder());
            match installed {
                Ok(handle) => {
                    super::counters::describe();
                    super::http::describe();
                    let upkeep = handle.clone();
                    // A plain thread: it outlives any one tokio runtime (tests start many).
                    let spawned = std::thread::Builder::new()
                        .name("metrics-upkeep".into())
                        .spawn(move || {
                            loop {
                                std::thread::sleep(UPKEEP_EVERY);
                                upkeep.run_upkeep();
                            }
                        });
                    if let Err(e) = spawned {
                        tracing::warn!(error = %e, "metrics upkeep thread not started");
                    }
                    Some(handle)
                }
                Err(e) => {
                    tracing::warn!(error = %e, "metrics recorder not installed; /metrics stays empty");
                    None
                }
            }
        })
        .as_ref()
}

/// The current figures in the Prometheus text format.
pub fn render() -> String {
    install().map(PrometheusHandle::render).unwrap_or_default()
}
