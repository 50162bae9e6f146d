//! The scoring pipeline: bytes -> records -> features -> model -> scored CSV and a summary.
//!
//! [`Scorer`] is what the CLI and the page both run, chunk by chunk, so the page's download is
//! byte for byte what `neptune score` writes. Memory stays bounded: only the current record, the
//! caller's batch and a capped list of problems are kept.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::features::{self, Encoding, ParsedRow};
use crate::layout::Layout;
use crate::metrics::{Confusion, Figures};
use crate::model::Model;
use crate::parts::{self, PartContext};
use crate::reader::{FileError, RawRecord, RecordReader};
use crate::schema::{CATEGORY_FEATURES, FEATURES, Label};
use crate::zeek::ConnLog;

/// How many rejected rows are kept with their reasons (all are counted).
pub const KEPT_REJECTIONS: usize = 100;
/// How many distinct unknown names are kept per categorical column (all are counted).
const KEPT_UNKNOWN_NAMES: usize = 50;
/// Bins of the score histogram over [0, 1].
pub const HISTOGRAM_BINS: usize = 20;

/// The two columns added to every row.
pub const SCORE_COLUMNS: [&str; 2] = ["attack_score", "predicted_attack"];

/// A row that could not be scored, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rejection {
    /// The line the row starts on (1-based).
    pub line: u64,
    /// Why the row was rejected, in plain words.
    pub reason: String,
}

/// What a label says, reduced to what metrics need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LabelKind {
    /// No label: the file has no label column, or the row's label field is empty.
    Unlabelled,
    /// Labelled normal.
    Normal,
    /// Labelled Neptune.
    Neptune,
    /// Labelled with another attack type (`smurf`, `satan`, ...).
    OtherAttack,
    /// A group of attacks that may include Neptune (`anomaly`, `DoS`, ...).
    AttackGroup,
}

impl LabelKind {
    /// The label kind as a small number (the page's row flags and [`ScoreCounts`] use it).
    ///
    /// [`ScoreCounts`]: crate::metrics::ScoreCounts
    pub fn code(self) -> usize {
        match self {
            LabelKind::Unlabelled => 0,
            LabelKind::Normal => 1,
            LabelKind::Neptune => 2,
            LabelKind::OtherAttack => 3,
            LabelKind::AttackGroup => 4,
        }
    }

    /// The kind of a parsed label (`None`: an empty label field).
    pub fn of(label: Option<&Label>) -> LabelKind {
        match label {
            None => LabelKind::Unlabelled,
            Some(Label::Normal) => LabelKind::Normal,
            Some(Label::Neptune) => LabelKind::Neptune,
            Some(Label::OtherAttack(_)) => LabelKind::OtherAttack,
            Some(Label::AttackGroup(_)) => LabelKind::AttackGroup,
        }
    }
}

/// The label fields met in a file, each parsed once: a labelled file repeats a few names on
/// every row, and parsing one (trimming, folding case, naming an attack) costs more than
/// finding it again.
#[derive(Debug, Default)]
struct LabelMemo {
    /// Field bytes -> index in `labels`.
    index: rustc_hash::FxHashMap<Box<[u8]>, u32>,
    labels: Vec<Option<Label>>,
    /// The last label parsed once the memo is full.
    unkept: Option<Label>,
}

impl LabelMemo {
    /// Distinct label fields kept (a file with more parses the rest on each row).
    const KEPT: usize = 4096;

    /// What the label field `field` says.
    fn parse(&mut self, field: &[u8]) -> Option<&Label> {
        let index = match self.index.get(field) {
            Some(&index) => index as usize,
            None => {
                let label = Label::parse(&String::from_utf8_lossy(field));
                if self.labels.len() >= Self::KEPT {
                    self.unkept = label;
                    return self.unkept.as_ref();
                }
                self.index.insert(field.into(), self.labels.len() as u32);
                self.labels.push(label);
                self.labels.len() - 1
            }
        };
        self.labels[index].as_ref()
    }
}

/// A row's outcome packed in one byte, as the page receives it (`flags` of a batch): these
/// names are the only definition of the bits; the page gets them from `rowFlags()`.
pub mod row_flags {
    use super::RowOutcome;

    /// The row's score reached the threshold.
    pub const FLAGGED: u8 = 1;
    /// The row could not be scored.
    pub const REJECTED: u8 = 2;
    /// Where the label kind ([`super::LabelKind::code`]) starts.
    pub const LABEL_SHIFT: u8 = 2;
    /// The label kind's bits, once shifted down.
    pub const LABEL_MASK: u8 = 7;

    /// The byte of one row.
    pub fn pack(row: &RowOutcome) -> u8 {
        let mut flags = (row.label_kind.code() as u8) << LABEL_SHIFT;
        if row.flagged {
            flags |= FLAGGED;
        }
        if row.score.is_none() {
            flags |= REJECTED;
        }
        flags
    }
}

