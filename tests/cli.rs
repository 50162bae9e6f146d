//! The `neptune` program: `score` (file, stdin, exit codes, stderr), `eval`, `info`, and inputs it
//! must refuse as a whole (exit 2, a message on stderr, no output file).
#![cfg(feature = "cli")]
#![cfg(not(target_arch = "wasm32"))] // native only: `make test-wasm` runs tests/web.rs

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{
    Draws, SplitMix, Table, csv, hand_written, label_names, neptune, parse_csv, score_columns,
};
use neptune::Model;
use neptune::reader::MAX_RECORD_BYTES;

struct Files {
    dir: tempfile::TempDir,
}

impl Files {
    fn new() -> Files {
        Files {
            dir: tempfile::TempDir::new().expect("a temporary directory"),
        }
    }

    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).expect("writing a fixture");
        path
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

fn s(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 temporary path")
}

/// The hand-written rows in the data file's layout, with row 3's `srcbytes` made `abc` when
/// `damaged` (line 5).
fn fixture(damaged: bool) -> Vec<u8> {
    let mut table = Table::data_file_layout(&hand_written());
    if damaged {
        table.rows[3][4] = "abc".to_string();
    }
    csv(&table)
}

#[test]
fn score_to_a_file_to_stdout_and_from_stdin_give_identical_output() {
    let files = Files::new();
    let input = fixture(true);
    let path = files.write("in.csv", &input);
    let out = files.path("out.csv");
    let to_file = neptune(&["score", s(&path), "-o", s(&out)], None);
    assert_eq!(to_file.code, Some(0), "{}", to_file.stderr);
    assert!(
        to_file.stdout.is_empty(),
        "nothing on stdout when -o is given"
    );
    let written = std::fs::read(&out).unwrap();
    let to_stdout = neptune(&["score", s(&path)], None);
    let from_stdin = neptune(&["score", "-"], Some(&input));
    let stdin_to_file = files.path("stdin.csv");
    neptune(&["score", "-", "--output", s(&stdin_to_file)], Some(&input));
    assert_eq!(to_stdout.stdout, written);
    assert_eq!(from_stdin.stdout, written);
    assert_eq!(std::fs::read(&stdin_to_file).unwrap(), written);
    // The same bytes the library writes (and the page downloads).
    let (library, _) = common::score(&input);
    assert_eq!(written, library);
}

#[test]
fn a_larger_file_from_stdin_matches_the_file_in_more_than_one_read() {
    // More than the CLI's 1 MB read buffer, so rows straddle reads.
    let table = Table::data_file_layout(&hand_written());
    let mut big = Table {
        header: table.header.clone(),
        rows: Vec::new(),
    };
    while big.rows.len() < 20_000 {
        big.rows.extend(table.rows.iter().cloned());
    }
    let input = csv(&big);
    assert!(input.len() > 2 << 20);
    let files = Files::new();
    let path = files.write("big.csv", &input);
    let from_file = neptune(&["score", s(&path)], None);
    let from_stdin = neptune(&["score", "-"], Some(&input));
    assert_eq!(from_file.code, Some(0));
    assert_eq!(from_file.stdout, from_stdin.stdout);
    assert_eq!(from_file.stdout, common::score(&input).0);
}

#[test]
fn exit_code_is_0_even_with_rejected_rows_and_1_with_strict() {
    let files = Files::new();
    let clean = files.write("clean.csv", &fixture(false));
    let damaged = files.write("damaged.csv", &fixture(true));
    assert_eq!(neptune(&["score", s(&clean)], None).code, Some(0));
    assert_eq!(neptune(&["score", s(&damaged)], None).code, Some(0));
    assert_eq!(
        neptune(&["score", "--strict", s(&clean)], None).code,
        Some(0)
    );
    let strict = neptune(&["score", "--strict", s(&damaged)], None);
    assert_eq!(strict.code, Some(1));
    // Still a complete output: every row, the rejected one with empty score columns.
    let records = parse_csv(&strict.stdout).unwrap();
    assert_eq!(records.len(), 9);
    assert_eq!(records[4][43..], ["", ""]);
}

