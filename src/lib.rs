//! casebridge: a GraphQL data API through which the departments of Dongtou district work on
//! the same law-enforcement cases.

pub mod calendar;
pub mod domain;
pub mod records;