/// The outcome of one input row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RowOutcome {
    /// The line the row starts on (1-based).
    pub line: u64,
    /// `None` when the row was rejected.
    pub score: Option<f64>,
    /// Whether the score reaches the threshold (false for a rejected row).
    pub flagged: bool,
    /// What the row's label says.
    pub label_kind: LabelKind,
    /// Where the row's output line lies in the batch's `csv`.
    pub csv_start: usize,
    /// End of that line, exclusive (just past its line end).
    pub csv_end: usize,
}

/// Output of one push: scored CSV bytes and one outcome per row. Reuse it across pushes by
/// clearing it once its contents are consumed.
#[derive(Debug, Default)]
pub struct Batch {
    /// The scored CSV: each row's input fields, then [`SCORE_COLUMNS`]; the first batch starts
    /// with the header.
    pub csv: Vec<u8>,
    /// One outcome per data row, in input order.
    pub rows: Vec<RowOutcome>,
    /// Where `csv` holds the output header, in the batch that holds it: the header is the first
    /// thing a scorer writes, so it starts at 0 unless an earlier push of the same batch wrote
    /// nothing else.
    pub header: Option<std::ops::Range<usize>>,
}

impl Batch {
    /// Empties the batch for the next push, keeping its memory.
    pub fn clear(&mut self) {
        self.csv.clear();
        self.rows.clear();
        self.header = None;
    }

    /// Writes the output header with `write`, remembering where it is.
    pub(crate) fn write_header(&mut self, write: impl FnOnce(&mut Vec<u8>)) {
        let start = self.csv.len();
        write(&mut self.csv);
        self.header = Some(start..self.csv.len());
    }
}

/// Rows of one other attack type in a labelled file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct OtherAttack {
    /// Rows with this label.
    pub rows: u64,
    /// Of those, rows flagged.
    pub flagged: u64,
}

/// Metrics of a labelled file, Neptune against normal; other attack types apart.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Labelled {
    /// Rows labelled Neptune or normal, against whether they were flagged.
    pub confusion: Confusion,
    /// The figures of `confusion`; `None` when no row is labelled Neptune.
    pub figures: Option<Figures>,
    /// Rows of each other attack type, by label.
    pub other_attacks: BTreeMap<String, OtherAttack>,
    /// Rows labelled only with a group of attacks (`anomaly`, `DoS`, ...): Neptune may be among
    /// them, so they are counted apart, by group.
    #[serde(default)]
    pub attack_groups: BTreeMap<String, OtherAttack>,
    /// Scored rows whose label field was empty.
    pub unlabelled: u64,
}

impl Labelled {
    /// Neptune's accuracy, precision and recall need rows labelled Neptune: without any, the
    /// labels cannot support them (a file labelled normal/anomaly), and none are given.
    pub(crate) fn refresh_figures(&mut self) {
        let c = &self.confusion;
        self.figures = (c.true_positive + c.false_negative > 0).then(|| c.figures());
    }
}

/// Running counts for a whole file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Data rows seen (scored + rejected).
    pub rows: u64,
    /// Rows given a score.
    pub scored: u64,
    /// Scored rows at or above the threshold.
    pub flagged: u64,
    /// Rows that could not be scored (written out with empty score columns).
    pub rejected: u64,
    /// The first [`KEPT_REJECTIONS`] rejected rows.
    pub rejections: Vec<Rejection>,
    /// Category names the model never saw: column -> name -> rows. Such rows are still scored.
    pub unknown_categories: BTreeMap<String, BTreeMap<String, u64>>,
    /// The kept unknown names of each column in the order they were first met (which names
    /// are kept depends on it; merging parts follows it).
    #[serde(default)]
    pub unknown_first_seen: BTreeMap<String, Vec<String>>,
    /// Scored rows with at least one category name the model never saw.
    pub rows_with_unknown_categories: u64,
    /// Scored rows per bin, [0, 1] being cut into [`HISTOGRAM_BINS`] equal bins (a score of 1
    /// counts in the last).
    pub histogram: [u64; HISTOGRAM_BINS],
    /// Rows per exact score and kind of label: what moving the threshold needs.
    #[serde(default)]
    pub score_counts: crate::metrics::ScoreCounts,
    /// The score at or above which a row was flagged.
    pub threshold: f64,
    /// Present when the file has a label column.
    pub labelled: Option<Labelled>,
    /// Whether the file's first record named its columns.
    pub has_header: bool,
    /// Fields per row, as the first record gave them (for a Zeek conn.log: its field names).
    pub columns: usize,
    /// The delimiter's name: `comma`, `semicolon`, `tab`, `pipe` or `other` (`json` for a
    /// Zeek conn.log in JSON).
    pub delimiter: String,
    /// Whether the file was Weka ARFF.
    pub arff: bool,
    /// How the file's columns were read where it did not say so plainly (generic or misspelled
    /// names, two label columns, a repeated column).
    #[serde(default)]
    pub notes: Vec<String>,
    /// Present for a Zeek conn.log: its form, the incidents, the reorder buffer's count.
    #[serde(default)]
    pub zeek: Option<crate::zeek::ZeekSummary>,
}

