//! Bad rows and bad files, one test each: a bad row is rejected with its line number and a precise
//! reason while every other row is scored; a file that cannot be used at all is a file-level error
//! that says what it looks like. (The CLI side of the same inputs is in tests/cli.rs.)
#![cfg(not(target_arch = "wasm32"))] // native only: `make test-wasm` runs tests/web.rs

mod common;

use common::{
    Connection, Draws, SplitMix, Table, csv, data_file_names, hand_written, label_01, model,
    parse_csv, score, score_in_pieces, score_parsed,
};
use neptune::reader::{FileError, MAX_RECORD_BYTES};
use neptune::score::{Rejection, score_bytes};

/// The hand-written rows in the data file's layout (header on line 1, row `i` on line `i + 2`).
fn table() -> Table {
    Table::data_file_layout(&hand_written())
}

/// Scores of the undamaged rows, for comparison.
fn clean_scores() -> Vec<(String, String)> {
    let (_, rows, _) = score_parsed(&csv(&table()));
    common::score_columns(&rows)
}

/// Scores `table` and checks that exactly row `bad` (on line `bad + 2`) was rejected for
/// `reason`, with its fields kept and its score columns empty, and every other row scored as in
/// the undamaged file.
fn assert_only_rejected(table: &Table, bad: usize, reason: &str) {
    let (_, rows, summary) = score_parsed(&csv(table));
    assert_eq!(
        summary.rejections,
        vec![Rejection {
            line: bad as u64 + 2,
            reason: reason.to_string()
        }]
    );
    assert_eq!(summary.rejected, 1);
    assert_eq!(summary.rows as usize, table.rows.len());
    assert_eq!(summary.scored as usize, table.rows.len() - 1);
    assert_eq!(rows.len(), table.rows.len());
    let clean = clean_scores();
    for (i, row) in rows.iter().enumerate() {
        let n = row.len();
        if i == bad {
            assert_eq!(row[n - 2..], ["", ""], "the rejected row has no score");
            let kept = table.rows[i].len().min(n - 2);
            assert_eq!(row[..kept], table.rows[i][..kept], "its fields are kept");
        } else {
            assert_eq!(
                (row[n - 2].clone(), row[n - 1].clone()),
                clean[i],
                "row {i}"
            );
        }
    }
}

/// The table with row 3's field in `column` replaced by `value`.
fn with_value(column: &str, value: &str) -> Table {
    let mut table = table();
    let column = table.column(column);
    table.rows[3][column] = value.to_string();
    table
}

/// The score the model gives row 3 with `value` in `column` (the row must be scored).
fn score_of(column: &str, value: &str) -> String {
    let (_, rows, summary) = score_parsed(&csv(&with_value(column, value)));
    assert_eq!(summary.rejected, 0, "{value}: {:?}", summary.rejections);
    rows[3][rows[3].len() - 2].clone()
}

#[test]
fn a_short_row_is_rejected_with_its_line_and_field_count() {
    let mut table = table();
    table.rows[3].truncate(40);
    assert_only_rejected(&table, 3, "expected 43 fields, found 40");
    // The output pads it so that its (empty) score columns line up with the header.
    let (_, rows, _) = score_parsed(&csv(&table));
    assert_eq!(rows[3].len(), 45);
    assert!(rows[3][40..].iter().all(String::is_empty));
}

#[test]
fn a_long_row_is_rejected_with_its_line_and_field_count() {
    let mut table = table();
    table.rows[3].push("surplus".to_string());
    assert_only_rejected(&table, 3, "expected 43 fields, found 44");
    // Every field is kept, the surplus one too, then the two empty score columns.
    let (_, rows, _) = score_parsed(&csv(&table));
    assert_eq!(rows[3].len(), 46);
    assert_eq!(rows[3][43], "surplus");
}

#[test]
fn text_in_a_numeric_field_is_rejected() {
    assert_only_rejected(
        &with_value("srcbytes", "abc"),
        3,
        "`src_bytes` is `abc`, not a number",
    );
}

#[test]
fn nan_in_a_numeric_field_is_rejected() {
    assert_only_rejected(
        &with_value("dstbytes", "NaN"),
        3,
        "`dst_bytes` is `NaN`, which is not a finite number",
    );
}

