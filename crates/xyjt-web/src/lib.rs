//! The HTTP edge of xyjt: `/api/v1` JSON with one error envelope and a generated OpenAPI
//! document, health checks, and the server-rendered pages.
//!
//! `Application::build` binds the listener and reports its port, so tests bind port 0 and talk
//! to the real router; `router` alone serves in-process tests.

pub mod api;
pub mod auth;
mod cache;
pub mod console;
pub mod edge;
mod error;
mod html;
mod portal;
pub mod ratelimit;
mod security;
pub mod throttle;
pub mod views;

pub use error::ApiError;
pub use ratelimit::{RateLimit, TrustedProxies};

use axum::Router;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use xyjt_core::calendar::Calendar;
use xyjt_core::policies::Policies;
use xyjt_store::Store;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The primary: every write, the console, the CLI's services, the authenticated API.
    pub store: Arc<dyn Store>,
    /// What the public pages and the public API read, and the check index is built from: a
    /// handle reading a PostgreSQL streaming replica (`serve --read-db`; its writes still go to
    /// the primary), or `store` itself. A replica behind the primary shows slightly older
    /// public data (docs/domain/scale-out.md).
    pub public_store: Arc<dyn Store>,
    /// Every policy, loaded once (`xyjt_app::policies::load`).
    pub policies: Arc<Policies>,
    /// The policies' calendar, for short.
    pub calendar: Arc<Calendar>,
    /// A fixed "today" for tests and reproducible demos; `None` is the real date in China.
    pub today: Option<chrono::NaiveDate>,
    /// The check index (name-list entries and list policy, rebuilt when the ledger moves) and
    /// the check recorder (group commit).
    pub checks: xyjt_app::checks::Checks,
    /// API tokens seen, by SHA-256 → calling system and the decision points it is limited to.
    #[allow(clippy::type_complexity)]
    pub tokens: Arc<
        std::sync::RwLock<
            std::collections::HashMap<String, (String, Vec<xyjt_core::lists::DecisionPoint>)>,
        >,
    >,
    /// The per-client limit of the public search (`/api/v1/subjects`, `/?q=`); `None` = off.
    /// Default: 120 requests per 60 s per IP.
    pub search_limit: Option<RateLimit>,
    /// The reverse proxies whose `X-Forwarded-For` / `X-Forwarded-Proto` are believed; none by
    /// default (`--trusted-proxy`, `XYJT_TRUSTED_PROXIES`).
    pub trusted_proxies: TrustedProxies,
    /// Wrong passwords by account and client (`policies.limits`).
    pub sign_in: throttle::SignInThrottle,
    /// Anonymous applications per client and day (`policies.limits`).
    pub filings: throttle::FilingCap,
    /// The key the ledger's checkpoints are signed with: `--key` / `XYJT_SIGNING_KEY`, or a
    /// throwaway one made at start-up (labelled so on the portal and in the API).
    pub ledger_key: xyjt_app::ledger_proofs::LedgerKey,
    /// The portal's address as the public reaches it (`--public-url`, `XYJT_PUBLIC_URL`):
    /// credit reports link their verification page there (the PDF's QR code).
    pub public_url: String,
    /// The home page's counters, kept until something other than recorded checks is appended
    /// (the check index's build position) or the day changes.
    pub(crate) home_figures: Arc<std::sync::Mutex<Option<portal::home::Figures>>>,
    /// The 公示栏's counts by query, on the same terms.
    pub(crate) publicity_counts: Arc<std::sync::Mutex<PublicityCounts>>,
    /// Records and entries under an open objection (the public pages mark them), on the same
    /// terms: filing or closing an objection is an event that rebuilds the index.
    #[allow(clippy::type_complexity)]
    pub(crate) objection_marks:
        Arc<std::sync::Mutex<Option<(i64, Arc<std::collections::HashSet<String>>)>>>,
}

/// Counts of 公示栏 queries (filters and day), valid while the check index's build position is
/// `built_at`: only a rebuild (something other than recorded checks appended) can change them.
#[derive(Default)]
pub(crate) struct PublicityCounts {
    built_at: i64,
    counts: std::collections::HashMap<String, i64>,
}

impl AppState {
    /// A page of the 公示栏 and the total it pages through; the total is counted once per query
    /// until the ledger moves, not on every request.
    pub(crate) async fn public_records(
        &self,
        q: &xyjt_store::PublicityQuery,
    ) -> Result<xyjt_store::RecordPage, xyjt_store::StoreError> {
        let built_at = self.checks.current().built_at();
        let key = format!(
            "{:?}",
            xyjt_store::PublicityQuery {
                limit: 0,
                offset: 0,
                ..q.clone()
            }
        );
        let cached = {
            let c = self.publicity_counts.lock().expect("counts lock");
            (c.built_at == built_at)
                .then(|| c.counts.get(&key).copied())
                .flatten()
        };
        let total = match cached {
            Some(n) => n,
            None => {
                let n = self.public_store.count_public_records(q).await?;
                let mut c = self.publicity_counts.lock().expect("counts lock");
                if c.built_at != built_at || c.counts.len() >= 1_000 {
                    c.counts.clear();
                    c.built_at = built_at;
                }
                c.counts.insert(key, n);
                n
            }
        };
        let items = if q.offset < total {
            self.public_store.public_records_page(q).await?
        } else {
            Vec::new()
        };
        Ok(xyjt_store::RecordPage { items, total })
    }
}