impl Summary {
    /// Adds the summary of the next part of the same file, whose line numbers count from
    /// `line_offset + 1`. Merging the parts in order gives what one scorer over the whole file
    /// would have counted.
    pub fn merge(&mut self, later: &Summary, line_offset: u64) {
        self.rows += later.rows;
        self.scored += later.scored;
        self.flagged += later.flagged;
        self.rejected += later.rejected;
        for rejection in &later.rejections {
            if self.rejections.len() < KEPT_REJECTIONS {
                self.rejections.push(Rejection {
                    line: rejection.line + line_offset,
                    reason: rejection.reason.clone(),
                });
            }
        }
        for (column, order) in &later.unknown_first_seen {
            let counts = &later.unknown_categories[column];
            for name in order {
                self.add_unknown(column, name, counts[name]);
            }
        }
        self.rows_with_unknown_categories += later.rows_with_unknown_categories;
        for (bin, count) in self.histogram.iter_mut().zip(later.histogram) {
            *bin += count;
        }
        self.score_counts.merge(&later.score_counts);
        if let (Some(mine), Some(theirs)) = (&mut self.labelled, &later.labelled) {
            let (c, t) = (&mut mine.confusion, &theirs.confusion);
            c.true_positive += t.true_positive;
            c.false_positive += t.false_positive;
            c.true_negative += t.true_negative;
            c.false_negative += t.false_negative;
            for (mine, theirs) in [
                (&mut mine.other_attacks, &theirs.other_attacks),
                (&mut mine.attack_groups, &theirs.attack_groups),
            ] {
                for (name, other) in theirs {
                    let kept = mine.entry(name.clone()).or_default();
                    kept.rows += other.rows;
                    kept.flagged += other.flagged;
                }
            }
            mine.unlabelled += theirs.unlabelled;
            mine.refresh_figures();
        }
    }

    /// Counts a rejected row, keeping its line and reason among the first
    /// [`KEPT_REJECTIONS`] (the reason is written out only then).
    pub(crate) fn reject(&mut self, line: u64, reason: impl std::fmt::Display) {
        self.rejected += 1;
        if self.rejections.len() < KEPT_REJECTIONS {
            self.rejections.push(Rejection {
                line,
                reason: reason.to_string(),
            });
        }
    }

    /// Encodes a parsed row in place with `model`'s encoding (its `values` become the model's
    /// input), counting the category names it never saw.
    pub(crate) fn encode(&mut self, model: &Model, parsed: &mut ParsedRow<'_>) {
        let unknown = model.encoding.encode_in_place(parsed);
        if unknown.any() {
            self.rows_with_unknown_categories += 1;
            for (which, &feature) in CATEGORY_FEATURES.iter().enumerate() {
                if unknown.0[which] {
                    self.note_unknown(FEATURES[feature].name, parsed.categories[which]);
                }
            }
        }
    }

    pub(crate) fn note_unknown(&mut self, column: &str, name: &[u8]) {
        self.add_unknown(column, &String::from_utf8_lossy(name), 1);
    }

    /// Counts `rows` more rows with the unknown `name`, keeping the first names met.
    fn add_unknown(&mut self, column: &str, name: &str, rows: u64) {
        let names = self
            .unknown_categories
            .entry(column.to_string())
            .or_default();
        if let Some(count) = names.get_mut(name) {
            *count += rows;
        } else if names.len() < KEPT_UNKNOWN_NAMES {
            names.insert(name.to_string(), rows);
            self.unknown_first_seen
                .entry(column.to_string())
                .or_default()
                .push(name.to_string());
        }
    }

    pub(crate) fn count_score(
        &mut self,
        score: f64,
        flagged: bool,
        label_kind: LabelKind,
        label: Option<&Label>,
    ) {
        self.scored += 1;
        self.flagged += u64::from(flagged);
        let bin = ((score * HISTOGRAM_BINS as f64) as usize).min(HISTOGRAM_BINS - 1);
        self.histogram[bin] += 1;
        self.score_counts.add(score, label_kind.code(), 1);
        if let Some(labelled) = &mut self.labelled {
            match (label_kind, label) {
                (LabelKind::Normal, _) => labelled.confusion.add(false, flagged),
                (LabelKind::Neptune, _) => labelled.confusion.add(true, flagged),
                (LabelKind::OtherAttack, Some(Label::OtherAttack(name))) => {
                    // Found before inserted: no copy of the name for rows already counted.
                    let other = match labelled.other_attacks.get_mut(name.as_str()) {
                        Some(other) => other,
                        None => labelled.other_attacks.entry(name.clone()).or_default(),
                    };
                    other.rows += 1;
                    other.flagged += u64::from(flagged);
                }
                (LabelKind::AttackGroup, Some(Label::AttackGroup(name))) => {
                    let group = labelled.attack_groups.entry(name.to_string()).or_default();
                    group.rows += 1;
                    group.flagged += u64::from(flagged);
                }
                _ => labelled.unlabelled += 1,
            }
        }
    }
}

