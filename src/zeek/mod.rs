//! Zeek conn.log in: the KDD features computed from each connection and the ones before it, the
//! model's score, and the flagged connections grouped into incidents.
//!
//! [`ConnLog`] is what [`crate::score::Scorer`] runs when a file's first line is a Zeek header
//! (`#separator`, `#fields`) or a JSON object with conn.log's keys. Output: the log's own field
//! names, then optionally the 41 computed features, then `attack_score`, `predicted_attack`; each
//! row's Zeek fields unchanged, in the file's order.
//!
//! Zeek writes a connection when it ends, so lines are not in start order, and the window
//! features need start order. Rows wait in a reorder buffer of at most [`REORDER_ROWS`] rows and
//! are featured in `ts` order (ties in file order); a file of at most that many rows is therefore
//! featured in exact start order. In a longer file, a row that comes more than [`REORDER_ROWS`]
//! rows after connections that started later than it is featured when the buffer is full, out of
//! order, and counted ([`ZeekSummary::out_of_order`]). Memory: about 300 bytes per waiting row
//! (about 20 MB for a full buffer), plus the windows' hashed tallies.

pub mod incidents;
pub mod json;
pub mod log;
pub mod tables;
pub mod traffic;

use std::borrow::Cow;
use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, VecDeque};

use serde::{Deserialize, Serialize};

use crate::features::{FeatureVector, ParsedRow, RowProblem};
use crate::model::Model;
use crate::reader::{FileError, MAX_RECORD_BYTES};
use crate::schema::{CATEGORY_FEATURES, FEATURES, Kind as FeatureKind, Label};
use crate::score::{Batch, LabelKind, Labelled, RowOutcome, Summary, write_field};

use incidents::{Incident, Incidents, Names};
use log::{Columns, JsonLine, TsvHeader};
use traffic::{Connection, Host, Traffic};

/// The most rows waiting to be featured in start order (see the module's documentation).
pub const REORDER_ROWS: usize = 1 << 16;
/// Row buffers kept for reuse.
const SPARE_ROWS: usize = 4096;
/// Incidents kept in the summary, largest first (all are counted).
pub const KEPT_INCIDENTS: usize = 1000;

pub use log::Kind;

/// What a conn.log adds to a file's summary.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ZeekSummary {
    /// `tsv` or `json`.
    pub form: String,
    /// Rows featured out of start order (the reorder buffer was full).
    pub out_of_order: u64,
    /// The largest incidents ([`KEPT_INCIDENTS`] at most), largest first.
    pub incidents: Vec<Incident>,
    /// Incidents found in all, including those past [`KEPT_INCIDENTS`].
    pub incidents_total: u64,
    /// JSON rows with keys that are not output columns (the columns come from conn.log's
    /// fields and the first line's keys), and the first such key.
    pub rows_with_unwritten_keys: u64,
    /// The first such key met, if any.
    pub first_unwritten_key: Option<String>,
}

/// A row between being read and being written (the third stage's).
enum Slot {
    Waiting {
        out: Vec<u8>,
        line: u64,
        label_kind: LabelKind,
        label: Option<Label>,
    },
    Done {
        out: Vec<u8>,
        line: u64,
        score: Option<f64>,
        flagged: bool,
        label_kind: LabelKind,
    },
}

/// The file's form, once its header (TSV) or first line (JSON) is read.
enum Form {
    Tsv(TsvHeader),
    Json,
}

/// Scores a Zeek conn.log pushed in chunks: its three stages ([`ConnLines`], then [`ConnOrder`]
/// and [`ConnScore`], the last two as [`ConnWindows`]) on one thread. [`ConnLog::into_stages`]
/// and [`ConnWindows::into_stages`] give them apart, for a caller that runs each on a thread of
/// its own (`neptune score` does): the output is the same bytes.
pub struct ConnLog<'m> {
    lines: ConnLines,
    rows: ConnRows,
    windows: ConnWindows<'m>,
}

/// The first stage of a conn.log: its lines read into rows (each connection parsed and its
/// output fields written), in file order. It needs no model and owns no borrowed data, so it can
/// run on another thread than [`ConnWindows`].
pub struct ConnLines {
    form: Form,
    names: Option<Vec<String>>,
    columns: Option<Columns>,
    partial: Vec<u8>,
    /// A TSV line's fields: the buffer, kept from line to line.
    fields: Vec<&'static [u8]>,
    /// The line being skipped because it is too long (its number), if any.
    skipping: Option<u64>,
    line: u64,
    rows_with_unwritten_keys: u64,
    first_unwritten_key: Option<String>,
}

/// Rows read by [`ConnLines`] and not yet taken by [`ConnWindows`], and emptied row buffers on
/// their way back to be used again. Handed from the first stage to the second
/// ([`ConnLines::push`] calls its `take` with it), and back.
#[derive(Default)]
pub struct ConnRows {
    /// The log's field names and whether a column holds labels, from the batch that read them.
    names: Option<(Vec<String>, bool)>,
    rows: Vec<ReadRow>,
    /// Emptied row buffers (a buffer per row costs an allocation and a free).
    spare: Vec<Vec<u8>>,
}

