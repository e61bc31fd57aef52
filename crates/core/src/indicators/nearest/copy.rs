//! PostgreSQL's binary COPY format, for the few column types the nearest-service search
//! exchanges with the database: text, bigint, boolean and float8. Binary rather than
//! text so that coordinates cross exactly, bit for bit, and nothing is parsed twice.

const SIGNATURE: &[u8] = b"PGCOPY\n\xff\r\n\0";

fn malformed(what: &str) -> sqlx::Error {
    sqlx::Error::Protocol(format!("binary COPY from the database: {what}"))
}

/// Rows of a `COPY ... TO STDOUT (FORMAT binary)`, decoded as the answer's pieces
/// arrive: a piece may end anywhere, even within a field, so what is left of it waits
/// for the next. Memory holds one piece, not the whole answer.
#[derive(Default)]
pub struct Decoder {
    pending: Vec<u8>,
    started: bool,
    ended: bool,
}

/// One row's fields, read in the order of the statement's columns.
pub struct Row<'a> {
    rest: &'a [u8],
    left: i16,
}

impl Decoder {
    /// Decodes the complete rows `piece` brings (with what was left of the one before),
    /// handing each to `each`.
    pub fn feed(
        &mut self,
        piece: &[u8],
        mut each: impl FnMut(Row<'_>) -> Result<(), sqlx::Error>,
    ) -> Result<(), sqlx::Error> {
        self.pending.extend_from_slice(piece);
        let mut at = 0;
        if !self.started {
            match header_length(&self.pending)? {
                Some(length) => {
                    at = length;
                    self.started = true;
                }
                None => return Ok(()),
            }
        }
        while !self.ended {
            let rest = &self.pending[at..];
            let Some((count, _)) = split::<2>(rest) else {
                break;
            };
            let count = i16::from_be_bytes(count);
            if count == -1 {
                self.ended = true;
                at += 2;
                break;
            }
            let Some(length) = row_length(&rest[2..], count)? else {
                break;
            };
            each(Row {
                rest: &rest[2..2 + length],
                left: count,
            })?;
            at += 2 + length;
        }
        self.pending.drain(..at);
        Ok(())
    }

    /// After the last piece: the answer must have ended with its trailer.
    pub fn finish(self) -> Result<(), sqlx::Error> {
        if self.ended && self.pending.is_empty() {
            Ok(())
        } else if self.ended {
            Err(malformed("bytes after the trailer"))
        } else {
            Err(malformed("cut short"))
        }
    }
}

/// The header's length once it has all arrived.
fn header_length(data: &[u8]) -> Result<Option<usize>, sqlx::Error> {
    let fixed = SIGNATURE.len() + 8;
    if data.len() < fixed {
        return Ok(None);
    }
    if !data.starts_with(SIGNATURE) {
        return Err(malformed("no signature"));
    }
    let extension = u32::from_be_bytes([data[15], data[16], data[17], data[18]]) as usize;
    Ok((data.len() >= fixed + extension).then_some(fixed + extension))
}

/// The length of a row's fields once they have all arrived.
fn row_length(data: &[u8], count: i16) -> Result<Option<usize>, sqlx::Error> {
    if count < 0 {
        return Err(malformed("a negative field count"));
    }
    let mut at = 0;
    for _ in 0..count {
        let Some((length, _)) = split::<4>(&data[at..]) else {
            return Ok(None);
        };
        at += 4;
        let length = i32::from_be_bytes(length);
        if length > 0 {
            at += length as usize;
        } else if length < -1 {
            return Err(malformed("a negative field length"));
        }
        if at > data.len() {
            return Ok(None);
        }
    }
    Ok(Some(at))
}

impl<'a> Row<'a> {
    fn field(&mut self) -> Result<Option<&'a [u8]>, sqlx::Error> {
        if self.left == 0 {
            return Err(malformed("fewer fields than the statement's columns"));
        }
        self.left -= 1;
        let (length, rest) = split::<4>(self.rest).ok_or_else(|| malformed("cut in a row"))?;
        let length = i32::from_be_bytes(length);
        if length < 0 {
            self.rest = rest;
            return Ok(None);
        }
        let length = length as usize;
        let value = rest
            .get(..length)
            .ok_or_else(|| malformed("cut in a field"))?;
        self.rest = &rest[length..];
        Ok(Some(value))
    }

    pub fn text(&mut self) -> Result<Option<&'a str>, sqlx::Error> {
        self.field()?
            .map(|v| std::str::from_utf8(v).map_err(|_| malformed("text that is not UTF-8")))
            .transpose()
    }

    pub fn int8(&mut self) -> Result<i64, sqlx::Error> {
        Ok(i64::from_be_bytes(self.fixed::<8>("bigint")?))
    }

    pub fn float8(&mut self) -> Result<f64, sqlx::Error> {
        Ok(f64::from_be_bytes(self.fixed::<8>("float8")?))
    }

    fn fixed<const N: usize>(&mut self, kind: &str) -> Result<[u8; N], sqlx::Error> {
        let value = self
            .field()?
            .ok_or_else(|| malformed(&format!("a NULL {kind}")))?;
        value
            .try_into()
            .map_err(|_| malformed(&format!("a {kind} of {} bytes", value.len())))
    }
}

