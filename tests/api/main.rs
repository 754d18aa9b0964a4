//! Integration tests: each starts the real server on an ephemeral port over a fresh database
//! (SQLite temp file, or a new PostgreSQL database when `TEST_DATABASE_URL` is set) and
//! speaks GraphQL over HTTP. One test binary keeps linking time down on small machines.

mod support;

mod audit;
mod auth;
mod cases;
mod dashboard;
mod errors;
mod event_detail;
mod follow_case;
mod hostile;
mod http;
mod joint;
mod layers;
mod lifecycle;
mod org;
mod oversight;
mod records;
mod schema;
mod statistics;
mod story;
mod subscriptions;
mod transfers;
