//! Chunk boundaries: the page and the CLI push a file in pieces cut anywhere (inside a quoted
//! field, inside a UTF-8 character, between the `\r` and `\n` of a line end, inside the BOM).
//! Whatever the cuts, the output bytes, the row outcomes and the summary equal one single push.
#![cfg(not(target_arch = "wasm32"))] // native only: `make test-wasm` runs tests/web.rs

mod common;

use common::{Draws, SplitMix, Style, Table, arff, hand_written, score_in_pieces, write_table};

/// About 2 KB: BOM, CRLF, an extra column with multi-byte UTF-8, quotes, a comma and a quoted
/// line end; one rejected row and one unknown category.
fn small_fixture() -> Vec<u8> {
    let mut rows = hand_written();
    rows.extend(hand_written().into_iter().take(4));
    let notes = [
        "é日本",
        "two\r\nlines",
        "say \"hi\", then go",
        "",
        "日本語テキスト",
        "one\nmore\rline",
        "plain",
    ];
    let mut table = Table::data_file_layout(&rows)
        .with_column(43, "note", |i| notes[i % notes.len()].to_string());
    table.rows[5][4] = "NaN".to_string();
    table.rows[6][2] = "gopher2".to_string();
    let input = write_table(
        &table,
        &Style {
            bom: true,
            line_end: "\r\n",
            ..Style::default()
        },
    );
    assert!((1500..3000).contains(&input.len()), "{}", input.len());
    input
}

type Outcome = (
    Vec<u8>,
    Vec<neptune::score::RowOutcome>,
    neptune::score::Summary,
);

fn whole(input: &[u8]) -> Outcome {
    score_in_pieces(input, &[]).expect("the fixture is usable")
}

fn assert_same(input: &[u8], cuts: &[usize], expected: &Outcome) {
    let got = score_in_pieces(input, cuts).expect("the fixture is usable");
    assert!(got.0 == expected.0, "output bytes differ for cuts {cuts:?}");
    assert_eq!(got.1, expected.1, "row outcomes differ for cuts {cuts:?}");
    assert_eq!(got.2, expected.2, "summary differs for cuts {cuts:?}");
}

/// Cuts every `size` bytes.
fn every(size: usize, len: usize) -> Vec<usize> {
    (1..len.div_ceil(size)).map(|k| k * size).collect()
}

#[test]
fn the_small_fixture_is_what_it_claims() {
    let input = small_fixture();
    let (output, rows, summary) = whole(&input);
    assert_eq!(summary.rows, 12);
    assert_eq!(summary.rejected, 1);
    assert_eq!(
        summary.rejections[0].line, 8,
        "line ends inside notes count"
    );
    assert_eq!(summary.rows_with_unknown_categories, 1);
    assert_eq!(rows.len(), 12);
    let records = common::parse_csv(&output).unwrap();
    assert_eq!(records[1][43], "é日本");
    assert_eq!(records[2][43], "two\r\nlines");
    assert_eq!(records[6][43], "one\nmore\rline");
}

#[test]
fn every_chunk_size_of_a_small_file_gives_the_same_bytes_and_summary() {
    let input = small_fixture();
    let expected = whole(&input);
    for size in 1..=input.len() {
        assert_same(&input, &every(size, input.len()), &expected);
    }
}

#[test]
fn every_two_piece_split_of_a_small_file_gives_the_same_bytes_and_summary() {
    let input = small_fixture();
    let expected = whole(&input);
    for cut in 0..=input.len() {
        assert_same(&input, &[cut], &expected);
    }
}

#[test]
fn an_empty_push_mid_file_changes_nothing() {
    let input = small_fixture();
    let expected = whole(&input);
    for cut in 0..=input.len() {
        assert_same(&input, &[cut, cut], &expected);
    }
}