#[test]
fn problems_go_to_stderr_never_into_the_csv() {
    let mut table = Table::data_file_layout(&hand_written());
    table.rows[3][4] = "abc".to_string();
    table.rows[5][2] = "gopher2".to_string();
    let files = Files::new();
    let path = files.write("in.csv", &csv(&table));
    let run = neptune(&["score", s(&path)], None);
    assert_eq!(run.code, Some(0));
    assert!(
        run.stderr
            .contains("neptune: 8 rows: 7 scored, 3 flagged as Neptune (42.9%), 1 rejected"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("  line 5: `src_bytes` is `abc`, not a number")
    );
    assert!(
        run.stderr
            .contains("1 rows have a category the model never saw")
    );
    assert!(run.stderr.contains("  service: gopher2 (1)"));
    let text = String::from_utf8(run.stdout.clone()).unwrap();
    assert!(!text.contains("neptune:") && !text.contains("line 5") && !text.contains("never saw"));
    let records = parse_csv(&run.stdout).unwrap();
    assert_eq!(records.len(), 9);
    assert!(records.iter().all(|r| r.len() == 45));
    assert_eq!(records[6][2], "gopher2");
    // --quiet drops the summary line, not the problems.
    let quiet = neptune(&["score", "--quiet", s(&path)], None);
    assert!(!quiet.stderr.contains("8 rows"));
    assert!(quiet.stderr.contains("line 5:"));
    assert_eq!(quiet.stdout, run.stdout);
}

#[test]
fn threshold_changes_predicted_attack_only() {
    let rows: Vec<_> = hand_written()
        .into_iter()
        .chain(common::train_connections(400))
        .collect();
    let files = Files::new();
    let path = files.write("in.csv", &csv(&Table::data_file_layout(&rows)));
    let default = neptune(&["score", s(&path)], None);
    let default_records = parse_csv(&default.stdout).unwrap();
    let default_scores = score_columns(&default_records[1..]);
    let model_threshold = Model::embedded().threshold;
    for (i, (score, predicted)) in default_scores.iter().enumerate() {
        let score: f64 = score.parse().unwrap();
        if (score - model_threshold).abs() > 1e-6 {
            assert_eq!(predicted == "1", score >= model_threshold, "row {i}");
        }
    }
    for threshold in ["0", "0.05", "0.5", "0.95", "1"] {
        let run = neptune(&["score", "--threshold", threshold, s(&path)], None);
        assert_eq!(run.code, Some(0));
        let records = parse_csv(&run.stdout).unwrap();
        assert_eq!(records.len(), default_records.len());
        let t: f64 = threshold.parse().unwrap();
        for (i, (row, default_row)) in records.iter().zip(&default_records).enumerate().skip(1) {
            let n = row.len();
            assert_eq!(
                row[..n - 1],
                default_row[..n - 1],
                "only predicted_attack changes"
            );
            let score: f64 = row[n - 2].parse().unwrap();
            if (score - t).abs() > 1e-6 {
                assert_eq!(row[n - 1] == "1", score >= t, "threshold {t}, row {i}");
            }
        }
        if t == 0.0 {
            assert!(records[1..].iter().all(|r| r[r.len() - 1] == "1"));
        }
    }
}

#[test]
fn a_threshold_outside_0_to_1_is_refused() {
    let files = Files::new();
    let path = files.write("in.csv", &fixture(false));
    for bad in ["1.5", "-0.1", "abc", "NaN"] {
        let run = neptune(&["score", &format!("--threshold={bad}"), s(&path)], None);
        assert_eq!(run.code, Some(2), "{bad}");
        assert!(
            run.stderr.contains("is not a number between 0 and 1"),
            "{bad}: {}",
            run.stderr
        );
        assert!(run.stdout.is_empty());
    }
}

#[test]
fn a_garbage_model_file_is_exit_2_with_a_message() {
    let files = Files::new();
    let path = files.write("in.csv", &fixture(false));
    let out = files.path("out.csv");
    let garbage = files.write("garbage.postcard", &SplitMix(9).bytes(5000));
    let run = neptune(
        &["score", s(&path), "--model", s(&garbage), "-o", s(&out)],
        None,
    );
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.starts_with("neptune: "), "{}", run.stderr);
    assert!(run.stderr.contains("garbage.postcard"), "{}", run.stderr);
    assert!(run.stderr.contains("the model file"), "{}", run.stderr);
    assert!(!out.exists());
    // A model of another format version says so.
    let mut model = Model::embedded();
    model.format = 7;
    let other = files.write("v7.postcard", &model.to_bytes());
    let run = neptune(&["eval", s(&path), "--model", s(&other)], None);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr
            .contains("the model file is format 7, this program reads format 1"),
        "{}",
        run.stderr
    );
    // Damaged or cut short: refused in one sentence, whatever bit was flipped.
    let bytes = Model::embedded().to_bytes();
    for bit in (0..bytes.len() * 8).step_by(997) {
        let mut damaged = bytes.clone();
        damaged[bit / 8] ^= 1 << (bit % 8);
        let file = files.write("damaged.postcard", &damaged);
        let run = neptune(&["score", s(&path), "--model", s(&file)], None);
        assert_eq!(run.code, Some(2), "bit {bit}");
        assert_eq!(
            run.stderr.lines().count(),
            1,
            "one sentence: {}",
            run.stderr
        );
    }
    let mut flipped = bytes.clone();
    flipped[bytes.len() / 2] ^= 4;
    let file = files.write("flipped.postcard", &flipped);
    let run = neptune(&["score", s(&path), "--model", s(&file)], None);
    assert!(
        run.stderr.ends_with(
            "flipped.postcard: the model file is damaged: its checksum does not match its contents\n"
        ),
        "{}",
        run.stderr
    );
    let file = files.write("cut.postcard", &bytes[..1000]);
    let run = neptune(&["score", s(&path), "--model", s(&file)], None);
    assert!(
        run.stderr.contains(&format!(
            "the model file is cut short (1000 bytes, {} expected)",
            bytes.len()
        )),
        "{}",
        run.stderr
    );
    // A missing one names the path.
    let run = neptune(
        &["score", s(&path), "--model", "/nonexistent/m.postcard"],
        None,
    );
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("cannot read /nonexistent/m.postcard"));
}

