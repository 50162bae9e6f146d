//! Bytes in, records out: a streaming reader for connection files.
//!
//! Feed it chunks cut anywhere (inside a quoted field, inside a UTF-8 character, between the `\r`
//! and `\n` of a line end) and it hands out the same records, each with the line it starts on.
//! Before the first record it looks at the start of the file to learn its shape: a UTF-8 BOM, the
//! delimiter (comma, semicolon, tab or pipe), or a Weka ARFF header. Files that are not text at
//! all (an image, a zip, UTF-16) fail here with a message that says what they look like.
//!
//! Tokenizing is csv-core's; this module adds sniffing, line numbers and a bound on record size.

use csv_core::{ReadRecordResult, Terminator};

/// How many bytes the sniffer looks at before deciding (more if the first line is longer).
const SNIFF_BYTES: usize = 64 * 1024;
/// How many lines the sniffer wants to see, when the file has that many.
const SNIFF_LINES: usize = 8;
/// The longest record kept. A longer one is rejected as a whole, so that one endless "line" (a
/// binary blob, a file without line ends) cannot exhaust memory.
pub const MAX_RECORD_BYTES: usize = 16 * 1024 * 1024;
/// The most fields a record keeps (a line of commas must not cost 8 bytes per comma forever).
const MAX_RECORD_FIELDS: usize = 1 << 16;
/// The most blank bytes read at the start of a file while looking for its first line.
const MAX_LEADING_BLANKS: usize = 16 * 1024 * 1024;
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A problem with the file as a whole: nothing in it can be scored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("the file is empty")]
    Empty,
    #[error(
        "the file is {0}, not a text CSV: export the connections as CSV (UTF-8 text, one connection per line)"
    )]
    NotText(&'static str),
    #[error(
        "the file is UTF-16 text ({0}); save it as UTF-8 (in Excel: \"CSV UTF-8 (comma delimited)\")"
    )]
    Utf16(&'static str),
    #[error("the ARFF file has no @data section within its first {0} bytes")]
    ArffWithoutData(usize),
    #[error("the ARFF file declares no @attribute columns before @data")]
    ArffWithoutAttributes,
    #[error("{0}")]
    Layout(String),
}

/// What the sniffer learned about the file's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Dialect {
    pub delimiter: u8,
    pub quote: u8,
    /// Weka ARFF: the header came from `@attribute` lines, rows follow `@data`.
    pub arff: bool,
}

impl Dialect {
    fn tokenizer(&self) -> csv_core::Reader {
        let mut builder = csv_core::ReaderBuilder::new();
        builder
            .delimiter(self.delimiter)
            .quote(self.quote)
            .terminator(Terminator::CRLF);
        if self.arff {
            builder.comment(Some(b'%'));
        }
        builder.build()
    }

    /// A human name for the delimiter, for summaries.
    pub fn delimiter_name(&self) -> &'static str {
        match self.delimiter {
            b',' => "comma",
            b';' => "semicolon",
            b'\t' => "tab",
            b'|' => "pipe",
            _ => "other",
        }
    }
}

/// One record as the tokenizer saw it: unquoted field bytes and where each field ends.
#[derive(Debug, Clone, Copy)]
pub struct RawRecord<'a> {
    /// The line (1-based) the record starts on.
    pub line: u64,
    bytes: &'a [u8],
    ends: &'a [usize],
    /// The record was longer than [`MAX_RECORD_BYTES`]; its fields were dropped.
    pub oversized: bool,
}

impl<'a> RawRecord<'a> {
    /// Builds a record from field bytes and end offsets (as csv-core writes them).
    pub fn new(line: u64, bytes: &'a [u8], ends: &'a [usize]) -> Self {
        RawRecord {
            line,
            bytes,
            ends,
            oversized: false,
        }
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The bytes of field `i`, unquoted. Panics if `i >= len()`.
    pub fn field(&self, i: usize) -> &'a [u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.bytes[start..self.ends[i]]
    }

    /// Field `i` as text, with invalid UTF-8 replaced, or `None` past the last field.
    pub fn text(&self, i: usize) -> Option<std::borrow::Cow<'a, str>> {
        (i < self.len()).then(|| String::from_utf8_lossy(self.field(i)))
    }

    /// All fields' bytes, back to back (no separators).
    pub fn field_bytes(&self) -> &'a [u8] {
        &self.bytes[..self.ends.last().copied().unwrap_or(0)]
    }

    pub fn fields(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        (0..self.len()).map(|i| self.field(i))
    }
}