/// One row as the first stage read it.
struct ReadRow {
    line: u64,
    /// The row's output so far: its fields.
    out: Vec<u8>,
    /// The connection and what its label says, or why the row cannot be scored.
    read: Result<(Connection, LabelKind, Option<Label>), String>,
}

/// What the first stage tells the last at the file's end (see [`ConnWindows::finish`]).
pub struct LinesEnd {
    rows_with_unwritten_keys: u64,
    first_unwritten_key: Option<String>,
}

/// The second and third stages of a conn.log on one thread: [`ConnOrder`], then [`ConnScore`].
/// [`ConnWindows::into_stages`] gives them apart, for a caller that runs them on two threads.
pub struct ConnWindows<'m> {
    order: ConnOrder,
    score: ConnScore<'m>,
    steps: ConnSteps,
}

/// The second stage of a conn.log: rows put in start order and featured through the windows,
/// in the reorder buffer's order (see the module's documentation). It decides when each row is
/// featured from the rows alone, as one scorer would.
pub struct ConnOrder {
    /// The rows held, in file order: a waiting row's connection, `None` once it is featured (or
    /// for a rejected row) until every row before it is too.
    held: VecDeque<Option<Connection>>,
    /// File row number (0-based) of `held[0]`.
    first_held: u64,
    waiting: StartOrder,
    latest_featured: f64,
    out_of_order: u64,
    traffic: Traffic,
}

/// What the second stage hands the third: the rows it took, in file order, and the rows it
/// featured, in the order it featured them (each after the row itself); and emptied row
/// buffers on their way back to the first stage.
#[derive(Default)]
pub struct ConnSteps {
    names: Option<(Vec<String>, bool)>,
    rows: Vec<RowStep>,
    featured: Vec<Featured>,
    spare: Vec<Vec<u8>>,
}

/// A row as the third stage needs it: its output so far, and its label or why it is rejected.
struct RowStep {
    line: u64,
    out: Vec<u8>,
    read: Result<(LabelKind, Option<Label>), String>,
}

/// A featured row: its index in the file and its 41 values.
struct Featured {
    index: u64,
    values: FeatureVector,
    connection: Connection,
}

/// What the second stage tells the third at the file's end.
pub struct OrderEnd {
    out_of_order: u64,
}

/// The third stage of a conn.log: featured rows scored, counted, grouped into incidents, and
/// every row written in file order.
pub struct ConnScore<'m> {
    model: &'m Model,
    threshold: f64,
    features: bool,
    /// The output header's names, once the first stage has read them.
    names: Option<Vec<String>>,
    header_written: bool,
    slots: VecDeque<Slot>,
    /// File row number (0-based) of `slots[0]`.
    first_slot: u64,
    incidents: Incidents,
    summary: Summary,
    zeek: ZeekSummary,
}

/// Rows the first stage reads before the second takes them (on one thread; on two, each batch
/// is a message between them).
const ROWS_PER_TAKE: usize = 1024;

/// `ts` in a total order (NaN never reaches here).
#[derive(Debug, Clone, Copy, PartialEq)]
struct TsOrder(f64);
impl Eq for TsOrder {}
impl PartialOrd for TsOrder {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for TsOrder {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// The rows waiting to be featured (`(ts, row index)`), taken smallest first: what one binary
/// heap of them gives, pop for pop. Rows that come in start order (most of a conn.log, which Zeek
/// writes as connections end) wait in a queue that is sorted as it is filled; only the others go
/// to a heap. One heap of a full reorder buffer missed the cache at most of its 16 levels at
/// every row: a fifth of a conn.log's scoring time.
#[derive(Debug, Default)]
struct StartOrder {
    /// Rows in increasing order: each was added after every row before it in the queue.
    sorted: VecDeque<(TsOrder, u64)>,
    /// Rows that came after a later-starting row still waiting in `sorted`.
    stragglers: BinaryHeap<Reverse<(TsOrder, u64)>>,
}

impl StartOrder {
    fn push(&mut self, key: (TsOrder, u64)) {
        match self.sorted.back() {
            Some(last) if key.cmp(last) == Ordering::Less => self.stragglers.push(Reverse(key)),
            _ => self.sorted.push_back(key),
        }
    }

    /// The row index of the smallest key, removed.
    fn pop(&mut self) -> Option<u64> {
        let from_sorted = match (self.sorted.front(), self.stragglers.peek()) {
            (Some(first), Some(Reverse(straggler))) => first.cmp(straggler) == Ordering::Less,
            (first, _) => first.is_some(),
        };
        let key = if from_sorted {
            self.sorted.pop_front()
        } else {
            self.stragglers.pop().map(|Reverse(key)| key)
        };
        key.map(|(_, index)| index)
    }
}

impl<'m> ConnLog<'m> {
    /// A scorer for a conn.log whose first line showed form `kind` (JSON lines, or else
    /// tab-separated), flagging scores at or above `threshold`; with `features`, each output row
    /// also carries the 41 computed features.
    pub fn new(model: &'m Model, threshold: f64, kind: &Kind, features: bool) -> Self {
        ConnLog {
            lines: ConnLines::new(kind),
            rows: ConnRows::default(),
            windows: ConnWindows::new(model, threshold, kind, features),
        }
    }