#[test]
fn a_model_file_with_the_embedded_bytes_scores_like_the_embedded_model() {
    let files = Files::new();
    let path = files.write("in.csv", &fixture(true));
    let model = files.write("m.postcard", neptune::model::EMBEDDED_MODEL);
    let with_file = neptune(&["score", s(&path), "--model", s(&model)], None);
    let embedded = neptune(&["score", s(&path)], None);
    assert_eq!(with_file.code, Some(0));
    assert_eq!(with_file.stdout, embedded.stdout);
}

#[test]
fn a_missing_input_file_is_exit_2() {
    let run = neptune(&["score", "/nonexistent/in.csv"], None);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains("cannot open /nonexistent/in.csv"),
        "{}",
        run.stderr
    );
}

/// Scores `input` from a file and from stdin: exit 2, `message` on stderr, no output at all.
fn assert_unusable(input: &[u8], message: &str) {
    let files = Files::new();
    let path = files.write("in.csv", input);
    let out = files.path("out.csv");
    let run = neptune(&["score", s(&path), "-o", s(&out)], None);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.starts_with("neptune: "), "{}", run.stderr);
    assert!(
        run.stderr.contains(message),
        "wanted {message:?} in {}",
        run.stderr
    );
    assert!(!out.exists(), "no partial output file");
    let piped = neptune(&["score", "-"], Some(input));
    assert_eq!(piped.code, Some(2));
    assert!(piped.stdout.is_empty(), "nothing written to stdout");
    assert!(piped.stderr.contains(message), "{}", piped.stderr);
}

#[test]
fn an_empty_file_is_exit_2() {
    assert_unusable(b"", "the file is empty");
    assert_unusable(b"\r\n\r\n", "the file is empty");
}

#[test]
fn a_header_only_file_writes_the_header_and_exits_0() {
    let files = Files::new();
    let header = "duration,protocol_type,service,flag,src_bytes,dst_bytes,land,wrong_fragment,\
        urgent,hot,num_failed_logins,logged_in,num_compromised,root_shell,su_attempted,num_root,\
        num_file_creations,num_shells,num_access_files,num_outbound_cmds,is_host_login,\
        is_guest_login,count,srv_count,serror_rate,srv_serror_rate,rerror_rate,srv_rerror_rate,\
        same_srv_rate,diff_srv_rate,srv_diff_host_rate,dst_host_count,dst_host_srv_count,\
        dst_host_same_srv_rate,dst_host_diff_srv_rate,dst_host_same_src_port_rate,\
        dst_host_srv_diff_host_rate,dst_host_serror_rate,dst_host_srv_serror_rate,\
        dst_host_rerror_rate,dst_host_srv_rerror_rate,label";
    let path = files.write("in.csv", format!("{header}\r\n").as_bytes());
    let out = files.path("out.csv");
    let run = neptune(&["score", "--strict", s(&path), "-o", s(&out)], None);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        format!("{header},attack_score,predicted_attack\n")
    );
    assert!(run.stderr.contains("0 rows"), "{}", run.stderr);
}

#[test]
fn a_png_image_is_exit_2() {
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend(SplitMix(3).bytes(3000));
    assert_unusable(&png, "the file is a PNG image, not a text CSV");
}

#[test]
fn a_zip_archive_is_exit_2() {
    let mut zip = b"PK\x03\x04\x14\0\x06\0".to_vec();
    zip.extend(SplitMix(4).bytes(3000));
    assert_unusable(&zip, "the file is a ZIP archive (an .xlsx workbook is one)");
}

#[test]
fn random_bytes_are_exit_2() {
    assert_unusable(&SplitMix(5).bytes(100_000), "not a text CSV");
}

#[test]
fn utf16_text_is_exit_2() {
    let text = String::from_utf8(fixture(false)).unwrap();
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    assert_unusable(
        &utf16,
        "the file is UTF-16 text (little-endian); save it as UTF-8",
    );
}

#[test]
fn missing_feature_columns_are_exit_2_naming_them() {
    let table = Table::data_file_layout(&hand_written());
    let keep: Vec<usize> = (0..43).filter(|&j| j != 22 && j != 24).collect();
    assert_unusable(
        &csv(&table.select(&keep)),
        "2 of the 41 feature columns are missing: count, serror_rate; the header has 41 columns",
    );
}

