//! Fixtures shared by the integration tests, built in code: connections taken from
//! ../shared/data at run time (or hand-written ones when the data is absent), written out in any
//! layout the reader accepts, and a strict RFC 4180 parser to read the scored CSV back with
//! something other than the library's own reader.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use neptune::Model;
use neptune::schema::{FEATURE_COUNT, FEATURES};
use neptune::score::{Batch, Scorer, Summary, score_bytes};

/// The two columns the scorer adds.
pub const SCORE_COLUMNS: [&str; 2] = ["attack_score", "predicted_attack"];

/// `../shared/data`, where CI keeps Train_Data.csv and Test_Data.csv (`NEPTUNE_DATA_DIR`
/// overrides it: point it at an empty directory to run the suite as it runs without the data).
pub fn data_dir() -> PathBuf {
    match std::env::var_os("NEPTUNE_DATA_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"),
    }
}

/// The bytes of a data file, or `None` (with a note on stderr) when it is absent.
pub fn data_file(name: &str) -> Option<Vec<u8>> {
    let path = data_dir().join(name);
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(e) => {
            eprintln!(
                "note: {} is not readable ({e}); skipping what needs it",
                path.display()
            );
            None
        }
    }
}

/// The embedded model, decoded once per test binary.
pub fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(Model::embedded)
}

/// One connection as a file holds it: the 41 feature values as written, whether it is an attack
/// (made up for Test_Data rows, which have no label: labels are not features) and NSL-KDD's
/// difficulty level.
#[derive(Debug, Clone, PartialEq)]
pub struct Connection {
    pub features: Vec<String>,
    pub attack: bool,
    pub difficulty: String,
}

/// Connections written by hand, so that every test runs without ../shared/data.
const HAND_WRITTEN: [(&str, bool, &str); 8] = [
    (
        "0,tcp,http,SF,215,45076,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,1,1,0.00,0.00,0.00,0.00,1.00,0.00,0.00,0,0,0.00,0.00,0.00,0.00,0.00,0.00,0.00,0.00",
        false,
        "21",
    ),
    (
        "0,tcp,private,S0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,123,6,1.00,1.00,0.00,0.00,0.05,0.07,0.00,255,26,0.10,0.05,0.00,0.00,1.00,1.00,0.00,0.00",
        true,
        "19",
    ),
    (
        "0,tcp,private,REJ,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,136,1,0.00,0.00,1.00,1.00,0.01,0.06,0.00,255,1,0.00,0.06,0.00,0.00,0.00,0.00,1.00,1.00",
        true,
        "21",
    ),
    (
        "0,udp,domain_u,SF,45,44,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,2,2,0.00,0.00,0.00,0.00,1.00,0.00,0.00,255,254,1.00,0.01,0.00,0.00,0.00,0.00,0.00,0.00",
        false,
        "21",
    ),
    (
        "0,icmp,ecr_i,SF,1032,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,1,0.00,0.00,0.00,0.00,1.00,0.00,0.00,1,1,1.00,0.00,1.00,0.00,0.00,0.00,0.00,0.00",
        false,
        "18",
    ),
    (
        "2,tcp,ftp_data,SF,12983,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,1,0.00,0.00,0.00,0.00,1.00,0.00,0.00,134,86,0.61,0.04,0.61,0.02,0.00,0.00,0.00,0.00",
        false,
        "21",
    ),
    (
        "0,tcp,supdup,S0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,232,8,1.00,1.00,0.00,0.00,0.03,0.06,0.00,255,8,0.03,0.05,0.00,0.00,1.00,1.00,0.00,0.00",
        true,
        "20",
    ),
    (
        "0,tcp,smtp,SF,1022,387,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,1,1,0.00,0.00,0.00,0.00,1.00,0.00,0.00,51,91,0.73,0.04,0.02,0.02,0.00,0.00,0.00,0.00",
        false,
        "21",
    ),
];

pub fn hand_written() -> Vec<Connection> {
    HAND_WRITTEN
        .iter()
        .map(|(features, attack, difficulty)| Connection {
            features: features.split(',').map(str::to_string).collect(),
            attack: *attack,
            difficulty: difficulty.to_string(),
        })
        .collect()
}

/// Data lines (header dropped) of a file of ../shared/data, split on commas (the files quote
/// nothing).
pub fn data_rows(bytes: &[u8], limit: usize) -> Vec<Vec<String>> {
    std::str::from_utf8(bytes)
        .expect("the data files are ASCII")
        .lines()
        .skip(1)
        .filter(|line| !line.is_empty())
        .take(limit)
        .map(|line| line.split(',').map(str::to_string).collect())
        .collect()
}

