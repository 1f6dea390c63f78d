//! Test harness (after zero2prod's `spawn_app`): every test gets its own server on a random
//! port and its own fresh database — a temporary SQLite file, or a new PostgreSQL database
//! (dropped afterwards) when `TOLLGATE_TEST_POSTGRES_URL` is set.
#![allow(dead_code)]

use std::io::Write;
use std::sync::Once;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tollgate::app::Application;
use tollgate::config::{Secret, Settings};
use tollgate::db::Db;

pub mod admin;
pub mod browser;
pub mod documents;
pub mod fake_paypal;
pub mod fake_stripe;
pub use documents::FileRes;
pub mod pdf_tools;
mod process;
pub mod receiver;
pub mod s3;
pub mod smtp;

pub const PASSWORD: &str = "TestPass123!";

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each named `async fn(TestApp)` on SQLite and on PostgreSQL, as `sqlite::NAME` and
/// `postgres::NAME`.
#[macro_export]
macro_rules! on_both_backends {
    // `configure = f;` first: each app is made by `spawn_app_with(backend, f)`.
    (configure = $configure:path; $($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let app = $crate::common::spawn_app_with($crate::common::Backend::Sqlite, $configure).await;
                    super::$name(app.expect("SQLite is always available")).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(app) = $crate::common::spawn_app_with($crate::common::Backend::Postgres, $configure).await {
                        super::$name(app).await;
                    }
                }
            )*
        }
    };
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let app = $crate::common::spawn_app($crate::common::Backend::Sqlite).await;
                    super::$name(app.expect("SQLite is always available")).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(app) = $crate::common::spawn_app($crate::common::Backend::Postgres).await {
                        super::$name(app).await;
                    }
                }
            )*
        }
    };
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: Db,
    pub backend: Backend,
    pub database_url: String,
    /// Where the app writes its mails when no SMTP server is set.
    pub mail_dir: std::path::PathBuf,
    /// Where payment proofs go (a local folder of the test's own unless the test set one).
    pub proofs: tollgate::domain::proofs::ProofStore,
    _files: Option<tempfile::TempDir>,
    _uploads: tempfile::TempDir,
    _mail: tempfile::TempDir,
    _pg: Option<PgDatabase>,
}

/// The PostgreSQL server URL for tests, or `None` (announced once) when tests should skip it.
pub fn postgres_server_url() -> Option<String> {
    static ANNOUNCE: Once = Once::new();
    match std::env::var("TOLLGATE_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url.trim_end_matches('/').to_owned()),
        _ => {
            if std::env::var("TOLLGATE_REQUIRE_POSTGRES").as_deref() == Ok("1") {
                panic!("TOLLGATE_REQUIRE_POSTGRES=1 but TOLLGATE_TEST_POSTGRES_URL is not set");
            }
            ANNOUNCE.call_once(|| {
                // Written past the test harness's output capture, so it shows in every run.
                let _ = writeln!(
                    std::io::stderr(),
                    "note: TOLLGATE_TEST_POSTGRES_URL is not set; PostgreSQL tests were skipped"
                );
            });
            None
        }
    }
}

/// A database created for one test and dropped (connections and all) when the test ends.
#[allow(dead_code)] // used by some test binaries only
pub struct PgDatabase {
    server: String,
    name: String,
}

impl PgDatabase {
    pub async fn create(server: &str) -> PgDatabase {
        let name = format!("tollgate_test_{}", uuid::Uuid::new_v4().simple());
        let admin = sea_orm::Database::connect(format!("{server}/postgres"))
            .await
            .expect("PostgreSQL at TOLLGATE_TEST_POSTGRES_URL is reachable");
        use sea_orm::ConnectionTrait;
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create test database");
        let _ = admin.close().await;
        PgDatabase {
            server: server.to_owned(),
            name,
        }
    }

    pub fn url(&self) -> String {
        format!("{}/{}", self.server, self.name)
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let server = self.server.clone();
        let name = self.name.clone();
        // Drop is synchronous and may run inside the test's runtime: use a thread of its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                use sea_orm::ConnectionTrait;
                if let Ok(admin) = sea_orm::Database::connect(format!("{server}/postgres")).await {
                    let _ = admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                    let _ = admin.close().await;
                }
            });
        })
        .join();
    }
}

/// Starts tollgate on a random port with a fresh database; `None` when PostgreSQL is skipped.
pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, |_| {}).await
}

/// `spawn_app` with settings adjusted by `configure` first.
pub async fn spawn_app_with(
    backend: Backend,
    configure: impl FnOnce(&mut Settings),
) -> Option<TestApp> {
    spawn_app_customised(backend, configure, |_| {}).await
}