#[test]
fn a_feature_under_two_spellings_is_read_once_and_said_on_stderr() {
    let table = Table::data_file_layout(&hand_written()).with_column(43, "Flag", |_| "SF".into());
    let run = neptune(&["score", "-"], Some(&csv(&table)));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stderr.starts_with(
            "neptune: `Flag` (column 44) repeats `flag` (column 4): column 4 is read, the other \
             is passed through\n"
        ),
        "{}",
        run.stderr
    );
    let plain = neptune(
        &["score", "-"],
        Some(&csv(&Table::data_file_layout(&hand_written()))),
    );
    let records = parse_csv(&run.stdout).unwrap();
    assert_eq!(
        score_columns(&records[1..]),
        score_columns(&parse_csv(&plain.stdout).unwrap()[1..])
    );
}

#[test]
fn a_file_where_no_row_could_be_scored_is_exit_2() {
    let mut table = Table::data_file_layout(&hand_written());
    for row in &mut table.rows {
        row[0] = "n/a".to_string();
    }
    assert_unusable(
        &csv(&table),
        "no data row could be scored (8 rows, all rejected; line 2: `duration` is `n/a`, not a number)",
    );
}

#[test]
fn a_label_encoded_file_is_exit_2_saying_what_was_found_and_what_is_needed() {
    let mut table = Table::data_file_layout(&hand_written());
    for (i, row) in table.rows.iter_mut().enumerate() {
        row[1] = (i % 3).to_string();
        row[2] = (20 + i).to_string();
        row[3] = "9".to_string();
    }
    assert_unusable(
        &csv(&table),
        "protocol_type, service and flag hold numbers (0, 20, 9) instead of names: this file was \
         label-encoded",
    );
    assert_unusable(&csv(&table), "rows read like `tcp, http, SF`");
}

#[test]
fn a_line_over_16_mb_is_a_rejected_row_not_a_crash() {
    let table = Table::data_file_layout(&hand_written()[..2]);
    let text = String::from_utf8(csv(&table)).unwrap();
    let mut input = text.into_bytes();
    input.extend_from_slice(b"0,tcp,http,SF,");
    input.extend(std::iter::repeat_n(b'7', MAX_RECORD_BYTES + 100));
    input.extend_from_slice(b"\n");
    let files = Files::new();
    let path = files.write("long.csv", &input);
    let run = neptune(&["score", s(&path)], None);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stderr.contains("line 4: the line is longer than 16 MB"),
        "{}",
        run.stderr
    );
    let records = parse_csv(&run.stdout).unwrap();
    assert_eq!(records.len(), 4);
}

/// Labelled rows: the hand-written ones and, when present, 2,000 rows of Train_Data; every
/// ninth row relabelled as another attack type when `others`.
fn labelled_input(others: bool) -> (Vec<u8>, usize) {
    let rows: Vec<_> = hand_written()
        .into_iter()
        .chain(common::train_connections(2000))
        .collect();
    let label = move |i: usize, c: &common::Connection| {
        if others && i % 9 == 4 {
            "smurf.".to_string()
        } else {
            label_names(i, c)
        }
    };
    let table = Table::new(
        &rows,
        &common::standard_names(),
        Some(("class", &label)),
        Some("level"),
    );
    (csv(&table), rows.len())
}

#[test]
fn eval_prints_accuracy_precision_recall_f1_roc_auc_and_the_confusion_matrix() {
    let files = Files::new();
    let (input, rows) = labelled_input(false);
    let path = files.write("labelled.csv", &input);
    let run = neptune(&["eval", s(&path)], None);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let text = String::from_utf8(run.stdout).unwrap();
    assert!(
        text.starts_with(&format!("rows {rows} (scored {rows}, rejected 0)")),
        "{text}"
    );
    for label in [
        "Neptune vs normal:",
        "  accuracy  ",
        "  precision ",
        "  recall    ",
        "  F1        ",
        "  ROC-AUC   ",
        "confusion matrix     predicted normal  predicted Neptune",
        "  actual normal   ",
        "  actual Neptune  ",
    ] {
        assert!(text.contains(label), "{label:?} missing from {text}");
    }
    let accuracy: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("  accuracy  "))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(accuracy >= 0.99, "{text}");
}

#[test]
fn eval_json_is_valid_json_with_every_figure() {
    let files = Files::new();
    let (input, rows) = labelled_input(false);
    let path = files.write("labelled.csv", &input);
    let run = neptune(&["eval", "--json", s(&path)], None);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_slice(&run.stdout).expect("valid JSON");
    assert_eq!(json["rows"], rows);
    assert_eq!(json["scored"], rows);
    assert_eq!(json["rejected"], 0);
    let c = &json["confusion"];
    let total: u64 = [
        "true_positive",
        "false_positive",
        "true_negative",
        "false_negative",
    ]
    .iter()
    .map(|k| c[k].as_u64().unwrap())
    .sum();
    assert_eq!(total, rows as u64);
    for key in ["accuracy", "precision", "recall", "f1"] {
        let value = json["figures"][key].as_f64().unwrap();
        assert!((0.99..=1.0).contains(&value), "{key} = {value}");
    }
    assert_eq!(json["figures"]["rows"], rows);
    assert!(json["roc_auc"].as_f64().unwrap() >= 0.99);
    assert_eq!(json["threshold"], Model::embedded().threshold);
    assert_eq!(json["unlabelled"], 0);
}