    /// The output header's names (the log's fields), once known.
    pub fn names(&self) -> Option<&[String]> {
        self.lines.names.as_deref()
    }

    /// Reads the lines completed by `chunk`; writes the rows that are ready to `batch`.
    pub fn push(&mut self, chunk: &[u8], batch: &mut Batch) -> Result<(), FileError> {
        let ConnLog {
            lines,
            rows,
            windows,
        } = self;
        lines.push(chunk, rows, &mut |rows| windows.take(rows, batch))
    }

    /// Ends the file: features every waiting row, writes everything, returns the summary.
    pub fn finish(&mut self, batch: &mut Batch) -> Result<Summary, FileError> {
        let ConnLog {
            lines,
            rows,
            windows,
        } = self;
        let end = lines.finish(rows, &mut |rows| windows.take(rows, batch))?;
        windows.finish(end, batch)
    }

    /// The two stages, for a caller that runs them on two threads: push chunks to the
    /// [`ConnLines`] (and finish it) on one, give each [`ConnRows`] its `take` hands over to
    /// [`ConnWindows::take`] on the other, in the order they came, and the [`LinesEnd`] to
    /// [`ConnWindows::finish`]. The output and the summary are this scorer's.
    pub fn into_stages(self) -> (ConnLines, ConnWindows<'m>) {
        // Every push and finish ends by handing its rows over: what is left are spare buffers.
        debug_assert!(self.rows.rows.is_empty() && self.rows.names.is_none());
        (self.lines, self.windows)
    }
}

impl ConnLines {
    /// The first stage for a conn.log whose first line showed form `kind`.
    fn new(kind: &Kind) -> Self {
        ConnLines {
            form: match kind {
                Kind::Json => Form::Json,
                _ => Form::Tsv(TsvHeader::default()),
            },
            names: None,
            columns: None,
            partial: Vec::new(),
            fields: Vec::new(),
            skipping: None,
            line: 0,
            rows_with_unwritten_keys: 0,
            first_unwritten_key: None,
        }
    }

    /// Reads the lines completed by `chunk` into `rows`, handing them to `take` every 1,024
    /// rows and at the end (`take` takes the rows, by [`ConnWindows::take`] or by putting
    /// another `ConnRows` in their place).
    pub fn push(
        &mut self,
        chunk: &[u8],
        rows: &mut ConnRows,
        take: &mut dyn FnMut(&mut ConnRows),
    ) -> Result<(), FileError> {
        let mut rest = chunk;
        while !rest.is_empty() {
            let Some(at) = memchr::memchr(b'\n', rest) else {
                self.keep_partial(rest);
                break;
            };
            let piece = &rest[..at];
            rest = &rest[at + 1..];
            self.line += 1;
            if let Some(line) = self.skipping.take() {
                self.partial.clear();
                self.reject_line(line, &RowProblem::TooLong(MAX_RECORD_BYTES >> 20), rows);
            } else if self.partial.is_empty() {
                self.line_read(piece, rows)?;
            } else {
                let mut line = std::mem::take(&mut self.partial);
                line.extend_from_slice(piece);
                self.line_read(&line, rows)?;
                line.clear();
                self.partial = line;
            }
            if rows.rows.len() >= ROWS_PER_TAKE {
                take(rows);
            }
        }
        take(rows);
        Ok(())
    }

    fn keep_partial(&mut self, bytes: &[u8]) {
        if self.skipping.is_some() {
            return;
        }
        if self.partial.len() + bytes.len() > MAX_RECORD_BYTES {
            self.partial.clear();
            self.skipping = Some(self.line + 1);
        } else {
            self.partial.extend_from_slice(bytes);
        }
    }

    /// Ends the file: reads its last line (one without a line end), hands the rows to `take`.
    pub fn finish(
        &mut self,
        rows: &mut ConnRows,
        take: &mut dyn FnMut(&mut ConnRows),
    ) -> Result<LinesEnd, FileError> {
        if let Some(line) = self.skipping.take() {
            self.line += 1;
            self.reject_line(line, &RowProblem::TooLong(MAX_RECORD_BYTES >> 20), rows);
        } else if !self.partial.is_empty() {
            let line = std::mem::take(&mut self.partial);
            self.line += 1;
            self.line_read(&line, rows)?;
        }
        if self.names.is_none() {
            return Err(FileError::ZeekWithoutFields);
        }
        take(rows);
        Ok(LinesEnd {
            rows_with_unwritten_keys: self.rows_with_unwritten_keys,
            first_unwritten_key: self.first_unwritten_key.take(),
        })
    }

