//! Files as people publish them (issue 9): a stray quote, generic and misspelled headers, other
//! label columns, and files that are not CSVs at all. Every fixture is made here, from the base
//! rows, so the checks hold for the class of file and not for one published copy.

mod common;

use common::{
    Table, base_rows, csv, label_names, model, parse_csv, reference_scores, score_columns,
    score_in_pieces, score_parsed, standard_names,
};
use neptune::reader::FileError;
use neptune::score::{Rejection, Summary, score_bytes};

/// The base rows with standard names, a label (attack names) and a difficulty column.
fn labelled_table() -> Table {
    Table::new(
        base_rows(),
        &standard_names(),
        Some(("label", &label_names)),
        Some("difficulty"),
    )
}

fn lines_of(bytes: &[u8]) -> Vec<String> {
    String::from_utf8(bytes.to_vec())
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Scores `input` whole and in 997-byte pieces, checks both agree, and returns the result.
fn score_both_ways(input: &[u8]) -> (Vec<Vec<String>>, Summary) {
    let whole = score_in_pieces(input, &[]).unwrap_or_else(|e| panic!("{e}"));
    let cuts: Vec<usize> = (1..input.len() / 997 + 1).map(|k| k * 997).collect();
    let pieces = score_in_pieces(input, &cuts).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        whole.0 == pieces.0,
        "the output does not depend on chunking"
    );
    assert_eq!(whole.2, pieces.2);
    let mut records = parse_csv(&whole.0).expect("valid CSV");
    records.remove(0);
    (records, whole.2)
}

#[test]
fn a_stray_quote_costs_its_own_line_and_nothing_else() {
    let text = csv(&labelled_table());
    let mut lines = lines_of(&text);
    // Line 3 (the second data row): its service field opens a quote that never closes.
    lines[2] = lines[2].replacen(",private,", ",\"private,", 1);
    lines[2] = lines[2].replacen(",ecr_i,", ",\"ecr_i,", 1);
    lines[2] = lines[2].replacen(",http,", ",\"http,", 1);
    assert!(lines[2].contains('"'), "the fixture has its stray quote");
    let input = (lines.join("\n") + "\n").into_bytes();
    let (records, summary) = score_both_ways(&input);
    let n = base_rows().len();
    assert_eq!(records.len(), n, "one output row per input line");
    assert_eq!((summary.rows, summary.scored), (n as u64, n as u64 - 1));
    assert_eq!(summary.rejections.len(), 1);
    assert_eq!(summary.rejections[0].line, 3);
    assert!(
        summary.rejections[0]
            .reason
            .starts_with("a quote (`\"`) opens a field"),
        "{}",
        summary.rejections[0].reason
    );
    let mut want = reference_scores().to_vec();
    want[1] = (String::new(), String::new());
    assert_eq!(score_columns(&records), want);
    // The rejected line comes back as it was written.
    assert_eq!(records[1][0], lines[2].split(',').next().unwrap());
}

#[test]
fn a_stray_quote_early_in_a_file_over_16_mb_costs_one_line() {
    let text = csv(&labelled_table());
    let newline = text.iter().position(|&b| b == b'\n').unwrap() + 1;
    let (header, body) = text.split_at(newline);
    let copies = (17 << 20) / body.len() + 1;
    let mut input = header.to_vec();
    // A quote at the start of the first field of line 3.
    let mut first = body.to_vec();
    let second_line = first.iter().position(|&b| b == b'\n').unwrap() + 1;
    first.insert(second_line, b'"');
    input.extend_from_slice(&first);
    for _ in 1..copies {
        input.extend_from_slice(body);
    }
    assert!(input.len() > 16 << 20);
    // Pushed in 1 MB chunks, as the CLI reads.
    let cuts: Vec<usize> = (1..input.len() >> 20).map(|k| k << 20).collect();
    let (output, _, summary) = score_in_pieces(&input, &cuts).unwrap();
    let rows = (copies * base_rows().len()) as u64;
    assert_eq!(summary.rows, rows);
    assert_eq!(summary.rejected, 1);
    assert_eq!(summary.rejections[0].line, 3);
    assert_eq!(
        output.iter().filter(|&&b| b == b'\n').count() as u64,
        rows + 1,
        "every line is in the output"
    );
}