#[test]
fn eval_counts_other_attack_types_apart() {
    let files = Files::new();
    let (input, rows) = labelled_input(true);
    let path = files.write("labelled.csv", &input);
    let smurfs = (0..rows).filter(|i| i % 9 == 4).count();
    let run = neptune(&["eval", "--json", s(&path)], None);
    let json: serde_json::Value = serde_json::from_slice(&run.stdout).expect("valid JSON");
    assert_eq!(json["other_attacks"]["smurf"]["rows"], smurfs);
    assert_eq!(json["figures"]["rows"], rows - smurfs);
    let text = neptune(&["eval", s(&path)], None);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("other attack types (not Neptune; counted apart):"));
    assert!(
        text.contains(&format!("  {:<16} {smurfs:>8} rows", "smurf")),
        "{text}"
    );
}

#[test]
fn eval_without_a_label_column_is_exit_2() {
    let files = Files::new();
    let table = Table::new(&hand_written(), &common::standard_names(), None, None);
    let path = files.write("unlabelled.csv", &csv(&table));
    let run = neptune(&["eval", s(&path)], None);
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("has no label column"), "{}", run.stderr);
}

#[test]
fn info_prints_the_model_card_as_json() {
    let run = neptune(&["info"], None);
    assert_eq!(run.code, Some(0));
    let printed: serde_json::Value = serde_json::from_slice(&run.stdout).expect("valid JSON");
    let card_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/neptune.card.json");
    let card: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(card_path).unwrap()).unwrap();
    assert_eq!(printed, card);
    assert_eq!(
        printed["model"]["bytes"],
        neptune::model::EMBEDDED_MODEL.len()
    );
}

/// About 10 MB of rows (so the CLI scores it in parts on several threads): the hand-written
/// rows (and Train_Data's first 2,000 when present) over and over, with a rejected row every
/// 997 rows, an unseen service every 1,009 and another attack type every 1,013.
fn large_labelled(line_end: &'static str) -> Vec<u8> {
    let rows: Vec<_> = hand_written()
        .into_iter()
        .chain(common::train_connections(2000))
        .collect();
    let label = |i: usize, c: &common::Connection| {
        if i % 1013 == 7 {
            "smurf".to_string()
        } else {
            label_names(i, c)
        }
    };
    let mut repeated = Vec::new();
    while repeated.len() < 70_000 {
        repeated.extend(rows.iter().cloned());
    }
    let mut table = Table::new(
        &repeated,
        &common::standard_names(),
        Some(("label", &label)),
        Some("difficulty"),
    );
    for (i, row) in table.rows.iter_mut().enumerate() {
        if i % 997 == 5 {
            row[4] = "abc".to_string();
        }
        if i % 1009 == 11 {
            row[2] = format!("svc{}", i % 3);
        }
    }
    common::write_table(
        &table,
        &common::Style {
            line_end,
            ..Default::default()
        },
    )
}

#[test]
fn a_file_scored_in_parallel_parts_matches_one_scorer() {
    let files = Files::new();
    for line_end in ["\n", "\r\n", "\r"] {
        let input = large_labelled(line_end);
        assert!(input.len() > 9 << 20);
        let path = files.write("large.csv", &input);
        let (library, summary) = common::score(&input);
        let run = neptune(&["score", s(&path)], None);
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        assert!(run.stdout == library, "CLI output differs ({line_end:?})");
        let mut expected = format!(
            "neptune: {} rows: {} scored, {} flagged as Neptune ({:.1}%), {} rejected\n",
            summary.rows,
            summary.scored,
            summary.flagged,
            100.0 * summary.flagged as f64 / summary.scored as f64,
            summary.rejected
        );
        for r in summary.rejections.iter().take(20) {
            expected.push_str(&format!("  line {}: {}\n", r.line, r.reason));
        }
        assert!(
            run.stderr.starts_with(&expected),
            "{line_end:?}: wanted\n{expected}\ngot\n{}",
            run.stderr
        );
        assert!(run.stderr.contains(&format!(
            "neptune: {} rows have a category the model never saw",
            summary.rows_with_unknown_categories
        )));
        let eval = neptune(&["eval", "--json", s(&path)], None);
        let json: serde_json::Value = serde_json::from_slice(&eval.stdout).unwrap();
        let labelled = summary.labelled.as_ref().unwrap();
        assert_eq!(json["rows"], summary.rows);
        assert_eq!(json["rejected"], summary.rejected);
        assert_eq!(
            json["confusion"],
            serde_json::to_value(labelled.confusion).unwrap()
        );
        assert_eq!(
            json["other_attacks"],
            serde_json::to_value(&labelled.other_attacks).unwrap()
        );
    }
}

