//! The one CSV dialect of sendgate: every reader of a customers file (the audience check, the
//! dashboard's triage of a failures CSV, the package's `readCsv`) goes through [`CsvReader`].
//!
//! RFC 4180 with what real exports do: quoted fields with doubled quotes, separators and line
//! breaks inside quotes, CRLF or LF (a lone CR ends a record too), blank lines skipped, a UTF-8
//! byte order mark dropped. A quote opens a quoted field only at the field's start, after
//! optional spaces or tabs (so `+52 55, "Doe, Jane"` is two fields, `+52 55` and `Doe, Jane`);
//! anywhere else it is an ordinary character. Text after a closing quote is kept
//! (`"a"b` → `ab`). A quote that is never closed makes the rest of the input one malformed
//! record, reported on the line it starts.
//!
//! The reader is incremental: it takes the input in chunks of bytes split anywhere (inside a
//! quoted field, a CRLF or a UTF-8 sequence) and keeps its state between them, so a file of any
//! size is read in constant memory apart from the record being read. Invalid UTF-8 becomes
//! U+FFFD.

/// Longest record kept: a record past this is reported as malformed instead of buffered
/// whole (an unclosed quote near the top of a large file would otherwise hold the whole file).
pub const MAX_RECORD_BYTES: usize = 1 << 20;

const UNCLOSED_QUOTE: &str = "a quoted field is never closed";

/// One record as the reader hands it out: borrowed from the reader's buffer, valid until the
/// next record.
pub struct Record<'a> {
    /// 1-based physical line the record starts on.
    pub line: usize,
    text: &'a str,
    ends: &'a [usize],
}

impl<'a> Record<'a> {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Field `i`, as read (untrimmed).
    pub fn get(&self, i: usize) -> Option<&'a str> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some(&self.text[start..end])
    }

    pub fn fields(&self) -> impl Iterator<Item = &'a str> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }

    pub fn to_vec(&self) -> Vec<String> {
        self.fields().map(str::to_string).collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between records: blank lines and line ends are skipped.
    BetweenRecords,
    /// At the start of a field, or in its leading spaces/tabs (a quote may still open it).
    FieldStart,
    /// In an unquoted field, or in the text after a closing quote.
    Unquoted,
    Quoted,
    /// In a quoted field, just after a quote: a second quote is a literal one, anything else
    /// closes the field.
    QuoteInQuoted,
    /// A record ended on a CR: a following LF belongs to it.
    AfterCr,
}

/// The incremental reader. Feed bytes with [`CsvReader::push`], then call
/// [`CsvReader::finish`]; each record goes to the callback, in order, with the line it starts
/// on, as fields or as the reason it cannot be read.
pub struct CsvReader {
    state: State,
    /// The current record's text so far (fields back to back; `ends` splits them).
    buf: Vec<u8>,
    ends: Vec<usize>,
    /// Where the current field starts in `buf`.
    field_start: usize,
    /// Physical line the reader is on, and the line the current record started on.
    line: usize,
    record_line: usize,
    /// Bytes of the current record seen (kept or not).
    record_bytes: usize,
    overlong: bool,
    /// The current record is not kept (the callback said so after the previous one).
    skipping: bool,
    /// Bytes of a possible byte order mark at the very start seen so far (0..=3), or `None`
    /// once past it.
    bom: Option<u8>,
}

impl Default for CsvReader {
    fn default() -> Self {
        Self::new()
    }
}

/// What the callback receives for each record, in order.
pub enum Item<'r, 'a> {
    Record(&'r Record<'a>),
    /// A record that cannot be read: the line it starts on, and why.
    Malformed(usize, String),
    /// A record the callback asked to skip: only its place in the sequence is known.
    Skipped,
}

/// The callback: takes each record and answers whether to read the next one (`false`: it is
/// only counted, as [`Item::Skipped`], which costs a scan for quotes and line ends).
pub type Emit<'e> = dyn FnMut(Item) -> bool + 'e;

impl CsvReader {
    pub fn new() -> Self {
        CsvReader {
            state: State::BetweenRecords,
            buf: Vec::new(),
            ends: Vec::new(),
            field_start: 0,
            line: 1,
            record_line: 1,
            record_bytes: 0,
            overlong: false,
            skipping: false,
            bom: Some(0),
        }
    }

