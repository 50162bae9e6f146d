//! Property tests (proptest): no input makes scoring panic, no data line is dropped or
//! misnumbered, chunking never matters, and fields survive the round trip through the scored CSV.
#![cfg(not(target_arch = "wasm32"))] // native only: `make test-wasm` runs tests/web.rs

mod common;

use common::{Style, Table, base_rows, model, parse_csv, quote_field, reference_scores};
use neptune::Model;
use neptune::reader::FileError;
use neptune::schema::{FEATURES, Kind};
use neptune::score::{Rejection, score_bytes};
use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::test_runner::RngSeed;

/// `cases` per property from a fixed seed, so that CI runs the same cases every time. For a
/// longer hunt set `PROPTEST_CASES` (more cases) and `PROPTEST_RNG_SEED` (other cases).
fn config(cases: u32) -> ProptestConfig {
    let defaults = ProptestConfig::default();
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(cases);
    let rng_seed = if std::env::var_os("PROPTEST_RNG_SEED").is_some() {
        defaults.rng_seed
    } else {
        RngSeed::Fixed(0x4E45_5054)
    };
    ProptestConfig {
        cases,
        rng_seed,
        failure_persistence: None,
        ..defaults
    }
}

/// Cut offsets from proptest indices: sorted, distinct, inside the input (no empty pushes).
fn cuts(indices: &[Index], len: usize) -> Vec<usize> {
    let mut cuts: Vec<usize> = indices.iter().map(|i| i.index(len + 1)).collect();
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

/// Bytes that matter to the reader, to reach deeper than uniform noise does.
const CSV_BYTES: &[u8] = b",;\t|\"'\r\n%@ 0123456789.-+eEaZtcpSF_\xEF\xBB\xBF\xFF\xFE\xC3\xA9\x00";

fn header_line() -> Vec<u8> {
    let mut names = common::data_file_names();
    names.extend(["attack".to_string(), "lastflag".to_string()]);
    format!("{}\n", names.join(",")).into_bytes()
}

fn a_row() -> Vec<u8> {
    let c = &base_rows()[1];
    format!("{},1,{}\n", c.features.join(","), c.difficulty).into_bytes()
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn any_bytes_never_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..4096),
        pieces in prop::collection::vec(any::<Index>(), 0..8),
    ) {
        let _ = score_bytes(model(), &bytes, None);
        let _ = common::score_in_pieces(&bytes, &cuts(&pieces, bytes.len()));
    }

    #[test]
    fn csv_like_bytes_after_any_start_never_panic(
        start in 0usize..4,
        noise in prop::collection::vec(select(CSV_BYTES), 0..3000),
        pieces in prop::collection::vec(any::<Index>(), 0..8),
    ) {
        let mut input = match start {
            0 => Vec::new(),
            1 => header_line(),
            2 => [header_line(), a_row()].concat(),
            _ => b"@relation x\n@attribute 'duration' real\n@attribute 'service' {'http'}\n@data\n"
                .to_vec(),
        };
        input.extend_from_slice(&noise);
        let whole = score_bytes(model(), &input, None);
        let pieces = common::score_in_pieces(&input, &cuts(&pieces, input.len()));
        if let Ok((_, summary)) = &whole {
            prop_assert_eq!(summary.rows, summary.scored + summary.rejected);
        }
        // A usable start stays usable, whatever text follows: the noise becomes rows.
        if start == 2 && !noise.contains(&0) {
            let (_, summary) = whole.as_ref().expect("a header and a row make a usable file");
            prop_assert!(summary.scored >= 1);
        }
        prop_assert_eq!(
            whole,
            pieces.map(|(csv, _, summary)| (csv, summary)),
            "chunking changed the outcome"
        );
    }
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn damaged_model_bytes_never_panic(
        edits in prop::collection::vec((any::<Index>(), any::<u8>()), 1..8),
        truncate in prop::option::of(any::<Index>()),
    ) {
        // The payload inside the model file's frame: a damaged file is refused by its
        // checksum, so the decoding is checked on damaged payloads.
        let frame = neptune::model::EMBEDDED_MODEL;
        let mut bytes = frame[12..frame.len() - 4].to_vec();
        for (at, value) in edits {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        if let Some(at) = truncate {
            bytes.truncate(at.index(bytes.len()));
        }
        if let Ok(damaged) = Model::from_payload(&bytes) {
            let rows = &base_rows()[..base_rows().len().min(20)];
            let input = common::csv(&Table::data_file_layout(rows));
            let (_, summary) = score_bytes(&damaged, &input, None).expect("a usable file");
            prop_assert_eq!(summary.scored as usize, rows.len());
            let x = [0.5; neptune::schema::FEATURE_COUNT];
            let score = damaged.score(&x);
            prop_assert!((0.0..=1.0).contains(&score));
            let _ = damaged.explain(&x);
        }
    }
}