#[test]
fn quoted_line_ends_at_every_mebibyte_boundary_stay_in_their_fields() {
    // The CLI reads the start of a file in one part (4 MiB today) cut at its last line end. A
    // line end inside a quoted field is no record end: put one right before each MiB boundary.
    let rows = hand_written();
    let table = Table::data_file_layout(&rows);
    let text = String::from_utf8(csv(&table)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut input = format!("{},note\n", lines[0]).into_bytes();
    let mut k = 1;
    let mut i = 0;
    while input.len() < (9 << 20) {
        let row = lines[1 + i % rows.len()];
        i += 1;
        let boundary = k << 20;
        let plain = format!("{row},plain\n");
        let quoted_start = format!("{row},\"");
        if input.len() + plain.len() + quoted_start.len() + 16 < boundary {
            input.extend_from_slice(plain.as_bytes());
            continue;
        }
        // This row's quoted note spans the boundary: its line end is the boundary's last byte.
        input.extend_from_slice(quoted_start.as_bytes());
        input.resize(boundary - 1, b'x');
        input.extend_from_slice(b"\nsecond line\"\n");
        k += 1;
    }
    let (library, summary) = common::score(&input);
    assert_eq!(summary.rejected, 0);
    let files = Files::new();
    let path = files.write("quoted.csv", &input);
    let run = neptune(&["score", s(&path)], None);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        !run.stderr.contains("rejected\n  line"),
        "no row is rejected: {}",
        run.stderr
    );
    assert!(
        run.stdout == library,
        "CLI output differs from one scorer's"
    );
}

#[test]
fn lines_longer_than_the_look_behind_at_part_boundaries_keep_the_bytes_of_one_scorer() {
    // A part ends at the last line end in the last `LOOK_BEHIND_BYTES` of its range; with no
    // line end that close to a boundary, the rest of the file goes to one scorer. Over every
    // MiB boundary put a long line (a row with a long extra field: rejected) that starts a bit
    // more than half the look-behind before it up to 7 MiB (parts are cut there), and more than
    // the look-behind from 8 MiB on (the rest then goes to one scorer).
    let look_behind = neptune::parts::LOOK_BEHIND_BYTES;
    let input = many_rows(90_000);
    let newline = input.iter().position(|&b| b == b'\n').unwrap() + 1;
    let (header, body) = input.split_at(newline);
    let mut file = header.to_vec();
    let row = &body[..body.iter().position(|&b| b == b'\n').unwrap()];
    let mut boundaries = (1..12)
        .map(|k| {
            (
                k << 20,
                if k < 8 {
                    look_behind * 5 / 8
                } else {
                    look_behind + 1000
                },
            )
        })
        .peekable();
    for line in body.split_inclusive(|&b| b == b'\n') {
        if let Some(&(boundary, before)) = boundaries.peek() {
            if file.len() + line.len() + before > boundary {
                file.extend_from_slice(row);
                file.push(b',');
                file.resize(boundary + 10, b'x');
                file.push(b'\n');
                boundaries.next();
            }
        }
        file.extend_from_slice(line);
    }
    assert!(file.len() > 10 << 20);
    let (library, summary) = common::score(&file);
    assert_eq!(summary.rejected, 11);
    let files = Files::new();
    let path = files.write("long.csv", &file);
    let run = neptune(&["score", s(&path)], None);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stdout == library,
        "CLI output differs from one scorer's"
    );
    assert!(run.stderr.contains("11 rejected"), "{}", run.stderr);
}

/// A connections file of about `rows` rows (the hand-written ones repeated), with a header.
fn many_rows(rows: usize) -> Vec<u8> {
    let table = Table::data_file_layout(&hand_written());
    let text = csv(&table);
    let newline = text.iter().position(|&b| b == b'\n').unwrap() + 1;
    let (header, body) = text.split_at(newline);
    let mut input = header.to_vec();
    while input.len() < header.len() + rows / table.rows.len() * body.len() {
        input.extend_from_slice(body);
    }
    input
}

/// Files left in `dir` besides `keep`.
fn leftovers(dir: &Path, keep: &[&str]) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !keep.contains(&name.as_str()))
        .collect()
}

#[test]
fn two_runs_writing_one_destination_never_mix_their_outputs() {
    let files = Files::new();
    let a = files.write("a.csv", &many_rows(200_000));
    let mut b_table = Table::data_file_layout(&hand_written());
    b_table.rows.reverse();
    let b = files.write("b.csv", &csv(&b_table).repeat(20_000));
    let want_a = neptune(&["score", s(&a)], None).stdout;
    let want_b = neptune(&["score", s(&b)], None).stdout;
    let out = files.path("same.csv");
    let runs: Vec<_> = [&a, &b]
        .iter()
        .map(|input| {
            Command::new(env!("CARGO_BIN_EXE_neptune"))
                .args(["score", s(input), "-o", s(&out), "-q"])
                .spawn()
                .unwrap()
        })
        .collect();
    for mut run in runs {
        assert!(run.wait().unwrap().success());
    }
    let got = std::fs::read(&out).unwrap();
    assert!(
        got == want_a || got == want_b,
        "the output is one run's, whole"
    );
    assert_eq!(
        leftovers(files.dir.path(), &["a.csv", "b.csv", "same.csv"]),
        Vec::<String>::new()
    );
}