    /// Reads `chunk`, the next bytes of the input (split anywhere).
    pub fn push(&mut self, mut chunk: &[u8], emit: &mut Emit) {
        if let Some(seen) = self.bom {
            const BOM: &[u8] = b"\xEF\xBB\xBF";
            let mut seen = seen as usize;
            while seen < 3 && !chunk.is_empty() && chunk[0] == BOM[seen] {
                chunk = &chunk[1..];
                seen += 1;
            }
            if seen == 3 || !chunk.is_empty() {
                // A partial BOM followed by something else was text after all.
                if seen < 3 && seen > 0 {
                    self.bom = None;
                    let partial = &BOM[..seen];
                    self.read(partial, emit);
                } else {
                    self.bom = None;
                }
            } else {
                self.bom = Some(seen as u8);
                return;
            }
        }
        self.read(chunk, emit);
    }

    /// Ends the input: the last record (if any) goes to the callback.
    pub fn finish(&mut self, emit: &mut Emit) {
        if let Some(seen @ 1..=2) = self.bom {
            self.bom = None;
            let partial: &[u8] = &b"\xEF\xBB\xBF"[..seen as usize];
            self.read(partial, emit);
        }
        match self.state {
            State::BetweenRecords | State::AfterCr => {}
            State::Quoted => {
                let skipped = self.skipping;
                self.reset_record();
                self.skipping = !emit(if skipped {
                    Item::Skipped
                } else {
                    Item::Malformed(self.record_line, UNCLOSED_QUOTE.to_string())
                });
            }
            State::FieldStart | State::Unquoted | State::QuoteInQuoted => self.end_record(emit),
        }
        self.state = State::BetweenRecords;
    }

    fn read(&mut self, bytes: &[u8], emit: &mut Emit) {
        let mut i = 0;
        let n = bytes.len();
        while i < n {
            match self.state {
                State::AfterCr => {
                    self.state = State::BetweenRecords;
                    if bytes[i] == b'\n' {
                        self.line += 1;
                        i += 1;
                    }
                }
                State::BetweenRecords => {
                    match bytes[i] {
                        b'\n' => self.line += 1,
                        b'\r' => {}
                        _ => {
                            self.record_line = self.line;
                            self.state = State::FieldStart;
                            continue;
                        }
                    }
                    i += 1;
                }
                State::FieldStart => {
                    let b = bytes[i];
                    match b {
                        b'"' => {
                            // Leading spaces before the quote are not part of the field.
                            self.buf.truncate(self.field_start);
                            self.state = State::Quoted;
                            self.count(1);
                            i += 1;
                        }
                        b' ' | b'\t' => {
                            self.keep(&bytes[i..i + 1]);
                            i += 1;
                        }
                        _ => self.state = State::Unquoted,
                    }
                }
                State::Unquoted => {
                    // The run of ordinary bytes up to the next separator or line end.
                    let run = bytes[i..]
                        .iter()
                        .position(|&b| matches!(b, b',' | b'\n' | b'\r'))
                        .unwrap_or(n - i);
                    self.keep(&bytes[i..i + run]);
                    i += run;
                    if i == n {
                        break;
                    }
                    i += 1;
                    match bytes[i - 1] {
                        b',' => {
                            self.count(1);
                            self.end_field();
                            self.state = State::FieldStart;
                        }
                        b'\n' => {
                            self.end_record(emit);
                            self.line += 1;
                            self.state = State::BetweenRecords;
                        }
                        _ => {
                            self.end_record(emit);
                            self.state = State::AfterCr;
                        }
                    }
                }
                State::Quoted => {
                    let run = bytes[i..].iter().position(|&b| b == b'"').unwrap_or(n - i);
                    let text = &bytes[i..i + run];
                    self.line += text.iter().filter(|&&b| b == b'\n').count();
                    self.keep(text);
                    i += run;
                    if i < n {
                        self.count(1);
                        self.state = State::QuoteInQuoted;
                        i += 1;
                    }
                }
                State::QuoteInQuoted => {
                    if bytes[i] == b'"' {
                        self.keep(b"\"");
                        self.state = State::Quoted;
                        i += 1;
                    } else {
                        self.state = State::Unquoted;
                    }
                }
            }
        }
    }

