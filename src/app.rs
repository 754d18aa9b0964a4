//! Builds the server: pool, migrations, calendar, schema, HTTP. Tests use it with port 0.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use sea_orm::DatabaseConnection;

use crate::calendar::Calendar;
use crate::config::Settings;
use crate::graphql::{AppSchema, build_schema};
use crate::metrics::Metrics;

/// Shared by every request: built once, outside the worker closure.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub calendar: Arc<Calendar>,
    pub metrics: Arc<Metrics>,
    /// Committed case events, for subscriptions.
    pub bus: crate::events::Bus,
    /// The live statistics feeds (`statisticsUpdated`).
    pub live: crate::statistics::live::LiveStats,
}

impl AppState {
    /// A write moved a figure without a case event: live statistics recompute.
    pub fn stats_changed(&self) {
        self.live.changed_everywhere(&self.db);
    }
}

pub struct Application {
    port: u16,
    server: Server,
    pub state: AppState,
}

impl Application {
    /// Connects, migrates, loads the calendar and binds `settings.bind` (port 0 picks a free one).
    pub async fn build(settings: Settings) -> anyhow_like::Result<Self> {
        let db = crate::db::connect(&settings.database_url, settings.pool_size).await?;
        crate::db::migrate(&db).await?;
        Self::with_db(settings, db).await
    }

    pub async fn with_db(settings: Settings, db: DatabaseConnection) -> anyhow_like::Result<Self> {
        let calendar = Calendar::load(&db).await?;
        let year = crate::calendar::today().format("%Y").to_string().parse::<i32>().unwrap_or(2026);
        if !calendar.covers(year) {
            tracing::warn!(year, "no holiday table loaded for this year: working days count weekends only");
        }
        let postgres = db.get_database_backend() == sea_orm::DbBackend::Postgres;
        let state = AppState {
            db,
            calendar: Arc::new(calendar),
            metrics: Arc::new(Metrics::default()),
            bus: crate::events::Bus::new(settings.subscriber_queue, !postgres),
            live: crate::statistics::live::LiveStats::default(),
            settings: Arc::new(settings),
        };
        if postgres {
            tokio::spawn(crate::events::pg::listen(
                state.settings.database_url.clone(),
                state.db.clone(),
                state.bus.clone(),
                state.live.clone(),
            ));
        }
        let schema: AppSchema = build_schema(Some(state.clone()));
        let listener = TcpListener::bind(&state.settings.bind)?;
        let port = listener.local_addr()?.port();
        let http_state = state.clone();
        let max_body = state.settings.max_body_bytes;
        let server = HttpServer::new(move || {
            App::new()
                .app_data(web::Data::new(http_state.clone()))
                .app_data(web::Data::new(schema.clone()))
                .app_data(web::PayloadConfig::new(max_body))
                .configure(crate::http::routes)
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

/// A small boxed error for start-up paths (no request ever sees it).
pub mod anyhow_like {
    pub type Error = Box<dyn std::error::Error + Send + Sync + 'static>;
    pub type Result<T> = std::result::Result<T, Error>;
}
