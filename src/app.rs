//! Application assembly: state, router, middleware, and the server's lifecycle.

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Request};
use axum::middleware;
use sea_orm::TransactionTrait;
use sea_orm_migration::MigratorTrait;
use tokio::net::TcpListener;
use tower::util::MapRequestLayer;
use tower::{Layer, ServiceBuilder};
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::RequestBodyDeadlineLayer;
use utoipa_swagger_ui::SwaggerUi;

use crate::api::envelope::scope_request_id;
use crate::auth::tokens::{TokenKeys, load_secret};
use crate::config::Settings;
use crate::db::{Db, migrations::Migrator, seed};
use crate::domain::proofs::ProofStore;
use crate::domain::statements::CsvProfile;
use crate::error::Error;
use crate::jobs::Heartbeat;
use crate::state::{AppState, BODY_LIMIT, Shared};
use crate::storage::Storage;
use crate::telemetry::request_id::MakeFastRequestId;
use crate::{api, rate_limit};

const DOCS_PATH: &str = "/api/docs";

/// `/x/` and `/x` are one route: the trailing slash is dropped before routing — except under
/// the docs page, whose assets are addressed relative to `/api/docs/`.
fn trim_trailing_slash<B>(mut req: Request<B>) -> Request<B> {
    let path = req.uri().path();
    if path.len() > 1 && path.ends_with('/') && !path.starts_with(DOCS_PATH) {
        let trimmed = path.trim_end_matches('/');
        let trimmed = if trimmed.is_empty() { "/" } else { trimmed };
        let new = match req.uri().query() {
            Some(q) => format!("{trimmed}?{q}"),
            None => trimmed.to_owned(),
        };
        if let Ok(uri) = new.parse() {
            *req.uri_mut() = uri;
        }
    }
    req
}

/// Connects, applies pending migrations and seeds reference data.
pub async fn prepare_database(settings: &Settings) -> anyhow::Result<Db> {
    let db = Db::connect(&settings.database_url)
        .await?
        .with_terms(settings.lifecycle.terms());
    migrate(&db).await?;
    seed::seed_reference_data(db.conn()).await?;
    Ok(db)
}

/// Applies the pending migrations on one connection, in one transaction: each migration sees
/// the schema the previous one left, whichever pooled connection would otherwise have run a
/// statement (on SQLite another connection's view of the schema once re-created a trigger
/// m0019 had just dropped: "already exists"), and a failed start leaves none half applied.
pub async fn migrate(db: &Db) -> Result<(), sea_orm::DbErr> {
    let txn = db.conn().begin().await?;
    Migrator::up(&txn, None).await?;
    txn.commit().await
}

/// The application's routes and middleware; `jobs` is this process's job runner's pulse, when
/// it runs one (for `/readyz`).
///
/// The middleware wraps the router once, as one service, rather than each route through
/// `Router::layer`: a route's layers are cloned for every request it serves, and from a
/// profile under load those clones (the CORS policy's among them) and their drops cost more
/// than the layers' own work. Only the marker that hands the matched route to the access line
/// runs per route.
pub fn router(state: AppState, settings: &Settings, jobs: Option<Heartbeat>) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let (api, openapi) = api::routes(state.clone());
    let routes = Router::new()
        .nest("/api/v1", api)
        // The API's description and an interactive page over it, both served offline.
        .merge(SwaggerUi::new(DOCS_PATH).url("/api/v1/openapi.json", openapi))
        .nest("/admin", crate::web::admin::routes())
        .merge(crate::web::portal::routes(&state))
        .fallback(|| async { Error::NotFound("Not found".into()) })
        .method_not_allowed_fallback(|| async { Error::MethodNotAllowed })
        .layer(middleware::from_fn(crate::telemetry::http::mark_route))
        .with_state(state.clone());
    // Outermost first.
    let app = ServiceBuilder::new()
        .layer(MapRequestLayer::new(
            crate::security::drop_unsafe_request_id,
        ))
        .layer(SetRequestIdLayer::new(
            request_id.clone(),
            MakeFastRequestId,
        ))
        .layer(PropagateRequestIdLayer::new(request_id))
        // Metrics and the access line, for every answer below (a 429 or a refused query too).
        .layer(middleware::from_fn(crate::telemetry::http::observe))
        .layer(middleware::from_fn(scope_request_id))
        .layer(middleware::from_fn(crate::security::guard_query))
        .layer(crate::security::cors(&settings.cors_origins))
        .layer(middleware::from_fn(crate::security::security_headers))
        .layer(middleware::from_fn_with_state(
            (
                state.clone(),
                rate_limit::limiter(settings.rate_limit_per_second),
            ),
            rate_limit::limit_rate,
        ))
        .layer(RequestBodyDeadlineLayer::new(settings.body_timeout))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .service(routes);
    // Probes and metrics outside the middleware: neither rate limited nor logged per request.
    Router::new()
        .merge(crate::probes::routes(state.db.clone(), jobs))
        .merge(crate::scrape::routes(
            state.db.clone(),
            settings.operations.metrics_token.clone(),
        ))
        .method_not_allowed_fallback(|| async { Error::MethodNotAllowed })
        .fallback_service(app)
}

/// The payment proofs' store as configured (`TOLLGATE_STORAGE_URL`…); a bad URL stops the
/// start, a store that is down does not (uploads answer 503 until it is back).
pub fn proof_store(settings: &Settings) -> anyhow::Result<ProofStore> {
    let uploads = &settings.uploads;
    let storage = Storage::open(&uploads.storage_url, uploads.s3_endpoint.as_deref())?;
    tracing::info!(storage = storage.url(), "payment proofs are stored here");
    Ok(ProofStore {
        storage,
        max_bytes: uploads.max_proof_bytes,
        grace: std::time::Duration::from_secs(uploads.orphan_grace_secs),
    })
}

