//! Real S3-compatible servers for the storage tests, each started on a free port by the test
//! that needs it: `moto_server` (PyPI `moto[server]`; does not check signatures) for everyday
//! S3, and `s3s-fs` (crates.io; checks SigV4 signatures) for one test that must be signed
//! right. CI installs both and sets `TOLLGATE_MOTO_SERVER`, `TOLLGATE_S3S_FS` and
//! `TOLLGATE_REQUIRE_S3=1`; locally the tests skip with a note when one is missing.

use std::process::{Child, Command, Stdio};
use std::sync::Once;
use std::time::{Duration, Instant};

/// The credentials every test server is started with (and the app reads from `AWS_*`).
pub const KEY: &str = "test";
pub const SECRET: &str = "test";

#[derive(Clone, Copy, Debug)]
pub enum Kind {
    Moto,
    S3sFs,
}

pub struct S3Server {
    pub port: u16,
    pub bucket: String,
    child: Child,
    _dir: tempfile::TempDir,
}

/// The object store's AWS settings are read from the environment (`AmazonS3Builder::from_env`),
/// so the test binary sets them once, before any app is built. std's environment functions
/// take one lock, so this is safe against the other tests' `env::var`.
pub fn use_test_credentials() {
    static SET: Once = Once::new();
    SET.call_once(|| {
        // SAFETY: set once, before any app of this test binary reads them; every reader in
        // this process goes through std's environment lock.
        unsafe {
            std::env::set_var("AWS_ACCESS_KEY_ID", KEY);
            std::env::set_var("AWS_SECRET_ACCESS_KEY", SECRET);
            std::env::set_var("AWS_REGION", "us-east-1");
        }
    });
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A port nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    free_port()
}

impl S3Server {
    /// Starts the server of `kind` with a bucket, or `None` (announced once) when its binary
    /// is not given.
    pub async fn start(kind: Kind) -> Option<S3Server> {
        static ANNOUNCE_MOTO: Once = Once::new();
        static ANNOUNCE_S3S: Once = Once::new();
        let (var, announce) = match kind {
            Kind::Moto => ("TOLLGATE_MOTO_SERVER", &ANNOUNCE_MOTO),
            Kind::S3sFs => ("TOLLGATE_S3S_FS", &ANNOUNCE_S3S),
        };
        let bin = match std::env::var(var) {
            Ok(b) if !b.is_empty() => b,
            _ => {
                assert!(
                    std::env::var("TOLLGATE_REQUIRE_S3").as_deref() != Ok("1"),
                    "TOLLGATE_REQUIRE_S3=1 but {var} is not set"
                );
                announce.call_once(|| {
                    eprintln!(
                        "note: S3 tests skipped (set {var} to run them against a real server)"
                    )
                });
                return None;
            }
        };
        use_test_credentials();
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let mut cmd = Command::new(&bin);
        match kind {
            Kind::Moto => {
                cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()]);
            }
            Kind::S3sFs => {
                cmd.args(["--host", "127.0.0.1", "--port", &port.to_string()])
                    .args(["--access-key", KEY, "--secret-key", SECRET])
                    .arg(dir.path());
            }
        }
        let child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{bin} starts: {e}"));
        let bucket = "proofs-test".to_owned();
        let server = S3Server {
            port,
            bucket: bucket.clone(),
            child,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "{bin} did not start listening");
            std::thread::sleep(Duration::from_millis(50));
        }
        match kind {
            // moto does not check signatures: an unsigned PUT makes the bucket.
            Kind::Moto => {
                let resp = reqwest::Client::new()
                    .put(format!("{}/{bucket}", server.endpoint()))
                    .send()
                    .await
                    .expect("create bucket");
                assert!(resp.status().is_success(), "bucket: {}", resp.status());
            }
            // s3s-fs serves each folder of its root as a bucket.
            Kind::S3sFs => std::fs::create_dir(server._dir.path().join(&bucket)).expect("bucket"),
        }
        Some(server)
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn storage_url(&self) -> String {
        format!("s3://{}/tollgate", self.bucket)
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
