//! Integration tests: each starts the real server on an ephemeral port over a fresh database
//! (a copy of a SQLite template file, or a PostgreSQL database cloned from a template database
//! when `TEST_DATABASE_URL` is set; see `support`) and speaks GraphQL over HTTP. One test
//! binary keeps linking time down on small machines.

mod support;

mod admin;
mod audit;
mod auth;
mod cases;
mod chain;
mod cockpit;
mod conformance;
mod dashboard;
mod edge;
mod errors;
mod event_detail;
mod evidence;
mod exports;
mod fields;
mod files;
mod follow_case;
mod graphiql;
mod hostile;
mod http;
mod joint;
mod jwks;
mod layers;
mod lifecycle;
mod masking;
mod observe;
mod operations;
mod org;
mod oversight;
mod partners;
mod principal_cache;
mod procedure;
mod rate_limit;
mod reads;
mod records;
mod report;
mod roles;
mod schema;
mod shutdown;
mod statistics;
mod story;
mod subscriptions;
mod transfers;
mod uploads;
mod write_path;