#[test]
fn a_fifo_destination_is_written_in_place_not_replaced() {
    let files = Files::new();
    let input = files.write("in.csv", &many_rows(20_000));
    let fifo = files.path("pipe");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success(),
        "mkfifo"
    );
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    let run = neptune(&["score", s(&input), "-o", s(&fifo), "-q"], None);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let got = reader.join().unwrap();
    assert_eq!(got, neptune(&["score", s(&input)], None).stdout);
    use std::os::unix::fs::FileTypeExt;
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );
    assert_eq!(
        leftovers(files.dir.path(), &["in.csv", "pipe"]),
        Vec::<String>::new()
    );
}

#[test]
fn a_symlink_destination_writes_its_target_and_stays_a_link() {
    let files = Files::new();
    let input = files.write("in.csv", &csv(&Table::data_file_layout(&hand_written())));
    let target = files.write("target.csv", b"old contents\n");
    let link = files.path("link.csv");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let run = neptune(&["score", s(&input), "-o", s(&link), "-q"], None);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let want = neptune(&["score", s(&input)], None).stdout;
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read(&target).unwrap(), want);
    // A link to a file that does not exist yet creates that file.
    let dangling = files.path("dangling.csv");
    let new_target = files.path("new.csv");
    std::os::unix::fs::symlink(&new_target, &dangling).unwrap();
    let run = neptune(&["score", s(&input), "-o", s(&dangling), "-q"], None);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        std::fs::symlink_metadata(&dangling)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read(&new_target).unwrap(), want);
}

#[test]
fn a_directory_destination_is_named_as_one() {
    let files = Files::new();
    let input = files.write("in.csv", &csv(&Table::data_file_layout(&hand_written())));
    let dir = files.path("out");
    std::fs::create_dir(&dir).unwrap();
    for destination in [s(&dir).to_string(), format!("{}/", s(&dir))] {
        let run = neptune(&["score", s(&input), "-o", &destination], None);
        assert_eq!(run.code, Some(2));
        assert!(
            run.stderr
                .contains(&format!("{destination} is a directory")),
            "{}",
            run.stderr
        );
    }
    assert!(dir.is_dir());
    assert_eq!(leftovers(&dir, &[]), Vec::<String>::new());
}