/// Scores a file pushed in chunks.
pub struct Scorer<'m> {
    model: &'m Model,
    threshold: f64,
    reader: RecordReader,
    layout: Option<Layout>,
    /// Whether the label-encoding check has run on a well-formed row.
    categories_checked: bool,
    labels: LabelMemo,
    header_written: bool,
    /// A later part of a file (see [`Scorer::for_part`]): its rows alone need not be usable.
    later_part: bool,
    summary: Summary,
    /// The file's start, until its first line tells a Zeek log from a CSV.
    undecided: Option<Vec<u8>>,
    /// Set when the file is a Zeek conn.log: it scores the whole file.
    conn_log: Option<Box<ConnLog<'m>>>,
    /// Whether a conn.log's output carries the 41 computed features.
    zeek_features: bool,
}

/// How far into a file its first line must have ended to tell a Zeek log from a CSV.
const FIRST_LINE_BYTES: usize = 1 << 20;

/// What the file's first non-blank line says it is, once `start` holds that line (`None` while
/// more is needed).
fn first_line_kind(start: &[u8], at_end: bool) -> Option<crate::zeek::Kind> {
    let text = start
        .strip_prefix(b"\xEF\xBB\xBF".as_slice())
        .unwrap_or(start);
    let from = text.iter().position(|b| !b.is_ascii_whitespace());
    let Some(from) = from else {
        return (at_end || text.len() > FIRST_LINE_BYTES).then_some(crate::zeek::Kind::NotZeek);
    };
    let line = &text[from..];
    match memchr::memchr2(b'\n', b'\r', line) {
        Some(end) => Some(crate::zeek::log::kind(&line[..end])),
        None if at_end || line.len() > FIRST_LINE_BYTES => Some(crate::zeek::log::kind(line)),
        None => None,
    }
}

impl<'m> Scorer<'m> {
    /// A scorer using `model`, flagging rows at or above `threshold` (the model's own if `None`).
    pub fn new(model: &'m Model, threshold: Option<f64>) -> Self {
        let threshold = threshold.unwrap_or(model.threshold);
        Scorer {
            model,
            threshold,
            reader: RecordReader::new(),
            layout: None,
            categories_checked: false,
            labels: LabelMemo::default(),
            header_written: false,
            later_part: false,
            summary: Summary {
                threshold,
                ..Summary::default()
            },
            undecided: Some(Vec::new()),
            conn_log: None,
            zeek_features: false,
        }
    }

    /// Makes a Zeek conn.log's output carry the 41 features computed for each connection
    /// (before the score columns). Other files are not changed.
    pub fn with_zeek_features(mut self, on: bool) -> Self {
        self.zeek_features = on;
        self
    }

    /// Makes this scorer read every line with the general reader and parser (see
    /// [`RecordReader::general_only`]): the same output, slower. For tests, the fuzzer and the
    /// benchmarks, which prove the two paths agree and time both. Call it before the first push.
    pub fn general_only(&mut self) {
        self.reader = std::mem::take(&mut self.reader).general_only();
    }

    /// Whether the file is a Zeek conn.log (known once its first line has been read).
    pub fn is_conn_log(&self) -> bool {
        self.conn_log.is_some()
    }

