//! Builds the server: pool, migrations, calendar, schema, HTTP. Tests use it with port 0.

use std::future::Future;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Server, Service, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::{App, HttpResponse, HttpServer, web};
use futures_util::{Stream, StreamExt};
use sea_orm::DatabaseConnection;

use crate::auth::principal_cache::PrincipalCache;
use crate::calendar::Calendar;
use crate::config::Settings;
use crate::error::BoxError;
use crate::graphql::context::AppState;
use crate::graphql::{AppSchema, build_schema};
use crate::http::response_cache::ResponseCache;
use crate::http::ws::{Drain, Phase};
use crate::metrics::Metrics;

/// How long what was cut at the end of the grace, and the pool, get to unwind before the
/// process goes anyway.
const UNWIND: Duration = Duration::from_secs(5);

pub struct Application {
    port: u16,
    server: Server,
    pub state: AppState,
    drain: Arc<Drain>,
    /// PostgreSQL's LISTEN task: stopped inside the runtime at shutdown (its connection's drop
    /// needs one).
    listener: Option<tokio::task::JoinHandle<()>>,
}

impl Application {
    /// Connects, migrates, loads the calendar and binds `settings.bind` (port 0 picks a free one).
    pub async fn build(settings: Settings) -> Result<Self, BoxError> {
        let db = crate::db::connect_with(&settings.database_url, settings.pool_size, settings.db_timeout).await?;
        crate::db::migrate(&db).await?;
        Self::with_db(settings, db).await
    }

    pub async fn with_db(settings: Settings, db: DatabaseConnection) -> Result<Self, BoxError> {
        let calendar = Calendar::load(&db).await?;
        // The Chinese segmenter's dictionary, loaded off the runtime before the first trainee
        // read needs it.
        tokio::task::spawn_blocking(crate::privacy::warm_up);
        let year = crate::calendar::today().format("%Y").to_string().parse::<i32>().unwrap_or(2026);
        if !calendar.covers(year) {
            tracing::warn!(year, "no holiday table loaded for this year: working days count weekends only");
        }
        let postgres = db.get_database_backend() == sea_orm::DbBackend::Postgres;
        let metrics = Arc::new(Metrics::default());
        let db = crate::telemetry::instrument(db);
        metrics.watch_pool(&db);
        let bus = crate::events::Bus::new(settings.subscriber_queue, !postgres);
        bus.report_to(Arc::clone(&metrics));
        let principals = PrincipalCache::new(bus.watch_users(), bus.users_live(), Arc::clone(&metrics));
        let files = crate::files::Store::open(&settings.files.backend, settings.files.staging.as_deref())?;
        let state = AppState {
            db,
            files,
            calendar: Arc::new(calendar),
            metrics,
            bus,
            sessions: Default::default(),
            principals: Arc::new(principals),
            settings: Arc::new(settings),
        };
        state.settings.jwt.start_refresh();
        let listener = postgres.then(|| {
            tokio::spawn(crate::events::pg::listen(
                state.settings.database_url.clone(),
                state.db.clone(),
                state.bus.clone(),
            ))
        });
        let schema: AppSchema = build_schema(Some(state.clone()));
        let tcp = TcpListener::bind(&state.settings.bind)?;
        let port = tcp.local_addr()?.port();
        let http_state = state.clone();
        let max_body = state.settings.max_body_bytes;
        let sockets = Arc::new(crate::http::ws::Connections::default());
        let drain = Arc::new(Drain::default());
        let app_drain = Arc::clone(&drain);
        let limiter = Arc::new(crate::http::rate_limit::RateLimiter::new(state.settings.rate_limits));
        // Query responses checked against PostgreSQL's snapshot (`http::response_cache`); SQLite
        // has none to check against.
        let responses = (postgres && state.settings.response_cache_bytes > 0)
            .then(|| Arc::new(ResponseCache::new(state.settings.response_cache_bytes)));
        let persisted = Arc::new(crate::http::persisted::Persisted::load(&state.settings)?);
        let server = HttpServer::new(move || {
            // Middleware, innermost first: compression, CORS (a refused preflight is still
            // logged and counted), the request id and span, then the in-flight count.
            let app = App::new()
                .app_data(web::Data::new(http_state.clone()))
                .app_data(web::Data::new(schema.clone()))
                .app_data(web::Data::new(Arc::clone(&sockets)))
                .app_data(web::Data::new(Arc::clone(&app_drain)))
                .app_data(web::Data::from(Arc::clone(&limiter)))
                .app_data(web::Data::from(Arc::clone(&persisted)))
                .app_data(web::PayloadConfig::new(max_body))
                .wrap(crate::http::edge::compress())
                .wrap(crate::http::edge::cors(&http_state.settings))
                .wrap(actix_web::middleware::from_fn(crate::http::observe::observe));
            let app = match &responses {
                Some(cache) => app.app_data(web::Data::from(Arc::clone(cache))),
                None => app,
            };
            let drain = Arc::clone(&app_drain);
            app.configure(crate::http::routes).wrap_fn(move |req, srv| track(Arc::clone(&drain), req, srv))
        })
        .workers(state.settings.workers)
        // `run_until` handles SIGTERM and SIGINT alike and cuts what is left itself, inside
        // the runtime; actix's own timeout only backs it up.
        .disable_signals()
        .shutdown_timeout(state.settings.shutdown_grace.as_secs().saturating_add(2 * UNWIND.as_secs() + 1))
        .listen(tcp)?
        .run();
        Ok(Self { port, server, state, drain, listener })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGTERM or SIGINT (Ctrl-C on other systems), then shuts down as
    /// [`run_until`](Self::run_until) says. `Err` when the shutdown cut anything: the binary
    /// then exits 1.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let signals = signals()?;
        self.run_until(signals).await
    }

