use std::fmt;

use serde::{Deserialize, Serialize};

use super::ParseError;

/// A region's id as manifests, URLs and the database write it: lower-case letters and
/// digits in words joined by hyphens, at most 40 characters (`westhoek`). Which regions
/// exist is data: it is checked against the database where one is asked for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegionId(String);

impl RegionId {
    pub const MAX_LEN: usize = 40;

    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let words_ok = text.split('-').all(|word| {
            !word.is_empty()
                && word
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        });
        let valid = text.len() <= Self::MAX_LEN
            && text.starts_with(|c: char| c.is_ascii_lowercase())
            && words_ok;
        if valid {
            Ok(RegionId(text.to_owned()))
        } else {
            Err(ParseError::Region {
                value: text.to_owned(),
            })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for RegionId {
    type Error = ParseError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        RegionId::parse(&value)
    }
}

impl From<RegionId> for String {
    fn from(r: RegionId) -> String {
        r.0
    }
}

impl std::str::FromStr for RegionId {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RegionId::parse(s)
    }
}

impl fmt::Display for RegionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::RegionId;

    #[test]
    fn region_ids_are_lower_case_words_joined_by_hyphens() {
        for good in ["westhoek", "ardennes-givet", "a", "r2", "x-1-y"] {
            assert!(RegionId::parse(good).is_ok(), "{good}");
        }
        let long = "a".repeat(RegionId::MAX_LEN + 1);
        for bad in [
            "", "-a", "a-", "a--b", "Westhoek", "1a", "a_b", "a b", "é", "a/b", &long,
        ] {
            assert!(RegionId::parse(bad).is_err(), "{bad:?}");
        }
    }
}