/// Counts physical lines the way csv-core ends records: `\n`, `\r\n` and a lone `\r` each end
/// one line, even when the `\r\n` pair is split between two chunks.
#[derive(Debug, Default, Clone)]
struct LineCounter {
    ends_seen: u64,
    after_cr: bool,
}

impl LineCounter {
    fn feed(&mut self, bytes: &[u8]) {
        let Some(&last) = bytes.last() else {
            return;
        };
        if memchr::memchr(b'\r', bytes).is_none() {
            // The common case: `\n` line ends only, counted with SIMD.
            let newlines = memchr::memchr_iter(b'\n', bytes).count() as u64;
            let joins_pending_cr = self.after_cr && bytes[0] == b'\n';
            self.ends_seen += newlines - u64::from(joins_pending_cr);
            self.after_cr = false;
            return;
        }
        for &b in bytes {
            match b {
                b'\r' => {
                    self.ends_seen += 1;
                    self.after_cr = true;
                }
                b'\n' => {
                    if !self.after_cr {
                        self.ends_seen += 1;
                    }
                    self.after_cr = false;
                }
                _ => self.after_cr = false,
            }
        }
        debug_assert_eq!(self.after_cr, last == b'\r');
    }
}

fn count_line_ends(bytes: &[u8]) -> u64 {
    if memchr::memchr2(b'\n', b'\r', bytes).is_none() {
        return 0;
    }
    let mut counter = LineCounter::default();
    counter.feed(bytes);
    counter.ends_seen
}

enum State {
    /// Collecting the start of the file until its shape is known.
    Sniffing(Vec<u8>),
    Reading,
    Finished,
}

/// The streaming reader. Push chunks with [`RecordReader::push`], then call
/// [`RecordReader::finish`]; each complete record is handed to the callback as it is found.
pub struct RecordReader {
    state: State,
    dialect: Dialect,
    csv: csv_core::Reader,
    lines: LineCounter,
    /// Line ends consumed before the current record started producing fields.
    fields: Vec<u8>,
    fields_len: usize,
    ends: Vec<usize>,
    ends_len: usize,
    oversized: bool,
    /// Whether csv-core has read anything yet (see `tokenize`).
    primed: bool,
    /// ARFF: the header built from `@attribute` lines, handed out as the first record.
    arff_header: Option<(u64, Vec<u8>, Vec<usize>)>,
}

impl Default for RecordReader {
    fn default() -> Self {
        Self::new()
    }
}

impl RecordReader {
    pub fn new() -> Self {
        RecordReader {
            state: State::Sniffing(Vec::new()),
            dialect: Dialect {
                delimiter: b',',
                quote: b'"',
                arff: false,
            },
            csv: csv_core::Reader::new(),
            lines: LineCounter::default(),
            fields: vec![0; 4096],
            fields_len: 0,
            ends: vec![0; 64],
            ends_len: 0,
            oversized: false,
            primed: false,
            arff_header: None,
        }
    }

    /// A reader for a later part of a file whose shape is already known, starting at a line
    /// start; its line numbers count from that line (1).
    pub fn with_dialect(dialect: Dialect) -> Self {
        RecordReader {
            state: State::Reading,
            dialect,
            csv: dialect.tokenizer(),
            ..RecordReader::new()
        }
    }

    /// Line ends consumed so far.
    pub fn line_ends(&self) -> u64 {
        self.lines.ends_seen
    }

