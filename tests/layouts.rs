//! Every input layout the reader accepts gives exactly the same scores for the same rows, and the
//! output keeps every row, in order, with its fields unchanged (DESIGN.md, Contracts).
//!
//! One set of rows (hand-written ones, plus rows of ../shared/data when it is there) is written in
//! each layout; the `attack_score` and `predicted_attack` columns must equal those of the data
//! file's own layout, byte for byte.
#![cfg(not(target_arch = "wasm32"))] // native only: `make test-wasm` runs tests/web.rs

mod common;

use common::{
    Connection, SCORE_COLUMNS, Style, Table, arff, base_rows, csv, data_file_names, label_01,
    label_names, reference_scores, score_columns, score_parsed, standard_names, write_table,
};
use neptune::score::Summary;

/// Scores `input` (which holds `table`, with or without its header) and checks the scores against
/// the reference, the output header against `header`, and every input field against the output.
fn assert_scored_alike(what: &str, input: &[u8], table: &Table, header: &[String]) -> Summary {
    let (out_header, rows, summary) = score_parsed(input);
    let mut expected_header = header.to_vec();
    expected_header.extend(SCORE_COLUMNS.map(String::from));
    assert_eq!(out_header, expected_header, "{what}: output header");
    assert_eq!(summary.rejected, 0, "{what}: {:?}", summary.rejections);
    assert_eq!(summary.rows as usize, table.rows.len(), "{what}: rows");
    assert_eq!(rows.len(), table.rows.len(), "{what}: output rows");
    for (i, (out, input)) in rows.iter().zip(&table.rows).enumerate() {
        assert_eq!(
            &out[..out.len() - 2],
            &input[..],
            "{what}: fields of row {i}"
        );
    }
    let scores = score_columns(&rows);
    for (i, (got, want)) in scores.iter().zip(reference_scores()).enumerate() {
        assert_eq!(got, want, "{what}: scores of row {i} ({:?})", table.rows[i]);
    }
    summary
}

fn scored_alike(what: &str, table: &Table) -> Summary {
    assert_scored_alike(what, &csv(table), table, &table.header)
}

/// `table` written as CSV without its header line.
fn headerless_csv(table: &Table) -> Vec<u8> {
    write_table(
        table,
        &Style {
            header: false,
            ..Style::default()
        },
    )
}

/// The standard names, then `label` and `difficulty`: the header a headerless file gets.
fn headerless_names(extra: &[&str]) -> Vec<String> {
    let mut names = standard_names();
    names.extend(extra.iter().map(|s| s.to_string()));
    names
}

#[test]
fn the_data_files_own_layout_scores_every_row() {
    let table = Table::data_file_layout(base_rows());
    let summary = scored_alike("data file layout", &table);
    assert!(summary.has_header);
    assert_eq!(summary.columns, 43);
    assert_eq!(summary.delimiter, "comma");
    let labelled = summary.labelled.expect("`attack` is a label column");
    let attacks = base_rows().iter().filter(|c| c.attack).count() as u64;
    let c = labelled.confusion;
    assert_eq!(c.true_positive + c.false_negative, attacks);
    for (score, predicted) in reference_scores() {
        let score: f64 = score.parse().expect("a number");
        assert!((0.0..=1.0).contains(&score));
        assert!(predicted == "0" || predicted == "1");
    }
    // The hand-written rows: three Neptune rows, five normal ones, told apart.
    let predicted: Vec<&str> = reference_scores()[..8]
        .iter()
        .map(|(_, p)| p.as_str())
        .collect();
    assert_eq!(predicted, ["0", "1", "1", "0", "0", "0", "1", "0"]);
}

#[test]
fn standard_snake_case_names_score_alike() {
    let table = Table::kdd_plus_layout(base_rows());
    scored_alike("snake_case", &table);
}

