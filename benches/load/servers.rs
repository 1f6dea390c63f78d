//! The servers under load: the bare axum ceiling and tollgate in-process, on SQLite or a
//! PostgreSQL database made for the run.

use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use tollgate::app::Application;
use tollgate::config::{Secret, Settings};
use tollgate::db::Db;

use crate::PASSWORD;

pub async fn bare_server() -> String {
    use axum::{Json, Router, routing::get};
    let app = Router::new().route(
        "/",
        get(|| async { Json(json!({"success": true, "data": {"status": "ok"}})) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/")
}

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

pub struct Tollgate {
    pub base: String,
    pub db: Db,
    pub http: reqwest::Client,
}

impl Tollgate {
    pub async fn start(database_url: String) -> Tollgate {
        let settings = Settings {
            database_url,
            bind: "127.0.0.1:0".into(),
            secret_key: Some(Secret::new("bench-secret-key")),
            ..Settings::default()
        };
        let app = Application::build(&settings)
            .await
            .expect("tollgate builds");
        let base = format!("http://127.0.0.1:{}/api/v1", app.port);
        let db = app.db();
        tokio::spawn(app.run_until_stopped());
        Tollgate {
            base,
            db,
            http: reqwest::Client::new(),
        }
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
