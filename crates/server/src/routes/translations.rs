//! A text in each language of the observatory, as every typed answer carries it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A text in Dutch, French and English.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub(crate) struct Translations {
    /// In Dutch.
    pub nl: String,
    /// In French.
    pub fr: String,
    /// In English.
    pub en: String,
}