#[test]
fn every_chunk_size_of_an_arff_file_gives_the_same_bytes_and_summary() {
    let rows = hand_written();
    let label =
        |_: usize, c: &common::Connection| if c.attack { "anomaly" } else { "normal" }.to_string();
    let table = Table::new(
        &rows,
        &common::standard_names(),
        Some(("class", &label)),
        None,
    );
    let input = arff(&table);
    let expected = whole(&input);
    assert!(expected.2.arff);
    assert_eq!(expected.2.scored, rows.len() as u64);
    for size in 1..=input.len() {
        assert_same(&input, &every(size, input.len()), &expected);
    }
}

#[test]
fn every_two_piece_split_of_a_classic_mac_file_gives_the_same_bytes_and_summary() {
    let mut table = Table::new(&hand_written(), &common::standard_names(), None, None);
    table.rows[2][0] = "x".to_string();
    let input = write_table(
        &table,
        &Style {
            line_end: "\r",
            header: false,
            ..Style::default()
        },
    );
    let expected = whole(&input);
    assert_eq!(expected.2.rejections[0].line, 3);
    for cut in 0..=input.len() {
        assert_same(&input, &[cut], &expected);
    }
}

#[test]
fn an_unusable_file_gives_the_same_error_in_any_chunks() {
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in "duration,protocol_type\n1,tcp\n".encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    let mut label_encoded = Table::data_file_layout(&hand_written());
    for row in &mut label_encoded.rows {
        row[1] = "1".into();
        row[2] = "2".into();
    }
    for input in [
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(),
        utf16,
        common::csv(&label_encoded),
    ] {
        let Err(expected) = score_in_pieces(&input, &[]) else {
            panic!("the input is unusable");
        };
        for size in 1..=input.len() {
            let got = score_in_pieces(&input, &every(size, input.len()));
            assert_eq!(got.err(), Some(expected.clone()), "chunks of {size}");
        }
    }
}

/// A larger file: Test_Data's first 3,000 rows (or the hand-written rows repeated), with an
/// extra column that needs quoting, CRLF line ends and a few rejected rows.
fn larger_fixture() -> Vec<u8> {
    let mut rows = common::test_connections(3000);
    while rows.len() < 3000 {
        rows.extend(hand_written());
    }
    let mut table = Table::data_file_layout(&rows).with_column(0, "flow", |i| match i % 5 {
        0 => format!("\"{i}\"\r\nnext"),
        1 => "ü,ß".to_string(),
        _ => i.to_string(),
    });
    for row in table.rows.iter_mut().skip(17).step_by(101) {
        row[10] = "-1".to_string();
    }
    write_table(
        &table,
        &Style {
            line_end: "\r\n",
            ..Style::default()
        },
    )
}

#[test]
fn random_splits_of_a_larger_file_give_the_same_bytes_and_summary() {
    let input = larger_fixture();
    let expected = whole(&input);
    assert_eq!(expected.2.rows, 3000);
    assert_eq!(expected.2.rejected, 30);
    let mut rng = SplitMix(2024);
    for round in 0..60 {
        let pieces = 1 + rng.pick(if round % 2 == 0 { 20 } else { 400 });
        let mut cuts: Vec<usize> = (0..pieces).map(|_| rng.pick(input.len() + 1)).collect();
        cuts.sort_unstable();
        cuts.dedup(); // no empty pushes: see an_empty_push_mid_file_changes_nothing
        assert_same(&input, &cuts, &expected);
    }
    // Tiny chunks over the whole file, too.
    for size in [1, 2, 3, 7, 64, 4093] {
        assert_same(&input, &every(size, input.len()), &expected);
    }
}

#[test]
fn the_binary_data_check_does_not_depend_on_chunking() {
    let mut table = Table::data_file_layout(&hand_written());
    table.rows.extend(hand_written().iter().map(|c| {
        let mut row = c.features.clone();
        row.extend(["0".to_string(), c.difficulty.clone()]);
        row
    }));
    let mut input = common::csv(&table);
    let at = input.len() - 100;
    input[at] = 0;
    let whole = score_in_pieces(&input, &[]).map(|(csv, _, summary)| (csv, summary));
    let pieces =
        score_in_pieces(&input, &every(512, input.len())).map(|(csv, _, summary)| (csv, summary));
    assert_eq!(whole, pieces);
}