#[test]
fn an_interrupted_run_leaves_no_temporary_file_behind() {
    let files = Files::new();
    let out = files.path("out.csv");
    for signal in ["-TERM", "-INT"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_neptune"))
            .args(["score", "-", "-o", s(&out)])
            .stdin(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Part of the input, then the pipe stays open: the run waits for more.
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(&many_rows(2_000)).unwrap();
        stdin.flush().unwrap();
        let started = std::time::Instant::now();
        while leftovers(files.dir.path(), &[]).is_empty() {
            assert!(
                started.elapsed().as_secs() < 30,
                "the temporary file never appeared"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let temporary = leftovers(files.dir.path(), &[]);
        assert!(
            temporary[0].starts_with(".out.csv.") && temporary[0].ends_with(".partial"),
            "{temporary:?}"
        );
        let killed = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let status = child.wait().unwrap();
        drop(stdin);
        assert_eq!(status.code(), Some(130), "{signal}");
        assert_eq!(
            leftovers(files.dir.path(), &[]),
            Vec::<String>::new(),
            "{signal}"
        );
    }
}

#[test]
fn a_closed_output_pipe_ends_quietly() {
    let files = Files::new();
    let input = files.write("in.csv", &many_rows(100_000));
    let mut child = Command::new(env!("CARGO_BIN_EXE_neptune"))
        .args(["score", s(&input)])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read one line, as `| head -1` does, then close the pipe.
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 64];
    std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
    drop(stdout);
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn gzip_input_is_read_as_the_decompressed_file() {
    use flate2::{Compression, write::GzEncoder};
    let gzip = |bytes: &[u8]| {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    };
    let files = Files::new();
    let text = many_rows(50_000);
    let plain = files.write("in.csv", &text);
    let want = neptune(&["score", s(&plain)], None);
    let packed = gzip(&text);
    // Named .gz, named .csv, from stdin, and as several members (as `cat a.gz b.gz` makes).
    let named_gz = files.write("in.csv.gz", &packed);
    let named_csv = files.write("disguised.csv", &packed);
    let (head, tail) = text.split_at(text.len() / 2 + 17);
    let members = files.write("members.gz", &[gzip(head), gzip(tail)].concat());
    for path in [&named_gz, &named_csv, &members] {
        let run = neptune(&["score", s(path)], None);
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        assert!(run.stdout == want.stdout, "{}", path.display());
        assert_eq!(run.stderr, want.stderr);
    }
    let piped = neptune(&["score", "-"], Some(&packed));
    assert!(piped.stdout == want.stdout);
    // Cut short: refused as a whole, saying why, with no output file.
    assert_unusable(&packed[..packed.len() / 2], "the gzip data is cut short");
}

#[test]
fn a_negative_threshold_is_out_of_range_not_an_option() {
    let run = neptune(&["score", "-", "--threshold", "-1"], Some(b""));
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains("`-1` is not a number between 0 and 1"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("-- -1"), "{}", run.stderr);
}

#[test]
fn eval_on_labels_that_name_groups_of_attacks_gives_no_neptune_accuracy() {
    let categories = |i: usize, c: &common::Connection| {
        match (c.attack, i % 2) {
            (false, _) => "normal",
            (true, 0) => "DoS",
            (true, _) => "anomaly",
        }
        .to_string()
    };
    let table = Table::new(
        &hand_written(),
        &common::standard_names(),
        Some(("attack_cat", &categories)),
        None,
    );
    let run = neptune(&["eval", "-"], Some(&csv(&table)));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let text = String::from_utf8(run.stdout).unwrap();
    assert!(!text.contains("accuracy  "), "{text}");
    assert!(
        text.contains(
            "no row is labelled Neptune: the labels name groups of attacks (DoS, anomaly)"
        ),
        "{text}"
    );
    let json = neptune(&["eval", "-", "--json"], Some(&csv(&table)));
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report["figures"], serde_json::Value::Null);
    assert_eq!(report["roc_auc"], serde_json::Value::Null);
    let attacks = hand_written().iter().filter(|c| c.attack).count() as u64;
    let groups = &report["attack_groups"];
    assert_eq!(
        groups["DoS"]["rows"].as_u64().unwrap() + groups["anomaly"]["rows"].as_u64().unwrap(),
        attacks
    );
}

#[test]
fn an_unusable_file_never_replaces_an_existing_output() {
    let files = Files::new();
    let out = files.write("out.csv", b"the previous results\n");
    let input = files.write("in.csv", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    let run = neptune(&["score", s(&input), "-o", s(&out)], None);
    assert_eq!(run.code, Some(2));
    assert_eq!(std::fs::read(&out).unwrap(), b"the previous results\n");
    assert_eq!(
        leftovers(files.dir.path(), &["in.csv", "out.csv"]),
        Vec::<String>::new()
    );
}

#[test]
fn eval_writes_the_roc_and_pr_curve_and_evaluates_at_any_threshold() {
    let files = Files::new();
    let table = Table::new(
        common::base_rows(),
        &common::standard_names(),
        Some(("label", &label_names)),
        None,
    );
    let input = files.write("in.csv", &csv(&table));
    let curve = files.path("curve.csv");
    let run = neptune(&["eval", s(&input), "--json", "--curve", s(&curve)], None);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let text = std::fs::read_to_string(&curve).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("threshold,tpr,fpr,precision,recall,true_positive,false_positive")
    );
    let points: Vec<Vec<f64>> = lines
        .map(|l| l.split(',').map(|f| f.parse().unwrap()).collect())
        .collect();
    assert_eq!(points[0][..3], [f64::INFINITY, 0.0, 0.0]);
    assert_eq!(points.last().unwrap()[1..3], [1.0, 1.0]);
    assert!(
        points.windows(2).all(|w| w[1][0] < w[0][0]),
        "thresholds fall"
    );
    // The area under the points is the ROC-AUC `eval` reports.
    let area: f64 = points
        .windows(2)
        .map(|w| (w[1][2] - w[0][2]) * (w[1][1] + w[0][1]) / 2.0)
        .sum();
    let auc = report["roc_auc"].as_f64().unwrap();
    assert!((area - auc).abs() < 1e-12, "{area} vs {auc}");
    let ap = report["average_precision"].as_f64().unwrap();
    assert!(ap > 0.0 && ap <= 1.0);
    // At each point's threshold, `eval --threshold` counts the point's rows as flagged.
    for point in points.iter().skip(1).step_by(points.len() / 5 + 1) {
        let threshold = point[0].to_string();
        let at = neptune(
            &["eval", s(&input), "--json", "--threshold", &threshold],
            None,
        );
        let report: serde_json::Value = serde_json::from_slice(&at.stdout).unwrap();
        assert_eq!(
            report["confusion"]["true_positive"].as_f64(),
            Some(point[5])
        );
        assert_eq!(
            report["confusion"]["false_positive"].as_f64(),
            Some(point[6])
        );
    }
    // A file without both classes has no curve: exit 2, saying why, no file.
    let normal_only = Table::new(
        &hand_written()[..1],
        &common::standard_names(),
        Some(("label", &|_, _| "normal".to_string())),
        None,
    );
    let input = files.write("normal.csv", &csv(&normal_only));
    let none = files.path("none.csv");
    let run = neptune(&["eval", s(&input), "--curve", s(&none)], None);
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("no curve"), "{}", run.stderr);
    assert!(!none.exists());
}
