//! The fast path (plain lines split without csv-core, parsed by the short-decimal parser, written
//! out as they came) against the general path it stands in for (`Scorer::general_only`): the same
//! output bytes, row outcomes, summary and errors, on every fixture, on generated edge cases, and
//! however the file is cut into pushes and parts.

mod common;
#[allow(dead_code)]
mod synthetic;

use common::{
    Draws, SplitMix, Style, Table, base_rows, data_file, model, standard_names, write_table,
};
use neptune::reader::{RawRecord, RecordReader};
use neptune::schema::FEATURES;
use neptune::score::{Batch, Scorer};

/// Everything a scorer gives for a file: output, outcomes and summary, or the error, as text
/// (summaries hold floats, whose Debug text compares NaN with NaN as equal).
fn score(input: &[u8], chunk: usize, general: bool) -> (Vec<u8>, String) {
    let mut scorer = Scorer::new(model(), None);
    if general {
        scorer.general_only();
    }
    let mut batch = Batch::default();
    let mut result = Ok(());
    for piece in input.chunks(chunk.max(1)) {
        result = scorer.push(piece, &mut batch);
        if result.is_err() {
            break;
        }
    }
    let result = result.and_then(|()| scorer.finish(&mut batch));
    (batch.csv, format!("{:?}\n{result:?}", batch.rows))
}

/// Asserts that both paths give the same for `input`, pushed whole and in `chunks`.
fn assert_same(name: &str, input: &[u8], chunks: &[usize]) {
    let reference = score(input, input.len(), true);
    for &chunk in std::iter::once(&input.len()).chain(chunks) {
        let fast = score(input, chunk, false);
        if fast != reference {
            let at = fast
                .0
                .iter()
                .zip(&reference.0)
                .position(|(a, b)| a != b)
                .unwrap_or(fast.0.len().min(reference.0.len()));
            panic!(
                "{name}, pushed in chunks of {chunk}: the fast path differs from the general one \
                 (output bytes from {at}: {:?} vs {:?})\nfast:    {}\ngeneral: {}",
                String::from_utf8_lossy(
                    &fast.0[at.min(fast.0.len())..][..40.min(fast.0.len() - at.min(fast.0.len()))]
                ),
                String::from_utf8_lossy(
                    &reference.0[at.min(reference.0.len())..]
                        [..40.min(reference.0.len() - at.min(reference.0.len()))]
                ),
                &fast.1[..fast.1.len().min(2000)],
                &reference.1[..reference.1.len().min(2000)],
            );
        }
    }
}

/// The records a reader hands out, each as (line, flags, fields).
fn records(input: &[u8], chunk: usize, general: bool) -> String {
    let mut reader = RecordReader::new();
    if general {
        reader = reader.general_only();
    }
    let mut out = Vec::new();
    let mut collect = |r: RawRecord<'_>| -> Result<(), neptune::reader::FileError> {
        let fields: Vec<&[u8]> = r.fields().collect();
        out.push(format!(
            "{} {} {} {} {fields:?}",
            r.line, r.oversized, r.too_many_fields, r.unclosed_quote
        ));
        Ok(())
    };
    let mut result = Ok(());
    for piece in input.chunks(chunk.max(1)) {
        result = reader.push(piece, &mut collect);
        if result.is_err() {
            break;
        }
    }
    if result.is_ok() {
        result = reader.finish(&mut collect);
    }
    format!("{}\n{result:?}", out.join("\n"))
}

fn assert_same_records(name: &str, input: &[u8], chunks: &[usize]) {
    let reference = records(input, input.len(), true);
    for &chunk in std::iter::once(&input.len()).chain(chunks) {
        assert_eq!(
            records(input, chunk, false),
            reference,
            "{name}, pushed in chunks of {chunk}: the reader's plain-line lane differs"
        );
    }
}

#[test]
fn the_data_files_score_the_same_on_both_paths() {
    for name in ["Test_Data.csv", "Train_Data.csv"] {
        let Some(bytes) = data_file(name) else {
            continue;
        };
        assert_same(name, &bytes, &[65_536, 1_000_003]);
    }
}

#[test]
fn the_zeek_logs_score_the_same_on_both_paths() {
    let dir = common::data_dir().join("zeek");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("note: {} is absent; skipping", dir.display());
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        assert_same(&path.display().to_string(), &bytes, &[65_536]);
    }
}

#[test]
fn the_synthetic_training_file_scores_the_same_on_both_paths() {
    let bytes = synthetic::labelled_file(synthetic::ROWS, synthetic::FIXTURE_SEED);
    assert_same("synthetic", &bytes, &[4096, 777]);
}

/// Spellings of a numeric field that the fast grammar must either read exactly as the general
/// parser does or hand back to it.
const NUMBERS: &[&str] = &[
    "0",
    "7",
    "00",
    "007",
    "10",
    "491",
    "0.0",
    "1.0",
    "1.00",
    "0.05",
    ".5",
    "5.",
    "1.",
    ".",
    "",
    " ",
    " 5",
    "5 ",
    "+5",
    "-5",
    "-0",
    "-0.0",
    "1e3",
    "1E-2",
    "1e400",
    "0x10",
    "1_000",
    "5..1",
    "1.2.3",
    "0.123456789012345678",
    "123456789012345",
    "1234567890123456",
    "123456789012345678901234567890",
    "9007199254740993",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "1.01",
    "2",
    "1.000000000000001",
    "0.99999999999999999",
    "٣",
    "5\t",
    "\t5",
];