    /// Serves until `stop` yields (the name of what asked), then shuts down:
    ///
    /// 1. the listener closes (new connections are refused) and `/readyz` answers 503 on the
    ///    connections still open;
    /// 2. every WebSocket operation gets its `complete` and every socket closes 1001;
    /// 3. requests in flight get until `settings.shutdown_grace` to finish (a second signal
    ///    ends the grace at once); kept-alive connections close after their response;
    /// 4. whatever still runs is dropped (its client gets a 503, or the socket just ends),
    ///    inside the runtime so that pooled connections go back to the pool;
    /// 5. the pool closes.
    ///
    /// `Err` says how many requests and sockets were cut, if any. A server that stops by
    /// itself returns as it did.
    pub async fn run_until<S>(self, mut stop: S) -> std::io::Result<()>
    where
        S: Stream<Item = &'static str> + Unpin,
    {
        let Self { mut server, state, drain, listener, .. } = self;
        let handle = server.handle();
        let signal = tokio::select! {
            ended = &mut server => {
                close(&state, listener).await;
                return ended;
            }
            Some(signal) = stop.next() => signal,
        };
        let grace = state.settings.shutdown_grace;
        tracing::info!(
            signal,
            grace_secs = grace.as_secs_f64(),
            open = drain.open(),
            "shutting down: refusing new connections, closing WebSockets, finishing requests"
        );
        drain.enter(Phase::Draining);
        // Sent now (accept stops at once); the server's future carries it out, awaited below.
        let stopped = handle.stop(true);
        let finish = async {
            tokio::select! {
                () = drain.idle() => return,
                () = tokio::time::sleep(grace) => {}
                Some(again) = stop.next() => tracing::warn!(signal = again, "second signal: ending the grace now"),
            }
            tracing::warn!(open = drain.open(), "the shutdown grace is over: cutting what is still running");
            drain.enter(Phase::Cut);
            let _ = tokio::time::timeout(UNWIND, drain.idle()).await;
        };
        let (ended, (), ()) = tokio::join!(server, stopped, finish);
        close(&state, listener).await;
        let (requests, sockets) = drain.cut();
        if requests + sockets > 0 {
            return Err(std::io::Error::other(format!(
                "shutdown cut {requests} {} and {sockets} {} after the {} s grace",
                plural(requests, "request", "requests"),
                plural(sockets, "WebSocket", "WebSockets"),
                grace.as_secs_f64()
            )));
        }
        tracing::info!("shut down cleanly");
        ended
    }
}

fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

/// SIGTERM and SIGINT, as they come (Ctrl-C elsewhere than Unix).
fn signals() -> std::io::Result<impl Stream<Item = &'static str> + Unpin> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let term = signal(SignalKind::terminate())?;
        let int = signal(SignalKind::interrupt())?;
        Ok(Box::pin(futures_util::stream::unfold((term, int), |(mut term, mut int)| async move {
            let name = tokio::select! {
                Some(()) = term.recv() => "SIGTERM",
                Some(()) = int.recv() => "SIGINT",
                else => return None,
            };
            Some((name, (term, int)))
        })))
    }
    #[cfg(not(unix))]
    {
        Ok(Box::pin(futures_util::stream::unfold((), |()| async move {
            tokio::signal::ctrl_c().await.ok()?;
            Some(("Ctrl-C", ()))
        })))
    }
}

/// Stops the LISTEN task and closes the pool, inside the runtime: a pooled connection dropped
/// after the runtime is gone panics in sqlx ("this functionality requires a Tokio context").
async fn close(state: &AppState, listener: Option<tokio::task::JoinHandle<()>>) {
    if let Some(task) = listener {
        task.abort();
        let _ = task.await;
    }
    match tokio::time::timeout(UNWIND, state.db.close_by_ref()).await {
        Ok(Ok(())) => {}
        Ok(Err(err)) => tracing::warn!(%err, "closing the database pool"),
        Err(_) => tracing::warn!("a database connection was still busy; exiting without it"),
    }
}

/// Counts every request while it is handled (the shutdown waits for them), answers `/readyz`
/// 503 once the shutdown began, and drops a request still running when the grace is over with
/// a 503 of its own ([`Cut`]), counted as cut.
fn track<S, B>(
    drain: Arc<Drain>,
    req: ServiceRequest,
    srv: &S,
) -> impl Future<Output = Result<ServiceResponse<BoxBody>, actix_web::Error>> + use<S, B>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody + 'static,
{
    let busy = drain.busy();
    tracing::debug!(method = %req.method(), path = %req.path(), "request in flight");
    let handled = if drain.phase() != Phase::Serving && req.path() == "/readyz" {
        let refused = HttpResponse::ServiceUnavailable().content_type("text/plain").body("shutting down\n");
        Err(req.into_response(refused))
    } else {
        // Not the request itself: a clone held across the call would break routing.
        let what = (req.method().clone(), req.uri().clone());
        Ok((what, srv.call(req)))
    };
    async move {
        let _busy = busy;
        let ((method, uri), handled) = match handled {
            Ok(call) => call,
            Err(refused) => return Ok(refused),
        };
        tokio::select! {
            out = handled => out.map(ServiceResponse::map_into_boxed_body),
            () = drain.reached(Phase::Cut) => {
                drain.request_cut();
                tracing::warn!(%method, path = uri.path(), "request cut by the shutdown");
                Err(Cut.into())
            }
        }
    }
}

/// The answer to a request the shutdown cut: it may or may not have taken effect.
#[derive(Debug)]
struct Cut;

impl std::fmt::Display for Cut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the server shut down before this request finished; it may or may not have taken effect")
    }
}

impl actix_web::ResponseError for Cut {
    fn status_code(&self) -> actix_web::http::StatusCode {
        actix_web::http::StatusCode::SERVICE_UNAVAILABLE
    }

    fn error_response(&self) -> HttpResponse {
        let body = serde_json::json!({ "errors": [{
            "message": self.to_string(),
            "extensions": { "code": "SHUTTING_DOWN" },
        }]});
        HttpResponse::ServiceUnavailable().insert_header((header::CONNECTION, "close")).json(body)
    }
}