#[test]
fn inf_in_a_numeric_field_is_rejected() {
    assert_only_rejected(
        &with_value("duration", "inf"),
        3,
        "`duration` is `inf`, which is not a finite number",
    );
    assert_only_rejected(
        &with_value("count", "-Infinity"),
        3,
        "`count` is `-Infinity`, which is not a finite number",
    );
}

#[test]
fn a_negative_number_is_rejected() {
    assert_only_rejected(
        &with_value("srcbytes", "-5"),
        3,
        "`src_bytes` is `-5`, but it cannot be negative",
    );
}

#[test]
fn an_empty_numeric_field_is_rejected() {
    assert_only_rejected(&with_value("srcbytes", ""), 3, "`src_bytes` is empty");
    assert_only_rejected(&with_value("srcbytes", "   "), 3, "`src_bytes` is empty");
}

#[test]
fn exponent_notation_is_a_valid_number() {
    assert_eq!(
        score_of("srcbytes", "1.99e+02"),
        score_of("srcbytes", "199")
    );
    assert_eq!(score_of("srcbytes", "1.99E2"), score_of("srcbytes", "199"));
    assert_eq!(
        score_of("serrorrate", "5e-1"),
        score_of("serrorrate", "0.5")
    );
}

#[test]
fn a_huge_number_like_1e308_is_scored_as_a_huge_count() {
    // Finite, non-negative: a valid count, beyond every split threshold of the trees.
    assert_eq!(score_of("srcbytes", "1e308"), score_of("srcbytes", "1e12"));
    assert_eq!(score_of("duration", "1e308"), score_of("duration", "1e12"));
}

#[test]
fn a_number_beyond_f64_like_1e309_is_rejected_as_not_finite() {
    assert_only_rejected(
        &with_value("srcbytes", "1e309"),
        3,
        "`src_bytes` is `1e309`, which is not a finite number",
    );
}

#[test]
fn a_30_digit_integer_is_scored_as_a_huge_count() {
    let digits = "123456789012345678901234567890";
    assert_eq!(score_of("srcbytes", digits), score_of("srcbytes", "1e12"));
}

#[test]
fn a_rate_above_one_is_rejected() {
    assert_only_rejected(
        &with_value("serrorrate", "1.5"),
        3,
        "`serror_rate` is `1.5`, but a rate lies between 0 and 1",
    );
    assert_only_rejected(
        &with_value("dsthostsrvrerrorrate", "100"),
        3,
        "`dst_host_srv_rerror_rate` is `100`, but a rate lies between 0 and 1",
    );
    // A count above one is fine.
    score_of("count", "100");
}

#[test]
fn two_files_joined_reject_the_repeated_header_line() {
    let first = csv(&table());
    let second = csv(&Table::data_file_layout(&hand_written()[..3]));
    let mut joined = first.clone();
    joined.extend_from_slice(&second);
    let (_, rows, summary) = score_parsed(&joined);
    assert_eq!(
        summary.rejections,
        vec![Rejection {
            line: 10,
            reason: "this line repeats the header (were two files joined?)".to_string()
        }]
    );
    assert_eq!(summary.rows, 12);
    assert_eq!(summary.scored, 11);
    let header_row = &rows[8];
    assert_eq!(header_row[..43], table().header[..], "kept as it was");
    assert_eq!(header_row[43..], ["", ""]);
    let clean = clean_scores();
    assert_eq!(common::score_columns(&rows[9..]), clean[..3]);
}

#[test]
fn an_unseen_category_is_scored_and_counted() {
    let mut table = table();
    table.rows[2][2] = "gopher2".to_string();
    table.rows[5][2] = "gopher2".to_string();
    table.rows[6][1] = "sctp".to_string();
    let (_, rows, summary) = score_parsed(&csv(&table));
    assert_eq!(summary.rejected, 0);
    assert_eq!(summary.scored, 8);
    assert_eq!(summary.rows_with_unknown_categories, 3);
    let unknown = &summary.unknown_categories;
    assert_eq!(unknown.len(), 2, "{unknown:?}");
    assert_eq!(unknown["service"]["gopher2"], 2);
    assert_eq!(unknown["protocol_type"]["sctp"], 1);
    assert!(rows.iter().all(|r| !r[r.len() - 2].is_empty()));
}

