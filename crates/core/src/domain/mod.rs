//! Domain types: parsed once at the boundary, trusted everywhere after.

mod category;
mod commune;
mod country;
mod region;
mod year;

pub use category::ServiceCategory;
pub use commune::{CommuneCode, CommuneId};
pub use country::Country;
pub use region::RegionId;
pub use year::Year;

/// Why a piece of text is not a valid domain value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("unknown country {0:?}: expected BE or FR")]
    Country(String),
    #[error("{value:?} is not a Belgian NIS municipality code (five digits, e.g. 33011)")]
    NisCode { value: String },
    #[error("{value:?} is not a French INSEE commune code (five characters, e.g. 59183 or 2A004)")]
    InseeCode { value: String },
    #[error("{value:?} is not a commune id: expected COUNTRY-CODE, e.g. BE-33011 or FR-59183")]
    CommuneId { value: String },
    #[error("{value:?} is not a service category id (lower-case snake_case, e.g. post_office)")]
    Category { value: String },
    #[error("{value:?} is not a year between 1800 and 2200")]
    Year { value: String },
    #[error("{value:?} is not a region id (lower-case letters and digits, words joined by hyphens, at most 40 characters, e.g. westhoek)")]
    Region { value: String },
}
