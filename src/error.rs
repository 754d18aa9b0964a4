//! One error type for the whole server. Every variant maps to exactly one `extensions.code`
//! of api.md; internal causes are logged once and never reach the client.
//!
//! `AppError` deliberately does not implement `Display`: async-graphql converts anything
//! `Display` into a client-visible message, and a stray `?` on a database error inside a
//! resolver would then leak SQL. Services return `AppError`; resolvers use `?` and get the
//! mapping below.

use sea_orm::DbErr;

#[derive(Debug)]
pub enum AppError {
    /// No token, or a token or user that is not (or no longer) valid.
    Unauthenticated(String),
    /// Authenticated, allowed to see the object, but not to do this.
    Forbidden(String),
    /// Input that breaks a rule; `field` names the offending input field (`party.idNumber`).
    BadInput {
        field: String,
        message: String,
    },
    /// Absent, or not visible to the caller (never `Forbidden` for an unseen record).
    NotFound(String),
    /// Stale `expectedVersion`, duplicate, illegal state transition.
    Conflict(String),
    RateLimited(String),
    QueryTooComplex(String),
    /// Anything the client cannot fix. The cause is logged, not sent.
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadInput { field: field.into(), message: message.into() }
    }

    pub fn not_found(what: &str) -> Self {
        Self::NotFound(format!("{what} not found"))
    }

    pub fn unauthenticated() -> Self {
        Self::Unauthenticated("a valid bearer token is required".into())
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated(_) => "UNAUTHENTICATED",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::BadInput { .. } => "BAD_USER_INPUT",
            Self::NotFound(_) => "NOT_FOUND",
            Self::Conflict(_) => "CONFLICT",
            Self::RateLimited(_) => "RATE_LIMITED",
            Self::QueryTooComplex(_) => "QUERY_TOO_COMPLEX",
            Self::Internal(_) => "INTERNAL",
        }
    }

    /// The message a client sees.
    pub fn message(&self) -> String {
        match self {
            Self::Unauthenticated(m)
            | Self::Forbidden(m)
            | Self::NotFound(m)
            | Self::Conflict(m)
            | Self::RateLimited(m)
            | Self::QueryTooComplex(m) => m.clone(),
            Self::BadInput { field, message } => format!("{field}: {message}"),
            Self::Internal(_) => "internal error".into(),
        }
    }

    /// Logs an internal cause (once, here) and hides it from the client.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::Internal(cause.to_string())
    }
}

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        Self::internal(format_args!("database: {}", crate::telemetry::cause_chain(&err)))
    }
}

/// A small boxed error for start-up and command-line paths (no request ever sees it).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;