#[test]
fn category_names_match_in_any_letter_case_and_with_surrounding_spaces() {
    let mut changed = table();
    for row in &mut changed.rows {
        row[1] = row[1].to_uppercase();
        row[2] = format!(" {} ", row[2]);
        row[3] = row[3].to_lowercase();
    }
    let (_, rows, summary) = score_parsed(&csv(&changed));
    assert_eq!(summary.rows_with_unknown_categories, 0);
    assert_eq!(common::score_columns(&rows), clean_scores());
}

#[test]
fn html_and_formula_text_pass_through_and_the_output_stays_valid_csv() {
    let hostile = [
        "=cmd|' /C calc'!A0",
        "<img src=x onerror=alert(1)>",
        "+SUM(1,2)",
        "-2+3",
        "@SUM(A1)",
        "</td><script>alert(\"x\")</script>",
        "\"quoted\", with comma\nand a line end",
    ];
    let table = table().with_column(43, "comment", |i| hostile[i % hostile.len()].to_string());
    let (output, summary) = score(&csv(&table));
    assert_eq!(summary.rejected, 0);
    let records = parse_csv(&output).expect("the output is valid CSV");
    assert_eq!(records.len(), 9);
    for (i, row) in records[1..].iter().enumerate() {
        assert_eq!(row.len(), 46);
        assert_eq!(
            row[43],
            hostile[i % hostile.len()],
            "passed through unchanged"
        );
    }
}

#[test]
fn a_5_mb_field_in_an_extra_column_is_scored() {
    let big: String = "abcdefghij".repeat(500 * 1024);
    let table = table().with_column(
        43,
        "blob",
        |i| if i == 4 { big.clone() } else { "x".into() },
    );
    for cuts in [vec![], (1..12).map(|k| k * 1024 * 1024 / 2).collect()] {
        let (output, _, summary) = score_in_pieces(&csv(&table), &cuts).expect("usable");
        assert_eq!(summary.rejected, 0);
        let records = parse_csv(&output).unwrap();
        assert_eq!(records[5][43].len(), big.len());
        assert!(records[5][43] == big);
        assert_eq!(common::score_columns(&records[1..]), clean_scores());
    }
}