#[test]
fn names_in_any_letter_case_and_with_underscores_dashes_or_spaces_score_alike() {
    type Spelling = fn(&str) -> String;
    let spellings: [(&str, Spelling); 5] = [
        ("UPPER_SNAKE", |n| n.to_uppercase()),
        ("kebab-case", |n| n.replace('_', "-")),
        ("Title Case With Spaces", |n| {
            n.split('_')
                .map(|w| {
                    let mut c = w.chars();
                    c.next()
                        .map(|f| f.to_uppercase().chain(c).collect())
                        .unwrap_or_default()
                })
                .collect::<Vec<String>>()
                .join(" ")
        }),
        ("camelCase-ish", |n| {
            n.split('_')
                .enumerate()
                .map(|(i, w)| {
                    if i % 2 == 1 {
                        w.to_uppercase()
                    } else {
                        w.to_string()
                    }
                })
                .collect()
        }),
        ("Mixed_-_separators", |n| n.replacen('_', " _-", 1)),
    ];
    for (what, spell) in spellings {
        let names: Vec<String> = standard_names().iter().map(|n| spell(n)).collect();
        let table = Table::new(
            base_rows(),
            &names,
            Some((&spell("attack_type"), &label_names)),
            Some(&spell("difficulty_level")),
        );
        scored_alike(what, &table);
    }
}

#[test]
fn columns_in_another_order_score_alike() {
    let table = Table::data_file_layout(base_rows());
    let width = table.header.len();
    let reversed: Vec<usize> = (0..width).rev().collect();
    scored_alike("reversed columns", &table.select(&reversed));
    // Label and difficulty first, then the features interleaved odd/even.
    let mut shuffled = vec![width - 1, width - 2];
    shuffled.extend((0..width - 2).filter(|j| j % 2 == 1));
    shuffled.extend((0..width - 2).filter(|j| j % 2 == 0));
    scored_alike("shuffled columns", &table.select(&shuffled));
}

#[test]
fn extra_columns_pass_through_unchanged() {
    let table = Table::data_file_layout(base_rows())
        .with_column(0, "src_ip", |i| format!("10.0.{}.{}", i / 256, i % 256))
        .with_column(5, "timestamp", |i| {
            format!("2024-03-01T12:{:02}:{:02}Z", (i / 60) % 60, i % 60)
        })
        .with_column(45, "note", |i| {
            if i % 3 == 0 {
                String::new()
            } else {
                format!("row {i}")
            }
        });
    let summary = scored_alike("extra columns", &table);
    assert_eq!(summary.columns, 46);
}

#[test]
fn headerless_43_columns_like_kddtrain_plus() {
    let table = Table::kdd_plus_layout(base_rows());
    let input = headerless_csv(&table);
    assert!(
        std::str::from_utf8(&input)
            .unwrap()
            .contains(",neptune,19\n")
    );
    let summary = assert_scored_alike(
        "headerless 43",
        &input,
        &table,
        &headerless_names(&["label", "difficulty"]),
    );
    assert!(!summary.has_header);
    let labelled = summary.labelled.expect("the 42nd column is the label");
    let attacks = base_rows().iter().filter(|c| c.attack).count() as u64;
    assert_eq!(
        labelled.confusion.true_positive + labelled.confusion.false_negative,
        attacks
    );
}

#[test]
fn headerless_42_columns_features_and_label() {
    let table = Table::new(
        base_rows(),
        &standard_names(),
        Some(("label", &label_names)),
        None,
    );
    let input = headerless_csv(&table);
    let summary = assert_scored_alike(
        "headerless 42",
        &input,
        &table,
        &headerless_names(&["label"]),
    );
    assert!(summary.labelled.is_some());
}

#[test]
fn headerless_41_columns_features_only() {
    let table = Table::new(base_rows(), &standard_names(), None, None);
    let input = headerless_csv(&table);
    let summary = assert_scored_alike("headerless 41", &input, &table, &headerless_names(&[]));
    assert!(summary.labelled.is_none());
}

