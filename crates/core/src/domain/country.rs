use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::ParseError;

/// A country of the observatory. Each has its own commune coding system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Country {
    #[serde(rename = "BE")]
    Belgium,
    #[serde(rename = "FR")]
    France,
}

impl Country {
    pub const ALL: [Country; 2] = [Country::Belgium, Country::France];

    /// ISO 3166-1 alpha-2 code, as stored in the database.
    pub fn iso2(self) -> &'static str {
        match self {
            Country::Belgium => "BE",
            Country::France => "FR",
        }
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.iso2())
    }
}

impl FromStr for Country {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_uppercase().as_str() {
            "BE" => Ok(Country::Belgium),
            "FR" => Ok(Country::France),
            _ => Err(ParseError::Country(s.to_owned())),
        }
    }
}
