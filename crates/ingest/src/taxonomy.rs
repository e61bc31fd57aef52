//! The cross-border service taxonomy (`data/taxonomy.toml`): categories with their labels
//! in three languages, and the source values that mean each of them.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use observatory_core::ServiceCategory;
use serde::Deserialize;

use crate::IngestError;

/// The vocabulary whose values are the taxonomy's own category ids.
pub const CATEGORY_IDS: &str = "category";

/// The vocabulary of free text: each category's id and the common words for it in Dutch,
/// French and English (`pharmacie`, `apotheek`, `pharmacy` …), matched as [`fold`] spells
/// them, so a type column typed by hand needs no entry of its own.
pub const WORDS: &str = "words";

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
    #[serde(default)]
    words: Words,
}

/// Common words for a category, per language, for sources that type it in free text.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Words {
    #[serde(default)]
    nl: Vec<String>,
    #[serde(default)]
    fr: Vec<String>,
    #[serde(default)]
    en: Vec<String>,
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
        let categories = &raw.category;
        let mut insert =
            |vocabulary: &str, value: &str, target: Option<usize>| -> Result<(), IngestError> {
                let key = (vocabulary.to_owned(), key(vocabulary, value));
                match values.insert(key, target) {
                    None => Ok(()),
                    // A word may be the same in two languages (nl and en `bank`), or be the
                    // category's id: the same meaning twice is no conflict.
                    Some(before) if vocabulary == WORDS && before == target => Ok(()),
                    Some(before) => {
                        let name = |t: Option<usize>| {
                            t.map_or("[ignored]".to_owned(), |i| categories[i].id.to_string())
                        };
                        Err(fail(format!(
                            "{vocabulary} value {value:?} is mapped twice ({} and {}){}",
                            name(before),
                            name(target),
                            if vocabulary == WORDS {
                                ": words are compared without case, accents or hyphens"
                            } else {
                                ""
                            }
                        )))
                    }
                }
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
            let words = &category.words;
            let ids = std::iter::once(category.id.as_str());
            for word in ids.chain(
                words
                    .nl
                    .iter()
                    .chain(&words.fr)
                    .chain(&words.en)
                    .map(String::as_str),
            ) {
                insert(WORDS, word, Some(index))?;
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
        match self
            .values
            .get(&(vocabulary.to_owned(), key(vocabulary, value)))
        {
            Some(Some(index)) => Mapping::Category(&self.categories[*index].id),
            Some(None) => Mapping::Ignored,
            None => Mapping::Unknown,
        }
    }

    /// Whether the taxonomy knows this vocabulary at all (a typo in a manifest is caught early).
    pub fn has_vocabulary(&self, vocabulary: &str) -> bool {
        vocabulary == "osm" || self.values.keys().any(|(v, _)| v == vocabulary)
    }

    /// Every vocabulary's name, for messages that list them.
    pub fn vocabularies(&self) -> Vec<&str> {
        let mut names: std::collections::BTreeSet<&str> =
            self.values.keys().map(|(v, _)| v.as_str()).collect();
        names.insert("osm");
        names.into_iter().collect()
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

/// A value as the taxonomy stores it: exactly as written, except in the `words` vocabulary.
fn key(vocabulary: &str, value: &str) -> String {
    if vocabulary == WORDS {
        fold(value)
    } else {
        value.to_owned()
    }
}

/// Free text as the `words` vocabulary compares it: lower case, without accents, with
/// spaces, hyphens and underscores alike and single ("Bureau-de-Poste" and "bureau de
/// poste", "ÉCOLE PRIMAIRE" and "ecole primaire", "post_office" and "Post office"). Accents
/// are dropped from the letters of the languages of Belgium and France (and their
/// neighbours) and from decomposed text (a letter followed by a combining mark).
pub fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    let mut gap = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_whitespace() || c == '-' || c == '_' {
            gap = !folded.is_empty();
            continue;
        }
        // Combining diacritical marks, as in decomposed (NFD) text.
        if ('\u{300}'..='\u{36f}').contains(&c) {
            continue;
        }
        if gap {
            folded.push(' ');
            gap = false;
        }
        match without_accent(c) {
            Some(plain) => folded.push_str(plain),
            None => folded.push(c),
        }
    }
    folded
}

/// The plain letters of a lower-case accented Latin letter.
fn without_accent(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'č' => "c",
        'ď' | 'đ' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => "e",
        'ğ' => "g",
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' | 'ı' => "i",
        'ł' => "l",
        'ñ' | 'ń' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
        'œ' => "oe",
        'ř' => "r",
        'ś' | 'š' | 'ş' => "s",
        'ß' => "ss",
        'ť' => "t",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => "u",
        'ý' | 'ÿ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        '’' | 'ʼ' | '`' => "'",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn folding_sets_case_accents_and_spacing_aside() {
        assert_eq!(fold("Pharmacie"), "pharmacie");
        assert_eq!(fold("  Bureau-de-Poste "), "bureau de poste");
        assert_eq!(fold("ÉCOLE  PRIMAIRE"), "ecole primaire");
        assert_eq!(fold("Arre\u{0302}t de bus"), "arret de bus");
        assert_eq!(fold("post_office"), "post office");
        assert_eq!(fold("Hôpital"), fold("hopital"));
        assert_eq!(fold("arrêt d’autobus"), "arret d'autobus");
        assert_eq!(fold("Œuvre"), "oeuvre");
    }
}
