//! Rows in PostgreSQL's binary COPY format (the `COPY ... (FORMAT binary)` section of the
//! PostgreSQL manual): no text for the server to parse, so COPY costs it little more than
//! writing the rows.

use chrono::NaiveDate;

/// The signature, flags and header extension that open a binary COPY stream.
pub const HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";
/// The field count -1 that ends it.
pub const TRAILER: &[u8] = &[0xff, 0xff];

/// Type oids of array elements (pg_type.dat).
const TEXT_OID: u32 = 25;
const DATE_OID: u32 = 1082;

/// Days from 1970-01-01 to 2000-01-01, PostgreSQL's epoch for dates.
const POSTGRES_EPOCH_DAYS: i32 = 10_957;

/// Appends rows to a buffer, one field after the other.
pub struct RowWriter<'b> {
    buf: &'b mut Vec<u8>,
}

impl<'b> RowWriter<'b> {
    /// Starts a row of `fields` fields.
    pub fn start(buf: &'b mut Vec<u8>, fields: i16) -> RowWriter<'b> {
        buf.extend_from_slice(&fields.to_be_bytes());
        RowWriter { buf }
    }

    fn length(&mut self, length: usize) {
        // Fields here are at most a few kilobytes (text read from one record).
        let length = i32::try_from(length).unwrap_or(i32::MAX);
        self.buf.extend_from_slice(&length.to_be_bytes());
    }

    pub fn null(&mut self) -> &mut Self {
        self.buf.extend_from_slice(&(-1i32).to_be_bytes());
        self
    }

    pub fn int8(&mut self, value: i64) -> &mut Self {
        self.length(8);
        self.buf.extend_from_slice(&value.to_be_bytes());
        self
    }

    pub fn bool(&mut self, value: bool) -> &mut Self {
        self.length(1);
        self.buf.push(u8::from(value));
        self
    }

    /// Text, `char(n)` and `varchar` alike.
    pub fn text(&mut self, value: &str) -> &mut Self {
        self.length(value.len());
        self.buf.extend_from_slice(value.as_bytes());
        self
    }

    pub fn text_or_null(&mut self, value: Option<&str>) -> &mut Self {
        match value {
            Some(value) => self.text(value),
            None => self.null(),
        }
    }

    pub fn date(&mut self, value: NaiveDate) -> &mut Self {
        self.length(4);
        self.buf
            .extend_from_slice(&postgres_days(value).to_be_bytes());
        self
    }

    /// `jsonb` from JSON text: a version byte, then the text.
    pub fn jsonb(&mut self, json: &str) -> &mut Self {
        self.length(1 + json.len());
        self.buf.push(1);
        self.buf.extend_from_slice(json.as_bytes());
        self
    }

    /// A one-dimensional array of one text element.
    pub fn text_array_of_one(&mut self, value: &str) -> &mut Self {
        self.array_of_one(TEXT_OID, value.as_bytes())
    }

    /// A one-dimensional array of one date.
    pub fn date_array_of_one(&mut self, value: NaiveDate) -> &mut Self {
        self.array_of_one(DATE_OID, &postgres_days(value).to_be_bytes())
    }

    fn array_of_one(&mut self, element_oid: u32, element: &[u8]) -> &mut Self {
        // dimensions, has-nulls flag, element type, then per dimension its length and
        // lower bound, then each element with its length
        self.length(20 + 4 + element.len());
        self.buf.extend_from_slice(&1i32.to_be_bytes());
        self.buf.extend_from_slice(&0i32.to_be_bytes());
        self.buf.extend_from_slice(&element_oid.to_be_bytes());
        self.buf.extend_from_slice(&1i32.to_be_bytes());
        self.buf.extend_from_slice(&1i32.to_be_bytes());
        let element_length = i32::try_from(element.len()).unwrap_or(i32::MAX);
        self.buf.extend_from_slice(&element_length.to_be_bytes());
        self.buf.extend_from_slice(element);
        self
    }

    /// A PostGIS point with its SRID, as extended WKB (what `geometry`'s binary input
    /// reads): little-endian, the point type with the SRID flag, the SRID, x, y.
    pub fn point(&mut self, srid: u32, x: f64, y: f64) -> &mut Self {
        const POINT_WITH_SRID: u32 = 0x2000_0001;
        self.length(1 + 4 + 4 + 8 + 8);
        self.buf.push(1);
        self.buf.extend_from_slice(&POINT_WITH_SRID.to_le_bytes());
        self.buf.extend_from_slice(&srid.to_le_bytes());
        self.buf.extend_from_slice(&x.to_le_bytes());
        self.buf.extend_from_slice(&y.to_le_bytes());
        self
    }
}

fn postgres_days(date: NaiveDate) -> i32 {
    // Dates here lie between 1800 and today (checked when the record is read).
    let unix_days = (date - NaiveDate::default()).num_days();
    i32::try_from(unix_days).unwrap_or(i32::MAX) - POSTGRES_EPOCH_DAYS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_count_days_from_2000() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("a date");
        assert_eq!(postgres_days(day(2000, 1, 1)), 0);
        assert_eq!(postgres_days(day(2000, 1, 2)), 1);
        assert_eq!(postgres_days(day(1999, 12, 31)), -1);
        assert_eq!(postgres_days(day(2024, 3, 1)), 8_826);
    }

    #[test]
    fn a_row_is_its_field_count_then_each_field_with_its_length() {
        let mut buf = Vec::new();
        RowWriter::start(&mut buf, 3).int8(7).null().text("ab");
        assert_eq!(
            buf,
            [
                &[0, 3][..],
                &[0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 7],
                &[0xff, 0xff, 0xff, 0xff],
                &[0, 0, 0, 2, b'a', b'b'],
            ]
            .concat()
        );
    }
}
