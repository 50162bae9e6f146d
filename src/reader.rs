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
/// The longest a record whose quoted field holds line ends may be (see [`RecordReader`]).
pub const QUOTED_SPAN_BYTES: usize = 1 << 20;
/// The most blank bytes of one line read at the start of a file (blank *lines* are dropped as
/// they come, however many).
const MAX_LEADING_BLANKS: usize = 16 * 1024 * 1024;
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A problem with the file as a whole: nothing in it can be scored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    /// The file holds nothing but blank space.
    #[error("the file is empty")]
    Empty,
    /// The file is binary, not text; the text says what it looks like (`a PNG image`, ...).
    #[error(
        "the file is {0}, not a text CSV: export the connections as CSV (UTF-8 text, one connection per line)"
    )]
    NotText(&'static str),
    /// The file is in a known format the message advises on (an archive, a packet capture).
    #[error("the file is {what}: {advice}")]
    OtherFormat {
        /// What the file looks like, such as `a RAR archive`.
        what: &'static str,
        /// What to do instead, such as `extract it and open the CSV inside`.
        advice: &'static str,
    },
    /// The file is UTF-16 text; the text says which byte order.
    #[error(
        "the file is UTF-16 text ({0}); save it as UTF-8 (in Excel: \"CSV UTF-8 (comma delimited)\")"
    )]
    Utf16(&'static str),
    /// The file is UTF-32 text; the text says which byte order.
    #[error("the file is UTF-32 text ({0}); save it as UTF-8")]
    Utf32(&'static str),
    /// The file is JSON; the text says its shape (one object per line, or an array).
    #[error("the file is JSON ({0}), not a CSV: export the connections as CSV with a header line")]
    Json(&'static str),
    /// An ARFF header that does not reach `@data` within this many bytes.
    #[error("the ARFF file has no @data section within its first {0} bytes")]
    ArffWithoutData(usize),
    /// An ARFF file that declares no columns before `@data`.
    #[error("the ARFF file declares no @attribute columns before @data")]
    ArffWithoutAttributes,
    /// The file has data rows but every one was rejected.
    #[error("no data row could be scored ({rows} rows, all rejected; line {line}: {reason})")]
    NothingScored {
        /// Data rows read.
        rows: u64,
        /// The line of the first rejected row.
        line: u64,
        /// Why that row was rejected.
        reason: String,
    },
    /// The first line has more fields than any header or row could.
    #[error(
        "the first line has more than 65,536 fields: this does not look like a CSV of connections"
    )]
    FirstLineTooManyFields,
    /// The first line is longer than any header or row could be.
    #[error("the first line is longer than {mb} MB: this does not look like a CSV of connections")]
    FirstLineTooLong {
        /// The bound it passed, in MB.
        mb: usize,
    },
    /// A header that names some of the 41 features but not all.
    #[error("{}", missing_columns(missing, repeats, *columns, unrecognized))]
    MissingColumns {
        /// The features no column names, in NSL-KDD's order.
        missing: Vec<&'static str>,
        /// Columns naming a feature an earlier column names: (the repeat, the first).
        repeats: Vec<(Column, Column)>,
        /// Columns in the header.
        columns: usize,
        /// Columns whose names the reader does not know.
        unrecognized: Vec<Column>,
    },
    #[error(
        "the first line names no known column and has {fields} fields, so it is neither a header \
         (one naming columns such as duration, protocol_type, service, flag, src_bytes) nor a \
         headerless NSL-KDD row (41 features, then optionally the label and the difficulty: 41 \
         to 43 fields); it starts: {start}"
    )]
    /// The first line names no known column and is not a row of 41 to 43 fields either.
    NeitherHeaderNorRow {
        /// Fields on the first line.
        fields: usize,
        /// The first fields, as shown to the user.
        start: String,
    },
    /// A headerless file whose rows do not have 41 to 43 fields.
    #[error("a headerless file has 41 to 43 columns, not {width}")]
    HeaderlessWidth {
        /// Fields on its first row.
        width: usize,
    },
    /// Column names given apart from the data (typed columns: the Python package) that read
    /// like a row of data.
    #[error(
        "the column names ({}) look like a row of data, not names: name the columns (duration, \
         protocol_type, service, flag, src_bytes, ...)",
        names.join(", ")
    )]
    NamesLookLikeData {
        /// The names given.
        names: Vec<String>,
    },
    /// The categorical features hold numbers: the data was label-encoded.
    #[error(
        "protocol_type, service and flag hold numbers ({}) instead of names: {what} was \
         label-encoded, and its codes cannot be mapped back. Use the original {}, whose rows \
         read like `tcp, http, SF`",
        values.join(", "),
        what.rsplit(' ').next().unwrap_or(what)
    )]
    LabelEncoded {
        /// The three categories of the first row, as written.
        values: Vec<String>,
        /// What was encoded: "this file", "the data".
        what: &'static str,
    },
    /// One categorical column holds numbers (typed columns: the Python package).
    #[error(
        "`{column}` holds numbers ({value}) instead of names: the categories were label-encoded, \
         and their codes cannot be mapped back. Use the original data, whose rows read like \
         `tcp, http, SF`"
    )]
    LabelEncodedColumn {
        /// The categorical feature.
        column: &'static str,
        /// The first number found in it.
        value: String,
    },
    /// A Zeek log other than conn.log.
    #[error(
        "the file is Zeek's {log}, not its conn.log: the detector scores connections, so give it \
         conn.log (one line per connection: ts, uid, id.orig_h, id.orig_p, id.resp_h, \
         id.resp_p, proto, ..., conn_state)"
    )]
    NotConnLog {
        /// The log it is (`dns.log`, ...).
        log: String,
    },
    /// A Zeek log whose `#fields` line lacks fields the features need.
    #[error("this Zeek log's #fields line lacks {}: the features need them", missing.join(", "))]
    ZeekFieldsMissing {
        /// The fields it lacks.
        missing: Vec<&'static str>,
    },
    /// A Zeek TSV log without a `#fields` line.
    #[error("this Zeek log has no #fields line: its columns cannot be read by name")]
    ZeekWithoutFields,
    /// A Zeek TSV log with a row before its `#fields` line.
    #[error(
        "this Zeek log has no #fields line before its first row: its columns cannot be read by name"
    )]
    ZeekRowBeforeFields,
    /// A Zeek JSON log whose first line is not a JSON object.
    #[error("the first line of this Zeek JSON log is not a JSON object")]
    ZeekJsonNotObject,
}

