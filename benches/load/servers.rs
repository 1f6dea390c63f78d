//! The servers under load: the bare axum ceiling and the release binary, on SQLite or a
//! PostgreSQL database made for the run.

use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use tollgate::db::Db;

use crate::PASSWORD;
use crate::memory::{ChildServer, free_port};

#[derive(Clone, Copy, PartialEq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

/// A database created for this run and dropped afterwards.
pub struct PgDatabase {
    pub server: String,
    pub name: String,
}

impl PgDatabase {
    pub async fn create(server: &str, prefix: &str) -> PgDatabase {
        let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
        let admin = sea_orm::Database::connect(format!("{server}/postgres"))
            .await
            .expect("PostgreSQL at TOLLGATE_BENCH_POSTGRES_URL is reachable");
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create database");
        let _ = admin.close().await;
        PgDatabase {
            server: server.to_owned(),
            name,
        }
    }
    pub fn url(&self) -> String {
        format!("{}/{}", self.server, self.name)
    }
    pub async fn drop_now(&self) {
        if let Ok(admin) = sea_orm::Database::connect(format!("{}/postgres", self.server)).await {
            let _ = admin
                .execute_unprepared(&format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.name
                ))
                .await;
            let _ = admin.close().await;
        }
    }
}

/// The release binary as a child process with its default settings (logging on: JSON lines to
/// a file, as under a service manager), in a working directory of its own for the mail and
/// upload folders; `db` is this process's own connection to the same database, for setting up
/// data through the domain functions.
pub struct Tollgate {
    pub base: String,
    pub db: Db,
    pub http: reqwest::Client,
    pub pid: u32,
    _child: ChildServer,
    _dir: tempfile::TempDir,
}

impl Tollgate {
    pub async fn start(bin: &Path, database_url: String) -> Tollgate {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let log = std::fs::File::create(dir.path().join("tollgate.log")).expect("log file");
        let child = Command::new(bin)
            .env("TOLLGATE_DATABASE_URL", &database_url)
            .env("TOLLGATE_BIND", format!("127.0.0.1:{port}"))
            .env("TOLLGATE_SECRET_KEY", "bench-secret-key")
            .env_remove("TOLLGATE_LOG")
            .env_remove("TOLLGATE_LOG_FORMAT")
            .current_dir(dir.path())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .expect("start the release binary");
        let child = ChildServer(child);
        let pid = child.0.id();
        let http = reqwest::Client::new();
        let ready = format!("http://127.0.0.1:{port}/readyz");
        let mut up = false;
        // Two minutes: a start on a loaded machine (migrations, seeding) can take a while.
        for _ in 0..1200 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if http
                .get(&ready)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                up = true;
                break;
            }
        }
        assert!(up, "{} did not become ready", bin.display());
        let db = Db::connect(&database_url).await.expect("database");
        Tollgate {
            base: format!("http://127.0.0.1:{port}/api/v1"),
            db,
            http,
            pid,
            _child: child,
            _dir: dir,
        }
    }

    /// Where the binary's stdout and stderr go: its log lines.
    pub fn log_path(&self) -> std::path::PathBuf {
        self._dir.path().join("tollgate.log")
    }

    /// The body and content type of one GET, to have the bare ceiling serve the same bytes.
    pub async fn body_of(&self, url: &str) -> (axum::body::Bytes, String) {
        let resp = self.http.get(url).send().await.expect("request");
        assert!(resp.status().is_success(), "GET {url}: {}", resp.status());
        let ctype = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/json")
            .to_owned();
        (resp.bytes().await.expect("body"), ctype)
    }

    /// `http://127.0.0.1:port`, for the pages outside the API.
    pub fn origin(&self) -> &str {
        self.base.trim_end_matches("/api/v1")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Value {
        let mut req = self.http.post(self.url(path)).json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let body: Value = resp.json().await.expect("JSON reply");
        assert!(status.is_success(), "POST {path}: {status} {body}");
        body
    }

    pub async fn register(&self, email: &str, paid: bool) -> Value {
        let mut body = json!({
            "email": email, "password": PASSWORD, "password_confirm": PASSWORD,
            "first_name": "Bench", "last_name": "User",
        });
        if paid {
            for (k, v) in [
                ("plan_slug", "starter"),
                ("billing_email", "billing@bench.test"),
                ("billing_country", "PK"),
                ("billing_city", "Karachi"),
                ("billing_address_line1", "1 Main Street"),
                ("payment_method", "bank_transfer"),
            ] {
                body[k] = json!(v);
            }
        }
        self.post("/auth/register/", None, body).await["data"].clone()
    }

    pub async fn login(&self, email: &str, password: &str) -> String {
        let r = self
            .post(
                "/auth/login/",
                None,
                json!({"email": email, "password": password}),
            )
            .await;
        r["data"]["token"].as_str().expect("token").to_owned()
    }
}
