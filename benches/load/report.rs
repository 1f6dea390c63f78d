//! The result table and the machine description.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use crate::harness::Run;
use crate::wrk::WrkRun;

pub struct Row {
    /// Key into `EXPLANATIONS`.
    pub key: &'static str,
    pub scenario: String,
    pub backend: String,
    pub conc: String,
    pub rps: String,
    pub p50: String,
    pub p99: String,
    pub ceiling: String,
    pub ratio: String,
    pub target: String,
    pub met: Option<bool>,
}

impl Row {
    pub fn new(key: &'static str, scenario: &str, backend: &str, conc: usize) -> Row {
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
    pub fn run(mut self, r: &Run) -> Row {
        self.rps = format!("{:.0}", r.rps());
        if r.errors > 0 {
            self.rps.push_str(&format!(" ({} errors)", r.errors));
        }
        self.p50 = format!("{:.2} ms", r.ms(0.50));
        self.p99 = format!("{:.2} ms", r.ms(0.99));
        self
    }
    pub fn wrk(mut self, r: &WrkRun) -> Row {
        self.rps = format!("{:.0}", r.rps);
        if r.errors > 0 {
            self.rps.push_str(&format!(" ({} errors)", r.errors));
        }
        self.p50 = format!("{:.2} ms", r.p50_ms);
        self.p99 = format!("{:.2} ms", r.p99_ms);
        self
    }
    /// Ratio against a throughput ceiling, with the target ratio when there is one.
    pub fn against(mut self, rps: f64, ceiling: Option<(f64, String)>, target: Option<f64>) -> Row {
        match ceiling {
            Some((c, label)) => {
                let ratio = rps / c;
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
    /// The ratio against a ceiling shown for information, beside an absolute target.
    pub fn beside(mut self, rps: f64, ceiling: Option<(f64, String)>) -> Row {
        if let Some((c, label)) = ceiling {
            self.ceiling = format!("{c:.0}/s {label}");
            self.ratio = format!("{:.0}%", rps / c * 100.0);
        }
        self
    }
    pub fn absolute(mut self, r: &Run, min_rps: f64) -> Row {
        self.target = format!("≥ {min_rps:.0}/s");
        self.met = Some(r.rps() >= min_rps);
        self
    }
}

pub fn print_table(rows: &[Row]) -> String {
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

pub fn machine(root: &Path, pg_version: Option<String>) -> String {
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