/// Spellings of a category field.
const CATEGORIES: &[&str] = &[
    "tcp", "TCP", " tcp", "tcp ", "udp", "icmp", "xyz", "", "http", "HTTP", "private", "S0", "s0",
    "SF", "OTH", "ftp_data", "ünï", "0", "1",
];

/// A labelled table of real rows (hand-written, and some of ../shared/data when present) with
/// fields replaced by edge-case spellings: numbers in numeric columns, names in categories, and
/// now and then a whole row cut short or made long.
fn edge_case_table(seed: u64) -> Table {
    let mut rng = SplitMix(seed);
    let mut names = standard_names();
    names.push("label".to_string());
    let mut rows = Vec::new();
    for (i, connection) in base_rows().iter().cycle().take(600).enumerate() {
        let mut row = connection.features.clone();
        row.push(
            if connection.attack {
                "neptune"
            } else {
                "normal"
            }
            .to_string(),
        );
        for _ in 0..rng.pick(3) {
            let column = rng.pick(FEATURES.len());
            row[column] = if FEATURES[column].name.ends_with("type")
                || matches!(FEATURES[column].name, "service" | "flag")
            {
                CATEGORIES[rng.pick(CATEGORIES.len())]
            } else {
                NUMBERS[rng.pick(NUMBERS.len())]
            }
            .to_string();
        }
        match i % 53 {
            7 => row.truncate(rng.pick(row.len())),
            19 => row.push("extra".to_string()),
            31 => *row.last_mut().unwrap() = ["smurf", "Neptune", "1", ""][rng.pick(4)].into(),
            _ => {}
        }
        rows.push(row);
    }
    Table {
        header: names,
        rows,
    }
}

#[test]
fn edge_case_fields_score_the_same_on_both_paths() {
    for seed in 0..6 {
        let table = edge_case_table(seed);
        for style in [
            Style::default(),
            Style {
                final_line_end: false,
                ..Style::default()
            },
            Style {
                line_end: "\r\n",
                ..Style::default()
            },
            Style {
                delimiter: b';',
                ..Style::default()
            },
            Style {
                delimiter: b'\t',
                bom: true,
                trailing_blank_lines: 2,
                ..Style::default()
            },
            Style {
                quote_all: true,
                ..Style::default()
            },
        ] {
            let bytes = write_table(&table, &style);
            let name = format!("edge cases (seed {seed}, {style:?})");
            assert_same(&name, &bytes, &[1, 97, 4096]);
            assert_same_records(&name, &bytes, &[1, 13, 4096]);
        }
    }
}

/// Lines that break the common shape, dropped one at a time into an otherwise plain file: the
/// fast path must hand each to the general reader and pick up again after it.
#[test]
fn odd_lines_among_plain_ones_score_the_same_on_both_paths() {
    let table = edge_case_table(99);
    let plain = String::from_utf8(write_table(&table, &Style::default())).unwrap();
    let lines: Vec<&str> = plain.lines().collect();
    let row = lines[1];
    let long_field = "9".repeat(20_000);
    let odd: Vec<String> = vec![
        String::new(),
        " ".to_string(),
        format!("\"{row}\""),
        row.replacen(",", ",\"", 1),
        row.replacen(",tcp,", ",\"tcp\",", 1),
        row.replacen(",tcp,", ",\"tc\"\"p\",", 1),
        row.replacen(",tcp,", ",\"tcp\nudp\",", 1),
        row.replacen(",", "\r", 1),
        format!("{row}\r"),
        format!("\u{feff}{row}"),
        row.replacen('0', "\0", 1),
        row.replacen(",", ",\u{00e9}", 1),
        format!("{row},{long_field}"),
        row.replacen("0", &long_field, 1),
        lines[0].to_string(),
        "1,2,3".to_string(),
        ",".repeat(41),
    ];
    for (n, line) in odd.iter().enumerate() {
        for at in [1, 2, lines.len() / 2, lines.len() - 1] {
            let mut text: Vec<&str> = lines.clone();
            text.insert(at, line);
            for end in ["\n", ""] {
                let bytes = (text.join("\n") + end).into_bytes();
                let name = format!("odd line {n} ({line:.40?}) at line {}", at + 1);
                assert_same(&name, &bytes, &[1, 64, 1000]);
                assert_same_records(&name, &bytes, &[7, 1000]);
            }
        }
    }
}

/// The parts a file is cut into for threads and workers: each part scored on both paths.
#[test]
fn parts_score_the_same_on_both_paths() {
    let mut inputs = vec![write_table(&edge_case_table(5), &Style::default())];
    inputs.extend(data_file("Test_Data.csv"));
    for input in inputs {
        let score_parts = |general: bool| {
            let fresh = || {
                let mut scorer = Scorer::new(model(), None);
                if general {
                    scorer.general_only();
                }
                scorer
            };
            let mut first = fresh();
            let mut batch = Batch::default();
            let cut = neptune::parts::last_line_end(&input[..input.len() / 3]).unwrap() + 1;
            first.push(&input[..cut], &mut batch).unwrap();
            first.write_header(&mut batch);
            let context = first
                .part_context()
                .expect("the first part knows the layout");
            let mut part = Scorer::for_part(model(), None, &context).unwrap();
            if general {
                part.general_only();
            }
            let mut later = Batch::default();
            part.push(&input[cut..], &mut later).unwrap();
            let summary = part.finish(&mut later).unwrap();
            first.merge(&summary, first.line_ends());
            let total = first.finish(&mut batch).unwrap();
            batch.csv.extend_from_slice(&later.csv);
            (batch.csv, format!("{total:?}"))
        };
        assert_eq!(score_parts(false), score_parts(true));
    }
}