impl AppState {
    /// A civil servant's subject: their archives are internal, so no public page, public API
    /// answer or search shows it (the profile answers 404 as for an unknown id).
    pub(crate) async fn hidden_from_public(
        &self,
        subject_id: &str,
    ) -> Result<bool, xyjt_store::StoreError> {
        Ok(matches!(
            self.public_store.gov_subject(subject_id).await?,
            Some((xyjt_core::integrity::ArchiveKind::CivilServant, _, _))
        ))
    }

    /// Every record and entry under an open objection, read once per index build.
    pub(crate) async fn objection_marks(
        &self,
    ) -> Result<Arc<std::collections::HashSet<String>>, xyjt_app::AppError> {
        let built_at = self.checks.current().built_at();
        if let Some((at, marks)) = &*self.objection_marks.lock().expect("marks lock")
            && *at == built_at
        {
            return Ok(marks.clone());
        }
        let marks =
            Arc::new(xyjt_app::workflows::objection_marks(self.public_store.as_ref(), None).await?);
        *self.objection_marks.lock().expect("marks lock") = Some((built_at, marks.clone()));
        Ok(marks)
    }
}

/// The address `serve` listens on by default, and so the default public address.
pub const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:8080";

impl AppState {
    /// The shipped policies with `calendar` (tests); see [`AppState::with_policies`].
    pub async fn new(
        store: Arc<dyn Store>,
        calendar: Calendar,
    ) -> Result<Self, xyjt_store::StoreError> {
        Self::with_policies(
            store,
            Policies {
                calendar,
                ..Policies::builtin()
            },
        )
        .await
    }

    /// Loads the check index and starts the check recorder and the index refresher (so it must
    /// run inside a Tokio runtime).
    pub async fn with_policies(
        store: Arc<dyn Store>,
        policies: Policies,
    ) -> Result<Self, xyjt_store::StoreError> {
        Self::with_stores(store.clone(), store, policies).await
    }

    /// As [`AppState::with_policies`], the public reads and the check index going to
    /// `public_store` (a read replica's handle, `serve --read-db`).
    pub async fn with_stores(
        store: Arc<dyn Store>,
        public_store: Arc<dyn Store>,
        policies: Policies,
    ) -> Result<Self, xyjt_store::StoreError> {
        let sign_in = throttle::SignInThrottle::new(&policies.limits);
        let filings = throttle::FilingCap::new(&policies.limits);
        let policies_origin = policies.checkpoints.origin.clone();
        Ok(AppState {
            checks: xyjt_app::checks::Checks::start(public_store.clone(), &policies).await?,
            store,
            public_store,
            calendar: Arc::new(policies.calendar.clone()),
            policies: Arc::new(policies),
            today: None,
            tokens: Arc::default(),
            search_limit: Some(RateLimit::search_default()),
            trusted_proxies: TrustedProxies::default(),
            sign_in,
            filings,
            ledger_key: xyjt_app::ledger_proofs::LedgerKey::ephemeral(&policies_origin),
            public_url: DEFAULT_PUBLIC_URL.to_string(),
            home_figures: Arc::default(),
            publicity_counts: Arc::default(),
            objection_marks: Arc::default(),
        })
    }

    /// Rebuilds the check index now if the ledger moved (the refresher does it every second).
    /// With a read replica the index follows the replica, so a write shows there once replayed.
    pub async fn refresh_checks(&self) -> Result<(), xyjt_store::StoreError> {
        xyjt_app::checks::refresh_index(
            self.public_store.as_ref(),
            &self.checks.index,
            &self.policies,
        )
        .await
    }

    /// Counts one public search of `client`; `Err(seconds to wait)` over the limit.
    pub fn search_allowed(&self, client: Option<std::net::IpAddr>) -> Result<(), u64> {
        match &self.search_limit {
            Some(limit) => limit.hit(client),
            None => Ok(()),
        }
    }

    /// Runs `file`, an anonymous application of `client`, within the client's daily cap:
    /// `None` (nothing filed) when the cap is reached; a filing that fails does not count.
    pub async fn within_filing_cap<T, E>(
        &self,
        client: Option<std::net::IpAddr>,
        file: impl std::future::Future<Output = Result<T, E>>,
    ) -> Option<Result<T, E>> {
        let day = self.today();
        if !self.filings.take(client, day) {
            return None;
        }
        let result = file.await;
        if result.is_err() {
            self.filings.give_back(client, day);
        } else {
            // An objection marks its record or entry on the public pages at once (the marks
            // and the pages' validators follow the check index's build).
            let _ = self.refresh_checks().await;
        }
        Some(result)
    }

    /// What the application services need, as of today.
    pub fn ctx(&self) -> xyjt_app::Ctx<'_> {
        xyjt_app::Ctx::with_policies(self.store.as_ref(), &self.policies, self.today())
    }

    /// The date publicity and deadlines are judged on.
    pub fn today(&self) -> chrono::NaiveDate {
        self.today.unwrap_or_else(xyjt_core::clock::today_in_china)
    }
}

/// The whole router: API, pages and health.
pub fn router(state: AppState) -> Router {
    api::router()
        .merge(console::router())
        .merge(portal::router())
        .route("/static/style.css", axum::routing::get(html::stylesheet))
        .route("/static/print.js", axum::routing::get(html::print_script))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            cache::conditional,
        ))
        .route_layer(axum::middleware::from_fn(edge::refuse_control_characters))
        .fallback(error::not_found)
        .layer(axum::middleware::map_response(
            error::envelope_framework_errors,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::headers,
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
