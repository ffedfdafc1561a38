//! A streaming reader of `;`-separated records, as RFC 4180 describes them with `;` for `,`: a
//! field that begins with `"` is quoted, `""` inside it is one `"`, and it may hold `;` and line
//! breaks; a `"` inside an unquoted field is an ordinary character (labels such as
//! `DIURETIQUES "LOW-CEILING", THIAZIDIQUES` keep their quotes). Lines end with LF or CRLF.
//!
//! Bytes are fed in chunks of any size (a record may straddle two chunks); the separators are
//! ASCII, so the reader works on the raw bytes of a UTF-8 or Windows-1252 file alike.

/// Where a record or a problem is: the 1-based physical line and the 1-based field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pos {
    pub(crate) line: usize,
    pub(crate) field: usize,
}

/// A problem in the quoting of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CsvError {
    pub(crate) at: Pos,
    pub(crate) message: String,
}

/// One record: its fields' bytes and the line it starts on.
pub(crate) struct Record<'a> {
    buf: &'a [u8],
    ends: &'a [usize],
    /// 1-based line where the record starts.
    pub(crate) line: usize,
}

impl<'a> Record<'a> {
    /// Number of fields.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// The bytes of field `i` (0-based), unquoted.
    pub(crate) fn get(&self, i: usize) -> Option<&'a [u8]> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.buf.get(start..end)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of a field.
    FieldStart,
    /// In an unquoted field.
    Unquoted,
    /// In a quoted field.
    Quoted,
    /// A `"` seen in a quoted field: either `""` or the closing quote.
    QuoteInQuoted,
}

/// The streaming tokenizer.
#[derive(Debug)]
pub(crate) struct Tokenizer {
    state: State,
    buf: Vec<u8>,
    ends: Vec<usize>,
    line: usize,
    record_line: usize,
    /// Line and field of the quote that opened the current quoted field.
    quote_open: Pos,
}

impl Tokenizer {
    pub(crate) fn new() -> Self {
        Tokenizer {
            state: State::FieldStart,
            buf: Vec::with_capacity(512),
            ends: Vec::with_capacity(32),
            line: 1,
            record_line: 1,
            quote_open: Pos { line: 1, field: 1 },
        }
    }

    fn end_field(&mut self) {
        self.ends.push(self.buf.len());
    }