/// One line of a generated file.
#[derive(Debug, Clone)]
enum Line {
    Valid {
        base: usize,
        note: String,
    },
    Short {
        base: usize,
        keep: usize,
    },
    Long {
        base: usize,
    },
    Bad {
        base: usize,
        column: usize,
        token: Token,
    },
    Blank,
}

#[derive(Debug, Clone, Copy)]
enum Token {
    Text,
    NaN,
    Inf,
    Negative,
    Empty,
    RateAboveOne,
}

const NOTE_CHARS: &[char] = &[
    'a', 'Z', '0', ' ', ',', ';', '\t', '"', '\'', '\r', '\n', 'é', '日', '😀', '=', '<', '>', '|',
    '%', '@', '\u{feff}',
];

fn note() -> impl Strategy<Value = String> {
    prop::collection::vec(select(NOTE_CHARS), 0..12).prop_map(String::from_iter)
}

fn token() -> impl Strategy<Value = Token> {
    select(vec![
        Token::Text,
        Token::NaN,
        Token::Inf,
        Token::Negative,
        Token::Empty,
        Token::RateAboveOne,
    ])
}

fn line() -> impl Strategy<Value = Line> {
    let base = 0..base_rows().len();
    prop_oneof![
        6 => (base.clone(), note()).prop_map(|(base, note)| Line::Valid { base, note }),
        1 => (base.clone(), 1usize..44).prop_map(|(base, keep)| Line::Short { base, keep }),
        1 => base.clone().prop_map(|base| Line::Long { base }),
        2 => (base, 0usize..FEATURES.len(), token())
            .prop_map(|(base, column, token)| Line::Bad { base, column, token }),
        1 => Just(Line::Blank),
    ]
}

fn numeric_columns() -> Vec<usize> {
    (0..FEATURES.len())
        .filter(|&i| FEATURES[i].kind != Kind::Category)
        .collect()
}

fn rate_columns() -> Vec<usize> {
    (0..FEATURES.len())
        .filter(|&i| FEATURES[i].kind == Kind::Rate)
        .collect()
}

/// What must become of one data record.
#[derive(Debug, Clone, PartialEq)]
enum Expected {
    Scored { base: usize },
    Rejected { reason: String },
}

/// A generated file: its bytes, and per data record its fields, line and expected outcome.
struct Generated {
    bytes: Vec<u8>,
    records: Vec<(Vec<String>, u64, Expected)>,
}

fn generate(lines: &[Line], line_end: &str) -> Generated {
    let mut header = common::data_file_names();
    header.extend(["attack", "lastflag", "note"].map(String::from));
    let mut text = header.join(",");
    text.push_str(line_end);
    let mut records = Vec::new();
    for line in lines {
        let (base, mut fields) = match line {
            Line::Blank => {
                text.push_str(line_end);
                continue;
            }
            Line::Valid { base, .. }
            | Line::Short { base, .. }
            | Line::Long { base }
            | Line::Bad { base, .. } => {
                let c = &base_rows()[*base];
                let mut fields = c.features.clone();
                fields.push(if c.attack { "1" } else { "0" }.to_string());
                fields.push(c.difficulty.clone());
                (*base, fields)
            }
        };
        let expected = match line {
            Line::Valid { note, .. } => {
                fields.push(note.clone());
                Expected::Scored { base }
            }
            Line::Short { keep, .. } => {
                fields.push("x".to_string());
                fields.truncate(*keep);
                Expected::Rejected {
                    reason: format!("expected 44 fields, found {keep}"),
                }
            }
            Line::Long { .. } => {
                fields.extend(["x".to_string(), "surplus".to_string()]);
                Expected::Rejected {
                    reason: "expected 44 fields, found 45".to_string(),
                }
            }
            Line::Bad { column, token, .. } => {
                fields.push("x".to_string());
                let (column, value) = match token {
                    Token::RateAboveOne => {
                        let rates = rate_columns();
                        (rates[column % rates.len()], "1.5")
                    }
                    _ => {
                        let numeric = numeric_columns();
                        let value = match token {
                            Token::Text => "abc",
                            Token::NaN => "NaN",
                            Token::Inf => "inf",
                            Token::Negative => "-5",
                            _ => "",
                        };
                        (numeric[column % numeric.len()], value)
                    }
                };
                fields[column] = value.to_string();
                let name = FEATURES[column].name;
                let reason = match token {
                    Token::Text => format!("`{name}` is `abc`, not a number"),
                    Token::NaN => format!("`{name}` is `NaN`, which is not a finite number"),
                    Token::Inf => format!("`{name}` is `inf`, which is not a finite number"),
                    Token::Negative => format!("`{name}` is `-5`, but it cannot be negative"),
                    Token::Empty => format!("`{name}` is empty"),
                    Token::RateAboveOne => {
                        format!("`{name}` is `1.5`, but a rate lies between 0 and 1")
                    }
                };
                Expected::Rejected { reason }
            }
            Line::Blank => unreachable!("handled above"),
        };
        let line_number = common::line_at(text.as_bytes(), text.len());
        let written: Vec<String> = fields.iter().map(|f| quote_field(f, b',', false)).collect();
        text.push_str(&written.join(","));
        text.push_str(line_end);
        records.push((fields, line_number, expected));
    }
    Generated {
        bytes: text.into_bytes(),
        records,
    }
}