/// Runs `statement`, a `COPY ... TO STDOUT (FORMAT binary)`, handing each row of its answer
/// to `each` as the answer's pieces arrive.
pub async fn read_rows(
    conn: &mut sqlx::PgConnection,
    statement: &str,
    mut each: impl FnMut(Row<'_>) -> Result<(), sqlx::Error>,
) -> Result<(), sqlx::Error> {
    use futures::TryStreamExt;
    let mut decoder = Decoder::default();
    let mut answer = conn.copy_out_raw(statement).await?;
    while let Some(piece) = answer.try_next().await? {
        decoder.feed(&piece, &mut each)?;
    }
    decoder.finish()
}

fn split<const N: usize>(data: &[u8]) -> Option<([u8; N], &[u8])> {
    data.split_first_chunk::<N>()
        .map(|(head, rest)| (*head, rest))
}

/// What a `COPY ... FROM STDIN (FORMAT binary)` starts with.
pub fn header() -> Vec<u8> {
    let mut header = SIGNATURE.to_vec();
    header.extend_from_slice(&0u32.to_be_bytes()); // flags
    header.extend_from_slice(&0u32.to_be_bytes()); // no header extension
    header
}

/// What it ends with, after the last row.
pub fn trailer() -> Vec<u8> {
    (-1i16).to_be_bytes().to_vec()
}

/// Rows for a `COPY ... FROM STDIN (FORMAT binary)`, between its [`header`] and its
/// [`trailer`].
#[derive(Default)]
pub struct Writer {
    buffer: Vec<u8>,
}

impl Writer {
    pub fn row(&mut self, fields: i16) -> &mut Self {
        self.buffer.extend_from_slice(&fields.to_be_bytes());
        self
    }

    pub fn text(&mut self, value: &str) -> &mut Self {
        self.bytes(value.as_bytes())
    }

    pub fn int8(&mut self, value: i64) -> &mut Self {
        self.bytes(&value.to_be_bytes())
    }

    pub fn float8(&mut self, value: f64) -> &mut Self {
        self.bytes(&value.to_be_bytes())
    }

    pub fn boolean(&mut self, value: bool) -> &mut Self {
        self.bytes(&[u8::from(value)])
    }

    fn bytes(&mut self, value: &[u8]) -> &mut Self {
        // Fields here are short (ids, codes): far below COPY's 1 GB field limit.
        self.buffer
            .extend_from_slice(&(value.len() as i32).to_be_bytes());
        self.buffer.extend_from_slice(value);
        self
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.buffer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes `data` handed over in pieces of `piece` bytes: (text, bigint, float8) rows.
    fn decode(data: &[u8], piece: usize) -> Result<Vec<(String, i64, f64)>, sqlx::Error> {
        let mut decoder = Decoder::default();
        let mut rows = Vec::new();
        for chunk in data.chunks(piece.max(1)) {
            decoder.feed(chunk, |mut row| {
                let text = row.text()?.unwrap_or_default().to_owned();
                rows.push((text, row.int8()?, row.float8()?));
                Ok(())
            })?;
        }
        decoder.finish()?;
        Ok(rows)
    }

    fn sample() -> Vec<u8> {
        let mut w = Writer::default();
        w.row(3)
            .text("59350")
            .int8(-42)
            .float8(2.885_123_456_789_012);
        w.row(3).text("Ieper").int8(i64::MAX).float8(-0.0);
        [header(), w.into_bytes(), trailer()].concat()
    }

    #[test]
    fn what_is_written_reads_back_whatever_the_pieces() {
        let data = sample();
        for piece in [1, 2, 3, 7, 19, 20, 21, 64, data.len()] {
            let rows = decode(&data, piece).expect("whole rows");
            assert_eq!(
                rows,
                vec![
                    ("59350".to_owned(), -42, 2.885_123_456_789_012),
                    ("Ieper".to_owned(), i64::MAX, -0.0)
                ],
                "pieces of {piece}"
            );
        }
    }

    #[test]
    fn a_cut_answer_is_an_error_not_a_panic() {
        let data = sample();
        for cut in 0..data.len() {
            assert!(
                decode(&data[..cut], 5).is_err(),
                "cut at {cut} was read as whole"
            );
        }
    }

    #[test]
    fn nulls_and_wrong_widths_are_named() {
        let mut w = Writer::default();
        w.row(1).bytes(&[1, 2, 3]);
        let data = [header(), w.into_bytes(), trailer()].concat();
        let mut decoder = Decoder::default();
        let err = decoder
            .feed(&data, |mut row| row.float8().map(drop))
            .expect_err("three bytes are no float8");
        assert!(err.to_string().contains("float8 of 3 bytes"), "{err}");
    }
}