    fn end_record<E>(
        &mut self,
        on_record: &mut impl FnMut(Record<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        self.end_field();
        // A blank line (one empty field) is not a record.
        let blank = self.ends.len() == 1 && self.buf.iter().all(|b| b.is_ascii_whitespace());
        let result = if blank {
            Ok(())
        } else {
            on_record(Record {
                buf: &self.buf,
                ends: &self.ends,
                line: self.record_line,
            })
        };
        self.buf.clear();
        self.ends.clear();
        self.state = State::FieldStart;
        self.record_line = self.line;
        result
    }

    /// Feed a chunk; `on_record` is called for every record the chunk completes. Quoting errors
    /// are turned into `E` by `to_err`.
    pub(crate) fn feed<E>(
        &mut self,
        chunk: &[u8],
        on_record: &mut impl FnMut(Record<'_>) -> Result<(), E>,
        to_err: &impl Fn(CsvError) -> E,
    ) -> Result<(), E> {
        for &b in chunk {
            match self.state {
                State::FieldStart | State::Unquoted => match b {
                    b';' => {
                        self.end_field();
                        self.state = State::FieldStart;
                    }
                    b'\n' => {
                        self.line += 1;
                        self.end_record(on_record)?;
                    }
                    b'\r' => {}
                    b'"' if self.state == State::FieldStart => {
                        self.state = State::Quoted;
                        self.quote_open = Pos {
                            line: self.line,
                            field: self.ends.len() + 1,
                        };
                    }
                    _ => {
                        self.buf.push(b);
                        self.state = State::Unquoted;
                    }
                },
                State::Quoted => {
                    if b == b'"' {
                        self.state = State::QuoteInQuoted;
                    } else {
                        if b == b'\n' {
                            self.line += 1;
                        }
                        self.buf.push(b);
                    }
                }
                State::QuoteInQuoted => match b {
                    b'"' => {
                        self.buf.push(b'"');
                        self.state = State::Quoted;
                    }
                    b';' => {
                        self.end_field();
                        self.state = State::FieldStart;
                    }
                    b'\n' => {
                        self.line += 1;
                        self.end_record(on_record)?;
                    }
                    b'\r' => {}
                    other => {
                        let open = self.quote_open;
                        let message = if open.line == self.line {
                            format!(
                                "a quoted value must end at its closing quote, found {:?} after \
                                 it (a lone `\"` in a value must be doubled, or the value quoted)",
                                char::from(other)
                            )
                        } else {
                            format!(
                                "the quote that opens this value is closed on line {} and \
                                 followed by {:?}: a lone `\"` swallowed the line breaks",
                                self.line,
                                char::from(other)
                            )
                        };
                        return Err(to_err(CsvError { at: open, message }));
                    }
                },
            }
        }
        Ok(())
    }

    /// End of input: the last record when the file does not end with a line break; an error when
    /// the file ends inside a quoted value.
    pub(crate) fn finish<E>(
        &mut self,
        on_record: &mut impl FnMut(Record<'_>) -> Result<(), E>,
        to_err: &impl Fn(CsvError) -> E,
    ) -> Result<(), E> {
        match self.state {
            State::Quoted => Err(to_err(CsvError {
                at: self.quote_open,
                message: "the quote that opens this value is never closed: the file ends inside \
                          it (a truncated file, or a lone `\"`)"
                    .into(),
            })),
            State::FieldStart if self.buf.is_empty() && self.ends.is_empty() => Ok(()),
            _ => self.end_record(on_record),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(chunks: &[&[u8]]) -> Result<Vec<(usize, Vec<String>)>, CsvError> {
        let mut t = Tokenizer::new();
        let mut out = vec![];
        let mut on = |r: Record<'_>| -> Result<(), CsvError> {
            let fields = (0..r.len())
                .map(|i| String::from_utf8_lossy(r.get(i).unwrap_or_default()).into_owned())
                .collect();
            out.push((r.line, fields));
            Ok(())
        };
        for c in chunks {
            t.feed(c, &mut on, &|e| e)?;
        }
        t.finish(&mut on, &|e| e)?;
        Ok(out)
    }

    #[test]
    fn quotes_crlf_and_chunks() {
        let text: &[u8] = b"a;b\r\n\"x;\"\"y\"\"\";DIURETIQUES \"LOW-CEILING\", X\r\n\r\n1;\"2\"";
        let whole = records(&[text]).unwrap();
        assert_eq!(
            whole,
            vec![
                (1, vec!["a".into(), "b".into()]),
                (
                    2,
                    vec!["x;\"y\"".into(), "DIURETIQUES \"LOW-CEILING\", X".into()]
                ),
                (4, vec!["1".into(), "2".into()]),
            ]
        );
        // Fed one byte at a time, the same records.
        let bytes: Vec<&[u8]> = text.chunks(1).collect();
        assert_eq!(records(&bytes).unwrap(), whole);
    }

    #[test]
    fn lone_quotes_name_their_line_and_field() {
        let e = records(&[b"a;b\n1;\"2\n3;4\n"]).unwrap_err();
        assert_eq!(e.at, Pos { line: 2, field: 2 });
        assert!(e.message.contains("never closed"), "{}", e.message);
        let e = records(&[b"a;b;c\n1;\"2\"x;3\n"]).unwrap_err();
        assert_eq!(e.at, Pos { line: 2, field: 2 });
        let e = records(&[b"a;b\n\"1;2\n3;4\"5\n"]).unwrap_err();
        assert_eq!(e.at, Pos { line: 2, field: 1 });
        assert!(e.message.contains("line 3"), "{}", e.message);
    }
}