/// A bound, ready server. `port` is known before it starts serving (tests bind port 0).
pub struct Application {
    listener: TcpListener,
    state: AppState,
    settings: Settings,
    pub port: u16,
}

/// The operator's CSV profiles, read once at start so that a broken file stops the server
/// rather than the first import.
pub fn statement_profiles(settings: &Settings) -> anyhow::Result<Vec<CsvProfile>> {
    let Some(path) = &settings.reconciliation.statement_profiles else {
        return Ok(Vec::new());
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    crate::domain::statements::load_profiles(&text)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
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
        crate::domain::notify::set_credits_low_threshold(
            settings.notifications.credits_low_threshold,
        );
        let proofs = proof_store(settings)?;
        crate::telemetry::recorder::install();
        let providers = crate::providers::Configured::from_settings(&settings.providers)?;
        db.catalog_cache().set_unconfigured(providers.missing());
        let listener = TcpListener::bind(&settings.bind).await?;
        let port = listener.local_addr()?.port();
        Ok(Application {
            listener,
            state: AppState::new(Shared {
                db,
                tokens: Arc::new(tokens),
                trust_proxy: settings.trust_proxy,
                webhook_allow_private: settings.notifications.webhook_allow_private,
                statement_profiles: Arc::new(statement_profiles(settings)?),
                reconcile_stale_after: chrono::Duration::days(i64::from(
                    settings.reconciliation.reconcile_stale_days,
                )),
                proofs,
                providers,
                public_url: settings
                    .notifications
                    .public_url
                    .trim_end_matches('/')
                    .to_owned(),
                seller: Arc::new(crate::domain::billing_documents::seller(
                    &settings.seller,
                    &settings.notifications.product_name,
                )),
            }),
            settings: settings.clone(),
            port,
        })
    }

    pub fn db(&self) -> Db {
        self.state.db.clone()
    }

    /// Where PayPal's signing certificates come from (tests serve their own CA's). Before the
    /// server runs only.
    pub fn set_paypal_cert_fetcher(
        &mut self,
        certs: Arc<dyn crate::providers::paypal::CertFetcher>,
    ) {
        let paypal = self
            .state
            .get_mut()
            .and_then(|s| s.providers.paypal.as_mut());
        if let Some(paypal) = paypal.and_then(Arc::get_mut) {
            paypal.set_cert_fetcher(certs);
        }
    }

    pub fn proofs(&self) -> ProofStore {
        self.state.proofs.clone()
    }

    /// Serves until the process is told to stop (Ctrl-C or SIGTERM), running the jobs too
    /// unless separate workers do.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let housekeeping =
            crate::housekeeping::spawn(self.state.db.clone(), self.state.proofs.clone());
        let scheduler = crate::jobs::schedule::spawn(
            self.state.db.clone(),
            std::time::Duration::from_secs(self.settings.lifecycle.tick_secs),
        );
        let (stop_jobs, stop) = tokio::sync::watch::channel(false);
        let (jobs, pulse) = match self.settings.notifications.run_jobs {
            true => {
                let mut runner =
                    job_runner(&self.state.db, &self.settings, self.state.providers.clone())?;
                let pulse = Heartbeat::for_runner(runner.poll, runner.lease);
                runner.heartbeat = Some(pulse.clone());
                (Some(tokio::spawn(runner.run(stop))), Some(pulse))
            }
            false => (None, None),
        };
        let app = MapRequestLayer::new(trim_trailing_slash).layer(router(
            self.state,
            &self.settings,
            pulse,
        ));
        let limits = crate::server::Limits {
            max_connections: self.settings.max_connections,
            header_timeout: self.settings.header_timeout,
        };
        crate::server::serve(self.listener, app, limits, shutdown_signal()).await;
        housekeeping.abort();
        if let Some(scheduler) = scheduler {
            scheduler.abort();
        }
        // The job running now is finished; the rest of its batch is handed back.
        let _ = stop_jobs.send(true);
        if let Some(jobs) = jobs {
            let _ = jobs.await;
        }
        Ok(())
    }
}

/// `tollgate worker`: runs the jobs, without serving, until told to stop.
pub async fn run_worker(settings: &Settings) -> anyhow::Result<()> {
    let db = prepare_database(settings).await?;
    crate::domain::notify::set_credits_low_threshold(settings.notifications.credits_low_threshold);
    let providers = crate::providers::Configured::from_settings(&settings.providers)?;
    let runner = job_runner(&db, settings, providers)?;
    let scheduler = crate::jobs::schedule::spawn(
        db.clone(),
        std::time::Duration::from_secs(settings.lifecycle.tick_secs),
    );
    let (stop_jobs, stop) = tokio::sync::watch::channel(false);
    let jobs = tokio::spawn(runner.run(stop));
    shutdown_signal().await;
    if let Some(scheduler) = scheduler {
        scheduler.abort();
    }
    let _ = stop_jobs.send(true);
    jobs.await?;
    Ok(())
}

/// The runner with a handler for every job kind: mails, webhook deliveries, lifecycle ticks,
/// refunds through a provider.
fn job_runner(
    db: &Db,
    settings: &Settings,
    providers: crate::providers::Configured,
) -> anyhow::Result<crate::jobs::Runner> {
    Ok(crate::notify::runner(db.clone(), settings)?
        .handle(
            crate::domain::lifecycle::TICK_JOB,
            crate::jobs::schedule::handler(db.clone()),
        )
        .handle(
            crate::domain::refunds::payout::JOB,
            std::sync::Arc::new(crate::providers::refunds::Payouts {
                db: db.clone(),
                providers,
            }),
        ))
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