    fn line_read(&mut self, line: &[u8], rows: &mut ConnRows) -> Result<(), FileError> {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let line = if self.line == 1 {
            line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line)
        } else {
            line
        };
        if line.trim_ascii().is_empty() {
            return Ok(());
        }
        match &mut self.form {
            Form::Tsv(header) if line.starts_with(b"#") => {
                header.read(line)?;
                // A second header block (logs joined) keeps the first one's columns.
                let fields = header.fields.clone();
                if let (Some(fields), None) = (fields, &self.names) {
                    self.set_names(fields, rows);
                }
                Ok(())
            }
            Form::Tsv(_) => {
                if self.names.is_none() {
                    return Err(FileError::ZeekRowBeforeFields);
                }
                self.tsv_row(line, rows);
                Ok(())
            }
            Form::Json => self.json_row(line, rows),
        }
    }

    fn set_names(&mut self, names: Vec<String>, rows: &mut ConnRows) {
        self.columns = Columns::of(&names);
        let labelled = self.columns.as_ref().is_some_and(|c| c.label.is_some());
        rows.names = Some((names.clone(), labelled));
        self.names = Some(names);
    }

    fn tsv_row(&mut self, line: &[u8], rows: &mut ConnRows) {
        let Form::Tsv(header) = &self.form else {
            unreachable!("a TSV row")
        };
        let mut fields = recycle(std::mem::take(&mut self.fields));
        header.fields_of(line, &mut fields);
        let width = self.names.as_ref().map_or(0, Vec::len);
        let mut out = rows
            .spare
            .pop()
            .unwrap_or_else(|| Vec::with_capacity(line.len() + SCORE_COLUMNS_BYTES));
        let plain = header.separator == b"\t" && header.joined.is_none();
        write_tsv_row(&mut out, line, &fields, width, plain);
        let read = if memchr::memchr(0, line).is_some() {
            Err(RowProblem::NulByte.to_string())
        } else if fields.len() != width {
            Err(RowProblem::FieldCount {
                expected: width,
                found: fields.len(),
            }
            .to_string())
        } else {
            self.read_connection(&|i| fields.get(i).copied())
        };
        self.fields = recycle(fields);
        rows.rows.push(ReadRow {
            line: self.line,
            out,
            read,
        });
    }

    fn json_row(&mut self, line: &[u8], rows: &mut ConnRows) -> Result<(), FileError> {
        let parsed = JsonLine::parse(line.trim_ascii());
        if self.names.is_none() {
            let Ok(first) = &parsed else {
                return Err(FileError::ZeekJsonNotObject);
            };
            let mut names: Vec<String> = log::CONN_FIELDS.iter().map(|s| s.to_string()).collect();
            for (key, _) in &first.fields {
                if !names.contains(key) {
                    names.push(key.clone());
                }
            }
            self.set_names(names, rows);
        }
        let names = self.names.as_ref().expect("set above");
        let mut out = rows.spare.pop().unwrap_or_default();
        let read = match &parsed {
            Ok(object) => {
                let texts: Vec<Option<Cow<'_, str>>> = names
                    .iter()
                    .map(|name| object.get(name).map(log::json_text))
                    .collect();
                for (i, text) in texts.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write_field(&mut out, text.as_deref().unwrap_or("-").as_bytes());
                }
                if let Some((key, _)) = object.fields.iter().find(|(k, _)| !names.contains(k)) {
                    self.rows_with_unwritten_keys += 1;
                    self.first_unwritten_key.get_or_insert_with(|| key.clone());
                }
                self.read_connection(&|i| {
                    texts.get(i).and_then(|t| t.as_deref()).map(str::as_bytes)
                })
            }
            Err(reason) => {
                // The line is written as one field, the rest of the row empty.
                write_field(&mut out, line);
                out.extend(std::iter::repeat_n(b',', names.len().saturating_sub(1)));
                Err(reason.clone())
            }
        };
        rows.rows.push(ReadRow {
            line: self.line,
            out,
            read,
        });
        Ok(())
    }

    /// The connection of a row and what its label says.
    fn read_connection<'a>(
        &self,
        field: &dyn Fn(usize) -> Option<&'a [u8]>,
    ) -> Result<(Connection, LabelKind, Option<Label>), String> {
        let columns = self
            .columns
            .as_ref()
            .ok_or("the log lacks ts, id.orig_h, id.orig_p, id.resp_h, id.resp_p or proto")?;
        let connection = columns.connection(field)?;
        let (label_kind, label) = match columns.label.and_then(field) {
            Some(text) => {
                let detailed = columns
                    .detailed_label
                    .and_then(field)
                    .map(|d| String::from_utf8_lossy(d).trim().to_string())
                    .filter(|d| !d.is_empty() && d != "-" && d != "(empty)");
                zeek_label(&String::from_utf8_lossy(text), detailed)
            }
            None => (LabelKind::Unlabelled, None),
        };
        Ok((connection, label_kind, label))
    }

    /// A line that cannot be read (too long): a rejected row of empty fields.
    fn reject_line(&mut self, line: u64, problem: &RowProblem, rows: &mut ConnRows) {
        let width = self.names.as_ref().map_or(1, Vec::len);
        rows.rows.push(ReadRow {
            line,
            out: vec![b','; width.saturating_sub(1)],
            read: Err(problem.to_string()),
        });
    }
}

