//! Application assembly: state, router, middleware, and the server's lifecycle.

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Request};
use axum::middleware;
use sea_orm_migration::MigratorTrait;
use tokio::net::TcpListener;
use tower::Layer;
use tower_http::normalize_path::NormalizePathLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use crate::api;
use crate::api::envelope::scope_request_id;
use crate::auth::tokens::{TokenKeys, load_secret};
use crate::config::Settings;
use crate::db::{Db, migrations::Migrator, seed};
use crate::error::Error;

pub const BODY_LIMIT: usize = 1024 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub tokens: Arc<TokenKeys>,
}

/// Connects, applies pending migrations and seeds reference data.
pub async fn prepare_database(settings: &Settings) -> anyhow::Result<Db> {
    let db = Db::connect(&settings.database_url).await?;
    Migrator::up(db.conn(), None).await?;
    seed::seed_reference_data(db.conn()).await?;
    Ok(db)
}

pub fn router(state: AppState, settings: &Settings) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    Router::new()
        .nest("/api/v1", api::routes(state.clone()))
        .nest("/admin", crate::admin::routes())
        .fallback(|| async { Error::NotFound("Not found".into()) })
        .method_not_allowed_fallback(|| async { Error::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn(crate::security::security_headers))
        .layer(crate::security::cors(&settings.cors_origins))
        .layer(middleware::from_fn(scope_request_id))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request<_>| {
                    let id = req
                        .headers()
                        .get("x-request-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default();
                    tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
                })
                // One line per request, carrying its request id.
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

/// A bound, ready server. `port` is known before it starts serving (tests bind port 0).
pub struct Application {
    listener: TcpListener,
    state: AppState,
    settings: Settings,
    pub port: u16,
}

impl Application {
    pub async fn build(settings: &Settings) -> anyhow::Result<Application> {
        let db = prepare_database(settings).await?;
        let secret = load_secret(&db, settings.secret_key.as_ref()).await?;
        let tokens = TokenKeys::new(
            &secret,
            settings.access_token_ttl,
            settings.refresh_token_ttl,
        );
        let listener = TcpListener::bind(&settings.bind).await?;
        let port = listener.local_addr()?.port();
        Ok(Application {
            listener,
            state: AppState {
                db,
                tokens: Arc::new(tokens),
            },
            settings: settings.clone(),
            port,
        })
    }

    pub fn db(&self) -> Db {
        self.state.db.clone()
    }

    /// Serves until the process is told to stop (Ctrl-C or SIGTERM).
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        // Strip trailing slashes before routing, so `/x/` and `/x` are one route.
        let app =
            NormalizePathLayer::trim_trailing_slash().layer(router(self.state, &self.settings));
        axum::serve(
            self.listener,
            axum::ServiceExt::<axum::extract::Request>::into_make_service(app),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await?;
        Ok(())
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