/// `spawn_app_with`, with the built application adjusted by `customise` before it serves
/// (e.g. PayPal's certificates from the test CA).
pub async fn spawn_app_customised(
    backend: Backend,
    configure: impl FnOnce(&mut Settings),
    customise: impl FnOnce(&mut Application),
) -> Option<TestApp> {
    let (database_url, files, pg) = match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}", dir.path().join("tollgate.db").display());
            (url, Some(dir), None)
        }
        Backend::Postgres => {
            let server = postgres_server_url()?;
            let db = PgDatabase::create(&server).await;
            (db.url(), None, Some(db))
        }
    };
    let mut settings = Settings {
        database_url: database_url.clone(),
        bind: "127.0.0.1:0".into(),
        secret_key: Some(Secret::new("test-secret-key")),
        ..Settings::default()
    };
    // Jobs run only in the tests about them, which turn the runner on.
    let mail = tempfile::tempdir().expect("temp dir");
    settings.notifications.mail_dir = mail.path().to_owned();
    settings.notifications.run_jobs = false;
    settings.notifications.jobs_poll_ms = 50;
    // Tests drive the lifecycle with explicit ticks at the moments they choose.
    settings.lifecycle.tick_secs = 0;
    let uploads = tempfile::tempdir().expect("temp dir");
    settings.uploads.storage_url = format!("file://{}", uploads.path().display());
    configure(&mut settings);
    let mut app = Application::build(&settings).await.expect("app builds");
    customise(&mut app);
    let address = format!("http://127.0.0.1:{}", app.port);
    let db = app.db();
    let proofs = app.proofs();
    tokio::spawn(app.run_until_stopped());
    Some(TestApp {
        address,
        client: reqwest::Client::new(),
        db,
        backend,
        database_url,
        mail_dir: settings.notifications.mail_dir.clone(),
        proofs,
        _files: files,
        _uploads: uploads,
        _mail: mail,
        _pg: pg,
    })
}

/// A response's status and JSON body.
pub struct Res {
    pub status: StatusCode,
    pub body: Value,
}

impl Res {
    pub fn data(&self) -> &Value {
        &self.body["data"]
    }
    pub fn error(&self) -> &str {
        self.body["error"].as_str().unwrap_or_default()
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}/api/v1{}", self.address, path)
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Res {
        let resp = req.send().await.expect("request sent");
        let status = resp.status();
        let text = resp.text().await.expect("body read");
        let body = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("JSON body expected, got {status}: {text}"));
        Res { status, body }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Res {
        let mut req = self.client.get(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        self.send(req).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Res {
        let mut req = self.client.post(self.url(path)).json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        self.send(req).await
    }

    /// The API's OpenAPI description, as a client would fetch it.
    pub async fn openapi(&self) -> Value {
        let resp = self.client.get(self.url("/openapi.json")).send().await;
        resp.expect("request sent").json().await.expect("JSON")
    }

    pub async fn register_free(&self, email: &str) -> Res {
        self.post(
            "/auth/register/",
            None,
            json!({
                "email": email, "password": PASSWORD, "password_confirm": PASSWORD,
                "first_name": "Free", "last_name": "Trial"
            }),
        )
        .await
    }

    pub async fn register_paid(&self, email: &str) -> Res {
        self.post(
            "/auth/register/",
            None,
            json!({
                "email": email, "password": PASSWORD, "password_confirm": PASSWORD,
                "first_name": "Paid", "last_name": "User", "plan_slug": "starter",
                "billing_email": "billing@test.com", "billing_country": "PK",
                "billing_city": "Karachi", "billing_address_line1": "123 Main Street",
                "payment_method": "bank_transfer"
            }),
        )
        .await
    }

    /// Registers a paid customer; returns (access token, invoice id).
    pub async fn paid_customer(&self, email: &str) -> (String, i64) {
        let r = self.register_paid(email).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let token = r.data()["token"].as_str().unwrap().to_owned();
        (token, r.data()["invoice"]["id"].as_i64().unwrap())
    }

    pub async fn login(&self, email: &str, password: &str) -> String {
        let r = self
            .post(
                "/auth/login/",
                None,
                json!({"email": email, "password": password}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.data()["token"].as_str().unwrap().to_owned()
    }

    /// Creates a staff user the way `createsuperuser` does, and signs in.
    pub async fn staff_token(&self, email: &str) -> String {
        tollgate::domain::accounts::create_staff_user(&self.db, email, "adminpass")
            .await
            .expect("staff user created");
        self.login(email, "adminpass").await
    }

    pub async fn confirm(
        &self,
        token: &str,
        invoice_id: i64,
        amount: &str,
        reference: &str,
    ) -> Res {
        self.post(
            "/billing/admin/payments/confirm/",
            Some(token),
            json!({
                "invoice_id": invoice_id, "payment_method": "bank_transfer",
                "manual_reference": reference, "amount": amount
            }),
        )
        .await
    }

    pub async fn approve(&self, staff: &str, payment_id: i64) -> Res {
        self.post(
            &format!("/billing/admin/payments/{payment_id}/approve/"),
            Some(staff),
            json!({"admin_notes": "Verified"}),
        )
        .await
    }

    /// Asserts the account's balance equals the sum of its ledger and the `balance_after`
    /// chain is unbroken; returns the balance.
    pub async fn assert_ledger_consistent(&self, token: &str) -> i64 {
        let balance = self.get("/billing/credits/balance/", Some(token)).await;
        let credits = balance.data()["credits"].as_i64().unwrap();
        let rows = self
            .get("/billing/credits/transactions/?page_size=100", Some(token))
            .await;
        let mut rows: Vec<Value> = rows.data()["results"].as_array().unwrap().clone();
        rows.reverse(); // oldest first
        let mut running = 0;
        for row in &rows {
            running += row["amount"].as_i64().unwrap();
            assert_eq!(
                row["balance_after"].as_i64().unwrap(),
                running,
                "chain: {row}"
            );
        }
        assert_eq!(running, credits, "balance equals the ledger sum");
        assert!(credits >= 0);
        credits
    }
}
