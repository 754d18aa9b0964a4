//! Builds the server: pool, migrations, calendar, schema, HTTP. Tests use it with port 0.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use sea_orm::DatabaseConnection;

use crate::auth::principal_cache::PrincipalCache;
use crate::calendar::Calendar;
use crate::config::Settings;
use crate::error::BoxError;
use crate::graphql::context::AppState;
use crate::graphql::{AppSchema, build_schema};
use crate::http::response_cache::ResponseCache;
use crate::metrics::Metrics;

pub struct Application {
    port: u16,
    server: Server,
    pub state: AppState,
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
        let bus = crate::events::Bus::new(settings.subscriber_queue, !postgres);
        let principals = PrincipalCache::new(bus.watch_users(), bus.users_live(), Arc::clone(&metrics));
        let state = AppState {
            db,
            calendar: Arc::new(calendar),
            metrics,
            bus,
            sessions: Default::default(),
            principals: Arc::new(principals),
            settings: Arc::new(settings),
        };
        if postgres {
            tokio::spawn(crate::events::pg::listen(
                state.settings.database_url.clone(),
                state.db.clone(),
                state.bus.clone(),
            ));
        }
        let schema: AppSchema = build_schema(Some(state.clone()));
        let listener = TcpListener::bind(&state.settings.bind)?;
        let port = listener.local_addr()?.port();
        let http_state = state.clone();
        let max_body = state.settings.max_body_bytes;
        let sockets = Arc::new(crate::http::ws::Connections::default());
        let limiter = Arc::new(crate::http::rate_limit::RateLimiter::new(state.settings.rate_limits));
        // Query responses checked against PostgreSQL's snapshot (`http::response_cache`); SQLite
        // has none to check against.
        let responses = (postgres && state.settings.response_cache_bytes > 0)
            .then(|| Arc::new(ResponseCache::new(state.settings.response_cache_bytes)));
        let persisted = Arc::new(crate::http::persisted::Persisted::load(&state.settings)?);
        let server = HttpServer::new(move || {
            let app = App::new()
                .app_data(web::Data::new(http_state.clone()))
                .app_data(web::Data::new(schema.clone()))
                .app_data(web::Data::new(Arc::clone(&sockets)))
                .app_data(web::Data::from(Arc::clone(&limiter)))
                .app_data(web::Data::from(Arc::clone(&persisted)))
                .app_data(web::PayloadConfig::new(max_body))
                .wrap(crate::http::edge::compress())
                .wrap(crate::http::edge::cors(&http_state.settings));
            let app = match &responses {
                Some(cache) => app.app_data(web::Data::from(Arc::clone(cache))),
                None => app,
            };
            app.configure(crate::http::routes)
        })
        .workers(state.settings.workers)
        .listen(listener)?
        .run();
        Ok(Self { port, server, state })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