    /// The file's shape, once the first record has been handed out.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Feeds the next chunk of the file. Records completed by it go to `on_record`; an error it
    /// returns stops reading and is passed back.
    pub fn push<E: From<FileError>>(
        &mut self,
        chunk: &[u8],
        on_record: &mut impl FnMut(RawRecord<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        if chunk.is_empty() {
            // Only `finish` ends the file: an empty chunk (a read that returned nothing) is not
            // the end of a record.
            return Ok(());
        }
        match &mut self.state {
            State::Sniffing(buffer) => {
                buffer.extend_from_slice(chunk);
                let Some(prefix) = sniff_prefix(buffer, false)? else {
                    return Ok(());
                };
                let buffer = std::mem::take(buffer);
                self.start(&buffer, prefix, on_record)
            }
            State::Reading => self.tokenize(chunk, on_record),
            State::Finished => Ok(()),
        }
    }

    /// Signals the end of the file: the last record (one without a line end) is handed out.
    pub fn finish<E: From<FileError>>(
        &mut self,
        on_record: &mut impl FnMut(RawRecord<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        if let State::Sniffing(buffer) = &mut self.state {
            let buffer = std::mem::take(buffer);
            let prefix = sniff_prefix(&buffer, true)?.unwrap_or(buffer.len());
            self.start(&buffer, prefix, on_record)?;
        }
        if matches!(self.state, State::Reading) {
            self.tokenize(&[], on_record)?;
        }
        self.state = State::Finished;
        Ok(())
    }

    /// Decides the dialect from the first `prefix` bytes of the buffered start of the file
    /// (see [`sniff_prefix`]: the decision depends on the file only, never on how it was cut
    /// into chunks), then reads the whole buffer.
    fn start<E: From<FileError>>(
        &mut self,
        buffer: &[u8],
        prefix: usize,
        on_record: &mut impl FnMut(RawRecord<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        check_text(&buffer[..prefix])?;
        let bom = if buffer.starts_with(BOM) {
            BOM.len()
        } else {
            0
        };
        let text = &buffer[bom..];
        let head = &buffer[bom..prefix.max(bom)];
        let body = if is_arff(head) {
            let arff = parse_arff_header(head)?;
            self.dialect = Dialect {
                delimiter: b',',
                quote: b'\'',
                arff: true,
            };
            self.lines.ends_seen = arff.lines_before_data;
            // The `@data` line may end in a `\r` whose `\n` has not arrived yet.
            self.lines.after_cr = head[..arff.data_offset].ends_with(b"\r");
            self.arff_header = Some((arff.lines_before_data, arff.names, arff.ends));
            &text[arff.data_offset..]
        } else {
            self.dialect = Dialect {
                delimiter: sniff_delimiter(head),
                quote: b'"',
                arff: false,
            };
            text
        };
        self.csv = self.dialect.tokenizer();
        self.state = State::Reading;
        if let Some((line, names, ends)) = self.arff_header.take() {
            on_record(RawRecord::new(line, &names, &ends))?;
        }
        if body.is_empty() {
            return Ok(());
        }
        self.tokenize(body, on_record)
    }

    /// Runs csv-core over `input`; an empty `input` ends the file.
    fn tokenize<E: From<FileError>>(
        &mut self,
        mut input: &[u8],
        on_record: &mut impl FnMut(RawRecord<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        loop {
            // csv-core drops a UTF-8 BOM from the first bytes it reads. The sniffer already took
            // the file's own BOM, and a later part of a file (see `with_dialect`) must read a
            // BOM in the middle of the file as one scorer does: as data. Feeding one byte first
            // switches csv-core's stripping off.
            let first_read = !self.primed && input.starts_with(BOM);
            self.primed |= !input.is_empty();
            let limit = if first_read { 1 } else { input.len() };
            let (result, nin, nout, nend) = self.csv.read_record(
                &input[..limit],
                &mut self.fields[self.fields_len..],
                &mut self.ends[self.ends_len..],
            );
            let consumed = &input[..nin];
            input = &input[nin..];
            self.lines.feed(consumed);
            self.fields_len += nout;
            self.ends_len += nend;
            match result {
                ReadRecordResult::InputEmpty => {
                    if input.is_empty() {
                        return Ok(());
                    }
                }
                ReadRecordResult::OutputFull => self.grow_fields(),
                ReadRecordResult::OutputEndsFull => self.grow_ends(),
                ReadRecordResult::Record => {
                    let ended_by_line_end = matches!(consumed.last(), Some(b'\n' | b'\r'));
                    let last_line = if ended_by_line_end {
                        self.lines.ends_seen
                    } else {
                        self.lines.ends_seen + 1
                    };
                    let bytes = &self.fields[..self.fields_len];
                    let line = last_line - count_line_ends(bytes);
                    let mut record = if self.oversized {
                        // Its fields were dropped: hand it out empty, flagged.
                        RawRecord::new(line, &[], &[])
                    } else {
                        RawRecord::new(line, bytes, &self.ends[..self.ends_len])
                    };
                    record.oversized = self.oversized;
                    let outcome = on_record(record);
                    self.fields_len = 0;
                    self.ends_len = 0;
                    self.oversized = false;
                    outcome?;
                }
                ReadRecordResult::End => return Ok(()),
            }
        }
    }

    /// Makes room for more fields, or drops the record once it has more than any row could.
    fn grow_ends(&mut self) {
        if self.ends.len() >= MAX_RECORD_FIELDS {
            self.oversized = true;
            self.fields_len = 0;
            self.ends_len = 0;
        } else {
            let len = self.ends.len();
            self.ends.resize(len * 2, 0);
        }
    }

    /// Makes room for a longer field, or drops the record's bytes once it passes the size bound
    /// (the record is then reported as oversized, not silently lost).
    fn grow_fields(&mut self) {
        if self.fields.len() >= MAX_RECORD_BYTES {
            self.oversized = true;
            self.fields_len = 0;
            self.ends_len = 0;
        } else {
            let len = self.fields.len();
            self.fields.resize((len * 2).min(MAX_RECORD_BYTES), 0);
        }
    }
}

/// How much of the file's start decides its shape, once `buffer` holds it: from the first byte
/// that is not blank, up to the end of the 8th non-blank line or 64 KB further, whichever comes
/// first; for ARFF, up to its `@data` line. The result depends on the file only, not on how much
/// of it has arrived, so every way of cutting a file into chunks decides alike. `None` while
/// more of the file is needed.
fn sniff_prefix(buffer: &[u8], at_end: bool) -> Result<Option<usize>, FileError> {
    let bom = if buffer.starts_with(BOM) {
        BOM.len()
    } else {
        0
    };
    let Some(start) = buffer[bom..].iter().position(|b| !b.is_ascii_whitespace()) else {
        if !at_end && buffer.len() <= MAX_LEADING_BLANKS {
            return Ok(None);
        }
        return Ok(Some(buffer.len()));
    };
    let start = bom + start;
    let limit = buffer.len().min(start + SNIFF_BYTES);
    let mut end = None;
    let mut lines = 0;
    let mut pos = start;
    while let Some(i) = memchr::memchr2(b'\n', b'\r', &buffer[pos..limit]) {
        if !buffer[pos..pos + i].trim_ascii().is_empty() {
            lines += 1;
            if lines == SNIFF_LINES {
                end = Some(pos + i + 1);
                break;
            }
        }
        pos += i + 1;
    }
    let end = match end {
        Some(end) => end,
        None if buffer.len() >= start + SNIFF_BYTES => start + SNIFF_BYTES,
        None if at_end => buffer.len(),
        None => return Ok(None),
    };
    if !is_arff(&buffer[bom..end]) {
        return Ok(Some(end));
    }
    match find_arff_data(&buffer[bom..], at_end) {
        Some((data, _)) => Ok(Some(bom + data)),
        None if at_end || buffer.len() > 16 * SNIFF_BYTES => Err(FileError::ArffWithoutData(
            buffer.len().min(16 * SNIFF_BYTES),
        )),
        None => Ok(None),
    }
}

/// Rejects what is not UTF-8-ish text (looking at the start of the file).
fn check_text(buffer: &[u8]) -> Result<(), FileError> {
    if buffer.starts_with(b"\xFF\xFE") {
        return Err(FileError::Utf16("little-endian"));
    }
    if buffer.starts_with(b"\xFE\xFF") {
        return Err(FileError::Utf16("big-endian"));
    }
    let text = buffer.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(buffer);
    if text.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(FileError::Empty);
    }
    const MAGIC: [(&[u8], &str); 8] = [
        (b"\x89PNG", "a PNG image"),
        (b"\xFF\xD8\xFF", "a JPEG image"),
        (b"GIF8", "a GIF image"),
        (b"PK\x03\x04", "a ZIP archive (an .xlsx workbook is one)"),
        (b"\x1F\x8B", "a gzip archive"),
        (b"%PDF", "a PDF document"),
        (b"\xD0\xCF\x11\xE0", "an old Excel or Word document"),
        (b"\xD4\xC3\xB2\xA1", "a pcap capture"),
    ];
    if let Some((_, what)) = MAGIC.iter().find(|(magic, _)| text.starts_with(magic)) {
        return Err(FileError::NotText(what));
    }
    let head = &text[..text.len().min(4096)];
    // UTF-16 without a BOM: every other byte of ASCII text is zero.
    let zeros = head.iter().filter(|&&b| b == 0).count();
    if zeros * 4 > head.len() && head.len() >= 4 {
        let even_zeros = head.iter().step_by(2).filter(|&&b| b == 0).count();
        return Err(if even_zeros * 2 > zeros {
            FileError::Utf16("big-endian, without a byte order mark")
        } else {
            FileError::Utf16("little-endian, without a byte order mark")
        });
    }
    let control = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C))
        .count();
    if zeros > 0 || control * 20 > head.len() {
        return Err(FileError::NotText("binary data"));
    }
    Ok(())
}

/// Picks the delimiter that splits the first lines most consistently.
fn sniff_delimiter(text: &[u8]) -> u8 {
    const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];
    let lines: Vec<&[u8]> = text
        .split(|&b| b == b'\n' || b == b'\r')
        .filter(|line| !line.iter().all(u8::is_ascii_whitespace))
        .take(SNIFF_LINES)
        .collect();
    // A complete line is needed for consistency; the last one may be cut short.
    let complete = if lines.len() > 1 {
        &lines[..lines.len() - 1]
    } else {
        &lines[..]
    };
    let mut best = (b',', 0usize);
    for delimiter in CANDIDATES {
        let counts: Vec<usize> = complete
            .iter()
            .map(|line| count_unquoted(line, delimiter))
            .collect();
        let Some(&first) = counts.first() else {
            continue;
        };
        let consistent = counts.iter().all(|&c| c == first);
        let score = if consistent { first * 2 } else { first };
        if first > 0 && score > best.1 {
            best = (delimiter, score);
        }
    }
    best.0
}