impl<'m> ConnWindows<'m> {
    fn new(model: &'m Model, threshold: f64, kind: &Kind, features: bool) -> Self {
        ConnWindows {
            order: ConnOrder::default(),
            score: ConnScore::new(model, threshold, kind, features),
            steps: ConnSteps::default(),
        }
    }

    /// Takes the rows the first stage read (leaving `rows` empty, with spare buffers), features
    /// those whose turn has come and writes the rows that are ready to `batch`.
    pub fn take(&mut self, rows: &mut ConnRows, batch: &mut Batch) {
        self.order.take(rows, &mut self.steps);
        self.score.take(&mut self.steps, batch);
    }

    /// Ends the file once the first stage has: features every waiting row, writes everything,
    /// returns the summary.
    pub fn finish(&mut self, end: LinesEnd, batch: &mut Batch) -> Result<Summary, FileError> {
        let order_end = self.order.finish(&mut self.steps);
        self.score.take(&mut self.steps, batch);
        self.score.finish(end, order_end)
    }

    /// The two stages, for a caller that runs them on two threads: give each [`ConnRows`] to
    /// [`ConnOrder::take`] on one, each [`ConnSteps`] it fills to [`ConnScore::take`] on the
    /// other, in the order they came (and the steps back, with their spare buffers, to the
    /// next `take` of the order); at the end, [`ConnOrder::finish`]'s steps and then
    /// [`ConnScore::finish`]. The output and the summary are this scorer's.
    pub fn into_stages(self) -> (ConnOrder, ConnScore<'m>) {
        debug_assert!(self.steps.rows.is_empty() && self.steps.featured.is_empty());
        (self.order, self.score)
    }
}

impl Default for ConnOrder {
    fn default() -> Self {
        ConnOrder {
            held: VecDeque::new(),
            first_held: 0,
            waiting: StartOrder::default(),
            latest_featured: f64::NEG_INFINITY,
            out_of_order: 0,
            traffic: Traffic::default(),
        }
    }
}

impl ConnOrder {
    /// Takes the rows the first stage read into `steps` (and features those whose turn has
    /// come); the spare buffers `steps` brought back from the third stage go to `rows`, on
    /// their way back to the first.
    pub fn take(&mut self, rows: &mut ConnRows, steps: &mut ConnSteps) {
        let ConnRows { names, rows, spare } = rows;
        let room = SPARE_ROWS.saturating_sub(spare.len());
        spare.extend(steps.spare.drain(..).take(room));
        if let Some(names) = names.take() {
            steps.names = Some(names);
        }
        for row in rows.drain(..) {
            self.add(row, steps);
            // Row by row, so that when a row is featured depends on the rows only, never on
            // how the file was cut into chunks (the page's and the CLI's differ).
            if self.held.len() > REORDER_ROWS {
                self.drain(REORDER_ROWS, steps);
            }
        }
        // Let go of the rows that are done (featuring nothing more: the rows decide that).
        self.drain(REORDER_ROWS, steps);
    }

    /// Once the first stage has ended the file: features the waiting rows until `rows` fewer
    /// are held; false once none is left. For a caller that writes the end of a large file in
    /// pieces before [`ConnOrder::finish`] (whose steps hold the rest at once: up to the whole
    /// reorder buffer).
    pub fn feature_held(&mut self, rows: usize, steps: &mut ConnSteps) -> bool {
        let keep = self.held.len().saturating_sub(rows);
        self.drain(keep, steps);
        !self.held.is_empty()
    }

    /// Ends the file once the first stage has: features every waiting row.
    pub fn finish(&mut self, steps: &mut ConnSteps) -> OrderEnd {
        self.drain(0, steps);
        OrderEnd {
            out_of_order: self.out_of_order,
        }
    }

    fn add(&mut self, row: ReadRow, steps: &mut ConnSteps) {
        let ReadRow { line, out, read } = row;
        let index = self.first_held + self.held.len() as u64;
        let (held, read) = match read {
            Ok((connection, label_kind, label)) => {
                self.waiting.push((TsOrder(connection.ts), index));
                (Some(connection), Ok((label_kind, label)))
            }
            Err(reason) => (None, Err(reason)),
        };
        push_held_row(&mut self.held, held);
        steps.rows.push(RowStep { line, out, read });
    }

    /// Features waiting rows in start order, letting go of the rows at the front that are done,
    /// until at most `keep` rows are held (waiting, or done behind a waiting one).
    fn drain(&mut self, keep: usize, steps: &mut ConnSteps) {
        loop {
            while let Some(None) = self.held.front() {
                self.held.pop_front();
                self.first_held += 1;
            }
            if self.held.len() <= keep {
                break;
            }
            let Some(index) = self.waiting.pop() else {
                break;
            };
            let connection = self.held[(index - self.first_held) as usize]
                .take()
                .expect("a waiting row is featured once");
            if connection.ts < self.latest_featured {
                self.out_of_order += 1;
            }
            self.latest_featured = self.latest_featured.max(connection.ts);
            let values = self.traffic.next(&connection);
            steps.featured.push(Featured {
                index,
                values,
                connection,
            });
        }
    }
}

