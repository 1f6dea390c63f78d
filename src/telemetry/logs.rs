//! The log output: plain text on a terminal, JSON lines otherwise (or as set by
//! `TOLLGATE_LOG_FORMAT`), written by a background thread so a request never waits for the
//! terminal or the pipe. The buffer is bounded and lossy: when the writer falls behind, lines
//! are dropped and counted (`log_lines_dropped_total` on `/metrics`) rather than slowing the
//! server down.

use std::io::IsTerminal;
use std::sync::OnceLock;

use tracing::Subscriber;
use tracing_appender::non_blocking::{ErrorCounter, NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

use crate::config::LogFormat;

/// Lines held for the writer thread before new ones are dropped (a burst of a few seconds at
/// full request rate; each line is a few hundred bytes).
const BUFFERED_LINES: usize = 64 * 1024;

static DROPPED: OnceLock<ErrorCounter> = OnceLock::new();

/// Keeps the writer thread alive; dropping it (when `main` returns) writes out what is still
/// buffered.
pub struct LogGuard {
    _guard: WorkerGuard,
}

/// Lines dropped because the writer fell behind, since start.
pub fn dropped_lines() -> u64 {
    DROPPED.get().map_or(0, |c| c.dropped_lines() as u64)
}

/// The filter from `TOLLGATE_LOG` (`info` when unset or malformed).
pub fn filter() -> EnvFilter {
    EnvFilter::try_from_env("TOLLGATE_LOG").unwrap_or_else(|_| EnvFilter::new("info"))
}

/// Whether `format` means JSON lines, for a stream that is or is not a terminal.
pub fn is_json(format: LogFormat, terminal: bool) -> bool {
    match format {
        LogFormat::Json => true,
        LogFormat::Text => false,
        LogFormat::Auto => !terminal,
    }
}

/// The subscriber the server logs through, writing to `writer`. Colour only on a terminal:
/// escape codes in a file or a collector are noise.
pub fn subscriber<W>(
    json: bool,
    terminal: bool,
    filter: EnvFilter,
    writer: W,
) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    if json {
        // Event fields at the top level (`request_id`, `status`…), and the request span's
        // fields under `span` for lines written while a request runs.
        Box::new(
            builder
                .json()
                .flatten_event(true)
                .with_current_span(true)
                .with_span_list(false)
                .finish(),
        )
    } else {
        Box::new(builder.with_ansi(terminal).finish())
    }
}

/// Sets the process's subscriber, writing to stderr off the calling thread. `None` when a
/// subscriber was already set (nothing to keep alive then).
pub fn init(format: LogFormat) -> Option<LogGuard> {
    let terminal = std::io::stderr().is_terminal();
    let (writer, guard) = NonBlockingBuilder::default()
        .lossy(true)
        .buffered_lines_limit(BUFFERED_LINES)
        .thread_name("tollgate-log")
        // Buffered: the writer thread flushes once it has written every line waiting, so a
        // busy server makes one write per batch of lines rather than one per line.
        .finish(std::io::BufWriter::with_capacity(
            64 * 1024,
            std::io::stderr(),
        ));
    let _ = DROPPED.set(writer.error_counter());
    let subscriber = subscriber(is_json(format, terminal), terminal, filter(), writer);
    tracing::subscriber::set_global_default(subscriber).ok()?;
    Some(LogGuard { _guard: guard })
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Capture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| std::io::ErrorKind::Other)?
                .extend_from_slice(buf);
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

    #[test]
    fn auto_is_text_on_a_terminal_and_json_elsewhere() {
        assert!(!is_json(LogFormat::Auto, true));
        assert!(is_json(LogFormat::Auto, false));
        assert!(is_json(LogFormat::Json, true));
        assert!(!is_json(LogFormat::Text, false));
    }

    #[test]
    fn text_off_a_terminal_has_no_escape_codes() {
        let out = Capture::default();
        let sub = subscriber(false, false, EnvFilter::new("info"), out.clone());
        tracing::subscriber::with_default(sub, || tracing::warn!(answer = 42, "hello"));
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        assert!(
            text.contains("hello") && text.contains("answer=42"),
            "{text}"
        );
        assert!(!text.contains('\u{1b}'), "no ANSI: {text:?}");
    }
}
