//! casebridge: a GraphQL data API through which the departments of Dongtou district work on
//! the same law-enforcement cases.

pub mod app;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod cases;
pub mod cli;
pub mod config;
pub mod dashboard;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod events;
pub mod exports;
pub mod files;
pub mod follow_case;
pub mod graphql;
pub mod http;
pub mod joint;
pub mod metrics;
pub mod org;
pub mod oversight;
pub mod pagination;
pub mod privacy;
pub mod records;
pub mod sql;
pub mod statistics;
pub mod telemetry;
pub mod transfers;
