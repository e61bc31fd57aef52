use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{Country, ParseError};

/// An official commune code in its country's own system: a Belgian NIS (REFNIS) code or
/// a French INSEE (COG) code. The two systems overlap as text (57097 is Comines-Warneton
/// in Belgium and a commune of Moselle in France), so a code never travels without its
/// country.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CommuneCode {
    country: Country,
    code: String,
}

impl CommuneCode {
    /// Parses `text` as a code of `country`. Surrounding blanks are ignored, and a
    /// numeric code written as a float by a spreadsheet (`59183.0`) is accepted.
    pub fn parse(country: Country, text: &str) -> Result<Self, ParseError> {
        let trimmed = text.trim();
        let trimmed = trimmed.strip_suffix(".0").unwrap_or(trimmed);
        let valid = match country {
            Country::Belgium => trimmed.len() == 5 && trimmed.bytes().all(|b| b.is_ascii_digit()),
            Country::France => is_insee_code(trimmed),
        };
        if !valid {
            return Err(match country {
                Country::Belgium => ParseError::NisCode {
                    value: text.to_owned(),
                },
                Country::France => ParseError::InseeCode {
                    value: text.to_owned(),
                },
            });
        }
        Ok(CommuneCode {
            country,
            code: trimmed.to_ascii_uppercase(),
        })
    }

    pub fn country(&self) -> Country {
        self.country
    }

    /// The code as its country writes it, without the country.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The identifier used in URLs and exports: `BE-33011`, `FR-59183`.
    pub fn id(&self) -> CommuneId {
        CommuneId(self.clone())
    }

    pub fn starts_with(&self, prefix: &str) -> bool {
        self.code.starts_with(prefix)
    }
}

/// Five characters: digits, or Corsica's 2A/2B followed by three digits.
fn is_insee_code(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() != 5 {
        return false;
    }
    let department_ok = bytes[..2].iter().all(u8::is_ascii_digit)
        || matches!(&bytes[..2], b"2A" | b"2B" | b"2a" | b"2b");
    department_ok && bytes[2..].iter().all(u8::is_ascii_digit)
}

impl fmt::Display for CommuneCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code)
    }
}

/// A commune code qualified by its country, written `BE-33011`: unique across countries.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CommuneId(CommuneCode);

impl CommuneId {
    pub fn code(&self) -> &CommuneCode {
        &self.0
    }
}

impl FromStr for CommuneId {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || ParseError::CommuneId {
            value: s.to_owned(),
        };
        let (country, code) = s.split_once('-').ok_or_else(invalid)?;
        let country: Country = country.parse().map_err(|_| invalid())?;
        Ok(CommuneId(CommuneCode::parse(country, code)?))
    }
}

impl TryFrom<String> for CommuneId {
    type Error = ParseError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<CommuneId> for String {
    fn from(id: CommuneId) -> String {
        id.to_string()
    }
}

impl fmt::Display for CommuneId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.0.country, self.0.code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_checked_against_their_country() {
        assert!(CommuneCode::parse(Country::Belgium, "33011").is_ok());
        assert!(CommuneCode::parse(Country::Belgium, "2A004").is_err());
        assert!(CommuneCode::parse(Country::France, "2A004").is_ok());
        assert!(CommuneCode::parse(Country::France, "5918").is_err());
        assert!(CommuneCode::parse(Country::France, "59183.0").is_ok());
        assert!(CommuneCode::parse(Country::Belgium, "").is_err());
    }

    #[test]
    fn the_same_digits_in_two_countries_are_two_communes() {
        let be = CommuneCode::parse(Country::Belgium, "57097").expect("a Belgian code");
        let fr = CommuneCode::parse(Country::France, "57097").expect("a French code");
        assert_ne!(be, fr);
        assert_eq!(be.id().to_string(), "BE-57097");
        assert_eq!("FR-57097".parse::<CommuneId>().expect("an id").code(), &fr);
    }

    #[test]
    fn malformed_ids_are_rejected() {
        for bad in ["57097", "DE-12345", "BE-", "BE-1234x", "-59183"] {
            assert!(
                bad.parse::<CommuneId>().is_err(),
                "{bad} should be rejected"
            );
        }
    }
}