fn count_unquoted(line: &[u8], delimiter: u8) -> usize {
    let mut quoted = false;
    let mut count = 0;
    for &b in line {
        if b == b'"' {
            quoted = !quoted;
        } else if b == delimiter && !quoted {
            count += 1;
        }
    }
    count
}

fn is_arff(text: &[u8]) -> bool {
    for line in text.split(|&b| b == b'\n' || b == b'\r') {
        let line = line.trim_ascii();
        if line.is_empty() || line.starts_with(b"%") {
            continue;
        }
        return line.first() == Some(&b'@');
    }
    false
}

/// Byte offset just past the `@data` line, and the number of line ends up to its end. Unless
/// `at_end`, a `@data` line counts only once its line end has arrived.
fn find_arff_data(text: &[u8], at_end: bool) -> Option<(usize, u64)> {
    let mut offset = 0;
    let mut line_ends = 0u64;
    while offset < text.len() {
        let rest = &text[offset..];
        let len = rest
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
            .unwrap_or(rest.len());
        let line = rest[..len].trim_ascii();
        let mut next = offset + len;
        if next < text.len() {
            line_ends += 1;
            next += if text[next] == b'\r' && text.get(next + 1) == Some(&b'\n') {
                2
            } else {
                1
            };
        } else if !at_end || !line.eq_ignore_ascii_case(b"@data") {
            return None;
        }
        if line.eq_ignore_ascii_case(b"@data") {
            return Some((next, line_ends));
        }
        offset = next;
    }
    None
}