    /// The conn.log scorer this scorer hands the file to, once its first line showed a Zeek
    /// conn.log (see [`Scorer::is_conn_log`] and [`ConnLog::into_stages`]).
    pub fn into_conn_log(self) -> Option<ConnLog<'m>> {
        self.conn_log.map(|conn_log| *conn_log)
    }

    /// Sends the file's start, once its first line tells what it is, to the right reader.
    fn decide(&mut self, at_end: bool, batch: &mut Batch) -> Result<(), FileError> {
        let Some(start) = &self.undecided else {
            return Ok(());
        };
        let Some(kind) = first_line_kind(start, at_end) else {
            return Ok(());
        };
        let start = self.undecided.take().expect("checked above");
        match kind {
            crate::zeek::Kind::NotZeek => self.push(&start, batch),
            crate::zeek::Kind::OtherLog(log) => Err(FileError::NotConnLog { log }),
            kind => {
                let threshold = self.threshold;
                let mut conn_log = ConnLog::new(self.model, threshold, &kind, self.zeek_features);
                conn_log.push(&start, batch)?;
                self.conn_log = Some(Box::new(conn_log));
                Ok(())
            }
        }
    }

    /// Writes the output header now if the layout is known (it is otherwise written with the
    /// first row): needed before the outputs of later parts are appended.
    pub fn write_header(&mut self, batch: &mut Batch) {
        if self.conn_log.is_some() {
            return;
        }
        if let Some(layout) = &self.layout {
            write_header_once(&mut self.header_written, layout, batch);
        }
    }

    /// Pushes the start of a file that continues after `head` (at most
    /// [`parts::FIRST_PART_BYTES`]; see [`crate::parts`]). When the rest can be scored in parts,
    /// only `head` up to its [`parts::cut`] is scored, the output header is written, and the
    /// context later parts need is returned: the next part's look-behind holds the rest of `head`.
    /// Otherwise all of `head` is scored and `None` returned: this scorer reads on.
    pub fn push_start(
        &mut self,
        head: &[u8],
        batch: &mut Batch,
    ) -> Result<Option<PartContext>, FileError> {
        let Some(cut) = parts::cut(head) else {
            self.push(head, batch)?;
            return Ok(None);
        };
        self.push(&head[..cut], batch)?;
        let context = self.part_context().filter(|c| c.can_split(&head[..cut]));
        if context.is_some() {
            self.write_header(batch);
        } else {
            self.push(&head[cut..], batch)?;
        }
        Ok(context)
    }

    /// A scorer for a part of the file that starts at a line start after the first record
    /// (see [`PartContext`]). Its line numbers count from the part's first line; its output
    /// has no header.
    pub fn for_part(
        model: &'m Model,
        threshold: Option<f64>,
        context: &PartContext,
    ) -> Result<Self, FileError> {
        let layout = context.layout.clone();
        let mut scorer = Scorer::new(model, threshold);
        scorer.reader = RecordReader::with_dialect(context.dialect, layout.width);
        scorer.later_part = true;
        scorer.undecided = None;
        scorer.summary.has_header = layout.has_header;
        scorer.summary.columns = layout.width;
        if layout.label_column.is_some() {
            scorer.summary.labelled = Some(Labelled::default());
        }
        scorer.layout = Some(layout);
        scorer.categories_checked = true;
        scorer.header_written = true;
        Ok(scorer)
    }

    /// The context later parts of the file need, once the first record has been read.
    pub fn part_context(&self) -> Option<PartContext> {
        // A conn.log's window features need the rows before: it is read by one scorer.
        if self.conn_log.is_some() || self.undecided.is_some() {
            return None;
        }
        // Parts skip the check for label-encoded categories, so it must have run here first.
        if !self.categories_checked {
            return None;
        }
        let layout = self.layout.as_ref()?;
        Some(PartContext {
            dialect: self.reader.dialect(),
            layout: layout.clone(),
        })
    }

    /// Line ends read so far (a part's line count, once it is finished).
    pub fn line_ends(&self) -> u64 {
        self.reader.line_ends()
    }

    /// Adds a later part's summary (see [`Summary::merge`]).
    pub fn merge(&mut self, later: &Summary, line_offset: u64) {
        self.summary.merge(later, line_offset);
    }

    /// The counts so far. For a Zeek conn.log they stay empty until [`Scorer::finish`].
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    /// Which column holds which feature; `None` until the first record is read, and for a Zeek
    /// conn.log.
    pub fn layout(&self) -> Option<&Layout> {
        self.layout.as_ref()
    }

    /// The reader, and the per-record work that borrows the rest of the scorer.
    fn split<'s>(&'s mut self, batch: &'s mut Batch) -> (&'s mut RecordReader, RowSink<'s, 'm>) {
        let Scorer {
            reader,
            model,
            threshold,
            layout,
            categories_checked,
            labels,
            header_written,
            summary,
            ..
        } = self;
        let sink = RowSink {
            model,
            threshold: *threshold,
            layout,
            categories_checked,
            labels,
            header_written,
            summary,
            batch,
        };
        (reader, sink)
    }

    /// Scores the rows completed by `chunk`, appending their output to `batch`.
    pub fn push(&mut self, chunk: &[u8], batch: &mut Batch) -> Result<(), FileError> {
        if let Some(conn_log) = &mut self.conn_log {
            return conn_log.push(chunk, batch);
        }
        if let Some(start) = &mut self.undecided {
            start.extend_from_slice(chunk);
            return self.decide(false, batch);
        }
        // The output is the input and two short columns per row: room for it at once, rather
        // than copies of the output as it grows.
        batch.csv.reserve(chunk.len() + chunk.len() / 8);
        let (reader, mut sink) = self.split(batch);
        reader.push(chunk, &mut |record| sink.record(&record))
    }

    /// Ends the file: scores a last row without a line end and returns the summary. A file with
    /// a header and no rows gives just the header.
    pub fn finish(&mut self, batch: &mut Batch) -> Result<Summary, FileError> {
        self.decide(true, batch)?;
        if let Some(conn_log) = &mut self.conn_log {
            let summary = conn_log.finish(batch)?;
            self.summary = summary.clone();
            return Ok(summary);
        }
        let (reader, mut state) = self.split(batch);
        reader.finish(&mut |record| state.record(&record))?;
        state.write_header_once();
        if !self.later_part && self.summary.rows > 0 && self.summary.scored == 0 {
            let first = self.summary.rejections.first();
            return Err(FileError::NothingScored {
                rows: self.summary.rows,
                line: first.map_or(0, |r| r.line),
                reason: first.map_or_else(String::new, |r| r.reason.clone()),
            });
        }
        let dialect = self.reader.dialect();
        self.summary.delimiter = dialect.delimiter_name().to_string();
        self.summary.arff = dialect.arff;
        if let Some(labelled) = &mut self.summary.labelled {
            labelled.refresh_figures();
        }
        Ok(self.summary.clone())
    }
}