    /// Appends field text, unless the record is skipped or past [`MAX_RECORD_BYTES`].
    fn keep(&mut self, text: &[u8]) {
        if self.skipping {
            return;
        }
        self.count(text.len());
        if !self.overlong {
            self.buf.extend_from_slice(text);
        }
    }

    fn count(&mut self, n: usize) {
        if self.skipping {
            return;
        }
        self.record_bytes += n;
        if self.record_bytes > MAX_RECORD_BYTES && !self.overlong {
            self.overlong = true;
            self.buf.clear();
            self.ends.clear();
            self.field_start = 0;
        }
    }

    fn end_field(&mut self) {
        if self.overlong || self.skipping {
            return;
        }
        self.ends.push(self.buf.len());
        self.field_start = self.buf.len();
    }

    /// Invalid UTF-8 in the record becomes U+FFFD, field by field. Structure bytes are ASCII, so
    /// a field never splits a UTF-8 sequence and each can be converted alone.
    fn repair_utf8(&mut self) {
        let (mut buf, mut ends) = (Vec::with_capacity(self.buf.len()), Vec::new());
        let mut start = 0;
        for &end in &self.ends {
            buf.extend_from_slice(String::from_utf8_lossy(&self.buf[start..end]).as_bytes());
            ends.push(buf.len());
            start = end;
        }
        (self.buf, self.ends) = (buf, ends);
    }

    fn end_record(&mut self, emit: &mut Emit) {
        self.end_field();
        let keep_next = if self.skipping {
            emit(Item::Skipped)
        } else if self.overlong {
            let bytes = self.record_bytes;
            emit(Item::Malformed(
                self.record_line,
                format!(
                    "the record is {bytes} bytes long; the limit is {MAX_RECORD_BYTES} (a quote left open?)"
                ),
            ))
        } else {
            // One check for the whole record: almost every record is valid.
            if std::str::from_utf8(&self.buf).is_err() {
                self.repair_utf8();
            }
            // SAFETY: checked just above, or made valid field by field by `repair_utf8`.
            let text = unsafe { std::str::from_utf8_unchecked(&self.buf) };
            let record = Record {
                line: self.record_line,
                text,
                ends: &self.ends,
            };
            emit(Item::Record(&record))
        };
        self.reset_record();
        self.skipping = !keep_next;
    }

    fn reset_record(&mut self) {
        self.buf.clear();
        self.ends.clear();
        self.field_start = 0;
        self.record_bytes = 0;
        self.overlong = false;
    }
}

/// A record read whole: its line and fields, or its line and why it cannot be read.
pub type OwnedRecord = (usize, Result<Vec<String>, String>);

fn owned(item: Item) -> Option<OwnedRecord> {
    match item {
        Item::Record(r) => Some((r.line, Ok(r.to_vec()))),
        Item::Malformed(line, e) => Some((line, Err(e))),
        Item::Skipped => None,
    }
}