/// A column of the header: its name as shown (escaped) and its position, counted from 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The name, as the message shows it.
    pub name: String,
    /// The column's position, counted from 1.
    pub position: usize,
}

impl std::fmt::Display for Column {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}` (column {})", self.name, self.position)
    }
}

/// The message of [`FileError::MissingColumns`].
fn missing_columns(
    missing: &[&str],
    repeats: &[(Column, Column)],
    columns: usize,
    unrecognized: &[Column],
) -> String {
    let repeats: String = repeats
        .iter()
        .map(|(repeat, first)| format!("; {repeat} repeats {first}"))
        .collect();
    let verb = if missing.len() == 1 { "is" } else { "are" };
    let found = if unrecognized.is_empty() {
        format!("the header has {columns} columns")
    } else {
        let names: Vec<String> = unrecognized.iter().map(Column::to_string).collect();
        format!(
            "columns not recognized ({} of {columns}): {}",
            names.len(),
            names.join(", ")
        )
    };
    format!(
        "{} of the 41 feature columns {verb} missing: {}{repeats}; {found}",
        missing.len(),
        missing.join(", ")
    )
}

/// What the sniffer learned about the file's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Dialect {
    /// The byte between fields: `,`, `;`, tab or `|`.
    pub delimiter: u8,
    /// The byte that quotes a field: `"`, or `'` in an ARFF file.
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
    /// The record was longer than [`MAX_RECORD_BYTES`] (or had more than 65,536 fields); its
    /// fields were dropped.
    pub oversized: bool,
    /// Why it was oversized: too many fields rather than too many bytes.
    pub too_many_fields: bool,
    /// A quote opened a field that was not closed on the record's line, and reading it across
    /// line ends broke the row (see [`QUOTED_SPAN_BYTES`]): the record is that one line alone.
    pub unclosed_quote: bool,
    /// Set for a record read by the plain-line lane (see [`RecordReader`]): `bytes` is the
    /// line itself, its fields separated by this delimiter, holding no quote and no line end.
    separator: Option<u8>,
}