#[test]
fn a_quoted_field_with_line_ends_that_fits_the_layout_is_kept() {
    let table = labelled_table().with_column(0, "note", |i| {
        if i == 2 {
            "two\nlines".to_string()
        } else {
            String::new()
        }
    });
    let (records, summary) = score_both_ways(&csv(&table));
    assert_eq!(summary.rejected, 0);
    assert_eq!(records[2][0], "two\nlines");
    assert_eq!(score_columns(&records), reference_scores());
}

/// Writes the base rows under `header` (43 columns: features, label, difficulty).
fn with_header(header: &[String]) -> Vec<u8> {
    let mut table = labelled_table();
    table.header = header.to_vec();
    csv(&table)
}

#[test]
fn generic_headers_are_read_by_position_and_never_rejected_as_rows() {
    let excel: Vec<String> = (0..43)
        .map(|i| {
            let letter = |k: usize| char::from(b'A' + k as u8);
            if i < 26 {
                letter(i).to_string()
            } else {
                format!("{}{}", letter(i / 26 - 1), letter(i % 26))
            }
        })
        .collect();
    let headers = [
        (1..=43).map(|i| format!("Column{i}")).collect::<Vec<_>>(),
        (0..43).map(|i| i.to_string()).collect(),
        excel,
        (1..=42)
            .map(|i| format!("F{i}"))
            .chain(["LABEL".to_string()])
            .collect(),
    ];
    for header in headers {
        let (out_header, rows, summary) = score_parsed(&with_header(&header));
        assert_eq!(out_header[..43], header[..], "the header is passed through");
        assert_eq!(summary.rejected, 0, "{header:?}: {:?}", summary.rejections);
        assert_eq!(score_columns(&rows), reference_scores(), "{header:?}");
        assert!(
            summary.notes.iter().any(|n| n.contains("by position")),
            "{header:?}: {:?}",
            summary.notes
        );
        // Position decides: the attack names (column 42) are the label, also in
        // `F1..F42,LABEL`, whose `LABEL` holds the difficulty.
        let labelled = summary.labelled.expect("the label column is found");
        let attacks = base_rows().iter().filter(|c| c.attack).count() as u64;
        let confusion = labelled.confusion;
        assert_eq!(
            confusion.true_positive + confusion.false_negative,
            attacks,
            "{header:?}"
        );
    }
}

#[test]
fn misspelled_names_in_the_standard_order_are_read_at_their_place_and_said() {
    let mut header: Vec<String> = labelled_table().header;
    header[4] = "src_byts".into();
    header[20] = "is_hot_login".into();
    header[21] = "is_quest_login".into();
    header[28] = "srv_error_rate".into();
    let (_, rows, summary) = score_parsed(&with_header(&header));
    assert_eq!(score_columns(&rows), reference_scores());
    for said in [
        "read `src_byts` as `src_bytes` (column 5)",
        "read `is_hot_login` as `is_host_login` (column 21)",
        "read `is_quest_login` as `is_guest_login` (column 22)",
    ] {
        assert!(
            summary.notes.iter().any(|n| n.contains(said)),
            "{said}: {:?}",
            summary.notes
        );
    }
}