impl<'m> ConnScore<'m> {
    fn new(model: &'m Model, threshold: f64, kind: &Kind, features: bool) -> Self {
        ConnScore {
            model,
            threshold,
            features,
            names: None,
            header_written: false,
            slots: VecDeque::new(),
            first_slot: 0,
            incidents: Incidents::default(),
            summary: Summary {
                threshold,
                has_header: true,
                delimiter: kind.delimiter_name().to_string(),
                ..Summary::default()
            },
            zeek: ZeekSummary {
                form: kind.form_name().to_string(),
                ..ZeekSummary::default()
            },
        }
    }

    /// Takes the steps of the second stage (leaving them empty, with the emptied row buffers in
    /// their spare), scores the featured rows and writes the rows that are ready to `batch`.
    pub fn take(&mut self, steps: &mut ConnSteps, batch: &mut Batch) {
        if let Some((names, labelled)) = steps.names.take() {
            if labelled {
                self.summary.labelled = Some(Labelled::default());
            }
            self.summary.columns = names.len();
            self.names = Some(names);
        }
        self.write_header(batch);
        // The rows first: each featured row came after its own row.
        for row in steps.rows.drain(..) {
            self.add_row(row);
        }
        for featured in steps.featured.drain(..) {
            self.score_row(featured);
        }
        self.flush(batch, &mut steps.spare);
    }

    /// Ends the file once the second stage has (its last steps taken): the summary.
    pub fn finish(&mut self, end: LinesEnd, order: OrderEnd) -> Result<Summary, FileError> {
        debug_assert!(self.slots.is_empty(), "every row is written");
        self.zeek.out_of_order = order.out_of_order;
        let incidents = std::mem::take(&mut self.incidents).finish(names);
        self.zeek.incidents_total = incidents.len() as u64;
        self.zeek.incidents = incidents.into_iter().take(KEPT_INCIDENTS).collect();
        self.zeek.rows_with_unwritten_keys = end.rows_with_unwritten_keys;
        self.zeek.first_unwritten_key = end.first_unwritten_key;
        if self.zeek.out_of_order > 0 {
            self.summary.notes.push(format!(
                "{} rows came more than {} rows after connections that started later: their \
                 window features were computed out of start order",
                self.zeek.out_of_order, REORDER_ROWS
            ));
        }
        if let Some(key) = &self.zeek.first_unwritten_key {
            self.summary.notes.push(format!(
                "{} rows have keys that are not output columns (first: `{key}`); those values \
                 are not in the output",
                self.zeek.rows_with_unwritten_keys
            ));
        }
        self.summary.notes.push(
            "Zeek conn.log: the 41 features were computed from the connections; the 13 content \
             features, wrong_fragment and urgent need packet payloads and are 0"
                .to_string(),
        );
        if let Some(labelled) = &mut self.summary.labelled {
            labelled.refresh_figures();
        }
        if self.summary.rows > 0 && self.summary.scored == 0 {
            let first = self.summary.rejections.first();
            return Err(FileError::NothingScored {
                rows: self.summary.rows,
                line: first.map_or(0, |r| r.line),
                reason: first.map_or_else(String::new, |r| r.reason.clone()),
            });
        }
        let mut summary = self.summary.clone();
        summary.zeek = Some(self.zeek.clone());
        Ok(summary)
    }

    fn write_header(&mut self, batch: &mut Batch) {
        if self.header_written {
            return;
        }
        let Some(names) = &self.names else { return };
        self.header_written = true;
        let features = self.features;
        batch.write_header(|csv| {
            let mut first = true;
            let mut put = |out: &mut Vec<u8>, name: &str| {
                if !first {
                    out.push(b',');
                }
                first = false;
                write_field(out, name.as_bytes());
            };
            for name in names {
                put(csv, name);
            }
            if features {
                for feature in FEATURES {
                    put(csv, feature.name);
                }
            }
            for name in crate::score::SCORE_COLUMNS {
                put(csv, name);
            }
            csv.push(b'\n');
        });
    }

    fn add_row(&mut self, row: RowStep) {
        let RowStep { line, out, read } = row;
        self.summary.rows += 1;
        match read {
            Ok((label_kind, label)) => {
                push_held_row(
                    &mut self.slots,
                    Slot::Waiting {
                        out,
                        line,
                        label_kind,
                        label,
                    },
                );
            }
            Err(reason) => {
                self.summary.reject(line, reason);
                let slot = self.rejected_slot(out, line);
                push_held_row(&mut self.slots, slot);
            }
        }
    }

    fn rejected_slot(&self, mut out: Vec<u8>, line: u64) -> Slot {
        if self.features {
            out.extend(std::iter::repeat_n(b',', FEATURES.len()));
        }
        out.extend_from_slice(b",,\n");
        Slot::Done {
            out,
            line,
            score: None,
            flagged: false,
            label_kind: LabelKind::Unlabelled,
        }
    }

