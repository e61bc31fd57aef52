use std::fmt;
use std::path::PathBuf;

/// Where in an input the problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// The file as a whole.
    File,
    /// 1-based line of a text file (the header is line 1).
    Line(u64),
    /// 0-based index of a GeoJSON feature, with its code where known.
    Feature { index: usize, code: Option<String> },
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File => Ok(()),
            Location::Line(line) => write!(f, ", line {line}"),
            Location::Feature {
                index,
                code: Some(code),
            } => write!(f, ", feature {index} (code {code})"),
            Location::Feature { index, code: None } => write!(f, ", feature {index}"),
        }
    }
}

/// The longest message kept whole: a value quoted from a hostile file (a 1 MiB cell, a
/// feature's whole geometry) is cut, so that the error stays readable.
const MESSAGE_LIMIT: usize = 1000;

fn shortened(mut message: String) -> String {
    if message.len() <= MESSAGE_LIMIT {
        return message;
    }
    let total = message.len();
    let mut cut = MESSAGE_LIMIT;
    while !message.is_char_boundary(cut) {
        cut -= 1;
    }
    message.truncate(cut);
    message.push_str(&format!("… ({total} bytes in all)"));
    message
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("cannot read the manifest {path}: {message}")]
    Manifest { path: PathBuf, message: String },
    /// A quick import that cannot start: names the file as the file of service points it
    /// is, and the option to change.
    #[error("cannot import the services file {path}: {message}")]
    QuickImport { path: PathBuf, message: String },
    /// A quick import whose every record was refused. Nothing was written; `summary` says
    /// what became of each record, for the operator to read before this error.
    #[error("{}: {message}", path.display())]
    NothingLoaded {
        path: PathBuf,
        message: String,
        summary: Box<crate::Summary>,
    },
    /// Bad input: names the file, the place in it and the field.
    #[error("{}{location}{}: {message}", file.display(), field.as_ref().map(|f| format!(", field `{f}`")).unwrap_or_default())]
    Input {
        file: PathBuf,
        location: Location,
        field: Option<String>,
        message: String,
    },
    /// A manifest whose region, sources or communes clash with another region's: names
    /// what belongs to which.
    #[error("cannot load the manifest {path} beside the regions already loaded: {message}. Nothing was written")]
    Region { path: PathBuf, message: String },
    #[error("database error while {doing}: {error}. Nothing was written: the ingest runs in one transaction")]
    Database {
        doing: &'static str,
        error: sqlx::Error,
    },
    /// A temporary file of the ingest's own (not the input) could not be written or read.
    #[error("cannot {doing} (a temporary file of the ingest): {error}. Nothing was written: the ingest runs in one transaction")]
    WorkFile {
        doing: &'static str,
        error: std::io::Error,
    },
}

impl IngestError {
    pub fn input(
        file: impl Into<PathBuf>,
        location: Location,
        field: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        IngestError::Input {
            file: file.into(),
            location,
            field: field.map(str::to_owned),
            message: shortened(message.into()),
        }
    }

    pub(crate) fn database(doing: &'static str) -> impl FnOnce(sqlx::Error) -> IngestError {
        move |error| IngestError::Database { doing, error }
    }
}