#[test]
fn a_refusal_names_every_column_it_could_not_match() {
    let mut header: Vec<String> = labelled_table().header;
    // Out of the standard order, misspellings are not guessed.
    header.swap(0, 1);
    for (i, name) in [
        (4, "src_byts"),
        (10, "failed_logins"),
        (30, "srv_diff_hosts"),
    ] {
        header[i] = name.to_string();
    }
    let error = score_bytes(model(), &with_header(&header), None).unwrap_err();
    let FileError::MissingColumns {
        missing,
        unrecognized,
        ..
    } = &error
    else {
        panic!("expected missing columns, got {error:?}");
    };
    assert_eq!(
        missing,
        &["src_bytes", "num_failed_logins", "srv_diff_host_rate"]
    );
    let unrecognized: Vec<(&str, usize)> = unrecognized
        .iter()
        .map(|c| (c.name.as_str(), c.position))
        .collect();
    assert_eq!(
        unrecognized,
        [
            ("src_byts", 5),
            ("failed_logins", 11),
            ("srv_diff_hosts", 31)
        ]
    );
    // The message names each of them as the user wrote it.
    let message = error.to_string();
    assert!(message.contains("`failed_logins` (column 11)"), "{message}");
}

#[test]
fn label_columns_under_the_names_people_use_are_found() {
    for name in [
        "attack_class",
        "attack_name",
        "attack_cat",
        "labels",
        "Class",
        "attack type",
    ] {
        let mut header: Vec<String> = labelled_table().header;
        header[41] = name.to_string();
        let (_, _, summary) = score_parsed(&with_header(&header));
        assert!(summary.labelled.is_some(), "{name}");
    }
}

#[test]
fn a_difficulty_is_never_taken_as_the_label() {
    // Headerless, the difficulty before the attack names.
    let mut table = labelled_table();
    for row in &mut table.rows {
        row.swap(41, 42);
    }
    let text = csv(&table);
    let newline = text.iter().position(|&b| b == b'\n').unwrap() + 1;
    let (out, summary) = common::score(&text[newline..]);
    assert_eq!(summary.rejected, 0);
    let labelled = summary.labelled.expect("the attack names are the label");
    let attacks = base_rows().iter().filter(|c| c.attack).count() as u64;
    assert_eq!(
        labelled.confusion.true_positive + labelled.confusion.false_negative,
        attacks
    );
    assert!(!out.is_empty());
}

fn file_error(input: &[u8]) -> FileError {
    match score_bytes(model(), input, None) {
        Ok((_, summary)) => panic!("expected a file-level error, got {summary:?}"),
        Err(e) => e,
    }
}

#[test]
fn files_that_are_not_csv_are_named_for_what_they_are() {
    let mut pcap = b"\xD4\xC3\xB2\xA1\x02\x00\x04\x00".to_vec();
    pcap.extend([0u8; 200]);
    let mut pcapng = b"\x0A\x0D\x0D\x0A\x1C\x00\x00\x00\x4D\x3C\x2B\x1A".to_vec();
    pcapng.extend([0u8; 200]);
    let mut sqlite = b"SQLite format 3\0".to_vec();
    sqlite.extend([0u8; 200]);
    for (bytes, what) in [
        (pcap, "a pcap packet capture"),
        (pcapng, "a pcapng packet capture"),
        (sqlite, "an SQLite database"),
    ] {
        let message = file_error(&bytes).to_string();
        assert!(message.contains(what), "{what}: {message}");
        assert!(!message.contains("UTF-16"), "{message}");
    }
    assert_eq!(file_error(b""), FileError::Empty);
    assert!(matches!(file_error(&[0u8; 4096]), FileError::NotText(_)));
    let text = String::from_utf8(csv(&labelled_table())).unwrap();
    let utf32: Vec<u8> = text
        .chars()
        .flat_map(|c| (c as u32).to_le_bytes())
        .collect();
    assert!(matches!(file_error(&utf32), FileError::Utf32(_)));
}