impl<'a> RawRecord<'a> {
    /// Builds a record from field bytes and end offsets (as csv-core writes them).
    pub fn new(line: u64, bytes: &'a [u8], ends: &'a [usize]) -> Self {
        RawRecord {
            line,
            bytes,
            ends,
            oversized: false,
            too_many_fields: false,
            unclosed_quote: false,
            separator: None,
        }
    }

    /// The line itself, when the record was read by the plain-line lane from a comma-separated
    /// file: its bytes are the record's fields joined by commas, none needing quotes, so they
    /// can be written out unchanged.
    pub fn plain_csv_line(&self) -> Option<&'a [u8]> {
        (self.separator == Some(b',')).then(|| self.field_bytes())
    }

    /// Whether the record was read by the plain-line lane (see [`RecordReader::general_only`]):
    /// the fast paths after the reader follow the same switch.
    pub fn is_plain_line(&self) -> bool {
        self.separator.is_some()
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the record has no fields.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The bytes of field `i`, unquoted. Panics if `i >= len()`.
    pub fn field(&self, i: usize) -> &'a [u8] {
        let start = match i {
            0 => 0,
            _ => self.ends[i - 1] + usize::from(self.separator.is_some()),
        };
        &self.bytes[start..self.ends[i]]
    }

    /// Field `i` as text, or `None` past the last field. Bytes that are not UTF-8 are read as
    /// Windows-1252 (what Excel writes on Windows), so such a header still names its columns.
    pub fn text(&self, i: usize) -> Option<std::borrow::Cow<'a, str>> {
        (i < self.len()).then(|| decode_text(self.field(i)))
    }

    /// All fields' bytes, back to back (no separators), or for a record read by the plain-line
    /// lane the line itself (the fields and their separators).
    pub fn field_bytes(&self) -> &'a [u8] {
        &self.bytes[..self.ends.last().copied().unwrap_or(0)]
    }

    /// Each field's bytes, unquoted, in order.
    pub fn fields(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        (0..self.len()).map(|i| self.field(i))
    }
}

/// Text of a field: UTF-8 when it is valid UTF-8, else Windows-1252.
pub fn decode_text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => std::borrow::Cow::Owned(bytes.iter().map(|&b| windows_1252(b)).collect()),
    }
}

