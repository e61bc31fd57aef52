use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::ParseError;

/// A calendar year of a statistic (population on 1 January, a COG vintage, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i32", into = "i32")]
pub struct Year(i16);

impl Year {
    pub fn new(value: i32) -> Result<Self, ParseError> {
        if (1800..=2200).contains(&value) {
            Ok(Year(value as i16))
        } else {
            Err(ParseError::Year {
                value: value.to_string(),
            })
        }
    }

    pub fn get(self) -> i16 {
        self.0
    }
}

impl TryFrom<i32> for Year {
    type Error = ParseError;
    fn try_from(value: i32) -> Result<Self, Self::Error> {
        Year::new(value)
    }
}

impl From<Year> for i32 {
    fn from(year: Year) -> i32 {
        i32::from(year.0)
    }
}

impl FromStr for Year {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let value: i32 = s.trim().parse().map_err(|_| ParseError::Year {
            value: s.to_owned(),
        })?;
        Year::new(value)
    }
}

impl fmt::Display for Year {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}
