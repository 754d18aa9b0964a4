//! Spreadsheet exports (api.md, "Evidence files and spreadsheets"): `exportCases`,
//! `exportTransfers` and `exportStatistics` write XLSX or CSV files kept in the file store and
//! downloaded from `GET /exports/{id}` (`http::exports`) with the link's key or the
//! exporter's bearer token until the link expires.

pub mod labels;
pub mod schema;
pub mod service;
pub mod sheet;
pub mod statistics;