/// Every record of `text` (what `readCsv` returns).
pub fn read_all(text: &str) -> Vec<OwnedRecord> {
    let mut out = Vec::new();
    let mut reader = CsvReader::new();
    let mut emit = |item: Item| {
        out.extend(owned(item));
        true
    };
    reader.push(text.as_bytes(), &mut emit);
    reader.finish(&mut emit);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str) -> Vec<OwnedRecord> {
        read_all(text)
    }

    fn ok(line: usize, fields: &[&str]) -> OwnedRecord {
        (line, Ok(fields.iter().map(|s| s.to_string()).collect()))
    }

    /// The same records whatever the chunking: every split point of the text, and one byte at
    /// a time.
    fn chunked(text: &[u8], sizes: impl Iterator<Item = usize>) -> Vec<OwnedRecord> {
        let mut out = Vec::new();
        let mut reader = CsvReader::new();
        let mut emit = |item: Item| {
            out.extend(owned(item));
            true
        };
        let mut rest = text;
        for size in sizes {
            let (a, b) = rest.split_at(size.min(rest.len()));
            reader.push(a, &mut emit);
            rest = b;
        }
        reader.push(rest, &mut emit);
        reader.finish(&mut emit);
        out
    }

    #[test]
    fn quotes_newlines_and_crlf() {
        let r = rows("a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\r\n\"multi\nline\",z\n\nlast,1");
        assert_eq!(
            r,
            vec![
                ok(1, &["a", "b"]),
                ok(2, &["x, y", "say \"hi\""]),
                ok(3, &["multi\nline", "z"]),
                ok(6, &["last", "1"]),
            ]
        );
        let broken = rows("a\n\"open,1\n2");
        assert_eq!(broken.len(), 2);
        assert_eq!(broken[1], (2, Err(UNCLOSED_QUOTE.to_string())));
    }

    #[test]
    fn a_quote_opens_a_field_only_at_its_start() {
        // The case: two fields, the space before the quote dropped.
        assert_eq!(
            rows("+52 55, \"Doe, Jane\""),
            vec![ok(1, &["+52 55", "Doe, Jane"])]
        );
        assert_eq!(
            rows("ab\"c,\"d\"e, x\n"),
            vec![ok(1, &["ab\"c", "de", " x"])]
        );
        assert_eq!(rows("\"\",,\"\"\"\""), vec![ok(1, &["", "", "\""])]);
    }

    #[test]
    fn blank_lines_bom_lone_cr_and_trailing_separator() {
        assert_eq!(
            rows("\u{feff}h1,h2\r\n\r\n\na,\rb,c\r\n"),
            vec![ok(1, &["h1", "h2"]), ok(4, &["a", ""]), ok(4, &["b", "c"])]
        );
        // A BOM anywhere but the start is text.
        assert_eq!(
            rows("x\n\u{feff}y"),
            vec![ok(1, &["x"]), ok(2, &["\u{feff}y"])]
        );
        assert_eq!(rows(""), vec![]);
        assert_eq!(rows("\n\r\n"), vec![]);
    }

    #[test]
    fn invalid_utf8_becomes_replacement_characters() {
        let r = chunked(b"a\xff,\xc3\xa9\n", [2].into_iter());
        assert_eq!(r, vec![ok(1, &["a\u{fffd}", "é"])]);
    }

    #[test]
    fn every_split_gives_the_same_records() {
        let text = "\u{feff}Phone,Note\r\n\"+52 55\",\"multi\r\nline, \"\"q\"\"\"\r\n\r\n'+44 79,é ü\n\"open";
        let whole = rows(text);
        assert_eq!(whole.len(), 4, "{whole:?}");
        let bytes = text.as_bytes();
        for split in 0..=bytes.len() {
            assert_eq!(
                chunked(bytes, [split].into_iter()),
                whole,
                "split at {split}"
            );
        }
        assert_eq!(chunked(bytes, std::iter::repeat_n(1, bytes.len())), whole);
    }

    #[test]
    fn an_overlong_record_is_malformed_and_reading_goes_on() {
        let long = "x".repeat(MAX_RECORD_BYTES + 10);
        let text = format!("h\n\"{long}\"\nnext\n");
        let r = chunked(text.as_bytes(), std::iter::repeat_n(4096, 300));
        assert_eq!(r.len(), 3);
        assert_eq!(r[0], ok(1, &["h"]));
        assert_eq!(r[1].0, 2);
        assert!(r[1].1.as_ref().unwrap_err().contains("limit"), "{:?}", r[1]);
        assert_eq!(r[2], ok(3, &["next"]));
    }

    #[test]
    fn skipped_records_keep_their_place() {
        let text = "h\n1,\"a\nb\"\n2\n\"3, x\"\n4\n\"open\n";
        // Keep every other record: the kept ones are exactly those of a full read.
        let full = rows(text);
        let mut seen = Vec::new();
        let mut n = 0;
        let mut reader = CsvReader::new();
        let mut emit = |item: Item| {
            seen.push(owned(item));
            n += 1;
            n % 2 == 0
        };
        for piece in text.as_bytes().chunks(3) {
            reader.push(piece, &mut emit);
        }
        reader.finish(&mut emit);
        let expected: Vec<Option<OwnedRecord>> = full
            .into_iter()
            .enumerate()
            .map(|(i, r)| (i % 2 == 0).then_some(r))
            .collect();
        assert_eq!(seen, expected);
    }
}