#[test]
fn kdd_cup_99_labels_with_a_trailing_dot() {
    // kddcup.data: 41 features and `normal.` / `neptune.` / other attacks such as `smurf.`.
    let label = |i: usize, c: &Connection| {
        if i % 7 == 3 {
            "smurf.".to_string()
        } else if c.attack {
            "neptune.".to_string()
        } else {
            "normal.".to_string()
        }
    };
    let table = Table::new(
        base_rows(),
        &standard_names(),
        Some(("label", &label)),
        None,
    );
    let input = headerless_csv(&table);
    let summary = assert_scored_alike("kddcup.data", &input, &table, &headerless_names(&["label"]));
    let labelled = summary.labelled.expect("labelled");
    let smurfs = (0..base_rows().len()).filter(|i| i % 7 == 3).count() as u64;
    assert_eq!(labelled.other_attacks["smurf"].rows, smurfs);
    assert_eq!(labelled.confusion.rows() + smurfs, base_rows().len() as u64);
    assert_eq!(labelled.unlabelled, 0);
}

#[test]
fn every_label_column_name_and_value_spelling_scores_alike() {
    let names = [
        "attack",
        "label",
        "labels",
        "class",
        "outcome",
        "target",
        "attack_type",
        "xAttack",
    ];
    type LabelValue = fn(usize, &Connection) -> String;
    let spellings: [(&str, LabelValue); 5] = [
        ("0/1", label_01),
        ("normal/neptune", label_names),
        ("Normal/Anomaly", |_, c| {
            if c.attack { "Anomaly" } else { "Normal" }.to_string()
        }),
        ("normal./neptune.", |_, c| {
            if c.attack { "neptune." } else { "normal." }.to_string()
        }),
        ("other attack names", |i, c| match i % 4 {
            0 => "smurf.".to_string(),
            1 => "satan".to_string(),
            _ => label_names(i, c),
        }),
    ];
    let attacks = base_rows().iter().filter(|c| c.attack).count() as u64;
    for name in names {
        for (what, value) in spellings {
            let table = Table::new(
                base_rows(),
                &data_file_names(),
                Some((name, &value)),
                Some("lastflag"),
            );
            let summary = scored_alike(&format!("label `{name}` spelt {what}"), &table);
            let labelled = summary.labelled.expect("a label column");
            let c = labelled.confusion;
            if what == "Normal/Anomaly" {
                // `anomaly` names a group of attacks, not Neptune: counted apart, no figures.
                assert_eq!(labelled.attack_groups["anomaly"].rows, attacks, "{name}");
                assert_eq!(c.true_positive + c.false_negative, 0, "{name}");
                assert_eq!(labelled.figures, None, "{name}");
            } else if what == "other attack names" {
                assert_eq!(labelled.other_attacks.len(), 2, "{name}");
                let others: u64 = labelled.other_attacks.values().map(|o| o.rows).sum();
                assert_eq!(c.rows() + others, base_rows().len() as u64);
            } else {
                assert!(labelled.other_attacks.is_empty(), "{name} {what}");
                assert_eq!(c.true_positive + c.false_negative, attacks, "{name} {what}");
            }
        }
    }
}

#[test]
fn a_difficulty_column_passes_through_and_is_never_a_feature() {
    for name in [
        "lastflag",
        "level",
        "difficulty",
        "difficulty_level",
        "Difficulty Level",
    ] {
        let table = Table::new(
            base_rows(),
            &standard_names(),
            Some(("class", &label_names)),
            Some(name),
        );
        scored_alike(name, &table);
        // Other difficulty values, even ones that are not numbers: the same scores.
        let mut changed = table.clone();
        let column = changed.column(name);
        for (i, row) in changed.rows.iter_mut().enumerate() {
            row[column] = match i % 3 {
                0 => "0".to_string(),
                1 => "999999".to_string(),
                _ => "not a number".to_string(),
            };
        }
        scored_alike(&format!("{name}, changed"), &changed);
    }
}