/// Train_Data rows: 41 features, `lastflag`, `attack` (0/1).
pub fn train_connections(limit: usize) -> Vec<Connection> {
    let Some(bytes) = data_file("Train_Data.csv") else {
        return Vec::new();
    };
    data_rows(&bytes, limit)
        .into_iter()
        .map(|mut fields| {
            assert_eq!(fields.len(), FEATURE_COUNT + 2);
            let attack = fields.pop().expect("attack") == "1";
            let difficulty = fields.pop().expect("lastflag");
            Connection {
                features: fields,
                attack,
                difficulty,
            }
        })
        .collect()
}

/// Test_Data rows: 41 features and `lastflag`; the label is made up (S0 flag = attack).
pub fn test_connections(limit: usize) -> Vec<Connection> {
    let Some(bytes) = data_file("Test_Data.csv") else {
        return Vec::new();
    };
    data_rows(&bytes, limit)
        .into_iter()
        .map(|mut fields| {
            assert_eq!(fields.len(), FEATURE_COUNT + 1);
            let difficulty = fields.pop().expect("lastflag");
            Connection {
                attack: fields[3] == "S0",
                features: fields,
                difficulty,
            }
        })
        .collect()
}

/// The rows every layout test renders: the hand-written ones, then the first 300 rows of
/// Test_Data and the first 200 of Train_Data when ../shared/data is there.
pub fn base_rows() -> &'static [Connection] {
    static ROWS: OnceLock<Vec<Connection>> = OnceLock::new();
    ROWS.get_or_init(|| {
        let mut rows = hand_written();
        rows.extend(test_connections(300));
        rows.extend(train_connections(200));
        rows
    })
}

/// The standard snake_case feature names.
pub fn standard_names() -> Vec<String> {
    FEATURES.iter().map(|f| f.name.to_string()).collect()
}

/// The feature names as ../shared/data writes them (`protocoltype`, `srcbytes`, ...).
pub fn data_file_names() -> Vec<String> {
    FEATURES.iter().map(|f| f.name.replace('_', "")).collect()
}

/// How a label column is named, and its value for row `i`.
pub type LabelColumn<'a> = (&'a str, &'a dyn Fn(usize, &Connection) -> String);

/// Rows as fields, with their header: what a layout is written from.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// The 41 features under `names`, then optionally a label and a difficulty column.
    pub fn new(
        connections: &[Connection],
        names: &[String],
        label: Option<LabelColumn<'_>>,
        difficulty: Option<&str>,
    ) -> Table {
        assert_eq!(names.len(), FEATURE_COUNT);
        let mut header = names.to_vec();
        if let Some((name, _)) = label {
            header.push(name.to_string());
        }
        if let Some(name) = difficulty {
            header.push(name.to_string());
        }
        let rows = connections
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let mut row = c.features.clone();
                if let Some((_, value)) = label {
                    row.push(value(i, c));
                }
                if difficulty.is_some() {
                    row.push(c.difficulty.clone());
                }
                row
            })
            .collect();
        Table { header, rows }
    }

    /// The layout of ../shared/data/Train_Data.csv: data-file names, `lastflag`, `attack` 0/1.
    pub fn data_file_layout(connections: &[Connection]) -> Table {
        Table::new(
            connections,
            &data_file_names(),
            Some(("attack", &label_01)),
            Some("lastflag"),
        )
    }

    /// The layout of KDDTrain+.txt with a header: the standard names, `label` (normal /
    /// neptune) and `difficulty`.
    pub fn kdd_plus_layout(connections: &[Connection]) -> Table {
        Table::new(
            connections,
            &standard_names(),
            Some(("label", &label_names)),
            Some("difficulty"),
        )
    }

    /// Inserts a column at `at`, its value for row `i` given by `value`.
    pub fn with_column(mut self, at: usize, name: &str, value: impl Fn(usize) -> String) -> Table {
        self.header.insert(at, name.to_string());
        for (i, row) in self.rows.iter_mut().enumerate() {
            row.insert(at, value(i));
        }
        self
    }

    /// Picks and reorders columns: column `j` of the result is column `order[j]` of `self`.
    pub fn select(&self, order: &[usize]) -> Table {
        let pick = |row: &Vec<String>| order.iter().map(|&j| row[j].clone()).collect();
        Table {
            header: pick(&self.header),
            rows: self.rows.iter().map(pick).collect(),
        }
    }

    pub fn column(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    }
}