fn file() -> impl Strategy<Value = (Vec<Line>, &'static str)> {
    (
        prop::collection::vec(line(), 0..60),
        select(vec!["\n", "\r\n", "\r"]),
    )
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn every_data_record_is_scored_or_rejected_at_its_line((lines, line_end) in file()) {
        let generated = generate(&lines, line_end);
        let n = generated.records.len();
        let (output, summary) = match score_bytes(model(), &generated.bytes, None) {
            Ok(scored) => scored,
            Err(FileError::NothingScored { rows, line, reason }) => {
                // Only a file where every record is rejected is unusable as a whole, and the
                // message names the first one.
                prop_assert_eq!(rows as usize, n);
                let rejected: Vec<_> = generated
                    .records
                    .iter()
                    .filter_map(|(_, line, expected)| match expected {
                        Expected::Rejected { reason } => Some((*line, reason.clone())),
                        Expected::Scored { .. } => None,
                    })
                    .collect();
                prop_assert_eq!(rejected.len(), n);
                prop_assert_eq!(&rejected[0], &(line, reason));
                return Ok(());
            }
            Err(e) => panic!("a usable file: {e}"),
        };
        prop_assert_eq!(summary.rows as usize, n);
        prop_assert_eq!(summary.scored + summary.rejected, summary.rows);
        let mut records = parse_csv(&output).expect("valid CSV");
        prop_assert_eq!(records.remove(0).len(), 46);
        prop_assert_eq!(records.len(), n, "one output row per data record");
        let mut rejections = Vec::new();
        for ((fields, line, expected), out) in generated.records.iter().zip(&records) {
            let m = out.len();
            // The input fields come back unchanged (a short row padded with empty ones).
            prop_assert_eq!(&out[..fields.len().min(m - 2)], &fields[..fields.len().min(m - 2)]);
            prop_assert!(out[fields.len()..m - 2].iter().all(String::is_empty));
            match expected {
                Expected::Scored { base } => {
                    let got = (out[m - 2].clone(), out[m - 1].clone());
                    prop_assert_eq!(&got, &reference_scores()[*base]);
                }
                Expected::Rejected { reason } => {
                    prop_assert_eq!(&out[m - 2..], &["", ""]);
                    rejections.push(Rejection { line: *line, reason: reason.clone() });
                }
            }
        }
        prop_assert_eq!(summary.rejections, rejections);
    }

    #[test]
    fn the_output_does_not_depend_on_chunking(
        (lines, line_end) in file(),
        pieces in prop::collection::vec(any::<Index>(), 1..40),
    ) {
        let generated = generate(&lines, line_end);
        let whole = common::score_in_pieces(&generated.bytes, &[]);
        let cut = cuts(&pieces, generated.bytes.len());
        let split = common::score_in_pieces(&generated.bytes, &cut);
        match (whole, split) {
            (Ok(whole), Ok(split)) => {
                prop_assert!(whole.0 == split.0, "output bytes differ for cuts {:?}", cut);
                prop_assert_eq!(whole.1, split.1);
                prop_assert_eq!(whole.2, split.2);
            }
            (whole, split) => prop_assert_eq!(whole.err(), split.err()),
        }
    }

    #[test]
    fn quoted_fields_come_back_unchanged_from_the_scored_csv(
        notes in prop::collection::vec(note(), 1..40),
        at in 0usize..44,
        delimiter in select(vec![b',', b';', b'\t']),
        quote_all in any::<bool>(),
        line_end in select(vec!["\n", "\r\n", "\r"]),
    ) {
        let rows = &base_rows()[..notes.len().min(base_rows().len())];
        let table = Table::data_file_layout(rows)
            .with_column(at, "note", |i| notes[i].clone());
        let style = Style { delimiter, quote_all, line_end, ..Style::default() };
        let input = common::write_table(&table, &style);
        let (output, summary) = score_bytes(model(), &input, None).expect("usable");
        prop_assert_eq!(summary.rejected, 0, "{:?}", summary.rejections);
        let records = parse_csv(&output).expect("valid CSV");
        prop_assert_eq!(&records[0][..44], &table.header[..]);
        for (i, (out, row)) in records[1..].iter().zip(&table.rows).enumerate() {
            prop_assert_eq!(&out[..44], &row[..], "row {}", i);
            prop_assert_eq!(&(out[44].clone(), out[45].clone()), &reference_scores()[i]);
        }
        prop_assert_eq!(records.len(), rows.len() + 1);
    }
}