#[test]
fn weka_arff_scores_alike() {
    let label = |_: usize, c: &Connection| if c.attack { "anomaly" } else { "normal" }.to_string();
    let table = Table::new(
        base_rows(),
        &standard_names(),
        Some(("class", &label)),
        None,
    );
    let input = arff(&table);
    let text = String::from_utf8(input.clone()).unwrap();
    assert!(text.contains("@attribute 'protocol_type' {'icmp','tcp','udp'}"));
    assert!(text.contains("@attribute 'class' {'anomaly','normal'}"));
    let summary = assert_scored_alike("ARFF", &input, &table, &table.header);
    assert!(summary.arff);
    let labelled = summary.labelled.expect("`class` is the label");
    let attacks = base_rows().iter().filter(|c| c.attack).count() as u64;
    assert_eq!(labelled.attack_groups["anomaly"].rows, attacks);
    assert_eq!(
        labelled.figures, None,
        "normal/anomaly cannot give Neptune's accuracy"
    );
}

/// One line per way of writing the same table (in the spirit of csv-core's `parses_to!`): what it
/// is, which table, how it is written. Every one must score like the data file's own layout, keep
/// every field, add no row, and be read with the delimiter it was written with.
#[test]
fn every_way_of_writing_a_file_scores_alike() {
    let plain = Table::data_file_layout(base_rows());
    // A comma inside a field of a semicolon file must stay in its field.
    let noted = plain.clone().with_column(43, "note", |i| {
        if i % 2 == 0 {
            format!("a,b {i}")
        } else {
            String::new()
        }
    });
    let excel = plain.clone().with_column(43, "comment", |i| {
        format!("he said \"hi\", {i}\r\nnext line")
    });
    let s = Style::default();
    let (crlf, cr) = ("\r\n", "\r");
    #[rustfmt::skip]
    let cases: &[(&str, &Table, Style)] = &[
        ("comma", &plain, s),
        ("semicolon", &noted, Style { delimiter: b';', ..s }),
        ("tab", &noted, Style { delimiter: b'\t', ..s }),
        ("pipe", &noted, Style { delimiter: b'|', ..s }),
        ("LF, no final", &plain, Style { final_line_end: false, ..s }),
        ("CRLF", &plain, Style { line_end: crlf, ..s }),
        ("CRLF, no final", &plain, Style { line_end: crlf, final_line_end: false, ..s }),
        ("classic Mac CR", &plain, Style { line_end: cr, ..s }),
        ("CR, no final", &plain, Style { line_end: cr, final_line_end: false, ..s }),
        ("UTF-8 BOM", &plain, Style { bom: true, ..s }),
        ("blank lines after", &plain, Style { trailing_blank_lines: 3, ..s }),
        ("CRLF, blank lines", &plain, Style { line_end: crlf, trailing_blank_lines: 3, ..s }),
        ("CR, blank lines", &plain, Style { line_end: cr, trailing_blank_lines: 3, ..s }),
        ("all quoted", &plain, Style { quote_all: true, ..s }),
        // BOM, CRLF, every field quoted, fields holding quotes and line ends.
        ("Excel export", &excel, Style { bom: true, line_end: crlf, quote_all: true, ..s }),
    ];
    for &(what, table, style) in cases {
        let input = write_table(table, &style);
        let summary = assert_scored_alike(what, &input, table, &table.header);
        let delimiter = match style.delimiter {
            b',' => "comma",
            b';' => "semicolon",
            b'\t' => "tab",
            _ => "pipe",
        };
        assert_eq!(summary.delimiter, delimiter, "{what}: the delimiter found");
    }
}

#[test]
fn a_headerless_excel_export_scores_alike() {
    let table = Table::kdd_plus_layout(base_rows());
    let input = write_table(
        &table,
        &Style {
            bom: true,
            line_end: "\r\n",
            quote_all: true,
            header: false,
            ..Style::default()
        },
    );
    assert!(input.starts_with(b"\xEF\xBB\xBF\"0\","));
    assert_scored_alike(
        "Excel export, headerless",
        &input,
        &table,
        &headerless_names(&["label", "difficulty"]),
    );
}

