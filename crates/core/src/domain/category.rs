use std::fmt;

use serde::{Deserialize, Serialize};

use super::ParseError;

/// A service category of the taxonomy (`pharmacy`, `post_office` …): a snake_case id.
/// Whether the taxonomy defines it is checked where the taxonomy is loaded.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ServiceCategory(String);

impl ServiceCategory {
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let valid = text.len() <= 64
            && text.starts_with(|c: char| c.is_ascii_lowercase())
            && text
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if valid {
            Ok(ServiceCategory(text.to_owned()))
        } else {
            Err(ParseError::Category {
                value: text.to_owned(),
            })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ServiceCategory {
    type Error = ParseError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        ServiceCategory::parse(&value)
    }
}

impl From<ServiceCategory> for String {
    fn from(c: ServiceCategory) -> String {
        c.0
    }
}

impl fmt::Display for ServiceCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