/// The per-record work, borrowing the scorer's parts so the reader can call it.
struct RowSink<'s, 'm> {
    model: &'s &'m Model,
    threshold: f64,
    layout: &'s mut Option<Layout>,
    categories_checked: &'s mut bool,
    labels: &'s mut LabelMemo,
    header_written: &'s mut bool,
    summary: &'s mut Summary,
    batch: &'s mut Batch,
}

impl RowSink<'_, '_> {
    fn record(&mut self, record: &RawRecord<'_>) -> Result<(), FileError> {
        if self.layout.is_none() {
            let layout = Layout::detect(record)?;
            self.summary.notes.clone_from(&layout.notes);
            self.summary.has_header = layout.has_header;
            self.summary.columns = layout.width;
            if layout.label_column.is_some() {
                self.summary.labelled = Some(Labelled::default());
            }
            let has_header = layout.has_header;
            *self.layout = Some(layout);
            if has_header {
                return Ok(());
            }
        }
        self.data_row(record)
    }

    fn write_header_once(&mut self) {
        if let Some(layout) = self.layout.as_ref() {
            write_header_once(self.header_written, layout, self.batch);
        }
    }

    fn data_row(&mut self, record: &RawRecord<'_>) -> Result<(), FileError> {
        if let Some(layout) = self.layout.as_mut().filter(|l| l.trailing_from_data) {
            layout.place_trailing_columns(record, false);
            self.summary.notes.clone_from(&layout.notes);
            self.summary.labelled = layout.label_column.map(|_| Labelled::default());
        }
        let layout = self
            .layout
            .as_ref()
            .expect("the layout is set by the first record");
        let label = match layout.label_column {
            Some(column) if column < record.len() => self.labels.parse(record.field(column)),
            _ => None,
        };
        let label_kind = LabelKind::of(label);
        let mut parsed = ParsedRow::default();
        let score = match features::parse_row_into(record, layout, &mut parsed) {
            Ok(()) => {
                if !*self.categories_checked {
                    *self.categories_checked = true;
                    if Encoding::looks_label_encoded(&parsed) {
                        return Err(label_encoded_error(&parsed.categories, "this file"));
                    }
                }
                self.summary.encode(self.model, &mut parsed);
                Ok(self.model.score(&parsed.values))
            }
            Err(problem) => Err(problem),
        };
        write_header_once(self.header_written, layout, self.batch);
        self.summary.rows += 1;
        let width = layout.width;
        let csv_start = self.batch.csv.len();
        let outcome = match score {
            Ok(score) => {
                let flagged = score >= self.threshold;
                self.summary.count_score(score, flagged, label_kind, label);
                write_scored_row(&mut self.batch.csv, record, width, Some((score, flagged)));
                (Some(score), flagged)
            }
            Err(problem) => {
                self.summary.reject(record.line, &problem);
                write_scored_row(&mut self.batch.csv, record, width, None);
                (None, false)
            }
        };
        self.batch.rows.push(RowOutcome {
            line: record.line,
            score: outcome.0,
            flagged: outcome.1,
            label_kind,
            csv_start,
            csv_end: self.batch.csv.len(),
        });
        Ok(())
    }
}

/// Writes the output header (the input's column names, then the score columns) before the
/// first row, exactly once.
fn write_header_once(written: &mut bool, layout: &Layout, batch: &mut Batch) {
    if *written {
        return;
    }
    *written = true;
    let names = layout
        .header
        .iter()
        .map(Vec::as_slice)
        .chain(SCORE_COLUMNS.iter().map(|c| c.as_bytes()));
    batch.write_header(|csv| write_row(csv, names));
}

