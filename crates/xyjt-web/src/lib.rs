//! The HTTP edge of xyjt: `/api/v1` JSON with one error envelope and a generated OpenAPI
//! document, health checks, and the server-rendered pages.
//!
//! `Application::build` binds the listener and reports its port, so tests bind port 0 and talk
//! to the real router; `router` alone serves in-process tests.

pub mod auth;
pub mod cases;
pub mod checks;
pub mod console;
mod error;
mod forms;
mod html;
mod notices;
mod pages;
mod portal;
pub mod ratelimit;
pub mod remedies;
mod routes;
pub mod views;

pub use error::ApiError;
pub use ratelimit::RateLimit;
pub use routes::{StatsRow, stats_rows};

use axum::Router;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use xyjt_core::calendar::Calendar;
use xyjt_store::Store;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub calendar: Arc<Calendar>,
    /// A fixed "today" for tests and reproducible demos; `None` is the real date in China.
    pub today: Option<chrono::NaiveDate>,
    /// Name-list entries and list policy for checks, rebuilt when the ledger moves.
    pub check_index: checks::SharedIndex,
    /// Where checks go to be recorded (group commit).
    pub check_recorder: tokio::sync::mpsc::Sender<checks::PendingCheck>,
    /// API tokens seen, by SHA-256 → calling system.
    pub tokens: Arc<std::sync::RwLock<std::collections::HashMap<String, String>>>,
    /// The per-client limit of the public search (`/api/v1/subjects`, `/?q=`); `None` = off.
    /// Default: 120 requests per 60 s per IP.
    pub search_limit: Option<RateLimit>,
}

impl AppState {
    /// Loads the check index and starts the check recorder and the index refresher (so it must
    /// run inside a Tokio runtime).
    pub async fn new(
        store: Arc<dyn Store>,
        calendar: Calendar,
    ) -> Result<Self, xyjt_store::StoreError> {
        let index = checks::load_index(store.as_ref()).await?;
        let shared: checks::SharedIndex = Arc::new(std::sync::RwLock::new(Arc::new(index)));
        checks::spawn_index_refresher(store.clone(), shared.clone());
        Ok(AppState {
            check_recorder: checks::spawn_recorder(store.clone()),
            store,
            calendar: Arc::new(calendar),
            today: None,
            check_index: shared,
            tokens: Arc::default(),
            search_limit: Some(RateLimit::search_default()),
        })
    }

    /// Rebuilds the check index now if the ledger moved (the refresher does it every second).
    pub async fn refresh_checks(&self) -> Result<(), xyjt_store::StoreError> {
        checks::refresh_index(self.store.as_ref(), &self.check_index).await
    }

    /// Counts one public search of `client`; `Err(seconds to wait)` over the limit.
    pub fn search_allowed(&self, client: Option<std::net::IpAddr>) -> Result<(), u64> {
        match &self.search_limit {
            Some(limit) => limit.hit(client),
            None => Ok(()),
        }
    }

    /// The date publicity and deadlines are judged on.
    pub fn today(&self) -> chrono::NaiveDate {
        self.today.unwrap_or_else(xyjt_core::clock::today_in_china)
    }
}

/// The whole router: API, pages and health.
pub fn router(state: AppState) -> Router {
    routes::router()
        .merge(pages::router())
        .merge(console::router())
        .merge(portal::router())
        .merge(forms::router())
        .route("/static/style.css", axum::routing::get(html::stylesheet))
        .fallback(error::not_found)
        .layer(axum::middleware::map_response(
            error::envelope_framework_errors,
        ))
        .with_state(state)
}

pub struct Application {
    listener: TcpListener,
    router: Router,
}

impl Application {
    pub async fn build(state: AppState, addr: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        Ok(Application {
            listener,
            router: router(state),
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` resolves, then finishes in-flight requests. Handlers see the
    /// peer address (`ConnectInfo`), which the search rate limit keys on.
    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
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
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received, finishing in-flight requests");
}
