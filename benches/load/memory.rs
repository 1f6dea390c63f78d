//! Memory: the release binary as a child process, VmRSS sampled under load.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use crate::PASSWORD;
use crate::harness::{Job, drive, get_job, post_job};

pub fn vm_rss_kib(pid: u32) -> Option<u64> {
    proc_status(pid, "VmRSS")
}

/// One numeric field of `/proc/<pid>/status` (`VmRSS`, `RssAnon`, `Threads`…), in its unit.
pub fn proc_status(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.split(':').next() == Some(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

pub fn newest_mtime(dir: &Path) -> Option<std::time::SystemTime> {
    let mut newest = None;
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        let t = if path.is_dir() {
            newest_mtime(&path)
        } else {
            entry.metadata().and_then(|m| m.modified()).ok()
        };
        newest = newest.max(t);
    }
    newest
}

/// The release binary: `TOLLGATE_BIN`, or target/release/tollgate built when missing or older
/// than the sources.
pub fn tollgate_binary(root: &Path) -> Option<PathBuf> {
    if let Ok(bin) = std::env::var("TOLLGATE_BIN") {
        return Some(PathBuf::from(bin));
    }
    let bin = root.join("target/release/tollgate");
    let built = std::fs::metadata(&bin).and_then(|m| m.modified()).ok();
    let sources = [
        root.join("src"),
        root.join("templates"),
        root.join("static"),
        root.join("Cargo.toml"),
    ]
    .iter()
    .filter_map(|p| {
        if p.is_dir() {
            newest_mtime(p)
        } else {
            std::fs::metadata(p).and_then(|m| m.modified()).ok()
        }
    })
    .max();
    if built.is_none() || sources > built {
        eprintln!("building target/release/tollgate for the memory runs…");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let ok = Command::new(cargo)
            .args(["build", "--release", "--bin", "tollgate"])
            .current_dir(root)
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if !ok {
            return None;
        }
    }
    bin.exists().then_some(bin)
}

pub struct ChildServer(pub Child);

/// A port free on loopback now (the child binds it a moment later).
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub struct Memory {
    pub idle_mib: f64,
    /// (connections, of which signing in, peak MiB)
    pub loaded: Vec<(usize, usize, f64)>,
}

pub async fn measure_memory(bin: &Path, secs: Duration) -> Option<Memory> {
    let dir = tempfile::tempdir().ok()?;
    let port = free_port();
    let child = Command::new(bin)
        .env(
            "TOLLGATE_DATABASE_URL",
            format!("sqlite://{}", dir.path().join("mem.db").display()),
        )
        .env("TOLLGATE_BIND", format!("127.0.0.1:{port}"))
        .env("TOLLGATE_SECRET_KEY", "bench-secret-key")
        .env("TOLLGATE_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let child = ChildServer(child);
    let pid = child.0.id();
    let base = format!("http://127.0.0.1:{port}/api/v1");
    let http = reqwest::Client::new();
    let mut up = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if http
            .get(format!("{base}/billing/plans/"))
            .send()
            .await
            .is_ok()
        {
            up = true;
            break;
        }
    }
    if !up {
        return None;
    }
    let email = "memory@bench.test";
    let _ = http
        .post(format!("{base}/auth/register/"))
        .json(
            &json!({"email": email, "password": PASSWORD, "password_confirm": PASSWORD,
                      "first_name": "Mem", "last_name": "Bench"}),
        )
        .send()
        .await
        .ok()?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle = vm_rss_kib(pid)?;

    // Under load: reads only, then reads with logins (argon2, 19 MiB per hash) on 16 of the
    // connections; the peak of VmRSS sampled every 50 ms.
    let mut loaded = Vec::new();
    for (conc, logins) in [(64usize, 0usize), (256, 0), (256, 16)] {
        let read = get_job(
            format!("{base}/billing/admin/payment-methods/?country=PK"),
            None,
        );
        let login = post_job(
            format!("{base}/auth/login/"),
            json!({"email": email, "password": PASSWORD}),
            None,
        );
        let job: Job = Arc::new(
            move |c, w| {
                if w < logins { login(c, w) } else { read(c, w) }
            },
        );
        let load = tokio::spawn(drive(conc, Duration::ZERO, secs, job));
        let mut peak = 0;
        while !load.is_finished() {
            peak = peak.max(vm_rss_kib(pid).unwrap_or(0));
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = load.await;
        loaded.push((conc, logins, peak as f64 / 1024.0));
    }
    Some(Memory {
        idle_mib: idle as f64 / 1024.0,
        loaded,
    })
}