    fn score_row(&mut self, featured: Featured) {
        let Featured {
            index,
            values,
            connection,
        } = featured;
        let at = (index - self.first_slot) as usize;
        let slot = std::mem::replace(
            &mut self.slots[at],
            Slot::Done {
                out: Vec::new(),
                line: 0,
                score: None,
                flagged: false,
                label_kind: LabelKind::Unlabelled,
            },
        );
        let Slot::Waiting {
            mut out,
            line,
            label_kind,
            label,
        } = slot
        else {
            unreachable!("a waiting row is featured once")
        };
        let categories = [
            connection.proto.kdd_name().as_bytes(),
            connection.service.as_bytes(),
            connection.flag.as_bytes(),
        ];
        let mut parsed = ParsedRow { values, categories };
        self.summary.encode(self.model, &mut parsed);
        let score = self.model.score(&parsed.values);
        let flagged = score >= self.threshold;
        self.summary
            .count_score(score, flagged, label_kind, label.as_ref());
        if self.features {
            write_features(&mut out, &values, &categories);
        }
        out.push(b',');
        crate::score::write_score(&mut out, score);
        out.extend_from_slice(if flagged { b",1\n" } else { b",0\n" });
        if flagged {
            self.incidents.add(&connection);
        }
        self.slots[at] = Slot::Done {
            out,
            line,
            score: Some(score),
            flagged,
            label_kind,
        };
    }

    /// Writes the rows at the front that are done; their emptied buffers go to `spare`.
    fn flush(&mut self, batch: &mut Batch, spare: &mut Vec<Vec<u8>>) {
        while let Some(Slot::Done { .. }) = self.slots.front() {
            let Some(Slot::Done {
                out,
                line,
                score,
                flagged,
                label_kind,
            }) = self.slots.pop_front()
            else {
                unreachable!("the front is done")
            };
            self.first_slot += 1;
            let csv_start = batch.csv.len();
            batch.csv.extend_from_slice(&out);
            if spare.len() < SPARE_ROWS {
                let mut out = out;
                out.clear();
                spare.push(out);
            }
            batch.rows.push(RowOutcome {
                line,
                score,
                flagged,
                label_kind,
                csv_start,
                csv_end: batch.csv.len(),
            });
        }
    }
}

/// Adds a row at the back of a stage's held rows. The buffer grows by doubling, but never past
/// the most rows a stage holds (one more than [`REORDER_ROWS`]): doubling past it would touch
/// twice the memory.
fn push_held_row<T>(rows: &mut VecDeque<T>, row: T) {
    let len = rows.len();
    if len == rows.capacity() {
        rows.reserve_exact(len.clamp(256, (REORDER_ROWS + 1).saturating_sub(len).max(256)));
    }
    rows.push_back(row);
}

