//! Training on a small slice: repeatable byte for byte with the same seed, through the library and
//! through `neptune train`, and the compact forest scores exactly as smartcore's own `predict`.
#![cfg(feature = "cli")]
#![cfg(not(target_arch = "wasm32"))] // native only: `make test-wasm` runs tests/web.rs

mod common;

use std::process::Command;

use common::{Connection, SplitMix, Table, hand_written};
use neptune::Model;
use neptune::train::{self, Dataset, ForestSettings, TrainError};
use smartcore::linalg::basic::matrix::DenseMatrix;

/// A labelled training slice: Train_Data's header and first 3,000 rows, or, without the data,
/// 1,500 rows made by jittering the hand-written connections.
fn slice() -> Vec<u8> {
    let rows = common::train_connections(3000);
    if !rows.is_empty() {
        return common::csv(&Table::data_file_layout(&rows));
    }
    let templates = hand_written();
    let mut rng = SplitMix(11);
    let rows: Vec<Connection> = (0..1500)
        .map(|i| {
            let mut c = templates[i % templates.len()].clone();
            for column in [0, 4, 5, 22, 23, 31, 32] {
                let value: f64 = c.features[column].parse().expect("a number");
                let jitter = rng.below(20) as f64;
                c.features[column] = format!("{}", value + jitter);
            }
            c
        })
        .collect();
    common::csv(&Table::data_file_layout(&rows))
}

fn quiet(_: &str) {}

#[test]
fn training_twice_with_the_same_seed_gives_identical_model_bytes() {
    let data = Dataset::read(&slice()).expect("a labelled file");
    assert!(data.rejected.is_empty());
    let first = train::train(&data, 7, false, &mut quiet).expect("training");
    let second = train::train(&data, 7, false, &mut quiet).expect("training");
    let bytes = first.model.to_bytes();
    assert!(bytes == second.model.to_bytes(), "same seed, same bytes");
    assert_eq!(first.holdout_confusion, second.holdout_confusion);
    // The bytes load back into the same model.
    let loaded = Model::from_bytes(&bytes).expect("valid model bytes");
    assert_eq!(loaded.to_bytes(), bytes);
    assert!(first.holdout.accuracy >= 0.95, "{:?}", first.holdout);
    // Another seed gives another split and another forest.
    let other = train::train(&data, 8, false, &mut quiet).expect("training");
    assert!(other.model.to_bytes() != bytes);
}

#[test]
fn neptune_train_twice_writes_byte_identical_model_and_card_files() {
    let dir = tempfile::TempDir::new().unwrap();
    let data = dir.path().join("slice.csv");
    std::fs::write(&data, slice()).unwrap();
    let mut written = Vec::new();
    for run in ["a", "b"] {
        let out = dir.path().join(run).join("model.postcard");
        let status = Command::new(env!("CARGO_BIN_EXE_neptune"))
            .args(["train", "--no-compare", "--seed", "5", "--data"])
            .arg(&data)
            .arg("--out")
            .arg(&out)
            .output()
            .expect("neptune train runs");
        assert_eq!(
            status.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&status.stderr)
        );
        let model = std::fs::read(&out).unwrap();
        let card = std::fs::read_to_string(out.with_extension("card.json")).unwrap();
        written.push((model, card));
    }
    assert!(written[0].0 == written[1].0, "model files differ");
    assert_eq!(written[0].1, written[1].1, "card files differ");
    let model = Model::from_bytes(&written[0].0).expect("a valid model");
    let card: serde_json::Value = serde_json::from_str(&written[0].1).expect("JSON");
    assert_eq!(card["model"]["bytes"], written[0].0.len());
    assert_eq!(card["model"]["trees"], model.trees.len());
    assert_eq!(card["threshold"], model.threshold);
    assert_eq!(card["training"]["file"], "slice.csv");
}

#[test]
fn the_compact_forest_scores_exactly_like_smartcores_predict() {
    let data = Dataset::read(&slice()).expect("a labelled file");
    let (training, holdout) = train::stratified_split(&data.examples, 3);
    let encoding = train::fit_encoding(&data, &training);
    let train_x = train::encode_rows(&data, &training, &encoding);
    let holdout_x = train::encode_rows(&data, &holdout, &encoding);
    let train_y: Vec<bool> = training.iter().map(|&i| data.examples[i].attack).collect();
    let fitted = train::fit_forest(&train_x, &train_y, &ForestSettings::chosen(3)).expect("fit");
    let model = Model::new(encoding, fitted.trees.clone(), 0.5);
    let reloaded = Model::from_bytes(&model.to_bytes()).expect("valid bytes");
    for (what, rows) in [("training", &train_x), ("hold-out", &holdout_x)] {
        let matrix = DenseMatrix::from_2d_vec(&rows.iter().map(|r| r.to_vec()).collect::<Vec<_>>())
            .expect("a matrix");
        let expected: Vec<f64> = fitted.smartcore.predict(&matrix).expect("predict");
        assert_eq!(expected.len(), rows.len());
        for (i, (x, want)) in rows.iter().zip(&expected).enumerate() {
            let got = model.score(x);
            assert_eq!(
                got.to_bits(),
                want.to_bits(),
                "{what} row {i}: compact {got} vs smartcore {want}"
            );
            assert_eq!(reloaded.score(x).to_bits(), want.to_bits());
        }
    }
}

#[test]
fn a_training_file_without_labels_is_refused() {
    let table = Table::new(&hand_written(), &common::standard_names(), None, None);
    let error = Dataset::read(&common::csv(&table)).unwrap_err();
    assert!(matches!(error, TrainError::NoLabel), "{error}");
    assert_eq!(
        error.to_string(),
        "the training file has no label column (attack, label, class, ...)"
    );
}

#[test]
fn a_training_file_with_one_class_is_refused() {
    let normal: Vec<Connection> = hand_written().into_iter().filter(|c| !c.attack).collect();
    let data = Dataset::read(&common::csv(&Table::data_file_layout(&normal))).unwrap();
    let error = train::train(&data, 1, false, &mut quiet)
        .err()
        .expect("one class");
    assert!(matches!(error, TrainError::OneClass), "{error}");
}

#[test]
fn training_reads_rows_through_the_scoring_reader() {
    let label = |i: usize, c: &Connection| match i {
        2 => "smurf.".to_string(),
        3 => String::new(),
        _ => common::label_names(i, c),
    };
    let mut table = Table::new(
        &hand_written(),
        &common::standard_names(),
        Some(("class", &label)),
        None,
    );
    table.rows[5][4] = "-1".to_string();
    let data = Dataset::read(&common::csv(&table)).unwrap();
    assert_eq!(data.examples.len(), 5);
    assert_eq!(data.skipped, 2, "another attack type and an empty label");
    assert_eq!(data.rejected.len(), 1);
    assert_eq!(data.rejected[0].line, 7);
    assert_eq!(
        data.rejected[0].reason,
        "`src_bytes` is `-1`, but it cannot be negative"
    );
}