/// One Windows-1252 byte as a character (the five unassigned bytes stay their Latin-1 selves).
fn windows_1252(byte: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž',
        '\u{8F}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}',
        'ž', 'Ÿ',
    ];
    match byte {
        0x80..=0x9F => HIGH[usize::from(byte - 0x80)],
        _ => char::from(byte),
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
///
/// **Quoted fields across lines.** A quoted field may hold line ends, but one stray quote must
/// not swallow the rest of the file. The rule: a record whose quoted field runs past a line end
/// is kept whole only if it has the file's number of fields (those of its first record) and
/// spans at most [`QUOTED_SPAN_BYTES`]. Otherwise the record ends at its first line end: that
/// line alone is handed out flagged [`RawRecord::unclosed_quote`] (its row is rejected with its
/// line number), and reading starts again on the next line. A stray quote thus costs one line.
pub struct RecordReader {
    state: State,
    dialect: Dialect,
    csv: csv_core::Reader,
    lines: LineCounter,
    fields: Vec<u8>,
    fields_len: usize,
    ends: Vec<usize>,
    ends_len: usize,
    oversized: bool,
    too_many_fields: bool,
    /// Whether csv-core has read anything yet (see `tokenize_part`).
    primed: bool,
    /// ARFF: the header built from `@attribute` lines, handed out as the first record.
    arff_header: Option<(u64, Vec<u8>, Vec<usize>)>,
    /// The number of fields of the file's first record: a record spanning lines must match it.
    expected_fields: Option<usize>,
    /// Bytes of the record in progress that arrived in earlier pushes (kept while it may be cut).
    raw: Vec<u8>,
    /// The record in progress is longer than a cut can replay: it is never cut.
    raw_dropped: bool,
    /// The line counter as it was when the record in progress started.
    record_lines: LineCounter,
    /// How far `fields` has been searched for a line end inside a quoted field.
    scanned: usize,
    quoted_line_end: bool,
    /// Bytes to read again after a cut, before the rest of the input.
    replay: Vec<u8>,
    /// Whether plain lines may skip csv-core (see [`RecordReader::general_only`]).
    plain_lane: bool,
}

impl Default for RecordReader {
    fn default() -> Self {
        Self::new()
    }
}

impl RecordReader {
    /// A reader for a whole file: it learns the file's shape from its start, before the first
    /// record.
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
            too_many_fields: false,
            primed: false,
            arff_header: None,
            expected_fields: None,
            raw: Vec::new(),
            raw_dropped: false,
            record_lines: LineCounter::default(),
            scanned: 0,
            quoted_line_end: false,
            replay: Vec::new(),
            plain_lane: true,
        }
    }

    /// A reader that sends every line through csv-core. By default a line that holds no quote
    /// character and no `\r` (most lines of most files) is split at its delimiters directly,
    /// which gives the same record several times faster; this switch exists so that tests and
    /// the fuzzer can prove the two give the same records.
    pub fn general_only(mut self) -> Self {
        self.plain_lane = false;
        self
    }

    /// A reader for a later part of a file whose shape is already known, starting at a line
    /// start; its line numbers count from that line (1). `fields` is the file's number of
    /// fields (see the quoted-field rule on [`RecordReader`]).
    pub fn with_dialect(dialect: Dialect, fields: usize) -> Self {
        RecordReader {
            state: State::Reading,
            dialect,
            csv: dialect.tokenizer(),
            expected_fields: Some(fields),
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
                if buffer.len() > SNIFF_BYTES {
                    // Blank lines before the first line are counted and dropped, however many.
                    let blank = leading_blank_lines(buffer);
                    if blank > BOM.len() {
                        let bom = if buffer.starts_with(BOM) {
                            BOM.len()
                        } else {
                            0
                        };
                        self.lines.feed(&buffer[bom..blank]);
                        buffer.drain(bom..blank);
                    }
                }
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
            self.lines.ends_seen += arff.lines_before_data;
            // The `@data` line may end in a `\r` whose `\n` has not arrived yet.
            self.lines.after_cr = head[..arff.data_offset].ends_with(b"\r");
            self.expected_fields = Some(arff.ends.len());
            self.arff_header = Some((self.lines.ends_seen, arff.names, arff.ends));
            &text[arff.data_offset..]
        } else {
            self.dialect = Dialect {
                delimiter: sniff_delimiter(head),
                quote: b'"',
                arff: false,
            };
            // Blank lines before the first line are counted here, not read as records.
            let blank = leading_blank_lines(text);
            self.lines.feed(&text[..blank]);
            &text[blank..]
        };
        self.csv = self.dialect.tokenizer();
        self.state = State::Reading;
        self.record_lines = self.lines.clone();
        if let Some((line, names, ends)) = self.arff_header.take() {
            on_record(RawRecord::new(line, &names, &ends))?;
        }
        if body.is_empty() {
            return Ok(());
        }
        self.tokenize(body, on_record)
    }

    /// Runs csv-core over `input` (after any bytes a cut gave back); an empty `input` ends the
    /// file.
    fn tokenize<E: From<FileError>>(
        &mut self,
        mut input: &[u8],
        on_record: &mut impl FnMut(RawRecord<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        let at_end = input.is_empty();
        loop {
            while !self.replay.is_empty() {
                let replay = std::mem::take(&mut self.replay);
                if let Some(used) = self.tokenize_part(&replay, on_record)? {
                    // A cut inside the replayed bytes: what it gives back comes first.
                    self.replay.extend_from_slice(&replay[used..]);
                }
            }
            if input.is_empty() && !at_end {
                // A cut used up this chunk: csv-core takes empty input as the end of the file,
                // which would end the record the replayed bytes began.
                return Ok(());
            }
            match self.tokenize_part(input, on_record)? {
                None => return Ok(()),
                Some(used) => input = &input[used..],
            }
        }
    }

    /// Runs csv-core over `input`. Returns `Some(used)` when a record was cut (see
    /// [`RecordReader`]) after `used` bytes: the caller reads `self.replay`, then the rest.
    fn tokenize_part<E: From<FileError>>(
        &mut self,
        input: &[u8],
        on_record: &mut impl FnMut(RawRecord<'_>) -> Result<(), E>,
    ) -> Result<Option<usize>, E> {
        let mut pos = 0;
        // Where the record in progress starts in `input` (its earlier bytes are in `raw`).
        let mut record_from = 0;
        loop {
            if self.at_record_start() {
                pos += self.plain_lines(&input[pos..], on_record)?;
                record_from = pos;
            }
            let rest = &input[pos..];
            // csv-core drops a UTF-8 BOM from the first bytes it reads. The sniffer already took
            // the file's own BOM, and a later part of a file (see `with_dialect`) must read a
            // BOM in the middle of the file as one scorer does: as data. Feeding one byte first
            // switches csv-core's stripping off.
            let first_read = !self.primed && rest.starts_with(BOM);
            self.primed |= !rest.is_empty();
            let limit = if first_read { 1 } else { rest.len() };
            let (result, nin, nout, nend) = self.csv.read_record(
                &rest[..limit],
                &mut self.fields[self.fields_len..],
                &mut self.ends[self.ends_len..],
            );
            let consumed = &rest[..nin];
            pos += nin;
            self.lines.feed(consumed);
            self.fields_len += nout;
            self.ends_len += nend;
            match result {
                ReadRecordResult::InputEmpty | ReadRecordResult::OutputFull => {
                    if self.span_too_long(pos - record_from) {
                        self.cut(&input[record_from..pos], on_record)?;
                        return Ok(Some(pos));
                    }
                    if matches!(result, ReadRecordResult::OutputFull) {
                        self.grow_fields();
                    } else if pos == input.len() {
                        self.keep_raw(&input[record_from..]);
                        return Ok(None);
                    }
                }
                ReadRecordResult::OutputEndsFull => self.grow_ends(),
                ReadRecordResult::Record => {
                    let bytes = &self.fields[..self.fields_len];
                    let inner_line_ends = count_line_ends(bytes);
                    let raw_len = self.raw.len() + pos - record_from;
                    if inner_line_ends > 0
                        && !self.oversized
                        && !self.raw_dropped
                        && (self.expected_fields != Some(self.ends_len)
                            || raw_len > QUOTED_SPAN_BYTES)
                    {
                        self.cut(&input[record_from..pos], on_record)?;
                        return Ok(Some(pos));
                    }
                    let ended_by_line_end = matches!(consumed.last(), Some(b'\n' | b'\r'));
                    let last_line = if ended_by_line_end {
                        self.lines.ends_seen
                    } else {
                        self.lines.ends_seen + 1
                    };
                    let line = last_line - inner_line_ends;
                    let mut record = if self.oversized {
                        // Its fields were dropped: hand it out empty, flagged.
                        RawRecord::new(line, &[], &[])
                    } else {
                        RawRecord::new(line, bytes, &self.ends[..self.ends_len])
                    };
                    record.oversized = self.oversized;
                    record.too_many_fields = self.too_many_fields;
                    self.expected_fields.get_or_insert(record.len());
                    let outcome = on_record(record);
                    self.next_record();
                    record_from = pos;
                    outcome?;
                }
                ReadRecordResult::End => return Ok(None),
            }
        }
    }

    /// Whether csv-core stands between records with nothing pending, so the plain-line lane may
    /// read the next lines instead.
    fn at_record_start(&self) -> bool {
        // (The lane's lines hold no `"`, so the writer can copy them without re-quoting.)
        self.plain_lane
            && !self.dialect.arff
            && self.dialect.quote == b'"'
            && self.fields_len == 0
            && self.ends_len == 0
            && self.raw.is_empty()
            && !self.raw_dropped
            && !self.oversized
    }

    /// The plain-line lane: hands out the complete lines at the start of `input` that hold no
    /// quote character and no `\r`, each split at its delimiters (exactly what csv-core makes of
    /// such a line; an empty line is no record for either), and returns the bytes used. It
    /// stops at the first other line (csv-core reads it, then the lane goes on) and at the last
    /// line end.
    fn plain_lines<E: From<FileError>>(
        &mut self,
        input: &[u8],
        on_record: &mut impl FnMut(RawRecord<'_>) -> Result<(), E>,
    ) -> Result<usize, E> {
        /// Longer lines go through csv-core (the lane never meets the record bounds).
        const PLAIN_LINE_BYTES: usize = 16 * 1024;
        let Dialect {
            delimiter, quote, ..
        } = self.dialect;
        let mut used = 0;
        while let Some(length) = memchr::memchr(b'\n', &input[used..]) {
            let line = &input[used..used + length];
            if length > PLAIN_LINE_BYTES || memchr::memchr2(quote, b'\r', line).is_some() {
                break;
            }
            used += length + 1;
            // A `\n` right after a `\r` ends no new line (see `LineCounter`).
            self.lines.ends_seen += u64::from(length > 0 || !self.lines.after_cr);
            self.lines.after_cr = false;
            if line.is_empty() {
                continue;
            }
            if self.ends.len() <= length {
                self.ends.resize((length + 1).next_power_of_two(), 0);
            }
            let fields = field_ends(line, delimiter, &mut self.ends);
            let mut record = RawRecord::new(self.lines.ends_seen, line, &self.ends[..fields]);
            record.separator = Some(delimiter);
            self.expected_fields.get_or_insert(fields);
            on_record(record)?;
        }
        self.record_lines = self.lines.clone();
        Ok(used)
    }

    /// Forgets the record just handed out or cut.
    fn next_record(&mut self) {
        self.fields_len = 0;
        self.ends_len = 0;
        self.oversized = false;
        self.too_many_fields = false;
        self.raw.clear();
        self.raw_dropped = false;
        self.record_lines = self.lines.clone();
        self.scanned = 0;
        self.quoted_line_end = false;
    }

    /// Keeps the bytes of a record that continues in the next push, while a cut may need them.
    fn keep_raw(&mut self, bytes: &[u8]) {
        if self.raw_dropped {
            return;
        }
        if self.raw.len() + bytes.len() > MAX_RECORD_BYTES {
            self.raw_dropped = true;
            self.raw = Vec::new();
        } else {
            self.raw.extend_from_slice(bytes);
        }
    }

    /// Whether the record in progress has a quoted field past a line end and has grown past
    /// [`QUOTED_SPAN_BYTES`] (`fresh`: its bytes in the current input).
    fn span_too_long(&mut self, fresh: usize) -> bool {
        if self.raw_dropped || self.raw.len() + fresh <= QUOTED_SPAN_BYTES {
            return false;
        }
        if !self.quoted_line_end {
            let new = &self.fields[self.scanned.min(self.fields_len)..self.fields_len];
            self.quoted_line_end = memchr::memchr2(b'\n', b'\r', new).is_some();
            self.scanned = self.fields_len;
        }
        self.quoted_line_end && !self.oversized
    }

    /// Ends the record in progress (its bytes: `raw`, then `tail`) at its first line end: that
    /// line is handed out alone, flagged, and the bytes after it are left in `replay`.
    fn cut<E: From<FileError>>(
        &mut self,
        tail: &[u8],
        on_record: &mut impl FnMut(RawRecord<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut raw = std::mem::take(&mut self.raw);
        raw.extend_from_slice(tail);
        self.lines = self.record_lines.clone();
        let skip = raw
            .iter()
            .position(|b| !matches!(b, b'\n' | b'\r'))
            .unwrap_or(raw.len());
        let line_end =
            skip + memchr::memchr2(b'\n', b'\r', &raw[skip..]).unwrap_or(raw.len() - skip);
        let next = match raw.get(line_end) {
            Some(b'\r') if raw.get(line_end + 1) == Some(&b'\n') => line_end + 2,
            Some(_) => line_end + 1,
            None => line_end,
        };
        self.lines.feed(&raw[..next]);
        let line = if next > line_end {
            self.lines.ends_seen
        } else {
            self.lines.ends_seen + 1
        };
        // The line alone, through a fresh tokenizer: the open quote runs to its end.
        let mut csv = self.dialect.tokenizer();
        self.fields_len = 0;
        self.ends_len = 0;
        let mut input = &raw[skip..line_end];
        loop {
            let (result, nin, nout, nend) = csv.read_record(
                input,
                &mut self.fields[self.fields_len..],
                &mut self.ends[self.ends_len..],
            );
            input = &input[nin..];
            self.fields_len += nout;
            self.ends_len += nend;
            match result {
                ReadRecordResult::OutputFull => self.grow_fields(),
                ReadRecordResult::OutputEndsFull => self.grow_ends(),
                // Once the line is consumed, the next call (with nothing) ends the record.
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::Record | ReadRecordResult::End => break,
            }
        }
        let mut record = if self.oversized {
            RawRecord::new(line, &[], &[])
        } else {
            RawRecord::new(
                line,
                &self.fields[..self.fields_len],
                &self.ends[..self.ends_len],
            )
        };
        record.oversized = self.oversized;
        record.too_many_fields = self.too_many_fields;
        record.unclosed_quote = true;
        self.expected_fields.get_or_insert(record.len());
        let outcome = on_record(record);
        self.csv = self.dialect.tokenizer();
        self.primed = false;
        self.next_record();
        raw.drain(..next);
        self.replay = raw;
        outcome
    }

    /// Makes room for more fields, or drops the record once it has more than any row could.
    fn grow_ends(&mut self) {
        if self.ends.len() >= MAX_RECORD_FIELDS {
            self.oversized = true;
            self.too_many_fields = true;
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
            self.scanned = 0;
        } else {
            let len = self.fields.len();
            self.fields.resize((len * 2).min(MAX_RECORD_BYTES), 0);
        }
    }
}

/// Writes where each field of `line` ends (the offsets of `delimiter`, then the line's length)
/// to the start of `ends` (at least `line.len() + 1` long) and returns the number of fields.
fn field_ends(line: &[u8], delimiter: u8, ends: &mut [usize]) -> usize {
    let mut fields = 0;
    each_byte(line, delimiter, |at| {
        ends[fields] = at;
        fields += 1;
    });
    ends[fields] = line.len();
    fields + 1
}

/// Calls `found` with the offset of every `byte` in `text`, in order. Eight bytes at a time:
/// fields are short, and a search call per field would cost more than the field.
#[inline(always)]
pub(crate) fn each_byte(text: &[u8], byte: u8, mut found: impl FnMut(usize)) {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    let pattern = u64::from_le_bytes([byte; 8]);
    let words = text.chunks_exact(8);
    let tail = words.remainder();
    for (word_index, word) in words.enumerate() {
        let x = u64::from_le_bytes(word.try_into().expect("chunks of eight bytes")) ^ pattern;
        // The high bit of each byte that is zero in `x` (exact: no borrow crosses bytes).
        let mut matches = !(((x & LOW7) + LOW7) | x | LOW7);
        while matches != 0 {
            found(word_index * 8 + matches.trailing_zeros() as usize / 8);
            matches &= matches - 1;
        }
    }
    let tail_start = text.len() - tail.len();
    for (i, &b) in tail.iter().enumerate() {
        if b == byte {
            found(tail_start + i);
        }
    }
}

/// Length of the blank lines (line ends and other ASCII blanks) at the start of `text`, up to
/// the last line end before its first other byte.
fn leading_blank_lines(text: &[u8]) -> usize {
    let first = text
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(text.len());
    match memchr::memrchr2(b'\n', b'\r', &text[..first]) {
        // A final `\r` may be half of a `\r\n`: keep it with what follows.
        Some(at) if text[at] == b'\r' && at + 1 == text.len() => at,
        Some(at) => at + 1,
        None => 0,
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

/// Known file signatures that are not text: what they are, and (for archives) what to do.
/// What to do with a packet capture.
const PACKETS: &str = "the detector reads connection records, one per line, not packets: \
    turn the capture into connections first (the NSL-KDD features describe connections)";

const SIGNATURES: [(&[u8], &str, Option<&str>); 20] = [
    (b"\x89PNG", "a PNG image", None),
    (b"\xFF\xD8\xFF", "a JPEG image", None),
    (b"GIF8", "a GIF image", None),
    (b"%PDF", "a PDF document", None),
    (b"\xD0\xCF\x11\xE0", "an old Excel or Word document", None),
    (b"SQLite format 3\0", "an SQLite database", None),
    (b"PAR1", "a Parquet file", None),
    (b"\x7FELF", "a program (ELF)", None),
    (b"\xD4\xC3\xB2\xA1", "a pcap packet capture", Some(PACKETS)),
    (b"\xA1\xB2\xC3\xD4", "a pcap packet capture", Some(PACKETS)),
    (b"\x4D\x3C\xB2\xA1", "a pcap packet capture", Some(PACKETS)),
    (b"\xA1\xB2\x3C\x4D", "a pcap packet capture", Some(PACKETS)),
    (
        b"\x0A\x0D\x0D\x0A",
        "a pcapng packet capture",
        Some(PACKETS),
    ),
    (
        b"PK\x03\x04",
        "a ZIP archive (an .xlsx workbook is one)",
        Some("unzip it, or save the sheet as CSV UTF-8, and open the CSV"),
    ),
    (
        b"\x1F\x8B",
        "a gzip archive",
        Some(
            "this reader takes it only decompressed (the neptune command and the page decompress gzip themselves)",
        ),
    ),
    (
        b"BZh",
        "a bzip2 archive",
        Some("decompress it (bunzip2) and open the CSV inside"),
    ),
    (
        b"\xFD7zXZ\x00",
        "an xz archive",
        Some("decompress it (unxz) and open the CSV inside"),
    ),
    (
        b"7z\xBC\xAF\x27\x1C",
        "a 7-Zip archive",
        Some("extract it and open the CSV inside"),
    ),
    (
        b"\x28\xB5\x2F\xFD",
        "a zstd archive",
        Some("decompress it (unzstd) and open the CSV inside"),
    ),
    (
        b"Rar!\x1A\x07",
        "a RAR archive",
        Some("extract it and open the CSV inside"),
    ),
];

/// Rejects what is not UTF-8-ish text (looking at the start of the file). A few stray NUL or
/// control bytes in text are left to cost their rows; a file made of them is refused.
fn check_text(buffer: &[u8]) -> Result<(), FileError> {
    if buffer.starts_with(b"\xFF\xFE\x00\x00") {
        return Err(FileError::Utf32("little-endian"));
    }
    if buffer.starts_with(b"\x00\x00\xFE\xFF") {
        return Err(FileError::Utf32("big-endian"));
    }
    if buffer.starts_with(b"\xFF\xFE") {
        return Err(FileError::Utf16("little-endian"));
    }
    if buffer.starts_with(b"\xFE\xFF") {
        return Err(FileError::Utf16("big-endian"));
    }
    let text = buffer.strip_prefix(BOM).unwrap_or(buffer);
    if text.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(FileError::Empty);
    }
    for (magic, what, advice) in SIGNATURES {
        if text.starts_with(magic) {
            return Err(match advice {
                Some(advice) => FileError::OtherFormat { what, advice },
                None => FileError::NotText(what),
            });
        }
    }
    let head = &text[..text.len().min(4096)];
    if head.iter().all(|&b| b == 0) {
        return Err(FileError::NotText("nothing but zero bytes"));
    }
    let zeros = head.iter().filter(|&&b| b == 0).count();
    if zeros * 2 > head.len() && head.len() >= 8 {
        // UTF-32 without a BOM: three zero bytes beside each ASCII byte.
        let at = |k: usize| head.iter().skip(k).step_by(4).filter(|&&b| b == 0).count();
        let quarter = head.len() / 4;
        if at(1) >= quarter * 9 / 10 && at(2) >= quarter * 9 / 10 {
            return Err(FileError::Utf32(if at(0) > at(3) {
                "big-endian, without a byte order mark"
            } else {
                "little-endian, without a byte order mark"
            }));
        }
    }
    if zeros * 4 > head.len() && head.len() >= 4 {
        // UTF-16 without a BOM: every other byte of ASCII text is zero.
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
    if control * 20 > head.len() {
        return Err(FileError::NotText("binary data"));
    }
    if let Some(kind) = json_kind(text) {
        return Err(FileError::Json(kind));
    }
    Ok(())
}

/// Whether the text starts like JSON: an object per line, or one array.
fn json_kind(text: &[u8]) -> Option<&'static str> {
    let start = text.iter().position(|b| !b.is_ascii_whitespace())?;
    let rest = &text[start + 1..];
    let next = rest.iter().find(|b| !b.is_ascii_whitespace());
    match (text[start], next) {
        (b'{', Some(b'"' | b'}')) | (b'{', None) => Some("one object per line"),
        (b'[', Some(b'{' | b'[' | b'"' | b']')) | (b'[', None) => Some("an array"),
        _ => None,
    }
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
            Err(FileError::OtherFormat { .. })
        ));
        assert!(matches!(
            read(b"SQLite format 3\0\x10\0\x01\x01", 10),
            Err(FileError::NotText(_))
        ));
        assert!(matches!(
            read(b"\xD4\xC3\xB2\xA1\x02\0\x04\0\0\0\0\0", 10),
            Err(FileError::OtherFormat { .. })
        ));
        assert!(matches!(
            read(b"\xFF\xFE\0\0a\0\0\0,\0\0\0", 10),
            Err(FileError::Utf32(_))
        ));
        assert!(matches!(
            read(b"{\"duration\": 0, \"protocol_type\": \"tcp\"}\n", 10),
            Err(FileError::Json(_))
        ));
        assert!(matches!(
            read(b"[{\"duration\": 0}]", 10),
            Err(FileError::Json(_))
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