struct ArffHeader {
    names: Vec<u8>,
    ends: Vec<usize>,
    data_offset: usize,
    lines_before_data: u64,
}

/// Reads `@attribute NAME TYPE` lines up to `@data`.
fn parse_arff_header(text: &[u8]) -> Result<ArffHeader, FileError> {
    let Some((data_offset, lines_before_data)) = find_arff_data(text, true) else {
        return Err(FileError::ArffWithoutData(text.len()));
    };
    let mut names = Vec::new();
    let mut ends = Vec::new();
    for line in text[..data_offset].split(|&b| b == b'\n' || b == b'\r') {
        let line = line.trim_ascii();
        let Some(rest) = strip_prefix_ignore_case(line, b"@attribute") else {
            continue;
        };
        let rest = rest.trim_ascii_start();
        let name = match rest.first() {
            Some(&q @ (b'\'' | b'"')) => {
                let inner = &rest[1..];
                let close = inner.iter().position(|&b| b == q).unwrap_or(inner.len());
                &inner[..close]
            }
            _ => {
                let len = rest
                    .iter()
                    .position(|b| b.is_ascii_whitespace())
                    .unwrap_or(rest.len());
                &rest[..len]
            }
        };
        names.extend_from_slice(name);
        ends.push(names.len());
    }
    if ends.is_empty() {
        return Err(FileError::ArffWithoutAttributes);
    }
    Ok(ArffHeader {
        names,
        ends,
        data_offset,
        lines_before_data,
    })
}