pub fn label_01(_: usize, c: &Connection) -> String {
    if c.attack { "1" } else { "0" }.to_string()
}

pub fn label_names(_: usize, c: &Connection) -> String {
    if c.attack { "neptune" } else { "normal" }.to_string()
}

/// How a table is written as delimited text.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub delimiter: u8,
    pub line_end: &'static str,
    pub bom: bool,
    pub quote_all: bool,
    pub header: bool,
    pub trailing_blank_lines: usize,
    /// Whether the last row ends with a line end.
    pub final_line_end: bool,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            delimiter: b',',
            line_end: "\n",
            bom: false,
            quote_all: false,
            header: true,
            trailing_blank_lines: 0,
            final_line_end: true,
        }
    }
}

/// Quotes a field when it must be (or always), RFC 4180 style.
pub fn quote_field(field: &str, delimiter: u8, always: bool) -> String {
    let needs = field
        .bytes()
        .any(|b| b == delimiter || matches!(b, b'"' | b'\r' | b'\n'));
    if always || needs {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

pub fn write_table(table: &Table, style: &Style) -> Vec<u8> {
    let mut out = String::new();
    if style.bom {
        out.push('\u{feff}');
    }
    let delimiter = char::from(style.delimiter).to_string();
    let mut lines: Vec<String> = Vec::new();
    if style.header {
        lines.push(join(&table.header, style, &delimiter));
    }
    lines.extend(table.rows.iter().map(|row| join(row, style, &delimiter)));
    out.push_str(&lines.join(style.line_end));
    if style.final_line_end {
        out.push_str(style.line_end);
    }
    for _ in 0..style.trailing_blank_lines {
        out.push_str(style.line_end);
    }
    out.into_bytes()
}

fn join(fields: &[String], style: &Style, delimiter: &str) -> String {
    fields
        .iter()
        .map(|f| quote_field(f, style.delimiter, style.quote_all))
        .collect::<Vec<_>>()
        .join(delimiter)
}

/// The table as comma-separated text with a header and `\n` line ends.
pub fn csv(table: &Table) -> Vec<u8> {
    write_table(table, &Style::default())
}

/// The table as a Weka ARFF file, as NSL-KDD's KDDTrain+.arff is written: quoted attribute
/// names, nominal attributes with their values in braces, `%` comments.
pub fn arff(table: &Table) -> Vec<u8> {
    let mut out = String::from("% NSL-KDD, two classes\n%\n@relation 'KDDTrain'\n\n");
    for (j, name) in table.header.iter().enumerate() {
        let numeric = table.rows.iter().all(|row| row[j].parse::<f64>().is_ok());
        let kind = if numeric {
            "real".to_string()
        } else {
            let mut values: Vec<&str> = table.rows.iter().map(|row| row[j].as_str()).collect();
            values.sort_unstable();
            values.dedup();
            let quoted: Vec<String> = values.iter().map(|v| format!("'{v}'")).collect();
            format!("{{{}}}", quoted.join(","))
        };
        out.push_str(&format!("@attribute '{name}' {kind}\n"));
    }
    out.push_str("\n@data\n% the rows\n");
    for (i, row) in table.rows.iter().enumerate() {
        out.push_str(&row.join(","));
        out.push('\n');
        if i == 2 {
            out.push_str("% a comment between rows\n");
        }
    }
    out.into_bytes()
}

/// Parses RFC 4180 CSV (comma, `"` quotes, `\n` or `\r\n` line ends) strictly: a quote inside an
/// unquoted field, text after a closing quote or an unterminated quote is an error.
pub fn parse_csv(bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    let mut at_field_start = true;
    while let Some(c) = chars.next() {
        match c {
            '"' if at_field_start => {
                loop {
                    match chars.next() {
                        None => return Err(format!("unterminated quote (record at line {line})")),
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            field.push('"');
                        }
                        Some('"') => break,
                        Some(other) => {
                            if other == '\n' {
                                line += 1;
                            }
                            field.push(other);
                        }
                    }
                }
                match chars.peek() {
                    None | Some(',' | '\n' | '\r') => {}
                    Some(other) => {
                        return Err(format!("`{other}` after a closing quote at line {line}"));
                    }
                }
                at_field_start = false;
            }
            '"' => return Err(format!("a quote inside an unquoted field at line {line}")),
            ',' => {
                record.push(std::mem::take(&mut field));
                at_field_start = true;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\r' => return Err(format!("a lone CR at line {line}")),
            '\n' => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
                at_field_start = true;
                line += 1;
            }
            other => {
                field.push(other);
                at_field_start = false;
            }
        }
    }
    if !at_field_start || !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    Ok(records)
}

/// Scores `input` with the embedded model in one push; panics on a file-level error.
pub fn score(input: &[u8]) -> (Vec<u8>, Summary) {
    score_bytes(model(), input, None).unwrap_or_else(|e| panic!("file-level error: {e}"))
}

/// Scores `input` and parses the output back: (header, data rows, summary).
pub fn score_parsed(input: &[u8]) -> (Vec<String>, Vec<Vec<String>>, Summary) {
    let (output, summary) = score(input);
    let mut records = parse_csv(&output).expect("the scored output is valid CSV");
    assert!(!records.is_empty(), "the output has a header");
    let header = records.remove(0);
    (header, records, summary)
}

/// The `attack_score` and `predicted_attack` fields of each output row.
pub fn score_columns(rows: &[Vec<String>]) -> Vec<(String, String)> {
    rows.iter()
        .map(|row| {
            let n = row.len();
            assert!(n >= 2, "an output row has the two score columns: {row:?}");
            (row[n - 2].clone(), row[n - 1].clone())
        })
        .collect()
}

/// Scores of the base rows in the data file's own layout: what every other layout must give.
pub fn reference_scores() -> &'static [(String, String)] {
    static SCORES: OnceLock<Vec<(String, String)>> = OnceLock::new();
    SCORES.get_or_init(|| {
        let (_, rows, summary) = score_parsed(&csv(&Table::data_file_layout(base_rows())));
        assert_eq!(summary.rejected, 0, "{:?}", summary.rejections);
        score_columns(&rows)
    })
}

