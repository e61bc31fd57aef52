//! Shared vocabulary of the Westhoek Observatory: the domain types that cross crate
//! boundaries (countries, commune codes, years) and access to the PostGIS database,
//! including the embedded cluster used when no `DATABASE_URL` is given.

pub mod accounts;
pub mod database;
pub mod domain;
pub mod indicators;
pub mod services;

pub use domain::{CommuneCode, CommuneId, Country, ParseError, RegionId, ServiceCategory, Year};