/// The error for a file (or batch: `what`) whose categories hold numbers: it was label-encoded.
pub(crate) fn label_encoded_error(categories: &[&[u8]; 3], what: &'static str) -> FileError {
    FileError::LabelEncoded {
        values: categories
            .iter()
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect(),
        what,
    }
}

/// Writes one output row: the input fields unchanged (a short row is padded with empty fields
/// so the score columns line up), then the score and the verdict, or two empty fields.
fn write_scored_row(
    out: &mut Vec<u8>,
    record: &RawRecord<'_>,
    width: usize,
    scored: Option<(f64, bool)>,
) {
    if let Some(line) = record.plain_csv_line() {
        // The fields joined by commas, none needing quotes: the line as it came.
        out.extend_from_slice(line);
        out.resize(out.len() + width.saturating_sub(record.len()), b',');
    } else {
        write_fields(out, record, width);
    }
    match scored {
        Some((score, flagged)) => {
            out.push(b',');
            write_score(out, score);
            out.extend_from_slice(if flagged { b",1\n" } else { b",0\n" });
        }
        None => out.extend_from_slice(b",,\n"),
    }
}

/// Writes a record's fields joined by commas, quoting those that need it, padded with empty
/// fields to `width`.
fn write_fields(out: &mut Vec<u8>, record: &RawRecord<'_>, width: usize) {
    let all = record.field_bytes();
    let plain =
        memchr::memchr3(b',', b'"', b'\n', all).is_none() && memchr::memchr(b'\r', all).is_none();
    for i in 0..record.len().max(width) {
        if i > 0 {
            out.push(b',');
        }
        if i < record.len() {
            if plain {
                // Fields are short: a byte loop beats a memcpy call per field.
                for &b in record.field(i) {
                    out.push(b);
                }
            } else {
                write_field(out, record.field(i));
            }
        }
    }
}

/// Writes a score in [0, 1] with six decimals: `round(score * 1e6)` millionths. Defined by
/// integer arithmetic, so every target writes the same digits.
pub(crate) fn write_score(out: &mut Vec<u8>, score: f64) {
    let micros = (score.clamp(0.0, 1.0) * 1_000_000.0).round() as u32;
    out.push(b'0' + (micros / 1_000_000) as u8);
    out.push(b'.');
    let mut fraction = micros % 1_000_000;
    let mut digits = [b'0'; 6];
    for digit in digits.iter_mut().rev() {
        *digit = b'0' + (fraction % 10) as u8;
        fraction /= 10;
    }
    out.extend_from_slice(&digits);
}

fn write_row<'a>(out: &mut Vec<u8>, fields: impl Iterator<Item = &'a [u8]>) {
    for (i, field) in fields.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_field(out, field);
    }
    out.push(b'\n');
}

