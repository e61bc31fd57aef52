//! The cross-border service taxonomy (`data/taxonomy.toml`): categories with their labels
//! in three languages, and the source values that mean each of them.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use observatory_core::ServiceCategory;
use serde::Deserialize;

use crate::IngestError;

/// The vocabulary whose values are the taxonomy's own category ids.
pub const CATEGORY_IDS: &str = "category";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Labels {
    pub nl: String,
    pub fr: String,
    pub en: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    pub id: String,
    pub label: Labels,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub id: ServiceCategory,
    pub group: String,
    pub label: Labels,
    pub everyday_basket: bool,
    #[serde(default)]
    bpe_codes: Vec<String>,
    #[serde(default)]
    bpe_labels: Vec<String>,
    #[serde(default)]
    osm_tags: Vec<String>,
    #[serde(default)]
    source_values: BTreeMap<String, Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTaxonomy {
    group: Vec<Group>,
    category: Vec<Category>,
    #[serde(default)]
    ignored: BTreeMap<String, Vec<String>>,
}

/// What a source value means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mapping<'t> {
    Category(&'t ServiceCategory),
    /// Deliberately no category (a SEGPA section, a freight-only station).
    Ignored,
    /// Neither mapped nor ignored: reported at the end of the ingest.
    Unknown,
}

#[derive(Debug)]
pub struct Taxonomy {
    pub groups: Vec<Group>,
    pub categories: Vec<Category>,
    /// (vocabulary, value) → index into `categories`, or None for ignored.
    values: HashMap<(String, String), Option<usize>>,
}

impl Taxonomy {
    pub fn load(path: &Path) -> Result<Taxonomy, IngestError> {
        let fail = |message: String| IngestError::input(path, crate::Location::File, None, message);
        let text = std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read: {e}")))?;
        let raw: RawTaxonomy = toml::from_str(&text).map_err(|e| fail(e.to_string()))?;
        let mut values: HashMap<(String, String), Option<usize>> = HashMap::new();
        let mut insert =
            |vocabulary: &str, value: &str, target: Option<usize>| -> Result<(), IngestError> {
                let key = (vocabulary.to_owned(), value.to_owned());
                if values.insert(key, target).is_some() {
                    return Err(fail(format!(
                        "{vocabulary} value {value:?} is mapped twice"
                    )));
                }
                Ok(())
            };
        for (index, category) in raw.category.iter().enumerate() {
            if !raw.group.iter().any(|g| g.id == category.group) {
                return Err(fail(format!(
                    "category {} names an unknown group {:?}",
                    category.id, category.group
                )));
            }
            insert(CATEGORY_IDS, category.id.as_str(), Some(index))?;
            let lists = [
                ("bpe_codes", &category.bpe_codes),
                ("bpe_labels", &category.bpe_labels),
                ("osm_tags", &category.osm_tags),
            ];
            for (vocabulary, list) in lists {
                for value in list {
                    insert(vocabulary, value, Some(index))?;
                }
            }
            for (vocabulary, list) in &category.source_values {
                for value in list {
                    insert(vocabulary, value, Some(index))?;
                }
            }
        }
        for (vocabulary, list) in &raw.ignored {
            for value in list {
                insert(vocabulary, value, None)?;
            }
        }
        Ok(Taxonomy {
            groups: raw.group,
            categories: raw.category,
            values,
        })
    }

    pub fn map(&self, vocabulary: &str, value: &str) -> Mapping<'_> {
        match self.values.get(&(vocabulary.to_owned(), value.to_owned())) {
            Some(Some(index)) => Mapping::Category(&self.categories[*index].id),
            Some(None) => Mapping::Ignored,
            None => Mapping::Unknown,
        }
    }

    /// Whether the taxonomy knows this vocabulary at all (a typo in a manifest is caught early).
    pub fn has_vocabulary(&self, vocabulary: &str) -> bool {
        vocabulary == "osm" || self.values.keys().any(|(v, _)| v == vocabulary)
    }

    pub fn category(&self, id: &str) -> Option<&ServiceCategory> {
        self.categories
            .iter()
            .map(|c| &c.id)
            .find(|c| c.as_str() == id)
    }

    /// OpenStreetMap: a `key=value` tag; `post_office=post_partner` wins over `amenity=post_office`.
    pub fn map_osm(&self, tags: &[&str]) -> Mapping<'_> {
        if tags.contains(&"post_office=post_partner") {
            return self.map("osm_tags", "post_office=post_partner");
        }
        tags.iter()
            .map(|t| self.map("osm_tags", t))
            .find(|m| !matches!(m, Mapping::Unknown))
            .unwrap_or(Mapping::Unknown)
    }
}