#[test]
fn json_is_refused_as_json() {
    let lines = b"{\"duration\": 0, \"protocol_type\": \"tcp\"}\n{\"duration\": 1, \"protocol_type\": \"udp\"}\n";
    let array = b"[\n  {\"duration\": 0, \"protocol_type\": \"tcp\"}\n]\n";
    for (bytes, form) in [
        (&lines[..], "one object per line"),
        (&array[..], "an array"),
    ] {
        let message = file_error(bytes).to_string();
        assert!(
            message.starts_with(&format!("the file is JSON ({form}), not a CSV")),
            "{message}"
        );
    }
}

#[test]
fn a_nul_byte_costs_its_row_and_is_escaped() {
    let text = csv(&labelled_table());
    let mut lines = lines_of(&text);
    lines[3].insert(2, '\0');
    let input = (lines.join("\n") + "\n").into_bytes();
    let (records, summary) = score_both_ways(&input);
    assert_eq!(records.len(), base_rows().len());
    assert_eq!(
        summary.rejections,
        vec![Rejection {
            line: 4,
            reason: "the line holds a NUL byte (binary data, not text)".into()
        }]
    );
}

#[test]
fn many_blank_lines_before_the_header_are_skipped() {
    let text = csv(&labelled_table());
    let mut input = vec![b'\n'; 24 << 20];
    input.extend_from_slice(&text);
    let cuts: Vec<usize> = (1..input.len() >> 20).map(|k| k << 20).collect();
    let (output, _, summary) = score_in_pieces(&input, &cuts).unwrap();
    let plain = common::score(&text);
    assert!(output == plain.0);
    assert_eq!(summary.rows, plain.1.rows);
    assert_eq!(summary.rejections, plain.1.rejections);
}

#[test]
fn a_long_first_line_is_described_by_what_it_is_not_by_a_wrong_size() {
    let mut input = vec![b'x'; 830_000];
    input.push(b'\n');
    input.extend_from_slice(&csv(&labelled_table()));
    let message = file_error(&input).to_string();
    assert!(!message.contains("16 MB"), "{message}");
    assert!(message.contains("(830000 characters)"), "{message}");
    assert!(message.len() < 1000, "the message stays short");
}

#[test]
fn a_header_in_windows_1252_is_still_a_header() {
    let mut table = labelled_table().with_column(43, "r\u{e9}seau", |_| "lan".into());
    table.header[0] = "duration".into();
    let text = String::from_utf8(csv(&table)).unwrap();
    // é as Windows-1252 writes it: one byte, 0xE9, not valid UTF-8.
    let input: Vec<u8> = text
        .chars()
        .map(|c| if c == '\u{e9}' { 0xE9 } else { c as u8 })
        .collect();
    let (output, summary) = common::score(&input);
    assert_eq!(summary.rejected, 0);
    assert!(output.starts_with(&input[..input.iter().position(|&b| b == b'\n').unwrap()]));
    let body = &output[output.iter().position(|&b| b == b'\n').unwrap() + 1..];
    let records = parse_csv(body).expect("the rows are UTF-8");
    assert_eq!(score_columns(&records), reference_scores());
}

#[test]
fn a_generic_header_over_features_and_a_difficulty_reads_no_label() {
    // Test_Data's shape (41 features, then the difficulty) under `V1..V42`, and under
    // `F1..F41,class`: the data shows the 42nd column is a difficulty.
    let mut table = Table::new(base_rows(), &standard_names(), None, Some("difficulty"));
    for header in [
        (1..=42).map(|i| format!("V{i}")).collect::<Vec<_>>(),
        (1..=41)
            .map(|i| format!("F{i}"))
            .chain(["class".to_string()])
            .collect(),
    ] {
        table.header = header.clone();
        let (out_header, rows, summary) = score_parsed(&csv(&table));
        assert_eq!(out_header[..42], header[..]);
        assert_eq!(score_columns(&rows), reference_scores());
        assert_eq!(
            summary.labelled, None,
            "{header:?}: a difficulty is not a label"
        );
        assert!(
            summary
                .notes
                .iter()
                .any(|n| n.contains("read as a difficulty level")),
            "{:?}",
            summary.notes
        );
    }
}