/// Writes a field, quoting it when it holds a comma, a quote or a line end (RFC 4180).
pub fn write_field(out: &mut Vec<u8>, field: &[u8]) {
    if field
        .iter()
        .any(|&b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
    {
        out.push(b'"');
        for &b in field {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(field);
    }
}

/// Scores a whole file held in memory (tests, small inputs).
pub fn score_bytes(
    model: &Model,
    input: &[u8],
    threshold: Option<f64>,
) -> Result<(Vec<u8>, Summary), FileError> {
    let mut scorer = Scorer::new(model, threshold);
    let mut batch = Batch::default();
    scorer.push(input, &mut batch)?;
    let summary = scorer.finish(&mut batch)?;
    Ok((batch.csv, summary))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::fixtures::{FLOOD_ROW as FLOOD, LABELLED_HEADER as HEADER, NORMAL_ROW as NORMAL};

    #[test]
    fn a_rows_flags_byte_holds_its_verdict_and_its_label_kind() {
        let row = |score: Option<f64>, flagged, label_kind| RowOutcome {
            line: 2,
            score,
            flagged,
            label_kind,
            csv_start: 0,
            csv_end: 1,
        };
        let flood = row_flags::pack(&row(Some(1.0), true, LabelKind::Neptune));
        assert_eq!(flood & row_flags::FLAGGED, row_flags::FLAGGED);
        assert_eq!(flood & row_flags::REJECTED, 0);
        let kind = (flood >> row_flags::LABEL_SHIFT) & row_flags::LABEL_MASK;
        assert_eq!(usize::from(kind), LabelKind::Neptune.code());
        let rejected = row_flags::pack(&row(None, false, LabelKind::Unlabelled));
        assert_eq!(rejected, row_flags::REJECTED);
        // Every label kind fits its bits.
        for label_kind in [
            LabelKind::Normal,
            LabelKind::OtherAttack,
            LabelKind::AttackGroup,
        ] {
            let byte = row_flags::pack(&row(Some(0.0), false, label_kind));
            assert_eq!(
                usize::from(byte >> row_flags::LABEL_SHIFT),
                label_kind.code()
            );
        }
    }

    fn file(line_end: &str) -> String {
        let mut rows = vec![HEADER.to_string()];
        for i in 0..40 {
            rows.push(match i % 7 {
                0 => FLOOD.to_string(),
                3 => NORMAL.replace("181", "abc"),
                4 => NORMAL.replace("http", "gopher9"),
                5 => NORMAL.replace(",normal", ",smurf"),
                6 => "1,2,3".to_string(),
                _ => NORMAL.to_string(),
            });
        }
        rows.join(line_end) + line_end
    }

    /// Scores `text` as parts cut at `cuts` (line ends), as the CLI's threads and the page's
    /// workers do.
    fn score_in_parts(model: &Model, text: &[u8], cuts: &[usize]) -> (Vec<u8>, Summary) {
        let mut primary = Scorer::new(model, None);
        let mut batch = Batch::default();
        primary.push(&text[..cuts[0]], &mut batch).unwrap();
        primary.write_header(&mut batch);
        let context = primary.part_context().unwrap();
        let mut offset = primary.line_ends();
        let mut out = std::mem::take(&mut batch.csv);
        let bounds: Vec<usize> = cuts.iter().copied().chain([text.len()]).collect();
        for pair in bounds.windows(2) {
            let mut part = Scorer::for_part(model, None, &context).unwrap();
            part.push(&text[pair[0]..pair[1]], &mut batch).unwrap();
            let summary = part.finish(&mut batch).unwrap();
            out.append(&mut batch.csv);
            primary.merge(&summary, offset);
            offset += part.line_ends();
        }
        let summary = primary.finish(&mut batch).unwrap();
        out.append(&mut batch.csv);
        (out, summary)
    }

    #[test]
    fn parts_scored_apart_give_the_bytes_and_summary_of_one_scorer() {
        let model = Model::embedded();
        for line_end in ["\n", "\r\n", "\r"] {
            let text = file(line_end);
            let (whole, whole_summary) = score_bytes(&model, text.as_bytes(), None).unwrap();
            assert!(whole_summary.rejected > 0 && whole_summary.rows_with_unknown_categories > 0);
            let ends: Vec<usize> = (1..text.len())
                .filter(|&i| parts::last_line_end(&text.as_bytes()[..i]) == Some(i))
                .collect();
            for (k, &first) in ends.iter().enumerate().skip(8).step_by(3) {
                let cuts: Vec<usize> = std::iter::once(first)
                    .chain(ends[k..].iter().copied().skip(5).step_by(9))
                    .collect();
                let (parts, summary) = score_in_parts(&model, text.as_bytes(), &cuts);
                assert_eq!(parts, whole, "{line_end:?} cut at {cuts:?}");
                assert_eq!(summary, whole_summary, "{line_end:?} cut at {cuts:?}");
            }
        }
    }

    #[test]
    fn the_batch_that_holds_the_header_says_where_it_is() {
        let model = Model::embedded();
        for line_end in ["\n", "\r\n"] {
            let text = file(line_end);
            let mut scorer = Scorer::new(&model, None);
            let mut batch = Batch::default();
            // Pushed a byte at a time: the header is in one batch only, at its start.
            let mut seen = Vec::new();
            for byte in text.as_bytes().chunks(1) {
                scorer.push(byte, &mut batch).unwrap();
                if let Some(header) = batch.header.clone() {
                    seen.push(batch.csv[header].to_vec());
                }
                batch.clear();
            }
            scorer.finish(&mut batch).unwrap();
            assert_eq!(batch.header, None);
            let (whole, _) = score_bytes(&model, text.as_bytes(), None).unwrap();
            let first_line = &whole[..=whole.iter().position(|&b| b == b'\n').unwrap()];
            assert_eq!(seen, vec![first_line.to_vec()], "{line_end:?}");
        }
        // A later part writes none.
        let text = file("\n");
        let mut primary = Scorer::new(&model, None);
        let mut batch = Batch::default();
        let head = &text.as_bytes()[..text.len() / 2];
        let context = primary.push_start(head, &mut batch).unwrap().unwrap();
        assert!(batch.header.is_some());
        let cut = parts::cut(head).unwrap();
        let mut part = Scorer::for_part(&model, None, &context).unwrap();
        let mut part_batch = Batch::default();
        part.push(&text.as_bytes()[cut..], &mut part_batch).unwrap();
        part.finish(&mut part_batch).unwrap();
        assert!(!part_batch.rows.is_empty());
        assert_eq!(part_batch.header, None);
    }

    #[test]
    fn scores_are_written_with_six_decimals() {
        let mut out = Vec::new();
        for score in [0.0, 1.0, 0.4206, 0.0000004, 0.9999996] {
            write_score(&mut out, score);
            out.push(b' ');
        }
        assert_eq!(out, b"0.000000 1.000000 0.420600 0.000000 1.000000 ");
    }
}