/// The input with a line of `long_line` bytes in the middle: header, row 0, the long line, row 1.
fn with_long_line(long_line: &[u8]) -> Vec<u8> {
    let rows = hand_written();
    let table = Table::data_file_layout(&rows[..2]);
    let text = String::from_utf8(csv(&table)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut input = format!("{}\n{}\n", lines[0], lines[1]).into_bytes();
    input.extend_from_slice(long_line);
    input.extend_from_slice(format!("\n{}\n", lines[2]).as_bytes());
    input
}

fn assert_long_line_rejected(input: &[u8], reason: &str) {
    // Pushed in 1 MB chunks, as the CLI reads.
    let cuts: Vec<usize> = (1..input.len() / (1 << 20) + 1).map(|k| k << 20).collect();
    let (output, _, summary) = score_in_pieces(input, &cuts).expect("the file is usable");
    assert_eq!(
        summary.rejections,
        vec![Rejection {
            line: 3,
            reason: reason.to_string()
        }]
    );
    assert_eq!((summary.rows, summary.scored), (3, 2));
    assert!(
        output.len() < 4096,
        "the long line is not copied to the output ({} bytes)",
        output.len()
    );
    let records = parse_csv(&output).unwrap();
    assert_eq!(
        records.len(),
        4,
        "the long line keeps its place in the output"
    );
    let long_row = &records[2];
    assert_eq!(long_row.len(), 45, "its empty score columns line up");
    assert_eq!(long_row[43..], ["", ""]);
    let clean = clean_scores();
    assert_eq!(common::score_columns(&records[1..2]), clean[..1]);
    assert_eq!(common::score_columns(&records[3..]), clean[1..2]);
}

#[test]
fn a_line_over_16_mb_is_rejected_not_lost() {
    let mut line = hand_written()[0].features.join(",").into_bytes();
    line.extend_from_slice(b",1,");
    line.extend(std::iter::repeat_n(b'y', MAX_RECORD_BYTES + 1024));
    assert_long_line_rejected(&with_long_line(&line), "the line is longer than 16 MB");
}

#[test]
fn a_line_over_16_mb_of_short_fields_is_rejected_for_its_field_count() {
    let line = b"1,".repeat(MAX_RECORD_BYTES / 2 + 1024);
    assert_long_line_rejected(
        &with_long_line(&line),
        "the line has more than 65,536 fields",
    );
}

#[test]
fn a_first_line_over_16_mb_is_a_file_level_error() {
    let mut input = vec![b'x'; MAX_RECORD_BYTES + 10];
    input.extend_from_slice(&csv(&table()));
    assert_eq!(
        file_error(&input),
        "the first line is longer than 16 MB: this does not look like a CSV of connections"
    );
}

#[test]
fn an_empty_file_is_a_file_level_error() {
    for input in [&b""[..], b"\n\r\n  \t\n", b"\xEF\xBB\xBF"] {
        let error = score_bytes(model(), input, None).unwrap_err();
        assert_eq!(error, FileError::Empty, "{input:?}");
        assert_eq!(error.to_string(), "the file is empty");
    }
}

#[test]
fn a_header_only_file_gives_the_header_only() {
    let header = table().header.join(",");
    for input in [
        format!("{header}\n"),
        header.clone(),
        format!("{header}\r\n\r\n"),
    ] {
        let (output, summary) = score(input.as_bytes());
        assert_eq!(
            String::from_utf8(output).unwrap(),
            format!("{header},attack_score,predicted_attack\n")
        );
        assert_eq!((summary.rows, summary.scored, summary.rejected), (0, 0, 0));
    }
}

fn file_error(input: &[u8]) -> String {
    match score_bytes(model(), input, None) {
        Ok((output, summary)) => panic!(
            "expected a file-level error, got {} output bytes and {summary:?}",
            output.len()
        ),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_png_image_is_refused() {
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend(SplitMix(1).bytes(2000));
    assert_eq!(
        file_error(&png),
        "the file is a PNG image, not a text CSV: export the connections as CSV (UTF-8 text, one \
         connection per line)"
    );
}

#[test]
fn a_zip_archive_is_refused() {
    let mut zip = b"PK\x03\x04\x14\0\x06\0".to_vec();
    zip.extend(SplitMix(2).bytes(2000));
    let message = file_error(&zip);
    assert!(
        message.starts_with(
            "the file is a ZIP archive (an .xlsx workbook is one): unzip it, or save the sheet as CSV"
        ),
        "{message}"
    );
}

#[test]
fn random_bytes_are_refused() {
    for seed in 0..20 {
        let bytes = SplitMix(seed).bytes(4096);
        let message = file_error(&bytes);
        assert!(message.contains("not a text CSV"), "seed {seed}: {message}");
    }
}

#[test]
fn utf16_text_with_a_byte_order_mark_is_refused() {
    let text = String::from_utf8(csv(&table())).unwrap();
    let mut little = vec![0xFF, 0xFE];
    let mut big = vec![0xFE, 0xFF];
    let mut bare = Vec::new();
    for unit in text.encode_utf16() {
        little.extend_from_slice(&unit.to_le_bytes());
        big.extend_from_slice(&unit.to_be_bytes());
        bare.extend_from_slice(&unit.to_le_bytes());
    }
    let saving_hint = "; save it as UTF-8 (in Excel: \"CSV UTF-8 (comma delimited)\")";
    assert_eq!(
        file_error(&little),
        format!("the file is UTF-16 text (little-endian){saving_hint}")
    );
    assert_eq!(
        file_error(&big),
        format!("the file is UTF-16 text (big-endian){saving_hint}")
    );
    assert_eq!(
        file_error(&bare),
        format!("the file is UTF-16 text (little-endian, without a byte order mark){saving_hint}")
    );
}

#[test]
fn missing_feature_columns_are_named() {
    let mut table = table();
    let order: Vec<usize> = (0..43).filter(|&j| j != 3 && j != 4).collect();
    table = table.select(&order);
    let message = file_error(&csv(&table));
    assert!(
        message.starts_with(
            "2 of the 41 feature columns are missing: flag, src_bytes; the header has 41 columns"
        ),
        "{message}"
    );
}

#[test]
fn a_feature_under_two_spellings_is_read_once_and_said() {
    let table = table().with_column(43, "src_bytes", |_| "0".to_string());
    let (header, rows, summary) = score_parsed(&csv(&table));
    assert_eq!(
        header[43], "src_bytes",
        "the second spelling is passed through"
    );
    assert_eq!(common::score_columns(&rows), clean_scores());
    assert_eq!(
        summary.notes,
        vec![
            "`src_bytes` (column 44) repeats `srcbytes` (column 5): column 5 is read, the other \
             is passed through"
                .to_string()
        ]
    );
}

#[test]
fn of_two_label_columns_the_finer_is_used() {
    let table = Table::new(
        &hand_written(),
        &data_file_names(),
        Some(("class", &label_01)),
        Some("level"),
    )
    .with_column(0, "Label", |_| "normal".to_string());
    let (_, _, summary) = score_parsed(&csv(&table));
    assert_eq!(
        summary.notes,
        vec![
            "two label columns: `Label` (column 1) is read as the label, `class` (column 43) \
             passed through"
                .to_string()
        ]
    );
    let confusion = summary.labelled.expect("labelled").confusion;
    assert_eq!(
        (confusion.false_positive, confusion.true_negative),
        (3, 5),
        "every row is labelled by `Label` (all normal), not by `class`"
    );
}

#[test]
fn a_label_encoded_file_is_refused_saying_what_was_found_and_what_is_needed() {
    let mut table = table();
    for row in &mut table.rows {
        row[1] = "1".to_string();
        row[2] = "20".to_string();
        row[3] = "9".to_string();
    }
    assert_eq!(
        score_bytes(model(), &csv(&table), None).unwrap_err(),
        FileError::LabelEncoded {
            values: vec!["1".into(), "20".into(), "9".into()],
            what: "this file"
        }
    );
    let message = file_error(&csv(&table));
    assert_eq!(
        message,
        "protocol_type, service and flag hold numbers (1, 20, 9) instead of names: this file was \
         label-encoded, and its codes cannot be mapped back. Use the original file, whose rows \
         read like `tcp, http, SF`"
    );
}

#[test]
fn a_first_line_that_is_neither_header_nor_row_is_refused() {
    let error = score_bytes(model(), b"a,b,c\n1,2,3\n", None).unwrap_err();
    assert_eq!(
        error,
        FileError::NeitherHeaderNorRow {
            fields: 3,
            start: "`a`, `b`, `c`".to_string()
        }
    );
    let message = error.to_string();
    assert!(
        message.starts_with("the first line names no known column and has 3 fields"),
        "{message}"
    );
}

#[test]
fn a_whitespace_only_line_is_a_rejected_row() {
    // csv-core skips empty lines, but a line of spaces is a record with one field.
    let mut input = csv(&table());
    input.extend_from_slice(b"   \n");
    let (_, rows, summary) = score_parsed(&input);
    assert_eq!(rows.len(), 9);
    assert_eq!(
        summary.rejections,
        vec![Rejection {
            line: 10,
            reason: "expected 43 fields, found 1".to_string()
        }]
    );
}

#[test]
#[ignore = "BUG: layout.rs Layout::detect takes a headerless file's width from its first row \
            alone: a damaged first row (42 of 43 fields) makes every later, correct row a \
            `expected 42 fields, found 43` rejection"]
fn a_headerless_file_with_a_damaged_first_row_rejects_only_that_row() {
    let connections: Vec<Connection> = hand_written();
    let table = Table::new(
        &connections,
        &common::standard_names(),
        Some(("label", &common::label_names)),
        Some("difficulty"),
    );
    let mut text = String::from_utf8(common::write_table(
        &table,
        &common::Style {
            header: false,
            ..Default::default()
        },
    ))
    .unwrap();
    // Drop the difficulty of the first row only.
    let first_end = text.find('\n').unwrap();
    let cut = text[..first_end].rfind(',').unwrap();
    text.replace_range(cut..first_end, "");
    let (_, _, summary) = score_parsed(text.as_bytes());
    assert_eq!(summary.rejected, 1, "{:?}", summary.rejections);
    assert_eq!(summary.rejections[0].line, 1);
}