fn strip_prefix_ignore_case<'a>(line: &'a [u8], prefix: &[u8]) -> Option<&'a [u8]> {
    (line.len() >= prefix.len() && line[..prefix.len()].eq_ignore_ascii_case(prefix))
        .then(|| &line[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `input` cut into chunks of `chunk` bytes; returns (line, fields) per record.
    fn read(input: &[u8], chunk: usize) -> Result<Vec<(u64, Vec<String>)>, FileError> {
        let mut reader = RecordReader::new();
        let mut out = Vec::new();
        let mut collect = |r: RawRecord<'_>| -> Result<(), FileError> {
            let fields = r
                .fields()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect();
            out.push((r.line, fields));
            Ok(())
        };
        for piece in input.chunks(chunk.max(1)) {
            reader.push(piece, &mut collect)?;
        }
        reader.finish(&mut collect)?;
        Ok(out)
    }

    #[test]
    fn line_numbers_follow_every_line_end_style() {
        for text in [
            "a,b\n1,2\n\n3,4\n",
            "a,b\r\n1,2\r\n\r\n3,4",
            "a,b\r1,2\r\r3,4\r",
        ] {
            for chunk in [1, 2, 3, 1000] {
                let records = read(text.as_bytes(), chunk).unwrap();
                let lines: Vec<u64> = records.iter().map(|r| r.0).collect();
                assert_eq!(lines, vec![1, 2, 4], "{text:?} in chunks of {chunk}");
                assert_eq!(records[2].1, vec!["3", "4"]);
            }
        }
    }

    #[test]
    fn a_quoted_line_end_stays_in_its_field_and_lines_count_from_the_record_start() {
        let text = "a,b\n\"x\ny\",2\n3,4\n";
        let records = read(text.as_bytes(), 1).unwrap();
        assert_eq!(records[1], (2, vec!["x\ny".to_string(), "2".to_string()]));
        assert_eq!(records[2].0, 4);
    }

    #[test]
    fn delimiters_are_sniffed() {
        assert_eq!(sniff_delimiter(b"a;b;c\n1;2,5;3\n"), b';');
        assert_eq!(sniff_delimiter(b"a\tb\tc\n1\t2\t3\n"), b'\t');
        assert_eq!(sniff_delimiter(b"a,b,c\n1,2,3\n"), b',');
        assert_eq!(sniff_delimiter(b"\"a;x\",b\n1,2\n"), b',');
    }

    #[test]
    fn bom_is_stripped_and_non_text_is_named() {
        let records = read(b"\xEF\xBB\xBFa,b\n1,2\n", 1).unwrap();
        assert_eq!(records[0].1, vec!["a", "b"]);
        assert_eq!(read(b"", 10), Err(FileError::Empty));
        assert_eq!(read(b"\n\r\n  ", 10), Err(FileError::Empty));
        assert!(matches!(
            read(b"\xFF\xFEa\0,\0b\0", 10),
            Err(FileError::Utf16(_))
        ));
        assert!(matches!(
            read(b"PK\x03\x04\x14\0\0\0", 10),
            Err(FileError::NotText(_))
        ));
        assert!(matches!(
            read(b"\x00\x01\x02\x03\x04\x05", 10),
            Err(FileError::NotText(_))
        ));
    }

    #[test]
    fn arff_attributes_become_the_header() {
        let text = "% comment\n@relation 'KDD'\n@attribute 'duration' real\n@attribute protocol_type {'tcp','udp'}\n@data\n0,tcp\n% note\n1,udp\n";
        let records = read(text.as_bytes(), 3).unwrap();
        assert_eq!(records[0].1, vec!["duration", "protocol_type"]);
        assert_eq!(records[1], (6, vec!["0".to_string(), "tcp".to_string()]));
        assert_eq!(records[2].0, 8);
    }

    #[test]
    fn an_endless_record_is_reported_not_kept() {
        let mut text = b"a,b\n".to_vec();
        text.extend(std::iter::repeat_n(b'x', MAX_RECORD_BYTES + 10));
        text.extend_from_slice(b"\n1,2\n");
        let mut reader = RecordReader::new();
        let mut seen = Vec::new();
        let mut collect = |r: RawRecord<'_>| -> Result<(), FileError> {
            seen.push((r.line, r.oversized, r.len()));
            Ok(())
        };
        for piece in text.chunks(1 << 20) {
            reader.push(piece, &mut collect).unwrap();
        }
        reader.finish(&mut collect).unwrap();
        assert_eq!(seen.len(), 3);
        assert!(seen[1].1, "the long record is flagged");
        assert_eq!(seen[2], (3, false, 2));
    }
}
