//! The JSON the SQL builds, answered through types that describe it: a shape the types do
//! not describe becomes a 500 with the reason logged, and numbers are written as
//! PostgreSQL writes them, so that typing an answer does not change its bytes.

use serde::{Serialize, Serializer};

use crate::ApiError;

/// A JSON the SQL built that the types do not describe is a defect (a 500 with the reason
/// logged), not the database failing to answer.
pub(crate) fn decode_error(what: &'static str) -> impl Fn(sqlx::Error) -> ApiError {
    move |e| match e {
        sqlx::Error::ColumnDecode { source, .. } => {
            ApiError::Internal(format!("{what} from the database: {source}"))
        }
        other => ApiError::from(other),
    }
}

/// A number as PostgreSQL writes it into JSON and as the map has always read it: a whole
/// number without a fraction (`12`, not `12.0`), any other as the shortest decimal.
pub(crate) fn json_number<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    /// 2^53: every whole f64 below it is exact as an i64.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    if value.fract() == 0.0 && value.abs() < EXACT {
        serializer.serialize_i64(*value as i64)
    } else {
        serializer.serialize_f64(*value)
    }
}

/// [`json_number`], or `null`.
pub(crate) fn json_optional_number<S: Serializer>(
    value: &Option<f64>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => json_number(v, serializer),
        None => serializer.serialize_none(),
    }
}

/// An array of [`json_number`]s.
pub(crate) fn json_numbers<S: Serializer, const N: usize>(
    values: &[f64; N],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeTuple;
    let mut tuple = serializer.serialize_tuple(N)?;
    for v in values {
        tuple.serialize_element(&JsonNumber(*v))?;
    }
    tuple.end()
}

struct JsonNumber(f64);

impl Serialize for JsonNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        json_number(&self.0, serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_as_postgresql_writes_them() {
        let write = |v: f64| {
            let mut out = Vec::new();
            json_number(&v, &mut serde_json::Serializer::new(&mut out))
                .map(|()| String::from_utf8_lossy(&out).into_owned())
                .unwrap_or_default()
        };
        assert_eq!(write(12.0), "12");
        assert_eq!(write(-0.0), "0");
        assert_eq!(write(2.5), "2.5");
        assert_eq!(write(628.5461985633334), "628.5461985633334");
        // Beyond 2^53, as PostgreSQL writes it too.
        assert_eq!(write(1e21), "1e+21");
    }
}