/// An emptied vector of borrowed fields, ready to borrow from another line (the allocation is
/// kept: collecting an empty iterator into a vector of the same layout reuses it).
fn recycle<'a, 'b>(mut fields: Vec<&'a [u8]>) -> Vec<&'b [u8]> {
    fields.clear();
    fields.into_iter().map(|_| -> &'b [u8] { &[] }).collect()
}

/// Room for what follows a row's fields in its output line (`,` score `,` verdict and the line
/// end), so that a fresh row buffer does not grow for them (the computed features, when asked
/// for, still make it grow).
const SCORE_COLUMNS_BYTES: usize = 32;

/// Writes a TSV line's fields as a CSV row (padded with empty fields to `width`). With `plain`
/// (tab separator, no joined field) a line whose bytes need no quoting is copied with its tabs
/// turned into commas: the same bytes, faster.
fn write_tsv_row(out: &mut Vec<u8>, line: &[u8], fields: &[&[u8]], width: usize, plain: bool) {
    if plain && fields.len() >= width && memchr::memchr3(b',', b'"', b'\r', line).is_none() {
        out.extend(line.iter().map(|&b| if b == b'\t' { b',' } else { b }));
        return;
    }
    for i in 0..fields.len().max(width) {
        if i > 0 {
            out.push(b',');
        }
        if let Some(field) = fields.get(i) {
            write_field(out, field);
        }
    }
}

/// A Stratosphere label: `Benign` is normal traffic; `Malicious` an attack of the kind its
/// detailed label names (counted apart, as other attack types are); `Background` no label; else
/// the usual labels.
fn zeek_label(label: &str, detailed: Option<String>) -> (LabelKind, Option<Label>) {
    let label = label.trim();
    if label.eq_ignore_ascii_case("benign") {
        return (LabelKind::Normal, Some(Label::Normal));
    }
    // Stratosphere's `Background`: traffic nobody labelled.
    if label.eq_ignore_ascii_case("background") {
        return (LabelKind::Unlabelled, None);
    }
    if label.eq_ignore_ascii_case("malicious") {
        let name = detailed.unwrap_or_else(|| "Malicious".to_string());
        return (LabelKind::OtherAttack, Some(Label::OtherAttack(name)));
    }
    let label = Label::parse(label);
    (LabelKind::of(label.as_ref()), label)
}

/// The 41 features as CSV fields (each after a comma): counts as integers, rates with two
/// decimals (exactly the values scored), categories by name.
fn write_features(out: &mut Vec<u8>, values: &FeatureVector, categories: &[&[u8]; 3]) {
    use std::io::Write;
    for (i, feature) in FEATURES.iter().enumerate() {
        out.push(b',');
        match feature.kind {
            FeatureKind::Category => {
                let which = CATEGORY_FEATURES
                    .iter()
                    .position(|&f| f == i)
                    .expect("a category feature");
                out.extend_from_slice(categories[which]);
            }
            FeatureKind::Count => {
                let _ = write!(out, "{}", values[i] as u64);
            }
            FeatureKind::Rate => {
                let _ = write!(out, "{:.2}", values[i]);
            }
        }
    }
}

/// A host as text: an IPv4 address for the mapped form, IPv6 otherwise.
pub fn host_text(host: Host) -> String {
    if host >> 127 == 1 {
        return "(not an address)".to_string();
    }
    let v6 = std::net::Ipv6Addr::from(host);
    match v6.to_ipv4_mapped() {
        Some(v4) => v4.to_string(),
        None => v6.to_string(),
    }
}

fn names(c: &Connection) -> Names {
    let port = match c.proto {
        tables::Proto::Tcp => format!("{}", c.resp_p),
        tables::Proto::Icmp => format!("icmp type {}", c.orig_p),
        proto => format!("{}/{}", c.resp_p, proto.kdd_name()),
    };
    Names {
        destination: format!("{}:{port}", host_text(c.resp_h)),
        source: host_text(c.orig_h),
    }
}

/// A time in seconds since 1970 as ISO-8601 UTC with milliseconds.
pub fn iso_time(seconds: f64) -> String {
    let millis = (seconds * 1000.0).round() as i64;
    let (days, ms) = (millis.div_euclid(86_400_000), millis.rem_euclid(86_400_000));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

/// The incidents as CSV: one row each, largest first.
pub fn incidents_csv(incidents: &[Incident]) -> Vec<u8> {
    let mut out =
        b"start,end,start_ts,end_ts,pattern,connections,sources,destination,source,description\n"
            .to_vec();
    for i in incidents {
        let fields = [
            iso_time(i.start),
            iso_time(i.end),
            format!("{:.6}", i.start),
            format!("{:.6}", i.end),
            i.pattern.describe().to_string(),
            i.connections.to_string(),
            i.sources.to_string(),
            i.destination.clone(),
            i.source.clone().unwrap_or_default(),
            i.description.clone(),
        ];
        for (k, field) in fields.iter().enumerate() {
            if k > 0 {
                out.push(b',');
            }
            write_field(&mut out, field.as_bytes());
        }
        out.push(b'\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// StartOrder pops what one binary heap pops, whatever the order of pushes and pops: sorted
    /// runs, stragglers, ties of `ts`, -0 and 0, infinities.
    #[test]
    fn start_order_pops_what_a_heap_pops() {
        let times = [
            -1.5,
            -0.0,
            0.0,
            0.5,
            1.0,
            1.0,
            2.0,
            1e9,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            // SplitMix64: the same draws on every target.
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        for case in 0..200 {
            let mut ours = StartOrder::default();
            let mut heap = BinaryHeap::new();
            let mut clock = 0.0;
            for index in 0..500_u64 {
                // Mostly increasing times with some late rows, or times from the edge cases.
                let ts = match next() % 10 {
                    0 => times[(next() % times.len() as u64) as usize],
                    1 | 2 => clock - (next() % 50) as f64 / 10.0,
                    _ => {
                        clock += (next() % 3) as f64 / 10.0;
                        clock
                    }
                };
                ours.push((TsOrder(ts), index));
                heap.push(Reverse((TsOrder(ts), index)));
                // Pop now and then (more often in some cases), as the reorder buffer does.
                while next() % (2 + case % 5) == 0 {
                    assert_eq!(
                        ours.pop(),
                        heap.pop().map(|Reverse((_, i))| i),
                        "case {case}"
                    );
                }
            }
            while let Some(Reverse((_, i))) = heap.pop() {
                assert_eq!(ours.pop(), Some(i), "case {case}, at the end");
            }
            assert_eq!(ours.pop(), None);
        }
    }

    #[test]
    fn the_plain_row_copy_writes_the_bytes_of_the_general_one() {
        let lines: [&[u8]; 6] = [
            b"1.5\tC1\t10.0.0.1\t80\t-\t(empty)",
            b"1.5\tC1\t10.0.0.1\t80",
            b"1.5\tC1\t10.0.0.1\t80\t-\t(empty)\textra",
            b"1.5\tC,1\t\"quoted\"\t80\t-\t-",
            b"\t\t\t\t\t",
            b"a\\x09b\tc\td\te\tf\tg",
        ];
        let header = TsvHeader::default();
        for line in lines {
            let mut fields = Vec::new();
            header.fields_of(line, &mut fields);
            let (mut fast, mut general) = (Vec::new(), Vec::new());
            write_tsv_row(&mut fast, line, &fields, 6, true);
            write_tsv_row(&mut general, line, &fields, 6, false);
            assert_eq!(fast, general, "{}", String::from_utf8_lossy(line));
        }
    }
}