#[test]
fn blank_lines_between_rows_add_no_rows_and_keep_line_numbers() {
    let table = Table::data_file_layout(&base_rows()[..4]);
    let mut text = String::from_utf8(csv(&table)).unwrap();
    text = text.replacen('\n', "\n\n\n", 2); // header on line 1, rows on lines 4, 7, 8, 9
    let mut lines: Vec<&str> = text.split('\n').collect();
    lines[6] = "0,tcp"; // line 7 becomes a short row
    let text = lines.join("\n");
    let (_, rows, summary) = score_parsed(text.as_bytes());
    assert_eq!(rows.len(), 4);
    assert_eq!(summary.rejected, 1);
    assert_eq!(summary.rejections[0].line, 7);
    assert_eq!(summary.rejections[0].reason, "expected 43 fields, found 2");
}

// --- B: the shape of the output -----------------------------------------------------------------

#[test]
fn a_headerless_file_gets_the_standard_names_with_label_and_difficulty() {
    let table = Table::kdd_plus_layout(&base_rows()[..3]);
    let input = headerless_csv(&table);
    let (output, _) = common::score(&input);
    let first_line = output.split(|&b| b == b'\n').next().unwrap();
    let expected = format!(
        "{},label,difficulty,attack_score,predicted_attack",
        standard_names().join(",")
    );
    assert_eq!(std::str::from_utf8(first_line).unwrap(), expected);
    // Every input row follows, unchanged: the output minus its header and score columns is the
    // input itself.
    let body: Vec<String> = std::str::from_utf8(&output)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.rsplitn(3, ',').nth(2).unwrap().to_string())
        .collect();
    let input_lines: Vec<&str> = std::str::from_utf8(&input).unwrap().lines().collect();
    assert_eq!(body, input_lines);
}

#[test]
fn the_output_keeps_every_row_in_input_order_with_its_fields_unchanged() {
    let mut table = Table::data_file_layout(base_rows())
        .with_column(0, "id", |i| format!("#{i}"))
        .with_column(44, "raw", |i| format!(" spaced {i} , \"quoted\" "));
    // Damage every fifth row so that scored and rejected rows interleave.
    let src_bytes = table.column("srcbytes");
    for row in table.rows.iter_mut().step_by(5) {
        row[src_bytes] = "oops".to_string();
    }
    let (header, rows, summary) = score_parsed(&csv(&table));
    assert_eq!(header[..45], table.header[..]);
    assert_eq!(rows.len(), table.rows.len());
    let rejected = table.rows.len().div_ceil(5);
    assert_eq!(summary.rejected as usize, rejected);
    assert_eq!(summary.scored as usize, table.rows.len() - rejected);
    for (i, (out, input)) in rows.iter().zip(&table.rows).enumerate() {
        assert_eq!(out.len(), input.len() + 2, "row {i}");
        assert_eq!(out[..input.len()], input[..], "row {i}");
        assert_eq!(out[0], format!("#{i}"), "input order");
        if i % 5 == 0 {
            assert_eq!(
                out[45..],
                ["", ""],
                "a rejected row has empty score columns"
            );
        } else {
            assert_eq!((out[45].clone(), out[46].clone()), reference_scores()[i]);
        }
    }
}

#[test]
fn a_rejected_row_keeps_its_fields_and_gets_two_empty_columns() {
    let mut table = Table::data_file_layout(&base_rows()[..3]);
    table.rows[1][4] = "-5".to_string();
    let input = csv(&table);
    let (output, summary) = common::score(&input);
    assert_eq!(summary.rejected, 1);
    let lines: Vec<&str> = std::str::from_utf8(&output).unwrap().lines().collect();
    let input_lines: Vec<&str> = std::str::from_utf8(&input).unwrap().lines().collect();
    assert_eq!(lines[2], format!("{},,", input_lines[2]));
    assert!(lines[1].starts_with(input_lines[1]));
    assert!(lines[3].starts_with(input_lines[3]));
}