/// Scores `input` pushed in the pieces `cuts` makes (offsets, ascending): the output bytes, every
/// row outcome and the summary.
pub fn score_in_pieces(
    input: &[u8],
    cuts: &[usize],
) -> Result<(Vec<u8>, Vec<neptune::score::RowOutcome>, Summary), neptune::reader::FileError> {
    let mut scorer = Scorer::new(model(), None);
    let mut batch = Batch::default();
    let mut start = 0;
    for &cut in cuts.iter().chain(std::iter::once(&input.len())) {
        let cut = cut.clamp(start, input.len());
        scorer.push(&input[start..cut], &mut batch)?;
        start = cut;
    }
    let summary = scorer.finish(&mut batch)?;
    Ok((batch.csv, batch.rows, summary))
}

/// SplitMix64, the library's own generator: deterministic pseudo-random numbers for fixtures.
pub use neptune::forest::SplitMix;

/// The draws fixtures make from a [`SplitMix`] (their own, so that fixtures stay as they were
/// written: `pick` is a plain remainder, not the library's `below`).
pub trait Draws {
    /// A draw in `0..n` (`n > 0`).
    fn pick(&mut self, n: usize) -> usize;
    /// `n` random bytes.
    fn bytes(&mut self, n: usize) -> Vec<u8>;
}

impl Draws for SplitMix {
    fn pick(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64() as u8).collect()
    }
}

/// Line (1-based) of the byte at `offset`, counting `\n`, `\r\n` and a lone `\r` as one line end.
pub fn line_at(text: &[u8], offset: usize) -> u64 {
    let mut line = 1;
    let mut i = 0;
    while i < offset {
        match text[i] {
            b'\r' => {
                line += 1;
                if text.get(i + 1) == Some(&b'\n') && i + 1 < offset {
                    i += 1;
                }
            }
            b'\n' => line += 1,
            _ => {}
        }
        i += 1;
    }
    line
}

/// What a run of the `neptune` binary gave.
pub struct Run {
    /// The exit code (None: ended by a signal).
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

/// Runs the `neptune` binary with `args`, feeding `stdin` when given; fails the test if it
/// panicked.
pub fn neptune(args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_neptune"))
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the neptune binary runs");
    let writer = stdin.map(|bytes| {
        let mut pipe = child.stdin.take().expect("piped stdin");
        let bytes = bytes.to_vec();
        std::thread::spawn(move || {
            // The program may stop reading early (an unusable file): ignore a broken pipe.
            let _ = pipe.write_all(&bytes);
        })
    });
    let output = child.wait_with_output().expect("neptune finishes");
    if let Some(writer) = writer {
        writer.join().expect("the stdin writer");
    }
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "neptune panicked: {stderr}");
    Run {
        code: output.status.code(),
        stdout: output.stdout,
        stderr,
    }
}
